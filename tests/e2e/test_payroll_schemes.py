"""tests/e2e/test_payroll_schemes.py - pay schemes and performance reviews through the gateway.

Schemes: the catalogue of inputs; a company's scheme created with the issue's
formula (base * attended_days / 21.75 + perf_bonus * rating_coef), versions
effective from months (the one of a month chosen by GET ?month=, versions
immutable in the database), every refusal of a save answered 422 naming the
component, the column and the name (unknown name, cycle, literal division by
zero, types, overflow, syntax, bad kind, bad month), nothing stored; previews
of a saved version and of inline components, every line explained with its
formula and the values it used, a division by zero for these inputs a 422
naming the component; names unique per company. Performance: a review cycle
with bands, raters' scores (a rater again replaces the score), the weighted
mean, its band and coefficient; bad batches refused whole. Walls: recruiters
403, a payroll key bound to SZ sees no SH scheme or cycle (ids in the path
and in the body), another tenant nothing.
"""
import concurrent.futures
import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
ctx = {}
S = "/v1/payroll/schemes"
C = "/v1/payroll/review-cycles"
EXAMPLE = "base * attended_days / 21.75 + perf_bonus * rating_coef"


def setup():
    global stack
    stack = Stack("payroll_schemes")
    stack.start_all()
    stack.tenant("sa", "SH", "SZ")
    stack.tenant("sb", "HK")
    keys.update(stack.apikeys([("pay", "sa", "payroll", None), ("admin", "sa", "admin", None),
                               ("recruiter", "sa", "recruiter", None),
                               ("sz", "sa", "payroll", "SZ"), ("other", "sb", "admin", None)]))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies",
                                                         key="admin")[1]["companies"]}
    ctx["tenant"] = sql("SELECT id FROM identity.tenants WHERE slug = 'sa'")
    ctx["employees"] = [employee("SH", "E%03d" % i) for i in range(3)]
    ctx["sz_employee"] = employee("SZ", "Z001")


def teardown():
    if stack:
        stack.destroy()


def sql(q):
    return psql(stack.dsn, q)


def call(method, path, body=None, key="pay"):
    status, payload = stack.api(keys[key], method, path, body)
    return status, json.loads(payload) if payload else None


def employee(company, number):
    """An employee row of the archive (written as the employee service would, sealed name
    aside: this suite reads no personal data)."""
    return sql("INSERT INTO payroll.employees (tenant_id, company_id, employee_no, name_enc, "
               "status) VALUES ('%s', '%s', '%s', 'sealed', 'active') RETURNING id"
               % (ctx["tenant"], ctx["companies"][company], number))


def component(name, formula, kind="earning", **extra):
    c = {"name": name, "kind": kind, "formula": formula}
    c.update(extra)
    return c


def scheme_body(name, components, company="SH", month="2026-01"):
    return {"companyId": ctx["companies"][company], "name": name, "effectiveMonth": month,
            "components": components}


def errors(got):
    return [(e["field"], e["code"], e["message"]) for e in (got or {}).get("errors", [])]


def count(table):
    return int(sql("SELECT count(*) FROM payroll.%s" % table))


