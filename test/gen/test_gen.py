#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
gen suite: backstop-gen against Backstop over net_memif, and its pcap modes
read back with scapy.

    test_gen.py BACKSTOP BACKSTOP_GEN

1. pcap: --mode pcap writes a mix of every kind, IPv4 and IPv6; scapy reads
   it: the count, each kind's flags (and the JSON's sent_by_kind), valid
   checksums except the invalid kind's, addresses and ports in their ranges,
   distinct 4-tuples, payload lengths.
2. check: replies to that file built here with scapy (the Linux formula,
   written independently of the generator's checker) pass --mode check;
   one changed and one left out make it fail with exactly those counts.
3. flood: Backstop (memif server) and backstop-gen (memif client), two
   processes without hugepages; a paced flood of every kind, both families,
   over ports with and without a listener: every reply matched, none lost,
   no mismatch, and the generator's counts equal Backstop's counters.
4. http and echo: short connections against Backstop's listeners, each
   response checked byte for byte by the generator, and 200 one at a time
   whose p50 time is under 500 us (three memif round trips); hold: 500
   connections opened, held, reset; Backstop's counters agree on the
   connections.

Each process is bounded by `timeout` and killed by PID on failure; EAL
runtime directories and the memif socket are removed. Prints one line per
failed check, then "N passed, M failed".
"""
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))
from pktrun import Checker, dpdk_runtime_dir  # noqa: E402

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import IP, IPv6, TCP, Ether, Raw, rdpcap, wrpcap  # noqa: E402
except ImportError as e:
    print("gen suite skipped: %s needs scapy (%s)" % (sys.executable, e))
    sys.exit(77)

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
KIND_FLAGS = {"syn": SYN, "ack": ACK, "data": PSH | ACK, "fin": FIN | ACK,
              "finonly": FIN, "rst": RST}
ALL = "syn,ack,data,fin,finonly,rst,invalid"
DST4, DST6 = "198.18.0.2", "2001:2::2"
DST_MAC = "02:70:63:61:70:00"
EAL = ["--no-huge", "-m", "256", "--no-pci"]
CONN_P50_US = 500

CONFIG = """\
; gen suite (test/gen/test_gen.py)
[backstop]
announce = no
[control]
socket =
prometheus =
telemetry = no
[port net_memif0]
address = 198.18.0.2/24, 2001:2::2/64
rx_desc = 1024
tx_desc = 1024
[listener echo]
address = any
port = 7
app = echo
; no accept-queue overflow (SYN cookies) however slow the machine: the
; connection counts below are exact
backlog = 4096
[listener http]
address = any
port = 80
app = http
"""

ck = Checker()
tmp = tempfile.mkdtemp(prefix="bs-gen-")
prefixes = []


def csum_ok(p):
    """Are the IPv4 header (if any) and TCP checksums of p right?"""
    q = p.copy()
    want = q[TCP].chksum
    del q[TCP].chksum
    ok = True
    if IP in q:
        ipc = q[IP].chksum
        del q[IP].chksum
        ok = Ether(bytes(q))[IP].chksum == ipc
    return ok and Ether(bytes(q))[TCP].chksum == want


def gen(binary, args, eal=None, timeout=30):
    """Run backstop-gen; (rc, json or None, stdout)."""
    out = os.path.join(tmp, "gen-%d.json" % len(prefixes))
    cmd = ["timeout", "-k", "3", str(timeout), binary]
    if eal is not None:
        prefix = "bs-gen-%d-%d" % (os.getpid(), len(prefixes))
        prefixes.append(prefix)
        cmd += ["-l", "0", "--file-prefix", prefix] + EAL + eal
    else:
        prefixes.append(None)
    cmd += ["--"] + args + ["--json", out]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout + 10)
    try:
        with open(out) as f:
            j = json.load(f)
    except (OSError, ValueError):
        j = None
    return p.returncode, j, p.stdout.decode(errors="replace")


# ---------------------------------------------------------------------------
# 1. pcap mode

def expected_reply(p):
    """The RST Linux sends to segment p at a closed port (None: silence)."""
    ipl = IP if IP in p else IPv6
    t = p[TCP]
    fl = int(t.flags)
    if fl & RST or not csum_ok(p):
        return None
    plen = len(bytes(t.payload))
    if fl & ACK:
        rfl, seq, ack = "R", t.ack, 0
    else:
        rfl, seq = "RA", 0
        ack = (t.seq + plen + bool(fl & SYN) + bool(fl & FIN)) & 0xffffffff
    if ipl is IP:
        l3 = IP(src=p[IP].dst, dst=p[IP].src, ttl=64, id=0, flags="DF")
    else:
        l3 = IPv6(src=p[IPv6].dst, dst=p[IPv6].src, hlim=64)
    return Ether(src=p.dst, dst=p.src) / l3 / TCP(sport=t.dport, dport=t.sport, flags=rfl,
                                                   seq=seq, ack=ack, window=0)


def test_pcap(binary):
    path = os.path.join(tmp, "flood.pcap")
    n = 1200
    args = ["--mode", "pcap", "--file", path, "--count", str(n), "--family", "46", "--mix", ALL,
            "--seed", "5", "--dst-mac", DST_MAC, "--src", "198.19.0.1+1000",
            "--sport", "2000-2999", "--dport", "1-1000"]
    rc, j, out = gen(binary, args)
    ck.check("pcap: exit 0", rc == 0, out)
    pkts = rdpcap(path)
    ck.check("pcap: %d frames" % n, len(pkts) == n, str(len(pkts)))
    kinds, tuples, errs = {}, set(), []
    for i, p in enumerate(pkts):
        if TCP not in p or (IP not in p and IPv6 not in p):
            errs.append("%d: not TCP/IP" % i)
            continue
        t = p[TCP]
        good = csum_ok(p)
        kind = "invalid" if not good else next(
            (k for k, f in KIND_FLAGS.items() if f == int(t.flags)), "?")
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "invalid" and int(t.flags) != SYN:
            errs.append("%d: invalid kind is not a SYN" % i)
        src, dst = (p[IP].src, p[IP].dst) if IP in p else (p[IPv6].src, p[IPv6].dst)
        if IP in p:
            a = [int(x) for x in src.split(".")]
            ok_src = a[:2] == [198, 19] and 1 <= a[2] * 256 + a[3] <= 1000
        else:
            ok_src = src.startswith("2001:2:0:1::") and 1 <= int(src.split(":")[-1] or "0", 16) <= 1000
        if not ok_src or dst not in (DST4, DST6):
            errs.append("%d: addresses %s > %s" % (i, src, dst))
        if not (2000 <= t.sport <= 2999 and 1 <= t.dport <= 1000):
            errs.append("%d: ports %d > %d" % (i, t.sport, t.dport))
        if p.dst.lower() != DST_MAC:
            errs.append("%d: dst MAC %s" % (i, p.dst))
        plen = len(bytes(t.payload))
        if (kind == "data") != (plen > 0) or plen > 64:
            errs.append("%d: %s with %d payload bytes" % (i, kind, plen))
        tuples.add((src, t.sport, t.dport))
    ck.check("pcap: every frame well formed", not errs, "; ".join(errs[:5]))
    ck.check("pcap: distinct 4-tuples", len(tuples) == n, "%d of %d" % (len(tuples), n))
    want = {k: v for k, v in (j or {}).get("sent_by_kind", {}).items() if v}
    ck.check("pcap: kinds as the JSON counts them", want == kinds, "%s vs %s" % (kinds, want))
    ck.check("pcap: every kind present", len(kinds) == 7, str(kinds))
    ck.check("pcap: both families", 0 < sum(1 for p in pkts if IPv6 in p) < n)
    return path, args, pkts


# ---------------------------------------------------------------------------
# 2. check mode

def test_check(binary, path, args, pkts):
    replies = [r for r in (expected_reply(p) for p in pkts) if r is not None]
    rpath = os.path.join(tmp, "replies.pcap")
    wrpcap(rpath, replies)
    cargs = [a if a != "pcap" else "check" for a in args]
    cargs[cargs.index("--file") + 1] = rpath
    rc, j, out = gen(binary, cargs)
    ck.check("check: right replies pass", rc == 0 and j is not None and j["mismatches"] == 0
             and j["lost"] == 0 and j["matched"] == len(replies) == j["due"], out)
    # One reply's ACK changed, another left out.
    bad = replies[:]
    r = bad[10]
    if int(r[TCP].flags) & ACK:
        r[TCP].ack = (r[TCP].ack + 1) & 0xffffffff
    else:
        r[TCP].seq = (r[TCP].seq + 1) & 0xffffffff
    del r[TCP].chksum
    bad[10] = Ether(bytes(r))
    del bad[20]
    wrpcap(rpath, bad)
    rc, j, out = gen(binary, cargs)
    ck.check("check: a wrong reply and a missing one fail", rc == 1 and j is not None
             and j["mismatches"] == 1 and j["lost"] == 2 and j["matched"] == len(replies) - 2, out)
    ck.check("check: the mismatch is named", j is not None and len(j["errors"]) == 1
             and ("ACK" in j["errors"][0] or "SEQ" in j["errors"][0]), str(j and j["errors"]))


# ---------------------------------------------------------------------------
# 3, 4. Backstop over memif

class Backstop:
    def __init__(self, binary, name):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "memif.sock")
        self.prefix = "bs-gen-bs-%d-%s" % (os.getpid(), name)
        self.stats = os.path.join(self.dir, "stats.json")
        conf = os.path.join(self.dir, "backstop.conf")
        with open(conf, "w") as f:
            f.write(CONFIG)
        self.log = open(os.path.join(self.dir, "stdout.txt"), "w")
        cmd = ["timeout", "-k", "3", "60", binary, "-l", "0,1", "--file-prefix", self.prefix] + EAL + \
              ["--vdev=net_memif0,role=server,socket=%s" % self.sock, "--", "--config", conf,
               "--duration", "50", "--stats-json", self.stats]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.eal = ["--vdev=net_memif0,role=client,socket=%s" % self.sock]

    def running(self):
        deadline = time.monotonic() + 15
        path = os.path.join(self.dir, "stdout.txt")
        while time.monotonic() < deadline and self.proc.poll() is None:
            with open(path) as f:
                if "backstop: running" in f.read():
                    return True
            time.sleep(0.05)
        return False

    def stop(self):
        """SIGINT (to backstop only: timeout would pass on a second one),
        then the counters it wrote."""
        try:
            kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                                  text=True).stdout.split()
            for k in kids:
                os.kill(int(k), signal.SIGINT)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self.log.close()
        shutil.rmtree(dpdk_runtime_dir(self.prefix), ignore_errors=True)
        try:
            with open(self.stats) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def tail(self):
        with open(os.path.join(self.dir, "stdout.txt")) as f:
            return " | ".join(f.read().splitlines()[-4:])

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def test_flood(bs_bin, gen_bin):
    bs = Backstop(bs_bin, "flood")
    try:
        if not ck.check("flood: backstop runs", bs.running()):
            return
        n = 10000
        rc, j, out = gen(gen_bin, ["--rate", "10000", "--count", str(n), "--family", "46",
                                   "--mix", ALL, "--dport", "60-100", "--listen", "7,80",
                                   "--seed", "11", "--drain-ms", "300"], eal=bs.eal)
    finally:
        st = bs.stop()
    if not ck.check("flood: exit 0, JSON written", rc == 0 and j is not None, out):
        return
    ck.check("flood: sent %d" % n, j["sent"] == n, str(j["sent"]))
    ck.check("flood: 0 mismatches", j["mismatches"] == 0, "; ".join(j["errors"]))
    ck.check("flood: none lost, none twice", j["lost"] == 0 and j["duplicates"] == 0,
             "lost %d duplicates %d" % (j["lost"], j["duplicates"]))
    ck.check("flood: every due reply matched", j["matched"] == j["due"] > n // 2,
             "%d of %d" % (j["matched"], j["due"]))
    sb, rp = j["sent_by_kind"], j["replies"]
    ck.check("flood: SYN-ACKs from the listeners", rp["syn_ack"] > 0, str(rp))
    ck.check("flood: latency measured", j["latency_ns"]["samples"] == j["matched"]
             and 0 < j["latency_ns"]["p50"] <= j["latency_ns"]["p99"] <= j["latency_ns"]["max"],
             str(j["latency_ns"]))
    if not ck.check("flood: backstop's stats.json", st is not None, bs.tail()):
        return
    c, d = st["counters"], st["drops"]
    ck.check("flood: RSTs = backstop's TcpOutRsts", rp["rst"] + rp["rst_ack"] == c.get("TcpOutRsts"),
             "%d vs %s" % (rp["rst"] + rp["rst_ack"], c.get("TcpOutRsts")))
    ck.check("flood: invalid = backstop's TCP_CSUM drops", sb["invalid"] == d.get("TCP_CSUM"),
             "%d vs %s" % (sb["invalid"], d.get("TCP_CSUM")))
    ck.check("flood: rst = backstop's NO_SOCKET + TCP_RESET drops (closed ports, listeners)",
             sb["rst"] == d.get("NO_SOCKET", 0) + d.get("TCP_RESET", 0),
             "%d vs %s + %s" % (sb["rst"], d.get("NO_SOCKET"), d.get("TCP_RESET")))
    ck.check("flood: backstop received every segment (and our ARP)",
             c.get("TcpInSegs") == n and c.get("RxFrames") == n + c.get("ArpInRequests", 0),
             "TcpInSegs %s RxFrames %s" % (c.get("TcpInSegs"), c.get("RxFrames")))
    # Every RST backstop sent reached us (checked exactly above); what it
    # sent after we left can only be SYN-ACKs retransmitted by its request
    # timers (1 s, then 3 s...), at most one per SYN-ACK we got.
    late = c.get("TxFrames", 0) - c.get("ArpOutReplies", 0) - j["received"]
    ck.check("flood: we received every frame backstop sent before we left",
             0 <= late <= rp["syn_ack"], "%d + ARP vs %s" % (j["received"], c.get("TxFrames")))


def test_conns(bs_bin, gen_bin):
    bs = Backstop(bs_bin, "conns")
    runs = []
    src, sj, sout = 1, None, ""
    try:
        if not ck.check("conns: backstop runs", bs.running()):
            return
        # echo over IPv6 alone: backstop's MAC found by neighbour discovery.
        # http with a tenth of our segments dropped: both ends send again.
        for mode, extra in (("http", []), ("echo", ["--family", "6", "--request", "300"]),
                            ("http", ["--loss", "10", "--rto-ms", "50", "--drain-ms", "2500"])):
            rc, j, out = gen(gen_bin, ["--mode", mode, "--count", "100", "--concurrency", "16",
                                       "--seed", str(20 + len(runs)), "--timeout-ms", "3000"] + extra,
                             eal=bs.eal)
            runs.append((mode, rc, j, out))
        # One connection at a time: three memif round trips, tens of
        # microseconds. The bound is for a loaded CI machine and an ASan
        # build, yet under the tick the application's accept() once waited
        # for (1 ms: every connection).
        src, sj, sout = gen(gen_bin, ["--mode", "http", "--count", "200", "--concurrency", "1",
                                     "--seed", "25", "--timeout-ms", "3000"], eal=bs.eal)
        rc, hj, hout = gen(gen_bin, ["--mode", "hold", "--conns", "500", "--rate", "5000",
                                     "--dport", "7", "--duration", "0.3", "--seed", "30", "--drain-ms", "1000",
                                     "--family", "46"], eal=bs.eal)
    finally:
        st = bs.stop()
    for k, (mode, rc, j, out) in enumerate(runs):
        mode += " with loss" if k == 2 else ""
        if not ck.check("%s: exit 0, JSON written" % mode, rc == 0 and j is not None, out):
            continue
        cn = j["connections"]
        ck.check("%s: our segments dropped and sent again only with --loss" % mode,
                 (cn["dropped"] > 0 and cn["retransmits"] > 0) if k == 2 else
                 (cn["dropped"] == 0 and cn["retransmits"] == 0), str(cn))
        ck.check("%s: 100 connections completed, none failed" % mode,
                 cn["started"] == cn["completed"] == 100 and cn["failed"] == 0, str(cn))
        ck.check("%s: responses right, 0 mismatches" % mode,
                 j["mismatches"] == 0 and cn["bad_bytes"] == 0 and cn["resets"] == 0,
                 "; ".join(j["errors"]))
        ck.check("%s: a latency per connection" % mode,
                 j["connection_ns"]["samples"] == 100 and j["connect_ns"]["samples"] == 100
                 and 0 < j["connect_ns"]["p50"] <= j["connection_ns"]["p50"], str(j["connection_ns"]))
    if ck.check("http one at a time: exit 0, 200 completed, 0 mismatches",
                src == 0 and sj is not None and sj["connections"]["completed"] == 200
                and sj["mismatches"] == 0, sout):
        ck.check("http one at a time: connection time p50 under %d us" % CONN_P50_US,
                 sj["connection_ns"]["p50"] < CONN_P50_US * 1000, str(sj["connection_ns"]))
    hc = (hj or {}).get("connections", {})
    ck.check("hold: 500 held, then reset", rc == 0 and hc.get("established") == 500
             and hc.get("failed") == 0 and hj["mismatches"] == 0
             and hj["connect_ns"]["samples"] == 500, hout)
    if len(runs) != 3 or hj is None or sj is None or \
            not ck.check("conns: backstop's stats.json", st is not None, bs.tail()):
        return
    c = st["counters"]
    sent = sum(r[2]["sent"] for r in runs if r[2]) + hj["sent"] + sj["sent"]
    recv = sum(r[2]["received"] for r in runs if r[2]) + hj["received"] + sj["received"]
    ck.check("conns: backstop sent again what the lossy run's dropped ACKs left unanswered",
             c.get("RetransSegs", 0) > 0, str(c.get("RetransSegs")))
    ck.check("conns: backstop's TcpPassiveOpens = 1000", c.get("TcpPassiveOpens") == 1000,
             str(c.get("TcpPassiveOpens")))
    ck.check("conns: no reset from backstop; hold's 500 taken", sum(st["resets"].values()) == 0
             and c.get("TcpEstabResets", 0) == 500, "%s %s" % (st["resets"], c.get("TcpEstabResets")))
    # Our ARP requests and neighbour solicitations for backstop's MAC (one
    # every 200 ms until answered) and its replies, consumed before the
    # run, are in its counters only.
    ns_in, na_out = c.get("Icmp6InNeighborSolicits", 0), c.get("Icmp6OutNeighborAdvertisements", 0)
    ck.check("conns: the IPv6-only run found backstop by neighbour discovery",
             ns_in >= 1 and na_out == ns_in, "NS in %d, NA out %d" % (ns_in, na_out))
    arp_in = c.get("ArpInRequests", 0) + ns_in
    arp_out = c.get("ArpOutReplies", 0) + na_out
    ck.check("conns: backstop got every segment we sent (and our ARPs and NSs)",
             c.get("RxFrames") == sent + arp_in, "%s vs %d + %d" % (c.get("RxFrames"), sent, arp_in))
    ck.check("conns: we got every segment backstop sent (but its ARP replies and NAs)",
             c.get("TxFrames") == recv + arp_out, "%s vs %d + %d" % (c.get("TxFrames"), recv, arp_out))


def test_reconnect(bs_bin, gen_bin):
    """Six memif connects and disconnects under a flat-out flood against
    one Backstop: DPDK 22.11's driver unmaps the rings under the worker on
    each disconnect, and the unmap guard makes it wait (unit-port_guard has
    the race itself; scripts/memif-reconnect.sh the long run). Closed ports
    only: a SYN to a listener would leave SYN-ACKs retransmitted into the
    next run."""
    bs = Backstop(bs_bin, "reconnect")
    runs, sent, alive, bad = 6, 0, True, []
    try:
        if not ck.check("reconnect: backstop runs", bs.running()):
            return
        with open(os.path.join(bs.dir, "stdout.txt")) as f:
            ck.check("reconnect: the memif port has the unmap guard on",
                     "unmap guard on" in f.read(), bs.tail())
        for i in range(runs):
            rc, j, out = gen(gen_bin, ["--rate", "0", "--count", "20000", "--mix", "syn,ack,data",
                                       "--dport", "1000-2000", "--seed", str(20 + i),
                                       "--drain-ms", "100"], eal=bs.eal)
            if rc != 0 or j is None or j["mismatches"] != 0:
                bad.append("run %d: rc %d %s" % (i, rc, out[-200:] if j is None else j["errors"]))
            else:
                sent += j["sent"]
            if bs.proc.poll() is not None:
                alive = False
                break
    finally:
        st = bs.stop()
    ck.check("reconnect: backstop alive after %d disconnects under flood" % runs, alive,
             "exit %s" % bs.proc.returncode)
    ck.check("reconnect: every run connected, exit 0, 0 mismatches", not bad, "; ".join(bad))
    ck.check("reconnect: backstop stopped cleanly and wrote its counters", st is not None)
    if st is not None:
        c = st["counters"]
        ck.check("reconnect: backstop received what the runs sent (and their ARPs)",
                 c.get("RxFrames", 0) >= sent, "%s < %d" % (c.get("RxFrames"), sent))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bs_bin, gen_bin = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    t0 = time.monotonic()
    try:
        path, args, pkts = test_pcap(gen_bin)
        test_check(gen_bin, path, args, pkts)
        test_flood(bs_bin, gen_bin)
        test_conns(bs_bin, gen_bin)
        test_reconnect(bs_bin, gen_bin)
    finally:
        for p in prefixes:
            if p is not None:
                shutil.rmtree(dpdk_runtime_dir(p), ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed (%.1f s)" % (ck.passed, ck.failed, time.monotonic() - t0))
    sys.exit(1 if ck.failed else 0)


if __name__ == "__main__":
    main()
