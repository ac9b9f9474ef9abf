#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The malformed-input corpus: hostile frames, each named, documented and
with the one outcome Linux gives it (docs/reliability.md section 3).

    hostile_corpus.py list [SEED]         name, outcome and why, one a line
    hostile_corpus.py pcap OUT [SEED]     every frame, in corpus order

A case is a test_stray.Case: its frames (Exp) say what goes in and either
the exact reply (the RST-REPLY of the matrix, section 5.1) or "nothing,
counted under drop reason R" (lib/net/bs_drop.def). Frames are built with
scapy from test_stray's Seg (a TCP segment to one of the packet suite's
local addresses, every field random unless set), then cut, stretched or
patched byte by byte, so a frame is exactly as hostile as its name says and
nothing else is wrong with it (checksums are recomputed unless the case is
about them). The addresses are test_stray's topology: 198.18.0.2 and
2001:2::2 untagged, 198.18.1.2 and 2001:2:1::2 on VLAN 100, peers from
198.19.0.0/16 and 2001:2:0:ff::/64.

Every case that must not be answered is a drop; a case whose name starts
with rst/ (or flags/) is one Linux answers, and its reply is checked byte
for byte. test_hostile.py feeds the corpus through the worker.
"""

import struct
import sys

from test_stray import (  # noqa: E402 (scapy and the topology come from there)
    ACK, BCAST_MAC, Builder, Case, DEFAULT_PORT_MAC, Dot1Q, Ether, Exp, FIN, IP,
    IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
    LOCAL4, LOCAL4_V100, LOCAL6, PSH, RST, Raw, SYN, TCP, URG, ip_csum, label_mask,
    flag_matrix, sub, write_pcap, xor,
)


def _tcp_csum4(src, dst, seg):
    s = struct.pack("!4s4sBBH", src, dst, 0, 6, len(seg)) + seg
    if len(s) % 2:
        s += b"\0"
    t = sum(struct.unpack("!%dH" % (len(s) // 2), s))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff


class Corpus:
    """Builds the cases: add() records a case with its documentation."""

    def __init__(self, b):
        self.b = b
        self.cases = []
        self.n_keys = 0

    def key(self):
        self.n_keys += 1
        return ("corpus", self.n_keys)

    def add(self, name, doc, exps):
        c = Case(name)
        c.doc = doc
        for e in exps:
            c.add(e)
        self.cases.append(c)
        return c

    def drop(self, name, reason, doc, frame, s=None):
        """A frame that gets nothing, counted under reason."""
        key = s.key() if s is not None else self.key()
        return self.add(name, doc, [Exp(frame, "drop", key, drop=reason)])

    def rst(self, name, doc, s, frame=None, reply_seg=None):
        """A segment that gets the RST-REPLY (computed from reply_seg, the
        segment as Linux sees it once trimmed, if the frame differs)."""
        e = s.expect_rst()
        if reply_seg is not None:
            e.reply = reply_seg.rst()
        if frame is not None:
            e.frame = frame
        return self.add(name, doc, [e])


def l3off(s):
    return 14 if s.vlan is None else 18


def l4off(s):
    """Where the TCP header starts in s.frame() (no IP options or ext headers)."""
    return l3off(s) + (20 if s.fam == 4 else 40)


def set_ip_len(s, fr, n):
    """fr with the IPv4 total length (checksum redone) or the IPv6 payload
    length set to n."""
    o = l3off(s)
    if s.fam == 4:
        h = bytearray(fr[o:o + (fr[o] & 15) * 4])
        h[2:4] = struct.pack("!H", n)
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack("!H", ip_csum(bytes(h)))
        return fr[:o] + bytes(h) + fr[o + len(h):]
    return sub(fr, o + 4, struct.pack("!H", n))


def set_ihl(fr, o, ihl):
    """IPv4 header at o with its IHL nibble set, checksum over 20 bytes redone."""
    h = bytearray(fr[o:o + 20])
    h[0] = (h[0] & 0xf0) | ihl
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", ip_csum(bytes(h)))
    return fr[:o] + bytes(h) + fr[o + 20:]


def ip4_with_opts(s, opts):
    """s's frame with the raw IPv4 option bytes opts (IHL, length, IP
    checksum redone; the TCP checksum does not cover options)."""
    assert len(opts) % 4 == 0
    fr = s.frame()
    o = l3off(s)
    h = bytearray(fr[o:o + 20])
    h[0] = 0x40 | (5 + len(opts) // 4)
    h[2:4] = struct.pack("!H", struct.unpack("!H", h[2:4])[0] + len(opts))
    h[10:12] = b"\0\0"
    h = bytes(h) + bytes(opts)
    h = h[:10] + struct.pack("!H", ip_csum(h)) + h[12:]
    return fr[:o] + h + fr[o + 20:]


def truncation_cases(c):
    b = c.b
    # Ethernet and VLAN headers.
    s = b.seg(4)
    fr = s.frame()
    for n in (1, 6, 11, 12, 13):
        c.drop("trunc/ethernet-%d" % n, "PKT_TOO_SMALL",
               "%d bytes: the Ethernet header (14) is cut" % n, fr[:n])
    s = b.seg(4, vlan=100)
    fr = s.frame()
    for n in (14, 15, 16, 17):
        c.drop("trunc/vlan-tag-%d" % n, "PKT_TOO_SMALL",
               "802.1Q frame cut inside its tag, %d of 18 bytes" % n, fr[:n])
    c.drop("trunc/vlan-no-ip-header", "PKT_TOO_SMALL",
           "802.1Q tag complete, EtherType IPv4, no IP header", fr[:18], s)
    # IPv4 header, every field boundary.
    for fam in (4, 6):
        hl = 20 if fam == 4 else 40
        bounds = (0, 1, 2, 4, 8, 9, 10, 12, 16, 19) if fam == 4 else (0, 1, 4, 6, 7, 8, 24, 39)
        for n in bounds:
            s = b.seg(fam)
            c.drop("trunc/ipv%d-header-%d" % (fam, n), "PKT_TOO_SMALL",
                   "IPv%d header cut after %d of its %d bytes" % (fam, n, hl),
                   s.frame()[:14 + n], s)
        # TCP header, every field boundary: the frame cut there, (a) the IP
        # length saying so (the segment itself is short), (b) the IP length
        # still claiming the whole segment (past the frame).
        for n in (0, 1, 2, 4, 8, 12, 13, 14, 16, 18, 19):
            s = b.seg(fam)
            fr = s.frame()[:l4off(s) + n]
            c.drop("trunc/ipv%d-tcp-header-%d" % (fam, n),
                   "IP_INHDR" if fam == 6 and n == 0 else "PKT_TOO_SMALL",
                   "TCP header cut after %d of 20 bytes, IP length agrees%s" % (
                       n, " (a payload length of 0)" if fam == 6 and n == 0 else ""),
                   set_ip_len(s, fr, (hl if fam == 4 else 0) + n), s)
        for n in (0, 13, 19):
            s = b.seg(fam, vlan=100)
            c.drop("trunc/ipv%d-vlan100-tcp-header-%d-ip-len-past-frame" % (fam, n), "PKT_TOO_SMALL",
                   "VLAN 100, TCP header cut after %d bytes, IP length claims 20" % n,
                   s.frame()[:l4off(s) + n], s)
        # TCP options: the data offset promises more than the segment holds.
        opts = bytes([2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1]) + bytes([8, 10]) + bytes(8) + bytes([1, 1])
        for n in (1, 4, 11, 23):
            s = b.seg(fam, opts=opts)
            fr = s.frame()[:l4off(s) + 20 + n]
            c.drop("trunc/ipv%d-tcp-options-%d-of-24" % (fam, n), "PKT_TOO_SMALL",
                   "data offset 11 (24 option bytes), segment ends after %d of them" % n,
                   set_ip_len(s, fr, (hl if fam == 4 else 0) + 20 + n), s)
        s = b.seg(fam, flags=ACK | PSH, payload=b.payload(100))
        fr = s.frame()
        c.drop("trunc/ipv%d-payload-1-short" % fam, "PKT_TOO_SMALL",
               "100 bytes of data, the frame one byte short of the IP length", fr[:-1], s)
    # IPv4 options cut by the frame.
    s = b.seg(4)
    fr = ip4_with_opts(s, bytes([7, 39, 4]) + bytes(37))
    for n in (1, 20, 39):
        c.drop("trunc/ipv4-options-%d-of-40" % n, "PKT_TOO_SMALL",
               "IHL 15 (a 39-byte record route), frame cut after %d option bytes" % n,
               fr[:14 + 20 + n], s)
        s = b.seg(4)
        fr = ip4_with_opts(s, bytes([7, 39, 4]) + bytes(37))
    # IPv6 extension headers cut by the frame (the payload length agrees
    # with the frame) or by the payload length (the frame is whole).
    for name, ext in (("hbh", IPv6ExtHdrHopByHop()), ("destopt", IPv6ExtHdrDestOpt()),
                      ("routing", IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:2::99"])),
                      ("fragment", IPv6ExtHdrFragment(m=0, offset=0, id=77))):
        s = b.seg(6, ext=[ext])
        fr = s.frame()
        elen = len(bytes(ext)) if name != "routing" else 24
        for n in (1, 7) if elen == 8 else (1, 7, 8, 23):
            c.drop("trunc/ipv6-%s-%d-of-%d" % (name, n, elen), "IPV6_BAD_EXTHDR",
                   "IPv6 %s header cut after %d of %d bytes, payload length agrees" % (name, n, elen),
                   set_ip_len(s, fr[:54 + n], n), s)
            s = b.seg(6, ext=[ext])
            fr = s.frame()
        c.drop("trunc/ipv6-%s-frame-cut-4" % name, "PKT_TOO_SMALL",
               "IPv6 %s header: frame cut after 4 of its bytes, payload length claims all" % name,
               fr[:54 + 4], s)


def length_cases(c):
    b = c.b
    for tot in (0, 1, 19):
        s = b.seg(4)
        c.drop("len/ipv4-total-length-%d" % tot, "IP_INHDR",
               "total length %d, below the 20-byte header" % tot, set_ip_len(s, s.frame(), tot), s)
    s = b.seg(4)
    c.drop("len/ipv4-total-length-20", "PKT_TOO_SMALL",
           "total length 20: an IP header and no TCP header (frame padded with the segment)",
           set_ip_len(s, s.frame(), 20), s)
    for extra in (1, 1000, 65535 - 40):
        s = b.seg(4)
        c.drop("len/ipv4-total-length-past-frame-%d" % extra, "PKT_TOO_SMALL",
               "total length %d bytes past the frame" % extra,
               set_ip_len(s, s.frame(), 40 + extra), s)
    s = b.seg(4, vlan=100)
    c.drop("len/ipv4-vlan100-total-length-65535", "PKT_TOO_SMALL",
           "VLAN 100, total length 65535 on a 58-byte frame", set_ip_len(s, s.frame(), 65535), s)
    # IHL below 5, above what the frame or total length hold
    for ihl in (0, 1, 4):
        s = b.seg(4)
        c.drop("len/ipv4-ihl-%d" % ihl, "IP_INHDR", "IHL %d (below 5 words)" % ihl,
               set_ihl(s.frame(), 14, ihl), s)
    s = b.seg(4)
    fr = set_ihl(s.frame(), 14, 15)
    c.drop("len/ipv4-ihl-15-no-options", "PKT_TOO_SMALL",
           "IHL 15 (60 bytes) on a 40-byte datagram: the header runs past the frame", fr, s)
    # 40 bytes of "options": the TCP header and data; the source port makes
    # the first one an option 0x99 of length 0x50, past the header.
    s = b.seg(4, payload=b.payload(40), sport=0x9950)
    h = bytearray(s.frame()[14:74])
    h[0], h[10:12] = 0x4f, b"\0\0"
    h[10:12] = struct.pack("!H", ip_csum(bytes(h)))
    c.drop("len/ipv4-ihl-15-swallows-tcp", "IP_INHDR",
           "IHL 15 on an 80-byte datagram: the TCP header read as options, a bad one",
           s.frame()[:14] + bytes(h) + s.frame()[74:], s)
    for ver in (0, 5, 6, 15):
        s = b.seg(4)
        fr = s.frame()
        c.drop("len/ipv4-version-%d" % ver, "IP_INHDR",
               "EtherType IPv4, IP version %d" % ver, set_ihl(sub(fr, 14, [ver << 4 | 5]), 14, 5), s)
    for ver in (0, 4, 15):
        s = b.seg(6)
        fr = s.frame()
        c.drop("len/ipv6-version-%d" % ver, "IP_INHDR", "EtherType IPv6, IP version %d" % ver,
               sub(fr, 14, [ver << 4 | (fr[14] & 15)]), s)
    s = b.seg(6)
    c.drop("len/ipv6-payload-length-0", "IP_INHDR",
           "payload length 0 without a jumbo option", set_ip_len(s, s.frame(), 0), s)
    for plen in (1, 19):
        s = b.seg(6)
        c.drop("len/ipv6-payload-length-%d" % plen, "PKT_TOO_SMALL",
               "payload length %d: the TCP header is cut" % plen,
               set_ip_len(s, s.frame(), plen), s)
    for extra in (1, 65535 - 20):
        s = b.seg(6)
        c.drop("len/ipv6-payload-length-past-frame-%d" % extra, "PKT_TOO_SMALL",
               "payload length %d bytes past the frame" % extra,
               set_ip_len(s, s.frame(), 20 + extra), s)
    for doff in (0, 1, 2, 3, 4):
        s = b.seg(4 if doff % 2 else 6, doff=doff, flags=SYN)
        c.drop("len/tcp-doff-%d" % doff, "PKT_TOO_SMALL",
               "TCP data offset %d, below 5 words" % doff, s.frame(), s)
    for doff in (6, 10, 15):
        s = b.seg(6 if doff % 2 else 4, doff=doff, flags=ACK, payload=b.payload(doff * 4 - 24))
        c.drop("len/tcp-doff-%d-past-segment" % doff, "PKT_TOO_SMALL",
               "TCP data offset %d (%d bytes), segment %d bytes" % (doff, doff * 4, doff * 4 - 4),
               s.frame(), s)
    # The IP length shorter than the frame: the rest is Ethernet padding;
    # Linux trims it (pskb_trim_rcsum) and answers the segment it describes.
    for fam in (4, 6):
        s = b.seg(fam, flags=PSH | ACK, payload=b.payload(10))
        e = s.expect_rst()
        e.frame = s.frame() + b.payload(40)
        c.add("rst/ipv%d-ip-length-leaves-40-bytes" % fam,
              "40 bytes past the IP length (padding, trimmed): the RST is the segment's", [e])


def ipopt_cases(c):
    """IPv4 options as ip_options_compile() judges them on receive."""
    b = c.b
    bad = (
        ("len-0", bytes([0x44, 0, 0, 0]), "option length 0"),
        ("len-1", bytes([0x99, 1, 0, 0]), "option length 1"),
        ("len-past-header", bytes([0x99, 40, 0, 0]), "option length 40 in 4 option bytes"),
        ("kind-without-length", bytes([1, 1, 1, 0x99]), "a multi-byte option in the last byte"),
        ("rr-len-2", bytes([7, 2, 1, 1]), "record route of length 2"),
        ("rr-ptr-3", bytes([7, 7, 3]) + bytes(5), "record route pointer 3 (below 4)"),
        ("rr-ptr-0", bytes([7, 7, 0]) + bytes(5), "record route pointer 0"),
        ("rr-odd-room", bytes([7, 6, 4]) + bytes(3) + bytes([1, 1]),
         "record route with 3 free bytes at its pointer"),
        ("rr-twice", bytes([7, 7, 4]) + bytes(4) + bytes([7, 7, 8]) + bytes(4) + bytes([0, 0]),
         "two record route options"),
        ("ts-len-3", bytes([0x44, 3, 5, 1]), "timestamp of length 3"),
        ("ts-ptr-4", bytes([0x44, 8, 4, 0]) + bytes(4), "timestamp pointer 4 (below 5)"),
        ("ts-overflow-15", bytes([0x44, 8, 9, 0xf0]) + bytes(4),
         "full timestamp option whose overflow counter is already 15"),
        ("ts-addr-no-room", bytes([0x44, 8, 5, 1]) + bytes(4),
         "timestamp+address with room for a timestamp only"),
        ("ts-twice", bytes([0x44, 8, 5, 0]) + bytes(4) + bytes([0x44, 8, 5, 0]) + bytes(4),
         "two timestamp options"),
        ("cipso", bytes([134, 6, 0, 0, 0, 1, 1, 1]), "CIPSO with no DOI configured"),
        ("lsrr-ptr-3", bytes([131, 7, 3]) + bytes(4) + bytes([0]),
         "loose source route pointer 3 (below 4)"),
        ("ssrr-len-2", bytes([137, 2, 1, 1]), "strict source route of length 2"),
    )
    for name, opts, doc in bad:
        s = b.seg(4, flags=SYN)
        c.drop("ipopt/" + name, "IP_INHDR", "malformed IPv4 option: " + doc, ip4_with_opts(s, opts), s)
    for name, opts, doc in (
            ("lsrr", bytes([131, 7, 4]) + bytes(4) + bytes([0]), "a loose source route"),
            ("ssrr", bytes([137, 11, 4]) + bytes(8) + bytes([0]), "a strict source route"),
            ("lsrr-done", bytes([131, 7, 8, 198, 19, 0, 1, 0]), "a loose source route already done")):
        s = b.seg(4, flags=SYN)
        c.drop("ipopt/" + name, "IP_SOURCE_ROUTE",
               doc + ": refused (accept_source_route = 0)", ip4_with_opts(s, opts), s)
    for name, opts, doc in (
            ("unknown-kind", bytes([0x99, 4, 0xab, 0xcd]), "an unknown option (skipped)"),
            ("eol-then-garbage", bytes([0, 0x99, 0x33, 0x77]), "EOL, then bytes never looked at"),
            ("nop-40", bytes([1] * 40), "40 NOPs"),
            ("security", bytes([130, 11]) + bytes(9) + bytes([0]), "the RFC 1108 security option")):
        s = b.seg(4, flags=SYN)
        e = s.expect_rst()
        e.frame = ip4_with_opts(s, opts)
        c.add("rst/ipopt-" + name, doc + ": not an error, the RST is the plain one", [e])


def fragment_cases(c):
    """Fragments are dropped unreassembled; none of these sets completes a
    datagram (Linux would queue them and time them out, answering nothing)."""
    b = c.b
    def frag4(name, doc, mf, off, n_tcp=None, vlan=None):
        s = b.seg(4, vlan=vlan, flags=SYN, payload=b.payload(24), ipflags=1 if mf else 0)
        p = s.pkt()
        p[IP].frag = off
        fr = bytes(p)
        if n_tcp is not None:
            o = l4off(s)
            fr = set_ip_len(s, fr[:o + n_tcp], 20 + n_tcp)
        c.drop("frag/" + name, "IP_FRAGMENT", doc, fr, s)
    frag4("ipv4-first", "first fragment (MF, offset 0)", True, 0)
    frag4("ipv4-middle", "middle fragment (MF, offset 64 bytes)", True, 8)
    frag4("ipv4-last", "last fragment (offset 128 bytes, no MF)", False, 16)
    frag4("ipv4-offset-max", "fragment at the largest offset (8191 units)", False, 8191)
    frag4("ipv4-tiny-first", "tiny first fragment: 8 bytes of TCP header (RFC 1858)", True, 0, 8)
    frag4("ipv4-tiny-overlap", "offset 1 (8 bytes): overlaps a tiny first fragment's TCP "
          "header (RFC 1858 overlap attack)", False, 1)
    frag4("ipv4-vlan100-first", "VLAN 100 first fragment", True, 0, vlan=100)
    # Two overlapping fragments of one datagram (same id), both first-ish.
    s = b.seg(4, flags=SYN, payload=b.payload(16), ipflags=1, ipid=0x4242)
    p = s.pkt()
    c.drop("frag/ipv4-overlap-a", "IP_FRAGMENT", "overlapping pair, part 1 (offset 0, MF)", bytes(p), s)
    t = b.seg(4, flags=SYN, payload=b.payload(16), ipflags=1, ipid=0x4242)
    t.peer, t.src_mac = s.peer, s.src_mac
    p = t.pkt()
    p[IP].frag = 1
    c.drop("frag/ipv4-overlap-b", "IP_FRAGMENT", "overlapping pair, part 2 (offset 8, MF, "
           "inside part 1)", bytes(p), t)
    for name, doc, ext in (
            ("ipv6-first", "first fragment (M, offset 0)", [IPv6ExtHdrFragment(m=1, offset=0, id=1)]),
            ("ipv6-middle", "middle fragment", [IPv6ExtHdrFragment(m=1, offset=100, id=2)]),
            ("ipv6-last", "last fragment", [IPv6ExtHdrFragment(m=0, offset=200, id=3)]),
            ("ipv6-offset-max", "largest offset", [IPv6ExtHdrFragment(m=0, offset=8191, id=4)]),
            ("ipv6-atomic-then-fragment", "an atomic fragment header followed by a real one",
             [IPv6ExtHdrFragment(m=0, offset=0, id=5), IPv6ExtHdrFragment(m=1, offset=0, id=6)]),
            ("ipv6-destopt-then-fragment", "destination options, then a fragment header",
             [IPv6ExtHdrDestOpt(), IPv6ExtHdrFragment(m=1, offset=0, id=7)])):
        s = b.seg(6, flags=SYN, payload=b.payload(16), ext=ext)
        c.drop("frag/" + name, "IP_FRAGMENT", doc, s.frame(), s)
    s = b.seg(6, flags=SYN, ext=[IPv6ExtHdrFragment(m=1, offset=0, id=8)])
    fr = s.frame()
    c.drop("frag/ipv6-tiny-first", "IP_FRAGMENT", "first fragment with 8 bytes of TCP header",
           set_ip_len(s, fr[:54 + 8 + 8], 16), s)


def csum_cases(c):
    b = c.b
    for fam in (4, 6):
        v = "ipv%d" % fam
        for name, flags, plen, opts in (("syn", SYN, 0, b""), ("ack", ACK, 0, b""),
                                        ("fin", FIN, 0, b""), ("data", ACK | PSH, 300, b""),
                                        ("rst", RST, 0, b""), ("syn-opts", SYN, 0,
                                                               bytes([2, 4, 5, 0xb4, 1, 1, 4, 2]))):
            for bit in (0x0001, 0x8000):
                s = b.seg(fam, flags=flags, payload=b.payload(plen), opts=opts)
                fr = s.frame()
                o = l4off(s) + 16
                want = struct.unpack("!H", fr[o:o + 2])[0] ^ bit
                c.drop("csum/%s-tcp-%s-bit%d" % (v, name, bit.bit_length() - 1), "TCP_CSUM",
                       "TCP checksum with bit %d flipped, %s" % (bit.bit_length() - 1, name),
                       sub(fr, o, struct.pack("!H", want)), s)
        s = b.seg(fam, flags=SYN)
        fr = s.frame()
        o = l4off(s) + 16
        if fr[o:o + 2] not in (b"\0\0", b"\xff\xff"):
            c.drop("csum/%s-tcp-zero" % v, "TCP_CSUM",
                   "TCP checksum 0 (TCP has no 'no checksum')", sub(fr, o, b"\0\0"), s)
        s = b.seg(fam, flags=ACK, payload=b.payload(7))
        fr = s.frame()
        c.drop("csum/%s-tcp-swapped-words" % v, "TCP_CSUM",
               "two data bytes changed so the sum moves (checksum unchanged)",
               sub(fr, len(fr) - 7, bytes([fr[-7] ^ 0x11, fr[-6] ^ 0x22])), s)
        s = b.seg(fam, flags=SYN, vlan=100)
        fr = s.frame()
        c.drop("csum/%s-vlan100-tcp-port-changed" % v, "TCP_CSUM",
               "destination port changed after the checksum", xor(fr, l4off(s) + 3, 0x40), s)
    for name, off, val in (("hdr-csum-bit0", 11, 0x01), ("hdr-csum-bit15", 10, 0x80),
                           ("ttl-changed", 8, 0x20), ("tos-changed", 1, 0x04),
                           ("src-changed", 13 + 2, 0x01)):
        s = b.seg(4)
        fr = s.frame()
        c.drop("csum/ipv4-" + name, "IP_CSUM", "IPv4 header checksum broken: " + name,
               xor(fr, 14 + off, val), s)
    s = b.seg(4)
    fr = s.frame()
    if fr[24:26] not in (b"\0\0", b"\xff\xff"):
        c.drop("csum/ipv4-hdr-csum-zero", "IP_CSUM", "IPv4 header checksum 0", sub(fr, 24, b"\0\0"), s)
    s = b.seg(4, ipopts=None)
    fr = ip4_with_opts(s, bytes([1, 1, 1, 0]))
    c.drop("csum/ipv4-options-byte-changed", "IP_CSUM",
           "a NOP option byte changed after the header checksum", xor(fr, 14 + 20, 0x02), s)


def address_cases(c):
    """Zero ports, LAND, broadcast and multicast at L2 and L3."""
    b = c.b
    for fam in (4, 6):
        v = "ipv%d" % fam
        loc = LOCAL4 if fam == 4 else LOCAL6
        s = b.seg(fam, flags=SYN, dport=0)
        c.rst("rst/%s-dport-0" % v, "destination port 0: closed like any other, N2", s)
        s = b.seg(fam, flags=ACK, dport=0)
        c.rst("rst/%s-dport-0-ack" % v, "destination port 0 with ACK: N1", s)
        s = b.seg(fam, flags=SYN, local=loc, peer=loc, sport=4242, dport=4242)
        c.drop("land/%s-same-addr-same-port" % v, "IP_LOCAL_SOURCE",
               "LAND: source address and port equal the destination's", s.frame(), s)
        s = b.seg(fam, flags=SYN | ACK, local=loc, peer=loc)
        c.drop("land/%s-same-addr" % v, "IP_LOCAL_SOURCE",
               "source address is the destination address", s.frame(), s)
        other = LOCAL4_V100 if fam == 4 else "2001:2:1::2"
        s = b.seg(fam, flags=SYN, peer=other)
        c.drop("land/%s-other-local-addr" % v, "IP_LOCAL_SOURCE",
               "source is another of our addresses (on VLAN 100)", s.frame(), s)
        s = b.seg(fam, flags=SYN, vlan=100, peer=other, local=other, sport=80, dport=80)
        c.drop("land/%s-vlan100-same-addr-same-port" % v, "IP_LOCAL_SOURCE",
               "LAND on VLAN 100", s.frame(), s)
        for name, mac in (("broadcast", BCAST_MAC), ("ipv4-multicast", "01:00:5e:7f:00:01"),
                          ("ipv6-multicast", "33:33:00:00:00:01"), ("stp", "01:80:c2:00:00:00")):
            s = b.seg(fam, flags=ACK, src_mac=mac)
            c.drop("l2/%s-src-mac-%s" % (v, name), "MAC_INVALID_SOURCE",
                   "source MAC %s (a group address)" % mac, s.frame(), s)
            s = b.seg(fam, flags=SYN, dst_mac=mac)
            c.drop("l2/%s-dst-mac-%s" % (v, name), "PKT_NOT_HOST",
                   "destination MAC %s: not PACKET_HOST (Q2)" % mac, s.frame(), s)
        s = b.seg(fam, flags=SYN, dst_mac="02:70:63:61:70:01")
        c.drop("l2/%s-dst-mac-other-host" % v, "OTHERHOST", "unicast MAC of another host", s.frame(), s)
        s = b.seg(fam, flags=SYN, dst_mac="00:00:00:00:00:00")
        c.drop("l2/%s-dst-mac-zero" % v, "OTHERHOST", "destination MAC all zero", s.frame(), s)
        s = b.seg(fam, flags=SYN, src_mac="00:00:00:00:00:00")
        c.rst("rst/%s-src-mac-zero" % v,
              "source MAC all zero: a unicast address to Linux, answered", s)
    for src in ("255.255.255.255", "198.18.0.255", "198.18.0.0", "224.0.0.1", "239.255.255.250",
                "240.0.0.1", "0.0.0.0", "127.0.0.1", "169.254.0.0"):
        s = b.seg(4, flags=SYN, peer=src)
        reason = "IP_INVALID_SOURCE"
        if src in ("198.18.0.0", "240.0.0.1", "169.254.0.0"):
            # a network address, class E, link-local: not martians to
            # Linux's fib_validate_source; answered
            c.rst("rst/l3-ipv4-src-%s" % src, "source %s is not martian: answered" % src, s)
            continue
        c.drop("l3/ipv4-src-%s" % src, reason, "source %s: broadcast, multicast, loopback or "
               "unspecified (martian)" % src, s.frame(), s)
    for dst in ("255.255.255.255", "198.18.0.255", "224.0.0.1", "239.1.1.1", "198.18.0.1",
                "0.0.0.0", "127.0.0.1"):
        s = b.seg(4, flags=SYN, local=dst)
        c.drop("l3/ipv4-dst-%s" % dst, "NOT_LOCAL", "destination %s: not a local unicast "
               "address (Q5)" % dst, s.frame(), s)
    for src in ("ff02::1", "ff0e::1", "::", "::1", "::ffff:198.18.0.1", "::ffff:127.0.0.1"):
        s = b.seg(6, flags=SYN, peer=src)
        c.drop("l3/ipv6-src-%s" % src, "IP_INVALID_SOURCE", "source %s (martian)" % src, s.frame(), s)
    for dst in ("ff02::1", "ff02::1:ff00:2", "ff05::2", "2001:2::1", "::1", "::ffff:198.18.0.2",
                "fe80::1"):
        s = b.seg(6, flags=SYN, local=dst)
        c.drop("l3/ipv6-dst-%s" % dst, "NOT_LOCAL", "destination %s: not a local unicast "
               "address" % dst, s.frame(), s)


def vlan_cases(c):
    b = c.b
    for fam in (4, 6):
        v = "ipv%d" % fam
        for name, tags in (("qinq-8100-8100", "81000064 81000064"),
                           ("qinq-88a8-8100", "88a8000a 81000064"),
                           ("qinq-9100-8100", "9100000a 81000064"),
                           ("three-tags", "81000064 81000064 81000064"),
                           ("three-tags-88a8", "88a80001 88a80002 81000064")):
            s = b.seg(fam, flags=SYN)
            fr = s.frame()
            c.drop("vlan/%s-%s" % (v, name), "UNHANDLED_PROTO",
                   "stacked tags %s before the EtherType" % tags, fr[:12] + bytes.fromhex(
                       tags.replace(" ", "")) + fr[12:], s)
        for vid in (1, 200, 4095):
            s = b.seg(fam, flags=SYN, vlan=vid, local=LOCAL4 if fam == 4 else LOCAL6)
            c.drop("vlan/%s-vid-%d" % (v, vid), "VLAN_UNKNOWN",
                   "VLAN %d: no address on it" % vid, s.frame(), s)
    s = b.seg(4, flags=SYN)
    fr = s.frame()
    c.drop("vlan/qinq-truncated-inner", "UNHANDLED_PROTO",
           "802.1Q tag, then an inner 802.1Q type with the frame ending there",
           fr[:12] + bytes.fromhex("81000064 8100"), s)


def size_cases(c):
    b = c.b
    for fam in (4, 6):
        for n in (1460, 8960, 9500):
            s = b.seg(fam, flags=ACK | PSH, payload=b.payload(n))
            c.rst("rst/size-ipv%d-payload-%d" % (fam, n),
                  "a %d-byte frame (jumbo past 1514), several mbufs: answered" % len(s.frame()), s)
        s = b.seg(fam, flags=SYN)
        c.rst("rst/size-ipv%d-runt-no-padding" % fam,
              "a %d-byte frame, below Ethernet's 60 without padding: answered" % len(s.frame()), s)
    s = b.seg(4, flags=FIN)
    fr = s.frame() + bytes(1500)
    e = s.expect_rst()
    e.frame = fr
    c.add("rst/size-ipv4-1500-bytes-padding", "1500 bytes past the IP length: padding", [e])


def ipv6_nh_cases(c):
    """IPv6 next headers Backstop does not serve, odd chains."""
    b = c.b
    for nh, name in ((0, "hbh-not-first"),):
        s = b.seg(6, flags=SYN, ext=[IPv6ExtHdrDestOpt(), IPv6ExtHdrHopByHop()])
        c.drop("v6nh/" + name, "IPV6_BAD_EXTHDR", "a hop-by-hop header after another header",
               s.frame(), s)
    for nh, doc in ((59, "no next header"), (17, "UDP"), (58, "ICMPv6 with a TCP body"),
                    (4, "IPv4-in-IPv6"), (41, "IPv6-in-IPv6"), (50, "ESP"), (51, "AH"),
                    (132, "SCTP"), (135, "mobility header"), (139, "HIP"), (140, "shim6"),
                    (253, "experimental"), (254, "experimental"), (255, "reserved"), (1, "ICMP (v4)")):
        s = b.seg(6, flags=SYN)
        fr = s.frame()
        reason = "ICMP_CSUM" if nh == 58 else "UNHANDLED_PROTO"
        c.drop("v6nh/next-header-%d" % nh, reason, "next header %d (%s)" % (nh, doc),
               sub(fr, 14 + 6, [nh]), s)
    s = b.seg(6, flags=SYN, ext=[IPv6ExtHdrDestOpt()] * 9)
    c.rst("rst/v6nh-nine-destopt-headers", "nine destination-options headers: Linux has no "
          "limit on the chain's length", s)
    s = b.seg(6, flags=ACK, ext=[IPv6ExtHdrDestOpt()] * 40)
    c.rst("rst/v6nh-forty-destopt-headers", "forty destination-options headers", s)
    tlv_cases(c)
    s = b.seg(6, flags=SYN, ext=[IPv6ExtHdrRouting(type=4, segleft=2, addresses=["2001:2::99"])])
    c.drop("v6nh/routing-srh-segleft-2", "IPV6_BAD_EXTHDR",
           "a segment routing header with segments left", s.frame(), s)
    s = b.seg(6, flags=SYN, ext=[IPv6ExtHdrRouting(type=0, segleft=0, addresses=[])])
    c.rst("rst/v6nh-routing-empty-segleft-0", "a routing header with nothing left to do", s)
    s = b.seg(6, flags=ACK, ext=[IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(), IPv6ExtHdrRouting(
        type=0, segleft=0, addresses=["2001:2::9"]), IPv6ExtHdrDestOpt()])
    c.rst("rst/v6nh-four-headers", "hop-by-hop, destination options, routing, destination "
          "options: a legal chain", s)


def _ext(nh_kind, body):
    """A raw hop-by-hop (0) or destination options (60) header holding the
    TLV bytes body (a multiple of 8 less 2); its next header is patched."""
    assert (len(body) + 2) % 8 == 0
    return nh_kind, bytes([0, (len(body) + 2) // 8 - 1]) + body


def _with_ext(s, hdrs):
    """s's IPv6 frame with raw extension headers before TCP."""
    fr = s.frame()
    o = l3off(s)
    ip, rest = bytearray(fr[o:o + 40]), fr[o + 40:]
    chain = b""
    kinds = [k for k, _ in hdrs] + [6]
    for i, (k, h) in enumerate(hdrs):
        chain += bytes([kinds[i + 1]]) + h[1:]
    ip[6] = kinds[0]
    ip[4:6] = struct.pack("!H", len(chain) + len(rest))
    return fr[:o] + bytes(ip) + chain + rest


