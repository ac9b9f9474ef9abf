#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what Backstop needs to build, run and test on Debian 12.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

PKGS=(
	build-essential meson ninja-build pkg-config python3
	dpdk dpdk-dev libdpdk-dev libnuma-dev libpcap-dev
	iproute2 ethtool netcat-openbsd iputils-ping procps
	python3-scapy tcpdump tshark curl wget
	libedit-dev
	babeltrace
	netsniff-ng
	clang libclang-rt-14-dev
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -q
# env: sudo would not pass DEBIAN_FRONTEND on (tshark asks a debconf question)
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
