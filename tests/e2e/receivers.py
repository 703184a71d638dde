"""tests/e2e/receivers.py - the real receivers notify sends to, for the suites that check
letters and webhooks.

An SMTP server (Debian's python3-aiosmtpd) that insists on STARTTLS with a
throwaway self-signed certificate whose CA notify is given
(HF_NOTIFY_SMTP_CA), and an HTTP SMS receiver (http.server in a thread)
that answers what a test scripts for a number, and holds an SMS whose text starts
with SMS_HOLD until SMS_RELEASE is set (the kill tests). Both record what they took
with their own timestamps: MAIL.got, SMS. A webhook receiver (WebhookReceiver) for
integrators' endpoints, answering by path.
"""
import asyncio
import email
import email.policy
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.dirname(__file__))
from held import peer_gone  # noqa: E402
from stack import free_port  # noqa: E402


class Mailbox:
    """aiosmtpd handler: keeps every letter it accepts; drops the connection after the
    DATA of the next `drop` letters instead of accepting them; takes `delay` seconds per
    letter."""

    def __init__(self):
        self.lock = threading.Lock()
        self.got = []
        self.drop = 0
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop > 0:
            self.drop -= 1
            server.transport.abort()
            return "421 closing"
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.got.append({"time": time.time(), "from": envelope.mail_from,
                             "rcpt": list(envelope.rcpt_tos), "msg": msg,
                             "tls": bool(session.ssl), "raw": envelope.content})
        return "250 OK"

    def by_id(self, message_id):
        with self.lock:
            return [g for g in self.got if g["msg"]["Message-ID"] == "<%s@hrflow.test>" %
                    message_id]


MAIL = Mailbox()
SMS = []            # what the SMS receiver was sent, with its answer
SMS_SCRIPT = {}     # number -> statuses to answer, in turn (then 200)
SMS_LOCK = threading.Lock()
SMS_HOLD = "hold "                 # an SMS whose text starts so waits for SMS_RELEASE
SMS_HOLDING = []                   # ids of the SMS held open now
SMS_RELEASE = threading.Event()


class SmsReceiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["text"].startswith(SMS_HOLD) and not SMS_RELEASE.is_set():
            with SMS_LOCK:
                SMS_HOLDING.append(body["id"])
            SMS_RELEASE.wait(120)
        with SMS_LOCK:
            script = SMS_SCRIPT.get(body["to"], [])
            status = script.pop(0) if script else 200
            # taken only when the sender is still there to hear it (held.py)
            if not peer_gone(self.connection):
                SMS.append(dict(body, time=time.time(), status=status, path=self.path,
                                auth=self.headers.get("Authorization"),
                                key=self.headers.get("Idempotency-Key")))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class SmsServer(http.server.ThreadingHTTPServer):
    request_queue_size = 128    # a batch connects at once; the default backlog of 5 drops some


def sms_to(number, status=None):
    with SMS_LOCK:
        return [s for s in SMS if s["to"] == number and (status is None or s["status"] == status)]


def certificate(tmp):
    """A throwaway self-signed certificate for 127.0.0.1: (cert file, key file)."""
    # a file of its own per suite: the suites that use it run side by side
    cert = os.path.join(tmp, "smtp-cert-%d.pem" % os.getpid())
    key = os.path.join(tmp, "smtp-key-%d.pem" % os.getpid())
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key



def start_receivers(ctx, tmp, sender, sms_token):
    """Start both receivers (kept in ctx["smtp"], ctx["sms"]); returns notify's settings for
    them, which ctx["channels"] also holds (the two URLs)."""
    cert, key = certificate(tmp)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    smtp_port, sms_port = free_port(), free_port()
    ctx["smtp"] = Controller(MAIL, hostname="127.0.0.1", port=smtp_port, tls_context=tls,
                             require_starttls=True)
    ctx["smtp"].start()
    ctx["sms"] = SmsServer(("127.0.0.1", sms_port), SmsReceiver)
    threading.Thread(target=ctx["sms"].serve_forever, daemon=True).start()
    ctx["channels"] = {
        "HF_NOTIFY_SMTP_URL": "smtp://127.0.0.1:%d" % smtp_port,
        "HF_NOTIFY_SMS_URL": "http://127.0.0.1:%d/sms" % sms_port,
    }
    env = {"HF_NOTIFY_SMTP_FROM": sender, "HF_NOTIFY_SMTP_TLS": "required",
           "HF_NOTIFY_SMTP_CA": cert, "HF_NOTIFY_SMS_TOKEN": sms_token}
    env.update(ctx["channels"])
    return env


def stop_receivers(ctx):
    if "smtp" in ctx:
        ctx["smtp"].stop()
    if "sms" in ctx:
        ctx["sms"].shutdown()


def restart_notify(stack, extra=None):
    """Every notify replica of stack stopped, one started with extra settings."""
    for name in [n for n in stack.procs if n.startswith("notify")]:
        stack.stop(name)
    stack.start("notify", extra)
    stack.wait_ready()


class WebhookReceiver:
    """An integrator's endpoint on loopback (http.server in a thread), HTTP/1.1.

    Records every request it gets in `requests` ((path, headers, body); header names
    lowercase) and, by path, those it answered 2xx to a client still connected in
    `delivered` (path -> [(headers, body)]). Answers a path with `answers[path]`
    ((status, extra headers); `default` otherwise). A request to a path in `hang`
    is never answered; one whose (path, CloudEvent subject) is in `held` waits for
    `release` (its webhook-id in `holding` meanwhile) and is then answered.
    `close()` lets every waiting request go and stops the server."""

    def __init__(self, answers=None, default=(204, {})):
        self.lock = threading.Lock()
        self.requests, self.delivered = [], {}
        self.answers, self.default = dict(answers or {}), default
        self.hang, self.held, self.holding = set(), set(), []
        self.release = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                owner.take(self)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 128   # a batch connects at once; the default 5 drops some
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]

    def take(self, h):
        body = h.rfile.read(int(h.headers.get("Content-Length", 0))).decode()
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.requests.append((h.path, headers, body))
        if h.path in self.hang:
            self.release.wait(120)
            return
        subject = json.loads(body).get("subject") if body.startswith("{") else None
        if (h.path, subject) in self.held and not self.release.is_set():
            with self.lock:
                self.holding.append(headers.get("webhook-id"))
            self.release.wait(120)
        status, extra = self.answers.get(h.path, self.default)
        with self.lock:
            if 200 <= status < 300 and not peer_gone(h.connection):
                self.delivered.setdefault(h.path, []).append((headers, body))
        try:
            h.send_response(status)
            for k, v in extra.items():
                h.send_header(k, v)
            h.send_header("Content-Length", "0")
            h.end_headers()
        except OSError:
            pass

    def close(self):
        self.release.set()
        self.server.shutdown()
