#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Control-plane abuse: hostile CLI clients and hostile configuration files.

    test_ctl_abuse.py BACKSTOP SOURCE_ROOT

Backstop runs on net_af_packet in a namespace topology (scripts/topology.sh)
from a configuration file, its CLI socket in a temporary directory with
[control] socket_mode 0640. Throughout, a well-behaved client asks `show
version` on one session every 50 ms and a Linux client in the other
namespace connects to a closed port (each refusal is an RST from the
worker). Phases: the socket's mode and owner; random bytes; a line of
4 MiB; NUL bytes and invalid UTF-8; 40 clients that connect and never send
plus 40 that stall in a half line (a new client must still be served: the
slot of the longest without a request is taken); 100 clients at once; a
client that pipelines 200000 requests and never reads. In every phase the
well-behaved session is answered within 1 s, the worker keeps refusing
connections, and every error is one line. Then hostile configuration files
(huge, binary, odd syntax, unterminated, duplicate keys, values out of
range, a directory, a FIFO, unreadable, missing): `--check-config` gives one
line naming the file (and line and key), and a SIGHUP reload of each on the
running instance is refused in one line and leaves `show config` as it was.
Prints `ok NAME` or `FAIL NAME why`, then `N passed, M failed`; exit 77 when
it cannot run (not root).
"""
import json
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

from ctl_lib import E, T, check, sh, wait_running

EVICTED = (b"error: closed: all 32 CLI client slots are taken and this client had gone "
           b"longest without a request\n")


def connect(timeout=5.0):
    """A client; waits while the listen backlog is full (EAGAIN)."""
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(E.sock)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.01)


def responses(buf):
    """Split an answer stream: [(body, ok)], and the bytes left over."""
    out = []
    while True:
        i = buf.find(b"\0")
        if i < 0:
            return out, buf
        if buf[i:i + 4] == b"\0ok\n":
            out.append((buf[:i], True))
            buf = buf[i + 4:]
        elif buf[i:i + 7] == b"\0error\n":
            out.append((buf[:i], False))
            buf = buf[i + 7:]
        else:
            return out, buf


def one_line_error(body):
    return body.startswith(b"error: ") and body.endswith(b"\n") and body.count(b"\n") in (1, 2) and \
        (body.count(b"\n") == 1 or b"\nusage: " in body)


def exchange(data, n_answers, timeout=10.0, shut=True):
    """Send @data (while reading), then read until @n_answers responses."""
    s = connect(timeout)
    got = []

    def reader():
        buf = b""
        try:
            while True:
                d = s.recv(1 << 16)
                if not d:
                    break
                buf += d
                if len(responses(buf)[0]) >= n_answers:
                    break
        except OSError:
            pass
        got.append(buf)

    t = threading.Thread(target=reader)
    t.start()
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    t.join(timeout)
    s.close()
    return responses(got[0] if got else b"")


# ---- what runs throughout ---------------------------------------------------

class Watch:
    """The well-behaved session, and the worker's refusals seen by Linux."""

    def __init__(self):
        self.stop = False
        self.lat = []           # (time, latency) of each answer
        self.errors = []
        self.refused = []       # (time, count)
        self.t = threading.Thread(target=self.session, daemon=True)
        self.t.start()
        self.p = subprocess.Popen(["ip", "netns", "exec", E.ns + "-c", "/usr/bin/python3", "-c", PROBER],
                                  stdout=subprocess.PIPE, text=True)
        self.tp = threading.Thread(target=self.probe, daemon=True)
        self.tp.start()

    def session(self):
        s = connect()
        buf = b""
        while not self.stop:
            t0 = time.monotonic()
            try:
                s.sendall(b"show version\n")
                while True:
                    rs, buf = responses(buf)
                    if rs:
                        break
                    d = s.recv(65536)
                    if not d:
                        raise ConnectionError("closed by the server")
                    buf += d
                if not (len(rs) == 1 and rs[0][1] and b"version: " in rs[0][0]):
                    self.errors.append(repr(rs)[:200])
            except (OSError, ConnectionError) as e:
                self.errors.append(repr(e))
                try:
                    s.close()
                    s = connect()
                    buf = b""
                except OSError:
                    pass
            self.lat.append((time.monotonic(), time.monotonic() - t0))
            time.sleep(0.05)
        s.close()

    def probe(self):
        for line in self.p.stdout:
            try:
                self.refused.append((time.monotonic(), int(line)))
            except ValueError:
                pass

    def phase(self, name, fn):
        t0 = time.monotonic()
        n_err = len(self.errors)
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - one phase's crash is its failure
            check(name, False, "exception: %r" % e)
        time.sleep(0.3)
        t1 = time.monotonic()
        lat = [l for t, l in self.lat if t0 <= t <= t1 + 0.1]
        ref = [n for t, n in self.refused if t0 <= t <= t1]
        check(name + "/session-answered", lat and max(lat) < 1.0 and len(self.errors) == n_err,
              "%d answers, max %.3f s, errors %s" % (len(lat), max(lat) if lat else -1,
                                                      self.errors[n_err:][:3]))
        check(name + "/worker-forwards", len(ref) >= 2 and ref[-1] > ref[0],
              "refusals seen by Linux during the phase: %s" % ref[:3] + str(ref[-3:]))

    def close(self):
        self.stop = True
        self.t.join(5)
        self.p.kill()
        self.p.wait()