def tlv_cases(c):
    """Options inside hop-by-hop and destination options headers, as
    ip6_parse_tlv() judges them: the two top bits of an unknown option's
    type say skip (00), discard (01), discard and send an ICMP (10, 11)."""
    b = c.b
    pad = lambda n: bytes([1, n - 2]) + bytes(n - 2) if n >= 2 else bytes(n)
    for kind, kname in ((60, "destopt"), (0, "hbh")):
        for top, name, answered in ((0x00, "skip", True), (0x40, "discard", False),
                                    (0x80, "discard-icmp", False), (0xc0, "discard-icmp-unicast", False)):
            s = b.seg(6, flags=SYN)
            fr = _with_ext(s, [_ext(kind, bytes([top | 0x1e, 2, 0xab, 0xcd]) + pad(2))])
            if answered:
                c.rst("rst/tlv-%s-unknown-%s" % (kname, name), "an unknown option of type 0x%02x: "
                      "skipped" % (top | 0x1e), s, frame=fr)
            else:
                c.drop("tlv/%s-unknown-%s" % (kname, name), "IPV6_BAD_EXTHDR",
                       "an unknown option of type 0x%02x: the packet is discarded" % (top | 0x1e),
                       fr, s)
        s = b.seg(6, flags=ACK)
        c.drop("tlv/%s-option-past-header" % kname, "IPV6_BAD_EXTHDR",
               "an option whose length runs past its header",
               _with_ext(s, [_ext(kind, bytes([0x1e, 9]) + bytes(4))]), s)
        s = b.seg(6, flags=ACK)
        c.drop("tlv/%s-padn-14-bytes" % kname, "IPV6_BAD_EXTHDR",
               "14 bytes of padding in a row (more than 7)",
               _with_ext(s, [_ext(kind, pad(14))]), s)
        s = b.seg(6, flags=SYN)
        c.rst("rst/tlv-%s-pad1-6" % kname, "six Pad1 options", s,
              frame=_with_ext(s, [_ext(kind, bytes(6))]))
        s = b.seg(6, flags=SYN)
        c.drop("tlv/%s-padn-nonzero" % kname, "IPV6_BAD_EXTHDR",
               "a PadN whose padding bytes are not zero (RFC 4942)",
               _with_ext(s, [_ext(kind, bytes([1, 4, 1, 2, 3, 4]))]), s)
        s = b.seg(6, flags=SYN)
        c.rst("rst/tlv-%s-8-unknown-skip" % kname, "eight skippable unknown options", s,
              frame=_with_ext(s, [_ext(kind, bytes([0x1e, 0]) * 8 + pad(6))]))
        s = b.seg(6, flags=SYN)
        c.drop("tlv/%s-9-unknown-skip" % kname, "IPV6_BAD_EXTHDR",
               "nine options (max_%s_opts_cnt is 8)" % ("dst" if kind == 60 else "hbh"),
               _with_ext(s, [_ext(kind, bytes([0x1e, 0]) * 9 + pad(4))]), s)
    s = b.seg(6, flags=SYN)
    c.rst("rst/tlv-hbh-router-alert", "a router alert option", s,
          frame=_with_ext(s, [_ext(0, bytes([5, 2, 0, 0]) + pad(2))]))
    s = b.seg(6, flags=SYN)
    c.drop("tlv/hbh-jumbo-with-payload-length", "IPV6_BAD_EXTHDR",
           "a jumbo payload option while the payload length is not 0",
           _with_ext(s, [_ext(0, bytes([0xc2, 4, 0, 1, 0, 0]))]), s)
    s = b.seg(6, flags=SYN)
    c.drop("tlv/destopt-jumbo", "IPV6_BAD_EXTHDR",
           "a jumbo payload option in a destination options header (unknown there: 11)",
           _with_ext(s, [_ext(60, bytes([0xc2, 4, 0, 1, 0, 0]))]), s)


