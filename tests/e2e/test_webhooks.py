"""tests/e2e/test_webhooks.py - webhook endpoints through the gateway, and their test-send.

Endpoints made, listed, changed and removed; the secret answered once (on
create and on rotation) and never again; test events sent to a receiver on
loopback (this stack allows private targets and http, as `./hrflow up`
does) whose requests are checked by independent implementations: the
Standard Webhooks signature by the `standardwebhooks` npm package and the
body by the `cloudevents` npm SDK (tests/events, node); during a rotation's
overlap both signatures verify, with the old and the new secret. Receivers
that hang (a bounded timeout), redirect (not followed), answer 410 (the
endpoint is disabled) or 429 (Retry-After). With notify on its defaults,
private targets (also a name that resolves to loopback) and http are
refused. Tenants and companies are walled off; bad input is refused with
its field, nothing changed.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from receivers import WebhookReceiver  # noqa: E402
from stack import Stack, psql  # noqa: E402
from tap import run, test  # noqa: E402

LOCAL = {"HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE": "on", "HF_NOTIFY_WEBHOOK_ALLOW_HTTP": "on",
         "HF_NOTIFY_WEBHOOK_TIMEOUT_S": "2"}
DEFAULTS = {"HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE": "off", "HF_NOTIFY_WEBHOOK_ALLOW_HTTP": "off"}

stack = None
# receivers.WebhookReceiver answering by path; /hang never answers
receiver = None
keys = {}
ctx = {}
ANSWERS = {"/ok": (204, {}), "/gone": (410, {}), "/throttle": (429, {"Retry-After": "120"}),
           "/redirect": (302, {"Location": "/ok"}), "/fail": (500, {})}


def setup():
    global stack, receiver
    receiver = WebhookReceiver(ANSWERS, default=(404, {}))
    receiver.hang.add("/hang")
    ctx["base"] = receiver.base
    stack = Stack("webhooks", LOCAL)
    stack.start_all()
    stack.tenant("wa", "SH", "SZ")
    stack.tenant("wb", "WB")
    for name, tenant, scope, company in (("integrator", "wa", "integrator", None),
                                         ("admin", "wa", "admin", None),
                                         ("recruiter", "wa", "recruiter", None),
                                         ("sz_only", "wa", "integrator", "SZ"),
                                         ("other", "wb", "admin", None)):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               scope, *(("--company", company) if company else ()))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies")[1]["companies"]}


def teardown():
    if receiver:
        receiver.close()
    if stack:
        stack.destroy()


def call(method, path, body=None, key="integrator"):
    status, payload = stack.api(keys[key], method, path, body)
    return status, json.loads(payload) if payload else None


def fields(p):
    return [(e["field"], e["code"]) for e in (p or {}).get("errors", [])]


def create(path="/ok", types=(), key="integrator", **extra):
    body = {"url": ctx["base"] + path, "eventTypes": list(types)}
    body.update(extra)
    status, e = call("POST", "/v1/webhook-endpoints", body, key)
    assert status == 201, (status, e)
    return e


def test_send(endpoint_id, key="integrator"):
    """The answer of a test-send, and the request the receiver got for it (or None)."""
    before = len(receiver.requests)
    status, r = call("POST", "/v1/webhook-endpoints/%s/test" % endpoint_id, {}, key)
    assert status == 200, (status, r)
    got = [x for x in receiver.requests[before:] if x[1].get("webhook-id") == r["eventId"]]
    return r, (got[0] if got else None)


def check(secrets, got):
    """The node checkers' verdict on a receiver.requests request."""
    _, headers, body = got
    out = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "webhook_check.js")],
                         input=json.dumps({"secrets": secrets, "headers": headers, "body": body}),
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, NODE_PATH=os.environ["HF_TEST_EVENTS_NODE_MODULES"]))
    return json.loads(out.stdout)


def restart_notify(env):
    stack.stop("notify")
    stack.start("notify", extra_env=env)
    stack.wait_ready()


@test
def an_endpoint_is_made_with_its_secret_once():
    e = create(types=["hrflow.pipeline.application.", "hrflow.scoring.interview.scored.v1"],
               description="ATS 同步")
    assert e["secret"].startswith("whsec_") and e["id"], e
    assert e["status"] == "enabled" and e["eventTypes"][0] == "hrflow.pipeline.application.", e
    assert e["url"] == ctx["base"] + "/ok" and e["description"] == "ATS 同步", e
    ctx["ep"], ctx["secret"] = e["id"], e["secret"]
    status, got = call("GET", "/v1/webhook-endpoints/" + e["id"])
    assert status == 200 and not got.get("secret") and got["id"] == e["id"], got
    status, page = call("GET", "/v1/webhook-endpoints")
    assert status == 200 and e["id"] in [x["id"] for x in page["endpoints"]], page
    assert not any(x.get("secret") for x in page["endpoints"]), page
    # at rest the secret is a token of the service keyring, never its text
    stored = psql(stack.dsn, "SELECT secret_enc FROM notify.webhook_endpoints WHERE id = '%s'"
                  % e["id"])
    assert stored.startswith("v1.") and e["secret"] not in stored and \
        e["secret"][6:] not in stored, stored


