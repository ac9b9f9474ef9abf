#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Style checks that need no extra tool: tabs for indentation, no trailing
# white space, SPDX headers, no forbidden calls in the worker fast path.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
files=$(git ls-files 'lib/*.[ch]' 'app/*.[ch]' 'test/*.[ch]')
for f in $files; do
	if grep -nP '^ +[^ *]' "$f" | grep -v '^\s*$' | head -3 | grep -q .; then
		echo "$f: indentation with spaces:"; grep -nP '^ +[^ *]' "$f" | head -3; fail=1
	fi
	if grep -nP '[ \t]+$' "$f" | head -3 | grep -q .; then
		echo "$f: trailing white space:"; grep -nP '[ \t]+$' "$f" | head -3; fail=1
	fi
	head -2 "$f" | grep -q SPDX-License-Identifier || { echo "$f: no SPDX header"; fail=1; }
done
# The worker fast path: no locks, system calls, allocation or logging.
fast="lib/worker/worker.c lib/worker/worker_neigh.c lib/net/neigh.c lib/tcp/tcp_input.c lib/tcp/tcp_output.c lib/net/parse.c \
lib/net/addr.c lib/net/arp.c lib/net/icmp.c lib/net/nd.c lib/net/ip.c \
lib/table/table_lookup.c lib/tcp/tcp_synack.c"
if grep -nE '\b(malloc|calloc|free|rte_malloc|rte_zmalloc|printf|fprintf|RTE_LOG|rte_log|pthread_mutex|rte_spinlock_lock|syscall|usleep|nanosleep|write|read)\(' $fast \
		| grep -v 'rte_pktmbuf_free' | grep -vE ':\s*\*|/\*' ; then
	echo "forbidden call in the worker fast path (above)"; fail=1
fi
# addr.c's parse/format helpers run on the control thread only.
exit $fail
