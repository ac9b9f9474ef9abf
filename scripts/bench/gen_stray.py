#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of N distinct stray TCP segments for scripts/bench-stray.sh.

    gen_stray.py OUT.pcap N DST_MAC [SEED]

Mix (per segment, drawn at random): SYN, ACK, PSH|ACK with 1..64 bytes of
payload, FIN|ACK, bare FIN. Sources: random addresses in 198.18.0.0/15
(never 198.18.0.0, .2 or .255: the /24's network address, Backstop's own
and the broadcast address, so that every segment deserves a reset), random
source ports 1024..65535; destination 198.18.0.2, random port 1..65535
(every port is closed). Valid IPv4 and TCP checksums.
"""
import random
import sys

from scapy.all import Ether, IP, TCP, Raw, wrpcap  # noqa: E402

DST_IP = "198.18.0.2"
SRC_MAC = "02:00:00:00:00:01"
KINDS = ("S", "A", "PA", "FA", "F")


def src_addr(rng):
    while True:
        n = rng.randrange(0, 1 << 17)       # 198.18.0.0/15
        a = (198 << 24) | (18 << 16) | n
        if (a >> 8) == ((198 << 16) | (18 << 8)) and (a & 0xff) in (0, 2, 255):
            continue
        return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    out, n, dst_mac = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    pkts, seen = [], set()
    while len(pkts) < n:
        src, sport, dport = src_addr(rng), rng.randrange(1024, 65536), rng.randrange(1, 65536)
        if (src, sport, dport) in seen:
            continue
        seen.add((src, sport, dport))
        kind = KINDS[len(pkts) % len(KINDS)] if len(pkts) < len(KINDS) else rng.choice(KINDS)
        seq, ack = rng.getrandbits(32), rng.getrandbits(32)
        tcp = TCP(sport=sport, dport=dport, flags=kind, seq=seq,
                  ack=ack if "A" in kind else 0, window=rng.choice((502, 64240, 65535)))
        p = Ether(src=SRC_MAC, dst=dst_mac) / IP(src=src, dst=DST_IP, ttl=64, id=rng.getrandbits(16)) / tcp
        if kind == "PA":
            p = p / Raw(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 65))))
        pkts.append(p)
    wrpcap(out, pkts)


if __name__ == "__main__":
    main()
