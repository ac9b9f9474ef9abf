#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every CLI command through backstopctl against a running Backstop.

    test_cli.py BACKSTOP BACKSTOPCTL SOURCE_ROOT

Backstop runs on net_af_packet in a namespace topology (scripts/topology.sh)
with its CLI socket in a temporary directory; a Linux client in the other
namespace holds three connections to the echo listener and sends SYNs to a
closed port. Each command runs with good and bad arguments; --json answers
are parsed and their values asserted: counters after a known number of
segments, the held connections' 4-tuples and states, clear stats, paging
with cursors. Then 8 concurrent clients, a client flooding junk, over-long
lines, a second Backstop refused on the live socket, a stale socket
replaced, and piped and terminal (Tab completion) sessions. Prints `ok NAME`
or `FAIL NAME why`, then `N passed, M failed`; exit 77 when it cannot run.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ctl_lib import E, T, check, sh, stop, wait_running

def ctl(*args, stdin=None, timeout=10):
    """backstopctl -s SOCKET ARGS: (exit status, stdout, stderr)."""
    p = subprocess.run([E.ctl, "-s", E.sock] + list(args), input=stdin, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def cj(*args):
    """--json COMMAND: the parsed answer (asserts success)."""
    rc, out, err = ctl("--json", *args)
    if rc != 0:
        raise AssertionError("%s: rc %d: %s" % (" ".join(args), rc, err))
    return json.loads(out)


def raw_request(data, n_answers=1, timeout=5.0):
    """Send bytes on a raw connection; the answers (text, status) seen."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(E.sock)
    s.sendall(data)
    buf = b""
    end = time.monotonic() + timeout
    while buf.count(b"\0") < n_answers and time.monotonic() < end:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    while time.monotonic() < end and not (buf.endswith(b"\0ok\n") or buf.endswith(b"\0error\n")):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    out = []
    for part in buf.split(b"\0")[:-1]:
        out.append(part)
    return buf, out


def start_backstop(prefix, vdev, sets, log, netns=None, conf=None):
    cmd = ["timeout", "-k", "5", "120", E.bin, "-l", "0,1", "--no-huge", "-m", "256",
           "--no-pci", "--file-prefix", prefix, "--vdev=" + vdev, "--"]
    if conf:
        cmd += ["--config", conf]
    for s in sets:
        cmd += ["--set", s]
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    f = open(log, "w")
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
    E.prefixes.append(prefix)
    E.procs.append(p)
    return p


HOLDER = r"""
import socket, sys
socks = []
for port in (40001, 40002, 40003):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.1", port))
    s.settimeout(5)
    s.connect(("198.18.0.2", 7))
    s.sendall(b"hello\n")
    got = b""
    while len(got) < 6:
        got += s.recv(64)
    socks.append(s)
print("ready", flush=True)
sys.stdin.read()
"""

REFUSED = r"""
import socket
n = 0
for i in range(5):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect(("198.18.0.2", 23))
    except ConnectionRefusedError:
        n += 1
    s.close()
print(n, flush=True)
"""

COMMANDS = ["help", "quit", "show version", "show ports", "show workers", "show stats",
            "show resets", "show drops", "show listeners", "show config", "show policies",
            "show connections", "show tables", "show memory", "trace on", "trace off", "trace save",
            "clear stats", "capture start", "capture stop", "show capture", "listener add",
            "listener del", "policy add", "policy del", "set tcp", "connect"]


def test_help():
    h = cj("help")
    words = [c["command"] for c in h["commands"]]
    check("help-json-table", sorted(words) == sorted(COMMANDS), "got %s" % words)
    check("help-json-fields", all(isinstance(c["usage"], str) and c["help"] for c in h["commands"]))
    rc, out, _ = ctl("help")
    check("help-text", rc == 0 and all(w in out for w in COMMANDS) and "show connections [state S]" in out, out)
    rc, out, _ = ctl("--json", "help", "show")
    words = [c["command"] for c in json.loads(out)["commands"]]
    check("help-prefix", rc == 0 and words and all(w.startswith("show ") for w in words), out)
    rc, _, err = ctl("help", "nothing")
    check("help-bad", rc == 1 and err.startswith("error: no command starts with 'nothing'\nusage: help [WORDS...]\n"), err)


def test_version():
    v = cj("show", "version")
    ver = subprocess.run([E.bin, "--version"], capture_output=True, text=True).stdout
    check("version-values", ver.startswith("backstop %s (DPDK %s)" % (v["version"], v["dpdk"])) and
          v["workers"] == 1 and v["ports"] == 1 and v["uptime_s"] > 0 and
          v["syn_hash"] in ("scalar", "avx2", "avx512"), "%s / %s" % (v, ver))
    try:
        comm = open("/proc/%d/comm" % v["pid"]).read().strip()
    except OSError:
        comm = ""
    check("version-pid", comm.startswith("backstop") or comm.startswith("eal-"), comm)
    rc, out, _ = ctl("show", "version")
    check("version-text", rc == 0 and "version: %s\n" % v["version"] in out, out)


def test_bad_commands():
    # Every command that takes no argument, given one: error + its usage.
    for w in ["show version", "show ports", "show workers", "show listeners", "show config",
              "show memory", "clear stats", "trace on", "trace off", "trace save"]:
        rc, out, err = ctl(*(w.split() + ["junk"]))
        check("bad-arg " + w, rc == 1 and out == "" and err ==
              "error: unexpected argument 'junk'\nusage: %s\n" % w, repr(err))
    for w in ["show stats", "show resets", "show drops", "show tables"]:
        rc, _, err = ctl(*(w.split() + ["worker", "1"]))
        check("bad-worker " + w, rc == 1 and err ==
              "error: worker '1' is not an integer from 0 to 0\nusage: %s [worker N]\n" % w, repr(err))
        rc, _, err = ctl(*(w.split() + ["worker"]))
        check("no-value " + w, rc == 1 and err.startswith("error: 'worker' needs a value\n"), repr(err))
        rc, _, err = ctl(*(w.split() + ["lcore", "0"]))
        check("unknown-arg " + w, rc == 1 and err.startswith("error: unknown argument 'lcore'\n"), repr(err))
    rc, _, err = ctl("show")
    check("incomplete", rc == 1 and err == "error: incomplete command 'show'\nusage: show version|ports|"
          "workers|stats|resets|drops|listeners|config|policies|connections|tables|memory|capture\n",
          repr(err))
    rc, _, err = ctl("show", "bogus")
    check("unknown-show", rc == 1 and err.startswith("error: unknown command 'show bogus'\nusage: show version|"), repr(err))
    rc, _, err = ctl("bogus", "x")
    check("unknown", rc == 1 and err == "error: unknown command 'bogus'\nusage: help\n", repr(err))
    rc, out, err = ctl("--json", "bogus")
    check("unknown-json", rc == 1 and json.loads(err) == {"error": "unknown command 'bogus'", "usage": "help"}, err)
    rc, _, err = ctl("quit", "now")
    check("quit-bad", rc == 1 and err.startswith("error: quit takes no arguments\nusage: quit\n"), repr(err))
    rc, _, err = ctl("show", "x" * 5000)
    check("long-line-client", rc == 2 and "longer than 4095" in err, err)
    # The server's own answers to what backstopctl would not send.
    buf, ans = raw_request(b"show " + b"y" * 5000 + b"\nshow version\n", 2)
    check("long-line-server", len(ans) == 2 and ans[0] == b"error: request longer than 4095 bytes\n" and
          b"version:" in ans[1], repr(buf[:200]))
    buf, ans = raw_request(b"show \x01\xff version\n", 1)
    check("binary-line", ans and ans[0] == b"error: request holds a control or non-ASCII byte\n", repr(buf))
    buf, ans = raw_request(b" ".join([b"w"] * 70) + b"\n", 1)
    check("too-many-words", ans and ans[0].startswith(b"error: more than 64 words"), repr(buf))


def test_ports():
    p = cj("show", "ports")["ports"]
    ok = len(p) == 1 and p[0]["name"] == "net_af_packet0" and p[0]["addresses"] == \
        ["198.18.0.2/24", "2001:2::2/64"] and p[0]["nb_queues"] == 1
    check("ports-values", ok, p)
    q = p[0]["queues"]
    check("ports-queues", len(q) == 1 and q[0]["worker"] == 0 and q[0]["queue"] == 0 and q[0]["rx"] > 0 and
          q[0]["tx"] > 0 and p[0]["ethdev"]["ipackets"] >= q[0]["rx"], q)


def test_listeners_config():
    c = cj("show", "config")
    ls = cj("show", "listeners")["listeners"]
    names = sorted(k.split(" ", 1)[1] for k in c if k.startswith("listener "))
    check("listeners-match-config", sorted(l["name"] for l in ls) == names and len(names) > 0,
          "%s vs %s" % (ls, names))
    echo = [l for l in ls if l["name"] == "echo"]
    check("listener-echo", echo == [{"name": "echo", "address": "any", "port": 7, "app": "echo",
                                     "backlog": 128}], echo)
    check("config-values", c["control"] == {"socket": E.sock, "socket_mode": "0660",
                                            "telemetry": "1", "prometheus": "127.0.0.1:9464"} and
          c["port net_af_packet0"]["address"] == "198.18.0.2/24, 2001:2::2/64" and
          c["listener echo"]["port"] == "7", c.get("control"))
    check("config-secret-hidden", c["tcp"]["isn_secret"] == "(set, not shown)" and
          c["tcp"]["syncookie_secret"] == "", c["tcp"])
    rc, out, _ = ctl("show", "config")
    check("config-text", rc == 0 and "listener echo:\n  address: any\n  port: 7\n" in out, out[:300])


def conn_key(c):
    return (c["local_addr"], c["local_port"], c["remote_addr"], c["remote_port"], c["state"])


def test_tables():
    # The holder's three connections, asked of the worker by the command.
    t = cj("show", "tables")
    n_lsn = len(cj("show", "listeners")["listeners"])
    check("tables-values", t["connections"]["ESTABLISHED"] == 3 and
          sum(t["connections"].values()) == 3 and t["tables"]["Connections"] == 3 and
          t["tables"]["Requests"] == 0 and t["tables"]["ListenersOpen"] == n_lsn and
          t["tables"]["ConnectionsMax"] > 3, t)
    w = cj("show", "tables", "worker", "0")
    check("tables-worker", w["worker"] == 0 and w["answered"] is True and
          w["tables"] == t["tables"] and w["connections"] == t["connections"], w)


def test_memory():
    # The pool's size is the one printed at start; in use and free add up
    # to it; the resident size is /proc's. With --no-huge and only
    # net_af_packet (it copies frames), the mbufs are in transparent huge
    # pages, which back them in 2 MiB pages (AnonHugePages) unless THP is
    # off on this machine.
    m = cj("show", "memory")
    log = open(E.log).read()
    size = int(log.split(" mbufs,")[0].rsplit("backstop: ", 1)[1])
    with open("/proc/%d/statm" % cj("show", "version")["pid"]) as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    check("memory-values", m["mbufs"]["size"] == size and
          m["mbufs"]["in_use"] + m["mbufs"]["free"] == size and
          abs(m["resident_kib"] - rss) < 4096 and m["virtual_kib"] >= m["resident_kib"],
          "%s, %d mbufs, %d KiB" % (m, size, rss))
    with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
        thp_on = "[never]" not in f.read()
    with open("/proc/%d/smaps_rollup" % cj("show", "version")["pid"]) as f:
        anon_huge = [int(l.split()[1]) for l in f if l.startswith("AnonHugePages:")][0]
    check("memory-thp", m["mbufs"]["memory"] == "thp" and
          "mbuf memory: transparent huge pages" in log and
          (not thp_on or anon_huge >= 2048), "%s, AnonHugePages %d kB" % (m, anon_huge))
    rc, out, _ = ctl("show", "memory")
    check("memory-text", rc == 0 and "mbufs:\n  size: %d\n" % size in out, out)


def walk(*args, commands=60):
    """show connections ARGS, following the cursor: a command stops at its
    time budget (CONNS_BUDGET_MS) with a cursor, which on a loaded machine
    can happen before the table's 25 pages are walked. Returns the entries,
    the commands it took and the last answer."""
    seen, cursor, n, a = [], None, 0, {}
    while n < commands:
        a = cj("show", "connections", *args, *(["cursor", cursor] if cursor else []))
        seen += a["connections"]
        n += 1
        if not a["more"]:
            break
        cursor = a["cursor"]
    return seen, n, a


def test_connections():
    want = sorted(("198.18.0.2", 7, "198.18.0.1", p, "ESTABLISHED") for p in (40001, 40002, 40003))
    conns, n, a = walk()
    check("conns-all", sorted(conn_key(c) for c in conns) == want and
          a["more"] is False and "cursor" not in a, "%d commands, last %s" % (n, a))
    check("conns-seq", all(c["snd_nxt"] == c["snd_una"] and c["worker"] == 0 for c in conns), conns)
    conns, _, a = walk("port", "40002")
    check("conns-port", [conn_key(c) for c in conns] == [want[1]], a)
    conns, _, a = walk("state", "established", "addr", "198.18.0.1", "worker", "0", "port", "7")
    check("conns-filters", sorted(conn_key(c) for c in conns) == want, a)
    for args in (["state", "CLOSE_WAIT"], ["addr", "2001:2::9"], ["addr", "198.18.0.3"], ["port", "40004"]):
        conns, _, a = walk(*args)
        check("conns-none " + " ".join(args), conns == [] and a["more"] is False, a)
    # Pages of one, following the cursor.
    conns, pages, a = walk("limit", "1")
    seen = [conn_key(c) for c in conns]
    check("conns-cursor", sorted(seen) == want and len(seen) == 3 and a["more"] is False and
          pages >= 3, "%s in %d pages" % (seen, pages))
    rc, out, _ = ctl("show", "connections", "port", "40001")
    check("conns-text", rc == 0 and "remote_port: 40001\n" in out and "state: ESTABLISHED\n" in out, out)
    w = cj("show", "workers")["workers"]
    check("workers-states", len(w) == 1 and w[0]["connections"]["ESTABLISHED"] == 3 and
          w[0]["lcore"] == 1 and w[0]["busy_cycles"] > 0, w)
    bad = [(["state", "FOO"], "error: state 'FOO' is not a TCP state"),
           (["port", "0"], "error: port '0' is not an integer from 1 to 65535"),
           (["port", "70000"], "error: port '70000' is not an integer from 1 to 65535"),
           (["limit", "0"], "error: limit '0' is not an integer from 1 to 10000"),
           (["worker", "1"], "error: worker '1' is not an integer from 0 to 0"),
           (["addr", "1.2.3"], "error: addr '1.2.3' is not an IPv4 or IPv6 address"),
           (["cursor", "junk"], "error: cursor 'junk' is not one this command gave"),
           (["cursor", "5:0"], "error: cursor '5:0' is not one this command gave"),
           (["state"], "error: 'state' needs a value"),
           (["port", "1", "port", "2"], "error: 'port' given twice"),
           (["colour", "red"], "error: unknown argument 'colour'")]
    for args, msg in bad:
        rc, out, err = ctl("show", "connections", *args)
        check("conns-bad " + " ".join(args), rc == 1 and out == "" and err.startswith(msg + "") and
              err.endswith("\nusage: show connections [state S] [addr A] [port P] [worker N] [limit N] "
                           "[cursor C]\n"), repr(err))


def test_counters():
    cj("clear", "stats")
    z = cj("show", "resets")
    check("clear-zero-resets", z["since"] == "clear stats" and z["total"] == 0 and
          all(v == 0 for v in z["resets"].values()), z)
    s = cj("show", "stats")
    check("clear-zero-tcp", all(s["counters"][k] == 0 for k in ("TcpOutRsts", "TcpInSegs", "TcpOutSegs")),
          s["counters"])
    out = subprocess.run(["ip", "netns", "exec", E.ns + "-c", "/usr/bin/python3", "-c", REFUSED],
                         capture_output=True, text=True, timeout=30).stdout.strip()
    check("refused-5", out == "5", out)
    r = cj("show", "resets")
    check("resets-after-5-syns", r["resets"]["NO_SOCKET"] == 5 and r["total"] == 5, r)
    r0 = cj("show", "resets", "worker", "0")
    check("resets-worker0", r0["resets"] == r["resets"] and r0["worker"] == 0, r0)
    s = cj("show", "stats")
    check("stats-after-5-syns", s["counters"]["TcpOutRsts"] == 5 and s["counters"]["TcpInSegs"] == 5, s)
    d = cj("show", "drops")
    check("drops-fields", d["since"] == "clear stats" and "NO_SOCKET" in d["drops"] and
          d["total"] == sum(d["drops"].values()), d)
    rc, out, _ = ctl("show", "resets")
    check("resets-text", rc == 0 and "since: clear stats\n" in out and "NO_SOCKET: 5\n" in out and
          "total: 5\n" in out, out)
    # The exit report and show ports are not cleared: the workers' counters were not written.
    p = cj("show", "ports")["ports"][0]["queues"][0]
    check("clear-keeps-workers", p["rx"] > 5, p)


def test_capture():
    """capture start|stop and show capture; the file read back with tshark."""
    path = os.path.join(E.capdir, "resets.pcapng")
    check("capture-off", cj("show", "capture") == {"running": False})
    rc, _, err = ctl("capture", "start")
    check("capture-start-nofile", rc == 1 and err.startswith(
        "error: capture start needs a FILE\nusage: capture start FILE [sends|resets|drops|all] "
        "[host ADDR] [port P]"), repr(err))
    for args, msg in [(["bogus"], "unknown argument 'bogus'"),
                      (["host", "198.18.0.300"], "host '198.18.0.300' is not an IPv4 or IPv6 address"),
                      (["port", "70000"], "port '70000' is not an integer from 0 to 65535"),
                      (["snaplen", "8"], "snaplen '8' is not an integer from 16 to 65535"),
                      (["resets", "drops"], "'drops': what to capture is given twice"),
                      (["host", "198.18.0.1", "host", "::1", "host", "::2"], "more than two hosts"),
                      (["count"], "'count' needs a value")]:
        rc, _, err = ctl("capture", "start", path, *args)
        check("capture-start-bad " + " ".join(args), rc == 1 and err.startswith("error: %s\n" % msg),
              repr(err))
    rc, _, err = ctl("capture", "start", os.path.join(E.capdir, "nodir", "x.pcapng"))
    check("capture-start-baddir", rc == 1 and "cannot create: No such file or directory" in err, err)
    # Only new files in [capture] dir: not elsewhere, not through `..` or a
    # symbolic link, never over an existing file.
    victim = os.path.join(E.tmp, "victim")
    with open(victim, "w") as f:
        f.write("keep")
    os.symlink(victim, os.path.join(E.capdir, "evil.pcapng"))
    os.symlink(E.tmp, os.path.join(E.capdir, "up"))
    with open(os.path.join(E.capdir, "old.pcapng"), "w") as f:
        f.write("old")
    for name, what in [(os.path.join(E.tmp, "x.pcapng"), "is not in [capture] dir " + E.capdir),
                       (E.capdir + "x.pcapng", "is not in [capture] dir"),
                       ("../x.pcapng", "is not in [capture] dir"),
                       (os.path.join(E.capdir, "..", "x.pcapng"), "is not in [capture] dir"),
                       ("up/x.pcapng", "is not in [capture] dir"),
                       ("evil.pcapng", "evil.pcapng exists: remove it or choose another name"),
                       ("old.pcapng", "old.pcapng exists"), (E.capdir + "/", "names no file")]:
        rc, _, err = ctl("capture", "start", name)
        check("capture-start-confined " + name, rc == 1 and what in err, err)
    check("capture-confined-untouched", open(victim).read() == "keep" and
          open(os.path.join(E.capdir, "old.pcapng")).read() == "old" and
          not os.path.exists(os.path.join(E.tmp, "x.pcapng")))
    check("capture-bad-nothing-started", cj("show", "capture") == {"running": False} and
          not os.path.exists(path))
    rc, _, err = ctl("capture", "stop")
    check("capture-stop-idle", rc == 1 and err.startswith("error: not capturing\n"), repr(err))
    rc, _, err = ctl("show", "capture", "x")
    check("show-capture-bad", rc == 1 and err == "error: unexpected argument 'x'\nusage: show capture\n",
          repr(err))
    st = cj("capture", "start", path, "resets", "host", "198.18.0.1", "port", "23")
    check("capture-started", st["running"] and st["file"] == path and st["packets"] == 0 and
          st["filter"] == "resets host 198.18.0.1 port 23 snaplen 65535", st)
    rc, _, err = ctl("capture", "start", path + "2")
    check("capture-start-twice", rc == 1 and "already capturing into " + path in err, err)
    out = subprocess.run(["ip", "netns", "exec", E.ns + "-c", "/usr/bin/python3", "-c", REFUSED],
                         capture_output=True, text=True, timeout=30).stdout.strip()
    check("capture-refused-5", out == "5", out)
    end = time.monotonic() + 5
    while cj("show", "capture")["packets"] < 5 and time.monotonic() < end:
        time.sleep(0.05)
    rc, out, _ = ctl("show", "capture")
    check("show-capture-text", rc == 0 and "running: yes\n" in out and "packets: 5\n" in out, out)
    st = cj("capture", "stop")
    check("capture-stopped", not st["running"] and st["packets"] == 5 and st["lost"] == 0 and
          st["bytes"] == os.path.getsize(path), st)
    check("capture-last", cj("show", "capture") == st)
    check("capture-file-mode", (os.stat(path).st_mode & 0o777) == 0o640, oct(os.stat(path).st_mode))
    # A name alone goes in [capture] dir; a file is never written twice.
    rc, _, err = ctl("capture", "start", path)
    check("capture-start-exists", rc == 1 and "resets.pcapng exists" in err and
          os.path.getsize(path) == st["bytes"], err)
    st2 = cj("capture", "start", "rel.pcapng")
    check("capture-start-relative", st2["running"] and
          st2["file"] == os.path.join(E.capdir, "rel.pcapng"), st2)
    st2 = cj("capture", "stop")
    check("capture-relative-file", os.path.getsize(os.path.join(E.capdir, "rel.pcapng")) ==
          st2["bytes"] > 0, st2)
    tshark = shutil.which("tshark")
    if not check("tshark-installed", tshark is not None, "scripts/deps.sh installs it"):
        return
    fields = ["frame.comment", "frame.packet_flags_direction", "frame.interface_name", "ip.src",
              "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.reset"]
    cmd = [tshark, "-r", path, "-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    rows = [dict(zip(fields, line.split("|"))) for line in p.stdout.splitlines()]
    check("capture-tshark", p.returncode == 0 and len(rows) == 5, "%s %s" % (p.stderr, rows))
    check("capture-tshark-fields", all(
        r["frame.comment"] == "reset: NO_SOCKET" and int(r["frame.packet_flags_direction"], 0) == 2 and
        r["frame.interface_name"] == "net_af_packet0" and r["ip.src"] == "198.18.0.2" and
        r["ip.dst"] == "198.18.0.1" and r["tcp.srcport"] == "23" and
        r["tcp.flags.reset"] in ("1", "True") for r in rows) and
        len(set(r["tcp.dstport"] for r in rows)) == 5, rows)


def concurrent_client(k, results):
    port = 40001 + k % 3
    lines = "".join("--json show connections port %d\n--json show version\n" % port for _ in range(10))
    try:
        rc, out, err = ctl(stdin=lines, timeout=30)
        answers = [json.loads(l) for l in out.splitlines()]
        ok = rc == 0 and len(answers) == 20
        for i, a in enumerate(answers):
            if i % 2 == 0:
                ok = ok and [c["remote_port"] for c in a["connections"]] == [port]
            else:
                ok = ok and a["workers"] == 1
        results[k] = ok
    except Exception as e:  # noqa: BLE001 - reported as the failure
        results[k] = "exception %s" % e


def test_concurrent():
    results = [None] * 8
    threads = [threading.Thread(target=concurrent_client, args=(k, results)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check("concurrent-8", all(r is True for r in results), results)


def test_junk_flood():
    stop_flag = []

    def flood():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(E.sock)
        s.setblocking(False)
        rnd = random.Random(7)
        end = time.monotonic() + 3
        while time.monotonic() < end and not stop_flag:
            try:
                s.send(bytes(rnd.getrandbits(8) for _ in range(4096)))
            except BlockingIOError:
                pass
            try:
                s.recv(65536)
            except BlockingIOError:
                pass
            except ConnectionError:
                break
        s.close()  # gone mid-line
    t = threading.Thread(target=flood)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    rc, out, _ = ctl("show", "version")
    dt = time.monotonic() - t0
    stop_flag.append(1)
    t.join(10)
    check("junk-flood-served", rc == 0 and "version:" in out and dt < 2, "rc %d in %.2f s" % (rc, dt))
    # Vanishing mid-request, many times over.
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(E.sock)
        s.send(b"show conn")
        s.close()
    rc, out, _ = ctl("show", "version")
    check("after-vanishing", rc == 0 and "version:" in out and E.bs.poll() is None, rc)


def test_quit_unread():
    """quit with more lines already sent (more than the server's 4 KiB
    line buffer): the answers, then an end of stream, not a reset."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(E.sock)
    s.sendall(b"show version\nquit\n" + b"show version\n" * 8192)
    buf, err = b"", None
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except OSError as e:
        err = e
    s.close()
    parts = buf.split(b"\0")
    check("quit-unread", err is None and len(parts) == 3 and parts[0].startswith(b"version: ")
          and parts[1] == b"ok\nbye: session closed\n" and parts[2] == b"ok\n",
          repr((err, buf[-200:])))


def test_piped_and_tty():
    rc, out, err = ctl(stdin="# a comment\n\nshow version\n--json show listeners\nbogus\nquit\nshow version\n")
    lines = out.splitlines()
    check("piped", rc == 1 and lines[0].startswith("version: ") and
          any(l.startswith('{"listeners":') for l in lines) and lines[-1] == "bye: session closed" and
          err.startswith("error: unknown command 'bogus'"), repr((rc, out, err)))
    rc, out, _ = ctl("--json", stdin="show version\n")
    check("piped-json", rc == 0 and json.loads(out)["workers"] == 1, out)
    if shutil.which("script") is None:
        check("tty-skipped-no-script", True)
        return
    # A terminal session: Tab completes "sho" and "ver", then quit.
    p = subprocess.run(["script", "-qec", "%s -s %s" % (E.ctl, E.sock), "/dev/null"],
                       input="sho\tver\t\nquit\n", capture_output=True, text=True, timeout=20,
                       env=dict(os.environ, TERM="dumb", HOME=E.tmp))
    check("tty-completion", "dpdk: DPDK" in p.stdout and "bye: session closed" in p.stdout,
          repr(p.stdout[-500:]))
    check("tty-history", os.path.exists(os.path.join(E.tmp, ".backstopctl_history")))


def null_backstop(n):
    """A Backstop on net_null0 with the same socket (its own config file),
    its mbufs in the EAL's memory (mbuf_thp = 0)."""
    conf = os.path.join(E.tmp, "null.conf")
    with open(conf, "w") as f:
        f.write("[backstop]\nannounce = no\nmbuf_thp = 0\n[control]\nsocket = %s\n"
                "[port net_null0]\naddress = 198.18.9.2/24\n" % E.sock)
    log = os.path.join(E.tmp, "bs%d.log" % n)
    return start_backstop("bs-cli%d-%d" % (n, os.getpid()), "net_null0,no-rx=1",
                          [], log, conf=conf), log


def test_second_and_stale():
    # A second Backstop on the live socket is refused; the first is unharmed.
    p2, log2 = null_backstop(2)
    try:
        p2.wait(60)
    except subprocess.TimeoutExpired:
        stop(p2)
    text = open(log2).read()
    check("second-refused", p2.returncode != 0 and "another backstop answers on it" in text, text[-400:])
    rc, out, _ = ctl("show", "version")
    check("first-unharmed", rc == 0 and E.bs.poll() is None and os.path.exists(E.sock), rc)
    st = os.stat(E.sock)
    check("socket-mode", (st.st_mode & 0o777) == 0o660, oct(st.st_mode))
    # Killed: the socket file stays behind, stale; the next one replaces it.
    stop(E.bs, signal.SIGKILL)
    check("stale-left", os.path.exists(E.sock))
    end = time.monotonic() + 10
    while time.monotonic() < end:   # until the killed process is gone
        rc, _, err = ctl("show", "version")
        if rc == 2 and "Connection refused" in err:
            break
        time.sleep(0.1)
    check("stale-refused-by-client", rc == 2 and "Connection refused" in err, err)
    p3, log3 = null_backstop(3)
    up = wait_running(p3, log3)
    v = cj("show", "version") if up else {}
    check("stale-replaced", up and v.get("ports") == 1 and
          v.get("config") == os.path.join(E.tmp, "null.conf"), open(log3).read()[-300:])
    m = cj("show", "memory") if up else {}
    check("memory-eal", m.get("mbufs", {}).get("memory") == "eal" and
          "mbuf memory: EAL" in open(log3).read(), m)
    rc = stop(p3)
    check("clean-exit", rc == 0 and not os.path.exists(E.sock), "rc %s" % rc)


def main():
    if len(sys.argv) != 4:
        print("usage: test_cli.py BACKSTOP BACKSTOPCTL SOURCE_ROOT", file=sys.stderr)
        return 2
    E.bin, E.ctl, src = (os.path.abspath(a) for a in sys.argv[1:])
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("SKIP: needs root and iproute2")
        print("0 passed, 0 failed")
        return 77
    E.tmp = tempfile.mkdtemp(prefix="bs-cli-")
    E.sock = os.path.join(E.tmp, "run", "bs.sock")
    E.capdir = os.path.join(E.tmp, "cap")
    os.mkdir(E.capdir)
    E.ns = ("bsl%d" % os.getpid())[:12]
    E.prefixes, E.procs = [], []
    topo = os.path.join(src, "scripts", "topology.sh")
    holder = None
    try:
        r = sh("source '%s' && bs_topo_down %s && bs_topo_up %s" % (topo, E.ns, E.ns))
        if r.returncode != 0:
            print("FAIL topology", r.stderr)
            return 1
        log = E.log = os.path.join(E.tmp, "bs.log")
        E.bs = start_backstop("bs-cli-%d" % os.getpid(), "net_af_packet0,iface=%s-d0" % E.ns,
                              ["port net_af_packet0.address=198.18.0.2/24, 2001:2::2/64",
                               "control.socket=" + E.sock, "capture.dir=" + E.capdir,
                               "tcp.isn_secret=000102030405060708090a0b0c0d0e0f"],
                              log, netns=E.ns + "-d")
        if not check("backstop-start", wait_running(E.bs, log), open(log).read()[-500:]):
            return 1
        check("socket-created", os.path.exists(E.sock))
        holder = subprocess.Popen(["ip", "netns", "exec", E.ns + "-c", "/usr/bin/python3", "-c", HOLDER],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = holder.stdout.readline().strip()
        check("holder-connected", ready == "ready", ready)
        for t in (test_help, test_version, test_bad_commands, test_ports, test_listeners_config,
                  test_connections, test_tables, test_memory, test_counters, test_capture, test_concurrent,
                  test_junk_flood, test_quit_unread, test_piped_and_tty):
            try:
                t()
            except Exception as e:  # noqa: BLE001 - one test's crash is its failure
                check(t.__name__, False, "exception: %r" % e)
        check("backstop-alive", E.bs.poll() is None)
        text = open(log).read()
        check("no-sanitizer-report", "AddressSanitizer" not in text and "runtime error:" not in text,
              text[-500:])
        test_second_and_stale()
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        for p in E.procs:
            stop(p, signal.SIGKILL)
        sh("source '%s' && bs_topo_down %s" % (topo, E.ns))
        for pre in E.prefixes:
            shutil.rmtree("/var/run/dpdk/" + pre, ignore_errors=True)
        shutil.rmtree(E.tmp, ignore_errors=True)
    print("%d passed, %d failed" % (T.passed, T.failed))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
