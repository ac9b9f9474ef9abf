#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Backstop obs suite: DPDK telemetry, the Prometheus exporter and tracing
read back after traffic whose counts are known.

    test_obs.py BACKSTOP SOURCE_ROOT

Frames crafted by frames.py reach the worker through net_pcap (rx_pcap=),
so every counter, reason, state and gauge has an exact expected value.
While Backstop runs (2 workers: worker 0 owns the port's only queue,
worker 1 none), the suite reads:
  - every /backstop/... telemetry command with dpdk-telemetry.py -f PREFIX;
  - GET /metrics, parsed by a strict parser of the exposition format
    (promparse.py), values compared with telemetry's, names and labels
    checked, counters monotonic between two scrapes;
  - junk HTTP clients (idle, oversized, binary, wrong method or path,
    byte-by-byte) and a scrape that still works beside them;
then stops it and compares its --stats-json with what telemetry said.

Trace points (backstop.tcp.*) are enabled with EAL's --trace in the main
run and read back with babeltrace: one send_reset event per RST, exact
fields. A second run (Prometheus on [::1], telemetry off, a looped stray
SYN through net_pcap's infinite_rx to net_null) switches tracing with
backstopctl `trace on|off|save` and checks what was recorded, and that
nothing was after `trace off`. A third run on net_af_packet faces a Linux
peer in a namespace that resets an echo connection: one receive_reset
event with the connection's fields, TcpEstabResets and AppECONNRESET.

Prints one line per failure, then "N passed, M failed"; exits 1 on failure,
77 (skipped) without scapy or dpdk-telemetry.py.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import frames  # noqa: E402
except ImportError as e:
    print("obs suite skipped: %s needs scapy (%s)" % (sys.executable, e))
    sys.exit(77)
import promparse  # noqa: E402

TELEMETRY = "/usr/bin/dpdk-telemetry.py"
CTL = None                  # backstopctl, beside backstop in the build tree
RUN_TIMEOUT_S = 45
VARYING = {"TxFrames", "TcpOutNoRst", "TcpOutSegs"}   # the SYN-ACK is retransmitted

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s" % what)
    return cond


def eq(got, want, what):
    return check(got == want, "%s: got %r, want %r" % (what, got, want))


class Backstop:
    def __init__(self, binary, tmp, tag, extra, eal=(), vdevs=None, conf="obs.conf"):
        self.prefix = "bs-obs-%d-%s" % (os.getpid(), tag)
        self.out = os.path.join(tmp, tag + ".out")
        self.err = os.path.join(tmp, tag + ".err")
        self.stats = os.path.join(tmp, tag + ".json")
        if vdevs is None:
            vdevs = ["--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (
                os.path.join(tmp, "in.pcap"), os.path.join(tmp, tag + "-out.pcap"))]
        cmd = ["timeout", str(RUN_TIMEOUT_S), binary, "--lcores", "0@0,1@1,2@1",
               "--no-huge", "-m", "256", "--no-pci", "--file-prefix", self.prefix] + \
            list(eal) + vdevs + \
            ["--", "--config", os.path.join(tmp, conf), "--duration", "40",
             "--stats-json", self.stats, "--set", "control.socket="] + extra
        self.p = subprocess.Popen(cmd, stdout=open(self.out, "w"), stderr=open(self.err, "w"))
        self.port = None

    def wait_running(self):
        deadline = time.time() + 20
        while time.time() < deadline and self.p.poll() is None:
            out = open(self.out).read()
            m = re.search(r"prometheus: \S+ \(port (\d+)\)", open(self.err).read())
            if "backstop: running" in out:
                self.port = int(m.group(1)) if m else None
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        subprocess.run(["rm", "-rf", "/var/run/dpdk/" + self.prefix])
        return self.p.returncode

    def telemetry(self, *cmds):
        """One dpdk-telemetry.py session: {command: reply}."""
        r = subprocess.run([sys.executable, TELEMETRY, "-f", self.prefix],
                           input="\n".join(cmds) + "\n", capture_output=True,
                           text=True, timeout=20)
        # Each reply is one line {"/cmd": value}, keyed without the
        # parameter: matched to the commands by order.
        replies = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
        out = {}
        for c, rep in zip(cmds, replies):
            out[c] = rep.get(c.split(",")[0], "missing")
        return out


