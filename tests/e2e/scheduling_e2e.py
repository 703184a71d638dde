"""tests/e2e/scheduling_e2e.py - what the scheduling suites share.

One stack per suite (setup): tenants sa (companies SH, SZ, TK, BJ, CD, WH,
XA) and sb, keys by name (admin, recruiter, sz, sz_admin, other), and the
one clock (scheduling.now() is timers.now()) held at Monday 2027-03-01 08:00
in Shanghai; advance() moves it and due timers fire, monday() holds it on the
next Monday. Then the API and SQL
helpers the suites call: jobs, candidates, imports, the pipeline's
invitations, interviews and their placing, metrics.
"""
import datetime
import functools
import json
import os
import re
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql, wait_for  # noqa: E402


class _Current:
    """The stack setup() started, by attribute (a test module imports this name before)."""
    stack = None

    def __getattr__(self, name):
        return getattr(_Current.stack, name)


stack = _Current()
keys = {}
ctx = {}
NOW = "2027-03-01T08:00:00+08:00"   # a Monday
GROUP = "00000000-0000-0000-0000-000000000000"
INVITED = "hrflow.pipeline.application.ai_interview_invited.v1"
RULES = "when screened if screening_score >= 70 then invite_ai_interview\n"


def setup(name, extra_env=None):
    """A stack of two tenants (sa with seven companies, sb), their keys, and the clock held
    at NOW."""
    env = {"HF_GATEWAY_RATE_LIMITS": "admin=5000:5000,recruiter=5000:5000,public=5000:5000"}
    env.update(extra_env or {})
    _Current.stack = Stack(name, env)
    stack.start_all()
    for slug in ("sa", "sb"):
        stack.cli("identity", "tenant", "create", "--slug", slug, "--name", slug)
    for code in ("SH", "SZ", "TK", "BJ", "CD", "WH", "XA"):
        stack.cli("identity", "company", "create", "--tenant", "sa", "--code", code, "--name",
                  "公司" + code)
    for name, tenant, scope, company in (("admin", "sa", "admin", None),
                                         ("recruiter", "sa", "recruiter", None),
                                         ("sz", "sa", "recruiter", "SZ"),
                                         ("sz_admin", "sa", "admin", "SZ"),
                                         ("other", "sb", "admin", None)):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               scope, *(("--company", company) if company else ()))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies",
                                                         key="admin")[1]["companies"]}
    ctx["tenant"] = psql(stack.dsn, "SELECT id FROM identity.tenants WHERE slug = 'sa'")
    freeze(NOW)


def freeze(at):
    """Hold the one clock (scheduling.now() and every timer's) at RFC 3339 time at."""
    sql("SELECT timers.freeze('%s')" % at)


FIRST_MONDAY = datetime.date(2027, 3, 1)
_weeks = [0]


def monday(hhmm="08:00"):
    """Hold the clock at hh:mm in Shanghai on the next Monday (from FIRST_MONDAY, a week
    later than the last call's: the clock only goes forward); returns that Monday."""
    day = FIRST_MONDAY + datetime.timedelta(weeks=_weeks[0])
    _weeks[0] += 1
    freeze("%sT%s:00+08:00" % (day, hhmm))
    return day


def at(day, days, hhmm):
    """RFC 3339 of hh:mm in Shanghai, `days` after day."""
    return "%sT%s:00+08:00" % (day + datetime.timedelta(days=days), hhmm)


def advance(by):
    """Move the one clock by an interval ("23 hours"); due timers fire."""
    sql("SELECT timers.advance('%s')" % by)


def teardown():
    if _Current.stack:
        _Current.stack.destroy()


def answer(method, path, body=None, key="recruiter"):
    return stack.api(keys[key], method, path, body)


def call(method, path, body=None, key="recruiter"):
    status, payload = answer(method, path, body, key)
    return status, json.loads(payload) if payload else None


def without(payload, ident):
    """An answer's bytes with the id and its own request id blanked."""
    return re.sub(rb'"requestId":"[0-9a-f]*"', b'', payload.replace(ident.encode(), b"ID"))


def sql(q):
    return psql(stack.dsn, q)


