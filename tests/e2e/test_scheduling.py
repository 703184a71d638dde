"""tests/e2e/test_scheduling.py - AI-interview lines, slots and interviews through the gateway.

Line settings and their checks, slots that skip holidays and blackouts,
invitations from the pipeline's real rules placed in spread slots within
the window with the time on the candidate's status page, a thousand at once,
invitations that wait for room and are placed when it grows, exactly once
across a killed replica, the last seats raced for across two replicas
without ever overbooking (checked in SQL), the lifecycle's moves and their
events, and the company walls.

The clock (scheduling.now(), the timers' clock) is held at Monday
2027-03-01 08:00 in Shanghai (scheduling_e2e.py), so which slots an
invitation gets is known without waiting for a real Monday.
"""
import concurrent.futures
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import (GROUP, INVITED, RULES, answer, call, candidate, ctx,  # noqa: E402
                            hours, imported, interviews_of, invite_all, job_of, local, metric,
                            no_overbooking, placed, raced, sql, stack, teardown,
                            without)
from scheduling_e2e import setup as setup_stack  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402


def setup():
    setup_stack("scheduling", {"HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1"})


# ---- settings ----

@test
def the_group_sets_its_lines_and_bad_input_changes_nothing():
    status, s = call("GET", "/v1/interview-lines")
    assert status == 200, s
    assert (s["lines"], s["slotMinutes"], s["timeZone"], s["windowDays"], s["version"]) == (
        0, 30, "Asia/Shanghai", 3, "0"), s
    assert s["workingHours"][:2] == [{"weekday": 1, "start": "09:00", "end": "12:00"},
                                     {"weekday": 1, "start": "13:30", "end": "18:00"}], s
    bad = [({"lines": 0}, "lines", "out_of_range"), ({"lines": -3}, "lines", "out_of_range"),
           ({"slotMinutes": 0}, "slotMinutes", "out_of_range"),
           ({"slotMinutes": -30}, "slotMinutes", "out_of_range"),
           ({"timeZone": "Mars/Olympus"}, "timeZone", "unknown_time_zone"),
           ({"timeZone": ""}, "timeZone", "required"),
           ({"windowDays": 0}, "windowDays", "out_of_range"),
           ({"windowDays": 15}, "windowDays", "out_of_range"),
           ({"workingHours": []}, "workingHours", "required"),
           ({"workingHours": hours(("09:00", "12:00"), ("11:00", "13:00"), days=(1,))},
            "workingHours[1]", "invalid"),
           ({"workingHours": [{"weekday": 1, "start": "25:00", "end": "26:00"}]},
            "workingHours[0].start", "bad_format"),
           ({"workingHours": [{"weekday": 8, "start": "09:00", "end": "10:00"}]},
            "workingHours[0]", "invalid")]
    for body, field, code in bad:
        status, p = call("PATCH", "/v1/interview-lines", body, key="admin")
        assert status == 422, (body, p)
        assert {"field": field, "code": code} in [
            {"field": e["field"], "code": e["code"]} for e in p["errors"]], (body, p)
    assert call("GET", "/v1/interview-lines")[1]["version"] == "0"
    assert sql("SELECT count(*) FROM scheduling.settings") == "0"
    assert sql("SELECT count(*) FROM scheduling.slots") == "0"
    # only an admin acting for the whole group changes the group's lines
    assert call("PATCH", "/v1/interview-lines", {"lines": 2}, key="recruiter")[0] == 403
    assert call("PATCH", "/v1/interview-lines", {"lines": 2}, key="sz_admin")[0] == 403
    status, s = call("PATCH", "/v1/interview-lines", {"lines": 2, "windowDays": 3}, key="admin")
    assert status == 200 and s["lines"] == 2 and s["timeZone"] == "Asia/Shanghai", s
    # Monday to Friday, 15 slots of 30 minutes a day, from now for the horizon
    firsts = sql("SELECT string_agg(to_char(start_time AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'), "
                 "',' ORDER BY start_time) FROM scheduling.slots WHERE start_time < "
                 "'2027-03-02T00:00:00+08:00'")
    assert firsts.split(",")[:7] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
                                     "13:30"] and len(firsts.split(",")) == 15, firsts


