# Shared by the tests/harness/run-*.sh scripts, scripts/build-module.sh and
# tests/packaging/guest.sh: finding kernels, packing initramfs images and
# booting guests (x86-64 and arm64 alike).
# shellcheck shell=bash
# QEMU's own option syntax uses commas inside one argument:
# shellcheck disable=SC2054

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

die() { echo "${0##*/}: $*" >&2; exit 1; }
# Progress goes to stderr: stdout is reserved for the TAP stream.
say() { echo "${0##*/}: $*" >&2; }

# Kernels of other Debian suites (bullseye, sid, experimental, ...) live
# in cached debootstrap roots made by scripts/suite-kernel.sh, with their
# compiler, headers, image and modules; a kernel installed on this machine
# has the root "".
USERDMA_CACHE=${USERDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/userdma}

# kernel_root KVER: where the kernel's /boot and /lib/modules are; arm64
# kernels are unpacked into the cache too (run-arm64.sh).
kernel_root() {
	local kver=$1 mark
	if [ -d "/lib/modules/$kver/build" ] && [ -f "/boot/vmlinuz-$kver" ]; then
		echo ""
		return 0
	fi
	# the debug kernel's build directory holds its tree and its root
	for mark in "$USERDMA_CACHE"/{suites,debug,arm64}/*.done; do
		[ -f "$mark" ] || continue
		[ "$(cat "$mark")" = "$kver" ] || continue
		case $mark in
		*/debug/*) echo "${mark%.done}/root" ;;
		*) echo "${mark%.done}" ;;
		esac
		return 0
	done
	return 1
}

# Full version of a kernel with headers and an image, from a full version,
# a short one or a Debian suite name.  "6.1" must not pick 6.12, so the
# short form matches "6.1.*" (or a cached suite kernel whose short version
# is 6.1) only; the newest installed wins when several are.  A suite name
# makes (or reuses) that suite's root.
resolve_kver() {
	local want=$1 dir kver mark out
	case $want in
	debug)
		out=$(bash "$TOP/scripts/debug-kernel.sh") || return 1
		echo "${out#* }"
		return 0 ;;
	[a-z]*)
		out=$(bash "$TOP/scripts/suite-kernel.sh" "$want") || return 1
		echo "${out#* }"
		return 0 ;;
	esac
	if [ -d "/lib/modules/$want/build" ] && [ -f "/boot/vmlinuz-$want" ]; then
		echo "$want"
		return 0
	fi
	for dir in $(ls -d /lib/modules/"$want".*/build 2>/dev/null | sort -V -r); do
		kver=${dir#/lib/modules/}
		kver=${kver%/build}
		[ -f "/boot/vmlinuz-$kver" ] && { echo "$kver"; return 0; }
	done
	for mark in "$USERDMA_CACHE"/suites/*.done "$USERDMA_CACHE"/debug/*.done; do
		[ -f "$mark" ] || continue
		kver=$(cat "$mark")
		if [ "$kver" = "$want" ] || [ "$(short_kver "$kver")" = "$want" ]; then
			echo "$kver"
			return 0
		fi
	done
	return 1
}

# The architecture a kernel was built for, which its guest's machine
# follows: Debian names it last ("6.12.95+deb12-arm64"); the rest are the
# host's, x86-64 (Debian's -amd64, the debug kernel's -udt-debug).
kernel_arch() {
	case $1 in
	*-arm64) echo arm64 ;;
	*) echo x86_64 ;;
	esac
}

# "6.12.95+deb12-amd64" -> "6.12", "7.3-amd64" -> "7.3": what tests see as
# USERDMA_KERNEL and the matrix rows are named by; the debug kernel
# (scripts/debug-kernel.sh) is "6.12+debug" ("-" separates a row's parts).
short_kver() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+)[^-]*(-udt-debug)?.*/\1\2/; s/-udt-debug$/+debug/'; }

# kmake KVER DIR MAKE-ARGS...: make for an external module in DIR against
# KVER's build tree.  The debug kernel's root has no system in it: its tree
# was built here, with this machine's compiler.  A suite kernel's build
# runs chrooted in its root,
# with build/ bind-mounted at the same path in a private mount namespace
# (gone when make ends), so DIR and every path under build/ mean the same
# inside; /proc too, which 7.x's objtool reads.
kmake() {
	local kver=$1 dir=$2 root
	shift 2
	root=$(kernel_root "$kver") || { echo "no kernel $kver on this machine" >&2; return 1; }
	# every core: Kbuild builds one object at a time unless told
	set -- -j"$(nproc)" "$@"
	if [ -z "$root" ] || [ ! -x "$root/usr/bin/make" ]; then
		make -C "$root/lib/modules/$kver/build" M="$dir" "$@"
		return
	fi
	mkdir -p "$root$TOP/build"
	unshare -m --propagation private bash -c '
		mount --bind "$1" "$2$1" || exit 1
		mount -t proc proc "$2/proc" || exit 1
		root=$2
		shift 2
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C "$@"' \
		kmake "$TOP/build" "$root" make -C "/lib/modules/$kver/build" M="$dir" "$@"
}

# Build the module for one kernel; prints the .ko path, log in build/<kver>/.
build_module() {
	bash "$TOP/scripts/build-module.sh" "$1"
}

# The fault-injection variant (USERDMA_FAULT=y) in build/<kver>/fault/.
build_fault_module() {
	FAULT=1 bash "$TOP/scripts/build-module.sh" "$1"
}

# The example driver for one kernel, after build_module; prints its path.
build_example() {
	bash "$TOP/scripts/build-example.sh" "$1"
}

# Modules of the running kernel the interop tests use (dma-buf importers
# and exporters other people wrote, and brd, a RAM block device for
# O_DIRECT), packed with their dependencies.
GUEST_MODULES="vgem vivid brd"

# Copy the modules named in GUEST_MODULES and their dependency chains from
# /lib/modules/<kver> into <stage>/lib/udt-modules: <name>.ko, decompressed
# on the host (busybox insmod may not read .ko.xz), and <name>.deps, the
# modules to insmod for <name> in order, for the guest's /bin/udt-modprobe.
# Chains are resolved by modprobe -S <kver> --show-depends; built-in
# dependencies need nothing.  A module the kernel does not have is left
# out: the test that wants it reports that.
stage_guest_modules() {
	local kver=$1 stage=$2 root=${3:-} dir mod line path base
	dir=$stage/lib/udt-modules
	mkdir -p "$dir"
	for mod in $GUEST_MODULES; do
		if ! line=$(modprobe -d "${root:-/}" -S "$kver" --show-depends "$mod" 2>/dev/null); then
			say "kernel $kver has no module $mod; not packed"
			continue
		fi
		: >"$dir/$mod.deps"
		while read -r line; do
			case $line in
			"insmod "*) ;;
			*) continue ;;	# "builtin ..." needs nothing
			esac
			path=${line#insmod }
			path=${path%% *}
			base=${path##*/}
			base=${base%.xz}
			base=${base%.zst}
			base=${base%.gz}
			base=${base%.ko}
			if [ ! -f "$dir/$base.ko" ]; then
				case $path in
				*.ko.xz) xz -dc "$path" >"$dir/$base.ko" ;;
				*.ko.zst) zstd -qdc "$path" >"$dir/$base.ko" ;;
				*.ko.gz) gzip -dc "$path" >"$dir/$base.ko" ;;
				*) cp "$path" "$dir/$base.ko" ;;
				esac || die "cannot unpack $path"
			fi
			echo "$base" >>"$dir/$mod.deps"
		done < <(modprobe -d "${root:-/}" -S "$kver" --show-depends "$mod")
	done
	install -m 755 "$TOP/tests/guest/udt-modprobe" "$stage/bin/udt-modprobe"
}

