"""tests/e2e/test_reactions.py - the letters events send, through the gateway on a real stack.

notify's consumer (cursor notify.reactions) turns scheduling's and the
pipeline's events into letters, sent to real receivers (receivers.py: an
SMTP server with STARTTLS, an HTTP SMS receiver) and, with notify
restarted on a Maildir, into files. The one clock is held (timers.freeze)
and moved so the reminder a day before fires; the tests wait for effects,
never sleep.

Cases: the seed's three automatic letters with the default templates and no
configuration (screening >= 70: the invitation email with its calendar file
and the SMS; the SMS reminder a day before naming tomorrow's time; an AI
score < 60: the thank-you letter in the SMTP server, then in the Maildir);
a reschedule's and a cancellation's letters; a tenant's own template used
instead of the default; a reaction turned off sends nothing; a person's
rejection sends the thank-you letter only when the tenant asks for it; an
opted-out candidate still gets transactional letters, a marketing template
not; a redelivered event (the cursor moved back) sends nothing twice;
notify down while events happen sends when it is back; the settings' routes
(defaults, bad input at its field, the company wall, other tenants).
"""
import datetime
import email
import email.policy
import os
import sys
import uuid

from icalendar import Calendar

sys.path.insert(0, os.path.dirname(__file__))
from receivers import (MAIL, SMS, SMS_LOCK, restart_notify, start_receivers,  # noqa: E402
                       stop_receivers)
from scheduling_e2e import advance, at, call, ctx, job_of, metric, placed, sql, stack  # noqa: E402
from scheduling_e2e import monday, setup as setup_stack  # noqa: E402
from scheduling_e2e import teardown as teardown_stack  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402

FROM = "letters@hrflow.test"
RULES = ("when screened if screening_score >= 70 then invite_ai_interview\n"
         "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
         "when interview_scored if ai_score < 60 then reject with template thank_you\n")
SETTINGS = "/v1/notification-settings"
receivers = {}


def setup():
    tmp = os.environ.get("HF_TEST_TMPDIR", "/tmp")
    env = start_receivers(receivers, tmp, FROM, "sms-t0ken")
    env.update({"HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1",
                "HF_NOTIFY_RETRY_BASE_MS": "200", "HF_NOTIFY_RETRY_CAP_S": "1",
                "HF_NOTIFY_PUBLIC_URL": "https://hr.example.com"})
    ctx["env"] = env
    ctx["maildir"] = os.path.join(tmp, "reactions-maildir-%d" % os.getpid())
    setup_stack("reactions", env)
    status, s = call("PATCH", "/v1/interview-lines", {"lines": 50}, key="admin")
    assert status == 200, s


def teardown():
    teardown_stack()
    stop_receivers(receivers)


SEQ = [0]


def candidate():
    """A new candidate with an email and a mobile number of their own."""
    SEQ[0] += 1
    n = SEQ[0]
    status, c = call("POST", "/v1/candidates", {
        "name": "韩梅梅%d" % n, "phone": "139%08d" % (uuid.uuid4().int % 10 ** 8),
        "email": "han.%d.%d@example.com" % (os.getpid(), n),
        "consent": {"automatedAssessment": True, "version": "2026-01"}})
    assert status == 201, c
    c["e164"] = "+86" + c["phone"]
    return c


def assess(app, kind, score):
    status, r = call("POST", "/v1/applications/%s/assessments" % app["id"],
                     {"kind": kind, "score": score, "eventId": uuid.uuid4().hex})
    assert status == 200, r
    return r["application"]


def invited(c=None):
    """A job of SH with the seed's rules, an application screened at 85: the AI interview
    is invited and placed. Returns (candidate, application, interview)."""
    c = c or candidate()
    j = job_of("SH", rules=RULES, title="数据分析师")
    status, a = call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": c["id"]})
    assert status == 201, a
    assert assess(a, "screening", 85)["stage"] == "ai_interview"
    (v,) = placed(j["id"], 1)
    return c, a, v


