#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-stray.sh: how fast does Backstop answer stray TCP segments, next
# to the cheapest forwarder DPDK ships (testpmd --forward-mode=5tswap)?
#
# Both run on one worker lcore, in one process, with no NIC: segments come
# from a pcap replayed forever (net_pcap, infinite_rx=1) and replies go to
# net_null. Backstop and testpmd alternate --runs times; medians are
# reported. Before the benchmark a finite replay into a pcap checks every
# reply against tcp_v4_send_reset's formula. See docs/performance.md.
# With --kind, the same method measures SYN-ACKs (scripts/bench's item 2).
#
# usage: scripts/bench-stray.sh [--quick] [--runs R] [--duration S]
#            [--packets N] [--min-cpu PCT] [--retries N] [--worker-cpu N]
#            [--json FILE] [--perf FILE] [--backstop PATH] [--testpmd PATH]
#            [--kind rst|synack-cookie|synack] [--no-testpmd] [--keep]
#
#   --quick          --runs 1 --duration 2
#   --kind K         rst (default): stray segments to closed ports, RSTs;
#                    synack-cookie: SYNs to a listener (port 80, app http)
#                    with tcp_syncookies = 2, every reply a cookie SYN-ACK;
#                    synack: tcp_syncookies = 0, each SYN followed by the
#                    client's RST, so that each SYN makes a request entry
#                    and a SYN-ACK and the RST frees it (figures per
#                    SYN-ACK include that RST's handling)
#   --no-testpmd     Backstop runs only (no 5tswap reference, no ratio)
#   --mem MB         EAL memory (-m) of every run (default 1024)
#   --runs R         Backstop/testpmd pairs (default 3)
#   --duration S     seconds of forwarding per run (default 5)
#   --packets N      distinct segments in the pcap (default 4096)
#   --min-cpu PCT    a run whose worker thread had less than PCT % of its
#                    CPU (other tasks ran there) is repeated (default 97)
#   --retries N      at most N times (default 2); the best attempt counts
#   --worker-cpu N   the worker's CPU, 0 or 1 (default 1; the control
#                    thread, mostly asleep, takes the other)
#   --json FILE      write every figure (and the medians) as JSON
#   --perf FILE      afterwards, one more Backstop run under
#                    `perf record -e cpu-clock` on the worker's CPU; FILE
#                    gets perf.data, FILE.txt the report
#   --backstop PATH  default: build/app/backstop/backstop ($BACKSTOP)
#   --testpmd PATH   default: dpdk-testpmd ($TESTPMD)
#   --keep           keep the temporary directory (pcaps, logs, JSON);
#                    without it, it is removed even when a run fails
#
# Exit status: 0, or 1 if a reply is wrong or a run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPERS=$ROOT/scripts/benchlib
PY=/usr/bin/python3
BACKSTOP=${BACKSTOP:-$ROOT/build/app/backstop/backstop}
TESTPMD=${TESTPMD:-dpdk-testpmd}
RUNS=3
DURATION=5
MIN_CPU=97
RETRIES=2
PACKETS=4096
JSON=
PERF=
KEEP=0
KIND=rst
WITH_TESTPMD=1
WORKER_CPU=1
MEM=1024
SEED=1
# Generous bounds around every process: EAL start-up with --no-huge -m 1024
# takes a second or two; shut-down less.
SLACK=60

usage() { sed -n '/^# usage:/,/^# Exit status/s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) RUNS=1; DURATION=2 ;;
	--runs) RUNS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--packets) PACKETS=$2; shift ;;
	--min-cpu) MIN_CPU=$2; shift ;;
	--worker-cpu) WORKER_CPU=$2; shift ;;
	--retries) RETRIES=$2; shift ;;
	--json) JSON=$2; shift ;;
	--perf) PERF=$2; shift ;;
	--backstop) BACKSTOP=$2; shift ;;
	--testpmd) TESTPMD=$2; shift ;;
	--keep) KEEP=1 ;;
	--kind) KIND=$2; shift ;;
	--no-testpmd) WITH_TESTPMD=0 ;;
	--mem) MEM=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench-stray: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench-stray: --runs: a positive integer" >&2; exit 2; }
