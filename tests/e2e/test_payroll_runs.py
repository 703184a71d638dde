"""tests/e2e/test_payroll_runs.py - payroll runs through the gateway on a real stack.

A hire in the pipeline becomes a draft employee, who is completed, activated
and paid; an office shift and punches make March 2026's attendance (with
overtime); a pay scheme per company. Then: the run of SH calculated by the
background loop, its payslips to the fen and explained line by line, sealed
at rest; recalculation giving the same payslips (the month's attendance
reused, not recomputed); a punch added after a calculation paid on
recalculation (and refused at approval before); an approval of a run whose
inputs changed (or that was recalculated) refused; every field of two
payslips compared with the answer of the payslips stored whole before;
approval, the bank file (pii scope, audited) and payment; a paid run
refusing every change; an adjustment of the paid month landing in April
with the year so far carried; a payslip stored whole (the form before payslips
were stored as figures) reading the same and carrying its year into May; a
run failing as a whole (no city policy, a division by zero) with nothing
written; the group-wide request and the company wall; recruiters refused;
the months of a tax year approved and paid in order, a calculated run
discarded; the inputs of the record (hire and leave dates, grade), the
month's sick leave and the city's minimum wage, and the annual bonus by its
flag; a replica killed in the middle of a run's transaction, the run
finished once by the other replica; and a calculation outlasting its lease,
renewed and not claimed again.
"""
import base64
import csv
import io
import json
import os
import subprocess
import sys
import uuid
from decimal import ROUND_HALF_UP, Decimal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import call, ctx, job_of, keys, sql, stack  # noqa: E402
from scheduling_e2e import setup as setup_stack  # noqa: E402
from scheduling_e2e import teardown  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402

BANK = "6222021234567890128"
APPROVED = "hrflow.payroll.run.approved.v1"
PAID = "hrflow.payroll.run.paid.v1"


def setup():
    setup_stack("payroll_runs", {"HF_PAYROLL_RUN_LEASE_MS": "2000"})
    for name, scopes, company in (("pay", ("payroll",), None), ("pay_sz", ("payroll",), "SZ"),
                                  ("pay_pii", ("payroll", "pii"), None)):
        args = [a for s in scopes for a in ("--scope", s)]
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", "sa", *args,
                               *(("--company", company) if company else ()))


def ok(status, body, want=200):
    assert status == want, (status, body)
    return body


def fields(p):
    return [e["field"] for e in p.get("errors", [])]


def employee(company, no, city, base, **extra):
    body = {"companyId": ctx["companies"][company], "employeeNo": no, "name": "员工" + no,
            "city": city, "status": "active", "hireDate": "2026-01-01", "bankAccount": BANK}
    body.update(extra)
    e = ok(*call("POST", "/v1/employees", body, key="pay"), want=201)
    pay(e["id"], "2026-01", base)
    return e


def pay(employee_id, month, base, meal="500"):
    ok(*call("POST", "/v1/employees/%s/compensations" % employee_id,
             {"effectiveMonth": month, "baseSalary": base,
              "allowances": [{"name": "meal", "amount": meal}]}, key="pay"), want=201)


def office_shift(company):
    c = ctx["companies"][company]
    s = ok(*call("POST", "/v1/attendance/shifts", {
        "companyId": c, "name": "白班", "start": "09:00", "end": "18:00",
        "breakStart": "12:00", "breakMinutes": 60}, key="pay"), want=201)
    ok(*call("PATCH", "/v1/attendance/companies/%s/settings" % c, {"defaultShiftId": s["id"]},
             key="pay"))


def scheme(company, components):
    ok(*call("POST", "/v1/payroll/schemes", {
        "companyId": ctx["companies"][company], "name": "标准", "effectiveMonth": "2026-01",
        "components": components}, key="pay"), want=201)


STANDARD = [{"name": "base_pay", "kind": "earning", "taxable": True, "formula": "base"},
            {"name": "meal", "kind": "earning", "formula": "meal_allowance"},
            {"name": "absence", "kind": "deduction", "taxable": True,
             "formula": "base / 21.75 * absent_days"}]


def run_of(company, month, key="pay", want=202):
    return ok(*call("POST", "/v1/payroll/runs", {"companyId": ctx["companies"][company],
                                                 "month": month}, key=key), want=want)


def settled(run_id, calculations=None):
    """The run once no calculation is queued (and, given, after that many)."""
    def done():
        r = ok(*call("GET", "/v1/payroll/runs/" + run_id, key="pay"))
        if r["calculation"] or (calculations and r.get("calculations", 0) < calculations):
            return None
        return r
    return wait_for(done, timeout=60, what="the run's calculation")


def slips(run_id):
    got, token = [], ""
    while True:
        page = ok(*call("GET", "/v1/payroll/runs/%s/payslips?pageSize=1&pageToken=%s"
                        % (run_id, token), key="pay"))
        got += page.get("payslips", [])
        token = page.get("nextPageToken", "")
        if not token:
            return got


def slip(run_id, employee_id):
    return ok(*call("GET", "/v1/payroll/runs/%s/payslips/%s" % (run_id, employee_id),
                    key="pay"))


def line(s, name):
    return next(x for x in s["lines"] if x["name"] == name)


def D(s):
    return Decimal(s)


def events(type_, subject):
    return sql("SELECT count(*) FROM events.outbox WHERE type = '%s' AND subject = '%s'"
               % (type_, subject))


def act(run, verb, version, key="pay"):
    return call("POST", "/v1/payroll/runs/%s:%s" % (run["id"], verb),
                {"expectedVersion": str(version)}, key=key)


def version(run):
    return int(run["version"])


