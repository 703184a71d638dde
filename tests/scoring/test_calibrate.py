"""tests/scoring/test_calibrate.py - `hrflow-scoring calibrate` on the example labelled set.

labelled.jsonl holds 24 answers (Chinese and English) that we rated 1..5 by
hand against pm-model.json: concrete STAR accounts with measured results
(5), concrete without numbers (4), generic process (3), claims and keyword
lists (2), negations and non-answers (1). The scorer must rank them much as
we did, and fitting must not make the agreement worse.

dev.jsonl and test.jsonl are the labelled set the scorer is developed and judged
on (rated by docs/scoring-rating-guide.md); the set's shape and the frozen test
part are checked here.
"""
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from tap import run, test  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(os.environ.get("HF_BUILD_ROOT", ""), "services", "scoring", "hrflow-scoring")
MODEL = os.path.join(HERE, "pm-model.json")
DATA = os.path.join(HERE, "labelled.jsonl")


def calibrate(*args):
    out = subprocess.run([BIN, "calibrate"] + list(args), capture_output=True, text=True,
                         timeout=120)
    values = {}
    for line in out.stdout.splitlines():
        key, _, value = line.rpartition(" ")
        values[key] = value
    return out, values


@test
def the_scores_agree_with_the_human_ratings():
    out, v = calibrate("--model", MODEL, "--data", DATA)
    assert out.returncode == 0, out.stderr
    assert v["answers"] == "24", v
    assert float(v["spearman"]) >= 0.6, v
    assert float(v["qwk"]) >= 0.4, v


@test
def fitting_weights_does_not_make_agreement_worse_and_writes_the_model():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fitted.json")
        out, v = calibrate("--model", MODEL, "--data", DATA, "--fit", "--out", path)
        assert out.returncode == 0, out.stderr
        assert float(v["fitted mse"]) <= float(v["mse"]), v
        fitted = json.load(open(path))
    original = json.load(open(MODEL))
    names = [c["name"] for c in fitted["competencies"]]
    assert names == [c["name"] for c in original["competencies"]], names
    weights = [c["weight"] for c in fitted["competencies"]]
    assert all(w >= 0 for w in weights) and abs(sum(weights) - 4.0) < 0.05, weights
    assert weights != [1, 1, 1, 1], weights
    # deterministic
    out2, v2 = calibrate("--model", MODEL, "--data", DATA, "--fit")
    assert v2["fitted mse"] == v["fitted mse"], (v, v2)


@test
def bad_usage_and_bad_data_are_clear():
    out, _ = calibrate("--data", DATA)
    assert out.returncode == 2 and "--model" in out.stderr, out.stderr
    out, _ = calibrate("--model", MODEL, "--data", DATA, "--out", "/tmp/x.json")
    assert out.returncode == 2 and "--fit" in out.stderr, out.stderr
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write('{"question": "q", "answer": "a", "rating": 3}\n{"answer": "b", "rating": 9}\n')
    out, _ = calibrate("--model", MODEL, "--data", f.name)
    os.unlink(f.name)
    assert out.returncode == 1 and "line 2" in out.stderr, out.stderr
    out, _ = calibrate("--model", "/nonexistent.json", "--data", DATA)
    assert out.returncode == 1 and out.stderr, out.stderr


LANGUAGES = {"zh-Hans", "zh-Hant", "en", "mixed"}
CATEGORIES = {"strong_numbers", "strong_no_numbers", "modest_real", "hedged", "rambling",
              "keyword_list", "credentials", "generic_claim", "negated", "team_without_me",
              "off_topic", "fillers", "hypothetical", "borrowed_result"}
STAR = {"situation", "task", "action", "result"}


@test
def the_labelled_set_is_well_formed_and_its_test_part_frozen():
    rows = []
    for part in ("dev.jsonl", "test.jsonl"):
        with open(os.path.join(HERE, part), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                row = json.loads(line)
                rows.append(row)
                where = f"{part} line {n}"
                assert set(row) == {"id", "model", "competency", "question", "answer", "rating",
                                    "language", "category", "star", "note"}, (where, sorted(row))
                assert row["rating"] in (1, 2, 3, 4, 5), where
                assert row["language"] in LANGUAGES and row["category"] in CATEGORIES, where
                assert set(row["star"]) == STAR, where
                assert all(isinstance(v, bool) for v in row["star"].values()), where
                assert row["question"].strip() and row["answer"].strip() and row["note"].strip(), where
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, c in collections.Counter(ids).items() if c > 1]
    assert len(rows) >= 240, len(rows)
    models = {}
    for name in {r["model"] for r in rows}:
        with open(os.path.join(HERE, "models", name + ".json"), encoding="utf-8") as f:
            models[name] = {c["name"] for c in json.load(f)["competencies"]}
    for r in rows:
        assert r["competency"] in models[r["model"]], (r["id"], r["competency"])
    cells = collections.Counter((r["language"], r["category"]) for r in rows)
    assert min(cells.values()) >= 2, [c for c, n in cells.items() if n < 2]
    with open(os.path.join(HERE, "FROZEN")) as f:
        digest, name = f.read().split()
    with open(os.path.join(HERE, name), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest, "the frozen test part changed"


if __name__ == "__main__":
    run()
