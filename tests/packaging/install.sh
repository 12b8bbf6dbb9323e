#!/bin/bash
# `make install` into a DESTDIR: the exact file list, the library's soname
# and symlinks, a program built through the installed pkg-config file, the
# udev rule being off, the module for each kernel, and `make uninstall`
# removing every file again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

work=$PKG_WORK/install
dest=$work/root
rm -rf "$work"
mkdir -p "$work"
cd "$TOP"

# What install-user must produce under PREFIX=/usr, nothing more or less.
expected() {
	local v
	v=$(pkg_version)
	printf '%s\n' usr/bin/userdma usr/include/userdma.h usr/include/linux/userdma.h \
		usr/lib/libuserdma.a usr/lib/libuserdma.so usr/lib/libuserdma.so.0 \
		"usr/lib/libuserdma.so.$v" usr/lib/pkgconfig/userdma.pc \
		usr/lib/udev/rules.d/60-userdma.rules
	(cd man && ls man[134]/*.[134]) | sed 's|^|usr/share/man/|'
}

installed() { (cd "$dest" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }

check "install: make install-user DESTDIR=... PREFIX=/usr" "$work/make.log" \
	make -s install-user DESTDIR="$dest" PREFIX=/usr

expected | LC_ALL=C sort >"$work/expected"
installed >"$work/got"
if diff -u "$work/expected" "$work/got" >"$work/diff"; then
	tap_ok "install: file list is exactly the expected $(wc -l <"$work/expected") files"
else
	tap_fail "install: file list differs from the expected one" "$work/diff"
fi

lib_ok() {
	local v so=$dest/usr/lib
	v=$(pkg_version)
	readelf -d "$so/libuserdma.so.$v" | grep -q 'SONAME.*\[libuserdma\.so\.0\]' &&
		[ "$(readlink "$so/libuserdma.so.0")" = "libuserdma.so.$v" ] &&
		[ "$(readlink "$so/libuserdma.so")" = libuserdma.so.0 ] &&
		ar t "$so/libuserdma.a" | grep -q '^userdma\.o$' &&
		! readelf --dyn-syms -W "$so/libuserdma.so.$v" |
			awk '$5 == "GLOBAL" && $7 != "UND" && $7 != "ABS"' |
			grep -v ' userdma_' | grep .
}
check "install: soname libuserdma.so.0, dev and soname links, only userdma_* exported" \
	"$work/lib.log" lib_ok

# A program built only from what was installed: headers and flags from
# userdma.pc (the sysroot prefix makes its paths point into DESTDIR).
pc_build() {
	local flags
	cat >"$work/pc.c" <<'PROG'
#include <errno.h>
#include <stdio.h>
#include <userdma.h>

int main(void)
{
	printf("%s|%u\n", userdma_strerror(-ENODEV), USERDMA_ABI_VERSION);
	return 0;
}
PROG
	flags=$(PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
		pkg-config --cflags --libs userdma)
	echo "pkg-config: $flags"
	# shellcheck disable=SC2086
	gcc -Wall -Werror -o "$work/pc" "$work/pc.c" $flags
	LD_LIBRARY_PATH=$dest/usr/lib "$work/pc" >"$work/pc.out"
	cat "$work/pc.out"
	# a real message (not empty, not the unknown-error fallback) and the
	# header's ABI version
	abi=$(sed -n 's/^#define USERDMA_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
		include/uapi/linux/userdma.h)
	grep -Eq "^[^|]{4,}\|$abi\$" "$work/pc.out" && ! grep -qi unknown "$work/pc.out"
}
check "install: a program builds from userdma.pc alone and runs against the shared library" \
	"$work/pc.log" pc_build

udev_off() {
	local f=$dest/usr/lib/udev/rules.d/60-userdma.rules
	grep -q '^#.*SUBSYSTEM=="userdma"' "$f" && ! grep -v '^[[:space:]]*\(#\|$\)' "$f"
}
check "install: the udev rule is installed commented out (nodes stay 0600)" "$work/udev.log" udev_off

# One kernel is enough here (6.12 also compresses the module); the DKMS
# test builds for both.
for short in ${INSTALL_KERNELS:-6.12}; do
	if ! kver=$(pkg_kver "$short"); then
		tap_fail "install: no headers for kernel $short"
		continue
	fi
	mod_ok() {
		local ko
		make -s install-module DESTDIR="$dest" KVER="$kver" || return 1
		ko=$(ls "$dest/lib/modules/$kver/updates/"userdma.ko* 2>/dev/null | head -n 1)
		[ -n "$ko" ] || { echo "no userdma.ko* under lib/modules/$kver/updates"; return 1; }
		echo "installed $ko"
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ]
	}
	check "install: make install-module KVER=$kver (modules_install into updates/)" \
		"$work/module-$short.log" mod_ok
done

uninstall_ok() {
	make -s uninstall DESTDIR="$dest" PREFIX=/usr KVER="$(pkg_kver 6.12 || echo none)"
	make -s uninstall DESTDIR="$dest" PREFIX=/usr KVER="$(pkg_kver 6.1 || echo none)"
	installed >"$work/left"
	cat "$work/left"
	[ ! -s "$work/left" ]
}
check "install: make uninstall removes every installed file" "$work/uninstall.log" uninstall_ok

[ "$PKG_FAILS" -eq 0 ]
