"""tests/e2e/test_payroll_imports.py - spreadsheet imports of payroll data through the gateway.

Real files posted to /v1/payroll/imports/<kind> on a real stack, each
accepted at once (202, queued) and followed through GET
/v1/payroll/imports/{id} and its problems to the end: employees as
CSV in UTF-8 and in GBK and as .xlsx made with openpyxl (shared strings, a
date column, Chinese text, numbers); a formula in the amount column and
merged cells refused with the cell named; a dry run listing every problem
and writing nothing; one bad row refusing the whole file; the same file again
leaving the employees as they are; 20 000 employees in one file; contracts;
opening year-to-date figures read back through the API; a terminal's export of
punches feeding attendance, and a punch already stored refused; the company
wall (the imports too); recruiters refused; bad uploads (empty, the wrong
kind, too large) refused at once with nothing queued; the event of a
finished import; a replica killed in the middle of an import's transaction,
the file imported exactly once by the other; a raw pg_dump holding none of
the names, ID numbers or bank accounts of the files.
"""
import datetime
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import call, ctx, keys, sql, stack  # noqa: E402
from scheduling_e2e import setup as setup_stack  # noqa: E402
from scheduling_e2e import teardown  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402
from workbook import workbook  # noqa: E402

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECRETS = []
MAX_BYTES = 3 << 20   # HF_PAYROLL_IMPORT_MAX_BYTES of this stack
HEADER = ["工号", "姓名", "证件类型", "身份证号", "银行账号", "手机", "部门", "职位", "职级", "城市",
          "入职日期", "状态", "基本工资", "津贴"]
_serial = [100]


def sheet(rows, build=None):
    return workbook(rows, "花名册", build)


def resident_id():
    """A valid resident ID (GB 11643), a new one each call."""
    _serial[0] += 1
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=_serial[0] // 1000)
    first = "110105" + birth.strftime("%Y%m%d") + "%03d" % (_serial[0] % 1000)
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first))
    return first + "10X98765432"[total % 11]


def bank():
    return "6222" + "".join(random.choice("0123456789") for _ in range(15))


def setup():
    # a lease of 2 s: a killed replica's import is taken over soon (a live one keeps its own)
    setup_stack("payroll_imports", {"HF_PAYROLL_IMPORT_LEASE_MS": "2000",
                                    "HF_PAYROLL_IMPORT_MAX_BYTES": str(MAX_BYTES)})
    for name, company in (("pay", None), ("pay_sh", "SH"), ("pay_sz", "SZ")):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", "sa", "--scope",
                               "payroll", *(("--company", company) if company else ()))


