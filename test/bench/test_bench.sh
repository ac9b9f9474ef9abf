#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench suite: scripts/bench's plumbing on a tiny run, so that it cannot
# rot between measured runs: argument errors, one Backstop/testpmd pair of
# item 1 (64 segments, 0.3 s, every reply verified), item 4's memory
# accounting, the items that need backstop-gen or more CPUs reported as
# such, and the JSON's shape; the TRex profiles parse and import only
# TRex's API, and scripts/pktgen/stray.sh writes its command file. Not a
# measurement (no figure is checked against a target).
#
# usage: test_bench.sh BACKSTOP
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BACKSTOP=$1
TMP=$(mktemp -d /tmp/test-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Bad arguments: one line, exit status 2, nothing run.
for bad in "--only nope" "--runs 0" "--duration x" "--skip stray,bogus"; do
	rc=0
	# shellcheck disable=SC2086
	"$ROOT/scripts/bench" --backstop "$BACKSTOP" $bad >"$TMP/err" 2>&1 || rc=$?
	if [ "$rc" != 2 ] || [ "$(wc -l <"$TMP/err")" != 1 ]; then
		echo "FAIL: scripts/bench $bad: exit status $rc, output:"; cat "$TMP/err"; exit 1
	fi
done
echo "ok: bad arguments refused"

# The profiles for real NICs cannot run here (no TRex, no pktgen): they
# must at least parse, and import nothing but TRex's API (and the scapy
# TRex bundles) beside the standard library; stray.sh must write a .pkt.
/usr/bin/python3 - "$ROOT"/scripts/trex/*.py <<'PY'
import ast, sys
ok = {"argparse", "os", "trex.stl.api", "trex.astf.api", "scapy.layers.inet6"}
for p in sys.argv[1:]:
    tree = ast.parse(open(p).read(), p)
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    if mods - ok:
        sys.exit("FAIL: %s imports %s" % (p, sorted(mods - ok)))
    if not any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in tree.body):
        sys.exit("FAIL: %s has no register()" % p)
print("ok: %d TRex profiles parse, TRex API imports only" % len(sys.argv[1:]))
PY
"$ROOT/scripts/pktgen/stray.sh" --mac 02:70:63:61:70:00 --kind fin --out "$TMP/pg" >/dev/null
if ! grep -qx 'range 0 tcp flags fin,ack' "$TMP/pg/stray.pkt" ||
		! grep -qx 'enable 0 range' "$TMP/pg/stray.pkt"; then
	echo "FAIL: scripts/pktgen/stray.sh"; cat "$TMP/pg/stray.pkt"; exit 1
fi
echo "ok: pktgen command file"

timeout -k 5 90 "$ROOT/scripts/bench" --tiny --only stray,synack,cps,conc,scaling --gen /nonexistent \
	--backstop "$BACKSTOP" --json "$TMP/bench.json" >"$TMP/out" 2>&1 ||
	{ echo "FAIL: scripts/bench --tiny"; tail -30 "$TMP/out"; exit 1; }
grep -q '^mismatches 0 ' "$TMP/out" || { echo "FAIL: no 'mismatches 0' line"; tail -30 "$TMP/out"; exit 1; }

/usr/bin/python3 - "$TMP/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def check(cond, what):
    if not cond:
        sys.exit("FAIL: %s" % what)
for k in ("cpu", "cpus", "kernel", "dpdk", "backstop", "revision", "date"):
    check(d["machine"].get(k), "machine.%s" % k)
check(d["mismatches"] == 0, "mismatches %r" % d["mismatches"])
check(set(d["items"]) == {"stray", "synack", "cps", "conc", "scaling"},
      "items %s" % sorted(d["items"]))
s = d["items"]["stray"]
check(s["status"] == "measured", "stray: %s %s" % (s["status"], s["note"]))
check(s["verified_replies"] == 64 and s["mismatches"] == 0,
      "stray: %d verified, %d mismatches" % (s["verified_replies"], s["mismatches"]))
for k in ("stray_rst_mpps", "stray_rst_cycles_per_reply", "testpmd_5tswap_mpps",
          "rst_vs_5tswap_ratio"):
    check(s["figures"][k]["value"] > 0, "stray figure %s" % k)
check(d["rst_vs_5tswap_ratio"] == s["figures"]["rst_vs_5tswap_ratio"]["value"],
      "top-level rst_vs_5tswap_ratio")
check(s["figures"]["rst_vs_5tswap_ratio"]["target"] == ">= 0.8", "ratio's target")
check(any("bench-stray.sh" in c for c in s["commands"]), "stray's command recorded")
y = d["items"]["synack"]
check(y["status"] == "measured", "synack: %s %s" % (y["status"], y["note"]))
check(y["verified_replies"] == 128 and y["mismatches"] == 0,
      "synack: %d verified, %d mismatches" % (y["verified_replies"], y["mismatches"]))
f = {k: v["value"] for k, v in y["figures"].items()}
for k in ("synack_cookie_cycles_per_reply", "synack_cookie_vs_rst_ratio",
          "synack_cookie_hash_cycles", "synack_cookie_vs_rst_ceiling"):
    check(f.get(k, 0) > 0, "synack figure %s" % k)
# item 1's cycles per RST and the hashes' give the ceiling
rst = s["figures"]["stray_rst_cycles_per_reply"]["value"]
check(abs(f["synack_cookie_vs_rst_ceiling"] - rst / (rst + f["synack_cookie_hash_cycles"]))
      < 1e-9, "ceiling's formula")
check(any("bench_secure --burst" in c for c in y["commands"]), "hash command recorded")
c = d["items"]["conc"]
check(c["figures"]["bytes_per_established"]["value"] <= 128, "bytes per connection")
check(c["figures"]["bytes_per_time_wait"]["value"] <= 64, "bytes per TIME_WAIT entry")
check(c["details"]["connections"] == 1000000, "memory run's size")
g = d["items"]["cps"]
check(g["status"] == "not measured" and "backstop-gen" in g["note"] and not g["figures"],
      "cps without a generator: %s" % g)
check(d["figures"]["stray_rst_mpps"] == s["figures"]["stray_rst_mpps"]["value"], "flat figures")
check(len(d["commands"]) >= 2, "commands")
print("ok: JSON: %d items, %d figures, %d verified replies, 0 mismatches"
      % (len(d["items"]), len(d["figures"]), d["verified_replies"]))
PY
echo "PASS"
