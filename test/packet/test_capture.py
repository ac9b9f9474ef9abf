#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Backstop packet suite: capture (pcapng with reset and drop reasons).

    test_capture.py BACKSTOP [WORKDIR]

Crafted frames go through the real worker path (net_pcap in, net_pcap
out, as test_stray.py); each run starts a capture from the configuration
([capture] file and filter) and the file is read back with tshark, which
must accept it as pcapng. Every captured packet is matched to its case by
the peer's address and checked: its comment (the reset or drop reason),
its direction (epb_flags), its interface, and its bytes (a send must be
byte for byte the frame net_pcap transmitted, a drop the frame received).
The set of captured cases must be exactly the filter's. Two more runs:
a tiny ring under a burst of 3000 stray SYNs (captured + lost = resets,
lost > 0, nothing crashes) and a count limit.

Prints one line per failure, then "N passed, M failed"; exits 1 on failure,
77 (skipped) without scapy or tshark.
"""

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from pktrun import Checker, dpdk_runtime_dir

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import (  # noqa: E402
        ARP, Dot1Q, Ether, ICMP, IP, IPOption_Router_Alert, IPv6, TCP, rdpcap, wrpcap,
    )
except ImportError as e:
    print("capture test skipped: %s needs scapy (%s)" % (sys.executable, e))
    sys.exit(77)
TSHARK = shutil.which("tshark")
if TSHARK is None:
    print("capture test skipped: tshark not found (scripts/deps.sh installs it)")
    sys.exit(77)

MAC = "02:70:63:61:70:00"       # net_pcap0 on DPDK 22.11
PEER_MAC = "02:00:00:00:00:01"
LOCALS = {"198.18.0.2", "2001:2::2", "198.18.1.2"}
RUN_TIMEOUT_S = 60

CONFIG = """\
; backstop packet suite, capture (test/packet/test_capture.py)
[backstop]
announce = no

[tcp]
tcp_synack_retries = 0

[control]
socket =

[port net_pcap0]
address = 198.18.0.2/24, 2001:2::2/64, 198.18.1.2/24 vlan 100

[listener web]
address = any
port = 80
app = discard

[capture]
file = %(file)s
filter = %(filter)s
ring = %(ring)d
mbufs = %(mbufs)d
"""


def eth(dst=MAC):
    return Ether(src=PEER_MAC, dst=dst)


def v4(n, dst="198.18.0.2"):
    return IP(src="198.18.0.%d" % n, dst=dst, ttl=64)


# (peer, frame, kind, comment): kind "send" (a reply out), "drop" (this
# frame, in) or None (consumed, nothing captured).
def cases():
    syn_bad = eth() / v4(14) / TCP(sport=40014, dport=23, flags="S", seq=1, chksum=0x1234)
    return [
        ("198.18.0.11", eth() / v4(11) / TCP(sport=40011, dport=23, flags="S", seq=100),
         "send", "reset: NO_SOCKET"),
        ("198.18.0.12", eth() / v4(12) / TCP(sport=40012, dport=80, flags="A", seq=5, ack=9),
         "send", "reset: TCP_FLAGS"),
        ("198.18.0.13", eth() / v4(13) / TCP(sport=40013, dport=80, flags="S", seq=7),
         "send", "send: tcp SYN,ACK"),
        ("198.18.0.14", syn_bad, "drop", "drop: TCP_CSUM"),
        ("198.18.0.15", eth() / v4(15) / TCP(sport=40015, dport=23, flags="R", seq=3),
         "drop", "drop: NO_SOCKET"),
        ("198.18.0.16", eth() / v4(16, dst="198.18.0.99") / TCP(sport=40016, dport=23, flags="S"),
         "drop", "drop: NOT_LOCAL"),
        ("198.18.0.17", Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
         ARP(op=1, hwsrc=PEER_MAC, psrc="198.18.0.17", pdst="198.18.0.2"),
         "send", "send: arp reply"),
        ("198.18.0.18", eth() / v4(18) / ICMP(type=8, id=18, seq=1) / (b"x" * 32),
         "send", "send: icmp echo reply"),
        ("2001:2::19", eth() / IPv6(src="2001:2::19", dst="2001:2::2") /
         TCP(sport=40019, dport=23, flags="S", seq=19),
         "send", "reset: NO_SOCKET"),
        ("198.18.0.20", eth() / IP(src="198.18.0.20", dst="198.18.0.2",
                                   options=[IPOption_Router_Alert()]) /
         TCP(sport=40020, dport=23, flags="S", seq=20),
         "send", "reset: NO_SOCKET"),
        ("198.18.1.21", eth() / Dot1Q(vlan=100) / IP(src="198.18.1.21", dst="198.18.1.2") /
         TCP(sport=40021, dport=23, flags="S", seq=21),
         "send", "reset: NO_SOCKET"),
    ]


class Run:
    def __init__(self, name, filt, frames, ring=1024, mbufs=4096):
        self.name, self.filter, self.frames = name, filt, frames
        self.ring, self.mbufs = ring, mbufs


def run_backstop(binary, work, run):
    d = os.path.join(work, run.name)
    os.makedirs(d, exist_ok=True)
    inp, outp = os.path.join(d, "in.pcap"), os.path.join(d, "out.pcap")
    run.capfile = os.path.join(d, "capture.pcapng")
    stats = os.path.join(d, "stats.json")
    wrpcap(inp, run.frames)
    conf = os.path.join(d, "backstop.conf")
    with open(conf, "w") as f:
        f.write(CONFIG % {"file": run.capfile, "filter": run.filter,
                          "ring": run.ring, "mbufs": run.mbufs})
    prefix = "bs-cap-%d-%s" % (os.getpid(), run.name)
    cmd = ["timeout", "-k", "5", str(RUN_TIMEOUT_S), binary, "-l", "0,1", "--no-huge", "-m", "256",
           "--no-pci", "--file-prefix", prefix,
           "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, outp), "--",
           "--config", conf, "--duration", "0.5", "--stats-json", stats]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=d)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S + 15)
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        raise
    finally:
        shutil.rmtree(dpdk_runtime_dir(prefix), ignore_errors=True)
    run.rc = proc.returncode
    run.stdout, run.stderr = out.decode(errors="replace"), err.decode(errors="replace")
    with open(os.path.join(d, "stdout.txt"), "w") as f:
        f.write(run.stdout + run.stderr)
    try:
        with open(stats) as f:
            run.stats = json.load(f)
    except (OSError, ValueError):
        run.stats = None
    run.tx = [bytes(p) for p in rdpcap(outp)] if os.path.exists(outp) else []


FIELDS = ["frame.comment", "frame.packet_flags_direction", "frame.interface_name",
          "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "arp.src.proto_ipv4",
          "arp.dst.proto_ipv4", "frame.len", "frame.cap_len"]


def tshark_read(path):
    """One dict per packet, tshark's view; raises if tshark rejects the file."""
    cmd = [TSHARK, "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("tshark -r %s: rc %d: %s" % (path, p.returncode,
                                                        p.stderr.decode(errors="replace").strip()))
    pkts = []
    for line in p.stdout.decode().splitlines():
        v = dict(zip(FIELDS, line.split("|")))
        addrs = [v[k] for k in FIELDS[3:9] if v.get(k)]
        peers = [a for a in addrs if a not in LOCALS]
        v["peer"] = peers[0] if peers else None
        pkts.append(v)
    return pkts


