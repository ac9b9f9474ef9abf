#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Live reconfiguration under load (test_reconf.sh runs it in the client
namespace). While threads keep a real Linux peer busy -

  - short connections to the stable listener (echo, port 8080): connect,
    100 bytes out, the same 100 back, close;
  - four long-lived connections to it, each sending a line every 50 ms and
    reading its echo;
  - stray SYNs: connect() to a closed port (7), IPv4 and IPv6, which must
    be refused (an RST), never time out or connect;

- the main thread applies N reconfigurations: it writes configuration A or
B in turn over the file Backstop was started with, sends SIGHUP, waits for
Backstop's "applied (generation G)" line and checks the change took effect:
listener `extra` (port 9090) open in A and closed in B (a connect() is
refused), and every tenth time the policy of 198.18.9.0/24 (AnyIP): drop in
A (a stray SYN gets nothing), ratelimit in B (refused).

Every connect() and read has a 0.9 s timeout, below Linux's 1 s SYN
retransmission, so a lost SYN is a failure, not a retry; lost data shows
as a retransmission in the peer's counters (the shell checks nstat).

Every fifth change is made through the CLI instead (backstopctl: listener
add|del, policy add, set tcp), each command its own generation.

    reconf_load.py BS_PID CONF_PATH CONF_A CONF_B BS_STDOUT N BACKSTOPCTL SOCKET

Prints `ok NAME` / `FAIL NAME why` lines.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

DUT4, DUT6 = "198.18.0.2", "2001:2::2"
STABLE, EXTRA, CLOSED = 8080, 9090, 7
TMO = 0.9

stop = threading.Event()
lock = threading.Lock()
stats = {"short_ok": 0, "short_fail": 0, "long_ok": 0, "long_fail": 0,
         "stray_refused": 0, "stray_fail": 0}
errors = []


def bump(k, err=None):
    with lock:
        stats[k] += 1
        if err is not None and len(errors) < 20:
            errors.append("%s: %s" % (k, err))


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            raise ConnectionError("EOF after %d of %d bytes" % (len(got), n))
        got += b
    return got


def short_conns():
    i = 0
    while not stop.is_set():
        fam, addr = (socket.AF_INET, DUT4) if i % 2 == 0 else (socket.AF_INET6, DUT6)
        i += 1
        msg = (b"%08d" % i) * 12 + b"ok\r\n"
        try:
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                s.settimeout(TMO)
                s.connect((addr, STABLE))
                s.sendall(msg)
                if recv_exact(s, len(msg)) != msg:
                    raise ValueError("echo differs")
            bump("short_ok")
        except Exception as e:
            bump("short_fail", repr(e))


def long_conn(k):
    fam, addr = (socket.AF_INET, DUT4) if k % 2 == 0 else (socket.AF_INET6, DUT6)
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(TMO)
        s.connect((addr, STABLE))
    except Exception as e:
        bump("long_fail", "connect %r" % e)
        return
    n = 0
    while not stop.is_set():
        msg = b"long %d %d\n" % (k, n)
        n += 1
        try:
            s.sendall(msg)
            if recv_exact(s, len(msg)) != msg:
                raise ValueError("echo differs")
            bump("long_ok")
        except Exception as e:
            bump("long_fail", repr(e))
            return
        time.sleep(0.05)
    s.close()


def stray_once(fam, addr, port, tmo=TMO):
    """'refused', 'timeout' or 'connected'."""
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(tmo)
        try:
            s.connect((addr, port))
            return "connected"
        except ConnectionRefusedError:
            return "refused"
        except socket.timeout:
            return "timeout"
        except OSError as e:
            return repr(e)


def strays():
    i = 0
    while not stop.is_set():
        fam, addr = (socket.AF_INET, DUT4) if i % 2 == 0 else (socket.AF_INET6, DUT6)
        i += 1
        r = stray_once(fam, addr, CLOSED)
        if r == "refused":
            bump("stray_refused")
        else:
            bump("stray_fail", r)
        time.sleep(0.002)


