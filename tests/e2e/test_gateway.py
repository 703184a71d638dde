"""tests/e2e/test_gateway.py - the REST API's machinery, over HTTP against the real stack.

Auth and scopes, tenant isolation, problem+json for every kind of bad input,
JSON <-> protobuf through the identity routes, PATCH masks, Idempotency-Key,
rate limits, signed page tokens, bus errors mapped to HTTP (503 overloaded,
504 deadline, 503 unavailable), the OpenAPI document and its lint, request
ids in the envelope, the access log and per-route metrics.
"""
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, free_port, wait_for  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}       # name -> token
tenants = {}    # slug -> id


def setup():
    global stack
    stack = Stack("gateway", {
        "HF_GATEWAY_MAX_BODY": "65536",
        "HF_GATEWAY_WORKERS": "32",
        "HF_GATEWAY_CONN_TIMEOUT_S": "2",
        "HF_GATEWAY_CALL_TIMEOUT_MS": "1500",
        "HF_GATEWAY_RATE_LIMITS":
            "admin=1000:1000,recruiter=1000:1000,payroll=1000:1000,integrator=2:3,public=1:3",
        "HF_GATEWAY_CLIENT_IP_HEADER": "X-Forwarded-For",
        "HF_BROKER_QUEUE_MAX": "4",
    })
    stack.service_env["identity"] = {"HF_LOG_LEVEL": "debug"}
    stack.start_all()
    tenants["alpha"] = cli("tenant", "create", "--slug", "alpha", "--name", "Alpha 集团")
    tenants["beta"] = cli("tenant", "create", "--slug", "beta", "--name", "Beta Group")
    keys["admin"] = cli("apikey", "create", "--tenant", "alpha", "--scope", "admin")
    keys["recruiter"] = cli("apikey", "create", "--tenant", "alpha", "--scope", "recruiter")
    keys["integrator"] = cli("apikey", "create", "--tenant", "alpha", "--scope", "integrator")
    keys["beta"] = cli("apikey", "create", "--tenant", "beta", "--scope", "admin")


def teardown():
    if stack:
        stack.destroy()


def cli(*args):
    out = subprocess.run([stack.binary("identity")] + list(args), env=stack.env,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, (args, out.stderr)
    return out.stdout.strip()


def call(method, path, body=None, key="admin", headers=None, raw=None):
    """(status, headers, parsed JSON or None) of one API request."""
    h = {}
    if key:
        h["Authorization"] = "Bearer " + keys.get(key, key)
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    status, rh, payload = stack.request(method, path, data, h)
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = payload
    return status, rh, parsed


def assert_problem(status, headers, body, want_status, want_code):
    assert status == want_status, (status, body)
    assert headers["Content-Type"] == "application/problem+json", headers["Content-Type"]
    assert body["status"] == want_status and body["code"] == want_code, body
    assert body["type"].endswith("/" + want_code) and body["title"] and body["requestId"], body


def new_company(code=None, key="admin", **extra):
    body = {"code": code or "C" + uuid.uuid4().hex[:8], "name": "测试公司 " + uuid.uuid4().hex[:4],
            "city": "上海"}
    body.update(extra)
    status, _, company = call("POST", "/v1/companies", body, key=key)
    assert status == 201, (status, company)
    return company


# ---- auth, scopes, tenancy ----

@test
def no_key_is_401_with_a_bearer_challenge():
    status, headers, body = call("GET", "/v1/companies", key=None)
    assert_problem(status, headers, body, 401, "unauthenticated")
    assert headers["WWW-Authenticate"].startswith("Bearer")


@test
def bad_tokens_are_401_without_saying_why():
    for auth in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer garbage", "Bearer hf_x",
                 "Bearer hf_0123456789abcdef_" + "A" * 43, "Bearer " + "é" * 10,
                 "Bearer " + keys["admin"] + "x", "Bearer " + keys["admin"][:-1]]:
        status, headers, body = call("GET", "/v1/companies", key=None,
                                     headers={"Authorization": auth})
        assert_problem(status, headers, body, 401, "unauthenticated")
        assert keys["admin"] not in json.dumps(body)


