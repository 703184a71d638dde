"""tests/e2e/test_reminders.py - reminders, no-show checks and invitation expiry on the timers.

An interview's timers are armed in the transaction that places, moves or
invites it, from its job's interview settings; they fire when the one clock
(scheduling.now() is timers.now()) reaches them: the tests move the clock,
they never sleep. Reminders a day and an hour before, each once, with its
event; a job's settings (GET/PATCH /v1/jobs/{jobId}/interview-settings, bad
input, walls) and its open interviews following a change; the no-show check
after the grace reaching the pipeline once, and waiting for a call under
way; a waiting invitation expiring, also when its row is locked at the due
time; a reminder due while scheduling was down firing at the next start; and
replicas killed (SIGKILL) while holding due timers, every reminder still
written exactly once.

Each test holds the clock at 08:00 in Shanghai on a Monday of its own, later
than the one before (the clock only goes forward, so what an earlier test
left due fires and is done with).
"""
import datetime
import json
import os
import subprocess
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import (RULES, advance, at, call, candidate, ctx, job_of,  # noqa: E402
                            monday, no_overbooking, placed, sql, stack, teardown)
from scheduling_e2e import setup as setup_stack  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402

REMINDED = "hrflow.scheduling.interview.reminded.v1"


def setup():
    setup_stack("reminders", {"HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1"})
    status, s = call("PATCH", "/v1/interview-lines", {"lines": 50}, key="admin")
    assert status == 200, s


def invited(company="SH", rules=RULES, settings=None, n=1):
    """A job (with its interview settings) and n applications the rules invite; returns the
    job and its interviews once placed."""
    j = job_of(company, rules=rules)
    if settings:
        status, s = call("PATCH", "/v1/jobs/%s/interview-settings" % j["id"], settings)
        assert status == 200, s
    for i in range(n):
        status, a = call("POST", "/v1/applications", {"jobId": j["id"],
                                                      "candidateId": candidate()["id"]})
        assert status == 201, a
        status, r = call("POST", "/v1/applications/%s/assessments" % a["id"],
                         {"kind": "screening", "score": 85, "eventId": "scr-%d" % i})
        assert status == 200 and r["application"]["stage"] == "ai_interview", r
    # earliest first: invitations placed in one statement share their create_time, so the
    # list's own order (create_time, id) between them is the ids'
    return j, sorted(placed(j["id"], n), key=lambda v: v["startTime"]) if n else []


def moved_to(v, when):
    status, r = call("POST", "/v1/interviews/%s:reschedule" % v["id"], {"startTime": when})
    assert status == 200 and r["state"] == "rescheduled", r
    return r


def reminders_sent(v):
    """The reminderMinutes of the interview's reminded events, in order."""
    got = sql("SELECT string_agg(data->>'reminderMinutes', ',' ORDER BY id) FROM events.outbox"
              " WHERE type = '%s' AND subject = 'interviews/%s'" % (REMINDED, v["id"]))
    return [int(m) for m in got.split(",")] if got else []


def timers_of(v, kind="scheduling.reminder", state="pending"):
    """'<key tail>@<due, Shanghai MM-DD HH:MI>' of the interview's timers of kind in state."""
    got = sql("SELECT string_agg(split_part(key, '/', 3) || '@' || to_char(due_time AT TIME ZONE"
              " 'Asia/Shanghai', 'MM-DD HH24:MI'), ',' ORDER BY due_time) FROM timers.timer"
              " WHERE kind = '%s' AND key LIKE 'interviews/%s/%%' AND state = '%s'"
              % (kind, v["id"], state))
    return got.split(",") if got else []


def state_of(v):
    return call("GET", "/v1/interviews/" + v["id"])[1]["state"]


def states_of(v):
    """The interview's events, in order, by state."""
    return sql("SELECT string_agg(data->>'state', ',' ORDER BY id) FROM events.outbox WHERE "
               "subject = 'interviews/%s'" % v["id"]).split(",")


# ---- reminders ----

