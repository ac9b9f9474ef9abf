#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Backstop packet suite: the malformed-input corpus (hostile_corpus.py)
through the real worker path on net_pcap.

    test_hostile.py BACKSTOP [WORKDIR]

Two runs of the whole corpus, in corpus order:

- "plain": no capture, the worker's ordinary frame handler. Every reply
  is compared byte for byte with the Linux formula, every other frame must
  get nothing; stats.json's drop and reset counters must equal, key by key,
  the sum of what the cases expect, and RxFrames, TxFrames, TcpOutRsts and
  TcpInCsumErrors exactly so.
- "capture": the same, with a capture of everything from start-up
  ([capture] filter all), which records each dropped frame with its drop
  reason and each reply with its reset reason in processing order. Walking
  it against the corpus checks, frame by frame, that each frame was counted
  under its expected reason exactly once (a frame with a reply: no drop
  record; a frame without: exactly one, with that reason).

In both: backstop exits 0 with no sanitizer report, and the mbuf pool's
in-use count at exit equals the count once the ports had started
(stats.json "mbufs": no frame leaked an mbuf).

Prints one line per failure, then "N passed, M failed"; exits 1 on
failure, 77 (skipped) without scapy.
"""

import os
import random
import shutil
import struct
import sys
import tempfile
import time

try:
    import test_stray as ts
    from hostile_corpus import corpus, outcome
except ImportError as e:
    print("hostile suite skipped: %s (%s)" % (sys.executable, e))
    sys.exit(77)

CAPTURE = """
[capture]
file = %s
filter = all
ring = 16384
mbufs = 16384
"""


def read_pcapng(path):
    """[(comment, direction, bytes)] of every Enhanced Packet Block."""
    with open(path, "rb") as f:
        data = f.read()
    out, off, e = [], 0, "<"
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from(e + "II", data, off)
        if btype == 0x0a0d0d0a:
            magic = data[off + 8:off + 12]
            e = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
            btype, blen = struct.unpack_from(e + "II", data, off)
        if blen < 12 or off + blen > len(data):
            raise ValueError("%s: bad block at %d" % (path, off))
        if btype == 6:
            caplen = struct.unpack_from(e + "I", data, off + 20)[0]
            pkt = data[off + 28:off + 28 + caplen]
            o = off + 28 + (caplen + 3) // 4 * 4
            comment, flags = None, None
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack_from(e + "HH", data, o)
                if code == 0:
                    break
                val = data[o + 4:o + 4 + olen]
                if code == 1:
                    comment = val.decode(errors="replace")
                elif code == 2:
                    flags = struct.unpack(e + "I", val)[0]
                o += 4 + (olen + 3) // 4 * 4
            out.append((comment, flags & 3 if flags is not None else None, pkt))
        off += blen
    return out


def check_capture(run, capfile, res):
    """Frame by frame: the capture's records follow the corpus order."""
    try:
        recs = read_pcapng(capfile)
    except (OSError, ValueError) as e:
        res.record("capture: readable pcapng", [str(e)])
        return
    res.record("capture: readable pcapng", [])
    i = 0
    errs_total = 0
    for c in run.cases:
        errs = []
        for e in c.exps:
            if e.kind == "drop":
                want = "drop: " + e.drop
                if i >= len(recs):
                    errs.append("no capture record left (want %r)" % want)
                    continue
                com, _, pkt = recs[i]
                i += 1
                if com != want:
                    errs.append("captured %r, want %r" % (com, want))
                elif not pkt or pkt[:14] != e.frame[:14] or len(pkt) > len(e.frame):
                    # (options such as record route are filled in before
                    # a later one is found bad: only L2 is compared)
                    errs.append("the drop record is not this frame")
            else:
                if i >= len(recs):
                    errs.append("no capture record left (want the reply)")
                    continue
                com, _, pkt = recs[i]
                i += 1
                if not (com or "").startswith("reset: "):
                    errs.append("captured %r, want a reset" % com)
        if errs:
            errs_total += 1
        res.record("capture: " + c.name, errs)
    res.record("capture: no extra records", ["%d records past the corpus: %r" % (
        len(recs) - i, [r[0] for r in recs[i:i + 5]])] if i != len(recs) else [])


def check_mbufs(run, res):
    m = (run.stats or {}).get("mbufs")
    if not isinstance(m, dict):
        res.record(run.name + ": stats.json mbufs", ["no mbufs map"])
        return
    res.record(run.name + ": mbufs back to baseline",
               [] if m.get("in_use") == m.get("in_use_start") and m.get("size", 0) > 0 else
               ["in use %s at exit, %s at start (of %s)" % (m.get("in_use"), m.get("in_use_start"),
                                                           m.get("size"))])


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: %s BACKSTOP [WORKDIR]" % sys.argv[0], file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    seed = int(os.environ.get("BACKSTOP_PKT_SEED", "0")) or random.SystemRandom().randint(1, 2 ** 31)
    print("hostile suite: seed %d (BACKSTOP_PKT_SEED=%d reproduces it)" % (seed, seed))
    t0 = time.monotonic()
    keep = len(sys.argv) == 3
    workdir = os.path.abspath(sys.argv[2]) if keep else tempfile.mkdtemp(prefix="bs-hostile-")
    os.makedirs(workdir, exist_ok=True)
    ts.RUN_DURATION_S = 2
    try:
        cases, hostile = corpus(ts.Builder(ts.DEFAULT_PORT_MAC, seed))
        frames = sum(len(c.exps) for c in cases)
        drops = sum(1 for c in cases for e in c.exps if e.kind == "drop")
        print("corpus: %d hostile cases + %d flag cases, %d frames (%d to be dropped, %d answered)" % (
            hostile, len(cases) - hostile, frames, drops, frames - drops))
        res = ts.Results()
        for name in ("plain", "capture"):
            run = ts.Run(name, [], cases, workdir)
            os.makedirs(run.dir, exist_ok=True)
            conf = os.path.join(run.dir, "backstop.conf")
            capfile = os.path.join(run.dir, "all.pcapng")
            with open(conf, "w") as f:
                f.write(ts.CONFIG + (CAPTURE % capfile if name == "capture" else ""))
            ts.run_backstop(binary, run, conf)
            print("run %s: %d frames in, %s out, %.1f s" % (
                name, frames, len(run.out) if run.out is not None else "?", run.elapsed))
            res.record(name + ": port MAC", [] if run.mac == ts.DEFAULT_PORT_MAC else
                       ["port MAC %s, frames were built for %s" % (run.mac, ts.DEFAULT_PORT_MAC)])
            ts.check_run(run, res)
            check_mbufs(run, res)
            if name == "capture":
                check_capture(run, capfile, res)
        print("total time %.1f s" % (time.monotonic() - t0))
        print("%d passed, %d failed" % (res.passed, res.failed))
        return 1 if res.failed else 0
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
