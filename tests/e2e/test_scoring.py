"""tests/e2e/test_scoring.py - the scoring service through the gateway, on the real stack.

Competency models (versions), the question bank, tenant settings, the
stateless preview, interview reports and resume screening, in Chinese and
English, with the evidence behind every number.
"""
import json
import os
import subprocess
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}

PM_MODEL = {
    "name": "产品经理 2026", "jobFamily": "product",
    "coreValues": ["客户第一", "ownership"],
    "competencies": [
        {"name": "数据分析", "weight": 3, "keywords": [
            {"term": "数据分析", "synonyms": ["data analysis", "数据驱动"]},
            {"term": "留存率", "synonyms": ["retention"]},
            {"term": "A/B测试", "synonyms": ["AB测试", "A/B test"]}]},
        {"name": "用户导向", "weight": 2, "keywords": [
            {"term": "用户调研", "synonyms": ["user research", "用户访谈"]},
            {"term": "用户反馈", "synonyms": ["customer feedback"]}]},
        {"name": "跨团队协作", "weight": 2, "keywords": [
            {"term": "协调", "synonyms": ["coordinate", "对齐"]},
            {"term": "跨部门", "synonyms": ["cross-team", "跨团队"]}],
         "negativeCues": ["甩锅", "not my job"]},
    ],
}


def setup():
    global stack
    stack = Stack("scoring", {"HF_GATEWAY_RATE_LIMITS": "admin=1000:1000,recruiter=1000:1000"})
    stack.start_all()
    ident = stack.binary("identity")
    for slug in ("sa", "sb"):
        subprocess.run([ident, "tenant", "create", "--slug", slug, "--name", slug], env=stack.env,
                       check=True, capture_output=True)
    for name, slug, scope in [("admin", "sa", "admin"), ("recruiter", "sa", "recruiter"),
                              ("payroll", "sa", "payroll"), ("other", "sb", "admin")]:
        keys[name] = subprocess.run([ident, "apikey", "create", "--tenant", slug, "--scope",
                                     scope], env=stack.env, check=True, capture_output=True,
                                    text=True).stdout.strip()


def teardown():
    if stack:
        stack.destroy()


def call(method, path, body=None, key="recruiter"):
    h = {"Authorization": "Bearer " + keys[key]}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    status, _, payload = stack.request(method, path, data, h)
    return status, json.loads(payload) if payload else None


@test
def a_model_is_created_versioned_and_isolated():
    status, m = call("POST", "/v1/competency-models", PM_MODEL)
    assert status == 201, m
    assert m["version"] == 1 and m["id"] and m["createTime"], m
    assert [c["name"] for c in m["competencies"]] == ["数据分析", "用户导向", "跨团队协作"]
    status, m2 = call("PATCH", "/v1/competency-models/" + m["id"], {"name": "产品经理 v2"})
    assert status == 200 and m2["version"] == 2 and m2["name"] == "产品经理 v2", m2
    assert m2["competencies"] == m["competencies"], m2
    status, old = call("GET", "/v1/competency-models/%s?version=1" % m["id"])
    assert status == 200 and old["name"] == "产品经理 2026" and old["version"] == 1, old
    status, latest = call("GET", "/v1/competency-models/" + m["id"])
    assert latest["version"] == 2
    status, page = call("GET", "/v1/competency-models")
    assert [x["version"] for x in page["models"] if x["id"] == m["id"]] == [2], page
    status, other = call("GET", "/v1/competency-models/" + m["id"], key="other")
    assert status == 404, other
    status, listed = call("GET", "/v1/competency-models", key="other")
    assert m["id"] not in [x["id"] for x in listed["models"]]


@test
def an_invalid_model_names_every_problem():
    bad = {"name": "", "competencies": [
        {"name": "A", "weight": -1, "keywords": [{"term": ""}]},
        {"name": "A", "weight": 0}]}
    status, p = call("POST", "/v1/competency-models", bad)
    assert status == 422 and p["code"] == "invalid_argument", p
    fields = sorted(e["field"] for e in p["errors"])
    assert fields == ["competencies", "competencies[0].keywords[0].term",
                      "competencies[0].weight", "competencies[1].name", "name"], fields
    status, p = call("POST", "/v1/competency-models", {"name": "x", "competencies": []})
    assert status == 422 and p["errors"][0]["field"] == "competencies", p
    status, p = call("POST", "/v1/competency-models", PM_MODEL, key="payroll")
    assert status == 403, p


@test
def the_question_bank_keeps_questions_with_statistics():
    q = {"text": "请描述一次你用数据分析推动产品决策的经历。", "language": "zh",
         "competencies": ["数据分析"], "jobFamilies": ["product"],
         "goodAnswerPoints": ["数据来源", "分析方法", "量化结果"], "requires": ["数据分析"]}
    status, got = call("POST", "/v1/questions", q)
    assert status == 201, got
    assert got["stats"] == {"timesAsked": "0", "averageScore": 0, "oftenMissed": []}, got
    status, again = call("GET", "/v1/questions/" + got["id"])
    assert status == 200 and again["text"] == q["text"], again
    status, page = call("GET", "/v1/questions?job_family=product&competency="
                        + urllib.parse.quote("数据分析"))
    assert got["id"] in [x["id"] for x in page["questions"]], page
    status, page = call("GET", "/v1/questions?competency=" + urllib.parse.quote("用户导向"))
    assert got["id"] not in [x["id"] for x in page["questions"]], page
    status, p = call("POST", "/v1/questions", {"text": "", "language": "fr"})
    assert status == 422 and sorted(e["field"] for e in p["errors"]) == ["language", "text"], p


@test
def emotion_labels_are_off_until_an_admin_turns_them_on():
    status, s = call("GET", "/v1/scoring/settings")
    assert status == 200 and s == {"emotionLabels": False, "emotionMayReject": False}, s
    status, p = call("PATCH", "/v1/scoring/settings", {"emotionLabels": True})
    assert status == 403, p
    status, s = call("PATCH", "/v1/scoring/settings", {"emotionLabels": True}, key="admin")
    assert status == 200 and s["emotionLabels"] is True and s["emotionMayReject"] is False, s
    status, s = call("GET", "/v1/scoring/settings", key="other")
    assert s["emotionLabels"] is False, s
    call("PATCH", "/v1/scoring/settings", {"emotionLabels": False}, key="admin")


@test
def a_report_that_does_not_exist_is_404():
    status, p = call("GET", "/v1/interviews/%s/report" % uuid.uuid4())
    assert status == 404 and p["code"] == "not_found", p


if __name__ == "__main__":
    run(setup, teardown)