def http(port, raw, host="127.0.0.1", timeout=5.0):
    """Send raw bytes, return everything the server answers until it closes."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        if raw:
            s.sendall(raw)
        data = b""
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                return data + b"<RST>"
            if not b:
                return data
            data += b


def status(resp):
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", resp)
    return int(m.group(1)) if m else None


def scrape(port, host="127.0.0.1"):
    url = "http://%s:%d/metrics" % ("[%s]" % host if ":" in host else host, port)
    with urllib.request.urlopen(url, timeout=5) as r:
        check(r.headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
              "Content-Type of /metrics: %r" % r.headers.get("Content-Type"))
        return promparse.parse(r.read().decode())


def wait_pending(b):
    """Until the gauges show the pending handshake (refreshed once a second)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        t = b.telemetry("/backstop/connections")
        if t.get("/backstop/connections", {}).get("NEW_SYN_RECV") == 1:
            return True
        time.sleep(0.2)
    return False


def check_telemetry(b, exp, version):
    cmds = ["/backstop/info", "/backstop/stats", "/backstop/stats,0", "/backstop/stats,1",
            "/backstop/stats,2", "/backstop/stats,x", "/backstop/resets", "/backstop/drops",
            "/backstop/drops,1", "/backstop/connections", "/backstop/connections,1",
            "/backstop/tables", "/backstop/tables,1", "/backstop/ports", "/backstop/workers",
            "/backstop/policies"]
    t = b.telemetry(*cmds)
    info = t.get("/backstop/info", {})
    eq(info.get("version"), version, "telemetry info version")
    eq((info.get("workers"), info.get("ports")), (2, 1), "telemetry info workers, ports")
    st = t.get("/backstop/stats", {})
    for k, v in exp["counters"].items():
        eq(st.get(k), v, "telemetry stats %s" % k)
    for k, v in st.items():
        if k not in exp["counters"] and k not in VARYING:
            eq(v, 0, "telemetry stats %s (no traffic for it)" % k)
    eq(st.get("TxFrames"), st.get("TcpOutRsts", -1) + st.get("TcpOutNoRst", -1),
       "telemetry TxFrames = TcpOutRsts + TcpOutNoRst")
    check(st.get("TcpOutNoRst", 0) >= 1, "telemetry TcpOutNoRst >= 1 (the SYN-ACK)")
    w0 = t.get("/backstop/stats,0", {})
    eq({k: v for k, v in w0.items() if k not in VARYING},
       {k: v for k, v in st.items() if k not in VARYING}, "telemetry stats,0 = the sum")
    eq(set(t.get("/backstop/stats,1", {}).values()), {0}, "telemetry stats,1 all zero")
    eq(t.get("/backstop/stats,2", "absent"), None, "telemetry stats,2 (no worker 2) refused")
    eq(t.get("/backstop/stats,x", "absent"), None, "telemetry stats,x refused")
    rs = t.get("/backstop/resets", {})
    eq({k: v for k, v in rs.items() if v}, exp["resets"], "telemetry resets")
    dr = t.get("/backstop/drops", {})
    eq({k: v for k, v in dr.items() if v}, exp["drops"], "telemetry drops")
    check("NOT_DROPPED_YET" not in dr and len(dr) > 40, "telemetry drops: every reason, %d" % len(dr))
    eq(set(t.get("/backstop/drops,1", {}).values()), {0}, "telemetry drops,1 all zero")
    cn = t.get("/backstop/connections", {})
    eq({k: v for k, v in cn.items() if v}, exp["states"], "telemetry connections")
    check("NONE" not in cn and "ESTABLISHED" in cn, "telemetry connections: the states")
    eq(set(t.get("/backstop/connections,1", {}).values()), {0}, "telemetry connections,1")
    tb = t.get("/backstop/tables", {})
    for k, v in exp["gauges"].items():
        eq(tb.get(k), v * (2 if k == "ListenersOpen" else 1), "telemetry tables %s" % k)
    check(tb.get("ConnectionsMax", 0) > 0 and tb.get("RequestsMax", 0) > 0,
          "telemetry tables: capacities")
    tb1 = t.get("/backstop/tables,1", {})
    eq((tb1.get("Requests"), tb1.get("ListenersOpen")), (0, 1), "telemetry tables,1")
    pt = t.get("/backstop/ports", {}).get("net_pcap0", {})
    eq((pt.get("rx"), pt.get("rx_q0")), (exp["rx"], exp["rx"]), "telemetry ports rx")
    check(pt.get("tx") == pt.get("tx_q0") and pt.get("tx", 0) >= 9,
          "telemetry ports tx: %r" % pt)
    eq(sorted(pt), ["rx", "rx_q0", "tx", "tx_q0"], "telemetry ports: queue 0 only")
    wk = t.get("/backstop/workers", {})
    eq({k: (w.get("lcore"), w.get("rx"), w.get("gauges_ok")) for k, w in wk.items()},
       {"0": (1, exp["rx"], 1), "1": (2, 0, 1)}, "telemetry workers")
    eq(t.get("/backstop/policies"),
       {"0": {"prefix": "198.18.9.0/24", "action": "drop", "pps": 0,
              "replied": 0, "dropped": 0, "limited": 0},
        "1": {"prefix": "2001:2:9::/48", "action": "ratelimit", "pps": 7,
              "replied": 0, "dropped": 0, "limited": 0}}, "telemetry policies")
    return st, rs, dr


