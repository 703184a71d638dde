"""tests/e2e/test_scoring.py - the scoring service through the gateway, on the real stack.

Competency models (versions), the question bank, tenant settings, the
stateless preview, interview reports and resume screening, in Chinese and
English, with the evidence behind every number; interview reports filed
under their application's company (the company wall on scoring, reading and
the pipeline's use of the score) and kept encrypted at rest.
"""
import base64
import io
import json
import os
import subprocess
import sys
import urllib.parse
import uuid
import wave

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, check_name_limits, psql, wait_for  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
ctx = {}

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
    subprocess.run([ident, "company", "create", "--tenant", "sa", "--code", "SA1", "--name",
                    "子公司"], env=stack.env, check=True, capture_output=True)
    keys["company_admin"] = subprocess.run(
        [ident, "apikey", "create", "--tenant", "sa", "--scope", "admin", "--company", "SA1"],
        env=stack.env, check=True, capture_output=True, text=True).stdout.strip()
    # two companies of the group with their own HR: SZ's recruiters hold a key bound to SZ
    for code in ("SH", "SZ"):
        subprocess.run([ident, "company", "create", "--tenant", "sa", "--code", code, "--name",
                        "华星科技" + code], env=stack.env, check=True, capture_output=True)
    keys["sz_only"] = subprocess.run(
        [ident, "apikey", "create", "--tenant", "sa", "--scope", "recruiter", "--company", "SZ"],
        env=stack.env, check=True, capture_output=True, text=True).stdout.strip()
    status, page = call("GET", "/v1/companies", key="admin")
    assert status == 200, page
    ctx["companies"] = {c["code"]: c["id"] for c in page["companies"]}
    ctx["tenant"] = psql(stack.dsn, "SELECT id FROM identity.tenants WHERE slug = 'sa'")


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


def count(table):
    return int(psql(stack.dsn, "SELECT count(*) FROM scoring." + table))


@test
def typed_texts_refuse_controls_and_bidi_and_count_characters():
    models, questions = count("competency_models"), count("questions")
    status, p = call("POST", "/v1/competency-models", dict(PM_MODEL, name="产品经理\u202e2026"))
    assert status == 422 and p["errors"] == [
        {"field": "name", "code": "bad_characters",
         "message": "U+202E (bidi control) at character 5 is not allowed"}], p
    comps = json.loads(json.dumps(PM_MODEL["competencies"]))
    comps[0]["name"] = "数据\u0007分析"
    comps[1]["keywords"][0]["term"] = "用户\u200b调研"
    comps[2]["description"] = "跨团队\u2066协作"
    status, p = call("POST", "/v1/competency-models", dict(PM_MODEL, competencies=comps))
    assert status == 422, p
    assert {(e["field"], e["code"]) for e in p["errors"]} == {
        ("competencies[0].name", "bad_characters"),
        ("competencies[1].keywords[0].term", "bad_characters"),
        ("competencies[2].description", "bad_characters")}, p
    # limits are characters: 200 Chinese characters are a name, 201 are not, nor 600 letters
    check_name_limits(lambda n: call("POST", "/v1/competency-models", dict(PM_MODEL, name=n)),
                      "name", "模")
    status, p = call("POST", "/v1/competency-models", dict(PM_MODEL, name="模" * 201))
    assert p["errors"][0] == {"field": "name", "code": "too_long",
                              "message": "1 to 200 characters"}, p
    # a question: free text may break lines, never reorder them
    q = {"text": "请描述\u2066一次失败的经历\u2069。", "language": "zh", "competencies": ["数据分析"]}
    status, p = call("POST", "/v1/questions", q)
    assert status == 422 and p["errors"][0]["field"] == "text", p
    assert p["errors"][0]["code"] == "bad_characters", p
    status, got = call("POST", "/v1/questions", dict(q, text="请描述\n一次失败的经历。"))
    assert status == 201, got
    assert (count("competency_models"), count("questions")) == (models + 1, questions + 1)
    # an interview's answers: refused whole, no report stored
    iid = "itv-" + uuid.uuid4().hex[:8]
    status, p = call("POST", "/v1/interviews/%s:score" % iid, {
        "competencyModelId": model_id(),
        "answers": [{"question": "你如何协作", "text": "我负责\u202e数据分析"}]})
    assert status == 422 and p["errors"][0]["field"] == "answers[0].text", p
    status, p = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 404, p
    status, p = call("POST", "/v1/scoring:preview", {"answer": "ok", "question": "为什么\u202d",
                                                     "competencyModelId": model_id()})
    assert status == 422 and p["errors"][0]["field"] == "question", p


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
def a_company_bound_admin_may_not_change_the_groups_settings():
    status, p = call("PATCH", "/v1/scoring/settings", {"emotionLabels": True},
                     key="company_admin")
    assert status == 403 and p["code"] == "permission_denied", p
    status, s = call("GET", "/v1/scoring/settings", key="admin")
    assert status == 200 and s["emotionLabels"] is False, s  # nothing changed


@test
def a_report_that_does_not_exist_is_404():
    status, p = call("GET", "/v1/interviews/%s/report" % uuid.uuid4())
    assert status == 404 and p["code"] == "not_found", p


GOOD_ZH = ("去年我们的新用户次日留存率只有20%，我负责找出原因。我先做了数据分析，拆解了注册漏斗，"
           "又组织了12场用户访谈，发现引导流程太长。我协调设计和研发两个团队，用A/B测试验证了新流程，"
           "最终次日留存率提升了25%，三个月内新增付费用户3000人。")
STUFFED_ZH = "我擅长数据分析、用户导向、跨团队协作、创新思维，也很熟悉A/B测试和用户调研。"
GOOD_EN = ("Last year our onboarding lost half of new users. I was responsible for fixing it. "
           "I ran a data analysis of the funnel and interviewed 15 users, then I coordinated "
           "design and engineering to run an A/B test. As a result retention increased by 18% "
           "within two months.")


def model_id():
    if "model" not in keys:
        status, m = call("POST", "/v1/competency-models", PM_MODEL)
        assert status == 201, m
        keys["model"] = m["id"]
    return keys["model"]


