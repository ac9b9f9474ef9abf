# SPDX-License-Identifier: BSD-3-Clause
"""TRex STL profile: a flood of stray TCP segments at Backstop's closed ports.

Every segment matches no connection and no listener, so Backstop answers it
with the RST Linux would send (an RST segment gets nothing). Per stream, one
kind of segment; the mix is the streams' shares of the rate:

    syn   SYN                       -> RST|ACK, ACK = SEQ + 1
    ack   ACK                       -> RST, SEQ = SEG.ACK
    data  PSH|ACK with 32 bytes     -> RST, SEQ = SEG.ACK
    fin   FIN|ACK                   -> RST, SEQ = SEG.ACK
    rst   RST                       -> nothing (counted, never answered)

Random 4-tuples: source addresses in --src (a range), source ports
1024-65535, destination ports in --dport (default 1-65535: every port
closed, so do not give Backstop a listener in that range), random SEQ and
ACK numbers. Checksums are filled in by the NIC (STLVmFixChecksumHw: TX
IPv4 and TCP checksum offload); on a NIC without it use stl_stray_pcap.py.
Backstop drops segments with a bad checksum (TcpInCsumErrors), so a wrong
checksum shows at once in `backstopctl show stats`.

    trex> start -f scripts/trex/stl_stray.py -m 10mpps -p 0
    trex> start -f scripts/trex/stl_stray.py -m 10mpps -p 0 -t mix=syn:4,ack:1,rst:1
    trex> start -f scripts/trex/stl_stray.py -m 5mpps -p 0 -t ipv6=1,dst=2001:2::2

Tunables (-t key=value,...; or --mix ... after the profile on TRex 3):
    mix    kind:weight list (default syn:1,ack:1,data:1,fin:1,rst:1)
    dst    Backstop's address (default 198.18.0.2; 2001:2::2 with ipv6=1)
    src    IPv4: the source range "first-last" (default 198.19.0.1-198.19.255.254);
           IPv6: a base address whose last 32 bits vary (default 2001:2:0:1::)
    dport  destination ports "first-last" (default 1-65535)
    ipv6   1: IPv6 segments
"""
import argparse

from trex.stl.api import (STLStream, STLPktBuilder, STLTXCont, STLScVmRaw,
                          STLVmFlowVar, STLVmWrFlowVar, STLVmFixChecksumHw,
                          CTRexVmInsFixHwCs, Ether, IP, TCP)
from scapy.layers.inet6 import IPv6

KINDS = {"syn": ("S", 0), "ack": ("A", 0), "data": ("PA", 32), "fin": ("FA", 0),
         "rst": ("R", 0)}
DEFAULTS = {"mix": "syn:1,ack:1,data:1,fin:1,rst:1", "dst": None, "src": None,
            "dport": "1-65535", "ipv6": "0"}


def options(tunables, kwargs):
    """TRex 2.x passes -t key=value as keyword arguments; TRex 3 passes the
    words after the profile as a list: both work."""
    o = dict(DEFAULTS)
    o.update({k: str(v) for k, v in kwargs.items() if k in DEFAULTS})
    if isinstance(tunables, (list, tuple)):
        ap = argparse.ArgumentParser(prog="stl_stray.py")
        for k in DEFAULTS:
            ap.add_argument("--" + k, default=o[k])
        o.update(vars(ap.parse_args(tunables)))
    return o


def span(text, default):
    first, _, last = (text or default).partition("-")
    return first.strip(), (last or first).strip()


def stream(kind, weight, o):
    flags, payload = KINDS[kind]
    v6 = o["ipv6"] not in ("0", "", "no", "False")
    dst = o["dst"] or ("2001:2::2" if v6 else "198.18.0.2")
    if v6:
        l3 = IPv6(src=o["src"] or "2001:2:0:1::", dst=dst, hlim=64)
        l3_name = "IPv6"
        # the source address's last 32 bits (offset_fixup 12)
        src_var = STLVmFlowVar(name="src", min_value=1, max_value=0xfffffffe, size=4,
                               op="random")
        src_wr = STLVmWrFlowVar(fv_name="src", pkt_offset="IPv6.src", offset_fixup=12)
    else:
        src_first, src_last = span(o["src"], "198.19.0.1-198.19.255.254")
        l3 = IP(src=src_first, dst=dst, ttl=64)
        l3_name = "IP"
        src_var = STLVmFlowVar(name="src", min_value=src_first, max_value=src_last, size=4,
                               op="random")
        src_wr = STLVmWrFlowVar(fv_name="src", pkt_offset="IP.src")
    dp_first, dp_last = span(o["dport"], "1-65535")
    pkt = Ether() / l3 / TCP(sport=1024, dport=int(dp_first), flags=flags, window=64240)
    if payload:
        pkt = pkt / (b"x" * payload)
    vm = STLScVmRaw([
        src_var,
        STLVmFlowVar(name="sport", min_value=1024, max_value=65535, size=2, op="random"),
        STLVmFlowVar(name="dport", min_value=int(dp_first), max_value=int(dp_last), size=2,
                     op="random"),
        STLVmFlowVar(name="seq", min_value=0, max_value=0xffffffff, size=4, op="random"),
        STLVmFlowVar(name="ack", min_value=0, max_value=0xffffffff, size=4, op="random"),
        src_wr,
        STLVmWrFlowVar(fv_name="sport", pkt_offset="TCP.sport"),
        STLVmWrFlowVar(fv_name="dport", pkt_offset="TCP.dport"),
        STLVmWrFlowVar(fv_name="seq", pkt_offset="TCP.seq"),
        STLVmWrFlowVar(fv_name="ack", pkt_offset="TCP.ack"),
        # last: the NIC fills in both checksums
        STLVmFixChecksumHw(l3_offset=l3_name, l4_offset="TCP",
                           l4_type=CTRexVmInsFixHwCs.L4_TYPE_TCP),
    ])
    return STLStream(name="stray-" + kind, packet=STLPktBuilder(pkt=pkt, vm=vm),
                     mode=STLTXCont(pps=weight))


class StrayFlood(object):
    def get_streams(self, tunables=None, direction=0, **kwargs):
        o = options(tunables, kwargs)
        streams = []
        for part in o["mix"].split(","):
            kind, _, weight = part.partition(":")
            kind = kind.strip()
            if kind not in KINDS:
                raise ValueError("stl_stray.py: mix: unknown kind '%s' (%s)" % (
                    kind, ", ".join(sorted(KINDS))))
            streams.append(stream(kind, float(weight or 1), o))
        return streams


def register():
    return StrayFlood()

