"""tests/e2e/test_payroll_employees.py - the employee archive through the gateway on a real stack.

Payroll keys (of the group, of company SH, with and without the pii scope)
and the admin key drive /v1/employees…; recruiters are refused. Cases:
records with their ID numbers and bank accounts masked on every read and
unmasked only by an audited reveal; bad input refused at its field with
nothing written; the company wall for ids in the path and in the body;
If-Match on updates; activation and leaving; pay and tax profiles by month
with their history; contracts whose expiry alert is written once on the
one clock (timers.advance), also across a restart of payroll; position
changes now and on a future day; a hire in the pipeline becoming one draft
employee, also when the consumer reads the event again; lists walked in
pages; payroll's and the gateway's logs naming no one; and a raw pg_dump
holding none of the personal data or salaries.
"""
import os
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import advance, call, ctx, job_of, keys, sql, stack  # noqa: E402
from scheduling_e2e import setup as setup_stack  # noqa: E402
from scheduling_e2e import teardown  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402

ID_NUMBER = "11010519491231002X"        # a valid resident ID (GB 11643's example)
OTHER_ID = "440524198001010013"
BANK = "6222 0212 3456 7890 128"
NAME = "赵晓梅"
SALARY = "31234.56"
SECRETS = []


def setup():
    setup_stack("payroll_employees")
    for name, scopes, company in (("pay", ("payroll",), None), ("pay_sh", ("payroll",), "SH"),
                                  ("pay_pii", ("payroll", "pii"), None)):
        args = [a for s in scopes for a in ("--scope", s)]
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", "sa", *args,
                               *(("--company", company) if company else ()))


def ok(status, body, want=200):
    assert status == want, (status, body)
    return body


def employee(company="SH", key="pay", **extra):
    body = {"companyId": ctx["companies"][company], "employeeNo": "E%06d" % (
        uuid.uuid4().int % 10 ** 6), "name": "员工", "department": "财务部"}
    body.update(extra)
    return ok(*call("POST", "/v1/employees", body, key=key), want=201)


def errors_at(p):
    return [e["field"] for e in p.get("errors", [])]


def employees_count():
    return sql("SELECT count(*) FROM payroll.employees")


@test
def a_record_is_sealed_and_reads_answer_its_id_number_and_account_masked():
    e = employee(name=NAME, idNumber=ID_NUMBER, bankAccount=BANK, phone="13912345678",
                 status="active", hireDate="2027-02-01")
    SECRETS.extend([NAME, ID_NUMBER, BANK.replace(" ", ""), "13912345678"])
    ctx["employee"] = e
    assert e["status"] == "active" and e["name"] == NAME and e["version"] == "1", e
    assert e["idNumber"] == "1101**********002X", e
    assert e["bankAccount"] == "**** **** **** **** 0128", e
    assert e["idType"] == "resident_id" and e["hireDate"] == "2027-02-01", e
    got = ok(*call("GET", "/v1/employees/" + e["id"], key="pay"))
    assert got["idNumber"] == e["idNumber"] and got["bankAccount"] == e["bankAccount"], got
    status, headers, _ = stack.request("GET", "/v1/employees/" + e["id"], None,
                                       {"Authorization": "Bearer " + keys["pay"]})
    assert status == 200 and headers.get("ETag") == '"1"', headers
    # lists filter by company, status and department, masked too
    page = ok(*call("GET", "/v1/employees?companyId=%s&status=active&department=%s"
                    % (ctx["companies"]["SH"], urllib.parse.quote("财务部")), key="pay"))
    assert [x["id"] for x in page["employees"]] == [e["id"]], page
    assert ID_NUMBER not in str(page) and "0212" not in str(page), page
    page = ok(*call("GET", "/v1/employees?status=draft", key="pay"))
    assert e["id"] not in [x["id"] for x in page["employees"]], page