@test
def preview_scores_evidence_over_vocabulary():
    inline = {"competencies": [{"name": c["name"], "weight": c["weight"],
                                "keywords": [k["term"] for k in c["keywords"]]}
                               for c in PM_MODEL["competencies"]]}
    # the short form integrators use: keywords as plain strings
    status, good = call("POST", "/v1/scoring:preview", {
        "question": "请举例说明你如何用数据分析推动产品决策", "answer": GOOD_ZH,
        "competencyModel": inline})
    assert status == 200, good
    status, stuffed = call("POST", "/v1/scoring:preview", {
        "question": "请举例说明你如何用数据分析推动产品决策", "answer": STUFFED_ZH,
        "competencyModel": inline})
    assert status == 200, stuffed
    assert 0 <= good["overallScore"] <= 100 and good["overallScore"] > stuffed["overallScore"] + 20, \
        (good["overallScore"], stuffed["overallScore"])
    assert good["star"]["situation"] is True or good["star"]["task"] is True, good["star"]
    assert good["star"]["action"] is True and good["star"]["result"] is True, good["star"]
    assert stuffed["star"]["result"] is False, stuffed["star"]
    names = [c["name"] for c in good["competencies"]]
    assert names == ["数据分析", "用户导向", "跨团队协作"], names
    data = good["competencies"][0]
    assert data["score"] > 0 and data["contributions"], data
    ev = [e for c in data["contributions"] for e in c.get("evidence", [])]
    assert ev and all(GOOD_ZH.encode()[e["start"]:e["end"]].decode() == e["text"] for e in ev), ev
    assert any(q["unit"] == "%" and q["value"] == 25 for q in good["quantities"]), good["quantities"]
    assert {k["term"] for k in good["keywords"]} >= {"数据分析", "A/B测试"}, good["keywords"]


@test
def preview_by_model_id_in_english_and_negation():
    mid = model_id()
    status, en = call("POST", "/v1/scoring:preview", {
        "question": "Tell me about a time you used data analysis", "answer": GOOD_EN,
        "competencyModelId": mid})
    assert status == 200, en
    assert en["language"] == "en" and en["overallScore"] > 40, en
    assert en["modelVersion"].startswith(mid + "@"), en["modelVersion"]
    status, neg = call("POST", "/v1/scoring:preview", {
        "question": "你做过数据分析吗", "answer": "我没有做过数据分析，也没有做过A/B测试。",
        "competencyModelId": mid})
    assert status == 200, neg
    k = {x["term"]: x for x in neg["keywords"]}
    assert k["数据分析"]["negated"] == 1 and k["数据分析"]["count"] == 0, neg["keywords"]
    # the competency asked about gets the answer's score: disowned, capped
    assert neg["competencies"][0]["score"] == neg["overallScore"] <= 20, neg
    assert "negated" in {f["name"] for f in neg["evidence"]["flags"]}, neg["evidence"]


@test
def preview_bad_input_is_clear():
    mid = model_id()
    status, empty = call("POST", "/v1/scoring:preview", {"answer": "", "competencyModelId": mid})
    assert status == 200 and empty["warnings"] and empty["overallScore"] == 0, empty
    assert empty["competencies"] == [], empty
    status, p = call("POST", "/v1/scoring:preview", {"answer": "x" * 70000,
                                                     "competencyModelId": mid})
    assert status in (413, 422), (status, p)
    status, p = call("POST", "/v1/scoring:preview", {"answer": "有内容"})
    assert status == 422 and p["errors"][0]["field"] == "competencyModelId", p
    # an id in a body that names nothing (or another tenant's model): 422 at the field
    for mid in (str(uuid.uuid4()), model_id()):
        status, p = call("POST", "/v1/scoring:preview", {"answer": "x", "competencyModelId": mid},
                         key="other" if mid == model_id() else "recruiter")
        assert status == 422 and p["errors"][0] == {
            "field": "competencyModelId", "code": "not_found",
            "message": "not a competency model of this tenant"}, p


STORY_EN = ("Last spring our checkout kept crashing and the store rating fell to 2.8. I took it "
            "on: I read 150 reviews, worked with one engineer on the retry logic and we released "
            "in five days. The rating climbed back to 4.3 within a month.")
NEGATED_ZH = "我没怎么做过数据分析，漏斗、留存、A/B测试这些一般都是数据组在管，我不太清楚。"


def assert_explained(score, text):
    """overallScore is the sum of its contributions (each rounded to 0.1), every
    span is the answer's own bytes, and it names the fitted combination."""
    assert score["scorerVersion"].startswith("ord1-"), score
    parts = score["contributions"]
    assert parts[0]["reason"].startswith("fit.base: "), parts
    assert abs(sum(c["points"] for c in parts) - score["overallScore"]) <= 0.05 * len(parts) + 0.05
    spans = [e for c in parts for e in c.get("evidence", [])]
    spans += [i["span"] for i in score["evidence"].get("items", [])]
    spans += [f["span"] for f in score["evidence"].get("flags", [])]
    assert all(text.encode()[e["start"]:e["end"]].decode() == e["text"] for e in spans), spans
    assert all(e["text"] == e["text"].strip() for e in spans), spans


