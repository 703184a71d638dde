"""tests/bench/bench_scheduling_engines.py - 300 call engines' leases at once.

A pool of 300 lines and two scheduling replicas behind the gateway. In one run:

  1. burst:    300 engines (threads, each its own HTTP client) claim at the same
               moment, max 2 each, for 300 due interviews: how long until the
               300 lines are taken, claims/s, and proof that no more than 300
               leases were ever live;
  2. recovery: those 300 engines die (their 10 s leases are never renewed); 300
               fresh engines poll every 100 ms: from each lease's expiry to its
               interview's next lease (p50, max), the lease sweep and the claims
               putting them back;
  3. sustained: 300 engines claim one call at a time and report it completed at
               once, over 3 000 more due interviews: claims/s through the gateway;
  4. the limit: raw PostgreSQL `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP
               LOCKED)`, pgbench with 16 clients: the rate of the cheapest claim
               PostgreSQL can make, in the same run.

Run: ./hrflow bench scheduling-engines   Settings: HF_BENCH_ENGINES (300).
"""
import concurrent.futures
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql, wait_for  # noqa: E402
from benchlib import report, tenant_api  # noqa: E402

ENGINES = int(os.environ.get("HF_BENCH_ENGINES", "300"))
SUSTAINED = 10 * ENGINES


def open_hours(hours):
    """Working hours in UTC from the half hour after 12 hours ago, `hours` long (split at
    midnight: weekday 1 is Monday)."""
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=12)
    start = t.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(
        minutes=30 if t.minute < 30 else 60)
    end = start + datetime.timedelta(hours=hours)
    if end.date() == start.date():
        return [{"weekday": start.isoweekday(), "start": start.strftime("%H:%M"),
                 "end": end.strftime("%H:%M")}]
    ranges = [{"weekday": start.isoweekday(), "start": start.strftime("%H:%M"), "end": "24:00"}]
    if end.strftime("%H:%M") != "00:00":
        ranges.append({"weekday": end.isoweekday(), "start": "00:00",
                       "end": end.strftime("%H:%M")})
    return ranges


