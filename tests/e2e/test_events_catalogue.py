"""tests/e2e/test_events_catalogue.py - the event catalogue against the running stack.

The gateway serves the committed AsyncAPI document (docs/asyncapi.json) at
/asyncapi.json without a key, and @asyncapi/parser (pinned in tests/events)
finds no error in it. Then the services are driven through what writes
events — identity's changes, a CSV import screened by scoring, the job's
rules (invitations, a rejection with a letter, a flag), AI interviews placed,
rescheduled, cancelled, called by an engine (started, unanswered, retried,
completed), reminded and missed on the one clock, an interview scored, a
hire (payroll's draft employee, activated, moved to another position, with a
contract whose alert is due), a company's payroll run approved and paid, a
payroll import finished, a candidate's review request, rounds with an interviewer —
and every row of events.outbox must be a catalogued type whose data matches
its schema (JSON Schema 2020-12, every field declared), from its service's
source, about the subject its data names; every catalogued type the code
writes must be among them (a new type needs a step here).
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import events_doc  # noqa: E402
import jsonschema  # noqa: E402
from scheduling_e2e import (advance, call, ctx, freeze, interviews_of, job_of, keys,  # noqa: E402
                            sql, stack, teardown)
from scheduling_e2e import setup as setup_stack  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import forget, run, test  # noqa: E402
from test_pipeline import GOOD_ANSWER, PM_MODEL, STRONG, WEAK  # noqa: E402

forget()   # test_pipeline's tests are its own

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
RULES = ("when screened if screening_score >= 70 then invite_ai_interview\n"
         "when screened if screening_score < 45 then reject with template thank_you\n"
         "when screened if screening_score < 45 then flag \"简历较弱\"\n"
         "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
         "when interview_scored if ai_score < 60 then reject with template thank_you\n")


def setup():
    setup_stack("events", {"HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1"})


def ok(status, body, want=200):
    assert status == want, (status, body)
    return body


# ---- the document ----

@test
def the_gateway_serves_the_committed_asyncapi_document_without_a_key():
    status, headers, raw = stack.request("GET", "/asyncapi.json")
    assert status == 200 and headers.get("Content-Type", "").startswith("application/json"), \
        (status, headers)
    with open(os.path.join(ROOT, "docs", "asyncapi.json"), "rb") as f:
        assert raw == f.read()
    doc = json.loads(raw)
    assert doc["asyncapi"] == "3.0.0", doc["asyncapi"]
    catalogued = {e["type"] for _, e in events_doc.events(events_doc.load())}
    assert {c["address"] for c in doc["channels"].values()} == catalogued
    status, _, raw = stack.request("GET", "/openapi.json")
    assert "/asyncapi.json" in json.loads(raw)["paths"]


@test
def the_asyncapi_parser_finds_no_error_in_the_served_document():
    modules = os.environ.get("HF_TEST_EVENTS_NODE_MODULES")
    assert modules, "HF_TEST_EVENTS_NODE_MODULES is not set: ./hrflow test installs tests/events"
    status, _, raw = stack.request("GET", "/asyncapi.json")
    assert status == 200
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "asyncapi.json")
        with open(path, "wb") as f:
            f.write(raw)
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "events", "asyncapi_check.js"),
                              path], capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, NODE_PATH=modules))
    report = out.stdout + out.stderr
    assert out.returncode == 0 and "OK: AsyncAPI 3.0.0" in report, report


# ---- the flows that write events ----

def identity_changes():
    ok(*call("PATCH", "/v1/tenants/" + ctx["tenant"], {"name": "华星集团"}, key="admin"))
    ok(*call("PATCH", "/v1/companies/" + ctx["companies"]["SH"], {"name": "华星科技(上海)"},
             key="admin"))
    made = ok(*call("POST", "/v1/apikeys", {"name": "ATS sync", "scopes": ["integrator"]},
                    key="admin"), want=201)
    ok(*call("POST", "/v1/apikeys/%s:revoke" % made["apiKey"]["id"], key="admin"))


def screened_import():
    """A job with RULES and a model; six candidates imported (four strong resumes, two
    weak), the first known before (made through the API) and sent again after; the
    applications once screened."""
    ok(*call("PATCH", "/v1/interview-lines", {"lines": 2}, key="admin"))   # slots to book
    model = ok(*call("POST", "/v1/competency-models", PM_MODEL), want=201)["id"]
    j = job_of("SH", rules=RULES, competencyModelId=model)
    ok(*call("PATCH", "/v1/jobs/" + j["id"], {"headcount": 40}))
    rows = ["姓名,手机,邮箱,简历"]
    phones = ["139%08d" % (uuid.uuid4().int % 10 ** 8) for _ in range(6)]
    # the first one is known already: the import merges that row
    ok(*call("POST", "/v1/candidates", {
        "name": "候选人0", "phone": phones[0], "source": "campus", "resume": STRONG,
        "consent": {"automatedAssessment": True, "version": "2026-01"}}), want=201)
    for i, ph in enumerate(phones):
        rows.append("候选人%d,%s,c%d.%s@example.com,%s" % (i, ph, i, uuid.uuid4().hex[:6],
                                                         STRONG if i < 4 else WEAK))
    h = {"Authorization": "Bearer " + keys["recruiter"],
         "Content-Type": "text/csv; charset=utf-8"}
    status, _, payload = stack.request("POST", "/v1/jobs/%s/candidates:import" % j["id"],
                                       ("\n".join(rows) + "\n").encode(), h)
    imp = ok(status, json.loads(payload), want=202)
    wait_for(lambda: call("GET", "/v1/imports/" + imp["id"])[1]["status"] == "done",
             timeout=60, what="the import")
    # the same person through the API again: merged, no new candidate
    again = ok(*call("POST", "/v1/candidates", {
        "name": "候选人0", "phone": phones[0], "source": "referral",
        "consent": {"automatedAssessment": True, "version": "2026-01"}}), want=201)
    assert again["deduplicated"] is True, again
    assert sql("SELECT count(*) FROM events.outbox WHERE type = "
               "'hrflow.pipeline.candidate.merged.v1'") == "2"   # by the import, by the API
    apps = wait_for(lambda: (lambda l: l if len(l) == 6 and all(
        a["screening"] == "done" for a in l) else None)(
        call("GET", "/v1/jobs/%s/applications" % j["id"])[1]["applications"]),
        timeout=60, what="every application screened")
    stages = sorted(a["stage"] for a in apps)
    assert stages == ["ai_interview"] * 4 + ["rejected"] * 2, stages
    return j, model, [a for a in apps if a["stage"] == "ai_interview"]


def interviews(j, model, invited):
    """The invited placed; one scored well (advanced, then hired), one rescheduled and
    cancelled, the earliest left called by an engine; the clock past the window:
    reminders, and the slots passed without a call no-shows."""
    placed = wait_for(lambda: (lambda l: l if len(l) == 4 and all(
        v["state"] in ("scheduled", "reminded") for v in l) else None)(
        interviews_of(j["id"])), timeout=60, what="the interviews placed")
    by_app = {v["applicationId"]: v for v in placed}
    good, moved = invited[0], invited[1]
    ok(*call("POST", "/v1/interviews/%s:score" % by_app[good["id"]]["id"], {
        "competencyModelId": model, "language": "zh", "applicationId": good["id"],
        "answers": [{"question": "请举例说明你如何用数据分析推动产品决策", "text": GOOD_ANSWER},
                    {"question": "你如何了解用户的需求", "text": GOOD_ANSWER}]}))
    wait_for(lambda: call("GET", "/v1/applications/" + good["id"])[1]["stage"] == "hr_interview",
             what="the interview's rule")
    for stage in ("final", "offer", "hired"):
        ok(*call("POST", "/v1/applications/%s:advance" % good["id"], {"toStage": stage}))
    path = "/v1/interviews/" + by_app[moved["id"]]["id"]
    ok(*call("POST", path + ":reschedule", {"reason": "候选人要求改期"}))
    ok(*call("POST", path + ":cancel", {"reason": "岗位已招满"}))
    # a rejected candidate asks for a person's review on their status page
    rejected = next(a for a in call("GET", "/v1/jobs/%s/applications" % j["id"])[1][
        "applications"] if a["stage"] == "rejected")
    token = call("GET", "/v1/applications/" + rejected["id"])[1]["statusToken"]
    status, _, _ = stack.request("POST", "/v1/candidate-status/%s:requestReview" % token,
                                 json.dumps({"reason": "请人工复核"}).encode(),
                                 {"Content-Type": "application/json"})
    assert status == 200
    engine_call(j)
    # past the window (three days): every reminder due, every slot without a call missed
    advance("3 days")
    wait_for(lambda: sql("SELECT count(DISTINCT type) FROM events.outbox WHERE type IN ("
                         "'hrflow.scheduling.interview.reminded.v1', "
                         "'hrflow.scheduling.interview.no_show.v1')") == "2",
             timeout=60, what="a reminder and a no-show")


def engine_call(j):
    """A call engine takes the earliest booked interview's call when its slot begins: it
    starts, nobody answers (retrying), and on the retry the interview is completed."""
    engine = stack.cli("identity", "apikey", "create", "--tenant", "sa", "--scope", "engine")

    def as_engine(path, body):
        status, payload = stack.api(engine, "POST", path, body)
        return ok(status, json.loads(payload))

    def claim():
        return as_engine("/v1/call-engine/leases", {"engineId": "events", "max": 10,
                                                    "leaseSeconds": 600})["leases"]
    first = min((v for v in interviews_of(j["id"]) if v["state"] in ("scheduled", "reminded")),
                key=lambda v: (v["startTime"], v["id"]))
    freeze(first["startTime"])
    lease = next(le for le in claim() if le["interviewId"] == first["id"])
    as_engine("/v1/call-engine/leases/%s:report" % lease["id"], {"outcome": "started"})
    as_engine("/v1/call-engine/leases/%s:report" % lease["id"], {"outcome": "no_answer"})
    advance("30 minutes")   # the retry is due
    lease = next(le for le in claim() if le["interviewId"] == first["id"])
    for outcome in ("started", "completed"):
        as_engine("/v1/call-engine/leases/%s:report" % lease["id"], {"outcome": outcome})


def rounds(app):
    """An interviewer; rounds scheduled, completed, missed, cancelled and rescheduled."""
    who = ok(*call("POST", "/v1/interviewers", {
        "companyId": ctx["companies"]["SH"], "name": "面试官", "email": "hr@example.com"}),
        want=201)

    def book(day, hour):
        return ok(*call("POST", "/v1/rounds", {
            "applicationId": app["id"], "kind": "hr", "interviewerIds": [who["id"]],
            "startTime": "2027-03-%02dT%02d:00:00Z" % (day, hour), "durationMinutes": 45}),
            want=201)
    held, missed = book(4, 1), book(4, 3)
    ok(*call("POST", "/v1/rounds/%s:cancel" % book(5, 1)["id"], {}))
    ok(*call("POST", "/v1/rounds/%s:reschedule" % book(5, 2)["id"],
             {"startTime": "2027-03-05T06:00:00Z"}))
    # rounds are held on the wall clock: two moved into the past
    sql("WITH p(id, h) AS (VALUES ('%s'::uuid, 4), ('%s'::uuid, 2)), r AS (UPDATE "
        "scheduling.rounds r SET during = tstzrange(now() - p.h * interval '1 hour', now() - "
        "(p.h - 1) * interval '1 hour') FROM p WHERE r.id = p.id RETURNING r.id, r.during) "
        "UPDATE scheduling.interviewer_time t SET during = r.during FROM r "
        "WHERE t.round_id = r.id" % (held["id"], missed["id"]))
    ok(*call("POST", "/v1/rounds/%s:complete" % held["id"], {}))
    ok(*call("POST", "/v1/rounds/%s:noShow" % missed["id"], {}))


def payroll_archive():
    """The hire's draft employee (onboarding), activated, promoted today, and a contract
    ending within the alert's 30 days (its alert due at once)."""
    drafts = wait_for(lambda: call("GET", "/v1/employees?status=draft", key="admin")[1][
        "employees"], timeout=60, what="the hire's draft employee")
    e = drafts[0]
    path = "/v1/employees/" + e["id"]
    today = sql("SELECT payroll.today()")
    ok(*call("POST", path + ":activate", {"hireDate": today}, key="admin"))
    ok(*call("POST", path + "/position-changes", {"effectiveDate": today, "position": "主管"},
             key="admin"), want=201)
    end = sql("SELECT (payroll.today() + 10)::text")
    ok(*call("POST", path + "/contracts", {"type": "fixed_term", "startDate": today,
                                           "endDate": end}, key="admin"), want=201)
    wait_for(lambda: sql("SELECT count(*) FROM events.outbox WHERE type = "
                         "'hrflow.payroll.contract.expiring.v1'") == "1",
             timeout=60, what="the contract's alert")