[[ $PACKETS =~ ^[1-9][0-9]*$ ]] || { echo "bench-stray: --packets: a positive integer" >&2; exit 2; }
if ! [[ $MIN_CPU =~ ^[0-9]+$ ]] || [ "$MIN_CPU" -gt 100 ]; then
	echo "bench-stray: --min-cpu: 0..100" >&2; exit 2
fi
[[ $RETRIES =~ ^[0-9]+$ ]] || { echo "bench-stray: --retries: a count" >&2; exit 2; }
[[ $MEM =~ ^[1-9][0-9]*$ ]] || { echo "bench-stray: --mem: megabytes" >&2; exit 2; }
[[ $KIND =~ ^(rst|synack-cookie|synack)$ ]] ||
	{ echo "bench-stray: --kind: rst, synack-cookie or synack" >&2; exit 2; }
[[ $WORKER_CPU =~ ^[01]$ ]] || { echo "bench-stray: --worker-cpu: 0 or 1" >&2; exit 2; }
# Lcores 0 and 1 on CPUs 0 and 1: the main lcore (control thread) on one,
# the worker on the other. EAL pins each; its thread is rte-worker-N.
EAL_LCORES=(-l "0,1")
[ "$WORKER_CPU" = 1 ] || EAL_LCORES+=(--main-lcore 1)
WORKER_COMM=rte-worker-$WORKER_CPU
if ! [[ $DURATION =~ ^[0-9]+(\.[0-9]+)?$ ]] || awk -v d="$DURATION" 'BEGIN { exit !(d <= 0) }'; then
	echo "bench-stray: --duration: positive seconds" >&2; exit 2
fi
[ -x "$BACKSTOP" ] || { echo "bench-stray: $BACKSTOP: not built (meson setup build && ninja -C build)" >&2; exit 1; }
[ "$WITH_TESTPMD" = 0 ] || command -v "$TESTPMD" >/dev/null || { echo "bench-stray: $TESTPMD not found (apt-get install dpdk)" >&2; exit 1; }
$PY -c 'import scapy.all' 2>/dev/null || { echo "bench-stray: $PY has no scapy (apt-get install python3-scapy)" >&2; exit 1; }
if [ -n "$PERF" ]; then
	command -v perf >/dev/null || { echo "bench-stray: perf not found (apt-get install linux-perf)" >&2; exit 1; }
	PERF=$(realpath -m "$PERF")
fi
[ -z "$JSON" ] || JSON=$(realpath -m "$JSON")

# Whole seconds for timeout(1): the run, rounded up, plus the slack.
bound() { awk -v d="$1" -v s="$SLACK" 'BEGIN { printf "%d", int(d + 0.999) + s }'; }

TMP=$(mktemp -d /tmp/bench-stray.XXXXXX)
if [ "$(id -u)" -eq 0 ]; then RUNDIR=/var/run/dpdk; else RUNDIR=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
PIDS=()
PREFIXES=()
cleanup() {
	local rc=$? p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || continue
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${PREFIXES[@]}"; do rm -rf "${RUNDIR:?}/$p"; done
	if [ "$KEEP" = 1 ]; then echo "bench-stray: files kept in $TMP" >&2; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# Run a command in the background under the PID list, wait for it.
# @return its exit status
run_bg() {
	local pid rc=0
	"$@" &
	pid=$!
	PIDS+=("$pid")
	wait "$pid" || rc=$?
	forget_pid "$pid"
	return $rc
}

fail_log() { echo "bench-stray: $1; last lines of $2:" >&2; tail -n 20 "$2" >&2; exit 1; }

# show_cmd KIND CMD...: print a command line the first time a run of KIND
# uses it (scripts/bench collects these lines).
SHOWN=" "
show_cmd() {
	local kind=$1
	shift
	case $SHOWN in *" $kind "*) return 0 ;; esac
	SHOWN="$SHOWN$kind "
	echo "bench-stray: command ($kind): $*"
}

