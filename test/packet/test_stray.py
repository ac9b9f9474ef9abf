#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Backstop packet suite: crafted frames through the real worker path.

    test_stray.py BACKSTOP [WORKDIR]

Every case is a frame (or a few) written to a pcap file that backstop reads
through DPDK's net_pcap driver (rx_pcap=); what backstop transmits lands in
another pcap file (tx_pcap=). Each expected reply is computed here,
independently, from the Linux formula (tcp_v4_send_reset/tcp_v6_send_reset,
the RST-REPLY of shared/spec/linux-rst-matrix.md section 5.1; arp_process;
icmp_echo; icmpv6_echo_reply; ndisc_recv_ns; ip_options_compile and
__ip_options_echo for IPv4 options) with scapy, and compared with what came
out byte for byte (fields Linux does not fix, such as an ICMP reply's IP ID,
an automatic flow label or an RFC 791 timestamp, are masked and checked on
their own). Every case that must not be answered is checked
for silence, and the drop reasons backstop counts (stats.json "drops") must
equal the sum of the reasons the cases expect, key by key.

Replies are matched to their case by (peer address, peer port or ICMP id),
never by order: every case has its own source address and source port.

Backstop runs several times (different ipv6.* settings); each run is one
process, bounded by `timeout 60` and killed by PID on any failure.

Prints one line per failing case, then exactly one line "N passed, M failed",
and exits 1 if anything failed. Cases marked as expected failures (a known
bug, reported, with the reason in the case) print an XFAIL line and count as
passed while they fail; if one starts passing it is reported as a failure so
that the mark gets removed.

Environment:
    BACKSTOP_PKT_SEED=N   reuse the random seed a previous run printed
    BACKSTOP_PKT_VERBOSE=1  also print passing cases
"""

import collections
import functools
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from pktrun import dpdk_runtime_dir

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import (  # noqa: E402
        ARP, Dot1Q, Ether, ICMP, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
        ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IP, IPOption_EOL,
        IPOption_NOP, IPOption_Router_Alert, IPv6, IPv6ExtHdrDestOpt,
        IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCP, UDP,
    )
except ImportError as e:
    if __name__ == "__main__":
        print("packet suite skipped: %s needs scapy (%s)" % (sys.executable, e))
        sys.exit(77)        # meson: skipped
    raise

# ---------------------------------------------------------------------------
# Topology (the test config below): one net_pcap port with four addresses.

LOCAL4 = "198.18.0.2"           # untagged, 198.18.0.0/24
LOCAL6 = "2001:2::2"            # untagged, 2001:2::/64
LOCAL4_V100 = "198.18.1.2"      # VLAN 100, 198.18.1.0/24
LOCAL6_V100 = "2001:2:1::2"     # VLAN 100, 2001:2:1::/64
DEFAULT_PORT_MAC = "02:70:63:61:70:00"  # net_pcap0 on DPDK 22.11

CONFIG = """\
; backstop packet suite (test/packet/test_stray.py)
[backstop]
announce = no
burst = 32

