"""tests/e2e/test_delivery.py - letters and SMS sent once: SMTP, the SMS provider, the Maildir.

Real receivers on loopback (receivers.py): an SMTP server (Debian's
python3-aiosmtpd) that insists on STARTTLS with a throwaway self-signed
certificate whose CA notify is given (HF_NOTIFY_SMTP_CA), and an HTTP SMS
receiver that answers what a test scripts for a number. Both record what
they took with their own timestamps.

Cases: a letter arrives once with its headers, MIME parts and UTF-8
subject; the same eventId sends once; a calendar file as an attachment; a server that drops the connection mid-DATA gets the letter again,
once; a mailbox the server refuses (550) is a dead letter at once; an SMS provider's 500 then 200 gives one SMS; a 400 makes a dead
letter with its reason, which the retry route queues again; an SMS in quiet
hours is held until 08:00 in the recipient's zone (the one clock frozen,
then advanced), also one that comes due again there after a failure; an
address that opted out gets no marketing letter, still transactional ones; the per-tenant SMS rate; a replica SIGKILLed with
SMS held open by the receiver mid-batch: the ones it finished were committed
one by one, the held ones (answered to a sender that is gone, so not taken)
are sent by the next replica: every SMS taken exactly once; the Maildir outbox (./hrflow up's), where a resend replaces
nothing; bad input refused with 422 at the field; the company wall and
other tenants' ids (404).
"""
import base64
import email
import email.policy
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from receivers import (MAIL, SMS_HOLD, SMS_HOLDING, SMS_RELEASE, SMS_SCRIPT,  # noqa: E402
                       restart_notify, sms_to, start_receivers, stop_receivers)
from stack import Stack, psql, wait_for  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
ctx = {}
FROM = "letters@hrflow.test"
SMS_TOKEN = "sms-t0ken"
SMS_RATE = 20
BATCH = 20


# ---- the stack ----

def setup():
    global stack
    tmp = os.environ.get("HF_TEST_TMPDIR", "/tmp")
    env = start_receivers(ctx, tmp, FROM, SMS_TOKEN)
    ctx["maildir"] = os.path.join(tmp, "delivery-maildir-%d" % os.getpid())
    env.update({"HF_GATEWAY_RATE_LIMITS": "admin=5000:5000,recruiter=5000:5000",
           "HF_NOTIFY_RETRY_BASE_MS": "200", "HF_NOTIFY_RETRY_CAP_S": "1",
           "HF_NOTIFY_LEASE_S": "5", "HF_NOTIFY_SMS_RATE": str(SMS_RATE),
           "HF_NOTIFY_BATCH": str(BATCH), "HF_NOTIFY_SEND_TIMEOUT_S": "4"})
    stack = Stack("delivery", env)
    stack.start_all()
    for slug in ("sa", "sb"):
        stack.cli("identity", "tenant", "create", "--slug", slug, "--name", slug)
    for code in ("SH", "SZ"):
        stack.cli("identity", "company", "create", "--tenant", "sa", "--code", code, "--name",
                  "公司" + code)
    for name, tenant, scope, company in (("recruiter", "sa", "recruiter", None),
                                         ("sz", "sa", "recruiter", "SZ"),
                                         ("other", "sb", "admin", None)):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               scope, *(("--company", company) if company else ()))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies")[1]["companies"]}


def teardown():
    if stack:
        stack.destroy()
    stop_receivers(ctx)


def call(method, path, body=None, key="recruiter"):
    status, payload = stack.api(keys[key], method, path, body)
    return status, json.loads(payload) if payload else None


def sql(q):
    return psql(stack.dsn, q)


SEQ = [0]


def candidate(key="recruiter"):
    """A new candidate with a phone and an email of their own."""
    SEQ[0] += 1
    n = SEQ[0]
    status, c = call("POST", "/v1/candidates", {
        "name": "李雷%d" % n, "phone": "137%08d" % ((os.getpid() % 10 ** 5) * 1000 + n),
        "email": "li.lei.%d.%d@example.com" % (os.getpid(), n),
        "consent": {"automatedAssessment": True, "version": "2026-01"}}, key=key)
    assert status == 201, c
    c["e164"] = "+86" + c["phone"]
    return c


