"""tests/e2e/test_security.py - the walls between tenants and between companies, route by route.

Generated from the route table: every operation of the gateway's own OpenAPI
document (which services/gateway/routes.c produces) is tried by two
attackers holding legitimate keys, with the victim's ids wherever the route
takes ids — in the path, in the query and in the body:

  - `tenant`:  an admin key of another tenant, against every record of the
               victim tenant;
  - `company`: an admin key of the victim's own group bound to its other
               company (SZ), against the records of company SH.

Each attempt must be refused (403, 404 or 422), its answer must carry none
of the victim's personal data and no id of the victim's the request did not
send, and a snapshot of every service's tables must be unchanged by it. A
route the suite cannot place — a path parameter, a body, a `…Id` field of
an unknown kind — fails the suite until it is described here, so a new
route is covered by default, never skipped.

The same stack, after an import, a screening and a scored interview, is
dumped with pg_dump: the dump must hold none of the candidates' names,
phone numbers, emails, answer texts or status tokens.
"""
import copy
import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql, wait_for  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
V = {}          # the victim's ids by kind
SECRETS = []    # the victim's personal data: must appear nowhere an attacker looks

# The kind of record a path segment's parameter names, by the collection it follows.
COLLECTIONS = {
    "tenants": "tenant", "companies": "company", "apikeys": "apikey", "jobs": "job",
    "candidates": "candidate", "applications": "application", "imports": "import",
    "competency-models": "model", "questions": "question", "interviews": "interview",
    "candidate-status": "status_token", "interviewers": "interviewer", "rounds": "round",
    "busy-blocks": "busy_block", "interview-closures": "closure",
    "interview-booking": "booking_token", "leases": "lease",
    "webhook-endpoints": "webhook_endpoint", "deliveries": "webhook_delivery",
    "notification-templates": "template_name", "unsubscribe": "unsubscribe_token", "messages": "message",
    "city-policies": "city_policy", "minimum-wages": "minimum_wage", "employees": "employee",
    "calendars": "calendar_name", "shifts": "shift", "leave-requests": "leave_request",
    "schemes": "pay_scheme", "review-cycles": "review_cycle", "runs": "payroll_run",
    "payslips": "employee",
    # a collection named by its last two segments, where the last alone is another's
    "payroll/imports": "payroll_import",
}
# The kind of record a body or query field names.
REFERENCES = {
    "companyId": "company", "companyIds": "company", "jobId": "job", "candidateId": "candidate",
    "applicationId": "application", "competencyModelId": "model", "questionId": "question",
    "interviewId": "interview", "importId": "import", "tenantId": "tenant",
    "interviewerId": "interviewer", "interviewerIds": "interviewer", "leaseId": "lease",
    "employeeId": "employee", "previousContractId": "contract", "shiftId": "shift",
    "defaultShiftId": "shift", "schemeId": "pay_scheme",
}
# `…Id` fields that name no record of ours.
# engineId: the engine's name; afterId, fromEventId: an event's id, a number the leak check
# cannot look for (tests/e2e/test_eventlog.py tries other tenants' and companies' events
# there; a replay only matches events the endpoint's own tenant and company wall let through)
NOT_REFERENCES = {"eventId", "externalId", "requestId", "engineId", "afterId", "fromEventId"}
# Output-only references every message may carry: the tenant is always the key's.
OUTPUT_ONLY = {"tenantId"}

# What each attacker may legitimately see of the victim tenant. The tenant
# attacker may see nothing of it; the company attacker shares the group's
# tenant-wide records (the tenant, its companies, competency models,
# questions, keys' names) but none of company SH's hiring records, and may
# change no tenant-wide record nor company SH.
SECRET_KINDS = {
    "tenant": {"tenant", "company", "apikey", "job", "candidate", "application", "import",
               "model", "question", "interview", "interviewer", "busy_block", "round",
               "closure", "lease", "webhook_endpoint", "webhook_delivery", "message",
               "city_policy", "minimum_wage", "employee", "contract", "shift", "leave_request",
               "pay_scheme", "review_cycle", "payroll_run", "payroll_import"},
    # a tenant's city policies and minimum wages are the group's: a company-bound key
    # reads them (and may not create one, test_payroll_tax.py, test_payroll_runs.py)
    "company": {"job", "candidate", "application", "import", "interview", "interviewer",
                "busy_block", "round", "closure", "lease", "webhook_endpoint",
                "webhook_delivery", "message", "employee", "contract", "shift", "leave_request",
                "pay_scheme", "review_cycle", "payroll_run", "payroll_import"},
}
GUARDED_KINDS = {  # kinds the attacker must not change (beyond SECRET_KINDS)
    "tenant": set(),
    "company": {"tenant", "company", "apikey"},
}

# A Monday two Januaries ahead: rounds and busy time are always in the future.
_day = datetime.date(datetime.date.today().year + 2, 1, 1)
MONDAY = _day + datetime.timedelta(days=(7 - _day.weekday()) % 7)


def monday_at(hour):
    """An RFC 3339 time on that Monday, UTC (02:00 is 10:00 in Shanghai)."""
    return "%sT%02d:00:00Z" % (MONDAY.isoformat(), hour)


