# SPDX-License-Identifier: BSD-3-Clause
"""The frame of scripts/bench: a context (paths, options, the commands
run), one Item per section with its figures, the table on screen and the
JSON file.

An item's figures are rows (key, label, value, unit, target); key is the
figure's name in the JSON (also flat under "figures", and the stray
item's ratio under its historical top-level name rst_vs_5tswap_ratio).
An item that could not be measured says why in its note and has no
figures: a missing figure is never replaced by a made-up one.
"""
import json
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import time

MEASURED, NOT_MEASURED, FAILED = "measured", "not measured", "failed"


class Figure:
    """One row of the table. target: (op, bound, text) or None; op is
    ">=" or "<="; bound the value the figure must reach."""

    def __init__(self, key, label, value, unit="", target=None, note=""):
        self.key, self.label, self.value, self.unit = key, label, value, unit
        self.target, self.note = target, note

    def met(self):
        if self.target is None or self.value is None:
            return None
        op, bound = self.target[0], self.target[1]
        return self.value >= bound if op == ">=" else self.value <= bound

    def as_json(self):
        out = {"label": self.label, "value": self.value, "unit": self.unit}
        if self.target is not None:
            out["target"] = "%s %s" % (self.target[0], self.target[2])
            out["met"] = self.met()
        if self.note:
            out["note"] = self.note
        return out


class Item:
    def __init__(self, name, number, title):
        self.name, self.number, self.title = name, number, title
        self.status = MEASURED
        self.note = ""
        self.figures = []
        self.commands = []
        self.verified = 0
        self.mismatches = 0
        self.details = {}
        self.seconds = 0.0

    def command(self, text):
        """Record a command line of this item, and print it."""
        self.commands.append(text)
        print("    $ " + text.replace("\n", "\n      "), flush=True)

    def add(self, *args, **kw):
        f = Figure(*args, **kw)
        self.figures.append(f)
        return f

    def value(self, key):
        for f in self.figures:
            if f.key == key:
                return f.value
        return None

    def skip(self, why):
        self.status, self.note = NOT_MEASURED, why
        return self

    def fail(self, why):
        self.status, self.note = FAILED, why
        return self

    def as_json(self):
        return {
            "number": self.number, "title": self.title, "status": self.status,
            "note": self.note, "figures": {f.key: f.as_json() for f in self.figures},
            "commands": self.commands, "verified_replies": self.verified,
            "mismatches": self.mismatches, "details": self.details,
            "seconds": round(self.seconds, 1),
        }


class ItemError(Exception):
    """A section that cannot go on: the item is marked failed with this."""


class Context:
    """What every item needs: paths, options, a work directory, and a
    runner that records and bounds every command."""

    def __init__(self, root, opts, work):
        self.root, self.opts, self.work = root, opts, work
        self.py = "/usr/bin/python3"
        self.lib = os.path.join(root, "scripts", "benchlib")
        self.items = {}

    def path(self, name):
        return os.path.join(self.work, name)

    def run(self, item, cmd, timeout, log=None, echo=True, env=None):
        """Run cmd (a list) to its end within timeout seconds, its output
        streamed (indented) and kept in log; recorded in item.commands.
        @return (exit status, output)"""
        item.command(" ".join(shlex.quote(c) for c in cmd))
        out = []
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        deadline = time.monotonic() + timeout
        try:
            for line in iter(p.stdout.readline, b""):
                s = line.decode(errors="replace").rstrip("\n")
                out.append(s)
                if echo:
                    print("    " + s, flush=True)
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(cmd, timeout)
            rc = p.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            stop_group(p)
            out.append("bench: %s: no end within %d s, stopped" % (cmd[0], timeout))
            rc = 124
        except BaseException:
            stop_group(p)
            raise
        if log:
            with open(log, "w") as f:
                f.write("\n".join(out) + "\n")
        return rc, "\n".join(out)


def stop_group(p):
    """TERM, then KILL, the process group of p (started with a new
    session), and reap it."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            break
        try:
            p.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def machine(root, backstop):
    """Machine, DPDK, kernel and Backstop versions, printed and recorded."""
    cpu = re.search(r"^model name\s*:\s*(.*)$", read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)", read("/proc/meminfo"), re.M)
    rev = tool_version(["git", "-C", root, "describe", "--always", "--dirty"])
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
        "cpu": cpu.group(1) if cpu else "unknown",
        "cpus": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 1048576, 1) if mem else None,
        "kernel": platform.release(),
        "kernel_version": platform.version(),
        "dpdk": tool_version(["pkg-config", "--modversion", "libdpdk"]),
        "backstop": tool_version([backstop, "--version"]),
        "backstop_path": backstop,
        "revision": rev,
        "python": platform.python_version(),
    }


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        a = abs(v)
        return "%.3f" % v if a < 10 else "%.1f" % v if a < 10000 else "%.0f" % v
    return str(v)


def print_table(m, items, out=sys.stdout):
    w = out.write
    w("\nBackstop benchmark suite: %s, %s CPUs, %s GiB; kernel %s; DPDK %s; %s (%s)\n" % (
        m["cpu"], m["cpus"], m["memory_gib"], m["kernel"], m["dpdk"], m["backstop"],
        m["revision"]))
    w("%-3s %-58s %12s %-8s %-16s %s\n" % ("#", "figure", "value", "unit", "target", "met"))
    w("-" * 104 + "\n")
    for it in items:
        head = "%s %s" % (it.title, "" if it.status == MEASURED else "[%s]" % it.status)
        w("%-3s %s\n" % (it.number, head))
        for line in wrap(it.note, 96):
            w("      %s\n" % line)
        for f in it.figures:
            met = f.met()
            w("%-3s   %-56s %12s %-8s %-16s %s\n" % (
                "", f.label[:56], fmt(f.value), f.unit,
                ("%s %s" % (f.target[0], f.target[2])) if f.target else "",
                "" if met is None else "yes" if met else "NO"))
        if it.status == MEASURED and it.verified:
            w("      verified %d replies, %d mismatches\n" % (it.verified, it.mismatches))
    total = sum(it.mismatches for it in items)
    w("-" * 104 + "\n")
    w("mismatches %d (every reply verified must be right: 0)\n" % total)


def wrap(text, width):
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = (line + " " + word).strip()
    if line:
        out.append(line)
    return out


def write_json(path, m, opts, items):
    figures = {}
    for it in items:
        for f in it.figures:
            figures[f.key] = f.value
    doc = {
        "suite": "backstop-bench",
        "version": 1,
        "machine": m,
        "options": opts,
        "items": {it.name: it.as_json() for it in items},
        "figures": figures,
        "mismatches": sum(it.mismatches for it in items),
        "verified_replies": sum(it.verified for it in items),
        "commands": [c for it in items for c in it.commands],
    }
    if "rst_vs_5tswap_ratio" in figures:
        doc["rst_vs_5tswap_ratio"] = figures["rst_vs_5tswap_ratio"]
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
