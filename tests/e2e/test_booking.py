"""tests/e2e/test_booking.py - the candidate's booking link and interviews' calendar files.

The link's token (derived: the bytes docs/security.md describes, checked here
from the stack's index key), what the candidate sees and may do with it (free
slots before the link ends, book, reschedule up to the job's limit, cancel),
every refusal with nothing changed (a forged, changed, foreign-key or expired
token; times in the past, outside hours, closed, off the grid, after the
window; a full slot; a final interview; the limit), many candidates racing
for the last seats across two scheduling replicas, and the calendar files
(recruiter, candidate, mail) parsed with Debian's python3-icalendar after a
booking, a reschedule and a cancel, behind the company walls.

The harness is tests/e2e/test_scheduling.py's (its helpers run on this
stack); scheduling.now() is held at Monday 2027-03-01 08:00 in Shanghai.
"""
import concurrent.futures
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import uuid

from icalendar import Calendar

sys.path.insert(0, os.path.dirname(__file__))
import scheduling_e2e as sched  # noqa: E402
from scheduling_e2e import NOW, ctx, keys, stack, teardown  # noqa: E402,F401
from tap import run, test  # noqa: E402

INDEX_KEY = bytes.fromhex("2e" * 32)  # tests/e2e/stack.py's HF_PII_KEYS hmac entry
BOOKING_DAYS = 14


def setup():
    sched.setup("booking", {"HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1"})
    assert sched.call("PATCH", "/v1/interview-lines", {"lines": 2}, key="admin")[0] == 200


call, answer, sql, local = sched.call, sched.answer, sched.sql, sched.local


def public(method, path, body=None):
    """(status, JSON) of a call without an API key."""
    status, payload = public_bytes(method, path, body)
    return status, json.loads(payload) if payload else None


