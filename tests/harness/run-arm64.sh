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
# module (W=1, warnings fail), the static test programs and the CLI, and
# busybox-static:arm64.  Downloads are unpacked into the machine's cache,
# never installed: installing linux-headers-*:arm64 would pull gcc-12:arm64
# and remove the host's compiler.
#
# Env: KERNEL=6.12  CONFIGS="strict swiotlb"  LANES="main edu"  JOBS=2
#      GUEST_TIMEOUT=1500 (s)  VERBOSE=1
# Output: TAP on stdout, a table, and "N passed, N failed[, N skipped]".
set -euo pipefail

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

KERNEL=${KERNEL:-6.12}
CONFIGS=${CONFIGS:-strict swiotlb}
LANES=${LANES:-main edu}
JOBS=${JOBS:-2}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}
VERBOSE=${VERBOSE:-0}
WORK=$TOP/build/arm64
LOGS=$WORK/logs

# The arm64 twin of a host kernel: its headers and image packages, at the
# host headers' version, unpacked into $CACHE_ROOT (prints "ROOT KVER").
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
		touch "$root.done"
	fi
	echo "$root $akver"
}

# The module, and a copy of the tree whose build/ holds the arm64 test
# programs and CLI (the Makefiles write to build/guest/ of their tree).
cross_build() {
	local root=$1 akver=$2 src=$WORK/src log=$LOGS/module-build.log
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$TOP" && git ls-files -co --exclude-standard | cpio -pdm --quiet "$src")
	if ! make -C "$root/usr/src/linux-headers-$akver" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- M="$src/kernel" W=1 modules >"$log" 2>&1 ||
		grep -qi 'warning:' "$log"; then
		result fail "build/arm64: userdma.ko for $akver failed or warned (W=1)" "$log"
		return 1
	fi
	result ok "build/arm64: userdma.ko for $akver (W=1, no warnings)"
	# fault_sweep's variant and the example driver, where pack_initramfs
	# looks for them next to the module
	mkdir -p "$src/fault"
	cp -r "$src/kernel" "$src/fault/kernel"
	cp -r "$src/include" "$src/fault/include"
	make -C "$src/fault/kernel" clean >/dev/null 2>&1 || true
	if make -C "$root/usr/src/linux-headers-$akver" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- M="$src/fault/kernel" W=1 \
		USERDMA_FAULT=y modules >"$log.fault" 2>&1 && ! grep -qi 'warning:' "$log.fault" &&
		make -C "$root/usr/src/linux-headers-$akver" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- M="$src/examples/kernel" W=1 \
		KBUILD_EXTRA_SYMBOLS="$src/kernel/Module.symvers" modules >"$log.example" 2>&1 &&
		! grep -qi 'warning:' "$log.example"; then
		result ok "build/arm64: USERDMA_FAULT=y variant and examples/kernel/edu_zc.ko (W=1, no warnings)"
	else
		result fail "build/arm64: fault variant or example driver failed or warned" "$log.fault"
	fi
	if CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		make -s -C "$src/tools" static >"$LOGS/userspace.log" 2>&1 &&
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		make -s -C "$src/tests" >>"$LOGS/userspace.log" 2>&1; then
		result ok "build/arm64: static CLI and $(ls "$src"/tests/cases/*/*.c | wc -l) test programs (aarch64-linux-gnu-gcc)"
	else
		result fail "build/arm64: static CLI or test programs" "$LOGS/userspace.log"
		return 1
	fi
}

N=0 PASS=0 FAIL=0 SKIP=0
result() {
	local status=$1 desc=$2 diag=${3:-}
	N=$((N + 1))
	if [ "$status" = ok ]; then
		echo "ok $N - $desc"
		PASS=$((PASS + 1))
	else
		echo "not ok $N - $desc"
		FAIL=$((FAIL + 1))
		[ -z "$diag" ] || tail -n 30 "$diag" | sed 's/^/# /'
	fi
}

