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
	# shellcheck disable=SC2317
	_running_or_gone() { grep -q '^backstop: running' "$log" || ! kill -0 "$pid" 2>/dev/null; }
	wait_for "$3" _running_or_gone
	grep -q '^backstop: running' "$log"
}
