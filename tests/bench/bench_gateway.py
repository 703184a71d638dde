"""tests/bench/bench_gateway.py - the gateway against the physical limit of its HTTP library.

In one run, with wrk on this machine:
  1. hello:   tests/bench/http-hello, libmicrohttpd with the gateway's options,
              a fixed answer (the HTTP library's limit);
  2. healthz: GET /healthz on the gateway (HTTP, routing, logging, metrics);
  3. bus read: GET /v1/companies/{id} with an API key - auth (Redis), rate limit
              (Redis), a bus round trip to the identity service, which reads
              PostgreSQL, JSON <-> protobuf both ways;
and, with as many clients as wrk has connections, `pgbench -S -M prepared` on the
stack's PostgreSQL (a point read by primary key: the database's limit).
Prints requests/s and p99 for each, the bus read's ratio to the PostgreSQL read
(issue 16's aim: >= 0.5, p99 < 20 ms) and to hello, and HF-BENCH lines.

Run through meson inside ./hrflow test's environment (PostgreSQL and Redis):
    ./hrflow bench gateway
Settings: HF_BENCH_SECONDS (10), HF_BENCH_CONNECTIONS (16: wrk's connections and
pgbench's clients; PostgreSQL on 2 cores reads about half as fast with 64), HF_BENCH_THREADS (wrk, 2),
HF_GATEWAY_THREADS (I/O threads of the gateway and of the hello server, 2) and
HF_GATEWAY_WORKERS (the gateway's handler threads, 64).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, free_port  # noqa: E402
from benchlib import report  # noqa: E402

SECONDS = int(os.environ.get("HF_BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("HF_BENCH_CONNECTIONS", "16"))
WRK_THREADS = int(os.environ.get("HF_BENCH_THREADS", "2"))
HTTP_THREADS = os.environ.get("HF_GATEWAY_THREADS", "2")
WORKERS = os.environ.get("HF_GATEWAY_WORKERS", "64")


def wrk(url, headers=()):
    cmd = ["wrk", "-t%d" % WRK_THREADS, "-c%d" % CONNS, "-d%ds" % SECONDS, "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def pgbench_read(dsn):
    """Transactions/s of `pgbench -S -M prepared`, CONNS clients, SECONDS long, on a
    scale-10 pgbench database made in the stack's own database (dropped with it)."""
    pgbench = os.path.join(os.environ.get("HF_TEST_PG_BINDIR", "/usr/lib/postgresql/15/bin"),
                           "pgbench")
    subprocess.run([pgbench, "-i", "-q", "-s", "10", dsn], check=True, capture_output=True)
    tps = 0.0
    for seconds in (2, SECONDS):  # warm: the fresh tables' pages and the clients' plans
        out = subprocess.run([pgbench, "-S", "-M", "prepared", "-c", str(CONNS), "-j",
                              str(WRK_THREADS), "-T", str(seconds), dsn],
                             capture_output=True, text=True, check=True).stdout
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    return tps


def main():
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 1
    build = os.environ["HF_BUILD_ROOT"]
    stack = Stack("bench", {"HF_GATEWAY_THREADS": HTTP_THREADS, "HF_GATEWAY_WORKERS": WORKERS,
                            "HF_LOG_LEVEL": "warn",
                            "HF_GATEWAY_RATE_LIMITS": "admin=1000000:1000000"})
    hello = None
    try:
        stack.start_all()
        env = stack.env
        ident = stack.binary("identity")
        subprocess.run([ident, "tenant", "create", "--slug", "bench", "--name", "Bench"],
                       env=env, check=True, capture_output=True)
        token = subprocess.run([ident, "apikey", "create", "--tenant", "bench", "--scope",
                                "admin"], env=env, check=True, capture_output=True,
                               text=True).stdout.strip()
        auth = "Authorization: Bearer " + token
        req = urllib.request.Request(stack.url("/v1/companies"), method="POST",
                                     data=json.dumps({"code": "B1", "name": "基准公司"}).encode(),
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
        company = json.loads(urllib.request.urlopen(req, timeout=10).read())
        port = free_port()
        hello = subprocess.Popen([os.path.join(build, "tests", "bench", "http-hello"), str(port),
                                  HTTP_THREADS])
        time.sleep(0.3)
        read = stack.url("/v1/companies/" + company["id"])
        wrk(read, [auth])  # warm: connections, caches
        rows = [("hello (libmicrohttpd limit)",) + wrk("http://127.0.0.1:%d/" % port),
                ("GET /healthz",) + wrk(stack.url("/healthz")),
                ("GET /v1/companies/{id} (auth + bus + PG)",) + wrk(read, [auth])]
        pg_tps = pgbench_read(stack.dsn)
    finally:
        if hello:
            hello.terminate()
            hello.wait()
        stack.destroy()
    print("wrk -t%d -c%d -d%ds, HTTP I/O threads %s, gateway handler threads %s, %d cores"
          % (WRK_THREADS, CONNS, SECONDS, HTTP_THREADS, WORKERS, os.cpu_count()))
    print("%-44s %12s %10s %8s" % ("target", "requests/s", "p99 ms", "non-2xx"))
    for name, rps, p99, bad in rows:
        print("%-44s %12.0f %10.2f %8d" % (name, rps, p99, bad))
    print("%-44s %12.0f" % ("pgbench -S -M prepared -c%d (PostgreSQL read)" % CONNS, pg_tps))
    hello, health, read = rows
    print("bus read / PostgreSQL read = %.3f (aim >= 0.5); bus read / hello = %.3f"
          % (read[1] / pg_tps, read[1] / hello[1]))
    report("GET /v1/companies/{id}, authenticated, %d connections" % CONNS, read[1], "req/s",
           "pgbench -S -M prepared -c%d" % CONNS, pg_tps, aim=0.5)
    report("GET /v1/companies/{id}, p99", read[2], "ms", aim=20, aim_of="value",
           better="lower")
    report("GET /v1/companies/{id} against the HTTP library", read[1], "req/s",
           "libmicrohttpd hello", hello[1])
    report("GET /healthz", health[1], "req/s", "libmicrohttpd hello", hello[1])
    return 1 if read[3] else 0


if __name__ == "__main__":
    sys.exit(main())
