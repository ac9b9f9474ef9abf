#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end suite: Backstop against a real Linux peer, and against the
# Linux kernel itself as the oracle.
#
#   test_peer.sh BACKSTOP_BINARY SOURCE_ROOT
#
# Two topologies (scripts/topology.sh): bse<pid> with Backstop on the DUT
# side (net_af_packet on a veth), bsk<pid> with the kernel on the DUT side
# (the reference Linux host). Client-side checks run in the client
# namespaces with /usr/bin/python3 (scapy). Every check prints
# `ok <name>` or `FAIL <name> <why>`; the last line is `N passed, M failed`
# and the exit status is non-zero if anything failed (77: skipped, when
# not root or without scapy).
#
# Sanitizer builds (-Db_sanitize=address,undefined) need nothing special:
# ASAN_OPTIONS is passed through as given (leak detection finds nothing
# today; should DPDK's own allocations ever trip it, run with
# ASAN_OPTIONS=detect_leaks=0). Any sanitizer report on Backstop's stderr,
# or a non-zero exit after SIGINT, fails the run.
#
# BS_E2E_STRICT_KERNEL=1 compares with the kernel even the cases where
# Backstop deviates on purpose or where the kernel's answer depends on
# CONFIG_TCP_AO (peer.py: DELIBERATE, AO_DEPENDENT). BS_E2E_KEEP=DIR keeps
# the raw results there (kernel.json, dut.json: every reply's fields;
# stats.json; sniff.json; Backstop's stdout and stderr).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BACKSTOP_BINARY SOURCE_ROOT" >&2
	exit 2
fi
BIN=$(readlink -f "$1")
SRC=$(readlink -f "$2")
HERE=$SRC/test/e2e
# shellcheck source=test/proc.sh
source "$SRC/test/proc.sh"
PY=/usr/bin/python3
PASS=0
FAIL=0
START=$SECONDS

skip() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed"
	exit 77
}
ok() { echo "ok $1"; PASS=$((PASS + 1)); }
quiet() { "$@" >/dev/null 2>&1; }
fail() { echo "FAIL $1 ${2:-}"; FAIL=$((FAIL + 1)); }
check() {	# NAME CONDITION-DESCRIPTION -- command...: ok if the command succeeds
	local name=$1 why=$2
	shift 3
	if "$@"; then ok "$name"; else fail "$name" "$why"; fi
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, af_packet)"
if ! [ -x "$PY" ] || ! "$PY" -c 'import scapy.all' 2>/dev/null; then
	skip "$PY with scapy not found"
fi
for t in ip nc ping timeout; do
	command -v "$t" >/dev/null || skip "$t not found"
done
[ -x "$BIN" ] || { echo "FAIL setup: $BIN is not executable"; echo "0 passed, 1 failed"; exit 1; }

A=bse$$; A=${A:0:12}	# Backstop topology
K=bsk$$; K=${K:0:12}	# kernel reference topology
PREFIX=bs-e2e-$$
T=$(mktemp -d /tmp/bs-e2e.XXXXXX)
BS_PID=
SNIFF_PID=
KPROBE_PID=

