#!/usr/bin/env python3
"""tools/call_engine.py - the reference AI call engine: the loop a vendor's engine runs.

It claims the AI interviews that are due (POST /v1/call-engine/leases), and
for each lease fetches whom to call and what to ask (GET
/v1/call-engine/leases/{leaseId}/questions), reports the call started, keeps
the lease renewed while it "calls", answers from pre-written transcripts (a
strong or a weak candidate; with --audio, the answers spoken by espeak-ng as
the call's WAV), hands the transcript and audio to scoring (POST
/v1/interviews/{interviewId}:score) and reports the call completed. There is
no phone line: the local stack and the tests use it so that the path from
invitation to score runs end to end. Python 3 standard library only.

    tools/call_engine.py --url http://127.0.0.1:8080 --key "$ENGINE_KEY"

For tests: --outcome no_answer|failed reports every call so; --hang stops
after reporting `started` (renewing nothing) until killed, as an engine that
died mid-call; --once claims one round and exits when it is done.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import wave

# What the candidates say: the strong one covers the model's points with
# numbers; the weak one says little.
TRANSCRIPTS = {
    "strong": [
        "去年新用户次日留存率只有20%，我负责找出原因。我做了数据分析和A/B测试，次日留存率提升了25%。"
        "我组织了12场用户访谈，收集了300条用户反馈，投诉下降了40%。"
        "我协调跨部门的设计和研发团队对齐方案，提前两周上线，付费用户增加了3000人。",
        "上半年付费转化率下降了一半，我负责扭转。我用数据分析拆解漏斗，用A/B测试验证新定价，留存率提升了18%。"
        "我做了20场用户调研，整理用户反馈排进迭代，满意度提升到92%。"
        "我协调跨团队的运营和研发对齐节奏，两个月内收入增长了35%。",
        "去年一个跨部门项目延期一个月，我负责把它拉回来。我协调研发、设计和运营三个团队，每周对齐进度，"
        "提前两周上线。我用数据分析和A/B测试跟踪效果，留存率提升了12%。"
        "我安排了10场用户访谈，根据用户反馈改了三处流程，投诉减少了30%。",
    ],
    "weak": ["不太清楚。", "没做过。", "这个不是我负责的。"],
}


class Api:
    def __init__(self, url, key):
        self.url, self.key = url.rstrip("/"), key

    def __call__(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": "Bearer " + self.key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def profile_of(name, fixed):
    """The transcript a candidate answers with: fixed, or by name ("弱"/"weak": weak)."""
    if fixed != "by-name":
        return fixed
    return "weak" if ("弱" in name or "weak" in name.lower()) else "strong"


def spoken(texts):
    """The answers spoken one after the other by espeak-ng, as WAV bytes and each
    answer's (start_ms, end_ms); None when espeak-ng is not installed."""
    frames, params, spans, at = [], None, [], 0
    with tempfile.TemporaryDirectory() as d:
        for i, text in enumerate(texts):
            path = os.path.join(d, "%d.wav" % i)
            try:
                subprocess.run(["espeak-ng", "-v", "cmn", "-w", path, text], check=True,
                               capture_output=True)
            except (OSError, subprocess.CalledProcessError):
                return None, None
            with wave.open(path) as w:
                params = w.getparams()
                data = w.readframes(w.getnframes())
            ms = len(data) * 1000 // (params.sampwidth * params.framerate)
            spans.append((at, at + ms))
            frames.append(data + b"\0" * (params.sampwidth * params.framerate // 2))
            at += ms + 500
        out = os.path.join(d, "call.wav")
        with wave.open(out, "wb") as w:
            w.setparams(params)
            w.writeframes(b"".join(frames))
        with open(out, "rb") as f:
            return f.read(), spans


def log(args, what, **kv):
    if not args.quiet:
        print(json.dumps(dict(engine=args.engine_id, event=what, **kv), ensure_ascii=False),
              file=sys.stderr, flush=True)


def one_call(api, args, lease):
    lid, iid = lease["id"], lease["interviewId"]
    status, sheet = api("GET", "/v1/call-engine/leases/%s/questions" % lid)
    if status != 200:
        log(args, "questions_failed", lease=lid, status=status, detail=sheet)
        api("POST", "/v1/call-engine/leases/%s:report" % lid,
            {"outcome": "failed", "reason": "no questions"})
        return
    api("POST", "/v1/call-engine/leases/%s:report" % lid, {"outcome": "started"})
    log(args, "started", lease=lid, interview=iid, attempt=lease.get("attempt"))
    if args.hang:
        while True:   # a call that never ends: the engine is killed here
            time.sleep(3600)
    if args.outcome != "completed":
        status, rep = api("POST", "/v1/call-engine/leases/%s:report" % lid,
                          {"outcome": args.outcome, "reason": "reference engine"})
        log(args, args.outcome, lease=lid, status=status,
            state=(rep or {}).get("interview", {}).get("state"))
        return
    texts = TRANSCRIPTS[profile_of(sheet.get("candidateName", ""), args.profile)]
    questions = [q["text"] for q in sheet.get("questions", [])] or ["请介绍一下你自己"]
    answers = [{"question": questions[i % len(questions)], "text": t}
               for i, t in enumerate(texts)]
    body = {"competencyModelId": lease.get("competencyModelId", ""), "language": "zh",
            "applicationId": lease["applicationId"], "answers": answers}
    if args.audio:
        audio, spans = spoken(texts)
        if audio:
            body["audio"] = base64.b64encode(audio).decode()
            for a, (s, e) in zip(answers, spans):
                a["startMs"], a["endMs"] = s, e
    api("POST", "/v1/call-engine/leases/%s:renew" % lid, {"leaseSeconds": args.lease_seconds})
    status, rep = api("POST", "/v1/interviews/%s:score" % iid, body)
    if status != 200:
        log(args, "score_failed", lease=lid, status=status, detail=rep)
        api("POST", "/v1/call-engine/leases/%s:report" % lid,
            {"outcome": "failed", "reason": "scoring refused the transcript"})
        return
    status, rep = api("POST", "/v1/call-engine/leases/%s:report" % lid, {"outcome": "completed"})
    log(args, "completed", lease=lid, interview=iid, score=rep and status == 200 and
        rep["interview"]["state"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", default=os.environ.get("HF_API_URL", "http://127.0.0.1:8080"))
    p.add_argument("--key", default=os.environ.get("HF_ENGINE_KEY", ""))
    p.add_argument("--engine-id", default="reference-%d" % os.getpid())
    p.add_argument("--max", type=int, default=4, help="calls at once (1-100)")
    p.add_argument("--lease-seconds", type=int, default=120)
    p.add_argument("--poll", type=float, default=2.0, help="seconds between empty claims")
    p.add_argument("--profile", default="by-name", choices=["by-name", "strong", "weak"])
    p.add_argument("--outcome", default="completed", choices=["completed", "no_answer", "failed"])
    p.add_argument("--hang", action="store_true", help="stop mid-call until killed")
    p.add_argument("--audio", action="store_true", help="send espeak-ng audio with the answers")
    p.add_argument("--once", action="store_true", help="one round of claims, then exit")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args()
    if not args.key:
        p.error("--key (or HF_ENGINE_KEY): an API key with the engine scope")
    api = Api(args.url, args.key)
    while True:
        status, got = api("POST", "/v1/call-engine/leases", {
            "engineId": args.engine_id, "max": args.max, "leaseSeconds": args.lease_seconds})
        leases = got.get("leases", []) if status == 200 else []
        if status != 200:
            log(args, "claim_failed", status=status, detail=got)
        for lease in leases:
            one_call(api, args, lease)
        if args.once:
            return 0
        if not leases:
            time.sleep(args.poll)


if __name__ == "__main__":
    sys.exit(main())