def flag_cases(c):
    """All 256 flag bytes to a closed port (N1, N2, X1, Q1): untagged and
    VLAN 100, IPv4 and IPv6, data or none."""
    for case in flag_matrix(c.b, "flags", "auto", None):
        case.doc = "flags 0x%s to a closed port" % case.name.rsplit("/", 1)[1]
        c.cases.append(case)


def corpus(b):
    c = Corpus(b)
    truncation_cases(c)
    length_cases(c)
    ipopt_cases(c)
    fragment_cases(c)
    csum_cases(c)
    address_cases(c)
    vlan_cases(c)
    size_cases(c)
    ipv6_nh_cases(c)
    hostile = len(c.cases)
    flag_cases(c)
    return c.cases, hostile


def outcome(case):
    e = case.exps[0]
    return "drop " + e.drop if e.kind == "drop" else e.kind


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("list", "pcap"):
        print(__doc__.strip().splitlines()[3:5][0], file=sys.stderr)
        return 2
    seed = int(sys.argv[3 if sys.argv[1] == "pcap" else 2]) if len(sys.argv) > (
        3 if sys.argv[1] == "pcap" else 2) else 1
    cases, hostile = corpus(Builder(DEFAULT_PORT_MAC, seed))
    if sys.argv[1] == "list":
        for cs in cases:
            print("%-52s %-26s %s" % (cs.name, outcome(cs), cs.doc))
        print("%d hostile cases, %d flag cases, %d frames" % (
            hostile, len(cases) - hostile, sum(len(cs.exps) for cs in cases)))
    else:
        write_pcap(sys.argv[2], [e.frame for cs in cases for e in cs.exps])
    return 0


if __name__ == "__main__":
    sys.exit(main())