@test
def reminders_fire_once_each_a_day_and_an_hour_before():
    day = monday()
    j, (v,) = invited()
    v = moved_to(v, at(day, 1, "10:00"))   # Tuesday 10:00
    tue = (day + datetime.timedelta(days=1)).strftime("%m-%d")
    assert timers_of(v) == ["1440@%s 10:00" % day.strftime("%m-%d"), "60@%s 09:00" % tue]
    assert timers_of(v, "scheduling.no_show") == ["no_show@%s 10:45" % tue]
    advance("2 hours")                      # Monday 10:00: a day before
    wait_for(lambda: reminders_sent(v) == [1440], what="the reminder a day before")
    assert state_of(v) == "reminded"
    data = json.loads(sql("SELECT data::text FROM events.outbox WHERE type = '%s' AND subject ="
                          " 'interviews/%s'" % (REMINDED, v["id"])))
    assert data == {"tenantId": ctx["tenant"], "companyId": v["companyId"], "jobId": j["id"],
                    "applicationId": v["applicationId"], "interviewId": v["id"],
                    "state": "reminded", "startTime": v["startTime"], "endTime": v["endTime"],
                    "sequence": 1, "reminderMinutes": 1440}, data
    advance("23 hours")                     # Tuesday 09:00: an hour before
    wait_for(lambda: reminders_sent(v) == [1440, 60], what="the reminder an hour before")
    assert state_of(v) == "reminded"
    assert timers_of(v, state="fired") == ["1440@%s 10:00" % day.strftime("%m-%d"),
                                           "60@%s 09:00" % tue]
    # rescheduled: the reminders still ahead of the new time are armed again
    r = moved_to(v, at(day, 3, "10:00"))    # Thursday 10:00
    assert timers_of(v) == ["1440@%s 10:00" % (day + datetime.timedelta(days=2)).strftime(
        "%m-%d"), "60@%s 09:00" % (day + datetime.timedelta(days=3)).strftime("%m-%d")]
    # cancelled: nothing of it is due any more
    status, c = call("POST", "/v1/interviews/%s:cancel" % r["id"], {})
    assert status == 200 and c["state"] == "cancelled", c
    assert timers_of(v) == [] and timers_of(v, "scheduling.no_show") == []
    advance("3 days")
    wait_for(lambda: sql("SELECT count(*) FROM timers.timer WHERE service = 'scheduling' AND "
                         "state = 'pending' AND run_time <= timers.now()") == "0",
             what="every due timer fired")
    assert reminders_sent(v) == [1440, 60]
    assert states_of(v) == ["scheduled", "rescheduled", "reminded", "reminded", "rescheduled",
                            "cancelled"]
    no_overbooking()


