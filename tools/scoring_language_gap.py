#!/usr/bin/env python3
"""tools/scoring_language_gap.py - how far the English - zh-Hans Spearman gap of one
small sample strays from the development part's.

    tools/scoring_language_gap.py [--scorer build/services/scoring/hrflow-scoring]
                                  [--en 29] [--zh 41] [--draws 2000]

Scores tests/scoring/dev.jsonl cross-validated (5 folds by the SHA-256 of the id:
fit on four with the shipped fit's recipe, score the fifth with that fit), prints
the Spearman correlation per language, then draws --en English and --zh zh-Hans
answers (the frozen part's sizes) --draws times, without replacement, and prints the
mean, standard deviation and 90 % interval of the difference English - zh-Hans
(docs/scoring.md, section 7). Deterministic: a fixed seed.
"""
import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = os.path.join(ROOT, "tests", "scoring", "models")
RECIPE = ["--fit-ordinal", "--signed", "--drop", "answer,length.log", "--lambda", "10"]


def ranks(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    return cov / (va * vb) ** 0.5 if va and vb else 0.0


def cross_validated(scorer, rows, tmp):
    base = [scorer, "calibrate", "--models", MODELS, "--model", os.path.join(MODELS, "pm.json")]
    fold = {r["id"]: int(hashlib.sha256(r["id"].encode()).hexdigest(), 16) % 5 for r in rows}
    score = {}
    for f in range(5):
        paths = {}
        for part, keep in (("train", lambda r: fold[r["id"]] != f), ("held", lambda r: fold[r["id"]] == f)):
            paths[part] = os.path.join(tmp, f"{part}{f}.jsonl")
            with open(paths[part], "w", encoding="utf-8") as out:
                out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if keep(r))
        fit = os.path.join(tmp, f"fit{f}.json")
        answers = os.path.join(tmp, f"answers{f}.jsonl")
        subprocess.run(base + ["--data", paths["train"], *RECIPE, "--out-fit", fit],
                       check=True, capture_output=True)
        subprocess.run(base + ["--data", paths["held"], "--fit-in", fit, "--answers", answers],
                       check=True, capture_output=True)
        with open(answers, encoding="utf-8") as f_in:
            for line in f_in:
                a = json.loads(line)
                score[a["id"]] = a["score"]
    return score


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scorer", default=os.path.join(ROOT, "build", "services", "scoring", "hrflow-scoring"))
    ap.add_argument("--en", type=int, default=29)
    ap.add_argument("--zh", type=int, default=41)
    ap.add_argument("--draws", type=int, default=2000)
    args = ap.parse_args()
    with open(os.path.join(ROOT, "tests", "scoring", "dev.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    with tempfile.TemporaryDirectory() as tmp:
        score = cross_validated(args.scorer, rows, tmp)
    by = {}
    for r in rows:
        by.setdefault(r["language"], []).append(r)

    def rho(group):
        return spearman([r["rating"] for r in group], [score[r["id"]] for r in group])

    for lang in sorted(by):
        print(f"spearman.language.{lang} {rho(by[lang]):.3f} n={len(by[lang])}")
    if len(by.get("en", [])) < args.en or len(by.get("zh-Hans", [])) < args.zh:
        sys.exit("too few answers to draw from")
    rng = random.Random(7)
    d = sorted(rho(rng.sample(by["en"], args.en)) - rho(rng.sample(by["zh-Hans"], args.zh))
               for _ in range(args.draws))
    mean = sum(d) / len(d)
    sd = (sum((x - mean) ** 2 for x in d) / len(d)) ** 0.5
    lo, hi = d[int(0.05 * len(d))], d[int(0.95 * len(d)) - 1]
    print(f"en - zh-Hans at n={args.en}/{args.zh}: mean {mean:.3f} sd {sd:.3f} "
          f"90% interval [{lo:.3f}, {hi:.3f}]")


if __name__ == "__main__":
    main()
