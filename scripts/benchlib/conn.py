# SPDX-License-Identifier: BSD-3-Clause
"""Items 3 and 4 of scripts/bench with state: Backstop and backstop-gen as
two DPDK processes linked by net_memif (no hugepages, each its own
--file-prefix; Backstop the memif server on lcores 0 and 1, its worker on
CPU 1; the generator the client on lcore 0).

Item 3 (cps): short connections (handshake, request, the whole response
checked byte for byte, close) flat out with 64 at once, against Backstop's
http listener and its echo listener: connections per second and the
generator's latency percentiles (SYN to the end of the connection), and
Backstop's busy cycles per connection (its worker's busy TSC cycles over
TcpPassiveOpens: every segment of the connection, both ways).

Item 4 (conc): the reply rate with N connections in Backstop's table. The
generator's hold mode opens N idle connections to Backstop's hold listener
over memif; in the same Backstop process a second port replays the stray
pcap of item 1 forever (net_pcap infinite_rx, replies to net_null), so the
worker answers stray segments flat out while the table holds the N
connections. Once `show tables` counts N connections, TcpOutRsts over a
window is the reply rate with N held; N = 1 thousand, 1 million and 10
million, the same setup each time (the memif port's polls included).
"""
import json
import os
import signal
import statistics
import subprocess
import time

import suite
from suite import ItemError

GEN_EAL_MEM = 1024