@test
def bad_input_is_refused_at_its_field_and_nothing_is_written():
    before = employees_count()
    sh = ctx["companies"]["SH"]
    for body, field in (
            ({"idNumber": "110105194912310021"}, "idNumber"),       # wrong check digit
            ({"idNumber": "11010519491331002X"}, "idNumber"),       # month 13
            ({"idType": "passport", "idNumber": "E 12"}, "idNumber"),
            ({"idType": "driving_licence"}, "idType"),
            ({"bankAccount": "12345"}, "bankAccount"),
            ({"phone": "12"}, "phone"),
            ({"name": ""}, "name"),
            ({"status": "left"}, "status"),
            ({"status": "active"}, "hireDate"),
            ({"companyId": str(uuid.uuid4())}, "companyId")):
        b = {"companyId": sh, "employeeNo": "BAD1", "name": "某人"}
        b.update(body)
        status, p = call("POST", "/v1/employees", b, key="pay")
        assert status == 422 and field in errors_at(p), (body, status, p)
    # one archive per person per tenant: the same ID number in another company
    status, p = call("POST", "/v1/employees", {"companyId": ctx["companies"]["SZ"],
                                               "employeeNo": "DUP1", "name": "某人",
                                               "idNumber": ID_NUMBER}, key="pay")
    assert status == 409 and "idNumber" in errors_at(p), p
    status, p = call("POST", "/v1/employees", {"companyId": sh, "employeeNo": ctx["employee"][
        "employeeNo"], "name": "某人"}, key="pay")
    assert status == 409 and "employeeNo" in errors_at(p), p
    assert employees_count() == before


@test
def recruiters_never_see_employees_or_salaries():
    e = ctx["employee"]
    for method, path, body in (("GET", "/v1/employees", None),
                               ("GET", "/v1/employees/" + e["id"], None),
                               ("POST", "/v1/employees", {"companyId": e["companyId"],
                                                          "employeeNo": "R1", "name": "x"}),
                               ("GET", "/v1/employees/%s/compensations" % e["id"], None),
                               ("POST", "/v1/employees/%s:reveal" % e["id"],
                                {"fields": ["idNumber"], "reason": "看看"})):
        status, p = call(method, path, body, key="recruiter")
        assert status == 403, (path, status, p)
        assert NAME not in str(p), p


@test
def a_key_bound_to_a_company_sees_and_makes_only_its_employees():
    sz = employee("SZ", name="深圳员工")
    status, p = call("GET", "/v1/employees/" + sz["id"], key="pay_sh")
    assert status == 404, p
    for path, body in (("/v1/employees/%s/contracts" % sz["id"], {
            "type": "open_ended", "startDate": "2027-03-01"}),
            ("/v1/employees/%s:leave" % sz["id"], {"leaveDate": "2027-03-01"})):
        status, p = call("POST", path, body, key="pay_sh")
        assert status == 404, (path, p)
    status, p = call("POST", "/v1/employees", {"companyId": ctx["companies"]["SZ"],
                                               "employeeNo": "W1", "name": "x"}, key="pay_sh")
    assert status == 422 and "companyId" in errors_at(p), p
    # a transfer into a company the key does not act for is refused too
    status, p = call("POST", "/v1/employees/%s/position-changes" % ctx["employee"]["id"],
                     {"effectiveDate": "2027-03-01", "companyId": ctx["companies"]["SZ"]},
                     key="pay_sh")
    assert status == 422 and "companyId" in errors_at(p), p
    listed = ok(*call("GET", "/v1/employees", key="pay_sh"))["employees"]
    assert listed and {x["companyId"] for x in listed} == {ctx["companies"]["SH"]}, listed
    status, p = call("GET", "/v1/employees?companyId=" + ctx["companies"]["SZ"], key="pay_sh")
    assert status == 404, p
    status, p = call("GET", "/v1/employees/" + sz["id"], key="other")
    assert status == 404, p


