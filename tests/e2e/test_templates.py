"""tests/e2e/test_templates.py - notification templates and opt-outs through the gateway.

The shipped defaults listed and previewed (the reminder SMS reads "您的AI面试将于
明天14:00开始"); saving versions, activating an older one (roll back), deleting
the tenant's own (back to the default); every refusal (a syntax error, an
unknown variable, an optional one used bare, a subject on an SMS) answered
422 with the field and line:column, nothing stored; previews of a saved
version, of the effective one and of a template given inline, values
HTML-escaped in the HTML body; the company wall (a company's own template,
a company-bound key writing only its company's) and another tenant seeing
only defaults; scopes (integrators read, never write); versions immutable in
the database. Opt-outs: by candidate id (the addresses asked of the pipeline),
stored as a keyed hash only, the one-click link (GET shows, POST does;
forged links 404), another tenant's candidate not found.

The harness is scheduling_e2e.py's: tenants sa (companies SH, SZ, …) and sb,
keys admin, recruiter, sz (recruiter of SZ), other (sb).
"""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import scheduling_e2e as sched  # noqa: E402
from scheduling_e2e import ctx, keys, stack, teardown  # noqa: E402,F401
from tap import run, test  # noqa: E402

call, sql = sched.call, sched.sql
T = "/v1/notification-templates"


def setup():
    sched.setup("templates")
    keys["integrator"] = stack.cli("identity", "apikey", "create", "--tenant", "sa", "--scope",
                                   "integrator")


def public(method, path, body=None, headers=None):
    status, _, payload = stack.request(method, path, body, headers or {})
    return status, json.loads(payload) if payload else None


def save(name, content, key="recruiter", **extra):
    body = {"content": content}
    body.update(extra)
    return call("POST", "%s/%s/versions" % (T, name), body, key=key)


def stored_versions():
    return sql("SELECT count(*) FROM notify.template_version")


def refused(status, got, field, code, position):
    """A 422 naming field with code and the message starting at position ("1:7")."""
    assert status == 422, (status, got)
    errors = [e for e in got.get("errors", []) if e.get("field") == field]
    assert errors, got
    assert errors[0]["code"] == code, got
    assert errors[0]["message"].startswith(position + ":"), got


@test
def defaults_listed_and_previewed():
    status, got = call("GET", T)
    assert status == 200, got
    names = {t["name"]: t for t in got["templates"]}
    assert len(names) == 24, sorted(names)
    assert all(t["source"] == "default" and t["category"] == "transactional"
               for t in names.values())
    for ev in ("invitation", "reminder", "reschedule", "cancellation", "thank_you", "offer"):
        for ch in ("email", "sms"):
            for loc in ("zh-CN", "en"):
                assert "%s.%s.%s" % (ev, ch, loc) in names
    status, got = call("GET", T + "?event=reminder&channel=sms")
    assert status == 200 and len(got["templates"]) == 2, got
    status, got = call("GET", T + "?channel=fax")
    assert status == 422, got
    status, got = call("GET", T + "/reminder.sms.zh-CN")
    assert status == 200, got
    assert "{{interview_when}}" in got["content"]["text"], got
    always = {v["name"] for v in got["variables"] if v.get("always")}
    assert {"candidate_name", "interview_when", "job_title"} <= always, got
    status, got = call("POST", T + "/reminder.sms.zh-CN:preview", {})
    assert status == 200, got
    assert "您的AI面试将于明天14:00开始" in got["text"], got
    assert got["source"] == "default" and got["smsLimit"] == 70, got
    assert "{{" not in got["text"]
    status, got = call("POST", T + "/invitation.email.en:preview",
                       {"variables": {"candidate_name": "<Tom & Jerry>"}})
    assert status == 200, got
    assert "Dear <Tom & Jerry>," in got["text"], got
    assert "&lt;Tom &amp; Jerry&gt;" in got["html"] and "<Tom" not in got["html"], got
    assert got["subject"] == "Your AI interview for Data Analyst at Galaxy Tech", got
    status, got = call("GET", T + "/welcome.email.en")
    assert status == 404, got
    status, got = call("GET", T + "/reminder.sms.fr")
    assert status == 404, got


