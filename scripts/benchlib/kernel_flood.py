# SPDX-License-Identifier: BSD-3-Clause
"""Item 5 of scripts/bench: how fast the Linux kernel of this machine
answers a closed-port SYN flood, per core.

Two network namespaces made for the run (bsbkPIDs, the sender, and
bsbkPIDr, the receiver) joined by a veth pair (bkPIDs, bkPIDr) with
198.18.100.1/24 and 198.18.100.2/24. trafgen (netsniff-ng) sends SYNs
from random source ports with random sequence numbers to port 9 of the
receiver, where nothing listens: every SYN deserves an RST
(tcp_v4_send_reset). RPS steers the receiver's processing onto one CPU
(rps_cpus of bkPIDr's rx-0) and the sender's (the RSTs coming back, which
its stack drops) onto the other, where trafgen runs (it pins itself to
CPU 0). trafgen sends with one sendto() per frame (--gap 0): its TX_RING
path stops at the first full socket buffer ("Flushing TX_RING failed"),
which a veth whose peer's RPS backlog is full gives at once, and the
socket memory sysctls it would raise are not writable in a namespace.
Over a window after a warm-up second: the receiver's OutRsts
(/proc/net/snmp in its namespace) per second, and its CPU's softirq and
busy shares (/proc/stat); RSTs per core = RSTs per second / the CPU's
irq + softirq share (the receive path and the RST run in NET_RX softirq
there, ksoftirqd's time included; other tasks' user and system time on
that CPU are not the kernel's TCP work).
Namespaces and processes are removed by name and PID, even on failure.
"""
import os
import signal
import subprocess
import time

import suite
from suite import ItemError

ADDR_S, ADDR_R, PORT = "198.18.100.1", "198.18.100.2", 9


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise ItemError("%s: %s" % (" ".join(cmd), (r.stderr or r.stdout).strip()))
    return r.stdout


def mac_of(ns, dev):
    text = sh("ip", "-n", ns, "-o", "link", "show", dev)
    w = text.split()
    return w[w.index("link/ether") + 1]


def snmp_tcp(ns):
    lines = [l.split() for l in sh("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").splitlines()
             if l.startswith("Tcp:")]
    return dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))


def cpu_ticks(cpu):
    with open("/proc/stat") as f:
        for line in f:
            w = line.split()
            if w[0] == "cpu%d" % cpu:
                v = [int(x) for x in w[1:9]]
                # user nice system idle iowait irq softirq steal
                return {"busy": v[0] + v[1] + v[2] + v[5] + v[6], "net": v[5] + v[6],
                        "softirq": v[6], "total": sum(v)}
    raise ItemError("no cpu%d in /proc/stat" % cpu)


def run(ctx, it):
    a = ctx.opts
    if not os.access("/usr/sbin/trafgen", os.X_OK) and subprocess.run(
            ["sh", "-c", "command -v trafgen"], capture_output=True).returncode != 0:
        raise ItemError("trafgen not found (apt-get install netsniff-ng; scripts/deps.sh)")
    cpus = os.cpu_count() or 1
    gen_cpu, rps_cpu = 0, (1 if cpus > 1 else 0)
    pid = os.getpid()
    ns_s, ns_r = "bsbk%ds" % pid, "bsbk%dr" % pid
    dev_s, dev_r = "bk%ds" % pid, "bk%dr" % pid
    warm, window = 1.0, max(1.0, a.duration)
    made, proc = [], None
    try:
        for ns in (ns_s, ns_r):
            sh("ip", "netns", "add", ns)
            made.append(ns)
        sh("ip", "link", "add", dev_s, "netns", ns_s, "type", "veth", "peer", "name", dev_r,
           "netns", ns_r)
        for ns, dev, addr in ((ns_s, dev_s, ADDR_S), (ns_r, dev_r, ADDR_R)):
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
        mac_s, mac_r = mac_of(ns_s, dev_s), mac_of(ns_r, dev_r)
        # The RSTs go to the sender's MAC without a neighbour lookup.
        sh("ip", "-n", ns_r, "neigh", "replace", ADDR_S, "lladdr", mac_s, "dev", dev_r,
           "nud", "permanent")
        for ns, dev, cpu in ((ns_r, dev_r, rps_cpu), (ns_s, dev_s, gen_cpu)):
            sh("ip", "netns", "exec", ns, "sh", "-c", "echo %x > /sys/class/net/%s/queues/"
               "rx-0/rps_cpus" % (1 << cpu, dev))
        conf = ctx.path("syn.trafgen")
        with open(conf, "w") as f:
            f.write("{\n  eth(da=%s, sa=%s),\n  ipv4(saddr=%s, daddr=%s, ttl=64, df),\n"
                    "  tcp(sp=drnd(), dp=%d, seq=drnd(), syn),\n}\n" % (
                        mac_r, mac_s, ADDR_S, ADDR_R, PORT))
        cmd = ["ip", "netns", "exec", ns_s, "trafgen", "--dev", dev_s, "--conf", conf,
               "--cpus", "1", "--no-sock-mem", "--notouch-irq", "--gap", "0"]
        it.command("echo %x > /sys/class/net/%s/queues/rx-0/rps_cpus   # in %s" % (
            1 << rps_cpu, dev_r, ns_r))
        it.command(" ".join(cmd) + "   # %s:\n%s" % (conf, suite.read(conf).rstrip()))
        log = open(ctx.path("trafgen.log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        time.sleep(warm)
        if proc.poll() is not None:
            raise ItemError("trafgen ended at once: %s" % suite.read(ctx.path("trafgen.log"))
                            .strip().splitlines()[-1:])
        s0, c0, t0 = snmp_tcp(ns_r), cpu_ticks(rps_cpu), time.monotonic()
        time.sleep(window)
        s1, c1, t1 = snmp_tcp(ns_r), cpu_ticks(rps_cpu), time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            suite.stop_group(proc)
        proc = None
    finally:
        if proc is not None:
            suite.stop_group(proc)
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
    dt = t1 - t0
    ticks = c1["total"] - c0["total"]
    rsts = s1["OutRsts"] - s0["OutRsts"]
    ins = s1["InSegs"] - s0["InSegs"]
    if rsts <= 0:
        raise ItemError("the kernel sent no RST in %.1f s (InSegs +%d)" % (dt, ins))
    busy = (c1["busy"] - c0["busy"]) / ticks if ticks else 0.0
    soft = (c1["softirq"] - c0["softirq"]) / ticks if ticks else 0.0
    net = (c1["net"] - c0["net"]) / ticks if ticks else 0.0
    out = {
        "window_s": round(dt, 3), "rst_pps": rsts / dt, "in_segs_pps": ins / dt,
        "softirq_pct": 100 * soft, "busy_pct": 100 * busy,
        "irq_softirq_pct": 100 * net,
        "rst_per_core": rsts / dt / net if net > 0 else None,
        "rps_cpu": rps_cpu, "trafgen_cpu": gen_cpu,
        "trafgen": suite.tool_version(["trafgen", "--version"]),
    }
    print("    Linux: %.0f RSTs/s (%.0f SYNs/s in), CPU %d %.1f %% busy, %.1f %% softirq: "
          "%.0f RSTs/s per core" % (out["rst_pps"], out["in_segs_pps"], rps_cpu,
                                   out["busy_pct"], out["softirq_pct"],
                                   out["rst_per_core"] or 0), flush=True)
    return out