# The smallest valid body of each operation that takes one; ids are filled in
# from REFERENCES. An operation with a body and no line here fails the suite.
BODIES = {
    "updateTenant": {"name": "改名"},
    "createCompany": {"code": "EVIL", "name": "恶意公司"},
    "updateCompany": {"name": "改名"},
    "createApiKey": {"name": "evil", "scopes": ["admin"], "companyIds": []},
    "createJob": {"companyId": None, "title": "窃取", "headcount": 1,
                  "competencyModelId": None},
    "updateJob": {"title": "改名", "companyId": None, "competencyModelId": None},
    "createCandidate": {"name": "攻击者", "phone": None, "consent": {
        "automatedAssessment": True, "version": "2026-01"}},
    "createApplication": {"jobId": None, "candidateId": None},
    "advanceApplication": {},
    "rejectApplication": {"reason": "x"},
    "recordAssessment": {"kind": "screening", "score": 1, "eventId": "evil-1"},
    "dryRunRules": {},
    "requestHumanReview": {},
    "bookInterview": {"startTime": monday_at(2)},
    "cancelBooking": {},
    "createCompetencyModel": {"name": "m", "competencies": [{"name": "c", "weight": 1,
                                                            "keywords": [{"term": "x"}]}]},
    "updateCompetencyModel": {"name": "改名"},
    "createQuestion": {"text": "问题？"},
    "previewScore": {"competencyModelId": None, "answer": "回答", "question": "问题"},
    "screenResume": {"competencyModelId": None, "resume": "简历"},
    "screenResumes": {"items": [{"resume": "简历"}]},  # ids per item: test_scoring.py
    "selectQuestions": {"competencyModelId": None, "resume": "简历"},
    "scoreInterview": {"competencyModelId": None, "applicationId": None, "language": "zh",
                       "answers": [{"question": "问题", "text": "我负责数据分析。"}]},
    "updateScoringSettings": {"emotionLabels": True},
    "createInterviewer": {"companyId": None, "name": "攻击者", "email": "evil@example.com"},
    "sendMessage": {"candidateId": None, "companyId": None, "channel": "email",
                    "subject": "攻击", "text": "攻击"},
    "updateInterviewer": {"name": "改名"},
    "addBusyBlock": {"startTime": monday_at(5), "endTime": monday_at(6)},
    "suggestRoundSlots": {"interviewerIds": None, "windowStart": monday_at(0),
                          "windowEnd": monday_at(23), "durationMinutes": 60},
    "scheduleRound": {"applicationId": None, "kind": "hr", "interviewerIds": None,
                      "startTime": monday_at(3), "durationMinutes": 60},
    "completeRound": {},
    "markRoundNoShow": {},
    "cancelRound": {},
    "rescheduleRound": {"startTime": monday_at(4), "interviewerIds": None},
    "updateLineSettings": {"lines": 3},
    "updateCompanyLineSettings": {"lines": 3},
    "createClosure": {"companyId": None, "kind": "holiday", "day": "2031-01-01"},
    "cancelInterview": {},
    "rescheduleInterview": {},
    "updateJobInterviewSettings": {"reminderMinutes": [60]},
    "claimCalls": {"engineId": "evil", "max": 10},
    "saveNotificationTemplate": {"companyId": None, "content": {"subject": "s", "text": "t"}},
    "activateNotificationTemplate": {"companyId": None, "version": 1},
    "previewNotificationTemplate": {"companyId": None},
    "setCandidateConsent": {"channel": "email", "optOut": False},
    "renewCallLease": {"leaseSeconds": 600},
    "reportCall": {"outcome": "completed"},
    "createWebhookEndpoint": {"url": "http://127.0.0.1:9/hook", "eventTypes": [],
                              "companyId": None},
    "updateWebhookEndpoint": {"description": "改名"},
    "rotateWebhookSecret": {},
    "testWebhookEndpoint": {},
    "replayWebhookEvents": {"fromTime": "2026-01-01T00:00:00Z"},
    # the group's settings: no ids (test_reactions.py: a company-bound key may not change them)
    "updateNotificationSettings": {"locale": "en"},
    # payroll: statutory calculators and city policies (no ids; the policies are the tenant's)
    "previewTax": {"months": [{"income": "30000.00"}]},
    "previewBonusTax": {"bonus": "36000.00"},
    "previewContributions": {"city": "上海", "wage": "10000"},
    "createCityPolicy": {"city": "上海", "validFrom": "2040-01-01", "items": [
        {"kind": "pension", "employeeRate": "0.08", "employerRate": "0.16", "baseFloor": "1",
         "baseCap": "2"}]},
    "createMinimumWage": {"city": "上海", "validFrom": "2040-01-01", "monthly": "1"},
    "createEmployee": {"companyId": None, "employeeNo": "EVIL1", "name": "攻击者"},
    "updateEmployee": {"name": "改名"},
    "activateEmployee": {"hireDate": "2031-01-01"},
    "leaveEmployee": {"leaveDate": "2031-01-01", "reason": "攻击"},
    "revealEmployee": {"fields": ["idNumber", "bankAccount"], "reason": "窃取"},
    "setCompensation": {"effectiveMonth": "2031-01", "baseSalary": "1"},
    "setTaxProfile": {"effectiveMonth": "2031-01"},
    "createContract": {"type": "open_ended", "startDate": "2031-01-01",
                       "previousContractId": None},
    "createPositionChange": {"effectiveDate": "2031-01-01", "position": "窃取",
                             "companyId": None},
    "updateEmployeeSettings": {"contractAlertDays": 10},
    # payroll: attendance and leave (the calendar, leave types and punch rows name no
    # record at their top level: a group-wide change, and rows checked one by one)
    "setWorkCalendarYear": {"year": 2030, "days": []},
    "updateAttendanceSettings": {"defaultShiftId": None},
    "createShift": {"companyId": None, "name": "攻击班", "start": "09:00", "end": "18:00"},
    "assignShift": {"shiftId": None, "validFrom": "2026-01-01"},
    "recordPunches": {"punches": []},
    "computeAttendance": {"companyId": None, "month": "2026-02"},
    "saveLeaveType": {"code": "evil", "name": "恶意假", "unit": "day"},
    "grantLeave": {"leaveType": "annual", "year": 2026, "days": "5"},
    "submitLeaveRequest": {"employeeId": None, "leaveType": "sick", "startDate": "2026-02-24"},
    "approveLeaveRequest": {},
    "rejectLeaveRequest": {},
    "cancelLeaveRequest": {},
    # payroll: schemes and performance reviews (the scores' employee ids are the
    # attacker's own made-up ones: the victim's cycle in the path refuses first)
    "createPayScheme": {"companyId": None, "name": "窃取", "effectiveMonth": "2026-01",
                        "components": [{"name": "pay", "kind": "earning", "formula": "base"}]},
    "addPaySchemeVersion": {"effectiveMonth": "2026-02",
                            "components": [{"name": "pay", "kind": "earning",
                                            "formula": "base * 2"}]},
    "previewPayScheme": {"inputs": {"base": "1.00"}},
    "previewInlinePayScheme": {"components": [{"name": "pay", "kind": "earning",
                                               "formula": "base"}]},
    "createReviewCycle": {"companyId": None, "name": "窃取", "periodStart": "2026-01-01",
                          "periodEnd": "2026-03-31", "payoutMonth": "2031-04",
                          "bands": [{"grade": "A", "minScore": "0", "coefficient": "9"}]},
    "recordReviewScores": {"scores": [{"employeeId": str(uuid.uuid4()), "rater": "evil",
                                       "weight": "1", "score": "0"}]},
    # payroll: runs and adjustments (the group request names no record: each company's
    # run is the key's own, test_payroll_runs.py)
    "createPayrollRun": {"companyId": None, "month": "2031-05", "schemeId": None},
    "createGroupPayrollRuns": {"month": "2031-05"},
    "calculatePayrollRun": {},
    "approvePayrollRun": {"expectedVersion": "1"},
    "payPayrollRun": {"expectedVersion": "1"},
    "createPayrollAdjustment": {"employeeId": None, "month": "2026-02", "amount": "1.00",
                                "reason": "窃取"},
    # payroll reports: the employee's link names its run and payslip in the path
    "createPayslipLink": {},
}
FILES = {"importCandidates", "importCandidatesToJob",   # a CSV body
         "importEmployees", "importContracts", "importYtdOpenings", "importPunches"}