@test
def the_catalogue_lists_every_input_with_its_type():
    status, got = call("GET", "/v1/payroll/inputs")
    assert status == 200, got
    inputs = {i["name"]: i for i in got["inputs"]}
    assert inputs["base"]["type"] == "money" and inputs["base"]["group"] == "employee"
    assert inputs["attended_days"]["type"] == "number"
    assert inputs["rating_coef"]["type"] == "rate" and inputs["rating_coef"]["defaultValue"] == "1"
    assert inputs["standard_days"]["defaultValue"] == "21.75"
    assert inputs["joined_this_month"]["type"] == "boolean"
    # docs/payroll-schemes.md lists the same table
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                           "payroll-schemes.md"), encoding="utf-8") as f:
        doc = f.read().split("## The catalogue of inputs", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (\w+) \| ([\d.a-z]+) \| (.+) \|$", doc, re.M)
    assert rows == [(i["name"], i["type"], i["group"], i["defaultValue"], i["description"])
                    for i in got["inputs"]], rows
    for name in ("overtime_workday_hours", "overtime_restday_hours", "overtime_holiday_hours",
                 "paid_leave_days", "unpaid_leave_days", "workdays_in_month", "late_count",
                 "absent_days", "si_employee", "hf_employee"):
        assert name in inputs, name


@test
def a_scheme_is_created_with_its_first_version():
    status, got = call("POST", S, scheme_body("office", [
        component("salary", EXAMPLE, label="基本工资", taxable=True),
        component("late_fine", "if(late_count > 3, 200, late_count * 50 yuan)", "deduction",
                  taxable=True),
        component("daily", "base / standard_days", "info", displayOrder=-1),
    ]))
    assert status == 201, got
    ctx["scheme"] = got["id"]
    assert got["companyId"] == ctx["companies"]["SH"] and got["name"] == "office"
    v = got["version"]
    assert v["version"] == 1 and v["effectiveMonth"] == "2026-01"
    # display order: daily first (-1), then the list's order
    assert [c["name"] for c in v["components"]] == ["daily", "salary", "late_fine"]
    assert [c["type"] for c in v["components"]] == ["money"] * 3
    assert v["components"][1]["label"] == "基本工资" and v["components"][1]["taxable"] is True
    assert [x["version"] for x in got["versions"]] == [1]
    status, listed = call("GET", S + "?companyId=" + ctx["companies"]["SH"])
    assert status == 200 and [s["id"] for s in listed["schemes"]] == [ctx["scheme"]], listed
    status, dup = call("POST", S, scheme_body("office", [component("x", "base")]))
    assert status == 409, dup


@test
def versions_apply_from_their_month():
    sid = ctx["scheme"]
    status, got = call("POST", "%s/%s/versions" % (S, sid), {
        "effectiveMonth": "2026-04", "note": "raise the fine",
        "components": [component("salary", EXAMPLE), component(
            "late_fine", "late_count * 80 yuan", "deduction")]})
    assert status == 201, got
    assert got["version"]["version"] == 2 and got["version"]["note"] == "raise the fine"
    assert [x["version"] for x in got["versions"]] == [2, 1]
    for month, version in (("2026-01", 1), ("2026-03", 1), ("2026-04", 2), ("2027-12", 2)):
        status, got = call("GET", "%s/%s?month=%s" % (S, sid, month))
        assert status == 200 and got["version"]["version"] == version, (month, got)
    status, got = call("GET", "%s/%s?month=2025-12" % (S, sid))
    assert status == 404 and "no version effective in 2025-12" in got["detail"], got
    status, got = call("GET", "%s/%s?version=1" % (S, sid))
    assert status == 200 and len(got["version"]["components"]) == 3, got
    status, got = call("GET", "%s/%s?month=2026-13" % (S, sid))
    assert status == 422, got
    # immutable: the database refuses a change of a version or a component
    out = sql("DO $$ BEGIN UPDATE payroll.scheme_components SET formula = 'base' "
              "WHERE scheme_id = '%s'; RAISE EXCEPTION 'changed'; EXCEPTION WHEN OTHERS THEN "
              "RAISE NOTICE '%%', SQLERRM; END $$; SELECT count(*) FROM payroll.scheme_components "
              "WHERE formula = 'base' AND scheme_id = '%s'" % (sid, sid))
    assert out.endswith("0"), out


@test
def concurrent_saves_get_distinct_versions_each_whole():
    status, got = call("POST", S, scheme_body("race", [component("pay", "base")]))
    assert status == 201, got
    sid = got["id"]

    def add(month):
        return call("POST", "%s/%s/versions" % (S, sid), {
            "effectiveMonth": "2026-%02d" % month,
            "components": [component("pay", "base * %d" % month), component("bonus", "100")]})

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(add, range(2, 8)))
    assert all(status == 201 for status, _ in results), results
    assert sorted(got["version"]["version"] for _, got in results) == list(range(2, 8))
    # each version holds exactly its own components, the month's factor in its formula
    rows = sql("SELECT string_agg(v.version || ':' || to_char(v.effective_month, 'MM') || ':' "
               "|| (SELECT string_agg(c.formula, ',' ORDER BY c.position) FROM "
               "payroll.scheme_components c WHERE c.tenant_id = v.tenant_id AND c.scheme_id = "
               "v.scheme_id AND c.version = v.version), '|' ORDER BY v.version) FROM "
               "payroll.scheme_versions v WHERE v.scheme_id = '%s'" % sid).split("|")
    assert len(rows) == 7, rows
    for row in rows[1:]:
        version, month, formulas = row.split(":")
        assert formulas == "base * %d,100" % int(month), row


def refused(body, field, code, *words, path=S):
    before = (count("schemes"), count("scheme_versions"), count("scheme_components"))
    status, got = call("POST", path, body)
    assert status == 422, (status, got)
    found = [e for e in errors(got) if e[0] == field]
    assert found and found[0][1] == code, errors(got)
    for w in words:
        assert w in found[0][2], (w, found[0][2])
    assert (count("schemes"), count("scheme_versions"), count("scheme_components")) == before
    return got


