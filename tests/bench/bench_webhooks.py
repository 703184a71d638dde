"""tests/bench/bench_webhooks.py - outbox events fanned out to webhook endpoints, signed and sent.

One stack, one tenant with three endpoints on three local receivers (one
asyncio HTTP/1.1 server each, keep-alive, answering 204 at once; they
record every webhook-id they took). N events (50 000) are written to the
outbox in one statement while receiver 1 is down (not listening) for the
first DOWN_S seconds (20). Reported: signed deliveries per second while
all three answer, the time to drain once receiver 1 is back, duplicates
(a webhook-id taken twice at one receiver: must be 0) and losses (an
(event, endpoint) never taken: must be 0). Every 100th request's
signature is verified here (HMAC-SHA256, Standard Webhooks).

The physical limit beside it, in the same run: the curl command line
(libcurl's multi interface, --parallel) POSTing bodies of the same size to
the same receivers with the same concurrency (curl's most: 300), unsigned
and with nothing behind it; the ratio of the two is what the engine costs.

Run: ./hrflow bench webhooks   Settings: HF_BENCH_EVENTS (50000),
HF_BENCH_DOWN_S (20), HF_BENCH_CONCURRENCY (per endpoint, 256).
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, free_port, psql, wait_for  # noqa: E402
from benchlib import report  # noqa: E402

N = int(os.environ.get("HF_BENCH_EVENTS", "50000"))
DOWN_S = float(os.environ.get("HF_BENCH_DOWN_S", "20"))
CONC = int(os.environ.get("HF_BENCH_CONCURRENCY", "256"))
TYPE = "hrflow.test.bench.v1"


class Receivers:
    """Three receivers on one asyncio loop (a thread): port -> set of ids, duplicates."""

    def __init__(self, n):
        self.ports = [free_port() for _ in range(n)]
        self.taken = [set() for _ in range(n)]
        self.dups = [0] * n
        self.count = [0] * n
        self.raw = 0
        self.secrets = [None] * n
        self.bad_sigs = 0
        self.checked = 0
        self.servers = [None] * n
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def handle(self, i, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                wid = headers.get("webhook-id")
                if wid is None:
                    self.raw += 1
                else:
                    if wid in self.taken[i]:
                        self.dups[i] += 1
                    self.taken[i].add(wid)
                    self.count[i] += 1
                    if self.count[i] % 100 == 0 and self.secrets[i]:
                        self.verify(i, headers, body)
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def verify(self, i, headers, body):
        key = base64.b64decode(self.secrets[i][len("whsec_"):])
        signed = ("%s.%s." % (headers["webhook-id"], headers["webhook-timestamp"])).encode() + body
        want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        self.checked += 1
        if "v1," + want not in headers.get("webhook-signature", "").split():
            self.bad_sigs += 1

    def up(self, i):
        async def start():
            self.servers[i] = await asyncio.start_server(
                lambda r, w: self.handle(i, r, w), "127.0.0.1", self.ports[i], backlog=1024,
                reuse_address=True)
        asyncio.run_coroutine_threadsafe(start(), self.loop).result()

    def down(self, i):
        async def stop():
            self.servers[i].close()
            await self.servers[i].wait_closed()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result()

    def total(self):
        return sum(len(t) for t in self.taken)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(stack):
    """CPU seconds of the test server's backends (all of its processes)."""
    pids = psql(stack.dsn, "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity").split()
    total = 0.0
    for p in pids:
        try:
            total += cpu_seconds(int(p))
        except (OSError, ValueError):
            pass
    return total


def say(line):
    print(line, flush=True)


def bare_limit(rx, body, n):
    """Requests/s of curl --parallel POSTing n bodies like ours, CONC*3 at once."""
    path = os.path.join(os.environ.get("HF_TEST_TMPDIR", "/tmp"), "bench-wh-urls.txt")
    with open(path, "w") as f:
        for k in range(n):
            f.write('url = "http://127.0.0.1:%d/raw"\n' % rx.ports[k % 3])
    bpath = path + ".body"
    with open(bpath, "wb") as f:
        f.write(body)
    t0 = time.time()
    subprocess.run(["curl", "-s", "-Z", "--parallel-max", str(min(CONC * 3, 300)), "-K", path,
                    "-H", "Content-Type: application/cloudevents+json", "--data-binary",
                    "@" + bpath, "-o", "/dev/null"], check=True)
    return n / (time.time() - t0)