# References an attacker may make by design. Candidates are one record per
# person across the group: a company-bound key that creates a candidate
# already known (by phone, email or external id) gets its id back, and
# applies that person to its own jobs with it (docs/security.md).
# Interview ids are names the caller chooses, unique within a tenant: another
# tenant scoring an interview of the same name makes a report of its own.
ALLOWED = {
    "company": {("createApplication", "candidateId")},
    "tenant": {("scoreInterview", "interviewId")},
}
# Body fields that name records but are not attacked, with the reason.
LEFT_OUT = {
    "createApplication": {"companyId"},   # output only: the company of the job
    "scheduleRound": {"companyId"},       # output only: the company of the application
    "updateInterviewer": {"companyId"},   # fixed once created (422 not_updatable)
    "updateWebhookEndpoint": {"companyId"},  # fixed once created (422 not_updatable)
    "updateLineSettings": {"companyId"},  # output only: the path says whose settings
    "updateCompanyLineSettings": {"companyId"},
    # output only: the hire an employee was onboarded from (the consumer sets them)
    "createEmployee": {"applicationId", "candidateId"},
    # and the company changes by a position change only (422 not_updatable)
    "updateEmployee": {"applicationId", "candidateId", "companyId"},
    "updateAttendanceSettings": {"companyId"},  # output only: the path says whose settings
    "submitLeaveRequest": {"companyId"},  # output only: the employee's company
}
CSV = "姓名,手机\n攻击者,13900000000\n".encode("utf-8")

# Tables whose rows change by design when keys are used (never by an attempt's effect),
# or as days pass (slots are made ahead by a sweep; a booking shows in interviews too).
SNAPSHOT_SKIP = {"identity.api_keys", "scheduling.slots", "notify.delivery_rate"}


def setup():
    global stack
    # webhook endpoints of the victim point at a closed port on loopback
    stack = Stack("security", {"HF_GATEWAY_RATE_LIMITS":
                               "admin=5000:5000,recruiter=5000:5000,public=5000:5000",
                               "HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE": "on",
                               "HF_NOTIFY_WEBHOOK_ALLOW_HTTP": "on",
                               # an event stream's backlog ends at its first keep-alive
                               "HF_GATEWAY_STREAM_HEARTBEAT_MS": "300",
                               # letters go to a Maildir: the victim's is sent, then stays
                               "HF_NOTIFY_MAILDIR": os.path.join(
                                   os.environ.get("HF_TEST_TMPDIR", "/tmp"),
                                   "security-maildir-%d" % os.getpid())})
    stack.start_all()
    ident = stack.binary("identity")
    for slug in ("victim", "outsider"):
        cli(ident, "tenant", "create", "--slug", slug, "--name", slug)
    for code in ("SH", "SZ"):
        cli(ident, "company", "create", "--tenant", "victim", "--code", code, "--name", "华星" + code)
    cli(ident, "company", "create", "--tenant", "outsider", "--code", "OUT", "--name", "外部")
    keys["victim"] = cli(ident, "apikey", "create", "--tenant", "victim", "--scope", "admin")
    keys["tenant"] = cli(ident, "apikey", "create", "--tenant", "outsider", "--scope", "admin")
    keys["company"] = cli(ident, "apikey", "create", "--tenant", "victim", "--scope", "admin",
                          "--company", "SZ")
    seed()


