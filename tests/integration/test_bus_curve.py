"""tests/integration/test_bus_curve.py - a peer without an authorised key gets nothing through the broker.

A real hrflow-broker with its own CURVE key pair and a list of authorised
client keys, and an echo worker holding one of them. Peers are pyzmq sockets
(Debian's python3-zmq): an authorised one shows each check can succeed, then
a peer with no CURVE at all, one whose key is not authorised, and one that
expects another server key try every port:
  RPC (ROUTER)  their request gets no reply; their handshake fails;
  XSUB          what they publish never reaches a subscriber;
  XPUB          they receive nothing that is published.
The broker counts the refusals in /metrics and logs the refused key. An
endpoint written tcp://host:port#KEY expects KEY rather than
HF_BUS_SERVER_KEY, and the broker will not start without its keys.
"""
import os
import subprocess
import sys
import time
import urllib.request

import zmq
from zmq.utils.monitor import recv_monitor_message

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from stack import env_required, free_port  # noqa: E402
from tap import run, test  # noqa: E402

ctx = {}
zctx = zmq.Context()


def keypair():
    """(public, secret) from the broker's own key generator."""
    out = subprocess.run([ctx["broker_bin"], "keygen"], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "public" and out[2] == "secret", out
    return out[1].encode(), out[3].encode()


def bus_env(extra):
    """The environment of a bus process: no HF_* of ./hrflow test, only extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(extra)
    return env


def metric(series):
    """The broker's /metrics value of series, -1 when absent or not served (yet)."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % ctx["metrics"],
                                    timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return -1
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return -1


def setup():
    ctx["broker_bin"] = env_required("HF_TEST_BROKER_BIN")
    ctx["echo_bin"] = env_required("HF_TEST_ECHO_BIN")
    tmp = os.environ.get("HF_TEST_TMPDIR", "/tmp")
    ctx["server"] = keypair()
    ctx["worker"] = keypair()
    ctx["client"] = keypair()
    ctx["stranger"] = keypair()   # a valid key pair nobody authorised
    ports = {k: free_port() for k in ("rpc", "xsub", "xpub", "metrics")}
    ctx.update(ports)
    ctx["log"] = os.path.join(tmp, "curve-broker-%d.log" % ports["rpc"])
    env = bus_env({
        "HF_BROKER_BIND": "tcp://127.0.0.1:%d" % ports["rpc"],
        "HF_BROKER_XSUB_BIND": "tcp://127.0.0.1:%d" % ports["xsub"],
        "HF_BROKER_XPUB_BIND": "tcp://127.0.0.1:%d" % ports["xpub"],
        "HF_METRICS_ADDR": "127.0.0.1:%d" % ports["metrics"],
        "HF_BROKER_SECRET_KEY": ctx["server"][1].decode(),
        "HF_BUS_AUTHORIZED_KEYS": "%s, %s" % (ctx["worker"][0].decode(),
                                              ctx["client"][0].decode()),
    })
    with open(ctx["log"], "ab") as log:
        ctx["broker"] = subprocess.Popen([ctx["broker_bin"]], env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while metric("hf_broker_handshakes_total{socket=\"rpc\"}") < 0:
        assert time.time() < deadline and ctx["broker"].poll() is None, "broker did not start"
        time.sleep(0.05)


def teardown():
    for name in ("echo", "broker"):
        p = ctx.get(name)
        if p and p.poll() is None:
            p.terminate()
            p.wait(15)
    zctx.destroy(linger=0)


# ---- peers ------------------------------------------------------------------------

PEERS = {
    # name: (public, secret, server key) or None for no CURVE at all
    "no CURVE": None,
    "unauthorised key": ("stranger", "server"),
    "wrong server key": ("client", "stranger"),
}


def peer(kind, port, who):
    """A socket of kind connected to port as who: ("client", "server") is the
    authorised client expecting the broker's key; a PEERS entry otherwise."""
    s = zctx.socket(kind)
    s.linger = 0
    if who is not None:
        me, server = who
        s.curve_publickey, s.curve_secretkey = ctx[me]
        s.curve_serverkey = ctx[server][0]
    mon = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH |
                               zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL)
    s.connect("tcp://127.0.0.1:%d" % port)
    return s, mon


def handshake(mon, timeout=3.0):
    """The first handshake outcome the monitor reports: (event, value)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if mon.poll(100):
            ev = recv_monitor_message(mon)
            return ev["event"], ev["value"]
    return None, None


def close(*pairs):
    for s, mon in pairs:
        s.disable_monitor()
        mon.close()
        s.close()


def field(number, data):
    """A length-delimited protobuf field (short values only)."""
    assert len(data) < 128
    return bytes([number << 3 | 2, len(data)]) + data


def health_request(request_id):
    return [b"HFC1", field(1, b"broker") + field(2, b"Health") + field(3, request_id)]


def call_health(sock, request_id, timeout_ms=1500):
    """The broker's Health reply envelope (bytes), or None when nothing came
    (a DEALER with no connection to queue on would block: it returns None)."""
    try:
        sock.send_multipart(health_request(request_id), flags=zmq.NOBLOCK)
    except zmq.Again:
        return None
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        if sock.poll(50):
            frames = sock.recv_multipart()
            if frames[0] == b"HFC1" and request_id in frames[1]:
                return frames[1]
    return None


AUTHORISED = ("client", "server")


# ---- RPC ------------------------------------------------------------------------------

@test
def authorised_client_gets_a_reply():
    s, mon = peer(zmq.DEALER, ctx["rpc"], AUTHORISED)
    assert handshake(mon)[0] == zmq.EVENT_HANDSHAKE_SUCCEEDED
    assert call_health(s, b"ok-1") is not None
    close((s, mon))


@test
def rpc_peers_without_an_authorised_key_get_no_reply():
    for name, who in PEERS.items():
        s, mon = peer(zmq.DEALER, ctx["rpc"], who)
        event, value = handshake(mon)
        assert event not in (None, zmq.EVENT_HANDSHAKE_SUCCEEDED), (name, event)
        if name == "unauthorised key":   # the ZAP handler's answer reaches the client
            assert (event, value) == (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400), (name, event, value)
        assert call_health(s, b"refused-" + name.encode().replace(b" ", b"-")) is None, name
        close((s, mon))


# ---- event plane ------------------------------------------------------------------------

def publish_for(pub, topic, seconds):
    """Publish [topic, body] every 20 ms for seconds (a PUB drops what it
    sends before a subscription arrives, so keep sending)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        pub.send_multipart([topic, b"event body"])
        time.sleep(0.02)


def received(sub, topic, timeout_ms=200):
    got = 0
    while sub.poll(timeout_ms):
        frames = sub.recv_multipart()
        if frames[0] == topic:
            got += 1
    return got


@test
def publishers_without_an_authorised_key_never_reach_subscribers():
    sub, smon = peer(zmq.SUB, ctx["xpub"], AUTHORISED)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    assert handshake(smon)[0] == zmq.EVENT_HANDSHAKE_SUCCEEDED
    for name, who in PEERS.items():
        topic = ("hrflow.test.forged." + name.replace(" ", "_") + ".v1").encode()
        pub, pmon = peer(zmq.PUB, ctx["xsub"], who)
        assert handshake(pmon)[0] != zmq.EVENT_HANDSHAKE_SUCCEEDED, name
        publish_for(pub, topic, 1.0)
        assert received(sub, topic) == 0, name
        close((pub, pmon))
    # the same subscriber does receive an authorised publisher's events
    pub, pmon = peer(zmq.PUB, ctx["xsub"], AUTHORISED)
    assert handshake(pmon)[0] == zmq.EVENT_HANDSHAKE_SUCCEEDED
    publish_for(pub, b"hrflow.test.genuine.v1", 1.0)
    assert received(sub, b"hrflow.test.genuine.v1") > 0
    close((pub, pmon), (sub, smon))


@test
def subscribers_without_an_authorised_key_receive_nothing():
    pub, pmon = peer(zmq.PUB, ctx["xsub"], AUTHORISED)
    assert handshake(pmon)[0] == zmq.EVENT_HANDSHAKE_SUCCEEDED
    good, gmon = peer(zmq.SUB, ctx["xpub"], AUTHORISED)
    good.setsockopt(zmq.SUBSCRIBE, b"")
    strangers = []
    for name, who in PEERS.items():
        s, mon = peer(zmq.SUB, ctx["xpub"], who)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        assert handshake(mon)[0] != zmq.EVENT_HANDSHAKE_SUCCEEDED, name
        strangers.append((name, s, mon))
    publish_for(pub, b"hrflow.test.private.v1", 1.5)
    assert received(good, b"hrflow.test.private.v1") > 0   # the events did flow
    for name, s, mon in strangers:
        assert received(s, b"hrflow.test.private.v1", 100) == 0, name
        close((s, mon))
    close((pub, pmon), (good, gmon))


# ---- what the broker reports ------------------------------------------------------------

@test
def the_broker_counts_and_logs_refused_handshakes():
    for sock in ("rpc", "xsub", "xpub"):
        key = metric('hf_broker_handshakes_rejected_total{socket="%s",reason="key"}' % sock)
        proto = metric('hf_broker_handshakes_rejected_total{socket="%s",reason="protocol"}' % sock)
        ok = metric('hf_broker_handshakes_total{socket="%s"}' % sock)
        assert key >= 1 and proto >= 2 and ok >= 1, (sock, key, proto, ok)
    with open(ctx["log"], encoding="utf-8") as f:
        log = f.read()
    assert "refused a bus peer from 127.0.0.1" in log, log[-2000:]
    assert ctx["stranger"][0].decode() in log
    assert ctx["server"][1].decode() not in log     # never the secret key
    assert "CURVE on, server public key " + ctx["server"][0].decode() in log


# ---- keys in the settings ---------------------------------------------------------------

@test
def a_worker_can_pin_the_server_key_per_endpoint():
    # its HF_BUS_SERVER_KEY is wrong; the endpoint's #KEY is the broker's
    env = bus_env({
        "HF_BROKERS": "tcp://127.0.0.1:%d#%s" % (ctx["rpc"], ctx["server"][0].decode()),
        "HF_BUS_SERVER_KEY": ctx["stranger"][0].decode(),
        "HF_BUS_SECRET_KEY": ctx["worker"][1].decode(),
        "HF_INSTANCE": "pinned", "HF_HEARTBEAT_MS": "100",
    })
    log = open(os.path.join(os.environ.get("HF_TEST_TMPDIR", "/tmp"), "curve-echo.log"), "ab")
    ctx["echo"] = subprocess.Popen([ctx["echo_bin"]], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    log.close()
    s, mon = peer(zmq.DEALER, ctx["rpc"], AUTHORISED)
    deadline, reply = time.time() + 10, b""
    while b"echo=1" not in (reply or b"") and time.time() < deadline:
        reply = call_health(s, b"pinned-%d" % int(time.time() * 1000), 500)
        time.sleep(0.1)
    close((s, mon))
    assert b"echo=1" in (reply or b""), reply


@test
def the_broker_will_not_start_without_its_keys():
    env = bus_env({"HF_BROKER_BIND": "tcp://127.0.0.1:%d" % free_port()})
    out = subprocess.run([ctx["broker_bin"]], env=env, capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 2, out
    assert "HF_BROKER_SECRET_KEY: required while HF_BUS_CURVE is on" in out.stderr, out.stderr
    env.update({"HF_BROKER_SECRET_KEY": "too-short", "HF_BUS_AUTHORIZED_KEYS": "x"})
    out = subprocess.run([ctx["broker_bin"]], env=env, capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 2, out
    assert "HF_BROKER_SECRET_KEY: not a CURVE key" in out.stderr, out.stderr
    assert "HF_BUS_AUTHORIZED_KEYS: entry 1 is not a CURVE public key" in out.stderr


@test
def a_client_without_a_key_pair_opens_no_socket():
    # CURVE is on unless switched off: the echo worker cannot even start
    env = bus_env({"HF_BROKERS": "tcp://127.0.0.1:%d" % ctx["rpc"],
                   "HF_BUS_SERVER_KEY": ctx["server"][0].decode()})
    p = subprocess.Popen([ctx["echo_bin"]], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    out, _ = p.communicate(timeout=15)
    assert "HF_BUS_SECRET_KEY is not set" in out, out


if __name__ == "__main__":
    run(setup, teardown)