def daytime_zone():
    """A time zone where it is about noon now (on the real clock): SMS sent there are outside
    quiet hours whenever the suite runs."""
    off = (12 - time.gmtime().tm_hour + 11) % 24 - 11   # -11..12 hours east of UTC
    return "Etc/GMT%+d" % -off if off else "Etc/GMT"


def send(c, channel="email", company="SH", key="recruiter", **extra):
    body = {"candidateId": c["id"], "channel": channel, "text": "您好，这是一封测试信。"}
    if channel == "sms":
        body["timeZone"] = daytime_zone()   # the quiet-hour cases name their own
    if channel == "email":
        body["subject"] = "面试邀请 Interview"
    if company:
        body["companyId"] = ctx["companies"][company]
    body.update(extra)
    status, m = call("POST", "/v1/messages", body, key=key)
    assert status == 202, (status, m)
    return m


def message(mid, key="recruiter"):
    status, m = call("GET", "/v1/messages/" + mid, key=key)
    assert status == 200, m
    return m


def reaches(mid, state, timeout=30):
    return wait_for(lambda: (lambda m: m if m["state"] == state else None)(message(mid)),
                    timeout=timeout, what="message %s %s" % (mid, state))


def metric(name, replica="notify"):
    url = "http://127.0.0.1:%d/metrics" % stack.metrics_ports[replica]
    total = 0.0
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
    return total


# ---- cases ----

@test
def a_letter_arrives_once_with_its_headers_parts_and_utf8():
    c = candidate()
    m = send(c, html="<p>您好，<b>李雷</b></p>")
    assert m["state"] in ("queued", "sending", "sent") and m["channel"] == "email", m
    assert c["email"] not in json.dumps(m) and m["recipient"].startswith("l***@"), m
    reaches(m["id"], "sent")
    got = MAIL.by_id(m["id"])
    assert len(got) == 1, got
    g = got[0]
    msg = g["msg"]
    assert g["tls"], "the letter went in the clear"
    assert g["from"] == FROM and g["rcpt"] == [c["email"]], g
    assert msg["Subject"] == "面试邀请 Interview", msg["Subject"]
    assert msg["From"] == FROM and msg["To"] == c["email"], (msg["From"], msg["To"])
    assert b"=?UTF-8?B?" in g["raw"], "the subject is not an RFC 2047 encoded word"
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    assert msg.get_body(("plain",)).get_content().strip() == "您好，这是一封测试信。"
    assert msg.get_body(("html",)).get_content().strip() == "<p>您好，<b>李雷</b></p>"
    assert msg["Date"] and msg["MIME-Version"] == "1.0"
    done = message(m["id"])
    assert done["attempts"] == 1 and done["lastError"] == "" and done["sentTime"], done


@test
def the_same_event_id_sends_once():
    c = candidate()
    first = send(c, eventId="evt-%d-1" % os.getpid())
    again = send(c, eventId="evt-%d-1" % os.getpid(), text="另一封")
    assert again["id"] == first["id"], (first, again)
    other = send(c, "sms", eventId="evt-%d-1" % os.getpid())   # another channel: its own
    assert other["id"] != first["id"]
    reaches(first["id"], "sent")
    reaches(other["id"], "sent")
    assert len(MAIL.by_id(first["id"])) == 1
    assert sql("SELECT count(*) FROM notify.delivery WHERE candidate_id = '%s'" % c["id"]) == "2"


PII_KEY = bytes.fromhex("1f" * 32)   # k1 of the stack's HF_PII_KEYS (tests/e2e/stack.py)