@test
def versions_activate_rollback_delete():
    name = "invitation.email.en"
    v1 = {"subject": "Hello {{candidate_name}}", "text": "Book: {{booking_link}}",
          "html": "<p>{{candidate_name}}</p>"}
    status, got = save(name, v1)
    assert status == 201, got
    assert got["source"] == "tenant" and got["activeVersion"] == 1, got
    v2 = dict(v1, subject="Hi {{candidate_name}}, {{job_title}}")
    status, got = save(name, v2)
    assert status == 201 and got["activeVersion"] == 2, got
    assert [v["version"] for v in got["versions"]] == [2, 1], got
    assert [v.get("active", False) for v in got["versions"]] == [True, False], got
    assert got["versions"][1]["content"]["subject"] == "Hello {{candidate_name}}"
    # the list shows the tenant's own
    status, got = call("GET", T + "?event=invitation&channel=email&locale=en")
    assert got["templates"][0]["source"] == "tenant", got
    # roll back
    status, got = call("POST", "%s/%s:activate" % (T, name), {"version": 1})
    assert status == 200 and got["activeVersion"] == 1, got
    assert got["content"]["subject"] == "Hello {{candidate_name}}", got
    status, got = call("POST", "%s/%s:preview" % (T, name), {})
    assert got["subject"] == "Hello Alex Chen" and got["version"] == 1, got
    status, got = call("POST", "%s/%s:preview" % (T, name), {"version": 2})
    assert got["subject"] == "Hi Alex Chen, Data Analyst", got
    status, got = call("POST", "%s/%s:activate" % (T, name), {"version": 9})
    assert status == 404, got
    status, got = call("POST", "%s/%s:activate" % (T, "offer.email.en"), {"version": 1})
    assert status == 404, got
    # versions never change
    status = sql("DO $$ BEGIN UPDATE notify.template_version SET subject = 'x'; "
                 "EXCEPTION WHEN raise_exception THEN RAISE NOTICE 'refused'; END $$; "
                 "SELECT count(*) FROM notify.template_version WHERE subject = 'x'")
    assert status.strip().endswith("0"), status
    # delete: answered as it was, then back to the default
    status, got = call("DELETE", "%s/%s" % (T, name))
    assert status == 200 and got["source"] == "tenant", got
    assert [v["version"] for v in got["versions"]] == [2, 1], got
    status, got = call("GET", "%s/%s" % (T, name))
    assert status == 200 and got["source"] == "default" and not got.get("versions"), got
    assert got["content"]["subject"].startswith("Your AI interview"), got
    status, got = call("DELETE", "%s/%s" % (T, name))
    assert status == 404, got


@test
def refusals_change_nothing():
    name = "reminder.email.zh-CN"
    before = stored_versions()
    good = {"subject": "提醒 {{candidate_name}}", "text": "x"}
    status, got = save(name, dict(good, text="您好 {{candidate_name}}\n时间 {{nmae}}"))
    refused(status, got, "content.text", "unknown_variable", "2:6")
    status, got = save(name, dict(good, text="{{#booking_link}}改期"))
    refused(status, got, "content.text", "syntax", "1:1")
    status, got = save(name, dict(good, html="<p>a }} b</p>"))
    refused(status, got, "content.html", "syntax", "1:6")
    status, got = save(name, dict(good, subject="{{candidate_name"))
    refused(status, got, "content.subject", "syntax", "1:1")
    status, got = save(name, dict(good, text="{{booking_link}}"))
    refused(status, got, "content.text", "optional_variable", "1:3")
    status, got = save(name, dict(good, text="{{/booking_link}}"))
    refused(status, got, "content.text", "syntax", "1:1")
    status, got = save(name, dict(good, text="{{> partial}}"))
    refused(status, got, "content.text", "syntax", "1:1")
    status, got = save(name, dict(good, subject=""))
    assert status == 422, got
    status, got = save("reminder.sms.zh-CN", {"subject": "s", "text": "t"})
    assert status == 422 and got["errors"][0]["field"] == "content.subject", got
    status, got = save(name, good, category="spam")
    assert status == 422 and got["errors"][0]["field"] == "category", got
    status, got = save("thank_you.email.en", {"subject": "s", "text": "{{interview_time}}"})
    refused(status, got, "content.text", "unknown_variable", "1:3")
    status, got = call("POST", T + "/offer.email.en:preview",
                       {"content": {"subject": "s", "text": "{{salary}}"}})
    refused(status, got, "content.text", "unknown_variable", "1:3")
    status, got = call("POST", T + "/offer.email.en:preview", {"variables": {"salary": "1"}})
    assert status == 422 and got["errors"][0]["field"] == "variables.salary", got
    status, got = save("nothing.email.en", good)
    assert status == 404, got
    assert stored_versions() == before
    assert sql("SELECT count(*) FROM notify.template WHERE event = 'reminder'") == "0"


