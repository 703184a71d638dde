"""tests/e2e/test_payroll_attendance.py - attendance through the gateway.

February 2026 under the shipped mainland China calendar: the Spring
Festival (statutory holidays 16–19, rest days 20 and 23) and the adjusted
working Saturdays 14 and 28. An office shift with a lunch break and a grace,
a night shift crossing midnight; punches from devices as a JSON batch
(duplicates stored once, unknown employees and times without a zone refused
row by row, nothing written); annual leave granted, requested, approved,
refused beyond the balance, rejected and cancelled; personal leave in hours;
the month computed (twice: the same) and read as payroll reads it. The
company walls, tenants' own calendar years, bad input with its field.

Employees are rows of payroll.employees (migrations/0010_employees.sql)
written here directly: the archive's API is not what is tested.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
ctx = {}


def setup():
    global stack
    stack = Stack("payroll_attendance", {"HF_GATEWAY_RATE_LIMITS":
                                         "admin=5000:5000,recruiter=5000:5000,"
                                         "public=5000:5000"})
    stack.start_all()
    stack.tenant("pa", "SH", "SZ")
    stack.tenant("pb", "PB")
    keys.update(stack.apikeys([("payroll", "pa", "payroll", None),
                               ("sz_only", "pa", "payroll", "SZ"),
                               ("recruiter", "pa", "recruiter", None),
                               ("other", "pb", "admin", None)]))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies")[1]["companies"]}
    ctx["tenant"] = psql(stack.dsn, "SELECT id FROM identity.tenants WHERE slug = 'pa'")
    for no in ("A001", "A002"):
        ctx[no] = employee("SH", no)
    ctx["Z001"] = employee("SZ", "Z001")


def teardown():
    if stack:
        stack.destroy()


def employee(company, no):
    return psql(stack.dsn, "INSERT INTO payroll.employees (tenant_id, company_id, employee_no,"
                           " status, name_enc, hire_date) VALUES ('%s', '%s', '%s', 'active',"
                           " 'sealed-elsewhere', '2025-06-01') RETURNING id"
                % (ctx["tenant"], ctx["companies"][company], no))


def call(method, path, body=None, key="payroll"):
    status, payload = stack.call(method, path, body, keys[key])
    return status, json.loads(payload) if payload else None


def ok(status, got, want=200):
    assert status == want, (status, got)
    return got


def fields(p):
    return [(e["field"], e["code"]) for e in p.get("errors", [])]


def punch(no, local, company="SH", device="gate-1", method="fingerprint"):
    """A punch at a Shanghai local time "2026-02-02 08:55"."""
    return {"employeeNo": no, "companyId": ctx["companies"][company],
            "time": local.replace(" ", "T") + ":00+08:00", "device": device, "method": method}


def count_punches():
    return psql(stack.dsn, "SELECT count(*) FROM payroll.punches")


# A001's February: (day, in, out) on the office shift; None for no punch.
FEBRUARY = [
    ("02", "09:20", "18:00"),            # late 20 minutes
    ("03", None, None),                  # absent
    ("04", "08:50", None),               # a missing punch
    ("05", "08:58", "17:30"),            # early leave 30 minutes
    ("06", "08:57", "20:40"),            # 2.5 h workday overtime
    ("10", "12:58", "18:00"),            # the morning off (annual leave, half a day)
    ("11", "08:55", None),               # out at 00:30 the next day: 6.5 h overtime
    ("12", "08:55", "18:00"),
    ("13", "08:55", "16:00"),            # two hours of personal leave cover the early leave
    ("14", "08:55", "18:00"),            # an adjusted working Saturday
    ("17", "09:00", "17:10"),            # a statutory holiday worked: 7 h
    ("21", "10:00", "14:00"),            # a Saturday worked: 3 h (the lunch out)
    ("24", "08:55", "18:00"), ("25", "08:55", "18:00"), ("26", "08:55", "18:00"),
    ("27", "08:55", "18:00"),
]                                        # 9th on annual leave, 28th (a Saturday worked) absent


def february_punches():
    rows = []
    for day, t_in, t_out in FEBRUARY:
        for t in (t_in, t_out):
            if t:
                rows.append(punch("A001", "2026-02-%s %s" % (day, t)))
    rows.append(punch("A001", "2026-02-12 00:30", method="face"))
    return rows


@test
def the_shipped_calendar_knows_2026_and_a_tenant_adds_its_own_year():
    cal = ok(*call("GET", "/v1/attendance/calendars/cn?year=2026"))
    assert cal["origin"] == "shipped" and "2026" in cal["source"], cal
    kinds = {d["date"]: d["kind"] for d in cal["days"]}
    assert kinds["2026-02-14"] == "workday" and kinds["2026-02-17"] == "holiday", kinds
    assert kinds["2026-02-20"] == "rest" and kinds["2026-10-10"] == "workday", kinds
    assert sum(k == "holiday" for k in kinds.values()) == 13, kinds  # 13 statutory days
    assert cal["workdays"] == 248, cal["workdays"]  # 365 - 104 weekend days - 13
    assert ok(*call("GET", "/v1/attendance/calendars/cn?year=2025"))["workdays"] == 248
    status, p = call("GET", "/v1/attendance/calendars/cn?year=2027")
    assert status == 404, p
    year = {"year": 2027, "source": "国务院办公厅通知（示例）",
            "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
                     {"date": "2027-01-02", "kind": "holiday", "name": "元旦"}]}
    status, p = call("POST", "/v1/attendance/calendars/cn", dict(year, days=year["days"] + [
        {"date": "2027-01-04", "kind": "workday", "name": "周一"}]))
    assert status == 422 and fields(p) == [("days[2]", "invalid")], p
    status, p = call("POST", "/v1/attendance/calendars/cn", year, key="sz_only")
    assert status == 403, p  # a calendar is the tenant's: a key of the whole group
    got = ok(*call("POST", "/v1/attendance/calendars/cn", year))
    assert got["origin"] == "tenant" and len(got["days"]) == 2, got
    assert call("GET", "/v1/attendance/calendars/cn?year=2027", key="other")[0] == 404
    assert call("GET", "/v1/attendance/calendars/cn?year=2027", key="recruiter")[0] == 403


@test
def shifts_are_checked_and_assigned():
    sh = ctx["companies"]["SH"]
    status, p = call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "坏班", "start": "18:00", "end": "09:00"})
    assert status == 422 and fields(p) == [("end", "invalid")], p
    status, p = call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "坏班", "start": "9:00", "end": "25:00"})
    assert status == 422 and {f for f, _ in fields(p)} == {"start", "end"}, p
    office = ok(*call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "白班", "start": "09:00", "end": "18:00", "lateGraceMinutes": 5,
        "earlyGraceMinutes": 5, "breakStart": "12:00", "breakMinutes": 60}), 201)
    night = ok(*call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "夜班", "start": "22:00", "end": "06:00",
        "crossesMidnight": True, "breakStart": "02:00", "breakMinutes": 30}), 201)
    assert night["crossesMidnight"] and night["end"] == "06:00", night
    status, p = call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "白班", "start": "08:00", "end": "17:00"})
    assert status == 422 and fields(p) == [("name", "already_exists")], p
    status, p = call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "越界", "start": "08:00", "end": "17:00"}, key="sz_only")
    assert status == 422 and fields(p)[0][0] == "companyId", p
    ctx["office"], ctx["night"] = office["id"], night["id"]
    names = [s["name"] for s in ok(*call("GET", "/v1/attendance/shifts?companyId=" + sh))[
        "shifts"]]
    assert sorted(names) == ["夜班", "白班"], names
    assert call("GET", "/v1/attendance/shifts/" + office["id"], key="sz_only")[0] == 404
    ok(*call("PATCH", "/v1/attendance/companies/%s/settings" % sh,
             {"defaultShiftId": office["id"]}))
    settings = ok(*call("GET", "/v1/attendance/companies/%s/settings" % sh))
    assert settings["calendar"] == "cn" and settings["timeZone"] == "Asia/Shanghai", settings
    assert settings["defaultShiftId"] == office["id"], settings
    status, p = call("PATCH", "/v1/attendance/companies/%s/settings" % sh,
                     {"timeZone": "Mars/Olympus"})
    assert status == 422 and fields(p) == [("timeZone", "unknown")], p
    assert call("GET", "/v1/attendance/companies/%s/settings" % sh, key="other")[0] == 404
    ok(*call("POST", "/v1/attendance/employees/%s/shift-assignments" % ctx["A002"],
             {"shiftId": night["id"], "validFrom": "2026-01-01"}))
    status, p = call("POST", "/v1/attendance/employees/%s/shift-assignments" % ctx["Z001"],
                     {"shiftId": night["id"], "validFrom": "2026-01-01"})
    assert status == 422 and fields(p) == [("shiftId", "not_found")], p  # SH's shift, SZ's man


@test
def punches_are_stored_once_and_bad_rows_refuse_the_whole_batch():
    before = count_punches()
    rows = february_punches()
    # an unknown employee and a time without its zone: each named, nothing written
    bad = rows[:2] + [punch("NOBODY", "2026-02-02 09:00"), dict(rows[0], time="2026-02-02T09:00:00")]
    status, p = call("POST", "/v1/attendance/punches:batch", {"punches": bad})
    assert status == 422, p
    assert fields(p) == [("punches[2].employeeNo", "unknown_employee"),
                         ("punches[3].time", "bad_format")], p
    assert p["errors"][0]["message"].startswith("row 3: "), p
    assert count_punches() == before
    status, p = call("POST", "/v1/attendance/punches:batch", {"punches": bad, "dryRun": True})
    assert status == 422 and len(fields(p)) == 2, p
    dry = ok(*call("POST", "/v1/attendance/punches:batch", {"punches": rows, "dryRun": True}))
    assert dry["dryRun"] and dry["stored"] == len(rows) and count_punches() == before, dry
    assert {r["status"] for r in dry["rows"]} == {"would_store"}, dry
    got = ok(*call("POST", "/v1/attendance/punches:batch", {"punches": rows}))
    assert got["stored"] == len(rows) and got.get("duplicates", 0) == 0, got
    # the batch again, and the same instant written in UTC: duplicates, stored once
    again = rows[:3] + [dict(rows[0], time="2026-02-02T01:20:00Z", device="gate-2")]
    got = ok(*call("POST", "/v1/attendance/punches:batch", {"punches": again}))
    assert got.get("stored", 0) == 0 and got["duplicates"] == 4, got
    assert [r["row"] for r in got["rows"]] == [1, 2, 3, 4], got
    assert int(count_punches()) == int(before) + len(rows)
    # two of the same in one new batch: one stored, one a duplicate
    twice = [punch("A002", "2026-02-02 21:58"), punch("A002", "2026-02-02 21:58"),
             punch("A002", "2026-02-03 06:05", method="card")]
    got = ok(*call("POST", "/v1/attendance/punches:batch", {"punches": twice}))
    assert got["stored"] == 2 and got["duplicates"] == 1, got
    assert [r["status"] for r in got["rows"]] == ["stored", "duplicate", "stored"], got
    # another company's key: SH's employee numbers are unknown to it
    status, p = call("POST", "/v1/attendance/punches:batch", {"punches": rows[:1]},
                     key="sz_only")
    assert status == 422 and fields(p)[0][0] == "punches[0].companyId", p
    status, p = call("POST", "/v1/attendance/punches:batch", {"punches": [dict(
        rows[0], companyId=ctx["companies"]["SZ"])]})
    assert status == 422 and fields(p) == [("punches[0].employeeNo", "unknown_employee")], p


def request(body, key="payroll", want=201):
    return ok(*call("POST", "/v1/leave-requests", body, key), want)


def balance(no):
    got = ok(*call("GET", "/v1/attendance/employees/%s/leave-balances?year=2026" % ctx[no]))
    return {b["leaveType"]: (b["grantedDays"], b["usedDays"], b["remainingDays"])
            for b in got["balances"]}


@test
def leave_is_granted_requested_approved_and_refused_beyond_the_balance():
    types = {t["code"]: t for t in ok(*call("GET", "/v1/leave-types"))["leaveTypes"]}
    assert types["annual"]["paid"] and types["annual"]["tracksBalance"], types
    assert not types["personal"].get("paid") and types["personal"]["unit"] == "hour", types
    home = {"code": "home_visit", "name": "探亲假", "paid": True, "unit": "day",
            "tracksBalance": True}
    assert call("POST", "/v1/leave-types", home, key="sz_only")[0] == 403  # the tenant's
    status, p = call("POST", "/v1/leave-types", dict(home, unit="week", code="Home"))
    assert status == 422 and sorted(fields(p)) == [("code", "bad_format"), ("unit", "unknown")], p
    assert ok(*call("POST", "/v1/leave-types", home))["origin"] == "tenant"
    assert "home_visit" not in [t["code"] for t in ok(*call("GET", "/v1/leave-types",
                                                            key="other"))["leaveTypes"]]
    e = ctx["A001"]
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "annual",
                                                    "startDate": "2026-02-09"})
    assert status == 422 and fields(p) == [("endDate", "insufficient_balance")], p
    ok(*call("POST", "/v1/attendance/employees/%s/leave-balances:grant" % e,
             {"leaveType": "annual", "year": 2026, "days": "2"}))
    assert balance("A001") == {"annual": ("2", "0", "2")}
    whole = request({"employeeId": e, "leaveType": "annual", "startDate": "2026-02-09",
                     "reason": "探亲"})
    morning = request({"employeeId": e, "leaveType": "annual", "startDate": "2026-02-10",
                       "part": "am"})
    assert whole["status"] == "submitted" and whole["days"] == "1" and morning["days"] == "0.5"
    # a request into the festival takes its workdays: the 13th and the adjusted Saturday 14th
    span = request({"employeeId": e, "leaveType": "annual", "startDate": "2026-02-13",
                    "endDate": "2026-02-23"})
    assert span["days"] == "2", span
    ok(*call("POST", "/v1/leave-requests/%s:reject" % span["id"], {"note": "节后再说"}))
    for r in (whole, morning):
        assert ok(*call("POST", "/v1/leave-requests/%s:approve" % r["id"], {}))[
            "status"] == "approved"
    assert balance("A001") == {"annual": ("2", "1.5", "0.5")}
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "sick",
                                                    "startDate": "2026-02-06",
                                                    "endDate": "2026-02-09"})
    assert status == 422 and fields(p) == [("startDate", "overlaps")], p
    assert whole["id"] in p["errors"][0]["message"], p
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "annual",
                                                    "startDate": "2026-02-25"})
    assert status == 422 and fields(p)[0][1] == "insufficient_balance", p
    a = request({"employeeId": e, "leaveType": "annual", "startDate": "2026-02-25", "part": "pm"})
    b = request({"employeeId": e, "leaveType": "annual", "startDate": "2026-02-26", "part": "pm"})
    ok(*call("POST", "/v1/leave-requests/%s:approve" % a["id"], {}))
    status, p = call("POST", "/v1/leave-requests/%s:approve" % b["id"], {})
    assert status == 422 and fields(p) == [("id", "insufficient_balance")], p
    assert ok(*call("GET", "/v1/leave-requests/" + b["id"]))["status"] == "submitted"
    ok(*call("POST", "/v1/leave-requests/%s:reject" % b["id"], {}))
    status, p = call("POST", "/v1/leave-requests/%s:approve" % b["id"], {})
    assert status == 409, p  # rejected stays rejected
    assert ok(*call("POST", "/v1/leave-requests/%s:cancel" % a["id"], {}))["status"] == \
        "cancelled"
    assert balance("A001") == {"annual": ("2", "1.5", "0.5")}
    # personal leave: unpaid, in hours, no balance
    hours = request({"employeeId": e, "leaveType": "personal", "startDate": "2026-02-13",
                     "part": "hours", "hours": 2})
    ok(*call("POST", "/v1/leave-requests/%s:approve" % hours["id"], {}))
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "annual",
                                                    "startDate": "2026-02-13", "part": "hours",
                                                    "hours": 2})
    assert status == 422 and fields(p) == [("part", "unit")], p
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "annual",
                                                    "startDate": "2026-02-17"})
    assert status == 422 and fields(p) == [("startDate", "no_workday")], p
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "annual",
                                                    "startDate": "2026-12-31",
                                                    "endDate": "2027-01-04"})
    assert status == 422 and fields(p) == [("endDate", "invalid")], p
    status, p = call("GET", "/v1/leave-requests")
    assert status == 422 and fields(p) == [("employeeId", "required")], p
    listed = ok(*call("GET", "/v1/leave-requests?employeeId=%s&status=approved" % e))
    assert len(listed["leaveRequests"]) == 3, listed
    # the walls: SZ's key, another tenant
    assert call("GET", "/v1/leave-requests/" + whole["id"], key="sz_only")[0] == 404
    assert call("POST", "/v1/leave-requests/%s:cancel" % whole["id"], {}, key="other")[0] == 404
    status, p = call("POST", "/v1/leave-requests", {"employeeId": e, "leaveType": "sick",
                                                    "startDate": "2026-02-24"}, key="sz_only")
    assert status == 422 and fields(p) == [("employeeId", "not_found")], p
    assert ok(*call("GET", "/v1/leave-requests/" + whole["id"]))["status"] == "approved"


@test
def the_month_is_computed_as_payroll_reads_it():
    sh = ctx["companies"]["SH"]
    got = ok(*call("POST", "/v1/attendance/summaries:compute", {"companyId": sh,
                                                               "month": "2026-02"}))
    assert got == {"employees": 2, "days": 56, "workdays": 16}, got
    first = ok(*call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-02" % sh))
    again = ok(*call("POST", "/v1/attendance/summaries:compute", {"companyId": sh,
                                                                 "month": "2026-02"}))
    assert again == got
    assert ok(*call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-02" % sh)) == first
    a = next(m for m in first["months"] if m["employeeNo"] == "A001")
    assert a == {"employeeId": ctx["A001"], "employeeNo": "A001", "month": "2026-02",
                 "workdays": 16, "attendedDays": "12.25", "absentDays": "2", "lateCount": 1,
                 "lateMinutes": 20, "earlyLeaveCount": 1, "earlyLeaveMinutes": 30,
                 "missingPunches": 1, "workedHours": "90.17", "overtimeWorkdayHours": "9",
                 "overtimeRestdayHours": "3", "overtimeHolidayHours": "7",
                 "paidLeaveDays": "1.5", "unpaidLeaveDays": "0.25", "sickLeaveDays": "0"}, a
    days = {d["date"]: d for d in ok(*call(
        "GET", "/v1/attendance/employees/%s/days?month=2026-02" % ctx["A001"]))["days"]}
    assert len(days) == 28
    assert days["2026-02-17"]["kind"] == "holiday" and days["2026-02-17"]["overtimeHours"] == "7"
    assert days["2026-02-14"]["scheduled"] and not days["2026-02-14"].get("absent")
    assert days["2026-02-28"]["absent"] and days["2026-02-20"]["kind"] == "rest"
    assert days["2026-02-11"]["overtimeHours"] == "6.5", days["2026-02-11"]
    assert days["2026-02-10"]["paidLeaveDays"] == "0.5" and not days["2026-02-10"].get(
        "lateMinutes"), days["2026-02-10"]
    night = {d["date"]: d for d in ok(*call(
        "GET", "/v1/attendance/employees/%s/days?month=2026-02" % ctx["A002"]))["days"]}
    assert night["2026-02-02"]["workedHours"] == "7.5" and not night["2026-02-02"].get(
        "lateMinutes"), night["2026-02-02"]
    assert night["2026-02-03"]["absent"], night["2026-02-03"]
    one = ok(*call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-02&employeeId=%s"
                   % (sh, ctx["A001"])))
    assert one["months"] == [a], one
    # what cannot be computed says why; walls
    status, p = call("POST", "/v1/attendance/summaries:compute", {"companyId": sh,
                                                                 "month": "2028-01"})
    assert status == 422 and fields(p) == [("month", "cannot_compute")], p
    assert "no year 2028" in p["errors"][0]["message"], p
    status, p = call("POST", "/v1/attendance/summaries:compute", {
        "companyId": ctx["companies"]["SZ"], "month": "2026-02"})
    assert status == 422 and "Z001" in p["errors"][0]["message"], p  # no shift at SZ
    status, p = call("POST", "/v1/attendance/summaries:compute", {"companyId": sh,
                                                                 "month": "2026-2"})
    assert status == 422 and fields(p) == [("month", "bad_format")], p
    status, p = call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-02" % sh,
                     key="sz_only")
    assert status == 404, p  # a list's company, as a path's
    assert call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-02&employeeId=%s"
                % (ctx["companies"]["SZ"], ctx["A001"]))[0] == 404
    assert call("GET", "/v1/attendance/employees/%s/days?month=2026-02" % ctx["A001"],
                key="sz_only")[0] == 404
    assert call("GET", "/v1/attendance/summaries?companyId=%s&month=2026-02" % sh,
                key="recruiter")[0] == 403


if __name__ == "__main__":
    run(setup, teardown)