class Proc:
    """A process in its own session, its output in a log, recorded."""

    def __init__(self, it, cmd, log, env=None, note=""):
        it.command(" ".join(cmd) + note)
        self.log = log
        self.f = open(log, "w")
        self.p = subprocess.Popen(cmd, stdout=self.f, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True, env=env)

    def wait_text(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in suite.read(self.log):
                return True
            if self.p.poll() is not None:
                return text in suite.read(self.log)
            time.sleep(0.1)
        return False

    def wait(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            suite.stop_group(self.p)
            return 124
        finally:
            self.f.close()

    def stop(self, timeout=30):
        """SIGINT (Backstop and the generator stop cleanly and write their
        JSON), then TERM and KILL."""
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        rc = self.wait(timeout)
        return rc

    def tail(self, n=1):
        lines = [l for l in suite.read(self.log).splitlines()
                 if l.strip() and not l.startswith(("EAL:", "TELEMETRY:"))]
        return " / ".join(lines[-n:]) if lines else "no output"


def rundir(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


def rm_rundir(prefix):
    d = rundir(prefix)
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


class Backstop:
    """One Backstop on a memif server port (and optional extra vdevs)."""

    def __init__(self, ctx, it, tag, conf, mem=1024, vdevs=(), bound=600):
        self.ctx, self.tag = ctx, tag
        self.prefix = "bsbench%d-%s" % (os.getpid(), tag)
        self.sock = ctx.path(tag + ".memif")
        self.ctl = ctx.path(tag + ".ctl")
        self.json = ctx.path(tag + ".stats.json")
        cpath = ctx.path(tag + ".conf")
        with open(cpath, "w") as f:
            f.write(conf)
        cmd = ["timeout", "-k", "5", str(bound), ctx.opts.backstop, "-l", "0,1", "--no-huge",
               "-m", str(mem), "--no-pci", "--file-prefix", self.prefix] + list(vdevs) + [
            "--vdev=net_memif0,role=server,socket=%s" % self.sock, "--",
            "--config", cpath, "--stats-json", self.json,
            "--set", "control.socket=" + self.ctl, "--set", "control.prometheus="]
        self.proc = Proc(it, cmd, ctx.path(tag + ".backstop.log"),
                         note="   # %s:\n%s" % (cpath, conf.rstrip()))
        if not self.proc.wait_text("backstop: running", 120):
            self.close()
            raise ItemError("Backstop (%s) did not start: %s" % (tag, self.proc.tail(2)))

    def cli(self, *words):
        r = subprocess.run([os.path.join(os.path.dirname(self.ctx.opts.backstop), os.pardir,
                                         "backstopctl", "backstopctl"), "-s", self.ctl,
                            "--json"] + list(words), capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise ItemError("backstopctl %s: %s" % (" ".join(words), r.stderr.strip()))
        return json.loads(r.stdout)

    def close(self):
        """Stop; @return its --stats-json (None if it wrote none)."""
        self.proc.stop()
        rm_rundir(self.prefix)
        try:
            with open(self.json) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None


def gen_cmd(ctx, tag, sock, args, mem=GEN_EAL_MEM):
    prefix = "bsbench%d-%s-gen" % (os.getpid(), tag)
    return prefix, [ctx.opts.gen, "-l", "0", "--no-huge", "-m", str(mem), "--no-pci",
                    "--file-prefix", prefix, "--vdev=net_memif0,role=client,socket=%s" % sock,
                    "--"] + list(args)


def run_gen(ctx, it, tag, sock, args, bound):
    """The generator to its end. @return (exit status, its JSON or None,
    last lines of its output)."""
    path = ctx.path(tag + ".gen.json")
    prefix, cmd = gen_cmd(ctx, tag, sock, list(args) + ["--json", path, "--quiet"])
    proc = Proc(it, ["timeout", "-k", "5", str(int(bound))] + cmd, ctx.path(tag + ".gen.log"))
    rc = proc.wait(bound + 30)
    rm_rundir(prefix)
    try:
        with open(path) as f:
            return rc, json.load(f), proc.tail(2)
    except (OSError, ValueError):
        return rc, None, proc.tail(2)


LISTENERS = """[listener http]
port = 80
app = http
backlog = 4096
[listener echo]
port = 7
app = echo
backlog = 4096
[listener hold]
port = 5000
app = hold
delay_ms = 0
backlog = 65535
"""


def cps_conf():
    """Backstop's configuration for short connections over memif (item 3,
    and scripts/bench-instr-cps.sh)."""
    return ("[backstop]\nannounce = no\n[port net_memif0]\naddress = 198.18.0.2/15\n"
            "[tcp]\nsomaxconn = 65535\n" + LISTENERS)


def cps_one(ctx, it, app):
    """One short-connection run against Backstop's @p app listener."""
    d = ctx.opts.duration
    conf = cps_conf()
    bs = Backstop(ctx, it, "cps-" + app, conf, bound=int(d) + 300)
    try:
        rc, g, tail = run_gen(ctx, it, "cps-" + app, bs.sock,
                              ["--mode", app, "--rate", "0", "--duration", str(d),
                               "--concurrency", "64"], int(d) + 120)
    finally:
        s = bs.close()
    if g is None:
        return None, "backstop-gen --mode %s: exit status %d, %s" % (app, rc, tail)
    if s is None:
        raise ItemError("Backstop wrote no statistics (cps %s): %s" % (app, bs.proc.tail(2)))
    return (g, s), None


def pct(h, key):
    v = h.get(key) if isinstance(h, dict) else None
    return v / 1000.0 if v is not None else None


def cps_figures(g, s, duration):
    """One run's figures: the generator's JSON @p g, Backstop's @p s."""
    c = g.get("connections", {})
    secs = g.get("send_seconds") or duration
    opens = s["counters"].get("TcpPassiveOpens", 0)
    lat = g.get("connection_ns", {})
    w = s["workers"][0]
    up = s.get("uptime_s", 0) * s["tsc_hz"]
    return {"rate": c.get("completed", 0) / secs if secs else 0,
            "cycles": w["busy_cycles"] / opens if opens else None,
            # how the worker spent itself: frames per poll that found work,
            # cycles per frame, busy share of Backstop's whole run
            "frames_per_busy_poll": w["rx"] / w["busy_polls"] if w.get("busy_polls") else None,
            "cycles_per_frame": w["busy_cycles"] / w["rx"] if w.get("rx") else None,
            "busy_share": w["busy_cycles"] / up if up else None,
            "tsc_hz": s["tsc_hz"], "p50": pct(lat, "p50"), "p99": pct(lat, "p99"),
            "completed": int(c.get("completed", 0)), "failed": int(c.get("failed", 0)),
            "bad_bytes": int(c.get("bad_bytes", 0)), "mismatches": int(g.get("mismatches", 0)),
            "passive_opens": opens}


def median(v):
    """statistics.median of the values that are not None; None if none."""
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


# The worker's CPU in item 3, the reference's size (~40 ms), and the
# reference over its best that marks a run on a slower CPU.
CPS_WORKER_CPU = 1
REF_SYNS = 1000000
REF_SLOW = 1.15


def machine_ref(ctx):
    """The CPU's speed just now: test/bench/bench_secure --burst (a fixed
    computation, no memory traffic) on the worker's CPU, cycles per SYN;
    None without it. On a shared host (a VM) the CPU is slower at times,
    for everything that runs on it."""
    import items
    if items.bench_secure_path(ctx) is None:
        return None
    try:
        p = subprocess.run(items.hash_burst_cmd(ctx, CPS_WORKER_CPU, REF_SYNS),
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    return items.hash_burst_parse(p.stdout) if p.returncode == 0 else None


def cps(ctx, it):
    """--runs rounds, each one run per application in turn (http, echo,
    http, echo, ...): a slow minute of the machine falls on both, and the
    medians over the rounds are the figures; every run's are in the JSON.
    Before and after each run, the machine's reference (machine_ref) on
    the worker's CPU: a run whose reference was well above the best of
    the item's ran on a slower CPU, and is counted as such."""
    import items
    runs = {"http": [], "echo": []}
    if items.bench_secure_path(ctx) is not None:
        it.command("# before and after each run, the CPU's speed: " + " ".join(
            items.hash_burst_cmd(ctx, CPS_WORKER_CPU, REF_SYNS)))
    for n in range(ctx.opts.runs):
        for app in ("http", "echo"):
            ref0 = machine_ref(ctx)
            r, why = cps_one(ctx, it, app)
            ref1 = machine_ref(ctx)
            if r is None:
                if not any(runs.values()):
                    it.skip(why)
                    return
                it.note = (it.note + "; " if it.note else "") + "run %d: %s" % (n + 1, why)
                continue
            f = cps_figures(r[0], r[1], ctx.opts.duration)
            f["ref_before"], f["ref_after"] = ref0, ref1
            runs[app].append(f)
            it.mismatches += f["mismatches"] + f["bad_bytes"] + f["failed"]
            it.verified += f["completed"]
            if f["failed"]:
                it.note = (it.note + "; " if it.note else "") + \
                    "%s run %d: %d connections failed" % (app, n + 1, f["failed"])
    for app in ("http", "echo"):
        rs = runs[app]
        if not rs:
            continue
        tag = " (median of %d)" % len(rs) if len(rs) > 1 else ""
        it.add("cps_%s" % app, "%s: complete short connections per second%s" % (app, tag),
               median(f["rate"] for f in rs), "cps")
        it.add("cps_%s_p50_us" % app, "%s: connection time p50 (SYN to close)" % app,
               median(f["p50"] for f in rs), "us")
        it.add("cps_%s_p99_us" % app, "%s: connection time p99" % app,
               median(f["p99"] for f in rs), "us")
        cyc = median(f["cycles"] for f in rs)
        if cyc:
            hz = rs[0]["tsc_hz"]
            ns = [f["cycles"] / hz * 1e9 for f in rs if f["cycles"]]
            it.add("cps_%s_cycles_per_conn" % app, "%s: Backstop busy cycles per connection" % app,
                   cyc, "cycles")
            it.add("cps_%s_ns_per_conn" % app, "%s: Backstop CPU per connection%s" % (app, tag),
                   cyc / hz * 1e9, "ns", ("<=", 1000, "1000"))
            it.add("cps_%s_ns_per_conn_min" % app, "%s: the same, fastest run" % app,
                   min(ns), "ns")
            it.add("cps_%s_ns_per_conn_max" % app, "%s: the same, slowest run" % app,
                   max(ns), "ns")
            it.add("cps_%s_per_core" % app, "%s: connections per second per busy core" % app,
                   hz / cyc, "cps")
    it.details = {app: {"runs": rs} for app, rs in runs.items()}
    refs = [x for rs in runs.values() for f in rs for x in (f["ref_before"], f["ref_after"])
            if x is not None]
    if refs:
        best = min(refs)
        it.add("cps_machine_ref_cycles", "CPU reference around the runs: median (best %.1f)" %
               best, median(refs), "cycles")
        slow = sum(1 for rs in runs.values() for f in rs
                   if max(f["ref_before"] or 0, f["ref_after"] or 0) > REF_SLOW * best)
        it.details["machine_ref_best"] = best
        it.details["machine_ref_slow_runs"] = slow
        if slow:
            it.note = (it.note + "; " if it.note else "") + (
                "%d of %d runs had the CPU reference over %d %% of its best: the machine "
                "was slower then" % (slow, sum(len(rs) for rs in runs.values()),
                                     round(REF_SLOW * 100)))


def conc_rates(ctx, it, sizes):
    """The stray reply rate with each of @p sizes connections held."""
    d = max(1.0, ctx.opts.duration)
    pcap = ctx.path("conc-stray.pcap")
    subprocess.run([ctx.py, os.path.join(ctx.lib, "gen_stray.py"), pcap, "4096",
                    "02:70:63:61:70:00"], check=True, timeout=120, capture_output=True)
    rates, held = {}, {}
    for n in sizes:
        # mbufs: the replayed pcap's copies, the three ports' rings and the
        # connections' share, with room to spare
        conf = ("[backstop]\nannounce = no\nmbufs = 40960\n"
                "[port net_pcap0]\naddress = 198.18.0.2/24\ntx_port = net_null0\n"
                "[port net_null0]\n[port net_memif0]\naddress = 198.19.0.2/16\n"
                "[tcp]\nconnections = %d\nsomaxconn = 65535\n" % (n + 65536) + LISTENERS)
        mem = 1024 + (n * 160) // (1 << 20)
        bs = Backstop(ctx, it, "conc-%d" % n, conf, mem=mem, bound=1200, vdevs=[
            "--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap, "--vdev=net_null0,no-rx=1"])
        gen = None
        try:
            prefix, cmd = gen_cmd(ctx, "conc-%d" % n, bs.sock, [
                "--mode", "hold", "--dst", "198.19.0.2", "--src", "198.19.1.1+60000",
                "--conns", str(n), "--rate", "0", "--duration", "900",
                "--json", ctx.path("conc-%d.gen.json" % n), "--quiet"],
                mem=GEN_EAL_MEM + (n * 128) // (1 << 20))
            gen = Proc(it, ["timeout", "-k", "5", "1000"] + cmd, ctx.path("conc-%d.gen.log" % n))
            # all N held, within a budget of 30 s and 30 s per million
            budget = 30 + 30 * n / 1e6
            deadline = time.monotonic() + budget
            count = 0
            while time.monotonic() < deadline:
                if gen.p.poll() is not None:
                    break
                count = bs.cli("show", "tables")["tables"]["Connections"]
                if count >= n:
                    break
                time.sleep(1)
            held[n] = count
            if count < n and gen.p.poll() is not None:
                raise ItemError("backstop-gen --mode hold ended (exit status %s) with %d of %d "
                                "connections held: %s" % (gen.p.returncode, count, n,
                                                          gen.tail(2)))
            if count < n // 2:
                raise ItemError("%d of %d connections held when the time budget (%.0f s) ran "
                                "out" % (count, n, budget))
            s0, t0 = bs.cli("show", "stats"), time.monotonic()
            time.sleep(d)
            s1, t1 = bs.cli("show", "stats"), time.monotonic()
            rates[n] = (counter(s1, "TcpOutRsts") - counter(s0, "TcpOutRsts")) / (t1 - t0) / 1e6
            held[n] = bs.cli("show", "tables")["tables"]["Connections"]
            print("    %d connections held: %.3f Mpps of RSTs" % (held[n], rates[n]), flush=True)
        finally:
            if gen is not None:
                gen.stop()
                rm_rundir(prefix)
            bs.close()
        # the generator checked every segment of the handshakes it made
        try:
            with open(ctx.path("conc-%d.gen.json" % n)) as f:
                g = json.load(f)
            it.mismatches += int(g.get("mismatches", 0))
            it.verified += int(g.get("connections", {}).get("established", 0))
        except (OSError, ValueError):
            it.note = (it.note + "; " if it.note else "") + \
                "backstop-gen wrote no JSON for %d connections" % n
    return rates, held


def counter(stats, name):
    """A counter from `show stats --json` (its shape: a dict of counters,
    perhaps under "counters")."""
    c = stats.get("counters", stats)
    if name not in c:
        raise ItemError("no %s in show stats: %s" % (name, sorted(c)[:8]))
    return c[name]


def conc(ctx, it):
    sizes = (1000, 1000000, 10000000) if not ctx.opts.quick else (1000, 1000000)
    try:
        rates, held = conc_rates(ctx, it, sizes)
    except ItemError as e:
        it.note = (it.note + "; " if it.note else "") + "reply rate with connections held: " + \
            "not measured, " + str(e)
        return
    for n in sizes:
        short = "" if held[n] >= n else " (%.2f M of them held: time budget)" % (held[n] / 1e6)
        it.add("reply_rate_%s_mpps" % label(n), "stray RSTs with %s connections held%s, Mpps" %
               (label(n), short), rates[n], "Mpps")
    big = sizes[-1]
    it.add("reply_rate_%s_vs_1k" % label(big), "rate at %s / rate at 1k" % label(big),
           rates[big] / rates[1000] if rates[1000] else None, "x", (">=", 0.8, "0.8"))
    it.details["held"] = held
    if ctx.opts.quick:
        it.note = (it.note + "; " if it.note else "") + "--quick: 1k and 1M only"


def label(n):
    return "%dk" % (n // 1000) if n < 1000000 else "%dm" % (n // 1000000)



def proc_cpu_ticks(pid):
    """utime + stime of a process and its threads (clock ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        w = f.read().rsplit(")", 1)[1].split()
    return int(w[11]) + int(w[12])


def kernel_cps(ctx, it):
    """Item 5's short connections: the same echo load as item 3, from
    backstop-gen on net_af_packet in one namespace, against test/bench/
    kernel_echo (epoll, the kernel's TCP) in another, over a veth pair made
    for the run; RPS steers the server side onto CPU 1, where the server
    runs too. The kernel's CPU per connection is CPU 1's irq + softirq time
    plus the server's own user and system time (its syscalls: accept, read,
    write, close, and the transmit path under them).
    @return {cps, cpu_s, cps_per_core, ...}"""
    import kernel_flood
    echo_bin = os.path.normpath(os.path.join(os.path.dirname(ctx.opts.backstop), os.pardir,
                                             os.pardir, "test", "bench", "kernel_echo"))
    if not os.access(echo_bin, os.X_OK):
        raise ItemError("%s: not built (ninja -C build)" % echo_bin)
    d = ctx.opts.duration
    pid = os.getpid()
    ns_g, ns_k, dev_g, dev_k = ("bsbk%dg" % pid, "bsbk%dk" % pid, "bk%dg" % pid, "bk%dk" % pid)
    sh = kernel_flood.sh
    made, server = [], None
    prefix = "bsbench%d-kgen" % pid
    hz = os.sysconf("SC_CLK_TCK")
    try:
        for ns in (ns_g, ns_k):
            sh("ip", "netns", "add", ns)
            made.append(ns)
        sh("ip", "link", "add", dev_g, "netns", ns_g, "type", "veth", "peer", "name", dev_k,
           "netns", ns_k)
        sh("ip", "-n", ns_g, "link", "set", dev_g, "up")
        sh("ip", "-n", ns_k, "link", "set", dev_k, "up")
        sh("ip", "-n", ns_k, "link", "set", "lo", "up")
        sh("ip", "-n", ns_k, "addr", "add", "198.18.0.2/15", "dev", dev_k)
        # The kernel's segments leave with their checksums computed (veth
        # would hand them over unfinished, CHECKSUM_PARTIAL): the generator
        # checks every byte it receives.
        sh("ip", "netns", "exec", ns_k, "ethtool", "-K", dev_k, "tx", "off")
        for ns, dev, cpu in ((ns_k, dev_k, 1), (ns_g, dev_g, 0)):
            sh("ip", "netns", "exec", ns, "sh", "-c",
               "echo %x > /sys/class/net/%s/queues/rx-0/rps_cpus" % (1 << cpu, dev))
        server = Proc(it, ["ip", "netns", "exec", ns_k, "taskset", "-c", "1", echo_bin, "7",
                           str(int(d) + 120)], ctx.path("kernel-echo.log"))
        if not server.wait_text("listening", 30):
            raise ItemError("kernel_echo did not start: %s" % server.tail(2))
        path = ctx.path("kernel-cps.gen.json")
        cmd = ["timeout", "-k", "5", str(int(d) + 120), "ip", "netns", "exec", ns_g,
               ctx.opts.gen, "-l", "0", "--no-huge", "-m", str(GEN_EAL_MEM), "--no-pci",
               "--file-prefix", prefix, "--vdev=net_af_packet0,iface=%s" % dev_g, "--",
               "--mode", "echo", "--rate", "0", "--duration", str(d), "--concurrency", "64",
               "--dst", "198.18.0.2", "--src", "198.19.0.1+8", "--json", path, "--quiet"]
        c0 = kernel_flood.cpu_ticks(1)
        p0 = proc_cpu_ticks(server_pid(server))
        gen = Proc(it, cmd, ctx.path("kernel-cps.gen.log"))
        rc = gen.wait(int(d) + 150)
        c1 = kernel_flood.cpu_ticks(1)
        p1 = proc_cpu_ticks(server_pid(server))
    finally:
        if server is not None:
            server.stop()
        rm_rundir(prefix)
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
    try:
        with open(path) as f:
            g = json.load(f)
    except (OSError, ValueError):
        return None, "backstop-gen --mode echo over veth: exit status %d, %s" % (rc, gen.tail(2))
    c = g.get("connections", {})
    it.mismatches += int(g.get("mismatches", 0)) + int(c.get("bad_bytes", 0)) + \
        int(c.get("failed", 0))
    it.verified += int(c.get("completed", 0))
    cpu_s = ((c1["net"] - c0["net"]) + (p1 - p0)) / hz
    done = c.get("completed", 0)
    secs = g.get("send_seconds") or d
    return {"cps": done / secs if secs else 0.0, "completed": done, "cpu_s": cpu_s,
            "cps_per_core": done / cpu_s if cpu_s > 0 else None,
            "softirq_s": (c1["softirq"] - c0["softirq"]) / hz, "server_cpu_s": (p1 - p0) / hz,
            "connection_ns": g.get("connection_ns"), "gen_exit": rc}, None


def server_pid(proc):
    """The server under `ip netns exec ... taskset ...` (exec'd: the same PID)."""
    return proc.p.pid