@test
def preview_and_reports_show_the_evidence_and_the_caps():
    mid = model_id()
    q = "Tell me about a time you used data to fix a problem"
    status, story = call("POST", "/v1/scoring:preview", {
        "question": q, "answer": STORY_EN, "competencyModelId": mid})
    assert status == 200, story
    assert_explained(story, STORY_EN)
    kinds = {i["kind"] for i in story["evidence"]["items"]}
    assert {"ownership", "action", "outcome"} <= kinds, story["evidence"]
    outcome = [i for i in story["evidence"]["items"] if i["kind"] == "outcome"][0]
    assert outcome["direction"] == 1 and outcome["size"] > 0, outcome
    assert not story["evidence"].get("flags"), story["evidence"]
    assert any(c["reason"].startswith("fit.evidence.actions: ") and c["points"] > 0
               and c["evidence"] for c in story["contributions"]), story["contributions"]
    status, neg = call("POST", "/v1/scoring:preview", {
        "question": "你做过数据分析吗", "answer": NEGATED_ZH, "competencyModelId": mid})
    assert status == 200, neg
    assert_explained(neg, NEGATED_ZH)
    flags = {f["name"]: f for f in neg["evidence"]["flags"]}
    assert flags["negated"]["cap"] == 20 and flags["negated"]["reason"], flags
    assert neg["overallScore"] <= 20 < story["overallScore"] - 30, (neg["overallScore"],
                                                                   story["overallScore"])
    # the company's outcome is the story's result part, borrowed, and earns nothing
    status, lent = call("POST", "/v1/scoring:preview", {
        "question": q, "answer": "I worked there for two years on the front desk. That year the "
        "company's revenue grew 40% and we won the regional award.", "competencyModelId": mid})
    assert status == 200, lent
    assert lent["star"]["result"] is True, lent["star"]
    assert lent["star"]["resultEvidence"]["borrowed"] is True, lent["star"]
    assert story["star"]["result"] and not story["star"]["resultEvidence"].get("borrowed"), story
    assert not any(c["reason"].startswith("fit.star.result") for c in lent["contributions"])
    assert lent["overallScore"] < story["overallScore"] - 30, lent["overallScore"]
    # the speaker's doubt about their own part lowers the score, shown on its clause
    hedged_answer = ("Last spring the checkout crashed a lot. I'm not sure it was really me, "
                     "maybe I read some reviews, and I think the rating got better after that.")
    status, doubt = call("POST", "/v1/scoring:preview", {
        "question": q, "answer": hedged_answer, "competencyModelId": mid})
    assert status == 200, doubt
    assert_explained(doubt, hedged_answer)
    hedge = [c for c in doubt["contributions"] if c["reason"].startswith("fit.evidence.hedged: ")]
    assert hedge and hedge[0]["points"] < 0, doubt["contributions"]
    assert hedge[0]["evidence"][0]["text"] == "I'm not sure it was really me", hedge[0]
    assert doubt["overallScore"] < story["overallScore"] - 30, doubt["overallScore"]
    # an interview report carries the same per answer
    iid = "itv-" + uuid.uuid4().hex[:8]
    status, rep = call("POST", "/v1/interviews/%s:score" % iid, {
        "competencyModelId": mid, "locale": "en", "answers": [
            {"question": q, "text": STORY_EN}, {"question": "你做过数据分析吗", "text": NEGATED_ZH}]})
    assert status == 200, rep
    got = [a["score"] for a in rep["answers"]]
    assert got[0]["overallScore"] == story["overallScore"], (got[0], story)
    assert got[0]["contributions"] == story["contributions"], got[0]
    assert got[0]["evidence"] == story["evidence"], got[0]
    def unplaced(flags):  # a report's spans name their answer; a preview's are answer 0
        return [dict(f, span=dict(f["span"], answerIndex=0)) for f in flags]
    assert unplaced(got[1]["evidence"]["flags"]) == unplaced(neg["evidence"]["flags"]), got[1]
    for i, a in enumerate(got):
        for e in [e for c in a["contributions"] for e in c.get("evidence", [])]:
            assert e.get("answerIndex", 0) == i, e
    # the candidate hears what the disowning answer lacked, once, not as missing STAR parts
    about = [h for h in rep["candidateHints"] if "你做过数据分析吗" in h]
    assert about == ['Answering "你做过数据分析吗", you said you had not done it; tell the closest '
                     'thing you did and how it ended'], rep["candidateHints"]


@test
def an_interview_report_explains_itself():
    mid = model_id()
    iid = "itv-" + uuid.uuid4().hex[:8]
    body = {"competencyModelId": mid, "locale": "zh-CN", "answers": [
        {"question": "请介绍一次用数据分析推动产品的经历", "text": GOOD_ZH},
        {"question": "你如何与其他团队协作", "text": STUFFED_ZH},
        {"question": "还有什么想补充的", "text": ""}]}
    status, rep = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200, rep
    assert rep["interviewId"] == iid and rep["modelId"] == mid and rep["modelVersion"] >= 1
    assert 0 < rep["overallScore"] <= 100, rep["overallScore"]
    assert [c["name"] for c in rep["competencies"]] == ["数据分析", "用户导向", "跨团队协作"]
    assert rep["keywordCloud"] and any(k["competency"] for k in rep["keywordCloud"]), rep
    assert rep["suggestedAction"].startswith(("建议", "暂不建议")), rep["suggestedAction"]
    assert rep["recommendation"] in ("advance", "review", "reject")
    assert rep["candidateHints"], rep
    assert rep["delivery"]["present"] is False and rep["delivery"]["absentReason"], rep["delivery"]
    assert any("empty" in w for w in rep["warnings"]), rep["warnings"]
    assert len(rep["answers"]) == 3 and rep["answers"][2]["score"]["warnings"]
    status, again = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 200 and again["overallScore"] == rep["overallScore"], again
    # deterministic
    status, rep2 = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert rep2["overallScore"] == rep["overallScore"]
    assert rep2["competencies"] == rep["competencies"]
    status, p = call("GET", "/v1/interviews/%s/report" % iid, key="other")
    assert status == 404, p


SCORED = "hrflow.scoring.interview.scored.v1"


def scored_events(iid):
    """The scored events of interview iid in events.outbox, oldest first."""
    rows = psql(stack.dsn, "SELECT coalesce(json_agg(json_build_object('tenant', tenant_id,"
                " 'source', source, 'subject', subject, 'traceparent', traceparent,"
                " 'data', data) ORDER BY id), '[]') FROM events.outbox"
                " WHERE type = '%s' AND subject = 'interviews/%s'" % (SCORED, iid))
    return json.loads(rows)


REJECT_BELOW_60 = "when interview_scored if ai_score < 60 then reject"
POOR_ZH = "不太清楚，没有做过。"


