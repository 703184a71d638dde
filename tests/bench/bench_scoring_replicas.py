"""tests/bench/bench_scoring_replicas.py - interview reports through the whole stack, 1 and 2 scoring replicas.

POST /v1/interviews/{id}:score with 10 Chinese answers of about 300
characters each (text only), through the gateway, the broker and the scoring
service, which analyses every answer and stores the report in PostgreSQL.
Every request is a new interview (ids numbered per wrk thread and run), so
each is a first scoring: its report stored and its event appended.
Each scoring replica runs one handler thread (HF_WORKER_THREADS=1), so the
second replica shows how the broker spreads work; this machine has 2 cores,
shared with the gateway, broker, PostgreSQL, Redis and wrk.

Beside it, in the same run, the limit: tests/bench/bench-scoring's text-only rate
of Chinese reports on one core (its own 10 answers of about 250 characters: the
pure analysis, without protobuf, JSON, the bus or the stored report). Issue 16
aims one replica at >= 0.5 of it.

Run: ./hrflow bench scoring-replicas
Settings: HF_BENCH_SECONDS (10), HF_BENCH_CONNECTIONS (16).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack  # noqa: E402
from benchlib import report  # noqa: E402

SECONDS = int(os.environ.get("HF_BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("HF_BENCH_CONNECTIONS", "16"))

PARTS = [
    "去年我们新用户的次日留存率只有百分之二十，我负责找出原因并提出改进方案。",
    "我先做了数据分析，拆解了注册漏斗的每一步，又组织了十二场用户访谈，整理出三类主要问题。",
    "我协调设计和研发两个团队，每周对齐一次进度，用A/B测试验证了新的引导流程。",
    "过程中研发资源一度不够，我和负责人沟通后调整了优先级，把非核心需求延后。",
    "最终次日留存率提升了25%，三个月内新增付费用户3000人，这个方法后来推广到了其他业务线。",
]
MODEL = {"name": "bench", "competencies": [
    {"name": "数据分析", "weight": 3, "keywords": ["数据分析", "留存率", "A/B测试", "漏斗", "转化率"]},
    {"name": "用户导向", "weight": 2, "keywords": ["用户访谈", "用户调研", "用户反馈", "用户体验"]},
    {"name": "跨团队协作", "weight": 2, "keywords": ["协调", "对齐", "沟通", "跨部门"]},
    {"name": "结果导向", "weight": 2, "keywords": ["目标", "上线", "增长", "提升"]},
    {"name": "创新思维", "weight": 1, "keywords": ["创新", "新方法", "尝试"]}]}


def answers():
    """10 answers of about 300 characters, each a rotation of the parts."""
    out = []
    for i in range(10):
        text = ""
        k = i
        while len(text) < 300:
            text += PARTS[k % len(PARTS)]
            k += 1
        out.append({"question": "请介绍一次你用数据分析推动产品的经历", "text": text[:320]})
    return out


def wrk(url, lua):
    out = subprocess.run(["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECONDS, "--latency", "-s", lua,
                          url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99_ms, int(bad.group(1)) if bad else 0


def main():
    stack = Stack("benchsc", {"HF_LOG_LEVEL": "warn", "HF_WORKER_THREADS": "1",
                              "HF_GATEWAY_RATE_LIMITS": "admin=1000000:1000000"})
    rows = []
    try:
        stack.start_all()
        ident = stack.binary("identity")
        subprocess.run([ident, "tenant", "create", "--slug", "bsc", "--name", "Bench"],
                       env=stack.env, check=True, capture_output=True)
        token = subprocess.run([ident, "apikey", "create", "--tenant", "bsc", "--scope", "admin"],
                               env=stack.env, check=True, capture_output=True,
                               text=True).stdout.strip()
        req = urllib.request.Request(stack.url("/v1/competency-models"), method="POST",
                                     data=json.dumps(MODEL).encode(),
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
        model = json.loads(urllib.request.urlopen(req, timeout=10).read())
        body = json.dumps({"competencyModelId": model["id"], "answers": answers()},
                          ensure_ascii=False)
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "body.json"), "w") as f:
                f.write(body)
            def lua(run):
                """wrk's script for one run: every request a new interview (each
                thread numbers its own, under the run's name), so each is a first
                scoring, stored and told, never a retry of a stored one."""
                path = os.path.join(d, "score-%s.lua" % run)
                with open(path, "w") as f:
                    f.write('local f = io.open("%s") local body = f:read("*a") f:close()\n'
                            'local threads = 0\n'
                            'function setup(thread) threads = threads + 1'
                            ' thread:set("tid", threads) end\n'
                            'local n = 0\n'
                            'request = function()\n'
                            '  n = n + 1\n'
                            '  return wrk.format("POST", "/v1/interviews/bench-%s-" .. tid .. "-"'
                            ' .. n .. ":score",\n'
                            '    {["Content-Type"] = "application/json",\n'
                            '     ["Authorization"] = "Bearer %s"}, body)\n'
                            'end\n' % (os.path.join(d, "body.json"), run, token))
                return path
            wrk(stack.url("/"), lua("warm-up"))
            rows.append(("1 scoring replica",) + wrk(stack.url("/"), lua("one")))
            stack.start("scoring", name="scoring-2")
            time.sleep(2)
            rows.append(("2 scoring replicas",) + wrk(stack.url("/"), lua("two")))
    finally:
        stack.destroy()
    print("POST /v1/interviews/{id}:score, 10 answers x ~300 characters, text only; "
          "wrk -t2 -c%d -d%ds; 1 handler thread per replica; %d cores"
          % (CONNS, SECONDS, os.cpu_count()))
    print("%-22s %12s %10s %8s" % ("", "reports/s", "p99 ms", "non-2xx"))
    for name, rps, p99, bad in rows:
        print("%-22s %12.1f %10.1f %8d" % (name, rps, p99, bad))
    pure = pure_analysis_rate()
    print("%-22s %12.1f  (bench-scoring, zh, text only, 1 core)" % ("pure analysis", pure))
    report("POST /v1/interviews/{id}:score, 1 scoring replica", rows[0][1], "reports/s",
           "pure analysis on one core (bench-scoring)", pure, aim=0.5)
    report("POST /v1/interviews/{id}:score, 2 scoring replicas", rows[1][1], "reports/s",
           "pure analysis on one core (bench-scoring)", pure)
    return 1 if any(r[3] for r in rows) else 0


def pure_analysis_rate():
    """bench-scoring's zh text-only reports/s, read from its HF-BENCH line."""
    exe = os.path.join(os.environ["HF_BUILD_ROOT"], "tests", "bench", "bench-scoring")
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("HF-BENCH "):
            fig = json.loads(line[len("HF-BENCH "):])
            if fig["figure"] == "zh interview reports per core, text only":
                return fig["value"]
    raise RuntimeError("bench-scoring printed no zh text-only figure")


if __name__ == "__main__":
    sys.exit(main())
