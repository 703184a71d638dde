"""tests/e2e/test_engine.py - call engines through the gateway, with the reference engine.

Claims never hold more calls than a pool has lines, with many engines
claiming at once across two scheduling replicas; an engine killed mid-call
(the reference engine's process, killed) lets its lease lapse and the
interview is called once more; calls not answered are tried again the
job's retry_minutes later and end as one no_show the pipeline acts on once;
reports on a lease the caller does not hold change nothing; and the whole
path: the pipeline's rules invite, scheduling places the interview, the
status page shows the time, the reference engine calls and hands the
transcript (and espeak-ng audio) to scoring, and the job's rules move the
application on the score.

The one clock (scheduling.now(), the timers' too) is held with timers.freeze
and moved by the test, so slots come due, leases lapse and timers fire
without waiting.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql, wait_for  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
engines = []   # the reference engines the tests started
keys = {}
ctx = {}
NOW = "2027-03-01T08:00:00+08:00"   # a Monday
ENGINE = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "call_engine.py")
MODEL = {
    "name": "产品经理", "jobFamily": "product",
    "competencies": [
        {"name": "数据分析", "weight": 3, "keywords": [
            {"term": "数据分析", "synonyms": ["数据驱动"]},
            {"term": "留存率", "synonyms": ["retention"]},
            {"term": "A/B测试", "synonyms": ["AB测试"]}]},
        {"name": "用户导向", "weight": 2, "keywords": [
            {"term": "用户调研", "synonyms": ["用户访谈"]},
            {"term": "用户反馈", "synonyms": ["customer feedback"]}]},
        {"name": "跨团队协作", "weight": 2, "keywords": [
            {"term": "协调", "synonyms": ["对齐"]},
            {"term": "跨部门", "synonyms": ["跨团队"]}]},
    ],
}


def setup():
    global stack
    stack = Stack("engine", {"HF_GATEWAY_RATE_LIMITS":
                             "admin=5000:5000,recruiter=5000:5000,engine=5000:5000,"
                             "public=5000:5000",
                             "HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1",
                             "HF_SCHEDULING_LEASES_S": "1"})
    stack.start_all()
    stack.tenant("ea", "SH", "SZ", "TK", "CD", "WH")
    stack.tenant("eb")
    keys.update(stack.apikeys([("admin", "ea", "admin", None),
                               ("recruiter", "ea", "recruiter", None),
                               ("engine", "ea", "engine", None),
                               ("engine_sz", "ea", "engine", "SZ"),
                               ("engine_sh", "ea", "engine", "SH"),
                               ("engine_cd", "ea", "engine", "CD"),
                               ("engine_wh", "ea", "engine", "WH"),
                               ("other", "eb", "engine", None)]))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies",
                                                         key="admin")[1]["companies"]}
    psql(stack.dsn, "SELECT timers.freeze('%s')" % NOW)
    assert call("PATCH", "/v1/interview-lines", {"lines": 50}, key="admin")[0] == 200
    status, m = call("POST", "/v1/competency-models", MODEL)
    assert status == 201, m
    ctx["model"] = m["id"]


def teardown():
    for p in engines:   # a test that failed before killing its engine leaves none behind
        if p.poll() is None:
            p.kill()
            p.wait()
    if stack:
        stack.destroy()


def call(method, path, body=None, key="recruiter"):
    status, payload = stack.api(keys[key], method, path, body)
    return status, json.loads(payload) if payload else None


def sql(q):
    return psql(stack.dsn, q)


def clock(ts):
    sql("SELECT timers.freeze('%s')" % ts)


def later(minutes):
    sql("SELECT timers.advance('%d minutes')" % minutes)


def lines(company, n):
    assert call("PATCH", "/v1/companies/%s/interview-lines" % ctx["companies"][company],
                {"lines": n}, key="admin")[0] == 200


def job_of(company, **extra):
    body = {"companyId": ctx["companies"][company], "title": "产品经理", "headcount": 50,
            "competencyModelId": ctx["model"]}
    body.update(extra)
    status, j = call("POST", "/v1/jobs", body)
    assert status == 201, j
    # a day's grace before the no-show check: the tests move the clock past whole mornings
    # before any engine has called (with engines at work the check waits for them anyway)
    status, s = call("PATCH", "/v1/jobs/%s/interview-settings" % j["id"],
                     {"noShowGraceMinutes": 1440})
    assert status == 200, s
    return j


def apply(job, name="王五"):
    status, c = call("POST", "/v1/candidates", {
        "name": name, "phone": "137%08d" % (uuid.uuid4().int % 10 ** 8),
        "resume": "五年产品经理，做过数据分析和用户调研。",
        "consent": {"automatedAssessment": True, "version": "2026-01"}})
    assert status == 201, c
    status, a = call("POST", "/v1/applications", {"jobId": job["id"], "candidateId": c["id"]})
    assert status == 201, a
    return a


def invite_all(job):
    stack.invite_ai_interviews(job["id"], ctx["model"])


def placed(job, n):
    def got():
        status, page = call("GET", "/v1/interviews?jobId=%s&state=scheduled&pageSize=500"
                            % job["id"])
        assert status == 200, page
        return page["interviews"] if len(page["interviews"]) == n else None
    return wait_for(got, timeout=60, what="%d interviews placed" % n)


def claim(key="engine", n=10, secs=60, engine="t"):
    return call("POST", "/v1/call-engine/leases", {"engineId": engine, "max": n,
                                                   "leaseSeconds": secs}, key=key)


def report(lease, outcome, key="engine", reason=""):
    return call("POST", "/v1/call-engine/leases/%s:report" % lease, {"outcome": outcome,
                                                                     "reason": reason}, key=key)


def engine(*args, key="engine"):
    """The reference engine as a process of its own."""
    p = subprocess.Popen(["/usr/bin/python3", ENGINE, "--url", stack.url(""), "--key",
                          keys[key], "--lease-seconds", "30", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    engines.append(p)
    return p


def engine_once(*args, key="engine"):
    p = engine("--once", *args, key=key)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def metric(name, replica="scheduling"):
    url = "http://127.0.0.1:%d/metrics" % stack.metrics_ports[replica]
    total = None
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total = (total or 0) + float(line.rsplit(" ", 1)[1])
    return total


def interview(iid):
    status, v = call("GET", "/v1/interviews/" + iid)
    assert status == 200, v
    return v


def live_leases(company):
    return int(sql("SELECT count(*) FROM scheduling.call_leases WHERE outcome IS NULL AND "
                   "pool_id = '%s'" % ctx["companies"][company]))


# ---- who may call ----

@test
def only_engine_keys_claim_and_an_engine_key_reaches_nothing_else():
    status, p = claim(key="recruiter")
    assert status == 403, p
    status, p = call("GET", "/v1/companies", key="engine")
    assert status == 403, p
    status, p = call("GET", "/v1/interviews", key="engine")
    assert status == 403, p
    status, p = claim()
    assert status == 200 and p.get("leases", []) == [], p


@test
def a_bad_claim_names_its_fields_and_claims_nothing():
    status, p = call("POST", "/v1/call-engine/leases", {"engineId": "", "max": 0,
                                                        "leaseSeconds": 5}, key="engine")
    assert status == 422, p
    assert sorted(e["field"] for e in p["errors"]) == ["engineId", "leaseSeconds", "max"], p
    status, p = call("POST", "/v1/call-engine/leases", {"engineId": "x", "max": 101},
                     key="engine")
    assert status == 422 and p["errors"][0]["field"] == "max", p
    assert sql("SELECT count(*) FROM scheduling.call_leases") == "0"


# ---- lines ----

@test
def claims_never_exceed_the_free_lines_across_two_replicas():
    lines("TK", 3)
    j = job_of("TK")
    for _ in range(12):
        apply(j)
    invite_all(j)
    got = placed(j, 12)
    clock("2027-03-01T18:00:00+08:00")   # the day's slots have all begun
    assert all(v["startTime"] < "2027-03-01T10:00:00Z" for v in got), got
    stack.start("scheduling", name="scheduling2")
    stack.wait_ready()

    def one(i):
        return claim(n=2, engine="race-%d" % i)
    with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(one, range(60)))
    assert all(status == 200 for status, _ in results), results
    leases = [le for _, r in results for le in r.get("leases", [])]
    assert len(leases) == 3, leases
    assert len({le["interviewId"] for le in leases}) == 3
    assert live_leases("TK") == 3
    # the earliest slots first, each in progress with its event
    for le in leases:
        assert le["attempt"] == 1 and le["maxAttempts"] == 3 and le["outcome"] == "", le
        assert interview(le["interviewId"])["state"] == "in_progress"
    assert sql("SELECT count(*) FROM events.outbox WHERE type = "
               "'hrflow.scheduling.interview.in_progress.v1' AND data->>'jobId' = '%s'"
               % j["id"]) == "3"
    # a line comes free: one more, never two
    assert report(leases[0]["id"], "completed")[0] == 200
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        more = [le for _, r in pool.map(one, range(10)) for le in r.get("leases", [])]
    assert len(more) == 1 and live_leases("TK") == 3, more
    total = metric("hf_scheduling_call_claims_total") + metric(
        "hf_scheduling_call_claims_total", "scheduling2")
    assert total >= 4, total
    for name, want in (("hf_scheduling_lines_busy", 3), ("hf_scheduling_calls_due", 8)):
        wait_for(lambda: sum(metric(name, r) or 0 for r in ("scheduling", "scheduling2")) == want,
                 what="the gauge " + name)
    stack.procs["scheduling2"].terminate()
    stack.procs["scheduling2"].wait()
    del stack.procs["scheduling2"]
    ctx["tk"] = [le["interviewId"] for le in leases + more]
    # what is left of TK's calls is ended and the rest cancelled: nothing of it stays due
    for le in leases[1:] + more:
        assert report(le["id"], "completed")[0] == 200
    for v in got:
        if v["id"] not in ctx["tk"]:
            assert call("POST", "/v1/interviews/%s:cancel" % v["id"], {})[0] == 200


# ---- an engine killed mid-call ----

@test
def an_engine_killed_mid_call_lets_the_interview_be_called_once_more():
    clock(NOW)
    lines("CD", 1)
    j = job_of("CD")
    apply(j, "强者陈")
    invite_all(j)
    v = placed(j, 1)[0]
    clock(v["startTime"])
    expired_before = metric("hf_scheduling_lease_expiries_total") or 0
    p = engine("--hang", key="engine_cd")
    wait_for(lambda: sql("SELECT count(*) FROM scheduling.call_leases WHERE interview_id = '%s' "
                         "AND started_time IS NOT NULL" % v["id"]) == "1",
             what="the call under way")
    p.kill()
    p.wait()
    # its line stays taken while the lease lives
    assert claim(key="engine_cd")[1].get("leases", []) == []
    assert interview(v["id"])["state"] == "in_progress"
    later(1)   # the 30 s lease lapsed
    wait_for(lambda: interview(v["id"])["state"] == "retrying", what="the lease expired")
    # the sweep counts the expiry after its transaction commits, so the state can be
    # read a moment before the counter moves
    wait_for(lambda: metric("hf_scheduling_lease_expiries_total") >= expired_before + 1,
             what="the expiry counted")
    log = engine_once(key="engine_cd")
    assert [e["event"] for e in log] == ["started", "completed"], log
    rows = sql("SELECT string_agg(outcome || ':' || attempt, ',' ORDER BY create_time, id) FROM "
               "scheduling.call_leases WHERE interview_id = '%s'" % v["id"])
    assert rows == "expired:1,completed:1", rows
    assert interview(v["id"])["state"] == "completed"
    types = sql("SELECT string_agg(type, ',' ORDER BY id) FROM events.outbox WHERE subject = "
                "'interviews/%s' AND source = '/hrflow/scheduling'"
                % v["id"]).replace("hrflow.scheduling.interview.", "")
    assert types == ("scheduled.v1,in_progress.v1,retrying.v1,in_progress.v1,completed.v1"), types
    assert sql("SELECT count(*) FROM scoring.reports WHERE interview_id = '%s'" % v["id"]) == "1"


# ---- retries ----

@test
def unanswered_calls_are_tried_again_then_one_no_show_reaches_the_pipeline():
    clock(NOW)
    lines("WH", 2)
    j = job_of("WH", rules="when no_show then reject with template missed\n")
    a = apply(j)
    invite_all(j)
    v = placed(j, 1)[0]
    clock(v["startTime"])
    states = []
    for attempt in (1, 2, 3):
        log = engine_once("--outcome", "no_answer", key="engine_wh")
        assert [e["event"] for e in log] == ["started", "no_answer"], log
        states.append(log[1]["state"])
        got = interview(v["id"])
        if attempt < 3:
            assert got["state"] == "retrying" and got["callDue"], got
            assert claim(key="engine_wh")[1].get("leases", []) == []   # not due yet
            later(30)
    assert states == ["retrying", "retrying", "no_show"], states
    assert interview(v["id"])["reason"].startswith("no_answer after 3 calls"), interview(v["id"])
    # the pipeline's no_show result, once, and the job's rule on it
    last = wait_for(lambda: (lambda h: h[-1] if h[-1]["toStage"] == "rejected" else None)(
        call("GET", "/v1/applications/" + a["id"])[1]["history"]), what="the no-show rule")
    assert last["actor"].startswith("rule:") and "template missed" in last["reason"], last
    kinds = [(r["kind"], r["eventId"]) for r in call(
        "GET", "/v1/applications/%s/assessments" % a["id"])[1]["assessments"]]
    assert kinds.count(("no_show", "interview-no-show:" + v["id"])) == 1, kinds
    assert [k for k, _ in kinds].count("no_show") == 1, kinds
    assert sql("SELECT string_agg(outcome || ':' || attempt, ',' ORDER BY attempt) FROM "
               "scheduling.call_leases WHERE interview_id = '%s'" % v["id"]) == \
        "no_answer:1,no_answer:2,no_answer:3"
    assert sql("SELECT count(*) FROM events.outbox WHERE subject = 'interviews/%s' AND type = "
               "'hrflow.scheduling.interview.no_show.v1'" % v["id"]) == "1"


# ---- reports on what the caller does not hold ----

@test
def reports_on_a_lease_not_held_are_refused_and_change_nothing():
    clock(NOW)
    j = job_of("SH")
    apply(j)
    invite_all(j)
    v = placed(j, 1)[0]
    clock(v["startTime"])
    status, got = claim(n=1, key="engine_sh")
    le = got["leases"][0]
    assert le["interviewId"] == v["id"], got
    before = sql("SELECT version FROM scheduling.interviews WHERE id = '%s'" % v["id"])
    made_up = str(uuid.uuid4())
    status, a = report(made_up, "completed")
    assert status == 404, a
    for key in ("other", "engine_sz"):   # another tenant; a key bound to another company
        status, b = report(le["id"], "completed", key=key)
        assert status == 404 and b["detail"] == a["detail"].replace(made_up, le["id"]), b
        assert call("GET", "/v1/call-engine/leases/%s/questions" % le["id"], key=key)[0] == 404
        assert call("POST", "/v1/call-engine/leases/%s:renew" % le["id"], {},
                    key=key)[0] == 404
    status, p = report(le["id"], "done")
    assert status == 422 and p["errors"][0]["field"] == "outcome", p
    assert sql("SELECT version FROM scheduling.interviews WHERE id = '%s'" % v["id"]) == before
    # whom to call and what to ask, for the lease's holder
    status, q = call("GET", "/v1/call-engine/leases/%s/questions" % le["id"], key="engine")
    assert status == 200 and q["interviewId"] == v["id"] and q["candidatePhone"], q
    # renewed, started, completed; the same report again is harmless; another is refused
    status, r = call("POST", "/v1/call-engine/leases/%s:renew" % le["id"],
                     {"leaseSeconds": 600}, key="engine")
    assert status == 200 and r["expireTime"] > le["expireTime"], r
    assert report(le["id"], "started")[0] == 200
    status, done = report(le["id"], "completed")
    assert status == 200 and done["interview"]["state"] == "completed", done
    status, again = report(le["id"], "completed")
    assert status == 200 and again["interview"]["version"] == done["interview"]["version"], again
    status, p = report(le["id"], "no_answer")
    assert status == 409 and "already reported completed" in p["detail"], p
    status, p = call("POST", "/v1/call-engine/leases/%s:renew" % le["id"], {}, key="engine")
    assert status == 409, p
    assert interview(v["id"])["version"] == done["interview"]["version"]
    # a lapsed lease: refused, the interview back to be called
    j2 = job_of("SH")
    apply(j2)
    invite_all(j2)
    v2 = placed(j2, 1)[0]
    clock(v2["startTime"])
    le2 = claim(n=1, secs=10, key="engine_sh")[1]["leases"][0]
    later(1)
    status, p = call("GET", "/v1/call-engine/leases/%s/questions" % le2["id"], key="engine")
    assert status == 409 and "expired" in p["detail"], p
    status, p = report(le2["id"], "completed")
    assert status == 409 and "expired" in p["detail"], p
    wait_for(lambda: interview(v2["id"])["state"] == "retrying", what="put back")
    le3 = claim(n=1, key="engine_sh")[1]["leases"][0]
    assert le3["interviewId"] == v2["id"] and le3["attempt"] == 1, le3
    assert report(le3["id"], "completed")[0] == 200


# ---- the whole path ----

RULES = ("when screened if screening_score >= 70 then invite_ai_interview\n"
         "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
         "when interview_scored if ai_score < 60 then reject with template thank_you\n")


@test
def invitation_slot_status_page_engine_score_and_rule_run_end_to_end():
    clock(NOW)
    j = job_of("SZ", rules=RULES)
    apps = {}
    for name in ("强者张三", "弱者李四"):
        a = apply(j, name)
        status, r = call("POST", "/v1/applications/%s/assessments" % a["id"],
                         {"kind": "screening", "score": 85, "eventId": "scr-" + name})
        assert status == 200 and r["application"]["stage"] == "ai_interview", r
        apps[name] = a
    got = placed(j, 2)
    token = call("GET", "/v1/applications/" + apps["强者张三"]["id"])[1]["statusToken"]

    def page():
        return json.loads(stack.request("GET", "/v1/candidate-status/" + token, None, {})[2])
    st = wait_for(lambda: (lambda p: p if p.get("interviewTime") else None)(page()),
                  what="the interview time on the status page")
    mine = [v for v in got if v["applicationId"] == apps["强者张三"]["id"]][0]
    assert st["interviewTime"] == mine["startTime"], st
    clock(max(v["startTime"] for v in got))
    # an engine bound to the company (SZ) calls both, with spoken audio
    log = engine_once("--audio", key="engine_sz")
    assert sorted(e["event"] for e in log) == ["completed", "completed", "started", "started"], log
    by_app = {v["applicationId"]: v["id"] for v in got}
    scores = {name: call("GET", "/v1/interviews/%s/report" % by_app[a["id"]])[1]["overallScore"]
              for name, a in apps.items()}
    assert scores["强者张三"] >= 80 and scores["弱者李四"] < 60, scores
    strong = wait_for(lambda: (lambda x: x if x["stage"] != "ai_interview" else None)(
        call("GET", "/v1/applications/" + apps["强者张三"]["id"])[1]), what="the strong one moved")
    weak = wait_for(lambda: (lambda x: x if x["stage"] != "ai_interview" else None)(
        call("GET", "/v1/applications/" + apps["弱者李四"]["id"])[1]), what="the weak one moved")
    assert strong["stage"] == "hr_interview", strong["history"][-1]
    assert weak["stage"] == "rejected", weak["history"][-1]
    for v in got:
        assert interview(v["id"])["state"] == "completed"
        status, rep = call("GET", "/v1/interviews/%s/report" % v["id"])
        assert status == 200 and rep["delivery"]["present"] is True, rep
    assert sql("SELECT count(*) FROM events.outbox WHERE type = "
               "'hrflow.pipeline.application.template_requested.v1' AND subject = "
               "'applications/%s'" % apps["弱者李四"]["id"]) == "1"
    # the status page no longer shows a time once the interview is over
    wait_for(lambda: page().get("interviewTime") is None, what="the time taken away")


if __name__ == "__main__":
    run(setup, teardown)
