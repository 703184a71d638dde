#!/usr/bin/env python3
"""tools/bench_report.py - the figures of a `./hrflow bench` run, written down.

    tools/bench_report.py [--log build/meson-logs/testlog.json]
                          [--json docs/performance.json] [--md docs/performance.md]

Reads meson's test log of a `meson test --benchmark` run, takes every `HF-BENCH {...}`
line a benchmark printed (tests/bench/benchout.h says the format) and writes:

- `--json`: {"machine", "benchmarks": [{name, result, seconds, figures, commit, date}],
  "figures": [{benchmark, figure, value, unit, limit, limit_value, ratio, aim, aim_of,
  better, met, commit, dirty, date}]}. The benchmarks of this run replace their
  earlier entries; the others are kept, each with the commit and date it was measured
  at, so one benchmark can be measured again after a change and compared;
- `--md`: the table between the lines `<!-- bench all: begin -->` and
  `<!-- bench all: end -->` of the performance page (the rest of the page is prose
  kept by hand).

Exits 1 when a benchmark of this run failed or printed no figure, 2 on a log it
cannot read.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- bench all: begin -->", "<!-- bench all: end -->"
PREFIX = "HF-BENCH "


def read_log(path):
    """[(benchmark, result, seconds, [figure...])] from meson's JSON-lines test log."""
    runs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            figures = []
            for out in (t.get("stdout") or "").splitlines():
                if out.startswith(PREFIX):
                    fig = json.loads(out[len(PREFIX):])
                    fig = {"benchmark": t["name"], **fig}
                    fig["ratio"] = ratio(fig)
                    fig["met"] = met(fig)
                    figures.append(fig)
            runs.append((t["name"], t.get("result"), round(t.get("duration", 0.0), 1), figures))
    return runs


def ratio(fig):
    """The value beside its limit, 1.0 at the limit: value / limit when higher is better,
    limit / value when lower is; None without a limit."""
    v, lim = fig["value"], fig.get("limit_value")
    if not fig.get("limit") or not lim or not v:
        return None
    return round(lim / v if fig.get("better") == "lower" else v / lim, 6)


def met(fig):
    """Whether the figure meets its aim, or None when it has none (or no ratio to judge)."""
    if fig.get("aim") is None:
        return None
    got = fig.get("ratio") if fig.get("aim_of") == "ratio" else fig["value"]
    if got is None:
        return None
    lower = fig.get("better") == "lower" and fig.get("aim_of") != "ratio"
    return got <= fig["aim"] if lower else got >= fig["aim"]


def git(*args):
    return subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True,
                          text=True).stdout.strip()


def machine():
    mem = cpu = ""
    try:
        with open("/proc/meminfo") as f:
            mem = next(line.split()[1] for line in f if line.startswith("MemTotal"))
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), "")
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "memory_gib": round(int(mem or 0) / 1048576, 1),
            "cpu": cpu, "kernel": os.uname().release}


def bench_order():
    """The benchmarks in the order tests/bench/meson.build declares them."""
    try:
        with open(os.path.join(ROOT, "tests", "bench", "meson.build"), encoding="utf-8") as f:
            return re.findall(r"^benchmark\('([^']+)'", f.read(), re.M)
    except OSError:
        return []


def number(v):
    if v is None:
        return ""
    if abs(v) >= 100:
        return "{:,.0f}".format(v).replace(",", " ")
    return "{:.3g}".format(v)


def aim_text(fig):
    if fig.get("aim") is None:
        return ""
    if fig.get("aim_of") == "ratio":
        return "ratio ≥ %s" % number(fig["aim"])
    op = "≤" if fig.get("better") == "lower" else "≥"
    return "%s %s %s" % (op, number(fig["aim"]), fig["unit"])