@test
def a_company_shares_the_group_lines_or_has_lines_of_its_own():
    sz = ctx["companies"]["SZ"]
    for body, field in (({"slotMinutes": 45}, "slotMinutes"), ({"timeZone": "Asia/Tokyo"},
                                                                "timeZone")):
        status, p = call("PATCH", "/v1/companies/%s/interview-lines" % sz, body, key="admin")
        assert status == 422 and p["errors"][0]["field"] == field, p
        assert p["errors"][0]["code"] == "needs_own_lines", p
    status, s = call("GET", "/v1/companies/%s/interview-lines" % sz)
    assert status == 200 and s["companyId"] == sz and s["lines"] == 0, s
    assert s["effective"]["lines"] == 2 and s["effective"]["timeZone"] == "Asia/Shanghai", s
    # Tokyo's own lines, in its own zone: 09:00 in Tokyo is 08:00 in Shanghai
    tk = ctx["companies"]["TK"]
    status, s = call("PATCH", "/v1/companies/%s/interview-lines" % tk, {
        "lines": 4, "timeZone": "Asia/Tokyo", "slotMinutes": 60,
        "workingHours": hours(("09:00", "12:00"))}, key="admin")
    assert status == 200, s
    assert s["effective"]["lines"] == 4 and s["effective"]["timeZone"] == "Asia/Tokyo", s
    status, slots = call("GET", "/v1/interview-slots?companyId=%s&fromDay=2027-03-01&days=1" % tk)
    assert status == 200 and slots["timeZone"] == "Asia/Tokyo", slots
    assert [x["startTime"] for x in slots["slots"]] == [
        "2027-03-01T00:00:00Z", "2027-03-01T01:00:00Z", "2027-03-01T02:00:00Z"], slots
    assert slots["days"] == [{"day": "2027-03-01", "slots": 3, "capacity": 12, "booked": 0,
                              "free": 12}], slots
    # a made-up company, another tenant's or a company-bound key's other company: 404
    for key, company in (("admin", str(uuid.uuid4())), ("other", tk), ("sz", tk)):
        status, p = call("GET", "/v1/companies/%s/interview-lines" % company, key=key)
        assert status == 404, (key, p)
    status, p = call("PATCH", "/v1/companies/%s/interview-lines" % tk, {"lines": 9},
                     key="sz_admin")
    assert status == 404, p


@test
def slots_skip_holidays_and_blackouts_and_reopen():
    sh = ctx["companies"]["SH"]

    def starts(day):
        status, s = call("GET", "/v1/interview-slots?companyId=%s&fromDay=%s&days=1" % (sh, day))
        assert status == 200, s
        return [local(x["startTime"])[11:] for x in s["slots"]]

    assert len(starts("2027-03-09")) == 15 and len(starts("2027-03-10")) == 15
    status, holiday = call("POST", "/v1/interview-closures", {
        "kind": "holiday", "day": "2027-03-10", "name": "公司活动日"}, key="admin")
    assert status == 201 and holiday["companyId"] == "", holiday
    status, blackout = call("POST", "/v1/interview-closures", {
        "companyId": sh, "kind": "blackout", "startTime": "2027-03-09T14:00:00+08:00",
        "endTime": "2027-03-09T15:00:00+08:00", "name": "系统维护"}, key="admin")
    assert status == 201, blackout
    assert starts("2027-03-10") == []
    assert "14:00" not in starts("2027-03-09") and "14:30" not in starts("2027-03-09")
    assert len(starts("2027-03-09")) == 13
    # SZ shares the group's lines but not SH's blackout
    status, s = call("GET", "/v1/interview-slots?companyId=%s&fromDay=2027-03-09&days=1"
                     % ctx["companies"]["SZ"])
    assert len(s["slots"]) == 15, s
    # bad closures: 422 with the field, nothing stored
    before = sql("SELECT count(*) FROM scheduling.closures")
    for body, field in (({"kind": "vacation", "day": "2027-03-11"}, "kind"),
                        ({"kind": "holiday"}, "day"),
                        ({"kind": "blackout", "startTime": "2027-03-09T15:00:00Z",
                          "endTime": "2027-03-09T14:00:00Z"}, "endTime"),
                        ({"kind": "blackout", "startTime": "2027-03-09T15:00:00Z"}, "endTime"),
                        ({"kind": "holiday", "day": "2027-03-11", "companyId": str(uuid.uuid4())},
                         "companyId")):
        status, p = call("POST", "/v1/interview-closures", body, key="admin")
        assert status == 422 and p["errors"][0]["field"] == field, (body, p)
    status, p = call("POST", "/v1/interview-closures", {
        "kind": "holiday", "day": "2027-03-11", "companyId": sh}, key="sz_admin")
    assert status == 422 and p["errors"][0]["field"] == "companyId", p
    assert call("POST", "/v1/interview-closures", {"kind": "holiday", "day": "2027-03-11"},
                key="sz_admin")[0] == 403
    assert sql("SELECT count(*) FROM scheduling.closures") == before
    # the SZ key sees the group's closure, not SH's
    listed = [c["id"] for c in call("GET", "/v1/interview-closures", key="sz")[1]["closures"]]
    assert holiday["id"] in listed and blackout["id"] not in listed, listed
    assert call("DELETE", "/v1/interview-closures/" + blackout["id"], key="sz_admin")[0] == 404
    status, gone = call("DELETE", "/v1/interview-closures/" + blackout["id"], key="admin")
    assert status == 200 and gone["id"] == blackout["id"], gone
    assert len(starts("2027-03-09")) == 15 and starts("2027-03-10") == []
    # bad ranges of days
    for q, field in (("fromDay=2027-02-30", "fromDay"), ("days=40", "days")):
        status, p = call("GET", "/v1/interview-slots?companyId=%s&%s" % (sh, q))
        assert status == 422 and p["errors"][0]["field"] == field, p
    assert call("GET", "/v1/interview-slots")[0] == 422


