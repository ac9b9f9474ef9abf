#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Backstop's built-in applications on the Linux kernel, from plain sockets.

    linux_apps.py CONFIG READY_FILE

Reads the same configuration file as Backstop (see tester.py config) and,
inside the DUT network namespace of the kernel run:
  - [tcp] KEY = VALUE  -> /proc/sys/net/ipv4/KEY (the tcp_* sysctls are per netns)
  - [listener NAME]    -> a listening socket with the app below
  - [client NAME]      -> active opens start_ms after READY_FILE is written
Other sections ([port ...], [backstop], ...) are Backstop's own and ignored.

Applications (one thread per connection):
  echo          write back what is read; close at EOF
  discard       read and drop; close at EOF
  hold          never read, never close; with delay_ms the listener calls
                accept() only delay_ms after start (so connections stay in the
                accept queue: R2/R2b with a small backlog)
  http          answer each request (up to an empty line) with
                "HTTP/1.1 <status> <OK|Status>\\r\\nContent-Length: <N>\\r\\n
                Connection: keep-alive|close\\r\\n\\r\\n" + N bytes 'b';
                keep-alive: next request, else close; close at EOF
  banner        send the banner (\\r \\n \\t \\\\ escapes) then close
  close-unread  wait delay_ms, close without reading (RST if data is unread)
  abort         wait delay_ms, SO_LINGER {1, 0}, close (RST)
  half-close    read up to a newline, shutdown(SHUT_WR), read to EOF, close
  keepalive     SO_KEEPALIVE (+ TCP_KEEPIDLE/INTVL/CNT when > 0), read until
                EOF or error (ETIMEDOUT when the probes are exhausted), close
Listener keys: address (any, 0.0.0.0, ::, or an address), port, app, backlog,
linger2 (TCP_LINGER2), http_*, banner, delay_ms, keepalive_*.
Client keys: address, port, source, app, count, connect_timeout_ms, start_ms.
Events go to stdout, one line each.
"""
import codecs
import errno
import os
import signal
import socket
import struct
import sys
import threading
import time

TCP_LINGER2 = 8
T0 = time.monotonic()


def log(*a):
    print("%7.3f" % (time.monotonic() - T0), *a, flush=True)


def parse(path):
    """[(kind, name, {key: value})] in file order."""
    out = []
    cur = None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s[0] in ";#":
                continue
            for c in (" ;", " #", "\t;", "\t#"):
                if c in s:
                    s = s[:s.index(c)].rstrip()
            if s.startswith("["):
                head = s[1:s.index("]")].split(None, 1)
                cur = (head[0], head[1] if len(head) > 1 else "", {})
                out.append(cur)
                continue
            if cur is None or "=" not in s:
                sys.exit("%s:%d: not understood: %s" % (path, n, line.rstrip()))
            k, v = s.split("=", 1)
            cur[2][k.strip()] = v.strip()
    return out


def ival(d, k, default=0):
    return int(d.get(k, default))


def set_sysctls(kv):
    for k, v in kv.items():
        p = "/proc/sys/net/ipv4/" + k
        if not os.path.exists(p):
            log("sysctl", k, "does not exist here; ignored")
            continue
        with open(p, "w") as f:
            f.write(str(v))
        log("sysctl net.ipv4.%s = %s" % (k, v))


def sockopts(s, d):
    l2 = d.get("linger2")
    if l2 is not None and int(l2) != 0:
        s.setsockopt(socket.IPPROTO_TCP, TCP_LINGER2, int(l2))
    if d["app"] == "keepalive":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for key, opt in (("keepalive_idle", socket.TCP_KEEPIDLE),
                         ("keepalive_intvl", socket.TCP_KEEPINTVL),
                         ("keepalive_probes", socket.TCP_KEEPCNT)):
            if ival(d, key) > 0:
                s.setsockopt(socket.IPPROTO_TCP, opt, ival(d, key))


KEEP = []       # hold: sockets kept open until the process ends


def read_all(s):
    try:
        while s.recv(65536):
            pass
    except OSError as e:
        return e.errno
    return 0


def app(s, d, who):
    """Run application d['app'] on connected socket s."""
    kind = d["app"]
    try:
        if kind == "hold":
            KEEP.append(s)
            return
        if kind == "echo":
            while True:
                b = s.recv(65536)
                if not b:
                    break
                s.sendall(b)
        elif kind == "discard":
            read_all(s)
        elif kind == "http":
            body = b"b" * ival(d, "http_body", 64)
            st = ival(d, "http_status", 200)
            ka = d.get("http_keepalive", "yes").lower() in ("yes", "1", "true", "on")
            resp = (b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n" %
                    (st, b"OK" if st == 200 else b"Status", len(body),
                     b"keep-alive" if ka else b"close")) + body
            buf = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                buf += b
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    s.sendall(resp)
                    if not ka:
                        raise StopIteration
        elif kind == "banner":
            s.sendall(codecs.decode(d.get("banner", "backstop\\r\\n"),
                                    "unicode_escape").encode("latin-1"))
        elif kind == "close-unread":
            time.sleep(ival(d, "delay_ms", 100) / 1000)
        elif kind == "abort":
            time.sleep(ival(d, "delay_ms", 0) / 1000)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif kind == "half-close":
            buf = b""
            while b"\n" not in buf:
                b = s.recv(65536)
                if not b:
                    break
                buf += b
            s.shutdown(socket.SHUT_WR)
            read_all(s)
        elif kind == "keepalive":
            e = read_all(s)
            log(who, "keepalive: read ended", errno.errorcode.get(e, e) if e else "EOF")
        else:
            log(who, "unknown app", kind)
    except StopIteration:
        pass
    except OSError as e:
        log(who, kind, "error", errno.errorcode.get(e.errno, e.errno))
    s.close()
    log(who, kind, "closed")


def listener(name, d):
    addr = d.get("address", "any")
    port = ival(d, "port")
    if addr in ("any", "::") or ":" in addr:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        if addr in ("any", "::"):
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            addr = "::"
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sockopts(s, d)
    s.bind((addr, port))
    s.listen(ival(d, "backlog", 128))
    delay = ival(d, "delay_ms") / 1000 if d["app"] == "hold" else 0

    def loop():
        if delay:
            time.sleep(delay)
        while True:
            c, peer = s.accept()
            sockopts(c, d)
            who = "%s %s:%d" % (name, peer[0], peer[1])
            log(who, "accepted")
            threading.Thread(target=app, args=(c, d, who), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    log("listener", name, addr, port, d["app"], "backlog", ival(d, "backlog", 128))


def client(name, d):
    time.sleep(ival(d, "start_ms") / 1000)
    for i in range(ival(d, "count", 1)):
        addr = d["address"]
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        if d.get("source"):
            s.bind((d["source"], 0))
        s.settimeout(ival(d, "connect_timeout_ms", 10000) / 1000)
        who = "client %s#%d" % (name, i)
        try:
            s.connect((addr, ival(d, "port")))
        except OSError as e:
            log(who, "connect:", errno.errorcode.get(e.errno, e.errno) if e.errno else e)
            s.close()
            continue
        s.settimeout(None)
        log(who, "connected")
        threading.Thread(target=app, args=(s, d, who), daemon=True).start()


def main():
    conf, ready = sys.argv[1:3]
    cfg = parse(conf)
    for kind, name, d in cfg:
        if kind == "tcp":
            set_sysctls(d)
    for kind, name, d in cfg:
        if kind == "listener":
            listener(name, d)
    with open(ready, "w") as f:
        f.write("ready\n")
    for kind, name, d in cfg:
        if kind == "client":
            threading.Thread(target=client, args=(name, d), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
