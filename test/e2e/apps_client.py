#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real Linux clients against Backstop's built-in applications.

Run in the client namespace of test_apps.sh, against the listeners of
config/backstop.conf (overridden there with short keepalive timers).
Prints `ok NAME` or `FAIL NAME why` per check; exits 0.

    apps_client.py ADDRESS [ADDRESS...]
"""
import socket
import subprocess
import sys
import time



def ok(name):
    print("ok " + name, flush=True)


def fail(name, why):
    print("FAIL %s %s" % (name, why), flush=True)


def conn(addr, port, timeout=5.0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def recv_all(s, limit=1 << 20):
    out = b""
    while len(out) < limit:
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out


def check(name, fn):
    try:
        why = fn()
    except Exception as e:  # noqa: BLE001 - any failure is the check's
        why = "%s: %s" % (type(e).__name__, e)
    if why:
        fail(name, why)
    else:
        ok(name)


def t_refused(a):
    try:
        conn(a, 23)
    except ConnectionRefusedError:
        return None
    return "connect to port 23 did not fail with ECONNREFUSED"


def t_echo(a):
    s = conn(a, 7)
    msg = b"hello backstop\n" * 300
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        d = s.recv(65536)
        if not d:
            break
        got += d
    s.shutdown(socket.SHUT_WR)
    rest = recv_all(s)
    s.close()
    if got != msg:
        return "echoed %d bytes, sent %d (equal prefix: %s)" % (
            len(got), len(msg), msg.startswith(got))
    if rest:
        return "data after our FIN: %r" % rest[:40]
    return None


def t_echo_nc(a):
    fam = "-6" if ":" in a else "-4"
    p = subprocess.run(["nc", fam, "-N", "-w", "3", a, "7"], input=b"via nc\n",
                       capture_output=True, timeout=10)
    if p.stdout != b"via nc\n":
        return "nc got %r (rc %d, %r)" % (p.stdout, p.returncode, p.stderr[:80])
    return None


def t_discard(a):
    s = conn(a, 9)
    s.sendall(b"x" * 100000)
    s.shutdown(socket.SHUT_WR)
    rest = recv_all(s)
    s.close()
    return "discard sent %d bytes" % len(rest) if rest else None


def t_curl(a):
    host = "[%s]" % a if ":" in a else a
    p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        "--max-time", "5", "http://%s/" % host],
                       capture_output=True, timeout=10)
    if p.stdout.decode() != "200 64":
        return "curl: %r (rc %d)" % (p.stdout, p.returncode)
    return None


def t_curl_keepalive(a):
    host = "[%s]" % a if ":" in a else a
    url = "http://%s/" % host
    p = subprocess.run(["curl", "-sv", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                        "--max-time", "5", url, url, url], capture_output=True, timeout=10)
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0 or err.count("HTTP/1.1 200") != 3:
        return "curl x3: rc %d, %d responses" % (p.returncode, err.count("HTTP/1.1 200"))
    if "Re-using existing connection" not in err and "Reusing existing" not in err:
        return "curl opened a new connection per request (no keep-alive)"
    return None


def t_wget(a):
    host = "[%s]" % a if ":" in a else a
    p = subprocess.run(["wget", "-q", "-O", "-", "-T", "5", "-t", "1", "http://%s/" % host],
                       capture_output=True, timeout=10)
    if p.returncode != 0 or len(p.stdout) != 64:
        return "wget: rc %d, %d bytes" % (p.returncode, len(p.stdout))
    return None


def t_banner(a):
    s = conn(a, 21)
    data = recv_all(s)
    s.close()
    if data != b"backstop\r\n":
        return "banner %r" % data
    return None


def expect_reset(s):
    """The next recv() on @s must fail with ECONNRESET."""
    try:
        d = s.recv(100)
    except ConnectionResetError:
        return None
    finally:
        s.close()
    return "recv returned %r, not ECONNRESET" % d


def t_abort(a):
    return expect_reset(conn(a, 5002))


def t_close_unread(a):
    s = conn(a, 5001)
    s.sendall(b"never read\n")
    time.sleep(0.5)
    return expect_reset(s)


def t_half_close(a):
    s = conn(a, 5003)
    s.sendall(b"one line\n")
    d = s.recv(100)
    if d != b"":
        return "expected EOF after the line, got %r" % d
    # Our side is still open: Backstop keeps reading.
    s.sendall(b"more after its FIN\n")
    time.sleep(0.2)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(3)
    rest = s.recv(100)
    s.close()
    return None if rest == b"" else "data after EOF: %r" % rest


def t_keepalive(a):
    s = conn(a, 5004)
    time.sleep(4.5)		# idle 1 s, probes every 1 s: answered by our kernel
    s.sendall(b"still alive\n")
    s.settimeout(1)
    try:
        d = s.recv(10)
        return "unexpected %r" % d
    except socket.timeout:
        pass
    except OSError as e:
        return "connection died: %s" % e
    s.close()
    return None


def t_hold(a):
    s = conn(a, 5000)
    s.setblocking(False)
    sent = 0
    deadline = time.time() + 3
    while time.time() < deadline:
        try:
            sent += s.send(b"z" * 65536)
        except BlockingIOError:
            time.sleep(0.05)
    s.close()
    # The window closed: far less than 3 s at veth speed went through.
    if sent > 64 << 20:
        return "sent %d bytes to a never-reading app" % sent
    return None


def main():
    for a in sys.argv[1:]:
        v = "v6" if ":" in a else "v4"
        check("refused-" + v, lambda: t_refused(a))
        check("echo-" + v, lambda: t_echo(a))
        check("echo-nc-" + v, lambda: t_echo_nc(a))
        check("discard-" + v, lambda: t_discard(a))
        check("curl-http-" + v, lambda: t_curl(a))
        check("curl-keepalive-" + v, lambda: t_curl_keepalive(a))
        check("wget-http-" + v, lambda: t_wget(a))
        check("banner-" + v, lambda: t_banner(a))
        check("abort-econnreset-" + v, lambda: t_abort(a))
        check("close-unread-econnreset-" + v, lambda: t_close_unread(a))
        check("half-close-" + v, lambda: t_half_close(a))
        check("hold-window-" + v, lambda: t_hold(a))
    check("keepalive-alive-v4", lambda: t_keepalive(sys.argv[1]))


if __name__ == "__main__":
    main()