# ---- from invitation to slot ----

@test
def invitations_from_the_rules_get_spread_slots_and_the_status_page_shows_them():
    j = job_of("SH", rules=RULES)
    apps, phones = [], []
    for i in range(12):
        c = candidate()
        phones.append(c["phone"])
        status, a = call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": c["id"]})
        assert status == 201, a
        status, r = call("POST", "/v1/applications/%s/assessments" % a["id"],
                         {"kind": "screening", "score": 85, "eventId": "scr-%d" % i})
        assert status == 200 and r["application"]["stage"] == "ai_interview", r
        apps.append(a)
    data = json.loads(sql("SELECT data::text FROM events.outbox WHERE type = '%s' AND subject = "
                          "'applications/%s'" % (INVITED, apps[0]["id"])))
    assert data["companyId"] == ctx["companies"]["SH"] and data["jobId"] == j["id"], data
    got = placed(j["id"], 12)
    # today's earliest slots, one candidate per slot before any slot takes a second
    want = ["2027-03-01 " + t for t in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
                                        "13:30", "14:00", "14:30", "15:00", "15:30", "16:00")]
    assert sorted(local(v["startTime"]) for v in got) == want, got
    by_app = {v["applicationId"]: v for v in got}
    assert set(by_app) == {a["id"] for a in apps}
    # the first invited has the earliest slot
    assert local(by_app[apps[0]["id"]]["startTime"]) == want[0], by_app[apps[0]["id"]]
    v = by_app[apps[0]["id"]]
    assert v["companyId"] == ctx["companies"]["SH"] and v["jobId"] == j["id"], v
    assert v["sequence"] == 0 and v["state"] == "scheduled", v
    # one event each, of ids and times only
    rows = sql("SELECT count(*), count(DISTINCT subject), string_agg(data::text, ' ') FROM "
               "events.outbox WHERE type = 'hrflow.scheduling.interview.scheduled.v1' AND "
               "data->>'jobId' = '%s'" % j["id"]).split("|")
    assert rows[:2] == ["12", "12"], rows
    assert "王五" not in rows[2] and "statusToken" not in rows[2], rows
    assert not [ph for ph in phones if ph[-8:] in rows[2]], rows
    ev = json.loads(sql("SELECT data::text FROM events.outbox WHERE subject = 'interviews/%s'"
                        % v["id"]))
    assert ev == {"tenantId": ctx["tenant"], "companyId": v["companyId"],
                  "applicationId": apps[0]["id"], "interviewId": v["id"], "jobId": j["id"],
                  "state": "scheduled", "startTime": v["startTime"], "endTime": v["endTime"],
                  "sequence": 0}, ev
    # the candidate's page shows the time
    token = call("GET", "/v1/applications/" + apps[0]["id"])[1]["statusToken"]

    def page():
        status, _, body = stack.request("GET", "/v1/candidate-status/" + token, None, {})
        return json.loads(body)
    st = wait_for(lambda: (lambda p: p if p.get("interviewTime") else None)(page()),
                  what="the interview time on the status page")
    assert st["interviewTime"] == v["startTime"], st
    ctx["sh_job"], ctx["sh_interviews"], ctx["sh_token"] = j, by_app, token
    ctx["sh_apps"] = apps
    no_overbooking()


