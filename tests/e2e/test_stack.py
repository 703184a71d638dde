"""tests/e2e/test_stack.py - the platform as ./hrflow up runs it, over HTTP.

Start broker, services and gateway; the admin listener's /readyz must list
every service as ready through the bus, while the public port's says only
ready or not, from a check made at most once per interval, and has no
/metrics; the gateway answers problems for bad routes; a dead service shows in
/readyz and recovers; SIGTERM stops everything cleanly.
"""
import concurrent.futures
import json
import re
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from stack import SERVICES, Stack, psql  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
from tap import run, test  # noqa: E402

stack = None


def setup():
    global stack
    stack = Stack("stack", {"HF_GATEWAY_MAX_BODY": "2048"})
    stack.start_all()


def teardown():
    if stack:
        stack.destroy()


@test
def healthz_answers():
    status, headers, body = stack.get_json("/healthz")
    assert status == 200, status
    assert body == {"status": "ok"}, body
    assert headers["Content-Type"] == "application/json"
    assert len(headers["X-Request-Id"]) > 0


@test
def readyz_lists_every_service_ready():
    status, headers, body = stack.get_json("/readyz", admin=True)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store", headers
    assert headers["X-Content-Type-Options"] == "nosniff", headers
    assert body["status"] == "ready"
    comps = body["components"]
    for name in ["postgres", "redis", "broker"] + SERVICES:
        assert comps[name]["ok"] is True, (name, comps.get(name))
    for svc in SERVICES:
        assert comps[svc]["checks"]["postgres"]["ok"] is True
        assert comps[svc]["checks"]["redis"]["ok"] is True
        assert comps[svc]["instance"]
    # latencies read as people write them: 6 significant digits at most
    for name, comp in comps.items():
        digits = repr(comp["latencyMs"]).replace(".", "").lstrip("0")
        assert len(digits) <= 6, (name, comp["latencyMs"])
    workers = comps["broker"]["checks"]["workers"]["detail"]
    for svc in SERVICES:
        assert "%s=1" % svc in workers, workers


@test
def the_public_readyz_says_only_ready():
    status, headers, body = stack.get_json("/readyz")
    assert status == 200 and body == {"status": "ready"}, body
    assert headers["Cache-Control"] == "no-store", headers
    assert headers["X-Content-Type-Options"] == "nosniff", headers


def ready_checks():
    """hf_gateway_ready_checks_total of the gateway's admin /metrics."""
    status, _, body = stack.request("GET", "/metrics", admin=True)
    m = re.search(r"^hf_gateway_ready_checks_total (\d+)$", body.decode(), re.M)
    assert status == 200 and m, body[:2000]   # the checks made so far counted it
    return int(m.group(1))


@test
def a_flood_of_public_readyz_checks_at_most_once_per_interval():
    """Each call used to query PostgreSQL, Redis and every service; now the
    calls share a check made at most once per HF_GATEWAY_READY_CACHE_MS
    (1000), whatever the number of callers and threads."""
    t0 = time.monotonic()
    before = ready_checks()

    def one(_):
        return stack.get_json("/readyz")[::2]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(400)))
    after = ready_checks()
    elapsed_ms = (time.monotonic() - t0) * 1000
    assert all(a == (200, {"status": "ready"}) for a in answers), set(map(str, answers))
    # a check starts at least an interval after the last one ended
    assert after - before <= elapsed_ms // 1000 + 1, (after - before, elapsed_ms)


@test
def each_service_owns_its_schema_and_the_outbox_exists():
    schemas = psql(stack.dsn, "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace")
    for name in SERVICES + ["events"]:
        assert name in schemas.split(","), schemas
    # every migration file of every service (and of the shared events schema) applied once
    files = sum(len(os.listdir(os.path.join(REPO, "services", svc, "migrations")))
                for svc in SERVICES) + len(os.listdir(os.path.join(REPO, "common", "migrations")))
    applied = psql(stack.dsn, "SELECT count(*) FROM hf_migrations")
    assert int(applied) == files, (applied, files)


@test
def request_id_and_traceparent_are_carried():
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    status, headers, _ = stack.request("GET", "/healthz",
                                       headers={"X-Request-Id": "abc-123", "traceparent": tp})
    assert status == 200
    assert headers["X-Request-Id"] == "abc-123"
    # an id with spaces or control characters is replaced, not echoed
    status, headers, _ = stack.request("GET", "/healthz", headers={"X-Request-Id": "a b"})
    assert headers["X-Request-Id"] != "a b"


@test
def unknown_route_is_a_problem():
    status, headers, body = stack.request("GET", "/nope")
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    p = json.loads(body)
    assert p["status"] == 404 and p["code"] == "not_found", p
    assert p["type"].endswith("/not_found")


@test
def wrong_method_is_405_with_allow():
    status, headers, body = stack.request("DELETE", "/readyz")
    assert status == 405, status
    assert headers["Allow"] == "GET"
    assert json.loads(body)["code"] == "method_not_allowed"


@test
def oversized_body_is_413():
    status, headers, body = stack.request("POST", "/healthz", body=b"x" * 10000,
                                          headers={"Content-Type": "text/plain"})
    assert status == 413, status
    assert json.loads(body)["code"] == "payload_too_large"


@test
def metrics_are_on_the_admin_listener_only():
    status, headers, body = stack.request("GET", "/metrics")
    assert status == 404, status
    assert json.loads(body)["code"] == "not_found"
    status, headers, body = stack.request("GET", "/metrics", admin=True)
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert headers["Cache-Control"] == "no-store", headers
    assert headers["X-Content-Type-Options"] == "nosniff", headers
    text = body.decode()
    assert "# TYPE hf_gateway_requests_total counter" in text
    assert 'hf_gateway_requests_total{route="healthz",code="200"}' in text
    assert 'hf_gateway_request_seconds_bucket{route="readyz",le="+Inf"}' in text
    # every service serves its own /metrics with its worker counters
    for svc in SERVICES:
        port = stack.metrics_ports[svc]
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            m = r.read().decode()
        assert 'hf_worker_requests_total{service="%s",method="Health",outcome="ok"}' % svc in m
    # the admin listener serves nothing else
    status, _, body = stack.request("GET", "/openapi.json", admin=True)
    assert status == 404, status


@test
def a_dead_service_shows_and_recovers():
    stack.stop("scoring", signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline:
        status, _, body = stack.get_json("/readyz", admin=True)
        if status == 503:
            break
        time.sleep(0.2)
    assert status == 503, body
    assert body["status"] == "not ready", body
    assert body["components"]["scoring"]["ok"] is False
    assert body["components"]["pipeline"]["ok"] is True
    # the public /readyz says so too, once its last check is older than the interval
    while time.time() < deadline:
        status, _, body = stack.get_json("/readyz")
        if status == 503:
            break
        time.sleep(0.2)
    assert status == 503 and body == {"status": "not ready"}, body
    stack.start("scoring")
    stack.wait_ready(15)


@test
def a_bad_setting_stops_a_service_with_a_clear_message():
    out = subprocess.run([stack.binary("payroll")], env=dict(stack.env, HF_WORKER_THREADS="lots"),
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 2, out
    assert 'HF_WORKER_THREADS: "lots" is not an integer' in out.stderr, out.stderr
    out = subprocess.run([stack.binary("payroll"), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "HF_PG_DSN" in out.stdout


@test
def sigterm_stops_everything_cleanly():
    codes = stack.stop_all()
    assert all(code == 0 for code in codes.values()), codes


if __name__ == "__main__":
    run(setup, teardown)
