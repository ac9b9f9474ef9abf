#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
SYN flood (test_stress.sh flood; issue 6 item 5). Backstop runs with a
request table of 256 ([tcp] requests; tcp_synack_retries = 1: a request
lives 3 s) and two echo listeners: 8080 with backlog 32 and 8081 with
backlog 1024. A raw socket in the client namespace floods them with
distinct SYNs (IPv4 and IPv6, spoofed sources, to a MAC nobody has), while
16 established connections from the Linux peer (12 IPv4, 4 IPv6) echo 16
bytes in rounds every 50 ms:

 1. port 8080 only, RATE1 SYN/s (which the worker takes whole): Linux's
    rule, the listener's SYN queue overflows (more than backlog) and SYN
    cookies answer (TCPReqQFullDoCookies = SyncookiesSent, no overload);
    at most 33 requests pending; no connection waits GAP1 s for an echo;
 2. both ports at full rate (more than the worker receives: the link
    drops the excess): the request table fills and Backstop's overload
    answers with cookies (OverloadSyncookies); requests never above the
    table's capacity; every connection completes rounds, none fails.

Throughout, mbufs in use and resident memory (show memory) stay within
fixed margins over the baseline, and the worker answers a control request
(show workers, which only its poll loop serves) at least every SILENT_MAX
s (sampled every half second). Once the flood stops: every connection echoes
again without a pause, the request table drains to 0, cookies stop, a new
connection completes a normal handshake (neither SyncookiesSent nor
SyncookiesRecv moves) and echoes, mbufs in use are back to the baseline.

    flood.py BS_PID BACKSTOPCTL SOCKET IFNAME BACKSTOP_MAC SECONDS

