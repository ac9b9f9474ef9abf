#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Backstop packet suite: stray-segment policies and the overload actions,
through the real worker on net_pcap.

    test_policy.py BACKSTOP [WORKDIR]

Run 1 (policies): stray SYNs to AnyIP destinations under [stray] policies
(drop, ratelimit, a longer reply prefix inside a ratelimit one, IPv4 and
IPv6, and destinations no policy covers). Every reply is counted by its
source address; the drop reasons, the NO_SOCKET resets and each policy's
own counters (the "policy ..." lines backstop prints at exit) must add up
exactly. The rate limit is a token bucket of PPS RSTs refilled PPS a
second: a burst of N > PPS segments gets at least PPS replies, and at most
PPS + PPS * T where T bounds the time between the first and the last
(the whole run's wall time is used: a bound, not a guess).

Runs 2-4 (overload): the request table (16 entries, the floor) full of
half-open handshakes, then more SYNs: with [tcp] overload = reset each gets
an RST|ACK (SEQ 0, ACK = SEQ+1), with drop nothing, with syncookie one
SYN-ACK carrying a valid-looking cookie (no retransmission: no state);
counted OverloadResets, OverloadDrops, OverloadSyncookies.

Prints one line per failure, then "N passed, M failed"; exits 1 on failure.
"""

import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from pktrun import Checker, dpdk_runtime_dir
import urllib.request

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import Ether, IP, IPv6, TCP, wrpcap, rdpcap  # noqa: E402
except ImportError as e:
    print("packet suite skipped: %s needs scapy (%s)" % (sys.executable, e))
    sys.exit(77)

PORT_MAC = "02:70:63:61:70:00"      # net_pcap0 on DPDK 22.11
PEER_MAC = "02:00:00:00:00:01"
PEER4, PEER6 = "198.18.0.1", "2001:2::1"
RUN_TIMEOUT_S = 60
RUN_DURATION_S = 2

BASE = """\
[backstop]
announce = no
burst = 32
[port net_pcap0]
address = 198.18.0.2/24, 2001:2::2/64
anyip = 198.18.8.0/24, 2001:2:8::/64
rx_desc = 512
tx_desc = 512
"""

POLICIES = """\
[stray]
policies = 198.18.8.0/25 drop, 198.18.8.128/25 ratelimit 5, 198.18.8.200 reply, 2001:2:8::/64 ratelimit 3, 2001:2:8::1/128 drop
"""


class Run:
    def __init__(self, name, workdir):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.read().decode()
    except OSError:
        return None


PROM_POLICY = re.compile(r'^backstop_stray_policy_segments_total\{prefix="([^"]*)",'
                         r'action="([^"]*)",result="(replied|dropped|limited)"\} (\d+)$', re.M)


def prom_policies(text):
    """{"PREFIX ACTION": {result: value}} from Prometheus text."""
    d = {}
    for m in PROM_POLICY.finditer(text or ""):
        d.setdefault("%s %s" % (m.group(1), m.group(2)), {})[m.group(3)] = int(m.group(4))
    return d


def run_backstop(binary, run, conf_text, frames, prom_port=None, prom_total=0):
    """With prom_port, /metrics is scraped while Backstop runs until its
    policy counters add up to prom_total (run.prom: the text)."""
    conf = os.path.join(run.dir, "backstop.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
        # No CLI socket (another Backstop may own the default one); the
        # exporter only where a run reads it.
        f.write("[control]\nsocket =\nprometheus = %s\n" %
                ("127.0.0.1:%d" % prom_port if prom_port else ""))
    run.prom = None
    inp, outp = os.path.join(run.dir, "in.pcap"), os.path.join(run.dir, "out.pcap")
    stats = os.path.join(run.dir, "stats.json")
    wrpcap(inp, frames)
    prefix = "bs-pol-%d-%s" % (os.getpid(), run.name)
    cmd = ["timeout", "-k", "5", str(RUN_TIMEOUT_S), binary, "-l", "0,1", "--no-huge",
           "-m", "512", "--no-pci", "--file-prefix", prefix,
           "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, outp), "--",
           "--config", conf, "--duration", str(RUN_DURATION_S), "--stats-json", stats]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=run.dir)
    try:
        while prom_port and proc.poll() is None:
            text = scrape("http://127.0.0.1:%d/metrics" % prom_port)
            d = prom_policies(text)
            if sum(sum(v.values()) for v in d.values()) >= prom_total:
                run.prom = text
                break
            time.sleep(0.05)
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S + 15)
        run.rc = proc.returncode
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        run.rc = "killed"
    finally:
        shutil.rmtree(dpdk_runtime_dir(prefix), ignore_errors=True)
    run.elapsed = time.monotonic() - t0
    run.stdout, run.stderr = out.decode(errors="replace"), err.decode(errors="replace")
    try:
        with open(stats) as f:
            run.stats = json.load(f)
    except (OSError, ValueError):
        run.stats = None
    try:
        run.out = list(rdpcap(outp))
    except Exception:   # an empty or missing capture
        run.out = []


def stray_syn(dst, sport, seq=1000):
    ip = IPv6(src=PEER6, dst=dst) if ":" in dst else IP(src=PEER4, dst=dst)
    return Ether(src=PEER_MAC, dst=PORT_MAC) / ip / TCP(sport=sport, dport=23, flags="S",
                                                        seq=seq, window=1000)


def l3(p):
    return p[IPv6] if IPv6 in p else p[IP]


def policy_lines(stdout):
    """{"PREFIX ACTION[ PPS]": (replied, dropped, limited)} from the exit report."""
    d = {}
    for m in re.finditer(r"^policy (.+): replied (\d+) dropped (\d+) limited (\d+)$",
                         stdout, re.M):
        d[m.group(1)] = tuple(int(x) for x in m.group(2, 3, 4))
    return d


def run_policies(binary, workdir, res):
    run = Run("policies", workdir)
    # destination -> number of stray SYNs; each frame has its own source port
    plan = [("198.18.8.%d" % i, 1) for i in range(1, 11)]          # /25 drop
    plan += [("198.18.8.130", 20), ("198.18.8.200", 3), ("198.18.0.2", 2),
             ("2001:2:8::1", 4), ("2001:2:8::5", 6)]
    frames, sport = [], 20000
    for dst, n in plan:
        for _ in range(n):
            frames.append(stray_syn(dst, sport))
            sport += 1
    # A stray RST: never answered (X1), before any policy.
    rst = stray_syn("198.18.8.1", 30000)
    rst[TCP].flags = "RA"
    frames.append(rst)
    run_backstop(binary, run, BASE + POLICIES, frames, prom_port=free_port(),
                 prom_total=len(frames) - 1 - 2)
    if run.rc != 0 or run.stats is None:
        res.check("policies: run", False, "rc %s, stderr: %s" % (run.rc, run.stderr[-400:]))
        return
    got = {}
    for p in run.out:
        if TCP in p and p[TCP].flags & 0x04:
            got[l3(p).src] = got.get(l3(p).src, 0) + 1
            res.check("policies: RST to %s:%d is RST|ACK ack=seq+1" % (l3(p).dst, p[TCP].dport),
                      p[TCP].flags == 0x14 and p[TCP].ack == 1001 and p[TCP].seq == 0,
                      "flags %s seq %d ack %d" % (p[TCP].flags, p[TCP].seq, p[TCP].ack))
    for i in range(1, 11):
        res.check("policies: drop 198.18.8.%d" % i, got.get("198.18.8.%d" % i, 0) == 0)
    r4, r6 = got.get("198.18.8.130", 0), got.get("2001:2:8::5", 0)
    bound4 = 5 + int(5 * run.elapsed) + 1
    bound6 = 3 + int(3 * run.elapsed) + 1
    res.check("policies: ratelimit 5 lets 5..%d of 20" % bound4, 5 <= r4 <= bound4, "got %d" % r4)
    res.check("policies: ratelimit 3 lets 3..%d of 6" % bound6, 3 <= r6 <= min(6, bound6),
              "got %d" % r6)
    res.check("policies: /32 reply inside a ratelimit /25", got.get("198.18.8.200", 0) == 3,
              "got %d" % got.get("198.18.8.200", 0))
    res.check("policies: no policy, replied", got.get("198.18.0.2", 0) == 2)
    res.check("policies: /128 drop inside /64 ratelimit", got.get("2001:2:8::1", 0) == 0)
    drops, rsts = run.stats["drops"], run.stats["resets"]
    limited = (20 - r4) + (6 - r6)
    for k, v in (("STRAY_POLICY", 14), ("STRAY_RATELIMIT", limited), ("NO_SOCKET", 1)):
        res.check("policies: drops[%s] == %d" % (k, v), drops.get(k) == v,
                  "got %s" % drops.get(k))
    res.check("policies: resets[NO_SOCKET]", rsts.get("NO_SOCKET") == r4 + r6 + 5,
              "got %s, want %d" % (rsts.get("NO_SOCKET"), r4 + r6 + 5))
    pl = policy_lines(run.stdout)
    want = {"198.18.8.0/25 drop": (0, 10, 0),
            "198.18.8.128/25 ratelimit 5": (r4, 0, 20 - r4),
            "198.18.8.200/32 reply": (3, 0, 0),
            "2001:2:8::/64 ratelimit 3": (r6, 0, 6 - r6),
            "2001:2:8::1/128 drop": (0, 4, 0)}
    res.check("policies: per-policy counters", pl == want, "got %s, want %s" % (pl, want))
    # The same counters through the metrics snapshot (Prometheus), read
    # while Backstop ran: prefix and action labels, one series per result.
    pm = prom_policies(run.prom)
    want_prom = {}
    for k, (r, d, l) in want.items():
        w = k.split(" ")
        want_prom["%s %s" % (w[0], w[1])] = {"replied": r, "dropped": d, "limited": l}
    res.check("policies: Prometheus backstop_stray_policy_segments_total", pm == want_prom,
              "got %s, want %s" % (pm, want_prom))


def run_overload(binary, workdir, res, action):
    run = Run("overload-" + action, workdir)
    conf = BASE + ("[tcp]\noverload = %s\nrequests = 1\n"
                   "[listener web]\nport = 80\napp = discard\nbacklog = 1000\n" % action)
    frames = []
    n_first, n_over = 16, 4     # the request table's floor is 16 entries
    for i in range(n_first + n_over):
        f = stray_syn("198.18.0.2", 40000 + i, seq=5000 + i)
        f[TCP].dport = 80
        frames.append(f)
    run_backstop(binary, run, conf, frames)
    name = "overload %s" % action
    if run.rc != 0 or run.stats is None:
        res.check(name + ": run", False, "rc %s, stderr: %s" % (run.rc, run.stderr[-400:]))
        return
    by_port = {}
    for p in run.out:
        if TCP in p and p[TCP].sport == 80:
            by_port.setdefault(p[TCP].dport, []).append(p[TCP])
    for i in range(n_first):
        r = by_port.get(40000 + i, [])
        res.check("%s: SYN %d gets a SYN-ACK" % (name, i),
                  len(r) >= 1 and all(t.flags == 0x12 for t in r),
                  str([str(t.flags) for t in r]))
    for i in range(n_first, n_first + n_over):
        r = by_port.get(40000 + i, [])
        if action == "reset":
            ok = len(r) == 1 and r[0].flags == 0x14 and r[0].seq == 0 and r[0].ack == 5000 + i + 1
        elif action == "drop":
            ok = r == []
        else:
            ok = len(r) == 1 and r[0].flags == 0x12 and r[0].ack == 5000 + i + 1
        res.check("%s: SYN %d over the table" % (name, i), ok,
                  str([(str(t.flags), t.seq, t.ack) for t in r]))
    cnt = run.stats["counters"]
    want = {"OverloadResets": n_over if action == "reset" else 0,
            "OverloadDrops": n_over if action == "drop" else 0,
            "OverloadSyncookies": n_over if action == "syncookie" else 0}
    for k, v in want.items():
        res.check("%s: %s == %d" % (name, k, v), cnt.get(k) == v, "got %s" % cnt.get(k))
    if action == "drop":
        res.check(name + ": drops[NOMEM]", run.stats["drops"].get("NOMEM") == n_over,
                  "got %s" % run.stats["drops"].get("NOMEM"))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    workdir = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="bs-pol-")
    res = Checker()
    run_policies(binary, workdir, res)
    for action in ("reset", "drop", "syncookie"):
        run_overload(binary, workdir, res, action)
    print("%d passed, %d failed" % (res.passed, res.failed))
    if res.failed == 0 and len(sys.argv) <= 2:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
