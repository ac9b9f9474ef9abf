# SPDX-License-Identifier: BSD-3-Clause
"""What the control-plane tests (test_cli.py, test_ctl_abuse.py) share: the
`ok NAME` / `FAIL NAME why` checks and their tally, the environment object,
shell commands, and waiting for Backstop to run or stop."""
import os
import signal
import subprocess
import sys
import time


class Tally:
    passed = 0
    failed = 0


T = Tally()


def check(name, cond, why=""):
    """Print `ok NAME` or `FAIL NAME why` and count it; returns @cond."""
    if cond:
        T.passed += 1
        print("ok", name)
    else:
        T.failed += 1
        print("FAIL", name, why)
    sys.stdout.flush()
    return cond


class Env:
    """The test's state (binaries, socket, namespaces, processes)."""


E = Env()


def sh(cmd, timeout=30):
    return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=timeout)


def wait_running(p, log, secs=45):
    """Until Backstop's log says it runs (True), it exits or @secs pass."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if "backstop: running" in open(log, errors="replace").read():
            return True
        if p.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def stop(p, sig=signal.SIGINT):
    """Signal @p's process group, wait (SIGKILL after 15 s); its status."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return p.returncode
