#!/bin/bash
# Build the bench module (bench/kmod, userdma_bench.ko) against one
# installed kernel, after scripts/build-module.sh built userdma.ko for it:
# the bench module uses userdma's exported API and tracepoint, so modpost
# needs userdma's Module.symvers.  W=1; any warning fails, as for the
# module itself.  Only `make bench` (tests/harness/run-bench.sh) uses it.
#
#   scripts/build-bench-module.sh KVER      prints the path of userdma_bench.ko
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
	# ../../include and ../../kernel from the copy are build/<kver>/include
	# and build/<kver>/kernel, copied by build-module.sh
	dir=$out/bench/kmod
	log=$out/bench-module-build.log
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$top"/bench/kmod/{Kbuild,*.c,*.h} "$dir/"
	[ "${SPARSE:-0}" = 1 ] && sparse=(C=1)
	if ! kmake "$kver" "$dir" W=1 "${sparse[@]}" \
		KBUILD_EXTRA_SYMBOLS="$symvers" modules >"$log" 2>&1; then
		cat "$log" >&2
		die "bench module build for $kver failed (log: ${log#"$top"/})"
	fi
	if grep -qi 'warning:' "$log"; then
		grep -i -B2 -A4 'warning:' "$log" >&2
		die "bench module build for $kver printed warnings (log: ${log#"$top"/})"
	fi
	[ -f "$dir/userdma_bench.ko" ] || die "no userdma_bench.ko produced for $kver"
	echo "$dir/userdma_bench.ko"
}

main "$@"