@test
def a_thousand_invitations_at_once_fill_the_earliest_day_evenly():
    bj = ctx["companies"]["BJ"]
    assert call("PATCH", "/v1/companies/%s/interview-lines" % bj, {"lines": 50},
                key="admin")[0] == 200
    j = imported("BJ", 1000)
    invite_all(j["id"])
    got = placed(j["id"], 1000, timeout=120)
    per_slot = {}
    for v in got:
        per_slot[local(v["startTime"])] = per_slot.get(local(v["startTime"]), 0) + 1
    monday = [n for t, n in per_slot.items() if t.startswith("2027-03-01")]
    tuesday = [n for t, n in per_slot.items() if t.startswith("2027-03-02")]
    assert monday == [50] * 15, per_slot            # 750 fill Monday's seats
    assert sum(tuesday) == 250 and len(tuesday) == 15, per_slot
    assert max(tuesday) - min(tuesday) <= 1, per_slot   # spread over Tuesday's slots
    assert len(per_slot) == 30
    no_overbooking()


@test
def invitations_without_room_wait_and_are_placed_when_capacity_grows():
    cd = ctx["companies"]["CD"]
    # one line, Monday mornings 09:00-10:00 only, a window of one working day: 4 seats
    status, s = call("PATCH", "/v1/companies/%s/interview-lines" % cd, {
        "lines": 1, "windowDays": 1, "workingHours": hours(("09:00", "10:00"), days=(1,))},
        key="admin")
    assert status == 200, s
    j = imported("CD", 6)
    invite_all(j["id"])
    placed(j["id"], 4)
    waiting = wait_for(lambda: (lambda l: l if len(l) == 2 else None)(
        interviews_of(j["id"], "waiting")), what="two waiting")
    assert all(v.get("startTime") is None for v in waiting), waiting
    times = sorted(local(v["startTime"]) for v in interviews_of(j["id"], "scheduled"))
    assert times == ["2027-03-01 09:00", "2027-03-01 09:30", "2027-03-08 09:00",
                     "2027-03-08 09:30"], times
    wait_for(lambda: (metric("hf_scheduling_invitations_waiting") or 0) >= 2,
             what="the waiting gauge")
    # two more lines: the waiting ones are placed by the change itself
    status, s = call("PATCH", "/v1/companies/%s/interview-lines" % cd, {"lines": 2}, key="admin")
    assert status == 200, s
    assert interviews_of(j["id"], "waiting") == []
    times = sorted(local(v["startTime"]) for v in interviews_of(j["id"], "scheduled"))
    assert times[:2] == ["2027-03-01 09:00", "2027-03-01 09:00"], times
    assert metric("hf_scheduling_interviews_placed_total") >= 6
    no_overbooking()
    # fewer lines than booked: every booking stays, nobody new gets in
    status, s = call("PATCH", "/v1/companies/%s/interview-lines" % cd, {"lines": 1}, key="admin")
    assert status == 200, s
    assert len(interviews_of(j["id"], "scheduled")) == 6
    cap = sql("SELECT string_agg(capacity || '/' || booked, ',' ORDER BY start_time) FROM "
              "scheduling.slots WHERE pool_id = '%s' AND start_time < '2027-03-02T00:00:00Z'"
              % cd)
    assert cap == "2/2,2/2", cap
    assert sql("SELECT string_agg(capacity || '/' || booked, ',' ORDER BY start_time) FROM "
               "scheduling.slots WHERE pool_id = '%s' AND start_time >= '2027-03-08T00:00:00Z'"
               " AND start_time < '2027-03-09T00:00:00Z'" % cd) == "1/1,1/1"
    no_overbooking()


