#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-instr.sh: instructions per stray-segment reply, exact, under
# callgrind: the same vdevs and input as scripts/bench-stray.sh, for one or
# more Backstop binaries and, with --testpmd, for testpmd's 5tswap. Cycle
# figures on a shared VM move by tens of cycles between runs; instruction
# counts do not, so this is how one change is weighed against another
# (docs/performance.md). Needs valgrind (apt-get install valgrind).
#
# usage: scripts/bench-instr.sh [--duration S] [--kind rst|synack-cookie] [--testpmd]
#                               [--set S.K=V]... [BACKSTOP...]
#   default BACKSTOP: build/app/backstop/backstop; --duration: seconds of
#   forwarding under callgrind (default 3, about 2 M replies); --kind: the
#   stray mix answered with RSTs (default), or SYNs to a listener answered
#   with SYN cookies (tcp_syncookies=2, as bench-stray.sh's kind); --set: a
#   configuration override for every Backstop run (e.g. stray policies:
#   --set 'stray.policies=198.18.0.2/32 reply, 198.18.1.0/24 drop')
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
DURATION=3
KIND=rst
TESTPMD=
BINS=()
SETS=()
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--kind) KIND=$2; shift 2 ;;
	--testpmd) TESTPMD=dpdk-testpmd; shift ;;
	--set) SETS+=(--set "$2"); shift 2 ;;
	-h | --help) sed -n '/^# usage:/,/^set /s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
	*) BINS+=("$1"); shift ;;
	esac
done
[[ $KIND =~ ^(rst|synack-cookie)$ ]] || { echo "bench-instr: --kind: rst or synack-cookie" >&2; exit 2; }
[ ${#BINS[@]} -gt 0 ] || BINS=("$ROOT/build/app/backstop/backstop")
command -v valgrind >/dev/null || { echo "bench-instr: valgrind not found (apt-get install valgrind)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/bench-instr.XXXXXX)
# EAL's runtime directories too: a run under valgrind does not remove its own.
trap 'rm -rf "$TMP" /var/run/dpdk/bench-instr-$$ /var/run/dpdk/bench-instr-t$$' EXIT
# net_pcap0's MAC is fixed by the driver (02:70:63:61:70 and the port's
# index), as scripts/bench-stray.sh's probe run reads it.
COUNTER=TcpOutRsts
MBUFS=12288
[ "$KIND" = rst ] || MBUFS=28672	# a listener reserves 8192 more for queues
printf '[backstop]\nmbufs = %s\nannounce = no\n[port net_pcap0]\naddress = 198.18.0.2/24\ntx_port = net_null0\n[port net_null0]\n' "$MBUFS" >"$TMP/bench.conf"
if [ "$KIND" = rst ]; then
	"$PY" "$ROOT/scripts/benchlib/gen_stray.py" "$TMP/in.pcap" 4096 02:70:63:61:70:00
else
	"$PY" "$ROOT/scripts/benchlib/gen_stray.py" "$TMP/in.pcap" 4096 02:70:63:61:70:00 1 --kind syn --port 80
	printf '[tcp]\ntcp_syncookies = 2\n[listener bench]\naddress = 198.18.0.2\nport = 80\napp = http\n' >>"$TMP/bench.conf"
	COUNTER=SyncookiesSent
fi
VDEVS=(--vdev=net_pcap0,rx_pcap="$TMP/in.pcap",infinite_rx=1 --vdev=net_null0,no-rx=1)

for bin in "${BINS[@]}"; do
	# No CLI socket (a binary that has one): runs stay independent.
	nocli=()
	"$bin" --help-config 2>/dev/null | grep -q '^\[control\] socket ' && nocli=(--set control.socket=)
	timeout -k 5 $((DURATION + 120)) valgrind --tool=callgrind --dump-instr=yes \
		--callgrind-out-file="$TMP/cg.out" "$bin" -l 0,1 --main-lcore 1 --no-huge -m 1024 \
		--no-pci --file-prefix "bench-instr-$$" "${VDEVS[@]}" -- --config "$TMP/bench.conf" \
		--duration "$DURATION" --stats-json "$TMP/stats.json" "${nocli[@]}" "${SETS[@]}" >"$TMP/log" 2>&1 ||
		{ echo "bench-instr: $bin failed:" >&2; tail -5 "$TMP/log" >&2; exit 1; }
	n=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['counters'][sys.argv[2]])" "$TMP/stats.json" "$COUNTER")
	echo "== $bin: $n replies; instructions per reply (run at least 0.2 times per reply):"
	"$PY" "$ROOT/scripts/benchlib/instr_per_reply.py" "$TMP/cg.out" "$n" "$bin" net_pcap net_null
done
if [ -n "$TESTPMD" ]; then
	(sleep $((DURATION + 60)); echo) | timeout -s INT $((DURATION + 30)) valgrind --tool=callgrind \
		--dump-instr=yes --callgrind-out-file="$TMP/cgt.out" "$TESTPMD" -l 0,1 --main-lcore 1 \
		--no-huge -m 1024 --no-pci --file-prefix "bench-instr-t$$" "${VDEVS[@]}" -- \
		--forward-mode=5tswap --total-num-mbufs=16384 >"$TMP/tlog" 2>&1 || true
	n=$(sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' "$TMP/tlog" | sort -n | tail -1)
	[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "bench-instr: no testpmd figures" >&2; tail -5 "$TMP/tlog" >&2; exit 1; }
	echo "== testpmd 5tswap: $n packets; instructions per packet:"
	"$PY" "$ROOT/scripts/benchlib/instr_per_reply.py" "$TMP/cgt.out" "$n" dpdk-testpmd net_pcap net_null
fi
