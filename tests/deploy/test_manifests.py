#!/usr/bin/python3
"""tests/deploy/test_manifests.py - keep deploy/k8s and deploy/docker honest.

The services ignore an HF_* variable they do not know, and fall back to
defaults that bind 127.0.0.1, so a typo in a manifest deploys cleanly and
breaks at run time. This test reads every YAML document under deploy/k8s and
checks it against the binaries themselves: each `<build>/services/<name>/
hrflow-<name> --help` prints the variables that binary accepts (with defaults
and ranges) and its flags.

Checks:
  - every YAML file parses; kustomization.yaml lists every manifest but the
    examples (*.example.yaml);
  - every container's command is one of the eight binaries, at the path the
    Dockerfile installs it, with flags the binary accepts;
  - every HF_* variable a container sets - in env, or through the ConfigMaps
    and Secrets its envFrom names - is accepted by its binary, has a valid
    value, and every ConfigMap/Secret it refers to exists;
  - listening addresses (given or defaulted) are 0.0.0.0, and container
    ports and probes point at ports the process listens on; scrape annotations
    at its HF_METRICS_ADDR, the one port that serves /metrics (the gateway's
    admin listener: never its API's port);
  - HF_BROKERS / HF_EVENTS_PUB / HF_EVENTS_SUB name every broker pod of the
    broker StatefulSet, on the ports the broker binds;
  - every Deployment/StatefulSet has resources, liveness and readiness probes,
    a non-root, read-only, no-privilege securityContext, a grace period, and a
    selector matching its pods; each has a PodDisruptionBudget, each
    Deployment an HPA; Services select existing pods;
  - every process on the bus gets CURVE keys from a Secret: the broker its key
    pair and the authorised public keys, every other program a key pair of its
    own and the broker's public key; nobody turns CURVE off; every program that
    uses Redis gets HF_REDIS_PASSWORD from a Secret, every service that takes a
    keyring (HF_PII_KEYS: personal data, page tokens) gets it from a Secret
    it reads alone; deploy/k8s/bus-secret.sh
    makes a Secret with every key the manifests name;
  - NetworkPolicies: every pod is behind a default deny; only the gateway takes
    traffic from outside the namespace (Prometheus excepted, on the metrics
    port), and never on its metrics port; the brokers' bus ports take exactly
    the gateway's and the services' pods; the datastore example lets in only
    those pods of the namespace;
  - the Dockerfile installs every binary the manifests run; its build stage
    installs every library and build tool `./hrflow` installs (test-only ones
    aside), and its runtime stage the package of every shared library a built
    binary links directly (found with readelf and dpkg);
  - `kubectl kustomize` renders the directory (skipped without kubectl).

Run: HF_BUILD_ROOT=<meson build dir> /usr/bin/python3 tests/deploy/test_manifests.py
Prints TAP; exits 1 on any failure, 77 when HF_BUILD_ROOT is unset.
"""
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
SERVICE_LIST = REPO / "services" / "services.list"


def listed_processes():
    """The names of services/services.list, in start order: every hrflow binary."""
    names = []
    for line in SERVICE_LIST.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            names.append(words[0])
    return tuple(names)


BINARIES = listed_processes()
WORKLOADS = ("Deployment", "StatefulSet")
SECRET_EXAMPLE = "secret.example.yaml"
BUS_SECRET_SCRIPT = K8S / "bus-secret.sh"
# Variables that name an address the process listens on (the rest connect out).
LISTEN_ADDR_VARS = ("HF_METRICS_ADDR", "HF_GATEWAY_ADDR")
# Variables listing one endpoint per broker pod, and the broker variable whose port they use.
BROKER_LISTS = {"HF_BROKERS": "HF_BROKER_BIND", "HF_EVENTS_PUB": "HF_BROKER_XSUB_BIND",
                "HF_EVENTS_SUB": "HF_BROKER_XPUB_BIND"}

try:
    import yaml
except ImportError:
    print("Bail out! python3-yaml is not installed (apt-get install -y python3-yaml)")
    sys.exit(1)


class Tap:
    def __init__(self):
        self.results = []

    def check(self, name, problems, skip=None):
        self.results.append((name, list(problems), skip))

    def finish(self):
        print(f"1..{len(self.results)}")
        failed = 0
        for i, (name, problems, skip) in enumerate(self.results, 1):
            if skip:
                print(f"ok {i} - {name} # SKIP {skip}")
            elif problems:
                failed += 1
                print(f"not ok {i} - {name}")
                for p in problems:
                    for line in str(p).splitlines():
                        print(f"# {line}")
            else:
                print(f"ok {i} - {name}")
        print(f"# {len(self.results) - failed} passed, {failed} failed")
        return 1 if failed else 0


# ---- the binaries ---------------------------------------------------------------

def read_help(build, name):
    """{'vars': {NAME: {'default': str|None, 'range': (lo, hi)|None}}, 'flags': set} or an error."""
    exe = build / "services" / name / f"hrflow-{name}"
    if not exe.is_file():
        return None, f"{exe} does not exist (build it first)"
    try:
        out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=30,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{exe} --help: {e}"
    if out.returncode != 0:
        return None, f"{exe} --help exited {out.returncode}: {out.stderr.strip()}"
    variables, current = {}, None
    for line in out.stdout.splitlines():
        m = re.match(r"^  (HF_[A-Z0-9_]+)\s", line)
        if m:
            current = variables.setdefault(m.group(1), {"default": None, "range": None})
            continue
        m = re.match(r"^\s+default: (.*)$", line)
        if m and current is not None:
            current["default"] = m.group(1)
            continue
        m = re.match(r"^\s+range: (-?\d+)\.\.(-?\d+)$", line)
        if m and current is not None:
            current["range"] = (int(m.group(1)), int(m.group(2)))
    usage = next((l for l in out.stdout.splitlines() if l.startswith("usage:")), "")
    flags = set(re.findall(r"\[(--[a-z][a-z-]*)\]", usage))
    if not variables:
        return None, f"{exe} --help lists no HF_* variable:\n{out.stdout}"
    return {"vars": variables, "flags": flags}, None


