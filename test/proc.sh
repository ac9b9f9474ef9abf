# SPDX-License-Identifier: BSD-3-Clause
# Source this file: process helpers shared by the shell test suites
# (test/e2e, test/diff), so every suite bounds and reaps what it starts
# the same way.

# stop_pid PID SIGNAL SECONDS: signal PID, wait up to SECONDS for it to
# go, then SIGKILL it and its children (PID is often a `timeout` or a
# subshell whose children must not outlive it).
stop_pid() {
	local pid=$1 sig=$2 n=$(($3 * 10)) kids
	[ -n "$pid" ] || return 0
	kids=$(pgrep -P "$pid" 2>/dev/null || true)
	kill -"$sig" "$pid" 2>/dev/null || return 0
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	# shellcheck disable=SC2086
	kill -KILL "$pid" $kids 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.05 s until it succeeds
# (0) or SECONDS pass (1).
wait_for() {
	local n=$(($1 * 20))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# wait_running LOG PID SECONDS: wait until Backstop (PID, its stdout in LOG)
# prints its `backstop: running` line (0), or exits or SECONDS pass (1).
wait_running() {
	local log=$1 pid=$2
	# -s: the log may not exist yet (the background job's redirection)
	# shellcheck disable=SC2317
	_running_or_gone() { grep -qs '^backstop: running' "$log" || ! kill -0 "$pid" 2>/dev/null; }
	wait_for "$3" _running_or_gone
	grep -qs '^backstop: running' "$log"
}

# skip WHY...: the suite cannot run here: SKIP, no checks, exit 77.
skip() { echo "SKIP: $*"; echo "0 passed, 0 failed"; exit 77; }

# started_or_fail OUT ERR PID: wait_running for Backstop started in the
# background as PID (a `timeout` wrapping it; stdout OUT, stderr ERR), or
# fail the suite (FAIL backstop-start, the tails of both, exit 1); then set
# BS to the backstop process itself, PID's child (FAIL backstop-pid if none).
started_or_fail() {
	if ! wait_running "$1" "$3" 45; then
		echo "FAIL backstop-start"
		tail -20 "$1" "$2"
		echo "0 passed, 1 failed"
		exit 1
	fi
	BS=$(pgrep -P "$3" -x backstop || true)
	[ -n "$BS" ] || { echo "FAIL backstop-pid"; echo "0 passed, 1 failed"; exit 1; }
}
