#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# meson install step: give each installed *.default file its live name
# unless one is already there (an upgrade keeps the operator's files).
#   install-config.sh SYSCONFDIR/backstop
set -eu
dir="${DESTDIR:-}$1"
for f in backstop.conf backstop.env; do
	if [ ! -e "$dir/$f" ]; then
		cp -p "$dir/$f.default" "$dir/$f"
		echo "Installing $dir/$f (from $f.default)"
	else
		echo "Keeping $dir/$f (the new default is $f.default)"
	fi
done
