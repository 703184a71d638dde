"""tests/e2e/test_api_docs.py - every curl example in docs/api.md works.

The ```sh blocks of docs/api.md run in order, in one bash session, against a
fresh stack set up as `./hrflow up` sets up the local one: a tenant `demo` and
an admin key in .hrflow/admin.key, companies HX-SH and HX-SZ (127.0.0.1:8080 is
its API's port, 127.0.0.1:9108 its gateway's admin listener). A `curl` line
followed by a comment line `# NNN` must answer HTTP status NNN; every other
line must succeed.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack  # noqa: E402
from tap import run, test  # noqa: E402

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "api.md")
stack = None
results = []


def blocks(text):
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def commands(block):
    """(command text, expected status or None) for each command of a block."""
    lines, out, i = block.splitlines(), [], 0
    while i < len(lines):
        cmd = lines[i]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        # a command substitution split over lines: "X=$(curl … |\n  python3 …)"
        while cmd.count("$(") > cmd.count(")") and i + 1 < len(lines):
            i += 1
            cmd += "\n" + lines[i]
        i += 1
        want = None
        if i < len(lines) and re.match(r"^# \d{3}$", lines[i]):
            want = int(lines[i][2:])
            i += 1
        if cmd.strip() and not cmd.lstrip().startswith("#"):
            out.append((cmd, want))
    return out


def script(text, url, admin):
    parts = ['set -u', 'function ./hrflow { "$HF_IDENTITY_BIN" "$@"; }']
    n = 0
    text = text.replace("http://127.0.0.1:8080", url).replace("http://127.0.0.1:9108", admin)
    for block in blocks(text):
        for cmd, want in commands(block):
            n += 1
            if want is None:
                parts.append('%s || { echo "__FAIL__ %d"; exit 1; }' % (cmd, n))
                continue
            assert cmd.startswith("curl "), cmd
            parts.append("out=$(%s -w '\\n__STATUS__%%{http_code}') || "
                         "{ echo \"__FAIL__ %d curl failed\"; exit 1; }" % (cmd, n))
            parts.append('echo "__CASE__ %d %d ${out##*__STATUS__}"' % (n, want))
    return "\n".join(parts) + "\n", n


def setup():
    global stack
    # webhook targets on this machine, as ./hrflow up allows them
    stack = Stack("apidocs", {"HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE": "on",
                              "HF_NOTIFY_WEBHOOK_ALLOW_HTTP": "on"})
    stack.start_all()
    ident = stack.binary("identity")
    subprocess.run([ident, "tenant", "create", "--slug", "demo", "--name", "华星集团 (demo)"],
                   env=stack.env, check=True, capture_output=True)
    for code, name in (("HX-SH", "华星科技(上海)有限公司"), ("HX-SZ", "华星科技(深圳)有限公司")):
        subprocess.run([ident, "company", "create", "--tenant", "demo", "--code", code, "--name",
                        name], env=stack.env, check=True, capture_output=True)
    key = subprocess.run([ident, "apikey", "create", "--tenant", "demo", "--scope", "admin"],
                         env=stack.env, check=True, capture_output=True, text=True).stdout.strip()
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    body, n = script(text, stack.url(""), stack.url("", admin=True))
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, ".hrflow"))
        with open(os.path.join(d, ".hrflow", "admin.key"), "w") as f:
            f.write(key + "\n")
        env = dict(stack.env, HF_IDENTITY_BIN=ident)
        out = subprocess.run(["bash", "-c", body], cwd=d, env=env, capture_output=True,
                             text=True, timeout=120)
    cases = {}
    for line in out.stdout.splitlines():
        m = re.match(r"^__CASE__ (\d+) (\d+) (\d+)$", line)
        if m:
            cases[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
    results.append((n, cases, out))


def teardown():
    if stack:
        stack.destroy()


@test
def every_example_runs():
    n, cases, out = results[0]
    assert out.returncode == 0 and "__FAIL__" not in out.stdout, (out.stdout[-3000:],
                                                                  out.stderr[-2000:])
    assert len(cases) >= 15, cases


@test
def every_example_answers_the_status_shown():
    n, cases, out = results[0]
    wrong = {k: v for k, v in cases.items() if v[0] != v[1]}
    assert not wrong, (wrong, out.stdout[-3000:])


if __name__ == "__main__":
    run(setup, teardown)