def wait_gen(out_path, gen, tmo=10.0):
    want = "applied (generation %d)" % gen
    end = time.monotonic() + tmo
    while time.monotonic() < end:
        with open(out_path, errors="replace") as f:
            if want in f.read():
                return True
        time.sleep(0.01)
    return False


# The CLI's way to the state of A (which 0) or B (1), for what is checked.
CLI_STEPS = (
    [["listener", "add", "extra", "any", str(EXTRA), "discard"],
     ["policy", "add", "198.18.9.0/24", "drop"], ["set", "tcp", "tcp_fin_timeout", "30"]],
    [["listener", "del", "extra"], ["policy", "add", "198.18.9.0/24", "ratelimit", "1000"],
     ["set", "tcp", "tcp_fin_timeout", "45"]],
)


def cli(ctl, sock, words):
    """The generation a CLI change made, or an error string."""
    p = subprocess.run([ctl, "-s", sock] + words, capture_output=True, text=True, timeout=10)
    if p.returncode != 0 or not p.stdout.startswith("generation: "):
        return "%s: rc %d %s" % (" ".join(words), p.returncode, (p.stdout + p.stderr).strip())
    return int(p.stdout.split()[1])


def main():
    pid, conf, conf_a, conf_b, out_path, n, ctl, sock = sys.argv[1:9]
    pid, n = int(pid), int(n)
    texts = [open(conf_a).read(), open(conf_b).read()]
    threads = [threading.Thread(target=short_conns), threading.Thread(target=strays)]
    threads += [threading.Thread(target=long_conn, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    fails = []
    gen = 1
    n_cli = 0
    t0 = time.monotonic()
    for i in range(n):
        which = (i + 1) % 2     # B first: the running configuration is A
        if i % 5 == 4:
            for words in CLI_STEPS[which]:
                g = cli(ctl, sock, words)
                if g != gen + 1:
                    fails.append("reconf %d: CLI: %s, want generation %d" % (i, g, gen + 1))
                gen += 1
            n_cli += 1
        else:
            tmp = conf + ".tmp"
            with open(tmp, "w") as f:
                f.write(texts[which])
            os.replace(tmp, conf)
            os.kill(pid, signal.SIGHUP)
            gen += 1
            if not wait_gen(out_path, gen):
                fails.append("reconf %d: generation %d not applied" % (i, gen))
                break
        # The listener change took effect (a worker takes the snapshot at
        # its next poll: microseconds; allow a little).
        want = "connected" if which == 0 else "refused"
        got = stray_once(socket.AF_INET, DUT4, EXTRA)
        if got != want:
            time.sleep(0.05)
            got = stray_once(socket.AF_INET, DUT4, EXTRA)
        if got != want:
            fails.append("reconf %d (%s): port %d %s, want %s" % (i, "AB"[which], EXTRA,
                                                               got, want))
        if i % 10 < 2:
            want = "timeout" if which == 0 else "refused"
            got = stray_once(socket.AF_INET, "198.18.9.1", CLOSED, tmo=0.3)
            if got != want:
                fails.append("reconf %d (%s): policy of 198.18.9.0/24: %s, want %s" %
                             (i, "AB"[which], got, want))
    elapsed = time.monotonic() - t0
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=5)
    print("# %d reconfigurations (%d through the CLI, %d generations) in %.1f s; %s" %
          (n, n_cli, gen - 1, elapsed, stats))
    for e in errors:
        print("#   " + e)
    if gen - 1 == n + 2 * n_cli and n_cli > 0 and not fails:
        print("ok reconf-%d-applied-and-effective" % n)
    else:
        print("FAIL reconf-applied %s" % "; ".join(fails[:5]))
    for k, what in (("short", "short connections"), ("long", "long connections"),
                    ("stray", "stray SYNs")):
        good = stats[k + "_ok"] if k != "stray" else stats["stray_refused"]
        if stats[k + "_fail"] == 0 and good > 0:
            print("ok %s-none-lost (%d)" % (k, good))
        else:
            print("FAIL %s-none-lost %s: %d good, %d failed" % (k, what, good,
                                                             stats[k + "_fail"]))


if __name__ == "__main__":
    main()
