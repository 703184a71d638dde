#!/usr/bin/env python3
"""Write docs/events.md and docs/asyncapi.json from the event catalogue (events/*.yaml).

usage: events_doc.py build            rewrite docs/events.md and docs/asyncapi.json
       events_doc.py markdown|asyncapi  print one of them
       events_doc.py --check          the suite's test (TAP): both current, every
                                      example valid, every type written by the code
                                      and every type the code writes catalogued
       events_doc.py c OUTPUT.c FILE.json  FILE as the C string gw_asyncapi_json
                                      (the gateway's build embeds the document)

The catalogue is the one source: each service's file lists the events it
writes to the outbox, with the JSON Schema of their data and an example
(events/README.md). The AsyncAPI 3.0 document publishes every type as a
channel (its address the type) with a `send` operation and a message whose
payload is the CloudEvents 1.0 envelope in structured mode, `data` being the
type's schema; the gateway serves it at /asyncapi.json.
"""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import embed_text  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CATALOGUE = os.path.join(ROOT, "events")
MARKDOWN = os.path.join(ROOT, "docs", "events.md")
ASYNCAPI = os.path.join(ROOT, "docs", "asyncapi.json")
SERVICE_ORDER = ["identity", "pipeline", "scoring", "scheduling", "payroll", "notify"]
TYPE_RE = re.compile(r"^hrflow\.([a-z]+)\.([a-z_]+(?:\.[a-z_]+)*)\.v([0-9]+)$")
# a type literal in the code: "hrflow.<service>.<what>.v<n>"
CODE_TYPE_RE = re.compile(r"hrflow\.[a-z]+\.[a-z_]+(?:\.[a-z_]+)*\.v[0-9]+")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def load():
    """[(service file's dict)] in SERVICE_ORDER, each event with its service."""
    import yaml
    files = []
    for path in glob.glob(os.path.join(CATALOGUE, "*.yaml")):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        doc["path"] = os.path.relpath(path, ROOT)
        files.append(doc)
    files.sort(key=lambda d: (SERVICE_ORDER.index(d["service"])
                              if d["service"] in SERVICE_ORDER else 99, d["service"]))
    return files


def events(files):
    return [(f, e) for f in files for e in f["events"]]


def project_version():
    with open(os.path.join(ROOT, "meson.build"), encoding="utf-8") as f:
        return re.search(r"version\s*:\s*'([^']+)'", f.read()).group(1)


def plain(value):
    """A copy without YAML's shared references (anchors), so json.dumps writes each
    place in full and the document has no aliasing surprises."""
    return json.loads(json.dumps(value))


def channel_id(etype):
    """"hrflow.pipeline.application.created.v1" -> "pipeline.application.created.v1"."""
    return etype[len("hrflow."):]


# ---- the AsyncAPI 3.0 document ----

ENVELOPE = {
    "type": "object",
    "description": "A CloudEvents 1.0 event in structured content mode "
                   "(application/cloudevents+json); data is the type's own.",
    "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "description": "The event's id: the outbox row's, unique "
                                                 "and increasing; consumers dedupe on it."},
        "source": {"type": "string", "description": "The service that wrote it, "
                                                     "\"/hrflow/<service>\"."},
        "type": {"type": "string", "description": "The event type, "
                                                   "\"hrflow.<service>.<what>.v<n>\"."},
        "subject": {"type": "string", "description": "The record it is about, "
                                                      "e.g. \"applications/<id>\"."},
        "time": {"type": "string", "format": "date-time",
                 "description": "When the change was committed (its transaction's time)."},
        "datacontenttype": {"type": "string", "const": "application/json"},
        "hrflowtenant": {"type": "string", "description": "Extension attribute: the tenant "
                                                          "the event belongs to (its id)."},
        "traceparent": {"type": "string", "description": "The W3C trace context of the "
                                                          "request that caused it, if any."},
        "data": {"type": "object"},
    },
}


