#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check Backstop's replies to a pcap of stray segments.

    verify_replies.py IN.pcap OUT.pcap PORT_MAC [--ttl 64] [--max-report 10]

Every IPv4/TCP segment of IN must have exactly one reply in OUT, as
tcp_v4_send_reset builds it:
  segment with ACK:    RST,     SEQ = SEG.ACK, ACK = 0
  segment without ACK: RST|ACK, SEQ = 0, ACK = SEG.SEQ + payload + SYN + FIN
and window 0, urgent pointer 0, a bare 20-byte TCP header, ports and
addresses swapped, Ethernet destination = the segment's source, Ethernet
source = PORT_MAC, IPv4 with ID 0, DF, TTL --ttl, TOS without ECN, and
valid IPv4 and TCP checksums (computed here, not by scapy).
Prints "verified N replies, M mismatches"; exits 1 on any mismatch.
"""
import argparse
import struct
import sys

from scapy.all import Ether, IP, TCP, rdpcap  # noqa: E402

F_FIN, F_SYN, F_RST, F_ACK = 0x01, 0x02, 0x04, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def key(ip_src, ip_dst, sport, dport):
    return (ip_src, ip_dst, sport, dport)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("mac")
    ap.add_argument("--ttl", type=int, default=64)
    ap.add_argument("--max-report", type=int, default=10)
    a = ap.parse_args()
    mac = a.mac.lower()

    expect = {}
    for p in rdpcap(a.inp):
        if IP not in p or TCP not in p:
            continue
        ip, t = p[IP], p[TCP]
        plen = ip.len - ip.ihl * 4 - t.dataofs * 4
        fl = int(t.flags)
        if fl & F_RST:
            continue        # never answered
        if fl & F_ACK:
            want = (F_RST, t.ack, 0)
        else:
            want = (F_RST | F_ACK, 0,
                    (t.seq + plen + bool(fl & F_SYN) + bool(fl & F_FIN)) & 0xffffffff)
        expect[key(ip.dst, ip.src, t.dport, t.sport)] = (p, want)

    bad, seen, n = [], set(), 0

    def fail(i, msg):
        bad.append("reply %d: %s" % (i, msg))

    for i, raw in enumerate(rdpcap(a.out)):
        n += 1
        b = bytes(raw)
        p = Ether(b)
        if IP not in p or TCP not in p:
            fail(i, "not IPv4/TCP: %s" % p.summary())
            continue
        ip, t = p[IP], p[TCP]
        k = key(ip.src, ip.dst, t.sport, t.dport)
        if k not in expect:
            fail(i, "answers no input segment: %s" % p.summary())
            continue
        if k in seen:
            fail(i, "second reply to %s" % (k,))
            continue
        seen.add(k)
        q, (flags, seq, ack) = expect[k]
        errs = []
        if p.dst.lower() != q.src.lower():
            errs.append("eth dst %s != %s" % (p.dst, q.src))
        if p.src.lower() != mac:
            errs.append("eth src %s != %s" % (p.src, mac))
        if len(b) != 14 + 20 + 20:
            errs.append("frame length %d != 54" % len(b))
        if ip.ihl != 5 or ip.len != 40:
            errs.append("ip ihl %d len %d" % (ip.ihl, ip.len))
        if ip.id != 0 or int(ip.flags) != 2 or ip.frag != 0:
            errs.append("ip id %d flags %s frag %d (want 0, DF, 0)" % (ip.id, ip.flags, ip.frag))
        if ip.ttl != a.ttl:
            errs.append("ttl %d != %d" % (ip.ttl, a.ttl))
        if ip.tos != q[IP].tos & ~3:
            errs.append("tos %#x" % ip.tos)
        if ip.proto != 6:
            errs.append("proto %d" % ip.proto)
        l3 = b[14:34]
        if csum(l3) != 0xffff:
            errs.append("bad IPv4 header checksum %#06x" % ip.chksum)
        l4 = b[34:34 + ip.len - 20]
        pseudo = l3[12:20] + struct.pack("!BBH", 0, 6, len(l4))
        if csum(pseudo + l4) != 0xffff:
            errs.append("bad TCP checksum %#06x" % t.chksum)
        if t.dataofs != 5 or len(l4) != 20:
            errs.append("tcp data offset %d, %d bytes" % (t.dataofs, len(l4)))
        if int(t.flags) != flags:
            errs.append("flags %s != %s" % (t.flags, TCP(flags=flags).flags))
        if t.seq != seq:
            errs.append("seq %d != %d" % (t.seq, seq))
        if t.ack != ack:
            errs.append("ack %d != %d" % (t.ack, ack))
        if t.window != 0 or t.urgptr != 0:
            errs.append("window %d urgptr %d" % (t.window, t.urgptr))
        if errs:
            fail(i, "to %s [%s]: %s" % (q[TCP].sprintf("%flags%"), q.summary(), "; ".join(errs)))
    missing = [k for k in expect if k not in seen]
    mismatches = len(bad) + len(missing)
    bad += ["no reply to %s" % expect[k][0].summary() for k in missing[:a.max_report]]
    for line in bad[:a.max_report]:
        print("  " + line, file=sys.stderr)
    print("verified %d replies, %d mismatches" % (n, mismatches))
    if n == 0 and not expect:
        print("verify_replies: nothing to verify", file=sys.stderr)
        sys.exit(1)
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
