"""tests/e2e/stack.py - start the whole platform on free ports for an end-to-end test.

Broker, the five services and the gateway, as the real binaries, against the
throwaway PostgreSQL and Redis of `./hrflow test` (a fresh database per
stack). The bus runs with CURVE on, as in production: the broker has the key
pair `./hrflow test` made for brokers, and every service and the gateway a key
pair of its own that the broker lets in. Every process, the gateway too, has
an admin listener (HF_METRICS_ADDR) on a port of its own: /metrics, and the
gateway's detailed /readyz (`admin=True` in request() and get_json()). Logs go
to $HF_TEST_TMPDIR/<stack>-<name>.log. The bus runs over `ipc://` sockets in
$HF_TEST_TMPDIR, as processes sharing a host should (docs/architecture.md, "Bus
transports"); HF_STACK_BUS=tcp (or a directory too long for a socket's name) makes it
loopback TCP, which `./hrflow up` and Kubernetes use.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

def read_service_list(path=os.path.join(os.path.dirname(__file__), "..", "..", "services",
                                         "services.list")):
    """[(name, kind, metrics offset)] of services/services.list, in start order."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words and not words[0].startswith("#"):
                rows.append((words[0], words[1], int(words[2])))
    return rows


# The domain services, in start order (the broker starts first, the gateway last).
SERVICES = [name for name, kind, _ in read_service_list() if kind == "service"]


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


IPC_PATH_MAX = 100   # a Unix socket's name is at most 107 bytes, "ipc://" not counted
_BASE = 15000
_SPAN = max(_ephemeral_low() - _BASE, 1000)
_next = (os.getpid() * 7919) % _SPAN


def free_port():
    """A free port below the kernel's ephemeral range: a port from bind(0) is
    an ephemeral one that any outgoing connection may take before our server
    binds it (see tests/lib/testlib.c)."""
    global _next
    for _ in range(_SPAN):
        port = _BASE + _next
        _next = (_next + 1) % _SPAN
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def env_required(name):
    value = os.environ.get(name)
    if not value:
        print("# %s is not set: run the tests through ./hrflow test" % name)
        raise SystemExit(77)
    return value


def keypair(build):
    """(public, secret) Z85 CURVE keys from `hrflow-broker keygen`."""
    out = subprocess.run([os.path.join(build, "services", "broker", "hrflow-broker"), "keygen"],
                         check=True, capture_output=True, text=True).stdout.split()
    return out[1], out[3]


