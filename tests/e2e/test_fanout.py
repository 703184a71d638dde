"""tests/e2e/test_fanout.py - outbox events delivered to webhook endpoints by the engine.

Events appended to the outbox (types hrflow.test.fan.*, so what the services
write meanwhile never disturbs the tests) reach the endpoints that want
them, and only those: by event type, an endpoint of one company only its
company's events (data.companyId), another tenant's endpoints never. Each
request is checked by independent implementations (the standardwebhooks npm
package verifies the signature, the cloudevents SDK reads the event), its
webhook-id is the event's id. A receiver that fails is retried on the
schedule, the endpoint's circuit opens (one job probes it at a time) and
everything drains once it answers again; 410 disables the endpoint and its
jobs wait until it is enabled again; 429 with Retry-After pauses the
endpoint that long. A replica SIGKILLed with requests held open by the
receiver loses nothing and sends nothing twice: the transfers it had
finished were committed one by one, and the receiver counts a request only
when its client is still connected when it answers. The clock (timers.now)
is frozen and moved where the schedule matters; nothing sleeps.
"""
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from receivers import WebhookReceiver  # noqa: E402
from stack import Stack, psql, wait_for  # noqa: E402
from tap import run, test  # noqa: E402

TEST = "hrflow.test.fan."
ENV = {"HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE": "on", "HF_NOTIFY_WEBHOOK_ALLOW_HTTP": "on",
       "HF_NOTIFY_WEBHOOK_TIMEOUT_S": "30", "HF_NOTIFY_LEASE_S": "60",
       "HF_NOTIFY_SEND_TIMEOUT_S": "20", "HF_NOTIFY_WEBHOOK_CONCURRENCY": "32",
       "HF_GATEWAY_RATE_LIMITS": "admin=5000:5000,integrator=5000:5000"}

stack = None
receiver = None     # receivers.WebhookReceiver: every path answers 204 unless told
keys = {}
ctx = {}


def setup():
    global stack, receiver
    receiver = WebhookReceiver()
    ctx["base"] = receiver.base
    stack = Stack("fanout", ENV)
    stack.start_all()
    stack.tenant("fa", "SH", "SZ")
    stack.tenant("fb", "FB")
    for name, tenant, company in (("integrator", "fa", None), ("sz", "fa", "SZ"),
                                  ("other", "fb", None)):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               "integrator", *(("--company", company) if company else ()))
    ctx["companies"] = {c["code"]: c["id"] for c in call("GET", "/v1/companies")[1]["companies"]}
    ctx["tenant"] = sql("SELECT id FROM identity.tenants WHERE slug = 'fa'")
    ctx["tenant_b"] = sql("SELECT id FROM identity.tenants WHERE slug = 'fb'")


def teardown():
    if receiver:
        receiver.close()
    if stack:
        stack.destroy()


def call(method, path, body=None, key="integrator"):
    status, payload = stack.api(keys[key], method, path, body)
    return status, json.loads(payload) if payload else None


def sql(q):
    return psql(stack.dsn, q)


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def create(path, types=(TEST,), key="integrator"):
    status, e = call("POST", "/v1/webhook-endpoints",
                     {"url": ctx["base"] + path, "eventTypes": list(types)}, key)
    assert status == 201, (status, e)
    return e


def append(kind, n=1, company="SH", tenant=None):
    """n events of type hrflow.test.fan.<kind>.v1 in one transaction: their ids."""
    data = json.dumps({"companyId": ctx["companies"][company]} if company else {})
    out = sql("INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
              " SELECT %s, '/hrflow/test', %s, 'fan/' || g, %s::jsonb"
              " FROM generate_series(1, %d) g RETURNING id"
              % (quote(tenant or ctx["tenant"]), quote(TEST + kind + ".v1"), quote(data), n))
    return out.split()


def ids_at(path):
    with receiver.lock:
        return [h["webhook-id"] for h, _ in receiver.delivered.get(path, [])]


def jobs(endpoint, what="count(*)", where="true"):
    return sql("SELECT %s FROM notify.delivery WHERE endpoint_id = '%s' AND %s"
               % (what, endpoint, where))


def check(secret, headers, body):
    out = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "webhook_check.js")],
                         input=json.dumps({"secrets": [secret], "headers": headers, "body": body}),
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, NODE_PATH=os.environ["HF_TEST_EVENTS_NODE_MODULES"]))
    return json.loads(out.stdout)


def all_sent(endpoint, n):
    wait_for(lambda: jobs(endpoint, where="state = 'sent'") == str(n), timeout=60,
             what="%d deliveries of %s sent" % (n, endpoint))


class Frozen:
    """The one clock held still for a test, moved by advance()."""

    def __enter__(self):
        sql("SELECT timers.freeze(now())")
        return self

    def advance(self, by):
        sql("SELECT timers.advance('%s')" % by)

    def __exit__(self, *exc):
        sql("SELECT timers.freeze(NULL)")