def capture_line(run):
    m = re.search(r"capture: stopped, \S+ \((.*)\): (\d+) packets, (\d+) bytes, (\d+) lost, "
                  r"(\d+) past the limit(.*)", run.stdout)
    if m is None:
        return None
    return {"filter": m.group(1), "packets": int(m.group(2)), "bytes": int(m.group(3)),
            "lost": int(m.group(4)), "past": int(m.group(5)), "rest": m.group(6)}


def check_cases(c, run, want):
    """The capture holds exactly the cases of @want, each as expected."""
    name = run.name
    if not c.check(name + ": backstop exit 0", run.rc == 0,
                   "rc %s: %s" % (run.rc, run.stderr.strip()[-300:])):
        return
    try:
        pk = tshark_read(run.capfile)
    except (RuntimeError, OSError) as e:
        c.check(name + ": tshark reads the file", False, str(e))
        return
    raw = [bytes(p) for p in rdpcap(run.capfile)]
    c.check(name + ": tshark and scapy see as many packets", len(raw) == len(pk),
            "%d vs %d" % (len(raw), len(pk)))
    got = {}
    for v, b in zip(pk, raw):
        got.setdefault(v["peer"], []).append((v, b))
    c.check(name + ": exactly the filter's cases", sorted(got, key=str) ==
            sorted(w[0] for w in want), "got %s, want %s" %
            (sorted(got, key=str), sorted(w[0] for w in want)))
    for peer, frame, kind, comment in want:
        cn = "%s: %s" % (name, peer)
        entries = got.get(peer, [])
        if not c.check(cn + ": one packet", len(entries) == 1, "%d" % len(entries)):
            continue
        v, b = entries[0]
        c.check(cn + ": comment", v["frame.comment"] == comment,
                "%r, want %r" % (v["frame.comment"], comment))
        c.check(cn + ": direction", int(v["frame.packet_flags_direction"] or "-1", 0) ==
                (1 if kind == "drop" else 2), v["frame.packet_flags_direction"])
        c.check(cn + ": interface", v["frame.interface_name"] == "net_pcap0",
                v["frame.interface_name"])
        c.check(cn + ": whole frame", v["frame.len"] == v["frame.cap_len"] == str(len(b)),
                "%s %s %d" % (v["frame.len"], v["frame.cap_len"], len(b)))
        if kind == "drop":
            c.check(cn + ": bytes are the frame received", b == bytes(frame))
        else:
            c.check(cn + ": bytes are the frame sent", b in run.tx,
                    "not among the %d frames net_pcap sent" % len(run.tx))
    line = capture_line(run)
    if c.check(name + ": exit line", line is not None, run.stdout[-300:]):
        c.check(name + ": exit line counts", line["packets"] == len(want) and
                line["lost"] == 0 and line["bytes"] == os.path.getsize(run.capfile),
                "%s, file %d bytes" % (line, os.path.getsize(run.capfile)))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="bs-capture-")
    keep = len(sys.argv) > 2
    c = Checker()
    cs = cases()
    frames = [f for _, f, _, _ in cs]
    sends = [x for x in cs if x[2] == "send"]
    try:
        runs = [
            (Run("resets", "resets", frames), [x for x in sends if x[3].startswith("reset:")]),
            (Run("drops", "drops", frames), [x for x in cs if x[2] == "drop"]),
            (Run("sends", "sends", frames), sends),
            # Two hosts and two ports: source and destination, either way round.
            (Run("tuple4", "all host 198.18.0.2 port 23 host 198.18.0.11 port 40011", frames),
             [x for x in cs if x[0] == "198.18.0.11"]),
            # tcpdump's host and port: each either way; the dropped segment.
            (Run("tuple1", "host 198.18.0.14 port 23", frames),
             [x for x in cs if x[0] == "198.18.0.14"]),
            (Run("tuple6", "resets host 2001:2::19", frames),
             [x for x in cs if x[0] == "2001:2::19"]),
        ]
        for run, want in runs:
            run_backstop(binary, work, run)
            check_cases(c, run, want)

        # A burst far larger than a 16-frame ring drained every 20 ms.
        n = 3000
        burst = [eth() / IP(src="198.18.0.%d" % (100 + i % 100), dst="198.18.0.2") /
                 TCP(sport=10000 + i, dport=23, flags="S", seq=i) for i in range(n)]
        run = Run("ringfull", "resets", burst, ring=16, mbufs=64)
        run_backstop(binary, work, run)
        line = capture_line(run)
        rst = (run.stats or {}).get("resets", {}).get("NO_SOCKET")
        c.check("ringfull: exit 0", run.rc == 0, "rc %s: %s" % (run.rc, run.stderr[-300:]))
        if c.check("ringfull: exit line", line is not None, run.stdout[-300:]):
            c.check("ringfull: every reset sent", rst == n, "%s" % rst)
            c.check("ringfull: captured + lost = resets", line["packets"] + line["lost"] == n,
                    "%s" % line)
            c.check("ringfull: capture drops counted", line["lost"] > 0, "%s" % line)
            try:
                pk = tshark_read(run.capfile)
                c.check("ringfull: file holds what was captured", len(pk) == line["packets"] and
                        all(v["frame.comment"] == "reset: NO_SOCKET" for v in pk),
                        "%d packets" % len(pk))
            except (RuntimeError, OSError) as e:
                c.check("ringfull: tshark reads the file", False, str(e))

        run = Run("count", "resets count 2 snaplen 40", burst)
        run_backstop(binary, work, run)
        line = capture_line(run)
        c.check("count: exit 0", run.rc == 0, "rc %s: %s" % (run.rc, run.stderr[-300:]))
        if c.check("count: exit line", line is not None, run.stdout[-300:]):
            c.check("count: limit reached", line["packets"] == 2 and
                    "limit reached" in line["rest"], "%s" % line)
            try:
                pk = tshark_read(run.capfile)
                c.check("count: two packets, cut at 40 of 54 bytes", len(pk) == 2 and
                        all(v["frame.cap_len"] == "40" and v["frame.len"] == "54" and
                            v["frame.comment"] == "reset: NO_SOCKET" for v in pk), "%s" % pk)
            except (RuntimeError, OSError) as e:
                c.check("count: tshark reads the file", False, str(e))

        # A bad filter: one line naming the key, nothing started.
        d = os.path.join(work, "badconf")
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "bad.conf")
        with open(conf, "w") as f:
            f.write(CONFIG % {"file": os.path.join(d, "x.pcapng"),
                              "filter": "resets host 198.18.0.300", "ring": 64, "mbufs": 64})
        p = subprocess.run([binary, "--check-config", conf], capture_output=True, timeout=30)
        err = p.stderr.decode().strip()
        c.check("bad filter: --check-config fails with one line", p.returncode == 1 and
                len(err.splitlines()) == 1 and "[capture] filter" in err and
                "198.18.0.300" in err, "rc %d: %r" % (p.returncode, err))
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
