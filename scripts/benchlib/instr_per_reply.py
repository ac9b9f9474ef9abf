#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per reply, by object, from a callgrind run of Backstop.

    instr_per_reply.py CALLGRIND_OUT REPLIES [OBJECT_SUBSTRING...]

CALLGRIND_OUT is a `valgrind --tool=callgrind --dump-instr=yes` output;
REPLIES the run's TcpOutRsts. Prints, for each object whose path contains
one of the substrings (default: every object), its instructions per reply,
counting only the instructions that ran at least 0.2 times per reply: the
per-packet path, without start-up and shut-down. Used by
scripts/bench-instr.sh.
"""
import collections
import re
import sys


def per_address(path):
    """Self instruction counts by (object, address); calls' inclusive
    costs skipped. Positions are `instr line` (--dump-instr=yes), absolute
    or relative to the previous one."""
    names, cost = {}, collections.Counter()
    ob, skip, last = None, False, 0
    for line in open(path, errors="replace"):
        m = re.match(r"(c?ob)=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                names[m.group(2)] = m.group(3).strip()
            if m.group(1) == "ob":
                ob = names.get(m.group(2))
            continue
        if line.startswith("calls="):
            skip = True
            continue
        if not line or not (line[0].isdigit() or line[0] in "+-*"):
            continue
        parts = line.split()
        pos = parts[0]
        if pos.startswith("0x"):
            last = int(pos, 16)
        elif pos[0] in "+-":
            step = int(pos[1:], 16) if pos[1:].startswith("0x") else int(pos[1:])
            last = last + step if pos[0] == "+" else last - step
        elif pos != "*":
            last = int(pos)
        if skip:
            skip = False
            continue
        if ob is not None and len(parts) >= 3:
            cost[(ob, last)] += int(parts[2])
    return cost


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    replies = int(sys.argv[2])
    subs = sys.argv[3:]
    cost = collections.Counter()
    for (ob, _), n in per_address(sys.argv[1]).items():
        if n >= 0.2 * replies:
            cost[ob] += n
    for ob, n in cost.most_common():
        if subs and not any(s in ob for s in subs):
            continue
        if n / replies >= 0.05:
            print("%8.1f  %s" % (n / replies, ob))


if __name__ == "__main__":
    main()
