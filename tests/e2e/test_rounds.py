"""tests/e2e/test_rounds.py - human interview rounds through the gateway.

Interviewers of a company with their working hours in their own time zones
and busy blocks from their calendars; the common free slots of a panel;
rounds booked for pipeline applications, which PostgreSQL itself keeps from
double-booking anyone (an exclusion constraint), whatever races; panels
booked all or nothing; cancel and reschedule freeing the time; the
lifecycle's events; the company walls; interviewers' names and emails
encrypted at rest; bad input refused with the field, nothing changed.

Times are taken in a week of January two years ahead, so they are always in
the future and the zones are on winter time: Shanghai UTC+8, Berlin UTC+1,
Kolkata UTC+5:30.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
ctx = {}


def setup():
    global stack
    stack = Stack("rounds", {"HF_GATEWAY_RATE_LIMITS":
                             "admin=2000:2000,recruiter=2000:2000,public=2000:2000"})
    stack.start_all()
    # a second replica: bookings race across processes, not only threads
    stack.start("scheduling", name="scheduling-2")
    stack.wait_ready()
    stack.tenant("ra", "SH", "SZ")
    stack.tenant("rb", "RB")
    for name, tenant, scope, company in (("recruiter", "ra", "recruiter", None),
                                         ("integrator", "ra", "integrator", None),
                                         ("sz_only", "ra", "recruiter", "SZ"),
                                         ("other", "rb", "admin", None)):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               scope, *(("--company", company) if company else ()))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies")[1]["companies"]}
    # Monday of the first full week of January, two years ahead
    day = datetime.date(datetime.date.today().year + 2, 1, 1)
    while day.weekday() != 0:
        day += datetime.timedelta(days=1)
    ctx["monday"] = datetime.datetime(day.year, day.month, day.day,
                                      tzinfo=datetime.timezone.utc)


def teardown():
    if stack:
        stack.destroy()


def answer(method, path, body=None, key="recruiter", headers=None):
    return stack.call(method, path, body, keys[key], headers)


def call(method, path, body=None, key="recruiter", headers=None):
    status, payload = answer(method, path, body, key, headers)
    return status, json.loads(payload) if payload else None


def at(hours, minutes=0, days=0):
    """An RFC 3339 time on the test week: Monday 00:00 UTC + days, hours, minutes."""
    t = ctx["monday"] + datetime.timedelta(days=days, hours=hours, minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def interviewer(company="SH", key="recruiter", **extra):
    body = {"companyId": ctx["companies"][company], "name": "面试官" + uuid.uuid4().hex[:4],
            "email": "iv-%s@example.com" % uuid.uuid4().hex[:8],
            "externalId": "E" + uuid.uuid4().hex[:6]}
    body.update(extra)
    status, got = call("POST", "/v1/interviewers", body, key=key)
    assert status == 201, got
    return got


def application(company="SH", key="recruiter"):
    """A pipeline application of a job of the company, made through the API."""
    status, job = call("POST", "/v1/jobs", {"companyId": ctx["companies"][company],
                                            "title": "产品经理", "headcount": 3}, key=key)
    assert status == 201, job
    status, cand = call("POST", "/v1/candidates", {
        "name": "候选人", "phone": "1390000%04d" % (uuid.uuid4().int % 10000),
        "consent": {"automatedAssessment": True, "version": "2026-01"}}, key=key)
    assert status == 201, cand
    status, app = call("POST", "/v1/applications", {"jobId": job["id"],
                                                    "candidateId": cand["id"]}, key=key)
    assert status == 201, app
    return app["id"]


def book(app, panel, start, minutes=60, kind="hr", key="recruiter"):
    return call("POST", "/v1/rounds", {"applicationId": app, "kind": kind,
                                       "interviewerIds": [i["id"] for i in panel],
                                       "startTime": start, "durationMinutes": minutes}, key=key)


def busy(who, start, end, key="recruiter"):
    status, got = call("POST", "/v1/interviewers/%s/busy-blocks" % who["id"],
                       {"startTime": start, "endTime": end}, key=key)
    assert status == 201, got
    return got


def suggest(panel, start, end, minutes=60, step=30, key="recruiter", **extra):
    body = {"interviewerIds": [i["id"] for i in panel], "windowStart": start,
            "windowEnd": end, "durationMinutes": minutes, "stepMinutes": step}
    body.update(extra)
    return call("POST", "/v1/rounds:suggest", body, key=key)


def starts(slots):
    return [s["startTime"] for s in slots["slots"]]


def seats(who):
    return int(psql(stack.dsn, "SELECT count(*) FROM scheduling.interviewer_time WHERE "
                               "interviewer_id = '%s' AND round_id IS NOT NULL" % who["id"]))


def events(subject):
    rows = psql(stack.dsn, "SELECT type || ' ' || data::text FROM events.outbox WHERE "
                           "subject = '%s' ORDER BY id" % subject)
    return [(line.split(" ", 1)[0], json.loads(line.split(" ", 1)[1]))
            for line in rows.splitlines()]


def counts():
    return psql(stack.dsn, "SELECT (SELECT count(*) FROM scheduling.rounds) || '/' || "
                           "(SELECT count(*) FROM scheduling.interviewer_time) || '/' || "
                           "(SELECT count(*) FROM scheduling.interviewers) || '/' || "
                           "(SELECT count(*) FROM events.outbox)")


def into_past(round_id, hours_ago):
    """Move a round and its seats to an hour ending hours_ago - 1 hours ago."""
    span = ("tstzrange(now() - interval '%d hours', now() - interval '%d hours')"
            % (hours_ago, hours_ago - 1))
    psql(stack.dsn, "UPDATE scheduling.interviewer_time SET during = %s WHERE round_id = '%s'; "
                    "UPDATE scheduling.rounds SET during = %s WHERE id = '%s'"
         % (span, round_id, span, round_id))


def without(payload, *ids):
    """An answer's bytes with the given ids and its own request id blanked."""
    for i in ids:
        payload = payload.replace(i.encode(), b"ID")
    return re.sub(rb'"requestId":"[0-9a-f]*"', b'"requestId":""', payload)


