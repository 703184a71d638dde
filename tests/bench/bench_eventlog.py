"""tests/bench/bench_eventlog.py - event streams: how soon an event arrives, and what open streams cost.

Two stacks in one run, the same client: the gateway's streams woken by the
broker's event plane (the default), and streams that only read the log every
second (HF_EVENTS_SUB empty, HF_GATEWAY_STREAM_POLL_MS=1000), the simpler
design it was measured against. For each: the time from an event's commit
(psql in one held session says it committed) to its arrival on one open
stream (20 events, median, p95, most); the gateway's resident memory before and after opening N streams
(200); the CPU the gateway and notify spend over 30 s with those streams
open and quiet; and the time until one event has reached all N streams
(3 times). Every stream reads its own socket on a thread of the client.

Run: ./hrflow bench eventlog   Settings: HF_BENCH_STREAMS (200).
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from benchlib import report  # noqa: E402
import scheduling_e2e as sched  # noqa: E402  (the stack of two tenants and its keys)
import test_eventlog as el  # noqa: E402  (the stream client and the event writer)

N = int(os.environ.get("HF_BENCH_STREAMS", "200"))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(line.split()[1] for line in f if line.startswith("VmRSS")))


def query():
    return "types=%s&after=%s" % (el.TEST, urllib.parse.quote(el.end_of_log(), safe=""))


class Writer:
    """One psql session that appends events, one committed transaction each, so the
    figures start at the commit rather than at a psql process starting (about 70 ms
    here) or at the tests' poll for the readers' horizon (nothing else runs)."""

    def __init__(self):
        self.p = subprocess.Popen(["psql", sched.stack.dsn, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def append(self, kind):
        """Commit one event of type hrflow.test.<kind>.v1; the time psql said it had."""
        self.p.stdin.write(
            "INSERT INTO events.outbox (tenant_id, source, type, subject, data) VALUES "
            "(%s, '/hrflow/test', %s, %s, %s);\nSELECT 'committed';\n"
            % (el.quote(el.ctx["tenant"]), el.quote(el.TEST + kind + ".v1"),
               el.quote("%s/%s" % (kind, uuid.uuid4())),
               el.quote(json.dumps({"companyId": el.ctx["companies"]["SH"]}))))
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "committed"
        return time.time()

    def close(self):
        self.p.stdin.close()
        assert self.p.wait(30) == 0


def measure(mode, env):
    env = dict(env, HF_GATEWAY_STREAMS_PER_KEY=str(N + 10),
               HF_GATEWAY_STREAMS_PER_TENANT=str(N + 10),
               HF_GATEWAY_RATE_LIMITS="admin=5000:5000,recruiter=5000:5000,"
                                      "integrator=5000:5000")
    sched.setup("bench_eventlog", env)
    try:
        sched.keys["int"] = sched.keys["int_stream"] = sched.stack.cli(
            "identity", "apikey", "create", "--tenant", "sa", "--scope", "integrator")
        gw, nt = sched.stack.procs["gateway"].pid, sched.stack.procs["notify"].pid
        one = el.Stream(query=query())
        writer = Writer()
        lat = []
        for _ in range(20):
            t0 = writer.append("latency")
            one.events(1)
            lat.append((time.time() - t0) * 1000)
        lat.sort()
        print("%s: commit to one stream: median %.0f ms, p95 %.0f ms, most %.0f ms"
              % (mode, statistics.median(lat), lat[18], lat[-1]), flush=True)
        report("event stream, commit to arrival, median (%s)" % mode, statistics.median(lat),
               "ms", better="lower")
        rss0 = rss_kb(gw)
        streams = [el.Stream(query=query()) for _ in range(N)]
        print("%s: gateway RSS %d kB, with %d streams %d kB" % (mode, rss0, N, rss_kb(gw)),
              flush=True)
        c0, n0, t0 = cpu_seconds(gw), cpu_seconds(nt), time.time()
        time.sleep(30)  # the measured interval: quiet streams
        dt = time.time() - t0
        print("%s: %d quiet streams for 30 s: gateway %.1f %% of a core, notify %.1f %%"
              % (mode, N, 100 * (cpu_seconds(gw) - c0) / dt, 100 * (cpu_seconds(nt) - n0) / dt),
              flush=True)
        fanout = []
        for _ in range(3):
            arrived = []
            threads = [threading.Thread(target=lambda s: (s.events(1), arrived.append(
                time.time())), args=(s,)) for s in streams]
            for t in threads:
                t.start()
            t0 = writer.append("fanout")
            for t in threads:
                t.join()
            fanout.append((max(arrived) - t0) * 1000)
            print("%s: one event on all %d streams after %.0f ms" % (mode, N, fanout[-1]),
                  flush=True)
        report("one event on all %d open streams, median of 3 (%s)" % (N, mode),
               statistics.median(fanout), "ms", better="lower")
        for s in streams + [one]:
            s.close()
        writer.close()
    finally:
        sched.teardown()


if __name__ == "__main__":
    measure("event plane", {})
    measure("poll 1 s", {"HF_EVENTS_SUB": "", "HF_GATEWAY_STREAM_POLL_MS": "1000"})