PROBER = r"""
import socket, sys, time
n = 0
end = time.monotonic() + 120
while time.monotonic() < end:
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("198.18.0.2", 23))
    except ConnectionRefusedError:
        n += 1
    except OSError:
        pass
    s.close()
    print(n, flush=True)
    time.sleep(0.05)
"""


# ---- CLI phases -----------------------------------------------------------

def phase_socket_mode():
    st = os.lstat(E.sock)
    check("socket-is-socket", stat.S_ISSOCK(st.st_mode))
    check("socket-mode-0640", stat.S_IMODE(st.st_mode) == 0o640, oct(stat.S_IMODE(st.st_mode)))
    check("socket-owner", st.st_uid == os.geteuid() and st.st_gid == os.getegid(),
          "%d:%d" % (st.st_uid, st.st_gid))
    d = os.stat(os.path.dirname(E.sock))
    check("socket-dir-created", stat.S_ISDIR(d.st_mode) and stat.S_IMODE(d.st_mode) == 0o755,
          oct(d.st_mode))


def phase_random():
    rnd = random.Random(1)
    bad = []
    for k in range(8):
        data = bytes(rnd.getrandbits(8) for _ in range(32768))
        lines = data.count(b"\n")
        rs, rest = exchange(data, lines)
        ok = len(rs) <= lines + len(data) // 4095 + 1 and rest == b"" and \
            all(okk or one_line_error(b) for b, okk in rs)
        if not ok:
            bad.append((k, len(rs), lines, rest[:50], [b for b, o in rs if not o and not one_line_error(b)][:2]))
    check("random-bytes", not bad, bad)


def phase_huge_line():
    big = b"a" * (4 << 20)
    t0 = time.monotonic()
    rs, rest = exchange(big + b"\nshow version\n", 2, timeout=20)
    check("huge-line", len(rs) == 2 and rs[0] == (b"error: request longer than 4095 bytes\n", False) and
          rs[1][1] and b"version: " in rs[1][0], "%s %r" % ([r[0][:80] for r in rs], rest[:80]))
    check("huge-line-time", time.monotonic() - t0 < 10, "%.1f s" % (time.monotonic() - t0))


