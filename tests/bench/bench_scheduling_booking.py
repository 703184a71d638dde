"""tests/bench/bench_scheduling_booking.py - candidates racing for the last seats by their links.

N candidates (500) with scheduled AI interviews each hold a booking link; all
of them ask at once, through the gateway and without an API key, for the
same slot, whose SEATS (100) are the last free ones of that hour, across two
scheduling replicas. Prints bookings/s (answers, won or refused), p50 and
p99 of one booking, how many won and how many got a 409, and the proof that
no slot is overbooked (every slot's `booked` equals the interviews holding
one of its seats, and never exceeds its capacity). Beside them, measured in
the same run with the same client: the physical limits - the gateway's
hello world (libmicrohttpd alone, tests/bench/http-hello) and PostgreSQL's
rate of the guarded seat UPDATE itself (pgbench, 16 clients on one hot row).

Run: ./hrflow bench scheduling-booking   Settings: HF_BENCH_BOOKINGS (500),
HF_BENCH_SEATS (100).
"""
import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql  # noqa: E402
from benchlib import report  # noqa: E402
import scheduling_e2e as sched  # noqa: E402  (the invitation and placement helpers)

BOOKINGS = int(os.environ.get("HF_BENCH_BOOKINGS", "500"))
SEATS = int(os.environ.get("HF_BENCH_SEATS", "100"))
NOW = "2027-03-01T08:00:00+08:00"        # a Monday, held
TARGET = "2027-03-05T09:00:00+08:00"     # Friday's first slot: all its seats free


def race(urls, body):
    """POST body to every url at once (one thread each); [(status, seconds)] and wall time."""
    def one(url):
        req = urllib.request.Request(url, data=body, method="POST" if body else "GET",
                                     headers={"Content-Type": "application/json"})
        t0 = time.time()
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            e.read()
            status = e.code
        return status, time.time() - t0
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(urls)) as pool:
        out = list(pool.map(one, urls))
    return out, time.time() - t0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return None


def hello_rate(stack):
    """The same client against libmicrohttpd alone: requests/s and p99."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    build = os.environ["HF_BUILD_ROOT"]
    hello = subprocess.Popen([os.path.join(build, "tests", "bench", "http-hello"), str(port),
                              os.environ.get("HF_GATEWAY_THREADS", "2")])
    try:
        sched.wait_for(lambda: listening(port), what="http-hello")
        got, wall = race(["http://127.0.0.1:%d/" % port] * BOOKINGS, None)
    finally:
        hello.terminate()
        hello.wait()
    return len(got) / wall, pct([t for _, t in got], 0.99)


def update_rate(stack):
    """PostgreSQL's guarded seat UPDATE on one hot row, 16 clients: transactions/s."""
    psql(stack.dsn, "CREATE TABLE public.seat_bench (id int PRIMARY KEY, booked int, "
                    "capacity int); INSERT INTO public.seat_bench VALUES (1, 0, 2000000000)")
    script = os.path.join(stack.tmp, "seat.sql")
    with open(script, "w") as f:
        f.write("UPDATE public.seat_bench SET booked = booked + 1 WHERE id = 1 "
                "AND booked < capacity;\n")
    pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    out = subprocess.run([pgbench, "-n", "-f", script, "-c", "16", "-j", "2", "-T", "5",
                          stack.dsn], check=True, capture_output=True, text=True).stdout
    line = [x for x in out.splitlines() if x.startswith("tps")][0]
    return float(line.split("=")[1].split()[0])


