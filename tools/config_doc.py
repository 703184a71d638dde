#!/usr/bin/env python3
"""Write docs/configuration.md from the binaries' own --help tables.

usage: config_doc.py BUILD_ROOT [--check FILE]

Every binary declares its settings in one table in its source; `--help`
prints that table. This script turns it into markdown, so the documentation
is generated from the code. With --check it compares against FILE instead
and exits 1 (printing a TAP line) when they differ: the test suite runs that.
"""
import os
import re
import subprocess
import sys

LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services",
                    "services.list")
KIND_WHAT = {"broker": "the message bus broker", "gateway": "the HTTP API"}


def processes():
    """[(name, kind)] of services/services.list, in start order."""
    rows = []
    with open(LIST, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words and not words[0].startswith("#"):
                rows.append((words[0], words[1]))
    return rows

HEADER = """# Configuration

Every hrflow binary is configured by environment variables only. A bad value stops
the program at start with one line per problem naming the variable, the value and
what was expected; `<binary> --help` prints the same table as below.

This page is generated from the binaries (`tools/config_doc.py build > docs/configuration.md`);
the test suite fails when it falls behind the code.

Conventions: addresses are `host:port` (IPv4); endpoint lists are comma-separated
ZeroMQ endpoints (`tcp://host:port`, optionally followed by `#` and the CURVE public
key that broker has, when it differs from `HF_BUS_SERVER_KEY`); CURVE keys are 40
characters of Z85 (`hrflow-broker keygen` makes a pair); booleans accept true/false,
1/0, yes/no, on/off; an empty variable means "use the default".
"""


def parse(help_text):
    """[(name, doc, default, range)] from a --help table."""
    rows = []
    for line in help_text.splitlines():
        m = re.match(r"^  (HF_[A-Z0-9_]+)\s+(.*)$", line)
        if m:
            rows.append([m.group(1), m.group(2).strip(), "", ""])
            continue
        m = re.match(r"^\s+(default|range): (.*)$", line)
        if m and rows:
            rows[-1][2 if m.group(1) == "default" else 3] = m.group(2)
        elif re.match(r"^\s+required$", line) and rows:
            rows[-1][2] = "(required)"
    return rows


def help_rows(build_root, name):
    binary = os.path.join(build_root, "services", name, "hrflow-" + name)
    text = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout
    return parse(text)


def table(rows):
    out = ["| variable | default | range | meaning |", "| --- | --- | --- | --- |"]
    for var, doc, default, rng in rows:
        out.append("| `%s` | `%s` | %s | %s |" % (var, default, rng, doc))
    return out


def render(build_root):
    """The broker and the gateway, each whole; then the settings every domain
    service shares (hf_service_main's), and what each one adds."""
    out = [HEADER]
    procs = processes()
    for name, kind in procs:
        if kind != "service":
            out.append("\n## hrflow-%s — %s\n" % (name, KIND_WHAT[kind]))
            out += table(help_rows(build_root, name))
    services = [name for name, kind in procs if kind == "service"]
    rows = {name: help_rows(build_root, name) for name in services}
    common = [r for r in rows[services[0]] if all(r in rows[s] for s in services)]
    out.append("\n## Every domain service — %s\n" % ", ".join("hrflow-" + s for s in services))
    out.append("The runtime's settings (`common/src/service.c`), the same in each.\n")
    out += table(common)
    for name in services:
        own = [r for r in rows[name] if r not in common]
        if own:
            out.append("\n## hrflow-%s — its own settings\n" % name)
            out += table(own)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    text = render(sys.argv[1])
    if len(sys.argv) == 4 and sys.argv[2] == "--check":
        with open(sys.argv[3], encoding="utf-8") as f:
            current = f.read()
        print("1..1")
        if current == text:
            print("ok 1 - docs/configuration.md matches the binaries")
            return
        print("not ok 1 - docs/configuration.md is out of date: run tools/config_doc.py build > docs/configuration.md")
        sys.exit(1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
