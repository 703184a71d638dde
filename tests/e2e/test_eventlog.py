"""tests/e2e/test_eventlog.py - the event log integrators read: GET /v1/events and its stream.

One stack (scheduling_e2e's: tenants sa and sb, companies SH, SZ, …) with
integrator keys: the group's, one bound to company SZ, and tenant sb's. The
log is read in the relay's order, (tx_id, id) below the oldest running
transaction: a transaction held open across later commits is never passed
(by a page or by the stream) and comes first once it commits. Cursors are
sealed and resume exactly; types filter by exact type and by prefix; a
company-bound key sees its companies' events only; another tenant sees
nothing; bad input is a 400 naming the field. The stream (Server-Sent
Events) sends the same events, resumes from Last-Event-ID, sends
keep-alive comments, is bounded per key, and is gone from the gateway's
gauge once its client leaves. A whole pipeline and scheduling run writes no
candidate's name, phone or email into any event.

Tests write their own events with psql under types hrflow.test.*, so what
the services write meanwhile never disturbs them.
"""
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from scheduling_e2e import call, ctx, keys, sql, stack, teardown  # noqa: E402
from scheduling_e2e import job_of, placed, RULES  # noqa: E402
from scheduling_e2e import setup as setup_stack  # noqa: E402
from stack import wait_for  # noqa: E402
from tap import run, test  # noqa: E402

TEST = "hrflow.test."
HEARTBEAT_MS = 300


def setup():
    setup_stack("eventlog", {"HF_GATEWAY_STREAM_HEARTBEAT_MS": str(HEARTBEAT_MS),
                             "HF_GATEWAY_STREAMS_PER_KEY": "2",
                             # how often an open stream's key is asked about again
                             # unprompted: the revocation event must end it first
                             "HF_GATEWAY_AUTH_CACHE_S": "600",
                             "HF_GATEWAY_RATE_LIMITS": "admin=5000:5000,recruiter=5000:5000,"
                                                       "integrator=5000:5000"})
    for name, tenant, company in (("int", "sa", None), ("int_sz", "sa", "SZ"),
                                  ("int_b", "sb", None), ("int_stream", "sa", None)):
        keys[name] = stack.cli("identity", "apikey", "create", "--tenant", tenant, "--scope",
                               "integrator", *(("--company", company) if company else ()))
    ctx["tenant_b"] = sql("SELECT id FROM identity.tenants WHERE slug = 'sb'")


# ---- helpers ----

def quote(s):
    return "'" + s.replace("'", "''") + "'"


def append(kind, n=1, company="SH", tenant=None, settle=True):
    """n events of type hrflow.test.<kind>.v1 in one committed transaction; their subjects
    (once the readers can see them, unless settle is false: a held transaction is open)."""
    subjects = ["%s/%s" % (kind, uuid.uuid4()) for _ in range(n)]
    data = {"companyId": ctx["companies"][company]} if company else {}
    sql("INSERT INTO events.outbox (tenant_id, source, type, subject, data) SELECT %s, "
        "'/hrflow/test', %s, s, %s::jsonb FROM unnest(ARRAY[%s]::text[]) WITH ORDINALITY "
        "AS x(s, n) ORDER BY n"
        % (quote(tenant or ctx["tenant"]), quote(TEST + kind + ".v1"), quote(json.dumps(data)),
           ",".join(quote(s) for s in subjects)))
    if settle:
        settled(subjects)
    return subjects


def settled(subjects):
    """Wait until the readers' horizon has passed the events of these subjects. Every
    reader stops below the oldest transaction running anywhere on the PostgreSQL
    server (docs/architecture.md, "The outbox relay"), and other suites' transactions
    run on the same server: committed is not yet readable while one of them is open."""
    wait_for(lambda: sql("SELECT bool_and(tx_id < pg_snapshot_xmin(pg_current_snapshot())) "
                         "FROM events.outbox WHERE subject = ANY(ARRAY[%s]::text[])"
                         % ",".join(quote(s) for s in subjects)) == "t",
             timeout=60, what="the readers' horizon past %d events" % len(subjects))


