#!/bin/bash
# DKMS: add, build and install userdma for each test kernel (neither is
# the running one: dkms -k builds for any kernel with headers), entirely in
# a scratch tree.  It runs in a private mount namespace whose
# /etc/dkms/framework.conf points the signing key at the scratch tree too,
# so no state is left behind on the host: not even the MOK key dkms would
# otherwise generate under /var/lib/dkms.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

work=$PKG_WORK/dkms
ver=$(pkg_version)

# The source tree a package would put under /usr/src/userdma-<version>.
stage_source() {
	local src=$1/userdma-$ver
	mkdir -p "$src"
	cp "$TOP/dkms.conf" "$src/"
	sh "$TOP/scripts/module-sources.sh" "$src"
}

# Runs inside the namespace: $1 = work dir, then kernel releases.
inner() {
	local w=$1 k opts ko
	shift
	mkdir -p "$w/etc"
	cat >"$w/etc/framework.conf" <<CONF
mok_signing_key="$w/mok.key"
mok_certificate="$w/mok.pub"
CONF
	mount --bind "$w/etc" /etc/dkms
	opts=(--dkmstree "$w/tree" --sourcetree "$w/src" --installtree "$w/install")
	dkms add -m userdma -v "$ver" "${opts[@]}"
	for k in "$@"; do
		echo "=== $k"
		# dkms installs only into kernels it sees in the install tree
		mkdir -p "$w/install/$k"
		dkms build -m userdma -v "$ver" -k "$k" "${opts[@]}" || return 1
		dkms install -m userdma -v "$ver" -k "$k" --no-depmod "${opts[@]}" || return 1
		ko=$(ls "$w/install/$k/updates/dkms/"userdma.ko* 2>/dev/null | head -n 1)
		[ -n "$ko" ] || { echo "no module installed for $k"; return 1; }
		echo "RESULT $k $(modinfo -F vermagic "$ko" | cut -d' ' -f1) $ko"
	done
	dkms status -m userdma "${opts[@]}"
	dkms remove -m userdma -v "$ver" --all --no-depmod "${opts[@]}"
	echo "LEFT $(find "$w/install" -name 'userdma.ko*' | wc -l)"
}

main() {
	local kvers=() short k log=$work/dkms.log
	rm -rf "$work"
	mkdir -p "$work/src" "$work/tree" "$work/install"
	if ! command -v dkms >/dev/null; then
		tap_fail "dkms: dkms is not installed (scripts/install-deps.sh)"
		return 1
	fi
	grep -q "^PACKAGE_VERSION=\"$ver\"$" "$TOP/dkms.conf" &&
		tap_ok "dkms: dkms.conf PACKAGE_VERSION is the library's $ver" ||
		tap_fail "dkms: dkms.conf PACKAGE_VERSION is not the library's $ver"
	for short in ${KERNELS:-6.1 6.12}; do
		k=$(pkg_kver "$short") && kvers+=("$k") || tap_fail "dkms: no headers for $short"
	done
	stage_source "$work/src"
	unshare -m bash -c "$(declare -f inner); ver=$ver; inner \"\$@\"" inner \
		"$work" "${kvers[@]}" >"$log" 2>&1 || true
	for k in "${kvers[@]}"; do
		if grep -q "^RESULT $k $k " "$log"; then
			tap_ok "dkms: build and install for $k (not the running kernel), vermagic matches"
		else
			tap_fail "dkms: build and install for $k" "$log"
		fi
	done
	if grep -q '^LEFT 0$' "$log" && [ ! -e /var/lib/dkms/userdma ] &&
		[ ! -e "/usr/src/userdma-$ver" ]; then
		tap_ok "dkms: remove --all cleans the scratch install tree; nothing under /var/lib/dkms or /usr/src"
	else
		tap_fail "dkms: state left behind after dkms remove" "$log"
	fi
	rm -rf "$work/src" "$work/tree"
	[ "$PKG_FAILS" -eq 0 ]
}

main "$@"