def public_bytes(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    h = dict(headers or {})
    if data is not None:
        h["Content-Type"] = "application/json"
    status, _, payload = stack.request(method, path, data, h)
    return status, payload


def interviews(company, n):
    """n scheduled interviews of a new job of company (the pipeline's invitations)."""
    j = sched.imported(company, n)
    sched.invite_all(j["id"])
    got = sched.placed(j["id"], n)
    # invited at the held "now", as they would have been (the link runs from then)
    sql("UPDATE scheduling.interviews SET invite_time = '%s' WHERE job_id = '%s'" % (NOW, j["id"]))
    return j, got


def own_lines(code, lines):
    """Company code gets lines of its own."""
    status, got = call("PATCH", "/v1/companies/%s/interview-lines" % ctx["companies"][code],
                       {"lines": lines}, key="admin")
    assert status == 200, got


def token_of(v):
    status, got = call("GET", "/v1/interviews/" + v["id"])
    assert status == 200, got
    return got["bookingToken"]


def state_of(v):
    return sql("SELECT version || state || coalesce(start_time::text, '') || sequence || "
               "candidate_reschedules FROM scheduling.interviews WHERE id = '%s'" % v["id"])


def ics(status_headers_body):
    status, headers, body = status_headers_body
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/calendar; charset=utf-8; method="), headers
    return headers, Calendar.from_ical(body)


def event(cal):
    return [c for c in cal.walk() if c.name == "VEVENT"][0]


# ---- the link ----

@test
def the_recruiter_gets_a_derived_link_that_shows_the_candidate_their_interview():
    j, got = interviews("SH", 6)
    ctx["sh_job"], ctx["sh"] = j, got
    v = got[0]
    status, full = call("GET", "/v1/interviews/" + v["id"])
    assert status == 200, full
    token = full["bookingToken"]
    # the bytes docs/security.md describes: interview, tenant, expiry, MAC
    expiry = int(sql("SELECT extract(epoch FROM invite_time)::bigint FROM scheduling.interviews "
                     "WHERE id = '%s'" % v["id"])) + BOOKING_DAYS * 86400
    msg = "%s/%s/%08x" % (ctx["tenant"], v["id"], expiry)
    mac = hmac.new(INDEX_KEY, b"interview-booking\0" + msg.encode(), hashlib.sha256).hexdigest()
    assert token == (v["id"] + ctx["tenant"]).replace("-", "") + "%08x" % expiry + mac[:32], token
    assert token_of(v) == token  # derived: the same every time
    assert sql("SELECT extract(epoch FROM '%s'::timestamptz)::bigint" % full[
        "bookingExpireTime"]) == str(expiry)
    # lists and events never carry it
    assert {x.get("bookingToken", "") for x in sched.interviews_of(j["id"])} == {""}
    assert sql("SELECT count(*) FROM events.outbox WHERE data::text LIKE '%%%s%%'"
               % token[64:]) == "0"
    status, b = public("GET", "/v1/interview-booking/" + token)
    assert status == 200, b
    assert (b["interviewId"], b["state"], b["startTime"], b["timeZone"], b["reschedulesLeft"],
            b["canBook"], b["canCancel"]) == (v["id"], "scheduled", v["startTime"],
                                              "Asia/Shanghai", 2, True, True), b
    assert "candidateId" not in b and "applicationId" not in b, b


@test
def a_forged_changed_foreign_or_expired_token_is_refused_and_changes_nothing():
    v = ctx["sh"][1]
    token = token_of(v)
    before = state_of(v)
    made_up = "%032x" % uuid.uuid4().int * 3
    made_up = made_up[:len(token)]
    status, none = public_bytes("GET", "/v1/interview-booking/" + made_up)
    assert status == 404, none
    blank = re.compile(rb'"requestId":"[0-9a-f]*"|"instance":"[^"]*"')
    expiry = token[64:72]
    other_key = hmac.new(bytes.fromhex("3d" * 32), b"interview-booking\0" + (
        "%s/%s/%s" % (ctx["tenant"], v["id"], expiry)).encode(), hashlib.sha256).hexdigest()
    later = "%08x" % (int(expiry, 16) + 86400)
    forged = [token[:10] + ("0" if token[10] != "0" else "1") + token[11:],   # a changed id
              token[:64] + later + token[72:],                                 # a later expiry
              token[:-1] + ("0" if token[-1] != "0" else "1"),                 # a changed MAC
              token[:72] + other_key[:32],                                     # another key
              token + "0", token[:-1], token.upper(),
              sched.call("GET", "/v1/applications/%s" % v["applicationId"])[1]["statusToken"]]
    for bad in forged:
        for method, suffix, body in (("GET", "", None), ("GET", "/slots", None),
                                     ("POST", ":reschedule", {"startTime": v["startTime"]}),
                                     ("POST", ":cancel", {}), ("GET", "/calendar.ics", None)):
            status, p = public_bytes(method, "/v1/interview-booking/" + bad + suffix, body)
            status2, q = public_bytes(method, "/v1/interview-booking/" + made_up + suffix, body)
            assert status == status2 == 404, (bad, suffix, p)
            assert blank.sub(b"", p) == blank.sub(b"", q), (p, q)
    assert state_of(v) == before
    # expired: 410 with its code, for every route of the link; nothing changed. The
    # link is made as the service makes them, with an end a day before the clock's present
    # (moving the clock there instead would fire the interview's timers)
    past = "%08x" % (int(sql("SELECT extract(epoch FROM scheduling.now())::bigint")) - 86400)
    mac = hmac.new(INDEX_KEY, b"interview-booking\0" + (
        "%s/%s/%s" % (ctx["tenant"], v["id"], past)).encode(), hashlib.sha256).hexdigest()
    expired = token[:64] + past + mac[:32]
    for method, suffix, body in (("GET", "", None), ("GET", "/slots", None),
                                 ("POST", ":reschedule", {"startTime": v["startTime"]}),
                                 ("POST", ":cancel", {}), ("GET", "/calendar.ics", None)):
        status, p = public(method, "/v1/interview-booking/" + expired + suffix, body)
        assert status == 410 and p["code"] == "gone", (suffix, p)
        assert p["detail"] == "this booking link has expired", p
    assert state_of(v) == before


@test
def the_candidate_sees_free_slots_before_the_link_ends():
    v = ctx["sh"][1]
    token = token_of(v)
    status, s = public("GET", "/v1/interview-booking/%s/slots?fromDay=2027-03-02&days=1" % token)
    assert status == 200, s
    assert s["timeZone"] == "Asia/Shanghai" and len(s["slots"]) == 15, s
    # free seats only: the lines behind them are not shown
    assert all(x["free"] > 0 and (x["capacity"], x["booked"]) == (0, 0) for x in s["slots"]), s
    assert local(s["slots"][0]["startTime"]) == "2027-03-02 09:00", s
    # the link ends 14 days after the invitation: nothing after it is offered
    end = call("GET", "/v1/interviews/" + v["id"])[1]["bookingExpireTime"]
    status, s = public("GET", "/v1/interview-booking/%s/slots?fromDay=2027-03-12&days=7" % token)
    assert status == 200 and s["slots"], s
    assert all(x["startTime"] < end for x in s["slots"]), (end, s["slots"][-1])
    for q, field in (("fromDay=2027-02-30", "fromDay"), ("days=40", "days"),
                     ("fromDay=tomorrow", "fromDay")):
        status, p = public("GET", "/v1/interview-booking/%s/slots?%s" % (token, q))
        assert status == 422 and p["errors"][0]["field"] == field, p


@test
def bad_times_are_refused_with_the_field_and_change_nothing():
    v = ctx["sh"][2]
    token = token_of(v)
    path = "/v1/interview-booking/%s:reschedule" % token
    status, blackout = call("POST", "/v1/interview-closures", {
        "companyId": ctx["companies"]["SH"], "kind": "blackout",
        "startTime": "2027-03-04T14:00:00+08:00", "endTime": "2027-03-04T15:00:00+08:00",
        "name": "系统维护"}, key="admin")
    assert status == 201, blackout
    before = state_of(v)
    for when, why in (("2027-02-26T10:00:00+08:00", "in_the_past"),
                      ("2027-03-01T20:00:00+08:00", "outside_working_hours"),
                      ("2027-03-06T10:00:00+08:00", "outside_working_hours"),
                      ("2027-03-04T14:00:00+08:00", "closed"),
                      ("2027-03-02T09:10:00+08:00", "not_a_slot"),
                      ("2027-03-22T10:00:00+08:00", "outside_window"),
                      (v["startTime"], "unchanged")):
        status, p = public("POST", path, {"startTime": when})
        assert status == 422, (when, p)
        assert [(e["field"], e["code"]) for e in p["errors"]] == [("startTime", why)], (when, p)
    for body, field, code in (({}, "startTime", "required"),
                              ({"startTime": "soon"}, "startTime", None)):
        status, p = public("POST", path, body)
        assert status in (400, 422) and p["errors"][0]["field"] == field, p
        assert code is None or p["errors"][0]["code"] == code, p
    assert state_of(v) == before
    sched.no_overbooking()


@test
def the_candidate_reschedules_up_to_the_jobs_limit_and_recruiter_moves_do_not_count():
    v = ctx["sh"][3]
    token = token_of(v)
    path = "/v1/interview-booking/%s:reschedule" % token
    status, b = public("POST", path, {"startTime": "2027-03-02T10:00:00+08:00"})
    assert status == 200, b
    assert (b["state"], local(b["startTime"]), b["reschedules"], b["reschedulesLeft"]) == (
        "rescheduled", "2027-03-02 10:00", 1, 1), b
    # a recruiter's move is not the candidate's
    status, r = call("POST", "/v1/interviews/%s:reschedule" % v["id"],
                     {"startTime": "2027-03-02T10:30:00+08:00"})
    assert status == 200 and r["candidateReschedules"] == 1 and r["sequence"] == 2, r
    status, b = public("POST", path, {"startTime": "2027-03-02T11:00:00+08:00"})
    assert status == 200 and b["reschedulesLeft"] == 0 and not b["canBook"], b
    before = state_of(v)
    status, p = public("POST", path, {"startTime": "2027-03-02T11:30:00+08:00"})
    assert status == 409 and p["detail"] == "the reschedules this job allows are used up", p
    assert state_of(v) == before
    # the job's own limit (scheduling.job_settings) is the one read
    sql("INSERT INTO scheduling.job_settings (tenant_id, job_id, company_id, reschedule_limit) "
        "VALUES ('%s', '%s', '%s', 3)" % (ctx["tenant"], v["jobId"], v["companyId"]))
    status, b = public("POST", path, {"startTime": "2027-03-02T11:30:00+08:00"})
    assert status == 200 and (b["reschedules"], b["reschedulesLeft"]) == (3, 0), b
    types = sql("SELECT string_agg(type, ',' ORDER BY id) FROM events.outbox WHERE subject = "
                "'interviews/%s'" % v["id"])
    assert types == ",".join("hrflow.scheduling.interview.%s.v1" % s for s in (
        "scheduled", "rescheduled", "rescheduled", "rescheduled", "rescheduled")), types
    sched.no_overbooking()


@test
def a_full_slot_or_a_final_interview_is_a_409_and_cancel_frees_the_seat():
    own_lines("XA", 1)
    j, got = interviews("XA", 3)
    a, b, c = got
    full = a["startTime"]  # one line: a's slot is full
    before = state_of(b)
    status, p = public("POST", "/v1/interview-booking/%s:reschedule" % token_of(b),
                       {"startTime": full})
    assert status == 409 and p["detail"] == "the slot is full", p
    assert state_of(b) == before
    # a cancels: the seat is b's to take
    status, x = public("POST", "/v1/interview-booking/%s:cancel" % token_of(a),
                       {"reason": "时间冲突"})
    assert status == 200 and x["state"] == "cancelled" and not x["canCancel"], x
    assert not x["canBook"], x
    assert call("GET", "/v1/interviews/" + a["id"])[1]["reason"] == "时间冲突"
    status, y = public("POST", "/v1/interview-booking/%s:reschedule" % token_of(b),
                       {"startTime": full})
    assert status == 200 and y["startTime"] == full, y
    sched.no_overbooking()
    # over: 409 with the reason, nothing changed
    for v, verb, why in ((a, ":cancel", "the interview is already cancelled"),
                         (a, ":reschedule", "a cancelled interview cannot be rescheduled")):
        status, p = public("POST", "/v1/interview-booking/%s%s" % (token_of(v), verb),
                           {"startTime": "2027-03-03T09:00:00+08:00"} if verb == ":reschedule"
                           else {})
        assert status == 409 and p["detail"] == why, p
    sql("UPDATE scheduling.interviews SET state = 'completed' WHERE id = '%s'" % c["id"])
    before = state_of(c)
    for verb, why in ((":reschedule", "a completed interview cannot be rescheduled"),
                      (":cancel", "a completed interview cannot be cancelled")):
        status, p = public("POST", "/v1/interview-booking/%s%s" % (token_of(c), verb),
                           {"startTime": "2027-03-03T09:00:00+08:00"} if verb == ":reschedule"
                           else {})
        assert status == 409 and p["detail"] == why, p
    assert state_of(c) == before
    status, p = public("GET", "/v1/interview-booking/" + token_of(c))
    assert status == 200 and not p["canBook"] and not p["canCancel"], p


@test
def the_last_seats_raced_for_by_many_candidates_across_two_replicas_are_never_overbooked():
    sz = ctx["companies"]["SZ"]
    own_lines("SZ", 3)
    j, got = interviews("SZ", 60)
    target = "2027-03-05T16:00:00+08:00"  # Friday afternoon: its 3 seats are free
    tokens = [token_of(v) for v in got]
    status, s = public("GET", "/v1/interview-booking/%s/slots?fromDay=2027-03-05&days=1"
                       % tokens[0])
    assert [x["free"] for x in s["slots"] if local(x["startTime"]) == "2027-03-05 16:00"] == [3], s
    stack.start("scheduling", name="scheduling2")
    stack.wait_ready()
    try:
        def book(token):
            return public("POST", "/v1/interview-booking/%s:reschedule" % token,
                          {"startTime": target})
        with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
            results = list(pool.map(book, tokens))
    finally:
        stack.procs["scheduling2"].terminate()
        stack.procs["scheduling2"].wait()
        del stack.procs["scheduling2"]
    sched.raced(results, 3, sz, target)
    # each loser is where it was, its reschedules unspent
    assert sql("SELECT count(*) FROM scheduling.interviews WHERE job_id = '%s' AND sequence = 0 "
               "AND candidate_reschedules = 0 AND state = 'scheduled'" % j["id"]) == "57"


# ---- calendar files ----

@test
def calendar_files_follow_the_booking_reschedule_and_cancel():
    v = ctx["sh"][4]
    token = token_of(v)
    rec = "/v1/interviews/%s/calendar.ics" % v["id"]
    h = {"Authorization": "Bearer " + keys["recruiter"]}
    headers, cal = ics(stack.request("GET", rec, None, h))
    assert headers["Content-Disposition"] == 'attachment; filename="interview-%s.ics"' % v["id"]
    e = event(cal)
    uid = "%s@hrflow.local" % v["id"]
    assert (str(cal["METHOD"]), str(e["UID"]), int(e["SEQUENCE"])) == ("PUBLISH", uid, 0), e
    assert e.decoded("DTSTART").isoformat() == sched.sql(
        "SELECT to_char('%s'::timestamptz AT TIME ZONE 'Asia/Shanghai', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS')" % v["startTime"]) + "+08:00", e.decoded("DTSTART")
    assert e["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert "ATTENDEE" not in e
    # the candidate's route gives the same file
    status, _, mine = stack.request("GET", "/v1/interview-booking/%s/calendar.ics" % token)
    assert status == 200 and mine == stack.request("GET", rec, None, h)[2]
    # rescheduled: the same UID, SEQUENCE up
    status, b = public("POST", "/v1/interview-booking/%s:reschedule" % token,
                       {"startTime": "2027-03-03T13:30:00+08:00"})
    assert status == 200, b
    _, cal = ics(stack.request("GET", rec, None, h))
    e = event(cal)
    assert (str(e["UID"]), int(e["SEQUENCE"])) == (uid, 1), e
    assert e.decoded("DTSTART").isoformat() == "2027-03-03T13:30:00+08:00"
    # the invitation to mail (the bus method notify calls): REQUEST to the candidate
    _, cal = ics(stack.request("GET", rec + "?method=request&attendeeEmail=li.si%40example.cn"
                               "&attendeeName=%E6%9D%8E%E5%9B%9B&lang=en", None, h))
    e = event(cal)
    assert str(cal["METHOD"]) == "REQUEST" and str(e["ATTENDEE"]) == "mailto:li.si@example.cn"
    for q, field in (("method=reply", "method"), ("method=request", "attendeeEmail"),
                     ("lang=fr", "lang"), ("method=request&attendeeEmail=x", "attendeeEmail"),
                     ("token=" + token, "token")):
        status, p = sched.call("GET", rec + "?" + q)
        assert status == 422 and p["errors"][0]["field"] == field, (q, p)
    # cancelled: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE above the last booking's
    assert public("POST", "/v1/interview-booking/%s:cancel" % token, {})[0] == 200
    for path, hh in ((rec, h), ("/v1/interview-booking/%s/calendar.ics" % token, {})):
        _, cal = ics(stack.request("GET", path, None, hh))
        e = event(cal)
        assert (str(cal["METHOD"]), str(e["STATUS"]), str(e["UID"]), int(e["SEQUENCE"])) == (
            "CANCEL", "CANCELLED", uid, 2), e
    # a waiting interview has no file yet. The assigner places waiting interviews every
    # second, passing over rows it cannot lock (SKIP LOCKED): a key-share lock held
    # meanwhile keeps it off this one and lets the test's update and read through.
    w = ctx["sh"][5]
    hold = subprocess.Popen(["psql", stack.dsn, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        hold.stdin.write("BEGIN;\nSELECT 'held' FROM scheduling.interviews WHERE id = '%s' "
                         "FOR KEY SHARE;\n" % w["id"])
        hold.stdin.flush()
        assert hold.stdout.readline().strip() == "held"
        sql("UPDATE scheduling.interviews SET state = 'waiting', pool_id = NULL, "
            "start_time = NULL, end_time = NULL WHERE id = '%s'" % w["id"])
        sql("UPDATE scheduling.slots SET booked = booked - 1 WHERE pool_id = '%s' AND "
            "start_time = '%s'" % (sched.GROUP, w["startTime"]))
        status, p = call("GET", "/v1/interviews/%s/calendar.ics" % w["id"])
        assert status == 409, p
    finally:
        hold.stdin.write("COMMIT;\n")
        hold.stdin.close()
        hold.wait(30)


@test
def a_rounds_file_is_its_latest_version_under_its_first_ones_uid():
    status, iv = call("POST", "/v1/interviewers", {
        "companyId": ctx["companies"]["SH"], "name": "面试官甲", "email": "iv@example.com"})
    assert status == 201, iv
    j = sched.job_of("SH")
    status, a = call("POST", "/v1/applications", {"jobId": j["id"],
                                                  "candidateId": sched.candidate()["id"]})
    assert status == 201, a
    status, first = call("POST", "/v1/rounds", {
        "applicationId": a["id"], "kind": "final", "interviewerIds": [iv["id"]],
        "startTime": "2027-03-03T02:00:00Z", "durationMinutes": 60})
    assert status == 201, first
    h = {"Authorization": "Bearer " + keys["recruiter"]}
    path = "/v1/rounds/%s/calendar.ics"
    headers, cal = ics(stack.request("GET", path % first["id"], None, h))
    e = event(cal)
    uid = "%s@hrflow.local" % first["id"]
    assert (str(cal["METHOD"]), str(e["UID"]), int(e["SEQUENCE"])) == ("PUBLISH", uid, 0), e
    assert e.decoded("DTSTART").isoformat() == "2027-03-03T10:00:00+08:00"
    assert "终面" in str(e["SUMMARY"]), e["SUMMARY"]
    status, moved = call("POST", "/v1/rounds/%s:reschedule" % first["id"],
                         {"startTime": "2027-03-04T03:00:00Z", "interviewerIds": [iv["id"]]})
    assert status == 200 and moved["id"] != first["id"], moved
    # the old round's file and the new one's are the same: the latest version
    old = stack.request("GET", path % first["id"], None, h)
    new = stack.request("GET", path % moved["id"], None, h)
    assert old[2] == new[2]
    e = event(ics(new)[1])
    assert (str(e["UID"]), int(e["SEQUENCE"])) == (uid, 1), e
    assert e.decoded("DTSTART").isoformat() == "2027-03-04T11:00:00+08:00"
    assert call("POST", "/v1/rounds/%s:cancel" % moved["id"], {})[0] == 200
    _, cal = ics(stack.request("GET", path % first["id"], None, h))
    e = event(cal)
    assert (str(cal["METHOD"]), str(e["STATUS"]), str(e["UID"]), int(e["SEQUENCE"])) == (
        "CANCEL", "CANCELLED", uid, 2), e
    made_up = str(uuid.uuid4())
    for key in ("sz", "other"):
        status, hidden = answer("GET", path % first["id"], None, key)
        status2, none = answer("GET", path % made_up, None, key)
        assert status == status2 == 404, (key, hidden)
        assert sched.without(hidden, first["id"]) == sched.without(none, made_up)


@test
def a_key_of_another_company_or_tenant_gets_no_calendar_file():
    v = ctx["sh"][0]
    made_up = str(uuid.uuid4())
    for key in ("sz", "other"):
        status, hidden = answer("GET", "/v1/interviews/%s/calendar.ics" % v["id"], None, key)
        status2, none = answer("GET", "/v1/interviews/%s/calendar.ics" % made_up, None, key)
        assert status == status2 == 404, (key, hidden)
        assert sched.without(hidden, v["id"]) == sched.without(none, made_up), (hidden, none)
    assert answer("GET", "/v1/interviews/%s/calendar.ics" % v["id"], None, "sz")[0] == 404
    status, _, body = stack.request("GET", "/v1/interviews/%s/calendar.ics" % v["id"])
    assert status == 401, body


if __name__ == "__main__":
    run(setup, teardown)
