"""tests/e2e/test_payroll_imports.py - spreadsheet imports of payroll data through the gateway.

Real files posted to /v1/payroll/imports/<kind> on a real stack: employees as
CSV in UTF-8 and in GBK and as .xlsx made with openpyxl (shared strings, a
date column, Chinese text, numbers); a formula in the amount column and
merged cells refused with the cell named; a dry run listing every problem
and writing nothing; one bad row refusing the whole file; the same file again
leaving the employees as they are; 20 000 employees in one file; contracts;
opening year-to-date figures read back through the API; a terminal's export of
punches feeding attendance, and a punch already stored refused; the company
wall; recruiters refused; a raw pg_dump holding none of the names, ID numbers
or bank accounts of the files.
"""
import datetime
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import call, ctx, keys, sql, stack  # noqa: E402
from scheduling_e2e import setup as setup_stack  # noqa: E402
from scheduling_e2e import teardown  # noqa: E402
from tap import run, test  # noqa: E402
from workbook import workbook  # noqa: E402

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECRETS = []
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
    # the 20 000-row file: its insert alone takes about 1 s on an idle machine; the call deadline is
    # raised so that a machine shared with builds does not turn it into a 504
    setup_stack("payroll_imports", {"HF_GATEWAY_CALL_TIMEOUT_MS": "60000"})
    for name, company in (("pay", None), ("pay_sh", "SH")):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", "sa", "--scope",
                               "payroll", *(("--company", company) if company else ()))


def upload(kind, data, content_type=CSV, key="pay", company="SH", query=""):
    """(status, answer) of a file posted to /v1/payroll/imports/<kind>."""
    params = (["companyId=" + ctx["companies"][company]] if company else []) + (
        [query] if query else [])
    h = {"Authorization": "Bearer " + keys[key], "Content-Type": content_type}
    req = urllib.request.Request(stack.url("/v1/payroll/imports/%s?%s" % (
        kind, "&".join(params))), data=data, method="POST", headers=h)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:  # the 20 000 rows: see setup()
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


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
    assert status == 200, got
    assert got["rows"] == 3 and got["created"] == 3 and not got.get("problems"), got
    # the imports log: who, which kind, the counts; a dry run or a refused file adds none
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
    assert status == 200 and got["existing"] == 3 and got.get("created", 0) == 0, got
    assert employees() == before


@test
def a_gbk_csv_with_chinese_headers_imports():
    rows = [HEADER, person("G001", "李四"), person("G002", "周五")]
    rows[2][11] = "待入职"
    data = csv(rows, "gbk")
    status, got = upload("employees", data, "text/csv")
    assert status == 200 and got["created"] == 2, got
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
    assert status == 200 and got["created"] == 2, got
    listed = call("GET", "/v1/employees?companyId=%s&department=%s" % (
        ctx["companies"]["SH"], "%E7%A0%94%E5%8F%91%E9%83%A8"), key="pay")[1]
    by_no = {e["employeeNo"]: e for e in listed["employees"]}
    assert by_no["X001"]["hireDate"] == "2024-03-01" and by_no["X001"]["name"] == "王小六", by_no
    pay = call("GET", "/v1/employees/%s/compensations" % by_no["X001"]["id"], key="pay")[1]
    assert pay["compensations"][0]["baseSalary"] == "23456.78", pay
    assert pay["compensations"][0]["effectiveMonth"] == "2024-03", pay


@test
def a_formula_in_the_amounts_or_merged_cells_are_refused_with_the_cell():
    before = employees()
    rows = [["工号", "姓名", "身份证号", "基本工资"], ["F001", "甲", resident_id(), 1000],
            ["F002", "乙", resident_id(), 2000]]

    def formula(ws):
        ws["D3"] = "=D2*2"

    def merged(ws):
        ws.merge_cells("B2:B3")

    for build, message in ((formula, "D3 holds a formula; paste values"),
                           (merged, "merged cells B2:B3 over data: unmerge them and fill in "
                                    "every cell")):
        status, got = upload("employees", sheet(rows, build), XLSX)
        assert status == 422, got
        assert [e["message"] for e in got["errors"]] == [message], got
        assert got["errors"][0]["field"] == "content", got
        status, got = upload("employees", sheet(rows, build), XLSX, query="dryRun=true")
        assert status == 200 and got["problems"][0]["message"] == message, got
    assert employees() == before


@test
def a_dry_run_lists_every_problem_and_writes_nothing():
    before, logged = employees(), sql("SELECT count(*) FROM payroll.imports")
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
    assert status == 200 and got["dryRun"], got
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
    # the real run of the same file: refused whole, every problem at its row
    status, got = upload("employees", csv(rows))
    assert status == 422, got
    assert sorted(e["field"] for e in got["errors"]) == sorted([
        "rows[2].baseSalary", "rows[3].baseSalary", "rows[4].employeeNo",
        "rows[5].idNumber", "rows[6].idNumber", "rows[7].idType"]), got
    assert employees() == before
    assert sql("SELECT count(*) FROM payroll.imports") == logged


