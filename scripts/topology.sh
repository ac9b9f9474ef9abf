# SPDX-License-Identifier: BSD-3-Clause
# Source this file. A two-namespace topology: a Linux client and the side
# Backstop (or a reference Linux kernel) answers on, joined by a veth pair.
#
#   bs_topo_up NAME [kernel]
#     NAME-c  client namespace, interface NAME-c0: 198.18.0.1/24, 2001:2::1/64
#     NAME-d  DUT namespace, interface NAME-d0: no address, IPv6 off (for
#             net_af_packet), or with "kernel": 198.18.0.2/24 and 2001:2::2/64
#             on the kernel itself (the reference Linux host)
#   bs_topo_down NAME     remove both namespaces (and so the veth pair)
#
# NAME must be at most 12 characters (interface names are limited to 15).
# Checksum offload is off on both ends: af_packet would otherwise see
# segments whose checksum the kernel never filled in.

bs_topo_up() {
	local n=$1 mode=${2:-dpdk}
	ip netns add "$n-c"
	ip netns add "$n-d"
	ip link add "$n-c0" netns "$n-c" type veth peer name "$n-d0" netns "$n-d"
	ip -n "$n-c" link set lo up
	ip -n "$n-d" link set lo up
	ip netns exec "$n-c" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	ip -n "$n-c" addr add 198.18.0.1/24 dev "$n-c0"
	ip -n "$n-c" addr add 2001:2::1/64 dev "$n-c0" nodad
	if [ "$mode" = kernel ]; then
		ip -n "$n-d" addr add 198.18.0.2/24 dev "$n-d0"
		ip -n "$n-d" addr add 2001:2::2/64 dev "$n-d0" nodad
	else
		ip netns exec "$n-d" sysctl -qw "net.ipv6.conf.$n-d0.disable_ipv6=1"
	fi
	ip netns exec "$n-c" ethtool -K "$n-c0" tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$n-d" ethtool -K "$n-d0" tx off rx off >/dev/null 2>&1 || true
	ip -n "$n-c" link set "$n-c0" up
	ip -n "$n-d" link set "$n-d0" up
}

bs_topo_down() {
	local n=$1
	ip netns del "$n-c" 2>/dev/null || true
	ip netns del "$n-d" 2>/dev/null || true
}
