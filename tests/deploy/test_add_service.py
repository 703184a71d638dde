"""tests/deploy/test_add_service.py - the steps of "How to add a service" are true.

In a copy of the source tree, walk every step docs/architecture.md lists for a
throwaway service "demo" (no other file is touched), build the copy, and check
that everything that reads services/services.list picked it up: meson built
hrflow-demo from its own .proto, ./hrflow gives it its metrics port, the
manifest test finds its workload, the configuration page documents it, and a
stack started from the copy reports it in the gateway's /readyz.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from tap import run, test  # noqa: E402

ctx = {}

DEMO_PROTO = '''// A throwaway service made by tests/deploy/test_add_service.py.
syntax = "proto3";

package hrflow.v1;

import "hrflow/v1/health.proto";

service Demo {
  rpc Health(HealthRequest) returns (HealthResponse);
}
'''

DEMO_MAIN = '''/* services/demo/main.c - wiring of a throwaway service (tests/deploy/test_add_service.py) */
#include "hf/service.h"
#include "hrflow/v1/demo.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(demo, hrflow__v1__demo__descriptor, methods, .pii = 1)
'''

DEMO_SQL = '''-- demo: the service's own schema.
CREATE SCHEMA IF NOT EXISTS demo;
'''

# the shape docs/architecture.md gives (step 5): the binary, its sources, every migration
DEMO_MESON = '''hf_service_exes += executable('hrflow-demo', 'main.c',
  custom_target('demo-migrations',
    input : files('migrations/0001_init.sql'),
    output : 'demo-migrations.c',
    command : [python, embed_sql, '@OUTPUT@', 'demo_migrations', '@INPUT@']),
  dependencies : hf_common_dep,
  install : true)
'''


def sh(*args, cwd=None, env=None, check=True):
    return subprocess.run(list(args), cwd=cwd, env=env, check=check, capture_output=True,
                          text=True)


def copy_tree(dst):
    files = sh("git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others",
               "--exclude-standard").stdout.split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def walk_the_steps(root):
    """The steps of docs/architecture.md, "How to add a service", in order."""
    # 1. a line in services/services.list before the gateway, the next metrics offset
    lst = root / "services" / "services.list"
    lines = lst.read_text().splitlines()
    used = [int(l.split()[2]) for l in lines if l.split() and not l.startswith("#")]
    ctx["offset"] = max(used) + 1
    at = next(i for i, l in enumerate(lines) if l.split()[:1] == ["gateway"])
    lines.insert(at, "demo        service  %d" % ctx["offset"])
    lst.write_text("\n".join(lines) + "\n")
    # 2. its .proto
    (root / "proto" / "hrflow" / "v1" / "demo.proto").write_text(DEMO_PROTO)
    # 3. its schema
    (root / "services" / "demo" / "migrations").mkdir(parents=True)
    (root / "services" / "demo" / "migrations" / "0001_init.sql").write_text(DEMO_SQL)
    # 4. main.c
    (root / "services" / "demo" / "main.c").write_text(DEMO_MAIN)
    # 5. meson.build
    (root / "services" / "demo" / "meson.build").write_text(DEMO_MESON)
    # 6. its workload: payroll's manifest with the name replaced, in the
    # kustomization; its bus key and a Secret hrflow-demo with its keyring
    text = (root / "deploy" / "k8s" / "payroll.yaml").read_text()
    (root / "deploy" / "k8s" / "demo.yaml").write_text(text.replace("payroll", "demo"))
    kust = root / "deploy" / "k8s" / "kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - payroll.yaml\n",
                                             "  - payroll.yaml\n  - demo.yaml\n"))
    secret = root / "deploy" / "k8s" / "secret.example.yaml"
    text = secret.read_text()
    line = next(l for l in text.splitlines() if l.strip().startswith("payroll-secret-key:"))
    text = text.replace(line, line + "\n" + line.replace("payroll", "demo"))
    docs = text.split("---\n")
    mine = next(d for d in docs if "name: hrflow-payroll\n" in d)
    secret.write_text(text + "---\n" + mine.replace("payroll", "demo"))
    # 7. its page (the configuration page is regenerated after the build)
    (root / "docs" / "services" / "demo.md").write_text("# demo\n\nA throwaway service.\n")


def setup():
    ctx["tmp"] = tempfile.mkdtemp(prefix="hf-add-service-",
                                  dir=os.environ.get("HF_TEST_TMPDIR"))
    root = Path(ctx["tmp"]) / "src"
    root.mkdir()
    copy_tree(root)
    walk_the_steps(root)
    ctx["root"] = root
    ctx["build"] = root / "build"
    # plain: no optimisation, only what the checks need (no tests)
    sh("meson", "setup", str(ctx["build"]), str(root), "-Dtests=false", "--buildtype=plain")
    out = sh("ninja", "-C", str(ctx["build"]), check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    # step 7, second half
    doc = sh("/usr/bin/python3", str(root / "tools" / "config_doc.py"), str(ctx["build"])).stdout
    (root / "docs" / "configuration.md").write_text(doc)


def teardown():
    if ctx.get("tmp"):
        shutil.rmtree(ctx["tmp"], ignore_errors=True)


@test
def meson_builds_the_new_service_from_its_own_proto():
    exe = ctx["build"] / "services" / "demo" / "hrflow-demo"
    assert exe.is_file(), "no hrflow-demo"
    assert (ctx["build"] / "proto" / "hrflow" / "v1" / "demo.pb-c.h").is_file()
    out = sh(str(exe), "--help").stdout
    for var in ("HF_PG_DSN", "HF_BROKERS", "HF_WORKER_THREADS"):
        assert var in out, out
    # the gateway's list of services has it (its /readyz and route check read it)
    h = (ctx["build"] / "services" / "gateway" / "services.h").read_text()
    assert '"demo"' in h, h


@test
def hrflow_starts_migrates_and_gives_it_a_metrics_port():
    state = Path(ctx["tmp"]) / "state"
    env = dict(os.environ, HF_STATE_DIR=str(state), HF_BUILD_DIR=str(ctx["build"]))
    out = sh(str(ctx["root"] / "hrflow"), "status", env=env, check=False)
    assert out.returncode == 3, out  # nothing runs: exit status 3
    line = next((l for l in out.stdout.splitlines() if l.split()[:1] == ["demo"]), None)
    assert line, out.stdout
    assert "ports %d" % (9100 + ctx["offset"]) in line, line
    # no other process's port moved
    sched = next(l for l in out.stdout.splitlines() if l.split()[:1] == ["scheduling"])
    assert "ports 9104" in sched, sched


@test
def the_manifests_and_the_configuration_page_know_it():
    env = dict(os.environ, HF_BUILD_ROOT=str(ctx["build"]))
    out = sh("/usr/bin/python3", str(ctx["root"] / "tests" / "deploy" / "test_manifests.py"),
             env=env, check=False)
    bad = [l for l in out.stdout.splitlines() if l.startswith("not ok")]
    assert out.returncode == 0 and not bad, "\n".join(bad) or out.stdout[-2000:]
    assert "hrflow-demo --help lists its variables" in out.stdout, out.stdout
    out = sh("/usr/bin/python3", str(ctx["root"] / "tools" / "config_doc.py"), str(ctx["build"]),
             "--check", str(ctx["root"] / "docs" / "configuration.md"), check=False)
    assert out.returncode == 0, out.stdout
    assert "hrflow-demo" in (ctx["root"] / "docs" / "configuration.md").read_text()


@test
def a_stack_of_the_copy_reports_it_ready():
    # the copy's own stack helper, so its list is the one read
    sys.path.insert(0, str(ctx["root"] / "tests" / "e2e"))
    for mod in ("stack",):
        sys.modules.pop(mod, None)
    import stack as copied  # noqa: E402
    assert "demo" in copied.SERVICES, copied.SERVICES
    saved = os.environ.get("HF_BUILD_ROOT")
    os.environ["HF_BUILD_ROOT"] = str(ctx["build"])
    s = None
    try:
        s = copied.Stack("addsvc")
        s.start_all()
        status, _, body = s.get_json("/readyz", admin=True)
        assert status == 200, body
        text = json.dumps(body)
        assert re.search(r'"demo"', text), text
    finally:
        if s:
            s.destroy()
        if saved is None:
            os.environ.pop("HF_BUILD_ROOT", None)
        else:
            os.environ["HF_BUILD_ROOT"] = saved


if __name__ == "__main__":
    run(setup, teardown)
