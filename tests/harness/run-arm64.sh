#!/bin/bash
# The test suite on arm64 (`make arm64`, not part of `make check`): Debian's
# arm64 build of a kernel installed here (6.1 or 6.12), booted in QEMU's
# virt machine, with an SMMUv3 in front of the PCI devices for strict and
# lazy, and the same edu devices as the x86-64 guests.
#
# Everything comes from Debian's packages: the arm64 headers and image of
# the same release as the host's headers (the arch-independent half and the
# kbuild tools, Multi-Arch: foreign, are the host's own, so nothing of the
# arm64 compiler's target is installed), gcc-aarch64-linux-gnu for the
# module's test build (W=1, warnings fail), the static test programs and
# the CLI, and
# busybox-static:arm64.  Downloads are unpacked into the machine's cache,
# never installed: installing linux-headers-*:arm64 would pull gcc-12:arm64
# and remove the host's compiler.
#
# The guests are booted and their results merged as make check's are
# (tests/harness/stream.sh, lib.sh's boot_guest and guest_args), rows
# arm64/<config>/<lane>.
#
# Env: KERNEL=6.12  CONFIGS="strict swiotlb"  LANES="main edu"  JOBS=2
#      GUEST_TIMEOUT=1500 (s)  TEST_TIMEOUT=600 (s)  VERBOSE=1
#      TESTS="name lane/name ..." (only these programs)
# Output: TAP on stdout, a table, and "N passed, N failed[, N skipped]".
set -euo pipefail

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/harness/stream.sh
. "$(dirname "$0")/stream.sh"

KERNEL=${KERNEL:-6.12}
CONFIGS=${CONFIGS:-strict swiotlb}
LANES=${LANES:-main edu}
JOBS=${JOBS:-2}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
VERBOSE=${VERBOSE:-0}
WORK=$TOP/build/arm64
LOGS=$WORK/logs
RESULTS=$WORK/results
# the cross-built test programs, in the copy of the tree (cross_build)
GUEST_BIN=$WORK/src/build/guest

