#!/bin/bash
# Build the example driver (examples/kernel, edu_zc.ko) against one
# installed kernel, after scripts/build-module.sh built userdma.ko for it:
# edu_zc uses userdma's exported API, so modpost needs userdma's
# Module.symvers.  W=1; any warning fails, as for the module itself.
#
#   scripts/build-example.sh KVER      prints the path of edu_zc.ko
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/harness/lib.sh"

main() {
	[ $# -eq 1 ] || die "usage: $0 KVER"
	local kver out dir log symvers sparse=()
	kver=$(resolve_kver "$1") || die "no kernel headers for '$1' (under /lib/modules or a suite root)"
	out=$top/build/$kver
	symvers=$out/kernel/Module.symvers
	[ -f "$symvers" ] || die "no $symvers: build userdma.ko for $kver first"
	# ../../include from the copy is build/<kver>/include, copied by
	# build-module.sh
	dir=$out/examples/kernel
	log=$out/example-build.log
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$top"/examples/kernel/{Kbuild,edu_zc.c} "$dir/"
	[ "${SPARSE:-0}" = 1 ] && sparse=(C=1)
	if ! kmake "$kver" "$dir" W=1 "${sparse[@]}" \
		KBUILD_EXTRA_SYMBOLS="$symvers" modules >"$log" 2>&1; then
		cat "$log" >&2
		die "example build for $kver failed (log: ${log#"$top"/})"
	fi
	if grep -qi 'warning:' "$log"; then
		grep -i -B2 -A4 'warning:' "$log" >&2
		die "example build for $kver printed warnings (log: ${log#"$top"/})"
	fi
	[ -f "$dir/edu_zc.ko" ] || die "no edu_zc.ko produced for $kver"
	echo "$dir/edu_zc.ko"
}

main "$@"