def sealed(tenant, field, plain):
    """A token as hf_pii_encrypt makes it (docs/security.md), under the test keyring's k1."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = os.urandom(12)
    body = AESGCM(PII_KEY).encrypt(nonce, plain, ("v1.k1.%s:%s" % (tenant, field)).encode())
    return "v1.k1." + base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")


@test
def a_letter_with_a_calendar_file_carries_it_as_an_attachment():
    """What the reactions enqueue (nt_deliver_enqueue with an .ics), written as it writes it."""
    c = candidate()
    tenant = sql("SELECT id FROM identity.tenants WHERE slug = 'sa'")
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
           "SUMMARY:AI面试\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    values = [sealed(tenant, "delivery." + f, v) for f, v in (
        ("recipient", c["email"].encode()), ("subject", "面试邀请".encode()),
        ("body", "请查收日历邀请。".encode()), ("attachment", ics))]
    mid = sql("INSERT INTO notify.delivery (tenant_id, candidate_id, dedupe_key, channel, "
              "recipient, recipient_index, recipient_masked, subject, body, attach_name, "
              "attach_type, attach_data, time_zone, run_time) VALUES ('%s', '%s', 'test:ics', "
              "'email', '%s', 'x', 'l***@example.com', '%s', '%s', '面试.ics', 'text/calendar', "
              "'%s', 'UTC', timers.now()) RETURNING id" % (tenant, c["id"], *values))
    reaches(mid, "sent")
    got = MAIL.by_id(mid)
    assert len(got) == 1, got
    msg = got[0]["msg"]
    assert msg.get_content_type() == "multipart/mixed", msg.get_content_type()
    assert msg.get_body(("plain",)).get_content().strip() == "请查收日历邀请。"
    parts = list(msg.iter_attachments())
    assert [p.get_filename() for p in parts] == ["面试.ics"], parts
    assert parts[0].get_content_type() == "text/calendar"
    assert parts[0]["Content-Type"].params.get("method") == "REQUEST"
    assert parts[0].get_payload(decode=True) == ics


@test
def a_server_that_drops_mid_data_gets_the_letter_again_once():
    c = candidate()
    MAIL.drop = 1
    m = send(c)
    done = reaches(m["id"], "sent")
    assert MAIL.drop == 0
    assert len(MAIL.by_id(m["id"])) == 1
    assert done["attempts"] == 2, done


@test
def a_mailbox_the_server_refuses_is_a_dead_letter_at_once():
    c = candidate()
    m = send(c, to="nobody.%d@example.com" % os.getpid())
    dead = reaches(m["id"], "dead")
    assert dead["lastError"].startswith("smtp_550") and dead["attempts"] == 1, dead
    assert not MAIL.by_id(m["id"])


@test
def an_sms_the_provider_refuses_with_500_then_takes_is_sent_once():
    c = candidate()
    SMS_SCRIPT[c["e164"]] = [500]
    m = send(c, "sms")
    done = reaches(m["id"], "sent")
    tries = sms_to(c["e164"])
    assert [t["status"] for t in tries] == [500, 200], tries
    assert {t["id"] for t in tries} == {m["id"]} and {t["key"] for t in tries} == {m["id"]}
    assert all(t["auth"] == "Bearer " + SMS_TOKEN and t["text"] == "您好，这是一封测试信。"
               and t["path"] == "/sms" for t in tries), tries
    assert done["attempts"] == 2, done


@test
def an_sms_refused_with_400_is_a_dead_letter_until_retried():
    c = candidate()
    SMS_SCRIPT[c["e164"]] = [400]
    m = send(c, "sms")
    dead = reaches(m["id"], "dead")
    assert dead["lastError"] == "http_400" and dead["attempts"] == 1, dead
    status, page = call("GET", "/v1/messages?state=dead&candidateId=" + c["id"])
    assert status == 200 and [x["id"] for x in page["messages"]] == [m["id"]], page
    assert metric("hf_notify_dead_letters_total") >= 1
    status, r = call("POST", "/v1/messages/%s:retry" % m["id"])
    assert status == 200 and r["state"] in ("queued", "sending", "sent"), r
    reaches(m["id"], "sent")
    assert len(sms_to(c["e164"], 200)) == 1
    status, p = call("POST", "/v1/messages/%s:retry" % m["id"])
    assert status == 409, p


@test
def an_sms_in_quiet_hours_waits_for_the_morning_in_the_recipients_zone():
    c = candidate()
    sql("SELECT timers.freeze('2027-03-01T22:30:00+08:00')")
    try:
        held = send(c, "sms", timeZone="Asia/Shanghai")
        assert held["state"] == "held", held
        assert held["nextAttemptTime"] == "2027-03-02T00:00:00Z", held
        london = send(c, "sms", timeZone="Europe/London", text="伦敦下午")  # 14:30 there
        letter = send(c)                                               # letters have no quiet hours
        reaches(london["id"], "sent")
        reaches(letter["id"], "sent")
        # the engine has passed over the held SMS: claimed london after it was enqueued
        assert message(held["id"])["state"] == "held"
        assert [s["id"] for s in sms_to(c["e164"])] == [london["id"]]
        sql("SELECT timers.advance('9 hours 29 minutes')")                # 07:59
        sql("SELECT pg_notify('notify_delivery', '')")
        assert message(held["id"])["state"] == "held"
        sql("SELECT timers.advance('1 minute')")                          # 08:00
        reaches(held["id"], "sent")
        assert [s["id"] for s in sms_to(c["e164"])] == [london["id"], held["id"]]
    finally:
        sql("SELECT timers.freeze(NULL)")


@test
def an_sms_that_comes_due_again_in_quiet_hours_is_held_at_the_claim():
    c = candidate()
    SMS_SCRIPT[c["e164"]] = [503]
    sql("SELECT timers.freeze('2027-03-02T20:59:50+08:00')")
    try:
        m = send(c, "sms", timeZone="Asia/Shanghai")
        failed = reaches(m["id"], "retrying")        # before quiet hours: tried, refused
        assert failed["lastError"] == "http_503", failed
        sql("SELECT timers.advance('1 minute')")     # 21:00:50: due again, but quiet
        sql("SELECT pg_notify('notify_delivery', '')")
        held = reaches(m["id"], "held")
        assert held["nextAttemptTime"] == "2027-03-03T00:00:00Z" and held["attempts"] == 1, held
        sql("SELECT timers.advance('11 hours')")     # 08:00:50
        sql("SELECT pg_notify('notify_delivery', '')")
        reaches(m["id"], "sent")
        assert [s["status"] for s in sms_to(c["e164"])] == [503, 200]
    finally:
        sql("SELECT timers.freeze(NULL)")


@test
def the_sms_rate_of_a_tenant_is_kept():
    c = candidate()
    before = metric("hf_notify_rate_limited_total")
    # when each job is claimed for sending, by the database's clock (the budget's): the
    # arrivals at the receiver would add the senders' and the receiver's scheduling delays,
    # which under the sanitizers on a loaded machine exceed a second and bunch the three
    # budgets' sends together (seen once: 45 arrivals in one second)
    sql("CREATE TABLE IF NOT EXISTS public.test_sms_claims (id uuid, at double precision);"
        "CREATE OR REPLACE FUNCTION public.test_sms_claimed() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN INSERT INTO public.test_sms_claims VALUES (NEW.id,"
        " extract(epoch FROM clock_timestamp())); RETURN NULL; END $$;"
        "CREATE TRIGGER test_sms_claimed AFTER UPDATE OF state ON notify.delivery FOR EACH ROW"
        " WHEN (NEW.state = 'sending' AND NEW.channel = 'sms')"
        " EXECUTE FUNCTION public.test_sms_claimed()")
    # held over the night, so they all come due at once at 08:00
    sql("SELECT timers.freeze('2027-03-03T22:30:00+08:00')")
    try:
        ids = [send(c, "sms", text="第%d条" % i, timeZone="Asia/Shanghai")["id"] for i in range(3 * SMS_RATE)]
        assert all(message(mid)["state"] == "held" for mid in ids)
        sql("SELECT timers.advance('9 hours 30 minutes')")
        sql("SELECT pg_notify('notify_delivery', '')")
        for mid in ids:
            reaches(mid, "sent", timeout=60)
    finally:
        sql("SELECT timers.freeze(NULL)")
        sql("DROP TRIGGER test_sms_claimed ON notify.delivery")
    assert len(sms_to(c["e164"])) == len(ids)
    claims = sql("SELECT string_agg(at::text, ',' ORDER BY at) FROM public.test_sms_claims"
                 " WHERE id IN (%s)" % ",".join("'%s'" % i for i in ids))
    times = [float(t) for t in claims.split(",")]
    assert len(times) == len(ids), len(times)
    # a budget of SMS_RATE a second (the engine's, shared by the replicas): any second of
    # claims spans at most two budgets, and three budgets take over a second
    worst = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert worst <= 2 * SMS_RATE, worst
    assert times[-1] - times[0] > 1.0, times
    assert metric("hf_notify_rate_limited_total") > before, times


@test
def a_replica_killed_mid_batch_loses_nothing_and_sends_nothing_twice():
    c = candidate()
    # enqueued in quiet hours, they all come due at 08:00 together: one batch
    sql("SELECT timers.freeze('2027-03-04T22:30:00+08:00')")
    try:
        ids = [send(c, "sms", timeZone="Asia/Shanghai", text="第%d条" % i)["id"]
               for i in range(9)]
        held = [send(c, "sms", timeZone="Asia/Shanghai", text=SMS_HOLD + "第%d条" % i)["id"]
                for i in range(3)]
        SMS_RELEASE.clear()
        sql("SELECT timers.advance('9 hours 31 minutes')")
        # the others are taken and committed one by one while three are held open
        for mid in ids:
            reaches(mid, "sent")
        wait_for(lambda: len(set(SMS_HOLDING)) == 3, what="three SMS held open")
        dead = stack.procs.pop("notify")
        dead.kill()
        dead.wait(10)               # gone, its sockets closed
        SMS_RELEASE.set()           # the held requests are answered to nobody
        stack.start("notify")
        stack.wait_ready()
        sql("SELECT timers.advance('1 minute')")    # the dead replica's leases lapse
        for mid in held:
            reaches(mid, "sent")
        got = [s["id"] for s in sms_to(c["e164"], 200)]
        assert sorted(got) == sorted(ids + held), got
    finally:
        SMS_RELEASE.set()
        sql("SELECT timers.freeze(NULL)")


@test
def the_maildir_outbox_holds_each_letter_and_sms_once():
    restart_notify(stack, {"HF_NOTIFY_MAILDIR": ctx["maildir"], "HF_NOTIFY_SMTP_URL": "",
                    "HF_NOTIFY_SMS_URL": ""})
    try:
        c = candidate()
        letter = send(c, html="<p>信</p>")
        text = send(c, "sms", text="短信内容")
        for m in (letter, text):
            reaches(m["id"], "sent")
        new = os.path.join(ctx["maildir"], "new")
        files = sorted(os.listdir(new))
        assert files == sorted([letter["id"] + ".hrflow", text["id"] + ".hrflow"]), files
        assert os.listdir(os.path.join(ctx["maildir"], "tmp")) == []
        path = os.path.join(new, letter["id"] + ".hrflow")
        with open(path, "rb") as f:
            raw = f.read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert msg["Message-ID"] == "<%s@hrflow.test>" % letter["id"], msg["Message-ID"]
        assert msg["To"] == c["email"] and msg["Subject"] == "面试邀请 Interview"
        with open(os.path.join(new, text["id"] + ".hrflow"), "rb") as f:
            sms = email.message_from_bytes(f.read(), policy=email.policy.default)
        assert sms["To"] == c["e164"] and sms["X-Hrflow-Channel"] == "sms", sms["To"]
        assert sms.get_body(("plain",)).get_content().strip() == "短信内容"
        # sent again (as after a lapsed lease): the file is not replaced nor doubled
        sql("UPDATE notify.delivery SET state = 'queued', run_time = timers.now() "
            "WHERE id = '%s'" % letter["id"])
        sql("SELECT pg_notify('notify_delivery', '')")
        wait_for(lambda: sql("SELECT attempts FROM notify.delivery WHERE id = '%s'"
                             % letter["id"]) == "2", what="the second attempt")
        reaches(letter["id"], "sent")
        with open(path, "rb") as f:
            assert f.read() == raw
        assert len(os.listdir(new)) == 2
    finally:
        restart_notify(stack, )


@test
def an_address_that_opted_out_gets_transactional_letters_only():
    c = candidate()
    status, p = call("POST", "/v1/candidates/%s/consent" % c["id"],
                     {"channel": "email", "optOut": True})
    assert status == 200, p
    status, p = call("POST", "/v1/messages", {
        "candidateId": c["id"], "channel": "email", "subject": "招聘会", "text": "欢迎参加",
        "category": "marketing", "companyId": ctx["companies"]["SH"]})
    assert status == 409, p
    assert sql("SELECT count(*) FROM notify.delivery WHERE candidate_id = '%s'" % c["id"]) == "0"
    reaches(send(c)["id"], "sent")                                # transactional still goes
    reaches(send(c, "sms", category="marketing")["id"], "sent")    # SMS: not opted out


@test
def bad_input_is_refused_at_its_field():
    c = candidate()
    base = {"candidateId": c["id"], "channel": "email", "subject": "s", "text": "t"}
    for change, field in (({"channel": "fax"}, "channel"),
                          ({"candidateId": "nope"}, "candidateId"),
                          ({"candidateId": "00000000-0000-4000-8000-000000000000"},
                           "candidateId"),
                          ({"to": "not-an-address"}, "to"),
                          ({"to": "Li Lei <li@example.com>"}, "to"),
                          ({"channel": "sms", "subject": "", "to": "13800138000"}, "to"),
                          ({"channel": "sms", "subject": "", "to": "+86 138 0013 8000"}, "to"),
                          ({"subject": ""}, "subject"),
                          ({"text": ""}, "text"),
                          ({"timeZone": "Mars/Olympus"}, "timeZone"),
                          ({"category": "spam"}, "category")):
        body = dict(base, **change)
        status, p = call("POST", "/v1/messages", body)
        assert status == 422 and field in [e["field"] for e in p["errors"]], (body, p)
    status, p = call("POST", "/v1/messages", base, key="sz")  # another company's candidate
    assert status in (404, 422), p
    for path in ("/v1/messages?state=lost", "/v1/messages?candidateId=x"):
        status, p = call("GET", path)
        assert status == 422, (path, p)
    assert sql("SELECT count(*) FROM notify.delivery WHERE candidate_id = '%s'" % c["id"]) == "0"


@test
def messages_keep_to_their_company_and_tenant():
    c = candidate()
    m = send(c, "email", company="SH")
    reaches(m["id"], "sent")
    for key in ("sz", "other"):
        status, p = call("GET", "/v1/messages/" + m["id"], key=key)
        assert status == 404, (key, p)
        status, p = call("GET", "/v1/messages?candidateId=" + c["id"], key=key)
        assert status in (200, 404) and not (p.get("messages") if status == 200 else []), p
    status, p = call("POST", "/v1/messages/%s:retry" % m["id"], key="other")
    assert status in (403, 404), p
    status, p = call("GET", "/v1/messages?candidateId=" + c["id"])
    assert status == 200 and [x["id"] for x in p["messages"]] == [m["id"]], p


if __name__ == "__main__":
    run(setup, teardown)
