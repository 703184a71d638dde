#!/usr/bin/env python3
"""deploy/local/demo-payroll.py GATEWAY_URL ADMIN_KEY_FILE - the demo tenant's payroll data

Run by deploy/local/demo-data.sh (so by `./hrflow up`) through the public API, as an
HR system would: twelve employees of 华星科技(上海), hired at the start of last month, with
their pay and tax profiles,
a day shift, last month's punches from the gate terminals (a late morning, an
absence, evenings of overtime), the month's attendance, a pay scheme, and last
month's payroll run calculated — so the archive, the attendance, the payslips
and the bank file have something to show. Running it again changes nothing: it
stops when the first demo employee exists.
"""
import datetime
import json
import sys
import time
import urllib.error
import urllib.request

URL = sys.argv[1]
KEY = open(sys.argv[2]).read().strip()
FIRST = "HX0001"


def api(method, path, body=None, ok=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers={
        "Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in ok:
        sys.exit("demo payroll: %s %s answered %d: %s" % (method, path, status, text[:400]))
    return json.loads(text) if text else {}


def resident_id(region, born, seq):
    """An 18-character resident ID (GB 11643) with its check character."""
    body = "%s%s%03d" % (region, born, seq)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def last_month(today):
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return first.year, first.month


company = next(c["id"] for c in api("GET", "/v1/companies?page_size=500")["companies"]
               if c["code"] == "HX-SH")
have = api("GET", "/v1/employees?companyId=%s&page_size=500" % company)
if any(e["employeeNo"] == FIRST for e in have.get("employees", [])):
    print("demo payroll: employee %s is there already" % FIRST)
    sys.exit(0)

year, month = last_month(datetime.date.today())
ym = "%04d-%02d" % (year, month)
people = [("林晓", 32000), ("王磊", 28000), ("陈静", 25000), ("张伟", 22000),
          ("刘洋", 18000), ("杨帆", 16000), ("赵敏", 15000), ("黄博", 13000),
          ("周婷", 12000), ("吴昊", 10000), ("徐丽", 9000), ("孙凯", 7500)]
employees = []
for i, (name, base) in enumerate(people):
    e = api("POST", "/v1/employees", {
        "companyId": company, "employeeNo": "HX%04d" % (i + 1), "name": name,
        "idNumber": resident_id("310104", "19%02d0%d1%d" % (85 + i % 10, 1 + i % 9, i % 10),
                                100 + i),
        "bankAccount": "62220210%011d" % (1000 + i), "phone": "1391234%04d" % i,
        "department": "研发部" if i < 6 else "运营部", "position": "工程师" if i < 6 else "专员",
        "grade": "P%d" % (7 - i // 3), "city": "上海", "status": "active",
        "hireDate": ym + "-01"})
    api("POST", "/v1/employees/%s/compensations" % e["id"], {
        "effectiveMonth": ym, "baseSalary": "%d.00" % base,
        "allowances": [{"name": "餐补", "amount": "600"}]})
    api("POST", "/v1/employees/%s/tax-profiles" % e["id"], {
        "effectiveMonth": ym, "residency": "resident", "bonusTax": "separate",
        "specialDeductions": [{"kind": "children_education", "amount": "2000"}] if i % 3 == 0
        else []})
    employees.append(e)

# the day shift and last month's punches at the gate: in at 08:50 (one late at 09:40 on the
# 2nd workday), out at 18:10 (the first three stay until 20:30), one absent on the 5th
shift = api("POST", "/v1/attendance/shifts", {
    "companyId": company, "name": "白班", "start": "09:00", "end": "18:00",
    "lateGraceMinutes": 5, "breakStart": "12:00", "breakMinutes": 60})["id"]
api("PATCH", "/v1/attendance/companies/%s/settings" % company, {"defaultShiftId": shift})
# (a year the shipped calendar does not have yet reads as weekdays only)
calendar = api("GET", "/v1/attendance/calendars/cn?year=%d" % year, ok=(200, 404))
special = {d["date"]: d["kind"] for d in calendar.get("days", [])}
day = datetime.date(year, month, 1)
workdays = []
while day.month == month:
    kind = special.get(day.isoformat())
    if kind == "workday" or (kind is None and day.weekday() < 5):
        workdays.append(day)
    day += datetime.timedelta(days=1)
punches = []
for n, d in enumerate(workdays):
    for i, e in enumerate(employees):
        if i == 10 and n == 4:
            continue
        t_in = "09:40" if (i == 8 and n == 1) else "08:50"
        t_out = "20:30" if i < 3 else "18:10"
        for t in (t_in, t_out):
            punches.append({"employeeNo": e["employeeNo"], "companyId": company,
                            "time": "%sT%s:00+08:00" % (d.isoformat(), t),
                            "device": "gate-1", "method": "face"})
for k in range(0, len(punches), 2000):
    api("POST", "/v1/attendance/punches:batch", {"punches": punches[k:k + 2000]})
api("POST", "/v1/attendance/summaries:compute", {"companyId": company, "month": ym})

# the company's pay scheme: base pay for the days attended and paid leave, the allowances
api("POST", "/v1/payroll/schemes", {
    "companyId": company, "name": "华星科技(上海)月薪", "effectiveMonth": ym,
    "components": [
        {"name": "base_pay", "label": "基本工资", "kind": "earning", "taxable": True,
         "formula": "base * (attended_days + paid_leave_days) / workdays_in_month"},
        {"name": "allowances", "label": "固定津贴", "kind": "earning", "taxable": True,
         "formula": "fixed_allowances"}]})
# last month's run, calculated by the service in the background
run = api("POST", "/v1/payroll/runs", {"companyId": company, "month": ym}, ok=(200, 201, 202))
for _ in range(120):
    run = api("GET", "/v1/payroll/runs/" + run["id"])
    if run["state"] != "draft" or run.get("error"):
        break
    time.sleep(0.5)
if run["state"] != "calculated":
    sys.exit("demo payroll: the run of %s is %s: %s" % (ym, run["state"], run.get("error", "")))
print("demo payroll: %d employees of 华星科技(上海), %d punches of %s, the run calculated"
      " (net %s yuan); see %s/v1/payroll/runs/%s/payslips"
      % (len(employees), len(punches), ym, run.get("net", "?"), URL, run["id"]))