class Held:
    """A transaction that appended one event and stays open until commit()."""

    def __init__(self, kind):
        self.subject = "%s/%s" % (kind, uuid.uuid4())
        self.p = subprocess.Popen(["psql", stack.dsn, "-XAtq", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.p.stdin.write(
            "BEGIN;\nINSERT INTO events.outbox (tenant_id, source, type, subject, data) VALUES "
            "(%s, '/hrflow/test', %s, %s, %s);\nSELECT 'appended';\n"
            % (quote(ctx["tenant"]), quote(TEST + kind + ".v1"), quote(self.subject),
               quote(json.dumps({"companyId": ctx["companies"]["SH"]}))))
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "appended"

    def commit(self):
        self.p.stdin.write("COMMIT;\n")
        self.p.stdin.close()
        assert self.p.wait(30) == 0


def page(key="int", after="", types=TEST, limit=None, after_id=None):
    q = ["after=" + urllib.request.quote(after, safe="")] if after else []
    q += ["after_id=" + after_id] if after_id else []
    q += ["types=" + types] if types else []
    q += ["limit=%d" % limit] if limit else []
    return call("GET", "/v1/events" + ("?" + "&".join(q) if q else ""), key=key)


def read_all(key="int", after="", types=TEST, limit=None):
    """Every event after the cursor, page by page; (events, the cursor at the end)."""
    out = []
    while True:
        status, p = page(key, after, types, limit)
        assert status == 200, p
        out += p["events"]
        assert p["next"] or not p["events"], p
        after = p["next"]
        if not p["more"]:
            return out, after


def subjects(events):
    return [e["subject"] for e in events]


def bare(events):
    """Events without their cursors: each answer seals its cursors afresh (opaque, never
    the same string twice), so events are compared by what they are."""
    return [{k: v for k, v in e.items() if k != "cursor"} for e in events]


def end_of_log(key="int", types=TEST):
    return read_all(key, types=types)[1]


class Stream:
    """A Server-Sent Events stream read through http.client (which undoes the chunking)."""

    def __init__(self, key="int_stream", query="types=" + TEST, last_event_id=None):
        self.c = http.client.HTTPConnection("127.0.0.1", stack.http, timeout=20)
        h = {"Authorization": "Bearer " + keys[key], "Accept": "text/event-stream"}
        if last_event_id:
            h["Last-Event-ID"] = last_event_id
        self.c.request("GET", "/v1/events/stream" + ("?" + query if query else ""), headers=h)
        self.r = self.c.getresponse()
        self.status = self.r.status
        if self.status == 200:
            assert self.r.getheader("Content-Type") == "text/event-stream", self.r.getheaders()
            assert self.r.readline() == b": hrflow event stream\n"
            assert self.r.readline() == b"\n"
        else:
            self.body = json.loads(self.r.read())

    def next(self):
        """The next event as (id, type, CloudEvent), or ("", "keep-alive", None) for a
        heartbeat comment."""
        fields = {}
        while True:
            line = self.r.readline().decode()
            assert line, "the stream ended"
            if line == "\n":
                if fields:
                    return fields["id"], fields["event"], json.loads(fields["data"])
                continue
            if line.startswith(":"):
                assert line == ": keep-alive\n", line
                if not fields:
                    return "", "keep-alive", None
                continue
            name, value = line.rstrip("\n").split(": ", 1)
            fields[name] = value

    def events(self, n):
        """The next n events, heartbeats skipped."""
        out = []
        while len(out) < n:
            got = self.next()
            if got[2] is not None:
                out.append(got)
        return out

    def close(self):
        self.r.close()   # its file holds the socket open past the connection's close
        self.c.close()


def open_streams():
    url = "http://127.0.0.1:%d/metrics" % stack.metrics_ports["gateway"]
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("hf_gateway_streams "):
                return float(line.split()[1])
    return None


def wait_streams(n):
    wait_for(lambda: open_streams() == n, timeout=30, what="%d open streams" % n)


# ---- the log ----

@test
def a_slow_transaction_is_never_passed_and_comes_first_once_committed():
    start = end_of_log()
    held = Held("slow")
    later = append("fast", 3, settle=False)   # committed while the slow one is open
    stream = Stream(query="types=%s&after=%s" % (TEST, urllib.request.quote(start, safe="")))
    events, cursor = read_all(after=start)
    # the reader stops before the open transaction: none of the later events, and its
    # cursor stays behind the open one
    assert events == [], events
    held.commit()
    settled([held.subject] + later)
    events = read_all(after=start)[0]
    assert subjects(events) == [held.subject] + later, subjects(events)
    assert bare(read_all(after=cursor)[0]) == bare(events)
    # ordered by id alone a reader would have passed it: its id is below the later ones,
    # yet it committed last
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids), ids
    # the stream, open all along, sends them in the same order, none skipped
    got = stream.events(4)
    assert [e["subject"] for _, _, e in got] == subjects(events), got
    assert [e["id"] for _, _, e in got] == [e["id"] for e in events]
    assert all(i == e["cursor"] for i, _, e in got)
    stream.close()


@test
def a_slow_transaction_holds_back_every_reader_until_it_commits():
    """Several held at once, committed in the reverse order of their start."""
    start = end_of_log()
    held = [Held("held%d" % i) for i in range(3)]
    after = append("after", 2, settle=False)
    for h in reversed(held):
        assert read_all(after=start)[0] == []
        h.commit()
    settled([h.subject for h in held] + after)
    events = read_all(after=start)[0]
    assert subjects(events) == [h.subject for h in held] + after, subjects(events)


@test
def cursors_resume_exactly():
    start = end_of_log()
    written = append("resume", 7)
    whole, end = read_all(after=start)
    assert subjects(whole) == written
    one_by_one, end1 = read_all(after=start, limit=1)
    assert bare(one_by_one) == bare(whole)
    for i, e in enumerate(whole):  # after any event's own cursor: exactly the rest
        assert bare(read_all(after=e["cursor"])[0]) == bare(whole[i + 1:])
    status, p = page(after=end)     # at the end: the cursor given comes back
    assert status == 200 and p["events"] == [] and p["next"] == end and not p["more"], p
    later = append("resume", 1)
    assert subjects(read_all(after=end)[0]) == later == subjects(read_all(after=end1)[0])
    # the whole log from the beginning holds them, each once, in the same order
    everything = read_all(types="")[0]
    mine = [e for e in everything if e["subject"] in written]
    assert bare(mine) == bare(whole)
    assert len({e["id"] for e in everything}) == len(everything)


@test
def events_are_cloudevents_with_a_cursor():
    start = end_of_log()
    s = append("shape", 1)[0]
    (e,), _ = read_all(after=start)
    assert set(e) == {"specversion", "id", "source", "type", "subject", "time",
                      "datacontenttype", "data", "hrflowtenant", "cursor"}, e
    assert e["hrflowtenant"] == ctx["tenant"], e
    assert e["specversion"] == "1.0" and e["source"] == "/hrflow/test" and e["subject"] == s
    assert e["type"] == TEST + "shape.v1" and e["datacontenttype"] == "application/json"
    assert e["data"] == {"companyId": ctx["companies"]["SH"]}
    assert e["time"].endswith("Z") and "T" in e["time"], e
    # the cursor is opaque: a token of the URL-safe alphabet, sealed afresh on every answer
    # (the same event read again comes with another cursor, and both resume right after
    # it), so nothing of the position shows. Whether the id's digits occur in it is no
    # test: a random token of ~70 characters holds a two-digit id by chance about once
    # in sixty answers
    assert e["cursor"] and all(c.isalnum() or c in "-_." for c in e["cursor"]), e["cursor"]
    (again,), _ = read_all(after=start)
    assert again["id"] == e["id"] and again["cursor"] != e["cursor"], (again, e)
    assert bare(read_all(after=again["cursor"])[0]) == bare(read_all(after=e["cursor"])[0])
    # every event of the log parses as a CloudEvent (structured mode) with the cloudevents
    # SDK, an implementation of the spec that is not ours
    everything = read_all(types="")[0]
    node = subprocess.run(
        ["node", "-e", CLOUDEVENTS_CHECK], input=json.dumps(everything), text=True,
        capture_output=True, env=dict(os.environ,
                                      NODE_PATH=os.environ["HF_TEST_EVENTS_NODE_MODULES"]))
    assert node.returncode == 0, node.stderr
    assert node.stdout.split() == [str(len(everything))], node.stdout


CLOUDEVENTS_CHECK = """
const { HTTP } = require("cloudevents");
const events = JSON.parse(require("fs").readFileSync(0, "utf8"));
for (const e of events) {
  const ce = HTTP.toEvent({ headers: { "content-type": "application/cloudevents+json" },
                            body: JSON.stringify(e) });
  if (!ce.validate() || ce.id !== e.id || ce.type !== e.type || ce.cursor !== e.cursor ||
      JSON.stringify(ce.data) !== JSON.stringify(e.data))
    throw new Error("not the same event: " + JSON.stringify(e));
}
console.log(events.length);
"""


@test
def types_filter_by_exact_type_and_by_prefix():
    start = end_of_log()
    a = append("alpha", 2)
    b = append("beta", 1)
    a += append("alpha", 1)
    assert subjects(read_all(after=start, types=TEST + "alpha.v1")[0]) == a
    assert subjects(read_all(after=start, types=TEST + "beta.v1," + TEST + "alpha.v1")[0]) == \
        a[:2] + b + a[2:]
    assert subjects(read_all(after=start, types=TEST)[0]) == a[:2] + b + a[2:]
    assert subjects(read_all(after=start, types=TEST + "*")[0]) == a[:2] + b + a[2:]
    assert read_all(after=start, types=TEST + "gamma.v1")[0] == []
    # a filter that wants little still moves the cursor past what it walked
    _, end = read_all(after=start, types=TEST + "gamma.v1")
    assert end != start and read_all(after=end)[0] == []
    for bad in ("Hrflow.Pipeline", "a b", "hrflow..*x", ",".join(["x"] * 33), "x" * 201):
        status, p = page(after=start, types=urllib.request.quote(bad))
        assert status == 422 and p["errors"][0]["field"] == "types", (bad, p)


@test
def a_company_bound_key_sees_its_companies_events_only():
    start_sz = end_of_log("int_sz")
    start = end_of_log()
    sh = append("walled", 1, "SH")
    sz = append("walled", 1, "SZ")
    none = append("walled", 1, None)
    assert subjects(read_all(after=start)[0]) == sh + sz + none
    assert subjects(read_all("int_sz", after=start_sz)[0]) == sz
    # from the beginning too: nothing of SH, nothing without a company
    seen = read_all("int_sz", types="")[0]
    assert seen and all(e["data"].get("companyId") == ctx["companies"]["SZ"] for e in seen), \
        [e for e in seen if e["data"].get("companyId") != ctx["companies"]["SZ"]][:3]


@test
def another_tenant_sees_nothing():
    start = end_of_log()
    mine = append("tenant", 2)
    assert subjects(read_all(after=start)[0]) == mine
    theirs = read_all("int_b", types="")[0]
    assert not [e for e in theirs if ctx["tenant"] in json.dumps(e) or e["subject"] in mine]
    own = append("tenant", 1, None, ctx["tenant_b"])
    assert [e["subject"] for e in read_all("int_b")[0]][-1:] == own
    # a cursor of tenant sa does not open for tenant sb
    status, p = page("int_b", after=start)
    assert status == 400 and p["errors"][0]["field"] == "after", p


@test
def bad_input_is_refused_naming_the_field():
    """A cursor the log did not hand out: 400; a value to correct: 422."""
    end = end_of_log()
    for bad in ("x", "not-a-cursor", end[:-2], end + "A", end[:10] + ("A" if end[10] != "A"
                                                                       else "B") + end[11:]):
        status, p = page(after=bad)
        assert status == 400 and p["errors"][0]["field"] == "after", (bad, p)
    status, p = page(limit=1001)
    assert status == 422 and p["errors"][0]["field"] == "limit", p
    status, p = call("GET", "/v1/events?limit=many", key="int")
    assert status == 400 and "limit" in p["errors"][0]["field"], p
    status, p = call("GET", "/v1/events?color=red", key="int")
    assert status == 400 and p["errors"][0]["field"] == "query.color", p
    status, p = call("GET", "/v1/events", key="sz")   # a recruiter key
    assert status == 403, p
    s = Stream(query="after=garbage")
    assert s.status == 400 and s.body["errors"][0]["field"] == "after", s.body
    s = Stream(query="types=" + TEST, last_event_id="garbage")
    assert s.status == 400 and s.body["errors"][0]["field"] == "after", s.body


@test
def after_id_resumes_after_an_event_the_caller_sees():
    """What a subscriber on the event plane does when an event's previous_id is one it
    never received: read the log after the last event it holds, by id."""
    start = end_of_log()
    sh = append("gap", 3, "SH")
    events = read_all(after=start)[0]
    status, p = page(after_id=events[0]["id"])
    assert status == 200 and subjects(p["events"]) == sh[1:], p
    # then on with the cursor it hands out, also when nothing came after the event
    assert read_all(after=p["next"])[0] == []
    status, p = page(after_id=events[-1]["id"])
    assert status == 200 and p["events"] == [] and p["next"], p
    assert read_all(after=p["next"])[0] == []
    # an event of another company or another tenant is no starting point
    for key in ("int_sz", "int_b"):
        status, p = page(key, after_id=events[0]["id"])
        assert status == 404 and p["code"] == "not_found", p
    status, p = page(after_id="12x")
    assert status == 400 and p["errors"][0]["field"] == "afterId", p
    status, p = page(after_id=events[0]["id"], after=start)
    assert status == 422 and p["errors"][0]["field"] == "afterId", p


# ---- the stream ----

@test
def the_stream_sends_what_commits_and_resumes_from_last_event_id():
    start = end_of_log()
    s = Stream(query="types=%s&after=%s" % (TEST, urllib.request.quote(start, safe="")))
    first = append("live", 3)
    got = s.events(3)
    assert [e["subject"] for _, _, e in got] == first
    assert [t for _, t, _ in got] == [TEST + "live.v1"] * 3
    assert all(i == e["cursor"] for i, _, e in got)
    s.close()
    more = append("live", 2)
    # resuming after the second event: exactly the third, then what came since
    r = Stream(last_event_id=got[1][0],
               query="types=%s&after=%s" % (TEST, urllib.request.quote(start, safe="")))
    assert [e["subject"] for _, _, e in r.events(3)] == first[2:] + more
    # a quiet stream keeps alive
    assert r.next() == ("", "keep-alive", None)
    r.close()
    wait_streams(0)


@test
def the_stream_filters_by_type_and_walls_companies():
    start_sz = end_of_log("int_sz")
    s = Stream("int_sz", "types=%s&after=%s" % (TEST + "wall.", urllib.request.quote(start_sz,
                                                                                     safe="")))
    append("wall", 1, "SH")
    append("other", 1, "SZ")
    sz = append("wall", 1, "SZ")
    assert [e["subject"] for _, _, e in s.events(1)] == sz
    s.close()


@test
def streams_are_bounded_per_key_and_cleaned_up_when_the_client_leaves():
    wait_streams(0)
    a, b = Stream(), Stream()
    wait_streams(2)
    c = Stream()
    assert c.status == 429 and c.body["code"] == "too_many_streams", c.body
    other = Stream("int")   # another key of the same tenant still may
    assert other.status == 200
    a.close()
    other.close()
    wait_streams(1)         # noticed at the next heartbeat's write
    d = Stream()
    assert d.status == 200
    b.close()
    d.close()
    wait_streams(0)


@test
def a_revoked_keys_stream_ends():
    status, made = call("POST", "/v1/apikeys", {"name": "stream", "scopes": ["integrator"]},
                        key="admin")
    assert status == 201, made
    keys["revoked"] = made["token"]
    s = Stream("revoked")
    assert s.status == 200
    wait_streams(1)
    status, r = call("POST", "/v1/apikeys/%s:revoke" % made["apiKey"]["id"], key="admin")
    assert status == 200, r
    # keep-alives until identity's api_key.revoked event has the key asked about again,
    # then the end: long before the 600 s of HF_GATEWAY_AUTH_CACHE_S
    until = time.monotonic() + 60
    while s.r.readline():
        assert time.monotonic() < until, "the stream outlived its key's revocation"
    s.close()
    wait_streams(0)
    assert Stream("revoked").status == 401


@test
def a_stopping_gateway_ends_its_streams_and_the_client_resumes_elsewhere():
    """SIGTERM with a stream open: the stream ends cleanly (libmicrohttpd must not stop
    with a suspended connection), the gateway exits 0, and the client resumes from its
    last id on the gateway that comes back."""
    start = end_of_log()
    s = Stream(query="types=%s&after=%s" % (TEST, urllib.request.quote(start, safe="")))
    first = append("restart", 1)
    (last, _, e), = s.events(1)
    assert e["subject"] == first[0]
    assert stack.stop("gateway") == 0
    while True:   # what it still held, then the end
        line = s.r.readline()
        if not line:
            break
        assert line.startswith(b":") or line == b"\n", line
    s.close()
    later = append("restart", 2)
    stack.start("gateway")
    stack.wait_ready()
    r = Stream(last_event_id=last)
    assert [e["subject"] for _, _, e in r.events(2)] == later
    r.close()


# ---- personal data ----

@test
def a_pipeline_and_scheduling_run_writes_no_personal_data_into_events():
    status, s = call("PATCH", "/v1/interview-lines", {"lines": 50}, key="admin")
    assert status == 200, s
    start = end_of_log(types="")
    people = [("欧阳事件%d" % i, "139%08d" % (uuid.uuid4().int % 10 ** 8),
               "event.person%d.%s@example.com" % (i, uuid.uuid4().hex[:6])) for i in range(3)]
    j = job_of("SH", rules=RULES)
    apps = []
    for i, (name, phone, email) in enumerate(people):
        status, c = call("POST", "/v1/candidates", {
            "name": name, "phone": phone, "email": email, "resume": "简历秘密%d" % i,
            "consent": {"automatedAssessment": True, "version": "2026-01"}})
        assert status == 201, c
        status, a = call("POST", "/v1/applications", {"jobId": j["id"], "candidateId": c["id"]})
        assert status == 201, a
        apps.append(a)
    for i, a in enumerate(apps[:2]):   # screened: invited to the AI interview, placed
        status, r = call("POST", "/v1/applications/%s/assessments" % a["id"],
                         {"kind": "screening", "score": 85, "eventId": "ev-%s" % a["id"]})
        assert status == 200 and r["application"]["stage"] == "ai_interview", r
    interviews = placed(j["id"], 2)
    status, r = call("POST", "/v1/interviews/%s:cancel" % interviews[0]["id"], {})
    assert status == 200, r
    status, r = call("POST", "/v1/applications/%s:reject" % apps[2]["id"], {"reason": "不合适"})
    assert status == 200, r
    status, iv = call("POST", "/v1/interviewers", {
        "companyId": ctx["companies"]["SH"], "name": "面试官事件",
        "email": "interviewer.event@example.com"})
    assert status == 201, iv
    # an import: new candidates, and one matched to an existing candidate by phone
    imported = [("导入事件%d" % i, "136%08d" % (uuid.uuid4().int % 10 ** 8),
                 "import.event%d.%s@example.com" % (i, uuid.uuid4().hex[:6])) for i in range(3)]
    csv = "name,phone,email\n" + "".join("%s,%s,%s\n" % p for p in imported + [people[0]])
    status, _, payload = stack.request(
        "POST", "/v1/jobs/%s/candidates:import" % job_of("SH")["id"], csv.encode(),
        {"Authorization": "Bearer " + keys["recruiter"],
         "Content-Type": "text/csv; charset=utf-8"})
    assert status == 202, payload
    imp = json.loads(payload)["id"]
    done = wait_for(lambda: (lambda x: x if x["status"] in ("done", "failed") else None)(
        call("GET", "/v1/imports/" + imp)[1]), timeout=60, what="the import")
    assert done["status"] == "done", done
    people += imported
    want = ("hrflow.pipeline.candidate.created.v1", "hrflow.pipeline.application.created.v1",
            "hrflow.pipeline.application.ai_interview_invited.v1",
            "hrflow.pipeline.application.rejected.v1", "hrflow.pipeline.candidate.merged.v1")
    seen = {}

    def whole_run():
        # the log shows a commit once every transaction older than it has ended (its
        # horizon), so the import's last events may show a moment after it is done
        seen["events"] = read_all(after=start, types="")[0]
        kinds = {e["type"] for e in seen["events"]}
        return all(t in kinds for t in want) and \
            any(t.startswith("hrflow.scheduling.interview.") for t in kinds)
    wait_for(whole_run, timeout=30, what="the run's events in the log")
    events = seen["events"]
    text = json.dumps(events, ensure_ascii=False)
    secrets = [x for p in people for x in p] + [p[1][3:] for p in people] + \
              ["简历秘密", "面试官事件", "interviewer.event@example.com"]
    found = [x for x in secrets if x in text]
    assert not found, "events show %s" % found
    # every event of the log, whoever reads it
    raw = sql("SELECT string_agg(data::text || subject, ' ') FROM events.outbox")
    assert not [x for x in secrets if x in raw], [x for x in secrets if x in raw]


if __name__ == "__main__":
    run(setup, teardown)