@test
def a_hire_becomes_an_employee_whose_march_is_paid_to_the_fen():
    # the hire, through the pipeline, onto the archive
    j = job_of("SH")
    cand = ok(*call("POST", "/v1/candidates", {
        "name": "李新人", "phone": "136%08d" % (uuid.uuid4().int % 10 ** 8),
        "consent": {"automatedAssessment": True, "version": "2026-01"}}), want=201)
    app = ok(*call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": cand["id"]}),
             want=201)
    for stage in ("offer", "hired"):
        ok(*call("POST", "/v1/applications/%s:advance" % app["id"], {"toStage": stage}))
    wait_for(lambda: sql("SELECT count(*) FROM payroll.employees WHERE application_id = '%s'"
                         % app["id"]) == "1", timeout=60, what="the draft employee")
    hire = sql("SELECT id FROM payroll.employees WHERE application_id = '%s'" % app["id"])
    ok(*call("PATCH", "/v1/employees/" + hire, {"employeeNo": "SH001", "bankAccount": BANK},
             key="pay"))
    ok(*call("POST", "/v1/employees/%s/position-changes" % hire, {
        "effectiveDate": sql("SELECT payroll.today()"), "city": "上海", "reason": "入职"},
        key="pay"), want=201)
    ok(*call("POST", "/v1/employees/%s:activate" % hire, {"hireDate": "2026-03-01"},
             key="pay"))
    pay(hire, "2026-03", "30000")
    ctx["hire"] = hire
    ctx["sh2"] = employee("SH", "SH002", "上海", "12000")["id"]
    # attendance: the office shift, a month of punches, 2.5 h of overtime on the 2nd
    office_shift("SH")
    days = [d for d in range(2, 32) if sql("SELECT extract(isodow FROM date '2026-03-%02d')"
                                           % d) not in ("6", "7")]
    punches = []
    for no in ("SH001", "SH002"):
        for d in days:
            out = "20:30" if (no, d) == ("SH001", 2) else "18:00"
            for t in ("08:55", out):
                punches.append({"employeeNo": no, "companyId": ctx["companies"]["SH"],
                                "time": "2026-03-%02dT%s:00+08:00" % (d, t), "device": "gate",
                                "method": "fingerprint"})
    ok(*call("POST", "/v1/attendance/punches:batch", {"punches": punches}, key="pay"))
    scheme("SH", STANDARD)
    # the run, calculated by the loop
    r = run_of("SH", "2026-03")
    assert r["state"] == "draft" and r["calculation"] == "queued", r
    r = settled(r["id"])
    assert r["state"] == "calculated" and r["employees"] == 2 and r["error"] == "", r
    ctx["run"] = r
    s = slip(r["id"], hire)
    assert s["employeeNo"] == "SH001" and s["month"] == "2026-03" and s["currency"] == "CNY", s
    assert line(s, "base_pay")["value"] == "30000.00" and line(s, "meal")["value"] == "500.00"
    assert line(s, "base_pay")["inputs"] == [{"name": "base", "value": "30000.00",
                                              "source": "input"}], s
    assert line(s, "absence")["value"] == "0.00", s
    ot = line(s, "overtime_workday")        # 30 000 / 174 = 172.41 an hour × 2.5 × 1.5
    assert ot["value"] == "646.54" and ot["rateBase"] == "172.41" and ot["rate"] == "1.5", ot
    pension = line(s, "pension")            # Shanghai: 8 % on the wage 30 500
    assert pension["value"] == "2440.00" and pension["rateBase"] == "30500.00", pension
    assert pension["rate"] == "0.08" and "7460.00" in pension["formula"], pension
    social = sum(D(x["value"]) for x in s["lines"] if x["kind"] == "contribution")
    assert D(s["socialEmployee"]) == social, s
    gross = D("30000.00") + D("500.00") + D("646.54")
    assert D(s["gross"]) == gross and D(s["taxableIncome"]) == D("30646.54"), s
    tax = ((D("30646.54") - 5000 - social) * D("0.03")).quantize(D("0.01"), ROUND_HALF_UP)
    assert D(s["incomeTax"]) == tax and line(s, "income_tax")["rate"] == "0.03", s
    assert D(s["net"]) == gross - social - tax and line(s, "net")["value"] == s["net"], s
    assert s["ytd"]["months"] == 1 and D(s["ytd"]["withheld"]) == tax, s
    listed = slips(r["id"])
    assert sorted(x["employeeNo"] for x in listed) == ["SH001", "SH002"], listed
    assert all(not x.get("lines") for x in listed), listed
    assert D(r["net"]) == sum(D(x["net"]) for x in listed), r
    # sealed at rest: no amount in the table's text
    raw = sql("SELECT string_agg(body_enc, ' ') FROM payroll.payslips")
    assert "30000" not in raw and s["net"] not in raw and raw.startswith("v1."), raw[:80]


def as_written(s):
    """A payslip read through the API without its random ids."""
    return {k: v for k, v in s.items() if k not in ("runId", "employeeId", "companyId",
                                                    "schemeId")}