@test
def inline_preview_and_sms_length():
    status, got = call("POST", T + "/reminder.sms.en:preview", {
        "content": {"text": "{{candidate_name}}: " + "x" * 160},
        "variables": {"candidate_name": "Li"}})
    assert status == 200, got
    assert got["source"] == "inline" and got["smsLimit"] == 160, got
    assert got["smsLength"] == 164 and any("longer than one SMS" in w
                                           for w in got["warnings"]), got
    status, got = call("POST", T + "/offer.email.zh-CN:preview", {
        "content": {"subject": "录用 {{candidate_name}}",
                    "text": "{{#start_date}}入职：{{start_date}}{{/start_date}}"
                            "{{^start_date}}入职日期待定{{/start_date}}"},
        "variables": {"start_date": ""}})
    assert status == 200, got
    assert got["text"] == "入职日期待定" and got["subject"] == "录用 张伟", got
    assert stored_versions() == sql("SELECT count(*) FROM notify.template_version")


@test
def company_wall_and_tenants():
    sz, sh = ctx["companies"]["SZ"], ctx["companies"]["SH"]
    name = "thank_you.email.zh-CN"
    tenant = {"subject": "集团 {{company_name}}", "text": "集团 {{candidate_name}}"}
    own = {"subject": "深圳 {{company_name}}", "text": "深圳 {{candidate_name}}"}
    status, got = save(name, tenant)
    assert status == 201, got
    # a company-bound key reads the tenant's, writes only its company's
    status, got = call("GET", "%s/%s" % (T, name), key="sz")
    assert status == 200 and got["source"] == "tenant", got
    status, got = save(name, own, key="sz")
    assert status == 403, got
    status, got = save(name, own, key="sz", companyId=sh)
    assert status == 404, got
    status, got = save(name, own, key="sz", companyId=sz)
    assert status == 201 and got["source"] == "company" and got["companyId"] == sz, got
    status, got = save(name, own, key="sz", companyId=str(uuid.uuid4()))
    assert status == 404, got
    # the group sees both levels
    status, got = call("GET", "%s/%s?companyId=%s" % (T, name, sz))
    assert got["source"] == "company", got
    status, got = call("GET", "%s/%s?companyId=%s" % (T, name, sh))
    assert got["source"] == "tenant", got
    status, got = call("POST", "%s/%s:preview" % (T, name), {"companyId": sz})
    assert got["subject"] == "深圳 星河科技", got
    status, got = call("GET", "%s?companyId=%s&event=thank_you" % (T, sz))
    assert {t["source"] for t in got["templates"]} == {"company", "default"}, got
    # the company-bound key cannot name another company
    status, got = call("GET", "%s/%s?companyId=%s" % (T, name, sh), key="sz")
    assert status == 404, got
    status, got = call("DELETE", "%s/%s?companyId=%s" % (T, name, sh), key="sz")
    assert status == 404, got
    # another tenant sees the default only
    status, got = call("GET", "%s/%s" % (T, name), key="other")
    assert status == 200 and got["source"] == "default", got
    status, got = call("GET", "%s/%s?companyId=%s" % (T, name, sz), key="other")
    assert status == 404, got
    status, got = call("DELETE", "%s/%s" % (T, name), key="other")
    assert status == 404, got
    # integrators read, never write
    status, got = call("GET", "%s/%s" % (T, name), key="integrator")
    assert status == 200, got
    status, got = save(name, own, key="integrator")
    assert status == 403, got
    status, got = call("POST", "%s/%s:preview" % (T, name), {}, key="integrator")
    assert status == 200, got
    # the company's own goes, the tenant's stays
    status, got = call("DELETE", "%s/%s?companyId=%s" % (T, name, sz), key="sz")
    assert status == 200 and got["source"] == "company", got
    status, got = call("GET", "%s/%s?companyId=%s" % (T, name, sz), key="sz")
    assert status == 200 and got["source"] == "tenant", got


