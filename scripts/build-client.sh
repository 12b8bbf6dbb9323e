#!/bin/bash
# Build a module that uses userdma's exported API (examples/kernel, the
# example driver; bench/kmod, the bench module) against one installed
# kernel, after scripts/build-module.sh built userdma.ko for it: modpost
# needs userdma's Module.symvers.  W=1; any warning fails, as for the
# module itself.
#
#   scripts/build-client.sh DIR KVER      DIR: examples/kernel or bench/kmod;
#                                         prints the path of the .ko
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/harness/lib.sh"

main() {
	[ $# -eq 2 ] || die "usage: $0 DIR KVER"
	local src=${1%/} kver out dir log symvers name sparse=()
	[ -f "$top/$src/Kbuild" ] || die "no $src/Kbuild"
	kver=$(resolve_kver "$2") || die "no kernel headers for '$2' (under /lib/modules or a suite root)"
	out=$top/build/$kver
	symvers=$out/kernel/Module.symvers
	[ -f "$symvers" ] || die "no $symvers: build userdma.ko for $kver first"
	name=$(sed -n 's/^obj-m := \(.*\)\.o$/\1/p' "$top/$src/Kbuild")
	# ../../include (and ../../kernel) from the copy are build/<kver>/include
	# and build/<kver>/kernel, copied by build-module.sh
	dir=$out/$src
	log=$out/$name-build.log
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$top/$src"/Kbuild "$top/$src"/*.c "$dir/"
	cp "$top/$src"/*.h "$dir/" 2>/dev/null || true
	[ "${SPARSE:-0}" = 1 ] && sparse=(C=1)
	if ! kmake "$kver" "$dir" W=1 "${sparse[@]}" \
		KBUILD_EXTRA_SYMBOLS="$symvers" modules >"$log" 2>&1; then
		cat "$log" >&2
		die "$src build for $kver failed (log: ${log#"$top"/})"
	fi
	if grep -qi 'warning:' "$log"; then
		grep -i -B2 -A4 'warning:' "$log" >&2
		die "$src build for $kver printed warnings (log: ${log#"$top"/})"
	fi
	[ -f "$dir/$name.ko" ] || die "no $name.ko produced for $kver"
	echo "$dir/$name.ko"
}

main "$@"