def new_application(code):
    """A job of company `code` whose rule rejects on an AI interview score under
    60, a candidate, and their application to it (made with the group's key)."""
    status, job = call("POST", "/v1/jobs", {"companyId": ctx["companies"][code],
                                            "title": "产品经理", "headcount": 1,
                                            "rules": REJECT_BELOW_60})
    assert status == 201, job
    n = uuid.uuid4().int
    status, cand = call("POST", "/v1/candidates", {
        "name": "候选人", "phone": "+86 139-%04d-%04d" % (n % 10000, n // 10000 % 10000),
        "email": "c%s@example.com" % uuid.uuid4().hex[:8],
        "consent": {"automatedAssessment": True, "version": "2026-01"}})
    assert status == 201, cand
    status, app = call("POST", "/v1/applications", {"jobId": job["id"],
                                                    "candidateId": cand["id"]})
    assert status == 201, app
    return app


def interview_body(app_id, *texts):
    body = {"competencyModelId": model_id(), "locale": "zh-CN",
            "answers": [{"question": "请举例说明你如何用数据分析推动产品决策", "text": t}
                        for t in texts]}
    if app_id:
        body["applicationId"] = app_id
    return body


def report_row(iid):
    """Every column of interview iid's row in scoring.reports, as text ("" when none)."""
    return psql(stack.dsn, "SELECT r::text FROM scoring.reports r WHERE interview_id = '%s'"
                % iid)


def application_state(app_id):
    """What the pipeline keeps of an application that an interview score changes:
    its row (stage, version, times), its history and its results."""
    return psql(stack.dsn, "SELECT (SELECT a::text FROM pipeline.applications a WHERE id = '%s'),"
                " (SELECT count(*) FROM pipeline.transitions WHERE application_id = '%s'),"
                " (SELECT count(*) FROM pipeline.assessments WHERE application_id = '%s')"
                % (app_id, app_id, app_id))


def ai_results(app_id):
    return int(psql(stack.dsn, "SELECT count(*) FROM pipeline.assessments WHERE application_id"
                               " = '%s' AND kind = 'ai_interview'" % app_id))


def scored_by_the_group(code):
    """An application of company `code` whose AI interview the group's key
    scored (a good answer: no rule moves it), once the pipeline recorded the
    score; (application, interview id, its report row)."""
    app = new_application(code)
    iid = "itv-%s-%s" % (code.lower(), uuid.uuid4().hex[:8])
    status, rep = call("POST", "/v1/interviews/%s:score" % iid,
                       interview_body(app["id"], GOOD_ZH, GOOD_ZH))
    assert status == 200 and rep["overallScore"] >= 60, rep
    assert rep["companyId"] == ctx["companies"][code], rep
    wait_for(lambda: ai_results(app["id"]) == 1, what="the pipeline to record the score")
    return app, iid, report_row(iid)


@test
def a_scored_interview_is_one_event_in_the_outbox():
    mid = model_id()
    iid = "itv-ev-" + uuid.uuid4().hex[:8]
    app = new_application("SH")["id"]
    status, q = call("POST", "/v1/questions", {
        "text": "请介绍一次用数据分析推动产品的经历", "language": "zh",
        "competencies": ["数据分析"], "goodAnswerPoints": ["数据来源"]})
    assert status == 201, q
    body = {"competencyModelId": mid, "applicationId": app, "answers": [
        {"question": q["text"], "questionId": q["id"], "text": GOOD_ZH},
        {"question": "你如何与其他团队协作", "text": STUFFED_ZH}]}
    trace = "00-%s-%s-01" % (uuid.uuid4().hex, uuid.uuid4().hex[:16])
    status, _, payload = stack.request(
        "POST", "/v1/interviews/%s:score" % iid, json.dumps(body).encode(),
        {"Authorization": "Bearer " + keys["recruiter"], "Content-Type": "application/json",
         "traceparent": trace})
    rep = json.loads(payload)
    assert status == 200 and rep["applicationId"] == app, rep
    events = scored_events(iid)
    assert len(events) == 1, events
    ev = events[0]
    tenant = psql(stack.dsn, "SELECT id FROM identity.tenants WHERE slug = 'sa'")
    assert ev["tenant"] == tenant and ev["source"] == "/hrflow/scoring", ev
    # the event carries the scoring call's span of the client's trace
    _, ev_trace, ev_span, _ = ev["traceparent"].split("-")
    assert ev_trace == trace.split("-")[1] and ev_span != trace.split("-")[2], ev
    data = ev["data"]
    # ids, the score and what people are told: nothing else (no personal data)
    assert sorted(data) == ["applicationId", "companyId", "competencyModelId",
                            "competencyModelVersion", "hints", "interviewId", "recommendation",
                            "reportDigest", "score", "suggestedAction"], data
    assert data["interviewId"] == iid and data["applicationId"] == app, data
    assert data["companyId"] == ctx["companies"]["SH"] == rep["companyId"], data
    assert data["competencyModelId"] == mid and data["competencyModelVersion"] == rep["modelVersion"]
    assert data["score"] == rep["overallScore"] and 0 < data["score"] <= 100, data
    assert data["suggestedAction"] == rep["suggestedAction"], data
    assert data["recommendation"] == rep["recommendation"], data
    assert data["hints"] == rep["candidateHints"] and data["hints"], data
    assert len(data["reportDigest"]) == 64 and int(data["reportDigest"], 16) >= 0, data
    # the same scoring again (a retry): the same report, no second event, the
    # question counted once
    status, rep2 = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200 and rep2["overallScore"] == rep["overallScore"], rep2
    assert len(scored_events(iid)) == 1
    status, q1 = call("GET", "/v1/questions/" + q["id"])
    assert q1["stats"]["timesAsked"] == "1", q1["stats"]
    status, got = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 200 and got["applicationId"] == app, got
    # a different scoring of the interview is a new event with another digest
    body["answers"] = body["answers"][:1]
    status, rep3 = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200, rep3
    events = scored_events(iid)
    assert len(events) == 2, events
    assert events[1]["data"]["reportDigest"] != data["reportDigest"], events
    assert events[1]["data"]["score"] == rep3["overallScore"], events
    # an application id is the pipeline's: a UUID or nothing
    body["applicationId"] = "not-an-id"
    status, p = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 422 and [e["field"] for e in p["errors"]] == ["applicationId"], p
    # one the pipeline does not have is not found, and nothing is stored
    body["applicationId"] = str(uuid.uuid4())
    status, p = call("POST", "/v1/interviews/%s-x:score" % iid, body)
    assert status == 404 and p["code"] == "not_found", p
    assert [e["field"] for e in p["errors"]] == ["applicationId"], p
    assert report_row(iid + "-x") == "" and scored_events(iid + "-x") == [], p
    # without one, the event says ""
    iid2 = iid + "-noapp"
    del body["applicationId"]
    status, rep4 = call("POST", "/v1/interviews/%s:score" % iid2, body)
    assert status == 200 and rep4.get("applicationId", "") == "", rep4
    assert rep4.get("companyId", "") == "", rep4
    events = scored_events(iid2)
    assert len(events) == 1 and events[0]["data"]["applicationId"] == "", events
    assert events[0]["data"]["companyId"] == "", events


@test
def a_key_bound_to_one_company_cannot_score_another_companys_application():
    sh, sh_iid, sh_row = scored_by_the_group("SH")
    before = application_state(sh["id"])
    iid = "itv-attack-" + uuid.uuid4().hex[:8]
    # a poor answer that the SH job's rule would reject the application for
    status, p = call("POST", "/v1/interviews/%s:score" % iid, interview_body(sh["id"], POOR_ZH),
                     key="sz_only")
    assert status == 404 and p["code"] == "not_found", p
    assert [e["field"] for e in p["errors"]] == ["applicationId"], p
    assert sh["id"] in p["detail"], p
    assert report_row(iid) == "" and scored_events(iid) == [], iid
    assert application_state(sh["id"]) == before and report_row(sh_iid) == sh_row
    # a bound key scores the interviews of applications: a report of none would be
    # of no company it may see
    status, p = call("POST", "/v1/interviews/%s:score" % iid, interview_body(None, GOOD_ZH),
                     key="sz_only")
    assert status == 422 and [e["field"] for e in p["errors"]] == ["applicationId"], p
    assert report_row(iid) == "" and scored_events(iid) == [], iid


@test
def a_key_bound_to_one_company_cannot_overwrite_or_read_anothers_report():
    sh, sh_iid, sh_row = scored_by_the_group("SH")
    sh_state = application_state(sh["id"])
    sh_events = scored_events(sh_iid)
    sz = new_application("SZ")
    # the SH interview's id, scored again for an application SZ may score
    status, p = call("POST", "/v1/interviews/%s:score" % sh_iid, interview_body(sz["id"], POOR_ZH),
                     key="sz_only")
    assert status == 404 and p["code"] == "not_found", p
    assert report_row(sh_iid) == sh_row and scored_events(sh_iid) == sh_events
    assert application_state(sh["id"]) == sh_state
    # reading it is the answer for a report that does not exist
    status, p = call("GET", "/v1/interviews/%s/report" % sh_iid, key="sz_only")
    status2, p2 = call("GET", "/v1/interviews/%s/report" % sh_iid[::-1], key="sz_only")
    assert status == status2 == 404, (p, p2)
    assert p["detail"].replace(sh_iid, "") == p2["detail"].replace(sh_iid[::-1], ""), (p, p2)
    # an interview of no application is the group's: not SZ's either
    group_iid = "itv-group-" + uuid.uuid4().hex[:8]
    status, rep = call("POST", "/v1/interviews/%s:score" % group_iid, interview_body(None, GOOD_ZH))
    assert status == 200 and rep.get("companyId", "") == "", rep
    group_row = report_row(group_iid)
    status, p = call("GET", "/v1/interviews/%s/report" % group_iid, key="sz_only")
    assert status == 404, p
    status, p = call("POST", "/v1/interviews/%s:score" % group_iid,
                     interview_body(sz["id"], POOR_ZH), key="sz_only")
    assert status == 404 and report_row(group_iid) == group_row, p
    # SZ scores, reads and scores again its own; the group's key reads it too
    sz_iid = "itv-sz-" + uuid.uuid4().hex[:8]
    status, rep = call("POST", "/v1/interviews/%s:score" % sz_iid, interview_body(sz["id"], GOOD_ZH),
                       key="sz_only")
    assert status == 200 and rep["companyId"] == ctx["companies"]["SZ"], rep
    for key in ("sz_only", "recruiter"):
        status, got = call("GET", "/v1/interviews/%s/report" % sz_iid, key=key)
        assert status == 200 and got["overallScore"] == rep["overallScore"], got
        assert got["companyId"] == ctx["companies"]["SZ"], got
    status, again = call("POST", "/v1/interviews/%s:score" % sz_iid,
                         interview_body(sz["id"], GOOD_ZH, GOOD_ZH), key="sz_only")
    assert status == 200 and len(again["answers"]) == 2, again
    # an interview belongs to one application
    sz_row = report_row(sz_iid)
    sz2 = new_application("SZ")
    status, p = call("POST", "/v1/interviews/%s:score" % sz_iid, interview_body(sz2["id"], GOOD_ZH),
                     key="sz_only")
    assert status == 409 and p["code"] == "conflict", p
    assert [e["field"] for e in p["errors"]] == ["applicationId"], p
    assert report_row(sz_iid) == sz_row
    # the SH report and application never changed
    assert report_row(sh_iid) == sh_row and application_state(sh["id"]) == sh_state


@test
def a_score_event_of_another_company_is_never_applied():
    sh, _, _ = scored_by_the_group("SH")
    before = application_state(sh["id"])
    # an event claiming SZ filed a failing score of the SH application
    forged = {"interviewId": "itv-forged", "applicationId": sh["id"],
              "companyId": ctx["companies"]["SZ"], "competencyModelId": model_id(),
              "competencyModelVersion": 1, "score": 10, "recommendation": "reject",
              "suggestedAction": "", "hints": [], "reportDigest": "0" * 64}
    psql(stack.dsn, "INSERT INTO events.outbox (tenant_id, source, type, subject, data) VALUES"
                    " ('%s', '/hrflow/scoring', '%s', 'interviews/itv-forged', '%s')"
                    % (ctx["tenant"], SCORED, json.dumps(forged)))
    # and one without a company
    del forged["companyId"]
    psql(stack.dsn, "INSERT INTO events.outbox (tenant_id, source, type, subject, data) VALUES"
                    " ('%s', '/hrflow/scoring', '%s', 'interviews/itv-forged', '%s')"
                    % (ctx["tenant"], SCORED, json.dumps(forged)))
    # the pipeline applies events in order: once a later genuine failing score of
    # another SH application has rejected it (by the job's rule), the forged ones
    # have been read
    control = new_application("SH")
    status, rep = call("POST", "/v1/interviews/itv-ctl-%s:score" % control["id"],
                       interview_body(control["id"], POOR_ZH))
    assert status == 200 and rep["overallScore"] < 60, rep
    got = wait_for(lambda: (lambda a: a if a["stage"] == "rejected" else None)(
        call("GET", "/v1/applications/" + control["id"])[1]), what="the genuine score's rule")
    assert got["history"][-1]["actor"] == "rule:1", got
    assert application_state(sh["id"]) == before


def spellings(phrase):
    """A phrase as it may appear in a dump: raw, and JSON-escaped."""
    return {phrase, json.dumps(phrase)[1:-1]}


@test
def reports_keep_no_answer_text_at_rest():
    app = new_application("SH")
    iid = "itv-rest-" + uuid.uuid4().hex[:8]
    body = interview_body(app["id"], GOOD_ZH)
    body["answers"].append({"question": "Tell me about a data-driven decision", "text": GOOD_EN})
    status, rep = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200, rep
    # the report quotes the answers: evidence beyond the model's own keywords
    model_text = json.dumps(PM_MODEL, ensure_ascii=False)
    quotes = {e["text"] for a in rep["answers"] for c in a["score"]["competencies"]
              for x in c.get("contributions", []) for e in x.get("evidence", [])
              if len(e["text"]) >= 6 and e["text"] not in model_text}
    assert quotes, rep["answers"]
    status, got = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 200 and got["answers"] == rep["answers"], got
    secrets = ["12场用户访谈", "onboarding lost half of new users"] + sorted(quotes)
    row = report_row(iid)
    text = stack.dump("scoring", "events")
    for secret in secrets:
        for s in spellings(secret):
            assert s not in row, (secret, row[:300])
            assert s not in text, secret
    # what queries need stays plain
    cols = psql(stack.dsn, "SELECT application_id, company_id, overall_score, body IS NULL,"
                           " body_enc LIKE 'v1.k1.%%', length(body_enc) FROM scoring.reports"
                           " WHERE interview_id = '%s'" % iid).split("|")
    assert cols[:2] + cols[3:5] == [app["id"], ctx["companies"]["SH"], "t", "t"], cols
    # what is sealed is the packed report, not its JSON: far smaller, sealing and base64 and all
    as_json = len(json.dumps(rep, ensure_ascii=False).encode())
    print("# stored report: %s bytes sealed, %d bytes as JSON" % (cols[5], as_json))
    assert int(cols[5]) < as_json * 0.8, (cols[5], as_json)  # sealed JSON was 1.33 times
    assert float(cols[2]) == rep["overallScore"], cols  # psql prints 96.0 as 96
    # a sealed report moved to another interview's row does not open there
    other = "itv-moved-" + uuid.uuid4().hex[:8]
    status, _ = call("POST", "/v1/interviews/%s:score" % other, interview_body(None, GOOD_EN))
    assert status == 200
    psql(stack.dsn, "UPDATE scoring.reports SET body_enc = (SELECT body_enc FROM scoring.reports"
                    " WHERE interview_id = '%s') WHERE interview_id = '%s'" % (iid, other))
    status, p = call("GET", "/v1/interviews/%s/report" % other)
    assert status == 500 and "12场" not in json.dumps(p, ensure_ascii=False), p


@test
def reports_stored_in_plaintext_are_sealed_by_the_service():
    # a report as an earlier version stored it: its JSON in plaintext, no company
    status, rep = call("POST", "/v1/interviews/itv-src-%s:score" % uuid.uuid4().hex[:8],
                       interview_body(None, GOOD_ZH))
    assert status == 200, rep
    iid = "itv-old-" + uuid.uuid4().hex[:8]
    rep["interviewId"] = iid
    rep.pop("companyId", None)
    stack.stop("scoring")
    psql(stack.dsn, "INSERT INTO scoring.reports (tenant_id, interview_id, model_id,"
                    " model_version, overall_score, body) VALUES ('%s', '%s', '%s', %d, %s, '%s')"
                    % (ctx["tenant"], iid, rep["modelId"], rep["modelVersion"],
                       rep["overallScore"], json.dumps(rep).replace("'", "''")))
    assert "12场用户访谈" in report_row(iid)
    stack.start("scoring")
    stack.wait_ready()
    # every replica seals what is left from its start
    wait_for(lambda: psql(stack.dsn, "SELECT body IS NULL AND body_enc IS NOT NULL FROM"
                                     " scoring.reports WHERE interview_id = '%s'" % iid) == "t",
             what="the report to be sealed")
    assert "12场用户访谈" not in report_row(iid)
    status, got = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 200 and got["answers"] == rep["answers"], got
    # a report of no company is the group's
    status, p = call("GET", "/v1/interviews/%s/report" % iid, key="sz_only")
    assert status == 404, p


@test
def a_report_stored_as_json_scored_again_the_same_is_not_told_again():
    # a report as an earlier version stored it: JSON, with a digest of the JSON
    iid = "itv-form-" + uuid.uuid4().hex[:8]
    body = interview_body(None, GOOD_ZH)
    status, rep = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200, rep
    assert len(scored_events(iid)) == 1

    def stored_as_json():
        psql(stack.dsn, "UPDATE scoring.reports SET body = '%s', body_enc = NULL,"
                        " body_digest = NULL WHERE interview_id = '%s'"
                        % (json.dumps(rep).replace("'", "''"), iid))
    stored_as_json()
    # the same report again: stored packed, and no second event
    status, again = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200 and again == rep, again
    assert len(scored_events(iid)) == 1, scored_events(iid)
    assert psql(stack.dsn, "SELECT body IS NULL AND body_enc IS NOT NULL AND body_digest LIKE 'p%%'"
                           " FROM scoring.reports WHERE interview_id = '%s'" % iid) == "t"
    status, got = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 200 and got == rep, got
    # a report that differs from one stored as JSON is stored and told
    stored_as_json()
    status, other = call("POST", "/v1/interviews/%s:score" % iid, interview_body(None, STUFFED_ZH))
    assert status == 200 and other["overallScore"] != rep["overallScore"], other
    events = scored_events(iid)
    assert len(events) == 2 and events[1]["data"]["score"] == other["overallScore"], events
    digest = events[1]["data"]["reportDigest"]
    assert len(digest) == 64 and digest != events[0]["data"]["reportDigest"], events
    status, got = call("GET", "/v1/interviews/%s/report" % iid)
    assert status == 200 and got == other, got
    # and packed, the same once more is not told; a third report is
    status, _ = call("POST", "/v1/interviews/%s:score" % iid, interview_body(None, STUFFED_ZH))
    assert status == 200 and len(scored_events(iid)) == 2
    status, _ = call("POST", "/v1/interviews/%s:score" % iid, body)
    assert status == 200 and len(scored_events(iid)) == 3


@test
def scoring_an_application_while_the_pipeline_is_down_is_503_and_stores_nothing():
    app = new_application("SZ")
    iid = "itv-down-" + uuid.uuid4().hex[:8]
    stack.stop("pipeline")
    try:
        for key in ("sz_only", "recruiter"):
            status, p = call("POST", "/v1/interviews/%s:score" % iid,
                             interview_body(app["id"], GOOD_ZH), key=key)
            assert status == 503 and p["code"] == "unavailable", p
            assert "pipeline" in p["detail"], p
        assert report_row(iid) == "" and scored_events(iid) == []
    finally:
        stack.start("pipeline")
        stack.wait_ready()
    status, rep = call("POST", "/v1/interviews/%s:score" % iid, interview_body(app["id"], GOOD_ZH),
                       key="sz_only")
    assert status == 200 and rep["applicationId"] == app["id"], rep


@test
def an_english_report_is_worded_in_english():
    mid = model_id()
    status, rep = call("POST", "/v1/interviews/itv-en-1:score", {
        "competencyModelId": mid, "locale": "en",
        "answers": [{"question": "Tell me about a data-driven decision", "text": GOOD_EN}]})
    assert status == 200, rep
    assert rep["locale"] == "en" and rep["suggestedAction"][0].isascii(), rep["suggestedAction"]


@test
def screening_matches_skills_experience_and_education():
    resume = ("张三  2016-2019 某电商公司 产品助理；2019.03-至今 某互联网公司 高级产品经理。"
              "负责用户增长，做过大量数据分析和A/B测试，组织用户访谈。本科，计算机科学。"
              "没有Java开发经验。")
    status, r = call("POST", "/v1/scoring:screenResume", {
        "resume": resume, "competencyModelId": model_id(),
        "requirements": {"skills": ["数据分析", "A/B测试", "Java", "SQL"], "minYears": 5,
                         "education": "bachelor"}})
    assert status == 200, r
    assert sorted(r["matched"]) == ["A/B测试", "数据分析"], r
    assert sorted(r["missing"]) == ["Java", "SQL"], r
    assert r["yearsOfExperience"] >= 7 and r["education"] == "bachelor", r
    assert abs(sum(c["points"] for c in r["contributions"]) - r["score"]) < 0.2, r
    assert 50 <= r["score"] <= 100, r
    status, weak = call("POST", "/v1/scoring:screenResume", {
        "resume": "应届生，大专。", "competencyModelId": model_id(),
        "requirements": {"skills": ["数据分析"], "minYears": 3, "education": "master"}})
    assert weak["score"] < 30 and weak["missing"] == ["数据分析"], weak


@test
def many_resumes_are_screened_in_one_call_each_refused_on_its_own():
    mid = model_id()
    resume = ("2018年至今 某互联网公司 产品经理。负责用户增长，做过大量数据分析和A/B测试。本科。")
    need = {"skills": ["数据分析", "A/B测试"], "minYears": 3, "education": "bachelor"}
    status, one = call("POST", "/v1/scoring:screenResume",
                       {"resume": resume, "competencyModelId": mid, "requirements": need})
    assert status == 200, one
    status, theirs = call("POST", "/v1/competency-models", PM_MODEL, key="other")
    assert status == 201, theirs
    items = [{"resume": resume, "competencyModelId": mid, "requirements": need},
             {"resume": "x\u202ey", "competencyModelId": mid},                 # unreadable
             {"resume": resume, "competencyModelId": theirs["id"]},            # another tenant's
             {"resume": "应届生，大专。", "competencyModelId": mid, "requirements": need}]
    status, r = call("POST", "/v1/scoring:screenResumes", {"items": items})
    assert status == 200, r
    res = r["results"]
    assert len(res) == 4, r
    # the same result as screening the resume alone
    assert res[0]["response"] == one and "error" not in res[0], res[0]
    assert res[1]["error"]["code"] == "INVALID_ARGUMENT" and "response" not in res[1], res[1]
    assert [d["field"] for d in res[1]["error"]["details"]] == ["resume"], res[1]
    assert res[2]["error"]["code"] == "INVALID_ARGUMENT", res[2]
    assert [d["code"] for d in res[2]["error"]["details"]] == ["not_found"], res[2]
    assert res[3]["response"]["missing"] == ["数据分析", "A/B测试"], res[3]
    assert res[3]["response"]["score"] < res[0]["response"]["score"], res
    # the other tenant screens with its own model, never with ours
    status, mine = call("POST", "/v1/scoring:screenResumes", {"items": [items[0]]}, key="other")
    assert status == 200, mine
    assert mine["results"][0]["error"]["details"][0]["code"] == "not_found", mine
    for body, field in (({"items": []}, "items"), ({"items": [items[3]] * 65}, "items")):
        status, bad = call("POST", "/v1/scoring:screenResumes", body)
        assert status == 422 and bad["errors"][0]["field"] == field, bad


@test
def questions_are_selected_for_the_resume_with_reasons():
    mid = model_id()
    fam = "fam-" + uuid.uuid4().hex[:6]
    qs = [
        {"text": "描述一次你用数据分析推动决策的案例", "competencies": ["数据分析"],
         "jobFamilies": [fam], "requires": ["数据分析"], "goodAnswerPoints": ["数据来源"]},
        {"text": "讲一次你带领海外团队的经历", "competencies": ["跨团队协作"],
         "jobFamilies": [fam], "requires": ["海外"]},
        {"text": "你如何做用户调研", "competencies": ["用户导向"], "jobFamilies": [fam]},
    ]
    ids = []
    for q in qs:
        status, got = call("POST", "/v1/questions", q)
        assert status == 201, got
        ids.append(got["id"])
    status, sel = call("POST", "/v1/scoring:selectQuestions", {
        "resume": "三年产品经验，主导过多次数据分析项目和用户访谈。", "competencyModelId": mid,
        "jobFamily": fam, "count": 3})
    assert status == 200, sel
    chosen = [x["question"]["id"] for x in sel["questions"]]
    assert ids[0] in chosen and ids[2] in chosen and ids[1] not in chosen, sel
    assert all(x["reason"] for x in sel["questions"]), sel
    assert any("海外" in s for s in sel["skipped"]), sel["skipped"]
    # asking the first question updates its statistics
    status, rep = call("POST", "/v1/interviews/itv-q-%s:score" % fam, {
        "competencyModelId": mid, "answers": [
            {"question": qs[0]["text"], "questionId": ids[0], "text": GOOD_ZH}]})
    assert status == 200, rep
    status, q0 = call("GET", "/v1/questions/" + ids[0])
    assert q0["stats"]["timesAsked"] == "1" and q0["stats"]["averageScore"] > 0, q0
    assert q0["stats"]["oftenMissed"] == [{"point": "数据来源", "count": "1"}], q0


AUDIO = os.path.join(os.path.dirname(__file__), "..", "..", "services", "scoring", "tests", "audio")


def call_audio():
    """A call: the fluent Mandarin answer, 1 s of silence, the hesitant one
    (espeak-ng renderings, services/scoring/tests/audio), as WAV bytes and
    the two answers' times."""
    frames, params, spans, at = [], None, [], 0
    for name in ("zh-fluent.wav", "zh-hesitant.wav"):
        with wave.open(os.path.join(AUDIO, name)) as w:
            params = w.getparams()
            data = w.readframes(w.getnframes())
        ms = len(data) * 1000 // (params.sampwidth * params.framerate)
        spans.append((at, at + ms))
        frames.append(data + b"\0" * (params.sampwidth * params.framerate))  # 1 s gap
        at += ms + 1000
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setparams(params)
        w.writeframes(b"".join(frames))
    return buf.getvalue(), spans


def score_with_audio(iid, audio, spans):
    text = "我负责这个项目，销售翻倍。"
    return call("POST", "/v1/interviews/%s:score" % iid, {
        "competencyModelId": model_id(), "audio": base64.b64encode(audio).decode(),
        "answers": [{"question": "介绍一个项目", "text": text, "startMs": a, "endMs": b}
                    for a, b in spans]})


@test
def call_audio_gives_delivery_measures_without_emotion_labels_by_default():
    audio, spans = call_audio()
    status, rep = score_with_audio("itv-audio-1", audio, spans)
    assert status == 200, rep
    d = rep["delivery"]
    assert d["present"] is True and d["emotionLabels"] is False, d
    assert d["confidence"] == 0 and d["nervousness"] == 0, d
    fluent, hesitant = (a["delivery"] for a in rep["answers"])
    assert fluent["present"] and hesitant["present"], rep["answers"]
    assert hesitant["longPauses"] >= 1 and hesitant["pauseRatio"] > fluent["pauseRatio"], \
        (fluent, hesitant)
    assert fluent["speechRate"] > hesitant["speechRate"] > 0, (fluent, hesitant)
    assert 80 < d["pitchMeanHz"] < 400, d


@test
def emotion_labels_appear_only_when_the_tenant_allows_them():
    audio, spans = call_audio()
    status, _ = call("PATCH", "/v1/scoring/settings", {"emotionLabels": True}, key="admin")
    try:
        status, rep = score_with_audio("itv-audio-2", audio, spans)
    finally:
        call("PATCH", "/v1/scoring/settings", {"emotionLabels": False}, key="admin")
    assert status == 200, rep
    fluent, hesitant = (a["delivery"] for a in rep["answers"])
    assert rep["delivery"]["emotionLabels"] is True
    assert fluent["confidence"] > hesitant["confidence"], (fluent, hesitant)
    assert hesitant["nervousness"] > fluent["nervousness"], (fluent, hesitant)
    # the change between the call and the answer that describes results
    notes = [n for n in rep["delivery"]["notes"] if "描述结果时" in n]
    assert len(notes) == 1 and "%" in notes[0], rep["delivery"]["notes"]


@test
def bad_audio_and_bad_timestamps_are_clear_errors():
    audio, spans = call_audio()
    status, p = score_with_audio("itv-audio-3", b"ID3\x04 not a wav at all" * 10, spans)
    assert status == 422 and p["errors"][0]["field"] == "audio", p
    status, p = score_with_audio("itv-audio-4", audio, [(0, 3000), (2000, 999999)])
    assert status == 422 and p["errors"][0]["field"] == "answers", p
    status, p = call("GET", "/v1/interviews/itv-audio-3/report")
    assert status == 404, p


if __name__ == "__main__":
    run(setup, teardown)