# backstop_start TAG CONF DURATION VDEV...: one Backstop process in the
# background (PID in BS_PID); writes $TMP/TAG.log and $TMP/TAG.json.
backstop_start() {
	local tag=$1 conf=$2 dur=$3 prefix=bsbench$$-$1 nocli=()
	shift 3
	PREFIXES+=("$prefix")
	# No CLI socket (a binary that has one): runs stay independent.
	"$BACKSTOP" --help-config 2>/dev/null | grep -q '^\[control\] socket ' &&
		nocli=(--set control.socket=)
	show_cmd "backstop ${tag%%[0-9]*}" "$BACKSTOP" "${EAL_LCORES[@]}" --no-huge -m "$MEM" \
		--no-pci --file-prefix "$prefix" "$@" -- --config "$conf" --duration "$dur" \
		--stats-json "$TMP/$tag.json" --set backstop.announce=no "${nocli[@]}"
	timeout -k 5 "$(bound "$dur")" "$BACKSTOP" "${EAL_LCORES[@]}" --no-huge -m "$MEM" \
		--no-pci --file-prefix "$prefix" "$@" -- --config "$conf" --duration "$dur" \
		--stats-json "$TMP/$tag.json" --set backstop.announce=no "${nocli[@]}" \
		>"$TMP/$tag.log" 2>&1 &
	BS_PID=$!
	PIDS+=("$BS_PID")
}

backstop_wait() {
	local tag=$1 rc=0
	wait "$BS_PID" || rc=$?
	forget_pid "$BS_PID"
	[ "$rc" = 0 ] || fail_log "backstop run '$tag' failed (exit status $rc)" "$TMP/$tag.log"
	[ -s "$TMP/$tag.json" ] || fail_log "backstop run '$tag' wrote no statistics" "$TMP/$tag.log"
}

# backstop_run TAG CONF DURATION VDEV...: one Backstop run, to its end.
backstop_run() {
	backstop_start "$@"
	backstop_wait "$1"
}

# testpmd_run TAG: one testpmd 5tswap process, same ports and input.
testpmd_run() {
	local tag=$1 prefix=bsbench$$-$1
	PREFIXES+=("$prefix")
	show_cmd testpmd "$TESTPMD" "${EAL_LCORES[@]}" --no-huge -m "$MEM" --no-pci --file-prefix "$prefix" \
		--vdev=net_pcap0,rx_pcap="$TMP/in.pcap",infinite_rx=1 --vdev=net_null0,no-rx=1 \
		-- --forward-mode=5tswap --total-num-mbufs="$TP_MBUFS" --record-core-cycles
	run_bg timeout -k 5 "$(bound "$(awk -v d="$DURATION" -v s="$SLACK" 'BEGIN { print d + 2 * s }')")" \
		$PY "$HELPERS/run_testpmd.py" --duration "$DURATION" --timeout "$SLACK" \
		--worker "$WORKER_COMM" \
		--log "$TMP/$tag.log" --json "$TMP/$tag.json" -- \
		"$TESTPMD" "${EAL_LCORES[@]}" --no-huge -m "$MEM" --no-pci --file-prefix "$prefix" \
		--vdev=net_pcap0,rx_pcap="$TMP/in.pcap",infinite_rx=1 --vdev=net_null0,no-rx=1 \
		-- --forward-mode=5tswap --total-num-mbufs="$TP_MBUFS" --record-core-cycles \
		|| fail_log "testpmd run '$tag' failed" "$TMP/$tag.log"
}

# The pool must hold the whole replayed pcap (infinite_rx keeps a copy of
# every frame in mbufs) on top of what the ports and worker need.
FRAMES=$PACKETS
[ "$KIND" != synack ] || FRAMES=$((2 * PACKETS))
MBUFS=$((FRAMES + 8192))
# A listener: Backstop reserves 8192 more for connections' queues.
[ "$KIND" = rst ] || MBUFS=$((MBUFS + 8192))
TP_MBUFS=$((MBUFS > 16384 ? MBUFS : 16384))