def candidate(email, phone):
    status, c = call("POST", "/v1/candidates", {
        "name": "赵六", "email": email, "phone": phone,
        "consent": {"automatedAssessment": True, "version": "2026-01"}})
    assert status == 201, c
    return c


def channel(consent, ch):
    return next(c for c in consent["channels"] if c["channel"] == ch)


@test
def opt_out_by_candidate_and_link():
    email = "Zhao.Liu+%d@Example.com" % (uuid.uuid4().int % 10 ** 6)
    c = candidate(email, "139%08d" % (uuid.uuid4().int % 10 ** 8))
    path = "/v1/candidates/%s/consent" % c["id"]
    status, got = call("GET", path)
    assert status == 200, got
    e, s = channel(got, "email"), channel(got, "sms")
    assert e["hasAddress"] and s["hasAddress"], got
    assert not e.get("optedOut") and not s.get("optedOut"), got
    assert len(e["unsubscribeToken"]) == 96 and e["unsubscribeToken"] != s["unsubscribeToken"]
    status, got = call("POST", path, {"channel": "email", "optOut": True})
    assert status == 200 and channel(got, "email")["optedOut"], got
    assert channel(got, "email")["source"] == "api" and not channel(got, "sms").get("optedOut")
    # stored as a keyed hash: no address in the table
    rows = sql("SELECT string_agg(recipient_index || ' ' || channel, ',') FROM notify.opt_out")
    assert email.lower() not in rows.lower() and "example" not in rows.lower(), rows
    # the one-click link: GET shows, POST does
    token = s["unsubscribeToken"]
    status, got = public("GET", "/v1/unsubscribe/" + token)
    assert status == 200 and got["channel"] == "sms" and not got.get("optedOut"), got
    # as a mail client sends it (RFC 8058)
    status, got = public("POST", "/v1/unsubscribe/" + token, b"List-Unsubscribe=One-Click",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and got["optedOut"], got
    status, got = public("POST", "/v1/unsubscribe/" + token)
    assert status == 200 and got["optedOut"], got   # again: the same
    status, got = call("GET", path)
    assert channel(got, "sms")["optedOut"] and channel(got, "sms")["source"] == "unsubscribe_link"
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    status, got = public("POST", "/v1/unsubscribe/" + forged)
    assert status == 404, got
    status, got = public("GET", "/v1/unsubscribe/" + "0" * 96)
    assert status == 404, got
    # back in
    status, got = call("POST", path, {"channel": "email", "optOut": False})
    assert status == 200 and not channel(got, "email").get("optedOut"), got
    # refusals
    status, got = call("POST", path, {"channel": "fax", "optOut": True})
    assert status == 422 and got["errors"][0]["field"] == "channel", got
    status, got = call("POST", path, {"channel": "email", "optOut": True}, key="integrator")
    assert status == 403, got
    status, got = call("GET", path, key="other")
    assert status == 404, got
    status, got = call("GET", "/v1/candidates/%s/consent" % uuid.uuid4())
    assert status == 404, got
    # a candidate without an email cannot opt out by email
    c2 = sched.candidate()
    status, got = call("POST", "/v1/candidates/%s/consent" % c2["id"],
                       {"channel": "email", "optOut": True})
    assert status == 422 and got["errors"][0]["field"] == "channel", got


if __name__ == "__main__":
    run(setup, teardown)