def check_prom(b, exp, st, rs, dr, version):
    m = scrape(b.port)
    eq(promparse.value(m, "backstop_info", version=version), 1, "prom backstop_info")
    eq(promparse.value(m, "backstop_workers"), 2, "prom backstop_workers")
    for k, v in st.items():
        name = "backstop_%s_total" % k
        if not check(name in m and m[name]["type"] == "counter" and m[name]["help"],
                     "prom %s: a counter with HELP" % name):
            continue
        if k not in VARYING:
            eq(promparse.value(m, name, worker="0"), v, "prom %s{worker=0}" % name)
        eq(promparse.value(m, name, worker="1"), 0, "prom %s{worker=1}" % name)
    eq({dict(lab)["reason"] for lab in promparse.series(m, "backstop_resets_total")},
       set(rs), "prom reset reasons = telemetry's")
    eq({dict(lab)["reason"] for lab in promparse.series(m, "backstop_drops_total")},
       set(dr), "prom drop reasons = telemetry's")
    for r, v in rs.items():
        eq(promparse.value(m, "backstop_resets_total", worker="0", reason=r), v,
           "prom resets %s" % r)
    for r, v in dr.items():
        eq(promparse.value(m, "backstop_drops_total", worker="0", reason=r), v,
           "prom drops %s" % r)
        eq(promparse.value(m, "backstop_drops_total", worker="1", reason=r), 0,
           "prom drops %s worker 1" % r)
    eq(promparse.value(m, "backstop_tcp_connections", worker="0", state="NEW_SYN_RECV"), 1,
       "prom tcp_connections NEW_SYN_RECV")
    eq(sum(promparse.series(m, "backstop_tcp_connections").values()), 1,
       "prom tcp_connections total")
    eq(m["backstop_tcp_connections"]["type"], "gauge", "prom tcp_connections is a gauge")
    for k, v in exp["gauges"].items():
        eq(promparse.value(m, "backstop_table_%s" % k, worker="0"), v, "prom table_%s" % k)
    eq(promparse.series(m, "backstop_port_rx_frames_total"),
       {(("port", "net_pcap0"), ("queue", "0"), ("worker", "0")): exp["rx"]},
       "prom port_rx_frames: one queue, worker 0's")
    eq(promparse.value(m, "backstop_worker_gauges_ok", worker="1"), 1, "prom gauges_ok")
    # Label names per family are stable.
    for name, f in m.items():
        keys = {tuple(k for k, _ in lab) for (_, lab) in f["samples"]}
        check(len(keys) <= 1, "prom %s: one label set, got %r" % (name, keys))
    # Monotonic counters, the second scrape after some time.
    time.sleep(0.3)
    m2 = scrape(b.port)
    eq(sorted(m2), sorted(m), "prom: the same families twice")
    for name, f in m.items():
        if f["type"] != "counter":
            continue
        for key, v in f["samples"].items():
            check(m2[name]["samples"].get(key, -1) >= v, "prom %s%r went down" % key)
    return m


