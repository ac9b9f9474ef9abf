#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tester ("P") side of the differential suite (see run.sh, docs/testing.md).

    tester.py list                         scenarios, their rows and groups
    tester.py config GROUP                 the DUT configuration of a group
                                           (Backstop syntax; linux_apps.py reads it too)
    tester.py run --group G --iface IF --out F.json [--ready R --go G]
                  [--only ROW] [--skip-file F] [--dut NAME]
                                           play the group's scenarios, record the
                                           replies, check them against the matrix
    tester.py compare LINUX.json DUT.json [--skip-file F]
                                           Linux (the oracle) against Backstop

Runs in the tester network namespace, which owns no address: the tester's
addresses (198.18.0.1, 2001:2::1) exist only here, so the tester's kernel
never answers the DUT (no RSTs of its own, no netfilter needed). One
AF_PACKET socket receives everything; a reader thread answers ARP and
neighbour solicitations for the tester's addresses and files every TCP
segment from the DUT under (family, tester port). Every scenario uses its
own tester ports, so scenarios (the SYN_SENT ones run concurrently) never
see each other's segments.

A scenario is a function of a Scenario object: it opens connections
(`sc.conn(port)`, or `sc.client(port)` for the DUT's active opens), sends
segments and says which replies the matrix predicts after each send.
Every reply is normalised to

    FLAGS SEQ ACK len=N win0|win+ opts=KINDS

FLAGS as tcpdump prints them (`S.`, `R`, `R.`, `P.`, `F.`, `.`); SEQ relative
to the DUT's ISN (`X`, `X+12`; `0` for a zero SEQ; `=N` absolute when the DUT's
ISN is unknown); ACK relative to the tester's ISN (`-` when the ACK flag is
off); the payload length; whether the window is zero; the TCP option kinds.
The record of a run is, for every step, the list of those strings.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

TESTER4, DUT4 = "198.18.0.1", "198.18.0.2"
TESTER6, DUT6 = "2001:2::1", "2001:2::2"
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

WAIT_NOTHING = 0.5      # a step that expects nothing listens this long
WAIT_REPLY = 1.2        # longest wait for the replies a step expects
GRACE = 0.06            # after the expected replies: extras within this long
TAIL = 0.3              # after the last step of a scenario
CLIENT_START_MS = 1500  # DUT clients connect this long after the DUT is up
SYN_WAIT = 8.0          # how long a client scenario waits for the DUT's SYN