def rejected(c=None):
    """An application the seed's rules reject after an AI score of 42."""
    c = c or candidate()
    j = job_of("SH", rules=RULES, title="数据分析师")
    status, a = call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": c["id"]})
    assert status == 201, a
    assert assess(a, "screening", 85)["stage"] == "ai_interview"
    assert assess(a, "ai_interview", 42)["stage"] == "rejected"
    return c, a


def letters_to(address, subject_has=""):
    with MAIL.lock:
        return [g["msg"] for g in MAIL.got if address in g["rcpt"] and
                subject_has in str(g["msg"]["Subject"])]


def sms_to(number, text_has=""):
    with SMS_LOCK:
        return [s["text"] for s in SMS if s["to"] == number and text_has in s["text"]]


def letter(address, subject_has, timeout=60):
    got = wait_for(lambda: letters_to(address, subject_has), timeout=timeout,
                   what="a letter to %s about %s" % (address, subject_has))
    assert len(got) == 1, [str(m["Subject"]) for m in got]
    return got[0]


def sms(number, text_has, timeout=60):
    got = wait_for(lambda: sms_to(number, text_has), timeout=timeout,
                   what="an SMS to %s with %s" % (number, text_has))
    assert len(got) == 1, got
    return got[0]


def rows_of(c, kind=None):
    """The channels of notify's jobs for the candidate (of one kind of letter), sorted."""
    return sql("SELECT coalesce(string_agg(channel, ',' ORDER BY channel), '') FROM "
               "notify.delivery WHERE candidate_id = '%s'%s" % (
                   c["id"], " AND dedupe_key LIKE '%%:%s%%'" % kind if kind else ""))


def last_event(subject, type_tail):
    return sql("SELECT max(id) FROM events.outbox WHERE subject = '%s' AND type LIKE '%%%s'"
               % (subject, type_tail))


def consumed(event_id, timeout=60):
    """Wait until notify's consumer has passed the outbox event."""
    wait_for(lambda: sql("SELECT (c.tx_id, c.last_id) >= (o.tx_id, o.id) FROM "
                         "events.consumer_cursor c, events.outbox o WHERE c.name = "
                         "'notify.reactions' AND o.id = %s" % event_id) == "t",
             timeout=timeout, what="notify past event %s" % event_id)


def settings(body, key="recruiter"):
    status, s = call("PATCH", SETTINGS, body, key=key)
    assert status == 200, s
    return s


def drop_template(name):
    """Back to the default template."""
    status, t = call("DELETE", "/v1/notification-templates/" + name)
    assert status == 200, t


def body_text(msg):
    return msg.get_body(("plain",)).get_content()


# ---- the seed's three automatic letters, no configuration ----

