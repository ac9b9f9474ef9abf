#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerate docs/reference.md from the declared lists, the apps table of
# docs/configuration.md (between its "generated apps" markers) and the row
# tables of docs/resets.md (between its "generated resets" markers), or
# with --check fail if any is out of date (a meson test runs the check).
#   scripts/gen-docs.sh [--check] [BACKSTOP_BINARY]
set -euo pipefail
check=0
[ "${1:-}" = --check ] && { check=1; shift; }
bin=$(realpath "${1:-$(dirname "$0")/../build/app/backstop/backstop}")
cd "$(dirname "$0")/.."
ref=$("$bin" --reference)
# The apps table is the one in reference.md, from lib/config/bs_app.def.
# awk reads to the end (no early exit: printf would get SIGPIPE under pipefail).
apps=$(printf '%s\n' "$ref" | awk '/^\| app \| what it does \|$/ { p = 1 } p && /^$/ { p = 0; done = 1 } p && !done')
conf=$(APPS="$apps" awk '
	/^<!-- generated apps begin/ { print; print ENVIRON["APPS"]; skip = 1; next }
	/^<!-- generated apps end/ { skip = 0 }
	!skip' docs/configuration.md)
# docs/resets.md: the rows of every reason and counter (backstop --reference-resets).
resets=$(RESETS="$("$bin" --reference-resets)" awk '
	/^<!-- generated resets begin/ { print; print ""; print ENVIRON["RESETS"]; skip = 1; next }
	/^<!-- generated resets end/ { skip = 0 }
	!skip' docs/resets.md)
if [ $check -eq 1 ]; then
	rc=0
	printf '%s\n' "$ref" | diff -u docs/reference.md - || rc=1
	printf '%s\n' "$conf" | diff -u docs/configuration.md - || rc=1
	printf '%s\n' "$resets" | diff -u docs/resets.md - || rc=1
	if [ $rc -ne 0 ]; then
		echo "docs/reference.md, docs/configuration.md or docs/resets.md is out of date:" \
			"run scripts/gen-docs.sh"
		exit 1
	fi
	echo "1 passed, 0 failed"
else
	printf '%s\n' "$ref" > docs/reference.md
	printf '%s\n' "$conf" > docs/configuration.md
	printf '%s\n' "$resets" > docs/resets.md
fi