MSS = [("MSS", 1460)]
MSS_SACK = [("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b"")]


# ---------------------------------------------------------------- frames

def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def flag_str(f):
    """tcpdump's notation: F S R P U E W, then '.' for ACK."""
    s = "".join(c for bit, c in ((0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"),
                                 (0x20, "U"), (0x40, "E"), (0x80, "W")) if f & bit)
    return s + ("." if f & 0x10 else "")


def parse_tcp(frame):
    """The fields of a TCP frame for the tester, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == 0x8100:
        etype = struct.unpack_from("!H", frame, 16)[0]
        off = 18
    if etype == 0x0800:
        ihl = (frame[off] & 0x0f) * 4
        if frame[off + 9] != 6:
            return None
        tot = struct.unpack_from("!H", frame, off + 2)[0]
        fam, src, dst = 4, frame[off + 12:off + 16], frame[off + 16:off + 20]
        l4, end = off + ihl, off + tot
        src, dst = socket.inet_ntop(socket.AF_INET, src), socket.inet_ntop(socket.AF_INET, dst)
    elif etype == 0x86DD:
        if frame[off + 6] != 6:
            return None
        plen = struct.unpack_from("!H", frame, off + 4)[0]
        fam = 6
        src = socket.inet_ntop(socket.AF_INET6, frame[off + 8:off + 24])
        dst = socket.inet_ntop(socket.AF_INET6, frame[off + 24:off + 40])
        l4, end = off + 40, off + 40 + plen
    else:
        return None
    if len(frame) < l4 + 20:
        return None
    sport, dport, seq, ack, hl, flags, win = struct.unpack_from("!HHIIBBH", frame, l4)
    flags |= (hl & 1) << 8
    hl = (hl >> 4) * 4
    opts = frame[l4 + 20:l4 + hl]
    kinds, tsval, i = [], None, 0
    while i < len(opts):
        k = opts[i]
        if k == 0:
            break
        if k == 1:
            kinds.append(1)
            i += 1
            continue
        n = opts[i + 1] if i + 1 < len(opts) else 0
        kinds.append(k)
        if k == 8 and n == 10:
            tsval = struct.unpack_from("!I", opts, i + 2)[0]
        if n < 2:
            break
        i += n
    return dict(fam=fam, src=src, dst=dst, sport=sport, dport=dport, seq=seq, ack=ack,
                flags=flags, win=win, kinds=kinds, tsval=tsval,
                paylen=max(0, end - l4 - hl), t=time.monotonic())


class IO:
    """The tester's one AF_PACKET socket, its reader thread and its queues."""

    def __init__(self, iface):
        self.iface = iface
        self.mac = iface_mac(iface)
        self.dmac = None
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((iface, ETH_P_ALL))
        self.s.settimeout(0.1)
        self.q = {}
        self.cv = threading.Condition()
        self.stop = False
        self.txlock = threading.Lock()
        self.th = threading.Thread(target=self.reader, daemon=True)
        self.th.start()

    def send(self, raw):
        with self.txlock:
            self.s.send(raw)

    def reader(self):
        while not self.stop:
            try:
                frame, addr = self.s.recvfrom(65535)
            except (socket.timeout, InterruptedError):
                continue
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            try:
                self.handle(frame)
            except Exception as e:      # a malformed frame must not stop the reader
                print("# reader: %r" % e, file=sys.stderr)

    def handle(self, frame):
        etype = struct.unpack_from("!H", frame, 12)[0]
        if etype == 0x0806 and len(frame) >= 42:
            op = struct.unpack_from("!H", frame, 20)[0]
            tpa = socket.inet_ntoa(frame[38:42])
            if op == 1 and tpa == TESTER4:
                me = mac_bytes(self.mac)
                rep = (frame[6:12] + me + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x02" +
                       me + frame[38:42] + frame[22:28] + frame[28:32])
                self.send(rep)
            return
        if etype == 0x86DD and len(frame) >= 78 and frame[20] == 58 and frame[54] == 135:
            tgt = socket.inet_ntop(socket.AF_INET6, frame[62:78])
            src = socket.inet_ntop(socket.AF_INET6, frame[22:38])
            if tgt == TESTER6 and src != "::":
                self.send(na_frame(self.mac, frame[6:12], tgt, src))
            return
        p = parse_tcp(frame)
        if p is None or p["dst"] not in (TESTER4, TESTER6):
            return
        with self.cv:
            self.q.setdefault((p["fam"], p["dport"]), []).append(p)
            self.cv.notify_all()

    def take(self, key):
        """Every queued segment for key (caller holds cv)."""
        return self.q.pop(key, [])


def na_frame(mymac, dmac, tgt, dst):
    from scapy.all import Ether, IPv6, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr
    p = (Ether(src=mymac, dst=dmac) / IPv6(src=tgt, dst=dst, hlim=255) /
         ICMPv6ND_NA(tgt=tgt, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mymac))
    return bytes(p)


# ---------------------------------------------------------------- normalising

def s32(d):
    d &= 0xffffffff
    return d - (1 << 32) if d >= 1 << 31 else d


def norm(p, X, iss):
    """One reply as the record string."""
    fl = flag_str(p["flags"])
    if p["seq"] == 0:
        seq = "0"
    elif X is None:
        seq = "=%d" % p["seq"]
    else:
        d = s32(p["seq"] - X)
        seq = ("X" if d == 0 else "X%+d" % d) if abs(d) < 1 << 24 else "=%d" % p["seq"]
    ack = "%d" % s32(p["ack"] - iss) if p["flags"] & 0x10 else "-"
    return "%s %s %s len=%d %s opts=%s" % (fl, seq, ack, p["paylen"],
                                          "win0" if p["win"] == 0 else "win+",
                                          ",".join(str(k) for k in p["kinds"]))


def matches(got, want):
    """Does a record string match an expectation such as 'R. 0 1', '. X+1 4
    len=3', 'S. X 1 opts=2'? FLAGS, SEQ and (with ACK) the ACK must match;
    len defaults to 0 ('len=*' matches any); win0/win+ and opts= only when
    given."""
    g = got.split()
    w = want.split()
    gf = dict(x.split("=", 1) for x in g[3:] if "=" in x)
    gwin = g[4]
    if g[0] != w[0] or g[1] != w[1]:
        return False
    i = 2
    if "." in w[0]:
        if len(w) < 3 or g[2] != w[2]:
            return False
        i = 3
    length = "0"
    for x in w[i:]:
        if x.startswith("len="):
            length = x[4:]
        elif x in ("win0", "win+"):
            if gwin != x:
                return False
        elif x.startswith("opts="):
            if gf["opts"] != x[5:]:
                return False
        else:
            raise ValueError("bad expectation token %r in %r" % (x, want))
    return length == "*" or gf["len"] == length


# ---------------------------------------------------------------- scenarios

class Conn:
    """One 4-tuple of a scenario. Sequence numbers given to tx() are relative:
    seq to the tester's ISN (iss), ack to the DUT's ISN (X)."""

    def __init__(self, sc, tport, dport, iss=100, ts=False):
        self.sc, self.tport, self.dport, self.iss = sc, tport, dport, iss
        self.fam = sc.fam
        self.X = None
        self.ts = ts                # send a timestamp option on every segment
        self.tsval = 1000
        self.ts_recent = 0

    def tx(self, flags, seq=0, ack=None, data=0, opts=None, win=65535,
           ack_abs=None, seq_abs=None, tsval=None):
        from scapy.all import Ether, IP, IPv6, TCP, Raw
        if isinstance(data, int):
            data = b"x" * data
        s = seq_abs if seq_abs is not None else (self.iss + seq) & 0xffffffff
        if ack_abs is not None:
            a = ack_abs
        elif ack is not None:
            a = (self.X + ack) & 0xffffffff
        else:
            a = 0
        o = list(opts if opts is not None else [])
        if self.ts and not any(x[0] == "Timestamp" for x in o):
            self.tsval += 1
            o += [("NOP", None), ("NOP", None),
                  ("Timestamp", (tsval if tsval is not None else self.tsval, self.ts_recent))]
        if self.fam == 4:
            ip = IP(src=TESTER4, dst=DUT4, ttl=64, id=0x4242)
        else:
            ip = IPv6(src=TESTER6, dst=DUT6, hlim=64)
        tcp = TCP(sport=self.tport, dport=self.dport, seq=s, ack=a, window=win, options=o)
        tcp.flags = flags.replace(".", "A")
        pkt = Ether(src=self.sc.io.mac, dst=self.sc.io.dmac) / ip / tcp
        if data:
            pkt = pkt / Raw(data)
        self.sc.io.send(bytes(pkt))
        desc = "%s seq %s%s%s" % (flags, "%d" % seq if seq_abs is None else "=%d" % seq_abs,
                                  "" if "." not in flags else
                                  (" ack X%+d" % ack if ack_abs is None else " ack =%d" % ack_abs),
                                  " len %d" % len(data) if data else "")
        if opts and any(x[0] == "SAckOK" for x in opts):
            desc += " <sackOK>"
        if self.ts:
            desc += " <TS>"
        return desc

    def rx(self, expect, wait=None, sent="(wait)"):
        """Collect this 4-tuple's replies; one step of the record."""
        io = self.sc.io
        key = (self.fam, self.tport)
        n = len(expect)
        t0 = time.monotonic()
        deadline = t0 + (wait if wait is not None else (WAIT_REPLY if n else WAIT_NOTHING))
        got, times = [], []
        with io.cv:
            while True:
                for p in io.take(key):
                    if self.dport is None:
                        self.dport = p["sport"]
                    if p["sport"] != self.dport:
                        continue
                    if self.X is None and p["flags"] & 0x02:
                        self.X = p["seq"]
                    if p["tsval"] is not None:
                        self.ts_recent = p["tsval"]
                    got.append(norm(p, self.X, self.iss))
                    times.append(round(p["t"] - self.sc.t0, 3))
                now = time.monotonic()
                if n and len(got) >= n:
                    deadline = min(deadline, now + GRACE) if len(got) == n else now
                if now >= deadline:
                    break
                io.cv.wait(deadline - now)
        self.sc.record(self, sent, expect, got, times)
        return got

    def sleep(self, s):
        time.sleep(s)

    def step(self, flags, seq=0, ack=None, expect=(), wait=None, **kw):
        sent = self.tx(flags, seq, ack, **kw)
        return self.rx(list(expect), wait, sent)

    def open(self, opts=None, synack="S. X 1 opts=2", after=(), wait=None):
        """Passive open on the DUT: SYN, SYN-ACK, ACK."""
        self.step("S", 0, opts=MSS if opts is None else opts, expect=[synack])
        self.step(".", 1, 1, expect=after, wait=wait if wait is not None else
                  (None if after else 0.25))


class Scenario:
    def __init__(self, meta, io, fam, base):
        self.meta, self.io, self.fam, self.base = meta, io, fam, base
        self.steps = []
        self.conns = []
        self.t0 = time.monotonic()

    def conn(self, dport, n=0, **kw):
        c = Conn(self, self.base + n, dport, **kw)
        c.label = "c%d" % n
        self.conns.append(c)
        return c

    def client(self, n=0):
        """The DUT's active open to tester port client_port(name, n)."""
        c = Conn(self, client_port(self.meta, n), None, iss=500)
        c.label = "c%d" % n
        self.conns.append(c)
        return c

    def sleep(self, s):
        time.sleep(s)

    def record(self, c, sent, want, got, times):
        self.steps.append(dict(conn=c.label, sent=sent, want=want, got=got, t=times))

    def tail(self):
        for c in self.conns:
            c.rx([], wait=TAIL, sent="(tail)")

    def ok(self):
        return all(len(s["got"]) == len(s["want"]) and
                   all(matches(g, w) for g, w in zip(s["got"], s["want"]))
                   for s in self.steps)


SCENARIOS = []


def scenario(name, rows, group="main", fams=(4,), kind="passive", client_app="hold",
             clients=1, note=""):
    """note: where the live kernel (the oracle) differs from the matrix text;
    the expectations follow the live kernel."""
    def deco(fn):
        SCENARIOS.append(dict(name=name, rows=rows, group=group, fams=fams, kind=kind,
                              fn=fn, client_app=client_app, clients=clients, note=note,
                              index=len(SCENARIOS)))
        return fn
    return deco


def client_port(meta, n=0):
    return 40000 + meta["index"] * 4 + n


# Listeners of every group: (name, port, app, extra keys). The same file
# configures Backstop and linux_apps.py.
CLOSED = 9
ECHO, HTTP, HOLD, BACKLOG1 = 7, 80, 5001, 5003
UNREAD, ABORT, KEEPALIVE = 5010, 5011, 5012
BANNER, BANNER_NOLINGER, HALFCLOSE, DISCARD = 5020, 5021, 5030, 5040
BANNER_LEN = 10
LISTENERS = [
    ("echo", ECHO, "echo", {}),
    ("http", HTTP, "http", {"http_status": 200, "http_body": 64, "http_keepalive": "yes"}),
    ("hold", HOLD, "hold", {}),
    # R2/R2b: the application never accepts (Linux: no accept() call; Backstop:
    # `hold` takes nothing from the accept queue during its first delay_ms)
    ("backlog1", BACKLOG1, "hold", {"backlog": 1, "delay_ms": 600000}),
    ("unread", UNREAD, "close-unread", {"delay_ms": 600}),
    ("abort", ABORT, "abort", {"delay_ms": 200}),
    ("keepalive", KEEPALIVE, "keepalive",
     {"keepalive_idle": 1, "keepalive_intvl": 1, "keepalive_probes": 3}),
    ("banner", BANNER, "banner", {"banner": "backstop\\r\\n"}),
    ("banner-linger2", BANNER_NOLINGER, "banner", {"banner": "backstop\\r\\n", "linger2": -1}),
    ("halfclose", HALFCLOSE, "half-close", {}),
    ("discard", DISCARD, "discard", {}),
]
GROUPS = {
    # sysctls (Linux names; [tcp] in Backstop) that differ from Linux defaults
    "main": {"tcp_rfc1337": 0, "tcp_abort_on_overflow": 0},
    "alt": {"tcp_rfc1337": 1, "tcp_abort_on_overflow": 1},
}
COMMON_TCP = [              # the same in every group; Linux defaults unless noted
    ("tcp_fin_timeout", 10),            # 60 by default; FIN_WAIT2 still a TW mini-socket
    ("tcp_syn_retries", 2),             # 6 by default; C3 gives up after ~3 s
    ("tcp_synack_retries", 5),
    ("tcp_invalid_ratelimit", 500),
    ("tcp_challenge_ack_limit", 2147483647),
    ("tcp_timestamps", 1),
    ("tcp_sack", 1),
    ("tcp_window_scaling", 1),
    ("tcp_syncookies", 1),
    ("tcp_keepalive_time", 7200),
    ("tcp_keepalive_intvl", 75),
    ("tcp_keepalive_probes", 9),
]


def make_config(group, scen=None):
    out = ["; differential suite (test/diff), group %s: generated by tester.py config" % group,
           "[port net_af_packet0]",
           "address = %s/24, %s/64" % (DUT4, DUT6), ""]
    out.append("[tcp]")
    for k, v in COMMON_TCP + sorted(GROUPS[group].items()):
        out.append("%s = %s" % (k, v))
    out.append("")
    for name, port, app, extra in LISTENERS:
        out += ["[listener %s]" % name, "address = any", "port = %d" % port, "app = %s" % app]
        if "backlog" not in extra:
            out.append("backlog = 128")
        out += ["%s = %s" % (k, v) for k, v in extra.items()]
        out.append("")
    for m in SCENARIOS:
        if m["group"] != group or m["kind"] != "client":
            continue
        if scen is not None and m["name"] not in scen:
            continue
        for n in range(m["clients"]):
            for fam in m["fams"]:
                out += ["[client %s-%d%s]" % (m["name"], n, "" if fam == 4 else "-v6"),
                        "address = %s" % (TESTER4 if fam == 4 else TESTER6),
                        "port = %d" % client_port(m, n),
                        "source = %s" % (DUT4 if fam == 4 else DUT6),
                        "app = %s" % m["client_app"], "count = 1",
                        "connect_timeout_ms = 20000", "start_ms = %d" % CLIENT_START_MS, ""]
    return "\n".join(out) + "\n"


# ------------------------------------------------ 6.1 no socket, 6.2 LISTEN

@scenario("closed-port", "N1 N2 X1 T1-T8", fams=(4, 6))
def _(sc):
    c = sc.conn(CLOSED)
    c.step("S", 0, expect=["R. 0 1 win0"])                      # T1
    c.step("S", 0, data=10, expect=["R. 0 11 win0"])            # T2
    c.step(".", 0, ack_abs=5555, expect=["R =5555 win0"])       # T3
    c.step("F", 0, expect=["R. 0 1"])                           # T4
    c.step("F.", 0, ack_abs=777, data=5, expect=["R =777"])     # T5
    c.step("", 0, expect=["R. 0 0"])                            # T6
    c.step("FPU", 0, expect=["R. 0 1"])                         # T7
    c.step("R", 0)                                              # T8
    c.step("R.", 0, ack_abs=5)


@scenario("listen-stray", "L1 Q13 X2 T13-T17", fams=(4, 6))
def _(sc):
    c = sc.conn(HOLD)
    c.step(".", 0, ack_abs=5555, expect=["R =5555 win0"])       # T13
    c.step("S.", 0, ack_abs=5555, expect=["R =5555"])           # T14
    for f in ("F", "FPU", "", "SF", "R"):                       # T15-T17
        c.step(f, 0, wait=0.3)
    c.step("R.", 0, ack_abs=1)


# ------------------------------------------------ 6.3 SYN_RECV (request socks)

@scenario("req-wrong-ack", "L2 T18 T19", fams=(4, 6))
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1 opts=2"])          # T18
    c.step(".", 1, 5, expect=["R X+5"])                         # T19
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])              # established


@scenario("req-syn-retransmit", "Q15 T20")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("S", 0, opts=MSS, wait=0.3)                          # rate-limited
    c.step(".", 1, 1, wait=0.3)


@scenario("req-inwindow-syn", "R1 T21")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("S", 50, opts=MSS, expect=["R. 0 51"])
    c.step(".", 1, 1, expect=["R X+1"])                         # request gone: L1


@scenario("req-rst-exact", "X6 T22")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("R", 1)
    c.step(".", 1, 1, expect=["R X+1"])


@scenario("req-rst-inexact", "X6")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("R", 10, expect=[". X+1 1"])                         # live 6.18: challenge ACK
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("req-rst-oow", "X8 T23")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("R", 1 + 300000)
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("req-ack-oow", "Q16 T24")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step(".", 1 + 300000, 1, expect=[". X+1 1"])
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


# X7, live 6.18: the RST test comes before the ACK test in tcp_check_req,
# so an RST|ACK with a wrong ACK is an RST like any other (X6): exact SEQ
# removes the request, in-window SEQ gets a challenge ACK, out of window is
# ignored. The matrix (X7, T25) says "handed to the listener, request kept".
@scenario("req-rstack-wrong-ack", "X7 X6 T25",
          note="live 6.18 contradicts X7/T25: the request is removed (matrix: kept)")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("R.", 1, 7)
    c.step(".", 1, 1, expect=["R X+1"])                         # request gone: L1


@scenario("req-rstack-wrong-ack-inexact", "X7 X6",
          note="live 6.18 contradicts X7: challenge ACK (matrix: ignored)")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("R.", 10, 7, expect=[". X+1 1"])
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("req-rstack-wrong-ack-oow", "X7 X8")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("R.", 1 + 300000, 7)
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("req-data-no-ack", "Q17")
def _(sc):
    c = sc.conn(HOLD)
    c.step("S", 0, opts=MSS, expect=["S. X 1"])
    c.step("P", 1, data=5)
    c.step(".", 1, 1, wait=0.3)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


def overflow(sc, final):
    """T26/T27: backlog 1, never accepted: A and B fill the accept queue,
    C's final ACK overflows it."""
    a, b, cc, d = (sc.conn(BACKLOG1, n) for n in range(4))
    a.open(after=[])
    b.step("S", 0, opts=MSS, expect=["S. X 1"])
    cc.step("S", 0, opts=MSS, expect=["S. X 1"])
    b.step(".", 1, 1, wait=0.3)
    cc.step(".", 1, 1, expect=final, wait=None if final else 0.3)
    return a, b, cc, d


@scenario("accept-overflow-drop", "R2b Q18 Q14 T27")
def _(sc):
    a, b, c, d = overflow(sc, [])
    d.step("S", 0, opts=MSS, wait=0.3)                          # Q14: queue full, SYN dropped
    c.rx(["S. X 1"], wait=1.5)                                  # SYN-ACK retransmitted (~1 s)


@scenario("accept-overflow-rst", "R2 T26", group="alt")
def _(sc):
    overflow(sc, ["R X+1"])


# ------------------------------------------------ 6.4 SYN_SENT (DUT clients)

CLIENT_SYN_OPTS = "2,4,8,1,3"
CLIENT_SYN = "S X opts=" + CLIENT_SYN_OPTS


@scenario("synsent-synack-bad-ack", "C1 T29", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S.", 0, 10, opts=MSS, expect=["R X+10", "S X"])    # fast SYN retry


@scenario("synsent-synack-ack-iss", "C1 T30", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S.", 0, 0, opts=MSS, expect=["R X", "S X"])


@scenario("synsent-ack-bad", "C1", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step(".", 0, 10, expect=["R X+10", "S X"])


@scenario("synsent-paws", "C2", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S.", 0, 1, opts=[("MSS", 1460), ("NOP", None), ("NOP", None),
                             ("Timestamp", (7777, (c.ts_recent + 100000000) & 0xffffffff))],
           expect=["R X+1"])


@scenario("synsent-rst-ok", "X4 T31", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("R.", 0, 1, wait=0.7)                                # refused: no retransmission


@scenario("synsent-rst-bad-ack", "X5 T32", kind="client", fams=(4, 6),
          note="T32 says nothing; the SYN is retransmitted at once (TCP_TIMEOUT_MIN, row X5)")
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("R.", 0, 50, expect=["S X"])                         # fast SYN retry


@scenario("synsent-rst-no-ack", "X3 T33", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("R", 0, wait=0.6)


@scenario("synsent-ack-no-syn", "Q20 T35", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step(".", 0, 1, wait=0.6)


@scenario("synsent-simultaneous-open", "Q21 R4 T34", kind="client", fams=(4, 6),
          note="the SYN-ACK repeats the DUT's SYN options (SACK, TS, WS) the tester never offered")
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S", 0, opts=MSS, expect=["S. X 1 opts=%s" % CLIENT_SYN_OPTS])   # SYN_RECV
    c.step(".", 1, 100, expect=["R X+100"])                     # R4: ACK of unsent data
    c.step(".", 1, 1, wait=0.3)                                 # still SYN_RECV: completes
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("synsent-simultaneous-old-ack", "R5", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S", 0, opts=MSS, expect=["S. X 1 opts=%s" % CLIENT_SYN_OPTS])
    c.step(".", 1, -1000, expect=["R X-1000"])


@scenario("synsent-connect-ok", "-", kind="client", fams=(4, 6))
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S.", 0, 1, opts=MSS, expect=[". X+1 1"])
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("synsent-no-answer", "C3 T36", kind="client", fams=(4, 6),
          note="live 6.18: 5 linear retransmissions with tcp_syn_retries=2 (time-based give-up)")
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    # tcp_syn_retries=2: two retransmissions, then connect() fails, no RST
    # live 6.18: with tcp_syn_linear_timeouts=4 the retries come every second
    # until the time tcp_syn_retries=2 allows (1+2+4 s) has passed: 5 of them
    c.rx(["S X"] * 5, wait=7.6, sent="(silent)")
    c.rx([], wait=0.8, sent="(silent)")


@scenario("timewait-syn-no-listener", "Q32", kind="client", client_app="banner")
def _(sc):
    c = sc.client()
    c.rx([CLIENT_SYN], wait=SYN_WAIT, sent="(DUT connects)")
    c.step("S.", 0, 1, opts=MSS,
           expect=[". X+1 1", "P. X+1 1 len=%d" % BANNER_LEN, "F. X+%d 1" % (1 + BANNER_LEN)])
    c.step("F.", 1, 2 + BANNER_LEN, expect=[". X+%d 2" % (2 + BANNER_LEN)])   # TIME_WAIT
    c.sleep(0.6)
    c.step("S", 100000, opts=MSS, expect=[". X+%d 2" % (2 + BANNER_LEN)])


# ------------------------------------------------ 6.5 ESTABLISHED

@scenario("est-rst-exact", "X10 T37", fams=(4, 6))
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("R", 1)
    c.step(".", 1, 1, expect=["R X+1"])                         # gone: no socket (L1)


@scenario("est-rstack-bogus-ack", "X10 T38")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("R.", 1, ack_abs=12345)
    c.step(".", 1, 1, expect=["R X+1"])


@scenario("est-rst-inwindow", "X14 T39", fams=(4, 6))
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("R", 11, expect=[". X+1 1"])
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("est-challenge-ratelimit", "X14 T40 4.2")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("R", 11, expect=[". X+1 1"], wait=0.1)
    c.step("R", 11, wait=0.2)                                   # < 500 ms: no second ACK
    c.sleep(0.5)
    c.step("R", 11, expect=[". X+1 1"])                         # > 500 ms: ACK again


@scenario("est-rst-oow", "X15 T41")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("R", 1 + 300000)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("est-rst-rcvnxt-1", "X13 T42")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("R", 0)
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("est-syn-inwindow", "Q24 T43")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("S", 1, opts=MSS, expect=[". X+1 1"])
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("est-syn-oow", "Q24 T44")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("S", 900000, opts=MSS, expect=[". X+1 1"])
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("est-ack-unsent-data", "Q25 T45",
          note="matrix T45 says nothing; row Q25 (live 6.18) says an ACK: the kernel sends the ACK")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("P.", 1, 1000, data=10, expect=[". X+1 1"])          # Q25 (live 6.18): ACK, data dropped
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])              # the 10 bytes were not taken


@scenario("est-ack-too-old", "Q27 T46")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step(".", 1, -100000, expect=[". X+1 1"])
    c.step("P.", 1, 1, data=3, expect=[". X+1 4"])


@scenario("est-data-oow", "Q22 T47")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step("P.", 1 + 300000, 1, data=10, expect=[". X+1 1"])
    c.step("P.", 1 + 300000, 1, data=10, expect=[". X+1 1"])   # data: not rate-limited


@scenario("est-ack-oow-ratelimit", "Q22")
def _(sc):
    c = sc.conn(HOLD)
    c.open()
    c.step(".", 1 + 300000, 1, expect=[". X+1 1"], wait=0.1)
    c.step(".", 1 + 300000, 1, wait=0.2)                        # pure ACK: rate-limited


@scenario("est-rst-sack-edge", "X11")
def _(sc):
    c = sc.conn(HOLD)
    c.open(opts=MSS_SACK, synack="S. X 1 opts=2,1,1,4")
    c.step("P.", 11, 1, data=10, expect=[". X+1 1 opts=1,1,5"])  # hole: SACK 11-21
    c.step("R", 21)                                             # right-most SACK edge: accepted
    c.step(".", 1, 1, expect=["R X+1"])


@scenario("est-paws", "Q23")
def _(sc):
    c = sc.conn(HOLD, ts=True)
    c.open(opts=MSS, synack="S. X 1 opts=2,1,1,8")
    c.step("P.", 1, 1, data=3, expect=[". X+1 4 opts=1,1,8"])
    c.step("P.", 4, 1, data=3, tsval=5, expect=[". X+1 4 opts=1,1,8"])   # old TSval: dupack
    c.step("P.", 4, 1, data=3, expect=[". X+1 7 opts=1,1,8"])


@scenario("est-close-unread", "A1 T48", fams=(4, 6))
def _(sc):
    c = sc.conn(UNREAD)
    c.open()
    c.step("P.", 1, 1, data=10, expect=[". X+1 11", "R. X+1 11 win+"])   # RST after delay_ms


@scenario("est-close-unread-ts", "A1 T49 5.2")
def _(sc):
    c = sc.conn(UNREAD, ts=True)
    c.open(opts=MSS, synack="S. X 1 opts=2,1,1,8")
    c.step("P.", 1, 1, data=10, expect=[". X+1 11 opts=1,1,8", "R. X+1 11 win+ opts=1,1,8"])


@scenario("est-abort-linger0", "A2 T50", fams=(4, 6))
def _(sc):
    c = sc.conn(ABORT)
    c.open(after=["R. X+1 1 win+"], wait=WAIT_REPLY)


@scenario("est-keepalive-exhausted", "A6 T53")
def _(sc):
    c = sc.conn(KEEPALIVE)
    c.open()
    c.rx([". X 1", ". X 1", ". X 1", "R. X+1 1"], wait=5.5, sent="(silent: probes unanswered)")


# ------------------------------------------------ 6.6 closing states, TIME_WAIT

BANNER_AFTER = ["P. X+1 1 len=%d" % BANNER_LEN, "F. X+%d 1" % (1 + BANNER_LEN)]
FIN_ACKED = 2 + BANNER_LEN      # SND.NXT after the banner and the FIN


def banner(sc, port=BANNER):
    c = sc.conn(port)
    c.open(after=BANNER_AFTER)
    return c


def timewait(sc):
    """Banner connection in TIME_WAIT on the DUT (RCV.NXT = 2)."""
    c = banner(sc)
    c.step(".", 1, FIN_ACKED, wait=0.2)
    c.step("F.", 1, FIN_ACKED, expect=[". X+%d 2" % FIN_ACKED])
    return c


@scenario("finwait1-data", "D1 T55")
def _(sc):
    c = banner(sc)
    c.step("P.", 1, 1 + BANNER_LEN, data=10, expect=["R X+%d" % (1 + BANNER_LEN)])


@scenario("finwait1-ack-fin-with-data", "D4")
def _(sc):
    c = banner(sc)
    c.step("P.", 1, FIN_ACKED, data=10, expect=["R X+%d" % FIN_ACKED])


@scenario("finwait1-ack-unsent", "Q26")
def _(sc):
    c = banner(sc)
    c.step(".", 1, 1000, expect=[". X+%d 1" % FIN_ACKED])      # challenge ACK
    c.step(".", 1, FIN_ACKED, wait=0.3)


@scenario("finwait1-linger2-negative", "D3 T72")
def _(sc):
    c = banner(sc, BANNER_NOLINGER)
    c.step(".", 1, FIN_ACKED, expect=["R X+%d" % FIN_ACKED])


@scenario("finwait2-tw-data", "D5 T57 N1")
def _(sc):
    c = banner(sc)
    c.step(".", 1, FIN_ACKED, wait=0.3)
    c.step("P.", 1, FIN_ACKED, data=10, expect=["R X+%d" % FIN_ACKED])
    c.step(".", 11, FIN_ACKED, expect=["R X+%d" % FIN_ACKED])  # TW gone: no socket


@scenario("finwait2-tw-syn", "D6")
def _(sc):
    c = banner(sc)
    c.step(".", 1, FIN_ACKED, wait=0.3)
    c.step("S", 5, opts=MSS, expect=["R. 0 6"])
    c.step(".", 1, FIN_ACKED, expect=["R X+%d" % FIN_ACKED])


@scenario("finwait2-tw-rst", "X18 T59")
def _(sc):
    c = banner(sc)
    c.step(".", 1, FIN_ACKED, wait=0.3)
    c.step("R", 1)
    c.step(".", 1, FIN_ACKED, expect=["R X+%d" % FIN_ACKED])


@scenario("finwait2-tw-rst-oow", "X19 T60")
def _(sc):
    c = banner(sc)
    c.step(".", 1, FIN_ACKED, wait=0.3)
    c.step("R", 1 + 300000, expect=[". X+%d 1" % FIN_ACKED])


@scenario("timewait-fin-retransmit", "Q31 T58 T66",
          note="live 6.18: a FIN counts as data for tcp_oow_rate_limited: every duplicate "
               "FIN is ACKed; only pure ACKs/SYNs are rate-limited (Q31 says rate-limited)")
def _(sc):
    c = timewait(sc)
    c.sleep(0.6)
    c.step("F.", 1, FIN_ACKED, expect=[". X+%d 2" % FIN_ACKED])
    c.step("F.", 1, FIN_ACKED, expect=[". X+%d 2" % FIN_ACKED])   # not rate-limited
    c.step(".", 5000, FIN_ACKED, expect=[". X+%d 2" % FIN_ACKED], wait=0.2)
    c.step(".", 5000, FIN_ACKED, wait=0.3)                      # pure ACK: rate-limited


@scenario("timewait-rst-exact", "X16 T61")
def _(sc):
    c = timewait(sc)
    c.step("R", 2)
    c.step("P.", 2, FIN_ACKED, data=1, expect=["R X+%d" % FIN_ACKED])


@scenario("timewait-rst-exact-rfc1337", "X16 T62", group="alt")
def _(sc):
    c = timewait(sc)
    c.step("R", 2)
    c.sleep(0.6)
    c.step("P.", 2, FIN_ACKED, data=1, expect=[". X+%d 2" % FIN_ACKED])


@scenario("timewait-rst-other", "X17 T63")
def _(sc):
    c = timewait(sc)
    c.step("R", 5000)
    c.sleep(0.6)
    c.step("P.", 2, FIN_ACKED, data=1, expect=[". X+%d 2" % FIN_ACKED])


@scenario("timewait-old-syn", "Q31 T64")
def _(sc):
    c = timewait(sc)
    c.sleep(0.6)
    c.step("S", -50, opts=MSS, expect=[". X+%d 2" % FIN_ACKED])


@scenario("timewait-new-syn-reopen", "4.4 T65")
def _(sc):
    c = timewait(sc)
    c.step("S", 100000, opts=MSS, expect=["S. X+%d 100001" % (FIN_ACKED + 65537)])
    c.step("R", 100001)


@scenario("timewait-bare-ack", "Q33")
def _(sc):
    c = timewait(sc)
    c.sleep(0.6)
    c.step(".", 2, FIN_ACKED)


def closewait(sc):
    """Hold connection in CLOSE_WAIT on the DUT: our FIN ACKed (RCV.NXT = 2)."""
    c = sc.conn(HOLD)
    c.open()
    c.step("F.", 1, 1, expect=[". X+1 2"])
    return c


@scenario("closewait-rst-rcvnxt-1", "X12 T67")
def _(sc):
    c = closewait(sc)
    c.step("R", 1)
    c.step(".", 2, 1, expect=["R X+1"])


@scenario("closewait-rst-exact", "X10 T68")
def _(sc):
    c = closewait(sc)
    c.step("R", 2)
    c.step(".", 2, 1, expect=["R X+1"])


@scenario("closewait-data-past-fin", "D2")
def _(sc):
    c = closewait(sc)
    c.step("P.", 1, 1, data=5, expect=["R X+1"])


@scenario("closewait-data-after-fin", "Q30")
def _(sc):
    c = closewait(sc)
    c.step("P.", 2, 1, data=5)


@scenario("closewait-close-unread", "A1 T70")
def _(sc):
    c = sc.conn(UNREAD)
    c.open()
    c.step("P.", 1, 1, data=5, expect=[". X+1 6"])
    c.step("F.", 6, 1, expect=[". X+1 7", "R. X+1 7 win+"])


@scenario("lastack-rst-rcvnxt-1", "X12 T69")
def _(sc):
    c = sc.conn(ECHO)
    c.open()
    c.step("F.", 1, 1, expect=["F. X+1 2"])                     # EOF: echo closes (LAST_ACK)
    c.step("R", 1)
    c.step(".", 2, 2, expect=["R X+2"])


@scenario("finwait2-halfclose-data", "Q29 T56")
def _(sc):
    c = sc.conn(HALFCLOSE)
    c.open()
    c.step("P.", 1, 1, data=b"hi\n", expect=[". X+1 4", "F. X+1 4"])
    c.step(".", 4, 2, wait=0.3)                                 # FIN_WAIT2, fd open
    c.step("P.", 4, 2, data=10, expect=[". X+2 14"])


# ------------------------------------------------ applications

@scenario("app-echo", "app")
def _(sc):
    c = sc.conn(ECHO)
    c.open()
    c.step("P.", 1, 1, data=b"hello\n", expect=[". X+1 7", "P. X+1 7 len=6"])
    c.step(".", 7, 7, wait=0.3)
    c.step("F.", 7, 7, expect=["F. X+7 8"])
    c.step(".", 8, 8, wait=0.3)


HTTP_REQ = b"GET / HTTP/1.1\r\nHost: backstop\r\n\r\n"
HTTP_RESP_LEN = len(b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\nConnection: keep-alive\r\n\r\n") + 64


@scenario("app-http-keepalive", "app")
def _(sc):
    n, r = len(HTTP_REQ), HTTP_RESP_LEN
    c = sc.conn(HTTP)
    c.open()
    c.step("P.", 1, 1, data=HTTP_REQ, expect=[". X+1 %d" % (1 + n), "P. X+1 %d len=%d" % (1 + n, r)])
    c.step(".", 1 + n, 1 + r, wait=0.3)
    c.step("P.", 1 + n, 1 + r, data=HTTP_REQ,
           expect=["P. X+%d %d len=%d" % (1 + r, 1 + 2 * n, r)])
    c.step("F.", 1 + 2 * n, 1 + 2 * r, expect=["F. X+%d %d" % (1 + 2 * r, 2 + 2 * n)])
    c.step(".", 2 + 2 * n, 2 + 2 * r, wait=0.3)


@scenario("app-discard", "app")
def _(sc):
    c = sc.conn(DISCARD)
    c.open()
    c.step("P.", 1, 1, data=100, expect=[". X+1 101"])
    c.step("F.", 101, 1, expect=["F. X+1 102"])
    c.step(".", 102, 2, wait=0.3)


# ---------------------------------------------------------------- running

def expand(only=None, group=None, names=None):
    """(meta, fam, name) for each selected scenario instance."""
    out = []
    for m in SCENARIOS:
        if group is not None and m["group"] != group:
            continue
        for fam in m["fams"]:
            name = "%s/v%d" % (m["name"], fam)
            if only and not any(o in m["rows"].split() or o in (m["name"], name, m["kind"])
                                for o in only.split(",")):
                continue
            if names is not None and name not in names:
                continue
            out.append((m, fam, name))
    return out


def read_skip(path):
    if not path or not os.path.exists(path):
        return set()
    out = set()
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.add(line)
    return out


def skipped(name, skip):
    return name in skip or name.split("/")[0] in skip


def run_one(io, m, fam, name, res):
    sc = Scenario(m, io, fam, 20000 + 100 * m["index"] + (50 if fam == 6 else 0))
    err = None
    try:
        m["fn"](sc)
        sc.tail()
    except Exception as e:          # a scenario bug is a failure, not a crash
        import traceback
        err = "".join(traceback.format_exception_only(type(e), e)).strip()
        traceback.print_exc()
    res[name] = dict(rows=m["rows"], steps=sc.steps, matrix_ok=sc.ok() and err is None,
                     error=err)


def show(name, r, verbose):
    print("%-4s %-38s [%s]" % ("ok" if r["matrix_ok"] else "FAIL", name, r["rows"]), flush=True)
    if r["matrix_ok"] and not verbose:
        return
    if r.get("error"):
        print("     error: %s" % r["error"])
    for s in r["steps"]:
        bad = not (len(s["got"]) == len(s["want"]) and
                   all(matches(g, w) for g, w in zip(s["got"], s["want"])))
        print("     %s %s %-34s want: %-28s got: %s %s" % (
            "!" if bad else " ", s["conn"], s["sent"], "; ".join(s["want"]) or "nothing",
            "; ".join(s["got"]) or "nothing", s.get("t") or ""))


def warm_up():
    """scapy's first build takes most of a second: not while a DUT waits."""
    from scapy.all import Ether, IP, IPv6, TCP, Raw
    for ip in (IP(), IPv6()):
        bytes(Ether() / ip / TCP(options=MSS_SACK + [("Timestamp", (1, 2))]) / Raw(b"x"))
    na_frame("02:00:00:00:00:01", b"\x02" * 6, TESTER6, DUT6)


def cmd_run(a):
    warm_up()
    io = IO(a.iface)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    if a.go:                            # the DUT MAC, once the DUT is up
        end = time.monotonic() + 120
        while not (os.path.exists(a.go) and os.path.getsize(a.go) > 0):
            if time.monotonic() > end:
                print("FAIL tester: no DUT within 120 s", flush=True)
                return 1
            time.sleep(0.05)
        with open(a.go) as f:
            io.dmac = f.read().strip()
    else:
        io.dmac = a.dmac
    skip = read_skip(a.skip_file)
    todo = [(m, fam, n) for m, fam, n in expand(a.only, a.group) if not skipped(n, skip)]
    res = {}
    # the DUT's active opens all start at CLIENT_START_MS: run them together
    threads = [threading.Thread(target=run_one, args=(io, m, fam, n, res))
               for m, fam, n in todo if m["kind"] == "client"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for m, fam, n in todo:
        if m["kind"] != "client":
            run_one(io, m, fam, n, res)
    for m, fam, n in todo:
        show("%s %s" % (a.dut, n) if a.dut else n, res[n], a.verbose)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    io.stop = True
    return 0


def cmd_compare(a):
    with open(a.linux) as f:
        lx = json.load(f)
    with open(a.dut) as f:
        bs = json.load(f)
    skip = read_skip(a.skip_file)
    npass = nfail = 0
    skipped_names = []
    for m, fam, name in expand(a.only):
        if skipped(name, skip):
            skipped_names.append(name)
            continue
        k, b = lx.get(name), bs.get(name)
        if k is None or b is None:
            print("FAIL %-38s [%s] missing from the %s run" % (
                name, m["rows"], "Linux" if k is None else "Backstop"))
            nfail += 1
            continue
        kr = [(s["conn"], s["sent"], s["got"]) for s in k["steps"]]
        br = [(s["conn"], s["sent"], s["got"]) for s in b["steps"]]
        same = kr == br and not b.get("error")
        print("%-4s %-38s [%s]%s" % ("ok" if same else "FAIL", name, m["rows"],
                                     "" if k["matrix_ok"] else
                                     "  (note: Linux differs from the matrix here)"), flush=True)
        if same:
            npass += 1
            continue
        nfail += 1
        for i in range(max(len(kr), len(br))):
            ks = kr[i] if i < len(kr) else ("-", "-", ["(no step)"])
            bs_ = br[i] if i < len(br) else ("-", "-", ["(no step)"])
            print("     %s %s %-34s linux: %-30s backstop: %s" % (
                " " if ks == bs_ else "!", ks[0], ks[1], "; ".join(ks[2]) or "nothing",
                "; ".join(bs_[2]) or "nothing"))
    print("skipped %d (not yet supported by Backstop, %s): %s" % (
        len(skipped_names), a.skip_file, " ".join(skipped_names) or "none"))
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 else 1


def cmd_summary(a):
    """Matrix check of one run: counts, skipped names, the last line."""
    with open(a.res) as f:
        res = json.load(f) if os.path.getsize(a.res) else {}
    skip = read_skip(a.skip_file)
    npass = nfail = 0
    sk = []
    for m, fam, name in expand(a.only):
        if skipped(name, skip):
            sk.append(name)
        elif name in res and res[name]["matrix_ok"]:
            npass += 1
        else:
            nfail += 1
            if name not in res:
                print("FAIL %-38s [%s] not run (tester or DUT failed)" % (name, m["rows"]))
    if a.skip_file:
        print("skipped %d (not yet supported by Backstop, %s): %s" % (
            len(sk), a.skip_file, " ".join(sk) or "none"))
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    p = sub.add_parser("config")
    p.add_argument("group")
    p.add_argument("--only")
    p = sub.add_parser("groups")
    p.add_argument("--only")
    p.add_argument("--skip-file")
    p = sub.add_parser("run")
    p.add_argument("--group", required=True)
    p.add_argument("--iface", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--dmac")
    p.add_argument("--ready")
    p.add_argument("--go")
    p.add_argument("--only")
    p.add_argument("--skip-file")
    p.add_argument("--dut", default="")
    p.add_argument("-v", "--verbose", action="store_true")
    p = sub.add_parser("compare")
    p.add_argument("linux")
    p.add_argument("dut")
    p.add_argument("--only")
    p.add_argument("--skip-file")
    p = sub.add_parser("summary")
    p.add_argument("res")
    p.add_argument("--only")
    p.add_argument("--skip-file")
    a = ap.parse_args()
    if a.cmd == "list":
        for m, fam, name in expand():
            print("%-40s %-6s %-8s %s%s" % (name, m["group"], m["kind"], m["rows"],
                                            "  (%s)" % m["note"] if m["note"] else ""))
        return 0
    if a.cmd == "config":
        sys.stdout.write(make_config(a.group))
        return 0
    if a.cmd == "groups":           # groups with something to run
        skip = read_skip(a.skip_file)
        gs = []
        for m, fam, name in expand(a.only):
            if not skipped(name, skip) and m["group"] not in gs:
                gs.append(m["group"])
        print(" ".join(gs))
        return 0
    if a.cmd == "run":
        return cmd_run(a)
    if a.cmd == "compare":
        return cmd_compare(a)
    return cmd_summary(a)


if __name__ == "__main__":
    sys.exit(main())