def cli(*args):
    return subprocess.run(list(args), env=stack.env, check=True, capture_output=True,
                          text=True).stdout.strip()


def teardown():
    if stack:
        stack.destroy()


def call(method, path, body=None, key="victim", headers=None, raw=None):
    h = {"Authorization": "Bearer " + keys[key]} if key else {}
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    status, _, payload = stack.request(method, path, data, h)
    text = payload.decode("utf-8", "replace")
    try:
        return status, json.loads(text) if text else None, text
    except ValueError:
        return status, None, text


def ok(status, got, want=200):
    assert status == want, (status, got)
    return got


MODEL = {"name": "产品经理", "competencies": [
    {"name": "数据分析", "weight": 3, "keywords": [{"term": "数据分析"}, {"term": "A/B测试"}]},
    {"name": "用户导向", "weight": 2, "keywords": [{"term": "用户调研"}]}]}


def seed():
    """The victim: company SH's job with a model and a rule inviting every screened
    candidate to an AI interview, candidates from the API and from an import, a
    screening, the interview scheduled and scored, a review request, a holiday of SH."""
    companies = ok(*call("GET", "/v1/companies")[:2])["companies"]
    V["company"] = next(c["id"] for c in companies if c["code"] == "SH")
    V["tenant"] = ok(*call("GET", "/v1/tenants/current")[:2])["id"]
    V["apikey"] = ok(*call("GET", "/v1/apikeys")[:2])["apiKeys"][0]["id"]
    V["model"] = ok(*call("POST", "/v1/competency-models", MODEL)[:2], want=201)["id"]
    V["question"] = ok(*call("POST", "/v1/questions", {
        "text": "请举例说明你如何用数据分析推动决策"})[:2], want=201)["id"]
    # lines around the clock, so the invitation finds a slot whenever the suite runs
    ok(*call("PATCH", "/v1/interview-lines", {"lines": 5, "workingHours": [
        {"weekday": d, "start": "00:00", "end": "24:00"} for d in range(1, 8)]})[:2])
    V["closure"] = ok(*call("POST", "/v1/interview-closures", {
        "companyId": V["company"], "kind": "holiday", "day": "2031-01-02"})[:2], want=201)["id"]
    # an employee of SH with a contract, pay and a reveal in the audit
    V["employee"] = ok(*call("POST", "/v1/employees", {
        "companyId": V["company"], "employeeNo": "SH001", "name": "司马保密",
        "idNumber": "110101199003071233", "bankAccount": "6222021234567890128",
        "phone": "13787654321", "status": "active", "hireDate": "2026-01-01",
        "city": "上海"})[:2],
        want=201)["id"]
    ok(*call("POST", "/v1/employees/%s/compensations" % V["employee"], {
        "effectiveMonth": "2026-01", "baseSalary": "45678.91"})[:2], want=201)
    V["contract"] = ok(*call("POST", "/v1/employees/%s/contracts" % V["employee"], {
        "type": "open_ended", "startDate": "2026-01-01"})[:2], want=201)["id"]
    ok(*call("POST", "/v1/employees/%s:reveal" % V["employee"], {
        "fields": ["bankAccount"], "reason": "工资卡核对"})[:2])
    SECRETS.extend(["司马保密", "110101199003071233", "6222021234567890128", "13787654321",
                    "45678.91", "4567891"])
    V["job"] = ok(*call("POST", "/v1/jobs", {
        "companyId": V["company"], "title": "产品经理", "headcount": 5,
        "competencyModelId": V["model"],
        "rules": "when screened if screening_score >= 0 then invite_ai_interview"})[:2],
        want=201)["id"]
    person = {"name": "欧阳秘密", "phone": "13812345678", "email": "ouyang.secret@example.com",
              "resume": "三年产品经验，负责数据分析与用户调研，秘密履历甲乙丙。",
              "consent": {"automatedAssessment": True, "version": "2026-01"}}
    V["candidate"] = ok(*call("POST", "/v1/candidates", person)[:2], want=201)["id"]
    app = ok(*call("POST", "/v1/applications", {"jobId": V["job"],
                                                 "candidateId": V["candidate"]})[:2], want=201)
    V["application"] = app["id"]
    answer = "我在上一家公司负责用户增长，这是秘密回答丁戊己，留存率提升了百分之十二。"
    V["interview"] = wait_for(lambda: (lambda l: l and l[0]["id"])(call(
        "GET", "/v1/interviews?applicationId=" + V["application"])[1]["interviews"]),
        timeout=60, what="the interview scheduled from the screening")
    ok(*call("POST", "/v1/interviews/%s:score" % V["interview"], {
        "competencyModelId": V["model"], "language": "zh", "applicationId": V["application"],
        "answers": [{"question": "请举例说明你如何用数据分析推动决策", "text": answer}]})[:2])
    imported = [("司马机密", "13987654321", "sima.secret@example.com")]
    csv = "姓名,手机,邮箱,简历\n" + "".join("%s,%s,%s,秘密简历庚辛壬\n" % r for r in imported)
    status, imp, _ = call("POST", "/v1/jobs/%s/candidates:import" % V["job"],
                          headers={"Content-Type": "text/csv; charset=utf-8"},
                          raw=csv.encode("utf-8"))
    V["import"] = ok(status, imp, want=202)["id"]
    wait_for(lambda: call("GET", "/v1/imports/" + V["import"])[1]["status"] == "done",
             timeout=60, what="the import")
    wait_for(lambda: all(a["screening"] in ("done", "") for a in call(
        "GET", "/v1/jobs/%s/applications" % V["job"])[1]["applications"]), timeout=60,
        what="screening")
    # every screened application invited and placed, and the pipeline told: nothing of the
    # victim's moves by itself once the attempts begin
    apps = call("GET", "/v1/jobs/%s/applications" % V["job"])[1]["applications"]
    wait_for(lambda: psql(stack.dsn, "SELECT count(*) FROM scheduling.interviews WHERE state ="
                                     " 'scheduled'") == str(len(apps)) == psql(
        stack.dsn, "SELECT count(*) FROM pipeline.interview_times"), timeout=60,
        what="the interviews placed and on the status pages")
    V["interviewer"] = ok(*call("POST", "/v1/interviewers", {
        "companyId": V["company"], "name": "面试官秘密", "email": "mianshi.secret@example.com",
        "externalId": "E-SECRET"})[:2], want=201)["id"]
    V["busy_block"] = ok(*call("POST", "/v1/interviewers/%s/busy-blocks" % V["interviewer"], {
        "startTime": monday_at(1), "endTime": monday_at(2)})[:2], want=201)["id"]
    V["round"] = ok(*call("POST", "/v1/rounds", {
        "applicationId": V["application"], "kind": "hr", "interviewerIds": [V["interviewer"]],
        "startTime": monday_at(2), "durationMinutes": 60})[:2], want=201)["id"]
    status, _, _ = call("POST", "/v1/candidate-status/%s:requestReview" % app["statusToken"],
                        {"reason": "请人工复核"}, key=None)
    assert status == 200
    # a call engine holds the interview's call: the slot's time comes (the clock held
    # there for the claim), then the clock runs again and the lease stays live
    # there: an imported candidate's interview may share its slot (or come first), so
    # every call due then is claimed and the interview's own lease kept
    psql(stack.dsn, "SELECT timers.freeze(start_time) FROM scheduling.interviews WHERE id = "
                    "'%s'" % V["interview"])
    due = int(psql(stack.dsn, "SELECT count(*) FROM scheduling.interviews WHERE start_time <="
                              " (SELECT start_time FROM scheduling.interviews WHERE id = '%s')"
                              % V["interview"]))
    lease = ok(*call("POST", "/v1/call-engine/leases", {"engineId": "victim-engine",
                                                        "max": due, "leaseSeconds": 3600})[:2])
    psql(stack.dsn, "SELECT timers.freeze(NULL)")
    mine = [le for le in lease["leases"] if le["interviewId"] == V["interview"]]
    assert len(mine) == 1, lease
    V["lease"] = mine[0]["id"]
    hook = ok(*call("POST", "/v1/webhook-endpoints", {
        "url": "http://127.0.0.1:9/secret-hook", "eventTypes": [], "companyId": V["company"],
        "description": "秘密集成"})[:2], want=201)
    V["webhook_endpoint"] = hook["id"]
    # an event of SH: the fan-out gives the endpoint its delivery
    psql(stack.dsn, "INSERT INTO events.outbox (tenant_id, source, type, data) VALUES ('%s',"
                    " '/hrflow/test', 'hrflow.test.security.v1', '{\"companyId\": \"%s\"}')"
         % (V["tenant"], V["company"]))
    V["webhook_delivery"] = wait_for(lambda: psql(
        stack.dsn, "SELECT id FROM notify.delivery WHERE endpoint_id = '%s' LIMIT 1"
        % hook["id"]), timeout=60, what="a delivery of the victim's endpoint")
    # then quiet: the engine must change nothing while the attacks run (a disabled
    # endpoint's deliveries wait), once the attempt in flight is written back
    psql(stack.dsn, "UPDATE notify.webhook_endpoints SET enabled = false WHERE id = '%s'"
         % hook["id"])
    wait_for(lambda: psql(stack.dsn, "SELECT count(*) FROM notify.delivery WHERE endpoint_id"
                                     " = '%s' AND state = 'sending'" % hook["id"]) == "0",
             what="the victim's endpoint quiet")
    # its secret is sealed at rest (the dump) and never answered again
    SECRETS.extend([hook["secret"], hook["secret"][6:]])
    # templates of the tenant and of SH (no personal data: plain in the dump); the
    # candidate's email opted out (a keyed hash, so the dump shows no address)
    V["template_name"] = "thank_you.email.zh-CN"
    for company, text in (("", "集团模板"), (V["company"], "上海模板")):
        ok(*call("POST", "/v1/notification-templates/%s/versions" % V["template_name"], {
            "companyId": company, "content": {"subject": "感谢 {{candidate_name}}",
                                              "text": text + " {{job_title}}"}})[:2], want=201)
    ok(*call("POST", "/v1/candidates/%s/consent" % V["candidate"],
             {"channel": "email", "optOut": True})[:2])
    V["message"] = ok(*call("POST", "/v1/messages", {
        "candidateId": V["candidate"], "companyId": V["company"], "channel": "email",
        "subject": "秘密信件", "text": "秘密正文"})[:2], want=202)["id"]
    wait_for(lambda: call("GET", "/v1/messages/" + V["message"])[1]["state"] == "sent",
             what="the victim's letter sent")
    SECRETS.extend(["秘密信件", "秘密正文"])
    # the tenant's own city policy (payroll)
    V["city_policy"] = ok(*call("POST", "/v1/payroll/city-policies", {
        "city": "秘密城", "validFrom": "2026-01-01", "source": "秘密来源", "items": [
            {"kind": "pension", "employeeRate": "0.08", "employerRate": "0.16",
             "baseFloor": "5000", "baseCap": "30000"}]})[:2], want=201)["id"]
    V["minimum_wage"] = ok(*call("POST", "/v1/payroll/minimum-wages", {
        "city": "秘密城", "validFrom": "2026-01-01", "monthly": "2345", "source": "秘密通知"})[:2],
        want=201)["id"]
    seed_attendance()
    SECRETS.extend([person["name"], person["email"], "12345678", "秘密履历", "秘密回答",
                    app["statusToken"], "秘密简历", "面试官秘密", "mianshi.secret"])
    for name, phone, email in imported:
        SECRETS.extend([name, phone[3:], email])
    # payroll: SH's pay scheme and review cycle, SH's employee scored in it
    V["pay_scheme"] = ok(*call("POST", "/v1/payroll/schemes", {
        "companyId": V["company"], "name": "上海薪资", "effectiveMonth": "2026-01",
        "components": [{"name": "salary", "kind": "earning",
                        "formula": "base * attended_days / 21.75"}]})[:2], want=201)["id"]
    V["review_cycle"] = ok(*call("POST", "/v1/payroll/review-cycles", {
        "companyId": V["company"], "name": "2026 Q1", "periodStart": "2026-01-01",
        "periodEnd": "2026-03-31", "payoutMonth": "2026-04",
        "bands": [{"grade": "A", "minScore": "0", "coefficient": "1"}]})[:2], want=201)["id"]
    ok(*call("POST", "/v1/payroll/review-cycles/%s/scores" % V["review_cycle"], {"scores": [
        {"employeeId": V["employee"], "rater": "manager", "weight": "1", "score": "90"}]})[:2])
    # payroll: SH's run of February 2026, calculated and approved
    V["payroll_run"] = ok(*call("POST", "/v1/payroll/runs", {
        "companyId": V["company"], "month": "2026-02"})[:2], want=202)["id"]

    def calculated():
        r = ok(*call("GET", "/v1/payroll/runs/" + V["payroll_run"])[:2])
        return None if r["calculation"] else r
    run_ = wait_for(calculated, timeout=60, what="the run's calculation")
    assert run_["state"] == "calculated", run_
    ok(*call("POST", "/v1/payroll/runs/%s:approve" % V["payroll_run"], {
        "expectedVersion": run_["version"]})[:2])
    # payroll: a dry run of an employees file into SH, finished with a problem
    roster = "工号,姓名,身份证号,基本工资\nSH900,秘密员工,110105196001010011,-1\n"
    V["payroll_import"] = ok(*call(
        "POST", "/v1/payroll/imports/employees?companyId=%s&dryRun=true" % V["company"],
        raw=roster.encode(), headers={"Content-Type": "text/csv; charset=utf-8"})[:2],
        want=202)["id"]
    wait_for(lambda: call("GET", "/v1/payroll/imports/" + V["payroll_import"])[1]["state"]
             == "failed", what="the victim's payroll import checked")
    SECRETS.extend(["秘密员工", "110105196001010011"])