def check_http(port):
    idle = []
    for _ in range(20):             # more than the 16 slots, all idle
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        idle.append(s)
    time.sleep(0.2)
    try:
        ok = scrape(port)
        check("backstop_workers" in ok, "scrape beside 20 idle clients")
    except Exception as e:          # noqa: BLE001
        check(False, "scrape beside 20 idle clients: %r" % e)
    for s in idle:
        s.close()
    eq(status(http(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")), 404, "GET /")
    eq(status(http(port, b"GET /metricsX HTTP/1.1\r\n\r\n")), 404, "GET /metricsX")
    eq(status(http(port, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")), 405,
       "POST /metrics")
    eq(status(http(port, b"GET /metrics\r\n\r\n")), 400, "GET without a version")
    eq(status(http(port, b"\x00\x01\x02garbage\r\n\r\n")), 400, "binary junk")
    eq(status(http(port, b"GET /metrics HTTP/1.1\r\n" + b"X: " + b"a" * 10000)), 431,
       "a 10 KB head")
    r = http(port, b"HEAD /metrics HTTP/1.1\r\n\r\n")
    check(status(r) == 200 and r.endswith(b"\r\n\r\n"), "HEAD /metrics: no body")
    # A request sent byte by byte is answered once complete.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for c in b"GET /metrics?x=1 HTTP/1.0\r\n\r\n":
            s.sendall(bytes([c]))
            time.sleep(0.005)
        data = b""
        while True:
            x = s.recv(65536)
            if not x:
                break
            data += x
    check(status(data) == 200 and b"backstop_workers 2" in data, "byte-by-byte request")
    # A client that connects and leaves at once, and one that resets.
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.sendall(b"GET /met")
    s.close()
    ok = scrape(port)
    check("backstop_info" in ok, "scrape after the junk")


def check_final(b, st, rs, dr):
    rc = b.stop()
    eq(rc, 0, "backstop exit status")
    err = open(b.err).read()
    check("ERROR: AddressSanitizer" not in err and "runtime error" not in err,
          "no sanitizer report")
    try:
        j = json.load(open(b.stats))
    except (OSError, ValueError) as e:
        check(False, "stats json: %r" % e)
        return
    for k, v in st.items():
        if k not in VARYING:
            eq(j["counters"].get(k), v, "stats json %s = telemetry's" % k)
    eq(j["resets"], rs, "stats json resets = telemetry's")
    eq(j["drops"], dr, "stats json drops = telemetry's")


EVENT = re.compile(r"\[[^\]]*\] \(\S+\) (\S+): \{ cpu_id = (\S+), name = \"[^\"]*\" \}, \{ (.*) \}\Z")
FIELD = re.compile(r'(\w+) = ("(?:[^"\\]|\\.)*"|[^,]+)(?:, |\Z)')


def read_trace(path):
    """Backstop's events in a CTF trace directory: [(event, thread, {field: value})]."""
    dirs = [os.path.join(path, d) for d in os.listdir(path)] if os.path.isdir(path) else []
    if not check(len(dirs) == 1, "one trace directory under %s: %r" % (path, dirs)):
        return []
    r = subprocess.run(["babeltrace", dirs[0]], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "babeltrace: %s" % r.stderr.strip()[:200])
    events, bad = [], []
    for line in r.stdout.splitlines():
        m = EVENT.match(line)
        if m is None:
            bad.append(line)
            continue
        if not m.group(1).startswith("backstop."):
            continue
        fields = {}
        for k, v in FIELD.findall(m.group(3)):
            fields[k] = v[1:-1] if v.startswith('"') else int(v, 0)
        events.append((m.group(1), int(m.group(2), 0), fields))
    check(not bad, "babeltrace lines parse: %r" % bad[:2])
    return events


def trace_tuple(f):
    return (f.get("family"), f.get("saddr"), f.get("daddr"), f.get("sport"), f.get("dport"),
            f.get("state"), f.get("reason"))


def check_trace(path, exp):
    ev = read_trace(path)
    eq([e[0] for e in ev], ["backstop.tcp.send_reset"] * len(exp["trace"]),
       "trace: one send_reset per RST, nothing else")
    eq([trace_tuple(e[2]) for e in ev], exp["trace"], "trace: send_reset fields")
    eq({e[1] for e in ev}, {1}, "trace: recorded on worker 0's lcore (1)")


def ctl(tmp, *words):
    r = subprocess.run([CTL, "-s", os.path.join(tmp, "rt.sock"), "--json"] + list(words),
                       capture_output=True, text=True, timeout=10)
    try:
        return r.returncode, json.loads(r.stdout or r.stderr or "null")
    except ValueError:
        return r.returncode, r.stdout


def rsts(port):
    return promparse.value(scrape(port, "::1"), "backstop_resets_total", worker="0",
                           reason="NO_SOCKET")


def run_rt(binary, tmp):
    """Run time: Prometheus on [::1], telemetry off, tracing switched by the
    CLI while a looped stray SYN keeps the worker sending RSTs."""
    ev = frames.build_loop(os.path.join(tmp, "loop.pcap"))
    open(os.path.join(tmp, "loop.conf"), "w").write(frames.CONFIG.replace(
        "rx_desc = 512", "tx_port = net_null0\nrx_desc = 512") + "[port net_null0]\n")
    trdir = os.path.join(tmp, "trace-rt")
    b = Backstop(binary, tmp, "rt", ["--set", "control.prometheus=[::1]:0",
                                     "--set", "control.telemetry=no",
                                     "--set", "control.socket=" + os.path.join(tmp, "rt.sock")],
                 eal=["--trace-dir=" + trdir],
                 vdevs=["--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1" % os.path.join(tmp, "loop.pcap"),
                        "--vdev=net_null0,no-rx=1"], conf="loop.conf")
    try:
        if not check(b.wait_running() and b.port, "rt run starts with a port"):
            return
        m = scrape(b.port, "::1")
        eq(promparse.value(m, "backstop_workers"), 2, "prom over [::1]")
        t = b.telemetry("/")
        cmds = t.get("/", [])
        check(isinstance(cmds, list) and cmds and not any(c.startswith("/backstop") for c in cmds),
              "telemetry = no: no /backstop commands (%r)" % (cmds if not isinstance(cmds, list) else len(cmds)))
        eq(ctl(tmp, "trace", "on"), (0, {"tracing": True, "trace_points": "backstop.*",
           "note": "saved by `trace save` or at exit, under EAL's --trace-dir"}), "CLI trace on")
        # Until the worker sent a few RSTs with tracing on (it may be slow).
        r0 = rsts(b.port)
        deadline = time.time() + 10
        while time.time() < deadline and rsts(b.port) < r0 + 5:
            time.sleep(0.02)
        rc, out = ctl(tmp, "trace", "off")
        eq((rc, out.get("tracing") if isinstance(out, dict) else out), (0, False), "CLI trace off")
        eq(ctl(tmp, "trace", "save"), (0, {"saved": True, "tracing": False}), "CLI trace save")
        rc, out = ctl(tmp, "trace", "on", "now")
        eq((rc, out.get("error") if isinstance(out, dict) else out),
           (1, "unexpected argument 'now'"), "CLI trace on now: refused")
        rc, out = ctl(tmp, "show", "tables", "worker", "1")
        eq((rc, out.get("tables", {}).get("ListenersOpen"), out.get("answered")) if isinstance(out, dict)
           else out, (0, 1, True), "CLI show tables worker 1")
        saved = read_trace(trdir)
        check(len(saved) > 0, "trace on/off: events recorded (%d)" % len(saved))
        eq({(e[0], trace_tuple(e[2])) for e in saved}, {("backstop.tcp.send_reset", ev)},
           "trace on/off: the looped SYN's RSTs, exact fields")
        time.sleep(0.3)             # RSTs go on, untraced
    finally:
        eq(b.stop(), 0, "rt run exit status")
    after = read_trace(trdir)       # saved again at exit
    eq(len(after), len(saved) if b.port else 0, "trace off: nothing recorded after it")


PEER_CLIENT = r"""
import socket, struct, sys
s = socket.create_connection(("198.18.0.2", 7), timeout=5)
s.sendall(b"hello\n")
got = b""
while not got.endswith(b"\n"):
    got += s.recv(100)
print(s.getsockname()[1], got.decode().strip(), flush=True)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()   # an RST: Backstop's connection sees tcp_reset() in ESTABLISHED
"""


def run_peer(binary, src, tmp):
    """A Linux peer resets an echo connection: receive_reset traced with the
    connection's 4-tuple and state, ECONNRESET counted, no RST answered."""
    if os.geteuid() != 0 or not os.path.exists("/usr/sbin/ip") and not os.path.exists("/sbin/ip"):
        check(False, "the peer run needs root and iproute2")
        return
    ns = ("bso%d" % os.getpid())[:10]
    topo = os.path.join(src, "scripts", "topology.sh")
    sh = lambda c: subprocess.run(["bash", "-c", c], capture_output=True, text=True, timeout=30)  # noqa: E731
    prefix = "bs-obs-%d-peer" % os.getpid()
    trdir = os.path.join(tmp, "trace-peer")
    open(os.path.join(tmp, "peer.conf"), "w").write(
        "[backstop]\n[port net_af_packet0]\naddress = 198.18.0.2/24, 2001:2::2/64\n"
        "[listener echo]\nport = 7\napp = echo\n")
    log = os.path.join(tmp, "peer.log")
    p = None
    try:
        r = sh("source '%s' && bs_topo_down %s && bs_topo_up %s" % (topo, ns, ns))
        if not check(r.returncode == 0, "peer topology: %s" % r.stderr[-300:]):
            return
        p = subprocess.Popen(["ip", "netns", "exec", ns + "-d", "timeout", "-k", "5", "40", binary,
                              "-l", "0,1", "--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
                              "--vdev=net_af_packet0,iface=%s-d0" % ns,
                              "--trace=backstop\\.tcp\\..*", "--trace-dir=" + trdir, "--",
                              "--config", os.path.join(tmp, "peer.conf"), "--duration", "30",
                              "--set", "control.socket=", "--set", "control.prometheus="],
                             stdout=open(log, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline and p.poll() is None and \
                "backstop: running" not in open(log).read():
            time.sleep(0.05)
        if not check("backstop: running" in open(log).read(), "peer run starts"):
            return
        r = subprocess.run(["ip", "netns", "exec", ns + "-c", sys.executable, "-c", PEER_CLIENT],
                           capture_output=True, text=True, timeout=20)
        out = r.stdout.split()
        if not check(r.returncode == 0 and len(out) == 2 and out[1] == "hello",
                     "peer client: echo then RST: %r %r" % (r.stdout, r.stderr[-200:])):
            return
        cport = int(out[0])
        b = Backstop.__new__(Backstop)
        b.prefix = prefix
        deadline = time.time() + 10
        while time.time() < deadline:
            t = b.telemetry("/backstop/stats", "/backstop/connections", "/backstop/resets")
            st = t.get("/backstop/stats") or {}
            cn = t.get("/backstop/connections") or {}
            if st.get("TcpEstabResets") == 1 and sum(cn.values()) == 0:
                break
            time.sleep(0.2)
        eq({k: st.get(k) for k in ("TcpPassiveOpens", "TcpEstabResets", "AppECONNRESET", "TcpOutRsts")},
           {"TcpPassiveOpens": 1, "TcpEstabResets": 1, "AppECONNRESET": 1, "TcpOutRsts": 0},
           "peer: telemetry counters after the peer's RST")
        eq(sum(cn.values()), 0, "peer: no connection left")
    finally:
        if p is not None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        sh("source '%s' && bs_topo_down %s" % (topo, ns))
        subprocess.run(["rm", "-rf", "/var/run/dpdk/" + prefix])
    ev = read_trace(trdir)
    eq([(e[0], e[1], e[2]) for e in ev],
       [("backstop.tcp.receive_reset", 1,
         {"family": 4, "saddr": "198.18.0.2", "daddr": "198.18.0.1", "sport": 7, "dport": cport,
          "state": "ESTABLISHED"})], "peer: one receive_reset, exact fields, no send_reset")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    global CTL
    binary = os.path.abspath(sys.argv[1])
    CTL = os.path.join(os.path.dirname(os.path.dirname(binary)), "backstopctl", "backstopctl")
    if not os.path.exists(TELEMETRY):
        print("obs suite skipped: no %s (Debian package dpdk-dev)" % TELEMETRY)
        return 77
    version = subprocess.run([binary, "--version"], capture_output=True,
                             text=True).stdout.split()[1]
    tmp = tempfile.mkdtemp(prefix="bs-obs-")
    open(os.path.join(tmp, "obs.conf"), "w").write(frames.CONFIG)
    exp = frames.build(os.path.join(tmp, "in.pcap"))
    trdir = os.path.join(tmp, "trace-main")
    b = Backstop(binary, tmp, "main", ["--set", "control.prometheus=127.0.0.1:0"],
                 eal=["--trace=backstop\\.tcp\\..*", "--trace-dir=" + trdir])
    try:
        if check(b.wait_running() and b.port, "backstop starts, Prometheus on a port") and \
                check(wait_pending(b), "gauges show the pending handshake"):
            st, rs, dr = check_telemetry(b, exp, version)
            check_prom(b, exp, st, rs, dr, version)
            check_http(b.port)
            check(b.p.poll() is None, "backstop still runs after the junk")
            check_final(b, st, rs, dr)
            check_trace(trdir, exp)
    finally:
        b.stop()
    run_rt(binary, tmp)
    run_peer(binary, os.path.abspath(sys.argv[2]), tmp)
    if failed:
        for f in ("main.out", "main.err"):
            p = os.path.join(tmp, f)
            if os.path.exists(p):
                print("--- %s (tail)" % f)
                print("".join(open(p).readlines()[-15:]), end="")
    print("%d passed, %d failed" % (passed, failed))
    subprocess.run(["rm", "-rf", tmp])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
