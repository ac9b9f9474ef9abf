# SPDX-License-Identifier: BSD-3-Clause
"""The sections of scripts/bench, one function per item: fn(ctx, item).

Items 1 and 2 run scripts/bench-stray.sh (the single-process method: a
pcap replayed forever by net_pcap into one worker, replies to net_null,
every reply of one pass verified first); item 5 runs kernel_flood.py;
items 3, 4 (reply rates) and 6 need backstop-gen for traffic with state.
"""
import json
import os
import re

from suite import ItemError

GEN_MISSING = ("needs backstop-gen (app/backstop-gen: stateful clients over "
               "net_memif); build it, or pass --gen PATH")


def stray_cmd(ctx, kind, json_path, testpmd=True):
    a = ctx.opts
    cmd = [os.path.join(ctx.root, "scripts", "bench-stray.sh"), "--kind", kind,
           "--runs", str(a.runs), "--duration", str(a.duration), "--packets", str(a.packets),
           "--retries", str(a.retries), "--min-cpu", str(a.min_cpu),
           "--worker-cpu", str(a.worker_cpu), "--json", json_path, "--backstop", a.backstop]
    cmd += ["--testpmd", a.testpmd] if testpmd else ["--no-testpmd"]
    if a.tiny:
        cmd += ["--mem", "256"]
    # probe, verification, then runs x attempts x (Backstop [+ testpmd]),
    # each within its duration and a minute of start-up and shut-down
    n = 2 + a.runs * (a.retries + 1) * (2 if testpmd else 1)
    return cmd, int(n * (a.duration + 60))


def run_stray(ctx, it, kind, testpmd=True):
    """One bench-stray.sh run; @return its JSON. Its verification's
    counts go to the item whatever happens."""
    path = ctx.path("stray-%s.json" % kind)
    cmd, bound = stray_cmd(ctx, kind, path, testpmd)
    rc, out = ctx.run(it, cmd, bound, log=ctx.path("stray-%s.log" % kind))
    it.commands += ["  " + c for c in re.findall(r"^bench-stray: command \([^)]*\): (.*)$", out,
                                                re.M)]
    v = re.findall(r"verified (\d+) replies, (\d+) mismatches", out)
    if v:
        it.verified += int(v[-1][0])
        it.mismatches += int(v[-1][1])
    if rc != 0:
        raise ItemError("bench-stray.sh --kind %s failed (exit status %d): %s" % (
            kind, rc, out.strip().splitlines()[-1] if out.strip() else "no output"))
    with open(path) as f:
        return json.load(f)


def stray(ctx, it):
    d = run_stray(ctx, it, "rst")
    it.details = {k: d.get(k) for k in ("medians", "disturbed_runs", "runs", "duration_s",
                                         "packets", "worker_cpu")}
    it.add("stray_rst_mpps", "Backstop stray RSTs, Mpps (1 worker)", d["backstop_mpps"], "Mpps")
    it.add("stray_rst_cycles_per_reply", "Backstop busy cycles per RST",
           d["backstop_cycles_per_reply"], "cycles")
    it.add("testpmd_5tswap_mpps", "testpmd 5tswap, same vdevs, Mpps", d["testpmd_5tswap_mpps"],
           "Mpps")
    it.add("testpmd_5tswap_cycles_per_packet", "testpmd 5tswap busy cycles per packet",
           d["testpmd_5tswap_cycles_per_packet"], "cycles")
    it.add("rst_vs_5tswap_ratio", "RST rate / 5tswap rate", d["rst_vs_5tswap_ratio"], "x",
           (">=", 0.8, "0.8"))
    it.add("rst_vs_5tswap_cycles_ratio", "5tswap cycles / RST cycles",
           d["rst_vs_5tswap_cycles_ratio"], "x")
    if d.get("disturbed_runs"):
        it.note = "%d runs had less than %s %% of the worker's CPU: not reliable" % (
            d["disturbed_runs"], d.get("min_cpu_pct"))