def seed_attendance():
    """Payroll's attendance of SH's employee (seed() made it through the archive): a
    shift, the company's settings, a punch, leave granted and requested, the month."""
    V["calendar_name"] = "cn"
    V["shift"] = ok(*call("POST", "/v1/attendance/shifts", {
        "companyId": V["company"], "name": "白班", "start": "09:00", "end": "18:00"})[:2],
        want=201)["id"]
    ok(*call("PATCH", "/v1/attendance/companies/%s/settings" % V["company"],
             {"defaultShiftId": V["shift"]})[:2])
    ok(*call("POST", "/v1/attendance/employees/%s/shift-assignments" % V["employee"],
             {"shiftId": V["shift"], "validFrom": "2026-01-01"})[:2])
    ok(*call("POST", "/v1/attendance/punches:batch", {"punches": [{
        "employeeNo": "SH001", "companyId": V["company"], "time": "2026-02-02T08:55:00+08:00",
        "device": "gate", "method": "face"}]})[:2])
    ok(*call("POST", "/v1/attendance/employees/%s/leave-balances:grant" % V["employee"],
             {"leaveType": "annual", "year": 2026, "days": "5"})[:2])
    V["leave_request"] = ok(*call("POST", "/v1/leave-requests", {
        "employeeId": V["employee"], "leaveType": "annual", "startDate": "2026-02-03"})[:2],
        want=201)["id"]
    ok(*call("POST", "/v1/attendance/summaries:compute", {"companyId": V["company"],
                                                          "month": "2026-02"})[:2])


