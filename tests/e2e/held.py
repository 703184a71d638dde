"""tests/e2e/held.py - receivers that hold requests open, for the kill tests.

A request counts as delivered only when its client is still connected when
the receiver answers: a sender killed while the request was held has closed
its end (EOF ahead on the socket), and never learnt that it was taken.
"""
import socket


def peer_gone(conn):
    """True when the client has closed its end of conn (or reset it)."""
    conn.setblocking(False)
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        conn.setblocking(True)
