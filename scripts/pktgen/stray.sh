#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# pktgen-dpdk stray floods against Backstop (docs/benchmarking.md): writes
# the command file (.pkt) and pcap for pktgen, and prints the pktgen
# command line. pktgen is not run here.
#
# usage: scripts/pktgen/stray.sh --mac BACKSTOP_MAC [--kind syn|ack|data|fin|rst|mix]
#            [--dst 198.18.0.2] [--port 0] [--rate PCT] [--out DIR]
#            [--packets N] [--seconds S]
#
#   --kind K   one kind of segment in range mode (pktgen builds each frame,
#              checksums included, from incrementing source address, source
#              port, destination port and sequence numbers), or `mix`: the
#              pcap of scripts/bench-stray.sh (gen_stray.py: SYN, ACK,
#              PSH|ACK+data, FIN|ACK, FIN from random 4-tuples, valid
#              checksums) replayed by pktgen's pcap mode (-s PORT:FILE)
#   --mac M    Backstop's port MAC (backstopctl show ports)
#   --rate P   pktgen's rate, percent of the link (default 100)
#   --packets N  distinct segments of the mix pcap (default 4096)
#   --seconds S  how long stray.lua sends (default 10)
#   --out DIR  where the files go (default ./pktgen-stray)
#
# Then, on the generator machine (pktgen 23.x or later for `range ... tcp
# flags`), e.g. port 0 on cores 2-3:
#   pktgen -l 0-3 -n 4 -a PCI -- -P -m "[2:3].0" -f DIR/stray.pkt
#   pktgen -l 0-3 -n 4 -a PCI -- -P -m "[2:3].0" -f scripts/pktgen/stray.lua  (timed, stats)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAC='' KIND=syn DST=198.18.0.2 PORT=0 RATE=100 OUT=pktgen-stray PACKETS=4096 SECONDS_=10
while [ $# -gt 0 ]; do
	case $1 in
	--mac) MAC=$2; shift ;;
	--kind) KIND=$2; shift ;;
	--dst) DST=$2; shift ;;
	--port) PORT=$2; shift ;;
	--rate) RATE=$2; shift ;;
	--out) OUT=$2; shift ;;
	--packets) PACKETS=$2; shift ;;
	--seconds) SECONDS_=$2; shift ;;
	-h | --help) sed -n '/^# usage:/,/^set -e/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
	*) echo "stray.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ $MAC =~ ^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$ ]] || { echo "stray.sh: --mac: Backstop's port MAC" >&2; exit 2; }
case $KIND in
syn) FLAGS=syn ;;
ack) FLAGS=ack ;;
data) FLAGS=psh,ack ;;
fin) FLAGS=fin,ack ;;
rst) FLAGS=rst ;;
mix) FLAGS= ;;
*) echo "stray.sh: --kind: syn, ack, data, fin, rst or mix" >&2; exit 2 ;;
esac
mkdir -p "$OUT"

if [ "$KIND" = mix ]; then
	/usr/bin/python3 "$ROOT/scripts/benchlib/gen_stray.py" "$OUT/stray.pcap" "$PACKETS" "$MAC"
	cat >"$OUT/stray.pkt" <<PKT
# Backstop stray flood: the pcap of scripts/bench-stray.sh, replayed
# (pktgen -s $PORT:$OUT/stray.pcap). Destination $DST, MAC $MAC.
stop $PORT
set $PORT rate $RATE
enable $PORT pcap
PKT
	LOADS="-s $PORT:$OUT/stray.pcap"
else
	# 64-byte frames; the data kind carries 10 bytes of payload.
	SIZE=64
	cat >"$OUT/stray.pkt" <<PKT
# Backstop stray flood: $KIND segments (TCP flags $FLAGS) to $DST ($MAC),
# range mode: every field below steps per frame, pktgen fills checksums.
stop $PORT
set $PORT rate $RATE
range $PORT type ipv4
range $PORT proto tcp
range $PORT dst mac start $MAC
range $PORT dst ip $DST $DST $DST 0.0.0.0
range $PORT src ip 198.19.0.1 198.19.0.1 198.19.255.254 0.0.0.1
range $PORT src port 1024 1024 65535 1
range $PORT dst port 1 1 65535 7
range $PORT tcp flags clr
range $PORT tcp flags $FLAGS
range $PORT tcp seq 1 0 4294967295 104729
range $PORT tcp ack 1 0 4294967295 1299709
range $PORT size $SIZE $SIZE $SIZE 0
range $PORT ttl 64 64 64 0
enable $PORT range
PKT
	LOADS=
fi
cat >"$OUT/stray.env" <<ENV
BS_PKTGEN_PORT=$PORT
BS_PKTGEN_PKT=$OUT/stray.pkt
BS_PKTGEN_SECONDS=$SECONDS_
ENV
echo "stray.sh: wrote $OUT/stray.pkt${LOADS:+ and $OUT/stray.pcap}"
echo "  interactive: pktgen -l 0-3 -n 4 -a PCI -- -P -m \"[2:3].$PORT\" $LOADS -f $OUT/stray.pkt  (then: start $PORT)"
echo "  timed:       env \$(cat $OUT/stray.env) pktgen -l 0-3 -n 4 -a PCI -- -P -m \"[2:3].$PORT\" $LOADS -f $ROOT/scripts/pktgen/stray.lua"