@test
def each_invitation_is_placed_once_across_a_killed_replica():
    wh = ctx["companies"]["WH"]
    assert call("PATCH", "/v1/companies/%s/interview-lines" % wh, {"lines": 100},
                key="admin")[0] == 200
    j = imported("WH", 800)
    stack.start("scheduling", name="scheduling2")
    stack.wait_ready()
    invite_all(j["id"])
    # kill the first replica while the batches go
    wait_for(lambda: int(sql("SELECT count(*) FROM scheduling.interviews WHERE job_id = '%s'"
                             % j["id"])) > 0, what="the first batch")
    stack.procs["scheduling"].kill()
    stack.procs["scheduling"].wait()
    del stack.procs["scheduling"]
    got = placed(j["id"], 800, timeout=120)
    assert len({v["applicationId"] for v in got}) == 800
    rows = sql("SELECT count(*), count(DISTINCT subject) FROM events.outbox WHERE type = "
               "'hrflow.scheduling.interview.scheduled.v1' AND data->>'jobId' = '%s'" % j["id"])
    assert rows == "800|800", rows
    assert sql("SELECT count(*) FROM scheduling.interviews WHERE job_id = '%s'" % j["id"]) == "800"
    no_overbooking()
    stack.start("scheduling")
    stack.wait_ready()


@test
def the_last_seats_are_never_overbooked_across_two_replicas():
    xa = ctx["companies"]["XA"]
    assert call("PATCH", "/v1/companies/%s/interview-lines" % xa, {"lines": 2},
                key="admin")[0] == 200
    j = imported("XA", 40)
    invite_all(j["id"])
    got = placed(j["id"], 40)
    target = "2027-03-03T09:00:00+08:00"   # Wednesday 09:00: its 2 seats are free
    status, s = call("GET", "/v1/interview-slots?companyId=%s&fromDay=2027-03-03&days=1" % xa)
    assert s["slots"][0]["free"] == 2, s
    assert "scheduling" in stack.procs and "scheduling2" in stack.procs

    def book(v):
        return call("POST", "/v1/interviews/%s:reschedule" % v["id"], {"startTime": target})
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(book, got))
    raced(results, 2, xa, target)
    # the losers keep their slots, untouched
    assert sql("SELECT count(*) FROM scheduling.interviews WHERE job_id = '%s' AND sequence = 0 "
               "AND state = 'scheduled'" % j["id"]) == "38"


# ---- lifecycle ----

@test
def reschedule_and_cancel_move_the_seat_with_their_events():
    apps, by_app = ctx["sh_apps"], ctx["sh_interviews"]
    v = by_app[apps[1]["id"]]
    path = "/v1/interviews/" + v["id"]
    # bad times: 422 at startTime with why, nothing changed
    for when, why in (("2027-02-26T10:00:00+08:00", "in_the_past"),
                      ("2027-03-01T20:00:00+08:00", "outside_working_hours"),
                      ("2027-03-06T10:00:00+08:00", "outside_working_hours"),
                      ("2027-03-10T10:00:00+08:00", "closed"),
                      ("2027-03-02T09:10:00+08:00", "not_a_slot"),
                      (v["startTime"], "unchanged")):
        status, p = call("POST", path + ":reschedule", {"startTime": when})
        assert status == 422, (when, p)
        assert p["errors"] == [{"field": "startTime", "code": why,
                                "message": p["errors"][0]["message"]}], (when, p)
    assert call("GET", path)[1]["version"] == v["version"]
    # to the next free slot: Monday's first slot with a seat left, not its own
    status, r = call("POST", path + ":reschedule", {"reason": "候选人要求改期"})
    assert status == 200, r
    assert r["state"] == "rescheduled" and r["sequence"] == 1 and r["reason"] == "候选人要求改期"
    assert local(r["startTime"]) == "2027-03-01 09:00", r
    # to a given slot, guarded by the version
    status, p = call("POST", path + ":reschedule", {"startTime": "2027-03-02T10:00:00+08:00",
                                                    "expectedVersion": v["version"]})
    assert status == 409, p
    status, r = call("POST", path + ":reschedule", {"startTime": "2027-03-02T10:00:00+08:00",
                                                    "expectedVersion": r["version"]})
    assert status == 200 and r["sequence"] == 2 and local(r["startTime"]) == "2027-03-02 10:00"
    no_overbooking()
    wait_for(lambda: (lambda p: p.get("interviewTime") == r["startTime"])(json.loads(
        stack.request("GET", "/v1/candidate-status/" + call(
            "GET", "/v1/applications/" + apps[1]["id"])[1]["statusToken"], None, {})[2])),
        what="the new time on the status page")
    # cancelled: the seat is free again, the page shows no time
    booked = sql("SELECT booked FROM scheduling.slots WHERE start_time = '%s' AND pool_id = '%s'"
                 % (r["startTime"], GROUP))
    status, c = call("POST", path + ":cancel", {"reason": "岗位已招满"})
    assert status == 200 and c["state"] == "cancelled" and c["startTime"] == r["startTime"], c
    assert sql("SELECT booked FROM scheduling.slots WHERE start_time = '%s' AND pool_id = '%s'"
               % (r["startTime"], GROUP)) == str(int(booked) - 1)
    no_overbooking()
    types = sql("SELECT string_agg(type, ',' ORDER BY id) FROM events.outbox WHERE subject = "
                "'interviews/%s'" % v["id"])
    assert types == ",".join("hrflow.scheduling.interview.%s.v1" % s for s in (
        "scheduled", "rescheduled", "rescheduled", "cancelled")), types
    token = call("GET", "/v1/applications/" + apps[1]["id"])[1]["statusToken"]
    wait_for(lambda: json.loads(stack.request("GET", "/v1/candidate-status/" + token, None,
                                              {})[2]).get("interviewTime") is None,
        what="the time gone from the status page")
    # what is over moves no more: 409 with the reason
    status, p = call("POST", path + ":cancel", {})
    assert status == 409 and p["detail"] == "the interview is already cancelled", p
    status, p = call("POST", path + ":reschedule", {})
    assert status == 409 and p["detail"] == "a cancelled interview cannot be rescheduled", p


