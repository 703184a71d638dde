"""tests/bench/bench_import.py - bulk import against a raw COPY of the same rows.

Generates N candidate rows (name, phone, email, source, skills, years,
education; Chinese text), then in one run:
  1. raw COPY of the rows into a scratch table (the physical limit);
  2. POST /v1/jobs/{id}/candidates:import of the same file through the gateway,
     timed until GET /v1/imports/{id} says done (every row: a deduplicated,
     encrypted candidate and its application, with outbox events).
Prints rows/s of both and their ratio (issue 16's aim: import >= 0.1 of COPY; issue
5 asked 0.25), an HF-BENCH line, and what the import wrote (candidates, applications, events), so a fast run that wrote too little
shows. docs/performance.md keeps the results.

Run: ./hrflow bench import      Settings: HF_BENCH_ROWS (20000).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack, psql  # noqa: E402
from benchlib import report, tenant_api, time_copy  # noqa: E402

ROWS = int(os.environ.get("HF_BENCH_ROWS", "20000"))


def rows_csv(n):
    lines = ["姓名,手机,邮箱,来源,技能,工作年限,学历"]
    for i in range(n):
        lines.append("候选人%d,137%08d,c%d@example.com,校园招聘,\"数据分析,SQL\",%d,本科"
                     % (i, i, i, i % 10))
    return ("\n".join(lines) + "\n").encode()


def main():
    stack = Stack("benchimp", {"HF_LOG_LEVEL": "warn",
                               "HF_GATEWAY_RATE_LIMITS": "admin=1000000:1000000"})
    try:
        stack.start_all()
        token, api = tenant_api(stack, "bi")

        company = api("GET", "/v1/companies")["companies"][0]["id"]
        job = api("POST", "/v1/jobs", json.dumps({"companyId": company, "title": "bench",
                                                  "headcount": 1000}).encode())
        data = rows_csv(ROWS)
        copy_s = time_copy(stack, data, "name text, phone text, email text, source text, "
                                        "skills text, years int, education text")
        t0 = time.time()
        imp = api("POST", "/v1/jobs/%s/candidates:import" % job["id"], data,
                  {"Authorization": "Bearer " + token, "Content-Type": "text/csv"})
        while True:
            cur = api("GET", "/v1/imports/" + imp["id"])
            if cur["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        import_s = time.time() - t0
        wrote = psql(stack.dsn,
                     "SELECT (SELECT count(*) FROM pipeline.candidates) || ' candidates, '"
                     " || (SELECT count(*) FROM pipeline.applications) || ' applications, '"
                     " || (SELECT count(*) FROM events.outbox WHERE source = '/hrflow/pipeline'"
                     " AND type NOT LIKE '%.job.%') || ' events'")
    finally:
        stack.destroy()
    print("%d rows (Chinese CSV, 7 columns); 2 cores" % ROWS)
    print("%-48s %10s %12s" % ("", "seconds", "rows/s"))
    print("%-48s %10.2f %12.0f" % ("raw COPY into a table (psql \\copy)", copy_s, ROWS / copy_s))
    print("%-48s %10.2f %12.0f" % ("import: candidates + applications (%s)" % cur["status"],
                                   import_s, ROWS / import_s))
    print("import / COPY = %.4f (aim >= 0.1); created %s, failed %s; wrote %s"
          % (copy_s / import_s, cur["created"], cur["failed"], wrote))
    report("import of %d candidates" % ROWS, ROWS / import_s, "rows/s",
           "raw COPY of the same rows", ROWS / copy_s, aim=0.1)
    return 0 if cur["status"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