# boot ROOT AKVER CONFIG LANE: one guest; the runner's stream goes to the
# second PCI serial port, which the guest sees as ttyS1 as on x86-64.
boot() {
	local root=$1 akver=$2 config=$3 lane=$4 id=arm64-$3-$4 machine=virt
	local append="console=ttyAMA0 quiet panic=-1 udt_kernel=$(short_kver "$akver") udt_config=$config udt_lane=$lane udt_mode=tests"
	local smp=(-smp 2) t0=$EPOCHREALTIME rc=0
	case $config in
	strict) machine+=,iommu=smmuv3; append+=" iommu.strict=1" ;;
	lazy) machine+=,iommu=smmuv3; append+=" iommu.strict=0" ;;
	noiommu) ;;
	swiotlb) append+=" swiotlb=131072,force" ;;
	esac
	[ "$lane" = edu ] && smp=(-smp 1 -icount shift=auto,sleep=off)
	rm -f "$LOGS/$id".*
	timeout -k 10 "$GUEST_TIMEOUT" qemu-system-aarch64 -M "$machine" -cpu max -m 2048 \
		"${smp[@]}" -nographic -no-reboot -nic none -monitor none \
		-kernel "$root/boot/vmlinuz-$akver" -initrd "$WORK/initramfs.cpio.gz" \
		-append "$append" -serial "file:$LOGS/$id.log" \
		-device edu,addr=03.0,dma_mask=0xffffffffffffffff -device edu,addr=04.0 \
		-device pci-testdev,addr=05.0 -device edu,addr=06.0,dma_mask=0xffffffffffffffff \
		-chardev "file,id=s0,path=$LOGS/$id.s0" -device pci-serial,chardev=s0,addr=07.0 \
		-chardev "file,id=s1,path=$LOGS/$id.tap" -device pci-serial,chardev=s1,addr=08.0 \
		</dev/null >"$LOGS/$id.qemu" 2>&1 || rc=$?
	ls "$WORK/src/build/guest/tests/$lane" >"$LOGS/$id.expected"
	awk -f "$TOP/tests/harness/parse-guest.awk" -v prefix="arm64/$config/$lane" \
		-v expected="$LOGS/$id.expected" -v verbose="$VERBOSE" \
		-v reason="$([ "$rc" = 0 ] || echo "QEMU exited with status $rc")" \
		"$LOGS/$id.tap" >"$LOGS/$id.block" 2>&1
	echo "# arm64/$config/$lane: done after $(elapsed "$t0") s (log: ${LOGS#"$TOP"/}/$id.log)" >>"$LOGS/$id.block"
}

main() {
	local kver out root akver config lane id line
	mkdir -p "$LOGS"
	echo "TAP version 13"
	kver=$(resolve_kver "$KERNEL") || die "no kernel $KERNEL installed here"
	out=$(arm64_kernel "$kver")
	root=${out% *} akver=${out#* }
	cross_build "$root" "$akver" || { echo "$PASS passed, $FAIL failed"; exit 1; }
	TOP=$WORK/src GUEST_BUSYBOX=$root/bin/busybox GUEST_ROOT=$root \
		pack_initramfs "$WORK/src/kernel/userdma.ko" "$WORK/initramfs.cpio.gz" "$akver"
	for config in $CONFIGS; do
		for lane in $LANES; do
			while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
			say "booting arm64/$config/$lane"
			boot "$root" "$akver" "$config" "$lane" &
		done
	done
	wait || true
	for config in $CONFIGS; do
		for lane in $LANES; do
			id=arm64-$config-$lane
			while IFS= read -r line; do
				case $line in
				"not ok - "*) result fail "${line#not ok - }" ;;
				"ok - "*"# SKIP"*) N=$((N + 1)); SKIP=$((SKIP + 1)); echo "ok $N - ${line#ok - }" ;;
				"ok - "*) result ok "${line#ok - }" ;;
				*) echo "$line" ;;
				esac
			done <"$LOGS/$id.block"
		done
	done
	echo "1..$N"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" -eq 0 ]
}

main "$@"