def synack(ctx, it):
    c = run_stray(ctx, it, "synack-cookie", testpmd=False)
    n = run_stray(ctx, it, "synack", testpmd=False)
    it.details = {"cookies": c.get("medians"), "no_cookies": n.get("medians")}
    it.add("synack_cookie_mpps", "SYN-ACKs with cookies (tcp_syncookies=2), Mpps",
           c["backstop_mpps"], "Mpps")
    it.add("synack_cookie_cycles_per_reply", "busy cycles per cookie SYN-ACK",
           c["backstop_cycles_per_reply"], "cycles")
    it.add("synack_mpps", "SYN-ACKs, request entries (SYN+RST pairs), Mpps",
           n["backstop_mpps"], "Mpps")
    it.add("synack_cycles_per_reply", "busy cycles per SYN-ACK (+ its RST)",
           n["backstop_cycles_per_reply"], "cycles")
    rst = ctx.items.get("stray")
    rate = rst.value("stray_rst_mpps") if rst is not None else None
    if rate:
        it.add("synack_cookie_vs_rst_ratio", "cookie SYN-ACK rate / stray RST rate",
               c["backstop_mpps"] / rate, "x", (">=", 0.8, "0.8"))
    else:
        it.note = "no stray RST rate in this run (item 1): no ratio"
    h = cookie_hash_cycles(ctx, it)
    if h is not None:
        it.add("synack_cookie_hash_cycles", "its 3 SipHash-2-4 values alone, per SYN", h,
               "cycles")
    rst_cyc = rst.value("stray_rst_cycles_per_reply") if rst is not None else None
    if rst_cyc and h:
        it.add("synack_cookie_vs_rst_ceiling", "ratio ceiling: RST cyc / (RST cyc + hash cyc)",
               rst_cyc / (rst_cyc + h), "x")


def bench_secure_path(ctx):
    """test/bench/bench_secure of the build that holds the Backstop
    measured, or None if it is not built."""
    exe = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(ctx.opts.backstop))),
                       "test", "bench", "bench_secure")
    return exe if os.access(exe, os.X_OK) else None


def hash_burst_cmd(ctx, cpu, syns):
    return ["taskset", "-c", str(cpu), bench_secure_path(ctx), "--burst", str(syns)]


def hash_burst_parse(out):
    m = re.search(r"^burst: .*: ([\d.]+) cycles per SYN$", out, re.M)
    return float(m.group(1)) if m else None


def cookie_hash_cycles(ctx, it):
    """What a cookie SYN-ACK's hashing alone costs on the worker's CPU:
    test/bench/bench_secure --burst, built with the Backstop measured.
    With item 1's cycles per RST, it bounds item 2's ratio: a SYN-ACK
    does all an RST reply does (parse, checksum check, reply over the
    segment) and more, plus three SipHash-2-4 values (Linux's cookie
    H0, H1 and timestamp offset)."""
    if bench_secure_path(ctx) is None:
        it.note = (it.note + "; " if it.note else "") + "no bench_secure built: no hash figure"
        return None
    rc, out = ctx.run(it, hash_burst_cmd(ctx, ctx.opts.worker_cpu,
                                         200000 if ctx.opts.tiny else 3000000), 120,
                      log=ctx.path("cookie-hash.log"))
    h = hash_burst_parse(out)
    if rc != 0 or h is None:
        raise ItemError("bench_secure --burst failed (exit status %d): %s" % (
            rc, out.strip().splitlines()[-1] if out.strip() else "no output"))
    return h


def gen_path(ctx):
    g = ctx.opts.gen
    return g if g and os.access(g, os.X_OK) else None


def cps(ctx, it):
    if gen_path(ctx) is None:
        it.skip(GEN_MISSING)
        return
    import conn
    conn.cps(ctx, it)