@test
def one_bad_row_writes_nothing():
    before = employees()
    rows = [HEADER, person("B001", "一"), person("B002", "二"), person("B003", "三", base="1.234")]
    status, got = upload("employees", csv(rows))
    assert status == 422 and [e["field"] for e in got["errors"]] == ["rows[3].baseSalary"], got
    assert employees() == before
    rows[3][12] = "1.23"
    status, got = upload("employees", csv(rows))
    assert status == 200 and got["created"] == 3, got
    assert employees() == before + 3


@test
def an_active_employee_needs_a_hire_date_as_in_the_archive():
    before = employees()
    rows = [HEADER, person("H001", "无日期", hire="")]
    status, got = upload("employees", csv(rows))
    assert status == 422 and [e["field"] for e in got["errors"]] == ["rows[1].hireDate"], got
    rows[1][11] = "待入职"
    status, got = upload("employees", csv(rows))
    assert status == 200 and got["created"] == 1, got
    assert employees() == before + 1


@test
def twenty_thousand_employees_import_in_one_request():
    before = employees("SZ")
    lines = ["工号,姓名,身份证号,银行账号,城市,入职日期,基本工资"]
    for i in range(20000):
        lines.append("S%05d,员工%d,%s,%s,深圳,2025-07-01,%d.%02d" % (
            i, i, resident_id(), bank(), 8000 + i % 5000, i % 100))
    started = time.monotonic()
    status, got = upload("employees", "\n".join(lines).encode(), company="SZ")
    print("# 20 000 employees imported in %.2f s" % (time.monotonic() - started))
    assert status == 200 and got["created"] == 20000, got
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
    assert status == 200 and problems(got) == [
        (3, "employee_no", "unknown_employee"), (4, "type", "unknown"),
        (5, "end_date", "out_of_range")], got
    status, got = upload("contracts", csv(rows[:3]))
    assert status == 200 and got["created"] == 2, got
    listed = call("GET", "/v1/employees/%s/contracts" % ctx["U001"], key="pay")[1]
    c = listed["contracts"][0]
    assert c["type"] == "fixed_term" and "2029" in json.dumps(c["endDate"]), c
    assert c.get("expiryAlertTime"), c   # armed as the archive arms it
    status, got = upload("contracts", csv(rows[:3]))
    assert status == 200 and got["existing"] == 2 and got.get("created", 0) == 0, got


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
    assert status == 200, got
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
    assert status == 200 and got["created"] == 2, got
    assert sql("SELECT count(*) FROM payroll.ytd_openings WHERE import_id = '%s'"
               % got["id"]) == "2"
    y = call("GET", "/v1/employees/%s/ytd-openings?taxYear=2026" % ctx["U001"], key="pay")[1]
    assert (y["throughMonth"], y["months"], y["cumulativeIncome"], y["specialDeductions"],
            y["additionalDeductions"], y["otherDeductions"], y["taxWithheld"]) == (
        6, 6, "60000.00", "6000.50", "12000.00", "0.00", "300.50"), y
    assert "60000" not in sql("SELECT figures_enc FROM payroll.ytd_openings LIMIT 1")
    good[1][4] = "61000"
    status, got = upload("ytd-openings", csv(good))
    assert status == 200 and got["replaced"] == 2, got
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
    assert status == 200 and got["created"] == 3 and not got.get("problems"), got
    assert int(sql("SELECT count(*) FROM payroll.punches")) == before
    status, got = upload("punches", csv(rows, "gbk"), "text/csv")
    assert status == 200 and got["created"] == 3, got
    assert sql("SELECT string_agg(method || '@' || to_char(punch_time AT TIME ZONE "
               "'Asia/Shanghai', 'HH24:MI'), ' ' ORDER BY punch_time) FROM payroll.punches p "
               "WHERE p.employee_id = '%s'" % ctx["U001"]) == "fingerprint@08:55 face@18:01"
    # the same file again: every punch is stored already, nothing written
    status, got = upload("punches", csv(rows))
    assert status == 422 and {e["code"] for e in got["errors"]} == {"duplicate"}, got
    assert len(got["errors"]) == 3, got
    more = [rows[0], ["U002", "2026-02-03 08:59:00", "后门", "指纹"],
            ["NOBODY", "2026-02-03 09:00:00", "后门", "指纹"],
            ["U002", "2026-02-03", "后门", "指纹"],
            ["U002", "2026-02-03 18:00:00", "后门", "虹膜"]]
    status, got = upload("punches", csv(more))
    assert status == 422 and [e["field"] for e in got["errors"]] == [
        "rows[2].employeeNo", "rows[3].time", "rows[4].method"], got
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
    assert status == 200 and got["created"] == 1, got


@test
def a_raw_dump_shows_no_names_id_numbers_or_accounts_of_the_files():
    dump = stack.dump("payroll")
    assert "payroll.ytd_openings" in dump and "U001" in dump, dump[:300]
    found = [s for s in SECRETS if s in dump]
    assert not found, "the dump shows %s" % found[:5]
    assert len(SECRETS) > 30, len(SECRETS)


if __name__ == "__main__":
    run(setup, teardown)
