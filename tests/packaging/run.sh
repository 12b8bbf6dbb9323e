#!/bin/bash
# Every packaging test, for `make check` (row "pkg"): make install into a
# DESTDIR, DKMS for both kernels, the Debian packages and lintian, and the
# packages installed and loaded in a Debian guest.  Unnumbered TAP on
# stdout; exit status 0 only if all passed.
#
# Env: PKG_TESTS="install dkms deb guest" (a subset to run), KERNELS.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for t in ${PKG_TESTS:-install dkms deb guest}; do
	[ -f "$dir/$t.sh" ] || { echo "not ok - pkg/$t: no tests/packaging/$t.sh"; rc=1; continue; }
	t0=$EPOCHREALTIME
	bash "$dir/$t.sh" || rc=1
	echo "# pkg/$t took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}') s"
done
exit "$rc"