@test
def events_reach_the_endpoints_that_want_them_only():
    group = create("/group")
    one = create("/one", types=[TEST + "one.v1"], key="sz")    # company SZ, one type
    other = create("/other", key="other")                     # tenant fb
    sh = append("one", company="SH")
    sz = append("one", company="SZ") + append("two", company="SZ")
    append("one", company=None, tenant=ctx["tenant_b"])       # fb's own event
    unwanted = sql("INSERT INTO events.outbox (tenant_id, source, type, data) VALUES (%s,"
                   " '/hrflow/test', 'hrflow.test.elsewhere.v1', '{}') RETURNING id"
                   % quote(ctx["tenant"]))
    all_sent(group["id"], 3)
    all_sent(one["id"], 1)
    all_sent(other["id"], 1)
    assert sorted(ids_at("/group")) == sorted(sh + sz), ids_at("/group")
    assert ids_at("/one") == [sz[0]] and unwanted not in ids_at("/group"), ids_at("/one")
    assert set(ids_at("/other")).isdisjoint(sh + sz), ids_at("/other")
    with receiver.lock:
        got = receiver.delivered["/group"] + receiver.delivered["/one"]
    for headers, body in got:
        ones = [h for h, _ in receiver.delivered["/one"]]
        secret = one["secret"] if headers in ones else group["secret"]
        r = check(secret, headers, body)
        ev = r["event"]
        assert r["verified"] == [True], r
        assert ev["id"] == headers["webhook-id"] and ev["type"].startswith(TEST), ev
        assert ev["source"] == "/hrflow/test" and ev["hrflowtenant"] == ctx["tenant"], ev
        assert ev["data"]["companyId"] in ctx["companies"].values(), ev
    # the rows reference the events, nothing of them copied
    assert jobs(group["id"], "count(*)", "body IS NULL AND recipient IS NULL") == "3"


@test
def a_redelivered_event_enqueues_nothing():
    e = create("/again", types=[TEST + "again.v1"])
    ids = append("again", n=3)
    all_sent(e["id"], 3)
    # the consumer reads the log again from the beginning; an endpoint made now
    # wants the same type, but gets only what is written after it was made
    sql("UPDATE events.consumer_cursor SET tx_id = '0', last_id = 0"
        " WHERE name = 'notify.webhooks'")
    late = create("/late", types=[TEST + "again.v1"])
    mark = create("/mark", types=[TEST + "mark.v1"])
    append("mark")
    all_sent(mark["id"], 1)        # the log was read again up to here
    assert jobs(e["id"]) == "3", jobs(e["id"])
    assert sorted(ids_at("/again")) == sorted(ids), ids_at("/again")
    assert jobs(late["id"]) == "0", jobs(late["id"])
    new = append("again")
    all_sent(late["id"], 1)
    all_sent(e["id"], 4)
    assert ids_at("/late") == new, ids_at("/late")


@test
def a_failing_receiver_is_retried_on_the_schedule_and_drains_when_back():
    receiver.answers["/flaky"] = (500, {})
    e = create("/flaky")
    with Frozen() as clock:
        ids = append("flaky", n=3)
        wait_for(lambda: jobs(e["id"], where="attempts = 1 AND state = 'queued' AND "
                              "last_error = 'http_500' AND run_time > timers.now()") == "3",
                 what="three first attempts failed")
        assert sql("SELECT circuit_until > timers.now() FROM notify.webhook_endpoints"
                   " WHERE id = '%s'" % e["id"]) == "t"
        # the schedule's first retry is 5 s (plus or minus 10%): one job probes, still failing
        clock.advance("6 seconds")
        wait_for(lambda: jobs(e["id"], "sum(attempts)") == "4", what="one probe")
        wait_for(lambda: sql("SELECT circuit_until > timers.now() FROM"
                             " notify.webhook_endpoints WHERE id = '%s'" % e["id"]) == "t",
                 what="the circuit open again")
        assert jobs(e["id"], "max(attempts)") == "2" and ids_at("/flaky") == []
        receiver.answers["/flaky"] = (204, {})
        clock.advance("10 minutes")
        all_sent(e["id"], 3)
    assert sorted(ids_at("/flaky")) == sorted(ids), ids_at("/flaky")
    assert sql("SELECT circuit_until IS NULL FROM notify.webhook_endpoints WHERE id = '%s'"
               % e["id"]) == "t"


@test
def gone_disables_the_endpoint_and_its_jobs_wait_for_it():
    receiver.answers["/gone"] = (410, {})
    e = create("/gone")
    ids = append("gone", n=2)
    wait_for(lambda: call("GET", "/v1/webhook-endpoints/" + e["id"])[1]["status"] == "disabled",
             what="the endpoint disabled")
    wait_for(lambda: jobs(e["id"], where="state = 'queued'") == "2", what="jobs queued")
    assert jobs(e["id"], where="state = 'dead'") == "0"
    receiver.answers["/gone"] = (204, {})
    status, got = call("PATCH", "/v1/webhook-endpoints/" + e["id"], {"status": "enabled"})
    assert status == 200 and got["status"] == "enabled", got
    all_sent(e["id"], 2)
    assert sorted(ids_at("/gone")) == sorted(ids)


