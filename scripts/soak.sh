#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A long soak run (docs/reliability.md, 7. Soak): stray floods, connection
# churn from a Linux peer, live reconfiguration and CLI polling against
# Backstop for --duration seconds, then the checks of the CI run (memory
# back to baseline, resets counted = on the wire = captured). Run as root
# after a build; prints a line of figures every PROGRESS seconds and ends
# with "N passed, M failed".
#
#   scripts/soak.sh [--duration S] [--build DIR]     (default 600 s, build)
set -euo pipefail
cd "$(dirname "$0")/.."

dur=600
build=build
while [ $# -gt 0 ]; do
	case $1 in
	--duration) dur=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--duration S] [--build DIR]" >&2; exit 2 ;;
	esac
done
[[ $dur =~ ^[0-9]+$ ]] && [ "$dur" -ge 5 ] || { echo "soak: --duration: seconds, at least 5" >&2; exit 2; }
[ -x "$build/app/backstop/backstop" ] || { echo "soak: no $build/app/backstop/backstop: build first" >&2; exit 2; }
echo "soak: $dur s, $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
exec test/e2e/test_stress.sh "$build/app/backstop/backstop" . soak "$dur"