def phase_bad_bytes():
    for name, data in (("nul", b"show\0version\n"), ("utf8-invalid", b"show \xc3\x28 version\n"),
                       ("utf8-valid", "show v\u00e9rsion\n".encode()), ("bom", b"\xef\xbb\xbfshow version\n"),
                       ("escape", b"show \x1b[2Jversion\n"), ("del", b"show\x7f\n")):
        rs, rest = exchange(data, 1)
        check("bytes-" + name, rs == [(b"error: request holds a control or non-ASCII byte\n", False)]
              and rest == b"", repr(rs))
    # The session stays open after such an error.
    rs, _ = exchange(b"show\0x\nshow version\n", 2)
    check("bytes-session-stays", len(rs) == 2 and not rs[0][1] and rs[1][1], repr(rs)[:200])


def phase_slowloris():
    idle, half = [], []
    for _ in range(40):
        idle.append(connect())
    for _ in range(40):
        s = connect()
        s.sendall(b"show vers")
        half.append(s)
    time.sleep(0.3)
    # A newcomer is served: it takes the slot of the longest idle.
    served = 0
    for _ in range(5):
        rs, _ = exchange(b"show version\n", 1)
        served += len(rs) == 1 and rs[0][1]
    check("slowloris-newcomer-served", served == 5, "%d of 5" % served)
    told = closed = 0
    time.sleep(0.2)  # the evicted ones' words are there by now
    for s in idle + half:
        s.settimeout(0.02)
        try:
            d = s.recv(4096)
            told += d == EVICTED + b"\0error\n"
            closed += d == b"" or d.startswith(EVICTED)
        except socket.timeout:
            pass
        except OSError:
            closed += 1
        s.close()
    check("slowloris-evicted-told", told >= 80 - 32 and closed == told,
          "%d told, %d closed of 80" % (told, closed))


