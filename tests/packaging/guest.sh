#!/bin/bash
# End-to-end test of the Debian packages: install them with dpkg into (an
# overlay over) the cached debootstrap root (tests/packaging/guest-root.sh),
# where userdma-dkms's postinst has DKMS build the module for the 6.12
# kernel (its headers bind-mounted from the host for the build), then boot
# that root, read-only over 9p, in QEMU with the harness's q35 + IOMMU +
# edu setup and run tests/packaging/guest/runner in it as PID 1: modprobe,
# the packaged CLI, programs built against libuserdma-dev, the Python
# package.  Everything runs in a private mount namespace: no mount
# outlives the test, and the cached root is never written.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/harness/lib.sh
. "$TOP/tests/harness/lib.sh"

work=$PKG_WORK/guest
here=$(cd "$(dirname "$0")" && pwd)

# Runs as root in its own mount namespace: $1 = cached root, $2 = kernel.
inner() {
	local root=$1 kver=$2 m=$work/merged d base
	mkdir -p "$work/upper" "$work/ovw" "$m"
	check "guest: overlay over the cached root" "$work/overlay.log" \
		mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovw" "$m"
	mountpoint -q "$m" || return 1

	# What dpkg and DKMS need in the chroot; the kernel's build tree and
	# config come from the host, as linux-headers would bring them.
	mount -t proc proc "$m/proc"
	mount --bind /dev "$m/dev"
	base=${kver%-amd64}
	for d in /usr/src/linux-headers-"$base"* /usr/lib/linux-kbuild-"$base"; do
		mkdir -p "$m$d"
		mount --bind "$d" "$m$d"
	done
	mkdir -p "$m/lib/modules/$kver"
	ln -sfn "/usr/src/linux-headers-$kver" "$m/lib/modules/$kver/build"
	cp "/boot/config-$kver" "$m/boot/"
	mkdir -p "$m/tmp/debs"
	cp "$PKG_WORK"/deb/out/{userdma-dkms,libuserdma0,libuserdma-dev,userdma-tools}_*.deb "$m/tmp/debs/"

	check "guest: dpkg -i userdma-dkms libuserdma0 libuserdma-dev userdma-tools in the Debian root" \
		"$work/dpkg.log" chroot "$m" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		dpkg -i $(cd "$m" && ls tmp/debs/*.deb | sed 's|^|/|')
	mod_ok() {
		chroot "$m" dkms status -m userdma
		chroot "$m" dkms status -m userdma | grep -q "$kver.*installed" &&
			ls "$m/lib/modules/$kver/updates/dkms/"userdma.ko* &&
			[ -f "$m/lib/modules/$kver/modules.dep" ]
	}
	check "guest: the package's postinst had DKMS build and install userdma.ko for $kver" \
		"$work/dkms.log" mod_ok
	prepare_programs "$m"

	umount "$m"/usr/src/linux-headers-"$base"* "$m/usr/lib/linux-kbuild-$base" "$m/dev" "$m/proc"
	install -m 755 "$here/guest/runner" "$m/usr/local/sbin/userdma-pkg-guest"
	pack_9p_initramfs "$kver" "$work/initramfs.cpio.gz"
	boot "$kver" "$m"
}

# Programs built in the root, from the installed -dev package only, and
# the Python package with its tests.
prepare_programs() {
	local m=$1 dest=/usr/local/lib/userdma-pkg-test src prog
	mkdir -p "$m$dest/bin" "$m$dest/src"
	for src in "$TOP"/examples/user/*.c; do
		[ -e "$src" ] || continue
		prog=$(basename "$src" .c)
		cp "$src" "$m$dest/src/"
		check "guest: examples/user/$prog.c builds in the root with cc ... -luserdma" \
			"$work/cc-$prog.log" chroot "$m" cc -Wall -Wextra -Werror -O2 \
			-o "$dest/bin/$prog" "$dest/src/$prog.c" -luserdma
	done
	if [ -d "$TOP/python/userdma" ]; then
		mkdir -p "$m$dest/python"
		cp -r "$TOP/python/userdma" "$TOP/python/tests" "$m$dest/python/"
	fi
}

# busybox and the 9p modules of the Debian kernel (decompressed, for
# busybox insmod), and the /init that mounts the root.
pack_9p_initramfs() {
	local kver=$1 out=$2 stage=$work/initramfs mod path a
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,modules}
	cp "$(command -v busybox)" "$stage/bin/busybox"
	for a in sh mount umount insmod mkdir sleep switch_root echo; do
		ln -s busybox "$stage/bin/$a"
	done
	for mod in netfs 9pnet 9pnet_virtio 9p; do
		path=$(modinfo -k "$kver" -n "$mod")
		case $path in
		*.xz) xz -dc "$path" >"$stage/modules/$mod.ko" ;;
		*.zst) zstd -qdc "$path" >"$stage/modules/$mod.ko" ;;
		*) cp "$path" "$stage/modules/$mod.ko" ;;
		esac
	done
	install -m 755 "$here/guest/initramfs-init" "$stage/init"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out"
}

boot() {
	local kver=$1 m=$2 rc=0 line attempt
	guest_args x86_64 strict main "$work/console.log" "$work/guest.tap"
	# shellcheck disable=SC2054 # QEMU's option syntax
	QEMU_ARGS+=(-fsdev "local,id=root,path=$m,security_model=none,readonly=on"
		-device virtio-9p-pci,fsdev=root,mount_tag=rootfs,addr=08.0)
	# A kernel panic before the runner's first line is TCG's, not ours
	# (see boot_panicked in tests/harness/lib.sh): boot once more.
	for attempt in 1 2; do
		rc=0
		timeout -k 10 "${PKG_GUEST_TIMEOUT:-600}" "${QEMU_ARGS[@]}" \
			-kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio.gz" \
			-append "$KERNEL_APPEND" </dev/null >"$work/qemu.log" 2>&1 || rc=$?
		if [ "$attempt" = 2 ] || [ -s "$work/guest.tap" ] ||
		   ! grep -aq 'Kernel panic' "$work/console.log"; then
			break
		fi
		echo "# pkg/guest: the kernel panicked while booting, before the runner started; booting again"
	done
	tr -d '\r' <"$work/guest.tap" | grep -E '^(ok|not ok) - |^#' | sed 's/^\(\(not \)\?ok - \)/\1pkg\//' || true
	if ! grep -q '^userdma-pkg-guest: done' "$work/guest.tap"; then
		tail -n 30 "$work/console.log" | tr -d '\r' >"$work/console.tail"
		tap_fail "guest: the guest did not finish (QEMU status $rc)" "$work/console.tail"
	fi
	while read -r line; do
		PKG_FAILS=$((PKG_FAILS + 1))
	done < <(grep '^not ok' "$work/guest.tap" || true)
}

main() {
	local root kver
	if [ "${1:-}" = --inner ]; then
		shift
		inner "$@"
		[ "$PKG_FAILS" -eq 0 ]
		return
	fi
	rm -rf "$work"
	mkdir -p "$work"
	kver=$(pkg_kver 6.12) || { tap_fail "guest: no 6.12 kernel headers"; return 1; }
	if ! ls "$PKG_WORK"/deb/out/userdma-dkms_*.deb >/dev/null 2>&1; then
		tap_fail "guest: no packages in build/pkg/deb/out (tests/packaging/deb.sh makes them)"
		return 1
	fi
	if ! root=$(bash "$here/guest-root.sh" 2>"$work/root.log"); then
		tap_fail "guest: the debootstrap root could not be made" "$work/root.log"
		return 1
	fi
	tap_ok "guest: cached Debian root ${root#"$TOP"/}"
	unshare -m --propagation private bash "$0" --inner "$root" "$kver"
}

main "$@"