@test
def a_key_sees_its_own_tenant():
    status, _, body = call("GET", "/v1/tenants")
    assert status == 200, body
    assert [t["id"] for t in body["tenants"]] == [tenants["alpha"]], body
    status, _, t = call("GET", "/v1/tenants/current")
    assert status == 200 and t["slug"] == "alpha" and t["name"] == "Alpha 集团", t
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", t["createTime"]), t
    status, headers, body = call("GET", "/v1/tenants/" + tenants["beta"])
    assert_problem(status, headers, body, 404, "not_found")


@test
def create_get_and_list_a_company_in_json_names():
    c = new_company(code="HX-SH", creditCode="91310000MA1FL0000X")
    assert c["code"] == "HX-SH" and c["city"] == "上海", c
    assert c["creditCode"] == "91310000MA1FL0000X" and c["tenantId"] == tenants["alpha"], c
    status, _, got = call("GET", "/v1/companies/" + c["id"], key="recruiter")
    assert status == 200 and got == c, (got, c)
    status, _, page = call("GET", "/v1/companies?page_size=500")
    assert status == 200 and c["id"] in [x["id"] for x in page["companies"]], page


@test
def a_recruiter_key_cannot_use_admin_routes():
    status, headers, body = call("POST", "/v1/companies", {"code": "NOPE", "name": "x"},
                                 key="recruiter")
    assert_problem(status, headers, body, 403, "insufficient_scope")
    assert "admin" in body["detail"]
    status, headers, body = call("GET", "/v1/apikeys", key="recruiter")
    assert_problem(status, headers, body, 403, "insufficient_scope")


@test
def another_tenants_company_is_404_and_never_listed():
    c = new_company()
    for method, path, body in [("GET", "/v1/companies/" + c["id"], None),
                               ("PATCH", "/v1/companies/" + c["id"], {"name": "stolen"})]:
        status, headers, got = call(method, path, body, key="beta")
        assert_problem(status, headers, got, 404, "not_found")
    status, _, page = call("GET", "/v1/companies?pageSize=500", key="beta")
    assert status == 200 and c["id"] not in [x["id"] for x in page["companies"]], page
    status, _, mine = call("GET", "/v1/companies/" + c["id"])
    assert status == 200 and mine["name"] == c["name"], mine


@test
def a_company_scoped_key_sees_only_its_companies():
    a, b = new_company(), new_company()
    status, _, created = call("POST", "/v1/apikeys", {"name": "only a", "scopes": ["recruiter"],
                                                      "companyIds": [a["id"]]})
    assert status == 201, created
    assert created["apiKey"]["companyIds"] == [a["id"]], created
    keys["scoped"] = created["token"]
    status, _, got = call("GET", "/v1/companies/" + a["id"], key="scoped")
    assert status == 200 and got["id"] == a["id"]
    status, headers, got = call("GET", "/v1/companies/" + b["id"], key="scoped")
    assert_problem(status, headers, got, 404, "not_found")
    status, _, page = call("GET", "/v1/companies", key="scoped")
    assert [x["id"] for x in page["companies"]] == [a["id"]], page


@test
def a_revoked_key_stops_at_once_even_when_cached():
    status, _, created = call("POST", "/v1/apikeys", {"name": "temp", "scopes": ["recruiter"]})
    assert status == 201 and created["token"].startswith("hf_"), created
    token = created["token"]
    for _ in range(3):  # authenticated and cached in Redis
        status, _, _ = call("GET", "/v1/companies", key=token)
        assert status == 200
    status, _, listed = call("GET", "/v1/apikeys")
    assert created["apiKey"]["id"] in [k["id"] for k in listed["apiKeys"]]
    assert token not in json.dumps(listed)
    status, _, revoked = call("POST", "/v1/apikeys/%s:revoke" % created["apiKey"]["id"])
    assert status == 200 and revoked.get("revokeTime"), revoked
    status, headers, body = call("GET", "/v1/companies", key=token)
    assert_problem(status, headers, body, 401, "unauthenticated")