def client(stack, key):
    def api(method, path, body=None):
        req = urllib.request.Request(stack.url(path), method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + key,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")
    return api


def main():
    stack = Stack("benchengine", {"HF_LOG_LEVEL": "warn",
                                  "HF_GATEWAY_RATE_LIMITS": "admin=1000000:1000000,"
                                  "engine=1000000:1000000",
                                  "HF_SCHEDULING_ASSIGN_S": "1", "HF_SCHEDULING_SLOTS_S": "1",
                                  "HF_SCHEDULING_LEASES_S": "1"})
    say("engines %d, lines %d, scheduling replicas 2, %d cores"
        % (ENGINES, ENGINES, os.cpu_count()))
    try:
        stack.start_all()
        stack.start("scheduling", name="scheduling-2")
        stack.wait_ready()
        token, admin = tenant_api(stack, "be")
        engine_key = stack.cli("identity", "apikey", "create", "--tenant", "be", "--scope",
                               "engine")
        company = admin("GET", "/v1/companies")["companies"][0]["id"]
        # half a day ago, lines open for ten hours from then: every slot placed is due once
        # the clock runs again (and the jobs' no-show checks, a day after, are not). Lines
        # open around the clock would not do: seats are shared out over the slots of a day
        # (docs/scheduling.md), which runs past the present when half a day ago is late in
        # the lines' day.
        psql(stack.dsn, "SELECT timers.freeze(now() - interval '12 hours')")
        admin("PATCH", "/v1/interview-lines", json.dumps({
            "lines": ENGINES, "timeZone": "UTC", "workingHours": open_hours(10)}).encode())
        auth = {"Authorization": "Bearer " + token}

        def imported(n):
            job = admin("POST", "/v1/jobs", json.dumps({
                "companyId": company, "title": "客服", "headcount": n}).encode())
            admin("PATCH", "/v1/jobs/%s/interview-settings" % job["id"],
                  json.dumps({"noShowGraceMinutes": 1440}).encode())
            text = "姓名,手机\n" + "".join("候选人%d,13%09d\n" % (i, i + n * 7919)
                                           for i in range(n))
            imp = admin("POST", "/v1/jobs/%s/candidates:import" % job["id"],
                        text.encode("utf-8"), dict(auth, **{"Content-Type":
                                                           "text/csv; charset=utf-8"}))
            wait_for(lambda: admin("GET", "/v1/imports/" + imp["id"])["status"] == "done",
                     timeout=120, what="the import")
            return job["id"]

        def placed(job_id, n):
            wait_for(lambda: psql(stack.dsn, "SELECT count(*) FROM scheduling.interviews "
                                             "WHERE job_id = '%s' AND state = 'scheduled'"
                                  % job_id) == str(n), timeout=120, what="placed")

        first = imported(ENGINES)
        stack.invite_ai_interviews(first)
        placed(first, ENGINES)
        psql(stack.dsn, "SELECT timers.freeze(NULL)")   # real time: all of them are due

        # watch the live leases while engines claim
        live_max, stop = [0], threading.Event()

        def watch():
            while not stop.is_set():
                live_max[0] = max(live_max[0], int(psql(
                    stack.dsn, "SELECT count(*) FROM scheduling.call_leases WHERE outcome IS "
                               "NULL")))
                time.sleep(0.05)
        watcher = threading.Thread(target=watch)
        watcher.start()

        # 1. burst
        api = client(stack, engine_key)
        barrier = threading.Barrier(ENGINES)

        def burst(i):
            barrier.wait()
            start = time.time()
            status, got = api("POST", "/v1/call-engine/leases",
                              {"engineId": "b%d" % i, "max": 2, "leaseSeconds": 10})
            assert status == 200, got
            return start, time.time(), got.get("leases", [])
        with concurrent.futures.ThreadPoolExecutor(max_workers=ENGINES) as pool:
            results = list(pool.map(burst, range(ENGINES)))
        held = [le for _, _, got in results for le in got]
        t_burst = max(end for _, end, got in results if got) - min(s for s, _, _ in results)
        assert len(held) == ENGINES, len(held)
        say("burst:     %d leases in %.2f s = %.0f claims/s (each engine asked for 2)"
            % (len(held), t_burst, len(held) / t_burst))

        # 2. the holders die; fresh engines poll
        expire = {le["interviewId"]: le["expireTime"] for le in held}
        done = set()
        lock = threading.Lock()

        def poller(i):
            while True:
                with lock:
                    if len(done) >= ENGINES:
                        return
                status, got = api("POST", "/v1/call-engine/leases",
                                  {"engineId": "r%d" % i, "max": 1, "leaseSeconds": 60})
                for le in got.get("leases", []):
                    api("POST", "/v1/call-engine/leases/%s:report" % le["id"],
                        {"outcome": "completed"})
                    with lock:
                        done.add(le["interviewId"])
                if not got.get("leases"):
                    time.sleep(0.1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=ENGINES) as pool:
            list(pool.map(poller, range(ENGINES)))
        lags = sorted(float(x) for x in psql(
            stack.dsn, "SELECT extract(epoch FROM n.create_time - o.expire_time) FROM "
                       "scheduling.call_leases o JOIN scheduling.call_leases n ON "
                       "n.interview_id = o.interview_id AND n.attempt = o.attempt AND "
                       "n.outcome = 'completed' WHERE o.outcome = 'expired'").split())
        assert len(lags) == len(expire), (len(lags), len(expire))
        say("recovery:  lease expiry -> next lease: p50 %.2f s, max %.2f s (%d interviews)"
            % (pct(lags, 0.5), lags[-1], len(lags)))

        # 3. sustained
        psql(stack.dsn, "SELECT timers.freeze(now() - interval '12 hours')")
        second = imported(SUSTAINED)
        stack.invite_ai_interviews(second)
        placed(second, SUSTAINED)
        psql(stack.dsn, "SELECT timers.freeze(NULL)")
        claimed = [0]

        def worker(i):
            while True:
                status, got = api("POST", "/v1/call-engine/leases",
                                  {"engineId": "s%d" % i, "max": 1, "leaseSeconds": 60})
                leases = got.get("leases", [])
                if not leases:
                    with lock:
                        if claimed[0] >= SUSTAINED:
                            return
                    time.sleep(0.05)
                for le in leases:
                    api("POST", "/v1/call-engine/leases/%s:report" % le["id"],
                        {"outcome": "completed"})
                    with lock:
                        claimed[0] += 1
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=ENGINES) as pool:
            list(pool.map(worker, range(ENGINES)))
        t_sustained = time.time() - t0
        stop.set()
        watcher.join()
        assert live_max[0] <= ENGINES, live_max
        over = psql(stack.dsn, "SELECT count(*) FROM scheduling.call_leases WHERE outcome IS NULL")
        say("sustained: %d calls claimed and completed in %.1f s = %.0f claims/s; live leases "
            "never above %d (the most seen %d; %s at the end)"
            % (claimed[0], t_sustained, claimed[0] / t_sustained, ENGINES, live_max[0], over))

        # 4. the limit: PostgreSQL's own SKIP LOCKED claim
        psql(stack.dsn, "CREATE TABLE public.claim_bench (id serial PRIMARY KEY, claimed boolean "
                        "NOT NULL DEFAULT false); INSERT INTO public.claim_bench (claimed) "
                        "SELECT false FROM generate_series(1, 400000); CREATE INDEX ON "
                        "public.claim_bench (id) WHERE NOT claimed")
        psql(stack.dsn, "VACUUM ANALYZE public.claim_bench")
        script = os.path.join(stack.tmp, "claim.sql")
        with open(script, "w") as f:
            f.write("UPDATE public.claim_bench SET claimed = true WHERE id = (SELECT id FROM "
                    "public.claim_bench WHERE NOT claimed ORDER BY id LIMIT 1 "
                    "FOR UPDATE SKIP LOCKED);\n")
        pgbench = os.path.join(os.environ.get("HF_TEST_PG_BINDIR", "/usr/lib/postgresql/15/bin"),
                               "pgbench")
        out = subprocess.run([pgbench, "-n", "-c", "16", "-j", "2", "-T", "5", "-f", script,
                              stack.dsn], capture_output=True, text=True, check=True).stdout
        raw = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    finally:
        stack.destroy()

    say("limit:     raw UPDATE … FOR UPDATE SKIP LOCKED, pgbench -c16: %.0f/s; "
        "sustained / raw = %.2f" % (raw, claimed[0] / t_sustained / raw))
    report("call engines' claims, sustained, %d engines" % ENGINES, claimed[0] / t_sustained,
           "claims/s", "raw UPDATE … FOR UPDATE SKIP LOCKED, pgbench -c16", raw)


def pct(xs, p):
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def say(line):
    print(line, flush=True)


if __name__ == "__main__":
    main()
