#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Longer runs of the libFuzzer harnesses (test/fuzz) than the test suite's:
# builds build-fuzz (clang) if needed, runs each harness for S seconds
# (default 600) after replaying its regression inputs, and records each
# run's output in build-fuzz/fuzz-logs/HARNESS-UTCDATE.log. A crash leaves
# its input in build-fuzz/test/fuzz/fuzz-artifacts/HARNESS/: make it a
# regression input (test/fuzz/regress/HARNESS/) once the bug is fixed.
#
#   scripts/fuzz.sh [--time S] [HARNESS...]     HARNESS: config frame tcp cli capture
set -euo pipefail
cd "$(dirname "$0")/.."

secs=600
if [ "${1:-}" = --time ]; then
	secs=$2
	shift 2
fi
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(config frame tcp cli capture)

if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_lto=false -Db_lundef=false \
		--buildtype=debug -Doptimization=1 -Db_sanitize=address,undefined
fi
ninja -C build-fuzz
mkdir -p build-fuzz/fuzz-logs

status=0
for h in "${harnesses[@]}"; do
	log=build-fuzz/fuzz-logs/$h-$(date -u +%Y%m%dT%H%M%SZ).log
	echo "fuzz.sh: $h for $secs s, output in $log"
	test/fuzz/run.sh "build-fuzz/test/fuzz/fuzz_$h" "$h" test/fuzz "$secs" \
		>"$log" 2>&1 || status=1
	tail -n 1 "$log"
done
exit $status
