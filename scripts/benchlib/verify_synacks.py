#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check Backstop's SYN-ACKs to a pcap of SYNs (gen_stray.py --kind syn or
synrst).

    verify_synacks.py IN.pcap OUT.pcap PORT_MAC [--cookies] [--secret HEX]
                      [--isn-secret HEX] [--ttl 64] [--max-report 10]

Every SYN of IN must have exactly one reply in OUT, and RSTs none, as
tcp_v4_send_synack builds it: SYN|ACK, ACK = SEG.SEQ + 1, ports,
addresses and MACs swapped (Ethernet source PORT_MAC), IPv4 with DF and
TTL --ttl, a window, MSS 1..1460, SACK permitted and window scale when the
SYN offered them, TSecr = the SYN's TSval, valid IPv4 and TCP checksums
(computed here). With --cookies the ISN must be a SYN cookie valid now
under --secret (Backstop's [tcp] syncookie_secret, 32 hex digits),
recomputed here after Linux's cookie_v4_init_sequence with SipHash-2-4
(lib/tcp/tcp_secure.c), and with --isn-secret the TSval's low 6 bits, once
the connection's timestamp offset is taken off, must encode the SYN's
window scale and SACK (cookie_init_timestamp).
Prints "verified N replies, M mismatches"; exits 1 on any mismatch.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replies import checksum_errors, match  # noqa: E402
from scapy.all import IP, TCP, rdpcap  # noqa: E402

F_FIN, F_SYN, F_RST, F_ACK = 0x01, 0x02, 0x04, 0x10
M64 = (1 << 64) - 1
MSSTAB4 = (536, 1300, 1440, 1460)


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(k0, k1, words):
    """SipHash-2-4 of whole 64-bit words, as lib/net/bs_siphash.h."""
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & M64; v[1] = rotl(v[1], 13); v[1] ^= v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M64; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & M64; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & M64; v[1] = rotl(v[1], 17); v[1] ^= v[2]
        v[2] = rotl(v[2], 32)
    for m in list(words) + [(len(words) * 8) << 56 & M64]:
        v[3] ^= m
        rnd(); rnd()
        v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def key_of(hexstr):
    b = bytes.fromhex(hexstr)
    return int.from_bytes(b[:8], "little"), int.from_bytes(b[8:], "little")


def be16_as_le(port):
    """A network-order 16-bit field read as a host (little-endian) value."""
    return ((port & 0xff) << 8) | (port >> 8)


def cookie_hash(key, rip, lip, rport, lport, count):
    """Linux cookie_hash() for IPv4 seen from the SYN: the peer's address
    and port first; ports packed as (u32)sport << 16 | dport of their
    network-order values."""
    w0 = int.from_bytes(rip, "little") | int.from_bytes(lip, "little") << 32
    tail = ((be16_as_le(rport) << 16) | be16_as_le(lport)) | (count << 32)
    return siphash24(key[0], key[1], [w0, tail & M64]) & 0xffffffff


def cookie_mss(keys, rip, lip, rport, lport, syn_seq, cookie, now_min):
    """check_tcp_syn_cookie(): the MSS encoded, or 0 when not valid."""
    c = (cookie - cookie_hash(keys[0], rip, lip, rport, lport, 0) - syn_seq) & 0xffffffff
    diff = (now_min - (c >> 24)) & 0xff
    if diff >= 2:
        return 0
    mssind = (c - cookie_hash(keys[1], rip, lip, rport, lport, (now_min - diff) & 0xffffffff)) \
        & 0xffffff
    return MSSTAB4[mssind] if mssind < len(MSSTAB4) else 0


def ts_key(isn_key):
    """bs_tcp_ts_key(): the timestamp-offset key, derived from the ISN key."""
    return (siphash24(isn_key[0], isn_key[1], [0x66666f5f7374]),
            siphash24(isn_key[0], isn_key[1], [0x79656b5f7374]))


def ts_off(isn_key, lip, rip):
    """bs_tcp_ts_off() for IPv4: siphash_2u32(laddr, raddr) under the ts key."""
    k = ts_key(isn_key)
    w = int.from_bytes(lip, "little") | int.from_bytes(rip, "little") << 32
    return siphash24(k[0], k[1], [w]) & 0xffffffff


def opts_of(t):
    out = {}
    for o in t.options:
        if isinstance(o, tuple) and o[0] not in ("NOP", "EOL"):
            out[o[0]] = o[1]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("mac")
    ap.add_argument("--cookies", action="store_true")
    ap.add_argument("--secret")
    ap.add_argument("--isn-secret")
    ap.add_argument("--ttl", type=int, default=64)
    ap.add_argument("--max-report", type=int, default=10)
    a = ap.parse_args()
    if a.cookies and not a.secret:
        ap.error("--cookies needs --secret")
    mac = a.mac.lower()
    keys = None
    if a.secret:
        k0, k1 = key_of(a.secret)
        keys = ((k0, k1), (k0 ^ 0x5bd1e9955bd1e995, (k1 + 0x9e3779b97f4a7c15) & M64))
    isn_key = key_of(a.isn_secret) if a.isn_secret else None
    now_min = int(time.time() // 60)

    expect = {}
    for p in rdpcap(a.inp):
        if IP not in p or TCP not in p or int(p[TCP].flags) != F_SYN:
            continue
        ip, t = p[IP], p[TCP]
        expect[(ip.dst, ip.src, t.dport, t.sport)] = p

    def check(b, p, ip, t, q):
        qt, qo, o = q[TCP], opts_of(q[TCP]), opts_of(t)
        errs = []
        if p.dst.lower() != q.src.lower() or p.src.lower() != mac:
            errs.append("eth %s > %s" % (p.src, p.dst))
        if ip.ihl != 5 or int(ip.flags) & 2 == 0 or ip.frag != 0 or ip.ttl != a.ttl:
            errs.append("ip ihl %d flags %s frag %d ttl %d" % (ip.ihl, ip.flags, ip.frag, ip.ttl))
        errs += checksum_errors(b, ip, t)
        l4 = b[34:14 + ip.len]
        if int(t.flags) != F_SYN | F_ACK:
            errs.append("flags %s" % t.flags)
        if t.ack != (qt.seq + 1) & 0xffffffff:
            errs.append("ack %d != %d" % (t.ack, qt.seq + 1))
        if t.window == 0 or len(l4) != t.dataofs * 4:
            errs.append("window %d, %d bytes of payload" % (t.window, len(l4) - t.dataofs * 4))
        if not 0 < o.get("MSS", 0) <= 1460:
            errs.append("MSS %s" % o.get("MSS"))
        if ("SAckOK" in o) != ("SAckOK" in qo) or ("WScale" in o) != ("WScale" in qo):
            errs.append("options %s to %s" % (t.options, qt.options))
        if "Timestamp" in qo and ("Timestamp" not in o or o["Timestamp"][1] != qo["Timestamp"][0]):
            errs.append("timestamps %s, the SYN's TSval %d" % (o.get("Timestamp"),
                                                             qo["Timestamp"][0]))
        if a.cookies:
            rip, lip = bytes(map(int, q[IP].src.split("."))), bytes(map(int, q[IP].dst.split(".")))
            mss = cookie_mss(keys, rip, lip, qt.sport, qt.dport, qt.seq, t.seq, now_min)
            if mss == 0:
                errs.append("ISN %d is no valid cookie" % t.seq)
            elif mss != max(m for m in MSSTAB4 if m <= qo.get("MSS", 536)):
                errs.append("cookie encodes MSS %d for the SYN's %s" % (mss, qo.get("MSS")))
            if isn_key is not None and "Timestamp" in o:
                want = (qo.get("WScale", 0xf) & 0xf) | (0x10 if "SAckOK" in qo else 0)
                got = (o["Timestamp"][0] - ts_off(isn_key, lip, rip)) & 0x3f
                if got != want:
                    errs.append("TSval encodes options %#x, not %#x" % (got, want))
        return errs

    match(a.out, expect, check, "SYN", a.max_report, "verify_synacks")


if __name__ == "__main__":
    main()
