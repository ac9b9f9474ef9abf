#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Blind injection (RFC 5961, docs/reliability.md section 4): a real Linux
# client opens thousands of connections to Backstop's echo listener, then
# off-path RSTs, SYNs and data with random and aimed sequence numbers are
# injected against all of them (blind.py): only exact RCV.NXT hits reset a
# connection, challenge ACKs and counters are exactly as the rules say,
# the survivors still carry data both ways.
#
#   test_blind.sh BACKSTOP_BINARY SOURCE_ROOT [N4 N6]
#
# Backstop runs on net_af_packet in topology bsb<pid>, its CLI socket in a
# scratch directory. Prints `ok NAME` / `FAIL NAME why` and `figure` lines,
# then `N passed, M failed`; 77 when it cannot run.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 BACKSTOP_BINARY SOURCE_ROOT [N4 N6]" >&2; exit 2; }
BIN=$(readlink -f "$1")
SRC=$(readlink -f "$2")
N4=${3:-2000}
N6=${4:-200}
RATELIMIT_MS=1000
# shellcheck source=test/proc.sh
source "$SRC/test/proc.sh"
PY=/usr/bin/python3
CTL=$(dirname "$BIN")/../backstopctl/backstopctl
A=bsb$$; A=${A:0:12}
PREFIX=bs-blind-$$
T=$(mktemp -d /tmp/bs-blind.XXXXXX)
BS_PID=
FAIL=0

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip timeout; do command -v "$t" >/dev/null || skip "$t not found"; done
[ -x "$CTL" ] || { echo "FAIL setup: no backstopctl beside $BIN"; echo "0 passed, 1 failed"; exit 1; }

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

t0=$(date +%s%N)
timeout 30 bash -c "source '$SRC/scripts/topology.sh' && bs_topo_down $A && bs_topo_up $A"

ip netns exec "$A-d" timeout 120 "$BIN" -l 0,1 --no-huge -m 512 --no-pci \
	--file-prefix "$PREFIX" --vdev="net_af_packet0,iface=$A-d0,framecnt=16384" -- \
	--set 'port net_af_packet0.address=198.18.0.2/24, 2001:2::2/64' \
	--set "control.socket=$T/ctl.sock" --set backstop.announce=no \
	--set "tcp.tcp_invalid_ratelimit=$RATELIMIT_MS" --set 'listener echo.backlog=4096' \
	--stats-json "$T/stats.json" >"$T/bs.out" 2>"$T/bs.err" &
BS_PID=$!
started_or_fail "$T/bs.out" "$T/bs.err" "$BS_PID"

out=$(timeout 100 ip netns exec "$A-c" "$PY" "$SRC/test/e2e/blind.py" "$A-c0" "$CTL" \
	"$T/ctl.sock" "$N4" "$N6" "$RATELIMIT_MS" 2>&1) || true
printf '%s\n' "$out"
PASS=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
FAIL=$(printf '%s\n' "$out" | grep -c '^FAIL ' || true)
[ "$PASS" -gt 0 ] || FAIL=$((FAIL + 1))

kill -INT "$BS_PID"
if wait "$BS_PID"; then
	echo "ok backstop-exit"; PASS=$((PASS + 1))
else
	echo "FAIL backstop-exit $?"; FAIL=$((FAIL + 1))
fi
BS_PID=
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/bs.err"; then
	echo "FAIL sanitizer"; grep -m5 'ERROR\|runtime error' "$T/bs.err"; FAIL=$((FAIL + 1))
fi
ms=$((($(date +%s%N) - t0) / 1000000))
printf 'figure wall_s %d.%d\n' $((ms / 1000)) $((ms % 1000 / 100))
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
