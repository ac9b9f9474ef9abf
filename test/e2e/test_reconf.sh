#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Live reconfiguration under load: 100 changes, SIGHUPs alternating two
# configuration files (listener `extra` added and removed, the policy of an
# AnyIP prefix changed, TCP knobs and the overload action changed) and
# every fifth through the CLI (backstopctl: listener add|del, policy add,
# set tcp), while a
# real Linux peer keeps connections to a listener that stays, long-lived
# connections on it and stray SYNs to a closed port going
# (reconf_load.py). Asserts: every reconfiguration applied and effective,
# no short or long connection lost, every stray refused, no retransmission
# by the peer (nstat: a lost segment would be retransmitted); then that a
# bad file (a syntax error, a key that cannot change live) changes nothing
# and is reported with its file, line and key.
#
#   test_reconf.sh BACKSTOP_BINARY SOURCE_ROOT
#
# Prints `ok NAME` / `FAIL NAME why`, then `N passed, M failed`; 77 when it
# cannot run.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 BACKSTOP_BINARY SOURCE_ROOT" >&2; exit 2; }
BIN=$(readlink -f "$1")
SRC=$(readlink -f "$2")
CTL=$(dirname "$BIN")/../backstopctl/backstopctl
# shellcheck source=test/proc.sh
source "$SRC/test/proc.sh"
PY=/usr/bin/python3
A=bsr$$; A=${A:0:12}
PREFIX=bs-reconf-$$
T=$(mktemp -d /tmp/bs-reconf.XXXXXX)
BS_PID=
PASS=0
FAIL=0
N=${BS_RECONF_N:-100}

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip nstat timeout; do command -v "$t" >/dev/null || skip "$t not found"; done
[ -x "$PY" ] || skip "$PY not found"
[ -x "$CTL" ] || { echo "FAIL setup: no backstopctl beside $BIN"; echo "0 passed, 1 failed"; exit 1; }

