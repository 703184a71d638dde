"""tests/bench/benchlib.py - what the Python benchmarks share: a tenant with an admin key,
a JSON client for the gateway, the raw COPY a bulk import is measured against, and
report(), the machine-readable line per figure (tests/bench/benchout.h says the format)."""
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from stack import psql  # noqa: E402,F401  (re-exported for the benchmarks)


def report(figure, value, unit, limit=None, limit_value=None, aim=None, aim_of="ratio",
           better="higher"):
    """Print one HF-BENCH line: `value` in `unit`, beside `limit` (what the physical
    limit measured in the same run is) of `limit_value`, and the aim on the ratio or
    on the value. `./hrflow bench all` gathers these lines (tools/bench_report.py)."""
    line = {"figure": figure, "value": round(float(value), 6), "unit": unit, "better": better}
    if limit and limit_value:
        line.update(limit=limit, limit_value=round(float(limit_value), 6))
    if aim is not None:
        line.update(aim=aim, aim_of=aim_of)
    print("HF-BENCH " + json.dumps(line, ensure_ascii=False), flush=True)


def tenant_api(stack, slug):
    """A tenant `slug` with one company and an admin key on the running stack.
    Returns (token, api): api(method, path, body=None, headers=None) -> JSON."""
    ident = stack.binary("identity")
    subprocess.run([ident, "tenant", "create", "--slug", slug, "--name", slug.upper()],
                   env=stack.env, check=True, capture_output=True)
    subprocess.run([ident, "company", "create", "--tenant", slug, "--code", "C1", "--name",
                    "C1"], env=stack.env, check=True, capture_output=True)
    token = subprocess.run([ident, "apikey", "create", "--tenant", slug, "--scope", "admin"],
                           env=stack.env, check=True, capture_output=True,
                           text=True).stdout.strip()
    auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def api(method, path, body=None, headers=None):
        req = urllib.request.Request(stack.url(path), method=method, data=body,
                                     headers=headers or auth)
        return json.loads(urllib.request.urlopen(req, timeout=60).read())

    return token, api


def time_copy(stack, csv_with_header, columns):
    """Seconds a raw psql \\copy of the CSV's rows (header dropped) into a new
    table of text/int `columns` ("name text, phone text, ...") takes."""
    path = os.path.join(stack.tmp, "bench-copy.csv")
    with open(path, "wb") as f:
        f.write(csv_with_header[csv_with_header.index(b"\n") + 1:])
    psql(stack.dsn, "CREATE TABLE public.copy_bench (%s)" % columns)
    t0 = time.time()
    subprocess.run(["psql", stack.dsn, "-Xq", "-c",
                    "\\copy public.copy_bench FROM '%s' WITH (FORMAT csv)" % path],
                   check=True, capture_output=True)
    return time.time() - t0