[port net_pcap0]
address = 198.18.0.2/24, 2001:2::2/64, 198.18.1.2/24 vlan 100, 2001:2:1::2/64 vlan 100
rx_desc = 512
tx_desc = 512
"""

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
ECN_MASK = 0x03
BCAST_MAC = "ff:ff:ff:ff:ff:ff"

RUN_TIMEOUT_S = 60
RUN_DURATION_S = 3

# Counters compared exactly (besides every key of "drops" and "resets").
TRACKED_COUNTERS = ("RxFrames", "TxFrames", "TcpOutRsts", "TcpInCsumErrors",
                    "ArpOutReplies", "IcmpOutEchoReps", "Icmp6OutEchoReplies",
                    "Icmp6OutNeighborAdvertisements")


def norm_ip(a):
    """Canonical text form of an IPv4 or IPv6 address."""
    if ":" in a:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, a))
    return socket.inet_ntoa(socket.inet_aton(a))


def solicited_node(a):
    """ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX for address a."""
    b = socket.inet_pton(socket.AF_INET6, a)
    grp = socket.inet_ntop(socket.AF_INET6, bytes.fromhex("ff0200000000000000000001ff") + b[13:])
    mac = "33:33:ff:%02x:%02x:%02x" % (b[13], b[14], b[15])
    return grp, mac


def sub(frame, off, data):
    """frame with data written at off."""
    return frame[:off] + bytes(data) + frame[off + len(data):]


def xor(frame, off, val):
    return sub(frame, off, [frame[off] ^ val])


def ip_csum(hdr):
    """RFC 1071 checksum of an IPv4 header whose checksum field is 0."""
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def set_ip4_opts(frame, l3, opts):
    """frame, whose IPv4 header at l3 has no options, with opts after that
    header: IHL, total length and header checksum redone (the TCP and ICMP
    checksums do not cover IP options)."""
    assert len(opts) % 4 == 0 and frame[l3] == 0x45
    h = bytearray(frame[l3:l3 + 20])
    h[0] = 0x40 | (5 + len(opts) // 4)
    h[2:4] = struct.pack("!H", struct.unpack("!H", h[2:4])[0] + len(opts))
    h[10:12] = b"\0\0"
    h = bytes(h) + bytes(opts)
    return frame[:l3] + h[:10] + struct.pack("!H", ip_csum(h)) + h[12:] + frame[l3 + 20:]


def ms_since_midnight(t):
    return int(t * 1000) % 86400000


# ---------------------------------------------------------------------------
# pcap files (written and read here: truncated frames must stay truncated)

def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i // 1000, i % 1000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: %d bytes, not a pcap file" % (path, len(data)))
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: bad pcap magic %s" % (path, magic.hex()))
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        if incl != orig:
            raise ValueError("%s: frame %d captured %d of %d bytes" % (path, len(frames), incl, orig))
        off += incl
    return frames


# ---------------------------------------------------------------------------
# Reply keys: what a reply is matched to its case by.

def out_key(b):
    """The key of a frame backstop sent: (kind, peer address, peer port/id)."""
    try:
        l3, et = 14, b[12:14]
        if et == b"\x81\x00":
            l3, et = 18, b[16:18]
        if et == b"\x08\x06":
            return ("arp", socket.inet_ntoa(b[l3 + 24:l3 + 28]), b[l3 + 18:l3 + 24].hex())
        if et == b"\x08\x00":
            l4 = l3 + (b[l3] & 15) * 4
            dst = socket.inet_ntoa(b[l3 + 16:l3 + 20])
            if b[l3 + 9] == 6:
                return ("tcp", dst, struct.unpack("!H", b[l4 + 2:l4 + 4])[0])
            if b[l3 + 9] == 1:
                return ("icmp4", dst, struct.unpack("!H", b[l4 + 4:l4 + 6])[0])
        if et == b"\x86\xdd":
            l4 = l3 + 40
            dst = socket.inet_ntop(socket.AF_INET6, b[l3 + 24:l3 + 40])
            if b[l3 + 6] == 6:
                return ("tcp", dst, struct.unpack("!H", b[l4 + 2:l4 + 4])[0])
            if b[l3 + 6] == 58 and b[l4] == 129:
                return ("icmp6", dst, struct.unpack("!H", b[l4 + 4:l4 + 6])[0])
            if b[l3 + 6] == 58 and b[l4] == 136:
                return ("na", dst, socket.inet_ntop(socket.AF_INET6, b[l4 + 8:l4 + 24]))
    except (IndexError, struct.error, OSError):
        pass
    return ("?", b[:80].hex())


def label_mask(l2len):
    """Mask of the 20 flow label bits of an IPv6 header at l2len."""
    return {l2len + 1: 0x0f, l2len + 2: 0xff, l2len + 3: 0xff}


def flow_label(b):
    l3 = 18 if b[12:14] == b"\x81\x00" else 14
    return struct.unpack("!I", b[l3:l3 + 4])[0] & 0xfffff


def masked_equal(got, exp, mask):
    if len(got) != len(exp):
        return False
    if not mask:
        return got == exp
    for i, (g, e) in enumerate(zip(got, exp)):
        m = ~mask.get(i, 0) & 0xff
        if g & m != e & m:
            return False
    return True


def short(v):
    r = repr(v)
    return r if len(r) <= 48 else r[:45] + "..."


def field_diff(vg, ve):
    if isinstance(vg, bytes) and isinstance(ve, bytes):
        i = next((i for i in range(min(len(vg), len(ve))) if vg[i] != ve[i]), min(len(vg), len(ve)))
        return "%d bytes differ from byte %d of %d/%d" % (
            sum(1 for a, c in zip(vg, ve) if a != c) + abs(len(vg) - len(ve)), i, len(vg), len(ve))
    return "%s, expected %s" % (short(vg), short(ve))


def describe_diff(got, exp, mask):
    """What differs between two frames, field by field."""
    msgs = []
    if len(got) != len(exp):
        msgs.append("length %d, expected %d" % (len(got), len(exp)))
    g, e = Ether(got), Ether(exp)
    while g is not None and e is not None and g.name != "NoPayload" and e.name != "NoPayload":
        if type(g) is not type(e):
            msgs.append("layer %s, expected %s" % (g.name, e.name))
            break
        for f in e.fields_desc:
            vg, ve = g.getfieldval(f.name), e.getfieldval(f.name)
            if vg != ve and not (mask and f.name == "fl" and e.name == "IPv6"):
                msgs.append("%s.%s=%s" % (e.name, f.name, field_diff(vg, ve)))
        g, e = g.payload, e.payload
    if not msgs:
        first = next((i for i in range(min(len(got), len(exp))) if got[i] != exp[i]), None)
        msgs.append("bytes differ from offset %s" % first)
    return "; ".join(msgs[:8])


def checksum_errors(b):
    """Recompute every checksum of a reply from scratch with scapy."""
    errs = []
    for cls, fld in ((IP, "chksum"), (TCP, "chksum"), (ICMP, "chksum"),
                     (ICMPv6EchoReply, "cksum"), (ICMPv6ND_NA, "cksum")):
        p = Ether(b)
        if cls not in p:
            continue
        got = getattr(p[cls], fld)
        delattr(p[cls], fld)
        want = getattr(Ether(bytes(p))[cls], fld)
        if got != want:
            errs.append("%s checksum 0x%04x, recomputed 0x%04x" % (cls.__name__, got, want))
    return errs


# ---------------------------------------------------------------------------
# Cases

class Exp:
    """One frame of a case: what goes in, what must come out."""

    def __init__(self, frame, kind, key=None, reply=None, mask=None, drop=None,
                 label=None, stamps=()):
        self.frame = frame
        self.kind = kind        # rst arp echo4 echo6 na | drop
        self.key = key          # key of the reply (or of the reply that must not come)
        self.reply = reply      # expected reply bytes, None if none
        self.mask = mask        # {offset: bits not compared}
        self.drop = drop        # drop reason when kind == "drop"
        self.label = label      # (group, request flow label): flow label observation
        self.stamps = stamps    # offsets of RFC 791 timestamps in the reply (masked)


def acct_of(kind):
    """Counters one frame adds, by what backstop does with it: "rst",
    "arp", "echo4", "echo6", "na", or "drop:REASON"."""
    c = collections.Counter({"counters.RxFrames": 1})
    if kind.startswith("drop:"):
        reason = kind[5:]
        c["drops." + reason] += 1
        if reason == "TCP_CSUM":
            c["counters.TcpInCsumErrors"] += 1
        return c
    c["counters.TxFrames"] += 1
    c[{"rst": "counters.TcpOutRsts", "arp": "counters.ArpOutReplies",
       "echo4": "counters.IcmpOutEchoReps", "echo6": "counters.Icmp6OutEchoReplies",
       "na": "counters.Icmp6OutNeighborAdvertisements"}[kind]] += 1
    if kind == "rst":
        c["resets.NO_SOCKET"] += 1
    return c


class Case:
    def __init__(self, name, xfail=None, now=None):
        self.name = name
        self.exps = []
        self.xfail = xfail      # why this case is expected to fail (a reported bug)
        self.now = now          # what backstop does today instead, per frame (acct_of)
        self.post = None        # extra check over [(exp, got bytes)]

    def add(self, exp):
        self.exps.append(exp)
        return self

    def acct(self, failed):
        c = collections.Counter()
        if self.xfail and failed:
            for k in self.now:     # "+counters.X": one more of a counter, no frame
                c += collections.Counter({k[1:]: 1}) if k.startswith("+") else acct_of(k)
        else:
            for e in self.exps:
                c += acct_of("drop:" + e.drop if e.kind == "drop" else e.kind)
        return c


class Alloc:
    """Unique peer addresses, ports and MACs."""

    def __init__(self, rng):
        self.rng = rng
        self.i4 = self.i6 = self.im = 0
        self.ports = list(range(1024, 65536))
        rng.shuffle(self.ports)

    def ip4(self):
        self.i4 += 1
        return "198.19.%d.%d" % (self.i4 // 250, self.i4 % 250 + 1)

    def ip6(self):
        self.i6 += 1
        return "2001:2:0:ff::%x" % self.i6

    def ip(self, fam):
        return self.ip4() if fam == 4 else self.ip6()

    def port(self):
        return self.ports.pop()

    def mac(self):
        self.im += 1
        return "02:00:%02x:%02x:%02x:%02x" % (0x10 + (self.im >> 24 & 0xff),
                                               self.im >> 16 & 0xff, self.im >> 8 & 0xff,
                                               self.im & 0xff)


def l2(dst, src, vlan, prio=0, dei=0):
    e = Ether(dst=dst, src=src)
    if vlan is not None:
        e = e / Dot1Q(prio=prio, id=dei, vlan=vlan)
    return e


class Seg:
    """A TCP segment to a local address, and the RST Linux answers it with."""

    def __init__(self, b, fam, **kw):
        rng = b.rng
        self.b = b
        self.fam = fam
        self.vlan = None
        self.prio = self.dei = 0
        self.peer = b.alloc.ip(fam)
        self.local = None
        self.sport = b.alloc.port()
        self.dport = rng.randint(1, 65535)
        self.flags = SYN
        self.seq = rng.getrandbits(32)
        self.ack = rng.getrandbits(32)
        self.payload = b""
        self.opts = b""             # raw TCP option bytes (multiple of 4)
        self.doff = None            # data offset override (words)
        self.win = rng.randint(0, 65535)
        self.urp = rng.randint(0, 65535)
        self.reserved = 0
        self.ae = 0                 # the AE (ex-NS) flag bit
        self.tos = rng.randint(0, 255)
        self.ttl = rng.randint(1, 255)
        self.ipid = rng.getrandbits(16)
        self.ipflags = rng.choice((0, 2))
        self.ipopts = None
        self.tc = rng.randint(0, 255)
        self.fl = rng.getrandbits(20) or 1
        self.hlim = rng.randint(1, 255)
        self.ext = []               # IPv6 extension headers
        self.src_mac = b.alloc.mac()
        self.dst_mac = None
        for k, v in kw.items():
            if not hasattr(self, k):
                raise AttributeError(k)
            setattr(self, k, v)
        if self.local is None:
            on100 = self.vlan == 100
            self.local = (LOCAL4_V100 if on100 else LOCAL4) if fam == 4 else \
                (LOCAL6_V100 if on100 else LOCAL6)
        if self.dst_mac is None:
            self.dst_mac = b.mac

    def pkt(self):
        p = l2(self.dst_mac, self.src_mac, self.vlan, self.prio, self.dei)
        if self.fam == 4:
            ip = IP(src=self.peer, dst=self.local, tos=self.tos, ttl=self.ttl, id=self.ipid,
                    flags=self.ipflags, options=self.ipopts or [])
        else:
            ip = IPv6(src=self.peer, dst=self.local, tc=self.tc, fl=self.fl, hlim=self.hlim)
            for h in self.ext:
                ip = ip / h
        t = TCP(sport=self.sport, dport=self.dport, seq=self.seq, ack=self.ack,
                flags=self.flags | self.ae << 8, window=self.win, urgptr=self.urp,
                reserved=self.reserved,
                dataofs=self.doff if self.doff is not None else 5 + len(self.opts) // 4)
        p = p / ip / t
        if self.opts or self.payload:
            p = p / Raw(self.opts + self.payload)
        return p

    def frame(self):
        return bytes(self.pkt())

    def key(self):
        return ("tcp", norm_ip(self.peer), self.sport)

    def l2len(self):
        return 14 if self.vlan is None else 18

    def rst(self, label=0, reply_vlan="same"):
        """The RST-REPLY (matrix 5.1): computed from the segment's fields."""
        if self.flags & ACK:
            flags, seq, ack = RST, self.ack, 0
        else:
            flags, seq = RST | ACK, 0
            ack = (self.seq + len(self.payload) + (1 if self.flags & SYN else 0)
                   + (1 if self.flags & FIN else 0)) & 0xffffffff
        vlan = self.vlan if reply_vlan == "same" else reply_vlan
        p = l2(self.src_mac, self.b.mac, vlan)      # PCP 0, DEI 0: Linux's default egress map
        if self.fam == 4:
            p = p / IP(version=4, ihl=5, tos=self.tos & ~ECN_MASK & 0xff, len=40, id=0,
                       flags="DF", frag=0, ttl=64, proto=6, src=self.local, dst=self.peer)
        else:
            p = p / IPv6(version=6, tc=self.tc & ~ECN_MASK & 0xff, fl=label, plen=20, nh=6,
                         hlim=64, src=self.local, dst=self.peer)
        p = p / TCP(sport=self.dport, dport=self.sport, seq=seq, ack=ack, dataofs=5,
                    reserved=0, flags=flags, window=0, urgptr=0, options=[])
        return bytes(p)

    def expect_rst(self, label_mode="auto", group=None, reply_vlan="same"):
        """Exp for a segment that gets an RST. label_mode: "auto" (a hash:
        not compared, observed in group), "reflect" (the request's label),
        "zero", or an int."""
        mask, label = None, 0
        vlan = self.vlan if reply_vlan == "same" else reply_vlan
        if self.fam == 6:
            if label_mode == "auto":
                mask = label_mask(14 if vlan is None else 18)
            elif label_mode == "reflect":
                label = self.fl
            elif label_mode != "zero":
                label = label_mode
        return Exp(self.frame(), "rst", self.key(), self.rst(label, reply_vlan), mask,
                   label=(group, self.fl) if group and mask else None)

    def expect_drop(self, reason, frame=None):
        return Exp(frame if frame is not None else self.frame(), "drop", self.key(), drop=reason)


class Builder:
    def __init__(self, mac, seed):
        self.mac = mac
        self.rng = random.Random(seed)
        self.alloc = Alloc(self.rng)

    def seg(self, fam, **kw):
        return Seg(self, fam, **kw)

    def payload(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))


# ---------------------------------------------------------------------------
# Case lists, one per backstop run

def flag_name(f):
    return "".join(n for b, n in ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"),
                                  (URG, "U"), (ECE, "E"), (CWR, "C")) if f & b) or "none"


def flag_matrix(b, prefix, label_mode, group, fams=(4, 6)):
    """All 256 flag bytes x families x {untagged, VLAN 100} (N1, N2, X1, Q1)."""
    cases = []
    for fam in fams:
        for vi, vlan in enumerate((None, 100)):
            for f in range(256):
                plen = 0 if (f ^ fam ^ vi) & 1 == 0 else b.rng.randint(1, 300)
                kw = dict(vlan=vlan, flags=f, payload=b.payload(plen),
                          reserved=b.rng.randint(0, 7), ae=b.rng.randint(0, 1))
                if f & (SYN | FIN) and vi == 1:
                    kw["seq"] = (1 << 32) - b.rng.randint(1, 4)     # SEG.SEQ+len wraps
                if label_mode == "reflect0" and f % 16 == 0:
                    kw["fl"] = 0
                s = b.seg(fam, **kw)
                c = Case("%s/ipv%d%s/%02x-%s" % (prefix, fam, "-vlan100" if vlan else "", f, flag_name(f)))
                if f & RST:
                    c.add(s.expect_drop("NO_SOCKET"))
                else:
                    mode = label_mode
                    if label_mode == "reflect0":
                        mode = "reflect" if s.fl else "auto"
                    c.add(s.expect_rst(mode, group))
                cases.append(c)
    return cases