# SYN-ACK kinds: a listener on port 80 and known SipHash keys, so that
# the verification can recompute the cookies.
SYN_PORT=80
COOKIE_SECRET=000102030405060708090a0b0c0d0e0f
ISN_SECRET=f0e1d2c3b4a5968778695a4b3c2d1e0f
listen_conf() {
	[ "$KIND" != rst ] || return 0
	cat <<EOF
[tcp]
tcp_syncookies = $([ "$KIND" = synack-cookie ] && echo 2 || echo 0)
syncookie_secret = $COOKIE_SECRET
isn_secret = $ISN_SECRET
requests = $((PACKETS > 16384 ? PACKETS : 16384))
[listener bench]
address = 198.18.0.2
port = $SYN_PORT
app = http
EOF
}
cat >"$TMP/bench.conf" <<EOF
; bench-stray.sh: pcap in (infinite replay), null out
[backstop]
mbufs = $MBUFS
announce = no
[port net_pcap0]
address = 198.18.0.2/24
tx_port = net_null0
[port net_null0]
$(listen_conf)
EOF
cat >"$TMP/verify.conf" <<EOF
; bench-stray.sh: pcap in (once), pcap out
[backstop]
announce = no
[port net_pcap0]
address = 198.18.0.2/24
tx_port = net_pcap1
[port net_pcap1]
$(listen_conf)
EOF

# 1. Backstop's MAC on net_pcap0, from its start-up line.
$PY "$HELPERS/gen_stray.py" "$TMP/probe.pcap" 1 02:70:63:61:70:00
backstop_run probe "$TMP/bench.conf" 0.2 --vdev=net_pcap0,rx_pcap="$TMP/probe.pcap" \
	--vdev=net_null0,no-rx=1
MAC=$(awk '$1 == "backstop:" && $2 == "port" && $3 == "net_pcap0" { sub(/,$/, "", $6); print $6; exit }' \
	"$TMP/probe.log")
[[ $MAC =~ ^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$ ]] ||
	fail_log "no 'backstop: port net_pcap0' line with a MAC" "$TMP/probe.log"
echo "bench-stray: Backstop's net_pcap0 MAC is $MAC"

# 2. The stray segments (or SYNs).
case $KIND in
rst)
	$PY "$HELPERS/gen_stray.py" "$TMP/in.pcap" "$PACKETS" "$MAC" "$SEED"
	echo "bench-stray: $PACKETS stray segments (SYN, ACK, PSH|ACK+data, FIN|ACK, FIN) in $TMP/in.pcap" ;;
synack-cookie)
	$PY "$HELPERS/gen_stray.py" "$TMP/in.pcap" "$PACKETS" "$MAC" "$SEED" --kind syn --port $SYN_PORT
	echo "bench-stray: $PACKETS SYNs to port $SYN_PORT in $TMP/in.pcap" ;;
synack)
	$PY "$HELPERS/gen_stray.py" "$TMP/in.pcap" "$PACKETS" "$MAC" "$SEED" --kind synrst --port $SYN_PORT
	echo "bench-stray: $PACKETS SYNs to port $SYN_PORT, each followed by its RST, in $TMP/in.pcap" ;;
esac

# 3. Every reply of one pass over the pcap, checked.
backstop_run verify "$TMP/verify.conf" 1 --vdev=net_pcap0,rx_pcap="$TMP/in.pcap" \
	--vdev=net_pcap1,tx_pcap="$TMP/out.pcap"
VERIFY_RC=0
# A connection's segments (SYN-ACKs) leave with the MAC of the port they
# are sent from (net_pcap1 here, tx_port), RSTs with the receiving port's.
TX_MAC=$(awk '$1 == "backstop:" && $2 == "port" && $3 == "net_pcap1" { sub(/,$/, "", $6); print $6; exit }' \
	"$TMP/verify.log")
