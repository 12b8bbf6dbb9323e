#!/bin/bash
# The debug kernel: Debian's linux-source-6.12 built with the checkers the
# stock kernels lack (KASAN, DMA-API debugging, lockdep, kmemleak, fault
# injection with fail-nth, DEBUG_VM, DEBUG_SG), configured from allnoconfig
# plus tests/debug-kernel/debug.config only, so two cores build it in
# minutes.  The test matrix runs it as the kernel "debug" (docs/testing.md).
#
#   scripts/debug-kernel.sh      prints "ROOT KVER"
#
# ROOT is laid out like a suite kernel's (scripts/suite-kernel.sh):
# ROOT/boot/vmlinuz-KVER and ROOT/lib/modules/KVER with the interop modules
# and a build link to the built tree, which external modules build against
# with this machine's own compiler (the one Debian's 6.12 packages use).
# Built once into the machine's cache (~/.cache/userdma/debug, shared by
# every checkout) and rebuilt when the config fragment, this recipe or the
# installed linux-source-6.12 changes.
# Env: USERDMA_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/userdma)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fragment=$top/tests/debug-kernel/debug.config
tarball=/usr/src/linux-source-6.12.tar.xz
RECIPE=1

die() { echo "debug-kernel: $*" >&2; exit 1; }

cache_dir() {
	echo "${USERDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/userdma}"
}

# Every line of the fragment must have come through: a symbol whose
# dependencies are not met is silently dropped by Kconfig, and a debug
# kernel without one of its checkers would pass for one with it.
check_config() {
	local cfg=$1 line sym val bad=0
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$cfg" || continue
		else
			grep -qxF "$line" "$cfg" && continue
		fi
		echo "debug-kernel: $line did not take (.config has: $(grep "^$sym=\|^# $sym " "$cfg" || echo nothing))" >&2
		bad=1
	done <"$fragment"
	return "$bad"
}

build() {
	local dir=$1 tmp=$1.tmp src kver old
	rm -rf "$tmp"
	mkdir -p "$tmp"
	src=$tmp/src
	echo "debug-kernel: unpacking $tarball" >&2
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	make -s -C "$src" allnoconfig KCONFIG_ALLCONFIG="$fragment" >"$dir.log" 2>&1 ||
		{ tail -n 20 "$dir.log" >&2; return 1; }
	check_config "$src/.config" || return 1
	echo "debug-kernel: building (bzImage, modules; $(nproc) jobs; log $dir.log)" >&2
	make -C "$src" -j"$(nproc)" bzImage modules >>"$dir.log" 2>&1 ||
		{ tail -n 30 "$dir.log" >&2; return 1; }
	kver=$(make -s -C "$src" kernelrelease)
	mkdir -p "$tmp/root/boot"
	cp "$src/arch/x86/boot/bzImage" "$tmp/root/boot/vmlinuz-$kver"
	make -C "$src" modules_install INSTALL_MOD_PATH="$tmp/root" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod >>"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; return 1; }
	# The tree moves with the directory: the link is relative.
	ln -sfn ../../../../src "$tmp/root/lib/modules/$kver/build"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	echo "$kver" >"$dir.done"
	# Every build has the same release name: an older one left next to
	# it would be found by it (tests/harness/lib.sh kernel_root).
	for old in "${dir%/*}"/linux-*; do
		case $old in "$dir" | "$dir".*) ;; *) rm -rf "$old" ;; esac
	done
}

main() {
	local cache key dir pkgver
	[ -f "$tarball" ] || die "no $tarball (scripts/install-deps.sh installs linux-source-6.12)"
	pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	cache=$(cache_dir)
	# comments of the fragment do not change the kernel
	key=$({ grep -v '^#' "$fragment"; cat "$0"; } | sha256sum | cut -c1-12)
	dir=$cache/debug/linux-$pkgver-$key
	if [ -f "$dir.done" ] && [ -f "$dir/root/boot/vmlinuz-$(cat "$dir.done")" ]; then
		echo "$dir/root $(cat "$dir.done")"
		return 0
	fi
	mkdir -p "$cache/debug"
	exec 9>"$dir.lock"
	flock 9
	if ! [ -f "$dir.done" ]; then
		build "$dir" || die "could not build the debug kernel (log: $dir.log)"
	fi
	echo "$dir/root $(cat "$dir.done")"
}

main "$@"