def main():
    stack = Stack("benchbook", {"HF_LOG_LEVEL": "warn", "HF_SCHEDULING_ASSIGN_S": "1",
                                "HF_GATEWAY_RATE_LIMITS": "admin=1000000:1000000,"
                                "recruiter=1000000:1000000,public=1000000:1000000"})
    keys, ctx = sched.keys, sched.ctx
    sched._Current.stack = stack
    try:
        stack.start_all()
        stack.start("scheduling", name="scheduling-2")
        stack.wait_ready()
        stack.cli("identity", "tenant", "create", "--slug", "bk", "--name", "bk")
        stack.cli("identity", "company", "create", "--tenant", "bk", "--code", "C1", "--name",
                  "C1")
        keys["recruiter"] = keys["admin"] = stack.cli("identity", "apikey", "create", "--tenant",
                                                      "bk", "--scope", "admin")
        company = sched.call("GET", "/v1/companies")[1]["companies"][0]["id"]
        ctx["companies"] = {"C1": company}
        psql(stack.dsn, "SELECT timers.freeze('%s')" % NOW)
        assert sched.call("PATCH", "/v1/companies/%s/interview-lines" % company,
                          {"lines": SEATS}, key="admin")[0] == 200
        job = sched.imported("C1", BOOKINGS)
        sched.invite_all(job["id"])
        placed = sched.placed(job["id"], BOOKINGS, timeout=300)
        psql(stack.dsn, "UPDATE scheduling.interviews SET invite_time = '%s' WHERE job_id = '%s'"
             % (NOW, job["id"]))
        tokens = [sched.call("GET", "/v1/interviews/" + v["id"])[1]["bookingToken"]
                  for v in placed]
        free = psql(stack.dsn, "SELECT capacity - booked FROM scheduling.slots WHERE pool_id = "
                               "'%s' AND start_time = '%s'" % (company, TARGET))
        assert free == str(SEATS), free
        body = json.dumps({"startTime": TARGET}).encode()
        got, wall = race([stack.url("/v1/interview-booking/%s:reschedule" % t) for t in tokens],
                         body)
        won = sum(1 for s, _ in got if s == 200)
        full = sum(1 for s, _ in got if s == 409)
        lat = [t for _, t in got]
        booked = psql(stack.dsn, "SELECT booked || '/' || capacity FROM scheduling.slots WHERE "
                                 "pool_id = '%s' AND start_time = '%s'" % (company, TARGET))
        over = psql(stack.dsn, "SELECT count(*) FROM scheduling.slots s WHERE s.booked > "
                               "s.capacity OR s.booked <> (SELECT count(*) FROM "
                               "scheduling.interviews i WHERE i.tenant_id = s.tenant_id AND "
                               "i.pool_id = s.pool_id AND i.start_time = s.start_time AND "
                               "i.state NOT IN ('waiting', 'cancelled'))")
        hello, hello_p99 = hello_rate(stack)
        tps = update_rate(stack)
    finally:
        stack.destroy()
    print("%d candidates racing by their links for the last %d seats of one slot; "
          "2 scheduling replicas; 2 cores" % (BOOKINGS, SEATS))
    print("%-58s %10s %10s" % ("", "per second", "p99 ms"))
    print("%-58s %10.0f %10.1f" % ("bookings through the gateway (%d won, %d full: 409)"
                                   % (won, full), len(got) / wall, pct(lat, 0.99) * 1000))
    print("%-58s %10.0f %10.1f" % ("hello world, the same client (libmicrohttpd limit)", hello,
                                   hello_p99 * 1000))
    print("%-58s %10.0f %10s" % ("guarded seat UPDATE on one row, pgbench -c 16", tps, ""))
    print("p50 of one booking %.1f ms; bookings / hello = %.3f; bookings / UPDATE = %.3f"
          % (pct(lat, 0.5) * 1000, len(got) / wall / hello, len(got) / wall / tps))
    print("the raced slot holds %s; slots overbooked or miscounted: %s" % (booked, over))
    report("self-service bookings racing for one slot", len(got) / wall, "bookings/s",
           "guarded seat UPDATE on one row, pgbench -c 16", tps)
    report("self-service bookings against the HTTP library", len(got) / wall, "bookings/s",
           "libmicrohttpd hello, the same client", hello)
    ok = won == SEATS and won + full == BOOKINGS and over == "0" and booked == "%d/%d" % (
        SEATS, SEATS)
    print("no slot overbooked, every booking won or refused with 409: %s" % ("yes" if ok
                                                                              else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