class Replica:
    """A second gateway on the same stack, holding keys in its process for a minute
    (HF_GATEWAY_AUTH_LOCAL_MS), so only the revocation event or Redis can make it
    drop one, and with a recruiter limit that leases 4 tokens at a time (64 / 16)."""

    def __init__(self):
        self.port = free_port()
        stack.start("gateway", {"HF_GATEWAY_ADDR": "127.0.0.1:%d" % self.port,
                                "HF_GATEWAY_AUTH_LOCAL_MS": "60000",
                                "HF_GATEWAY_RATE_LIMITS": "admin=1000:1000,recruiter=0.01:64"},
                    name="gateway2")
        wait_for(lambda: self.metric("hf_gateway_auth_local_hits_total") is not None,
                 what="the second gateway")

    def get(self, path, token):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("GET", path, headers={"Authorization": "Bearer " + token})
            r = c.getresponse()
            return r.status, r.headers, json.loads(r.read() or b"null")
        finally:
            c.close()

    def metric(self, name):
        try:
            c = http.client.HTTPConnection("127.0.0.1", stack.metrics_ports["gateway2"],
                                           timeout=5)
            c.request("GET", "/metrics")
            text = c.getresponse().read().decode()
            c.close()
        except OSError:
            return None
        m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
        return int(m.group(1)) if m else None

    def stop(self):
        stack.stop("gateway2")


@test
def a_key_revoked_through_another_replica_stops_when_the_event_reaches_it():
    status, _, created = call("POST", "/v1/apikeys", {"name": "elsewhere", "scopes": ["recruiter"]})
    assert status == 201, created
    token = created["token"]
    other = Replica()
    try:
        hits = other.metric("hf_gateway_auth_local_hits_total")
        for _ in range(3):  # identity, then Redis with a lease of 4, then the lease here
            status, _, _ = other.get("/v1/companies", token)
            assert status == 200
        assert other.metric("hf_gateway_auth_local_hits_total") == hits + 1
        seen = other.metric("hf_gateway_auth_revocations_total")
        status, _, _ = call("POST", "/v1/apikeys/%s:revoke" % created["apiKey"]["id"])
        assert status == 200
        # the event plane carries the revocation to the other replica; it still holds
        # two leased tokens, so only the event makes it ask Redis (and find the tombstone)
        wait_for(lambda: other.metric("hf_gateway_auth_revocations_total") > seen,
                 what="the revocation event at the second gateway")
        status, headers, body = other.get("/v1/companies", token)
        assert_problem(status, headers, body, 401, "unauthenticated")
        assert other.metric("hf_gateway_auth_local_hits_total") == hits + 1
    finally:
        other.stop()


@test
def leased_tokens_count_exactly_as_one_request_at_a_time():
    token = cli("apikey", "create", "--tenant", "alpha", "--scope", "recruiter")
    other = Replica()
    try:
        hits = other.metric("hf_gateway_auth_local_hits_total")
        left = []
        for _ in range(64):
            status, headers, body = other.get("/v1/companies", token)
            assert status == 200, (status, body)
            left.append(int(re.match(r'^"recruiter";r=(\d+);t=\d+$',
                                     headers["RateLimit"]).group(1)))
        assert left == list(range(63, -1, -1)), left
        # the first from identity (one token); the 63 left come in leases from Redis,
        # 15 of 4 and one of 3; each lease's first token is spent with the call that
        # took it, the others here: 15 * 3 + 2
        assert other.metric("hf_gateway_auth_local_hits_total") - hits == 47
        for _ in range(2):  # refused by Redis, then by the refusal kept here
            status, headers, body = other.get("/v1/companies", token)
            assert_problem(status, headers, body, 429, "rate_limited")
            assert int(headers["Retry-After"]) > 60
        # the main gateway shares the budget through Redis: nothing left there either
        status, headers, body = call("GET", "/v1/companies", key=token)
        assert_problem(status, headers, body, 429, "rate_limited")
    finally:
        other.stop()


# ---- JSON mapping and bad input ----

@test
def patch_changes_only_the_fields_given():
    c = new_company(city="北京")
    status, _, got = call("PATCH", "/v1/companies/" + c["id"], {"city": "深圳"})
    assert status == 200, got
    assert got["city"] == "深圳" and got["name"] == c["name"] and got["code"] == c["code"], got
    status, _, again = call("GET", "/v1/companies/" + c["id"])
    assert again["city"] == "深圳" and again["name"] == c["name"], again


@test
def unknown_and_mistyped_fields_name_their_path():
    status, headers, body = call("POST", "/v1/companies", {"code": "X1", "nme": "typo"})
    assert_problem(status, headers, body, 400, "malformed_request")
    assert [e["field"] for e in body["errors"]] == ["nme"], body
    assert body["errors"][0]["code"] == "unknown_field", body
    status, headers, body = call("POST", "/v1/companies", {"code": "X1", "name": 5, "city": []})
    assert_problem(status, headers, body, 400, "malformed_request")
    assert sorted(e["field"] for e in body["errors"]) == ["city", "name"], body
    status, headers, body = call("POST", "/v1/apikeys", {"name": "k", "scopes": "admin"})
    assert_problem(status, headers, body, 400, "malformed_request")
    assert body["errors"][0]["field"] == "scopes", body