@test
def a_jobs_settings_are_its_own_or_the_defaults_and_bad_input_changes_nothing():
    j = job_of("SH")
    path = "/v1/jobs/%s/interview-settings" % j["id"]
    status, s = call("GET", path)
    assert status == 200, s
    names = ["reminderMinutes", "noShowGraceMinutes", "invitationExpiryHours", "rescheduleLimit",
             "callAttempts", "retryMinutes"]
    assert s["jobId"] == j["id"] and s["version"] == "0" and s["defaults"] == names, s
    e = s["effective"]
    assert (e["reminderMinutes"], e["noShowGraceMinutes"], e["invitationExpiryHours"],
            e["rescheduleLimit"], e["callAttempts"], e["retryMinutes"]) == (
        [1440, 60], 15, 168, 2, 3, 30), e
    status, s = call("PATCH", path, {"reminderMinutes": [120], "noShowGraceMinutes": 0,
                                     "callAttempts": 2})
    assert status == 200, s
    assert s["reminderMinutes"] == [120] and s["callAttempts"] == 2 and s["version"] == "1", s
    assert s.get("noShowGraceMinutes", 0) == 0 and "noShowGraceMinutes" not in s["defaults"], s
    assert s["effective"]["reminderMinutes"] == [120], s
    assert s["effective"].get("noShowGraceMinutes", 0) == 0, s
    assert s["effective"]["invitationExpiryHours"] == 168, s
    # no reminders at all, and one setting back to the default
    status, s = call("PATCH", path, {"reminderMinutes": [], "defaults": ["callAttempts"]})
    assert status == 200 and s["version"] == "2", s
    assert s.get("reminderMinutes", []) == [] and "reminderMinutes" not in s["defaults"], s
    assert s["effective"].get("reminderMinutes", []) == [], s
    assert "callAttempts" in s["defaults"] and s["effective"]["callAttempts"] == 3, s
    before = sql("SELECT s::text FROM scheduling.job_settings s WHERE job_id = '%s'" % j["id"])
    bad = [({"reminderMinutes": [0]}, "reminderMinutes[0]", "out_of_range"),
           ({"reminderMinutes": [60, 20161]}, "reminderMinutes[1]", "out_of_range"),
           ({"reminderMinutes": [60, 30, 60]}, "reminderMinutes[2]", "duplicate"),
           ({"reminderMinutes": [1, 2, 3, 4, 5, 6]}, "reminderMinutes", "too_many"),
           ({"noShowGraceMinutes": -1}, "noShowGraceMinutes", "out_of_range"),
           ({"noShowGraceMinutes": 1441}, "noShowGraceMinutes", "out_of_range"),
           ({"invitationExpiryHours": 0}, "invitationExpiryHours", "out_of_range"),
           ({"rescheduleLimit": 21}, "rescheduleLimit", "out_of_range"),
           ({"callAttempts": 0}, "callAttempts", "out_of_range"),
           ({"retryMinutes": 1441}, "retryMinutes", "out_of_range"),
           ({"defaults": ["lines"]}, "defaults[0]", "unknown_setting"),
           ({"retryMinutes": 10, "defaults": ["retryMinutes"]}, "defaults[0]", "conflict")]
    for body, field, code in bad:
        body = dict(body, callAttempts=body.get("callAttempts", 4))   # a good one beside
        status, p = call("PATCH", path, body)
        assert status == 422, (body, p)
        assert {"field": field, "code": code} in [
            {"field": x["field"], "code": x["code"]} for x in p["errors"]], (body, p)
    status, p = call("PATCH", path, {"version": "9"})
    assert status == 422 and p["errors"][0]["code"] == "not_updatable", p
    assert sql("SELECT s::text FROM scheduling.job_settings s WHERE job_id = '%s'"
               % j["id"]) == before
    # walls: another company's key, another tenant's, a made-up job: the same 404
    made_up = str(uuid.uuid4())
    for key in ("sz", "other"):
        for method, body in (("GET", None), ("PATCH", {"callAttempts": 5})):
            status, p = call(method, path, body, key=key)
            status2, p2 = call(method, "/v1/jobs/%s/interview-settings" % made_up, body, key=key)
            assert status == status2 == 404, (key, method, p)
            assert p["detail"].replace(j["id"], "ID") == p2["detail"].replace(made_up, "ID")
    assert call("GET", "/v1/jobs/not-a-job/interview-settings")[0] == 404
    # the company's own key reads and changes its job
    sz_job = job_of("SZ")
    assert call("PATCH", "/v1/jobs/%s/interview-settings" % sz_job["id"], {"callAttempts": 5},
                key="sz")[0] == 200
    assert sql("SELECT s::text FROM scheduling.job_settings s WHERE job_id = '%s'"
               % j["id"]) == before


@test
def a_change_of_a_jobs_reminders_moves_its_open_interviews_coming_reminders():
    day = monday()
    j, (v,) = invited(settings={"reminderMinutes": [120]})
    v = moved_to(v, at(day, 1, "10:00"))
    tue = (day + datetime.timedelta(days=1)).strftime("%m-%d")
    assert timers_of(v) == ["120@%s 08:00" % tue]
    status, s = call("PATCH", "/v1/jobs/%s/interview-settings" % j["id"],
                     {"reminderMinutes": [180, 30], "noShowGraceMinutes": 60})
    assert status == 200, s
    assert timers_of(v) == ["180@%s 07:00" % tue, "30@%s 09:30" % tue]
    assert timers_of(v, "scheduling.no_show") == ["no_show@%s 11:30" % tue]
    advance("23 hours")                     # Tuesday 07:00
    wait_for(lambda: reminders_sent(v) == [180], what="the reminder three hours before")
    # a reminder that already went is not sent again when the settings change
    assert call("PATCH", "/v1/jobs/%s/interview-settings" % j["id"],
                {"reminderMinutes": [180, 30, 60]})[0] == 200
    assert timers_of(v) == ["60@%s 09:00" % tue, "30@%s 09:30" % tue]
    advance("150 minutes")                  # Tuesday 09:30
    wait_for(lambda: reminders_sent(v) == [180, 60, 30], what="the last reminders")
    assert timers_of(v, state="fired") == ["180@%s 07:00" % tue, "60@%s 09:00" % tue,
                                           "30@%s 09:30" % tue]


