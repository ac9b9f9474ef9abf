#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Differential suite: packet scripts (tester.py) played against the Linux
# kernel and against Backstop, replies compared. Linux is the oracle.
#
#   run.sh [--dut linux|backstop|both] [--only ROW|NAME] [--bin BACKSTOP]
#          [--keep DIR] [--include-pending] [-v]
#
#   --dut linux     the kernel only; every scenario must give the replies the
#                   matrix predicts (the oracle check)
#   --dut backstop  Backstop only, checked against the same predictions
#   --dut both      (default) both, then Backstop's record against Linux's
#   --only X        scenarios citing row X (N1, X14, T57...), or one scenario
#   --include-pending  also run the scenarios listed in backstop-pending.txt
#                   (not yet supported by Backstop; otherwise skipped there)
#   --keep DIR      keep configurations, records (JSON) and the DUTs' logs
#
# Topology per scenario group (a fresh one each time, so every group starts
# from a clean kernel/Backstop): namespace <n>-t (the tester; it owns no
# address, so its kernel never answers the DUT) and <n>-d (the DUT: the
# kernel with 198.18.0.2/24 and 2001:2::2/64 and linux_apps.py, or Backstop
# on net_af_packet), joined by a veth pair. Everything is bounded in time and
# removed on exit. Last line: `N passed, M failed`. Exit 77: skipped (not
# root, no scapy).
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
SRC=$(readlink -f "$HERE/../..")
# shellcheck source=test/proc.sh
source "$SRC/test/proc.sh"
PY=/usr/bin/python3
DUT=both
ONLY=
BIN=$SRC/build/app/backstop/backstop
KEEP=
PENDING=$HERE/backstop-pending.txt
VERBOSE=

while [ $# -gt 0 ]; do
	case $1 in
	--dut) DUT=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--bin) BIN=$2; shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	--include-pending) PENDING=; shift ;;
	-v) VERBOSE=-v; shift ;;
	*) echo "usage: $0 [--dut linux|backstop|both] [--only ROW] [--bin BACKSTOP]" \
		"[--keep DIR] [--include-pending] [-v]" >&2; exit 2 ;;
	esac
done
case $DUT in linux | backstop | both) ;; *) echo "--dut: linux, backstop or both" >&2; exit 2 ;; esac

skip() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, af_packet)"
if ! [ -x "$PY" ] || ! "$PY" -c 'import scapy.all' 2>/dev/null; then
	skip "$PY with scapy not found"
fi
for t in ip ethtool timeout; do
	command -v "$t" >/dev/null || skip "$t not found"
done
if [ "$DUT" != linux ] && ! [ -x "$BIN" ]; then
	echo "FAIL setup: $BIN is not executable (--bin)"
	echo "0 passed, 1 failed"
	exit 1
fi

N=bsd$$; N=${N:0:11}
PREFIX=bs-diff-$$
W=$(mktemp -d /tmp/bs-diff.XXXXXX)
START=$SECONDS
TESTER_PID=
DUT_PID=

