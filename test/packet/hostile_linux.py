#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The malformed-input corpus against the Linux kernel: what Linux answers.

    hostile_linux.py [SEED]        (root; a script, not a CI test)

Builds the corpus (hostile_corpus.py), sets up two namespaces joined by a
veth pair, the kernel side configured as the packet suite's topology
(198.18.0.2/24 and 2001:2::2/64 untagged, 198.18.1.2/24 and 2001:2:1::2/64
on VLAN 100, its MAC the one the frames are built for, MTU 16000,
rp_filter 0, routes to the peers' prefixes through a static neighbour),
sends every frame from the other side through an AF_PACKET socket and
records every frame the kernel sends back. Prints, per case whose outcome
differs from the corpus's expectation, what Linux did: "linux answered"
(a TCP reply, or an ARP request for the peer: the reply waits on it and
nobody answers here), "linux silent", or the ICMP error it sent (Backstop
sends no ICMP errors: docs/operations.md). Exits 1 if a TCP outcome differs;
the known ones are Backstop's deliberate deviations (docs/reliability.md).
"""

import ctypes
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import test_stray as ts
from hostile_corpus import corpus

NS = "bshl%d" % (os.getpid() % 100000)
GW_MAC = "02:00:00:00:00:01"


def sh(*cmd):
    subprocess.run(cmd, check=True)


def nsx(ns, *cmd):
    sh("ip", "netns", "exec", ns, *cmd)


def up():
    c, d = NS + "-c", NS + "-d"
    sh("ip", "netns", "add", c)
    sh("ip", "netns", "add", d)
    sh("ip", "link", "add", c + "0", "netns", c, "type", "veth", "peer", "name", d + "0", "netns", d)
    for ns in (c, d):
        nsx(ns, "ip", "link", "set", "lo", "up")
        nsx(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
            "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
    nsx(c, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    nsx(d, "ip", "link", "set", d + "0", "address", ts.DEFAULT_PORT_MAC, "mtu", "16000")
    nsx(c, "ip", "link", "set", c + "0", "mtu", "16000", "up")
    vlan = subprocess.run(["ip", "netns", "exec", d, "ip", "link", "add", "link", d + "0", "name",
                           d + "0.100", "type", "vlan", "id", "100"],
                          stderr=subprocess.DEVNULL).returncode == 0
    nsx(d, "ip", "addr", "add", "198.18.0.2/24", "dev", d + "0")
    nsx(d, "ip", "addr", "add", "2001:2::2/64", "dev", d + "0", "nodad")
    nsx(d, "ip", "link", "set", d + "0", "up")
    if vlan:
        nsx(d, "ip", "addr", "add", "198.18.1.2/24", "dev", d + "0.100")
        nsx(d, "ip", "addr", "add", "2001:2:1::2/64", "dev", d + "0.100", "nodad")
        nsx(d, "ip", "link", "set", d + "0.100", "up")
    else:
        # no 8021q here: VLAN 100's addresses on lo (still local to the
        # namespace), tagged frames left out of the comparison
        nsx(d, "ip", "addr", "add", "198.18.1.2/32", "dev", "lo")
        nsx(d, "ip", "addr", "add", "2001:2:1::2/128", "dev", "lo")
    for dev in (d + "0", "all", "default"):
        nsx(d, "sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=0" % dev)
    for gw in ("198.18.0.1", "2001:2::1"):
        nsx(d, "ip", "neigh", "replace", gw, "lladdr", GW_MAC, "dev", d + "0", "nud", "permanent")
    nsx(d, "ip", "route", "add", "default", "via", "198.18.0.1")
    nsx(d, "ip", "-6", "route", "add", "2001:2:0:ff::/64", "via", "2001:2::1")
    subprocess.run(["ip", "netns", "exec", d, "ethtool", "-K", d + "0", "tx", "off", "rx", "off"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    return vlan


def down():
    for s in ("-c", "-d"):
        subprocess.run(["ip", "netns", "del", NS + s], stderr=subprocess.DEVNULL)


def probe(frames):
    """Send frames from the client namespace, return what came back."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        fd = os.open("/run/netns/%s-c" % NS, os.O_RDONLY)
        if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:     # CLONE_NEWNET
            os._exit(3)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((NS + "-c0", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        got = []
        stop = threading.Event()

        def rx():
            s.settimeout(0.2)
            while not stop.is_set():
                try:
                    data, addr = s.recvfrom(70000)
                except socket.timeout:
                    continue
                if addr[2] != 4:        # not our own transmissions
                    got.append(data)
        t = threading.Thread(target=rx)
        t.start()
        for f in frames:
            if len(f) < 14:
                f = f + bytes(14 - len(f))   # AF_PACKET pads nothing shorter than a header
            try:
                s.send(f)
            except OSError:
                pass
            time.sleep(0.0005)
        time.sleep(1.5)
        stop.set()
        t.join()
        out = b"".join(struct.pack("!I", len(g)) + g for g in got)
        os.write(w, out)
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 1 << 20)
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    out, off = [], 0
    while off < len(data):
        n = struct.unpack_from("!I", data, off)[0]
        out.append(data[off + 4:off + 4 + n])
        off += 4 + n
    return out


def icmp_key(b):
    """(peer, sport) of the segment an ICMP error quotes, and its type."""
    try:
        et, l3 = b[12:14], 14
        if et == b"\x81\x00":
            et, l3 = b[16:18], 18
        if et == b"\x08\x00" and b[l3 + 9] == 1:
            ic = l3 + (b[l3] & 15) * 4
            q = ic + 8
            ql4 = q + (b[q] & 15) * 4
            return (ts.norm_ip(socket.inet_ntoa(b[q + 12:q + 16])),
                    struct.unpack("!H", b[ql4:ql4 + 2])[0]), "icmp %d/%d" % (b[ic], b[ic + 1])
        if et == b"\x86\xdd" and b[l3 + 6] == 58 and b[l3 + 40] not in (128, 129, 133, 134, 135, 136):
            ic = l3 + 40
            q = ic + 8
            return (socket.inet_ntop(socket.AF_INET6, b[q + 8:q + 24]),
                    struct.unpack("!H", b[q + 40:q + 42])[0] if b[q + 6] == 6 else None), \
                "icmp6 %d/%d" % (b[ic], b[ic + 1])
    except (IndexError, struct.error, OSError, ValueError):
        pass
    return None, None


def main():
    if os.geteuid() != 0:
        print("needs root")
        return 77
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    cases, _ = corpus(ts.Builder(ts.DEFAULT_PORT_MAC, seed))
    down()
    try:
        vlan = up()
        out = probe([e.frame for c in cases for e in c.exps])
    finally:
        down()
    tcp = {}
    icmp = {}
    for b in out:
        k = ts.out_key(b)
        if k[0] == "tcp":
            tcp.setdefault(k, []).append(b)
        ik, what = icmp_key(b)
        if ik is not None:
            icmp.setdefault(ik, []).append(what)
    # A reply to an on-link peer waits for ARP, which nobody answers here:
    # a peer Linux asked for counts as answered.
    arped = {socket.inet_ntoa(b[38:42]) for b in out if b[12:14] == b"\x08\x06" and b[21] == 1}
    diff = skipped = 0
    for c in cases:
        for e in c.exps:
            if not vlan and e.frame[12:14] in (b"\x81\x00", b"\x88\xa8", b"\x91\x00"):
                skipped += 1
                continue
            answered = e.key in tcp or (e.key[0] == "tcp" and e.key[1] in arped)
            want = e.kind != "drop"
            ik = (e.key[1], e.key[2]) if e.key[0] == "tcp" else None
            notes = icmp.get(ik, []) if ik else []
            if answered != want:
                diff += 1
                print("DIFF %-50s expected %-26s linux %s%s" % (
                    c.name, "drop " + e.drop if e.kind == "drop" else "reply",
                    "answered" if answered else "silent", (" + " + ",".join(notes)) if notes else ""))
            elif notes:
                print("ICMP %-50s expected %-26s linux also sent %s" % (
                    c.name, "drop " + e.drop if e.kind == "drop" else "reply", ",".join(notes)))
    print("%d frames sent, %d received, %d TCP outcomes differ%s" % (
        sum(len(c.exps) for c in cases), len(out), diff,
        "" if vlan else " (no 8021q: %d tagged frames not compared)" % skipped))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