@test
def an_update_applies_to_the_version_it_read():
    e = employee(name="王小二")
    path = "/v1/employees/" + e["id"]
    status, _, body = stack.request("PATCH", path, b'{"name": "\xe7\x8e\x8b\xe4\xba\x8c"}', {
        "Authorization": "Bearer " + keys["pay"], "If-Match": '"7"',
        "Content-Type": "application/json"})
    assert status == 409, body
    u = ok(*call("PATCH", path, {"name": "王二", "bankAccount": "6222021234567890"}, key="pay"))
    assert u["name"] == "王二" and u["version"] == "2" and u["bankAccount"] == \
        "**** **** **** 7890", u
    status, p = call("PATCH", path, {"department": "销售部"}, key="pay")
    assert status == 422, p    # by a position change
    status, p = call("PATCH", path, {"idType": "passport"}, key="pay")
    assert status == 422 and "idNumber" in errors_at(p), p
    status, p = call("PATCH", path, {"idNumber": OTHER_ID}, key="pay")
    assert status == 200 and p["idNumber"] == "4405**********0013", p
    status, p = call("PATCH", "/v1/employees/" + ctx["employee"]["id"], {"idNumber": OTHER_ID},
                     key="pay")
    assert status == 409 and "idNumber" in errors_at(p), p


@test
def a_draft_is_activated_and_an_employee_leaves_on_a_day():
    e = employee(hireDate="2027-03-01")
    path = "/v1/employees/" + e["id"]
    status, p = call("POST", path + ":leave", {"leaveDate": "2027-03-02"}, key="pay")
    assert status in (400, 409, 422) and "draft" in str(p), p
    a = ok(*call("POST", path + ":activate", {}, key="pay"))
    assert a["status"] == "active" and a["hireDate"] == "2027-03-01", a
    status, p = call("POST", path + ":leave", {"leaveDate": "2027-02-01"}, key="pay")
    assert status == 422 and "leaveDate" in errors_at(p), p
    left = ok(*call("POST", path + ":leave", {"leaveDate": "2027-03-31", "reason": "个人原因"},
                    key="pay"))
    assert left["status"] == "left" and left["leaveDate"] == "2027-03-31", left
    assert left["leaveReason"] == "个人原因" and left["version"] == "3", left


@test
def a_reveal_needs_the_pii_scope_and_is_audited_without_the_values():
    e = ctx["employee"]
    path = "/v1/employees/%s:reveal" % e["id"]
    body = {"fields": ["idNumber", "bankAccount"], "reason": "社保开户核对"}
    status, p = call("POST", path, body, key="pay")
    assert status == 403 and ID_NUMBER not in str(p), p
    status, p = call("POST", path, {"fields": ["idNumber"], "reason": ""}, key="pay_pii")
    assert status == 422 and "reason" in errors_at(p), p
    status, p = call("POST", path, {"fields": ["salary"], "reason": "x" * 5}, key="pay_pii")
    assert status == 422 and "fields" in errors_at(p), p
    r = ok(*call("POST", path, body, key="pay_pii"))
    assert r["idNumber"] == ID_NUMBER and r["bankAccount"] == BANK.replace(" ", ""), r
    r2 = ok(*call("POST", path, {"fields": ["bankAccount"], "reason": "工资卡变更"},
                  key="admin"))
    assert r2["bankAccount"] == BANK.replace(" ", "") and not r2.get("idNumber"), r2
    audit = ok(*call("GET", "/v1/employee-reveals?employeeId=" + e["id"], key="admin"))
    rows = audit["reveals"]
    assert [x["reason"] for x in rows] == ["社保开户核对", "工资卡变更"], rows
    assert rows[0]["fields"] == ["id_number", "bank_account"] and rows[0]["actor"], rows
    assert rows[0]["actor"] != rows[1]["actor"], rows
    # the values, not even the account's last digits, outside the random ids (a UUID
    # may hold "0128" by chance)
    said = str([{k: v for k, v in x.items() if k not in ("id", "employeeId", "companyId")}
                for x in rows])
    assert ID_NUMBER not in str(audit) and "0128" not in said, audit
    assert sql("SELECT count(*) FROM payroll.employee_reveals") == "2"
    status, p = call("GET", "/v1/employee-reveals", key="pay")
    assert status == 403, p


