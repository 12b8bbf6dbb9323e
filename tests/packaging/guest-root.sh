#!/bin/bash
# The cached Debian root of the package end-to-end test: a minbase
# debootstrap of this machine's release, from the mirror its own apt
# sources use, with what the packages need at install time (dkms and its
# compiler, the kernel build tools' libraries) and what the Python tests
# run with (python3, python3-numpy).  Built once into the machine's cache
# (~/.cache/userdma, shared by every checkout, so CI's fresh clones reuse it) and reused
# while the package list below is unchanged; prints the root's path.
#
# Env: USERDMA_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/userdma)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# libelf1, libssl3, zlib1g, pahole: what the kernel's build tools
# (linux-kbuild, bind-mounted from the host at test time) link against.
INCLUDE=dkms,gcc,make,libc6-dev,kmod,xz-utils,openssl,libelf1,libssl3,zlib1g,pahole,python3,python3-numpy

main() {
	local cache=${USERDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/userdma} codename src uri key root tmp
	. /etc/os-release
	codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
	key=$(echo "$codename $INCLUDE minbase" | sha256sum | cut -c1-12)
	root=$cache/debootstrap/$codename-$key
	if [ -f "$root.done" ] && [ -x "$root/usr/bin/python3" ]; then
		echo "$root"
		return 0
	fi
	# shellcheck source=scripts/apt-source.sh
	. "$TOP/scripts/apt-source.sh"
	src=$(main_source | head -n 1)
	uri=${src%% *}
	[ -n "$uri" ] || { echo "guest-root: no apt source for $codename" >&2; return 1; }
	tmp=$root.tmp
	rm -rf "$tmp" "$root" "$root.done"
	mkdir -p "$(dirname "$root")"
	echo "guest-root: debootstrap $codename (minbase) into ${root#"$TOP"/}" >&2
	debootstrap --variant=minbase --include="$INCLUDE" "$codename" "$tmp" "$uri" \
		>"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; return 1; }
	# Nothing in the root needs the downloaded archives again.
	rm -f "$tmp"/var/cache/apt/archives/*.deb
	mv "$tmp" "$root"
	date -u >"$root.done"
	echo "$root"
}

main "$@"
