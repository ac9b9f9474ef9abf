#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Hostile load against a real Linux peer (issue 6, items 5-7): Backstop on
# net_af_packet in a namespace of scripts/topology.sh, a driver in the
# client namespace.
#
#   test_stress.sh BACKSTOP_BINARY SOURCE_ROOT MODE [SECONDS]
#
#   flood    SYN flood above the request capacity (flood.py)
#   exhaust  each table and pool full in turn, and recovery (exhaust.py)
#   soak     mixed load for SECONDS (default 20), memory and counters back
#            to baseline (soak.py; scripts/soak.sh runs it for longer)
#
# Prints `ok NAME` / `FAIL NAME why` and `# figure` lines, then `N passed,
# M failed`; 77 when it cannot run. BS_STRESS_KEEP=DIR keeps the run's
# files (configuration, Backstop's output, stats JSON, capture);
# BS_STRESS_SET=SECTION.KEY=VALUE adds one --set (e.g. backstop.mbuf_reserve=0).
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 BACKSTOP_BINARY SOURCE_ROOT flood|exhaust|soak [SECONDS]" >&2; exit 2; }
BIN=$(readlink -f "$1")
SRC=$(readlink -f "$2")
MODE=$3
SECS=${4:-}
CTL=$(dirname "$BIN")/../backstopctl/backstopctl
# shellcheck source=test/proc.sh
source "$SRC/test/proc.sh"
PY=/usr/bin/python3
A=bs${MODE:0:2}$$; A=${A:0:12}
PREFIX=bs-stress-$MODE-$$
T=$(mktemp -d "/tmp/bs-$MODE.XXXXXX")
BS_PID=
PASS=0
FAIL=0

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip timeout; do command -v "$t" >/dev/null || skip "$t not found"; done
[ -x "$PY" ] || skip "$PY not found"
[ -x "$CTL" ] || { echo "FAIL setup: no backstopctl beside $BIN"; echo "0 passed, 1 failed"; exit 1; }

cleanup() {
	local rc=$?
	set +e
	stop_pid "$BS_PID" INT 10
	timeout 20 bash -c "source '$SRC/scripts/topology.sh'; bs_topo_down $A"
	if [ -n "${BS_STRESS_KEEP:-}" ]; then mkdir -p "$BS_STRESS_KEEP" && cp -f "$T"/* "$BS_STRESS_KEEP"/; fi
	rm -rf "$T" "/var/run/dpdk/$PREFIX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The configuration of each mode: what it exhausts is small.
{
	cat <<-CONF
	[control]
	socket = $T/bs.sock
	[capture]
	dir = $T
	[port net_af_packet0]
	address = 198.18.0.2/24, 2001:2::2/64
	CONF
	case $MODE in
	flood) cat <<-CONF
		[listener echo]
		port = 8080
		app = echo
		backlog = 32
		[listener wide]
		port = 8081
		app = echo
		backlog = 1024
		[tcp]
		requests = 256
		tcp_synack_retries = 1
		CONF
		;;
	exhaust) cat <<-CONF
		[listener echo]
		port = 8080
		app = echo
		[listener hold]
		port = 8082
		app = hold
		[listener banner]
		port = 8083
		app = banner
		[listener big]
		port = 8084
		app = http
		http_body = 8000
		http_keepalive = 0
		[tcp]
		connections = 48
		overload = reset
		tcp_max_tw_buckets = 8
		tcp_max_orphans = 4
		tcp_synack_retries = 1
		tcp_rmem = 4096 1048576 6291456
		CONF
		;;
	soak) cat <<-CONF
		[listener echo]
		port = 8080
		app = echo
		[listener banner]
		port = 8083
		app = banner
		[listener abort]
		port = 8085
		app = abort
		[tcp]
		requests = 256
		tcp_synack_retries = 1
		CONF
		;;
	*) echo "unknown mode $MODE" >&2; exit 2 ;;
	esac
} >"$T/backstop.conf"

timeout 30 bash -c "source '$SRC/scripts/topology.sh' && bs_topo_down $A && bs_topo_up $A"
MAC=$(ip -n "$A-d" -o link show "$A-d0" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# Under ASan, freed memory waits in a quarantine of up to 256 MiB before
# reuse: resident memory would grow with every free for minutes, a leak
# or not. A small quarantine keeps use-after-free detection for recent
# frees and lets the soak compare resident memory with its baseline.
if [ -n "${ASAN_OPTIONS:-}" ]; then export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=2"; fi

LIFE=$(( ${SECS:-20} + 150 ))
ip netns exec "$A-d" timeout "$LIFE" "$BIN" -l 0,1 --no-huge -m 512 --no-pci \
	--file-prefix "$PREFIX" --vdev="net_af_packet0,iface=$A-d0" -- \
	--config "$T/backstop.conf" ${BS_STRESS_SET:+--set "$BS_STRESS_SET"} \
	--stats-json "$T/stats.json" >"$T/bs.out" 2>"$T/bs.err" &
BS_PID=$!
# BS: the backstop process itself (BS_PID is timeout(1)).
started_or_fail "$T/bs.out" "$T/bs.err" "$BS_PID"

case $MODE in
flood) args=("$SRC/test/e2e/flood.py" "$BS" "$CTL" "$T/bs.sock" "$A-c0" "$MAC" "${SECS:-8}") ;;
exhaust) args=("$SRC/test/e2e/exhaust.py" "$BS" "$CTL" "$T/bs.sock" "$A-c0" "$MAC") ;;
soak) args=("$SRC/test/e2e/soak.py" "$BS" "$CTL" "$T/bs.sock" "$A-c0" "$MAC" "${SECS:-20}"
	"$T/backstop.conf" "$T") ;;
esac
out=$(timeout $((LIFE - 20)) ip netns exec "$A-c" "$PY" "${args[@]}" 2>&1) || true
printf '%s\n' "$out"
PASS=$((PASS + $(printf '%s\n' "$out" | grep -c '^ok ' || true)))
FAIL=$((FAIL + $(printf '%s\n' "$out" | grep -c '^FAIL ' || true)))
[ "$(printf '%s\n' "$out" | grep -c '^ok ' || true)" -gt 0 ] || { echo "FAIL $MODE-ran"; FAIL=$((FAIL + 1)); }

kill -INT "$BS"
wait "$BS_PID" || { echo "FAIL backstop-exit status $?"; FAIL=$((FAIL + 1)); }
BS_PID=
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/bs.err"; then
	echo "FAIL sanitizer $(grep -m3 'ERROR\|runtime error' "$T/bs.err")"; FAIL=$((FAIL + 1))
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
