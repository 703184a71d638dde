#!/usr/bin/env python3
"""tools/scoring_split.py - split the labelled interview answers ONCE into a
development part and a frozen test part.

    tools/scoring_split.py INPUT.jsonl [--out tests/scoring]

Within every language x category cell, the answers are ordered by the SHA-256 of
SEED + their id and the first round(30 %) of them (at least 1 when the cell holds 2
or more) go to test.jsonl, the rest to dev.jsonl; each part keeps the input's order.
The split is deterministic (no random generator, no dependence on the Python
version), so its output can be checked against the committed files.

It was run once, on tests/scoring/answers.jsonl as committed in "scoring: 297
interview answers rated 1-5 ..." (that file was removed after the split so that every
answer lives in one file), and its output is committed. It must NOT be rerun to
reshuffle: the test part is frozen (tests/scoring/FROZEN holds its SHA-256, checked by
tests/scoring/test_calibrate.py). Nothing may be tuned on test.jsonl. New answers go
into dev.jsonl by hand; the script refuses to overwrite an existing test.jsonl.
"""
import argparse
import collections
import hashlib
import json
import os
import sys

SEED = "hrflow-scoring-split-2026"
TEST_SHARE = 0.30


def test_count(n):
    if n < 2:
        return 0
    return max(1, int(n * TEST_SHARE + 0.5))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "scoring"))
    args = ap.parse_args()
    test_path = os.path.join(args.out, "test.jsonl")
    if os.path.exists(test_path):
        sys.exit(f"{test_path} exists: the test part is frozen, do not reshuffle it")
    rows = [json.loads(line) for line in open(args.input, encoding="utf-8") if line.strip()]
    cells = collections.defaultdict(list)
    for row in rows:
        cells[(row["language"], row["category"])].append(row["id"])
    test_ids = set()
    for ids in cells.values():
        ranked = sorted(ids, key=lambda i: hashlib.sha256((SEED + i).encode()).hexdigest())
        test_ids.update(ranked[:test_count(len(ids))])
    dev = [r for r in rows if r["id"] not in test_ids]
    test = [r for r in rows if r["id"] in test_ids]
    for name, part in (("dev.jsonl", dev), ("test.jsonl", test)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for row in part:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    digest = hashlib.sha256(open(test_path, "rb").read()).hexdigest()
    with open(os.path.join(args.out, "FROZEN"), "w") as f:
        f.write(f"{digest}  test.jsonl\n")
    print(f"dev {len(dev)}  test {len(test)}  sha256 {digest}")


if __name__ == "__main__":
    main()
