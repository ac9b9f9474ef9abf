#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Blind injection (RFC 5961) against thousands of connections, run inside
the client namespace by test_blind.sh (docs/reliability.md section 4).

    blind.py IFACE CTL SOCKET N4 N6 RATELIMIT_MS

A real Linux client opens N4 IPv4 and N6 IPv6 connections to Backstop's
echo listener (port 7) and exchanges a line on each. Its own kernel then
says, for every connection, the exact sequence numbers (TCP_REPAIR:
TCP_QUEUE_SEQ of the send queue is Backstop's RCV.NXT, of the receive queue
Backstop's SND.NXT; leaving repair mode without a window probe), which is
what lets the test aim some segments at the window on purpose. Off-path
segments with the client's addresses and ports are then written to the
wire through an AF_PACKET socket (the client's kernel never sees them):

  round 1, every connection, back to back (within one tcp_invalid_ratelimit
  period): two RSTs out of the window (X15: dropped silently), one RST in the
  window but not at RCV.NXT (X14: a challenge ACK), a SYN with a random
  sequence number (Q24: a challenge ACK, rate-limited by the same
  per-connection limiter), data with a random sequence number out of the
  window (Q22: a duplicate ACK, never rate-limited for data), data at
  RCV.NXT with an ACK far older than SND.UNA (RFC 5961 5.2, Q27: a challenge
  ACK, rate-limited); and on 5% of them, last, an RST exactly at RCV.NXT
  (X10: the connection is reset, nothing sent).
  round 2, survivors, one rate-limit period after round 1's last reply: an
  RST out of the window, an RST in the window, a SYN: one challenge ACK each.
  round 3, survivors, after `set tcp tcp_challenge_ack_limit 100` and one
  more period: an RST in the window each: the per-second budget, drawn from
  [50, 149] each second, caps the challenge ACKs.

After each round the counters Backstop shows (`show stats`, `show drops`,
deltas) must equal what those rules predict, exactly, and the frames the
client received from Backstop (captured on the same socket) must be the
ACKs counted, each <SEQ=SND.NXT><ACK=RCV.NXT>. Finally every connection
sends a line: the survivors' lines come back intact (no injected byte was
taken), the reset ones get ECONNRESET (Backstop answers with a no-socket
RST), and `show tables` counts exactly the survivors ESTABLISHED.

Prints `ok NAME` / `FAIL NAME why` lines and `figure NAME VALUE` lines.
"""
import errno
import json
import os
import random
import resource
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time

from stress_lib import tcp_frame

SERVER4, SERVER6, PORT = "198.18.0.2", "2001:2::2", 7
TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ = 19, 20, 21
TCP_RECV_QUEUE, TCP_SEND_QUEUE, TCP_REPAIR_OFF_NO_WP = 1, 2, -1
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
MARGIN = 1 << 24        # "out of the window": at least this far from RCV.NXT
HIT_SHARE = 20          # one connection in HIT_SHARE gets the exact RST

FAILS = 0


def say(ok, name, why=""):
    global FAILS
    if not ok:
        FAILS += 1
    print(("ok %s" % name) if ok else ("FAIL %s %s" % (name, why)), flush=True)
    return ok


def figure(name, value):
    print("figure %s %s" % (name, value), flush=True)


class Conn:
    def __init__(self, i, fam, sock):
        self.i, self.fam, self.s = i, fam, sock
        self.lport = 0
        self.snd = self.rcv = 0        # the client's SND.NXT, RCV.NXT
        self.hit = False
        self.buf = b""

    def key(self):
        return (self.fam, self.lport)


class Wire:
    """Frames to Backstop and back, on the client's interface."""

    def __init__(self, iface, smac, dmac, src4, src6):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.s.bind((iface, 0))
        self.smac, self.dmac = smac, dmac
        self.src4, self.src6 = socket.inet_aton(src4), socket.inet_pton(socket.AF_INET6, src6)
        self.dst4 = socket.inet_aton(SERVER4)
        self.dst6 = socket.inet_pton(socket.AF_INET6, SERVER6)
        self.got = []               # (time, fam, dport, flags, seq, ack, len)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sent = 0
        self.t = threading.Thread(target=self.rx, daemon=True)
        self.t.start()

    def rx(self):
        self.s.settimeout(0.1)
        while not self.stop.is_set():
            try:
                b, addr = self.s.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == 4:        # our own
                continue
            et = b[12:14]
            if et == b"\x08\x00" and b[23] == 6:
                l4 = 14 + (b[14] & 15) * 4
                fam, plen = 4, struct.unpack("!H", b[16:18])[0] - (b[14] & 15) * 4
            elif et == b"\x86\xdd" and b[20] == 6:
                l4, fam, plen = 54, 6, struct.unpack("!H", b[18:20])[0]
            else:
                continue
            sport, dport, seq, ack = struct.unpack("!HHII", b[l4:l4 + 12])
            if sport != PORT:
                continue
            doff = (b[l4 + 12] >> 4) * 4
            with self.lock:
                self.got.append((time.monotonic(), fam, dport, b[l4 + 13], seq, ack, plen - doff))

    def count(self):
        with self.lock:
            return len(self.got)

    def since(self, n):
        with self.lock:
            return self.got[n:]

    def frame(self, c, flags, seq, ack=0, data=b""):
        tcp = struct.pack("!HHIIBBHHH", c.lport, PORT, seq & 0xffffffff, ack & 0xffffffff,
                          5 << 4, flags, 65535, 0, 0) + data
        if c.fam == 4:
            return tcp_frame(self.dmac, self.smac, self.src4, self.dst4, tcp,
                             random.getrandbits(16))
        return tcp_frame(self.dmac, self.smac, self.src6, self.dst6, tcp)

    def send(self, frames):
        for f in frames:
            while True:
                try:
                    self.s.send(f)
                    break
                except OSError as e:
                    if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                        raise
                    time.sleep(0.001)
            self.sent += 1


def ctl(args, *cmd):
    p = subprocess.run([args["ctl"], "-s", args["sock"], "--json"] + list(cmd),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    if p.returncode != 0:
        raise RuntimeError("backstopctl %s: %s %s" % (" ".join(cmd), p.stdout, p.stderr))
    return json.loads(p.stdout)


def snapshot(args):
    st = ctl(args, "show", "stats")
    dr = ctl(args, "show", "drops")
    return dict(st["counters"]), dict(dr["drops"])


def delta(a, b):
    return {k: b[k] - a.get(k, 0) for k in b if b[k] - a.get(k, 0) != 0}


def expect_exact(name, got, want, keys):
    """got (a delta) must equal want on every key in keys and want's."""
    bad = ["%s=%d want %d" % (k, got.get(k, 0), want.get(k, 0))
           for k in sorted(set(keys) | set(want)) if got.get(k, 0) != want.get(k, 0)]
    return say(not bad, name, "; ".join(bad))


def oow(rng, base):
    """A sequence number at least MARGIN from base, and its drop reason."""
    seq = (base + MARGIN + rng.randrange((1 << 32) - 2 * MARGIN)) & 0xffffffff
    d = (seq - base) & 0xffffffff
    return seq, "TCP_INVALID_SEQUENCE" if d < (1 << 31) else "TCP_OLD_SEQUENCE"


def connect_all(n4, n6, deadline):
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(n4 + n6):
        fam = 4 if i < n4 else 6
        s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((SERVER4 if fam == 4 else SERVER6, PORT))
        c = Conn(i, fam, s)
        conns.append(c)
        sel.register(s, selectors.EVENT_WRITE, c)
        if i % 200 == 199:      # let the handshakes through in waves
            time.sleep(0.02)
    pending = len(conns)
    failed = []
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            c = key.data
            sel.unregister(c.s)
            pending -= 1
            err = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                failed.append((c.i, errno.errorcode.get(err, err)))
    sel.close()
    return conns, pending, failed


def exchange(conns, tag, deadline, expect_reset=()):
    """Send a line on every connection, read it back. Returns
    (echoed ok, resets, other failures)."""
    sel = selectors.DefaultSelector()
    want = {}
    for c in conns:
        line = ("%s %d %s\n" % (tag, c.i, "x" * (c.i % 37))).encode()
        want[c.i] = line
        c.buf = b""
        try:
            c.s.send(line)
        except OSError as e:
            if e.errno in (errno.ECONNRESET, errno.EPIPE):
                continue
            raise
        sel.register(c.s, selectors.EVENT_READ, c)
    ok, reset, other = set(), set(), []
    left = len(sel.get_map())
    while left and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            c = key.data
            try:
                d = c.s.recv(4096)
            except OSError as e:
                d = None
                if e.errno == errno.ECONNRESET:
                    reset.add(c.i)
                else:
                    other.append((c.i, str(e)))
            if d:
                c.buf += d
                if len(c.buf) < len(want[c.i]):
                    continue
                if c.buf == want[c.i]:
                    ok.add(c.i)
                else:
                    other.append((c.i, "echo %r, sent %r" % (c.buf[:60], want[c.i][:60])))
            elif d == b"":
                other.append((c.i, "EOF"))
            sel.unregister(c.s)
            left -= 1
    for k in list(sel.get_map().values()):
        other.append((k.data.i, "no answer"))
    sel.close()
    return ok, reset, other


def read_seqs(c):
    s = c.s
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    try:
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
        c.snd = struct.unpack("I", s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
        c.rcv = struct.unpack("I", s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
    finally:
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
    c.lport = s.getsockname()[1]


def neigh_mac(addr):
    out = subprocess.run(["ip", "neigh", "show", addr], stdout=subprocess.PIPE, text=True).stdout
    f = out.split()
    return f[f.index("lladdr") + 1] if "lladdr" in f else None


def bare(frames):
    """Frames without data: what the attack draws (Backstop may also
    retransmit echo data whose ACK the loaded machine lost: not counted)."""
    return [f for f in frames if f[6] == 0]


def wait_replies(w, start, n, timeout):
    """Until n bare frames arrived since index start (or timeout): them."""
    end = time.monotonic() + timeout
    while len(bare(w.since(start))) < n and time.monotonic() < end:
        time.sleep(0.02)
    time.sleep(0.1)     # anything beyond n comes now or never
    return w.since(start)


def send_paced(w, groups, per_group, batch=100):
    """Send groups of frames, at most about two batches of groups ahead of
    the replies (per_group each): Backstop's RX ring is not overrun."""
    start = w.count()
    for i in range(0, len(groups), batch):
        for g in groups[i:i + batch]:
            w.send(g)
        want = (i - batch) * per_group
        end = time.monotonic() + 10
        while want > 0 and len(bare(w.since(start))) < want and time.monotonic() < end:
            time.sleep(0.005)
    return start


def check_acks(name, frames, conns_by_key, n_want):
    """Every frame: a bare ACK <SEQ=SND.NXT><ACK=RCV.NXT> of a live connection
    (or a retransmission of echo data the client already has)."""
    bad = []
    for _, fam, dport, flags, seq, ack, ln in frames:
        c = conns_by_key.get((fam, dport))
        if ln != 0 and c is not None and ((seq + ln - c.rcv) & 0xffffffff) == 0 or (
                ln != 0 and c is not None and ((c.rcv - seq - ln) & 0xffffffff) < (1 << 31)):
            continue
        c = conns_by_key.get((fam, dport))
        if c is None:
            bad.append("frame to unknown port %d" % dport)
        elif flags != ACK or ln != 0 or seq != c.rcv or ack != c.snd:
            bad.append("conn %d: flags 0x%02x seq %d ack %d len %d, want ACK seq %d ack %d" % (
                c.i, flags, seq, ack, ln, c.rcv, c.snd))
    if n_want is not None and len(bare(frames)) != n_want:
        bad.insert(0, "%d frames, want %d" % (len(bare(frames)), n_want))
    return say(not bad, name, "; ".join(bad[:4]))


def main():
    iface, ctlbin, sock = sys.argv[1:4]
    n4, n6, gap_ms = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    args = {"ctl": ctlbin, "sock": sock}
    gap = gap_ms / 1000.0
    seed = int(os.environ.get("BACKSTOP_BLIND_SEED", "0")) or random.SystemRandom().randint(1, 1 << 30)
    rng = random.Random(seed)
    print("blind: seed %d (BACKSTOP_BLIND_SEED reproduces the choices)" % seed, flush=True)
    t0 = time.monotonic()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n4 + n6 + 256)), hard))

    conns, pending, failed = connect_all(n4, n6, time.monotonic() + 20)
    if not say(pending == 0 and not failed, "connect-%d" % len(conns),
               "%d pending, %d failed %s" % (pending, len(failed), failed[:3])):
        return 1
    ok, reset, other = exchange(conns, "hello", time.monotonic() + 15)
    if not say(len(ok) == len(conns), "echo-before",
               "%d of %d echoed; %s" % (len(ok), len(conns), other[:3])):
        return 1
    figure("setup_s", "%.1f" % (time.monotonic() - t0))
    # Handshakes without SYN cookies: a cookie connection can come back
    # from a later ACK (on an echo connection both sides have moved by the
    # same bytes, so SEG.ACK - SEG.SEQ still decodes), as in Linux.
    cnt0 = ctl(args, "show", "stats")["counters"]
    say(cnt0.get("SyncookiesSent", 0) == 0 and cnt0.get("TcpPassiveOpens") == len(conns),
        "setup-no-syncookies", "SyncookiesSent %s, TcpPassiveOpens %s" % (
            cnt0.get("SyncookiesSent"), cnt0.get("TcpPassiveOpens")))
    time.sleep(0.3)     # the last ACKs settle: nothing in flight either way
    for c in conns:
        read_seqs(c)
    by_key = {c.key(): c for c in conns}

    smac = open("/sys/class/net/%s/address" % iface).read().strip()
    dmac = neigh_mac(SERVER4) or neigh_mac(SERVER6)
    w = Wire(iface, bytes.fromhex(smac.replace(":", "")), bytes.fromhex(dmac.replace(":", "")),
             "198.18.0.1", "2001:2::1")
    time.sleep(0.2)
    idle = w.count()
    counted = ("TCPChallengeACK", "TCPACKSkippedChallenge", "TCPSYNChallenge", "TcpInErrs",
               "TcpEstabResets", "TcpOutRsts", "TCPACKSkippedSeq")
    dropped = ("TCP_RESET", "TCP_INVALID_SYN", "TCP_TOO_OLD_ACK", "TCP_OLD_SEQUENCE",
               "TCP_INVALID_SEQUENCE", "NO_SOCKET", "TCP_FLAGS", "TCP_ACK_UNSENT_DATA")

    # ---- round 1: every connection
    hits = set(rng.sample(range(len(conns)), max(1, len(conns) // HIT_SHARE)))
    c0, d0 = snapshot(args)
    # Answered segments are no drops (the ACK is built in their mbuf);
    # those a limit leaves unanswered are, under their reason.
    want_d = {"TCP_RESET": len(hits), "TCP_INVALID_SYN": len(conns),
              "TCP_TOO_OLD_ACK": len(conns)}
    groups = []
    for c in conns:
        g = []
        for _ in range(2):
            seq, why = oow(rng, c.snd)
            g.append(w.frame(c, RST, seq))
            want_d[why] = want_d.get(why, 0) + 1
        g.append(w.frame(c, RST | (ACK if c.i & 1 else 0), c.snd + 1 + rng.randrange(16384),
                         rng.getrandbits(32)))
        g.append(w.frame(c, SYN, rng.getrandbits(32)))
        seq, why = oow(rng, c.snd)
        g.append(w.frame(c, ACK | PSH, seq, rng.getrandbits(32), b"INJECTED-OUT-OF-WINDOW\n"))
        g.append(w.frame(c, ACK | PSH, c.snd, c.rcv - (1 << 30), b"INJECTED-AT-RCV-NXT\n"))
        if c.i in hits:
            c.hit = True
            g.append(w.frame(c, RST | (ACK if c.i & 2 else 0), c.snd, rng.getrandbits(32)))
        groups.append(g)
    frames = [f for g in groups for f in g]
    t1 = time.monotonic()
    start = send_paced(w, groups, 2)
    got = wait_replies(w, start, 2 * len(conns), 15)
    c1, d1 = snapshot(args)
    figure("round1_segments", len(frames))
    figure("round1_send_s", "%.2f" % (time.monotonic() - t1))
    n = len(conns)
    expect_exact("round1-counters", delta(c0, c1), {
        "TCPChallengeACK": n, "TCPACKSkippedChallenge": 2 * n, "TCPSYNChallenge": n,
        "TcpInErrs": n, "TcpEstabResets": len(hits)}, counted)
    expect_exact("round1-drops", delta(d0, d1), want_d, dropped)
    say(idle == 0, "idle-before-attack", "%d frames from Backstop while idle" % idle)
    check_acks("round1-wire-acks", got, by_key, 2 * n)
    figure("round1_retransmissions_seen", len(got) - len(bare(got)))
    per = {}
    for f in bare(got):
        per[(f[1], f[2])] = per.get((f[1], f[2]), 0) + 1
    say(all(per.get(c.key(), 0) == 2 for c in conns), "round1-two-acks-each-connection",
        "%d connections without exactly 2" % sum(1 for c in conns if per.get(c.key(), 0) != 2))
    total_inj = len(frames)
    chal_total = n

    # ---- round 2: the survivors, one rate-limit period later
    live = [c for c in conns if not c.hit]
    last = got[-1][0] if got else time.monotonic()
    time.sleep(max(0.0, last + gap + 0.3 - time.monotonic()))
    groups = []
    want_d = {"TCP_INVALID_SYN": len(live)}
    for c in live:
        seq, why = oow(rng, c.snd)
        want_d[why] = want_d.get(why, 0) + 1
        groups.append([w.frame(c, RST, seq), w.frame(c, RST, c.snd + 1 + rng.randrange(16384)),
                       w.frame(c, SYN | (ACK if c.i & 4 else 0), rng.getrandbits(32),
                               rng.getrandbits(32))])
    frames = [f for g in groups for f in g]
    start = send_paced(w, groups, 1)
    got = wait_replies(w, start, len(live), 15)
    c2, d2 = snapshot(args)
    expect_exact("round2-counters", delta(c1, c2), {
        "TCPChallengeACK": len(live), "TCPACKSkippedChallenge": len(live),
        "TCPSYNChallenge": len(live), "TcpInErrs": len(live)}, counted)
    expect_exact("round2-drops", delta(d1, d2), want_d, dropped)
    check_acks("round2-wire-acks", got, by_key, len(live))
    total_inj += len(frames)
    chal_total += len(live)

    # ---- round 3: the per-second budget (tcp_challenge_ack_limit 100)
    ctl(args, "set", "tcp", "tcp_challenge_ack_limit", "100")
    last = got[-1][0] if got else time.monotonic()
    time.sleep(max(0.0, last + gap + 0.3 - time.monotonic()))
    frames = [w.frame(c, RST, c.snd + 1 + rng.randrange(16384)) for c in live]
    start = w.count()
    t3 = time.monotonic()
    w.send(frames)
    got = wait_replies(w, start, len(live), 2.5)
    c3, d3 = snapshot(args)
    dc = delta(c2, c3)
    sent3 = dc.get("TCPChallengeACK", 0)
    span = (bare(got)[-1][0] - t3) if bare(got) else 0.0
    cap = 149 * (int(span) + 2)
    say(50 <= sent3 <= min(cap, len(live)) and sent3 < len(live), "round3-budget",
        "%d challenge ACKs for %d RSTs over %.2f s (want 50..%d)" % (sent3, len(live), span, cap))
    expect_exact("round3-counters", dc, {"TCPChallengeACK": sent3}, counted)
    expect_exact("round3-drops", delta(d2, d3), {"TCP_RESET": len(live) - sent3}, dropped)
    check_acks("round3-wire-acks", got, by_key, sent3)
    ctl(args, "set", "tcp", "tcp_challenge_ack_limit", "2147483647")
    total_inj += len(frames)
    chal_total += sent3
    figure("round3_challenge_acks", "%d of %d in %.2f s" % (sent3, len(live), span))

    # ---- afterwards: survivors carry data both ways, the hit ones are gone
    ok, reset, other = exchange(conns, "after", time.monotonic() + 15)
    hit_ids = {c.i for c in conns if c.hit}
    live_ids = {c.i for c in live}
    say(ok == live_ids, "survivors-echo", "%d of %d echoed; %s" % (
        len(ok & live_ids), len(live_ids), other[:3]))
    say(reset == hit_ids, "exact-hits-reset", "%d of %d got ECONNRESET; extra %s" % (
        len(reset & hit_ids), len(hit_ids), sorted(reset - hit_ids)[:5]))
    tables = ctl(args, "show", "tables")
    est = tables.get("connections", {}).get("ESTABLISHED")
    say(est == len(live), "backstop-established", "show tables: ESTABLISHED %s, want %d (%s)" % (
        est, len(live), json.dumps(tables)[:200]))

    figure("connections_attacked", len(conns))
    figure("segments_injected", total_inj)
    figure("connections_killed", "%d (exact RCV.NXT hits: %d)" % (len(reset), len(hits)))
    figure("challenge_acks_sent", chal_total)
    figure("total_s", "%.1f" % (time.monotonic() - t0))
    w.stop.set()
    for c in conns:
        c.s.close()
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
