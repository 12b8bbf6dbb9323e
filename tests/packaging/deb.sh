#!/bin/bash
# The Debian packages: built from a copy of the tree with
# dpkg-buildpackage (debian/, debhelper), each checked for the files it
# must carry, and the lot checked with lintian: any error fails, and so
# does any warning not accepted in tests/packaging/lintian-accepted.
# Packages built from identical sources are reused from ~/.cache/userdma/debs
# (the build is deterministic in its inputs); the .debs of this run are
# left in build/pkg/deb/out for the guest test (tests/packaging/guest.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

work=$PKG_WORK/deb
cache=${USERDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/userdma}/debs
ver=$(pkg_version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

stage_source() {
	rm -rf "$work"
	mkdir -p "$work/src/userdma-$ver" "$work/out"
	# only what the packages are built from: editing a test or a document
	# must not force a rebuild
	(cd "$TOP" && tar -cf - Makefile dkms.conf debian include kernel lib man mk \
		scripts/module-sources.sh \
		packaging tools) | tar -xf - -C "$work/src/userdma-$ver"
	(cd "$work/src/userdma-$ver" && find . -type f | LC_ALL=C sort | xargs sha256sum) |
		sha256sum | cut -c1-16
}

build_debs() {
	local dir=$1
	(cd "$work/src/userdma-$ver" && dpkg-buildpackage -b -uc -us) >"$work/build.log" 2>&1 ||
		return 1
	mkdir -p "$dir.tmp"
	cp "$work"/src/*.deb "$work"/src/*.changes "$work"/src/*.buildinfo "$dir.tmp/"
	# the lintian run is cached with the packages it judged
	lintian --allow-root --display-info "$dir.tmp"/*.changes >"$dir.tmp/lintian.txt" 2>&1 || true
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}

# has PACKAGE PATH...: every PATH (regex, anchored) is in the package.
has() {
	local deb=$work/out/$1_${ver}_$2.deb p list
	shift 2
	list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||')
	for p in "$@"; do
		grep -Eq "^$p\$" <<<"$list" || { echo "missing in ${deb##*/}: $p"; return 1; }
	done
}