# ---- the route table, as the gateway publishes it ----

def operations():
    doc = ok(*call("GET", "/openapi.json", key=None)[:2])
    for path, item in sorted(doc["paths"].items()):
        for method, op in sorted(item.items()):
            if method in ("get", "post", "patch", "put", "delete"):
                yield path, method.upper(), op, doc


def schema_of(doc, ref):
    while ref and "$ref" in ref:
        ref = doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return ref or {}


def path_kinds(path):
    """[(parameter, kind)] of a path: each {param} is of the collection before it."""
    out = []
    segs = path.strip("/").split("/")
    for i, seg in enumerate(segs):
        for param in re.findall(r"\{(\w+)\}", seg):
            coll = segs[i - 1] if i else ""
            if i > 1 and "/".join(segs[i - 2:i]) in COLLECTIONS:
                coll = "/".join(segs[i - 2:i])
            assert coll in COLLECTIONS, "%s: no kind for {%s} after %r: add it to COLLECTIONS" % (
                path, param, coll)
            out.append((param, COLLECTIONS[coll]))
    return out


def reference_kind(where, name):
    if name in REFERENCES:
        return REFERENCES[name]
    assert not re.search(r"Ids?$", name) or name in NOT_REFERENCES, (
        "%s: field %s looks like a reference: add it to REFERENCES or NOT_REFERENCES"
        % (where, name))
    return None