case $KIND in
rst) VERIFY=("$HELPERS/verify_replies.py" "$TMP/in.pcap" "$TMP/out.pcap" "$MAC") ;;
synack-cookie) VERIFY=("$HELPERS/verify_synacks.py" "$TMP/in.pcap" "$TMP/out.pcap" "$TX_MAC"
	--cookies --secret "$COOKIE_SECRET" --isn-secret "$ISN_SECRET") ;;
synack) VERIFY=("$HELPERS/verify_synacks.py" "$TMP/in.pcap" "$TMP/out.pcap" "$TX_MAC") ;;
esac
VERIFY_LINE=$($PY "${VERIFY[@]}") || VERIFY_RC=$?
echo "bench-stray: $VERIFY_LINE"
if [ "$VERIFY_RC" != 0 ]; then
	echo "bench-stray: wrong replies: not benchmarking (--keep keeps the pcaps)" >&2
	exit 1
fi
read -r VERIFIED VERIFY_MISMATCHES < <(awk '{ print $2, $4 }' <<<"$VERIFY_LINE")

# 4. Backstop and testpmd, alternately.
SHARE_SKIP=$(awk -v d="$DURATION" 'BEGIN { print (d / 4 < 0.5 ? d / 4 : 0.5) }')
SHARE_WINDOW=$(awk -v d="$DURATION" 'BEGIN { print (d - 1 > d / 2 ? d - 1 : d / 2) }')

# bench_backstop TAG: one measured Backstop run; its worker's CPU share
# goes to TAG.cpu.json.
bench_backstop() {
	backstop_start "$1" "$TMP/bench.conf" "$DURATION" \
		--vdev=net_pcap0,rx_pcap="$TMP/in.pcap",infinite_rx=1 --vdev=net_null0,no-rx=1
	run_bg timeout -k 5 "$(bound "$DURATION")" $PY "$HELPERS/cpu_share.py" --root "$BS_PID" \
		--comm "$WORKER_COMM" --log "$TMP/$1.log" --after "backstop: running" --skip "$SHARE_SKIP" \
		--window "$SHARE_WINDOW" --timeout "$SLACK" --json "$TMP/$1.cpu.json" ||
		echo "bench-stray: (no CPU share for $1)" >&2
	backstop_wait "$1"
}

# The worker's share of its CPU in a run, in per mille (0: unknown).
permille() {
	$PY -c 'import json, sys
try:
    print(int(1000 * json.load(open(sys.argv[1])).get("run_share", 0)))
except (OSError, ValueError):
    print(0)' "$1"
}

# measure KIND R: run $KIND ("bs" or "tp") until its worker had at least
# --min-cpu of its CPU, at most 1 + --retries times; the best attempt's
# JSON path goes to BEST.
measure() {
	local kind=$1 r=$2 k tag pm best_pm=-1 f
	for k in $(seq 0 "$RETRIES"); do
		tag=$kind$r.$k
		if [ "$kind" = bs ]; then
			bench_backstop "$tag"
			f=$TMP/$tag.cpu.json
		else
			testpmd_run "$tag"
			f=$TMP/$tag.json
		fi
		pm=$(permille "$f")
		if [ "$pm" -gt "$best_pm" ]; then best_pm=$pm; BEST=$TMP/$tag.json; fi
		[ "$pm" -lt $((MIN_CPU * 10)) ] || break
		[ "$k" = "$RETRIES" ] ||
			echo "bench-stray:   the worker had $((pm / 10)).$((pm % 10))% of CPU $WORKER_CPU (another task ran there): again"
	done
}

BS_JSONS=()
TP_JSONS=()
for r in $(seq 1 "$RUNS"); do
	echo "bench-stray: run $r/$RUNS: backstop, ${DURATION}s"
	measure bs "$r"
	BS_JSONS+=("$BEST")
	[ "$WITH_TESTPMD" = 1 ] || continue
	echo "bench-stray: run $r/$RUNS: testpmd 5tswap, ${DURATION}s"
	measure tp "$r"
	TP_JSONS+=("$BEST")
