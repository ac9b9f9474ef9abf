#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meson install into a scratch DESTDIR: the binaries, the default
# configuration, the systemd unit with its environment file, and the docs
# land where docs/operations.md says; the unit is valid (systemd-analyze
# verify, when systemd is there); the installed binary accepts the
# installed configuration; a second install (an upgrade) keeps the
# operator's edited files.
#   test_install.sh BUILD_DIR SOURCE_DIR MESON
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
meson=$3
dest=$(mktemp -d /tmp/bs-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

prefix=$("$meson" introspect "$build" --buildoptions |
	/usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
"$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
root="$dest$prefix"
etc="$root/etc/backstop"
unit="$root/lib/systemd/system/backstop.service"

for f in "$root/bin/backstop" "$etc/backstop.conf" "$etc/backstop.conf.default" \
	"$etc/backstop.env" "$etc/backstop.env.default" "$unit" \
	"$root/share/doc/backstop/README.md" "$root/share/doc/backstop/operations.md" \
	"$root/share/doc/backstop/configuration.md"; do
	[ -e "$f" ] || fail "not installed: ${f#$dest}"
done
if [ -x "$build/app/backstopctl/backstopctl" ]; then
	[ -x "$root/bin/backstopctl" ] || fail "backstopctl built but not installed"
fi
# No test program or build artefact is installed.
extra=$(find "$root/bin" -type f ! -name backstop ! -name backstopctl)
[ -z "$extra" ] || fail "unexpected files installed: $extra"
echo "ok: files in place under $prefix"

# The unit runs the installed binary with the installed environment file.
grep -qx "ExecStart=$prefix/bin/backstop \$BACKSTOP_EAL -- --config \${BACKSTOP_CONFIG} \$BACKSTOP_OPTS" "$unit" ||
	fail "ExecStart: $(grep ExecStart= "$unit")"
grep -qx "EnvironmentFile=$prefix/etc/backstop/backstop.env" "$unit" ||
	fail "EnvironmentFile: $(grep EnvironmentFile= "$unit")"
grep -qx "BACKSTOP_CONFIG=$prefix/etc/backstop/backstop.conf" "$etc/backstop.env" ||
	fail "BACKSTOP_CONFIG: $(grep BACKSTOP_CONFIG= "$etc/backstop.env")"
grep -qx 'RuntimeDirectory=backstop' "$unit" || fail "no RuntimeDirectory for the CLI socket"
echo "ok: unit and environment file agree with the install paths"

if command -v systemd-analyze >/dev/null; then
	# Verify a copy whose paths point into DESTDIR (verify checks that
	# the programs exist).
	mkdir -p "$dest/verify"
	sed "s#$prefix/#$root/#g" "$unit" >"$dest/verify/backstop.service"
	out=$(systemd-analyze verify "$dest/verify/backstop.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
	echo "ok: systemd-analyze verify"
else
	echo "note: systemd-analyze not installed, unit not verified"
fi

# The installed binary accepts the installed configuration.
"$root/bin/backstop" --check-config "$etc/backstop.conf" >/dev/null ||
	fail "installed backstop rejects the installed backstop.conf"
echo "ok: installed backstop --check-config accepts it"

# An upgrade keeps the operator's files and refreshes the defaults.
echo "; edited by the operator" >>"$etc/backstop.conf"
sed -i 's/^BACKSTOP_OPTS=.*/BACKSTOP_OPTS="--set tcp.tcp_fin_timeout=30"/' "$etc/backstop.env"
"$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
tail -n 1 "$etc/backstop.conf" | grep -qx '; edited by the operator' ||
	fail "upgrade overwrote backstop.conf"
grep -qx 'BACKSTOP_OPTS="--set tcp.tcp_fin_timeout=30"' "$etc/backstop.env" ||
	fail "upgrade overwrote backstop.env"
cmp -s "$etc/backstop.conf.default" "$src/config/backstop.conf" ||
	fail "backstop.conf.default is not the shipped default"
echo "ok: a second install keeps edited files"
echo "PASS"
