"""tests/e2e/tap.py - a tiny TAP runner for the end-to-end tests.

Each test is a function taking no arguments; it fails by raising. Results go
to stdout as TAP (what `meson test` and ./hrflow test count), details of a
failure and each test's duration as `#` comments.
"""
import sys
import time
import traceback

_tests = []


def test(fn):
    """Register fn as a test case, in definition order."""
    _tests.append(fn)
    return fn


def forget():
    """Drop the tests registered so far: for a test file that imports another
    one for its helpers, whose tests are not its own."""
    _tests.clear()


def run(setup=None, teardown=None):
    print("1..%d" % len(_tests), flush=True)
    failed = 0
    try:
        if setup:
            setup()
        for i, fn in enumerate(_tests, 1):
            started = time.monotonic()
            try:
                fn()
                print("ok %d - %s" % (i, fn.__name__), flush=True)
            except Exception:  # noqa: BLE001 - every failure is reported, then the next runs
                failed += 1
                print("not ok %d - %s" % (i, fn.__name__), flush=True)
                for line in traceback.format_exc().splitlines():
                    print("# " + line, flush=True)
            # how long it took, for finding what makes a run slow
            print("# %.1f s" % (time.monotonic() - started), flush=True)
    finally:
        if teardown:
            teardown()
    sys.exit(1 if failed else 0)