ok() { echo "ok $1"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $1 ${2:-}"; FAIL=$((FAIL + 1)); }

cleanup() {
	local rc=$?
	set +e
	stop_pid "$BS_PID" INT 10
	timeout 20 bash -c "source '$SRC/scripts/topology.sh'; bs_topo_down $A"
	if [ -n "${BS_RECONF_KEEP:-}" ]; then mkdir -p "$BS_RECONF_KEEP" && cp -f "$T"/* "$BS_RECONF_KEEP"/; fi
	rm -rf "$T" "/var/run/dpdk/$PREFIX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

common() {
	cat <<-CONF
	[control]
	socket = $T/bs.sock
	[port net_af_packet0]
	address = 198.18.0.2/24, 2001:2::2/64
	anyip = 198.18.9.0/24
	[listener stable]
	port = 8080
	app = echo
	CONF
}
{ common; cat <<-CONF
	[listener extra]
	port = 9090
	app = discard
	[stray]
	policies = 198.18.9.0/24 drop, 198.18.0.2/32 reply
	[tcp]
	tcp_fin_timeout = 30
	tcp_keepalive_time = 600
	overload = drop
	CONF
} >"$T/a.conf"
{ common; cat <<-CONF
	[stray]
	policies = 198.18.9.0/24 ratelimit 1000, 2001:2::/64 reply
	[tcp]
	tcp_fin_timeout = 45
	tcp_synack_retries = 3
	CONF
} >"$T/b.conf"
cp "$T/a.conf" "$T/backstop.conf"

timeout 30 bash -c "source '$SRC/scripts/topology.sh' && bs_topo_down $A && bs_topo_up $A"
# The AnyIP prefix is reached through Backstop's address.
ip -n "$A-c" route add 198.18.9.0/24 via 198.18.0.2

ip netns exec "$A-d" timeout 170 "$BIN" -l 0,1 --no-huge -m 512 --no-pci \
	--file-prefix "$PREFIX" --vdev="net_af_packet0,iface=$A-d0" -- \
	--config "$T/backstop.conf" --stats-json "$T/stats.json" >"$T/bs.out" 2>"$T/bs.err" &
BS_PID=$!
# BS: the backstop process itself (BS_PID is timeout(1)).
started_or_fail "$T/bs.out" "$T/bs.err" "$BS_PID"

# The peer's counters: a lost segment is retransmitted.
retrans() { ip netns exec "$A-c" nstat -az TcpRetransSegs TcpExtTCPSynRetrans 2>/dev/null |
	awk '$1 ~ /Retrans/ { s += $2 } END { print s + 0 }'; }
R0=$(retrans)

out=$(timeout 150 ip netns exec "$A-c" "$PY" "$SRC/test/e2e/reconf_load.py" "$BS" \
	"$T/backstop.conf" "$T/a.conf" "$T/b.conf" "$T/bs.out" "$N" "$CTL" "$T/bs.sock" 2>&1) || true
printf '%s\n' "$out"
PASS=$((PASS + $(printf '%s\n' "$out" | grep -c '^ok ' || true)))
FAIL=$((FAIL + $(printf '%s\n' "$out" | grep -c '^FAIL ' || true)))
# (grep -c, not -q: with pipefail, -q's early exit fails the printf.)
[ "$(printf '%s\n' "$out" | grep -c '^ok ' || true)" -gt 0 ] || fail load-ran "no result from reconf_load.py"

R1=$(retrans)
if [ "$R1" -eq "$R0" ]; then ok peer-no-retransmissions; else
	fail peer-no-retransmissions "the peer retransmitted $((R1 - R0)) segments"; fi

# connect: an active open now, to a Linux server in the client namespace.
ip netns exec "$A-c" timeout 15 "$PY" -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('198.18.0.1', 5555)); s.listen(1); s.settimeout(10)
open('$T/srv.ready', 'w').close()
c, peer = s.accept(); c.settimeout(5)
print(repr(c.recv(64)), peer[1])" >"$T/srv.out" 2>&1 &
SRV=$!
wait_for 10 test -e "$T/srv.ready" || true
c1=$("$CTL" -s "$T/bs.sock" --json connect 198.18.0.1 5555 banner 2>&1 || true)
wait "$SRV" || true
lport=$(printf '%s' "$c1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["local_port"])' 2>/dev/null || echo none)
if [ "$(cat "$T/srv.out")" = "b'backstop\\r\\n' $lport" ]; then ok cli-connect-banner; else
	fail cli-connect-banner "CLI: $c1; server: $(cat "$T/srv.out")"; fi
before=$("$CTL" -s "$T/bs.sock" --json show stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["counters"]["AppECONNREFUSED"])')
"$CTL" -s "$T/bs.sock" connect 198.18.0.1 5556 >/dev/null 2>&1 || true
refused() { [ "$("$CTL" -s "$T/bs.sock" --json show stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["counters"]["AppECONNREFUSED"])')" -eq $((before + 1)) ]; }
if wait_for 5 refused; then ok cli-connect-refused; else fail cli-connect-refused "AppECONNREFUSED did not move"; fi
for bad in "connect 198.18.0.1|connect takes ADDR PORT" "connect 198.18.0.1 70000|70000" \
		"connect 198.18.0.1 80 nope|'nope' is not an app" "connect 10.9.9.9 80|connect: Network is unreachable"; do
	# shellcheck disable=SC2086
	err=$("$CTL" -s "$T/bs.sock" ${bad%%|*} 2>&1 >/dev/null) && rc=0 || rc=$?
	if [ "$rc" -eq 1 ] && printf '%s' "$err" | grep -qF "${bad#*|}"; then ok "cli-${bad%%|*}"; else
		fail "cli-${bad%%|*}" "rc $rc: $err"; fi
done

# A bad file changes nothing: a syntax error, then a key that cannot change.
gen=$(grep -c 'applied (generation' "$T/bs.out" || true)
bad() {	# NAME EXPECTED-ERROR-REGEX
	local before
	before=$(wc -l <"$T/bs.err")
	kill -HUP "$BS"
	if wait_for 5 bash -c "tail -n +$((before + 1)) '$T/bs.err' | grep -q 'SIGHUP'"; then
		if tail -n +$((before + 1)) "$T/bs.err" | grep -qE "$2"; then ok "$1"; else
			fail "$1" "message: $(tail -n +$((before + 1)) "$T/bs.err" | grep SIGHUP)"; fi
	else
		fail "$1" "no message on stderr"
	fi
}
{ cat "$T/b.conf"; echo "[tcp]"; } >"$T/backstop.conf"	# [tcp] twice
bad bad-file-syntax "^backstop: SIGHUP: $T/backstop.conf:1[0-9]: section \[tcp\] already started at line [0-9]+; configuration unchanged$"
{ cat "$T/a.conf"; echo "connections = 1000"; } >"$T/backstop.conf"
bad bad-file-not-live "^backstop: SIGHUP: $T/backstop.conf:1[0-9]: \[tcp\] connections: cannot change while Backstop runs .*; configuration unchanged$"
sed 's/^port = 8080$/port = 8080x/' "$T/a.conf" >"$T/backstop.conf"
bad bad-file-value "^backstop: SIGHUP: $T/backstop.conf:7: \[listener stable\] port: .*configuration unchanged$"
if [ "$(grep -c 'applied (generation' "$T/bs.out" || true)" -eq "$gen" ]; then
	ok bad-files-not-applied; else fail bad-files-not-applied "a generation was applied"; fi
# Still the last good configuration ($N even: A; odd: B): port 9090 open in A only.
want=refused; [ $((N % 2)) -eq 0 ] && want=connected
got=$(ip netns exec "$A-c" "$PY" -c "
import socket
s = socket.socket(); s.settimeout(0.9)
try:
    s.connect(('198.18.0.2', 9090)); print('connected')
except ConnectionRefusedError:
    print('refused')
except OSError as e:
    print(repr(e))")
if [ "$got" = "$want" ]; then ok bad-files-kept-config; else
	fail bad-files-kept-config "port 9090 $got, want $want"; fi

kill -INT "$BS"
wait "$BS_PID" || { fail backstop-exit "status $?"; }
BS_PID=
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/bs.err"; then
	fail sanitizer "$(grep -m3 'ERROR\|runtime error' "$T/bs.err")"
fi
# The policies in force at exit were counted: 198.18.0.2/32 reply (A) or
# 2001:2::/64 reply (B) answered the strays.
if grep -qE '^policy (198\.18\.0\.2/32|2001:2::/64) reply: replied [1-9]' "$T/bs.out"; then
	ok policy-counted; else fail policy-counted "$(grep '^policy' "$T/bs.out" | tr '\n' ' ')"; fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