def same_flow_case(b, name, vlan, label_mode, fl=None):
    """Two segments of one flow: their RSTs carry the same flow label."""
    kw = dict(vlan=vlan)
    if fl is not None:
        kw["fl"] = fl
    s1 = b.seg(6, flags=SYN, **kw)
    s2 = b.seg(6, flags=ACK | PSH, payload=b.payload(10), **kw)
    s2.peer, s2.sport, s2.dport, s2.src_mac = s1.peer, s1.sport, s1.dport, s1.src_mac
    c = Case(name).add(s1.expect_rst(label_mode)).add(s2.expect_rst(label_mode))

    def post(pairs):
        labels = [flow_label(g) for _, g in pairs]
        if len(labels) == 2 and labels[0] != labels[1]:
            return ["flow labels of one flow differ: 0x%05x, 0x%05x" % tuple(labels)]
        if labels and labels[0] == 0:
            return ["flow label is 0 with auto_flowlabels=1"]
        return []
    c.post = post
    return c


def main_cases(b):
    rng = b.rng
    cases = flag_matrix(b, "flags", "auto", "main")
    C = Case

    # --- flow label: a hash of the flow (auto_flowlabels=1, reflect 0)
    cases.append(same_flow_case(b, "flowlabel/auto-same-flow", None, "auto"))
    cases.append(same_flow_case(b, "flowlabel/auto-same-flow-vlan100", 100, "auto"))

    # --- RSTs to segments with IP options, extension headers, padding, options
    for fam, vlan in ((4, None), (6, None), (4, 100), (6, 100)):
        tag = "ipv%d%s" % (fam, "-vlan100" if vlan else "")
        if fam == 4:
            s = b.seg(4, vlan=vlan, ipopts=[IPOption_NOP()] * 3 + [IPOption_EOL()],
                      payload=b.payload(7))
            cases.append(C("rst/%s-ip-options-ihl6" % tag).add(s.expect_rst()))
            s = b.seg(4, vlan=vlan, flags=ACK, ipopts=[IPOption_Router_Alert()] + [IPOption_NOP()] * 3
                      + [IPOption_EOL()])
            cases.append(C("rst/%s-ip-options-ihl7" % tag).add(s.expect_rst()))
            # Ethernet padding: a 60-byte frame (64 tagged) whose IP length is shorter
            s = b.seg(4, vlan=vlan, flags=SYN)
            fr = s.frame()
            fr += bytes(rng.randint(1, 255) for _ in range(60 + (4 if vlan else 0) - len(fr)))
            cases.append(C("rst/%s-ethernet-padding" % tag).add(
                Exp(fr, "rst", s.key(), s.rst())))
            s = b.seg(4, vlan=vlan, ipflags=4 | 2)          # reserved ("evil") bit: not a fragment
            cases.append(C("rst/%s-ip-reserved-flag" % tag).add(s.expect_rst()))
        else:
            s = b.seg(6, vlan=vlan, payload=b.payload(5),
                      ext=[IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt()])
            cases.append(C("rst/%s-hbh-destopt" % tag).add(s.expect_rst()))
            s = b.seg(6, vlan=vlan, flags=ACK | FIN,
                      ext=[IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:2::99"])])
            cases.append(C("rst/%s-routing-segleft0" % tag).add(s.expect_rst()))
            s = b.seg(6, vlan=vlan, flags=SYN)
            fr = s.frame() + b.payload(9)                   # bytes past the payload length
            cases.append(C("rst/%s-trailing-bytes" % tag).add(Exp(fr, "rst", s.key(), s.rst(),
                                                                   label_mask(s.l2len()))))
        s = b.seg(fam, vlan=vlan, flags=SYN, opts=bytes([2, 4, 5, 0xb4, 4, 2, 8, 10])
                  + struct.pack("!II", rng.getrandbits(32), 0) + bytes([1, 3, 3, 7]))
        cases.append(C("rst/%s-syn-options-not-echoed" % tag).add(s.expect_rst()))
        s = b.seg(fam, vlan=vlan, flags=SYN | PSH, payload=b.payload(3000))
        cases.append(C("rst/%s-multi-segment-frame" % tag).add(s.expect_rst()))

    # TCP option scans that find no signature option (tcp_parse_auth_options)
    for fam in (4, 6):
        for name, opts in (
                ("short-malformed-tail", bytes([8, 1, 0, 0])),
                ("eol-before-md5", bytes([0, 0, 0, 0, 19, 18]) + b.payload(16) + bytes(2)),
                ("md5-kind-in-last-4-bytes", bytes([1] * 16 + [19, 18, 0xaa, 0xbb])),
                ("unknown-option", bytes([254, 6, 0xf9, 0x89, 1, 2, 1, 1]))):
            s = b.seg(fam, flags=SYN, opts=opts)
            cases.append(C("rst/ipv%d-%s" % (fam, name)).add(s.expect_rst()))

    # --- must not answer
    def drop(name, reason, fam=4, frame_fn=None, **kw):
        s = b.seg(fam, **kw)
        fr = frame_fn(s, s.frame()) if frame_fn else None
        cases.append(C("drop/" + name).add(s.expect_drop(reason, fr)))
        return s

    def l4off(s):
        return s.l2len() + (20 if s.fam == 4 else 40)

    for fam in (4, 6):
        v = "ipv%d" % fam
        # Q4: bad TCP checksum (also with the RST and ACK rules out of the way)
        drop(v + "-tcp-csum-syn", "TCP_CSUM", fam, lambda s, f: xor(f, l4off(s) + 16, 0x5a), flags=SYN)
        drop(v + "-tcp-csum-ack-data", "TCP_CSUM", fam, lambda s, f: xor(f, l4off(s) + 17, 0x01),
             flags=ACK, payload=b.payload(20))
        drop(v + "-tcp-csum-payload-bit", "TCP_CSUM", fam, lambda s, f: xor(f, len(f) - 1, 0x80),
             flags=SYN, payload=b.payload(33))
        drop(v + "-vlan100-tcp-csum", "TCP_CSUM", fam, lambda s, f: xor(f, l4off(s) + 16, 0xff),
             vlan=100)
        # Q5: destination not a local unicast address
        drop(v + "-dst-not-local", "NOT_LOCAL", fam, local="198.18.0.3" if fam == 4 else "2001:2::3")
        drop(v + "-dst-other-vlans-address", "NOT_LOCAL", fam,
             local=LOCAL4_V100 if fam == 4 else LOCAL6_V100)
        drop(v + "-vlan100-dst-untagged-address", "NOT_LOCAL", fam, vlan=100,
             local=LOCAL4 if fam == 4 else LOCAL6)
        drop(v + "-dst-multicast", "NOT_LOCAL", fam, local="224.0.0.1" if fam == 4 else "ff02::1")
        # LAND: source is our own address
        drop(v + "-land", "IP_LOCAL_SOURCE", fam, peer=LOCAL4 if fam == 4 else LOCAL6)
        drop(v + "-vlan100-land", "IP_LOCAL_SOURCE", fam, vlan=100,
             peer=LOCAL4_V100 if fam == 4 else LOCAL6_V100)
        # Q2: link layer not for us
        drop(v + "-l2-broadcast", "PKT_NOT_HOST", fam, dst_mac=BCAST_MAC)
        drop(v + "-l2-multicast", "PKT_NOT_HOST", fam,
             dst_mac="01:00:5e:00:00:01" if fam == 4 else "33:33:00:00:00:02")
        drop(v + "-l2-multicast-ack", "PKT_NOT_HOST", fam, flags=ACK,
             dst_mac="01:00:5e:12:34:56" if fam == 4 else "33:33:ff:00:00:02")
        drop(v + "-l2-otherhost", "OTHERHOST", fam, dst_mac="02:00:00:00:99:99")
        drop(v + "-l2-otherhost-port-mac-plus-1", "OTHERHOST", fam,
             dst_mac=b.mac[:-2] + "%02x" % ((int(b.mac[-2:], 16) + 1) & 0xff))
        drop(v + "-src-mac-multicast", "MAC_INVALID_SOURCE", fam, src_mac="01:00:5e:00:00:05")
        drop(v + "-src-mac-broadcast", "MAC_INVALID_SOURCE", fam, src_mac=BCAST_MAC)
        # VLAN without an address
        drop(v + "-vlan200", "VLAN_UNKNOWN", fam, vlan=200, local=LOCAL4 if fam == 4 else LOCAL6)
        # Q3: TCP header truncated, data offset < 5 or beyond the segment
        drop(v + "-tcp-doff4", "PKT_TOO_SMALL", fam, doff=4)
        drop(v + "-tcp-doff0", "PKT_TOO_SMALL", fam, doff=0, flags=ACK)
        drop(v + "-tcp-doff15-beyond-segment", "PKT_TOO_SMALL", fam, doff=15)
        drop(v + "-tcp-doff6-beyond-segment", "PKT_TOO_SMALL", fam, doff=6)
        drop(v + "-tcp-doff8-beyond-4-payload", "PKT_TOO_SMALL", fam, doff=8,
             payload=b.payload(4))
        # Q8, Q9, Q7: signature options, no keys
        md5 = bytes([19, 18]) + b.payload(16)
        ao = bytes([29, 16, 1, 2]) + b.payload(12)
        drop(v + "-md5-syn", "TCP_MD5NOTFOUND", fam, flags=SYN, opts=bytes([1, 1]) + md5)
        drop(v + "-md5-ack-data", "TCP_MD5NOTFOUND", fam, flags=ACK | PSH, payload=b.payload(10),
             opts=md5 + bytes([1, 1]))
        drop(v + "-md5-after-sack-perm", "TCP_MD5NOTFOUND", fam, flags=SYN,
             opts=bytes([4, 2]) + md5 + bytes([2, 4, 5, 0xb4]))
        drop(v + "-ao-syn", "TCP_AOKEYNOTFOUND", fam, flags=SYN, opts=ao)
        drop(v + "-ao-len5", "TCP_AOKEYNOTFOUND", fam, flags=SYN,
             opts=bytes([29, 5, 7, 7, 0x55, 1, 1, 1]))
        drop(v + "-opt-len1", "TCP_AUTH_HDR", fam, flags=SYN, opts=bytes([8, 1, 0, 0, 0, 0, 0, 0]))
        drop(v + "-opt-len0", "TCP_AUTH_HDR", fam, flags=SYN, opts=bytes([254, 0, 0, 0, 0, 0, 0, 0]))
        drop(v + "-opt-len-past-end", "TCP_AUTH_HDR", fam, flags=SYN,
             opts=bytes([2, 4, 5, 0xb4, 8, 10, 0, 0, 0, 0, 0, 0]))
        drop(v + "-md5-len17", "TCP_AUTH_HDR", fam, flags=SYN,
             opts=bytes([19, 17]) + b.payload(15) + bytes([1, 1, 1]))
        drop(v + "-ao-len4", "TCP_AUTH_HDR", fam, flags=SYN, opts=bytes([29, 4, 1, 2, 1, 1, 1, 1]))
        drop(v + "-two-md5", "TCP_AUTH_HDR", fam, flags=SYN, opts=md5 + md5 + bytes([1] * 4))
        drop(v + "-md5-and-ao", "TCP_AUTH_HDR", fam, flags=ACK, opts=md5 + ao + bytes([1] * 6))
        # RST with a signature option: still X1
        drop(v + "-rst-with-md5", "NO_SOCKET", fam, flags=RST, opts=bytes([1, 1]) + md5)
        # not TCP
        s = b.seg(fam)
        u = l2(b.mac, s.src_mac, None)
        u = u / (IP(src=s.peer, dst=s.local) if fam == 4 else IPv6(src=s.peer, dst=s.local))
        cases.append(C("drop/%s-udp" % v).add(Exp(bytes(u / UDP(sport=s.sport, dport=53) / Raw(b"q")),
                                                  "drop", s.key(), drop="UNHANDLED_PROTO")))
        drop(v + "-double-8021q", "UNHANDLED_PROTO", fam,
             lambda s, f: f[:12] + bytes.fromhex("81000064 81000064") + f[12:])
        drop(v + "-qinq-88a8", "UNHANDLED_PROTO", fam,
             lambda s, f: f[:12] + bytes.fromhex("88a8000a 81000064") + f[12:])
        # IP header truncated / IP length past the frame
        s = b.seg(fam)
        fr = s.frame()
        n = 20 if fam == 4 else 40
        cases.append(C("drop/%s-truncated-ip-header" % v).add(
            s.expect_drop("PKT_TOO_SMALL", fr[:14 + n - 1])))
        s = b.seg(fam, vlan=100)
        cases.append(C("drop/%s-vlan100-truncated-ip-header" % v).add(
            s.expect_drop("PKT_TOO_SMALL", s.frame()[:18 + 10])))
        s = b.seg(fam)
        cases.append(C("drop/%s-truncated-tcp-header" % v).add(
            s.expect_drop("PKT_TOO_SMALL", s.frame()[:14 + n + 19])))
        s = b.seg(fam, flags=ACK, payload=b.payload(40))
        cases.append(C("drop/%s-truncated-in-payload" % v).add(
            s.expect_drop("PKT_TOO_SMALL", s.frame()[:-1])))

    # Q3, IPv4 specifics
    for pad in (False, True):                        # TCP header cut by the IP length
        s = b.seg(4)
        p = s.pkt()
        p[IP].len = 39
        fr = bytes(p)
        cases.append(C("drop/ipv4-ip-len-cuts-tcp-header%s" % ("-padded" if pad else "")).add(
            s.expect_drop("PKT_TOO_SMALL", fr + bytes(60 - len(fr)) if pad else fr)))
    s = b.seg(4)
    p = s.pkt()
    p[IP].len = 200                                  # longer than the frame
    cases.append(C("drop/ipv4-ip-len-past-frame").add(s.expect_drop("PKT_TOO_SMALL", bytes(p))))
    s = b.seg(4, ipopts=[IPOption_NOP()] * 3 + [IPOption_EOL()])
    cases.append(C("drop/ipv4-truncated-ip-options").add(
        s.expect_drop("PKT_TOO_SMALL", s.frame()[:14 + 22])))
    s = b.seg(4)
    p = s.pkt()
    p[IP].len = 19                                   # shorter than the header
    cases.append(C("drop/ipv4-ip-len-below-ihl").add(s.expect_drop("IP_INHDR", bytes(p))))
    drop("ipv4-ihl4", "IP_INHDR", 4, lambda s, f: sub(f, 14, [0x44]))
    drop("ipv4-ihl0", "IP_INHDR", 4, lambda s, f: sub(f, 14, [0x40]))
    drop("ipv4-version6-in-ipv4-ethertype", "IP_INHDR", 4, lambda s, f: sub(f, 14, [0x65]))
    drop("ipv4-ip-csum", "IP_CSUM", 4, lambda s, f: xor(f, 14 + 10, 0x5a))
    drop("ipv4-ip-csum-ttl-changed", "IP_CSUM", 4, lambda s, f: xor(f, 14 + 8, 0x01), ttl=64)
    drop("ipv4-vlan100-ip-csum", "IP_CSUM", 4, lambda s, f: xor(f, 18 + 11, 0x01), vlan=100)
    drop("ipv4-fragment-mf", "IP_FRAGMENT", 4, ipflags=1)
    s = b.seg(4, ipflags=0)
    p = s.pkt()
    p[IP].frag = 100
    cases.append(C("drop/ipv4-fragment-offset").add(s.expect_drop("IP_FRAGMENT", bytes(p))))
    s = b.seg(4, ipflags=1)
    p = s.pkt()
    p[IP].frag = 1
    cases.append(C("drop/ipv4-fragment-mf-offset").add(s.expect_drop("IP_FRAGMENT", bytes(p))))
    # Martian sources (IP_INVALID_SOURCE); the matrix preamble's deliberate
    # deviation: never answer a subnet broadcast source.
    for src in ("198.18.0.255", "224.0.0.5", "239.1.2.3", "255.255.255.255",
                "127.0.0.1", "127.1.2.3", "0.0.0.0", "0.1.2.3"):
        drop("ipv4-src-%s" % src, "IP_INVALID_SOURCE", 4, peer=src)
    # The broadcast address of another VLAN's subnet: Linux's local table is
    # per namespace, so fib_validate_source() finds RTN_BROADCAST for it
    # whatever the interface, and the source is martian.
    s = b.seg(4, peer="198.18.1.255")
    # Any local subnet's broadcast is a martian source, whatever the VLAN.
    cases.append(C("drop/ipv4-src-198.18.1.255-other-vlans-subnet-broadcast").add(
        s.expect_drop("IP_INVALID_SOURCE")))
    drop("ipv4-vlan100-src-subnet-broadcast", "IP_INVALID_SOURCE", 4, vlan=100, peer="198.18.1.255")
    for dst in ("198.18.0.255", "255.255.255.255", "198.18.0.0"):
        drop("ipv4-dst-%s" % dst, "NOT_LOCAL", 4, local=dst)
    drop("ipv4-vlan100-dst-subnet-broadcast", "NOT_LOCAL", 4, vlan=100, local="198.18.1.255")
    drop("ipv4-dst-broadcast-l2-broadcast", "PKT_NOT_HOST", 4, local="198.18.0.255", dst_mac=BCAST_MAC)

    # Q3, IPv6 specifics
    for src in ("ff02::1", "ff05::2", "::", "::1", "::ffff:198.18.0.1"):
        drop("ipv6-src-%s" % src, "IP_INVALID_SOURCE", 6, peer=src)
    s = b.seg(6)
    p = s.pkt()
    p[IPv6].plen = 200
    cases.append(C("drop/ipv6-payload-len-past-frame").add(s.expect_drop("PKT_TOO_SMALL", bytes(p))))
    s = b.seg(6)
    p = s.pkt()
    p[IPv6].plen = 19
    cases.append(C("drop/ipv6-payload-len-cuts-tcp-header").add(
        s.expect_drop("PKT_TOO_SMALL", bytes(p))))
    s = b.seg(6)
    p = s.pkt()
    p[IPv6].plen = 0
    cases.append(C("drop/ipv6-payload-len0").add(s.expect_drop("IP_INHDR", bytes(p))))
    drop("ipv6-version4-in-ipv6-ethertype", "IP_INHDR", 6, lambda s, f: sub(f, 14, [0x46]))
    drop("ipv6-fragment-first", "IP_FRAGMENT", 6, ext=[IPv6ExtHdrFragment(m=1, offset=0, id=7)])
    drop("ipv6-fragment-offset", "IP_FRAGMENT", 6, ext=[IPv6ExtHdrFragment(m=0, offset=10, id=8)])
    drop("ipv6-hbh-then-fragment", "IP_FRAGMENT", 6,
         ext=[IPv6ExtHdrHopByHop(), IPv6ExtHdrFragment(m=1, offset=0, id=9)])
    drop("ipv6-routing-segleft1", "IPV6_BAD_EXTHDR", 6,
         ext=[IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:2::99"])])
    drop("ipv6-hbh-not-first", "IPV6_BAD_EXTHDR", 6, ext=[IPv6ExtHdrDestOpt(), IPv6ExtHdrHopByHop()])
    drop("ipv6-exthdr-past-payload", "IPV6_BAD_EXTHDR", 6,
         lambda s, f: sub(f, 14 + 40 + 1, [10]), ext=[IPv6ExtHdrDestOpt()])
    drop("ipv6-truncated-exthdr-in-frame", "PKT_TOO_SMALL", 6,
         lambda s, f: f[:14 + 40 + 4], ext=[IPv6ExtHdrDestOpt()])
    drop("ipv6-no-next-header", "UNHANDLED_PROTO", 6,
         lambda s, f: sub(f, 14 + 6, [59]))
    drop("ipv6-icmpv4-in-ipv6", "UNHANDLED_PROTO", 6, lambda s, f: sub(f, 14 + 6, [1]))
    drop("ipv4-sctp", "UNHANDLED_PROTO", 4, lambda s, f: bytes(_reproto(f, 132)))

    # L2 truncation (every header boundary)
    s = b.seg(4)
    fr = s.frame()
    for n in (1, 6, 12, 13):
        cases.append(C("drop/truncated-ethernet-%d" % n).add(
            Exp(fr[:n], "drop", ("trunc", n), drop="PKT_TOO_SMALL")))
    s = b.seg(4, vlan=100)
    fr = s.frame()
    for n in (14, 15, 17):
        cases.append(C("drop/truncated-vlan-tag-%d" % n).add(
            Exp(fr[:n], "drop", ("trunc-vlan", n), drop="PKT_TOO_SMALL")))
    s = b.seg(4)
    cases.append(C("drop/ethertype-ipv4-no-header").add(s.expect_drop("PKT_TOO_SMALL", s.frame()[:14])))
    s = b.seg(6)
    cases.append(C("drop/ethertype-ipv6-no-header").add(s.expect_drop("PKT_TOO_SMALL", s.frame()[:14])))
    arp = bytes(l2(BCAST_MAC, b.alloc.mac(), None) / ARP(op=1, hwsrc="02:00:00:00:00:aa",
                                                         psrc="198.18.0.77", pdst=LOCAL4))
    cases.append(C("drop/truncated-arp").add(Exp(arp[:14 + 27], "drop", ("arp", "198.18.0.77", "0200000000aa"),
                                                 drop="PKT_TOO_SMALL")))
    cases.append(C("drop/unknown-ethertype").add(Exp(
        bytes(Ether(dst=b.mac, src=b.alloc.mac(), type=0x88b5) / Raw(b.payload(46))), "drop",
        ("ethertype",), drop="UNHANDLED_PROTO")))
    cases.append(C("drop/unknown-ethertype-vlan100").add(Exp(
        bytes(Ether(dst=b.mac, src=b.alloc.mac()) / Dot1Q(vlan=100, type=0x88b6) / Raw(b.payload(46))),
        "drop", ("ethertype-vlan",), drop="UNHANDLED_PROTO")))

    # IPv6 atomic fragment: RFC 6946; Linux ipv6_frag_rcv processes a fragment
    # header with offset 0 and M=0 as an unfragmented packet, so
    # tcp_v6_send_reset answers it.
    s = b.seg(6, flags=SYN, ext=[IPv6ExtHdrFragment(m=0, offset=0, id=0x1234)])
    cases.append(C("rst/ipv6-atomic-fragment").add(s.expect_rst()))
    s = b.seg(6, flags=ACK, vlan=100, ext=[IPv6ExtHdrHopByHop(),
                                         IPv6ExtHdrFragment(m=0, offset=0, id=0x5678)])
    cases.append(C("rst/ipv6-vlan100-hbh-atomic-fragment").add(s.expect_rst()))

    # VLAN priority bits: Linux's reply leaves through the VLAN device with
    # skb->priority 0 (no socket), so PCP 0, DEI 0 (default egress map); a
    # priority-tagged frame (VID 0) is untagged on receive and answered untagged.
    s = b.seg(4, vlan=100, prio=5, dei=1)
    cases.append(C("rst/ipv4-vlan100-pcp5-dei").add(s.expect_rst()))
    s = b.seg(6, vlan=0, prio=3, flags=ACK)
    cases.append(C("rst/ipv6-priority-tagged").add(s.expect_rst(reply_vlan=None)))

    cases += ip4_option_cases(b)
    cases += helper_cases(b)
    return cases


def ip4_option_cases(b):
    """IPv4 options of a segment or echo request to us, as Linux handles
    them: ip_options_compile() on receive records our address (RR) and
    time (TS) where there is room; __ip_options_echo() + ip_options_build()
    copy RR, then TS, into the reply and add our address and time again
    where there is room; other options are not echoed; source routes are
    refused (accept_source_route=0). Expected option bytes are written out
    by hand below; "T" marks a timestamp (not predictable: masked, and
    checked to be from the run)."""
    cases = []
    T = b"TTTT"

    def opts(*parts):
        o = b"".join(bytes(p) if isinstance(p, (list, tuple)) else p for p in parts)
        return o + bytes(-len(o) % 4)              # EOL padding

    def stamp_offsets(o, l3):
        offs, i = [], o.find(T)
        while i >= 0:
            offs.append(l3 + 20 + i)
            i = o.find(T, i + 4)
        return offs

    def detemplate(o):
        return o.replace(T, bytes(4))

    X = socket.inet_aton("198.19.250.1")            # somebody else's address
    OLD = bytes([1, 2, 3, 4])                       # an earlier hop's timestamp

    def tcp_case(name, req, rep=None, drop=None, vlan=None, flags=SYN, icmp=False):
        local = LOCAL4 if vlan is None else LOCAL4_V100
        A = socket.inet_aton(local)
        req, rep = req(A), rep(A) if rep else None
        l3 = 14 if vlan is None else 18
        if icmp:
            q, e = mk_echo4(b, vlan=vlan)
            fr = set_ip4_opts(e.frame, l3, req)
            kind, key, reply, mask = "echo4", e.key, e.reply, e.mask
        else:
            sg = b.seg(4, vlan=vlan, flags=flags)
            fr = set_ip4_opts(sg.frame(), l3, req)
            kind, key, reply, mask = "rst", sg.key(), sg.rst(), None
        if drop:
            cases.append(Case("ipopt/" + name).add(Exp(fr, "drop", key, drop=drop)))
            return
        r = set_ip4_opts(reply, l3, detemplate(rep))
        stamps = stamp_offsets(rep, l3)
        if stamps:      # the header checksum covers them (checked on its own)
            mask = dict(mask or {})
            mask.update({l3 + 10: 0xff, l3 + 11: 0xff})
        cases.append(Case("ipopt/" + name).add(Exp(fr, kind, key, r, mask, stamps=stamps)))

    for vlan in (None, 100):
        v = "-vlan100" if vlan else ""
        # RR with room for two: receive fills slot 1, the reply slot 2.
        tcp_case("rr-room" + v, lambda A: opts([7, 11, 4], bytes(8)),
                 lambda A: opts([7, 11, 12], A, A), vlan=vlan)
        tcp_case("ts-tsonly-room" + v, lambda A: opts([0x44, 12, 5, 0], bytes(8)),
                 lambda A: opts([0x44, 12, 13, 0], T, T), vlan=vlan)
        tcp_case("ts-tsandaddr-room" + v, lambda A: opts([0x44, 20, 5, 1], bytes(16)),
                 lambda A: opts([0x44, 20, 21, 1], A, T, A, T), vlan=vlan)
    # RR with one free slot: filled on receive, no room left for the reply.
    tcp_case("rr-last-slot", lambda A: opts([7, 7, 4], bytes(4)), lambda A: opts([7, 7, 8], A))
    tcp_case("rr-full", lambda A: opts([7, 7, 8], X), lambda A: opts([7, 7, 8], X), flags=ACK)
    # TS full: the overflow count goes up by one (on receive only).
    tcp_case("ts-overflow", lambda A: opts([0x44, 8, 9, 0x20], OLD),
             lambda A: opts([0x44, 8, 9, 0x30], OLD))
    # Pre-specified: stamped when the address is ours, not when it is not.
    tcp_case("ts-prespec-ours", lambda A: opts([0x44, 12, 5, 3], A, bytes(4)),
             lambda A: opts([0x44, 12, 13, 3], A, T))
    tcp_case("ts-prespec-other", lambda A: opts([0x44, 12, 5, 3], X, bytes(4)),
             lambda A: opts([0x44, 12, 5, 3], X, bytes(4)), flags=FIN)
    # Echo order is RR then TS whatever the order received; RA is not echoed.
    tcp_case("ts-then-rr", lambda A: opts([0x44, 12, 5, 0], bytes(8), [7, 11, 4], bytes(8)),
             lambda A: opts([7, 11, 12], A, A, [0x44, 12, 13, 0], T, T), flags=ACK | PSH)
    tcp_case("ra-and-rr", lambda A: opts([148, 4, 0, 0], [7, 7, 4], bytes(4)),
             lambda A: opts([7, 7, 8], A))
    tcp_case("nop-rr-nop", lambda A: opts([1, 7, 7, 4], bytes(4), [1]),
             lambda A: opts([7, 7, 8], A))
    # Echo requests get the same treatment (icmp_reply: ip_options_echo).
    tcp_case("icmp-echo-rr-room", lambda A: opts([7, 11, 4], bytes(8)),
             lambda A: opts([7, 11, 12], A, A), icmp=True)
    tcp_case("icmp-echo-ts-tsonly", lambda A: opts([0x44, 12, 5, 0], bytes(8)),
             lambda A: opts([0x44, 12, 13, 0], T, T), icmp=True)
    # RR of length 9: valid on receive (4+3 <= 9), but the echo needs
    # 8+3 <= 9: __ip_options_echo fails, Linux sends nothing.
    tcp_case("rr-no-room-to-echo-no-reply", lambda A: opts([7, 9, 4], bytes(6)),
             drop="IP_INHDR")
    # Source routes: refused (accept_source_route=0), no reply.
    tcp_case("lsrr", lambda A: opts([131, 7, 4], X), drop="IP_SOURCE_ROUTE")
    tcp_case("ssrr", lambda A: opts([137, 11, 4], X, A), drop="IP_SOURCE_ROUTE")
    tcp_case("icmp-echo-lsrr", lambda A: opts([131, 7, 4], X), drop="IP_SOURCE_ROUTE", icmp=True)
    # Malformed (Linux: ICMP parameter problem, no RST; Backstop: silence).
    tcp_case("rr-pointer-3", lambda A: opts([7, 7, 3], bytes(4)), drop="IP_INHDR")
    tcp_case("option-len-past-header", lambda A: opts([7, 15, 4], bytes(4)), drop="IP_INHDR")
    tcp_case("option-len-1", lambda A: opts([0x44, 1, 0, 0]), drop="IP_INHDR")
    tcp_case("ts-overflow-count-full", lambda A: opts([0x44, 8, 9, 0xf0], OLD), drop="IP_INHDR")
    tcp_case("two-rr", lambda A: opts([7, 7, 4], bytes(4), [7, 7, 4], bytes(4)), drop="IP_INHDR")
    tcp_case("cipso", lambda A: opts([134, 6, 0, 0, 0, 1]), drop="IP_INHDR")
    return cases


def _reproto(f, proto):
    """An IPv4 frame with another protocol number (header checksum redone)."""
    p = Ether(f)
    p[IP].proto = proto
    del p[IP].chksum
    return p


def mk_arp_req(b, asked, vlan=None, op=1, sip=None, sha=None, eth_src=None, eth_dst=BCAST_MAC):
    sip = sip if sip is not None else b.alloc.ip4()
    sha = sha or b.alloc.mac()
    eth_src = eth_src or sha
    fr = bytes(l2(eth_dst, eth_src, vlan) / ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=op,
                                                hwsrc=sha, psrc=sip, hwdst="00:00:00:00:00:00",
                                                pdst=asked))
    fr += bytes((60 if vlan is None else 64) - len(fr))
    key = ("arp", sip, sha.replace(":", ""))
    reply = bytes(l2(sha, b.mac, vlan or None) / ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=2,
                                             hwsrc=b.mac, psrc=asked, hwdst=sha, pdst=sip))
    return fr, key, reply


def mk_echo4(b, vlan=None, code=0, data=None, ident=None, seq=None, ipopts=None, tos=0xb8):
    peer, pmac = b.alloc.ip4(), b.alloc.mac()
    local = LOCAL4 if vlan is None else LOCAL4_V100
    ident = b.alloc.port() if ident is None else ident
    seq = b.rng.getrandbits(16) if seq is None else seq
    data = b.payload(56) if data is None else data
    req = l2(b.mac, pmac, vlan) / IP(src=peer, dst=local, tos=tos, ttl=b.rng.randint(1, 255),
                                     id=b.rng.getrandbits(16), flags="DF", options=ipopts or []) \
        / ICMP(type=8, code=code, id=ident, seq=seq) / Raw(data)
    rep = l2(pmac, b.mac, vlan) / IP(version=4, ihl=5, tos=tos, id=req[IP].id, flags=0, frag=0,
                                     ttl=64, proto=1, src=local, dst=peer) \
        / ICMP(type=0, code=code, id=ident, seq=seq) / Raw(data)
    l3 = 14 if vlan is None else 18
    return req, Exp(bytes(req), "echo4", ("icmp4", peer, ident), bytes(rep),
                    {l3 + 4: 0xff, l3 + 5: 0xff, l3 + 10: 0xff, l3 + 11: 0xff})


def mk_echo6(b, vlan=None, code=0, data=None, tc=0xb8, fl=None, label_mode="auto"):
    peer, pmac = b.alloc.ip6(), b.alloc.mac()
    local = LOCAL6 if vlan is None else LOCAL6_V100
    ident, seq = b.alloc.port(), b.rng.getrandbits(16)
    data = b.payload(56) if data is None else data
    fl = b.rng.getrandbits(20) or 1 if fl is None else fl
    req = l2(b.mac, pmac, vlan) / IPv6(src=peer, dst=local, tc=tc, fl=fl, hlim=b.rng.randint(1, 255)) \
        / ICMPv6EchoRequest(code=code, id=ident, seq=seq, data=data)
    label = fl if label_mode == "reflect" else 0
    rep = l2(pmac, b.mac, vlan) / IPv6(tc=tc, fl=label, nh=58, hlim=64, src=local, dst=peer) \
        / ICMPv6EchoReply(code=code, id=ident, seq=seq, data=data)
    l3 = 14 if vlan is None else 18
    return req, Exp(bytes(req), "echo6", ("icmp6", norm_ip(peer), ident), bytes(rep),
                    label_mask(l3) if label_mode == "auto" else None,
                    label=("echo6", fl) if label_mode == "auto" else None)


def mk_ns(b, target=LOCAL6, vlan=None, hlim=255, slla=True, src=None, dst=None, dst_mac=None,
       code=0, eth_src=None, opts=None):
    peer = src if src is not None else b.alloc.ip6()
    pmac = b.alloc.mac()
    grp, gmac = solicited_node(target)
    dst = dst or grp
    dst_mac = dst_mac or gmac
    req = l2(dst_mac, eth_src or pmac, vlan) / IPv6(src=peer, dst=dst, hlim=hlim) \
        / ICMPv6ND_NS(code=code, tgt=target)
    if opts is not None:
        req = req / Raw(opts)
    elif slla:
        req = req / ICMPv6NDOptSrcLLAddr(lladdr=pmac)
    # ndisc_recv_ns: DAD is answered to all-nodes, S=0, O=1, with TLLA;
    # otherwise ndisc_send_na(saddr, solicited=1, override=inc, inc_opt=inc)
    # where inc = "sent to a multicast address": a unicast NS gets O=0 and
    # no target link-layer address option.
    dad = norm_ip(peer) == "::"
    inc = dad or dst.startswith("ff")
    na_dst = "ff02::1" if dad else peer
    rep = l2("33:33:00:00:00:01" if dad else pmac, b.mac, vlan) \
        / IPv6(tc=0, fl=0, plen=32 if inc else 24, nh=58, hlim=255, src=target, dst=na_dst) \
        / ICMPv6ND_NA(R=0, S=0 if dad else 1, O=1 if inc else 0, tgt=target)
    if inc:
        rep = rep / ICMPv6NDOptDstLLAddr(lladdr=b.mac)
    return Exp(bytes(req), "na", ("na", norm_ip(na_dst), norm_ip(target)), bytes(rep))


def helper_cases(b):
    """ARP, ICMP echo, ICMPv6 echo, neighbour solicitation (section 3)."""
    C = Case
    cases = []

    # --- ARP (arp_process): reply to the sender's hardware address
    arp_req = functools.partial(mk_arp_req, b)

    fr, key, rep = arp_req(LOCAL4)
    cases.append(C("arp/request").add(Exp(fr, "arp", key, rep)))
    fr, key, rep = arp_req(LOCAL4, eth_src=b.alloc.mac())
    cases.append(C("arp/request-reply-goes-to-sha-not-ethernet-source").add(Exp(fr, "arp", key, rep)))
    fr, key, rep = arp_req(LOCAL4, eth_dst=b.mac)
    cases.append(C("arp/unicast-request").add(Exp(fr, "arp", key, rep)))
    fr, key, rep = arp_req(LOCAL4_V100, vlan=100)
    cases.append(C("arp/request-vlan100").add(Exp(fr, "arp", key, rep)))
    fr, key, rep = arp_req(LOCAL4, vlan=0)
    cases.append(C("arp/request-priority-tagged").add(Exp(fr, "arp", key, rep)))
    fr, key, rep = arp_req(LOCAL4, sip="0.0.0.0")
    cases.append(C("arp/probe-sip-0").add(Exp(fr, "arp", key, rep)))
    for name, kw, reason in (
            ("not-local", dict(asked="198.18.0.77"), "ARP_IGNORED"),
            ("subnet-broadcast", dict(asked="198.18.0.255"), "ARP_IGNORED"),
            ("vlan100-address-untagged", dict(asked=LOCAL4_V100), "ARP_IGNORED"),
            ("untagged-address-on-vlan100", dict(asked=LOCAL4, vlan=100), "ARP_IGNORED"),
            ("vlan200", dict(asked=LOCAL4, vlan=200), "ARP_IGNORED"),
            ("reply-opcode", dict(asked=LOCAL4, op=2), "ARP_IGNORED"),
            ("sender-claims-our-address", dict(asked=LOCAL4, sip=LOCAL4), "ARP_IGNORED"),
            ("sender-loopback", dict(asked=LOCAL4, sip="127.0.0.1"), "ARP_INVALID"),
            ("sender-multicast", dict(asked=LOCAL4, sip="224.0.0.9"), "ARP_INVALID"),
            ("otherhost-mac", dict(asked=LOCAL4, eth_dst="02:00:00:00:99:98"), "OTHERHOST")):
        fr, key, _ = arp_req(**kw)
        cases.append(C("arp/drop-" + name).add(Exp(fr, "drop", key, drop=reason)))

    # --- ICMP echo (icmp_echo/icmp_reply). The IP ID of Linux's reply is
    # ip_select_ident()'s, not predictable: not compared (checksums are).
    echo4 = functools.partial(mk_echo4, b)

    cases.append(C("icmp/echo").add(echo4()[1]))
    cases.append(C("icmp/echo-code5").add(echo4(code=5, data=b.payload(100))[1]))
    cases.append(C("icmp/echo-vlan100").add(echo4(vlan=100)[1]))
    cases.append(C("icmp/echo-empty").add(echo4(data=b"")[1]))
    # icmp_reply: ipc.tos = ip_hdr(skb)->tos, the whole byte, ECN included.
    cases.append(C("icmp/echo-tos-ecn-copied").add(echo4(tos=0xbb)[1]))
    cases.append(C("icmp/echo-ip-options").add(
        echo4(ipopts=[IPOption_NOP()] * 3 + [IPOption_EOL()])[1]))
    # An all-zero echo (id 0, seq 0, no data): the reply's checksum computed
    # from scratch, as Linux does (csum_fold of the sum), is 0xffff.
    cases.append(C("icmp/echo-all-zero-checksum-0xffff").add(echo4(data=b"", ident=0, seq=0)[1]))
    # An echo request too large for one mbuf (net_pcap chains it): the reply
    # must carry the same data (or not be sent); today the worker cuts the
    # chain and sends pkt_len bytes from the first segment.
    cases.append(C("icmp/echo-multi-segment-frame").add(echo4(data=bytes(range(256)) * 10)[1]))
    # net_pcap chains a long frame as 2048 + 2176 + ... bytes: a 4228-byte
    # frame is 2048 + 2176 + 4; with 10 bytes past the IP length, the bytes
    # to drop from the reply span the last two segments.
    for fam in (4, 6):
        hdr = 14 + (20 if fam == 4 else 40) + 8
        q, e = (mk_echo4 if fam == 4 else mk_echo6)(b, data=b.payload(4228 - 10 - hdr))
        fr = e.frame + b.payload(10)
        assert len(fr) == 4228
        # Linux trims the bytes past the IP length (pskb_trim_rcsum), across segments.
        cases.append(C("icmp%s/echo-multi-segment-trailing-bytes" % ("" if fam == 4 else "6")).add(
            Exp(fr, e.kind, e.key, e.reply, e.mask, label=e.label)))
    req, e = echo4()
    fr = xor(e.frame, len(e.frame) - 1, 0x01)
    cases.append(C("icmp/drop-bad-checksum").add(Exp(fr, "drop", e.key, drop="ICMP_CSUM")))
    for name, typ, reason in (("echo-reply", 0, "ICMP_IGNORED"), ("timestamp", 13, "ICMP_IGNORED")):
        req, e = echo4()
        req[ICMP].type = typ
        del req[ICMP].chksum
        cases.append(C("icmp/drop-" + name).add(Exp(bytes(req), "drop", e.key, drop=reason)))
    req, e = echo4()
    req[IP].dst = "198.18.0.255"
    del req[IP].chksum
    cases.append(C("icmp/drop-echo-to-subnet-broadcast").add(Exp(bytes(req), "drop", e.key, drop="NOT_LOCAL")))
    req, e = echo4()
    cases.append(C("icmp/drop-echo-vlan200").add(Exp(bytes(req)[:12] + bytes.fromhex("810000c8") + bytes(req)[12:],
                                                     "drop", e.key, drop="VLAN_UNKNOWN")))
    req, e = echo4(data=b"")                        # 4 bytes of ICMP, checksum valid
    p = Ether(bytes(req)[:14]) / IP(src=req[IP].src, dst=req[IP].dst, proto=1, flags="DF") \
        / Raw(struct.pack("!BBH", 8, 0, ~0x0800 & 0xffff))
    cases.append(C("icmp/drop-truncated-echo").add(Exp(bytes(p), "drop", e.key, drop="PKT_TOO_SMALL")))

    # --- ICMPv6 echo (icmpv6_echo_reply): traffic class copied, hop limit 64
    echo6 = functools.partial(mk_echo6, b)

    cases.append(C("icmp6/echo").add(echo6()[1]))
    cases.append(C("icmp6/echo-code3").add(echo6(code=3, data=b.payload(200))[1]))
    cases.append(C("icmp6/echo-vlan100").add(echo6(vlan=100)[1]))
    # icmpv6_echo_reply: ipc6.tclass = ipv6_get_dsfield(), ECN included.
    cases.append(C("icmp6/echo-tclass-ecn-copied").add(echo6(tc=0x4b)[1]))
    cases.append(C("icmp6/echo-multi-segment-frame").add(echo6(data=bytes(range(256)) * 10)[1]))
    req, e = echo6()
    cases.append(C("icmp6/drop-bad-checksum").add(Exp(xor(e.frame, len(e.frame) - 1, 0x10), "drop",
                                                      e.key, drop="ICMP_CSUM")))
    req, e = echo6()
    req[ICMPv6EchoRequest].type = 129
    del req[ICMPv6EchoRequest].cksum
    cases.append(C("icmp6/drop-echo-reply").add(Exp(bytes(req), "drop", e.key, drop="ICMP_IGNORED")))

    # --- neighbour solicitation (ndisc_recv_ns)
    ns = functools.partial(mk_ns, b)

    cases.append(C("nd/ns-solicited-node").add(ns()))
    cases.append(C("nd/ns-reply-goes-to-slla").add(ns(eth_src=b.alloc.mac())))
    cases.append(C("nd/ns-vlan100").add(ns(target=LOCAL6_V100, vlan=100)))
    cases.append(C("nd/ns-to-all-nodes").add(ns(dst="ff02::1", dst_mac="33:33:00:00:00:01")))
    # ndisc_recv_ns with inc=0: solicited, not override, no target option.
    cases.append(C("nd/ns-unicast").add(ns(dst=LOCAL6, dst_mac=b.mac)))
    e = ns(dst="2001:2::5", dst_mac=b.mac)
    e.kind, e.reply, e.drop = "drop", None, "NOT_LOCAL"
    cases.append(C("nd/drop-ns-unicast-not-ours").add(e))
    cases.append(C("nd/ns-dad").add(ns(src="::", slla=False)))
    for name, kw, reason in (
            ("hop-limit-64", dict(hlim=64), "IPV6_NDISC_HOP_LIMIT"),
            ("hop-limit-254", dict(hlim=254), "IPV6_NDISC_HOP_LIMIT"),
            ("other-target", dict(target="2001:2::77"), "IPV6_NDISC_NS_OTHERHOST"),
            ("vlan100-target-untagged", dict(target=LOCAL6_V100), "IPV6_NDISC_NS_OTHERHOST"),
            ("vlan200", dict(vlan=200), "IPV6_NDISC_NS_OTHERHOST"),
            ("code1", dict(code=1), "IPV6_NDISC_BAD_CODE"),
            ("dad-with-slla", dict(src="::", target=LOCAL6_V100, vlan=100), "IPV6_NDISC_BAD_OPTIONS"),
            ("option-len0", dict(opts=bytes([1, 0, 0, 0, 0, 0, 0, 0])), "IPV6_NDISC_BAD_OPTIONS"),
            ("multicast-source", dict(src="ff02::2"), "IP_INVALID_SOURCE")):
        e = ns(**kw)
        e.kind, e.reply, e.drop = "drop", None, reason
        cases.append(C("nd/drop-ns-" + name).add(e))
    e = ns()
    cases.append(C("nd/drop-ns-bad-checksum").add(Exp(xor(e.frame, len(e.frame) - 1, 0x01), "drop",
                                                      e.key, drop="ICMP_CSUM")))
    # Linux receives a multicast NS only on a group it has joined
    # (ip6_mc_input: ipv6_chk_mcast_addr), i.e. the target's solicited-node group.
    e = ns(dst="ff02::1:ff00:3", dst_mac="33:33:ff:00:00:03")
    e.kind, e.reply, e.drop = "drop", None, "NOT_LOCAL"
    cases.append(C("nd/drop-ns-wrong-solicited-node-group").add(e))
    return cases


def reflect2_cases(b):
    """net.ipv6.flowlabel_reflect=2: RSTs carry the request's label when it
    is not 0 (tcp_v6_send_reset); echo replies do not (bit 4 is clear)."""
    cases = flag_matrix(b, "reflect2", "reflect0", "reflect2-zero", fams=(6,))
    cases.append(same_flow_case(b, "reflect2/label0-same-flow", None, "auto", fl=0))
    for i in range(8):
        cases.append(Case("reflect2/echo6-not-reflected-%d" % i).add(mk_echo6(b, )[1]))
    cases.append(Case("reflect2/ns-na-label0").add(mk_ns(b)))
    return cases


def reflect4_cases(b):
    """net.ipv6.flowlabel_reflect=4: echo replies reflect, RSTs do not."""
    cases = []
    for i in range(64):
        s = b.seg(6, flags=b.rng.choice((SYN, ACK, FIN | ACK, 0, PSH)), vlan=(None, 100)[i & 1])
        cases.append(Case("reflect4/rst-not-reflected-%d" % i).add(s.expect_rst("auto", "reflect4-rst")))
    for i in range(8):
        cases.append(Case("reflect4/echo6-reflected-%d" % i).add(
            mk_echo6(b, vlan=(None, 100)[i & 1], label_mode="reflect")[1]))
    cases.append(Case("reflect4/echo6-label0-hashed").add(mk_echo6(b, fl=0)[1]))
    return cases


def noauto_cases(b):
    """net.ipv6.auto_flowlabels=0, flowlabel_reflect=0: every label is 0."""
    cases = flag_matrix(b, "noauto", "zero", None, fams=(6,))
    for i in range(4):
        cases.append(Case("noauto/echo6-label0-%d" % i).add(mk_echo6(b, label_mode="zero")[1]))
    cases.append(Case("noauto/ns-na-label0").add(mk_ns(b)))
    return cases


RUNS = (
    ("main", [], main_cases),
    ("reflect2", ["--set", "ipv6.flowlabel_reflect=2"], reflect2_cases),
    ("reflect4", ["--set", "ipv6.flowlabel_reflect=4"], reflect4_cases),
    ("noauto", ["--set", "ipv6.auto_flowlabels=0", "--set", "ipv6.flowlabel_reflect=0"], noauto_cases),
)


def build(mac, seed):
    """Every run's cases, from one seed (so a rebuild is identical)."""
    return [(name, args, fn(Builder(mac, seed * 16 + i))) for i, (name, args, fn) in enumerate(RUNS)]


# ---------------------------------------------------------------------------
# Running backstop

class Run:
    def __init__(self, name, args, cases, workdir):
        self.name, self.args, self.cases = name, args, cases
        self.dir = os.path.join(workdir, name)
        self.mac = None
        self.rc = None
        self.stdout = self.stderr = ""
        self.stats = None
        self.out = []
        self.elapsed = 0.0
        self.t0 = self.t1 = 0.0     # wall clock around the run


def run_backstop(binary, run, conf):
    os.makedirs(run.dir, exist_ok=True)
    inp, outp = os.path.join(run.dir, "in.pcap"), os.path.join(run.dir, "out.pcap")
    stats = os.path.join(run.dir, "stats.json")
    for p in (outp, stats):
        if os.path.exists(p):
            os.unlink(p)
    write_pcap(inp, [e.frame for c in run.cases for e in c.exps])
    prefix = "bs-pkt-%d-%s" % (os.getpid(), run.name)
    cmd = ["timeout", "-k", "5", str(RUN_TIMEOUT_S), binary, "-l", "0,1", "--no-huge", "-m", "512",
           "--no-pci", "--file-prefix", prefix,
           "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, outp), "--",
           "--config", conf, "--duration", str(RUN_DURATION_S), "--stats-json", stats,
           "--set", "backstop.announce=no", "--set", "control.socket="] + run.args
    env = dict(os.environ)
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    t0 = time.monotonic()
    run.t0 = time.time()
    # Its own session: timeout and backstop are one process group, killed
    # by our child's PID if anything goes wrong here.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, cwd=run.dir)

    def kill():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S + 15)
        run.rc = proc.returncode
    except subprocess.TimeoutExpired:
        kill()
        out, err = proc.communicate()
        run.rc = "killed after %d s" % (RUN_TIMEOUT_S + 15)
    except BaseException:
        kill()
        proc.wait()
        raise
    finally:
        shutil.rmtree(dpdk_runtime_dir(prefix), ignore_errors=True)
    run.elapsed = time.monotonic() - t0
    run.t1 = time.time()
    run.stdout, run.stderr = out.decode(errors="replace"), err.decode(errors="replace")
    for name, text in (("stdout.txt", run.stdout), ("stderr.txt", run.stderr)):
        with open(os.path.join(run.dir, name), "w") as f:
            f.write(text)
    m = re.search(r"backstop: port net_pcap0 \(id \d+\) ([0-9A-Fa-f:]{17})", run.stdout)
    run.mac = m.group(1).lower() if m else None
    try:
        with open(stats) as f:
            run.stats = json.load(f)
    except (OSError, ValueError):
        run.stats = None
    try:
        run.out = read_pcap(outp)
    except (OSError, ValueError) as e:
        run.out = None
        run.stderr += "\n(test) out.pcap: %s" % e


# ---------------------------------------------------------------------------
# Checking

class Results:
    def __init__(self):
        self.passed = self.failed = 0
        self.xfailed = []
        self.verbose = os.environ.get("BACKSTOP_PKT_VERBOSE") == "1"

    def record(self, name, errors, xfail=None):
        if xfail:
            if errors:
                self.passed += 1
                self.xfailed.append(name)
                print("XFAIL %s: %s [observed: %s]" % (name, xfail, "; ".join(errors)))
            else:
                self.failed += 1
                print("FAIL %s: marked as an expected failure (%s) but passes: remove the mark"
                      % (name, xfail))
            return False
        if errors:
            self.failed += 1
            print("FAIL %s: %s" % (name, "; ".join(errors)))
            return True
        self.passed += 1
        if self.verbose:
            print("ok %s" % name)
        return False


def stamp_errors(b, offsets, run):
    """An RFC 791 timestamp (ms since midnight UTC) must be from the run."""
    lo, hi = ms_since_midnight(run.t0 - 2), ms_since_midnight(run.t1 + 2)
    errs = []
    for off in offsets:
        t = struct.unpack("!I", b[off:off + 4])[0]
        ok = lo <= t <= hi if lo <= hi else (t >= lo or t <= hi)
        if not ok:
            errs.append("timestamp at byte %d is %d ms, not within the run (%d..%d)" % (off, t, lo, hi))
    return errs


def check_run(run, res):
    prefix = run.name + ": "
    perr = []
    if run.rc != 0:
        perr.append("backstop exited with %s" % run.rc)
    for pat in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
        if pat in run.stderr:
            line = next(l for l in run.stderr.splitlines() if pat in l)
            perr.append("sanitizer report: %s" % line.strip())
    if run.stats is None:
        perr.append("no stats.json")
    if run.out is None:
        perr.append("no readable out.pcap")
    if perr:
        tail = " | ".join(run.stderr.strip().splitlines()[-5:])
        perr.append("stderr tail: %s" % tail)
    res.record(prefix + "backstop process", perr)
    outs = run.out or []

    by_key = collections.defaultdict(list)
    for i, b in enumerate(outs):
        by_key[out_key(b)].append(i)
    claimed = set()
    seen = {}
    for c in run.cases:
        for e in c.exps:
            if e.key in seen and seen[e.key] is not c:
                raise RuntimeError("test bug: key %r used by %s and %s" % (e.key, seen[e.key].name, c.name))
            seen[e.key] = c

    label_obs = collections.defaultdict(list)
    expected_acct = collections.Counter()
    for c in run.cases:
        errors, pairs = [], []
        keys = []
        for e in c.exps:
            if e.key not in keys:
                keys.append(e.key)
        for k in keys:
            got = list(by_key.get(k, []))
            claimed.update(got)
            for e in (e for e in c.exps if e.key == k and e.reply is not None):
                mask = dict(e.mask or {})
                for off in e.stamps:
                    mask.update({off + j: 0xff for j in range(4)})
                hit = next((i for i in got if masked_equal(outs[i], e.reply, mask)), None)
                if hit is None:
                    if got:
                        errors.append("reply differs: " + describe_diff(outs[got[0]], e.reply, e.mask))
                        got.pop(0)
                    else:
                        errors.append("no reply (expected %s)" % Ether(e.reply).summary())
                    continue
                got.remove(hit)
                errors += checksum_errors(outs[hit])
                errors += stamp_errors(outs[hit], e.stamps, run)
                pairs.append((e, outs[hit]))
                if e.label and e.label[0]:
                    label_obs[e.label[0]].append((e.label[1], flow_label(outs[hit])))
            for i in got:
                exp_drop = [e.drop for e in c.exps if e.key == k and e.kind == "drop"]
                errors.append("unexpected reply %s%s" % (
                    Ether(outs[i]).summary(), " (expected drop %s)" % exp_drop[0] if exp_drop else ""))
        if c.post and not errors:
            errors += c.post(pairs)
        failed = bool(errors)
        res.record(prefix + c.name, errors, c.xfail)
        expected_acct += c.acct(failed)

    # Flow label observations over many flows.
    for group, obs in sorted(label_obs.items()):
        errs = []
        n = len(obs)
        reflected = sum(1 for req, rep in obs if req != 0 and req == rep)
        distinct = len(set(rep for _, rep in obs))
        zero = sum(1 for _, rep in obs if rep == 0)
        # A 20-bit hash: a repeat, a 0 or the request's own label is rare.
        if reflected > n // 100:
            errs.append("%d of %d labels equal the request's (not a hash)" % (reflected, n))
        if distinct < n - max(2, n // 50):
            errs.append("only %d distinct labels over %d flows" % (distinct, n))
        if zero > n // 100:
            errs.append("%d of %d labels are 0" % (zero, n))
        res.record(prefix + "flowlabel-hash/%s (%d flows)" % (group, n), errs)

    unclaimed = [i for i in range(len(outs)) if i not in claimed]
    res.record(prefix + "no unexpected frames", ["%s" % Ether(outs[i]).summary()
                                                 for i in unclaimed[:5]]
               + (["... %d in all" % len(unclaimed)] if len(unclaimed) > 5 else []))

    # Counters: drops and resets key by key, and the tracked counters.
    errs = []
    st = run.stats or {}
    for sect in ("drops", "resets"):
        m = st.get(sect)
        if not isinstance(m, dict):
            errs.append("stats.json has no %s map" % sect)
            continue
        for k in sorted(set(m) | {x.split(".", 1)[1] for x in expected_acct if x.startswith(sect + ".")}):
            want = expected_acct.get(sect + "." + k, 0)
            if k not in m:
                errs.append("%s.%s missing (expected %d)" % (sect, k, want))
            elif m[k] != want:
                errs.append("%s.%s=%d, expected %d" % (sect, k, m[k], want))
    cnt = st.get("counters", {})
    for k in TRACKED_COUNTERS:
        want = expected_acct.get("counters." + k, 0)
        if cnt.get(k) != want:
            errs.append("counters.%s=%s, expected %d" % (k, cnt.get(k), want))
    res.record(prefix + "stats.json drops/resets/counters", errs)


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: %s BACKSTOP [WORKDIR]" % sys.argv[0], file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        print("%s: not an executable" % binary, file=sys.stderr)
        return 2
    seed = int(os.environ.get("BACKSTOP_PKT_SEED", "0")) or random.SystemRandom().randint(1, 2 ** 31)
    print("packet suite: seed %d (BACKSTOP_PKT_SEED=%d reproduces it)" % (seed, seed))
    t0 = time.monotonic()
    keep = len(sys.argv) == 3
    workdir = os.path.abspath(sys.argv[2]) if keep else tempfile.mkdtemp(prefix="bs-pkt-")
    os.makedirs(workdir, exist_ok=True)
    try:
        conf = os.path.join(workdir, "backstop-packet.conf")
        with open(conf, "w") as f:
            f.write(CONFIG)
        mac = DEFAULT_PORT_MAC
        runs = None
        for attempt in range(2):
            runs = [Run(n, a, cs, workdir) for n, a, cs in build(mac, seed)]
            for r in runs:
                run_backstop(binary, r, conf)
                if r.mac and r.mac != mac:
                    break
            if runs[0].mac and any(r.mac and r.mac != mac for r in runs) and attempt == 0:
                mac = next(r.mac for r in runs if r.mac and r.mac != mac)
                print("port MAC is %s, not %s: rebuilding the frames" % (mac, DEFAULT_PORT_MAC))
                continue
            break
        res = Results()
        for r in runs:
            if r.rc is None:
                res.record(r.name + ": backstop process", ["not run"])
                continue
            n_in = sum(len(c.exps) for c in r.cases)
            print("run %s: %d cases, %d frames in, %s frames out, %.1f s" % (
                r.name, len(r.cases), n_in, len(r.out) if r.out is not None else "?", r.elapsed))
            mac_err = [] if r.mac == mac else ["port MAC %s, frames were addressed to %s" % (r.mac, mac)]
            res.record(r.name + ": port MAC", mac_err)
            check_run(r, res)
        if res.xfailed:
            print("expected failures (reported bugs): %d" % len(res.xfailed))
        print("total time %.1f s" % (time.monotonic() - t0))
        print("%d passed, %d failed" % (res.passed, res.failed))
        return 1 if res.failed else 0
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