def post(kind, data, content_type=CSV, key="pay", company="SH", query=""):
    """(status, answer) of a file posted to /v1/payroll/imports/<kind>."""
    params = (["companyId=" + ctx["companies"][company]] if company else []) + (
        [query] if query else [])
    h = {"Authorization": "Bearer " + keys[key], "Content-Type": content_type}
    req = urllib.request.Request(stack.url("/v1/payroll/imports/%s?%s" % (
        kind, "&".join(params))), data=data, method="POST", headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def all_problems(import_id, key="pay"):
    """Every listed problem of an import, page after page."""
    out, token = [], ""
    while True:
        status, page = call("GET", "/v1/payroll/imports/%s/problems?pageSize=7%s" % (
            import_id, "&pageToken=" + token if token else ""), key=key)
        assert status == 200, page
        out += page.get("problems", [])
        token = page.get("nextPageToken", "")
        if not token:
            return out


def finished(import_id, key="pay"):
    """The import once it succeeded or failed (its problems with it), else None."""
    status, got = call("GET", "/v1/payroll/imports/" + import_id, key=key)
    assert status == 200, got
    if got["state"] not in ("succeeded", "failed"):
        return None
    got["problems"] = all_problems(import_id, key)
    return got


def upload(kind, data, content_type=CSV, key="pay", company="SH", query=""):
    """(state, import) of a file posted and followed to its end; (status, answer) of one
    refused at once."""
    status, got = post(kind, data, content_type, key, company, query)
    if status != 202:
        return status, got
    assert got["state"] == "queued" and got["kind"] == kind, got
    assert got.get("dryRun", False) == ("dryRun=true" in query), got
    done = wait_for(lambda: finished(got["id"], key), timeout=120,
                    what="the %s import finished" % kind)
    assert done.get("finishTime") and done["companyId"] == got["companyId"], done
    return done["state"], done


def csv(rows, encoding="utf-8"):
    return "\n".join(",".join(str(c) for c in r) for r in rows).encode(encoding)


def person(no, name, hire="2026-01-05", base="12000.00", allowance=""):
    idn, acct = resident_id(), bank()
    SECRETS.extend([name, idn, acct])
    return [no, name, "居民身份证", idn, acct, "139%08d" % random.randrange(10 ** 8), "财务部",
            "会计", "P5", "上海", hire, "在职", base, allowance]


def employees(company="SH"):
    return int(sql("SELECT count(*) FROM payroll.employees e WHERE company_id = '%s'"
                   % ctx["companies"][company]))


def problems(got):
    return [(int(p.get("row", 0)), p.get("column", ""), p["code"]) for p in got["problems"]]


@test
def a_utf8_csv_of_employees_imports_every_row_sealed():
    rows = [HEADER, person("U001", "赵一", base="15000.50", allowance="800"),
            person("U002", "钱二"), person("U003", "孙三", hire="2025/12/1", base="")]
    rows[3][13] = ""
    ctx["utf8"] = rows
    status, got = upload("employees", csv(rows))
    assert status == "succeeded", got
    assert got["rows"] == 3 and got["created"] == 3 and not got.get("problems"), got
    # the import: who, which kind, the counts; its file gone once it ended
    assert sql("SELECT kind || ' ' || rows || ' ' || created || ' ' || (actor <> '') FROM "
               "payroll.imports WHERE id = '%s'" % got["id"]) == "employees 3 3 true", got
    listed = call("GET", "/v1/employees?companyId=%s" % ctx["companies"]["SH"], key="pay")[1]
    by_no = {e["employeeNo"]: e for e in listed["employees"]}
    assert sorted(by_no) == ["U001", "U002", "U003"], listed
    e = by_no["U001"]
    assert e["name"] == "赵一" and e["status"] == "active" and e["city"] == "上海", e
    assert e["hireDate"] == "2026-01-05" and e["idNumber"].startswith("1101**"), e
    assert by_no["U003"]["hireDate"] == "2025-12-01", by_no["U003"]
    pay = call("GET", "/v1/employees/%s/compensations" % e["id"], key="pay")[1]
    c = pay["compensations"][0]
    assert c["baseSalary"] == "15000.50" and c["effectiveMonth"] == "2026-01", pay
    assert c["allowances"] == [{"name": "allowance", "amount": "800.00"}], pay
    none = call("GET", "/v1/employees/%s/compensations" % by_no["U003"]["id"], key="pay")[1]
    assert not none.get("compensations"), none
    ctx["U001"] = e["id"]


@test
def the_same_file_again_leaves_the_employees_as_they_are():
    before = employees()
    status, got = upload("employees", csv(ctx["utf8"]))
    assert status == "succeeded" and got["existing"] == 3 and got.get("created", 0) == 0, got
    assert employees() == before


@test
def a_gbk_csv_with_chinese_headers_imports():
    rows = [HEADER, person("G001", "李四"), person("G002", "周五")]
    rows[2][11] = "待入职"
    data = csv(rows, "gbk")
    status, got = upload("employees", data, "text/csv")
    assert status == "succeeded" and got["created"] == 2, got
    listed = call("GET", "/v1/employees?companyId=%s&status=draft" % ctx["companies"]["SH"],
                  key="pay")[1]
    assert [e["name"] for e in listed["employees"]] == ["周五"], listed


@test
def an_xlsx_with_shared_strings_dates_and_numbers_imports():
    idn, acct = resident_id(), bank()
    SECRETS.extend(["王小六", idn, acct])
    rows = [["员工编号", "姓名", "身份证号码", "银行卡号", "部门", "入职日期", "基本工资"],
            ["X001", "王小六", idn, acct, "研发部", datetime.date(2024, 3, 1), 23456.78],
            ["X002", "陈七", resident_id(), None, "研发部", datetime.date(2024, 4, 15), 9000]]
    SECRETS.append("陈七")
    status, got = upload("employees", sheet(rows), XLSX)
    assert status == "succeeded" and got["created"] == 2, got
    listed = call("GET", "/v1/employees?companyId=%s&department=%s" % (
        ctx["companies"]["SH"], "%E7%A0%94%E5%8F%91%E9%83%A8"), key="pay")[1]
    by_no = {e["employeeNo"]: e for e in listed["employees"]}
    assert by_no["X001"]["hireDate"] == "2024-03-01" and by_no["X001"]["name"] == "王小六", by_no
    pay = call("GET", "/v1/employees/%s/compensations" % by_no["X001"]["id"], key="pay")[1]
    assert pay["compensations"][0]["baseSalary"] == "23456.78", pay
    assert pay["compensations"][0]["effectiveMonth"] == "2024-03", pay


@test
def a_formula_in_the_amounts_or_merged_cells_are_refused_with_the_cell():
    before, logged = employees(), sql("SELECT count(*) FROM payroll.imports")
    rows = [["工号", "姓名", "身份证号", "基本工资"], ["F001", "甲", resident_id(), 1000],
            ["F002", "乙", resident_id(), 2000]]

    def formula(ws):
        ws["D3"] = "=D2*2"

    def merged(ws):
        ws.merge_cells("B2:B3")

    for build, message in ((formula, "D3 holds a formula; paste values"),
                           (merged, "merged cells B2:B3 over data: unmerge them and fill in "
                                    "every cell")):
        # the reader finds them before the first row: told at once, nothing queued
        for query in ("", "dryRun=true"):
            status, got = upload("employees", sheet(rows, build), XLSX, query=query)
            assert status == 422, got
            assert [(e["field"], e["code"], e["message"]) for e in got["errors"]] == [
                ("content", "file", message)], got
    assert employees() == before and sql("SELECT count(*) FROM payroll.imports") == logged


@test
def a_dry_run_lists_every_problem_and_writes_nothing():
    before = employees()
    taken = ctx["utf8"][1][3]                       # U001's ID number
    rows = [HEADER,
            person("D001", "好人"),                  # fine
            person("D002", "负数", base="-100"),      # negative
            person("D003", "文字", base="一万"),      # not a number
            person("D001", "重号"),                  # the same number as row 1
            person("D005", "占用"),                  # another employee's ID number
            person("D006", "坏号"),                  # a wrong check digit
            person("D007", "怪证")]                  # an unknown ID type
    rows[5][3] = taken
    rows[6][3] = rows[6][3][:17] + ("0" if rows[6][3][17] != "0" else "1")
    rows[7][2] = "驾驶证"
    status, got = upload("employees", csv(rows), query="dryRun=true")
    assert status == "failed" and got["dryRun"], got
    assert problems(got) == [
        (2, "base_salary", "negative"),
        (3, "base_salary", "invalid"),
        (4, "employee_no", "duplicate"),
        (5, "id_number", "taken"),
        (6, "id_number", "bad_format"),
        (7, "id_type", "unknown"),
    ], got
    assert got["problemCount"] == 6 and got.get("created", 0) == 0, got
    for p in got["problems"]:
        assert p["message"].startswith("row %s: " % p["row"]), p
        assert taken not in p["message"] and "负数" not in p["message"], p
    assert "column 13 (base_salary)" in got["problems"][0]["message"], got
    assert employees() == before
    listed = problems(got)
    # the real run of the same file: refused whole, every problem at its row
    status, got = upload("employees", csv(rows))
    assert status == "failed" and not got.get("dryRun") and problems(got) == listed, got
    assert got.get("created", 0) == 0 and employees() == before, got


@test
def one_bad_row_writes_nothing():
    before = employees()
    rows = [HEADER, person("B001", "一"), person("B002", "二"), person("B003", "三", base="1.234")]
    status, got = upload("employees", csv(rows))
    assert status == "failed" and [p[:2] for p in problems(got)] == [(3, "base_salary")], got
    assert employees() == before
    rows[3][12] = "1.23"
    status, got = upload("employees", csv(rows))
    assert status == "succeeded" and got["created"] == 3, got
    assert employees() == before + 3


@test
def an_active_employee_needs_a_hire_date_as_in_the_archive():
    before = employees()
    rows = [HEADER, person("H001", "无日期", hire="")]
    status, got = upload("employees", csv(rows))
    assert status == "failed" and [p[:2] for p in problems(got)] == [(1, "hire_date")], got
    rows[1][11] = "待入职"
    status, got = upload("employees", csv(rows))
    assert status == "succeeded" and got["created"] == 1, got
    assert employees() == before + 1


def roster(prefix, n):
    """A CSV of n new employees numbered prefix00000…"""
    lines = ["工号,姓名,身份证号,银行账号,城市,入职日期,基本工资"]
    for i in range(n):
        lines.append("%s%05d,员工%s%d,%s,%s,深圳,2025-07-01,%d.%02d" % (
            prefix, i, prefix, i, resident_id(), bank(), 8000 + i % 5000, i % 100))
    return "\n".join(lines).encode()


@test
def twenty_thousand_employees_import_in_the_background():
    before = employees("SZ")
    data = roster("S", 20000)
    started = time.monotonic()
    status, got = post("employees", data, company="SZ")
    accepted = time.monotonic() - started
    assert status == 202 and got["state"] == "queued" and got["size"] == str(len(data)), got
    done = wait_for(lambda: finished(got["id"]), timeout=300, what="20 000 employees imported")
    print("# 20 000 employees: accepted in %.2f s, imported in %.2f s" % (
        accepted, time.monotonic() - started))
    assert done["state"] == "succeeded" and done["created"] == 20000, done
    assert employees("SZ") == before + 20000
    assert sql("SELECT count(*) FROM payroll.compensations c JOIN payroll.employees e ON "
               "e.id = c.employee_id WHERE e.company_id = '%s'" % ctx["companies"]["SZ"]) \
        == "20000"


@test
def contracts_import_for_the_employees_of_the_company():
    rows = [["工号", "合同类型", "开始日期", "结束日期", "试用期结束日期"],
            ["U001", "固定期限", "2026-01-05", "2029-01-04", "2026-04-04"],
            ["U002", "无固定期限", "2026-01-05", "", ""],
            ["NOPE", "固定期限", "2026-01-05", "2027-01-04", ""],
            ["U003", "临时工", "2026-01-05", "2027-01-04", ""],
            ["G001", "固定期限", "2026-01-05", "2025-01-04", ""]]
    status, got = upload("contracts", csv(rows), query="dryRun=true")
    assert status == "failed" and problems(got) == [
        (3, "employee_no", "unknown_employee"), (4, "type", "unknown"),
        (5, "end_date", "out_of_range")], got
    status, got = upload("contracts", csv(rows[:3]))
    assert status == "succeeded" and got["created"] == 2, got
    listed = call("GET", "/v1/employees/%s/contracts" % ctx["U001"], key="pay")[1]
    c = listed["contracts"][0]
    assert c["type"] == "fixed_term" and "2029" in json.dumps(c["endDate"]), c
    assert c.get("expiryAlertTime"), c   # armed as the archive arms it
    status, got = upload("contracts", csv(rows[:3]))
    assert status == "succeeded" and got["existing"] == 2 and got.get("created", 0) == 0, got


@test
def opening_ytd_figures_import_sealed_and_read_back():
    head = ["工号", "纳税年度", "截至月份", "任职月数", "累计收入", "累计专项扣除",
            "累计专项附加扣除", "累计其他扣除", "累计已预缴税额"]
    bad = [head, ["U001", 2026, 13, 5, "60000", "6000", "12000", "0", "300"],
           ["U002", 2026, 5, 5, "-1", "6000", "12000", "0", "300"],
           ["ZZZ", 2026, 5, 5, "1", "0", "0", "0", "0"],
           ["U001", 2026, 6, 6, "60000", "6000", "12000", "", "300.5"],
           ["U001", 2026, 6, 7, "60000", "6000", "12000", "", "300.5"]]
    status, got = upload("ytd-openings", csv(bad), query="dryRun=true")
    assert status == "failed", got
    assert problems(got) == [(1, "through_month", "out_of_range"),
                             (2, "cumulative_income", "negative"),
                             (3, "employee_no", "unknown_employee"),
                             (4, "tax_year", "duplicate"),
                             (5, "months", "out_of_range"),
                             (5, "tax_year", "duplicate")], got
    assert sql("SELECT count(*) FROM payroll.ytd_openings") == "0"
    good = [head, ["U001", 2026, 6, 6, "60000", "6000.5", "12000", "", "300.5"],
            ["U002", 2026, 5, 5, "50000", "5000", "0", "100", "0"]]
    status, got = upload("ytd-openings", sheet(good), XLSX)
    assert status == "succeeded" and got["created"] == 2, got
    assert sql("SELECT count(*) FROM payroll.ytd_openings WHERE import_id = '%s'"
               % got["id"]) == "2"
    y = call("GET", "/v1/employees/%s/ytd-openings?taxYear=2026" % ctx["U001"], key="pay")[1]
    assert (y["throughMonth"], y["months"], y["cumulativeIncome"], y["specialDeductions"],
            y["additionalDeductions"], y["otherDeductions"], y["taxWithheld"]) == (
        6, 6, "60000.00", "6000.50", "12000.00", "0.00", "300.50"), y
    assert "60000" not in sql("SELECT figures_enc FROM payroll.ytd_openings LIMIT 1")
    good[1][4] = "61000"
    status, got = upload("ytd-openings", csv(good))
    assert status == "succeeded" and got["replaced"] == 2, got
    y = call("GET", "/v1/employees/%s/ytd-openings?taxYear=2026" % ctx["U001"], key="pay")[1]
    assert y["cumulativeIncome"] == "61000.00", y
    status, _ = call("GET", "/v1/employees/%s/ytd-openings?taxYear=2025" % ctx["U001"],
                     key="pay")
    assert status == 404


@test
def a_terminals_export_of_punches_feeds_attendance():
    rows = [["考勤号码", "打卡时间", "设备名称", "验证方式"],
            ["U001", "2026-02-02 08:55:00", "前台", "指纹"],
            ["U001", "2026-02-02 18:01:00", "前台", "人脸"],
            ["U002", "2026/2/2 09:05", "后门", "刷卡"]]
    before = int(sql("SELECT count(*) FROM payroll.punches"))
    status, got = upload("punches", csv(rows, "gbk"), "text/csv", query="dryRun=true")
    assert status == "succeeded" and got["created"] == 3 and not got.get("problems"), got
    assert int(sql("SELECT count(*) FROM payroll.punches")) == before
    status, got = upload("punches", csv(rows, "gbk"), "text/csv")
    assert status == "succeeded" and got["created"] == 3, got
    assert sql("SELECT string_agg(method || '@' || to_char(punch_time AT TIME ZONE "
               "'Asia/Shanghai', 'HH24:MI'), ' ' ORDER BY punch_time) FROM payroll.punches p "
               "WHERE p.employee_id = '%s'" % ctx["U001"]) == "fingerprint@08:55 face@18:01"
    # the same file again: every punch is stored already, nothing written
    status, got = upload("punches", csv(rows))
    assert status == "failed" and {p["code"] for p in got["problems"]} == {"duplicate"}, got
    assert len(got["problems"]) == 3, got
    more = [rows[0], ["U002", "2026-02-03 08:59:00", "后门", "指纹"],
            ["NOBODY", "2026-02-03 09:00:00", "后门", "指纹"],
            ["U002", "2026-02-03", "后门", "指纹"],
            ["U002", "2026-02-03 18:00:00", "后门", "虹膜"]]
    status, got = upload("punches", csv(more))
    assert status == "failed" and [p[:2] for p in problems(got)] == [
        (2, "employee_no"), (3, "time"), (4, "method")], got
    assert int(sql("SELECT count(*) FROM payroll.punches")) == before + 3
    # and attendance counts them in the employee's days (the company's office hours)
    sh = ctx["companies"]["SH"]
    status, shift = call("POST", "/v1/attendance/shifts", {
        "companyId": sh, "name": "正常班", "start": "09:00", "end": "18:00"}, key="pay")
    assert status == 201, shift
    assert call("PATCH", "/v1/attendance/companies/%s/settings" % sh,
                {"defaultShiftId": shift["id"]}, key="pay")[0] == 200
    status, got = call("POST", "/v1/attendance/summaries:compute",
                       {"companyId": ctx["companies"]["SH"], "month": "2026-02"}, key="pay")
    assert status == 200, got
    days = {d["date"]: d for d in call("GET", "/v1/attendance/employees/%s/days?month=2026-02"
                                       % ctx["U001"], key="pay")[1]["days"]}
    assert days["2026-02-02"]["punches"] == 2 and days["2026-02-02"]["workedHours"] != "0", \
        days["2026-02-02"]


@test
def the_company_wall_and_the_payroll_scope_hold():
    before = employees("SZ") + employees()
    rows = csv([HEADER, person("W001", "越墙")])
    status, got = upload("employees", rows, key="pay_sh", company="SZ")
    assert status == 422 and got["errors"][0]["field"] == "companyId", got
    status, got = upload("employees", rows, key="pay", company=None)
    assert status == 422 and got["errors"][0]["field"] == "companyId", got
    status, got = upload("employees", rows, key="recruiter")
    assert status == 403, got
    assert employees("SZ") + employees() == before
    # a key of one company imports into it without naming it
    status, got = upload("employees", rows, key="pay_sh", company=None)
    assert status == "succeeded" and got["created"] == 1, got
    # and its imports are seen by the keys of that company (and the group's) only
    for path in ("/v1/payroll/imports/" + got["id"], "/v1/payroll/imports/%s/problems" % got["id"]):
        assert call("GET", path, key="pay_sh")[0] == 200
        assert call("GET", path, key="pay")[0] == 200
        assert call("GET", path, key="pay_sz")[0] == 404
        assert call("GET", path, key="recruiter")[0] == 403
        assert call("GET", path, key="other")[0] in (403, 404)
    ids = lambda key, q="": [i["id"] for i in call(  # noqa: E731
        "GET", "/v1/payroll/imports?pageSize=500" + q, key=key)[1].get("imports", [])]
    assert got["id"] in ids("pay_sh") and got["id"] in ids("pay")
    assert got["id"] not in ids("pay_sz") and ids("pay_sz"), ids("pay_sz")
    assert got["id"] in ids("pay", "&kind=employees&companyId=" + ctx["companies"]["SH"])
    assert got["id"] not in ids("pay", "&kind=punches")
    assert call("GET", "/v1/payroll/imports?companyId=%s" % ctx["companies"]["SH"],
                key="pay_sz")[0] == 404


@test
def bad_uploads_are_refused_at_once_with_nothing_queued():
    logged = sql("SELECT count(*) FROM payroll.imports")
    punches = csv([["考勤号码", "打卡时间"], ["U001", "2026-02-02 08:55:00"]])
    for kind, data, query, field, code in (
            ("employees", b"", "", "content", "required"),
            ("employees", csv([HEADER]), "", "content", "empty"),      # a header, no rows
            ("employees", punches, "", "content", "file"),            # the wrong kind of file
            ("employees", b"\x00" * (MAX_BYTES + 1), "", "content", "too_large"),
            ("punches", punches, "encoding=latin1", "encoding", "bad_format"),
            ("punches", punches, "utcOffset=CST", "utcOffset", "bad_format")):
        status, got = post(kind, data, query=query)
        assert status == 422, (kind, query, status, got)
        assert [(e["field"], e["code"]) for e in got["errors"]] == [(field, code)], got
    status, got = post("employees", punches)
    assert "工号, employee no" in got["errors"][0]["message"], got   # the column it misses
    assert sql("SELECT count(*) FROM payroll.imports") == logged
    assert sql("SELECT count(*) FROM payroll.import_parts") == "0"
    assert call("GET", "/v1/payroll/imports/" + str(random.getrandbits(64)), key="pay")[0] == 404
    assert call("GET", "/v1/payroll/imports?kind=salaries", key="pay")[0] == 422


@test
def a_finished_import_is_an_event_with_its_counts():
    rows = [HEADER, person("E001", "事件")]
    status, got = upload("employees", csv(rows), query="dryRun=true")
    assert status == "succeeded" and got["created"] == 1, got
    data = json.loads(sql("SELECT data FROM events.outbox WHERE type = "
                          "'hrflow.payroll.import.finished.v1' AND subject = 'payroll-imports/%s'"
                          % got["id"]))
    assert data == {"importId": got["id"], "companyId": ctx["companies"]["SH"],
                    "kind": "employees", "state": "succeeded", "dryRun": True, "rows": 1,
                    "created": 1, "existing": 0, "replaced": 0, "problemCount": 0,
                    "actor": got["actor"]}, data


@test
def a_replica_killed_mid_import_leaves_the_file_to_the_other_which_imports_it_once():
    stack.start("payroll", name="payroll2")
    before = employees("SZ")
    data = roster("K", 3000)
    # hold the event table: the import's last statement (its outcome and event) waits on it,
    # every row of the file written in its transaction
    holder = subprocess.Popen(["psql", stack.dsn, "-XAtq"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    holder.stdin.write("BEGIN; LOCK TABLE events.outbox IN SHARE MODE; SELECT 1;\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "1"
    status, got = post("employees", data, company="SZ")
    assert status == 202, got
    # (pg_stat_activity spans the whole test server: other suites' sessions are left out)
    wait_for(lambda: sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                         " AND datname = current_database()"
                         " AND query LIKE 'WITH j AS (DELETE FROM payroll.import_jobs%'") == "1",
             timeout=120, what="the import waiting to finish")
    assert call("GET", "/v1/payroll/imports/" + got["id"], key="pay")[1]["state"] == "running"
    # the file waits sealed: not one ID number of it in the clear
    parts = sql("SELECT string_agg(content, ' ') FROM payroll.import_parts WHERE import_id = "
                "'%s'" % got["id"])
    first = data.decode().split("\n")[1].split(",")
    assert parts.startswith("v1.") and first[1] not in parts and first[2] not in parts, first
    owner = sql("SELECT owner FROM payroll.import_jobs WHERE import_id = '%s'" % got["id"])
    assert stack.kill_owner(owner) in ("payroll", "payroll2"), owner
    holder.stdin.write("COMMIT;\n")
    holder.stdin.close()
    holder.wait()
    done = wait_for(lambda: finished(got["id"]), timeout=120, what="the import taken over")
    assert done["state"] == "succeeded" and done["created"] == 3000, done
    assert employees("SZ") == before + 3000
    assert sql("SELECT count(*) FROM payroll.employees WHERE employee_no LIKE 'K%'") == "3000"
    assert sql("SELECT count(*) FROM payroll.compensations c JOIN payroll.employees e ON "
               "e.id = c.employee_id WHERE e.employee_no LIKE 'K%'") == "3000"
    assert sql("SELECT count(*) FROM events.outbox WHERE subject = 'payroll-imports/%s'"
               % got["id"]) == "1"
    assert sql("SELECT count(*) FROM payroll.import_jobs") == "0"
    assert sql("SELECT count(*) FROM payroll.import_parts") == "0"
    assert sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
               " AND datname = current_database()") == "0"


@test
def a_raw_dump_shows_no_names_id_numbers_or_accounts_of_the_files():
    dump = stack.dump("payroll")
    assert "payroll.ytd_openings" in dump and "U001" in dump, dump[:300]
    found = [s for s in SECRETS if s in dump]
    assert not found, "the dump shows %s" % found[:5]
    assert len(SECRETS) > 30, len(SECRETS)


if __name__ == "__main__":
    run(setup, teardown)
