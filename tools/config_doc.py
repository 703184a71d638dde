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

BINARIES = [
    ("broker", "the message bus broker"),
    ("gateway", "the HTTP API"),
    ("pipeline", "a domain service; scoring, scheduling, payroll, notify and identity take "
                 "the same settings"),
]
SAME_AS_PIPELINE = ["scoring", "scheduling", "payroll", "notify", "identity"]

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


def render(build_root):
    out = [HEADER]
    for name, what in BINARIES:
        binary = os.path.join(build_root, "services", name, "hrflow-" + name)
        text = subprocess.run([binary, "--help"], check=True, capture_output=True,
                              text=True).stdout
        out.append("\n## hrflow-%s — %s\n" % (name, what))
        out.append("| variable | default | range | meaning |")
        out.append("| --- | --- | --- | --- |")
        for var, doc, default, rng in parse(text):
            out.append("| `%s` | `%s` | %s | %s |" % (var, default, rng, doc))
    for name in SAME_AS_PIPELINE:
        binary = os.path.join(build_root, "services", name, "hrflow-" + name)
        other = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True)
        base = subprocess.run([os.path.join(build_root, "services", "pipeline", "hrflow-pipeline"),
                               "--help"], check=True, capture_output=True, text=True)
        if parse(other.stdout) != parse(base.stdout):
            out.append("\n## hrflow-%s\n\nDiffers from pipeline; see `hrflow-%s --help`." % (name, name))
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