# The arm64 twin of a host kernel: its headers and image packages, at the
# host headers' version, unpacked into the cache (prints "ROOT KVER"); the
# .done file names the kernel, for lib.sh's kernel_root (older runs left
# it empty).
arm64_kernel() {
	local kver=$1 akver ver root pkgs
	akver=${kver%-amd64}-arm64
	ver=$(dpkg-query -W -f '${Version}' "linux-headers-$kver") ||
		die "linux-headers-$kver is not installed"
	root=$USERDMA_CACHE/arm64/$akver-$ver
	if [ ! -f "$root.done" ]; then
		rm -rf "$root" "$root.deb"
		mkdir -p "$root.deb" "$root"
		pkgs=("linux-headers-$akver:arm64=$ver" "linux-image-$akver:arm64=$ver" busybox-static:arm64)
		(cd "$root.deb" && apt-get download "${pkgs[@]}") >"$LOGS/download.log" 2>&1 ||
			die "could not download ${pkgs[*]} (log: ${LOGS#"$TOP"/}/download.log)"
		for deb in "$root.deb"/*.deb; do
			dpkg-deb -x "$deb" "$root"
		done
		rm -rf "$root.deb"
		# the flavour's headers link to ../linux-headers-*-common and
		# ../../lib/linux-kbuild-*: the host's own, same version
		ln -sfn "/usr/src/linux-headers-${kver%-amd64}-common" \
			"$root/usr/src/linux-headers-${akver%-arm64}-common"
		mkdir -p "$root/usr/lib"
		ln -sfn "$(readlink -f "/usr/src/linux-headers-$kver/scripts" | sed 's|/scripts$||')" \
			"$root/usr/lib/$(basename "$(readlink -f "/usr/src/linux-headers-$kver/scripts" | sed 's|/scripts$||')")"
		depmod -b "$root" "$akver"
	fi
	echo "$akver" >"$root.done"
	echo "$root $akver"
}

# cross_kmake ROOT AKVER LOG DIR MAKE-ARGS...: an external module in DIR
# for AKVER, cross-compiled, W=1; fails if make does or if it warned.
cross_kmake() {
	local root=$1 akver=$2 log=$3 dir=$4
	shift 4
	make -C "$root/usr/src/linux-headers-$akver" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- M="$dir" W=1 "$@" modules >"$log" 2>&1 &&
		! grep -qi 'warning:' "$log"
}

# The module as make check tests it (USERDMA_EDU=y, scripts/build-module.sh),
# its fault-injection variant and the example driver, and a copy of the
# tree whose build/ holds the arm64 test programs and CLI (the Makefiles
# write to build/guest/ of their tree).
cross_build() {
	local root=$1 akver=$2 src=$WORK/src log=$LOGS/module-build.log
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$TOP" && git ls-files -co --exclude-standard | cpio -pdm --quiet "$src")
	if ! cross_kmake "$root" "$akver" "$log" "$src/kernel" USERDMA_EDU=y; then
		result build fail "build/arm64: userdma.ko for $akver failed or warned (W=1)" <(tail -n 30 "$log")
		return 1
	fi
	result build ok "build/arm64: userdma.ko with USERDMA_EDU=y for $akver (W=1, no warnings)"
	# fault_sweep's variant and the example driver, where pack_initramfs
	# looks for them next to the module
	mkdir -p "$src/fault"
	cp -r "$src/kernel" "$src/fault/kernel"
	cp -r "$src/include" "$src/fault/include"
	make -C "$src/fault/kernel" clean >/dev/null 2>&1 || true
	if cross_kmake "$root" "$akver" "$log.fault" "$src/fault/kernel" USERDMA_EDU=y USERDMA_FAULT=y &&
		cross_kmake "$root" "$akver" "$log.example" "$src/examples/kernel" \
			KBUILD_EXTRA_SYMBOLS="$src/kernel/Module.symvers"; then
		result build ok "build/arm64: USERDMA_FAULT=y variant and examples/kernel/edu_zc.ko (W=1, no warnings)"
	else
		result build fail "build/arm64: fault variant or example driver failed or warned" \
			<(tail -n 30 "$log.fault"; tail -n 30 "$log.example" 2>/dev/null)
	fi
	if CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		make -s -C "$src/tools" static >"$LOGS/userspace.log" 2>&1 &&
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		make -s -C "$src/tests" >>"$LOGS/userspace.log" 2>&1; then
		result build ok "build/arm64: static CLI and $(find "$src/tests/cases" -mindepth 2 -maxdepth 2 -name '*.c' | wc -l) test programs (aarch64-linux-gnu-gcc)"
	else
		result build fail "build/arm64: static CLI or test programs" <(tail -n 30 "$LOGS/userspace.log")
		return 1
	fi
}

main() {
	local kver out root akver t0=$EPOCHREALTIME t_guests guests=()
	stream_init
	[ "$TEST_TIMEOUT" = 600 ] || export EXTRA_APPEND="udt_test_timeout=$TEST_TIMEOUT"
	echo "TAP version 13"
	kver=$(resolve_kver "$KERNEL") || die "no kernel $KERNEL installed here"
	out=$(arm64_kernel "$kver")
	root=${out% *} akver=${out#* }
	# shellcheck disable=SC2086 # a list
	if valid_configs "$CONFIGS" $CONFIGS && cross_build "$root" "$akver"; then
		check_selection
		# from the copy: its build/guest holds the arm64 programs and CLI
		TOP=$WORK/src pack_initramfs "$WORK/src/kernel/userdma.ko" "$WORK/initramfs.cpio.gz" "$akver"
		add_kernel arm64 "$akver" "$WORK/initramfs.cpio.gz" $CONFIGS
		mapfile -t guests < <(guest_ids)
		# Builds alone are not a test run.
		[ "${#guests[@]}" -gt 0 ] || result matrix fail "arm64: no guest to boot (CONFIGS='$CONFIGS' LANES='$LANES')"
	fi
	t_guests=$EPOCHREALTIME
	run_guests "${guests[@]}"
	finish "$t0" "$(elapsed "$t_guests")" "${#guests[@]}"
}

main "$@"
