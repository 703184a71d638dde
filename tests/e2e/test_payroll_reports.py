"""tests/e2e/test_payroll_reports.py - what a calculated run gives out, through the gateway.

March 2026 of two companies (SH: three employees in two departments; SZ:
one), made through the API and calculated by the runs' loop; SH's run
approved. Then: the ledger of SH's run in CSV and in .xlsx (read back with
openpyxl), balanced and matching the run's totals to the fen; summaries by
company, department and city adding up to the runs' totals, for the group
and for a company-bound key, a department change after the run moving
nothing of the past month; the employee's signed link showing exactly
their payslip, masked, and refusing forged, changed and made-up tokens;
recruiters refused and the company wall.
"""
import csv
import datetime
import io
import json
import os
import sys
import uuid

import openpyxl

sys.path.insert(0, os.path.dirname(__file__))
import test_payroll_runs as R  # noqa: E402
from scheduling_e2e import NOW, advance, call, ctx, freeze, keys, sql, stack  # noqa: E402
from scheduling_e2e import setup as setup_stack  # noqa: E402
from scheduling_e2e import teardown  # noqa: E402
from tap import forget, run, test  # noqa: E402

forget()  # test_payroll_runs' tests are not this suite's

ok, D = R.ok, R.D
ID_NUMBER = "11010519491231002X"
# base_pay and meal are the salary expense; a union fee is a deduction the company pays on
SCHEME = [{"name": "base_pay", "kind": "earning", "taxable": True, "formula": "base"},
          {"name": "meal", "kind": "earning", "formula": "meal_allowance"},
          {"name": "union_fee", "kind": "deduction", "taxable": False, "formula": "20"},
          {"name": "hourly", "kind": "info", "formula": "base / 174"}]
TOTALS = ("gross", "deductions", "socialEmployee", "socialEmployer", "incomeTax", "net",
          "employerCost")


def setup():
    setup_stack("payroll_reports", {"HF_PAYROLL_RUN_LEASE_MS": "2000"})
    for name, company in (("pay", None), ("pay_sz", "SZ")):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", "sa", "--scope",
                               "payroll", *(("--company", company) if company else ()))


def fields(p):
    return [e["field"] for e in p.get("errors", [])]


def download(path, key="pay"):
    return stack.request("GET", path, None, {"Authorization": "Bearer " + keys[key]})


@test
def a_month_of_two_companies_is_calculated_and_one_approved():
    people = (("SH", "SH001", "上海", "30000", "研发"), ("SH", "SH002", "上海", "12000", "销售"),
              ("SH", "SH003", "上海", "8000", "研发"), ("SZ", "SZ001", "深圳", "15000", "研发"))
    ctx["emp"] = {}
    for company in ("SH", "SZ"):
        R.office_shift(company)
        R.scheme(company, SCHEME)
    for company, no, city, base, dept in people:
        extra = {"idNumber": ID_NUMBER} if no == "SH001" else {}
        e = R.employee(company, no, city, base, department=dept, **extra)
        assert e["department"] == dept, e
        ctx["emp"][no] = e["id"]
    got = ok(*call("POST", "/v1/payroll/runs:group", {"month": "2026-03"}, key="pay"),
             want=202)["runs"]
    runs = {c: R.settled(next(x["id"] for x in got if x["companyId"] == ctx["companies"][c]))
            for c in ("SH", "SZ")}
    assert all(r["state"] == "calculated" and r["error"] == "" for r in runs.values()), runs
    assert runs["SH"]["employees"] == 3 and runs["SZ"]["employees"] == 1, runs
    ctx["sz_run"] = runs["SZ"]
    ctx["run"] = ok(*R.act(runs["SH"], "approve", runs["SH"]["version"]))
    assert ctx["run"]["state"] == "approved", ctx["run"]