# ---- no-show ----

@test
def a_missed_interview_becomes_a_no_show_after_the_grace_and_reaches_the_pipeline_once():
    day = monday()
    j, (v, w) = invited(rules=RULES + "when no_show then reject with template missed\n", n=2)
    v = moved_to(v, at(day, 0, "15:00"))
    w = moved_to(w, at(day, 0, "15:00"))
    # w's call is under way (the call engine's move): the check waits for it
    sql("UPDATE scheduling.interviews SET state = 'in_progress' WHERE id = '%s'" % w["id"])
    advance("7 hours 44 minutes")            # 15:44: within the grace of a slot ending 15:30
    wait_for(lambda: reminders_sent(v) == [60], what="the reminder an hour before")
    assert state_of(v) == "reminded"
    advance("1 minute")                      # 15:45
    wait_for(lambda: state_of(v) == "no_show", what="the no-show")
    a = wait_for(lambda: (lambda x: x if x["stage"] == "rejected" else None)(
        call("GET", "/v1/applications/" + v["applicationId"])[1]), what="the no-show rule")
    results = call("GET", "/v1/applications/%s/assessments" % a["id"])[1]["assessments"]
    assert [r["eventId"] for r in results if r["kind"] == "no_show"] == [
        "interview-no-show:" + v["id"]], results
    assert states_of(v) == ["scheduled", "rescheduled", "reminded", "no_show"]
    assert sql("SELECT reason FROM scheduling.interviews WHERE id = '%s'" % v["id"]) == "no_show"
    # the call under way is left to the call engine; its check looks again later
    wait_for(lambda: timers_of(w, "scheduling.no_show") == [
        "no_show@%s 16:00" % day.strftime("%m-%d")], what="the check set again")
    assert state_of(w) == "in_progress"
    advance("1 day")
    wait_for(lambda: sql("SELECT count(*) FROM timers.timer WHERE service = 'scheduling' AND "
                         "state = 'pending' AND run_time <= timers.now()") == "0",
             what="every due timer fired")
    assert state_of(w) == "in_progress" and state_of(v) == "no_show"
    assert sql("SELECT count(*) FROM events.outbox WHERE type = "
               "'hrflow.scheduling.interview.no_show.v1' AND subject = 'interviews/%s'"
               % v["id"]) == "1"
    assert sql("SELECT count(*) FROM events.outbox WHERE subject = 'applications/%s' AND type ="
               " 'hrflow.pipeline.application.template_requested.v1'" % a["id"]) == "1"


@test
def a_scheduled_or_rescheduled_interview_without_reminders_is_a_no_show_too():
    day = monday()
    j, (v, w) = invited(settings={"reminderMinutes": []}, n=2)   # Monday 09:00 and 09:30
    assert timers_of(v) == [] and v["state"] == "scheduled", v
    w = moved_to(w, at(day, 0, "11:00"))
    mon = day.strftime("%m-%d")
    assert timers_of(v, "scheduling.no_show") == ["no_show@%s 09:45" % mon]
    assert timers_of(w, "scheduling.no_show") == ["no_show@%s 11:45" % mon]
    advance("1 hour 45 minutes")
    wait_for(lambda: state_of(v) == "no_show", what="the scheduled one's no-show")
    assert state_of(w) == "rescheduled"
    advance("2 hours")
    wait_for(lambda: state_of(w) == "no_show", what="the rescheduled one's no-show")
    assert states_of(v) == ["scheduled", "no_show"]
    assert states_of(w) == ["scheduled", "rescheduled", "no_show"]
    no_overbooking()


# ---- expiry ----