def table(doc):
    m = doc["machine"]
    lines = [BEGIN, "",
             "Written by `./hrflow bench` (tools/bench_report.py) on %d cores, %s GiB, %s; "
             "machine-readable in `docs/performance.json`. Each figure is beside the physical "
             "limit measured in the same run; the ratio is 1.0 at the limit. `measured` is "
             "the date and commit of the run (`+` when the tree had changes)."
             % (m["cores"], m["memory_gib"], m["cpu"] or "unknown CPU"),
             "",
             "| benchmark | figure | value | limit measured beside it | ratio | aim | met "
             "| measured |",
             "| --- | --- | ---: | --- | ---: | --- | :---: | --- |"]
    for f in doc["figures"]:
        limit = ("%s: %s %s" % (f["limit"], number(f["limit_value"]), f["unit"])
                 if f.get("limit") else "")
        lines.append("| %s | %s | %s %s | %s | %s | %s | %s | %s `%s`%s |" % (
            f["benchmark"], f["figure"], number(f["value"]), f["unit"], limit,
            number(f.get("ratio")), aim_text(f),
            {True: "yes", False: "**no**", None: ""}[f["met"]], f["date"][:10],
            f["commit"][:7], "+" if f["dirty"] else ""))
    bad = [b for b in doc["benchmarks"] if b["result"] != "OK" or not b["figures"]]
    if bad:
        lines += ["", "Benchmarks that failed or printed no figure: " +
                  ", ".join("%s (%s, %s)" % (b["name"], b["result"], b["date"][:10])
                            for b in bad) + "."]
    return "\n".join(lines + ["", END])


def write_md(path, block):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:  # first run: after the page's introduction, before its first section
        cut = text.index("\n## ")
        text = text[:cut] + "\n" + block + "\n" + text[cut:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", default=os.path.join(ROOT, "build", "meson-logs", "testlog.json"))
    ap.add_argument("--json", default=os.path.join(ROOT, "docs", "performance.json"))
    ap.add_argument("--md", default=os.path.join(ROOT, "docs", "performance.md"))
    a = ap.parse_args()
    try:
        runs = read_log(a.log)
    except (OSError, ValueError, KeyError) as e:
        print("bench_report: %s: %s" % (a.log, e), file=sys.stderr)
        return 2
    # the record's own two files do not make the code measured a changed tree
    changed = git("status", "--porcelain", "--", ".", ":!docs/performance.json",
                  ":!docs/performance.md")
    stamp = {"commit": git("rev-parse", "HEAD"), "dirty": bool(changed),
             "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    names = [n for n, _, _, _ in runs]
    try:
        with open(a.json, encoding="utf-8") as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = {"benchmarks": [], "figures": []}
    doc = {"machine": machine(),
           "benchmarks": [b for b in old["benchmarks"] if b["name"] not in names]
           + [dict(name=n, result=r, seconds=s, figures=len(f), **stamp) for n, r, s, f in runs],
           "figures": [f for f in old["figures"] if f["benchmark"] not in names]
           + [dict(f, **stamp) for _, _, _, figs in runs for f in figs]}
    order = {n: i for i, n in enumerate(bench_order())}
    doc["benchmarks"].sort(key=lambda b: order.get(b["name"], len(order)))
    doc["figures"].sort(key=lambda f: order.get(f["benchmark"], len(order)))  # stable
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    write_md(a.md, table(doc))
    for f in (f for f in doc["figures"] if f["benchmark"] in names):
        print("%-20s %-52s %12s %-8s ratio %-6s %s" % (
            f["benchmark"], f["figure"][:52], number(f["value"]), f["unit"],
            number(f.get("ratio")), {True: "met", False: "MISSED", None: ""}[f["met"]]))
    bad = [n for n, r, _, figs in runs if r != "OK" or not figs]
    if bad:
        print("bench_report: failed or without figures: " + ", ".join(bad), file=sys.stderr)
    print("wrote %s and the table in %s" % (os.path.relpath(a.json, ROOT),
                                           os.path.relpath(a.md, ROOT)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
