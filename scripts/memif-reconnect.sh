#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# memif reconnects under load (docs/operations.md, "net_memif"; docs/reliability.md, 6):
# one Backstop on a memif server port and N backstop-gen runs against it, each
# a memif connect, a flat-out stray flood of --count frames and a disconnect
# while Backstop's worker polls. DPDK 22.11's driver unmaps the rings under
# the worker on each disconnect; Backstop's unmap guard makes it wait. Prints
# "survived N connects" and exits 0, or says after which connect Backstop
# died and exits 1. Run as root after a build.
#
#   scripts/memif-reconnect.sh [--runs N] [--count FRAMES] [--build DIR]
#                              (default 150 runs of 200000 frames, build)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=150
count=200000
build=build
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--runs N] [--count FRAMES] [--build DIR]" >&2; exit 2 ;;
	esac
done
[[ $runs =~ ^[0-9]+$ && $count =~ ^[0-9]+$ ]] || { echo "memif-reconnect: --runs, --count: numbers" >&2; exit 2; }
bs=$build/app/backstop/backstop
gen=$build/app/backstop-gen/backstop-gen
[ -x "$bs" ] && [ -x "$gen" ] || { echo "memif-reconnect: build $build first" >&2; exit 2; }

dir=$(mktemp -d /tmp/bs-memif-reconnect.XXXXXX)
tag=bs-mrc-$$
bspid=
cleanup() {
	if [ -n "$bspid" ]; then
		kill -INT "$bspid" 2>/dev/null || true
		for _ in $(seq 30); do kill -0 "$bspid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$bspid" 2>/dev/null || true
	fi
	rm -rf "$dir" /var/run/dpdk/"$tag"-*
}
trap cleanup EXIT

cat >"$dir/backstop.conf" <<'EOF'
[backstop]
announce = no
[control]
socket =
prometheus =
telemetry = no
[port net_memif0]
address = 198.18.0.2/24
EOF
"$bs" -l 0,1 --file-prefix "$tag-bs" --no-huge -m 256 --no-pci \
	--vdev=net_memif0,role=server,socket="$dir/memif.sock" -- \
	--config "$dir/backstop.conf" --duration 3600 >"$dir/backstop.log" 2>&1 &
bspid=$!
for _ in $(seq 100); do grep -q "backstop: running" "$dir/backstop.log" && break; sleep 0.1; done
grep -q "backstop: running" "$dir/backstop.log" || { cat "$dir/backstop.log"; exit 1; }
grep "port net_memif0" "$dir/backstop.log"
start=$(date +%s)
for i in $(seq "$runs"); do
	timeout -k 3 60 "$gen" -l 0 --file-prefix "$tag-gen$i" --no-huge -m 256 --no-pci \
		--vdev=net_memif0,role=client,socket="$dir/memif.sock" -- --rate 0 \
		--count "$count" --mix syn,ack,data --dport 1000-2000 --drain-ms 50 \
		--json "$dir/gen.json" >"$dir/gen.log" 2>&1 || true
	rm -rf /var/run/dpdk/"$tag-gen$i"
	if ! kill -0 "$bspid" 2>/dev/null; then
		wait "$bspid" && rc=0 || rc=$?
		bspid=
		echo "memif-reconnect: Backstop died (exit $rc) after $i connects, $(($(date +%s) - start)) s"
		tail -3 "$dir/backstop.log"
		exit 1
	fi
done
echo "memif-reconnect: survived $runs connects of $count frames each, $(($(date +%s) - start)) s"