@test
def an_invitation_that_finds_no_slot_expires_and_is_cancelled():
    day = monday()
    tk = ctx["companies"]["TK"]
    status, b = call("POST", "/v1/interview-closures", {
        "companyId": tk, "kind": "blackout", "startTime": at(day, 0, "00:00"),
        "endTime": at(day, 20, "00:00"), "name": "系统维护"}, key="admin")
    assert status == 201, b
    j, _ = invited("TK", settings={"invitationExpiryHours": 2}, n=0)
    status, a = call("POST", "/v1/applications", {"jobId": j["id"],
                                                  "candidateId": candidate()["id"]})
    call("POST", "/v1/applications/%s/assessments" % a["id"],
         {"kind": "screening", "score": 85, "eventId": "scr-x"})
    v = wait_for(lambda: (lambda p: p["interviews"][0] if p["interviews"] else None)(
        call("GET", "/v1/interviews?jobId=" + j["id"])[1]), what="the waiting interview")
    assert v["state"] == "waiting", v
    assert timers_of(v, "scheduling.expiry") == ["expiry@%s 10:00" % day.strftime("%m-%d")]
    advance("1 hour 59 minutes")
    assert state_of(v) == "waiting"
    # due while the interview is locked by another transaction (what the assigner's pass
    # every second does): the timer passes it without counting an attempt and looks again
    # in a second, so it fires once the lock goes, the clock still held at the due time
    hold = RowLock(v)
    advance("1 minute")
    wait_for(lambda: busy_looks("scheduling.expiry") >= 1, what="the expiry finding it busy")
    assert state_of(v) == "waiting"
    assert sql("SELECT attempts || coalesce(last_error, '-') FROM timers.timer WHERE key ="
               " 'interviews/%s/expiry'" % v["id"]) == "0-"
    hold.release()
    wait_for(lambda: state_of(v) == "cancelled", what="the expired invitation")
    got = call("GET", "/v1/interviews/" + v["id"])[1]
    assert got["reason"] == "invitation_expired", got
    ev = json.loads(sql("SELECT data::text FROM events.outbox WHERE subject = 'interviews/%s' "
                        "AND type = 'hrflow.scheduling.interview.cancelled.v1'" % v["id"]))
    assert ev["reason"] == "invitation_expired" and ev["state"] == "cancelled", ev
    assert states_of(v) == ["cancelled"]
    # the pipeline keeps the application where it was: a recruiter decides
    assert call("GET", "/v1/applications/" + a["id"])[1]["stage"] == "ai_interview"
    assert call("DELETE", "/v1/interview-closures/" + b["id"], key="admin")[0] == 200


