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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replies import checksum_errors, match  # noqa: E402
from scapy.all import IP, TCP, rdpcap  # noqa: E402

F_FIN, F_SYN, F_RST, F_ACK = 0x01, 0x02, 0x04, 0x10


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("mac")
    ap.add_argument("--ttl", type=int, default=64)
    ap.add_argument("--max-report", type=int, default=10)
    a = ap.parse_args()
    mac = a.mac.lower()

    # The reply to each segment: its 4-tuple reversed -> the segment, and
    # the flags, SEQ and ACK of tcp_v4_send_reset.
    expect, want = {}, {}
    for p in rdpcap(a.inp):
        if IP not in p or TCP not in p:
            continue
        ip, t = p[IP], p[TCP]
        plen = ip.len - ip.ihl * 4 - t.dataofs * 4
        fl = int(t.flags)
        if fl & F_RST:
            continue        # never answered
        if fl & F_ACK:
            w = (F_RST, t.ack, 0)
        else:
            w = (F_RST | F_ACK, 0,
                 (t.seq + plen + bool(fl & F_SYN) + bool(fl & F_FIN)) & 0xffffffff)
        k = (ip.dst, ip.src, t.dport, t.sport)
        expect[k], want[k] = p, w

    def check(b, p, ip, t, q):
        flags, seq, ack = want[(ip.src, ip.dst, t.sport, t.dport)]
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
        errs += checksum_errors(b, ip, t)
        if t.dataofs != 5 or ip.len - 20 != 20:
            errs.append("tcp data offset %d, %d bytes" % (t.dataofs, ip.len - 20))
        if int(t.flags) != flags:
            errs.append("flags %s != %s" % (t.flags, TCP(flags=flags).flags))
        if t.seq != seq:
            errs.append("seq %d != %d" % (t.seq, seq))
        if t.ack != ack:
            errs.append("ack %d != %d" % (t.ack, ack))
        if t.window != 0 or t.urgptr != 0:
            errs.append("window %d urgptr %d" % (t.window, t.urgptr))
        return errs

    match(a.out, expect, check, "input segment", a.max_report, "verify_replies")


if __name__ == "__main__":
    main()