@functools.lru_cache(maxsize=None)
def local(ts):
    """An RFC 3339 UTC time as Shanghai's wall clock, "2027-03-01 09:00" (asked of
    PostgreSQL once per time: a thousand interviews share a few dozen slots)."""
    return sql("SELECT to_char(('%s'::timestamptz) AT TIME ZONE 'Asia/Shanghai', "
               "'YYYY-MM-DD HH24:MI')" % ts)


def hours(*ranges, days=(1, 2, 3, 4, 5)):
    return [{"weekday": d, "start": s, "end": e} for d in days for s, e in ranges]


def no_overbooking():
    """Every slot holds at most its capacity, and exactly the interviews that hold a seat in it."""
    bad = sql("SELECT count(*) FROM scheduling.slots s WHERE s.booked > s.capacity OR s.booked <> "
              "(SELECT count(*) FROM scheduling.interviews i WHERE i.tenant_id = s.tenant_id AND "
              "i.pool_id = s.pool_id AND i.start_time = s.start_time AND i.state NOT IN "
              "('waiting', 'cancelled'))")
    assert bad == "0", bad


def raced(results, seats, pool, target):
    """After a race for the `seats` free seats of the slot (pool, target): as many
    (status, answer) of results won, the others got 409 "the slot is full", and the
    slot and every other one hold what they should."""
    won = [r for status, r in results if status == 200]
    lost = [(status, r) for status, r in results if status != 200]
    assert len(won) == seats, results
    assert all(status == 409 and r["detail"] == "the slot is full" for status, r in lost), lost
    assert sql("SELECT booked || '/' || capacity FROM scheduling.slots WHERE pool_id = '%s' AND "
               "start_time = '%s'" % (pool, target)) == "%d/%d" % (seats, seats)
    no_overbooking()


def job_of(company, **extra):
    body = {"companyId": ctx["companies"][company], "title": "客服专员", "headcount": 500}
    body.update(extra)
    status, j = call("POST", "/v1/jobs", body)
    assert status == 201, j
    return j


def candidate():
    status, c = call("POST", "/v1/candidates", {
        "name": "王五", "phone": "137%08d" % (uuid.uuid4().int % 10 ** 8),
        "consent": {"automatedAssessment": True, "version": "2026-01"}})
    assert status == 201, c
    return c


def imported(company, n):
    """A job of company with n applications from a CSV import."""
    j = job_of(company)
    base = uuid.uuid4().int % 10 ** 5
    text = "name,phone\n" + "".join("候选人%d,135%03d%05d\n" % (i, i % 1000, (base + i) % 10 ** 5)
                                    for i in range(n))
    h = {"Authorization": "Bearer " + keys["recruiter"],
         "Content-Type": "text/csv; charset=utf-8"}
    status, _, payload = stack.request("POST", "/v1/jobs/%s/candidates:import" % j["id"],
                                       text.encode(), h)
    assert status == 202, payload
    imp = json.loads(payload)
    done = wait_for(lambda: (lambda x: x if x["status"] in ("done", "failed") else None)(
        call("GET", "/v1/imports/" + imp["id"])[1]), timeout=60, what="the import")
    assert done["status"] == "done" and done["created"] == str(n), done
    return j


def invite_all(job_id):
    """The pipeline's invitation for every application of the job (Stack.invite_ai_interviews)."""
    stack.invite_ai_interviews(job_id)


def interviews_of(job_id, state=None):
    out, token = [], ""
    while True:
        q = "/v1/interviews?jobId=%s&pageSize=500%s%s" % (
            job_id, "&state=" + state if state else "", "&pageToken=" + token if token else "")
        status, page = call("GET", q)
        assert status == 200, page
        out += page["interviews"]
        token = page["nextPageToken"]
        if not token:
            return out


def placed(job_id, n, timeout=60):
    return wait_for(lambda: (lambda l: l if len(l) == n else None)(
        interviews_of(job_id, "scheduled")), timeout=timeout, what="%d interviews placed" % n)


def metric(name, replica="scheduling"):
    url = "http://127.0.0.1:%d/metrics" % stack.metrics_ports[replica]
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return None
