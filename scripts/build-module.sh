#!/bin/bash
# Build kernel/ as userdma.ko against one installed kernel's headers.
#
#   scripts/build-module.sh KVER      e.g. 6.12.95+deb12-amd64, a short
#                                     prefix such as 6.1 or 6.12, or a Debian
#                                     suite (bullseye, sid, experimental:
#                                     built in that suite's cached root)
#
# Each kernel gets its own copy of the sources under build/<KVER>/ so the
# 6.1 and 6.12 objects never clobber each other, and the copy is made fresh
# every time: a full rebuild is the only way to see every warning again.
# Env: MODULE_SRC (default kernel/) builds another module dir (harness
# self-tests), SPARSE=1 also runs sparse (C=1); its warnings fail too.
# The module built is the test build: USERDMA_EDU=y, QEMU's edu device and
# its engine (kernel/test/), which every test guest uses, and `make bench`
# too (its bench module, bench/kmod/, is built apart against this one:
# scripts/build-client.sh bench/kmod).
# FAULT=1 builds the fault-injection variant (USERDMA_FAULT=y,
# kernel/test/fault.c) in build/<KVER>/fault/; the test guests load it for
# fault_sweep only.  PRODUCTION=1 builds what DKMS builds, no test parts at
# all, in build/<KVER>/production/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/harness/lib.sh"

main() {
	[ $# -eq 1 ] || die "usage: $0 KVER"
	local kver out log
	kver=$(resolve_kver "$1") || die "no kernel headers for '$1' (under /lib/modules or a suite root)"
	out="$top/build/$kver"
	[ "${FAULT:-0}" = 1 ] && out+=/fault
	[ "${PRODUCTION:-0}" = 1 ] && out+=/production
	log="$out/module-build.log"

	copy_sources "$out"
	if ! compile_module "$kver" "$out/kernel" >"$log" 2>&1; then
		cat "$log" >&2
		die "module build for $kver failed (log: ${log#"$top"/})"
	fi
	# Warnings fail the build: W=1 output is the module's quality gate.
	if grep -qi 'warning:' "$log"; then
		grep -i -B2 -A4 'warning:' "$log" >&2
		die "module build for $kver printed warnings (log: ${log#"$top"/})"
	fi
	[ -f "$out/kernel/userdma.ko" ] || die "no userdma.ko produced for $kver"
	echo "$out/kernel/userdma.ko"
}

# The module's Kbuild includes $(src)/../include, so include/ travels along.
copy_sources() {
	local out=$1 src=${MODULE_SRC:-$top/kernel}
	[ -d "$src" ] || die "no module sources in $src"
	rm -rf "$out/kernel" "$out/include"
	mkdir -p "$out"
	cp -r "$src" "$out/kernel"
	cp -r "$top/include" "$out/include"
}

compile_module() {
	local kver=$1 dir=$2 sparse=() variant=(USERDMA_EDU=y)
	[ "${SPARSE:-0}" = 1 ] && sparse=(C=1)
	[ "${FAULT:-0}" = 1 ] && variant+=(USERDMA_FAULT=y)
	[ "${PRODUCTION:-0}" = 1 ] && variant=()
	kmake "$kver" "$dir" W=1 "${sparse[@]}" "${variant[@]}" modules
}

main "$@"