done

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
# Where Backstop's mbufs were (lib/port/pool.c): transparent huge pages or
# the EAL's 4 KiB pages; testpmd's are always the EAL's.
MBUF_MEM=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["mbufs"].get("memory", "eal"))' \
	"${BS_JSONS[0]}" 2>/dev/null || echo unknown)
echo "backstop's mbuf memory: $MBUF_MEM (testpmd's: eal)"
$PY "$HELPERS/report.py" --kind "$KIND" --bs "$(IFS=,; echo "${BS_JSONS[*]}")" \
	--tp "$(IFS=,; echo "${TP_JSONS[*]}")" ${JSON:+--json "$JSON"} --min-cpu "$MIN_CPU" \
	--meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --meta "kernel=$(uname -r)" \
	--meta "cpu=$CPU" --meta "cpus=$(nproc)" --meta "revision=$REV" \
	--meta "backstop_version=$("$BACKSTOP" --version)" --meta "backstop=$BACKSTOP" \
	--meta "worker_cpu=$WORKER_CPU" --meta "kind=$KIND" --meta "mbuf_memory=$MBUF_MEM" \
	--meta "packets=$PACKETS" --meta "duration_s=$DURATION" --meta "runs=$RUNS" \
	--meta "verified_replies=$VERIFIED" --meta "verify_mismatches=$VERIFY_MISMATCHES"
echo "verified $VERIFIED replies, $VERIFY_MISMATCHES mismatches"
[ -z "$JSON" ] || echo "bench-stray: figures in $JSON"

# 5. Optional: where the worker spends its time.
if [ -n "$PERF" ]; then
	PDUR=$(awk -v d="$DURATION" 'BEGIN { print d + 4 }')
	echo "bench-stray: perf: backstop for ${PDUR}s, perf record -e cpu-clock -C $WORKER_CPU for ${DURATION}s"
	backstop_start perf "$TMP/bench.conf" "$PDUR" \
		--vdev=net_pcap0,rx_pcap="$TMP/in.pcap",infinite_rx=1 --vdev=net_null0,no-rx=1
	# EAL start-up and the first second of forwarding pass first.
	TID=$(timeout "$SLACK" $PY "$HELPERS/cpu_share.py" --root "$BS_PID" --comm "$WORKER_COMM" \
		--log "$TMP/perf.log" \
		--after "backstop: running" --timeout "$SLACK" --tid) ||
		fail_log "no worker thread in the profiled run" "$TMP/perf.log"
	sleep 1
	run_bg timeout -s INT -k 5 "$(bound "$DURATION")" perf record -q -e cpu-clock \
		-C "$WORKER_CPU" -o "$PERF" -- sleep "$DURATION" >"$TMP/perf-record.log" 2>&1 ||
		fail_log "perf record failed" "$TMP/perf-record.log"
	backstop_wait perf
	# The first N rows of a perf report (awk reads it all: no SIGPIPE).
	rows() { awk -v n="$1" '!/^#/ && NF && n-- > 0'; }
	{
		echo "# perf record -e cpu-clock -C $WORKER_CPU, ${DURATION}s of a Backstop run"
		echo "# CPU $WORKER_CPU by thread (pid:comm):"
		perf report -i "$PERF" --stdio --sort pid 2>/dev/null | rows 8
		echo "# Backstop's worker thread ($TID) by library:"
		perf report -i "$PERF" --stdio --tid "$TID" --percentage relative --sort dso \
			2>/dev/null | rows 8
		echo "# Backstop's worker thread by function:"
		perf report -i "$PERF" --stdio --tid "$TID" --percentage relative --sort dso,sym \
			2>/dev/null | rows 30
	} >"$PERF.txt"
	cat "$PERF.txt"
	echo "bench-stray: profile in $PERF ($PERF.txt)"
fi
