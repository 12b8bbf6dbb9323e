#!/bin/bash
# Install everything userdma's build, tests and demo need on Debian 12
# (with the argument "bench", also what `make bench` needs).
# Both test kernels come from Debian: 6.1 from the release itself, 6.12
# from its backports suite.  The backports source is derived from the
# machine's own apt sources so no mirror is ever named here.
set -euo pipefail

. /etc/os-release
codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
bp_list=/etc/apt/sources.list.d/userdma-backports.list

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

need_update=0

# shellcheck source=scripts/apt-source.sh
. "$(dirname "$0")/apt-source.sh"

if ! grep -rqs -- "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	src=$(main_source | head -n 1)
	[ -n "$src" ] || { echo "install-deps: no apt source for $codename found" >&2; exit 1; }
	uri=${src%% *}
	comps=${src#* }
	[ "$comps" != "$src" ] || comps=main
	echo "deb $uri ${codename}-backports $comps" | $SUDO tee "$bp_list" >/dev/null
	need_update=1
fi

pkgs_host="build-essential make gcc libc6-dev qemu-system-x86 busybox-static cpio kmod
	sparse gzip xz-utils zstd file linux-source-6.1"
# Packaging tests (tests/packaging/): make install, DKMS, the Debian
# packages and lintian, and the debootstrap guest root.
pkgs_host+=" pkg-config binutils dkms dh-dkms debhelper dpkg-dev fakeroot lintian
	debootstrap python3"
# The debug kernel (scripts/debug-kernel.sh) is built from Debian's 6.12
# source package (bookworm's security and backports suites carry it).
pkgs_host+=" linux-source-6.12 bc bison flex libelf-dev libssl-dev"
# `make bench` (scripts/install-deps.sh bench) also renders tables and plots.
if [ "${1:-}" = bench ]; then
	pkgs_host+=" gnuplot-nox"
fi
# `make arm64` (scripts/install-deps.sh arm64): QEMU's arm64 system emulator
# and the cross compiler; the arm64 kernel packages are only downloaded, so
# the architecture must be known to apt.
if [ "${1:-}" = arm64 ]; then
	pkgs_host+=" qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$SUDO dpkg --add-architecture arm64
		need_update=1
	fi
fi

missing=0
for p in $pkgs_host; do
	dpkg -s "$p" >/dev/null 2>&1 || missing=1
done
ls -d /lib/modules/6.1.*-amd64/build >/dev/null 2>&1 || missing=1
ls -d /lib/modules/6.12.*-amd64/build >/dev/null 2>&1 || missing=1

if [ "$missing" -eq 0 ] && [ "$need_update" -eq 0 ]; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs_host >/dev/null

# The guests boot the packaged kernel images directly; initramfs generation on
# the host is not needed, so skip the hooks' work where they allow it.
if ! ls -d /lib/modules/6.1.*-amd64/build >/dev/null 2>&1; then
	$SUDO apt-get install -y -qq --no-install-recommends \
		linux-image-amd64 linux-headers-amd64 >/dev/null
fi
if ! ls -d /lib/modules/6.12.*-amd64/build >/dev/null 2>&1; then
	v612=$(apt-cache madison linux-image-amd64 | awk -v s="${codename}-backports" \
		'index($0, s) && $3 ~ /^6\.12\./ { print $3; exit }')
	[ -n "$v612" ] || { echo "install-deps: no 6.12 kernel in ${codename}-backports" >&2; exit 1; }
	# Install the versioned packages the backports metapackages point at, so
	# the 6.1 metapackage (and with it the 6.1 kernel) stays as it is.
	img=$(apt-cache show "linux-image-amd64=$v612" | awk -F': ' '/^Depends:/ { split($2, d, /[ ,]/); print d[1]; exit }')
	hdr=$(apt-cache show "linux-headers-amd64=$v612" | awk -F': ' '/^Depends:/ { split($2, d, /[ ,]/); print d[1]; exit }')
	$SUDO apt-get install -y -qq --no-install-recommends \
		-t "${codename}-backports" "$img" "$hdr" >/dev/null
fi
ls -d /lib/modules/6.1.*-amd64/build /lib/modules/6.12.*-amd64/build >/dev/null
echo "install-deps: ready ($(ls /lib/modules | tr '\n' ' '))"