def fields(p):
    return [(e["field"], e["code"]) for e in p.get("errors", [])]


# ---- interviewers ----

@test
def an_interviewer_has_a_week_in_a_zone_and_a_default_one():
    a = interviewer(timeZone="Europe/Berlin", workingHours=[
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "24:00"}])
    assert a["timeZone"] == "Europe/Berlin" and a["version"] == "1", a
    assert a["workingHours"] == [{"weekday": 1, "start": "08:00", "end": "12:00"},
                                 {"weekday": 1, "start": "13:00", "end": "24:00"}], a
    b = interviewer()
    assert b["timeZone"] == "Asia/Shanghai", b
    assert b["workingHours"] == [{"weekday": d, "start": "09:00", "end": "18:00"}
                                 for d in range(1, 6)], b
    status, got = call("GET", "/v1/interviewers/" + a["id"])
    assert status == 200 and got == a, got
    status, got = call("PATCH", "/v1/interviewers/" + b["id"], {
        "timeZone": "America/New_York", "workingHours": [
            {"weekday": 6, "start": "10:00", "end": "14:00"}]})
    assert status == 200 and got["version"] == "2" and got["name"] == b["name"], got
    assert got["workingHours"] == [{"weekday": 6, "start": "10:00", "end": "14:00"}], got
    # found by email, however it is typed
    status, page = call("GET", "/v1/interviewers?email=%s" % a["email"].upper())
    assert status == 200 and [i["id"] for i in page["interviewers"]] == [a["id"]], page
    # one person once per company: by email and by employee id
    status, p = call("POST", "/v1/interviewers", {"companyId": a["companyId"], "name": "重复",
                                                  "email": " " + a["email"].upper()})
    assert status == 409 and fields(p) == [("email", "already_exists")], p
    status, p = call("POST", "/v1/interviewers", {"companyId": a["companyId"], "name": "重复",
                                                  "email": "x%s@example.com" % uuid.uuid4().hex,
                                                  "externalId": a["externalId"]})
    assert status == 409 and fields(p) == [("externalId", "already_exists")], p
    ok = interviewer(company="SZ", email=a["email"], externalId=a["externalId"])
    assert ok["companyId"] == ctx["companies"]["SZ"]