# ---- the manifests --------------------------------------------------------------

def load_manifests(tap):
    """[(relative path, document)] of every YAML document under deploy/k8s."""
    docs = []
    files = sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        tap.check("deploy/k8s has YAML files", ["no .yaml file under deploy/k8s"])
    for path in files:
        rel = path.relative_to(K8S).as_posix()
        problems = []
        try:
            parsed = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            tap.check(f"{rel} parses", [str(e)])
            continue
        for d in parsed:
            if not isinstance(d, dict) or "kind" not in d:
                problems.append(f"a document is not a Kubernetes object: {str(d)[:80]}")
            elif path.name != "kustomization.yaml" and not (d.get("metadata") or {}).get("name"):
                problems.append(f"a {d['kind']} has no metadata.name")
            else:
                docs.append((rel, d))
        tap.check(f"{rel} parses ({len(parsed)} document{'s' if len(parsed) != 1 else ''})", problems)
    return docs


def kind_name(d):
    return f"{d['kind'].lower()}/{d['metadata']['name']}"


def check_kustomization(tap, docs):
    kust = next((d for rel, d in docs if rel == "kustomization.yaml"), None)
    if kust is None:
        tap.check("kustomization.yaml lists every manifest except the examples",
                  ["deploy/k8s/kustomization.yaml is missing"])
        return None
    listed = set(kust.get("resources") or [])
    files = {p.relative_to(K8S).as_posix() for p in K8S.rglob("*")
             if p.suffix in (".yaml", ".yml") and p.is_file()} - {"kustomization.yaml"}
    examples = {f for f in files if f.endswith(".example.yaml")}
    problems = [f"{f} is not listed in resources" for f in sorted(files - listed - examples)]
    problems += [f"{f} is listed but does not exist" for f in sorted(listed - files)
                 if not (K8S / f).is_dir()]
    problems += [f"{f} is listed: it is an example, applied by hand" for f in sorted(listed & examples)]
    tap.check("kustomization.yaml lists every manifest except the examples", problems)
    return kust


def env_sources(container, configmaps, secrets):
    """[(var, value or None, where)] of everything the container's environment gets,
    plus a list of dangling references."""
    out, dangling = [], []
    for ef in container.get("envFrom") or []:
        prefix = ef.get("prefix", "")
        if "configMapRef" in ef:
            name = ef["configMapRef"].get("name")
            if name not in configmaps:
                if not ef["configMapRef"].get("optional"):
                    dangling.append(f"envFrom names ConfigMap {name}, which no manifest defines")
                continue
            for k, v in (configmaps[name].get("data") or {}).items():
                out.append((prefix + k, str(v), f"ConfigMap {name}"))
        elif "secretRef" in ef:
            name = ef["secretRef"].get("name")
            if name not in secrets:
                if not ef["secretRef"].get("optional"):
                    dangling.append(f"envFrom names Secret {name}, which neither the manifests "
                                    f"nor {SECRET_EXAMPLE} define")
                continue
            s = secrets[name]
            for k in list((s.get("data") or {})) + list((s.get("stringData") or {})):
                out.append((prefix + k, (s.get("stringData") or {}).get(k), f"Secret {name}"))
    for e in container.get("env") or []:
        name, value, where = e.get("name"), e.get("value"), "env"
        ref = e.get("valueFrom") or {}
        if "configMapKeyRef" in ref:
            r = ref["configMapKeyRef"]
            cm = configmaps.get(r.get("name"))
            if cm is None or r.get("key") not in (cm.get("data") or {}):
                dangling.append(f"{name}: ConfigMap {r.get('name')} has no key {r.get('key')}")
            else:
                value = str(cm["data"][r["key"]])
            where = f"env from ConfigMap {r.get('name')}"
        elif "secretKeyRef" in ref:
            r = ref["secretKeyRef"]
            s = secrets.get(r.get("name"))
            keys = set((s or {}).get("data") or {}) | set((s or {}).get("stringData") or {})
            if r.get("key") not in keys:
                dangling.append(f"{name}: Secret {r.get('name')} has no key {r.get('key')}")
            value, where = None, f"env from Secret {r.get('name')}"
        elif "fieldRef" in ref:
            value, where = None, f"env from field {ref['fieldRef'].get('fieldPath')}"
        out.append((name, None if value is None else str(value), where))
    return out, dangling


def effective_env(sources, accepted):
    """{var: value} as the process sees it: its defaults, overridden in order (env wins)."""
    eff = {k: v["default"] for k, v in accepted.items()}
    for name, value, _where in sources:
        if name in accepted:
            eff[name] = value
    return eff


def parse_hostport(value):
    """(host, port) of tcp://host:port or host:port; None if it is not one."""
    m = re.match(r"^(?:tcp://)?(\[[^\]]*\]|[^:/]+):(\d+)$", value or "")
    return (m.group(1), int(m.group(2))) if m else None


def pod_labels_match(selector, labels):
    want = selector.get("matchLabels", selector) if isinstance(selector, dict) else {}
    return bool(want) and all(labels.get(k) == v for k, v in want.items())


# ---- per workload ---------------------------------------------------------------