@test
def a_completed_interview_cannot_be_rescheduled():
    v = ctx["sh_interviews"][ctx["sh_apps"][2]["id"]]
    # the call engine (not built yet) would complete it through the same move
    sql("UPDATE scheduling.interviews SET state = 'completed' WHERE id = '%s'" % v["id"])
    before = sql("SELECT version || state || start_time FROM scheduling.interviews WHERE id = '%s'"
                 % v["id"])
    for verb, why in ((":reschedule", "a completed interview cannot be rescheduled"),
                      (":cancel", "a completed interview cannot be cancelled")):
        status, p = call("POST", "/v1/interviews/%s%s" % (v["id"], verb),
                         {"startTime": "2027-03-04T09:00:00+08:00"} if verb == ":reschedule"
                         else {})
        assert status == 409 and p["detail"] == why, p
    assert sql("SELECT version || state || start_time FROM scheduling.interviews WHERE id = '%s'"
               % v["id"]) == before


@test
def interviews_list_by_job_application_state_and_time_in_sealed_pages():
    j = ctx["sh_job"]
    seen, token = [], ""
    while True:
        status, page = call("GET", "/v1/interviews?jobId=%s&pageSize=5%s" % (
            j["id"], "&pageToken=" + token if token else ""))
        assert status == 200 and len(page["interviews"]) <= 5, page
        seen += [v["id"] for v in page["interviews"]]
        token = page["nextPageToken"]
        assert j["id"] not in token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 12, seen
    a = ctx["sh_apps"][3]
    status, page = call("GET", "/v1/interviews?applicationId=" + a["id"])
    assert [v["applicationId"] for v in page["interviews"]] == [a["id"]], page
    status, page = call("GET", "/v1/interviews?jobId=%s&startFrom=2027-03-01T05:00:00Z"
                        "&startTo=2027-03-01T07:00:00Z&state=scheduled" % j["id"])
    assert status == 200 and page["interviews"], page
    assert all("2027-03-01T05:00:00Z" <= v["startTime"] < "2027-03-01T07:00:00Z"
               for v in page["interviews"]), page
    for q, field in (("state=done", "state"), ("startFrom=yesterday", "startFrom"),
                     ("startTo=2027-03-01", "startTo")):
        status, p = call("GET", "/v1/interviews?" + q)
        assert status == 422 and p["errors"][0]["field"] == field, p
    assert call("GET", "/v1/interviews?pageToken=abc")[0] == 400