@test
def the_test_event_is_signed_and_a_cloudevent():
    r, got = test_send(ctx["ep"])
    assert r["outcome"] == "sent" and r["statusCode"] == 204, r
    assert got and got[0] == "/ok", got
    headers = got[1]
    assert headers["content-type"] == "application/cloudevents+json", headers
    assert headers["user-agent"].startswith("hrflow-webhooks/"), headers
    v = check([ctx["secret"], "whsec_" + "QUJD" * 8], got)
    assert v["verified"] == [True, False], v
    ev = v["event"]
    assert ev["specversion"] == "1.0" and ev["type"] == "hrflow.notify.webhook.test.v1", ev
    assert ev["id"] == r["eventId"] == headers["webhook-id"], (ev, r)
    assert ev["source"] == "/hrflow/notify" and ev["data"]["endpointId"] == ctx["ep"], ev
    assert ev["datacontenttype"] == "application/json" and ev["time"].endswith("Z"), ev
    assert ev["subject"] == "webhook-endpoints/" + ctx["ep"], ev


@test
def rotation_signs_with_both_secrets_during_the_overlap():
    status, e = call("POST", "/v1/webhook-endpoints/%s/rotate-secret" % ctx["ep"], {})
    assert status == 200 and e["secret"].startswith("whsec_"), (status, e)
    assert e["secret"] != ctx["secret"] and e["previousSecretExpireTime"], e
    r, got = test_send(ctx["ep"])
    assert r["outcome"] == "sent", r
    assert len(got[1]["webhook-signature"].split(" ")) == 2, got[1]
    v = check([ctx["secret"], e["secret"]], got)
    assert v["verified"] == [True, True], v
    # a rotation that revokes the previous secret (it leaked): only the newest signs
    status, e2 = call("POST", "/v1/webhook-endpoints/%s/rotate-secret" % ctx["ep"],
                      {"revokePrevious": True})
    assert status == 200 and not e2.get("previousSecretExpireTime"), e2
    r, got = test_send(ctx["ep"])
    assert check([e["secret"], e2["secret"]], got)["verified"] == [False, True]
    status, p = call("POST", "/v1/webhook-endpoints/%s/rotate-secret" % ctx["ep"],
                     {"overlapHours": 169})
    assert status == 422 and fields(p) == [("overlapHours", "out_of_range")], p


@test
def a_receiver_that_hangs_is_a_bounded_timeout():
    e = create("/hang")
    r, got = test_send(e["id"])
    assert got, "the receiver got no request"
    assert r["outcome"] == "retry" and r["reason"] == "timed out", r
    assert not r.get("statusCode") and int(r["latencyMs"]) >= 1000, r


@test
def a_redirect_is_not_followed():
    e = create("/redirect")
    before = [x for x in receiver.requests if x[0] == "/ok"]
    r, got = test_send(e["id"])
    assert r["outcome"] == "retry" and r["statusCode"] == 302, r
    assert "not followed" in r["reason"], r
    assert [x for x in receiver.requests if x[0] == "/ok"] == before


@test
def throttles_and_failures_are_retried():
    r, _ = test_send(create("/throttle")["id"])
    assert r["outcome"] == "retry" and r["statusCode"] == 429, r
    assert int(r["retryAfterSeconds"]) == 120, r
    r, _ = test_send(create("/fail")["id"])
    assert r["outcome"] == "retry" and r["statusCode"] == 500, r


@test
def gone_disables_the_endpoint():
    e = create("/gone")
    r, _ = test_send(e["id"])
    assert r["outcome"] == "disable" and r["endpointDisabled"], r
    status, got = call("GET", "/v1/webhook-endpoints/" + e["id"])
    assert got["status"] == "disabled" and "410" in got["disabledReason"], got
    # the integrator turns it on again
    status, got = call("PATCH", "/v1/webhook-endpoints/" + e["id"], {"status": "enabled"})
    assert status == 200 and got["status"] == "enabled" and not got.get("disabledReason"), got


@test
def an_endpoint_is_changed_and_removed():
    e = create()
    status, got = call("PATCH", "/v1/webhook-endpoints/" + e["id"], {
        "eventTypes": ["hrflow.scheduling."], "description": "排期"})
    assert status == 200 and got["eventTypes"] == ["hrflow.scheduling."], got
    assert got["description"] == "排期" and got["url"] == e["url"] and not got.get("secret")
    assert int(got["version"]) == int(e["version"]) + 1, (got, e)
    status, p = call("PATCH", "/v1/webhook-endpoints/" + e["id"], {"companyId": "x"})
    assert status == 422 and fields(p)[0][1] == "not_updatable", p
    status, got = call("DELETE", "/v1/webhook-endpoints/" + e["id"])
    assert status == 200 and got["id"] == e["id"] and not got.get("secret"), got
    assert call("GET", "/v1/webhook-endpoints/" + e["id"])[0] == 404
    assert call("DELETE", "/v1/webhook-endpoints/" + e["id"])[0] == 404