# The package version follows the library's, and every exported symbol
# (lib/libuserdma.map) is in the symbols file with its version node.
meta_ok() {
	local cl sym node missing=0
	cl=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
	[ "$cl" = "$ver" ] || { echo "debian/changelog is at $cl, lib/Makefile at $ver"; missing=1; }
	while read -r sym node; do
		grep -q "^ $sym@$node " "$TOP/debian/libuserdma0.symbols" ||
			{ echo "not in debian/libuserdma0.symbols: $sym@$node"; missing=1; }
	done < <(awk '/^LIBUSERDMA_[0-9.]+ *\{/ { node = $1 }
		/^\t\tuserdma_/ { s = $1; sub(/;/, "", s); print s, node }' "$TOP/lib/libuserdma.map")
	[ "$missing" -eq 0 ]
}

main() {
	local key dir accepted tag
	# run alone (PKG_TESTS=deb), nothing has made the work directory yet
	mkdir -p "$PKG_WORK"
	check "deb: debian/changelog version is the library's $ver; the symbols file lists every exported symbol" \
		"$PKG_WORK/deb-meta.log" meta_ok
	key=$(stage_source)
	dir=$cache/$key
	if [ -f "$dir/lintian.txt" ]; then
		echo "# debs: reusing the packages built from identical sources (${dir#"$TOP"/})"
	elif ! build_debs "$dir"; then
		tap_fail "deb: dpkg-buildpackage -b failed" "$work/build.log"
		return 1
	fi
	cp "$dir"/*.deb "$work/out/"
	tap_ok "deb: dpkg-buildpackage -b builds userdma-dkms, libuserdma0, libuserdma-dev, userdma-tools"

	check "deb: userdma-dkms carries the DKMS source tree, userdma(4) and the udev rule" \
		"$work/c-dkms.log" has userdma-dkms all "usr/src/userdma-$ver/dkms.conf" \
		"usr/src/userdma-$ver/kernel/Kbuild" "usr/src/userdma-$ver/kernel/region.c" \
		"usr/src/userdma-$ver/include/linux/userdma.h" \
		"usr/src/userdma-$ver/include/uapi/linux/userdma.h" \
		usr/lib/udev/rules.d/60-userdma.rules usr/share/man/man4/userdma.4.gz
	check "deb: libuserdma0 carries only the shared library" "$work/c-lib.log" \
		has libuserdma0 "$arch" "usr/lib/$multiarch/libuserdma.so.0" \
		"usr/lib/$multiarch/libuserdma.so.$ver"
	check "deb: libuserdma-dev carries headers, static library, .so link, userdma.pc, man3" \
		"$work/c-dev.log" has libuserdma-dev "$arch" usr/include/userdma.h \
		usr/include/linux/userdma.h "usr/lib/$multiarch/libuserdma.a" \
		"usr/lib/$multiarch/libuserdma.so" "usr/lib/$multiarch/pkgconfig/userdma.pc" \
		usr/share/man/man3/userdma_register.3.gz usr/share/man/man3/libuserdma.3.gz
	only_dkms_src() {
		local p
		for p in libuserdma0 libuserdma-dev userdma-tools; do
			! dpkg-deb -c "$work/out/${p}_${ver}_$arch.deb" | grep -E ' \./usr/src/' ||
				{ echo "$p ships DKMS sources"; return 1; }
		done
	}
	check "deb: only userdma-dkms ships sources under /usr/src" "$work/c-src.log" only_dkms_src
	no_test_parts() {
		! dpkg-deb -c "$work/out/userdma-dkms_${ver}_all.deb" |
			grep -E '/kernel/test/|/include/qemu/|userdma_bench|/fault\.c$|engine_edu'
	}
	check "deb: the DKMS sources hold no test-only part (kernel/test/, edu registers, bench)" \
		"$work/c-test.log" no_test_parts
	check "deb: userdma-tools carries the CLI and userdma(1)" "$work/c-tools.log" \
		has userdma-tools "$arch" usr/bin/userdma usr/share/man/man1/userdma.1.gz
	deps_ok() {
		dpkg-deb -f "$work/out/userdma-dkms_${ver}_all.deb" Depends | grep -q dkms &&
			dpkg-deb -I "$work/out/userdma-dkms_${ver}_all.deb" postinst |
				grep -q "^DKMS_NAME=userdma$" &&
			dpkg-deb -f "$work/out/libuserdma-dev_${ver}_$arch.deb" Depends |
				grep -q "libuserdma0 (= $ver)" &&
			dpkg-deb -I "$work/out/libuserdma0_${ver}_$arch.deb" symbols |
				grep -q '^ userdma_register@LIBUSERDMA_0.1 '
	}
	check "deb: dependencies (dkms; libuserdma0 = $ver), the DKMS postinst, the symbols file" \
		"$work/deps.log" deps_ok

	cp "$dir/lintian.txt" "$work/lintian.txt"
	if grep -q '^E: ' "$work/lintian.txt"; then
		grep '^E: ' "$work/lintian.txt" >"$work/lintian.err"
		tap_fail "deb: lintian reports errors" "$work/lintian.err"
	else
		tap_ok "deb: lintian reports no error"
	fi
	accepted=$(grep -v '^#' "$(dirname "$0")/lintian-accepted" | awk '{print $1}' || true)
	: >"$work/lintian.warn"
	while read -r tag; do
		grep -qxF "$tag" <<<"$accepted" || grep -E " $tag( |$)" "$work/lintian.txt" >>"$work/lintian.warn"
	done < <(sed -n 's/^W: [^ ]* \([^ ]*\) .*/\1/p; s/^W: [^ ]* \([^ ]*\)$/\1/p' \
		"$work/lintian.txt" | sort -u)
	if [ -s "$work/lintian.warn" ]; then
		tap_fail "deb: lintian warnings not in tests/packaging/lintian-accepted" "$work/lintian.warn"
	else
		tap_ok "deb: lintian warnings all accepted ($(grep -c '^W: ' "$work/lintian.txt" || true) reported)"
	fi
	sed 's/^/# lintian: /' "$work/lintian.txt" | grep -v '^# lintian: $' | head -n 20 || true
	[ "$PKG_FAILS" -eq 0 ]
}

main "$@"