def ledger_rows(run_id, fmt):
    status, headers, body = download("/v1/payroll/runs/%s/ledger?format=%s" % (run_id, fmt))
    assert status == 200, (status, body[:300])
    if fmt == "csv":
        assert headers["Content-Type"].startswith("text/csv"), headers
        assert body.startswith(b"\xef\xbb\xbf"), body[:10]   # the BOM: Excel reads UTF-8
        rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
        return rows[0], [r[:7] + [D(r[7]), D(r[8]), int(r[9])] for r in rows[1:]]
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats"), headers
    assert ".xlsx" in headers.get("Content-Disposition", ""), headers
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows())
    for r in rows[1:]:
        assert r[7].number_format == "0.00" and r[8].number_format == "0.00", r[7].number_format
    return ([c.value for c in rows[0]],
            [[c.value for c in r[:7]] + [D("%.2f" % r[7].value), D("%.2f" % r[8].value),
                                         int(r[9].value)] for r in rows[1:]])


def by_account(rows, code, column):
    return sum((r[column] for r in rows if r[3] == code), D(0))


@test
def the_ledger_balances_in_csv_and_xlsx_and_matches_the_run():
    run_ = ctx["run"]
    slips = [R.slip(run_["id"], ctx["emp"][no]) for no in ("SH001", "SH002", "SH003")]
    header, rows = ledger_rows(run_["id"], "csv")
    assert header == ["month", "company_id", "department", "account_code", "account_name",
                      "account_name_en", "component", "debit", "credit", "payslips"], header
    debit, credit = sum(r[7] for r in rows), sum(r[8] for r in rows)
    assert debit == credit and debit == D(run_["employerCost"]), (debit, credit, run_)
    assert by_account(rows, "6602.01", 7) == D(run_["gross"])
    assert by_account(rows, "2211.01", 8) == D(run_["net"])
    assert by_account(rows, "2221.01", 8) == D(run_["incomeTax"])
    assert by_account(rows, "2241.03", 8) == D(run_["deductions"]) == D("60.00")
    assert (by_account(rows, "2241.01", 8) + by_account(rows, "2241.02", 8)
            == D(run_["socialEmployee"]) + D(run_["socialEmployer"]))
    assert (by_account(rows, "6602.02", 7) + by_account(rows, "6602.03", 7)
            == D(run_["socialEmployer"]))
    hf = sum(D(x["value"]) for s in slips for x in s["lines"] if x["name"] == "housing_fund")
    assert by_account(rows, "2241.02", 8) > hf > 0
    # per department: 研发 has SH001 and SH003, 销售 SH002; the info line moves no money
    assert {r[2] for r in rows} == {"研发", "销售"}, rows
    assert not [r for r in rows if r[6] == "hourly"], rows
    base = {r[2]: r for r in rows if r[3] == "6602.01" and r[6] == "base_pay"}
    assert base["研发"][7] == D("38000.00") and base["研发"][9] == 2, base
    assert base["销售"][7] == D("12000.00") and base["销售"][9] == 1, base
    assert base["研发"][4] == "管理费用-职工薪酬-工资" and base["研发"][0] == "2026-03", base
    assert all(r[1] == run_["companyId"] for r in rows), rows
    for dept in ("研发", "销售"):
        mine = [r for r in rows if r[2] == dept]
        assert sum(r[7] for r in mine) == sum(r[8] for r in mine), dept
    # the same rows in the workbook, money as numbers shown 0.00
    assert ledger_rows(run_["id"], "xlsx") == (header, rows)


@test
def the_ledger_refuses_bad_input_drafts_the_wall_and_recruiters():
    path = "/v1/payroll/runs/%s/ledger" % ctx["run"]["id"]
    status, p = call("GET", path + "?format=pdf", key="pay")
    assert status == 422 and fields(p) == ["format"], p
    assert call("GET", path, key="pay_sz")[0] == 404          # SH's run: not the key's
    assert call("GET", path, key="recruiter")[0] == 403
    assert call("GET", "/v1/payroll/runs/%s/ledger" % uuid.uuid4(), key="pay")[0] == 404
    assert call("GET", "/v1/payroll/runs/nonsense/ledger", key="pay")[0] == 404
    # the SZ run is calculated: its ledger is there, balanced
    _, rows = ledger_rows(ctx["sz_run"]["id"], "csv")
    assert sum(r[7] for r in rows) == sum(r[8] for r in rows) == D(ctx["sz_run"]["employerCost"])