@test
def service_validation_is_422_with_field_paths():
    status, headers, body = call("POST", "/v1/companies", {"code": "bad code!", "name": ""})
    assert_problem(status, headers, body, 422, "invalid_argument")
    fields = sorted(e["field"] for e in body["errors"])
    assert fields == ["code", "name"], body
    status, headers, body = call("POST", "/v1/apikeys", {"name": "k",
                                                         "scopes": ["admin", "superuser"]})
    assert_problem(status, headers, body, 422, "invalid_argument")
    assert body["errors"][0]["field"] == "scopes[1]", body


@test
def a_duplicate_code_is_409():
    c = new_company()
    status, headers, body = call("POST", "/v1/companies", {"code": c["code"], "name": "again"})
    assert_problem(status, headers, body, 409, "already_exists")


@test
def malformed_bodies_are_400_and_change_nothing():
    before = count_companies()
    cases = [
        (b'{"code": "A", "name": ', "malformed_json"),
        (b'[1, 2, 3]', "malformed_json"),
        (b'"just a string"', "malformed_json"),
        (b'{"code": "A\xff\xfe", "name": "x"}', "malformed_json"),
        (b'{"code": "A", "code": "B", "name": "x"}', "malformed_json"),
        (b'{"code": "A\\u0000", "name": "x"}', "malformed_json"),
        (b'[' * 5000 + b']' * 5000, "malformed_json"),
    ]
    for raw, code in cases:
        status, headers, body = call("POST", "/v1/companies", raw=raw)
        assert_problem(status, headers, body, 400, code)
    nested = {"name": "x"}
    for _ in range(60):
        nested = {"name": nested}
    status, headers, body = call("POST", "/v1/companies", nested)
    assert_problem(status, headers, body, 400, "malformed_request")
    assert count_companies() == before


