# SPDX-License-Identifier: BSD-3-Clause
"""
What the stress suites (test_stress.sh: flood, exhaust, soak) share: the
CLI read as JSON, the gauges and counters they compare, a SYN flood sender
on a raw socket, and echo connections timed one by one.

Runs in the client namespace of scripts/topology.sh (198.18.0.1,
2001:2::1 facing Backstop at 198.18.0.2, 2001:2::2).
"""
import json
import multiprocessing
import os
import random
import selectors
import socket
import struct
import subprocess
import time

DUT4, DUT6 = "198.18.0.2", "2001:2::2"
FLOOD_MAC = bytes.fromhex("020000000f01")	# nobody's: the SYN-ACKs go nowhere


class Results:
    """`ok NAME` / `FAIL NAME why` lines, counted."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, cond, why=""):
        if cond:
            self.passed += 1
            print("ok " + name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s %s" % (name, why), flush=True)
        return cond

    def info(self, text):
        print("# " + text, flush=True)


class Ctl:
    """backstopctl on Backstop's socket, answers parsed from JSON."""

    def __init__(self, ctl, sock):
        self.argv = [ctl, "-s", sock, "--json"]

    def __call__(self, *words):
        out = subprocess.run(self.argv + list(words), capture_output=True, text=True,
                             timeout=10)
        if out.returncode != 0:
            raise RuntimeError("backstopctl %s: %s%s" % (" ".join(words), out.stdout,
                                                        out.stderr))
        return json.loads(out.stdout)

    def counters(self):
        return self("show stats")["counters"]

    def patient(self, *words, tries=10):
        """A command that asks a worker, tried again while the worker
        misses the CLI's 100 ms (a loaded machine)."""
        for i in range(tries):
            try:
                return self(*words)
            except RuntimeError as e:
                if "did not answer" not in str(e) or i == tries - 1:
                    raise
                time.sleep(0.2)

    def drops(self):
        return self("show drops")["drops"]

    def resets(self):
        r = self("show resets")
        return r["resets"], r["total"]

    def tables(self):
        return self("show tables")["tables"]

    def workers_answer(self):
        """Every worker answered a control request (show workers asks
        each for its connection counts): only a polling worker does."""
        return all("connections" in w for w in self("show workers")["workers"])

    def memory(self):
        return self("show memory")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def tcp_frame(dmac, smac, src, dst, tcp, ip_id=0):
    """Ethernet, then IPv4 (@src and @dst of 4 bytes; DF, TTL 64) or IPv6 (16
    bytes; hop limit 64), then @tcp (a TCP header, checksum 0, and its
    payload): both checksums filled."""
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", _csum(ph + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, 0x4000, 64, 6, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
        return dmac + smac + b"\x08\x00" + ip + tcp
    ph = src + dst + struct.pack("!I3xB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", _csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src, dst)
    return dmac + smac + b"\x86\xdd" + ip + tcp


def syn_frame(dst_mac, i, dport, rnd):
    """SYN number @i of a flood: IPv4 from 198.19.0.0/16 when i is even,
    IPv6 from 2001:2:0:f::/64 when odd; a random port, ISN and MSS option."""
    sport = 1024 + rnd.randrange(64000)
    seq = rnd.getrandbits(32)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, 0x02, 64240, 0, 0) + \
        struct.pack("!BBH", 2, 4, 1460)
    if i % 2 == 0:
        src = socket.inet_aton("198.19.%d.%d" % ((i >> 9) & 0xff, ((i >> 1) & 0xff) or 1))
        return tcp_frame(dst_mac, FLOOD_MAC, src, socket.inet_aton(DUT4), tcp, i & 0xffff)
    src = socket.inet_pton(socket.AF_INET6, "2001:2:0:f::%x" % ((i >> 1) & 0xffff or 1))
    return tcp_frame(dst_mac, FLOOD_MAC, src, socket.inet_pton(socket.AF_INET6, DUT6), tcp)


def send_rst4(ifname, dst_mac, sport, dport, seq):
    """An RST from the peer's own address and MAC (IPv4, to Backstop)."""
    src_mac = bytes.fromhex(open("/sys/class/net/%s/address" % ifname).read().strip()
                            .replace(":", ""))
    src, dst = socket.inet_aton("198.18.0.1"), socket.inet_aton(DUT4)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x04, 0, 0, 0)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((ifname, 0))
        s.send(tcp_frame(bytes.fromhex(dst_mac.replace(":", "")), src_mac, src, dst, tcp))