@test
def bad_input_is_refused_with_its_field():
    count = psql(stack.dsn, "SELECT count(*) FROM notify.webhook_endpoints")
    for body, want in (
            ({"url": "not a url", "eventTypes": []}, ("url", "invalid")),
            ({"url": "", "eventTypes": []}, ("url", "required")),
            ({"url": "ftp://127.0.0.1/x", "eventTypes": []}, ("url", "invalid")),
            ({"url": "http://u:p@127.0.0.1/x", "eventTypes": []}, ("url", "invalid")),
            ({"url": "http://169.254.169.254/latest", "eventTypes": []}, ("url", "invalid")),
            ({"url": ctx["base"] + "/ok", "eventTypes": ["pipeline.created"]},
             ("eventTypes[0]", "invalid")),
            ({"url": ctx["base"] + "/ok", "eventTypes": ["hrflow.pipeline.job.created"]},
             ("eventTypes[0]", "invalid")),
            ({"url": ctx["base"] + "/ok", "eventTypes": ["hrflow.", "hrflow."]},
             ("eventTypes[1]", "duplicate")),
            ({"url": ctx["base"] + "/ok", "eventTypes": [], "companyId": "nope"},
             ("companyId", "not_found"))):
        status, p = call("POST", "/v1/webhook-endpoints", body)
        assert status == 422 and want in fields(p), (body, status, p)
    status, p = call("PATCH", "/v1/webhook-endpoints/" + ctx["ep"], {"url": "https://169.254.169.254/"})
    assert status == 422 and ("url", "invalid") in fields(p), p
    assert psql(stack.dsn, "SELECT count(*) FROM notify.webhook_endpoints") == count


@test
def tenants_and_companies_are_walled_off():
    sh = create(companyId=ctx["companies"]["SH"], key="admin")
    group = ctx["ep"]
    for key in ("other", "sz_only"):
        for eid in (sh["id"], group):
            for method, path, body in (("GET", "", None), ("PATCH", "", {"description": "x"}),
                                       ("DELETE", "", None), ("POST", "/rotate-secret", {}),
                                       ("POST", "/test", {})):
                status, _ = call(method, "/v1/webhook-endpoints/%s%s" % (eid, path), body, key)
                assert status == 404, (key, eid, method, path, status)
        listed = [x["id"] for x in call("GET", "/v1/webhook-endpoints", key=key)[1]["endpoints"]]
        assert sh["id"] not in listed and group not in listed, (key, listed)
    # a company-bound key makes endpoints of its company only
    status, p = call("POST", "/v1/webhook-endpoints", {
        "url": ctx["base"] + "/ok", "eventTypes": [], "companyId": ctx["companies"]["SH"]},
        "sz_only")
    assert status == 422 and ("companyId", "not_found") in fields(p), p
    # and another tenant's key cannot name this group's company
    status, p = call("POST", "/v1/webhook-endpoints", {
        "url": ctx["base"] + "/ok", "eventTypes": [], "companyId": ctx["companies"]["SH"]},
        "other")
    assert status == 422 and ("companyId", "not_found") in fields(p), p
    mine = create(key="sz_only")
    assert mine["companyId"] == ctx["companies"]["SZ"], mine
    assert call("GET", "/v1/webhook-endpoints/" + mine["id"], key="sz_only")[0] == 200
    # recruiters have no business with integrations
    assert call("GET", "/v1/webhook-endpoints", key="recruiter")[0] == 403
    assert call("POST", "/v1/webhook-endpoints", {"url": ctx["base"] + "/ok", "eventTypes": []},
                "recruiter")[0] == 403


@test
def private_targets_are_refused_by_default():
    made = create()   # saved while private targets were allowed
    restart_notify(DEFAULTS)
    try:
        for url in (ctx["base"] + "/ok", "https://127.0.0.1/hook", "https://localhost/hook",
                    "https://10.1.2.3/hook", "https://[::1]/hook",
                    "https://[::ffff:127.0.0.1]/hook", "https://100.64.0.1/hook",
                    "https://0.0.0.0/hook"):
            status, p = call("POST", "/v1/webhook-endpoints", {"url": url, "eventTypes": []})
            assert status == 422 and ("url", "invalid") in fields(p), (url, p)
        status, p = call("POST", "/v1/webhook-endpoints", {"url": "https://localhost/h",
                                                           "eventTypes": []})
        assert "loopback" in json.dumps(p), p
        # checked again at send time: the saved endpoint is refused, nothing sent
        before = len(receiver.requests)
        r, got = test_send(made["id"])
        assert r["outcome"] == "refused" and got is None and len(receiver.requests) == before, r
    finally:
        restart_notify(LOCAL)


if __name__ == "__main__":
    run(setup, teardown)
