#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerate docs/reference.md from the declared lists, or with --check
# fail if it is out of date (a meson test runs the check).
#   scripts/gen-docs.sh [--check] [BACKSTOP_BINARY]
set -euo pipefail
check=0
[ "${1:-}" = --check ] && { check=1; shift; }
bin=$(realpath "${1:-$(dirname "$0")/../build/app/backstop/backstop}")
cd "$(dirname "$0")/.."
if [ $check -eq 1 ]; then
	if ! "$bin" --reference | diff -u docs/reference.md -; then
		echo "docs/reference.md is out of date: run scripts/gen-docs.sh"
		exit 1
	fi
	echo "1 passed, 0 failed"
else
	"$bin" --reference > docs/reference.md
fi