# Is test program LANE/NAME selected by TESTS (`make check TESTS="a b"`;
# a bare name selects it in every lane, none selects everything)?
selected() {
	local t
	[ -n "${TESTS:-}" ] || return 0
	for t in $TESTS; do
		[ "$t" = "$2" ] || [ "$t" = "$1/$2" ] && return 0
	done
	return 1
}

# Pack a gzip'd newc initramfs: busybox, /init and the runner scripts, the
# module, the example driver, the static CLI and test programs if they
# were built, and the kernel's modules the interop tests load
# (stage_guest_modules).  The
# kernel version is the third argument, or else the name of the directory
# holding the image (build/<kver>/initramfs.cpio.gz).
pack_initramfs() {
	local ko=$1 out=$2 kver=${3:-} stage applet root busybox
	[ -n "$kver" ] || kver=$(basename "$(dirname "$out")")
	root=$(kernel_root "$kver" 2>/dev/null || true)
	stage=$(dirname "$out")/initramfs-root
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root}
	# Another architecture's kernel root holds that architecture's
	# busybox-static (run-arm64.sh); the applet list is the host's, the
	# same Debian version.
	busybox=$(command -v busybox)
	[ "$(kernel_arch "$kver")" = x86_64 ] || busybox=$root/bin/busybox
	cp "$busybox" "$stage/bin/busybox"
	# busybox --list-full names busybox itself too: a self-symlink would
	# make /bin/busybox a loop and /init fail with ELOOP.
	for applet in $(busybox --list-full); do
		[ "${applet##*/}" = busybox ] && continue
		mkdir -p "$stage/$(dirname "$applet")"
		ln -sf /bin/busybox "$stage/$applet"
	done
	install -m 755 "$TOP/tests/guest/init" "$stage/init"
	install -m 755 "$TOP/tests/guest/run-tests.sh" "$stage/run-tests.sh"
	install -m 644 "$TOP/tests/harness/tap.awk" "$stage/tap.awk"
	install -m 755 "$TOP/tests/guest/demo.sh" "$stage/demo.sh"
	install -m 755 "$TOP/tests/guest/bench.sh" "$stage/bench.sh"
	install -m 644 "$ko" "$stage/userdma.ko"
	# the fault-injection variant (FAULT=1 scripts/build-module.sh), which
	# the runner swaps in for fault_sweep only
	if [ -f "$(dirname "$ko")/../fault/kernel/userdma.ko" ]; then
		install -m 644 "$(dirname "$ko")/../fault/kernel/userdma.ko" "$stage/userdma-fault.ko"
	fi
	# the example driver, built next to the module (scripts/build-example.sh)
	if [ -f "$(dirname "$ko")/../examples/kernel/edu_zc.ko" ]; then
		install -m 644 "$(dirname "$ko")/../examples/kernel/edu_zc.ko" "$stage/edu_zc.ko"
	fi
	if [ -x "$TOP/build/guest/userdma" ]; then
		install -m 755 "$TOP/build/guest/userdma" "$stage/bin/userdma"
	fi
	# A bench image needs only the bench program; a test image only tests.
	if [ "${PACK_BENCH:-0}" = 1 ]; then
		mkdir -p "$stage/bench"
		install -m 755 "$TOP/build/guest/bench/userdma-bench" "$stage/bench/"
	elif [ -d "$TOP/build/guest/tests" ]; then
		local lane bin
		for bin in "$TOP"/build/guest/tests/*/*; do
			[ -x "$bin" ] || continue
			lane=$(basename "$(dirname "$bin")")
			selected "$lane" "${bin##*/}" || continue
			mkdir -p "$stage/tests/$lane"
			cp "$bin" "$stage/tests/$lane/"
		done
	fi
	if [ -d "$root/lib/modules/$kver" ]; then
		stage_guest_modules "$kver" "$stage" "$root"
	else
		say "no $root/lib/modules/$kver: no kernel modules packed for the interop tests"
	fi
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$out"
}