def summary(by, key="pay", **q):
    query = "&".join("%s=%s" % kv for kv in dict(dict(month="2026-03", by=by), **q).items())
    return ok(*call("GET", "/v1/payroll/reports/summary?" + query, key=key))


def added(rows, field):
    return sum((D(r[field]) for r in rows), D(0))


@test
def summaries_by_company_department_and_city_add_up_to_the_runs():
    runs = [ctx["run"], ctx["sz_run"]]
    for by in ("company", "department", "city"):
        s = summary(by)
        assert s["by"] == by and s["month"] == "2026-03", s
        assert sorted(s["runIds"]) == sorted(r["id"] for r in runs), s
        assert s["total"]["headcount"] == 4 == sum(r["headcount"] for r in s["rows"]), s
        for f in TOTALS:
            assert D(s["total"][f]) == added(runs, f) == added(s["rows"], f), (by, f, s)
    company = {r["key"]: r for r in summary("company")["rows"]}
    for r in runs:
        row = company[r["companyId"]]
        assert row["headcount"] == r["employees"] and row["companyId"] == r["companyId"], row
        assert all(D(row[f]) == D(r[f]) for f in TOTALS), (row, r)
    dept = {(r["companyId"], r["key"]): r for r in summary("department")["rows"]}
    sh, sz = ctx["companies"]["SH"], ctx["companies"]["SZ"]
    assert sorted(dept) == sorted([(sh, "研发"), (sh, "销售"), (sz, "研发")]), dept
    assert dept[(sh, "研发")]["headcount"] == 2, dept
    slip = R.slip(ctx["run"]["id"], ctx["emp"]["SH002"])
    assert dept[(sh, "销售")]["net"] == slip["net"], dept          # a group of one: its pay
    hf = [x for x in slip["lines"] if x["name"] == "housing_fund"][0]["value"]
    assert dept[(sh, "销售")]["housingFundEmployee"] == hf, dept
    city = {r["key"]: r for r in summary("city")["rows"]}
    assert sorted(city) == ["上海", "深圳"] and city["上海"]["headcount"] == 3, city
    assert city["深圳"]["companyId"] == "", city
    # one company asked, or a key that acts for SZ only: SZ's alone
    for s in (summary("company", companyId=sz), summary("company", key="pay_sz")):
        assert s["runIds"] == [ctx["sz_run"]["id"]] and s["total"]["net"] == ctx["sz_run"]["net"]
    # a month without runs: nothing, all zero
    empty = summary("city", month="2026-07")
    assert empty.get("rows", []) == [] and empty["total"]["net"] == "0.00", empty


@test
def a_department_change_after_the_run_leaves_the_past_month_as_it_was():
    before = summary("department")
    # SH002 moves from 销售 to 研发 today, after March was calculated
    ok(*call("POST", "/v1/employees/%s/position-changes" % ctx["emp"]["SH002"], {
        "effectiveDate": sql("SELECT payroll.today()"), "department": "研发",
        "reason": "调岗"}, key="pay"), want=201)
    e = ok(*call("GET", "/v1/employees/" + ctx["emp"]["SH002"], key="pay"))
    assert e["department"] == "研发", e
    assert summary("department") == before
    sh = ctx["companies"]["SH"]
    rows = [r for r in ledger_rows(ctx["run"]["id"], "csv")[1] if r[1] == sh]
    assert "销售" in {r[2] for r in rows}, rows


@test
def summaries_refuse_bad_input_the_wall_and_recruiters():
    for q, field in (("by=city", "month"), ("month=2026-13", "month"),
                     ("month=2026-03&by=team", "by"),
                     ("month=2026-03&companyId=%s" % uuid.uuid4(), "companyId")):
        status, p = call("GET", "/v1/payroll/reports/summary?" + q, key="pay")
        assert status == 422 and fields(p) == [field], (q, p)
    status, p = call("GET", "/v1/payroll/reports/summary?month=2026-03&companyId=%s"
                     % ctx["companies"]["SH"], key="pay_sz")
    assert status == 422 and fields(p) == ["companyId"], p
    status, _ = call("GET", "/v1/payroll/reports/summary?month=2026-03", key="recruiter")
    assert status == 403


