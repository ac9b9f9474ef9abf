#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run dpdk-testpmd non-interactively for a fixed forwarding time.

    run_testpmd.py --duration D --timeout T --log LOG --json OUT -- CMD...

CMD is the whole testpmd command line (EAL and application options;
without -i). testpmd starts forwarding and waits on stdin ("Press enter
to exit"): stdin is a pipe that is never written, so it waits until this
helper sends SIGINT D seconds after that line, which stops forwarding and
prints the forward statistics. The forwarding time is measured from that
line to the signal (CLOCK_MONOTONIC).

OUT gets: tx_packets (port 1), rx_packets (port 0), fwd_s, mpps,
cycles_per_packet (testpmd --record-core-cycles: busy cycles only),
tsc_mhz, wall_cycles_per_packet (fwd_s * TSC / tx_packets), and the
worker thread's run_share/wait_share over the window (cpu_share.py).
"""
import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in scripts/bench
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpu_share  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds allowed for start-up and for shut-down")
    ap.add_argument("--log", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--worker", default="rte-worker-1",
                    help="the forwarding lcore's thread name")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no testpmd command")

    # Cleanup on TERM (timeout(1), the calling script) as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("run_testpmd: terminated"))
    log = open(a.log, "wb")
    p = subprocess.Popen(["stdbuf", "-oL", "-eL"] + cmd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % p.pid)
    buf = b""
    t_start = t_stop = None
    task = s0 = s1 = None
    deadline = time.monotonic() + a.timeout

    def kill():
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    try:
        fd = p.stdout.fileno()
        while True:
            now = time.monotonic()
            if t_start is not None and t_stop is None and now >= t_start + a.duration:
                if s0 is not None:
                    try:
                        s1 = cpu_share.sample(task)
                    except OSError:
                        pass
                p.send_signal(signal.SIGINT)
                t_stop = time.monotonic()
                deadline = t_stop + a.timeout
            if now > deadline:
                kill()
                sys.exit("run_testpmd: testpmd %s; see %s" % (
                    "did not start forwarding" if t_start is None else "did not stop",
                    a.log))
            wait = 0.5
            if t_start is not None and t_stop is None:
                wait = max(0.0, min(wait, t_start + a.duration - now))
            r, _, _ = select.select([fd], [], [], wait)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            log.write(chunk)
            buf += chunk
            if t_start is None and b"Press enter to exit" in buf:
                t_start = time.monotonic()
                task = cpu_share.find_thread(p.pid, a.worker)
                if task:
                    s0 = cpu_share.sample(task)
        rc = p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except BaseException:
        kill()
        raise
    finally:
        log.close()
    if t_start is None or t_stop is None:
        sys.exit("run_testpmd: testpmd exited (rc %s) before the run ended; see %s"
                 % (p.returncode, a.log))
    # SIGINT: testpmd re-raises it after its clean-up.
    if rc not in (0, -signal.SIGINT, 128 + signal.SIGINT):
        sys.exit("run_testpmd: testpmd exit status %s; see %s" % (rc, a.log))

    text = buf.decode(errors="replace")
    ports = {}
    for m in re.finditer(r"Forward statistics for port (\d+)\s+-+\s+"
                         r"RX-packets:\s+(\d+).*?TX-packets:\s+(\d+)", text, re.S):
        ports[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
    cyc = re.search(r"CPU cycles/packet=([\d.]+) \(total cycles=(\d+) / total \S+ "
                    r"packets=(\d+)\) at (\d+) MHz", text)
    if 1 not in ports or 0 not in ports or cyc is None:
        sys.exit("run_testpmd: no forward statistics in %s" % a.log)
    fwd_s = t_stop - t_start
    tx = ports[1][1]
    tsc_mhz = int(cyc.group(4))
    out = {
        "rx_packets": ports[0][0],
        "tx_packets": tx,
        "fwd_s": round(fwd_s, 4),
        "mpps": tx / fwd_s / 1e6,
        "cycles_per_packet": float(cyc.group(1)),
        "busy_cycles": int(cyc.group(2)),
        "tsc_mhz": tsc_mhz,
        "wall_cycles_per_packet": fwd_s * tsc_mhz * 1e6 / tx if tx else None,
    }
    if s0 is not None and s1 is not None:
        out.update(cpu_share.share(s0, s1))
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