topo_down() {
	ip netns del "$N-t" 2>/dev/null || true
	ip netns del "$N-d" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	stop_pid "$TESTER_PID" TERM 2
	stop_pid "$DUT_PID" INT 10
	timeout 20 bash -c "$(declare -f topo_down); N=$N; topo_down"
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -f "$W"/* "$KEEP"/ 2>/dev/null
	fi
	rm -rf "$W" "/var/run/dpdk/$PREFIX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

topo_up() {	# linux|backstop
	topo_down
	ip netns add "$N-t" && ip netns add "$N-d" &&
		ip link add "$N-t0" netns "$N-t" type veth peer name "$N-d0" netns "$N-d" || return 1
	ip -n "$N-t" link set lo up
	ip -n "$N-d" link set lo up
	# the tester's kernel has no address and no IPv6: it never answers
	ip netns exec "$N-t" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	if [ "$1" = linux ]; then
		ip netns exec "$N-d" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
		ip -n "$N-d" addr add 198.18.0.2/24 dev "$N-d0"
		ip -n "$N-d" addr add 2001:2::2/64 dev "$N-d0" nodad
	else
		ip netns exec "$N-d" sysctl -qw "net.ipv6.conf.$N-d0.disable_ipv6=1"
	fi
	# checksums filled in by the sender, one segment per frame
	ip netns exec "$N-t" ethtool -K "$N-t0" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$N-d" ethtool -K "$N-d0" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip -n "$N-t" link set "$N-t0" up && ip -n "$N-d" link set "$N-d0" up
}

# The configuration Backstop is given: the group's, or, while Backstop does
# not know [listener]/[client]/[tcp] yet, the same without them (so the
# scenarios that need no socket still run; the others fail, as they should).
backstop_config() {	# IN OUT
	local msg
	if msg=$("$BIN" --check-config "$1" 2>&1); then
		cp "$1" "$2"
		return 0
	fi
	echo "# backstop rejects the suite's configuration: $(printf '%s' "$msg" | head -1)"
	echo "# running Backstop without its [listener], [client] and [tcp] sections"
	awk '/^\[/ { drop = ($0 ~ /^\[(listener|client) / || $0 ~ /^\[tcp\]/) } !drop' "$1" >"$2"
	"$BIN" --check-config "$2" >/dev/null 2>&1
}

start_dut() {	# linux|backstop CONF: sets DUT_PID and DMAC
	local conf=$2
	DMAC=
	if [ "$1" = linux ]; then
		rm -f "$W/apps.ready"
		ip netns exec "$N-d" timeout 400 "$PY" "$HERE/linux_apps.py" "$conf" "$W/apps.ready" \
			>>"$W/linux_apps.log" 2>&1 &
		DUT_PID=$!
		wait_for 20 test -e "$W/apps.ready" || { echo "FAIL setup: linux_apps.py not ready"; tail "$W/linux_apps.log"; return 1; }
		DMAC=$(cat "/sys/class/net/$N-d0/address" 2>/dev/null ||
			ip -n "$N-d" -o link show "$N-d0" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
		[ -n "$DMAC" ] || DMAC=$(ip netns exec "$N-d" cat "/sys/class/net/$N-d0/address")
	else
		local bconf=$W/backstop-$GROUP.conf
		backstop_config "$conf" "$bconf" || { echo "FAIL setup: configuration rejected"; return 1; }
		: >"$W/bs.out"
		ip netns exec "$N-d" timeout 400 "$BIN" -l 0,1 --no-huge -m 256 --no-pci \
			--file-prefix "$PREFIX" --vdev="net_af_packet0,iface=$N-d0" -- \
			--config "$bconf" --set control.socket= >"$W/bs.out" 2>>"$W/bs.err" &
		DUT_PID=$!
		if ! wait_running "$W/bs.out" "$DUT_PID" 45; then
			echo "FAIL setup: backstop exited, or not running within 45 s"
			tail -20 "$W/bs.out" "$W/bs.err" | sed 's/^/  /'
			return 1
		fi
		DMAC=$(sed -n 's/^backstop: port net_af_packet0 (id 0) \([0-9A-Fa-f:]\{17\}\).*/\1/p' \
			"$W/bs.out" | tr 'A-F' 'a-f')
		cat "$W/bs.out" >>"$W/backstop.log"
	fi
	[ -n "$DMAC" ] || { echo "FAIL setup: no DUT MAC"; return 1; }
}

