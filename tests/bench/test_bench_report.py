"""tests/bench/test_bench_report.py - tools/bench_report.py, the record of `./hrflow bench`.

Feeds it meson test logs written here (JSON lines as meson writes them, the benchmarks'
output in "stdout") and checks what it makes of them: the figures with their aims
judged, a later run of one benchmark replacing only that benchmark's rows, the table
between its markers with the prose around it kept, and a failed benchmark named.
"""
import contextlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from tap import run, test  # noqa: E402

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                    "bench_report.py")
PAGE = "# Performance\n\nIntro.\n\n## Bus\n\nProse kept.\n"


def line(**fig):
    return "HF-BENCH " + json.dumps(fig)


def report(d, runs):
    """Run the tool on a log of runs [(name, result, stdout)] in directory d."""
    log = os.path.join(d, "testlog.json")
    with open(log, "w") as f:
        for name, result, out in runs:
            f.write(json.dumps({"name": name, "result": result, "duration": 1.5,
                                "stdout": out}) + "\n")
    p = subprocess.run([sys.executable, TOOL, "--log", log, "--json",
                        os.path.join(d, "p.json"), "--md", os.path.join(d, "p.md")],
                       capture_output=True, text=True, timeout=60)
    with open(os.path.join(d, "p.json")) as f:
        doc = json.load(f)
    with open(os.path.join(d, "p.md")) as f:
        return p, doc, f.read()


@contextlib.contextmanager
def fresh():
    """A directory with the page to write into, removed afterwards."""
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "p.md"), "w") as f:
            f.write(PAGE)
        yield d


BUS = "\n".join(["| table for people |",
                 line(figure="broker, prefetch 4", value=20000.0, unit="req/s",
                      better="higher", limit="raw", limit_value=400000.0,
                      aim=0.35, aim_of="ratio"),
                 line(figure="broker, prefetch 64", value=150000.0, unit="req/s",
                      better="higher", limit="raw", limit_value=400000.0,
                      aim=0.35, aim_of="ratio")])
PIPE = line(figure="100000 end to end", value=25.0, unit="s", better="lower",
            limit="raw COPY", limit_value=0.5, aim=30, aim_of="value")


@test
def figures_are_read_and_their_aims_judged():
    with fresh() as d:
        p, doc, md = report(d, [("bus", "OK", BUS), ("pipeline", "OK", PIPE)])
        assert p.returncode == 0, p.stderr
        got = {(f["benchmark"], f["figure"]): f["met"] for f in doc["figures"]}
        assert got == {("bus", "broker, prefetch 4"): False, ("bus", "broker, prefetch 64"): True,
                       ("pipeline", "100000 end to end"): True}, got   # 25 s <= 30 s
        assert all(len(f["commit"]) == 40 and f["date"] for f in doc["figures"]), doc
        assert "| bus | broker, prefetch 4 | 20 000 req/s | raw: 400 000 req/s | 0.05 |" in md, md
        assert "| raw COPY: 0.5 s | 0.02 |" in md, md   # seconds: limit / value
        assert md.startswith("# Performance\n\nIntro.\n") and md.endswith("Prose kept.\n"), md
        assert md.index("<!-- bench all: begin -->") < md.index("## Bus"), md


@test
def a_later_run_of_one_benchmark_replaces_only_its_rows():
    with fresh() as d:
        report(d, [("bus", "OK", BUS), ("pipeline", "OK", PIPE)])
        faster = line(figure="100000 end to end", value=40.0, unit="s", better="lower",
                      limit="raw COPY", limit_value=0.5, aim=30, aim_of="value")
        p, doc, md = report(d, [("pipeline", "OK", faster)])
        assert p.returncode == 0, p.stderr
        values = [(f["benchmark"], f["value"], f["met"]) for f in doc["figures"]]
        assert values == [("bus", 20000.0, False), ("bus", 150000.0, True),
                          ("pipeline", 40.0, False)], values
        assert md.count("<!-- bench all: begin -->") == 1 and md.count("| pipeline |") == 1, md
        assert "Prose kept." in md, md


@test
def a_failed_or_silent_benchmark_is_named_and_fails_the_run():
    with fresh() as d:
        p, doc, md = report(d, [("bus", "OK", BUS), ("gateway", "FAIL", "Traceback …\n"),
                                ("import", "OK", "a table but no HF-BENCH line\n")])
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "gateway" in p.stderr and "import" in p.stderr, p.stderr
        assert "failed or printed no figure: gateway (FAIL" in md, md
        assert [b["name"] for b in doc["benchmarks"]] == ["bus", "gateway", "import"], doc


@test
def an_unreadable_log_changes_nothing():
    with fresh() as d:
        log = os.path.join(d, "testlog.json")
        with open(log, "w") as f:
            f.write("{not json\n")
        p = subprocess.run([sys.executable, TOOL, "--log", log, "--json",
                            os.path.join(d, "p.json"), "--md", os.path.join(d, "p.md")],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "testlog.json" in p.stderr, (p.returncode, p.stderr)
        assert not os.path.exists(os.path.join(d, "p.json"))
        with open(os.path.join(d, "p.md")) as f:
            assert f.read() == PAGE


if __name__ == "__main__":
    run()