def _flood_run(ifname, frames, seconds, pps, sent):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    n, k = 0, len(frames)
    t0 = time.monotonic()
    end = t0 + seconds
    send = s.send
    while True:
        for _ in range(64 if not pps else 8):
            try:
                send(frames[n % k])
                n += 1
            except OSError:		# the veth's queue is full: that is the flood
                pass
        now = time.monotonic()
        if now >= end:
            break
        if pps and n > (now - t0) * pps:
            time.sleep(min(0.01, n / pps - (now - t0)))
    sent.value = n
    s.close()
    return now


class Flood:
    """A SYN flood from the client namespace's interface, in its own
    process: @n_frames distinct SYNs to the ports @dports in turn (each
    with an IPv4 and an IPv6 one), sent round and round for @seconds (at
    most @pps a second when given)."""

    def __init__(self, ifname, dst_mac, dports, seconds, n_frames=65536, pps=0, seed=1):
        rnd = random.Random(seed)
        mac = bytes.fromhex(dst_mac.replace(":", ""))
        self.frames = [syn_frame(mac, i, dports[(i >> 1) % len(dports)], rnd)
                       for i in range(n_frames)]
        self.sent = multiprocessing.Value("Q", 0)
        self.args = (ifname, self.frames, seconds, pps, self.sent)
        self.seconds = seconds

    def start(self):
        self.t0 = time.monotonic()
        self.p = multiprocessing.Process(target=_flood_run, args=self.args, daemon=True)
        self.p.start()

    def join(self):
        self.p.join(self.seconds + 30)
        self.t_end = self.t0 + self.seconds
        self.elapsed = self.seconds
        return self.sent.value


class Echoes:
    """@n connections to an echo listener, each sending 16 bytes and
    reading them back in rounds every @period s; per connection, the
    longest time without a completed echo and the rounds completed."""

    def __init__(self, n, port, period=0.05, fam=socket.AF_INET):
        addr = DUT4 if fam == socket.AF_INET else DUT6
        self.socks = []
        for _ in range(n):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect((addr, port))
            s.setblocking(False)
            self.socks.append(s)
        self.period = period
        self.limit = 5.0	# s a round may wait for its echoes
        self.done = [0] * n
        self.last = [0.0] * n
        self.gap = [0.0] * n
        self.errors = []

    def run(self, seconds):
        sel = selectors.DefaultSelector()
        for i, s in enumerate(self.socks):
            sel.register(s, selectors.EVENT_READ, i)
        now = time.monotonic()
        self.last = [now] * len(self.socks)
        end = now + seconds
        rnd = 0
        while time.monotonic() < end and not self.errors:
            rnd += 1
            msg = b"%015d\n" % rnd
            want = {}
            for i, s in enumerate(self.socks):
                try:
                    s.send(msg)
                    want[i] = b""
                except OSError as e:
                    self.errors.append("conn %d send: %r" % (i, e))
            limit = time.monotonic() + self.limit
            while want and time.monotonic() < limit:
                for key, _ in sel.select(0.2):
                    i = key.data
                    if i not in want:
                        continue
                    try:
                        b = self.socks[i].recv(64)
                    except BlockingIOError:
                        continue
                    except OSError as e:
                        self.errors.append("conn %d recv: %r" % (i, e))
                        want.pop(i)
                        continue
                    if not b:
                        self.errors.append("conn %d: EOF" % i)
                        want.pop(i)
                        continue
                    want[i] += b
                    if len(want[i]) >= len(msg):
                        if want[i] != msg:
                            self.errors.append("conn %d: echo %r" % (i, want[i]))
                        t = time.monotonic()
                        self.gap[i] = max(self.gap[i], t - self.last[i])
                        self.last[i] = t
                        self.done[i] += 1
                        want.pop(i)
            for i in want:
                self.errors.append("conn %d: no echo in %.0f s" % (i, self.limit))
            time.sleep(self.period)
        sel.close()
        t = time.monotonic()
        for i in range(len(self.socks)):
            self.gap[i] = max(self.gap[i], t - self.last[i])

    def close(self):
        for s in self.socks:
            s.close()


def asan_scale():
    """A factor below 1 for durations under ASan (BS_STRESS_SCALE)."""
    return float(os.environ.get("BS_STRESS_SCALE", "1"))
