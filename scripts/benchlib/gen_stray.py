#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of N distinct TCP segments for scripts/bench-stray.sh.

    gen_stray.py OUT.pcap N DST_MAC [SEED] [--kind stray|syn|synrst] [--port P]

--kind stray (default): per segment, drawn at random: SYN, ACK, PSH|ACK
with 1..64 bytes of payload, FIN|ACK, bare FIN, to random destination
ports 1..65535 (every port is closed).
--kind syn: N SYNs to port P (a listener), with the options a Linux client
sends (MSS 1460, SACK permitted, timestamps, window scale 7).
--kind synrst: N such SYNs, each followed by the RST a client sends to
give up the handshake (SEQ = the SYN's + 1): in an endless replay every
SYN finds its 4-tuple free again (2 N frames).

Sources: random addresses in 198.18.0.0/15 (never 198.18.0.0, .2 or .255:
the /24's network address, Backstop's own and the broadcast address, so
that every segment deserves a reply), random source ports 1024..65535;
destination 198.18.0.2. Valid IPv4 and TCP checksums.
"""
import argparse
import random

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


def stray(rng, n, eth):
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
        p = eth / IP(src=src, dst=DST_IP, ttl=64, id=rng.getrandbits(16)) / tcp
        if kind == "PA":
            p = p / Raw(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 65))))
        pkts.append(p)
    return pkts


def syns(rng, n, eth, port, with_rst):
    pkts, seen = [], set()
    while len(seen) < n:
        src, sport = src_addr(rng), rng.randrange(1024, 65536)
        if (src, sport) in seen:
            continue
        seen.add((src, sport))
        seq = rng.getrandbits(32)
        ip = IP(src=src, dst=DST_IP, ttl=64, id=rng.getrandbits(16), flags="DF")
        opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (rng.getrandbits(32), 0)),
                ("NOP", None), ("WScale", 7)]
        pkts.append(eth / ip / TCP(sport=sport, dport=port, flags="S", seq=seq,
                                   window=64240, options=opts))
        if with_rst:
            pkts.append(eth / IP(src=src, dst=DST_IP, ttl=64, id=rng.getrandbits(16),
                                 flags="DF") /
                        TCP(sport=sport, dport=port, flags="R", seq=(seq + 1) & 0xffffffff,
                            window=0))
    return pkts


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("mac")
    ap.add_argument("seed", type=int, nargs="?", default=1)
    ap.add_argument("--kind", choices=("stray", "syn", "synrst"), default="stray")
    ap.add_argument("--port", type=int, default=80)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    eth = Ether(src=SRC_MAC, dst=a.mac)
    if a.kind == "stray":
        pkts = stray(rng, a.n, eth)
    else:
        pkts = syns(rng, a.n, eth, a.port, a.kind == "synrst")
    wrpcap(a.out, pkts)


if __name__ == "__main__":
    main()