@test
def bad_interviewers_are_refused_with_the_field():
    before = counts()
    sh = ctx["companies"]["SH"]
    cases = [
        ({"timeZone": "Mars/Olympus"}, ("timeZone", "unknown")),
        ({"timeZone": "+08:00"}, ("timeZone", "unknown")),
        ({"email": "not-an-email"}, ("email", "bad_format")),
        ({"name": ""}, ("name", "required")),
        ({"workingHours": [{"weekday": 8, "start": "09:00", "end": "10:00"}]},
         ("workingHours[0]", "invalid")),
        ({"workingHours": [{"weekday": 1, "start": "9:00", "end": "10:00"}]},
         ("workingHours[0].start", "bad_format")),
        ({"workingHours": [{"weekday": 1, "start": "10:00", "end": "09:00"}]},
         ("workingHours[0]", "invalid")),
        ({"workingHours": [{"weekday": 2, "start": "09:00", "end": "12:00"},
                           {"weekday": 2, "start": "11:00", "end": "13:00"}]},
         ("workingHours[1]", "invalid")),
        ({"companyId": str(uuid.uuid4())}, ("companyId", "not_found")),
    ]
    for extra, want in cases:
        body = {"companyId": sh, "name": "新人", "email": "n%s@example.com" % uuid.uuid4().hex}
        body.update(extra)
        status, p = call("POST", "/v1/interviewers", body)
        assert status == 422 and want in fields(p), (extra, p)
    who = interviewer()
    status, p = call("PATCH", "/v1/interviewers/" + who["id"], {"timeZone": "Nowhere/Else"})
    assert status == 422 and fields(p) == [("timeZone", "unknown")], p
    status, p = call("PATCH", "/v1/interviewers/" + who["id"], {"companyId": sh})
    assert status == 422 and fields(p) == [("updateMask[0]", "not_updatable")], p
    status, got = call("GET", "/v1/interviewers/" + who["id"])
    assert got == who, got
    assert counts().split("/")[2] == str(int(before.split("/")[2]) + 1)


@test
def names_and_emails_are_encrypted_at_rest():
    who = interviewer(name="欧阳机密", email="ouyang.jimi@example.com")
    row = psql(stack.dsn, "SELECT t::text FROM scheduling.interviewers t WHERE id = '%s'"
               % who["id"])
    assert "欧阳机密" not in row and "ouyang" not in row.lower(), row
    tokens = psql(stack.dsn, "SELECT name_enc || ' ' || email_enc FROM scheduling.interviewers "
                             "WHERE id = '%s'" % who["id"]).split()
    assert all(t.startswith("v1.k1.") for t in tokens), tokens
    status, got = call("GET", "/v1/interviewers/" + who["id"])
    assert got["name"] == "欧阳机密" and got["email"] == "ouyang.jimi@example.com", got
    # a token moved to another row of another column does not open there
    other = interviewer()
    own = psql(stack.dsn, "SELECT email_enc FROM scheduling.interviewers WHERE id = '%s'"
               % other["id"])
    psql(stack.dsn, "UPDATE scheduling.interviewers SET email_enc = (SELECT name_enc FROM "
                    "scheduling.interviewers WHERE id = '%s') WHERE id = '%s'"
         % (who["id"], other["id"]))
    status, p = call("GET", "/v1/interviewers/" + other["id"])
    assert status == 500 and "欧阳机密" not in json.dumps(p, ensure_ascii=False), p
    psql(stack.dsn, "UPDATE scheduling.interviewers SET email_enc = '%s' WHERE id = '%s'"
         % (own, other["id"]))
    status, got = call("GET", "/v1/interviewers/" + other["id"])
    assert got == other, got


# ---- panel availability ----