cleanup() {
	local rc=$?
	set +e
	if [ -n "${BS_E2E_KEEP:-}" ]; then
		mkdir -p "$BS_E2E_KEEP" && cp -f "$T"/* "$BS_E2E_KEEP"/ 2>/dev/null
	fi
	stop_pid "$KPROBE_PID" TERM 2
	stop_pid "$SNIFF_PID" TERM 2
	stop_pid "$BS_PID" INT 10
	wait 2>/dev/null
	timeout 20 bash -c "source '$SRC/scripts/topology.sh'; bs_topo_down $A; bs_topo_down $K"
	rm -rf "$T" "/var/run/dpdk/$PREFIX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	echo "runtime $((SECONDS - START)) s"
	echo "$PASS passed, $FAIL failed"
	if [ "$FAIL" -eq 0 ]; then exit 0; fi
	exit 1
}

# Run peer.py in namespace NS (or "-" for none), bounded by SECONDS; its
# ok/FAIL lines are counted, a crash without a FAIL line counts as one.
py() {	# NAME SECONDS NS ARGS...
	local name=$1 to=$2 ns=$3 out rc=0 p f
	shift 3
	if [ "$ns" = - ]; then
		out=$(timeout "$to" "$PY" "$HERE/peer.py" "$@" 2>&1) || rc=$?
	else
		out=$(timeout "$to" ip netns exec "$ns" "$PY" "$HERE/peer.py" "$@" 2>&1) || rc=$?
	fi
	[ -z "$out" ] || printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ' || true)
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$name" "helper exited $rc"
	fi
	return 0
}

# ---------------------------------------------------------------- topologies
echo "# kernel $(uname -r); topologies $A (Backstop) and $K (kernel reference)"
if ! timeout 30 bash -c "source '$SRC/scripts/topology.sh' && bs_topo_down $A &&
		bs_topo_down $K && bs_topo_up $A && bs_topo_up $K kernel"; then
	fail setup "bs_topo_up failed"
	finish
fi
ok topology-up

# The reference kernel: warm both neighbour caches, then send it every case
# in the background while Backstop starts.
timeout 10 ip netns exec "$K-c" ping -q -c1 -W2 198.18.0.2 >/dev/null 2>&1 || true
timeout 10 ip netns exec "$K-c" ping -6 -q -c1 -W2 2001:2::2 >/dev/null 2>&1 || true
KMAC=$(ip -n "$K-d" -o link show "$K-d0" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
( timeout 30 ip netns exec "$K-c" "$PY" "$HERE/peer.py" probe "$K-c0" "$KMAC" \
	"$T/kernel.json" >"$T/kprobe.log" 2>&1 ) &
KPROBE_PID=$!

# ---------------------------------------------------------------- Backstop
ip netns exec "$A-d" timeout 120 "$BIN" -l 0,1 --no-huge -m 256 --no-pci \
	--file-prefix "$PREFIX" --vdev="net_af_packet0,iface=$A-d0" -- \
	--set 'port net_af_packet0.address=198.18.0.2/24, 2001:2::2/64' --set control.socket= \
	--stats-json "$T/stats.json" >"$T/bs.out" 2>"$T/bs.err" &
BS_PID=$!
if ! wait_running "$T/bs.out" "$BS_PID" 45; then
	fail backstop-start "exited, or not running within 45 s"
	sed 's/^/  backstop: /' "$T/bs.out" "$T/bs.err" | tail -30
	finish
fi
ok backstop-start
MAC=$(sed -n 's/^backstop: port net_af_packet0 (id 0) \([0-9A-Fa-f:]\{17\}\).*/\1/p' "$T/bs.out" |
	tr 'A-F' 'a-f')
if [ -z "$MAC" ]; then
	fail backstop-mac "no port MAC line on stdout"
	finish
fi
echo "# Backstop MAC $MAC"

# Everything TCP Backstop sends the client is counted from here on.
ip netns exec "$A-c" timeout 100 "$PY" "$HERE/sniff.py" "$A-c0" "$MAC" \
	"$T/sniff.json" "$T/sniff.ready" 2>"$T/sniff.err" &
SNIFF_PID=$!
if ! wait_for 10 test -e "$T/sniff.ready"; then
	fail sniffer "capture did not start"
	cat "$T/sniff.err" || true
	finish
fi

# ---------------------------------------------------------------- 3. ping, neighbours
check ping-v4 "ping 198.18.0.2 got no reply" -- \
	quiet timeout 10 ip netns exec "$A-c" ping -q -c2 -i0.2 -W2 198.18.0.2
check ping-v6 "ping -6 2001:2::2 got no reply" -- \
	quiet timeout 10 ip netns exec "$A-c" ping -6 -q -c2 -i0.2 -W2 2001:2::2
