"""tests/bench/bench_growth.py - does the cost per item stay flat as the database grows?

One stack, one tenant. The database is grown through the import route
itself to each size of HF_BENCH_GROWTH_SIZES (10 000, 100 000, 1 000 000
candidates, each with an application to a filler job of 100 000 at most,
without a competency model: nothing to screen), timing every filler import.
At each size the database is vacuumed and checkpointed (the state it settles
in after a peak), then a probe runs on a new job with a competency model and
the screening rules of bench_pipeline:
  - import of HF_BENCH_PROBE_ROWS (2 000) candidates with resumes: rows/s;
  - every probe application screened by the scoring service and its rules
    run: screenings/s;
  - GET /v1/jobs/{id}/funnel of the probe job, counted (the median of 3 calls,
    each after the funnel cache's time);
  - GET /v1/applications/{id} with wrk (16 connections, 5 s): requests/s.
Each figure is printed beside the same figure at the smallest size, measured
in the same run: a ratio near 1.0 says the cost per item did not grow with the
rows in the database (issue 16 asks that it stay flat; the aim here is 0.8).

Run: ./hrflow bench growth   Settings: HF_BENCH_GROWTH_SIZES, HF_BENCH_PROBE_ROWS.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql  # noqa: E402
from benchlib import report, tenant_api  # noqa: E402
from bench_pipeline import MODEL, rows_csv  # noqa: E402

SIZES = [int(x) for x in os.environ.get("HF_BENCH_GROWTH_SIZES",
                                        "10000,100000,1000000").split(",")]
PROBE = int(os.environ.get("HF_BENCH_PROBE_ROWS", "2000"))
CHUNK = 100000  # rows per filler import (and filler job)
RULES = ("when screened if screening_score >= 70 then invite_ai_interview\n"
         "when screened if screening_score < 45 then reject with template thank_you\n")


class Run:
    def __init__(self, stack):
        self.stack = stack
        self.token, self.api = tenant_api(stack, "bg")
        self.company = self.api("GET", "/v1/companies")["companies"][0]["id"]
        self.model = self.api("POST", "/v1/competency-models", json.dumps(MODEL).encode())
        self.next = 0  # the next candidate number

    def job(self, title, screened):
        body = {"companyId": self.company, "title": title, "headcount": 1000}
        if screened:
            body.update(rules=RULES, competencyModelId=self.model["id"])
        return self.api("POST", "/v1/jobs", json.dumps(body).encode())["id"]

    def import_rows(self, job, n, resumes):
        """Import n new candidates into job; seconds until the import is done."""
        data = rows_csv(n, self.next, resumes)
        self.next += n
        t0 = time.time()
        imp = self.api("POST", "/v1/jobs/%s/candidates:import" % job, data,
                       {"Authorization": "Bearer " + self.token, "Content-Type": "text/csv"})
        while True:
            cur = self.api("GET", "/v1/imports/" + imp["id"])
            if cur["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert cur["status"] == "done" and int(cur["created"]) == n, cur
        return time.time() - t0

    def pending(self, job):
        return int(psql(self.stack.dsn, "SELECT count(*) FROM pipeline.applications WHERE "
                                        "job_id = '%s' AND screening <> 'done'" % job))


def wrk_read(stack, token, path):
    out = subprocess.run(["wrk", "-t2", "-c16", "-d5s", "-H", "Authorization: Bearer " + token,
                          stack.url(path)], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not bad, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def probe(run, size):
    """The four figures at the database's current size."""
    job = run.job("probe at %d" % size, screened=True)
    t0 = time.time()
    imported = run.import_rows(job, PROBE, resumes=True)
    while run.pending(job):
        time.sleep(0.2)
    screened = time.time() - t0
    counted = []
    for _ in range(3):  # each call counted afresh: after the funnel cache's time
        t1 = time.time()
        funnel = run.api("GET", "/v1/jobs/%s/funnel" % job)
        counted.append(time.time() - t1)
        assert funnel, funnel
        time.sleep(1.2 + 10 * counted[-1])  # HF_PIPELINE_FUNNEL_CACHE_MS, or ten times the count
    funnel_ms = sorted(counted)[1] * 1000
    app = psql(run.stack.dsn, "SELECT id FROM pipeline.applications WHERE job_id = '%s' "
                              "ORDER BY id LIMIT 1" % job)
    read = wrk_read(run.stack, run.token, "/v1/applications/" + app)
    return {"import": PROBE / imported, "screening": PROBE / screened, "funnel": funnel_ms,
            "read": read}


FIGURES = [  # key, figure, unit, better
    ("import", "import of %d candidates with resumes, %s rows in the database", "rows/s",
     "higher"),
    ("screening", "%d applications screened and their rules run, %s rows in the database",
     "screenings/s", "higher"),
    ("funnel", "GET /v1/jobs/{id}/funnel over %d applications, counted, %s rows in the database",
     "ms", "lower"),
    ("read", "GET /v1/applications/{id}, 16 connections, %s rows in the database", "req/s",
     "higher"),
]


def main():
    if not SIZES or SIZES != sorted(SIZES) or SIZES[0] < 1:
        print("HF_BENCH_GROWTH_SIZES must be sizes in increasing order")
        return 1
    stack = Stack("benchgr", {"HF_LOG_LEVEL": "warn",
                              "HF_GATEWAY_RATE_LIMITS": "admin=1000000:1000000"})
    fills, probes = [], {}
    try:
        stack.start_all()
        run = Run(stack)
        rows = 0
        for size in SIZES:
            while rows < size:
                n = min(CHUNK, size - rows)
                seconds = run.import_rows(run.job("filler %d" % rows, screened=False), n,
                                          resumes=False)
                fills.append((rows, n, seconds))
                print("filler: %d rows imported at %d in %.1f s (%.0f rows/s)"
                      % (n, rows, seconds, n / seconds), flush=True)
                rows += n
            # the state a database settles in after a peak, so the probe does not race
            # autovacuum over the rows just written: visibility maps set, statistics new,
            # dirty pages written
            psql(stack.dsn, "VACUUM (ANALYZE)")
            psql(stack.dsn, "CHECKPOINT")
            probes[size] = probe(run, size)
            rows += PROBE
            print("at %d rows: %s" % (size, json.dumps(probes[size])), flush=True)
    finally:
        stack.destroy()
    base = SIZES[0]
    print("probe of %d rows at each size; the ratio is to the figure at %d rows "
          "(1.0: flat)" % (PROBE, base))
    print("%-12s %14s %14s %14s %14s" % ("rows", "import rows/s", "screenings/s",
                                         "funnel ms", "read req/s"))
    for size in SIZES:
        p = probes[size]
        print("%-12d %14.0f %14.0f %14.1f %14.0f" % (size, p["import"], p["screening"],
                                                    p["funnel"], p["read"]))
    for key, figure, unit, better in FIGURES:
        for size in SIZES:
            name = figure % ((PROBE, "{:,}".format(size)) if "%d" in figure
                             else ("{:,}".format(size),))
            limit = ("the same at {:,} rows".format(base), probes[base][key]) \
                if size != base else (None, None)
            report(name, probes[size][key], unit, *limit, better=better,
                   **({"aim": 0.8} if size == SIZES[-1] and size != base else {}))
    first, last = fills[0], fills[-1]
    report("filler import at {:,} rows in the database".format(last[0]), last[1] / last[2],
           "rows/s", "the same at {:,} rows".format(first[0]), first[1] / first[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
