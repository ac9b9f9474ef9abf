#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Soak (test_stress.sh soak; scripts/soak.sh for long runs; issue 6 item 7):
for SECONDS, everything at once against Backstop (listeners echo 8080,
banner 8083 and abort 8085, a request table of 256):

  - stray floods: a raw socket sends SYNs to a closed port (7777) from
    spoofed IPv4 and IPv6 sources at STRAY_PPS, each answered by an RST
    (NO_SOCKET) to a MAC nobody has;
  - connection churn from the Linux peer's stack: echo connections (100
    bytes there and back), banner connections (Backstop closes first:
    TIME_WAIT), connect() to a closed port (refused);
  - live reconfiguration: every RECONF_S, SIGHUP with the file changed (a
    listener added or removed) or CLI changes in turn (listener add|del,
    policy add|del, set tcp);
  - CLI polling: show stats, tables, memory, workers, connections, resets;
    the worker must answer its control requests (show workers) and never
    stay silent for SILENT_MAX_MS.

Every RST Backstop sends is counted three ways: its reason counters
(show resets), on the wire (an AF_PACKET socket in the peer namespace
sees every frame from Backstop's MAC, including those to the spoofed MAC;
its own drop count must stay 0), and by `capture start FILE resets` (the
EPBs in the pcapng file, none lost). Asserts afterwards: the three are
equal, no TX_RING_FULL drop, every churn operation succeeded, every
reconfiguration applied, every CLI poll answered (the worker included);
once the load stops: connections and requests back to 0, mbufs in use back
to the baseline, resident memory within RSS_SLACK_KIB of the baseline
taken after a warm-up.

    soak.py BS_PID BACKSTOPCTL SOCKET IFNAME BACKSTOP_MAC SECONDS CONF TMPDIR