# The guest configurations, each a row of guest_args' table.
GUEST_CONFIGS="strict lazy noiommu swiotlb"

# The QEMU command line (binary first) for one (architecture, config,
# lane) in the array QEMU_ARGS, and the kernel command line in
# KERNEL_APPEND; the kernel console goes to file CONSOLE, the guest's
# ttyS1 (only the runner's output, tests/guest/init) to file STREAM.
#   x86_64: q35, the console on ttyS0; strict/lazy put an emulated VT-d
#   in front of the PCI devices.
#   arm64: virt, the console on its PL011 (ttyAMA0), ttyS0 and ttyS1 two
#   PCI serial cards (the first discarded); strict/lazy put an SMMUv3 in
#   front of the PCI bus.
#   noiommu: direct DMA; swiotlb: direct DMA forced through bounce buffers,
#   with a 256 MiB pool (131072 slabs of 2 KiB) so a 64 MiB region fits.
#   main lane: 2 vCPUs, real time; edu lane: 1 vCPU with -icount sleep=off,
#   which skips the edu device's 100 ms per DMA command (needs -smp 1).
guest_args() {
	local arch=$1 config=$2 lane=$3 console=$4 stream=$5 machine
	case $arch in
	x86_64)
		# -erms,-fsrm: with "fast string" CPUs the kernel copies and
		# clears pages, bounce buffers and user memory with rep
		# movsb/stosb, which TCG emulates a byte per step; without them it
		# takes its 8-byte loops.  Same code of ours either way, and 6.1
		# with swiotlb=force ran register_sizes and xfer_lifetime in 29 s
		# instead of 145 s.
		QEMU_ARGS=(qemu-system-x86_64 -cpu "${QEMU_CPU:-max,-erms,-fsrm}"
			-serial "file:$console" -serial "file:$stream")
		machine=q35,kernel-irqchip=split
		# no_timer_check: on a loaded host TCG can be too slow for the
		# kernel's IO-APIC timer probe, and 6.1 then panics at boot ("timer
		# doesn't work through Interrupt-remapped IO-APIC"); seen with two
		# guests at once.
		KERNEL_APPEND="console=ttyS0 quiet panic=-1 no_timer_check" ;;
	arm64)
		QEMU_ARGS=(qemu-system-aarch64 -cpu "${QEMU_CPU:-max}" -serial "file:$console"
			-chardev null,id=s0 -device pci-serial,chardev=s0,addr=07.0
			-chardev "file,id=s1,path=$stream" -device pci-serial,chardev=s1,addr=08.0)
		machine=virt
		KERNEL_APPEND="console=ttyAMA0 quiet panic=-1" ;;
	*) die "unknown architecture '$arch' (x86_64 arm64)" ;;
	esac
	# watchdog_thresh=60: a vCPU thread the host does not run for a while
	# (two guests and other work on two cores) comes back to a clock that
	# moved on, and the soft-lockup detector's 20 s default then reported
	# a lockup in a plain page copy; 120 s still catches a real one.
	KERNEL_APPEND+=" watchdog_thresh=60"
	case $arch/$config in
	x86_64/strict)	QEMU_ARGS+=(-device intel-iommu,intremap=on)
			KERNEL_APPEND+=" intel_iommu=on iommu.strict=1" ;;
	x86_64/lazy)	QEMU_ARGS+=(-device intel-iommu,intremap=on)
			KERNEL_APPEND+=" intel_iommu=on iommu.strict=0" ;;
	x86_64/noiommu)	KERNEL_APPEND+=" intel_iommu=off" ;;
	x86_64/swiotlb)	KERNEL_APPEND+=" intel_iommu=off swiotlb=131072,force" ;;
	arm64/strict)	machine+=,iommu=smmuv3
			KERNEL_APPEND+=" iommu.strict=1" ;;
	arm64/lazy)	machine+=,iommu=smmuv3
			KERNEL_APPEND+=" iommu.strict=0" ;;
	arm64/noiommu)	;;
	arm64/swiotlb)	KERNEL_APPEND+=" swiotlb=131072,force" ;;
	*) die "unknown config '$config' ($GUEST_CONFIGS)" ;;
	esac
	QEMU_ARGS+=(-accel tcg -machine "$machine" -m 2048 -nographic -no-reboot -nic none -monitor none)
	# Fixed addresses: tests and the module's edu_dma_bits rely on the order.
	# pci-testdev has no Linux driver: the device tests bind through
	# driver_override, as an administrator would bind an FPGA card.
	# The third edu device (06.0, 64-bit) is the one the example driver
	# test (tests/cases/main/example_driver.c) moves from userdma to
	# examples/kernel/edu_zc.ko and back.
	QEMU_ARGS+=(-device edu,addr=03.0,dma_mask=0xffffffffffffffff
		-device edu,addr=04.0 -device pci-testdev,addr=05.0
		-device edu,addr=06.0,dma_mask=0xffffffffffffffff)
	case $lane in
	edu) QEMU_ARGS+=(-smp 1 -icount shift=auto,sleep=off) ;;
	*)   QEMU_ARGS+=(-smp 2) ;;
	esac
}