def phase_many():
    res = [None] * 100

    def one(k):
        try:
            s = connect(10)
            s.sendall(b"show stats\n")
            buf = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                buf += d
                rs, _ = responses(buf)
                if rs:
                    break
            s.close()
            rs, rest = responses(buf)
            res[k] = "ok" if rs and rs[0][1] else ("evicted" if rs == [(EVICTED, False)] else repr(buf[:100]))
        except OSError as e:
            res[k] = repr(e)

    ts = [threading.Thread(target=one, args=(k,)) for k in range(100)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    odd = [r for r in res if r not in ("ok", "evicted")]
    check("many-clients", not odd and res.count("ok") >= 32,
          "%d ok, %d evicted, odd %s" % (res.count("ok"), res.count("evicted"), odd[:3]))
    # Each evicted client connects again and is served.
    again = 0
    for _ in range(res.count("evicted")):
        rs, _ = exchange(b"show stats\n", 1)
        again += len(rs) == 1 and rs[0][1]
    check("many-clients-again", again == res.count("evicted"), "%d" % again)


def phase_slow_reader():
    s = connect()
    s.setblocking(False)
    data = b"show config\n" * 200000
    sent = 0
    end = time.monotonic() + 2
    while time.monotonic() < end:
        try:
            sent += s.send(data[sent:]) if sent < len(data) else 0
        except BlockingIOError:
            pass
        time.sleep(0.01)
    check("slow-reader-throttled", sent < len(data), "the server read all %d bytes" % sent)
    s.close()


# ---- configuration files ----------------------------------------------------

def hostile_files(d):
    """name -> (path, expected substrings of the one error line)."""
    cases = {}

    def put(name, data, want):
        p = os.path.join(d, name + ".conf")
        with open(p, "wb") as f:
            f.write(data)
        cases[name] = (p, want)

    put("huge", b"# padding\n" * 200000, ["larger than 1 MiB"])
    rnd = random.Random(2)
    put("binary-nul", bytes(rnd.getrandbits(8) for _ in range(4096)) + b"\0", ["NUL byte"])
    put("binary", bytes(rnd.randrange(1, 256) for _ in range(4096)).replace(b"\n", b"\r"),
        [":1: "])
    put("deep", b"[" * 100000 + b"\n", [":1: line longer than"])
    put("odd-brackets", b"[[tcp]]\n", [":1: ", "[tcp]"])
    put("odd-eq", b"[tcp]\n= 5\n", [":2: missing key"])
    put("odd-nokey", b"[tcp]\ntcp_fin_timeout\n", [":2: expected 'key = value'"])
    put("unterminated-section", b"[tcp", [":1: malformed section header '[tcp'"])
    put("unterminated-value", b"[tcp]\ntcp_fin_timeout =", [":2: [tcp] tcp_fin_timeout"])
    put("duplicate-key", b"[tcp]\ntcp_fin_timeout = 30\ntcp_fin_timeout = 40\n",
        [":3: [tcp] tcp_fin_timeout: set twice (first at line 2)"])
    put("duplicate-section", b"[tcp]\n[tcp]\n", [":2: section [tcp] already started at line 1"])
    put("range-big", b"[tcp]\ntcp_fin_timeout = 99999999999\n", [":2: [tcp] tcp_fin_timeout: '99999999999'"])
    put("range-neg", b"[tcp]\nconnections = -1\n", [":2: [tcp] connections: '-1'"])
    put("range-zero", b"[tcp]\nconnections = 0\n", [":2: [tcp] connections: '0'"])
    put("range-mode", b"[control]\nsocket_mode = 01777\n", [":2: [control] socket_mode"])
    put("unknown-key", b"[tcp]\nbogus = 1\n", [":2: [tcp] has no key 'bogus'"])
    put("unknown-section", b"[bogus]\n", [":1: unknown section [bogus]"])
    dp = os.path.join(d, "dir.conf")
    os.mkdir(dp)
    cases["directory"] = (dp, ["not a regular file"])
    fp = os.path.join(d, "fifo.conf")
    os.mkfifo(fp)
    cases["fifo"] = (fp, ["not a regular file"])
    up = os.path.join(d, "unreadable.conf")
    with open(up, "w") as f:
        f.write("[tcp]\n")
    os.chmod(up, 0)
    cases["unreadable"] = (up, ["Permission denied"])
    cases["missing"] = (os.path.join(d, "missing.conf"), ["No such file or directory"])
    return cases


def check_config_files(cases):
    for name, (path, want) in sorted(cases.items()):
        cmd = [E.bin, "--check-config", path]
        if name == "unreadable":  # root reads anything: ask as nobody
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                               errors="replace")
            rc, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            rc, err = "hang", ""
        line = err[:-1] if err.endswith("\n") else err
        check("check-config-" + name, rc == 1 and "\n" not in line and path in line and
              all(w in line for w in want), "rc %s: %r" % (rc, err[:300]))


def sighup_files(cases, good):
    """Each hostile file in place of the running configuration, and SIGHUP."""
    before = show_config()
    log = E.log
    for name in ("huge", "binary-nul", "binary", "deep", "unterminated-section", "duplicate-key",
                 "range-big", "unknown-key", "directory", "fifo", "missing"):
        path, want = cases[name]
        os.remove(E.conf)
        if name == "directory":
            os.mkdir(E.conf)
        elif name == "fifo":
            os.mkfifo(E.conf)
        elif name != "missing":
            shutil.copyfile(path, E.conf)
        n0 = len(open(log, errors="replace").read().splitlines())
        os.kill(E.pid, signal.SIGHUP)
        new = []
        end = time.monotonic() + 5
        while time.monotonic() < end and not new:
            time.sleep(0.05)
            new = [l for l in open(log, errors="replace").read().splitlines()[n0:] if "SIGHUP" in l]
        after = show_config(timeout=3)
        check("sighup-" + name, len(new) == 1 and new[0].startswith("backstop: SIGHUP: " + E.conf) and
              new[0].endswith("; configuration unchanged") and
              all(w in new[0] for w in want if w[0] != ":") and after == before,
              "%r, config %s" % (new, "same" if after == before else "changed: %s" % str(after)[:200]))
        if os.path.isdir(E.conf):
            os.rmdir(E.conf)
        elif os.path.lexists(E.conf):
            os.remove(E.conf)
        shutil.copyfile(good, E.conf)
    n0 = len(open(log, errors="replace").read().splitlines())
    os.kill(E.pid, signal.SIGHUP)
    time.sleep(0.5)
    new = [l for l in open(log, errors="replace").read().splitlines()[n0:] if "SIGHUP" in l]
    check("sighup-good-applied", len(new) == 1 and "applied" in new[0], new)