# Play every group's scenarios against one DUT; the records end up in
# $W/DUT.json (one object, scenario name -> record).
run_dut() {	# linux|backstop
	local dut=$1 skipf= groups rc=0
	[ "$dut" = backstop ] && skipf=$PENDING
	groups=$("$PY" "$HERE/tester.py" groups ${ONLY:+--only "$ONLY"} ${skipf:+--skip-file "$skipf"})
	for GROUP in $groups; do
		echo "# $dut: group $GROUP"
		"$PY" "$HERE/tester.py" config "$GROUP" >"$W/$GROUP.conf"
		if ! timeout 30 bash -c "$(declare -f topo_up topo_down); N=$N; topo_up $dut"; then
			echo "FAIL setup: topology"
			rc=1
			continue
		fi
		rm -f "$W/t.ready" "$W/t.go"
		ip netns exec "$N-t" timeout 240 "$PY" "$HERE/tester.py" run --group "$GROUP" \
			--iface "$N-t0" --out "$W/$dut-$GROUP.json" --ready "$W/t.ready" --go "$W/t.go" \
			--dut "$dut" ${ONLY:+--only "$ONLY"} ${skipf:+--skip-file "$skipf"} $VERBOSE &
		TESTER_PID=$!
		if ! wait_for 30 test -e "$W/t.ready"; then
			echo "FAIL setup: tester not ready"
			rc=1
		elif start_dut "$dut" "$W/$GROUP.conf"; then
			echo "$DMAC" >"$W/t.go.tmp" && mv "$W/t.go.tmp" "$W/t.go"
			wait "$TESTER_PID" || { echo "FAIL tester exited $?"; rc=1; }
		else
			rc=1
		fi
		stop_pid "$TESTER_PID" TERM 2
		TESTER_PID=
		stop_pid "$DUT_PID" INT 10
		DUT_PID=
		if [ "$dut" = backstop ] && grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$W/bs.err" 2>/dev/null; then
			echo "FAIL backstop: sanitizer report on stderr"
			rc=1
		fi
		timeout 20 bash -c "$(declare -f topo_down); N=$N; topo_down"
	done
	"$PY" - "$W/$dut.json" "$W/$dut"-*.json <<'EOF'
import json, sys
out = {}
for p in sys.argv[2:]:
    try:
        with open(p) as f:
            out.update(json.load(f))
    except (OSError, ValueError):
        pass
with open(sys.argv[1], "w") as f:
    json.dump(out, f, indent=1)
EOF
	return $rc
}

# The kernel's replies can hinge on when a Python application wakes up
# (a close() that comes after the delayed-ACK timer gives ". then F."
# instead of one "F."), so a scenario the kernel fails is played once more
# on a fresh topology and its second record counts; both runs are printed.
# Backstop gets no second chance.
linux_rerun() {
	local names n
	names=$("$PY" -c 'import json, sys
res = json.load(open(sys.argv[1]))
print(" ".join(sorted({k.split("/")[0] for k, r in res.items() if not r["matrix_ok"]})))' \
		"$W/linux.json" 2>/dev/null)
	for n in $names; do
		echo "# linux: $n failed; played once more (kernel timing)"
		mv "$W/linux.json" "$W/first.json"
		rm -f "$W"/linux-*.json
		ONLY=$n run_dut linux || true
		"$PY" - "$W/first.json" "$W/linux.json" <<'EOF2'
import json, sys
with open(sys.argv[1]) as f:
    out = json.load(f)
try:
    with open(sys.argv[2]) as f:
        out.update(json.load(f))
except (OSError, ValueError):
    pass
with open(sys.argv[2], "w") as f:
    json.dump(out, f, indent=1)
EOF2
	done
}

echo "# kernel $(uname -r); namespaces $N-t (tester) and $N-d (DUT); mode $DUT"
status=0
case $DUT in
linux)
	run_dut linux || status=1
	linux_rerun
	echo "# runtime $((SECONDS - START)) s"
	"$PY" "$HERE/tester.py" summary "$W/linux.json" ${ONLY:+--only "$ONLY"} || status=1
	;;
backstop)
	run_dut backstop || status=1
	echo "# runtime $((SECONDS - START)) s"
	"$PY" "$HERE/tester.py" summary "$W/backstop.json" ${ONLY:+--only "$ONLY"} \
		${PENDING:+--skip-file "$PENDING"} || status=1
	;;
both)
	run_dut linux || status=1
	linux_rerun
	echo "# linux (oracle check): $("$PY" "$HERE/tester.py" summary "$W/linux.json" \
		${ONLY:+--only "$ONLY"} | tail -1)"
	run_dut backstop || status=1
	echo "# runtime $((SECONDS - START)) s"
	echo "# comparison: Backstop's record against Linux's"
	"$PY" "$HERE/tester.py" compare "$W/linux.json" "$W/backstop.json" \
		${ONLY:+--only "$ONLY"} ${PENDING:+--skip-file "$PENDING"} || status=1
	;;
esac
exit $status