def check_workload(tap, w, ctx):
    wname = kind_name(w)
    spec = w.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    tmeta = (spec.get("template") or {}).get("metadata") or {}
    labels = tmeta.get("labels") or {}
    pod_sc = pod.get("securityContext") or {}
    inits = pod.get("initContainers") or []
    mains = pod.get("containers") or []
    shape = []
    if not mains:
        shape.append("no containers")
    if not pod_labels_match(spec.get("selector") or {}, labels):
        shape.append(f"selector {spec.get('selector')} does not match the pod labels {labels}")
    if not isinstance(pod.get("terminationGracePeriodSeconds"), int):
        shape.append("no terminationGracePeriodSeconds (SIGTERM drains; give it time)")
    for c in inits + mains:
        cname, is_main = c.get("name"), c in mains
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    shape.append(f"container {cname}: no resources.{part}.{r}")
        if is_main:
            for probe in ("livenessProbe", "readinessProbe"):
                if not c.get(probe):
                    shape.append(f"container {cname}: no {probe}")
        sc = c.get("securityContext") or {}
        if not sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")):
            shape.append(f"container {cname}: runAsNonRoot is not true (pod or container)")
        if sc.get("allowPrivilegeEscalation") is not False:
            shape.append(f"container {cname}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            shape.append(f"container {cname}: readOnlyRootFilesystem is not true")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            shape.append(f"container {cname}: capabilities.drop lacks ALL")
    tap.check(f"{wname}: selector, grace period, resources, probes, securityContext", shape)

    for c in inits + mains:
        check_container(tap, w, c, c in mains, pod, tmeta, ctx)


def check_container(tap, w, c, is_main, pod, tmeta, ctx):
    label = f"{kind_name(w)} container {c.get('name')}"
    argv = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
    problems = []
    binary = None
    if not c.get("command"):
        problems.append("no command: the image has no default process, name the binary")
    else:
        exe = argv[0]
        m = re.fullmatch(r"(.*)/hrflow-([a-z]+)", exe)
        if not m or m.group(2) not in BINARIES:
            problems.append(f"command {exe} is none of " + ", ".join(f"hrflow-{b}" for b in BINARIES))
        elif m.group(1) != ctx["bindir"]:
            problems.append(f"command {exe}: the image installs the binaries in {ctx['bindir']}")
        else:
            binary = m.group(2)
            ctx["used"].add(binary)
            helpinfo = ctx["help"].get(binary)
            if helpinfo is None:
                problems.append(f"cannot read hrflow-{binary} --help (see its test above)")
                binary = None
            else:
                for a in argv[1:]:
                    if a.startswith("-") and a not in helpinfo["flags"]:
                        problems.append(f"hrflow-{binary} has no flag {a} (usage lists: "
                                        f"{' '.join(sorted(helpinfo['flags'])) or 'none'})")
    tap.check(f"{label}: command is an installed hrflow binary", problems)
    if binary is None:
        return
    accepted = ctx["help"][binary]["vars"]
    sources, dangling = env_sources(c, ctx["configmaps"], ctx["secrets"])

    # -- every HF_* variable is one the binary reads, with a value it accepts
    problems = list(dangling)
    for name, value, where in sources:
        if not name or not name.startswith("HF_"):
            continue
        if name not in accepted:
            near = difflib.get_close_matches(name, accepted, n=2, cutoff=0.8)
            problems.append(f"{name} (from {where}) is not a variable hrflow-{binary} accepts"
                            + (f"; did you mean {' or '.join(near)}?" if near else ""))
            continue
        rng = accepted[name]["range"]
        if rng and value is not None:
            if not re.fullmatch(r"-?\d+", value) or not rng[0] <= int(value) <= rng[1]:
                problems.append(f"{name}={value!r} (from {where}) is not an integer in "
                                f"{rng[0]}..{rng[1]}")
    if is_main and "HF_INSTANCE" in accepted:
        refs = [((e.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
                for e in c.get("env") or [] if e.get("name") == "HF_INSTANCE"]
        if refs != ["metadata.name"]:
            problems.append("HF_INSTANCE is not set from the pod name (downward API metadata.name)")
    tap.check(f"{label}: every HF_* variable is one hrflow-{binary} accepts", problems)
    if not is_main:
        return
    eff = effective_env(sources, accepted)
    check_secrets(tap, label, binary, c, sources, accepted, ctx)

    # -- listening addresses, ports, probes, scrape annotation
    problems, listening = [], set()
    for name, value in sorted(eff.items()):
        if not (name.endswith("_BIND") or name in LISTEN_ADDR_VARS):
            continue
        if value in (None, "off"):
            continue
        hp = parse_hostport(value)
        given = any(n == name for n, _, _ in sources)
        if hp is None:
            problems.append(f"{name}={value!r} is not host:port")
        elif hp[0] not in ("0.0.0.0", "*", "[::]"):
            problems.append(f"{name}={value}{'' if given else ' (the default)'} listens on "
                            f"{hp[0]}, unreachable from outside the pod: use 0.0.0.0")
        else:
            listening.add(hp[1])
    named = {}
    for p in c.get("ports") or []:
        named[p.get("name")] = p.get("containerPort")
        if p.get("containerPort") not in listening:
            problems.append(f"containerPort {p.get('name')}={p.get('containerPort')} is not a port "
                            f"hrflow-{binary} listens on here ({sorted(listening) or 'none'})")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        spec = c.get(probe)
        if not spec:
            continue
        handler = spec.get("tcpSocket") or spec.get("httpGet") or spec.get("grpc")
        if handler is None:
            problems.append(f"{probe}: exec probes are not supported (the image has no client)")
            continue
        port = named.get(handler.get("port"), handler.get("port"))
        if port not in listening:
            problems.append(f"{probe} probes port {handler.get('port')}, which hrflow-{binary} "
                            f"does not listen on ({sorted(listening) or 'none'}; is HF_METRICS_ADDR off?)")
    ann = tmeta.get("annotations") or {}
    metrics = parse_hostport(eff.get("HF_METRICS_ADDR") or "")
    if binary == "gateway" and metrics is None:
        problems.append("HF_METRICS_ADDR is off: the gateway's /metrics and detailed /readyz "
                        "are served nowhere")
    api = parse_hostport(eff.get("HF_GATEWAY_ADDR") or "")
    if metrics and api and metrics[1] == api[1]:
        problems.append(f"HF_METRICS_ADDR and HF_GATEWAY_ADDR share port {api[1]}: the admin "
                        "listener must be apart from the API's")
    if ann.get("prometheus.io/scrape") == "true":
        port = ann.get("prometheus.io/port")
        if not port or not port.isdigit() or not metrics or int(port) != metrics[1]:
            problems.append(f"prometheus.io/port={port} is not the port of HF_METRICS_ADDR "
                            f"({eff.get('HF_METRICS_ADDR')}), where hrflow-{binary} serves "
                            "/metrics")
    tap.check(f"{label}: listens on 0.0.0.0; ports, probes and scrape target match", problems)

    # -- timing: the grace period covers the broker's drain, the probe covers /readyz
    problems = []
    grace = pod.get("terminationGracePeriodSeconds")
    drain = eff.get("HF_BROKER_DRAIN_MS")
    if isinstance(grace, int) and drain and re.fullmatch(r"\d+", drain) and grace * 1000 <= int(drain):
        problems.append(f"terminationGracePeriodSeconds={grace} does not outlast HF_BROKER_DRAIN_MS={drain}")
    ready = eff.get("HF_READY_TIMEOUT_MS")
    rp = c.get("readinessProbe") or {}
    if ready and re.fullmatch(r"\d+", ready) and rp.get("timeoutSeconds", 1) * 1000 <= int(ready):
        problems.append(f"readinessProbe.timeoutSeconds={rp.get('timeoutSeconds', 1)} is not longer "
                        f"than HF_READY_TIMEOUT_MS={ready}")
    tap.check(f"{label}: grace period and probe timeouts fit the drain and /readyz budgets", problems)

    # -- connect to every broker
    lists = [(n, eff.get(n)) for n in BROKER_LISTS if n in accepted and any(s[0] == n for s in sources)]
    missing = [n for n in BROKER_LISTS if n in accepted and not any(s[0] == n for s in sources)]
    if lists or missing:
        problems = [f"{n} is not set: the default points at 127.0.0.1" for n in missing]
        for name, value in lists:
            want = ctx["broker_endpoints"].get(BROKER_LISTS[name])
            if want is None:
                problems.append(f"{name}: no broker StatefulSet to check it against")
                continue
            got = [e.strip() for e in (value or "").split(",") if e.strip()]
            if sorted(got) != sorted(want):
                problems.append(f"{name} must name every broker pod once:\n  want {','.join(want)}"
                                f"\n  got  {value}")
        tap.check(f"{label}: connects to every broker", problems)


# ---- keys and passwords ---------------------------------------------------------

# What each kind of bus process must get, from a Secret.
BUS_SERVER_VARS = ("HF_BROKER_SECRET_KEY", "HF_BUS_AUTHORIZED_KEYS")
BUS_CLIENT_VARS = ("HF_BUS_SECRET_KEY", "HF_BUS_SERVER_KEY")


def secret_ref(c, name):
    """(secret, key) an env entry takes name from, or None."""
    for e in c.get("env") or []:
        if e.get("name") == name:
            r = (e.get("valueFrom") or {}).get("secretKeyRef")
            return (r.get("name"), r.get("key")) if r else None
    return None


def check_secrets(tap, label, binary, c, sources, accepted, ctx):
    """The bus keys, the Redis password and the keyring of one main container."""
    problems = []
    wanted = BUS_SERVER_VARS if binary == "broker" else BUS_CLIENT_VARS
    for name in wanted:
        if name not in accepted:
            problems.append(f"hrflow-{binary} does not accept {name} (--help)")
        elif secret_ref(c, name) is None:
            problems.append(f"{name} is not set from a Secret (secretKeyRef)")
    if "HF_REDIS_PASSWORD" in accepted and not any(
            n == "HF_REDIS_PASSWORD" and w.startswith("Secret") for n, _, w in sources):
        problems.append("HF_REDIS_PASSWORD does not come from a Secret (Redis asks for it)")
    if "HF_PII_KEYS" in accepted:
        ref = secret_ref(c, "HF_PII_KEYS")
        if ref is None:
            problems.append("HF_PII_KEYS is not set from a Secret (secretKeyRef): "
                            f"hrflow-{binary} does not start without its keyring")
        else:
            owner = ctx["keyrings"].setdefault(ref, binary)
            if owner != binary:
                problems.append(f"HF_PII_KEYS comes from {ref[0]}/{ref[1]}, hrflow-{owner}'s "
                                "keyring: give each service keys of its own")
    for name, value, where in sources:
        if name == "HF_BUS_CURVE" and str(value).lower() in ("0", "false", "no", "off"):
            problems.append(f"HF_BUS_CURVE={value} (from {where}): the bus would believe anyone")
    ref = secret_ref(c, "HF_BUS_SECRET_KEY")
    if ref:
        ctx["client_keys"].setdefault(ref, []).append(label)
    for name in wanted:
        if secret_ref(c, name):
            ctx["bus_refs"].add(secret_ref(c, name))
    tap.check(f"{label}: CURVE keys, the Redis password and the keyring from Secrets", problems)


def check_bus_secret(tap, build, ctx):
    """Every program has a key pair of its own, and bus-secret.sh makes a
    Secret holding every key the manifests refer to."""
    problems = [f"{', '.join(users)} share the key pair {ref[0]}/{ref[1]}: each program needs "
                f"its own" for ref, users in ctx["client_keys"].items()
                if len({u.split(' container ')[0] for u in users}) > 1]
    exe = build / "services" / "broker" / "hrflow-broker"
    try:
        out = subprocess.run([str(BUS_SECRET_SCRIPT), str(exe)], capture_output=True, text=True,
                             timeout=60)
        made = yaml.safe_load(out.stdout) if out.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, yaml.YAMLError) as e:
        out, made = None, None
        problems.append(f"{BUS_SECRET_SCRIPT.name}: {e}")
    if out is not None and out.returncode != 0:
        problems.append(f"{BUS_SECRET_SCRIPT.name} exited {out.returncode}: {out.stderr.strip()}")
    if made:
        data = made.get("stringData") or {}
        name = (made.get("metadata") or {}).get("name")
        for secret, key in sorted(ctx["bus_refs"]):
            if secret == name and key not in data:
                problems.append(f"{BUS_SECRET_SCRIPT.name} makes no key {key} in Secret {name}")
        for secret, key in sorted(ctx["bus_refs"]):
            if secret != name:
                problems.append(f"a bus key comes from Secret {secret}, not {name} "
                                f"({BUS_SECRET_SCRIPT.name} makes only that)")
        example = ctx["secrets"].get(name) or {}
        if set(example.get("stringData") or {}) != set(data):
            problems.append(f"{SECRET_EXAMPLE} and {BUS_SECRET_SCRIPT.name} disagree on the keys "
                            f"of {name}")
        keys = [v for k, v in data.items() if k != "authorized-keys"]
        publics = data.get("authorized-keys", "").split(",")
        if any(len(k) != 40 for k in keys + publics) or len(set(keys)) != len(keys):
            problems.append(f"{BUS_SECRET_SCRIPT.name} made keys that are not 40 distinct Z85 "
                            "characters each")
        clients = [k for k in data if k.endswith("-secret-key") and k != "broker-secret-key"]
        if len(publics) != len(clients):
            problems.append(f"authorized-keys holds {len(publics)} keys for {len(clients)} "
                            "client key pairs")
    tap.check("every program has its own bus key pair; bus-secret.sh makes them all", problems)


# ---- network policies -------------------------------------------------------------

def label_selector_matches(selector, labels):
    """Kubernetes label selector semantics: {} matches everything."""
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def ingress_rules(policies, labels):
    """[(rule, policy name)] of every ingress rule that applies to pods with labels,
    and whether any policy selects them for ingress at all."""
    rules, isolated = [], False
    for p in policies:
        spec = p.get("spec") or {}
        if not label_selector_matches(spec.get("podSelector") or {}, labels):
            continue
        if "Ingress" in (spec.get("policyTypes") or ["Ingress"]):
            isolated = True
            rules += [(r, p["metadata"]["name"]) for r in spec.get("ingress") or []]
    return rules, isolated


def rule_ports(rule):
    """The port numbers a rule opens, or None for all."""
    ports = rule.get("ports")
    return None if not ports else {p.get("port") for p in ports}


def same_namespace_pods(rule):
    """The podSelectors of a rule whose peers are all pods of this namespace, or
    None when some peer lies outside it (no `from`, an ipBlock, a namespaceSelector)."""
    peers = rule.get("from")
    if not peers:
        return None
    selectors = []
    for peer in peers:
        if "ipBlock" in peer or "namespaceSelector" in peer or "podSelector" not in peer:
            return None
        selectors.append(peer["podSelector"])
    return selectors


def check_network_policies(tap, docs, workloads):
    policies = [d for rel, d in docs if d["kind"] == "NetworkPolicy"
                and not rel.endswith(".example.yaml")]
    pods = {}
    for w in workloads:
        tmeta = w["spec"]["template"].get("metadata") or {}
        binary = next((re.sub(r".*/hrflow-", "", str((c.get("command") or [""])[0]))
                       for c in w["spec"]["template"]["spec"].get("containers") or []), "")
        pods[kind_name(w)] = (tmeta.get("labels") or {}, binary,
                              (tmeta.get("annotations") or {}).get("prometheus.io/port"),
                              {p.get("containerPort") for c in w["spec"]["template"]["spec"]["containers"]
                               for p in c.get("ports") or []})
    problems = []
    if not any(label_selector_matches((p.get("spec") or {}).get("podSelector") or {}, {})
               and not (p.get("spec") or {}).get("ingress")
               and "Ingress" in ((p.get("spec") or {}).get("policyTypes") or []) for p in policies):
        problems.append("no default-deny policy (podSelector {}, policyTypes [Ingress], no rules)")
    clients = {k for k, (_, b, _, _) in pods.items() if b != "broker"}
    for key, (labels, binary, scrape, ports) in pods.items():
        rules, isolated = ingress_rules(policies, labels)
        if not isolated:
            problems.append(f"{key}: no NetworkPolicy selects its pods, everyone may connect")
            continue
        for rule, pname in rules:
            opened = rule_ports(rule)
            inside = same_namespace_pods(rule)
            if inside is None:   # open beyond the namespace
                anyone = not rule.get("from") or any("ipBlock" in p for p in rule["from"])
                if binary == "gateway" and anyone and (opened is None or scrape and
                                                       any(str(p) == str(scrape) for p in opened)):
                    problems.append(f"{key}: {pname} opens the gateway's metrics port {scrape} "
                                    "(/metrics, the detailed /readyz) to everyone")
                if binary == "gateway":
                    continue
                if opened is None or any(str(p) != str(scrape) for p in opened):
                    problems.append(f"{key}: {pname} lets in peers outside the namespace on "
                                    f"{sorted(opened) if opened else 'every port'} (only the "
                                    f"gateway may; others only Prometheus on {scrape})")
                continue
            # peers inside the namespace: which workloads' pods
            allowed = {k for k, (l, _, _, _) in pods.items()
                       if any(label_selector_matches(s, l) for s in inside)}
            if binary == "broker":
                if allowed != clients:
                    problems.append(f"{key}: {pname} lets in {sorted(allowed)}; the bus ports "
                                    f"want exactly the gateway and services {sorted(clients)}")
            else:
                problems.append(f"{key}: {pname} lets in {sorted(allowed)}; nothing in the "
                                "namespace connects to it")
        if binary == "gateway" and not any(same_namespace_pods(r) is None and
                                           (rule_ports(r) is None or 8080 in rule_ports(r))
                                           for r, _ in rules):
            problems.append(f"{key}: no policy lets outside traffic reach the gateway on 8080")
        if binary == "broker":
            bus = {7001, 7002, 7003} & ports
            reach = set().union(*[rule_ports(r) or ports for r, _ in rules
                                  if same_namespace_pods(r) is not None]) if rules else set()
            if bus - reach:
                problems.append(f"{key}: bus ports {sorted(bus - reach)} are open to no one")
    tap.check("NetworkPolicies: default deny, the gateway alone open to outside, "
              "the brokers to the gateway and services only", problems)

    examples = [d for rel, d in docs if d["kind"] == "NetworkPolicy" and rel.endswith(".example.yaml")]
    problems = [] if examples else ["no NetworkPolicy example for PostgreSQL and Redis"]
    for p in examples:
        spec = p.get("spec") or {}
        name = p["metadata"]["name"]
        if not (spec.get("podSelector") or {}).get("matchLabels"):
            problems.append(f"{name} selects no particular pods")
        for rule in spec.get("ingress") or [{}]:
            for peer in rule.get("from") or [{}]:
                ns = (peer.get("namespaceSelector") or {}).get("matchLabels") or {}
                if ns.get("kubernetes.io/metadata.name") != "hrflow" or "podSelector" not in peer:
                    problems.append(f"{name} lets in peers other than pods of the namespace hrflow")
                    continue
                allowed = {k for k, (l, _, _, _) in pods.items()
                           if label_selector_matches(peer["podSelector"], l)}
                if allowed != clients:
                    problems.append(f"{name} lets in {sorted(allowed)}, want {sorted(clients)}")
            if not rule.get("ports"):
                problems.append(f"{name} opens every port")
    tap.check("the datastore policy example lets in only the gateway and services", problems)


def broker_endpoints(tap, workloads, ctx, namespace):
    """{HF_BROKER_*_BIND: [tcp://broker-N.svc.ns.svc.cluster.local:port]} from the broker StatefulSet."""
    problems, out = [], {}
    brokers = [w for w in workloads
               if any(str((c.get("command") or [""])[0]).endswith("/hrflow-broker")
                      for c in w["spec"]["template"]["spec"].get("containers") or [])]
    if len(brokers) != 1 or brokers[0]["kind"] != "StatefulSet":
        problems.append(f"want exactly one StatefulSet running hrflow-broker, found "
                        f"{[kind_name(b) for b in brokers]}")
    else:
        sts = brokers[0]
        name, svc = sts["metadata"]["name"], sts["spec"].get("serviceName")
        services = {d["metadata"]["name"]: d for d in ctx["services"]}
        if svc not in services or services[svc]["spec"].get("clusterIP") != "None":
            problems.append(f"serviceName {svc} is not a headless Service (clusterIP: None)")
        c = next(c for c in sts["spec"]["template"]["spec"]["containers"]
                 if str((c.get("command") or [""])[0]).endswith("/hrflow-broker"))
        accepted = (ctx["help"].get("broker") or {}).get("vars", {})
        sources, _ = env_sources(c, ctx["configmaps"], ctx["secrets"])
        eff = effective_env(sources, accepted)
        ns = sts["metadata"].get("namespace", namespace)
        for var in BROKER_LISTS.values():
            hp = parse_hostport(eff.get(var))
            if hp:
                out[var] = [f"tcp://{name}-{i}.{svc}.{ns}.svc.cluster.local:{hp[1]}"
                            for i in range(int(sts["spec"].get("replicas", 1)))]
    tap.check("the brokers are a StatefulSet behind a headless Service", problems)
    return out


# ---- across objects ---------------------------------------------------------------

def check_scaling(tap, docs, workloads):
    pods = {kind_name(w): (w["spec"]["template"].get("metadata") or {}).get("labels") or {}
            for w in workloads}
    hpas = [d for _, d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    pdbs = [d for _, d in docs if d["kind"] == "PodDisruptionBudget"]
    problems = []
    targets = {}
    for h in hpas:
        ref = h["spec"].get("scaleTargetRef") or {}
        key = f"{str(ref.get('kind')).lower()}/{ref.get('name')}"
        if key not in pods:
            problems.append(f"{kind_name(h)} targets {key}, which no manifest defines")
        if h.get("apiVersion") != "autoscaling/v2":
            problems.append(f"{kind_name(h)}: apiVersion {h.get('apiVersion')}, want autoscaling/v2")
        if not any((m.get("resource") or {}).get("name") == "cpu" for m in h["spec"].get("metrics") or []):
            problems.append(f"{kind_name(h)} has no CPU metric")
        targets[key] = h
    for w in workloads:
        if w["kind"] == "Deployment" and kind_name(w) not in targets:
            problems.append(f"{kind_name(w)} has no HorizontalPodAutoscaler")
    tap.check("every Deployment has a CPU HorizontalPodAutoscaler", problems)

    problems = []
    for key, labels in pods.items():
        covering = [p for p in pdbs if pod_labels_match(p["spec"].get("selector") or {}, labels)]
        if not covering:
            problems.append(f"{key} has no PodDisruptionBudget")
        for p in covering:
            if "minAvailable" not in p["spec"] and "maxUnavailable" not in p["spec"]:
                problems.append(f"{kind_name(p)} sets neither minAvailable nor maxUnavailable")
    for p in pdbs:
        if not any(pod_labels_match(p["spec"].get("selector") or {}, l) for l in pods.values()):
            problems.append(f"{kind_name(p)} selects no pods of these manifests")
    tap.check("every Deployment and StatefulSet has a PodDisruptionBudget", problems)

    problems = []
    for s in (d for _, d in docs if d["kind"] == "Service"):
        sel = (s.get("spec") or {}).get("selector") or {}
        matched = [w for w in workloads
                   if pod_labels_match(sel, (w["spec"]["template"].get("metadata") or {}).get("labels") or {})]
        if not matched:
            problems.append(f"{kind_name(s)} selects no pods of these manifests")
            continue
        names = {p.get("name") for w in matched for c in w["spec"]["template"]["spec"]["containers"]
                 for p in c.get("ports") or []}
        numbers = {p.get("containerPort") for w in matched for c in w["spec"]["template"]["spec"]["containers"]
                   for p in c.get("ports") or []}
        for p in s["spec"].get("ports") or []:
            t = p.get("targetPort", p.get("port"))
            if t not in names and t not in numbers:
                problems.append(f"{kind_name(s)} port {p.get('name')}: targetPort {t} is no container port")
    tap.check("every Service selects pods and targets their ports", problems)


def check_dockerfile(tap, build, ctx):
    name = "the Dockerfile installs every binary the manifests run"
    if not DOCKERFILE.is_file():
        tap.check(name, [f"{DOCKERFILE} is missing"])
        return
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    problems = []
    setup = re.search(r"meson setup\b([^\n&;]*)", text)
    install = re.search(r"meson install\b([^\n&;]*)", text)
    if not setup or not install:
        problems.append("no `meson setup` / `meson install` in the Dockerfile")
        tap.check(name, problems)
        return

    def opt(args, flag, default):
        m = re.search(rf"{flag}[= ](\S+)", args)
        return m.group(1) if m else default

    prefix = opt(setup.group(1), "--prefix", "/usr/local").rstrip("/")
    bindir = opt(setup.group(1), "--bindir", "bin").strip("/")
    destdir = opt(install.group(1), "--destdir", None)
    if destdir is None:
        problems.append("`meson install` has no --destdir to copy the binaries from")
    else:
        staged = f"{destdir.rstrip('/')}{prefix}/{bindir}"
        copies = re.findall(r"^COPY\s+--from=\S+\s+(\S+)\s+(\S+)\s*$", text, re.M)
        if not any(src.rstrip("/") == staged and dst.rstrip("/") == ctx["bindir"] for src, dst in copies):
            problems.append(f"no `COPY --from=<build> {staged}/ {ctx['bindir']}/` into the runtime stage")
    # What meson installs: the build's own install plan, relative to its prefix.
    try:
        installed = json.loads((build / "meson-info" / "intro-installed.json").read_text())
        options = {o["name"]: o["value"] for o in
                   json.loads((build / "meson-info" / "intro-buildoptions.json").read_text())}
        bprefix = options["prefix"].rstrip("/")
        bbindir = options["bindir"] if options["bindir"].startswith("/") else f"{bprefix}/{options['bindir']}"
        meson_bins = {Path(dest).name for dest in installed.values() if str(Path(dest).parent) == bbindir}
    except (OSError, ValueError, KeyError) as e:
        problems.append(f"cannot read meson's install plan in {build}/meson-info: {e}")
        meson_bins = None
    # the start-up check loops over the one list, copied into the image
    smoke = re.search(r"for b in \$\([^)]*services\.list[^)]*\); do[^\n]*hrflow-\$b --help", text)
    smoke_names = set(BINARIES) if smoke and "services/services.list" in text else set()
    if not smoke:
        problems.append("no start-up check `for b in $(… services.list …); do .../hrflow-$b --help` "
                        "in the runtime stage")
    elif not smoke_names:
        problems.append("the Dockerfile does not copy services/services.list for its start-up check")
    for b in sorted(ctx["used"]):
        if meson_bins is not None and f"hrflow-{b}" not in meson_bins:
            problems.append(f"meson does not install hrflow-{b} into {{prefix}}/{bindir} (install : true?)")
        if smoke and b not in smoke_names:
            problems.append(f"hrflow-{b} is not in the Dockerfile's start-up check")
    tap.check(name, problems)


HRFLOW = REPO / "hrflow"
TEST_ONLY = {"libcmocka-dev"}          # the image is built without tests
IN_BASE_IMAGE = {"libc6"}              # debian:12-slim has it


def stages(text):
    """The Dockerfile's stages' texts, lines joined."""
    return re.split(r"^FROM\s", re.sub(r"\\\n", " ", text), flags=re.M)[1:]


def linked_packages(build):
    """{Debian package: [library]} of the shared libraries the built binaries link directly
    (each library once, and one dpkg -S for all of them: a call per library took most of
    the test's time limit on a loaded machine)."""
    paths = {}
    for line in subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r"\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)", line)
        if m:
            paths.setdefault(m.group(1), m.group(2))
    libs = []
    for b in BINARIES:
        out = subprocess.run(["readelf", "-d", str(build / "services" / b / f"hrflow-{b}")],
                             capture_output=True, text=True).stdout
        libs += [lib for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
                 if lib not in libs]
    candidates = {}
    for lib in libs:
        path = paths.get(lib, "")
        real = os.path.realpath(path) if path else ""
        candidates[lib] = sorted({path, real, real.replace("/usr/lib/", "/lib/", 1),
                                  real.replace("/lib/", "/usr/lib/", 1)} - {""})
    owner = {}
    every = sorted({c for cs in candidates.values() for c in cs})
    if every:  # "pkg[, pkg…]: path" per path found; a path of no package is left out
        out = subprocess.run(["dpkg", "-S"] + every, capture_output=True, text=True).stdout
        for line in out.splitlines():
            pkgs, _, path = line.partition(": ")
            if path:
                owner.setdefault(path.strip(), pkgs.split(",")[0].split(":")[0].strip())
    found = {}
    for lib in libs:
        pkg = next((owner[c] for c in candidates[lib] if c in owner), None)
        found.setdefault(pkg or f"? ({lib})", []).append(lib)
    return found


def check_dockerfile_packages(tap, build):
    name = "the Dockerfile installs what the build links and ./hrflow installs"
    parts = stages(DOCKERFILE.read_text()) if DOCKERFILE.is_file() else []
    if len(parts) < 2:
        tap.check(name, ["the Dockerfile has no build and runtime stages"])
        return
    build_words, run_words = set(parts[0].split()), set(parts[-1].split())
    m = re.search(r"^PACKAGES=\(([^)]*)\)", HRFLOW.read_text(), re.M)
    wanted = [w for w in (m.group(1).split() if m else [])
              if (w.endswith("-dev") or w == "icu-devtools") and w not in TEST_ONLY]
    problems = [] if m else ["no PACKAGES=(…) in ./hrflow"]
    problems += [f"the build stage does not install {w} (./hrflow does)"
                 for w in wanted if w not in build_words]
    for pkg, libs in sorted(linked_packages(build).items()):
        if pkg.startswith("?"):
            problems.append(f"no Debian package found for {', '.join(sorted(set(libs)))}")
        elif pkg not in run_words and pkg not in IN_BASE_IMAGE:
            problems.append(f"the runtime stage does not install {pkg} "
                            f"({', '.join(sorted(set(libs)))} is linked)")
    tap.check(name, problems)


def check_every_process_runs(tap, ctx):
    """Every process of services/services.list runs in deploy/k8s, and nothing else."""
    problems = [f"hrflow-{b} is in services/services.list but no workload runs it"
                for b in BINARIES if b not in ctx["used"]]
    problems += [f"a workload runs hrflow-{b}, which services/services.list does not list"
                 for b in sorted(ctx["used"]) if b not in BINARIES]
    tap.check("every process of services/services.list runs in deploy/k8s", problems)


def check_kustomize_renders(tap):
    name = "kubectl kustomize deploy/k8s renders"
    kubectl = shutil.which("kubectl")
    if not kubectl:
        tap.check(name, [], skip="kubectl is not installed")
        return
    try:
        out = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        tap.check(name, [str(e)])
        return
    problems = [] if out.returncode == 0 else [l for l in out.stderr.splitlines()] or [f"exit {out.returncode}"]
    tap.check(name, problems)


def main():
    root = os.environ.get("HF_BUILD_ROOT")
    if not root:
        print("1..0 # SKIP HF_BUILD_ROOT is not set")
        print("# set HF_BUILD_ROOT to a meson build directory holding the built binaries, e.g.")
        print("#   HF_BUILD_ROOT=build /usr/bin/python3 tests/deploy/test_manifests.py")
        return 77
    build = Path(root).resolve()
    tap = Tap()
    ctx = {"help": {}, "used": set(), "bindir": "/usr/local/bin", "client_keys": {},
           "bus_refs": set(), "keyrings": {}}
    for b in BINARIES:
        info, err = read_help(build, b)
        tap.check(f"hrflow-{b} --help lists its variables", [err] if err else [])
        if info:
            ctx["help"][b] = info

    docs = load_manifests(tap)
    kust = check_kustomization(tap, docs)
    namespace = (kust or {}).get("namespace", "default")
    objs = [d for rel, d in docs if rel != "kustomization.yaml"]
    ctx["configmaps"] = {d["metadata"]["name"]: d for d in objs if d["kind"] == "ConfigMap"}
    ctx["secrets"] = {d["metadata"]["name"]: d for d in objs if d["kind"] == "Secret"}
    ctx["services"] = [d for d in objs if d["kind"] == "Service"]
    workloads = [d for d in objs if d["kind"] in WORKLOADS]
    if not workloads:
        tap.check("deploy/k8s has Deployments and StatefulSets", ["none found"])
    ctx["broker_endpoints"] = broker_endpoints(tap, workloads, ctx, namespace)
    for w in workloads:
        check_workload(tap, w, ctx)
    check_bus_secret(tap, build, ctx)
    check_network_policies(tap, [(rel, d) for rel, d in docs if rel != "kustomization.yaml"],
                           workloads)
    check_scaling(tap, [(rel, d) for rel, d in docs if rel != "kustomization.yaml"], workloads)
    check_every_process_runs(tap, ctx)
    check_dockerfile(tap, build, ctx)
    check_dockerfile_packages(tap, build)
    check_kustomize_renders(tap)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
