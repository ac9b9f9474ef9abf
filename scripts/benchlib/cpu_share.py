#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""How much of a window did a DPDK worker thread really run?

    cpu_share.py --root PID [--comm rte-worker-1] [--log LOG --after TEXT]
                 [--skip S] --window W --json OUT
    cpu_share.py --root PID [--comm ...] [--log LOG --after TEXT] --tid

Finds the thread named --comm in PID or its descendants, waits (if --log)
until TEXT appears in LOG, then --skip seconds, and samples the thread's
/proc/.../schedstat over --window seconds: run_share is the fraction of
the window it ran, wait_share the fraction it was runnable but waiting
for the CPU (another task on the worker's core). A busy-polling worker
alone on its core has run_share ~1.0 and wait_share ~0.0; anything less
means the machine was not quiet and the figures of that run are low.
With --tid, print the thread's ID (for perf report --tid) and exit.
"""
import argparse
import json
import os
import sys
import time


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def find_thread(root, comm):
    """@return /proc path of the thread called comm under root, or None"""
    for p in descendants(root):
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tasks:
            d = "/proc/%d/task/%s" % (p, t)
            try:
                with open(d + "/comm") as f:
                    if f.read().strip() == comm:
                        return d
            except OSError:
                pass
    return None


def cpu_times():
    """@return {cpu: (busy ticks, steal ticks, all ticks)} from /proc/stat"""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            w = line.split()
            if not w[0].startswith("cpu") or w[0] == "cpu":
                continue
            v = [int(x) for x in w[1:9]]    # user nice system idle iowait irq softirq steal
            out[int(w[0][3:])] = (v[0] + v[1] + v[2] + v[5] + v[6], v[7], sum(v))
    return out


def task_cpu(task):
    with open(task + "/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[36])


def sample(task):
    """@return (monotonic ns, run ns, wait ns, CPU, /proc/stat times)"""
    with open(task + "/schedstat") as f:
        run, wait, _ = (int(x) for x in f.read().split())
    return time.monotonic_ns(), run, wait, task_cpu(task), cpu_times()


def share(a, b):
    """run_share, wait_share: of the thread; steal_share: of its CPU (the
    hypervisor ran something else); other_cpus_busy: how busy the other
    CPUs were (this process's control thread sleeps: ~0 when quiet)."""
    wall = b[0] - a[0]
    out = {"window_s": round(wall / 1e9, 3),
           "run_share": round((b[1] - a[1]) / wall, 4),
           "wait_share": round((b[2] - a[2]) / wall, 4),
           "cpu": b[3]}
    d = {c: [y - x for x, y in zip(a[4][c], b[4][c])] for c in b[4] if c in a[4]}
    if b[3] in d and d[b[3]][2] > 0:
        out["steal_share"] = round(d[b[3]][1] / d[b[3]][2], 4)
    others = [v for c, v in d.items() if c != b[3] and v[2] > 0]
    if others:
        out["other_cpus_busy"] = round(sum(v[0] for v in others) / sum(v[2] for v in others), 4)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=int, required=True)
    ap.add_argument("--comm", default="rte-worker-1")
    ap.add_argument("--log")
    ap.add_argument("--after")
    ap.add_argument("--skip", type=float, default=0.5)
    ap.add_argument("--window", type=float)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--json")
    ap.add_argument("--tid", action="store_true")
    a = ap.parse_args()
    if not a.tid and (a.window is None or a.json is None):
        ap.error("--window and --json, or --tid")
    deadline = time.monotonic() + a.timeout
    task = None
    while time.monotonic() < deadline:
        ready = True
        if a.log and a.after:
            try:
                with open(a.log, errors="replace") as f:
                    ready = a.after in f.read()
            except OSError:
                ready = False
        if ready:
            task = find_thread(a.root, a.comm)
            if task:
                break
        time.sleep(0.05)
    if task is None:
        sys.exit("cpu_share: no thread '%s' under PID %d" % (a.comm, a.root))
    if a.tid:
        print(os.path.basename(task))
        return
    time.sleep(a.skip)
    try:
        s0 = sample(task)
        time.sleep(a.window)
        s1 = sample(task)
    except OSError as e:
        sys.exit("cpu_share: %s ended before the window did (%s)" % (task, e))
    with open(a.json, "w") as f:
        json.dump(share(s0, s1), f)


if __name__ == "__main__":
    main()