def link(run_id, employee_id, key="pay", body=None, want=201):
    return call("POST", "/v1/payroll/runs/%s/payslips/%s:link" % (run_id, employee_id),
                body or {}, key=key)


def when(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def expires(made):
    return when(made["expireTime"])


def clock():
    """The one clock, held by the suite (scheduling_e2e.freeze)."""
    return when(sql("SELECT to_char(timers.now() AT TIME ZONE 'UTC',"
                    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"))


def public(token):
    status, _, body = stack.request("GET", "/v1/payslips/" + token)
    return status, body


@test
def the_link_shows_that_payslip_only_and_refuses_other_tokens():
    run_, me = ctx["run"], ctx["emp"]["SH001"]
    made = ok(*link(run_["id"], me), want=201)
    token = made["token"]
    assert made["path"] == "/v1/payslips/" + token and len(token) == 136, made
    assert expires(made) - clock() == datetime.timedelta(days=90), made  # by default
    status, body = public(token)
    assert status == 200, (status, body)
    got = json.loads(body)
    assert got["payslip"] == R.slip(run_["id"], me), got
    assert got["name"] == "员工SH001" and got["department"] == "研发", got
    assert got["idNumber"] == "1101**********002X", got
    assert got["bankAccount"].endswith(R.BANK[-4:]) and R.BANK not in body.decode(), got
    for other in ("SH002", "SH003"):
        assert ctx["emp"][other] not in body.decode()
    # changed anywhere (employee 0-31, run 32-63, tenant 64-95, expiry 96-103, MAC), made
    # up, or cut: 404 like one that names nothing
    for i in (0, 40, 70, 100, 110, 135):
        forged = token[:i] + ("0" if token[i] != "0" else "1") + token[i + 1:]
        assert public(forged)[0] == 404, i
    for bad in (uuid.uuid4().hex * 4 + "00000000", token[:-1], "x" * 136, "nothing"):
        assert public(bad)[0] == 404, bad
    # another employee's link is another token, showing theirs
    theirs = ok(*link(run_["id"], ctx["emp"]["SH002"]), want=201)["token"]
    assert theirs != token
    assert json.loads(public(theirs)[1])["payslip"]["employeeNo"] == "SH002"


@test
def links_are_for_approved_runs_of_the_keys_companies_only():
    sz_run, sz001 = ctx["sz_run"], ctx["emp"]["SZ001"]
    status, p = link(sz_run["id"], sz001)
    assert status == 409 and "approved" in p["detail"], p       # calculated, not approved
    status, p = link(ctx["run"]["id"], ctx["emp"]["SH001"], body={"days": 400})
    assert status == 422 and fields(p) == ["days"], p
    assert link(ctx["run"]["id"], ctx["emp"]["SH001"], key="pay_sz")[0] == 404
    assert link(ctx["run"]["id"], sz001)[0] == 404            # not a payslip of that run
    assert link(ctx["run"]["id"], str(uuid.uuid4()))[0] == 404
    assert link(ctx["run"]["id"], ctx["emp"]["SH001"], key="recruiter")[0] == 403
    short = ok(*link(ctx["run"]["id"], ctx["emp"]["SH001"], body={"days": 1}), want=201)
    long_ = ok(*link(ctx["run"]["id"], ctx["emp"]["SH001"]), want=201)
    assert expires(short) - clock() == datetime.timedelta(days=1), short
    assert public(short["token"])[0] == 200
    # a day later the short link has expired: 404 like a made-up one; the other still opens
    try:
        advance("1 day")
        assert public(short["token"])[0] == 404
        assert public(long_["token"])[0] == 200
    finally:
        freeze(NOW)


if __name__ == "__main__":
    run(setup, teardown)
