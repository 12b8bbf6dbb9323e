#!/bin/bash
# A kernel from another Debian suite (bullseye, sid, experimental, ...),
# ready to build modules for and to boot: a cached minbase debootstrap root
# of that suite holding the suite's own compiler and linux-headers-amd64
# (module builds run in it with chroot, because the headers' tools and the
# compiler they name only run on their own suite's libraries) and the
# matching linux-image unpacked into the same root's /boot and
# /lib/modules (the guest boots it from there).
#
#   scripts/suite-kernel.sh SUITE     prints "ROOT KVER"
#
# The mirror is the one this machine's apt sources use for its own release:
# no host name is written here.  Experimental holds only a few packages, so
# its root is sid's with experimental's kernel on top.  The root is built
# once into the machine's cache (~/.cache/userdma/suites, shared by every
# checkout) and rebuilt when this recipe changes.
# Env: USERDMA_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/userdma)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

# What a module build needs besides linux-headers-amd64, which pulls the
# compiler its kernel was built with.
INCLUDE=make,kmod,xz-utils,zstd,ca-certificates
RECIPE=2

die() { echo "suite-kernel: $*" >&2; exit 1; }

cache_dir() {
	echo "${USERDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/userdma}"
}

# in_root ROOT CMD...: a command inside the root, with the host's name
# resolution for apt.
in_root() {
	local root=$1
	shift
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

# kver_of ROOT: the release of the one kernel whose headers are installed
# (build is an absolute link into the root's /usr/src: test the link).
kver_of() {
	local d
	for d in "$1"/lib/modules/*/build; do
		[ -L "$d" ] || [ -e "$d" ] || continue
		d=${d%/build}
		echo "${d##*/}"
		return 0
	done
	return 1
}

# place_image ROOT KVER: vmlinuz into /boot, the modules into the
# headers' /lib/modules/KVER, from the unpacked image in ROOT/tmp/img/x.
place_image() {
	local root=$1 kver=$2 x=$1/tmp/img/x d img=
	for d in "$x/boot/vmlinuz-$kver" "$x/usr/lib/modules/$kver/vmlinuz" \
		"$x/lib/modules/$kver/vmlinuz"; do
		[ -f "$d" ] && { img=$d; break; }
	done
	[ -n "$img" ] || { echo "no vmlinuz in the image packages" >&2; return 1; }
	mkdir -p "$root/boot"
	cp "$img" "$root/boot/vmlinuz-$kver"
	for d in "$x/usr/lib/modules/$kver" "$x/lib/modules/$kver"; do
		[ -d "$d/kernel" ] || continue
		cp -a "$d/." "$root/lib/modules/$kver/"
		return 0
	done
	echo "no modules in the image packages" >&2
	return 1
}

# The steps run in a ROOT.tmp and leave a mark each, so a build cut off by
# the network resumes where it stopped; the finished root is renamed.
build_root() {
	local suite=$1 root=$2 uri=$3 boot_suite=$1 apt_t=() kver tmp
	[ "$suite" = experimental ] && boot_suite=sid
	tmp=$root.tmp
	[ -f "$tmp/.udt-base" ] || rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	if [ ! -f "$tmp/.udt-base" ]; then
		echo "suite-kernel: debootstrap $boot_suite (minbase) for $suite's kernel" >&2
		debootstrap --variant=minbase --include="$INCLUDE" "$boot_suite" "$tmp" "$uri" \
			>"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; return 1; }
		touch "$tmp/.udt-base"
	fi
	# sid's and experimental's Release files carry a Valid-Until a few days
	# ahead; a mirror that serves a frozen copy of the archive is past it,
	# and apt would refuse every index.  The signatures are still checked.
	echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99userdma-valid-until"
	if [ "$suite" = experimental ]; then
		echo "deb $uri experimental main" >"$tmp/etc/apt/sources.list.d/experimental.list"
		apt_t=(-t experimental)
	fi
	if [ ! -f "$tmp/.udt-headers" ]; then
		echo "suite-kernel: $suite's compiler and linux-headers-amd64" >&2
		{
			in_root "$tmp" apt-get update -qq &&
				in_root "$tmp" apt-get install -y -qq --no-install-recommends \
					"${apt_t[@]}" linux-headers-amd64
		} >>"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; return 1; }
		touch "$tmp/.udt-headers"
	fi
	kver=$(kver_of "$tmp") || die "no kernel headers installed in the $suite root"
	# The image is unpacked, not installed: installing it would run the
	# initramfs and bootloader hooks a guest booted with -kernel never uses.
	# Newer suites split it into linux-binary-* and linux-modules-*, which
	# the image package depends on, and keep vmlinuz in the modules
	# directory instead of /boot.  Unpacked aside first: tar would replace
	# a merged-/usr root's /lib link by the package's ./lib directory.
	echo "suite-kernel: $suite's linux-image-$kver" >&2
	{
		in_root "$tmp" sh -c "rm -rf /tmp/img && mkdir -p /tmp/img/x && cd /tmp/img &&
			apt-get download ${apt_t[*]} linux-image-$kver \$(apt-cache depends ${apt_t[*]} linux-image-$kver |
				awk '/Depends: linux-(binary|modules)-/ { print \$2 }') &&
			for d in *.deb; do dpkg-deb -x \$d x || exit 1; done" &&
			place_image "$tmp" "$kver" &&
			rm -rf "$tmp/tmp/img" &&
			in_root "$tmp" depmod -a "$kver"
	} >>"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; return 1; }
	[ -f "$tmp/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in the $suite image"
	in_root "$tmp" apt-get clean >>"$root.log" 2>&1 || true
	rm -rf "$root"
	mv "$tmp" "$root"
	echo "$kver" >"$root.done"
}

main() {
	[ $# -eq 1 ] || die "usage: $0 SUITE"
	local suite=$1 cache key root src uri codename
	case $suite in
	*[!a-z0-9-]* | "") die "'$suite' is not a Debian suite name" ;;
	esac
	cache=$(cache_dir)
	key=$(printf '%s\n' "$suite" "$INCLUDE" "$RECIPE" | sha256sum | cut -c1-12)
	root=$cache/suites/$suite-$key
	if [ -f "$root.done" ] && [ -f "$root/boot/vmlinuz-$(cat "$root.done")" ]; then
		echo "$root $(cat "$root.done")"
		return 0
	fi
	. /etc/os-release
	codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
	# shellcheck source=scripts/apt-source.sh
	. "$top/scripts/apt-source.sh"
	src=$(main_source | head -n 1)
	uri=${src%% *}
	[ -n "$uri" ] || die "no apt source for $codename to take the mirror from"
	command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/install-deps.sh)"
	# One builder at a time per root: the matrix may ask for it from
	# parallel jobs.
	mkdir -p "$cache/suites"
	exec 9>"$root.lock"
	flock 9
	if ! [ -f "$root.done" ]; then
		build_root "$suite" "$root" "$uri" || die "could not make the $suite root (log: $root.log)"
	fi
	echo "$root $(cat "$root.done")"
}

main "$@"