@test
def pay_and_tax_profiles_are_kept_by_month_with_their_history():
    e = ctx["employee"]
    path = "/v1/employees/%s/compensations" % e["id"]
    for body, field in (({"effectiveMonth": "2027-13", "baseSalary": "1"}, "effectiveMonth"),
                        ({"effectiveMonth": "2027-03", "baseSalary": "-1"}, "baseSalary"),
                        ({"effectiveMonth": "2027-03", "baseSalary": "1.234"}, "baseSalary"),
                        ({"effectiveMonth": "2027-03", "baseSalary": "1", "allowances": [
                            {"name": "餐补", "amount": "1"}, {"name": "餐补", "amount": "2"}]},
                         "allowances[1].name")):
        status, p = call("POST", path, body, key="pay")
        assert status == 422 and field in errors_at(p), (body, p)
    c = ok(*call("POST", path, {"effectiveMonth": "2027-01", "baseSalary": "28000",
                                "allowances": [{"name": "餐补", "amount": "600"}]}, key="pay"),
           want=201)
    assert c["baseSalary"] == "28000.00" and c["allowances"][0]["amount"] == "600.00", c
    ok(*call("POST", path, {"effectiveMonth": "2027-04", "baseSalary": SALARY,
                            "allowances": [{"name": "餐补", "amount": "800.50"},
                                           {"name": "交通补贴", "amount": "300"}]}, key="pay"),
       want=201)
    SECRETS.extend([SALARY, "3123456"])
    history = ok(*call("GET", path, key="pay"))["compensations"]
    assert [h["effectiveMonth"] for h in history] == ["2027-04", "2027-01"], history
    assert history[0]["baseSalary"] == SALARY, history
    tpath = "/v1/employees/%s/tax-profiles" % e["id"]
    status, p = call("POST", tpath, {"effectiveMonth": "2027-01", "specialDeductions": [
        {"kind": "housing_loan_interest", "amount": "1000"},
        {"kind": "housing_rent", "amount": "1500"}]}, key="pay")
    assert status == 422, p
    status, p = call("POST", tpath, {"effectiveMonth": "2027-01", "residency": "alien"},
                     key="pay")
    assert status == 422 and "residency" in errors_at(p), p
    t = ok(*call("POST", tpath, {"effectiveMonth": "2027-01", "bonusTax": "merged",
                                 "specialDeductions": [
                                     {"kind": "children_education", "amount": "2000"},
                                     {"kind": "elderly_support", "amount": "3000"}]},
                 key="pay"), want=201)
    assert t["residency"] == "resident" and t["bonusTax"] == "merged", t
    assert {d["kind"]: d["amount"] for d in t["specialDeductions"]} == {
        "children_education": "2000.00", "elderly_support": "3000.00"}, t
    got = ok(*call("GET", tpath, key="pay"))["taxProfiles"]
    assert len(got) == 1 and got[0]["bonusTax"] == "merged", got


def events(type_, subject):
    return sql("SELECT count(*) FROM events.outbox WHERE type = '%s' AND subject = '%s'"
               % (type_, subject))


EXPIRING = "hrflow.payroll.contract.expiring.v1"
MOVED = "hrflow.payroll.employee.position_changed.v1"


