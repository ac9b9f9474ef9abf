#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Real clients against Backstop's built-in applications: curl and wget
# against `http`, nc and sockets against `echo`, ECONNRESET from `abort`
# and `close-unread`, a half-close, a closed window from `hold`, and a
# keepalive connection that stays up on a live peer.
#
#   test_apps.sh BACKSTOP_BINARY SOURCE_ROOT
#
# Backstop runs on its built-in config (config/backstop.conf: the listeners
# checked here) on net_af_packet in topology bsa<pid>. Prints `ok NAME` or
# `FAIL NAME why`, then `N passed, M failed`; 77 when it cannot run.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 BACKSTOP_BINARY SOURCE_ROOT" >&2; exit 2; }
BIN=$(readlink -f "$1")
SRC=$(readlink -f "$2")
# shellcheck source=test/proc.sh
source "$SRC/test/proc.sh"
PY=/usr/bin/python3
A=bsa$$; A=${A:0:12}
PREFIX=bs-apps-$$
T=$(mktemp -d /tmp/bs-apps.XXXXXX)
BS_PID=
PASS=0
FAIL=0

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip curl wget nc timeout; do command -v "$t" >/dev/null || skip "$t not found"; done

cleanup() {
	local rc=$?
	set +e
	stop_pid "$BS_PID" INT 10
	timeout 20 bash -c "source '$SRC/scripts/topology.sh'; bs_topo_down $A"
	rm -rf "$T" "/var/run/dpdk/$PREFIX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

timeout 30 bash -c "source '$SRC/scripts/topology.sh' && bs_topo_down $A && bs_topo_up $A"

ip netns exec "$A-d" timeout 150 "$BIN" -l 0,1 --no-huge -m 512 --no-pci \
	--file-prefix "$PREFIX" --vdev="net_af_packet0,iface=$A-d0" -- \
	--set 'port net_af_packet0.address=198.18.0.2/24, 2001:2::2/64' --set control.socket= \
	--set 'listener keepalive.keepalive_idle=1' \
	--set 'listener keepalive.keepalive_intvl=1' \
	--set 'listener keepalive.keepalive_probes=3' \
	--stats-json "$T/stats.json" >"$T/bs.out" 2>"$T/bs.err" &
BS_PID=$!
started_or_fail "$T/bs.out" "$T/bs.err" "$BS_PID"

out=$(timeout 120 ip netns exec "$A-c" "$PY" "$SRC/test/e2e/apps_client.py" \
	198.18.0.2 2001:2::2 2>&1) || true
printf '%s\n' "$out"
PASS=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
FAIL=$(printf '%s\n' "$out" | grep -c '^FAIL ' || true)
[ "$PASS" -gt 0 ] || FAIL=$((FAIL + 1))

kill -INT "$BS_PID"
wait "$BS_PID" || { echo "FAIL backstop-exit $?"; FAIL=$((FAIL + 1)); }
BS_PID=
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/bs.err"; then
	echo "FAIL sanitizer"; grep -m5 'ERROR\|runtime error' "$T/bs.err"; FAIL=$((FAIL + 1))
fi
# Counters: the keepalive probes went out, the resets carry their reasons.
if grep -q '"TCPKeepAlive": [1-9]' "$T/stats.json"; then
	echo "ok keepalive-probes-counted"; PASS=$((PASS + 1))
else
	echo "FAIL keepalive-probes-counted no TCPKeepAlive in the stats"; FAIL=$((FAIL + 1))
fi
for r in TCP_STATE TCP_ABORT_ON_CLOSE NO_SOCKET; do
	if grep -q "\"$r\": [1-9]" "$T/stats.json"; then
		echo "ok reset-reason-$r"; PASS=$((PASS + 1))
	else
		echo "FAIL reset-reason-$r not counted"; FAIL=$((FAIL + 1))
	fi
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