def memory(ctx, it):
    """Bytes per entry from Backstop's own accounting: the start-up line
    of a worker's TCP endpoint (bs_tcp_ep_write_memory), for a worker
    sized for 10 million connections (1 million in the plumbing test)."""
    conns = 1000000 if ctx.opts.tiny else 10000000
    conf = ctx.path("memory.conf")
    with open(conf, "w") as f:
        f.write("[backstop]\nannounce = no\n[tcp]\nconnections = %d\n"
                "tcp_max_tw_buckets = %d\n[port net_null0]\naddress = 198.18.0.2/24\n"
                "[listener hold]\nport = 5000\napp = hold\n" % (conns, conns))
    prefix = "bsbench%d-mem" % os.getpid()
    cmd = [ctx.opts.backstop, "-l", "0,1", "--no-huge", "-m", "4096", "--no-pci",
           "--file-prefix", prefix, "--vdev=net_null0", "--", "--config", conf,
           "--duration", "0.2", "--set", "control.socket=", "--set", "control.prometheus="]
    it.command("# %s:\n%s" % (conf, open(conf).read().rstrip()))
    rc, out = ctx.run(it, cmd, 120, log=ctx.path("memory.log"), echo=False)
    rmrun(prefix)
    m = re.search(r"TCP memory per worker ([\d.]+) MiB; bytes per entry with ([\d.]+) of "
                  r"table: connection ([\d.]+) \(\+(\d+) while busy\), pending handshake "
                  r"([\d.]+), TIME_WAIT ([\d.]+)", out)
    if rc != 0 or m is None:
        raise ItemError("no memory line from Backstop (exit status %d): %s" % (
            rc, out.strip().splitlines()[-1] if out.strip() else "no output"))
    print("    " + m.group(0))
    it.add("bytes_per_established", "bytes per idle ESTABLISHED connection (with table)",
           float(m.group(3)), "B", ("<=", 128, "128"))
    it.add("bytes_per_time_wait", "bytes per TIME_WAIT entry (with table)", float(m.group(6)),
           "B", ("<=", 64, "64"))
    it.add("bytes_per_request", "bytes per pending handshake (with table)", float(m.group(5)),
           "B")
    it.add("memory_per_worker_mib", "TCP memory of a worker sized for %d M connections" %
           (conns // 1000000), float(m.group(1)), "MiB")
    it.details["connections"] = conns
    it.details["memory_line"] = m.group(0)
    it.details["table_bytes_per_entry"] = float(m.group(2))
    it.details["busy_extension_bytes"] = int(m.group(4))


def rmrun(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    d = os.path.join(base, prefix)
    if os.path.isdir(d):
        for name in os.listdir(d):
            try:
                os.unlink(os.path.join(d, name))
            except OSError:
                pass
        try:
            os.rmdir(d)
        except OSError:
            pass


def conc(ctx, it):
    memory(ctx, it)
    if gen_path(ctx) is None:
        it.note = ("reply rate at 1 thousand / 1 million / 10 million connections: not measured, " +
                   GEN_MISSING)
        return
    import conn
    conn.conc(ctx, it)


def kernel(ctx, it):
    if os.geteuid() != 0:
        it.skip("needs root (network namespaces, veth, RPS)")
        return
    import kernel_flood
    k = kernel_flood.run(ctx, it)
    it.details = k
    it.add("kernel_rst_pps", "Linux RSTs per second (closed port, veth, RPS 1 CPU)",
           k["rst_pps"], "pps")
    it.add("kernel_softirq_pct", "softirq share of the RPS CPU", k["softirq_pct"], "%")
    it.add("kernel_rst_per_core", "Linux RSTs per second per core (irq+softirq)", k["rst_per_core"],
           "pps")
    rst = ctx.items.get("stray")
    rate = rst.value("stray_rst_mpps") if rst is not None else None
    if rate and k["rst_per_core"]:
        it.add("backstop_vs_kernel_rst_per_core", "Backstop / Linux RSTs per core",
               rate * 1e6 / k["rst_per_core"], "x", (">=", 40, "40"))
    else:
        it.note = "no stray RST rate in this run (item 1): no ratio"
    if gen_path(ctx) is None:
        it.note = (it.note + "; " if it.note else "") + (
            "short connections against a kernel listener: not measured, " + GEN_MISSING)
        return
    import conn
    kc, why = conn.kernel_cps(ctx, it)
    if kc is None:
        it.note = (it.note + "; " if it.note else "") + (
            "short connections against a kernel listener: not measured, " + why)
        return
    it.details["short_connections"] = kc
    it.add("kernel_cps_echo", "Linux echo: short connections per second (veth)", kc["cps"],
           "cps")
    it.add("kernel_cps_echo_per_core", "Linux echo: connections per second per core",
           kc["cps_per_core"], "cps")
    c = ctx.items.get("cps")
    bs = c.value("cps_echo_per_core") if c is not None else None
    if bs and kc["cps_per_core"]:
        it.add("backstop_vs_kernel_cps_per_core", "Backstop / Linux connections per core (echo)",
               bs / kc["cps_per_core"], "x", (">=", 10, "10"))


def scaling(ctx, it):
    """Item 6. Backstop gives a port several queues (one per worker) only
    when it has RSS (lib/port/port.c); a port without it has one queue,
    polled by worker 0. None of this machine's vdevs has RSS (net_pcap,
    net_null, net_memif), so more workers add nothing on them: the
    method for N workers is a NIC with RSS and a generator
    (docs/benchmarking.md: -l 0-N, TRex stl_stray.py or pktgen), reading
    TcpOutRsts per second per worker from `backstopctl show workers`."""
    cpus = os.cpu_count() or 1
    it.details = {"cpus": cpus}
    rst = ctx.items.get("stray")
    rate = rst.value("stray_rst_mpps") if rst is not None else None
    if rate:
        it.add("scaling_1_worker_mpps", "stray RSTs with 1 worker (item 1), Mpps", rate, "Mpps")
    why = ("more workers need a port with RSS (one queue per worker); this machine's vdevs "
           "have none, so a second worker would poll nothing: measure 1..N workers on a NIC "
           "(docs/benchmarking.md)")
    if cpus <= 2:
        why = ("%d CPUs: one for the control thread, one worker; " % cpus) + why
    if rate:
        it.note = why
    else:
        it.skip(why + "; no item 1 in this run")
