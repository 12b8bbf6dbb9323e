# Shared by the packaging tests (tests/packaging/*.sh): unnumbered TAP
# lines, which the matrix numbers and counts under its row "pkg".
# shellcheck shell=bash

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PKG_WORK=${PKG_WORK:-$TOP/build/pkg}
PKG_FAILS=0

# tap_ok DESC / tap_fail DESC [diagnostic file]
tap_ok() { echo "ok - pkg/$*"; }
tap_fail() {
	PKG_FAILS=$((PKG_FAILS + 1))
	echo "not ok - pkg/$1"
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		tail -n "${DIAG_LINES:-30}" "$2" | sed 's/^/# /'
	fi
	return 0
}
# check DESC LOG CMD...: one result line from a command's status; its
# output goes to LOG, shown only on failure.
check() {
	local desc=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then tap_ok "$desc"; else tap_fail "$desc" "$log"; fi
}
tap_skip() { echo "ok - pkg/$1 # SKIP $2"; }

# Full release of an installed kernel with headers, from 6.1 or 6.12.
pkg_kver() {
	local d
	for d in $(ls -d /lib/modules/"$1".*/build 2>/dev/null | sort -V -r); do
		d=${d#/lib/modules/}
		echo "${d%/build}"
		return 0
	done
	return 1
}

pkg_version() { sed -n 's/^VERSION *:= *//p' "$TOP/lib/Makefile"; }