@test
def wrong_content_type_body_on_get_and_oversized_bodies():
    status, headers, body = call("POST", "/v1/companies", raw=b"code=A",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(status, headers, body, 415, "unsupported_media_type")
    status, headers, body = call("GET", "/v1/companies", raw=b"{}")
    assert_problem(status, headers, body, 400, "unexpected_body")
    big = {"code": "BIG", "name": "x" * 70000}
    status, headers, body = call("POST", "/v1/companies", big)
    assert_problem(status, headers, body, 413, "payload_too_large")
    # a body sent in chunks, with no Content-Length to refuse it by, is
    # refused once it passes the bound (HF_GATEWAY_MAX_BODY 65536), and
    # nothing is made of it
    before = count_companies()
    piece = json.dumps(big).encode()[:16384]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(6)) + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stack.http), timeout=30) as sock:
        sock.sendall(("POST /v1/companies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                      % keys["admin"]).encode() + chunked)
        head = b""
        while b"payload_too_large" not in head:  # the head and the body may come apart
            got = sock.recv(65536)
            if not got:
                break
            head += got
    head = head.decode(errors="replace")
    assert head.startswith("HTTP/1.1 413") and "payload_too_large" in head, head[:300]
    assert count_companies() == before


@test
def unknown_routes_methods_and_query_parameters():
    status, headers, body = call("GET", "/v1/nothing")
    assert_problem(status, headers, body, 404, "not_found")
    status, headers, body = call("DELETE", "/v1/companies")
    assert_problem(status, headers, body, 405, "method_not_allowed")
    assert headers["Allow"] == "GET, POST", headers["Allow"]
    status, headers, body = call("POST", "/v1/apikeys/abc:explode")
    assert_problem(status, headers, body, 404, "not_found")
    status, headers, body = call("GET", "/v1/companies?colour=blue")
    assert_problem(status, headers, body, 400, "malformed_request")
    assert body["errors"][0]["field"] == "query.colour", body
    status, headers, body = call("GET", "/v1/companies?page_size=lots")
    assert_problem(status, headers, body, 400, "malformed_request")
    status, headers, body = call("GET", "/v1/companies?page_size=-1")
    assert_problem(status, headers, body, 400, "malformed_request")



@test
def a_control_character_in_the_path_or_query_is_400_before_any_route():
    """A decoded %00 cut the path or query as a C string: /v1/companies/<id>%00junk
    answered the company, ?status%00xx= passed the unknown-parameter check. Any
    decoded control character in a path segment, query name or value is 400."""
    cid = new_company()["id"]
    cases = [("/v1/companies/%s%%00junk" % cid, "path"),
             ("/v1/companies/%%00%s" % cid, "path"),
             ("/v1/companies/%s%%00" % cid, "path"),
             ("/v1/companies/%s%%1f" % cid, "path"),
             ("/v1/companies/%s%%7F" % cid, "path"),
             ("/v1/jobs?status%00xx=", "query"),
             ("/v1/jobs?%00status=open", "query"),
             ("/v1/jobs?status%00", "query"),
             ("/v1/jobs?status=open%00", "query.status"),
             ("/v1/jobs?status=%00open", "query.status"),
             ("/v1/companies?page_size=1%0A", "query.page_size")]
    for path, field in cases:
        status, headers, body = call("GET", path)
        assert_problem(status, headers, body, 400, "malformed_request")
        err = body["errors"][0]
        assert err["field"] == field and err["code"] == "control_character", (path, body)
        assert "holds a control character" in err["message"], (path, body)
    status, _, body = call("GET", "/v1/companies/%s%%00junk" % cid)
    assert body["errors"][0]["message"] == (
        'path segment 3 ("%s%%00junk") holds a control character (%%00)' % cid), body
    assert body["instance"] == "/v1/companies/%s%%00junk" % cid, body
    # before routing and before the key is looked at
    status, headers, body = call("GET", "/nowhere%00", key=None)
    assert_problem(status, headers, body, 400, "malformed_request")
    status, headers, body = call("GET", "/v1/companies/%s%%00junk" % cid, key=None)
    assert_problem(status, headers, body, 400, "malformed_request")
    # the same path without the NUL is the company; escapes still decode
    status, _, body = call("GET", "/v1/companies/%s" % cid.replace("-", "%2D"))
    assert status == 200 and body["id"] == cid, body
    status, headers, body = call("GET", "/v1/companies?page_size=1&page_size%3D")
    assert_problem(status, headers, body, 400, "malformed_request")
    assert body["errors"][0]["field"] == "query.page_size=", body


def count_companies():
    status, _, page = call("GET", "/v1/companies?page_size=500")
    assert status == 200, page
    return len(page["companies"])


# ---- Idempotency-Key ----

@test
def the_same_idempotency_key_replays_the_first_response():
    body = {"code": "IDEM1", "name": "幂等公司"}
    h = {"Idempotency-Key": "create-idem1-" + uuid.uuid4().hex}
    s1, h1, c1 = call("POST", "/v1/companies", body, headers=h)
    s2, h2, c2 = call("POST", "/v1/companies", body, headers=h)
    assert s1 == 201 and s2 == 201 and c1 == c2, (s1, s2, c1, c2)
    assert h2["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in h1
    status, headers, problem = call("POST", "/v1/companies", {"code": "IDEM2", "name": "x"},
                                    headers=h)
    assert_problem(status, headers, problem, 422, "idempotency_key_reused")
    status, headers, problem = call("POST", "/v1/companies", body,
                                    headers={"Idempotency-Key": "x" * 300})
    assert_problem(status, headers, problem, 400, "invalid_idempotency_key")


@test
def an_error_response_is_replayed_too():
    c = new_company()
    h = {"Idempotency-Key": uuid.uuid4().hex}
    s1, _, p1 = call("POST", "/v1/companies", {"code": c["code"], "name": "dup"}, headers=h)
    s2, h2, p2 = call("POST", "/v1/companies", {"code": c["code"], "name": "dup"}, headers=h)
    assert s1 == s2 == 409 and p1 == p2 and h2["Idempotent-Replayed"] == "true", (p1, p2)


@test
def concurrent_duplicates_create_one_record():
    code = "RACE" + uuid.uuid4().hex[:6]
    h = {"Idempotency-Key": "race-" + code}
    body = {"code": code, "name": "并发"}
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: call("POST", "/v1/companies", body, headers=h),
                                range(16)))
    statuses = sorted(r[0] for r in results)
    assert set(statuses) <= {201, 409}, statuses
    ids = {r[2]["id"] for r in results if r[0] == 201}
    assert len(ids) == 1, results
    status, _, page = call("GET", "/v1/companies?page_size=500")
    assert [x["code"] for x in page["companies"]].count(code) == 1


@test
def a_request_in_flight_makes_its_duplicate_409():
    """Freeze the identity service so the first request is held; its twin
    arrives meanwhile and gets 409. After the freeze the key can be retried
    and exactly one company exists."""
    call("GET", "/v1/companies")  # the admin key is cached: auth needs no identity call
    code = "HELD" + uuid.uuid4().hex[:6]
    h = {"Idempotency-Key": "held-" + code}
    body = {"code": code, "name": "held"}
    proc = stack.procs["identity"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        proc.send_signal(signal.SIGSTOP)
        try:
            first = pool.submit(call, "POST", "/v1/companies", body, "admin", h)
            time.sleep(0.4)
            status, headers, problem = call("POST", "/v1/companies", body, headers=h)
            assert_problem(status, headers, problem, 409, "idempotency_key_in_use")
            s1, h1, p1 = first.result(10)
        finally:
            proc.send_signal(signal.SIGCONT)
    # the held request ends as 504 (deadline) or 503 (the broker saw the frozen
    # worker miss its heartbeats first); either way the claim is released
    assert s1 in (503, 504), (s1, p1)
    deadline = time.time() + 10
    while True:
        s3, _, c3 = call("POST", "/v1/companies", body, headers=h)
        if s3 in (201, 409) or time.time() > deadline:
            break
        time.sleep(0.2)
    status, _, page = call("GET", "/v1/companies?page_size=500")
    assert [x["code"] for x in page["companies"]].count(code) == 1, (s3, c3)


# ---- rate limits ----

@test
def a_key_over_its_rate_gets_429_with_retry_after():
    seen = []
    for _ in range(6):
        status, headers, body = call("GET", "/v1/companies", key="integrator")
        seen.append((status, headers, body))
    ok = [s for s in seen if s[0] == 200]
    limited = [s for s in seen if s[0] == 429]
    assert len(ok) >= 3 and limited, [s[0] for s in seen]
    status, headers, body = limited[0]
    assert_problem(status, headers, body, 429, "rate_limited")
    assert int(headers["Retry-After"]) >= 1
    assert re.match(r'^"integrator";q=3;w=\d+$', ok[0][1]["RateLimit-Policy"]), ok[0][1]
    assert re.match(r'^"integrator";r=\d+;t=\d+$', ok[0][1]["RateLimit"]), ok[0][1]
    # an admin key of the same tenant has its own budget
    status, _, _ = call("GET", "/v1/companies")
    assert status == 200
    time.sleep(int(headers["Retry-After"]) + 0.1)
    status, _, _ = call("GET", "/v1/companies", key="integrator")
    assert status == 200


@test
def routes_without_a_key_are_limited_per_client_address():
    """The candidate's status page needs no key: its budget is the client's address, the
    last X-Forwarded-For entry when the gateway sits behind a proxy."""
    path = "/v1/candidate-status/" + "0" * 96

    def get(addr):
        status, headers, body = stack.request("GET", path, None, {
            "X-Forwarded-For": "203.0.113.9, " + addr})
        return status, headers, body
    seen = [get("198.51.100.1")[0] for _ in range(6)]
    assert seen[:3] == [404, 404, 404] and 429 in seen, seen   # a forged token is 404
    status, headers, body = get("198.51.100.2")                # another client: its own budget
    assert status == 404, body
    assert re.match(r'^"public";q=3;w=\d+$', headers["RateLimit-Policy"]), headers
    status, headers, body = stack.request("GET", path, None, {})   # no header: the peer
    assert status == 404, body


# ---- pagination ----

@test
def pages_cover_every_record_once_with_sealed_tokens():
    for _ in range(7):
        new_company()
    everything = [x["id"] for x in call("GET", "/v1/companies?page_size=500")[2]["companies"]]
    seen, token, pages, first_token = [], "", 0, ""
    while True:
        path = "/v1/companies?page_size=3" + ("&page_token=" + token if token else "")
        status, _, page = call("GET", path)
        assert status == 200, page
        assert len(page["companies"]) <= 3
        seen += [x["id"] for x in page["companies"]]
        pages += 1
        token = page["nextPageToken"]
        if not token:
            break
        first_token = first_token or token
    assert seen == everything and len(set(seen)) == len(seen), (seen, everything)
    assert pages >= 3
    # tampering, another tenant and another list are refused
    i = len(first_token) // 2
    forged = first_token[:i] + ("A" if first_token[i] != "A" else "B") + first_token[i + 1:]
    for key, path in [("admin", "/v1/companies?page_token=" + forged),
                      ("admin", "/v1/companies?page_token=garbage"),
                      ("beta", "/v1/companies?page_token=" + first_token),
                      ("admin", "/v1/apikeys?page_token=" + first_token)]:
        status, headers, body = call("GET", path, key=key)
        assert_problem(status, headers, body, 400, "invalid_page_token")
        assert [e["field"] for e in body["errors"]] == ["pageToken"], body


# ---- bus errors ----

@test
def an_overloaded_service_is_503_with_retry_after():
    call("GET", "/v1/companies")
    proc = stack.procs["identity"]
    proc.send_signal(signal.SIGSTOP)
    try:
        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            results = list(pool.map(lambda _: call("GET", "/v1/companies"), range(24)))
    finally:
        proc.send_signal(signal.SIGCONT)
    # past the worker's capacity and the broker's queue of 4: refused at once;
    # the held ones end when the frozen worker misses its heartbeats (503
    # unavailable) or at the deadline (504)
    # every answer is a problem document; one that is not is shown whole
    codes = [r[2]["code"] if isinstance(r[2], dict) and "code" in r[2] else repr(r[2])[:300]
             for r in results]
    outcomes = sorted((r[0], code) for r, code in zip(results, codes))
    overloaded = [r for r, code in zip(results, codes) if r[0] == 503 and code == "overloaded"]
    assert overloaded, outcomes
    status, headers, body = overloaded[0]
    assert_problem(status, headers, body, 503, "overloaded")
    assert int(headers["Retry-After"]) >= 1
    assert {o[1] for o in outcomes} <= {"overloaded", "unavailable", "deadline_exceeded"}, outcomes


@test
def a_stopped_service_is_503_unavailable():
    call("GET", "/v1/companies")
    stack.stop("identity")
    try:
        status, headers, body = call("GET", "/v1/companies")
        assert_problem(status, headers, body, 503, "unavailable")
        assert headers["Retry-After"]
    finally:
        stack.start("identity")
        stack.wait_ready()
    status, _, _ = call("GET", "/v1/companies")
    assert status == 200


# ---- the HTTP server ----

@test
def keep_alive_serves_many_requests_on_one_connection():
    conn = http.client.HTTPConnection("127.0.0.1", stack.http, timeout=5)
    try:
        for _ in range(20):
            conn.request("GET", "/v1/companies?page_size=1",
                         headers={"Authorization": "Bearer " + keys["admin"]})
            r = conn.getresponse()
            r.read()
            assert r.status == 200 and r.getheader("Connection", "").lower() != "close"
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


@test
def a_slow_client_is_cut_off_and_others_are_served():
    """A client that sends half its headers and stalls is closed after
    HF_GATEWAY_CONN_TIMEOUT_S (2 s here) and holds no one else up."""
    slow = [socket.create_connection(("127.0.0.1", stack.http)) for _ in range(40)]
    try:
        for s in slow:
            s.sendall(b"POST /v1/companies HTTP/1.1\r\nHost: x\r\nContent-Len")
        status, _, _ = call("GET", "/v1/companies?page_size=1")
        assert status == 200
        t0 = time.time()
        for s in slow:
            s.settimeout(5)
            try:
                data = s.recv(100)
            except ConnectionResetError:
                data = b""
            assert data == b"" or data.startswith(b"HTTP/1.1 4"), data
        closed_after = time.time() - t0
        assert closed_after <= 6, closed_after
        # and a stalled connection is not closed before its time
        s = socket.create_connection(("127.0.0.1", stack.http))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        s.settimeout(0.8)
        try:
            s.recv(100)
            raise AssertionError("closed before the timeout")
        except socket.timeout:
            pass
        s.close()
    finally:
        for s in slow:
            s.close()


# ---- observability and the document ----

@test
def request_ids_reach_the_service_and_the_logs():
    rid = "req-" + uuid.uuid4().hex
    tp = "00-%s-b7ad6b7169203331-01" % uuid.uuid4().hex
    status, headers, body = call("GET", "/v1/companies/" + str(uuid.uuid4()),
                                 headers={"X-Request-Id": rid, "traceparent": tp})
    assert_problem(status, headers, body, 404, "not_found")
    assert headers["X-Request-Id"] == rid and body["requestId"] == rid
    trace = tp.split("-")[1]
    deadline = time.time() + 5
    while time.time() < deadline:
        svc = log_lines("identity", rid)
        gw = log_lines("gateway", rid)
        if svc and gw:
            break
        time.sleep(0.1)
    handled = [line for line in svc if line.get("msg") == "request handled"
               and line.get("method") == "GetCompany"]
    assert len(handled) == 1 and handled[0]["trace_id"] == trace, svc
    assert handled[0]["outcome"] == "not_found", svc
    assert type(handled[0]["duration_ms"]) is int and handled[0]["duration_ms"] >= 0, svc
    access = [line for line in gw if line.get("msg") == "http request"]
    assert len(access) == 1 and access[0]["route"] == "getCompany", gw
    assert access[0]["status"] == 404 and access[0]["completed"] is True, access
    assert type(access[0]["duration_ms"]) in (int, float) and access[0]["duration_ms"] >= 0, access
    # one trace; each hop its own span: the caller's, the gateway's, the bus call's
    assert access[0]["trace_id"] == trace, access
    spans = [tp.split("-")[2], access[0]["span_id"], handled[0]["span_id"]]
    assert all(re.fullmatch("[0-9a-f]{16}", s) for s in spans), spans
    assert len(set(spans)) == 3, spans
    text = open(os.path.join(stack.tmp, "gateway-gateway.log"), encoding="utf-8").read()
    assert keys["admin"] not in text


def log_lines(svc, rid):
    path = os.path.join(stack.tmp, "gateway-%s.log" % svc)
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if rid in line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


@test
def per_route_counts_and_latency_in_metrics():
    call("GET", "/v1/companies")
    status, _, text = stack.request("GET", "/metrics", admin=True)
    text = text.decode()
    assert re.search(r'hf_gateway_requests_total\{route="listCompanies",code="200"\} [1-9]',
                     text), text[:2000]
    assert re.search(r'hf_gateway_request_seconds_count\{route="listCompanies"\} [1-9]', text)
    assert 'hf_gateway_requests_total{route="createCompany",code="201"}' in text


@test
def the_openapi_document_covers_every_route():
    status, headers, doc = call("GET", "/openapi.json", key=None)
    assert status == 200 and doc["openapi"] == "3.1.0", doc
    routes = [("get", "/v1/companies"), ("post", "/v1/companies"),
              ("get", "/v1/companies/{id}"), ("patch", "/v1/companies/{id}"),
              ("get", "/v1/tenants"), ("get", "/v1/tenants/{id}"),
              ("patch", "/v1/tenants/{id}"), ("get", "/v1/apikeys"), ("post", "/v1/apikeys"),
              ("post", "/v1/apikeys/{id}:revoke"), ("get", "/healthz"), ("get", "/readyz")]
    for method, path in routes:
        assert method in doc["paths"].get(path, {}), (method, path)
    assert "/metrics" not in doc["paths"]   # the admin listener's, not the API's
    company = doc["components"]["schemas"]["Company"]["properties"]
    assert company["creditCode"] == {"type": "string"}, company
    assert company["createTime"]["format"] == "date-time", company
    op = doc["paths"]["/v1/companies"]["get"]
    names = [p["name"] for p in op["parameters"]]
    assert "page_size" in names and "page_token" in names, names
    assert doc["paths"]["/v1/companies"]["post"]["security"] == [{"bearer": []}]


@test
def the_openapi_document_is_lint_clean():
    redocly = os.environ.get("HF_TEST_REDOCLY") or shutil.which("redocly")
    assert redocly, "HF_TEST_REDOCLY is not set: ./hrflow test installs @redocly/cli"
    status, _, raw = stack.request("GET", "/openapi.json")
    assert status == 200
    cfg = os.path.join(os.path.dirname(__file__), "..", "openapi", "redocly.yaml")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "openapi.json")
        with open(path, "wb") as f:
            f.write(raw)
        out = subprocess.run([redocly, "lint", "--config", cfg, "--format", "stylish", path],
                             capture_output=True, text=True, timeout=120)
    report = out.stdout + out.stderr
    # recommended-strict: every finding is an error, so a clean exit means no findings
    assert out.returncode == 0 and "Your API description is valid" in report, report


if __name__ == "__main__":
    run(setup, teardown)