@test
def every_fault_of_a_formula_is_refused_naming_component_column_and_name():
    refused(scheme_body("bad", [component("pay", "base * atended_days")]),
            "components[0].formula", "unknown_name",
            'component "pay"', "column 8", 'unknown name "atended_days"')
    refused(scheme_body("bad", [component("a", "base + b"), component("b", "c * 2"),
                                component("c", "a / 2")]),
            "components[0].formula", "cycle", "cycle a -> b -> c -> a")
    refused(scheme_body("bad", [component("pay", "base / (21.75 - 21.75)")]),
            "components[0].formula", "division_by_zero", "column 6")
    refused(scheme_body("bad", [component("ok", "base"), component("pay", "base * perf_bonus")]),
            "components[1].formula", "type", "cannot multiply money and money")
    refused(scheme_body("bad", [component("days", "attended_days * 2")]),
            "components[0].formula", "type", "an earning is money, this formula gives number")
    refused(scheme_body("bad", [component("pay", "base * 1234567890123456")]),
            "components[0].formula", "overflow")
    refused(scheme_body("bad", [component("pay", "base +")]),
            "components[0].formula", "syntax", "column 7")
    refused(scheme_body("bad", [component("base", "1")]),
            "components[0].name", "invalid_name", "input of the catalogue")
    refused(scheme_body("bad", [component("pay", "base", "bonus")]),
            "components[0].kind", "invalid")
    refused(scheme_body("bad", [component("pay", "base")], month="2026-1"),
            "effectiveMonth", "invalid")
    refused(scheme_body("bad", []), "components", "too_large")
    refused(dict(scheme_body("bad", [component("pay", "base")]), companyId=str(uuid.uuid4())),
            "companyId", "not_found")
    refused(dict(scheme_body("bad", [component("pay", "base")]), companyId=""),
            "companyId", "required")
    # a version is checked the same way
    refused({"effectiveMonth": "2026-05", "components": [component("pay", "bse")]},
            "components[0].formula", "unknown_name", path="%s/%s/versions" % (S, ctx["scheme"]))


@test
def the_annual_bonus_is_one_flagged_earning():
    refused(scheme_body("bad", [component("y1", "1000", annualBonus=True),
                                component("y2", "2000", annualBonus=True)]),
            "components[1].annualBonus", "duplicate", "at most one")
    refused(scheme_body("bad", [component("y1", "1000", "deduction", annualBonus=True)]),
            "components[0].annualBonus", "invalid", "only an earning")
    refused(scheme_body("bad", [component("y1", "sick_leave_days", "info", annualBonus=True)]),
            "components[0].annualBonus", "invalid", "only an earning")
    status, got = call("POST", S, scheme_body("bonus", [
        component("salary", "base", taxable=True),
        component("year_end", "perf_bonus", taxable=True, annualBonus=True)]))
    assert status == 201, got
    comps = {c["name"]: c for c in got["version"]["components"]}
    assert comps["year_end"]["annualBonus"] and not comps["salary"].get("annualBonus"), comps
    status, got = call("GET", "%s/%s" % (S, got["id"]))
    assert status == 200 and [c.get("annualBonus", False) for c in
                              got["version"]["components"]] == [False, True], got


@test
def a_preview_explains_every_line():
    inputs = {"base": "20000.00", "attended_days": "21", "perf_bonus": "3000",
              "rating_coef": "1.2", "late_count": "2"}
    status, got = call("POST", "%s/%s:preview" % (S, ctx["scheme"]),
                       {"month": "2026-02", "inputs": inputs})
    assert status == 200, got
    assert got["source"] == "saved" and got["version"] == 1, got
    lines = {l["name"]: l for l in got["lines"]}
    # 20000 × 21 / 21.75 = 19310.3448… + 3000 × 1.2 = 22910.34
    assert lines["salary"]["value"] == "22910.34", lines["salary"]
    assert lines["salary"]["formula"] == EXAMPLE
    used = {(i["name"], i["value"], i["source"]) for i in lines["salary"]["inputs"]}
    assert used == {("base", "20000.00", "input"), ("attended_days", "21", "input"),
                    ("perf_bonus", "3000.00", "input"), ("rating_coef", "1.2", "input")}, used
    assert lines["late_fine"]["value"] == "100.00" and lines["late_fine"]["kind"] == "deduction"
    assert lines["daily"]["value"] == "919.54"   # 20000 / 21.75, the default standard_days
    assert got["earnings"] == "22910.34" and got["deductions"] == "100.00"
    assert got["net"] == "22810.34", got
    # the April version fines 80 a time
    status, got = call("POST", "%s/%s:preview" % (S, ctx["scheme"]),
                       {"month": "2026-04", "inputs": inputs})
    assert status == 200 and got["version"] == 2, got
    assert {l["name"]: l["value"] for l in got["lines"]}["late_fine"] == "160.00"


