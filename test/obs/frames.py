# SPDX-License-Identifier: BSD-3-Clause
"""Frames whose counts the obs suite knows: written to a pcap for net_pcap."""
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, IPv6, TCP, wrpcap  # noqa: E402

PEER_MAC = "02:00:00:00:00:01"
PORT_MAC = "02:70:63:61:70:00"     # net_pcap0 on DPDK 22.11
LOCAL4, PEER4 = "198.18.0.2", "198.18.0.1"
LOCAL6, PEER6 = "2001:2::2", "2001:2::1"

CONFIG = """\
; backstop obs suite (test/obs)
[backstop]
announce = no
[tcp]
tcp_timestamps = 0
[port net_pcap0]
address = 198.18.0.2/24, 2001:2::2/64
rx_desc = 512
tx_desc = 512
[listener echo]
port = 7
app = echo
[stray]
; no frame goes there: the policies' counters read 0 everywhere
policies = 198.18.9.0/24 drop, 2001:2:9::/48 ratelimit 7
"""


def eth():
    return Ether(src=PEER_MAC, dst=PORT_MAC)


def build(path):
    """Write the frames; return what they must do (exact counts)."""
    fr = []
    # Stray SYNs (IPv4) and ACKs (IPv6) to a closed port: RST NO_SOCKET each.
    for i in range(5):
        fr.append(eth() / IP(src=PEER4, dst=LOCAL4) / TCP(sport=10000 + i, dport=23, flags="S", seq=100))
    for i in range(3):
        fr.append(eth() / IPv6(src=PEER6, dst=LOCAL6) / TCP(sport=20000 + i, dport=23, flags="A", seq=7, ack=9))
    # Bad TCP checksums: dropped TCP_CSUM.
    for i in range(2):
        fr.append(eth() / IP(src=PEER4, dst=LOCAL4) / TCP(sport=30000 + i, dport=23, flags="S", chksum=0x1234))
    # Not ours: dropped NOT_LOCAL.
    for i in range(4):
        fr.append(eth() / IP(src=PEER4, dst="198.18.0.77") / TCP(sport=40000 + i, dport=23, flags="S"))
    # An RST to a closed port: never answered (X1).
    fr.append(eth() / IP(src=PEER4, dst=LOCAL4) / TCP(sport=50000, dport=23, flags="R", seq=1))
    # An ACK to the echo listener: RST TCP_FLAGS from LISTEN (L1).
    fr.append(eth() / IP(src=PEER4, dst=LOCAL4) / TCP(sport=50002, dport=7, flags="A", seq=5, ack=77))
    # A SYN to the echo listener: a pending handshake (NEW_SYN_RECV).
    fr.append(eth() / IP(src=PEER4, dst=LOCAL4) / TCP(sport=50001, dport=7, flags="S", seq=1000))
    wrpcap(path, fr)
    # The trace events of the RSTs, in order: (family, saddr, daddr, sport,
    # dport, state, reason), local side first as Linux's tcp_send_reset.
    trace = [(4, LOCAL4, PEER4, 23, 10000 + i, "CLOSE", "NO_SOCKET") for i in range(5)]
    trace += [(6, LOCAL6, PEER6, 23, 20000 + i, "CLOSE", "NO_SOCKET") for i in range(3)]
    trace += [(4, LOCAL4, PEER4, 7, 50002, "LISTEN", "TCP_FLAGS")]
    return {
        "rx": len(fr),
        "trace": trace,
        "resets": {"NO_SOCKET": 8, "TCP_FLAGS": 1},
        "drops": {"TCP_CSUM": 2, "NOT_LOCAL": 4, "NO_SOCKET": 1},
        "counters": {"RxFrames": len(fr), "TcpInCsumErrors": 2, "TcpOutRsts": 9,
                     "IpInReceives": len(fr), "TcpInSegs": 5 + 3 + 2 + 1 + 1 + 1,
                     "TcpInErrs": 2, "TcpPassiveOpens": 0, "SyncookiesSent": 0},
        "states": {"NEW_SYN_RECV": 1},
        "gauges": {"Requests": 1, "Connections": 0, "TimeWait": 0, "Orphans": 0,
                   "ListenersOpen": 1},
    }


def build_loop(path):
    """One stray SYN, for net_pcap's infinite_rx: a steady stream of RSTs."""
    wrpcap(path, [eth() / IP(src=PEER4, dst=LOCAL4) / TCP(sport=4321, dport=23, flags="S", seq=9)])
    return (4, LOCAL4, PEER4, 23, 4321, "CLOSE", "NO_SOCKET")
