#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count the TCP resets a peer sends to this host, for the whole e2e run.

    sniff.py IFACE PEER_MAC OUT.json READY_FILE

Listens on IFACE (AF_PACKET, every protocol) from before the first test
until SIGTERM/SIGINT, then writes {"rst": N, "tcp": M, "segments": [...]}
to OUT.json: every TCP segment received from PEER_MAC (to any MAC), and
how many of them had the RST flag. READY_FILE is created once the socket
is bound, so the caller knows no segment can be missed from then on.
No scapy here: it must start fast.
"""
import json
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def tcp_of(frame):
    """(family, src, dst, sport, dport, flags) of a TCP frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == 0x8100:
        if len(frame) < 18:
            return None
        etype = struct.unpack_from("!H", frame, 16)[0]
        off = 18
    if etype == 0x0800:
        if len(frame) < off + 20:
            return None
        ihl = (frame[off] & 0x0f) * 4
        if frame[off + 9] != 6:
            return None
        src = socket.inet_ntop(socket.AF_INET, frame[off + 12:off + 16])
        dst = socket.inet_ntop(socket.AF_INET, frame[off + 16:off + 20])
        fam, l4 = 4, off + ihl
    elif etype == 0x86DD:
        if len(frame) < off + 40:
            return None
        nh = frame[off + 6]
        src = socket.inet_ntop(socket.AF_INET6, frame[off + 8:off + 24])
        dst = socket.inet_ntop(socket.AF_INET6, frame[off + 24:off + 40])
        l4 = off + 40
        while nh in (0, 43, 60) and len(frame) >= l4 + 8:
            nh, l4 = frame[l4], l4 + (frame[l4 + 1] + 1) * 8
        if nh != 6:
            return None
        fam = 6
    else:
        return None
    if len(frame) < l4 + 14:
        return None
    sport, dport = struct.unpack_from("!HH", frame, l4)
    flags = ((frame[l4 + 12] & 1) << 8) | frame[l4 + 13]
    return fam, src, dst, sport, dport, flags


def main():
    iface, peer, out, ready = sys.argv[1:5]
    peer = bytes.fromhex(peer.replace(":", "").lower())
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    s.settimeout(0.1)
    with open(ready, "w") as f:
        f.write("ready\n")
    segs = []
    while not stop:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if addr[2] == PACKET_OUTGOING or frame[6:12] != peer:
            continue
        t = tcp_of(frame)
        if t is not None:
            segs.append(t)
    rst = sum(1 for t in segs if t[5] & 0x04)
    with open(out, "w") as f:
        json.dump({"rst": rst, "tcp": len(segs), "segments": segs}, f)


if __name__ == "__main__":
    main()