@test
def screening_passed_sends_the_invitation_email_with_its_calendar_and_the_sms():
    monday("10:00")
    c, a, v = invited()
    m = letter(c["email"], "AI面试")
    assert str(m["Subject"]) == "邀请您参加公司SH「数据分析师」的AI面试", m["Subject"]
    text = body_text(m)
    assert c["name"] in text and "https://hr.example.com/v1/interview-booking/" in text, text
    assert "https://hr.example.com/v1/candidate-status/" in text, text
    ics = [p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(ics) == 1, [p.get_content_type() for p in m.iter_attachments()]
    cal = Calendar.from_ical(ics[0].get_payload(decode=True))
    assert str(cal.get("METHOD")) == "REQUEST", cal.get("METHOD")
    (ev,) = [e for e in cal.walk("VEVENT")]
    start = ev.decoded("DTSTART")
    assert start == datetime.datetime.fromisoformat(v["startTime"].replace("Z", "+00:00")), \
        (start, v["startTime"])
    assert c["email"] in str(ev.get("ATTENDEE")).lower(), ev.get("ATTENDEE")
    text = sms(c["e164"], "AI面试")
    assert text.startswith("【公司SH】%s您好，邀请您参加「数据分析师」AI面试" % c["name"]), text
    assert "https://hr.example.com/v1/interview-booking/" in text, text


@test
def the_sms_reminder_a_day_before_names_tomorrows_time():
    day = monday("10:00")
    c, a, v = invited()
    letter(c["email"], "AI面试")
    status, r = call("POST", "/v1/interviews/%s:reschedule" % v["id"],
                     {"startTime": at(day, 1, "14:00")})       # Tuesday 14:00
    assert status == 200 and r["state"] == "rescheduled", r
    moved = sms(c["e164"], "已调整为")
    assert "14:00" in moved and "原" in moved, moved
    m = letter(c["email"], "调整为")
    assert [p.get_content_type() for p in m.iter_attachments()] == ["text/calendar"]
    advance("4 hours")                                        # Monday 14:00: a day before
    text = sms(c["e164"], "明天")
    assert "您的AI面试将于明天14:00开始" in text and "数据分析师" in text, text
    m = letter(c["email"], "提醒")
    assert str(m["Subject"]) == "提醒：您的AI面试将于明天14:00开始", m["Subject"]


@test
def a_low_ai_score_sends_the_thank_you_letter_to_the_smtp_server():
    monday("10:00")
    c, a = rejected()
    m = letter(c["email"], "感谢您申请")
    assert str(m["Subject"]) == "感谢您申请公司SH「数据分析师」职位", m["Subject"]
    assert m["From"] == FROM and c["name"] in body_text(m), body_text(m)
    assert sms_to(c["e164"], "感谢") == []            # thank_you: email only by default


@test
def a_low_ai_score_sends_the_thank_you_letter_into_the_maildir():
    restart_notify(stack, {"HF_NOTIFY_MAILDIR": ctx["maildir"], "HF_NOTIFY_SMTP_URL": "",
                    "HF_NOTIFY_SMS_URL": ""})
    try:
        monday("10:00")
        c, a = rejected()
        mid = wait_for(lambda: sql("SELECT id FROM notify.delivery WHERE candidate_id = '%s' "
                                   "AND channel = 'email' AND dedupe_key LIKE '%%:thank_you%%' "
                                   "AND state = 'sent'" % c["id"]) or None,
                       timeout=60, what="the thank-you letter written")
        with open(os.path.join(ctx["maildir"], "new", mid + ".hrflow"), "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        assert msg["To"] == c["email"], msg["To"]
        assert str(msg["Subject"]) == "感谢您申请公司SH「数据分析师」职位", msg["Subject"]
        assert letters_to(c["email"]) == []
    finally:
        restart_notify(stack, )


# ---- the other letters ----

@test
def a_cancelled_interview_sends_the_cancellation_letter():
    monday("10:00")
    c, a, v = invited()
    status, r = call("POST", "/v1/interviews/%s:cancel" % v["id"], {})
    assert status == 200 and r["state"] == "cancelled", r
    m = letter(c["email"], "已取消")
    ics = [p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"]
    cal = Calendar.from_ical(ics[0].get_payload(decode=True))
    assert str(cal.get("METHOD")) == "CANCEL", cal.get("METHOD")
    consumed(last_event("interviews/" + v["id"], "cancelled.v1"))
    assert sms_to(c["e164"], "取消") == []            # cancellation: email only by default


@test
def the_tenants_own_template_is_used_instead_of_the_default():
    monday("10:00")
    name = "thank_you.email.zh-CN"
    status, t = call("POST", "/v1/notification-templates/%s/versions" % name, {"content": {
        "subject": "{{company_name}}：谢谢您，{{candidate_name}}",
        "text": "我们自己的信：{{job_title}}\n{{sender_name}}"}})
    assert status == 201, t
    try:
        c, a = rejected()
        m = letter(c["email"], "谢谢您")
        assert str(m["Subject"]) == "公司SH：谢谢您，%s" % c["name"], m["Subject"]
        assert body_text(m).startswith("我们自己的信：数据分析师"), body_text(m)
    finally:
        drop_template(name)


@test
def a_reaction_turned_off_sends_nothing():
    monday("10:00")
    settings({"reactions": [{"kind": "thank_you", "channels": []}]})
    try:
        c, a = rejected()
        consumed(last_event("applications/" + a["id"], "template_requested.v1"))
        assert rows_of(c, "thank_you") == ""
    finally:
        settings({"reactions": [{"kind": "thank_you", "channels": ["email"]}]})


@test
def a_persons_rejection_sends_the_thank_you_letter_only_when_asked():
    monday("10:00")
    j = job_of("SH", title="数据分析师")
    apps = []
    for _ in range(2):
        c = candidate()
        status, a = call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": c["id"]})
        assert status == 201, a
        apps.append((c, a))
    (c1, a1), (c2, a2) = apps
    status, r = call("POST", "/v1/applications/%s:reject" % a1["id"], {"reason": "不合适"})
    assert status == 200 and r["stage"] == "rejected", r
    consumed(last_event("applications/" + a1["id"], "rejected.v1"))
    assert rows_of(c1) == ""
    settings({"thankYouOnManualReject": True})
    try:
        status, r = call("POST", "/v1/applications/%s:reject" % a2["id"], {"reason": "不合适"})
        assert status == 200, r
        letter(c2["email"], "感谢您申请")
    finally:
        settings({"thankYouOnManualReject": False})


@test
def an_opted_out_candidate_gets_transactional_letters_but_no_marketing_template():
    monday("10:00")
    c = candidate()
    status, p = call("POST", "/v1/candidates/%s/consent" % c["id"],
                     {"channel": "email", "optOut": True})
    assert status == 200, p
    c, a = rejected(c)
    letter(c["email"], "感谢您申请")                # transactional: still sent
    name = "thank_you.email.zh-CN"
    status, t = call("POST", "/v1/notification-templates/%s/versions" % name, {
        "category": "marketing", "content": {"subject": "招聘会邀请 {{company_name}}",
                                             "text": "{{candidate_name}}，欢迎参加"}})
    assert status == 201, t
    try:
        c2 = candidate()
        status, p = call("POST", "/v1/candidates/%s/consent" % c2["id"],
                         {"channel": "email", "optOut": True})
        assert status == 200, p
        c2, a2 = rejected(c2)
        consumed(last_event("applications/" + a2["id"], "template_requested.v1"))
        assert rows_of(c2, "thank_you") == "" and letters_to(c2["email"], "招聘会") == []
    finally:
        drop_template(name)


@test
def a_redelivered_event_sends_nothing_twice():
    monday("10:00")
    c, a = rejected()
    letter(c["email"], "感谢您申请")
    ev = last_event("applications/" + a["id"], "template_requested.v1")
    # the jobs of this event's letters (keys "<event id>:…"): other letters keep coming
    # meanwhile (reminders the clock's moves fire, this candidate's among them)
    count = "SELECT count(*) FROM notify.delivery WHERE dedupe_key LIKE '%s:%%'" % ev
    before = sql(count)
    assert before == "1", before
    # the cursor back to before the rejection: the consumer reads it all again
    sql("UPDATE events.consumer_cursor c SET tx_id = o.tx_id, last_id = o.id - 1 FROM "
        "events.outbox o WHERE c.name = 'notify.reactions' AND o.id = %s" % ev)
    consumed(ev)
    later = sql("SELECT max(id) FROM events.outbox")
    consumed(later)
    assert sql(count) == before
    assert rows_of(c, "thank_you") == "email"
    assert len(letters_to(c["email"], "感谢您申请")) == 1


@test
def letters_of_events_while_notify_was_down_go_when_it_returns():
    monday("10:00")
    for name in [n for n in stack.procs if n.startswith("notify")]:
        stack.stop(name)
    try:
        c, a = rejected()
    finally:
        stack.start("notify")
        stack.wait_ready()
    letter(c["email"], "感谢您申请")


@test
def a_wave_of_letters_asks_for_its_job_once_a_batch_and_a_new_title_reaches_the_next():
    monday("10:00")
    j = job_of("SH", rules=RULES, title="数据分析师")
    asked = 'hf_worker_requests_total{service="pipeline",method="GetJob",outcome="ok"}'

    def reject(c):
        status, a = call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": c["id"]})
        assert status == 201, a
        assert assess(a, "screening", 85)["stage"] == "ai_interview"
        assert assess(a, "ai_interview", 42)["stage"] == "rejected"

    # notify caught up, then down while the wave is written (and scheduling has placed
    # its interviews: their letters are of the wave too): back, it reads it in one batch
    consumed(sql("SELECT max(id) FROM events.outbox"))
    for name in [n for n in stack.procs if n.startswith("notify")]:
        stack.stop(name)
    try:
        wave = [candidate() for _ in range(12)]
        for c in wave:
            reject(c)
        placed(j["id"], 12)
        before = metric(asked, "pipeline")
    finally:
        stack.start("notify")
        stack.wait_ready()
    for c in wave:
        m = letter(c["email"], "感谢您申请")
        assert str(m["Subject"]) == "感谢您申请公司SH「数据分析师」职位", m["Subject"]
        assert c["name"] in body_text(m), body_text(m)
    # 12 thank-you letters and the interviews' 24 (email and SMS) of the same job: one
    # read a batch, where each letter asked
    got = metric(asked, "pipeline") - before
    assert 1 <= got <= 2, got
    # the job renamed: a letter of a later batch has the new title
    status, r = call("PATCH", "/v1/jobs/" + j["id"], {"title": "高级数据分析师"})
    assert status == 200 and r["title"] == "高级数据分析师", r
    c = candidate()
    reject(c)
    m = letter(c["email"], "感谢您申请")
    assert str(m["Subject"]) == "感谢您申请公司SH「高级数据分析师」职位", m["Subject"]


# ---- the settings ----

@test
def the_settings_show_the_defaults_and_change_by_kind():
    status, s = call("GET", SETTINGS, key="other")
    assert status == 200, s
    assert {r["kind"]: r.get("channels", []) for r in s["reactions"]} == {
        "invitation": ["email", "sms"], "reminder": ["email", "sms"],
        "reschedule": ["email", "sms"], "cancellation": ["email"], "thank_you": ["email"],
        "offer": []}, s
    assert s["locale"] == "zh-CN" and "updateTime" not in s, s
    status, s = call("PATCH", SETTINGS, {"reactions": [{"kind": "offer", "channels": ["email"]}],
                                         "locale": "en", "timeZone": "Europe/London"},
                     key="other")
    assert status == 200, s
    kinds = {r["kind"]: r.get("channels", []) for r in s["reactions"]}
    assert kinds["offer"] == ["email"] and kinds["invitation"] == ["email", "sms"], s
    assert s["locale"] == "en" and s["timeZone"] == "Europe/London" and s["updateTime"], s
    # another tenant's settings are its own
    status, mine = call("GET", SETTINGS)
    assert mine["locale"] == "zh-CN" and mine["timeZone"] == "", mine
    status, s = call("PATCH", SETTINGS, {"locale": "fr", "timeZone": "Mars/Olympus",
                                         "reactions": [{"kind": "fax", "channels": []},
                                                       {"kind": "offer", "channels": ["pigeon"]}]},
                     key="other")
    assert status == 422, s
    assert {e["field"] for e in s["errors"]} == {
        "locale", "timeZone", "reactions[0].kind", "reactions[1].channels[0]"}, s
    status, again = call("GET", SETTINGS, key="other")
    assert again["locale"] == "en", again


@test
def a_company_bound_key_reads_the_settings_but_does_not_change_them():
    status, s = call("GET", SETTINGS, key="sz")
    assert status == 200, s
    status, s = call("PATCH", SETTINGS, {"locale": "en"}, key="sz")
    assert status == 403, s
    status, s = call("GET", SETTINGS)
    assert s["locale"] == "zh-CN", s


if __name__ == "__main__":
    run(setup, teardown)