def payroll_run():
    """A company's run of March 2026 calculated, approved and paid: its employee in
    Chengdu with pay, the office shift and a scheme."""
    cd = ctx["companies"]["CD"]
    e = ok(*call("POST", "/v1/employees", {
        "companyId": cd, "employeeNo": "CD001", "name": "员工", "city": "成都",
        "status": "active", "hireDate": "2026-01-01"}, key="admin"), want=201)
    ok(*call("POST", "/v1/employees/%s/compensations" % e["id"], {
        "effectiveMonth": "2026-01", "baseSalary": "9000"}, key="admin"), want=201)
    shift = ok(*call("POST", "/v1/attendance/shifts", {
        "companyId": cd, "name": "白班", "start": "09:00", "end": "18:00"}, key="admin"),
        want=201)
    ok(*call("PATCH", "/v1/attendance/companies/%s/settings" % cd,
             {"defaultShiftId": shift["id"]}, key="admin"))
    ok(*call("POST", "/v1/payroll/schemes", {
        "companyId": cd, "name": "标准", "effectiveMonth": "2026-01",
        "components": [{"name": "pay", "kind": "earning", "taxable": True,
                        "formula": "base"}]}, key="admin"), want=201)
    run_ = ok(*call("POST", "/v1/payroll/runs", {"companyId": cd, "month": "2026-03"},
                    key="admin"), want=202)
    path = "/v1/payroll/runs/" + run_["id"]

    def calculated():
        r = call("GET", path, key="admin")[1]
        return None if r["calculation"] else r
    run_ = wait_for(calculated, timeout=60, what="the run's calculation")
    run_ = ok(*call("POST", path + ":approve", {"expectedVersion": run_["version"]},
                    key="admin"))
    ok(*call("POST", path + ":pay", {"expectedVersion": run_["version"]}, key="admin"))