@test
def suggestions_are_exactly_the_common_free_slots_of_the_panel():
    """Monday, UTC: A (Shanghai, 09-18 = 01:00-10:00) is busy 02:00-03:00 and has a round
    09:30-10:00; B (Berlin, 08-12 and 13-17 = 07:00-11:00, 12:00-16:00) works Mondays only;
    C (Kolkata, 12:00-16:00 = 06:30-10:30) is busy 08:00-08:30. All three are free for an
    hour from 07:00 and from 08:30 only."""
    a = interviewer()
    b = interviewer(timeZone="Europe/Berlin", workingHours=[
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "17:00"}])
    c = interviewer(timeZone="Asia/Kolkata", workingHours=[
        {"weekday": 1, "start": "12:00", "end": "16:00"}])
    busy(a, at(2), at(3))
    busy(c, at(8), at(8, 30))
    status, r = book(application(), [a], at(9, 30), minutes=30)
    assert status == 201, r
    week = (at(0), at(0, days=5))
    status, got = suggest([a, b, c], *week)
    assert status == 200 and starts(got) == [at(7), at(8, 30)], got
    assert [s["endTime"] for s in got["slots"]] == [at(8), at(9, 30)], got
    # each alone or in pairs has more, and every common slot is free for each
    status, ab = suggest([a, b], *week)
    assert starts(ab) == [at(7), at(7, 30), at(8), at(8, 30)], ab
    status, bc = suggest([b, c], *week)
    assert starts(bc) == [at(7), at(8, 30), at(9), at(9, 30)], bc
    for one in (a, b, c):
        status, alone = suggest([one], *week, limit=200)
        assert set(starts(got)) <= set(starts(alone)), (one["timeZone"], alone)
    # slot length, step, window and limit
    status, half = suggest([a, b, c], *week, minutes=30, step=15)
    assert starts(half) == [at(7), at(7, 15), at(7, 30), at(8, 30), at(8, 45), at(9)], half
    status, cut = suggest([a, b, c], at(7, 10), at(9, 30), minutes=60, step=30, limit=1)
    assert starts(cut) == [at(8, 30)], cut
    # a slot the panel was offered can be booked for all of them at once
    status, r = book(application(), [a, b, c], at(8, 30))
    assert status == 201 and r["interviewerIds"] == [a["id"], b["id"], c["id"]], r
    status, got = suggest([a, b, c], *week)
    assert starts(got) == [at(7)], got


@test
def bad_suggestion_requests_are_refused():
    a, b = interviewer(), interviewer()
    week = (at(0), at(0, days=5))
    cases = [
        (dict(minutes=0), ("durationMinutes", "out_of_range")),
        (dict(minutes=-30), ("durationMinutes", "out_of_range")),
        (dict(step=1), ("stepMinutes", "out_of_range")),
        (dict(interviewerIds=[]), ("interviewerIds", "required")),
        (dict(interviewerIds=[a["id"], a["id"]]), ("interviewerIds[1]", "duplicate")),
        (dict(interviewerIds=[a["id"], str(uuid.uuid4())]), ("interviewerIds[1]", "not_found")),
        (dict(windowEnd=at(0)), ("windowEnd", "out_of_range")),
        (dict(windowEnd=at(0, days=40)), ("windowEnd", "out_of_range")),
    ]
    for extra, want in cases:
        status, p = suggest([a, b], *week, **extra)
        assert status == 422 and want in fields(p), (extra, p)


# ---- booking ----