def main():
    rx = Receivers(3)
    for i in range(3):
        rx.up(i)
    stack = Stack("benchwh", {"HF_LOG_LEVEL": "warn", "HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE": "on",
                              "HF_NOTIFY_WEBHOOK_ALLOW_HTTP": "on", "HF_NOTIFY_BATCH": "1000",
                              "HF_NOTIFY_WEBHOOK_CONCURRENCY": str(CONC)})
    try:
        stack.start_all()
        stack.tenant("bw", "C1")
        key = stack.cli("identity", "apikey", "create", "--tenant", "bw", "--scope",
                        "integrator")
        tenant = psql(stack.dsn, "SELECT id FROM identity.tenants WHERE slug = 'bw'")
        company = psql(stack.dsn, "SELECT id FROM identity.companies WHERE tenant_id = '%s'"
                       % tenant)
        for i in range(3):
            status, e = stack.api(key, "POST", "/v1/webhook-endpoints", {
                "url": "http://127.0.0.1:%d/hook" % rx.ports[i], "eventTypes": [TYPE]})
            assert status == 201, e
            rx.secrets[i] = json.loads(e)["secret"]
        say("events %d, endpoints 3 (receiver 1 down for the first %.0f s), concurrency per "
            "endpoint %d, batch 1000, %d cores" % (N, DOWN_S, CONC, os.cpu_count()))
        rx.down(0)
        notify_pid = stack.procs["notify"].pid
        cpu0 = (cpu_seconds(notify_pid), postgres_cpu(stack), time.process_time())
        t0 = time.time()
        psql(stack.dsn, "INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
                        " SELECT '%s', '/hrflow/bench', '%s', 'bench/' || g,"
                        " jsonb_build_object('companyId', '%s', 'n', g)"
                        " FROM generate_series(1, %d) g" % (tenant, TYPE, company, N))
        t_insert = time.time() - t0
        # the two that answer, while the first is down
        wait_for(lambda: time.time() - t0 >= DOWN_S or
                 len(rx.taken[1]) + len(rx.taken[2]) >= 2 * N, timeout=DOWN_S + 60,
                 what="the down period")
        two = len(rx.taken[1]) + len(rx.taken[2])
        t_two = time.time() - t0
        wait_for(lambda: time.time() - t0 >= DOWN_S, timeout=DOWN_S + 1, what="down")
        rx.up(0)
        t_back = time.time()
        wait_for(lambda: len(rx.taken[1]) + len(rx.taken[2]) >= 2 * N, timeout=600,
                 what="receivers 2 and 3 drained")
        t_two_done = time.time() - t0
        # receiver 1: all but the jobs whose own schedule put them later (a probe that
        # failed waits its 5 min), then everything
        wait_for(lambda: psql(stack.dsn, "SELECT count(*) FROM notify.delivery WHERE "
                                         "channel = 'webhook' AND state <> 'sent' AND "
                                         "(attempts < 2 OR run_time <= timers.now())") == "0",
                 timeout=900, what="receiver 1 drained but for later retries")
        t_drain = time.time() - t_back
        later = int(psql(stack.dsn, "SELECT count(*) FROM notify.delivery WHERE "
                                    "channel = 'webhook' AND state <> 'sent'"))
        if later:
            psql(stack.dsn, "SELECT timers.advance('1 hour')")
            wait_for(lambda: rx.total() >= 3 * N, timeout=300, what="the later retries")
        t_all = time.time() - t0
        cpu = (cpu_seconds(notify_pid) - cpu0[0], postgres_cpu(stack) - cpu0[1],
               time.process_time() - cpu0[2])
        dups, lost = sum(rx.dups), 3 * N - rx.total()
        rate_two = two / t_two
        sample = json.dumps({"specversion": "1.0", "id": "12345", "source": "/hrflow/bench",
                             "type": TYPE, "subject": "bench/12345",
                             "time": "2026-12-03T09:00:00.000000Z",
                             "datacontenttype": "application/json", "hrflowtenant": tenant,
                             "data": {"companyId": company, "n": 12345}},
                            separators=(",", ":")).encode()
        limit = bare_limit(rx, sample, 30000)
        say("outbox insert of %d events: %.2f s" % (N, t_insert))
        say("while receiver 1 was down: %d deliveries to the other two in %.1f s = %.0f "
            "signed deliveries/s" % (two, t_two, rate_two))
        say("receivers 2 and 3 complete at %.1f s: %.0f deliveries/s overall for them"
            % (t_two_done, 2 * N / t_two_done))
        say("receiver 1 back: drained %.1f s later (but %d jobs whose own retry was scheduled "
            "later, sent after the clock was moved)" % (t_drain, later))
        say("all %d deliveries: %.1f s; duplicates %d, losses %d; signatures checked %d, "
            "bad %d" % (3 * N, t_all, dups, lost, rx.checked, rx.bad_sigs))
        say("CPU seconds over the run: notify %.1f, PostgreSQL backends %.1f (those alive at "
            "the end), the receivers (this process) %.1f" % cpu)
        say("bare limit (curl --parallel, libcurl multi, %d at once, same receivers, %d-byte "
            "bodies, unsigned): %.0f requests/s; engine/bare = %.2f"
            % (min(CONC * 3, 300), len(sample), limit, rate_two / limit))
        report("signed webhook deliveries, one receiver down", rate_two, "deliveries/s",
               "bare curl --parallel POSTs to the same receivers", limit)
        assert dups == 0 and lost == 0 and rx.bad_sigs == 0
    finally:
        stack.destroy()


if __name__ == "__main__":
    main()