def payroll_import():
    """A dry run of a roster for CD, followed to its end."""
    req = urllib.request.Request(
        stack.url("/v1/payroll/imports/employees?dryRun=true&companyId=" +
                  ctx["companies"]["CD"]), method="POST",
        data="工号,姓名,身份证号\nCD900,员工,110105196001010011\n".encode(),
        headers={"Authorization": "Bearer " + keys["admin"], "Content-Type": "text/csv"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 202
        path = "/v1/payroll/imports/" + json.loads(r.read())["id"]
    wait_for(lambda: call("GET", path, key="admin")[1].get("finishTime"), timeout=60,
             what="the payroll import finished")


def outbox():
    text = sql("SELECT coalesce(json_agg(json_build_object('id', id, 'type', type, 'source', "
               "source, 'subject', subject, 'data', data) ORDER BY id), '[]') FROM events.outbox")
    return json.loads(text)


@test
def every_event_the_services_write_is_catalogued_and_matches_its_schema():
    identity_changes()
    j, model, invited = screened_import()
    interviews(j, model, invited)
    payroll_archive()
    payroll_run()
    payroll_import()
    rounds(invited[2])
    catalogue = {e["type"]: (svc, e) for svc, e in events_doc.events(events_doc.load())}
    rows = outbox()
    seen, problems = set(), []
    for row in rows:
        t = row["type"]
        seen.add(t)
        if t not in catalogue:
            problems.append("%s (event %s) is not in events/" % (t, row["id"]))
            continue
        svc, e = catalogue[t]
        if e.get("outbox") is False:
            problems.append("%s (event %s) is catalogued as never in the outbox" % (t, row["id"]))
        if row["source"] != svc["source"]:
            problems.append("%s (event %s): source %s" % (t, row["id"], row["source"]))
        schema = dict(events_doc.plain(e["data"]), **{"$schema": events_doc.DRAFT})
        v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for err in v.iter_errors(row["data"]):
            problems.append("%s (event %s) at %s: %s" % (
                t, row["id"], "/".join(map(str, err.absolute_path)) or "/", err.message))
        # the subject names the record the data names: "applications/{applicationId}"
        collection, field = e["subject"].split("/{")
        want = "%s/%s" % (collection, row["data"].get(field.rstrip("}"), "?"))
        if row["subject"] != want:
            problems.append("%s (event %s): subject %s, not %s" % (t, row["id"], row["subject"],
                                                                   want))
    assert not problems, "\n".join(problems[:40])
    # the flows reach every catalogued type the code writes: each was checked
    written = {t for t, (_, e) in catalogue.items()
               if not e.get("pending") and e.get("outbox") is not False}
    assert written <= seen, sorted(written - seen)
    assert len(rows) > 60, len(rows)


if __name__ == "__main__":
    run(setup, teardown)
