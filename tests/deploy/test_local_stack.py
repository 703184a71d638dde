"""tests/deploy/test_local_stack.py - ./hrflow up, apikey and down, as a newcomer runs them.

A second local stack on free ports, with its state in a temporary directory:
`up` answers /readyz, makes the demo tenant with its companies and writes an
admin key (0600) that works, and loads a demo job whose imported candidates the
screener screens through the scoring service, and starts the reference call
engine with an engine key (0600); the bus runs with CURVE on and
Redis asks for a password, both from secrets `up` made (0600) in the state
directory; `apikey create` prints a key with the asked scope; `up` again keeps
the keys; `down` leaves no process behind.
Runs in the main pass only (suite deploy): `up` builds in HF_BUILD_DIR.
"""
import json
import shutil
import zmq
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from stack import env_required, free_port, read_service_list  # noqa: E402
from tap import run, test  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ctx = {}


def port_run(n):
    """The first of n consecutive free ports."""
    for _ in range(200):
        base = free_port()
        ok = True
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no run of %d free ports" % n)


def hrflow(*args, timeout=300):
    return subprocess.run([os.path.join(REPO, "hrflow")] + list(args), env=ctx["env"],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


def api(path, token, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (ctx["http"], path), data=data,
                                 method=method, headers={"Authorization": "Bearer " + token,
                                                         "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def setup():
    build = env_required("HF_BUILD_ROOT")
    tmp = tempfile.mkdtemp(prefix="hrflow-up-", dir=os.environ.get("HF_TEST_TMPDIR"))
    os.chmod(tmp, 0o755)
    ctx["state"] = os.path.join(tmp, "state")
    ctx["tmp"] = tmp
    ctx["http"] = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update({
        "HF_STATE_DIR": ctx["state"], "HF_BUILD_DIR": build,
        "HF_PG_PORT": str(free_port()), "HF_REDIS_PORT": str(free_port()),
        "HF_GATEWAY_PORT": str(ctx["http"]), "HF_BROKER_PORT": str(port_run(3)),
        "HF_METRICS_BASE_PORT": str(port_run(9)),
    })
    ctx["env"] = env
    ctx["up"] = hrflow("up")


def teardown():
    if "env" in ctx:
        hrflow("down")
        shutil.rmtree(os.path.dirname(ctx["state"]), ignore_errors=True)


@test
def up_starts_a_ready_stack():
    out = ctx["up"]
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-2000:])
    with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % ctx["http"], timeout=10) as r:
        assert r.status == 200 and json.loads(r.read()) == {"status": "ready"}
    # the details are on the gateway's admin listener, at its metrics offset
    offset = next(m for name, _, m in read_service_list() if name == "gateway")
    admin = int(ctx["env"]["HF_METRICS_BASE_PORT"]) + offset
    with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % admin, timeout=10) as r:
        assert r.status == 200 and json.loads(r.read())["components"]["identity"]["ok"]
    out = hrflow("status")
    assert out.returncode == 0 and '"components"' in out.stdout, out.stdout


