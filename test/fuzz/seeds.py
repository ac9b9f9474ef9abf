#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the frame and tcp harnesses (corpus/frame,
corpus/tcp): the frames the unit and packet tests send (SYN, ACK, RST,
FIN, data to closed, listening and echo ports, IPv4 and IPv6, VLAN 100,
IPv4 options, fragments, ARP, NS, echo). Rerun after changing it; the
files are committed.   test/fuzz/seeds.py [OUTDIR]"""
import hashlib, os, struct, sys
from scapy.all import (ARP, ICMP, IP, IPv6, TCP, Dot1Q, Ether, Raw, ICMPv6EchoRequest,
                       ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPOption_RR)

PORT_MAC, PEER_MAC = "02:00:00:00:00:02", "02:00:00:00:00:01"
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def put(harness, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def eth(vlan=0):
    e = Ether(src=PEER_MAC, dst=PORT_MAC)
    return e / Dot1Q(vlan=vlan) if vlan else e


frames = []
for v6 in (False, True):
    for vlan in (0, 100):
        if v6 and vlan:
            continue
        ip = IPv6(src="2001:2::1", dst="2001:2::2") if v6 else \
            IP(src="198.18.1.1" if vlan else "198.18.0.1", dst="198.18.1.2" if vlan else "198.18.0.2")
        for dport in (23, 7, 80, 5000):
            for flags, data in (("S", b""), ("A", b""), ("R", b""), ("RA", b""), ("FA", b""),
                                ("PA", b"GET / HTTP/1.0\r\n\r\n"), ("SF", b"")):
                opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("WScale", 7)] \
                    if "S" in flags else []
                frames.append(eth(vlan) / ip / TCP(sport=40000, dport=dport, flags=flags,
                                                   seq=1000, ack=2000, options=opts) / Raw(data))
frames.append(eth() / IP(src="198.18.0.1", dst="198.18.0.2", options=[IPOption_RR()]) /
              TCP(sport=40000, dport=23, flags="S"))
frames.append(eth() / IP(src="198.18.0.1", dst="198.18.0.2", flags="MF") / TCP(dport=23))
frames.append(eth() / IP(src="198.18.0.1", dst="198.18.0.2") / ICMP() / Raw(b"x" * 32))
frames.append(eth() / IPv6(src="2001:2::1", dst="2001:2::2") / ICMPv6EchoRequest(data=b"y" * 16))
frames.append(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
              ARP(op=1, hwsrc=PEER_MAC, psrc="198.18.0.1", pdst="198.18.0.2"))
frames.append(Ether(src=PEER_MAC, dst=PORT_MAC) /
              ARP(op=2, hwsrc=PEER_MAC, psrc="198.18.0.1", hwdst=PORT_MAC, pdst="198.18.0.2"))
frames.append(Ether(src=PEER_MAC, dst="33:33:ff:00:00:02") /
              IPv6(src="2001:2::1", dst="ff02::1:ff00:2", hlim=255) /
              ICMPv6ND_NS(tgt="2001:2::2") / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
for f in frames:
    raw = bytes(f)
    for knobs in (0, 1, 5):  # strays only, an endpoint, an endpoint and policies
        put("frame", bytes([knobs]) + raw)

# tcp: a starting state byte, then records (fuzz_tcp.c: struct rec).
for state in range(12):
    for recs in ([], [(0x10, 0, 0, 0, 0)], [(0x18, 0, 0, 10, 0)], [(0x11, 0, 0, 0, 5)],
                 [(0x04, 0, 0, 0, 0)], [(0x02, 0, 0, 0, 0)], [(0x14, 0, 0, 0, 0)],
                 [(0x18, 0, 0, 100, 0), (0x11, 100, 0, 0, 200), (0x10, 101, 1, 0, 0)],
                 [(0x10, 0, 0, 0, 0x4000)], [(0x11, 0, 0, 0, 0x4000), (0x10, 0, 0, 0, 1000)]):
        put("tcp", bytes([state]) + b"".join(
            struct.pack(">BhhHH", fl, dseq, dack, plen, adv) for fl, dseq, dack, plen, adv in recs))

# cli: request lines as a client sends them (every command of cli_cmds.def,
# good and bad arguments, --json, pipelined, over-long, junk bytes).
cli = [
    "help\n", "help show\n", "--json help\n", "quit\n", "show version\n", "show ports\n",
    "show workers\n", "show stats\n", "show stats worker 0\n", "--json show resets\n",
    "show drops worker 9\n", "show listeners\n", "show config\n", "show policies\n",
    "show connections\n", "show connections state ESTABLISHED port 7 limit 5\n",
    "show connections cursor 12 worker 0 addr 198.18.0.1\n", "show tables\n", "clear stats\n",
    "listener add web2 198.18.0.2 8081 echo backlog=4\n", "listener del web2\n",
    "listener add x any 0 nope\n", "policy add 198.18.0.0/24 drop\n",
    "policy add 2001:2::/64 ratelimit 10\n", "policy del 198.18.0.0/24\n",
    "set tcp tcp_fin_timeout 30\n", "set tcp nope 1\n", "connect 198.18.0.1 9\n",
    "connect 2001:2::1 80 http\n", "show\n", "bogus words here\n",
    "show stats\nshow resets\nshow drops\n", "show version\r\n", "\t show  version \n",
    "show version", "x" * 5000 + "\nshow version\n", "show \x01version\n", "show \xff\n",
    "--json\n", "--json bogus\n", " ".join(["w"] * 70) + "\n",
    "capture start x.pcapng resets host 198.18.0.1 port 23\nshow capture\ncapture stop\n",
    "capture start a.pcapng drops count 5\ncapture start b.pcapng\n--json show capture\n",
    "capture start ../x.pcapng\n", "capture start /tmp/x.pcapng\n", "capture stop\n",
    "capture start sub/x.pcapng snaplen 16 bytes 100\n",
]
for line in cli:
    put("cli", line.encode("latin-1"))

# config: the default configuration, and files the unit tests parse.
conf_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config")
with open(os.path.join(conf_dir, "backstop.conf"), "rb") as f:
    put("config", b"\x00" + f.read())
for text in (b"[tcp]\ntcp_fin_timeout = 30\n",
             b"[listener w]\naddress = any\nport = 80\napp = http\nhttp_status = 404\n",
             b"[client c]\naddress = 198.18.0.1\nport = 8080\ncount = 2\n",
             b"[port net_null0]\naddress = 198.18.0.2/24\naddress = 2001:2::2/64 vlan 7\n",
             b"[stray]\npolicies = 198.18.0.0/24 drop, 2001:2::/48 ratelimit 5\n",
             b"[control]\nsocket = /tmp/x.sock\nsocket_mode = 0600\n"):
    put("config", b"\x00" + text)
    put("config", b"\x01" + text)
put("config", b"\x02tcp.tcp_fin_timeout=30\nlistener w.port=81\nlistener w.app=echo\n"
    b"listener w.address=any\nport net_null0.address=198.18.0.2/24\n")

# capture: a knob byte, filter words and a newline, then frames each with
# a 16-bit length (fuzz_capture.c): SYNs and RSTs (dropped) to 23 (IPv4),
# 80 (IPv6) and 7 (VLAN 100), which each filter's hosts and ports match one
# way or the other, an 802.1ad tag, a later IPv4 fragment whose bytes look
# like ports, then two or three of the frames above, under the filters the
# unit and packet tests use.
filters = [b"", b"all", b"resets", b"sends", b"drops", b"all host 198.18.0.1",
           b"resets host 198.18.0.1 port 23 count 1000", b"drops port 7 snaplen 40",
           b"sends host 2001:2::1 host 2001:2::2 port 40000 port 80",
           b"all host 198.18.0.2 host 198.18.0.1 port 23 port 40000",
           b"all host 198.18.1.2 port 7", b"all port 40000 port 80 snaplen 60",
           b"all snaplen 16 count 2", b"all bytes 400", b"host 198.18.1.1 port 23",
           b"drops port 23", b"drops host 198.18.1.1 port 7",
           b"bogus", b"port 65536", b"snaplen 15", b"host ::1 host ::2 host ::3"]
raws = [bytes(f) for f in frames]
qinq = bytearray(bytes(frames[37]))
qinq[12:14] = b"\x88\xa8"
syns = [bytes(frames[i]) for i in (0, 2, 70, 72, 35)] + [bytes(qinq), bytes(
    eth() / IP(src="198.18.0.1", dst="198.18.0.2", frag=0x1000) / TCP(sport=40000, dport=23))]
for i, words in enumerate(filters):
    for k, knobs in enumerate((0, 1, 3, 5, 9)):
        pick = syns + [raws[(i * 7 + k * 3 + j * 29) % len(raws)] for j in range(2 + (i + k) % 2)]
        put("capture", bytes([knobs]) + words + b"\n" +
            b"".join(struct.pack(">H", len(r)) + r for r in pick))