# Every field of SH001's March payslip as the API answered it when payslips
# were stored whole, each line's name, label, formula, inputs and rate with
# it: a payslip stored as figures must read the same, sentence for sentence.
EXPLAINED = {'employeeNo': 'SH001',
             'month': '2026-03',
             'city': '上海',
             'schemeVersion': 1,
             'lines': [{'name': 'base_pay',
                        'label': '',
                        'kind': 'earning',
                        'value': '30000.00',
                        'formula': 'base',
                        'inputs': [{'name': 'base', 'value': '30000.00', 'source': 'input'}],
                        'rateBase': '',
                        'rate': ''},
                       {'name': 'meal',
                        'label': '',
                        'kind': 'earning',
                        'value': '500.00',
                        'formula': 'meal_allowance',
                        'inputs': [{'name': 'meal_allowance',
                                    'value': '500.00',
                                    'source': 'input'}],
                        'rateBase': '',
                        'rate': ''},
                       {'name': 'absence',
                        'label': '',
                        'kind': 'deduction',
                        'value': '0.00',
                        'formula': 'base / 21.75 * absent_days',
                        'inputs': [{'name': 'base', 'value': '30000.00', 'source': 'input'},
                                   {'name': 'absent_days', 'value': '0', 'source': 'input'}],
                        'rateBase': '',
                        'rate': ''},
                       {'name': 'overtime_workday',
                        'label': '',
                        'kind': 'earning',
                        'value': '646.54',
                        'formula': 'hourly rate (base 30000.00 / 174 = 172.41) x 150 min / 60 x '
                                   '1.5',
                        'inputs': [],
                        'rateBase': '172.41',
                        'rate': '1.5'},
                       {'name': 'pension',
                        'label': '',
                        'kind': 'contribution',
                        'value': '2440.00',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.08'},
                       {'name': 'pension_employer',
                        'label': '',
                        'kind': 'employer',
                        'value': '4880.00',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.16'},
                       {'name': 'medical',
                        'label': '',
                        'kind': 'contribution',
                        'value': '610.00',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.02'},
                       {'name': 'medical_employer',
                        'label': '',
                        'kind': 'employer',
                        'value': '2745.00',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.09'},
                       {'name': 'unemployment',
                        'label': '',
                        'kind': 'contribution',
                        'value': '152.50',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.005'},
                       {'name': 'unemployment_employer',
                        'label': '',
                        'kind': 'employer',
                        'value': '152.50',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.005'},
                       {'name': 'work_injury',
                        'label': '',
                        'kind': 'contribution',
                        'value': '0.00',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0'},
                       {'name': 'work_injury_employer',
                        'label': '',
                        'kind': 'employer',
                        'value': '61.00',
                        'formula': 'wage 30500.00 clamped to [7460.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.002'},
                       {'name': 'housing_fund',
                        'label': '',
                        'kind': 'contribution',
                        'value': '2135.00',
                        'formula': 'wage 30500.00 clamped to [2690.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.07'},
                       {'name': 'housing_fund_employer',
                        'label': '',
                        'kind': 'employer',
                        'value': '2135.00',
                        'formula': 'wage 30500.00 clamped to [2690.00, 37302.00] = 30500.00',
                        'inputs': [],
                        'rateBase': '30500.00',
                        'rate': '0.07'},
                       {'name': 'income_tax',
                        'label': '',
                        'kind': 'tax',
                        'value': '609.27',
                        'formula': 'cumulative: (income 30646.54 - 1 x 5000.00 - deductions) = '
                                   'taxable 20309.04; x rate - quick 0.00 = 609.27; less withheld '
                                   '0.00',
                        'inputs': [],
                        'rateBase': '20309.04',
                        'rate': '0.03'},
                       {'name': 'net',
                        'label': '',
                        'kind': 'net',
                        'value': '25199.77',
                        'formula': 'gross - deductions - social_employee - income_tax',
                        'inputs': [],
                        'rateBase': '',
                        'rate': ''}],
             'gross': '31146.54',
             'deductions': '0.00',
             'socialEmployee': '5337.50',
             'socialEmployer': '9973.50',
             'taxableIncome': '30646.54',
             'incomeTax': '609.27',
             'bonusTax': '0.00',
             'net': '25199.77',
             'ytd': {'months': 1,
                     'income': '30646.54',
                     'special': '5337.50',
                     'additional': '0.00',
                     'other': '0.00',
                     'withheld': '609.27'},
             'currency': 'CNY'}


@test
def every_line_of_a_payslip_reads_as_explained_when_calculated():
    s = as_written(slip(ctx["run"]["id"], ctx["hire"]))
    assert s == EXPLAINED, json.dumps(s, ensure_ascii=False)


@test
def recalculating_gives_the_same_payslips():
    r = ctx["run"]
    before = [slip(r["id"], e) for e in (ctx["hire"], ctx["sh2"])]
    computed = computations("SH")
    again = ok(*call("POST", "/v1/payroll/runs/%s:calculate" % r["id"], {}, key="pay"),
               want=202)
    assert again["calculation"] == "queued", again
    again = settled(r["id"], calculations=2)
    assert again["inputsDigest"] == r["inputsDigest"] and again["net"] == r["net"], again
    assert [slip(r["id"], e) for e in (ctx["hire"], ctx["sh2"])] == before
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % r["id"]) == "2"
    # nothing the attendance is computed from changed: the stored month was reused
    assert computations("SH") == computed, computed
    ctx["run"] = again


def computations(company):
    return sql("SELECT computations FROM payroll.attendance_computed WHERE company_id = '%s'"
               " AND month = '2026-03-01'" % ctx["companies"][company])


@test
def a_punch_added_after_a_calculation_is_paid_on_recalculation():
    r = ctx["run"]
    before = computations("SH")
    ot = D(line(slip(r["id"], ctx["hire"]), "overtime_workday")["value"])
    # SH001 leaves at 21:00 on the 3rd as well: three more hours of overtime
    ok(*call("POST", "/v1/attendance/punches:batch", {"punches": [{
        "employeeNo": "SH001", "companyId": ctx["companies"]["SH"],
        "time": "2026-03-03T21:00:00+08:00", "device": "gate", "method": "fingerprint"}]},
        key="pay"))
    status, p = act(r, "approve", r["version"])
    assert status == 409 and "inputs changed" in p["detail"], p
    ok(*call("POST", "/v1/payroll/runs/%s:calculate" % r["id"], {}, key="pay"), want=202)
    again = settled(r["id"], calculations=3)
    assert again["inputsDigest"] != r["inputsDigest"] and again["net"] != r["net"], again
    assert int(computations("SH")) > int(before), before
    hours = line(slip(r["id"], ctx["hire"]), "overtime_workday")
    assert D(hours["value"]) > ot, hours
    ctx["run"] = again


@test
def an_approval_of_a_run_that_changed_underneath_is_refused():
    r = ctx["run"]
    # the inputs changed (a raise) since the calculation: refused, nothing changed
    pay(ctx["sh2"], "2026-03", "13000")
    status, p = act(r, "approve", r["version"])
    assert status == 409 and "inputs changed" in p["detail"], p
    assert ok(*call("GET", "/v1/payroll/runs/" + r["id"], key="pay"))["state"] == "calculated"
    # recalculated: the version the approver saw is stale
    ok(*call("POST", "/v1/payroll/runs/%s:calculate" % r["id"], {}, key="pay"), want=202)
    fresh = settled(r["id"], calculations=4)
    assert fresh["version"] != r["version"] and fresh["inputsDigest"] != r["inputsDigest"]
    status, p = act(r, "approve", r["version"])
    assert status == 409, p
    status, p = call("POST", "/v1/payroll/runs/%s:approve" % r["id"], {}, key="pay")
    assert status == 422 and fields(p) == ["expectedVersion"], p
    assert D(slip(r["id"], ctx["sh2"])["gross"]) == D("13500.00")
    # If-Match with the current version approves it, and the event carries no one
    status, headers, body = stack.request(
        "POST", "/v1/payroll/runs/%s:approve" % r["id"], b"{}",
        {"Authorization": "Bearer " + keys["pay"], "Content-Type": "application/json",
         "If-Match": '"%s"' % fresh["version"]})
    a = json.loads(body)
    assert status == 200 and a["state"] == "approved", (status, a)
    assert events(APPROVED, "payroll-runs/" + r["id"]) == "1"
    data = sql("SELECT data::text FROM events.outbox WHERE type = '%s'" % APPROVED)
    assert "SH001" not in data and BANK not in data and a["net"] in data, data
    ctx["run"] = a


@test
def the_bank_file_needs_the_pii_scope_and_is_audited():
    r = ctx["run"]
    path = "/v1/payroll/runs/%s/bank-file" % r["id"]
    assert call("GET", path, key="pay")[0] == 403
    before = int(sql("SELECT count(*) FROM payroll.employee_reveals"))
    status, headers, body = stack.request("GET", path + "?reason=salary%20transfer", None,
                                          {"Authorization": "Bearer " + keys["pay_pii"]})
    assert status == 200 and headers.get("Content-Type", "").startswith("text/csv"), headers
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["employee_no", "name", "bank_account", "amount", "currency", "remark"]
    nets = {s["employeeNo"]: s["net"] for s in slips(r["id"])}
    assert [(x[0], x[2], x[3], x[4]) for x in rows[1:]] == [
        ("SH001", BANK, nets["SH001"], "CNY"), ("SH002", BANK, nets["SH002"], "CNY")], rows
    assert rows[1][1] == "李新人" and rows[1][5] == "salary 2026-03", rows
    assert int(sql("SELECT count(*) FROM payroll.employee_reveals")) == before + 2
    assert sql("SELECT DISTINCT reason FROM payroll.employee_reveals WHERE"
               " 'bank_account' = ANY (fields)") == "salary transfer"


@test
def a_paid_run_is_locked():
    r = ctx["run"]
    status, p = act(r, "pay", version(r) - 1)
    assert status == 409, p
    paid = ok(*act(r, "pay", r["version"]))
    assert paid["state"] == "paid" and paid["paidBy"], paid
    assert events(PAID, "payroll-runs/" + r["id"]) == "1"
    status, p = call("POST", "/v1/payroll/runs/%s:calculate" % r["id"], {}, key="pay")
    assert status == 409 and "locked" in p["detail"], p
    status, p = call("POST", "/v1/payroll/runs", {"companyId": ctx["companies"]["SH"],
                                                  "month": "2026-03"}, key="pay")
    assert status == 409, p
    status, p = act(paid, "approve", paid["version"])
    assert status == 409, p
    # not even the database lets it change
    out = subprocess.run(["psql", stack.dsn, "-XAtq", "-c", "DELETE FROM payroll.payslips"
                          " WHERE run_id = '%s'" % r["id"]], capture_output=True, text=True)
    assert "locked" in out.stderr, out
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % r["id"]) == "2"
    ctx["run"] = paid


@test
def an_adjustment_of_the_paid_month_lands_in_the_next_run():
    body = {"employeeId": ctx["sh2"], "month": "2026-03", "amount": "500.00", "taxable": True,
            "reason": "三月加班费补发"}
    for bad, field in (({"amount": "abc"}, "amount"), ({"amount": "-1.234"}, "amount"),
                       ({"month": "2026-13"}, "month"), ({"reason": ""}, "reason"),
                       ({"employeeId": str(uuid.uuid4())}, "employeeId")):
        status, p = call("POST", "/v1/payroll/adjustments", dict(body, **bad), key="pay")
        assert status == 422 and fields(p) == [field], (bad, p)
    status, p = call("POST", "/v1/payroll/adjustments", dict(body, month="2026-04"), key="pay")
    assert status == 409, p                      # April is not paid: nothing to correct
    assert call("POST", "/v1/payroll/adjustments", body, key="pay_sz")[0] == 422  # the wall
    a = ok(*call("POST", "/v1/payroll/adjustments", body, key="pay"), want=201)
    assert a["amount"] == "500.00" and a["appliedRunId"] == "", a
    assert "500.00" not in sql("SELECT amount_enc FROM payroll.adjustments")
    april = settled(run_of("SH", "2026-04")["id"])
    assert april["state"] == "calculated", april
    s = slip(april["id"], ctx["sh2"])
    assert line(s, "adjustment_taxable")["value"] == "500.00", s
    march = slip(ctx["run"]["id"], ctx["sh2"])
    assert s["ytd"]["months"] == 2, s
    assert D(s["ytd"]["income"]) == D(march["ytd"]["income"]) + D(s["taxableIncome"]), s
    assert D(s["ytd"]["withheld"]) == D(march["ytd"]["withheld"]) + D(s["incomeTax"]), s
    listed = ok(*call("GET", "/v1/payroll/adjustments?companyId=" + ctx["companies"]["SH"],
                      key="pay"))["adjustments"]
    assert [x["appliedRunId"] for x in listed] == [april["id"]], listed
    ctx["april"] = april


EXPLAINED_APRIL = {'employeeNo': 'SH002',
                   'month': '2026-04',
                   'city': '上海',
                   'schemeVersion': 1,
                   'lines': [{'name': 'base_pay',
                              'label': '',
                              'kind': 'earning',
                              'value': '13000.00',
                              'formula': 'base',
                              'inputs': [{'name': 'base', 'value': '13000.00', 'source': 'input'}],
                              'rateBase': '',
                              'rate': ''},
                             {'name': 'meal',
                              'label': '',
                              'kind': 'earning',
                              'value': '500.00',
                              'formula': 'meal_allowance',
                              'inputs': [{'name': 'meal_allowance',
                                          'value': '500.00',
                                          'source': 'input'}],
                              'rateBase': '',
                              'rate': ''},
                             {'name': 'absence',
                              'label': '',
                              'kind': 'deduction',
                              'value': '12551.72',
                              'formula': 'base / 21.75 * absent_days',
                              'inputs': [{'name': 'base', 'value': '13000.00', 'source': 'input'},
                                         {'name': 'absent_days',
                                          'value': '21',
                                          'source': 'input'}],
                              'rateBase': '',
                              'rate': ''},
                             {'name': 'adjustment_taxable',
                              'label': '',
                              'kind': 'earning',
                              'value': '500.00',
                              'formula': 'adjustments of earlier, locked months (taxable)',
                              'inputs': [],
                              'rateBase': '',
                              'rate': ''},
                             {'name': 'pension',
                              'label': '',
                              'kind': 'contribution',
                              'value': '1080.00',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.08'},
                             {'name': 'pension_employer',
                              'label': '',
                              'kind': 'employer',
                              'value': '2160.00',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.16'},
                             {'name': 'medical',
                              'label': '',
                              'kind': 'contribution',
                              'value': '270.00',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.02'},
                             {'name': 'medical_employer',
                              'label': '',
                              'kind': 'employer',
                              'value': '1215.00',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.09'},
                             {'name': 'unemployment',
                              'label': '',
                              'kind': 'contribution',
                              'value': '67.50',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.005'},
                             {'name': 'unemployment_employer',
                              'label': '',
                              'kind': 'employer',
                              'value': '67.50',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.005'},
                             {'name': 'work_injury',
                              'label': '',
                              'kind': 'contribution',
                              'value': '0.00',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0'},
                             {'name': 'work_injury_employer',
                              'label': '',
                              'kind': 'employer',
                              'value': '27.00',
                              'formula': 'wage 13500.00 clamped to [7460.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.002'},
                             {'name': 'housing_fund',
                              'label': '',
                              'kind': 'contribution',
                              'value': '945.00',
                              'formula': 'wage 13500.00 clamped to [2690.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.07'},
                             {'name': 'housing_fund_employer',
                              'label': '',
                              'kind': 'employer',
                              'value': '945.00',
                              'formula': 'wage 13500.00 clamped to [2690.00, 37302.00] = 13500.00',
                              'inputs': [],
                              'rateBase': '13500.00',
                              'rate': '0.07'},
                             {'name': 'income_tax',
                              'label': '',
                              'kind': 'tax',
                              'value': '0.00',
                              'formula': 'cumulative: (income 13948.28 - 2 x 5000.00 - '
                                         'deductions) = taxable 0.00; x rate - quick 0.00 = 0.00; '
                                         'less withheld 169.13',
                              'inputs': [],
                              'rateBase': '0.00',
                              'rate': '0.03'},
                             {'name': 'net',
                              'label': '',
                              'kind': 'net',
                              'value': '-914.22',
                              'formula': 'gross - deductions - social_employee - income_tax',
                              'inputs': [],
                              'rateBase': '',
                              'rate': ''}],
                   'gross': '14000.00',
                   'deductions': '12551.72',
                   'socialEmployee': '2362.50',
                   'socialEmployer': '4414.50',
                   'taxableIncome': '948.28',
                   'incomeTax': '0.00',
                   'bonusTax': '0.00',
                   'net': '-914.22',
                   'ytd': {'months': 2,
                           'income': '13948.28',
                           'special': '4725.00',
                           'additional': '0.00',
                           'other': '0.00',
                           'withheld': '169.13'},
                   'currency': 'CNY'}


@test
def a_payslip_with_an_adjustment_and_the_year_so_far_reads_as_explained():
    april = ok(*call("GET", "/v1/payroll/runs?companyId=%s&month=2026-04"
                     % ctx["companies"]["SH"], key="pay"))["runs"][0]
    s = as_written(slip(april["id"], ctx["sh2"]))
    assert s == EXPLAINED_APRIL, json.dumps(s, ensure_ascii=False)


def pb(fields):
    """A protobuf message of (number, value) pairs: str, int or a nested list;
    empty strings and zeros left out, as protobuf-c packs proto3."""
    def varint(n):
        out = b""
        while n >= 0x80:
            out += bytes([n & 0x7f | 0x80])
            n >>= 7
        return out + bytes([n])
    out = b""
    for number, value in fields:
        if isinstance(value, int):
            out += varint(number << 3) + varint(value) if value else b""
            continue
        data = pb(value) if isinstance(value, list) else value.encode()
        if data or isinstance(value, list):
            out += varint(number << 3 | 2) + varint(len(data)) + data
    return out


def stored_whole(s, tenant):
    """Payslip s of SH (as the API answers it) sealed the way payslips were stored
    before the compact form: the packed hrflow.v1.Payslip with its lines,
    the component lines without the scheme's part (formula, label, the
    inputs' names), as the stack's key (stack.py) seals it."""
    components = len(STANDARD)                   # SH's scheme: its lines come first

    def line(x, k):
        scheme = k < components
        return [(1, x["name"]), (2, "" if scheme else x["label"]), (3, x["kind"]),
                (4, x["value"]), (5, "" if scheme else x["formula"])] + \
            [(6, [(1, "" if scheme else i["name"]), (2, i["value"]),
                  (3, "" if scheme else i["source"])]) for i in x.get("inputs", [])] + \
            [(7, x["rateBase"]), (8, x["rate"])]
    y = s["ytd"]
    body = pb([(1, s["runId"]), (2, s["employeeId"]), (3, s["employeeNo"]),
               (4, s["companyId"]), (5, s["month"]), (6, s["city"]), (7, s["schemeId"]),
               (8, s["schemeVersion"])] +
              [(9, line(x, k)) for k, x in enumerate(s["lines"])] +
              [(10, s["gross"]), (11, s["deductions"]), (12, s["socialEmployee"]),
               (13, s["socialEmployer"]), (14, s["taxableIncome"]), (15, s["incomeTax"]),
               (16, s["bonusTax"]), (17, s["net"]),
               (18, [(1, y["months"]), (2, y["income"]), (3, y["special"]),
                     (4, y["additional"]), (5, y["other"]), (6, y["withheld"])]),
               (19, s["currency"])])
    nonce = os.urandom(12)
    sealed = AESGCM(bytes.fromhex("1f" * 32)).encrypt(
        nonce, body, ("v1.k1.%s:payslips.body" % tenant).encode())
    return "v1.k1." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


@test
def a_payslip_stored_whole_before_reads_the_same_and_carries_its_year():
    april = ok(*call("GET", "/v1/payroll/runs?companyId=%s&month=2026-04"
                     % ctx["companies"]["SH"], key="pay"))["runs"][0]
    s = slip(april["id"], ctx["sh2"])
    where = " WHERE run_id = '%s' AND employee_id = '%s'" % (april["id"], ctx["sh2"])
    tenant = sql("SELECT tenant_id FROM payroll.payslips" + where)
    sql("UPDATE payroll.payslips SET body_enc = '%s', city = NULL, department = NULL,"
        " position = NULL%s" % (stored_whole(s, tenant), where))
    assert sql("SELECT city IS NULL FROM payroll.payslips" + where) == "t"
    assert slip(april["id"], ctx["sh2"]) == s
    listed = next(x for x in slips(april["id"]) if x["employeeId"] == ctx["sh2"])
    assert listed == dict(s, lines=[]), listed
    # May's tax counts the year so far from April's payslip stored whole
    may = settled(run_of("SH", "2026-05")["id"])
    assert may["state"] == "calculated", may
    m = slip(may["id"], ctx["sh2"])
    assert m["ytd"]["months"] == 3, m
    assert D(m["ytd"]["income"]) == D(s["ytd"]["income"]) + D(m["taxableIncome"]), m
    assert D(m["ytd"]["withheld"]) == D(s["ytd"]["withheld"]) + D(m["incomeTax"]), m


@test
def a_tax_year_is_approved_and_paid_in_month_order_and_a_draft_can_be_discarded():
    april = ctx["april"]
    june = settled(run_of("SH", "2026-06")["id"])
    assert june["state"] == "calculated", june
    # April (calculated) comes first: June's tax counts on April's figures
    status, p = act(june, "approve", june["version"])
    assert status == 409 and "2026-04 is calculated" in p["detail"], p
    # discarding: not a run of a company the key does not act for, not at a stale version
    path = "/v1/payroll/runs/" + april["id"]
    assert call("DELETE", path, key="pay_sz")[0] == 404
    assert call("DELETE", path, key="recruiter")[0] == 403
    status, p = call("DELETE", path + "?expectedVersion=%d" % (version(april) - 1), key="pay")
    assert status == 409, p
    gone = ok(*call("DELETE", path + "?expectedVersion=" + april["version"], key="pay"))
    assert gone["id"] == april["id"] and gone["state"] == "calculated", gone
    assert call("GET", path, key="pay")[0] == 404
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % april["id"]) == "0"
    assert sql("SELECT count(*) FROM payroll.run_jobs WHERE run_id = '%s'" % april["id"]) == "0"
    listed = ok(*call("GET", "/v1/payroll/adjustments?companyId=" + ctx["companies"]["SH"],
                      key="pay"))["adjustments"]
    assert [x["appliedRunId"] for x in listed] == [""], listed   # the adjustment is free again
    # May (calculated with April's figures) is open too: discarded at any version
    may = ok(*call("GET", "/v1/payroll/runs?companyId=%s&month=2026-05"
                   % ctx["companies"]["SH"], key="pay"))["runs"][0]
    assert ok(*call("DELETE", "/v1/payroll/runs/" + may["id"], key="pay"))["id"] == may["id"]
    # June was computed with April's figures in the year: recalculated, it carries March's
    status, p = act(june, "approve", june["version"])
    assert status == 409 and "inputs changed" in p["detail"], p
    ok(*call("POST", "/v1/payroll/runs/%s:calculate" % june["id"], {}, key="pay"), want=202)
    june = settled(june["id"], calculations=2)
    s = slip(june["id"], ctx["sh2"])
    assert line(s, "adjustment_taxable")["value"] == "500.00", s
    assert s["ytd"]["months"] == 2, s             # March and June: no April any more
    approved = ok(*act(june, "approve", june["version"]))
    # a paid or approved run is not discarded
    status, p = call("DELETE", "/v1/payroll/runs/" + approved["id"], key="pay")
    assert status == 409 and "approved" in p["detail"], p
    status, p = call("DELETE", "/v1/payroll/runs/" + ctx["run"]["id"], key="pay")
    assert status == 409 and "locked" in p["detail"], p
    # July cannot be paid while June is only approved
    july = settled(run_of("SH", "2026-07")["id"])
    status, p = act(july, "approve", july["version"])
    july = ok(status, p)
    status, p = act(july, "pay", july["version"])
    assert status == 409 and "2026-06 is approved" in p["detail"], p
    paid = ok(*act(approved, "pay", approved["version"]))
    ok(*act(july, "pay", july["version"]))
    assert paid["state"] == "paid"


# SH002's April, with the adjustment of paid March and the year so far.
@test
def a_run_fails_as_a_whole_naming_the_employee_and_writes_nothing():
    office_shift("CD")
    scheme("CD", STANDARD)
    employee("CD", "CD001", "成都", "9000")
    employee("CD", "CD002", "火星", "9000")          # a city without a policy
    r = settled(run_of("CD", "2026-03")["id"])
    assert r["state"] == "draft" and "CD002" in r["error"] and "火星" in r["error"], r
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % r["id"]) == "0"
    office_shift("BJ")
    scheme("BJ", [{"name": "per_late", "kind": "earning", "formula": "base / late_count"}])
    employee("BJ", "BJ001", "北京", "9000")
    r = settled(run_of("BJ", "2026-03")["id"])
    assert r["state"] == "draft" and "BJ001" in r["error"], r
    assert "per_late" in r["error"] and "division by zero" in r["error"], r
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % r["id"]) == "0"


@test
def bad_input_the_group_request_the_company_wall_and_recruiters():
    sh = ctx["companies"]["SH"]
    for body, field in (({"companyId": sh, "month": "2026-13"}, "month"),
                        ({"companyId": sh}, "month"),
                        ({"companyId": str(uuid.uuid4()), "month": "2026-03"}, "companyId")):
        status, p = call("POST", "/v1/payroll/runs", body, key="pay")
        assert status == 422 and fields(p) == [field], (body, p)
    status, p = call("POST", "/v1/payroll/runs", {"companyId": sh, "month": "2026-05"},
                     key="pay_sz")
    assert status == 422 and fields(p) == ["companyId"], p
    assert call("GET", "/v1/payroll/runs/" + ctx["run"]["id"], key="pay_sz")[0] == 404
    assert call("GET", "/v1/payroll/runs/%s/payslips" % ctx["run"]["id"],
                key="pay_sz")[0] == 404
    for method, path, body in (("GET", "/v1/payroll/runs", None),
                               ("POST", "/v1/payroll/runs:group", {"month": "2026-03"}),
                               ("GET", "/v1/payroll/runs/" + ctx["run"]["id"], None),
                               ("GET", "/v1/payroll/adjustments", None)):
        assert call(method, path, body, key="recruiter")[0] == 403, path
    # the group: every company the key acts for with employees that month
    office_shift("SZ")
    scheme("SZ", STANDARD)
    employee("SZ", "SZ001", "深圳", "15000")
    got = ok(*call("POST", "/v1/payroll/runs:group", {"month": "2026-03"}, key="pay_sz"),
             want=202)["runs"]
    assert [x["companyId"] for x in got] == [ctx["companies"]["SZ"]], got
    got = ok(*call("POST", "/v1/payroll/runs:group", {"month": "2026-03"}, key="pay"),
             want=202)["runs"]                   # SH's March is paid: it stays as it is
    assert sorted(x["companyId"] for x in got) == sorted(
        ctx["companies"][c] for c in ("SZ", "CD", "BJ")), got
    sz = settled(next(x["id"] for x in got if x["companyId"] == ctx["companies"]["SZ"]))
    assert sz["state"] == "calculated" and sz["employees"] == 1, sz


# Every input a scheme may name from the record, the month's sick leave and the city's
# minimum wage; the annual bonus by its flag, whatever its name.
INPUTS = [{"name": "salary", "kind": "earning", "taxable": True, "formula": "base"},
          {"name": "seniority", "kind": "earning", "taxable": True,
           "formula": "service_years * 100 yuan"},
          {"name": "grade_pay", "kind": "earning", "taxable": True,
           "formula": "grade_level * 200 yuan"},
          {"name": "welcome", "kind": "earning", "formula": "if(joined_this_month, 50, 0)"},
          {"name": "farewell", "kind": "earning", "formula": "if(left_this_month, 30, 0)"},
          {"name": "sick_days", "kind": "info", "formula": "sick_leave_days"},
          {"name": "wage_floor", "kind": "info", "formula": "min_wage"},
          {"name": "year_end", "kind": "earning", "taxable": True, "annualBonus": True,
           "formula": "12000"}]


def sick_leave(employee_id, day, part="whole"):
    r = ok(*call("POST", "/v1/leave-requests", {"employeeId": employee_id, "leaveType": "sick",
                                               "startDate": day, "part": part}, key="pay"),
           want=201)
    ok(*call("POST", "/v1/leave-requests/%s:approve" % r["id"], {}, key="pay"))


def values(s):
    return {x["name"]: x["value"] for x in s["lines"]}


@test
def the_inputs_come_from_the_record_the_sick_leave_and_the_city():
    office_shift("WH")
    scheme("WH", INPUTS)
    old = employee("WH", "WH001", "杭州", "10000", hireDate="2020-03-15", grade="P5")
    sick_leave(old["id"], "2026-03-10")
    sick_leave(old["id"], "2026-03-11", "am")
    new = employee("WH", "WH002", "杭州", "8000", hireDate="2026-03-10", grade="M2")
    ok(*call("POST", "/v1/employees/%s:leave" % new["id"],
             {"leaveDate": "2026-03-20", "reason": "个人原因"}, key="pay"))
    r = settled(run_of("WH", "2026-03")["id"])
    assert r["state"] == "calculated" and r["employees"] == 2, r
    a, b = values(slip(r["id"], old["id"])), values(slip(r["id"], new["id"]))
    # hired 2020-03-15: six anniversaries by 2026-03-31; grade P5; 1.5 days sick;
    # Hangzhou's shipped minimum wage from 2025-01-01
    assert (a["seniority"], a["grade_pay"], a["welcome"], a["farewell"]) == (
        "600.00", "1000.00", "0.00", "0.00"), a
    assert a["sick_days"] == "1.5" and a["wage_floor"] == "2490.00", a
    assert (b["seniority"], b["grade_pay"], b["welcome"], b["farewell"]) == (
        "0.00", "400.00", "50.00", "30.00"), b
    assert b["sick_days"] == "0" and b["wage_floor"] == "2490.00", b
    month = ok(*call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-03&employeeId=%s"
                     % (ctx["companies"]["WH"], old["id"]), key="pay"))["months"][0]
    assert month["sickLeaveDays"] == "1.5" and month["paidLeaveDays"] == "1.5", month
    # year_end is flagged: the annual bonus, taxed on its own (12 000 / 12 in the 3 % bracket)
    s = slip(r["id"], old["id"])
    assert s["bonusTax"] == "360.00" and values(s)["bonus_tax"] == "360.00", s
    assert D(s["taxableIncome"]) == D("11600.00"), s   # salary, seniority, grade pay
    # the tenant's own minimum wage for March: the calculated run changed underneath
    wage = {"city": "杭州", "validFrom": "2026-03-01", "validUntil": "2026-03-31",
            "monthly": "2600", "source": "本公司执行标准"}
    assert call("POST", "/v1/payroll/minimum-wages", wage, key="pay_sz")[0] == 403
    assert call("GET", "/v1/payroll/minimum-wages", key="recruiter")[0] == 403
    for bad, field in (({"monthly": "0"}, "monthly"), ({"monthly": "abc"}, "monthly"),
                       ({"validFrom": None}, "validFrom"),
                       ({"validUntil": "2026-02-01"}, "validUntil"), ({"city": ""}, "city")):
        status, p = call("POST", "/v1/payroll/minimum-wages",
                         {k: v for k, v in dict(wage, **bad).items() if v is not None},
                         key="pay")
        assert status == 422 and fields(p) == [field], (bad, p)
    mine = ok(*call("POST", "/v1/payroll/minimum-wages", wage, key="pay"), want=201)
    assert mine["monthly"] == "2600.00" and not mine.get("shipped"), mine
    status, p = call("POST", "/v1/payroll/minimum-wages", dict(wage, validFrom="2026-03-15"),
                     key="pay")
    assert status == 422 and fields(p) == ["validFrom"] and mine["id"] in p["errors"][0][
        "message"], p
    listed = ok(*call("GET", "/v1/payroll/minimum-wages?city=%E6%9D%AD%E5%B7%9E",
                      key="pay_sz"))["minimumWages"]
    assert [(x["validFrom"], x["monthly"], bool(x.get("shipped"))) for x in listed] == [
        ("2021-08-01", "2280.00", True), ("2025-01-01", "2490.00", True),
        ("2026-03-01", "2600.00", False)], listed
    assert ok(*call("GET", "/v1/payroll/minimum-wages/" + mine["id"], key="pay")) == mine
    status, p = act(r, "approve", r["version"])
    assert status == 409 and "inputs changed" in p["detail"], p
    ok(*call("POST", "/v1/payroll/runs/%s:calculate" % r["id"], {}, key="pay"), want=202)
    again = settled(r["id"], calculations=2)
    assert again["inputsDigest"] != r["inputsDigest"], again
    assert values(slip(r["id"], old["id"]))["wage_floor"] == "2600.00"


@test
def an_input_the_record_cannot_give_fails_the_run_naming_the_employee():
    office_shift("TK")
    scheme("TK", [{"name": "grade_pay", "kind": "earning", "formula": "grade_level * 200 yuan"}])
    employee("TK", "TK001", "上海", "9000", grade="P3")
    employee("TK", "TK002", "上海", "9000", grade="Senior")
    r = settled(run_of("TK", "2026-03")["id"])
    assert r["state"] == "draft" and "TK002" in r["error"] and "Senior" in r["error"], r
    assert "grade_level" in r["error"], r
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % r["id"]) == "0"


def calculation_held(r):
    """Hold run r's row (a psql session, returned), queue its calculation and
    wait until the calculation's last UPDATE waits on the row, mid-transaction."""
    holder = subprocess.Popen(["psql", stack.dsn, "-XAtq"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    holder.stdin.write("BEGIN; SELECT 1 FROM payroll.runs WHERE id = '%s' FOR NO KEY UPDATE;\n"
                       % r["id"])
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "1"
    ok(*call("POST", "/v1/payroll/runs/%s:calculate" % r["id"], {}, key="pay"), want=202)
    # (pg_stat_activity spans the whole test server: other suites' sessions are left out)
    wait_for(lambda: sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                         " AND datname = current_database()"
                         " AND query LIKE 'UPDATE payroll.runs SET state%'") == "1",
             timeout=60, what="the calculation waiting on the run's row")
    return holder


@test
def a_replica_killed_mid_run_leaves_the_run_to_the_other_which_finishes_it_once():
    stack.start("payroll", name="payroll2")
    r = settled(run_of("SZ", "2026-04")["id"])
    assert r["calculations"] == 1, r
    holder = calculation_held(r)
    owner = sql("SELECT owner FROM payroll.run_jobs WHERE run_id = '%s'" % r["id"])
    assert stack.kill_owner(owner) in ("payroll", "payroll2"), owner
    holder.stdin.write("COMMIT;\n")
    holder.stdin.close()
    holder.wait()
    done = settled(r["id"])
    assert done["state"] == "calculated" and done["calculations"] == 2, done
    assert done["inputsDigest"] == r["inputsDigest"] and done["net"] == r["net"], done
    assert sql("SELECT count(*) FROM payroll.payslips WHERE run_id = '%s'" % r["id"]) == "1"
    assert sql("SELECT count(*) FROM payroll.run_jobs") == "0"
    assert sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
               " AND datname = current_database()") == "0"


@test
def a_calculation_longer_than_its_lease_keeps_it_by_renewing():
    # another replica polls for jobs whose lease ran out (2 s in this suite)
    stack.start("payroll", name="payroll3")
    r = settled(run_of("SZ", "2026-04")["id"])
    holder = calculation_held(r)
    job = "FROM payroll.run_jobs WHERE run_id = '%s'" % r["id"]
    first = sql("SELECT lease_until || '|' || owner || '|' || attempts " + job)
    lease, owner, attempts = first.split("|")
    # the first lease is over and the job's lease lies ahead: renewed, and by
    # its claimer only (another claim would have counted an attempt)
    wait_for(lambda: sql("SELECT now() > '%s' AND lease_until > '%s' %s" % (lease, lease, job))
             == "t", timeout=60, what="the lease renewed past its first term")
    assert sql("SELECT owner || '|' || attempts " + job) == owner + "|" + attempts
    holder.stdin.write("COMMIT;\n")
    holder.stdin.close()
    holder.wait()
    done = settled(r["id"], calculations=r["calculations"] + 1)
    assert done["calculations"] == r["calculations"] + 1 and done["net"] == r["net"], done
    assert sql("SELECT count(*) FROM payroll.run_jobs") == "0"


if __name__ == "__main__":
    run(setup, teardown)