@test
def an_inline_preview_stores_nothing_and_names_a_division_by_zero():
    before = count("scheme_versions")
    status, got = call("POST", S + ":preview", {
        "components": [component("daily", "base / attended_days"),
                       component("top_up", "max(min_wage - daily, 0)",
                                 label="最低工资补足")],
        "inputs": {"base": "100.00", "attended_days": "3", "min_wage": "50"}})
    assert status == 200, got
    assert got["source"] == "inline" and [l["value"] for l in got["lines"]] == ["33.33", "16.67"]
    refs = got["lines"][1]["inputs"]
    assert ("daily", "33.33", "component") in {(i["name"], i["value"], i["source"])
                                                for i in refs}, refs
    status, got = call("POST", S + ":preview", {
        "components": [component("daily", "base / attended_days")],
        "inputs": {"base": "100.00"}})
    assert status == 422, got
    assert errors(got)[0][:2] == ("components[0].formula", "division_by_zero"), got
    assert 'component "daily": division by zero' in errors(got)[0][2]
    for bad, field in (({"bse": "1"}, 'inputs["bse"]'), ({"base": "1.234"}, 'inputs["base"]'),
                       ({"attended_days": "-1"}, 'inputs["attended_days"]'),
                       ({"joined_this_month": "yes"}, 'inputs["joined_this_month"]')):
        status, got = call("POST", S + ":preview", {
            "components": [component("pay", "base")], "inputs": bad})
        assert status == 422 and errors(got)[0][0] == field, (bad, got)
    assert count("scheme_versions") == before


@test
def a_review_cycle_rates_by_weighted_mean_and_band():
    bands = [{"grade": "S", "minScore": "90", "coefficient": "1.5"},
             {"grade": "A", "minScore": "80", "coefficient": "1.2"},
             {"grade": "B", "minScore": "0", "coefficient": "1"}]
    status, got = call("POST", C, {"companyId": ctx["companies"]["SH"], "name": "2026 Q1",
                                   "periodStart": "2026-01-01", "periodEnd": "2026-03-31",
                                   "payoutMonth": "2026-04", "bands": bands})
    assert status == 201, got
    ctx["cycle"] = cid = got["id"]
    assert [b["grade"] for b in got["bands"]] == ["S", "A", "B"], got
    assert got["payoutMonth"] == "2026-04" and got["bands"][1]["coefficient"] == "1.2"
    e0, e1, e2 = ctx["employees"]
    status, got = call("POST", "%s/%s/scores" % (C, cid), {"scores": [
        {"employeeId": e0, "rater": "manager", "weight": "0.6", "score": "95"},
        {"employeeId": e0, "rater": "peer", "weight": "0.4", "score": "80"},
        {"employeeId": e1, "rater": "manager", "weight": "1", "score": "90"},
        {"employeeId": e1, "rater": "peer", "weight": "2", "score": "80"},
        {"employeeId": e2, "rater": "manager", "weight": "1", "score": "60"}]})
    assert status == 200 and got["recorded"] == 5, got
    # the manager's score of e2 again replaces it
    status, got = call("POST", "%s/%s/scores" % (C, cid), {"scores": [
        {"employeeId": e2, "rater": "manager", "weight": "1", "score": "85"}]})
    assert status == 200, got
    status, got = call("GET", "%s/%s/ratings" % (C, cid))
    assert status == 200, got
    r = {x["employeeNo"]: x for x in got["ratings"]}
    assert (r["E000"]["rating"], r["E000"]["grade"], r["E000"]["coefficient"]) == ("89", "A", "1.2")
    # (90 + 160) / 3 = 83.333333…
    assert (r["E001"]["rating"], r["E001"]["grade"]) == ("83.333333", "A"), r["E001"]
    assert (r["E002"]["rating"], r["E002"]["grade"], r["E002"]["coefficient"]) == ("85", "A", "1.2")
    assert len(r["E000"]["scores"]) == 2
    status, got = call("GET", C + "?companyId=" + ctx["companies"]["SH"])
    assert status == 200 and [c["id"] for c in got["cycles"]] == [cid], got
    # the run of a month finds its cycle by the payout month
    for month, want in (("2026-04", [cid]), ("2026-05", [])):
        status, got = call("GET", "%s?companyId=%s&payoutMonth=%s"
                           % (C, ctx["companies"]["SH"], month))
        assert status == 200 and [c["id"] for c in got["cycles"]] == want, (month, got)
    status, got = call("GET", C + "?payoutMonth=April")
    assert status == 422 and errors(got)[0][:2] == ("payoutMonth", "invalid"), got