@test
def too_many_requests_pauses_the_endpoint_for_its_retry_after():
    receiver.answers["/busy"] = (429, {"Retry-After": "120"})
    e = create("/busy")
    with Frozen() as clock:
        ids = append("busy", n=2)
        wait_for(lambda: jobs(e["id"], where="last_error = 'http_429'") != "0",
                 what="a 429")
        assert sql("SELECT circuit_until >= timers.now() + interval '119 seconds' FROM"
                   " notify.webhook_endpoints WHERE id = '%s'" % e["id"]) == "t"
        assert jobs(e["id"], "bool_and(run_time >= timers.now() + interval '119 seconds')",
                    "state = 'queued' AND attempts > 0") == "t"
        receiver.answers["/busy"] = (204, {})
        clock.advance("121 seconds")
        all_sent(e["id"], 2)
    assert sorted(ids_at("/busy")) == sorted(ids)


@test
def the_delivery_log_pages_replays_and_retries():
    e = create("/log", types=[TEST + "log.v1"])
    ids = append("log", n=3)
    all_sent(e["id"], 3)
    path = "/v1/webhook-endpoints/%s/deliveries" % e["id"]
    status, page = call("GET", path + "?state=sent&pageSize=2")
    assert status == 200 and len(page["deliveries"]) == 2 and page["nextPageToken"], page
    d = page["deliveries"][0]
    assert d["state"] == "sent" and d["attempts"] == 1 and d["statusCode"] == 204, d
    assert d["eventId"] in ids and d["endpointId"] == e["id"] and d["sentTime"], d
    status, rest = call("GET", path + "?state=sent&pageSize=2&pageToken=" +
                        urllib.parse.quote(page["nextPageToken"]))
    assert status == 200 and len(rest["deliveries"]) == 1 and not rest.get("nextPageToken")
    assert call("GET", path + "?state=dead")[1].get("deliveries", []) == []
    # replay from the second event: sent again under the same webhook-ids
    status, r = call("POST", "/v1/webhook-endpoints/%s:replay" % e["id"],
                     {"fromEventId": ids[1]})
    assert status == 200 and int(r["enqueued"]) == 2, r
    wait_for(lambda: sorted(ids_at("/log")) == sorted(ids + ids[1:]), what="replayed")
    all_sent(e["id"], 3)
    # and from a time: all three
    since = sql("SELECT to_char(min(time) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                " FROM events.outbox WHERE id IN (%s)" % ",".join(ids))
    status, r = call("POST", "/v1/webhook-endpoints/%s:replay" % e["id"], {"fromTime": since})
    assert status == 200 and int(r["enqueued"]) == 3, r
    wait_for(lambda: len(ids_at("/log")) == 8, what="replayed from a time")
    all_sent(e["id"], 3)
    for body in ({}, {"fromEventId": "x"}, {"fromTime": "yesterday"},
                 {"fromEventId": ids[0], "fromTime": since}):
        status, p = call("POST", "/v1/webhook-endpoints/%s:replay" % e["id"], body)
        assert status in (400, 422) and p.get("errors"), (body, status, p)
    # a dead delivery is retried, a sent one is not; another tenant sees none of it
    sql("UPDATE notify.delivery SET state = 'dead', last_error = 'http_400'"
        " WHERE id = '%s'" % d["id"])
    retry = "/v1/webhook-endpoints/%s/deliveries/%s:retry" % (e["id"], d["id"])
    assert call("POST", retry, key="other")[0] == 404
    assert call("GET", path, key="other")[0] == 404
    status, got = call("POST", retry)
    assert status == 200 and got["id"] == d["id"] and got["attempts"] == 0, got
    wait_for(lambda: len(ids_at("/log")) == 9, what="the retried delivery")
    all_sent(e["id"], 3)
    assert call("POST", retry)[0] == 409


@test
def a_replica_killed_mid_delivery_loses_nothing_and_sends_nothing_twice():
    e = create("/kill")
    receiver.release.clear()
    with Frozen() as clock:
        receiver.held.update(("/kill", "fan/%d" % i) for i in range(17, 21))
        ids = append("kill", n=20)
        # the others are answered and committed one by one while four are held open
        wait_for(lambda: jobs(e["id"], where="state = 'sent'") == "16", timeout=60,
                 what="16 deliveries committed")
        wait_for(lambda: len(receiver.holding) == 4, what="four requests held open")
        dead = stack.procs.pop("notify")
        dead.kill()
        dead.wait(10)       # gone, its sockets closed
        receiver.release.set()       # the held requests are answered to a client that is gone
        stack.start("notify")
        stack.wait_ready()
        clock.advance("2 minutes")   # the dead replica's leases lapse
        all_sent(e["id"], 20)
    got = ids_at("/kill")
    assert sorted(got) == sorted(ids) and len(got) == len(set(got)), got
    assert len(receiver.holding) == 4, receiver.holding


if __name__ == "__main__":
    run(setup, teardown)
