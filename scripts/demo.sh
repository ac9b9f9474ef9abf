#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run Backstop on its built-in default configuration (config/backstop.conf)
# with a demo topology: a real Linux client in namespace bs-demo-c
# (198.18.0.1, 2001:2::1) joined by a veth pair to Backstop (198.18.0.2,
# 2001:2::2), which drives its end through DPDK's net_af_packet.
# Ctrl-C stops Backstop (it prints its counters) and removes the topology.
#
#   scripts/demo.sh [backstop options...]     e.g. --set ipv4.ip_default_ttl=32
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release
ninja -C build

# shellcheck source=scripts/topology.sh
source scripts/topology.sh
NAME=bs-demo
bs_topo_down "$NAME"	# left over from an interrupted run
bs_topo_up "$NAME"
# (and the EAL's runtime directory, which DPDK leaves behind)
trap 'bs_topo_down "$NAME"; rm -rf /var/run/dpdk/bs-demo' EXIT

cat <<EOT

Demo topology is up:
  client    namespace $NAME-c, 198.18.0.1/24 and 2001:2::1/64 on $NAME-c0
  backstop  198.18.0.2/24 and 2001:2::2/64, net_af_packet on $NAME-d0 (namespace $NAME-d)

Try from another terminal:
  ip netns exec $NAME-c nc -vz 198.18.0.2 23      # Connection refused (RST from Backstop)
  ip netns exec $NAME-c nc -vz 2001:2::2 23
  ip netns exec $NAME-c ping -c 3 198.18.0.2
  ip netns exec $NAME-c ping -c 3 2001:2::2
  ip netns exec $NAME-c ip neigh                  # Backstop's MAC, learnt by ARP and ND
  ip netns exec $NAME-c curl -s http://198.18.0.2/ # the http listener (port 80)
  echo hi | ip netns exec $NAME-c nc -N 198.18.0.2 7     # the echo listener
  ip netns exec $NAME-c nc 198.18.0.2 21          # banner, then a normal close
  ip netns exec $NAME-c nc 198.18.0.2 5002        # abort: the connection is reset
  (listeners on 7, 9, 21, 80, 5000-5004: config/backstop.conf)
  build/app/backstopctl/backstopctl show resets   # the CLI: why each RST was sent
  build/app/backstopctl show connections          # ... the connections; help for more
  build/app/backstopctl                           # an interactive session (Tab completes)
  pkill -USR1 -x backstop                         # print Backstop's counters
Ctrl-C stops Backstop and removes the topology.

EOT

ip netns exec "$NAME-d" build/app/backstop/backstop -l 0,1 --no-huge -m 256 \
	--no-pci --file-prefix bs-demo --vdev="net_af_packet0,iface=$NAME-d0" -- "$@"