Prints `ok NAME` / `FAIL NAME why`, `# figure` lines (a line of figures
every PROGRESS_S seconds).
"""
import os
import signal
import socket
import struct
import sys
import threading
import time

from stress_lib import DUT4, DUT6, Ctl, Flood, Results, rss_kib

STRAY_PPS = 2000
RECONF_S = 1.0
PROGRESS_S = 10		# at least; a twentieth of a long run
RSS_SLACK_KIB = 4096
ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_STATISTICS = 263, 6

stop = threading.Event()
lock = threading.Lock()
tally = {"echo": 0, "banner": 0, "aborted": 0, "refused": 0, "reconf": 0, "polls": 0, "silent_ms": 0}
SILENT_MAX_MS = 2000	# a worker unanswering for longer is stuck
errors = []


def bump(k, err=None):
    with lock:
        if err is None:
            tally[k] += 1
        elif len(errors) < 20:
            errors.append("%s: %s" % (k, err))


def abort_once(fam, addr):
    with socket.socket(fam) as s:
        s.settimeout(3)
        s.connect((addr, 8085))
        try:
            s.recv(256)
            raise ValueError("abort: no RST")
        except ConnectionResetError:
            bump("aborted")


def churn():
    i = 0
    while not stop.is_set():
        i += 1
        fam, addr = (socket.AF_INET, DUT4) if i % 2 else (socket.AF_INET6, DUT6)
        try:
            with socket.socket(fam) as s:
                s.settimeout(3)
                s.connect((addr, 8080))
                msg = b"%099d\n" % i
                s.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    b = s.recv(256)
                    if not b:
                        break
                    got += b
                if got != msg:
                    raise ValueError("echo %r" % got[:20])
            bump("echo")
            with socket.socket(fam) as s:
                s.settimeout(3)
                s.connect((addr, 8083))
                while s.recv(256):
                    pass
            bump("banner")
            if i % 7 == 0:	# the application waits delay_ms (100) first
                abort_once(fam, addr)
            with socket.socket(fam) as s:
                s.settimeout(3)
                try:
                    s.connect((addr, 7))
                    raise ValueError("port 7 connected")
                except ConnectionRefusedError:
                    bump("refused")
        except (OSError, ValueError) as e:
            bump("churn", repr(e))


def poll(c):
    """CLI polling. A worker that misses the CLI's 100 ms for one request
    (a loaded 2-core machine, ASan) is not stuck: what counts is the
    longest time without an answer (tally "silent_ms")."""
    words = (["show", "stats"], ["show", "tables"], ["show", "memory"], ["show", "resets"],
             ["show", "connections", "limit", "20"])
    i, last = 0, time.monotonic()
    while not stop.is_set():
        answered = True
        try:
            c(*words[i % len(words)])
            answered = c.workers_answer()
            bump("polls")
        except Exception as e:  # noqa: BLE001
            if "did not answer" in str(e):
                answered = False
            else:
                bump("poll", repr(e))
        now = time.monotonic()
        if answered:
            last = now
        with lock:
            tally["silent_ms"] = max(tally["silent_ms"], int((now - last) * 1000))
        i += 1
        time.sleep(0.1)


def reconf(c, pid, conf, out):
    base = open(conf).read()
    extra = base + "[listener extra]\nport = 9090\napp = discard\n"
    steps = [
        ("cli", ["listener", "add", "x", "any", "9191", "discard"]), ("cli", ["listener", "del", "x"]),
        ("cli", ["policy", "add", "198.18.9.0/24", "drop"]), ("cli", ["policy", "del", "198.18.9.0/24"]),
        ("hup", extra), ("cli", ["set", "tcp", "tcp_fin_timeout", "30"]),
        ("hup", base), ("cli", ["set", "tcp", "tcp_fin_timeout", "60"]),
    ]
    i = 0
    while not stop.wait(RECONF_S):
        kind, what = steps[i % len(steps)]
        i += 1
        try:
            if kind == "cli":
                c(*what)
            else:
                n0 = open(out).read().count("applied (generation")
                with open(conf + ".tmp", "w") as f:
                    f.write(what)
                os.replace(conf + ".tmp", conf)
                os.kill(pid, signal.SIGHUP)
                end = time.monotonic() + 5
                while open(out).read().count("applied (generation") == n0:
                    if time.monotonic() > end:
                        raise RuntimeError("SIGHUP not applied")
                    time.sleep(0.02)
            bump("reconf")
        except Exception as e:  # noqa: BLE001
            bump("reconf", repr(e))
    # Leave the configuration as it started.
    with open(conf, "w") as f:
        f.write(base)


class Sniffer:
    """RSTs from Backstop's MAC on the peer's interface."""

    def __init__(self, ifname, mac):
        self.mac = bytes.fromhex(mac.replace(":", ""))
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.s.bind((ifname, 0))
        self.s.settimeout(0.2)
        self.rsts = 0
        self.on = threading.Event()
        self.done = threading.Event()
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    @staticmethod
    def is_rst(f):
        et = struct.unpack("!H", f[12:14])[0]
        if et == 0x0800 and len(f) >= 34 and f[23] == 6:
            off = 14 + (f[14] & 0x0f) * 4
        elif et == 0x86dd and len(f) >= 54 and f[20] == 6:
            off = 54
        else:
            return False
        return len(f) >= off + 14 and f[off + 13] & 0x04

    def run(self):
        while not self.done.is_set():
            try:
                f, addr = self.s.recvfrom(2048)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING or f[6:12] != self.mac:
                continue
            if self.on.is_set() and self.is_rst(f):
                self.rsts += 1

    def drops(self):
        _, dropped = struct.unpack("II", self.s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        return dropped

    def close(self):
        self.done.set()
        self.th.join()
        self.s.close()


def quiet(c, secs):
    """Wait until no RST has been sent for a while: the counters settled."""
    last, t = c.resets()[1], time.monotonic()
    end = time.monotonic() + secs
    while time.monotonic() < end:
        time.sleep(0.3)
        n = c.resets()[1]
        if n != last:
            last, t = n, time.monotonic()
        elif time.monotonic() - t >= 0.9:
            return True
    return False


def run_load(c, pid, conf, out, ifname, mac, seconds, report):
    stop.clear()
    flood = Flood(ifname, mac, (7777,), seconds, n_frames=8192, pps=STRAY_PPS, seed=7)
    th = [threading.Thread(target=churn), threading.Thread(target=poll, args=(c,)),
          threading.Thread(target=reconf, args=(c, pid, conf, out))]
    flood.start()
    for t in th:
        t.start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(min(PROGRESS_S, seconds - (time.monotonic() - t0)) if report else
                   seconds)
        if report and time.monotonic() - t0 < seconds - 1:
            m = c.memory()
            report("t=%.0f s: mbufs in use %d, resident %d KiB, %s" % (
                time.monotonic() - t0, m["mbufs"]["in_use"], rss_kib(pid),
                " ".join("%s %d" % kv for kv in sorted(tally.items()))))
    stop.set()
    for t in th:
        t.join()
    return flood.join()


def main():
    pid, ctl, sock, ifname, mac, seconds, conf, tmp = sys.argv[1:9]
    pid, seconds = int(pid), float(seconds)
    out = os.path.join(tmp, "bs.out")
    pcap = os.path.join(tmp, "resets.pcapng")
    r = Results()
    c = Ctl(ctl, sock)
    global PROGRESS_S
    PROGRESS_S = max(PROGRESS_S, seconds / 20)

    # Warm-up: the same load for a few seconds, so that the baseline has
    # the pages every kind of entry touches; then the baseline, quiet.
    sniff = Sniffer(ifname, mac)
    run_load(c, pid, conf, out, ifname, mac, 3, None)
    quiet(c, 10)
    c("capture", "start", pcap, "resets")
    m0, rss0 = c.memory(), rss_kib(pid)
    (rs0, n0), d0 = c.resets(), c.drops()
    sniff.on.set()
    r.info("baseline: mbufs in use %d of %d, resident %d KiB" % (
        m0["mbufs"]["in_use"], m0["mbufs"]["size"], rss0))
    with lock:
        for k in tally:
            tally[k] = 0
    t = time.monotonic()
    sent = run_load(c, pid, conf, out, ifname, mac, seconds, r.info)
    took = time.monotonic() - t
    settled = quiet(c, 10)
    (rs1, n1), d1 = c.resets(), c.drops()
    time.sleep(0.3)
    sniff.on.clear()
    cap = c("capture", "stop")
    wire, sdrops = sniff.rsts, sniff.drops()
    sniff.close()
    with open(pcap, "rb") as f:
        data = f.read()
    epb, off = 0, 0
    while off + 8 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        epb += btype == 6
        off += max(blen, 12)
    by_reason = {k: rs1[k] - rs0[k] for k in rs1 if rs1[k] != rs0[k]}
    r.info("soak of %.0f s: %d stray SYNs (%.0f/s); %s; errors %d" % (
        took, sent, sent / took, ", ".join("%s %d" % kv for kv in sorted(tally.items())),
        len(errors)))
    r.info("resets by reason %s = %d; on the wire %d (sniffer drops %d); captured %d "
           "(lost %d)" % (by_reason, n1 - n0, wire, sdrops, epb, cap.get("lost", -1)))
    r.check("soak-no-errors", not errors, "; ".join(errors[:5]))
    r.check("soak-load-ran", tally["echo"] > 0 and tally["banner"] > 0 and tally["refused"] > 0 and
            tally["aborted"] > 0 and
            tally["reconf"] >= seconds / RECONF_S / 2 and tally["polls"] > 0 and sent > 0, str(tally))
    r.check("soak-worker-polling", tally["silent_ms"] < SILENT_MAX_MS,
            "no answer for %d ms" % tally["silent_ms"])
    r.check("soak-settled", settled)
    r.check("soak-resets-sum", sum(by_reason.values()) == n1 - n0 and n1 - n0 >= sent,
            "%s vs %d, %d stray SYNs" % (by_reason, n1 - n0, sent))
    r.check("soak-resets-on-wire", sdrops == 0 and wire == n1 - n0 and
            d1.get("TX_RING_FULL", 0) == d0.get("TX_RING_FULL", 0),
            "wire %d, counted %d, sniffer drops %d" % (wire, n1 - n0, sdrops))
    r.check("soak-resets-captured", cap.get("lost") == 0 and epb == n1 - n0 and
            cap.get("packets") == epb, "captured %d, file %d, counted %d, lost %s" % (
                cap.get("packets", -1), epb, n1 - n0, cap.get("lost")))

    ok = lambda: c.tables()["Connections"] == 0 and c.tables()["Requests"] == 0  # noqa: E731
    end = time.monotonic() + 10
    while not ok() and time.monotonic() < end:
        time.sleep(0.2)
    t1 = c.tables()
    r.check("soak-tables-empty", ok(), str(t1))
    m1, rss1 = c.memory(), rss_kib(pid)
    r.info("after: mbufs in use %d (baseline %d), resident %d KiB (baseline %d, %+d), "
           "TIME_WAIT %d" % (m1["mbufs"]["in_use"], m0["mbufs"]["in_use"], rss1, rss0,
                            rss1 - rss0, t1["TimeWait"]))
    r.check("soak-mbufs-baseline", m1["mbufs"]["in_use"] <= m0["mbufs"]["in_use"],
            "%d > %d" % (m1["mbufs"]["in_use"], m0["mbufs"]["in_use"]))
    r.check("soak-rss-baseline", rss1 <= rss0 + RSS_SLACK_KIB, "%d > %d + %d" % (
        rss1, rss0, RSS_SLACK_KIB))
    r.check("soak-worker-answers", c.workers_answer() or c.workers_answer())
    return 0 if r.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