@test
def bad_cycles_and_scores_are_refused_whole():
    body = {"companyId": ctx["companies"]["SH"], "name": "bad", "periodStart": "2026-02-30",
            "periodEnd": "2026-13-01", "payoutMonth": "2026-13",
            "bands": [{"grade": "A", "minScore": "60", "coefficient": "1"}]}
    status, got = call("POST", C, body)
    assert status == 422, got
    assert {e[0] for e in errors(got)} == {"periodStart", "periodEnd", "payoutMonth"}, got
    body.update(periodStart="2026-01-01", periodEnd="2026-03-31", payoutMonth="2026-07")
    status, got = call("POST", C, body)
    assert status == 422 and "starts at 0" in errors(got)[0][2], got
    body.update(payoutMonth="2026-04", bands=[{"grade": "A", "minScore": "0",
                                               "coefficient": "1"}])
    status, got = call("POST", C, body)
    assert status == 409, got
    before = sql("SELECT string_agg(rater || score, ',' ORDER BY rater, score) "
                 "FROM payroll.review_scores")
    e0 = ctx["employees"][0]
    status, got = call("POST", "%s/%s/scores" % (C, ctx["cycle"]), {"scores": [
        {"employeeId": e0, "rater": "manager", "weight": "1", "score": "10"},
        {"employeeId": ctx["sz_employee"], "rater": "manager", "weight": "1", "score": "10"},
        {"employeeId": str(uuid.uuid4()), "rater": "manager", "weight": "1", "score": "10"}]})
    assert status == 422, got
    assert [e[:2] for e in errors(got)] == [("scores[1].employeeId", "not_found"),
                                           ("scores[2].employeeId", "not_found")], got
    status, got = call("POST", "%s/%s/scores" % (C, ctx["cycle"]), {"scores": [
        {"employeeId": e0, "rater": "manager", "weight": "0", "score": "1001"},
        {"employeeId": e0, "rater": "peer", "weight": "1", "score": "1"},
        {"employeeId": e0, "rater": "peer", "weight": "1", "score": "2"}]})
    assert status == 422, got
    assert [e[:2] for e in errors(got)] == [("scores[0].weight", "invalid"),
                                           ("scores[0].score", "invalid"),
                                           ("scores[2].rater", "duplicate")], got
    after = sql("SELECT string_agg(rater || score, ',' ORDER BY rater, score) "
                "FROM payroll.review_scores")
    assert after == before


@test
def recruiters_and_other_companies_and_tenants_see_nothing():
    sid, cid = ctx["scheme"], ctx["cycle"]
    for path in (S, "%s/%s" % (S, sid), C, "%s/%s" % (C, cid), "%s/%s/ratings" % (C, cid),
                 "/v1/payroll/inputs"):
        status, got = call("GET", path, key="recruiter")
        assert status == 403, (path, got)
    for key in ("sz", "other"):
        for path in ("%s/%s" % (S, sid), "%s/%s" % (C, cid), "%s/%s/ratings" % (C, cid)):
            status, got = call("GET", path, key=key)
            assert status == 404, (key, path, got)
        status, got = call("GET", S, key=key)
        assert status == 200 and got.get("schemes", []) == [], got
        status, got = call("POST", "%s/%s/versions" % (S, sid), {
            "effectiveMonth": "2026-09", "components": [component("pay", "base")]}, key=key)
        assert status == 404, got
        status, got = call("POST", "%s/%s:preview" % (S, sid), {}, key=key)
        assert status == 404, got
    # a company in the body: the SZ key cannot create for SH
    status, got = call("POST", S, scheme_body("sz-steal", [component("pay", "base")]), key="sz")
    assert status == 422 and errors(got)[0][:2] == ("companyId", "not_found"), got
    # its own company is fine
    status, got = call("POST", S, scheme_body("sz", [component("pay", "base")], company="SZ"),
                       key="sz")
    assert status == 201, got


run(setup, teardown)