@test
def a_contract_alerts_once_before_its_end_also_across_a_restart():
    e = ctx["employee"]
    path = "/v1/employees/%s/contracts" % e["id"]
    status, p = call("POST", path, {"type": "fixed_term", "startDate": "2027-03-01"}, key="pay")
    assert status == 422 and "endDate" in errors_at(p), p
    status, p = call("POST", path, {"type": "fixed_term", "startDate": "2027-03-01",
                                    "endDate": "2027-02-01"}, key="pay")
    assert status == 422 and "endDate" in errors_at(p), p
    assert ok(*call("GET", "/v1/employee-settings", key="pay"))["contractAlertDays"] == 30
    status, p = call("PATCH", "/v1/employee-settings", {"contractAlertDays": 20}, key="pay")
    assert status == 403, p
    ok(*call("PATCH", "/v1/employee-settings", {"contractAlertDays": 10}, key="admin"))
    c = ok(*call("POST", path, {"type": "fixed_term", "startDate": "2026-05-01",
                                "endDate": "2027-04-30", "probationEnd": "2026-07-31"},
                 key="pay"), want=201)
    # 10 days before the end, 09:00 in Shanghai
    assert c["expiryAlertTime"] == "2027-04-20T01:00:00Z", c
    ok(*call("PATCH", "/v1/employee-settings", {"contractAlertDays": 30}, key="admin"))
    got = ok(*call("GET", path, key="pay"))["contracts"]
    assert got[0]["expiryAlertTime"] == "2027-03-31T01:00:00Z", got
    subject = "contracts/" + c["id"]
    advance("29 days")
    assert events(EXPIRING, subject) == "0"
    stack.stop("payroll")
    advance("2 days")            # due while payroll is down
    stack.start("payroll")
    stack.wait_ready()
    wait_for(lambda: events(EXPIRING, subject) == "1", timeout=60, what="the contract's alert")
    advance("1 day")
    later = sql("SELECT max(id) FROM events.outbox")
    assert events(EXPIRING, subject) == "1" and later
    # a renewal follows it, once
    r = ok(*call("POST", path, {"type": "open_ended", "startDate": "2027-05-01",
                                "previousContractId": c["id"]}, key="pay"), want=201)
    assert r["previousContractId"] == c["id"] and "expiryAlertTime" not in r, r
    status, p = call("POST", path, {"type": "open_ended", "startDate": "2027-05-01",
                                    "previousContractId": c["id"]}, key="pay")
    assert status == 409, p
    # a contract renewed before its alert is alerted no more
    other = employee(status="active", hireDate="2027-01-01")
    opath = "/v1/employees/%s/contracts" % other["id"]
    c2 = ok(*call("POST", opath, {"type": "fixed_term", "startDate": "2027-01-01",
                                  "endDate": "2027-12-31"}, key="pay"), want=201)
    assert c2["expiryAlertTime"] == "2027-12-01T01:00:00Z", c2
    ok(*call("POST", opath, {"type": "fixed_term", "startDate": "2028-01-01",
                             "endDate": "2028-12-31", "previousContractId": c2["id"]},
             key="pay"), want=201)
    got = {x["id"]: x for x in ok(*call("GET", opath, key="pay"))["contracts"]}
    assert "expiryAlertTime" not in got[c2["id"]], got
    assert sql("SELECT count(*) FROM timers.timer WHERE key = 'contracts/%s'" % c2["id"]) == "0"


@test
def a_position_change_applies_today_or_on_its_day_with_its_history():
    e = employee(status="active", hireDate="2027-01-01", position="会计", city="上海")
    path = "/v1/employees/%s/position-changes" % e["id"]
    today = sql("SELECT payroll.today()")
    status, p = call("POST", path, {"effectiveDate": today}, key="pay")
    assert status == 422, p
    now = ok(*call("POST", path, {"effectiveDate": today, "position": "主管会计",
                                  "grade": "P5", "reason": "晋升"}, key="pay"), want=201)
    assert now["applied"] is True, now
    got = ok(*call("GET", "/v1/employees/" + e["id"], key="pay"))
    assert (got["position"], got["grade"], got["city"]) == ("主管会计", "P5", "上海"), got
    assert events(MOVED, "employees/" + e["id"]) == "1"
    later = sql("SELECT (payroll.today() + 3)::text")
    future = ok(*call("POST", path, {"effectiveDate": later, "city": "深圳",
                                     "companyId": ctx["companies"]["SZ"]}, key="pay"),
                want=201)
    assert future.get("applied", False) is False, future
    assert ok(*call("GET", "/v1/employees/" + e["id"], key="pay"))["city"] == "上海"
    advance("3 days")
    wait_for(lambda: call("GET", "/v1/employees/" + e["id"], key="pay")[1]["city"] == "深圳",
             timeout=60, what="the transfer on its day")
    moved = ok(*call("GET", "/v1/employees/" + e["id"], key="pay"))
    assert moved["companyId"] == ctx["companies"]["SZ"], moved
    assert events(MOVED, "employees/" + e["id"]) == "2"
    status, p = call("GET", "/v1/employees/" + e["id"], key="pay_sh")
    assert status == 404, p   # transferred out of the key's company
    history = ok(*call("GET", path, key="pay"))["changes"]
    assert [h["applied"] for h in history] == [True, True], history