@test
def a_double_booking_is_refused_by_the_database_under_concurrency():
    d = interviewer()
    apps = [application() for _ in range(8)]
    results = [None] * 8
    gate = threading.Barrier(8)

    def attempt(k):
        gate.wait()
        # hours of Monday afternoon in Shanghai that all overlap: 06:00Z + k * 5 min
        results[k] = book(apps[k], [d], at(6, 5 * k))

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for status, r in results if status == 201]
    lost = [(status, r) for status, r in results if status != 201]
    assert len(won) == 1, results
    assert all(status == 409 and r["code"] == "conflict" and d["id"] in r["detail"]
               and "has a round from" in r["detail"] for status, r in lost), lost
    assert all(fields(r) == [("interviewerIds[0]", "taken")] for _, r in lost), lost
    assert seats(d) == 1
    # the constraint itself, without the service: an overlapping seat is refused
    out = subprocess.run(["psql", stack.dsn, "-XAtq", "-c",
                          "INSERT INTO scheduling.interviewer_time (tenant_id, interviewer_id,"
                          " round_id, during) SELECT tenant_id, '%s', id, tstzrange(lower(during)"
                          " + interval '5 minutes', upper(during)) FROM scheduling.rounds"
                          " WHERE id = '%s'" % (d["id"], won[0]["id"])],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "interviewer_time_one_round_at_a_time" in out.stderr, out
    # and a seat over a busy block, or a busy block over a seat
    out = subprocess.run(["psql", stack.dsn, "-XAtq", "-c",
                          "INSERT INTO scheduling.interviewer_time (tenant_id, interviewer_id,"
                          " during) SELECT tenant_id, '%s', during FROM scheduling.rounds"
                          " WHERE id = '%s'" % (d["id"], won[0]["id"])],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "interviewer_time_no_round_when_busy" in out.stderr, out
    status, p = call("POST", "/v1/interviewers/%s/busy-blocks" % d["id"],
                     {"startTime": won[0]["startTime"], "endTime": won[0]["endTime"]})
    assert status == 409 and "has a round from %s to %s" % (won[0]["startTime"],
                                                           won[0]["endTime"]) in p["detail"], p
    assert seats(d) == 1


@test
def a_panel_is_booked_all_or_nothing():
    e, f, g = interviewer(), interviewer(), interviewer()
    busy(f, at(3), at(4))
    status, r = book(application(), [g], at(5), minutes=60)
    assert status == 201, r
    app = application()
    before = counts()
    status, p = book(app, [e, f], at(3, 30), minutes=60)
    assert status == 409 and fields(p) == [("interviewerIds[1]", "taken")], p
    assert p["detail"] == "interviewer %s is busy from %s to %s" % (f["id"], at(3), at(4)), p
    status, p = book(app, [e, g], at(4, 30), minutes=60)
    assert status == 409 and fields(p) == [("interviewerIds[1]", "taken")], p
    assert "has a round from %s to %s" % (at(5), at(6)) in p["detail"], p
    assert counts() == before and seats(e) == 0
    # e's time was never taken
    status, ok = book(app, [e], at(3, 30), minutes=60)
    assert status == 201, ok


@test
def cancel_frees_the_panel_and_reschedule_moves_it():
    h, k = interviewer(), interviewer()
    app = application()
    status, r = book(app, [h, k], at(2), minutes=45, kind="final")
    assert status == 201 and r["status"] == "scheduled" and r["kind"] == "final", r
    assert r["endTime"] == at(2, 45) and r["durationMinutes"] == 45, r
    status, p = book(application(), [k], at(2, 30))
    assert status == 409, p
    status, got = call("POST", "/v1/rounds/%s:cancel" % r["id"], {})
    assert status == 200 and got["status"] == "cancelled" and got["version"] == "2", got
    assert seats(h) == 0 and seats(k) == 0
    status, again = book(application(), [k], at(2, 30))
    assert status == 201, again
    status, p = call("POST", "/v1/rounds/%s:cancel" % r["id"], {})
    assert status == 409 and p["code"] == "failed_precondition", p
    # reschedule: a new round in its place, the old time freed in the same transaction
    status, r = book(app, [h], at(4))
    assert status == 201, r
    status, p = call("POST", "/v1/rounds/%s:reschedule" % r["id"],
                     {"startTime": at(4, 30)}, headers={"If-Match": '"7"'})
    assert status == 409 and p["code"] == "conflict", p
    status, moved = call("POST", "/v1/rounds/%s:reschedule" % r["id"],
                         {"startTime": at(4, 30), "interviewerIds": [h["id"], k["id"]]})
    assert status == 200, moved
    assert moved["rescheduledFrom"] == r["id"] and moved["startTime"] == at(4, 30), moved
    assert moved["interviewerIds"] == [h["id"], k["id"]] and moved["status"] == "scheduled"
    status, old = call("GET", "/v1/rounds/" + r["id"])
    assert old["status"] == "rescheduled" and old["rescheduledTo"] == moved["id"], old
    assert seats(h) == 1 and seats(k) == 2
    status, p = call("POST", "/v1/rounds/%s:reschedule" % r["id"], {"startTime": at(6)})
    assert status == 409 and p["code"] == "failed_precondition", p
    # a reschedule onto someone's taken time changes nothing
    status, p = call("POST", "/v1/rounds/%s:reschedule" % moved["id"], {"startTime": at(2, 30),
                                                                       "durationMinutes": 30})
    assert status == 409 and fields(p) == [("interviewerIds[1]", "taken")], p
    status, still = call("GET", "/v1/rounds/" + moved["id"])
    assert still == moved, still
    types = [t for t, _ in events("rounds/" + r["id"])]
    assert types == ["hrflow.scheduling.round.scheduled.v1",
                     "hrflow.scheduling.round.rescheduled.v1"], types


@test
def every_lifecycle_move_has_its_event_and_no_personal_data():
    who = interviewer(name="事件面试官", email="event.person@example.com")
    app = application()
    made = {}
    for what, start in (("completed", 1), ("no_show", 3), ("cancelled", 5)):
        status, r = book(app, [who], at(start))
        assert status == 201, r
        made[what] = r
    # not started yet: a round cannot have taken place
    for action in (":complete", ":noShow"):
        status, p = call("POST", "/v1/rounds/%s%s" % (made["completed"]["id"], action), {})
        assert status == 409 and "has not started yet" in p["detail"], p
    # as if their time had come and gone (the clock is the database's)
    into_past(made["completed"]["id"], 4)
    into_past(made["no_show"]["id"], 6)
    for what, action in (("completed", ":complete"), ("no_show", ":noShow"),
                         ("cancelled", ":cancel")):
        status, got = call("POST", "/v1/rounds/%s%s" % (made[what]["id"], action), {},
                           headers={"If-Match": '"1"'})
        assert status == 200 and got["status"] == what, got
        status, p = call("POST", "/v1/rounds/%s%s" % (made[what]["id"], action), {})
        assert status == 409, p
    status, p = call("POST", "/v1/rounds/%s:reschedule" % made["completed"]["id"],
                     {"startTime": at(7)})
    assert status == 409 and "is completed" in p["detail"], p
    for what, r in made.items():
        evs = events("rounds/" + r["id"])
        assert [t for t, _ in evs] == ["hrflow.scheduling.round.scheduled.v1",
                                       "hrflow.scheduling.round.%s.v1" % what], evs
        data = evs[1][1]
        assert data["roundId"] == r["id"] and data["applicationId"] == app, data
        assert data["companyId"] == ctx["companies"]["SH"] and data["status"] == what, data
        assert data["interviewerIds"] == [who["id"]] and data["tenantId"], data
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", data["startTime"]), data
    everything = psql(stack.dsn, "SELECT string_agg(data::text, ' ') FROM events.outbox WHERE "
                                 "type LIKE 'hrflow.scheduling.%'")
    assert "事件面试官" not in everything and "event.person" not in everything
    # the cancelled round's time is free; the past ones keep theirs
    assert seats(who) == 2


@test
def bad_bookings_are_refused_with_the_field_and_change_nothing():
    a, b = interviewer(), interviewer()
    sz = interviewer(company="SZ")
    app = application()
    before = counts()
    past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
    cases = [
        (dict(minutes=0), ("durationMinutes", "out_of_range")),
        (dict(minutes=-60), ("durationMinutes", "out_of_range")),
        (dict(start=past.strftime("%Y-%m-%dT%H:%M:%SZ")), ("startTime", "in_the_past")),
        (dict(start=at(12)), ("startTime", "outside_working_hours")),        # 20:00 Shanghai
        (dict(start=at(9, 30)), ("startTime", "outside_working_hours")),     # until 18:30
        (dict(start=at(2, days=5)), ("startTime", "outside_working_hours")),  # Saturday
        (dict(panel=[]), ("interviewerIds", "required")),
        (dict(panel=[a, b, a]), ("interviewerIds[2]", "duplicate")),
        (dict(panel=[a, sz]), ("interviewerIds[1]", "other_company")),
        (dict(panel=[a, {"id": str(uuid.uuid4())}]), ("interviewerIds[1]", "not_found")),
        (dict(panel=[{"id": "x"}]), ("interviewerIds[0]", "bad_format")),
        (dict(app=str(uuid.uuid4())), ("applicationId", "not_found")),
        (dict(app=""), ("applicationId", "required")),
        (dict(kind="coffee"), ("kind", "bad_format")),
    ]
    for case, want in cases:
        status, p = book(case.get("app", app), case.get("panel", [a, b]),
                         case.get("start", at(2)), case.get("minutes", 60),
                         kind=case.get("kind", "hr"))
        assert status == 422 and want in fields(p), (case, p)
    status, p = book(app, [a, b], at(9, 30))
    assert p["errors"] == [
        {"field": "startTime", "code": "outside_working_hours",
         "message": "outside the working hours of interviewer %s" % i["id"]} for i in (a, b)], p
    assert counts() == before


# ---- the walls ----

@test
def a_company_bound_key_sees_and_books_only_its_own():
    sh, sz = interviewer(), interviewer(company="SZ")
    sh_app, sz_app = application(), application(company="SZ")
    status, sh_round = book(sh_app, [sh], at(1, days=1))
    assert status == 201, sh_round
    made_up = str(uuid.uuid4())
    for path in ("/v1/interviewers/%s", "/v1/interviewers/%s/busy-blocks", "/v1/rounds/%s"):
        s1, hidden = answer("GET", path % (sh["id"] if "interviewers" in path
                                           else sh_round["id"]), key="sz_only")
        s2, none = answer("GET", path % made_up, key="sz_only")
        assert s1 == s2 == 404, (path, hidden)
        hid = sh["id"] if "interviewers" in path else sh_round["id"]
        assert without(hidden, hid) == without(none, made_up), (hidden, none)
    for action in (":cancel", ":complete"):
        status, _ = call("POST", "/v1/rounds/%s%s" % (sh_round["id"], action), {}, key="sz_only")
        assert status == 404
    status, page = call("GET", "/v1/interviewers?pageSize=500", key="sz_only")
    assert page["interviewers"] and all(i["companyId"] == ctx["companies"]["SZ"]
                                        for i in page["interviewers"]), page
    status, page = call("GET", "/v1/rounds?pageSize=500", key="sz_only")
    assert all(r["companyId"] == ctx["companies"]["SZ"] for r in page["rounds"]), page
    for query in ("applicationId=" + sh_app, "interviewerId=" + sh["id"],
                  "companyId=" + ctx["companies"]["SH"]):
        status, p = call("GET", ("/v1/rounds?" if "company" not in query
                                 else "/v1/interviewers?") + query, key="sz_only")
        assert status == 404, (query, p)
    status, p = book(sz_app, [sh], at(2, days=1), key="sz_only")
    assert status == 422 and fields(p) == [("interviewerIds[0]", "not_found")], p
    status, p = book(sh_app, [sz], at(2, days=1), key="sz_only")
    assert status == 422 and fields(p) == [("applicationId", "not_found")], p
    status, p = suggest([sz, sh], at(0), at(0, days=2), key="sz_only")
    assert status == 422 and fields(p) == [("interviewerIds[1]", "not_found")], p
    status, p = call("POST", "/v1/interviewers", {"companyId": ctx["companies"]["SH"],
                                                  "name": "越界", "email": "x@example.com"},
                     key="sz_only")
    assert status == 422 and fields(p) == [("companyId", "not_found")], p
    status, mine = book(sz_app, [sz], at(2, days=1), key="sz_only")
    assert status == 201 and mine["companyId"] == ctx["companies"]["SZ"], mine
    # another tenant reaches nothing; an integrator reads rounds, not interviewers
    status, _ = call("GET", "/v1/rounds/" + sh_round["id"], key="other")
    assert status == 404
    status, p = book(sh_app, [sh], at(3, days=1), key="other")
    assert status == 422 and set(fields(p)) == {("applicationId", "not_found"),
                                                ("interviewerIds[0]", "not_found")}, p
    status, got = call("GET", "/v1/rounds/" + sh_round["id"], key="integrator")
    assert status == 200 and got == sh_round, got
    status, _ = call("GET", "/v1/interviewers/" + sh["id"], key="integrator")
    assert status == 403


@test
def lists_page_with_sealed_tokens():
    who = interviewer(company="SZ")
    for k in range(3):
        busy(who, at(1 + k, days=2), at(1 + k, 30, days=2))
    seen, token = [], ""
    while True:
        status, page = call("GET", "/v1/interviewers/%s/busy-blocks?pageSize=2%s"
                            % (who["id"], "&pageToken=" + token if token else ""))
        assert status == 200, page
        seen += [b["startTime"] for b in page["busyBlocks"]]
        token = page.get("nextPageToken", "")
        if not token:
            break
        assert who["id"] not in token
    assert seen == [at(1, days=2), at(2, days=2), at(3, days=2)], seen
    status, p = call("GET", "/v1/interviewers/%s/busy-blocks?pageSize=2&pageToken=x" % who["id"])
    assert status == 400, p
    first = call("GET", "/v1/interviewers/%s/busy-blocks" % who["id"])[1]["busyBlocks"][0]
    status, gone = call("DELETE", "/v1/interviewers/%s/busy-blocks/%s" % (who["id"], first["id"]))
    assert status == 200 and gone == first, gone
    status, _ = call("DELETE", "/v1/interviewers/%s/busy-blocks/%s" % (who["id"], first["id"]))
    assert status == 404
    walked, token = [], ""
    while True:
        status, page = call("GET", "/v1/rounds?pageSize=3%s" % ("&pageToken=" + token
                                                               if token else ""))
        walked += [r["id"] for r in page["rounds"]]
        token = page.get("nextPageToken", "")
        if not token:
            break
    total = int(psql(stack.dsn, "SELECT count(*) FROM scheduling.rounds"))
    assert len(walked) == len(set(walked)) == total, (len(walked), total)


if __name__ == "__main__":
    run(setup, teardown)