def message_name(etype):
    """A message name from the type: "pipelineApplicationCreated"."""
    words = re.split(r"[._]", channel_id(etype))[:-1]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def envelope_example(svc, e):
    return {"specversion": "1.0", "id": "4711", "source": svc["source"], "type": e["type"],
            "subject": example_subject(e), "time": "2027-03-01T00:12:33.5Z",
            "datacontenttype": "application/json",
            "hrflowtenant": "0b5e6c1e-4a2f-4c55-9d1e-3f1d2a7b8c90", "data": plain(e["example"])}


def example_subject(e):
    """The subject template filled from the example's fields ({id} -> example["id"])."""
    ex = e["example"]
    return re.sub(r"\{(\w+)\}", lambda m: str(ex.get(m.group(1), m.group(0))), e["subject"])


def asyncapi(files):
    channels, operations, messages, schemas = {}, {}, {}, {"cloudEvent": ENVELOPE}
    for svc, e in events(files):
        t, cid = e["type"], channel_id(e["type"])
        name = message_name(t)
        data = plain(e["data"])
        schemas[cid] = data
        messages[name] = {
            "name": name,
            "title": t,
            "summary": one_line(e["when"]),
            "contentType": "application/cloudevents+json",
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/cloudEvent"},
                {"type": "object", "properties": {
                    "type": {"type": "string", "const": t},
                    "source": {"type": "string", "const": svc["source"]},
                    "subject": {"type": "string",
                                "description": "\"%s\"" % e["subject"]},
                    "data": {"$ref": "#/components/schemas/%s" % cid}}}]},
            "examples": [{"name": "example", "summary": "The event as a webhook receives it",
                          "payload": envelope_example(svc, e)}],
        }
        channels[cid] = {
            "address": t,
            "title": t,
            "description": e["when"].strip() + (
                "\n\nNot written yet: %s." % e["pending"] if e.get("pending") else ""),
            "messages": {name: {"$ref": "#/components/messages/%s" % name}},
            "tags": [{"name": svc["service"]}],
        }
        operations[cid] = {
            "action": "send",
            "channel": {"$ref": "#/channels/%s" % cid},
            "title": "hrflow sends " + t,
            "summary": one_line(e["when"]),
            "messages": [{"$ref": "#/channels/%s/messages/%s" % (cid, name)}],
            "tags": [{"name": svc["service"]}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "hrflow events",
            "version": project_version(),
            "description": (
                "Every event hrflow's services write to their outbox, in commit order. "
                "Integrators read them through the event log (`GET /v1/events`, the "
                "Server-Sent Events stream `GET /v1/events/stream`) and receive them by "
                "webhook, each as a CloudEvents 1.0 event in structured content mode; "
                "in-cluster consumers subscribe on the bus's event plane. Event data "
                "names records by id and carries no personal data. Generated from "
                "events/*.yaml by tools/events_doc.py; docs/events.md is the same "
                "catalogue for reading."),
            "tags": [{"name": f["service"], "description": one_line(f["description"])}
                     for f in files],
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def asyncapi_text(files):
    return json.dumps(asyncapi(files), indent=1, ensure_ascii=False) + "\n"


def one_line(text):
    return " ".join(text.split())


# ---- docs/events.md ----

HEADER = """# Events

Every change in hrflow writes an event to the outbox (`events.outbox`) in the
transaction that makes the change (docs/architecture.md, "The outbox relay").
This page lists every event type, when it is written and what its `data`
holds. Integrators read the events through the event log (`GET /v1/events`,
`GET /v1/events/stream`) and webhooks (docs/notify.md); the same catalogue is
served as an AsyncAPI 3.0 document at `GET /asyncapi.json` (docs/api.md).

This page and docs/asyncapi.json are generated from `events/*.yaml`
(`python3 tools/events_doc.py build`); the test suite fails when they fall
behind the catalogue, when an example does not match its schema, when the
code no longer writes a catalogued type, or when it writes one the catalogue
lacks. An end-to-end test drives the services and checks every event they
write against its schema.

## The envelope

An event is a CloudEvents 1.0 event; webhooks and the event log deliver it in
structured content mode (`application/cloudevents+json`):

| attribute | meaning |
| --- | --- |
| `specversion` | `1.0` |
| `id` | the outbox row's id: unique, increasing; consumers dedupe on it |
| `source` | the service that wrote it, `/hrflow/<service>` |
| `type` | the event type below, `hrflow.<service>.<what>.v<n>` |
| `subject` | the record it is about, e.g. `applications/<id>` |
| `time` | when the change was committed |
| `datacontenttype` | `application/json` |
| `hrflowtenant` | extension attribute: the tenant's id (one receiver may serve several) |
| `traceparent` | the W3C trace context of the request that caused it, if any |
| `data` | the type's data, below |

A type's version (`.v1`) changes only when its data changes incompatibly;
fields may be added to a version. Event data names records by id and never
carries a candidate's name, phone, email, resume or anything they typed:
consumers that need those ask the pipeline when they use them.
"""


def type_of(s):
    """A schema's type in words for the fields table."""
    if "const" in s:
        return "`%s` (always)" % json.dumps(s["const"], ensure_ascii=False)
    t = s.get("type", "any")
    if t == "array":
        return "array, always empty" if s.get("maxItems") == 0 else \
            "array of " + type_of(s.get("items", {}))
    if "enum" in s:
        return "%s: %s" % (t, ", ".join("`%s`" % v if v != "" else '`""`' for v in s["enum"]))
    if s.get("format"):
        return "%s (%s)" % (t, s["format"])
    return t


def rows(schema, prefix=""):
    """(path, type, required, description) of every field of an object schema, nested
    objects and arrays of objects walked in place."""
    out = []
    req = set(schema.get("required", []))
    for name, s in schema.get("properties", {}).items():
        path = prefix + name
        out.append((path, type_of(s), "yes" if name in req else "no",
                    one_line(s.get("description", ""))))
        if s.get("type") == "object":
            out += rows(s, path + ".")
        elif s.get("type") == "array" and s.get("items", {}).get("type") == "object":
            out += rows(s["items"], path + "[].")
    return out


def anchor(text):
    return re.sub(r"[^a-z0-9_-]", "", text.lower().replace(" ", "-"))


def markdown(files):
    out = [HEADER, "## Types\n", "| type | service | subject |", "| --- | --- | --- |"]
    for svc, e in events(files):
        out.append("| [`%s`](#%s) | %s | `%s` |" % (e["type"], anchor(e["type"]), svc["service"],
                                                   e["subject"]))
    for svc in files:
        out.append("\n## %s (`%s`)\n" % (svc["title"], svc["source"]))
        out.append(one_line(svc["description"]))
        for e in svc["events"]:
            out.append("\n### %s\n" % e["type"])
            out.append(one_line(e["when"]))
            if e.get("outbox") is False:
                out.append("\nNever in the outbox, so never in the event log.")
            if e.get("pending"):
                out.append("\nNot written yet: %s." % e["pending"])
            out.append("\nSubject: `%s`.\n" % e["subject"])
            data = plain(e["data"])
            if data.get("description"):
                out.append(one_line(data["description"]) + "\n")
            out.append("| field | type | required | meaning |")
            out.append("| --- | --- | --- | --- |")
            for path, t, req, desc in rows(data):
                out.append("| `%s` | %s | %s | %s |" % (path, t, req, desc.replace("|", "\\|")))
            out.append("\nExample `data`:\n")
            out.append("```json")
            out.append(json.dumps(plain(e["example"]), indent=2, ensure_ascii=False))
            out.append("```")
    return "\n".join(out) + "\n"


# ---- checks ----

def source_files(folder):
    """The C, header and SQL files under folder, tests left out."""
    for dirpath, dirnames, names in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "tests"]
        for n in names:
            if n.endswith((".c", ".h", ".sql")):
                yield os.path.join(dirpath, n)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def check_examples(files):
    """Problems: schemas that are not draft 2020-12, examples that do not match."""
    import jsonschema
    problems = []
    for _, e in events(files):
        schema = dict(plain(e["data"]), **{"$schema": DRAFT})
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as err:
            problems.append("%s: its schema: %s" % (e["type"], err.message))
            continue
        v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for err in v.iter_errors(plain(e["example"])):
            problems.append("%s: its example at %s: %s" % (
                e["type"], "/".join(map(str, err.absolute_path)) or "/", err.message))
    return problems


def check_names(files):
    """Problems: a type not named hrflow.<its service>.….v<n>, twice, or without a field."""
    problems, seen = [], set()
    for svc, e in events(files):
        t = e.get("type", "")
        m = TYPE_RE.match(t)
        if not m or m.group(1) != svc["service"]:
            problems.append("%s (%s): not hrflow.%s.<what>.v<n>" % (t, svc["path"], svc["service"]))
        if t in seen:
            problems.append("%s: catalogued twice" % t)
        seen.add(t)
        for key in ("subject", "when", "data", "example"):
            if key not in e:
                problems.append("%s: no %s" % (t, key))
    return problems


def check_code(files):
    """Problems: a catalogued type the code does not write (its marks not found), a
    pending one the code writes, a type literal in the code the catalogue lacks."""
    problems = []
    known = {e["type"] for _, e in events(files)}
    for svc, e in events(files):
        t = e["type"]
        folder = os.path.join(ROOT, "services", svc["service"])
        in_code = [os.path.relpath(p, ROOT) for p in source_files(folder) if t in read(p)]
        if e.get("pending"):
            if in_code:
                problems.append("%s is written now (%s): remove its pending mark" % (
                    t, ", ".join(in_code)))
            continue
        marks = e.get("code")
        if not marks:
            if not in_code:
                problems.append("%s: not found in services/%s" % (t, svc["service"]))
            continue
        for mark in marks:
            path = os.path.join(ROOT, mark["file"])
            if not os.path.exists(path) or mark["text"] not in read(path):
                problems.append("%s: %r not in %s" % (t, mark["text"], mark["file"]))
    for folder in (os.path.join(ROOT, "services"), os.path.join(ROOT, "common")):
        for path in source_files(folder):
            for t in sorted(set(CODE_TYPE_RE.findall(read(path)))):
                if t not in known:
                    problems.append("%s writes or reads %s, which is not in events/" % (
                        os.path.relpath(path, ROOT), t))
    return problems


def check():
    files = load()
    results = []
    for path, text, how in ((MARKDOWN, markdown(files), "docs/events.md"),
                            (ASYNCAPI, asyncapi_text(files), "docs/asyncapi.json")):
        current = read(path) if os.path.exists(path) else ""
        results.append(("%s matches events/" % how, [] if current == text else [
            "%s is out of date: run python3 tools/events_doc.py build" % how]))
    results.append(("every type is named for its service, once", check_names(files)))
    results.append(("every example matches its schema (JSON Schema 2020-12)",
                    check_examples(files)))
    results.append(("the code writes every type and no other", check_code(files)))
    print("1..%d" % len(results))
    failed = 0
    for i, (what, problems) in enumerate(results, 1):
        print("%s %d - %s" % ("not ok" if problems else "ok", i, what))
        for p in problems:
            print("# " + p)
        failed += bool(problems)
    return 1 if failed else 0


# ---- the gateway's embedded copy ----

def embed(output, source):
    json.loads(read(source))  # a broken document stops the build
    embed_text.embed(output, "gw_asyncapi_json", source, generator="tools/events_doc.py")


def main():
    args = sys.argv[1:]
    if args == ["build"]:
        files = load()
        for path, text in ((MARKDOWN, markdown(files)), (ASYNCAPI, asyncapi_text(files))):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    elif args == ["markdown"]:
        sys.stdout.write(markdown(load()))
    elif args == ["asyncapi"]:
        sys.stdout.write(asyncapi_text(load()))
    elif args == ["--check"]:
        sys.exit(check())
    elif len(args) == 3 and args[0] == "c":
        embed(args[1], args[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
