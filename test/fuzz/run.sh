#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One harness's bounded run (a test of the fuzz suite, and scripts/fuzz.sh):
# every input of regress/NAME once, then SECONDS of fuzzing from
# corpus/NAME (new inputs go to a scratch copy; the tree is not written).
# A crash leaves its input in DIR/fuzz-artifacts/NAME/ (DIR: the harness's
# build directory) and fails the test; the last line says what ran.
#
#   run.sh HARNESS_EXE NAME SOURCE_DIR SECONDS [LIBFUZZER_OPTION...]
set -euo pipefail
exe=$1 name=$2 src=$3 secs=$4
shift 4

work=$(mktemp -d "/tmp/bs-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
art="$(cd "$(dirname "$exe")" && pwd)/fuzz-artifacts/$name"
mkdir -p "$art" "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

n_reg=0
if [ -d "$src/regress/$name" ]; then
	mapfile -t reg < <(find "$src/regress/$name" -type f | sort)
	n_reg=${#reg[@]}
	if [ "$n_reg" -gt 0 ]; then
		"$exe" "${reg[@]}" >"$work/regress.log" 2>&1 || {
			tail -n 60 "$work/regress.log"
			echo "fuzz-$name: a regression input fails"
			exit 1
		}
	fi
fi

# The longest input: a jumbo frame in a chain (frame), a start byte and
# 48 records (tcp), lines over the 4095-byte limit (cli).
case $name in
frame) max_len=8193 ;;
tcp) max_len=433 ;;
cli) max_len=16384 ;;
*) max_len=8192 ;;
esac

rc=0
"$exe" -max_total_time="$secs" -max_len=$max_len -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
	-artifact_prefix="$art/" "$@" "$work/corpus" "$src/corpus/$name" \
	>"$work/fuzz.log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)
if [ $rc -ne 0 ]; then
	tail -n 80 "$work/fuzz.log"
	echo "fuzz-$name: FAILED (exit $rc) after ${execs:-?} executions; input kept in $art/"
	exit 1
fi
grep -E '^#[0-9]+ +(INITED|DONE)' "$work/fuzz.log" | tail -n 2 || true
echo "fuzz-$name: ${execs:-?} executions in ${secs} s, $(find "$work/corpus" -type f | wc -l)" \
	"new corpus inputs, $n_reg regression inputs replayed"