NEIGH=$(ip -n "$A-c" neigh show dev "$A-c0")
printf '%s\n' "$NEIGH" | sed 's/^/# neigh: /'
for addr in 198.18.0.2 2001:2::2; do
	line=$(printf '%s\n' "$NEIGH" | awk -v a="$addr" '$1 == a' | sed 's/[[:space:]]*$//')
	if printf '%s\n' "$line" | grep -Eq "^$addr lladdr $MAC (router )?(REACHABLE|STALE|DELAY)\$"; then
		ok "neigh-$addr"
	else
		fail "neigh-$addr" "want lladdr $MAC REACHABLE/STALE/DELAY, got '${line:-none}'"
	fi
done

# ---------------------------------------------------------------- 1. connect()
RSTS_EXPECTED=0
py connect-v4 15 "$A-c" connect 198.18.0.2 23
py connect-v6 15 "$A-c" connect 2001:2::2 23
RSTS_EXPECTED=$((RSTS_EXPECTED + 2))
NC=$(timeout 10 ip netns exec "$A-c" nc -vz -w3 198.18.0.2 23 2>&1 || true)
RSTS_EXPECTED=$((RSTS_EXPECTED + 1))
if printf '%s\n' "$NC" | grep -q 'Connection refused'; then
	ok nc-refused
else
	fail nc-refused "nc -vz said: $NC"
fi

# ---------------------------------------------------------------- 2. exact RST
py rst 20 "$A-c" rst "$A-c0" "$MAC"
RSTS_EXPECTED=$((RSTS_EXPECTED + 2))

# ---------------------------------------------------------------- 5. differential
py probe-backstop 30 "$A-c" probe "$A-c0" "$MAC" "$T/dut.json"
krc=0
wait "$KPROBE_PID" || krc=$?
KPROBE_PID=
sed 's/^/# kernel /' "$T/kprobe.log" 2>/dev/null || true
if [ "$krc" -ne 0 ] || [ ! -s "$T/kernel.json" ]; then
	fail probe-kernel "kernel probe exited $krc"
elif [ ! -s "$T/dut.json" ]; then
	fail probe-backstop "no results"
else
	py compare 20 - compare "$T/kernel.json" "$T/dut.json"
	n=$(timeout 20 "$PY" "$HERE/peer.py" expected-rsts "$T/dut.json" || true)
	case $n in
	'' | *[!0-9]*) fail expected-rsts "cannot count Backstop's probe replies" ;;
	*) RSTS_EXPECTED=$((RSTS_EXPECTED + n)) ;;
	esac
fi

# ---------------------------------------------------------------- 4. counters
bsrc=0
kill -INT "$BS_PID" 2>/dev/null || true
if wait_for 30 bash -c "! kill -0 $BS_PID 2>/dev/null"; then
	wait "$BS_PID" || bsrc=$?
	BS_PID=
	check backstop-exit "exit status $bsrc" -- [ "$bsrc" -eq 0 ]
else
	fail backstop-exit "still running 30 s after SIGINT"
	stop_pid "$BS_PID" KILL 1
	BS_PID=
fi
if grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$T/bs.err"; then
	fail backstop-sanitizer "sanitizer report on stderr:"
	grep -E -A20 'Sanitizer|runtime error:' "$T/bs.err" | head -60 | sed 's/^/  /'
else
	ok backstop-sanitizer
fi
stop_pid "$SNIFF_PID" TERM 5
SNIFF_PID=
sed -n '/^backstop statistics/,$p' "$T/bs.out" | sed 's/^/# /'
if [ ! -s "$T/stats.json" ]; then
	fail stats-json "no $T/stats.json"
elif [ ! -s "$T/sniff.json" ]; then
	fail sniffer "no capture results"
	cat "$T/sniff.err" || true
else
	# 2 bad-checksum probes (T9, v4 and v6) are the only TCP_CSUM drops allowed
	py stats 20 - stats "$T/stats.json" "$T/sniff.json" "$RSTS_EXPECTED" 2
fi

finish