class RowLock:
    """A psql session holding a key-share lock on the interview's row in an open
    transaction: the timer's lock (FOR UPDATE SKIP LOCKED) passes over it."""

    def __init__(self, v):
        self.p = subprocess.Popen(["psql", stack.dsn, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.p.stdin.write("BEGIN;\nSELECT 'held' FROM scheduling.interviews WHERE id = '%s' "
                           "FOR KEY SHARE;\n" % v["id"])
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "held"

    def release(self):
        self.p.stdin.write("COMMIT;\n")
        self.p.stdin.close()
        self.p.wait(30)


def busy_looks(kind):
    """hf_timers_busy_total of kind, summed over the running scheduling replicas."""
    n = 0
    for name in scheduling_replicas():
        url = "http://127.0.0.1:%d/metrics" % stack.metrics_ports[name]
        with urllib.request.urlopen(url, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith('hf_timers_busy_total{kind="%s"} ' % kind):
                    n += int(float(line.split()[-1]))
    return n


# ---- replicas ----

def scheduling_replicas():
    return [n for n in stack.procs if n.startswith("scheduling")]


def stop_scheduling():
    for name in scheduling_replicas():
        stack.procs[name].terminate()
        stack.procs[name].wait()
        del stack.procs[name]


@test
def a_reminder_due_while_scheduling_was_down_fires_at_the_next_start():
    day = monday()
    j, (v,) = invited()
    v = moved_to(v, at(day, 1, "10:00"))
    stop_scheduling()
    advance("2 hours")                      # a day before, nobody running
    assert reminders_sent(v) == []
    stack.start("scheduling")
    stack.wait_ready()
    wait_for(lambda: reminders_sent(v) == [1440], what="the reminder after the start")
    assert state_of(v) == "reminded"


class Holder:
    """A psql session holding the tenant's slots lock (what a long slot sweep holds) in an
    open transaction: a replica moving an interview waits for it inside its batch of due
    timers, holding them (a long effect)."""

    def __init__(self):
        self.p = subprocess.Popen(["psql", stack.dsn, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.send("BEGIN; SELECT pg_backend_pid(); SELECT pg_advisory_xact_lock(hashtextextended("
                  "'scheduling.slots:' || '%s', 0)), 1;" % ctx["tenant"])
        self.pid = self.p.stdout.readline().strip()
        assert self.p.stdout.readline().strip().endswith("1")

    def send(self, text):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()

    def release(self):
        self.send("COMMIT;")
        self.p.stdin.close()
        self.p.wait()


def waiting_on(pid):
    """How many moves wait for the lock session pid holds (not the slot sweep, which waits
    for it too)."""
    return int(sql("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY (pg_blocking_pids(pid))"
                   " AND query LIKE '%%advisory_xact_lock_shared%%'" % pid))


def reminded(j, minutes):
    """'<events>|<interviews>' of the job's reminders of `minutes` written so far."""
    return sql("SELECT count(*) || '|' || count(DISTINCT subject) FROM events.outbox WHERE type ="
               " '%s' AND data->>'jobId' = '%s' AND data->>'reminderMinutes' = '%d'"
               % (REMINDED, j["id"], minutes))


@test
def a_replica_killed_while_holding_due_timers_loses_no_reminder_and_sends_none_twice():
    day = monday()
    stop_scheduling()
    stack.start("scheduling")
    stack.wait_ready()
    j, got = invited(settings={"noShowGraceMinutes": 1440}, n=300)
    # every interview on Tuesday, their reminders a day before all due at once
    slots = ["%02d:%02d" % (9 + i // 2, 30 * (i % 2)) for i in range(6)]
    for i, v in enumerate(got):
        got[i] = moved_to(v, at(day, 1, slots[i % 6]))
    held = Holder()
    advance("4 hours")                      # Monday 12:00: every reminder a day before is due
    # the replica claims a batch and waits inside its first move, holding the batch
    wait_for(lambda: waiting_on(held.pid) == 1, what="a replica inside a long effect")
    stack.start("scheduling", name="scheduling2")
    stack.wait_ready()
    # the second claims another batch (the first's are locked) and waits the same way
    wait_for(lambda: waiting_on(held.pid) == 2, what="two replicas inside long effects")
    assert reminded(j, 1440) == "0|0"
    stack.procs["scheduling"].kill()        # SIGKILL, holding its batch
    stack.procs["scheduling"].wait()
    del stack.procs["scheduling"]
    held.release()
    # its transaction dies with it; the other replica fires its own batch, then the rest
    rows = wait_for(lambda: (lambda r: r if r.startswith("300|") else None)(reminded(j, 1440)),
                    timeout=120, what="every reminder")
    assert rows == "300|300", rows
    # many due at once, a replica killed while it fires them
    stack.start("scheduling")
    stack.wait_ready()
    advance("23 hours")                     # Tuesday 11:00: the hour-before reminders of all
    wait_for(lambda: reminded(j, 60) != "0|0", what="the first reminders")
    stack.procs["scheduling2"].kill()
    stack.procs["scheduling2"].wait()
    del stack.procs["scheduling2"]
    rows = wait_for(lambda: (lambda r: r if r.startswith("300|") else None)(reminded(j, 60)),
                    timeout=120, what="every reminder an hour before")
    assert rows == "300|300", rows
    assert sql("SELECT count(*) FROM scheduling.interviews WHERE job_id = '%s' AND state = "
               "'reminded'" % j["id"]) == "300"
    assert sql("SELECT count(*) FROM timers.timer t JOIN scheduling.interviews i ON t.key LIKE "
               "'interviews/' || i.id || '/%%' WHERE i.job_id = '%s' AND t.kind = "
               "'scheduling.reminder' AND t.state <> 'fired'" % j["id"]) == "0"


# ---- metrics ----

@test
def operators_see_how_late_timers_fire():
    url = "http://127.0.0.1:%d/metrics" % stack.metrics_ports["scheduling"]
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    # the replica started last fired reminders of the test before; every runner says its queue
    assert 'hf_timers_due{service="scheduling"}' in text, text
    assert 'hf_timers_lag_seconds{service="scheduling"}' in text, text
    assert 'hf_timers_fire_lag_seconds_count{kind="scheduling.reminder"}' in text, text


if __name__ == "__main__":
    run(setup, teardown)
