#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarise scripts/bench-stray.sh runs: medians, table, JSON.

    report.py [--kind rst|synack-cookie|synack] --bs BS1.json,...
              [--tp TP1.json,...] [--json OUT] [--meta KEY=VALUE]...

BSn.json: Backstop's --stats-json; TPn.json: run_testpmd.py's output
(none: no testpmd runs, no ratio). --kind rst counts RSTs (the resets per
reason must sum to TcpOutRsts); the SYN-ACK kinds count every frame sent
(TxFrames), which must all be SYN-ACKs: no RST, and with synack-cookie
SyncookiesSent equal to them, with synack none.
"""
import argparse
import json
import os
import statistics
import sys


def count_replies(path, s, kind):
    """@return the replies of a run, after checking they are of the kind"""
    c = s["counters"]
    if kind == "rst":
        replies = sum(s["resets"].values())
        if replies != c["TcpOutRsts"]:
            sys.exit("report: %s: resets %d != TcpOutRsts %d" % (path, replies, c["TcpOutRsts"]))
        if replies == 0:
            sys.exit("report: %s: no resets sent" % path)
        return replies
    replies = c["TxFrames"]
    cookies = c["SyncookiesSent"]
    if replies == 0 or c["TcpOutRsts"] != 0:
        sys.exit("report: %s: %d frames sent, %d RSTs" % (path, replies, c["TcpOutRsts"]))
    if cookies != (replies if kind == "synack-cookie" else 0):
        sys.exit("report: %s: %d SYN cookies in %d SYN-ACKs" % (path, cookies, replies))
    return replies


def backstop_run(path, kind):
    with open(path) as f:
        s = json.load(f)
    replies = count_replies(path, s, kind)
    w = s["workers"][0]
    up, hz = s["uptime_s"], s["tsc_hz"]
    cpu = {}
    share = os.path.splitext(path)[0] + ".cpu.json"
    if os.path.exists(share):
        with open(share) as f:
            cpu = json.load(f)
    return dict(cpu, **{
        "replies": replies,
        "rx": s["counters"]["RxFrames"],
        "tx": s["counters"]["TxFrames"],
        "drops": sum(s["drops"].values()),
        "uptime_s": up,
        "tsc_hz": hz,
        "busy_cycles": w["busy_cycles"],
        "busy_polls": w["busy_polls"],
        "mpps": replies / up / 1e6,
        "cycles_per_reply": w["busy_cycles"] / replies,
        "wall_cycles_per_reply": up * hz / replies,
        "burst_avg": w["rx"] / w["busy_polls"] if w["busy_polls"] else 0.0,
    })


def testpmd_run(path):
    with open(path) as f:
        return json.load(f)


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=("rst", "synack-cookie", "synack"), default="rst")
    ap.add_argument("--bs", required=True)
    ap.add_argument("--tp", default="")
    ap.add_argument("--json")
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("--min-cpu", type=float, default=97,
                    help="runs whose worker had less of its CPU (%%) are flagged")
    a = ap.parse_args()

    bs = [backstop_run(p, a.kind) for p in a.bs.split(",")]
    tp = [testpmd_run(p) for p in a.tp.split(",") if p]
    if not tp:
        return report_alone(a, bs)
    m = {
        "backstop_mpps": med(bs, "mpps"),
        "backstop_cycles_per_reply": med(bs, "cycles_per_reply"),
        "backstop_wall_cycles_per_reply": med(bs, "wall_cycles_per_reply"),
        "testpmd_5tswap_mpps": med(tp, "mpps"),
        "testpmd_5tswap_cycles_per_packet": med(tp, "cycles_per_packet"),
        "testpmd_5tswap_wall_cycles_per_packet": med(tp, "wall_cycles_per_packet"),
    }
    m["rst_vs_5tswap_ratio"] = m["backstop_mpps"] / m["testpmd_5tswap_mpps"]
    m["rst_vs_5tswap_cycles_ratio"] = (m["testpmd_5tswap_cycles_per_packet"] /
                                      m["backstop_cycles_per_reply"])

    def pct(r):
        return "%5.1f" % (100 * r["run_share"]) if "run_share" in r else "    ?"

    print()
    print("%-4s  %13s %9s %9s %5s   %13s %9s %9s %5s" % (
        "run", "Backstop Mpps", "cyc/rply", "wall cyc", "cpu%",
        "5tswap Mpps", "cyc/pkt", "wall cyc", "cpu%"))
    for i, (b, t) in enumerate(zip(bs, tp)):
        print("%-4d  %13.2f %9.1f %9.1f %5s   %13.2f %9.1f %9.1f %5s" % (
            i + 1, b["mpps"], b["cycles_per_reply"], b["wall_cycles_per_reply"], pct(b),
            t["mpps"], t["cycles_per_packet"], t["wall_cycles_per_packet"], pct(t)))
    print("%-4s  %13.2f %9.1f %9.1f %5s   %13.2f %9.1f %9.1f" % (
        "med", m["backstop_mpps"], m["backstop_cycles_per_reply"],
        m["backstop_wall_cycles_per_reply"], "", m["testpmd_5tswap_mpps"],
        m["testpmd_5tswap_cycles_per_packet"], m["testpmd_5tswap_wall_cycles_per_packet"]))
    print("(cyc/rply, cyc/pkt: the worker's busy TSC cycles per frame; wall cyc: run\n"
          " time x TSC / frames; cpu%: the share of the run the worker thread was on\n"
          " its CPU; below ~98 another task shared the core and that run reads low)")

    def busy(runs):
        return ", ".join("%.0f%%" % (100 * r["other_cpus_busy"]) if "other_cpus_busy" in r
                         else "?" for r in runs)
    print("the other CPU(s) were busy: %s (Backstop runs), %s (testpmd runs)" %
          (busy(bs), busy(tp)))
    print()
    print("rst_vs_5tswap_ratio        %.3f  (Backstop Mpps / testpmd 5tswap Mpps)" %
          m["rst_vs_5tswap_ratio"])
    print("rst_vs_5tswap_cycles_ratio %.3f  (5tswap cycles/packet / Backstop cycles/reply)" %
          m["rst_vs_5tswap_cycles_ratio"])
    disturbed = sum(1 for r in bs + tp if r.get("run_share", 1.0) * 100 < a.min_cpu)
    if disturbed:
        print("\nWARNING: in %d of %d runs the worker had less than %g %% of its CPU (another\n"
              "task ran there): these figures and the ratio are not reliable. Run again on a\n"
              "quiet machine, or with --worker-cpu 0 if something busy-polls CPU 1."
              % (disturbed, len(bs) + len(tp), a.min_cpu))

    if a.json:
        write_json(a, {"medians": m, "backstop_runs": bs, "testpmd_runs": tp,
                       "disturbed_runs": disturbed, "min_cpu_pct": a.min_cpu}, m)


def report_alone(a, bs):
    """Backstop runs without a reference (--kind synack...)."""
    m = {
        "backstop_mpps": med(bs, "mpps"),
        "backstop_cycles_per_reply": med(bs, "cycles_per_reply"),
        "backstop_wall_cycles_per_reply": med(bs, "wall_cycles_per_reply"),
    }
    print()
    print("%-4s  %13s %9s %9s %5s" % ("run", "Backstop Mpps", "cyc/rply", "wall cyc", "cpu%"))
    for i, b in enumerate(bs):
        print("%-4d  %13.2f %9.1f %9.1f %5s" % (
            i + 1, b["mpps"], b["cycles_per_reply"], b["wall_cycles_per_reply"],
            "%5.1f" % (100 * b["run_share"]) if "run_share" in b else "    ?"))
    print("%-4s  %13.2f %9.1f %9.1f" % ("med", m["backstop_mpps"],
                                        m["backstop_cycles_per_reply"],
                                        m["backstop_wall_cycles_per_reply"]))
    print("(%s: Mpps of replies sent; cyc/rply: the worker's busy TSC cycles per reply)" % a.kind)
    disturbed = sum(1 for r in bs if r.get("run_share", 1.0) * 100 < a.min_cpu)
    if disturbed:
        print("\nWARNING: in %d of %d runs the worker had less than %g %% of its CPU: these\n"
              "figures are not reliable." % (disturbed, len(bs), a.min_cpu))
    if a.json:
        write_json(a, {"medians": m, "backstop_runs": bs, "disturbed_runs": disturbed,
                       "min_cpu_pct": a.min_cpu}, m)


def write_json(a, out, m):
    out.update(m)
    for kv in a.meta:
        k, _, v = kv.partition("=")
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
