#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite, from a fresh Debian 12 machine: installs what it
# needs, builds the release and the ASan+UBSan configurations, runs every
# suite (unit, packet, e2e) in both, runs the fuzz suite (test/fuzz: a
# bounded run of each libFuzzer harness in a clang build, build-fuzz) and
# ends with "N passed, M failed".
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    release build only
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = --quick ] && quick=1

scripts/deps.sh

setup() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
}

setup build --buildtype=release
scripts/check-style.sh

results=()
run_suites() {
	local dir=$1
	shift
	local rc=0
	"$@" meson test -C "$dir" --print-errorlogs --timeout-multiplier 2 || rc=$?
	results+=("$dir/meson-logs/testlog.json")
	return $rc
}

status=0
run_suites build env || status=1
if [ $quick -eq 0 ]; then
	setup build-asan --buildtype=debug -Db_sanitize=address,undefined
	# DPDK's own libraries are not instrumented; a leak report at exit
	# would be about EAL's allocations, not ours.
	run_suites build-asan env ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 || status=1
	# The libFuzzer harnesses: the library alone, built by clang with
	# coverage, ASan and UBSan (docs/reliability.md; longer runs:
	# scripts/fuzz.sh).
	CC=clang setup build-fuzz -Dfuzz=true -Db_lto=false -Db_lundef=false \
		--buildtype=debug -Doptimization=1 -Db_sanitize=address,undefined
	run_suites build-fuzz env || status=1
fi

/usr/bin/python3 - "${results[@]}" <<'PY' || status=1
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        if r.get("result") == "OK":
            passed += 1
        elif r.get("result") == "SKIP":
            skipped += 1
            print("skipped: %s (%s)" % (r.get("name"), path))
        else:
            failed += 1
            print("failed: %s (%s)" % (r.get("name"), path))
# A skipped suite is a missing dependency: it must not pass for a green run.
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or skipped else 0)
PY
exit $status