@test
def up_writes_a_working_admin_key_of_the_demo_tenant():
    path = os.path.join(ctx["state"], "admin.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    ctx["admin"] = open(path).read().strip()
    status, t = api("/v1/tenants/current", ctx["admin"])
    assert status == 200 and t["slug"] == "demo", t
    status, page = api("/v1/companies", ctx["admin"])
    assert sorted(c["code"] for c in page["companies"]) == ["HX-SH", "HX-SZ"], page


@test
def up_loads_a_demo_job_whose_candidates_get_screened():
    status, page = api("/v1/jobs?page_size=500", ctx["admin"])
    demo = [j for j in page["jobs"] if j["title"] == "产品经理（示例）"]
    assert status == 200 and len(demo) == 1 and demo[0]["competencyModelId"], page
    ctx["demo_job"] = demo[0]["id"]
    deadline = time.time() + 60
    while True:   # the import and the screening run in the background
        status, apps = api("/v1/jobs/%s/applications?page_size=100" % ctx["demo_job"],
                           ctx["admin"])
        done = [a for a in apps["applications"] if a["screening"] == "done"]
        if len(done) == 24 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert len(done) == 24, apps
    stages = {a["stage"] for a in done}
    assert {"ai_interview", "rejected"} <= stages, stages   # the rules acted


@test
def apikey_create_prints_a_key_with_that_scope():
    out = hrflow("apikey", "create", "--tenant", "demo", "--scope", "recruiter")
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert token.startswith("hf_") and "\n" not in token, out.stdout
    status, _ = api("/v1/companies", token)
    assert status == 200
    status, problem = api("/v1/companies", token, "POST", {"code": "X", "name": "x"})
    assert status == 403 and problem["code"] == "insufficient_scope", problem
    out = hrflow("apikey", "create", "--tenant", "demo", "--scope", "root")
    assert out.returncode != 0 and out.stdout == "", out


def bus_keys():
    """{name: (public, secret)} of the state directory's bus.keys."""
    with open(os.path.join(ctx["state"], "bus.keys")) as f:
        return {l.split()[0]: tuple(l.split()[1:3]) for l in f if l.strip()}


def broker_answers(curve):
    """True when a DEALER with these CURVE settings ({} = none) gets the
    broker's Health reply within 2 s."""
    z = zmq.Context()
    s = z.socket(zmq.DEALER)
    s.linger = 0
    for opt, value in curve.items():
        s.setsockopt(opt, value.encode())
    s.connect("tcp://127.0.0.1:%s" % ctx["env"]["HF_BROKER_PORT"])
    env = b"\x0a\x06broker\x12\x06Health\x1a\x02id"   # service, method, request id
    try:
        s.send_multipart([b"HFC1", env], flags=zmq.NOBLOCK)
        return s.poll(2000) != 0
    except zmq.Again:
        return False
    finally:
        s.close()
        z.term()


@test
def up_secures_the_bus_and_redis_with_its_own_secrets():
    for name in ("bus.keys", "redis.password"):
        assert stat.S_IMODE(os.stat(os.path.join(ctx["state"], name)).st_mode) == 0o600, name
    keys = bus_keys()
    assert set(keys) == {"broker", "pipeline", "scoring", "scheduling", "payroll", "notify",
                         "identity", "gateway"}, keys
    assert len({k for pair in keys.values() for k in pair}) == 2 * len(keys)  # all different
    ctx["bus_keys"] = keys
    server = keys["broker"][0]
    gw_public, gw_secret = keys["gateway"]
    assert broker_answers({zmq.CURVE_SERVERKEY: server, zmq.CURVE_PUBLICKEY: gw_public,
                           zmq.CURVE_SECRETKEY: gw_secret})      # the gateway's key works
    stranger = zmq.curve_keypair()
    assert not broker_answers({})                                 # no CURVE
    assert not broker_answers({zmq.CURVE_SERVERKEY: server,       # a key nobody authorised
                               zmq.CURVE_PUBLICKEY: stranger[0].decode(),
                               zmq.CURVE_SECRETKEY: stranger[1].decode()})
    redis = ["redis-cli", "-h", "127.0.0.1", "-p", ctx["env"]["HF_REDIS_PORT"], "ping"]
    out = subprocess.run(redis, capture_output=True, text=True, timeout=10)
    assert "NOAUTH" in out.stdout + out.stderr, out
    password = open(os.path.join(ctx["state"], "redis.password")).read().strip()
    out = subprocess.run(redis, capture_output=True, text=True, timeout=10,
                         env=dict(os.environ, REDISCLI_AUTH=password))
    assert out.stdout.strip() == "PONG", out


@test
def up_starts_the_reference_call_engine_with_an_engine_key():
    assert os.path.exists(os.path.join(ctx["state"], "run", "call-engine.pid"))
    path = os.path.join(ctx["state"], "engine.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = open(path).read().strip()
    status, got = api("/v1/call-engine/leases", key, "POST", {"engineId": "probe", "max": 1})
    assert status == 200, got   # nothing is due yet: the first slots are an hour ahead
    status, _ = api("/v1/companies", key)
    assert status == 403


@test
def up_again_keeps_the_key():
    out = hrflow("up")
    assert out.returncode == 0, out.stderr[-2000:]
    assert open(os.path.join(ctx["state"], "admin.key")).read().strip() == ctx["admin"]
    assert bus_keys() == ctx["bus_keys"]
    status, page = api("/v1/jobs?page_size=500", ctx["admin"])   # the demo data once
    assert [j["id"] for j in page["jobs"] if j["title"] == "产品经理（示例）"] == [ctx["demo_job"]]


@test
def down_leaves_no_process():
    out = hrflow("down")
    assert out.returncode == 0, out.stderr
    time.sleep(0.5)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    left = [line for line in ps.splitlines() if ctx["state"] in line]
    assert not left, left
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/healthz" % ctx["http"], timeout=2)
        raise AssertionError("the gateway still answers")
    except urllib.error.URLError:
        pass


if __name__ == "__main__":
    run(setup, teardown)
