"""tests/e2e/test_pages.py - every list keeps the page promise of docs/api.md.

For each list of each service (companies and API keys in identity, jobs and
a job's applications in the pipeline, competency models and questions in
scoring, interviewers, their busy blocks and rounds in scheduling), records
are made one after another, then the list is walked two at a time while
another client keeps adding records to the same list. Every
record that existed when the walk began must be seen exactly once, in the
order it was created; nothing may be seen twice; the walk must end.
"""
import json
import os
import subprocess
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack  # noqa: E402
from tap import run, test  # noqa: E402

stack = None
keys = {}
ctx = {}
BEFORE = 7        # records made before the walk
PAGE = 2


def setup():
    global stack
    stack = Stack("pages", {"HF_GATEWAY_RATE_LIMITS":
                            "admin=2000:2000,recruiter=2000:2000,public=100:100"})
    stack.start_all()
    ident = stack.binary("identity")
    subprocess.run([ident, "tenant", "create", "--slug", "pg", "--name", "pg"],
                   env=stack.env, check=True, capture_output=True)
    subprocess.run([ident, "company", "create", "--tenant", "pg", "--code", "HQ", "--name",
                    "总部"], env=stack.env, check=True, capture_output=True)
    keys["admin"] = subprocess.run([ident, "apikey", "create", "--tenant", "pg", "--scope",
                                    "admin"], env=stack.env, check=True, capture_output=True,
                                   text=True).stdout.strip()
    status, page = call("GET", "/v1/companies")
    ctx["company"] = page["companies"][0]["id"]


def teardown():
    if stack:
        stack.destroy()


def call(method, path, body=None):
    h = {"Authorization": "Bearer " + keys["admin"]}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    status, _, payload = stack.request(method, path, data, h)
    return status, json.loads(payload) if payload else None


def made(path, body):
    status, got = call("POST", path, body)
    assert status in (200, 201), (path, status, got)
    return got


def walk_while_adding(list_path, field, make):
    """Make BEFORE records, then walk list_path PAGE at a time while another
    thread keeps making records; check the promise."""
    before = [make()["id"] for _ in range(BEFORE)]
    stop = threading.Event()
    added = []

    def keep_adding():
        while not stop.is_set() and len(added) < 200:
            added.append(make()["id"])

    adder = threading.Thread(target=keep_adding)
    adder.start()
    seen, token, pages = [], "", 0
    try:
        while True:
            sep = "&" if "?" in list_path else "?"
            path = "%s%spage_size=%d" % (list_path, sep, PAGE)
            if token:
                path += "&page_token=" + token
            status, page = call("GET", path)
            assert status == 200, (path, page)
            assert len(page.get(field, [])) <= PAGE, page
            seen += [x["id"] for x in page.get(field, [])]
            pages += 1
            token = page.get("nextPageToken", "")
            if not token:
                break
            assert pages < 500, "the walk does not end"
    finally:
        stop.set()
        adder.join()
    assert added, "the other client added nothing while the walk ran"
    assert len(seen) == len(set(seen)), "a record was seen twice: %s" % seen
    mine = [i for i in seen if i in before]
    assert mine == before, "expected %s in creation order, saw %s" % (before, mine)
    # what was added meanwhile comes after every earlier record, in its order
    late = [i for i in seen if i in added]
    assert late == added[:len(late)], (late, added)


@test
def companies_page_in_creation_order_while_others_are_added():
    walk_while_adding("/v1/companies", "companies",
                      lambda: made("/v1/companies", {"code": "C" + uuid.uuid4().hex[:8],
                                                     "name": "子公司"}))


@test
def api_keys_page_in_creation_order_while_others_are_added():
    walk_while_adding("/v1/apikeys", "apiKeys",
                      lambda: made("/v1/apikeys", {"name": "k", "scopes": ["recruiter"]})["apiKey"])


@test
def jobs_page_in_creation_order_while_others_are_added():
    walk_while_adding("/v1/jobs", "jobs",
                      lambda: made("/v1/jobs", {"companyId": ctx["company"], "title": "店员",
                                                "headcount": 5}))


@test
def a_jobs_applications_page_in_creation_order_while_others_are_added():
    job = made("/v1/jobs", {"companyId": ctx["company"], "title": "仓管", "headcount": 500})

    def application():
        n = uuid.uuid4().int
        cand = made("/v1/candidates", {"name": "李四", "phone": "+86 139-%04d-%04d"
                                        % (n % 10000, (n >> 20) % 10000)})
        return made("/v1/applications", {"jobId": job["id"], "candidateId": cand["id"]})

    walk_while_adding("/v1/jobs/%s/applications" % job["id"], "applications", application)
    # and the same for one stage of them
    walk_while_adding("/v1/jobs/%s/applications?stage=applied" % job["id"], "applications",
                      application)


@test
def competency_models_page_in_creation_order_while_others_are_added():
    def model():
        m = made("/v1/competency-models", {"name": "店长", "competencies": [
            {"name": "沟通", "weight": 1, "keywords": [{"term": "沟通"}]}]})
        # a new version keeps the model's place in the list
        status, v2 = call("PATCH", "/v1/competency-models/" + m["id"],
                          {"name": "店长 v2"})
        assert status == 200 and v2["version"] == 2, v2
        return m

    walk_while_adding("/v1/competency-models", "models", model)


@test
def questions_page_in_creation_order_while_others_are_added():
    walk_while_adding("/v1/questions", "questions",
                      lambda: made("/v1/questions", {"text": "请介绍一次你解决客户投诉的经历",
                                                     "language": "zh",
                                                     "competencies": ["沟通"]}))


def interviewer():
    return made("/v1/interviewers", {"companyId": ctx["company"], "name": "面试官",
                                     "email": "iv-%s@example.com" % uuid.uuid4().hex})


@test
def interviewers_page_in_creation_order_while_others_are_added():
    walk_while_adding("/v1/interviewers", "interviewers", interviewer)


@test
def busy_blocks_page_in_creation_order_while_others_are_added():
    who = interviewer()["id"]
    walk_while_adding("/v1/interviewers/%s/busy-blocks" % who, "busyBlocks",
                      lambda: made("/v1/interviewers/%s/busy-blocks" % who, {
                          "startTime": "2099-01-05T01:00:00Z", "endTime": "2099-01-05T02:00:00Z"}))


@test
def rounds_page_in_creation_order_while_others_are_added():
    job = made("/v1/jobs", {"companyId": ctx["company"], "title": "面试", "headcount": 1})
    cand = made("/v1/candidates", {"name": "王五", "phone": "13700001234", "consent": {
        "automatedAssessment": True, "version": "2026-01"}})
    app = made("/v1/applications", {"jobId": job["id"], "candidateId": cand["id"]})["id"]
    # each round with an interviewer of its own: the same Monday morning in Shanghai
    walk_while_adding("/v1/rounds?application_id=" + app, "rounds",
                      lambda: made("/v1/rounds", {
                          "applicationId": app, "kind": "hr",
                          "interviewerIds": [interviewer()["id"]],
                          "startTime": "2099-01-05T02:00:00Z", "durationMinutes": 60}))


@test
def an_old_style_page_token_is_refused():
    status, body = call("GET", "/v1/jobs?page_token=" + str(uuid.uuid4()))
    assert status == 400, body


if __name__ == "__main__":
    run(setup, teardown)