def show_config(timeout=5):
    try:
        rs, _ = exchange(b"--json show config\n", 1, timeout=timeout)
        return json.loads(rs[0][0]) if rs and rs[0][1] else None
    except (OSError, ValueError, IndexError):
        return None


# ---- set-up -----------------------------------------------------------------

BASE_CONF = """[port net_af_packet0]
address = 198.18.0.2/24, 2001:2::2/64

[listener echo]
address = any
port = 7
app = echo

[control]
socket = %s
socket_mode = 0640
telemetry = 0
prometheus =
"""


def main():
    if len(sys.argv) != 3:
        print("usage: test_ctl_abuse.py BACKSTOP SOURCE_ROOT", file=sys.stderr)
        return 2
    E.bin, src = (os.path.abspath(a) for a in sys.argv[1:])
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("SKIP: needs root and iproute2")
        print("0 passed, 0 failed")
        return 77
    E.tmp = tempfile.mkdtemp(prefix="bs-abuse-")
    os.chmod(E.tmp, 0o755)  # nobody reaches the unreadable file's directory
    E.sock = os.path.join(E.tmp, "run", "ctl.sock")
    E.conf = os.path.join(E.tmp, "backstop.conf")
    good = os.path.join(E.tmp, "good.conf")
    with open(good, "w") as f:
        f.write(BASE_CONF % E.sock)
    shutil.copyfile(good, E.conf)
    E.ns = ("bsab%d" % os.getpid())[:12]
    prefix = "bs-abuse-%d" % os.getpid()
    topo = os.path.join(src, "scripts", "topology.sh")
    proc = watch = None
    t_start = time.monotonic()
    try:
        r = sh("source '%s' && bs_topo_down %s; bs_topo_up %s" % (topo, E.ns, E.ns))
        if not check("topology", r.returncode == 0, r.stderr):
            return 1
        E.log = os.path.join(E.tmp, "bs.log")
        cmd = ["ip", "netns", "exec", E.ns + "-d", "timeout", "-k", "5", "120", E.bin, "-l", "0,1",
               "--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
               "--vdev=net_af_packet0,iface=%s-d0" % E.ns, "--", "--config", E.conf]
        proc = subprocess.Popen(cmd, stdout=open(E.log, "w"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        if not check("backstop-start", wait_running(proc, E.log, 60), open(E.log).read()[-500:]):
            return 1
        rs, _ = exchange(b"--json show version\n", 1)
        E.pid = json.loads(rs[0][0])["pid"]
        phase_socket_mode()
        watch = Watch()
        time.sleep(0.5)
        for name, fn in (("random", phase_random), ("huge-line", phase_huge_line),
                         ("bad-bytes", phase_bad_bytes), ("slowloris", phase_slowloris),
                         ("many", phase_many), ("slow-reader", phase_slow_reader)):
            watch.phase(name, fn)
        cases = hostile_files(E.tmp)
        check_config_files(cases)
        sighup_files(cases, good)
        rs, _ = exchange(b"show version\n", 1)
        check("alive-at-end", proc.poll() is None and len(rs) == 1 and rs[0][1])
        text = open(E.log, errors="replace").read()
        check("no-sanitizer-report", "AddressSanitizer" not in text and "runtime error:" not in text,
              text[-500:])
    finally:
        if watch is not None:
            watch.close()
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        sh("source '%s' && bs_topo_down %s" % (topo, E.ns))
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
        shutil.rmtree(E.tmp, ignore_errors=True)
    print("%d passed, %d failed (%.1f s)" % (T.passed, T.failed, time.monotonic() - t_start))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