ONBOARDED = "hrflow.payroll.employee.onboarded.v1"


@test
def a_hire_becomes_one_draft_employee_even_when_the_event_is_read_again():
    j = job_of("SH")
    phone = "136%08d" % (uuid.uuid4().int % 10 ** 8)
    cand = ok(*call("POST", "/v1/candidates", {
        "name": "李新人", "phone": phone,
        "consent": {"automatedAssessment": True, "version": "2026-01"}}), want=201)
    app = ok(*call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": cand["id"]}),
             want=201)
    for stage in ("offer", "hired"):
        ok(*call("POST", "/v1/applications/%s:advance" % app["id"], {"toStage": stage}))
    count = "SELECT count(*) FROM payroll.employees WHERE application_id = '%s'" % app["id"]
    wait_for(lambda: sql(count) == "1", timeout=60, what="the draft employee")
    drafts = ok(*call("GET", "/v1/employees?status=draft", key="pay"))["employees"]
    d = next(x for x in drafts if x.get("applicationId") == app["id"])
    assert d["name"] == "李新人" and d["candidateId"] == cand["id"], d
    assert d["companyId"] == ctx["companies"]["SH"] and d["status"] == "draft", d
    assert events(ONBOARDED, "employees/" + d["id"]) == "1"
    data = sql("SELECT data::text FROM events.outbox WHERE type = '%s' AND subject = '%s'"
               % (ONBOARDED, "employees/" + d["id"]))
    assert "李新人" not in data and phone not in data, data
    # the cursor back to before the hire: the consumer reads it again, makes nothing twice
    hired = sql("SELECT max(id) FROM events.outbox WHERE type = "
                "'hrflow.pipeline.application.hired.v1' AND subject = 'applications/%s'"
                % app["id"])
    sql("UPDATE events.consumer_cursor c SET tx_id = o.tx_id, last_id = o.id - 1 FROM "
        "events.outbox o WHERE c.name = 'payroll.onboarding' AND o.id = %s" % hired)
    last = sql("SELECT max(id) FROM events.outbox")
    wait_for(lambda: sql("SELECT (c.tx_id, c.last_id) >= (o.tx_id, o.id) FROM "
                         "events.consumer_cursor c, events.outbox o WHERE c.name = "
                         "'payroll.onboarding' AND o.id = %s" % last) == "t",
             timeout=60, what="the consumer past the hire again")
    assert sql(count) == "1" and events(ONBOARDED, "employees/" + d["id"]) == "1"
    SECRETS.extend(["李新人", phone])


@test
def a_list_walks_every_employee_once_in_pages():
    want = [x["id"] for x in ok(*call("GET", "/v1/employees?pageSize=500", key="pay"))[
        "employees"]]
    seen, token = [], ""
    while True:
        page = ok(*call("GET", "/v1/employees?pageSize=2&pageToken=" + token, key="pay"))
        seen += [x["id"] for x in page["employees"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert seen == want and len(want) > 4, (seen, want)
    status, p = call("GET", "/v1/employees?pageToken=forged", key="pay")
    assert status == 400 and p["code"] == "invalid_page_token", p


@test
def the_services_logs_name_no_one():
    """payroll's and the gateway's logs hold ids, never the personal data they handled."""
    found = []
    for svc in ("payroll", "gateway"):
        with open(os.path.join(stack.tmp, "%s-%s.log" % (stack.name, svc)),
                  encoding="utf-8", errors="replace") as f:
            text = f.read()
        found += ["%s: %s" % (svc, s) for s in SECRETS if s in text]
    assert not found, found


@test
def a_raw_dump_shows_no_names_id_numbers_accounts_phones_or_salaries():
    dump = stack.dump("payroll")
    assert "payroll.employees" in dump and "payroll.compensations" in dump, dump[:300]
    found = [s for s in SECRETS if s in dump or s.encode("utf-8").hex() in dump]
    assert not found, "the dump shows %s" % found
    assert len(SECRETS) >= 8, SECRETS


if __name__ == "__main__":
    run(setup, teardown)
