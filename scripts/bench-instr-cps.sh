#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-instr-cps.sh: instructions per complete short connection, exact,
# under callgrind (docs/performance.md, "Short connections (item 3)").
# Backstop runs under callgrind as the memif server with http and echo
# listeners (scripts/bench's item 3 configuration); backstop-gen, natively,
# opens --count short connections, --concurrency at once, and checks every
# reply byte. Only Backstop's frame handling and applications are counted
# (--toggle-collect on rx_burst_plain, the worker's RX burst handler, and
# tcp_accept_run, the accept turn that runs the applications): no drivers,
# no poll loop. The figure is those instructions over TcpPassiveOpens; the
# frames per connection (4 in, 4 out for both applications) show that no
# segment was sent again. The generator's retransmission time is 20 s: at
# its default (200 ms) the first connections, while valgrind translates
# the code, are retransmitted and some give up. BICPS_KEEP_TMP=1 keeps
# the run's directory (logs, statistics).
# Needs valgrind (apt-get install valgrind). Not a timing benchmark: the
# counts do not depend on the machine's load.
#
# usage: scripts/bench-instr-cps.sh [--count N] [--concurrency N] [--app http|echo|both]
#                                   [--keep FILE] [BACKSTOP]
#   default BACKSTOP: build/app/backstop/backstop (backstop-gen is taken from
#   the same build); --count: connections per application (default 10000);
#   --concurrency: connections at once (default 64); --keep: keep the
#   callgrind output(s) as FILE.APP (callgrind_annotate FILE.APP)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
COUNT=10000
CONC=64
APPS=(http echo)
KEEP=
BIN=
while [ $# -gt 0 ]; do
	case $1 in
	--count) COUNT=$2; shift 2 ;;
	--concurrency) CONC=$2; shift 2 ;;
	--app) [ "$2" = both ] && APPS=(http echo) || APPS=("$2"); shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	-h | --help) sed -n '/^# usage:/,/^set /s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
	*) BIN=$1; shift ;;
	esac
done
for a in "${APPS[@]}"; do
	[[ $a =~ ^(http|echo)$ ]] || { echo "bench-instr-cps: --app: http, echo or both" >&2; exit 2; }
done
[ -n "$BIN" ] || BIN="$ROOT/build/app/backstop/backstop"
GEN=$(dirname "$BIN")/../backstop-gen/backstop-gen
[ -x "$BIN" ] && [ -x "$GEN" ] || { echo "bench-instr-cps: $BIN or $GEN missing" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench-instr-cps: valgrind not found (apt-get install valgrind)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/bench-instr-cps.XXXXXX)
BSPID=
cleanup() {
	[ -z "$BSPID" ] || kill -KILL "$BSPID" 2>/dev/null || true
	[ -n "${BICPS_KEEP_TMP:-}" ] || rm -rf "$TMP"
	rm -rf /var/run/dpdk/bicps-$$ /var/run/dpdk/bicps-gen-$$
}
trap cleanup EXIT
# The configuration of scripts/bench's item 3 (scripts/benchlib/conn.py).
"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import conn; print(conn.cps_conf(), end="")' \
	"$ROOT/scripts/benchlib" >"$TMP/bench.conf"

for app in "${APPS[@]}"; do
	rm -f "$TMP/stats.json" "$TMP/gen.json" "$TMP/sock"
	timeout -k 600 1800 valgrind --tool=callgrind --toggle-collect='rx_burst_plain*' \
		--toggle-collect=tcp_accept_run --callgrind-out-file="$TMP/cg.out" "$BIN" -l 0,1 \
		--no-huge -m 1024 --no-pci --file-prefix "bicps-$$" \
		--vdev=net_memif0,role=server,socket="$TMP/sock",mac=02:00:00:00:00:02 -- --config "$TMP/bench.conf" \
		--stats-json "$TMP/stats.json" --set control.socket= --set control.prometheus= \
		>"$TMP/log" 2>&1 &
	BSPID=$!
	for _ in $(seq 600); do
		grep -qs 'backstop: running' "$TMP/log" && break
		kill -0 "$BSPID" 2>/dev/null || break
		sleep 0.2
	done
	grep -qs 'backstop: running' "$TMP/log" ||
		{ echo "bench-instr-cps: Backstop did not start:" >&2; tail -5 "$TMP/log" >&2; exit 1; }
	rc=0
	timeout -k 5 1200 "$GEN" -l 0 --no-huge -m 1024 --no-pci --file-prefix "bicps-gen-$$" \
		--vdev=net_memif0,role=client,socket="$TMP/sock" -- --mode "$app" --rate 0 \
		--dst-mac 02:00:00:00:00:02 --count "$COUNT" --concurrency "$CONC" --timeout-ms 120000 --rto-ms 20000 --drain-ms 1000 \
		--json "$TMP/gen.json" --quiet >"$TMP/gen.log" 2>&1 || rc=$?
	kill -INT "$BSPID"
	wait "$BSPID" || true
	BSPID=
	[ -f "$TMP/gen.json" ] && [ -f "$TMP/stats.json" ] ||
		{ echo "bench-instr-cps: $app: no results (generator exit $rc):" >&2; tail -n 3 "$TMP/gen.log" "$TMP/log" >&2; exit 1; }
	[ -z "$KEEP" ] || cp "$TMP/cg.out" "$KEEP.$app"
	"$PY" - "$TMP/cg.out" "$TMP/stats.json" "$TMP/gen.json" "$app" "$rc" <<'EOF'
import json, sys
cg, stats, gen, app, rc = sys.argv[1:]
total = None
for line in open(cg):
    if line.startswith(("summary:", "totals:")):
        total = int(line.split()[1])
cnt = json.load(open(stats))["counters"]
opens = cnt["TcpPassiveOpens"]
g = json.load(open(gen))
c = g.get("connections", {})
bad = int(g.get("mismatches", 0)) + int(c.get("bad_bytes", 0)) + int(c.get("failed", 0))
per = lambda v: v / opens if opens else 0
print("== %s: %d connections completed, %d passive opens, %d mismatched or failed "
      "(generator exit %s), frames per connection %.2f in, %.2f out; "
      "%.0f instructions per connection"
      % (app, c.get("completed", 0), opens, bad, rc, per(cnt.get("RxFrames", 0)),
         per(cnt.get("TxFrames", 0)), per(total)))
for e in g.get("errors", []):
    print("   ", e)
sys.exit(1 if bad or not opens else 0)
EOF
done