def body_references(where, name, schema, path_params):
    """[(field, kind)] of the body fields that name records; each must be in
    the operation's BODIES line or in LEFT_OUT with a reason."""
    out = []
    for field in sorted(schema.get("properties", {})):
        kind = reference_kind(where, field)
        if (not kind or field in path_params or field in OUTPUT_ONLY
                or field in LEFT_OUT.get(name, ())):
            continue
        assert field in BODIES[name], (
            "%s: body field %s names a record: attack it in BODIES or say why in LEFT_OUT"
            % (where, field))
        out.append((field, kind))
    return out


def positions(path, op, doc):
    """Where a route takes ids: [(place, name, kind)] with place path/query/body."""
    name = op["operationId"]
    where = "%s (%s)" % (path, name)
    kinds = path_kinds(path)
    out = [("path", p, k) for p, k in kinds]
    for p in op.get("parameters", []):
        # query parameters are published in the proto's snake_case (company_id)
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), p["name"])
        if p["in"] == "query" and reference_kind(where, camel):
            out.append(("query", p["name"], reference_kind(where, camel)))
    content = (op.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        assert name in BODIES, "%s: takes a body: add its smallest body to BODIES" % where
        schema = schema_of(doc, content["application/json"]["schema"])
        out += [("body", f, k) for f, k in
                body_references(where, name, schema, {p for p, _ in kinds})]
    elif content:
        assert name in FILES, "%s: takes a file: add it to FILES" % where
    return out


def attempts(attacker):
    """Every request the attacker makes with the victim's ids: one with the
    victim's id in every place it may attack, and one per such place alone
    (the attacker's own records elsewhere). Yields (what, method, url, body,
    raw, content type, victim ids sent)."""
    if not attacker_ids:
        attacker_records()
    own = attacker_ids[attacker]
    for path, method, op, doc in operations():
        name = op["operationId"]
        where = "%s %s (%s)" % (method, path, name)
        if op.get("security") == [] and "{token}" in path:
            continue  # public: the token is the credential (tests/e2e/test_pipeline.py)
        # reading what is secret, or changing what is secret or guarded
        mine = SECRET_KINDS[attacker] | (GUARDED_KINDS[attacker] if method != "GET" else set())
        places = positions(path, op, doc)
        aimed = [i for i, (_, field, kind) in enumerate(places)
                 if kind in mine and (name, field) not in ALLOWED[attacker]]
        variants = [set(aimed)] + ([{i} for i in aimed] if len(aimed) > 1 else [])
        for victim_at in variants if aimed else []:
            url, query, body, sent = path, [], None, []
            if name in BODIES:
                body = copy.deepcopy(BODIES[name])
                for f, v in body.items():
                    if v is None and reference_kind(where, f) is None:
                        body[f] = "1380000%04d" % (uuid.uuid4().int % 10000)  # the attacker's
            for i, (place, field, kind) in enumerate(places):
                value = V[kind] if i in victim_at else own[kind]
                if i in victim_at:
                    sent.append(value)
                if place == "path":
                    url = url.replace("{%s}" % field, value)
                elif place == "query":
                    query.append("%s=%s" % (field, value))
                else:
                    body[field] = [value] if field.endswith("Ids") else value
            raw = CSV if name in FILES else None
            yield (where, method, url + ("?" + "&".join(query) if query else ""), body, raw,
                   "text/csv; charset=utf-8" if raw else None, sent)


attacker_ids = {}


def attacker_records():
    """The attackers' own records, for the references an attempt does not aim at."""
    for who, company in (("tenant", "OUT"), ("company", "SZ")):
        companies = ok(*call("GET", "/v1/companies", key=who)[:2])["companies"]
        mine = {"company": next(c["id"] for c in companies if c["code"] == company)}
        mine["tenant"] = ok(*call("GET", "/v1/tenants/current", key=who)[:2])["id"]
        mine["model"] = ok(*call("POST", "/v1/competency-models", MODEL, key=who)[:2],
                           want=201)["id"]
        mine["job"] = ok(*call("POST", "/v1/jobs", {"companyId": mine["company"], "title": "岗位",
                                                     "headcount": 1}, key=who)[:2], want=201)["id"]
        mine["candidate"] = ok(*call("POST", "/v1/candidates", {
            "name": "自己人", "phone": "1370000%04d" % (uuid.uuid4().int % 10000),
            "consent": {"automatedAssessment": True, "version": "2026-01"}}, key=who)[:2],
            want=201)["id"]
        mine["application"] = ok(*call("POST", "/v1/applications", {
            "jobId": mine["job"], "candidateId": mine["candidate"]}, key=who)[:2], want=201)["id"]
        mine["interviewer"] = ok(*call("POST", "/v1/interviewers", {
            "companyId": mine["company"], "name": "自己人",
            "email": "own-%s@example.com" % uuid.uuid4().hex[:8]}, key=who)[:2], want=201)["id"]
        mine["template_name"] = V["template_name"]  # the same words in every tenant
        mine["calendar_name"] = V["calendar_name"]
        for k in V:
            mine.setdefault(k, str(uuid.uuid4()))
        attacker_ids[who] = mine


SCHEMAS = ("identity", "pipeline", "scoring", "scheduling", "notify", "payroll")


def snapshot():
    """{table: digest of its rows} for every table of the services' schemas."""
    tables = psql(stack.dsn, "SELECT string_agg(schemaname || '.' || tablename, ' ') FROM "
                             "pg_tables WHERE schemaname IN (%s)"
                  % ",".join("'%s'" % s for s in SCHEMAS)).split()
    tables = [t for t in tables if t not in SNAPSHOT_SKIP]
    sql = " UNION ALL ".join(
        "SELECT '%s', coalesce(md5(string_agg(md5(t::text), ',' ORDER BY md5(t::text))), '')"
        " FROM %s t" % (t, t) for t in tables)
    return dict(line.split("|", 1) for line in psql(stack.dsn, sql).splitlines())


def leaks(text, sent, attacker):
    """What of the victim's the answer shows: personal data, or ids it was not sent."""
    found = [s for s in SECRETS if s in text]
    found += [k for k, v in V.items() if k in SECRET_KINDS[attacker] and v in text
              and v not in sent]
    return found


def attack(attacker):
    if not attacker_ids:
        attacker_records()
    tried, failures = 0, []
    before = snapshot()
    for where, method, url, body, raw, ctype, sent in attempts(attacker):
        status, got, text = call(method, url, body, key=attacker, raw=raw,
                                 headers={"Content-Type": ctype} if ctype else None)
        tried += 1
        # a list filtered by the victim's id may answer an empty page: what it shows is
        # checked below like any answer
        filtering = method == "GET" and not any(v in url.split("?")[0] for v in sent)
        if status not in (403, 404, 422) and not (filtering and status == 200):
            failures.append("%s as %s: %d %s" % (where, url, status, text[:300]))
        found = leaks(text, sent, attacker)
        if found:
            failures.append("%s: the answer shows %s" % (where, found))
        if method != "GET":
            after = snapshot()
            changed = sorted(t for t in after if after[t] != before.get(t))
            if changed:
                failures.append("%s changed %s" % (where, changed))
                before = after
    assert not failures, "\n".join(failures)
    return tried


def stream_backlog(path, key):
    """(status, text) of an event stream (text/event-stream) up to its first keep-alive:
    everything it had to say when opened."""
    c = http.client.HTTPConnection("127.0.0.1", stack.http, timeout=20)
    c.request("GET", path, headers={"Authorization": "Bearer " + keys[key]})
    r = c.getresponse()
    lines = []
    while r.status == 200:
        line = r.readline().decode("utf-8", "replace")
        assert line, "the stream ended"
        if line == ": keep-alive\n":
            break
        lines.append(line)
    text = "".join(lines) if r.status == 200 else r.read().decode("utf-8", "replace")
    r.close()
    c.close()
    return r.status, text


def lists_show_nothing(attacker):
    """Every list and read without the victim's ids shows none of them either (an event
    stream: what it sends at once)."""
    failures = []
    for path, method, op, doc in operations():
        if method != "GET" or "{" in path:
            continue
        if "text/event-stream" in op["responses"]["200"].get("content", {}):
            status, text = stream_backlog(path, attacker)
            assert status == 200, (path, status, text)
            found = leaks(text, [], attacker)
            if found:
                failures.append("GET %s shows %s" % (path, found))
            continue
        status, got, text = call(method, path, key=attacker)
        found = leaks(text, [], attacker)
        if found:
            failures.append("GET %s shows %s" % (path, found))
    assert not failures, "\n".join(failures)


@test
def a_raw_dump_shows_tokens_not_people():
    """First, before any attempt: the victim's records as they were written."""
    dump = stack.dump()
    assert "pipeline.candidates" in dump and "scoring.reports" in dump, dump[:500]
    # text, and bytea as pg_dump writes it (hex)
    found = [s for s in SECRETS if s in dump or s.encode("utf-8").hex() in dump]
    assert not found, "the dump shows %s" % found



@test
def another_tenants_key_reaches_nothing_of_the_tenant():
    tried = attack("tenant")
    assert tried >= 30, tried   # the route table's id-taking routes, all tried
    lists_show_nothing("tenant")


@test
def a_key_bound_to_the_other_company_reaches_nothing_of_the_company():
    tried = attack("company")
    assert tried >= 20, tried
    lists_show_nothing("company")


@test
def a_new_route_is_covered_by_default():
    """The suite places every operation, or says what to add: a route with an
    unknown collection, body or reference fails it."""
    names = set()
    for path, method, op, doc in operations():
        path_kinds(path)
        names.add(op["operationId"])
    assert set(BODIES) <= names, set(BODIES) - names   # no stale lines either
    assert FILES <= names, FILES - names
    assert len(list(attempts("tenant"))) >= 30
    try:
        path_kinds("/v1/widgets/{id}")
    except AssertionError as e:
        assert "COLLECTIONS" in str(e)
    else:
        raise AssertionError("an unknown collection was placed")


if __name__ == "__main__":
    run(setup, teardown)