Prints `ok NAME` / `FAIL NAME why`, `# figure` lines.
"""
import socket
import sys
import threading
import time

from stress_lib import Ctl, Echoes, Flood, Results, rss_kib

RATE1 = 4000		# SYN/s of phase 1: 360 times what port 8080 can hold
			# (33 requests for 3 s), below what an ASan build takes
GAP1 = 1.0		# s without an echo when nothing is lost (rounds: 50 ms)
SILENT_MAX = 2.0	# s without the worker answering a control request: stuck
			# (one missed 100 ms answer on a loaded machine is not)
COOKIES = ("SyncookiesSent", "TCPReqQFullDoCookies", "OverloadSyncookies", "ListenDrops")
MBUF_MARGIN = 1024	# in flight: a burst per queue, the TX rings of af_packet
RSS_MARGIN_KIB = 32768	# tables and pools are preallocated: only first touches


def phase(r, c, bs_pid, flood, echoes, seconds):
    """Run @flood and the echo rounds for @seconds while sampling the
    tables, memory and whether the worker answers every half second: the
    counters' differences and the samples' maxima."""
    c0 = c.counters()
    th = [threading.Thread(target=e.run, args=(seconds,)) for e in echoes]
    flood.start()
    for t in th:
        t.start()
    samples = []
    stalls, last = 0.0, time.monotonic()	# the longest time without an answer
    while any(t.is_alive() for t in th):
        time.sleep(0.5)
        tb, m = c.tables(), c.memory()
        samples.append((tb["Requests"], m["mbufs"]["in_use"], rss_kib(bs_pid)))
        if c.workers_answer():
            last = time.monotonic()
        stalls = max(stalls, time.monotonic() - last)
    for t in th:
        t.join()
    sent = flood.join()
    c1 = c.counters()
    d = {k: c1[k] - c0[k] for k in c1}
    mx = [max(s[i] for s in samples) for i in range(3)]
    r.info("flood: %d SYNs in %.1f s = %.0f SYN/s sent; Backstop received %d frames "
           "(%.0f/s), sent %d SYN cookies (%.0f/s)" % (
               sent, flood.elapsed, sent / flood.elapsed, d["RxFrames"],
               d["RxFrames"] / flood.elapsed, d["SyncookiesSent"],
               d["SyncookiesSent"] / flood.elapsed))
    r.info("counted: TCPReqQFullDoCookies %d, OverloadSyncookies %d, ListenDrops %d" % (
        d["TCPReqQFullDoCookies"], d["OverloadSyncookies"], d["ListenDrops"]))
    r.info("sampled: requests %s; mbufs in use at most %d, resident at most %d KiB" % (
        " ".join(str(x[0]) for x in samples), mx[1], mx[2]))
    for e in echoes:
        r.info("echo rounds per connection: %s; longest wait %.2f s" % (
            " ".join(str(n) for n in e.done), max(e.gap)))
    return sent, d, mx, stalls


def main():
    bs_pid, ctl, sock, ifname, mac, seconds = sys.argv[1:7]
    bs_pid, seconds = int(bs_pid), float(seconds)
    r = Results()
    c = Ctl(ctl, sock)

    e4 = Echoes(12, 8080)
    e6 = Echoes(4, 8080, fam=socket.AF_INET6)
    e4.run(0.5)
    e6.run(0.2)
    t0, m0, rss0 = c.tables(), c.memory(), rss_kib(bs_pid)
    r.info("baseline: mbufs in use %d of %d, resident %d KiB, requests %d of %d" % (
        m0["mbufs"]["in_use"], m0["mbufs"]["size"], rss0, t0["Requests"], t0["RequestsMax"]))

    # 1. Port 8080 only, at a rate the worker keeps up with: its SYN queue
    # (backlog 32) overflows and cookies answer as Linux's would; the
    # request table never fills; nothing is lost on the link, so every
    # established connection echoes without a pause.
    r.info("phase 1: port 8080, %d SYN/s" % RATE1)
    sent, d, mx, stalls = phase(r, c, bs_pid, Flood(ifname, mac, (8080,), seconds / 2, pps=RATE1),
                                (e4, e6), seconds / 2)
    # (Requests last 3 s: each 3 s, 33 SYNs find room again.)
    r.check("flood1-rate", d["RxFrames"] >= 0.8 * sent and sent >= RATE1 * seconds / 4,
            "sent %d, received %d" % (sent, d["RxFrames"]))
    r.check("flood1-cookies-linux-queue",
            d["SyncookiesSent"] >= sent - 33 * (1 + int(seconds / 2 / 3)) and d["TCPReqQFullDoCookies"] == d["SyncookiesSent"]
            and d["OverloadSyncookies"] == 0, str({k: d[k] for k in COOKIES}))
    r.check("flood1-requests-bounded", mx[0] <= 33, "%d pending, backlog 32" % mx[0])
    for e, fam in ((e4, "ipv4"), (e6, "ipv6")):
        r.check("flood1-established-%s" % fam, not e.errors and max(e.gap) < GAP1,
                "errors %s gaps %s" % (e.errors[:3], ["%.2f" % g for g in e.gap]))
    r.check("flood1-worker-polling", stalls < SILENT_MAX, "no answer for %.1f s" % stalls)

    # 2. Both ports at full rate: more than the worker can receive, the
    # request table fills (Backstop's overload: cookies again). The link
    # drops what the worker cannot take, the flood's and the connections'
    # segments alike: the connections retransmit, none is lost.
    r.info("phase 2: ports 8080 and 8081, full rate")
    for e in (e4, e6):
        e.limit = 30.0	# a segment lost 5 times waits 6.2 s (RTO backoff)
    sent, d, mx, stalls = phase(r, c, bs_pid, Flood(ifname, mac, (8080, 8081), seconds / 2),
                                (e4, e6), seconds / 2)
    t_end = time.monotonic()
    r.check("flood2-rate", d["RxFrames"] >= 10 * t0["RequestsMax"],
            "received %d for a table of %d" % (d["RxFrames"], t0["RequestsMax"]))
    r.check("flood2-cookies-overload", d["OverloadSyncookies"] > 0 and
            d["SyncookiesSent"] >= d["RxFrames"] * 9 // 10, str({k: d[k] for k in COOKIES}))
    r.check("flood2-requests-bounded", mx[0] <= t0["RequestsMax"],
            "%d > %d" % (mx[0], t0["RequestsMax"]))
    r.check("flood-mbufs-bounded", mx[1] <= m0["mbufs"]["in_use"] + MBUF_MARGIN,
            "%d in use, baseline %d" % (mx[1], m0["mbufs"]["in_use"]))
    r.check("flood-rss-bounded", mx[2] <= rss0 + RSS_MARGIN_KIB,
            "%d KiB, baseline %d" % (mx[2], rss0))
    for e, fam in ((e4, "ipv4"), (e6, "ipv6")):
        r.check("flood2-established-%s" % fam, not e.errors and min(e.done) >= 1,
                "errors %s rounds %s" % (e.errors[:3], e.done))
    r.check("flood2-worker-polling", stalls < SILENT_MAX, "no answer for %.1f s" % stalls)
    for e, fam in ((e4, "ipv4"), (e6, "ipv6")):
        e.gap = [0.0] * len(e.gap)
        e.run(1.0)
        r.check("after-flood-established-%s" % fam, not e.errors and max(e.gap) < GAP1,
                "errors %s gaps %s" % (e.errors[:3], ["%.2f" % g for g in e.gap]))

    # The flood's effect ends: pending requests time out (SYN-ACK, one
    # retransmission after 1 s, given up 2 s later).
    while c.tables()["Requests"] != 0 and time.monotonic() < t_end + 10:
        time.sleep(0.2)
    drained = c.tables()["Requests"]
    r.info("request table drained %.1f s after the flood" % (time.monotonic() - t_end))
    r.check("after-flood-requests-drained", drained == 0, "%d pending" % drained)
    c2 = c.counters()
    time.sleep(0.5)
    c3 = c.counters()
    r.check("after-flood-cookies-stopped", c3["SyncookiesSent"] == c2["SyncookiesSent"],
            "%d more" % (c3["SyncookiesSent"] - c2["SyncookiesSent"]))
    e = Echoes(1, 8080)
    e.run(0.2)
    c4 = c.counters()
    r.check("after-flood-normal-handshake",
            not e.errors and e.done[0] >= 1 and c4["SyncookiesSent"] == c3["SyncookiesSent"]
            and c4["SyncookiesRecv"] == c3["SyncookiesRecv"]
            and c4["TcpPassiveOpens"] == c3["TcpPassiveOpens"] + 1,
            "errors %s, cookies sent %d, received %d, opens %d" % (
                e.errors, c4["SyncookiesSent"] - c3["SyncookiesSent"],
                c4["SyncookiesRecv"] - c3["SyncookiesRecv"],
                c4["TcpPassiveOpens"] - c3["TcpPassiveOpens"]))
    for x in (e, e4, e6):
        x.close()
    time.sleep(0.5)
    m1, rss1 = c.memory(), rss_kib(bs_pid)
    r.info("after: mbufs in use %d (baseline %d), resident %d KiB (baseline %d)" % (
        m1["mbufs"]["in_use"], m0["mbufs"]["in_use"], rss1, rss0))
    r.check("after-flood-mbufs-baseline", m1["mbufs"]["in_use"] <= m0["mbufs"]["in_use"],
            "%d in use, baseline %d" % (m1["mbufs"]["in_use"], m0["mbufs"]["in_use"]))
    return 0 if r.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