# Boot one guest and wait for it.  Writes <logbase>.log (console),
# <logbase>.tap (the runner's stream) and <logbase>.meta (timings, status).
#   boot_guest KVER CONFIG LANE MODE INITRD LOGBASE TIMEOUT
boot_guest() {
	local kver=$1 config=$2 lane=$3 mode=$4 initrd=$5 logbase=$6 limit=$7
	local t0 boot=- rc=0 qpid attempt retried=0 root
	root=$(kernel_root "$kver") || die "no kernel image for $kver"
	guest_args "$(kernel_arch "$kver")" "$config" "$lane" "$logbase.log" "$logbase.tap"
	KERNEL_APPEND+=" udt_kernel=$(short_kver "$kver") udt_config=$config udt_lane=$lane udt_mode=$mode"
	# The debug kernel: every KASAN report, not the first only; room for
	# DMA-API debugging to track a 64 MiB registration page by page twice
	# over (its default, 65536 entries, is one such registration).
	case $kver in
	*-udt-debug) KERNEL_APPEND+=" kasan_multi_shot dma_debug_entries=262144" ;;
	esac
	KERNEL_APPEND+=${EXTRA_APPEND:+ $EXTRA_APPEND}
	rm -f "$logbase".{log,tap,meta,qemu,boot-panic.log}
	t0=$EPOCHREALTIME
	for attempt in 1 2; do
		rc=0
		timeout -k 10 "$limit" "${QEMU_ARGS[@]}" \
			-kernel "$root/boot/vmlinuz-$kver" -initrd "$initrd" -append "$KERNEL_APPEND" \
			</dev/null >"$logbase.qemu" 2>&1 &
		qpid=$!
		# Stop QEMU with us if the harness is interrupted.
		trap 'kill "$qpid" 2>/dev/null' TERM INT
		# Boot time: until the runner's first line reaches the host.
		while kill -0 "$qpid" 2>/dev/null; do
			if [ -s "$logbase.tap" ]; then
				boot=$(elapsed "$t0")
				break
			fi
			sleep 0.1
		done
		wait "$qpid" || rc=$?
		trap - TERM INT
		boot_panicked "$logbase" && [ "$attempt" = 1 ] || break
		mv "$logbase.log" "$logbase.boot-panic.log"
		retried=1
	done
	printf 'rc=%s boot=%s wall=%s limit=%s retried=%s\n' "$rc" "$boot" \
		"$(elapsed "$t0")" "$limit" "$retried" >"$logbase.meta"
	return "$rc"
}

# The kernel panicked before the test runner said anything (nothing of
# ours ran yet): under TCG the 6.12 kernel has been seen to take an int3
# Oops while patching its own text at boot on two vCPUs.  Such a guest is
# booted once more; its console is kept as <logbase>.boot-panic.log.
boot_panicked() {
	[ ! -s "$1.tap" ] && grep -aq 'Kernel panic' "$1.log" 2>/dev/null
}

# Seconds since an $EPOCHREALTIME stamp, one decimal.
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}'; }