def psql(dsn, sql):
    """Run one statement with psql and return its unaligned output."""
    out = subprocess.run(["psql", dsn, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def check_name_limits(post, field, char):
    """A required one-line text of 1 to 200 characters, written by post(value) ->
    (status, answer): 200 copies of char (3 bytes in UTF-8) are created and the answer
    returned; 201 copies, 600 letters (which fit in 600 bytes) and a value of white space
    and invisible characters only are each 422 naming field."""
    status, made = post(char * 200)
    assert status == 201 and made[field] == char * 200, made
    for value, code in ((char * 201, "too_long"), ("t" * 600, "too_long"),
                        (" \u3000\u00ad ", "required")):
        status, p = post(value)
        assert status == 422 and p["errors"][0]["field"] == field, p
        assert p["errors"][0]["code"] == code, p
    assert p["errors"][0]["message"] == "1 to 200 characters, not all blank or invisible", p
    return made


def wait_for(fn, timeout=30, what="condition"):
    """fn()'s first truthy result, asked every 0.1 s; fails the test after
    timeout seconds, naming what it waited for."""
    deadline = time.time() + timeout
    while True:
        got = fn()
        if got:
            return got
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.1)


class Stack:
    def __init__(self, name, extra_env=None):
        self.name = name
        self.build = env_required("HF_BUILD_ROOT")
        self.tmp = os.environ.get("HF_TEST_TMPDIR", "/tmp")
        admin = env_required("HF_TEST_PG_DSN")
        self.db = "hf_e2e_%s_%d" % (name, os.getpid())
        psql(admin, "CREATE DATABASE %s" % self.db)
        self.admin_dsn = admin
        self.dsn = "%s dbname=%s" % (admin, self.db)
        ports = {k: free_port() for k in ("rpc", "xsub", "xpub", "http")}
        self.http = ports["http"]
        bus = {k: "ipc://%s/%s.%s" % (self.tmp, self.db, k) for k in ("rpc", "xsub", "xpub")}
        if os.environ.get("HF_STACK_BUS") == "tcp" or max(map(len, bus.values())) > IPC_PATH_MAX:
            bus = {k: "tcp://127.0.0.1:%d" % ports[k] for k in ("rpc", "xsub", "xpub")}
        self.env = dict(os.environ)
        self.env.update({
            "HF_PG_DSN": self.dsn,
            "HF_REDIS_ADDR": env_required("HF_TEST_REDIS_ADDR"),
            "HF_BROKERS": bus["rpc"],
            "HF_EVENTS_PUB": bus["xsub"],
            "HF_EVENTS_SUB": bus["xpub"],
            "HF_BROKER_BIND": bus["rpc"],
            "HF_BROKER_XSUB_BIND": bus["xsub"],
            "HF_BROKER_XPUB_BIND": bus["xpub"],
            "HF_GATEWAY_ADDR": "127.0.0.1:%d" % ports["http"],
            "HF_HEARTBEAT_MS": "200",
            "HF_WORKER_THREADS": "2",
            # test keys for candidates' personal data (docs/security.md)
            "HF_PII_KEYS": "k1:" + "1f" * 32 + ",hmac:" + "2e" * 32,
        })
        self.env.update(extra_env or {})
        # a key pair per program; the broker lets in those and the tests' own
        env_required("HF_BROKER_SECRET_KEY")
        self.keys = {svc: keypair(self.build) for svc in SERVICES + ["gateway"]}
        self.env["HF_BUS_AUTHORIZED_KEYS"] = ",".join(
            [pub for pub, _ in self.keys.values()] +
            [k for k in os.environ.get("HF_BUS_AUTHORIZED_KEYS", "").split(",") if k])
        self.procs = {}
        self.metrics_ports = {}
        self.service_env = {}   # svc -> extra environment for that process only

    def binary(self, svc):
        return os.path.join(self.build, "services", svc, "hrflow-" + svc)

    def tenant(self, slug, *companies):
        """Create a tenant and its companies (codes) with the identity command line."""
        self.cli("identity", "tenant", "create", "--slug", slug, "--name", slug)
        for code in companies:
            self.cli("identity", "company", "create", "--tenant", slug, "--code", code,
                     "--name", "公司" + code)

    def apikeys(self, specs):
        """{name: token} of new API keys, one per (name, tenant slug, scope, company code or
        None for the whole group)."""
        return {name: self.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               scope, *(("--company", company) if company else ()))
                for name, tenant, scope, company in specs}

    def invite_ai_interviews(self, job_id, model=""):
        """The pipeline's ai_interview_invited event for every application of the job, as its
        rules write it, in one transaction (forged: the rules would need a screening each)."""
        psql(self.dsn,
             "INSERT INTO events.outbox (tenant_id, source, type, subject, data) "
             "SELECT a.tenant_id::text, '/hrflow/pipeline', "
             "'hrflow.pipeline.application.ai_interview_invited.v1', 'applications/' || a.id, "
             "jsonb_build_object('applicationId', a.id, 'jobId', a.job_id, 'candidateId', "
             "a.candidate_id, 'competencyModelId', '%s', 'companyId', j.company_id, 'why', "
             "'test', 'ruleLine', 1) FROM pipeline.applications a JOIN pipeline.jobs j ON "
             "j.tenant_id = a.tenant_id AND j.id = a.job_id WHERE a.job_id = '%s' "
             "ORDER BY a.create_time, a.id" % (model, job_id))

    def call(self, method, path, body=None, token=None, headers=None):
        """(status, body bytes) of one API request: body as JSON, token as the bearer."""
        h = {"Authorization": "Bearer " + token} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        status, _, payload = self.request(method, path, data, h)
        return status, payload

    def start(self, svc, extra_env=None, name=None):
        """Start the binary of svc as process `name` (default svc; another
        name starts one more replica)."""
        name = name or svc
        env = dict(self.env)
        self.metrics_ports.setdefault(name, free_port())
        env["HF_METRICS_ADDR"] = "127.0.0.1:%d" % self.metrics_ports[name]
        if svc in self.keys:
            env["HF_BUS_SECRET_KEY"] = self.keys[svc][1]
        env.update(self.service_env.get(svc, {}))
        env.update(extra_env or {})
        log = open(os.path.join(self.tmp, "%s-%s.log" % (self.name, name)), "ab")
        self.procs[name] = subprocess.Popen([self.binary(svc)], env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        log.close()
        return self.procs[name]

    def start_all(self):
        self.start("broker")
        for svc in SERVICES:
            self.start(svc)
        self.start("gateway")
        self.wait_ready()

    def url(self, path, admin=False):
        """The gateway's URL of path: on the API's port, or on its admin listener."""
        port = self.metrics_ports["gateway"] if admin else self.http
        return "http://127.0.0.1:%d%s" % (port, path)

    def request(self, method, path, body=None, headers=None, admin=False):
        """(status, headers, body bytes) of one HTTP request to the gateway (its
        admin listener when admin)."""
        req = urllib.request.Request(self.url(path, admin), data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def api(self, key, method, path, body=None):
        """(status, body bytes) of one call with API key `key`, body sent as JSON."""
        h = {"Authorization": "Bearer " + key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        status, _, payload = self.request(method, path, data, h)
        return status, payload

    def cli(self, svc, *args):
        """What `hrflow-<svc> args…` prints (the identity service's command line), stripped."""
        return subprocess.run([self.binary(svc)] + list(args), env=self.env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def get_json(self, path, admin=False):
        status, headers, body = self.request("GET", path, admin=admin)
        return status, headers, json.loads(body)

    def wait_ready(self, timeout=30):
        """Wait until every component is ready; returns the gateway's detailed
        /readyz. The admin listener's, checked afresh on each call: the public
        one may answer from a check made before a process was restarted."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                status, _, body = self.get_json("/readyz", admin=True)
                last = body
                if status == 200:
                    return body
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise AssertionError("stack %s not ready: %s" % (self.name, last))

    def stop(self, svc, sig=signal.SIGTERM, timeout=15):
        p = self.procs.pop(svc)
        p.send_signal(sig)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise AssertionError("%s did not exit within %ds of %s" % (svc, timeout, sig))

    def kill_owner(self, owner):
        """SIGKILL the replica whose pid ends owner ("<host>:<pid>", as a claim of work
        records it) and forget it; its name."""
        pid = int(owner.rsplit(":", 1)[1])
        name = next(n for n, p in self.procs.items() if p.pid == pid)
        p = self.procs.pop(name)
        p.send_signal(signal.SIGKILL)
        p.wait()
        return name

    def stop_all(self):
        codes = {}
        for svc in ["gateway"] + SERVICES + ["broker"]:
            if svc in self.procs:
                codes[svc] = self.stop(svc)
        return codes

    def dump(self, *schemas):
        """pg_dump of the stack's database, data only, of those schemas (every one when
        none), as text: what a raw dump shows (HF_TEST_PG_DUMP names the binary)."""
        args = [os.environ.get("HF_TEST_PG_DUMP", "pg_dump"), "--no-owner", "--data-only"]
        args += ["--schema=" + s for s in schemas] + ["-d", self.dsn]
        out = subprocess.run(args, check=True, capture_output=True).stdout
        return out.decode("utf-8", "replace")

    def destroy(self):
        for p in self.procs.values():
            p.kill()
            p.wait()
        self.procs = {}
        try:
            psql(self.admin_dsn, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
        except subprocess.CalledProcessError:
            pass
