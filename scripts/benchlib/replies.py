# SPDX-License-Identifier: BSD-3-Clause
"""What verify_replies.py and verify_synacks.py share: the checksums of an
IPv4/TCP reply computed here (not by scapy), and the matching of a pcap of
replies to the segments they answer, one reply each, with the report."""
import struct
import sys

from scapy.all import Ether, IP, TCP, rdpcap  # noqa: E402


def csum(data):
    """Ones'-complement sum of 16-bit words (a whole header sums to 0xffff)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def checksum_errors(b, ip, t):
    """The IPv4 header and TCP checksums of frame @b (untagged, IHL 5)."""
    errs = []
    l3 = b[14:34]
    if csum(l3) != 0xffff:
        errs.append("bad IPv4 header checksum %#06x" % ip.chksum)
    l4 = b[34:14 + ip.len]
    if csum(l3[12:20] + struct.pack("!BBH", 0, 6, len(l4)) + l4) != 0xffff:
        errs.append("bad TCP checksum %#06x" % t.chksum)
    return errs


def match(out_pcap, expect, check, what, max_report, name):
    """Match each IPv4/TCP frame of @out_pcap to the segment it answers:
    @expect maps (src, dst, sport, dport) of the reply to the segment;
    check(frame_bytes, ether, ip, tcp, segment) returns the reply's errors;
    @what names the segments in the report ("input segment", "SYN").
    Prints "verified N replies, M mismatches" and exits: 1 on any mismatch
    (a missing, second or unmatched reply, or a wrong one), or when there
    was nothing to verify."""
    bad, seen, n = [], set(), 0

    def fail(i, msg):
        bad.append("reply %d: %s" % (i, msg))

    for i, raw in enumerate(rdpcap(out_pcap)):
        n += 1
        b = bytes(raw)
        p = Ether(b)
        if IP not in p or TCP not in p:
            fail(i, "not IPv4/TCP: %s" % p.summary())
            continue
        ip, t = p[IP], p[TCP]
        k = (ip.src, ip.dst, t.sport, t.dport)
        if k not in expect:
            fail(i, "answers no %s: %s" % (what, p.summary()))
            continue
        if k in seen:
            fail(i, "second reply to %s" % (k,))
            continue
        seen.add(k)
        q = expect[k]
        errs = check(b, p, ip, t, q)
        if errs:
            fail(i, "to %s: %s" % (q.summary(), "; ".join(errs)))
    missing = [k for k in expect if k not in seen]
    mismatches = len(bad) + len(missing)
    bad += ["no reply to %s" % expect[k].summary() for k in missing[:max_report]]
    for line in bad[:max_report]:
        print("  " + line, file=sys.stderr)
    print("verified %d replies, %d mismatches" % (n, mismatches))
    if n == 0 and not expect:
        print("%s: nothing to verify" % name, file=sys.stderr)
        sys.exit(1)
    sys.exit(1 if mismatches else 0)