@test
def a_missed_interview_is_the_applications_no_show_result_once():
    """The no-show check comes later; it moves an interview to no_show through the same
    move (store_interview_move), whose event this writes as it would."""
    j = job_of("SH", rules=RULES + "when no_show then reject with template missed\n")
    status, a = call("POST", "/v1/applications", {"jobId": j["id"],
                                                  "candidateId": candidate()["id"]})
    assert status == 201, a
    call("POST", "/v1/applications/%s/assessments" % a["id"],
         {"kind": "screening", "score": 90, "eventId": "scr-ns"})
    v = placed(j["id"], 1)[0]
    row = "SELECT * FROM scheduling.interviews WHERE id = '%s'" % v["id"]
    for _ in range(2):   # delivered twice: acted on once
        sql("WITH i AS (UPDATE scheduling.interviews SET state = 'no_show' WHERE id = '%s' "
            "RETURNING *) INSERT INTO events.outbox (tenant_id, source, type, subject, data) "
            "SELECT tenant_id::text, '/hrflow/scheduling', 'hrflow.scheduling.interview.no_show"
            ".v1', 'interviews/' || id, jsonb_build_object('tenantId', tenant_id, 'companyId', "
            "company_id, 'applicationId', application_id, 'interviewId', id, 'state', state) "
            "FROM i" % v["id"])
    assert sql(row.replace("*", "state")) == "no_show"
    got = wait_for(lambda: (lambda x: x if x["stage"] == "rejected" else None)(
        call("GET", "/v1/applications/" + a["id"])[1]), what="the no-show rule")
    assert got["history"][-1]["actor"].startswith("rule:"), got
    results = call("GET", "/v1/applications/%s/assessments" % a["id"])[1]["assessments"]
    assert [r["eventId"] for r in results if r["kind"] == "no_show"] == [
        "interview-no-show:" + v["id"]], results
    assert sql("SELECT count(*) FROM events.outbox WHERE subject = 'applications/%s' AND type ="
               " 'hrflow.pipeline.application.template_requested.v1'" % a["id"]) == "1"
    token = call("GET", "/v1/applications/" + a["id"])[1]["statusToken"]
    assert json.loads(stack.request("GET", "/v1/candidate-status/" + token, None,
                                    {})[2]).get("interviewTime") is None


# ---- walls ----

@test
def a_key_bound_to_another_company_neither_sees_nor_moves_an_interview():
    v = ctx["sh_interviews"][ctx["sh_apps"][4]["id"]]
    made_up = str(uuid.uuid4())
    before = sql("SELECT version || state FROM scheduling.interviews WHERE id = '%s'" % v["id"])
    for key in ("sz", "other"):
        for method, suffix, body in (("GET", "", None), ("POST", ":cancel", {}),
                                     ("POST", ":reschedule", {})):
            status, hidden = answer(method, "/v1/interviews/%s%s" % (v["id"], suffix), body, key)
            status2, none = answer(method, "/v1/interviews/%s%s" % (made_up, suffix), body, key)
            assert status == status2 == 404, (key, suffix, hidden)
            assert without(hidden, v["id"]) == without(none, made_up), (hidden, none)
        status, page = call("GET", "/v1/interviews", key=key)
        assert status == 200 and v["id"] not in json.dumps(page), page
        status, p = call("GET", "/v1/interviews?jobId=" + ctx["sh_job"]["id"], key=key)
        assert status == 404, p
    assert sql("SELECT version || state FROM scheduling.interviews WHERE id = '%s'"
               % v["id"]) == before
    # an interview event naming another company's application shows nowhere
    a = ctx["sh_apps"][5]
    forged = ctx["sh_interviews"][a["id"]]
    sql("INSERT INTO events.outbox (tenant_id, source, type, subject, data) VALUES ('%s', "
        "'/hrflow/scheduling', 'hrflow.scheduling.interview.rescheduled.v1', 'interviews/%s', "
        "'{\"tenantId\": \"%s\", \"companyId\": \"%s\", \"applicationId\": \"%s\", "
        "\"interviewId\": \"%s\", \"startTime\": \"2027-03-05T01:00:00Z\"}')"
        % (ctx["tenant"], forged["id"], ctx["tenant"], ctx["companies"]["SZ"], a["id"],
           forged["id"]))
    wait_for(lambda: sql("SELECT last_id >= (SELECT max(id) FROM events.outbox) FROM "
                         "events.consumer_cursor WHERE name = 'pipeline.scheduling'") == "t",
             what="the pipeline past the forged event")
    token = call("GET", "/v1/applications/" + a["id"])[1]["statusToken"]
    page = json.loads(stack.request("GET", "/v1/candidate-status/" + token, None, {})[2])
    assert page["interviewTime"] == forged["startTime"], page


if __name__ == "__main__":
    run(setup, teardown)
