#!/bin/bash
# Kernel style gates, as TAP lines the test harness folds into its count:
# checkpatch.pl --strict on every kernel source and header (the module's,
# the example driver's and the bench module's), and a sparse (C=2) W=1
# build of all three against each installed kernel with no diagnostics at
# all; the module also in its test variant (USERDMA_FAULT=y USERDMA_EDU=y),
# and the production build is checked to hold no test part.
# checkpatch.pl comes from Debian's linux-source package (the headers
# packages lack it); only that script and its data files are unpacked.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${USERDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/userdma}
n=0 fails=0

tap() {	# tap <0|1> <description> [detail file]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		fails=$((fails + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -40
	fi
	return 0
}

checkpatch() {
	local tarball script=$cache/checkpatch/scripts/checkpatch.pl
	if [ ! -x "$script" ]; then
		tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | head -n 1)
		if [ -z "$tarball" ]; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				linux-source-6.1 >/dev/null 2>&1
			tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | head -n 1)
		fi
		[ -n "$tarball" ] || return 1
		mkdir -p "$cache/checkpatch"
		tar -xaf "$tarball" -C "$cache/checkpatch" --strip-components=1 \
			--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc' || return 1
	fi
	echo "$script"
}

# What only test builds may contain: QEMU's edu ID (a module alias), its
# parameter, and the symbols of kernel/test/; and no build of the module
# holds the bench module's (bench/kmod/).
production_is_clean() {
	local ko=$1 bad
	[ -f "$ko" ] || { echo "no $ko"; return 1; }
	bad=$( {
		modinfo -F alias "$ko" | grep -i 'v00001234d000011E8'
		modinfo -F parm "$ko" | grep '^edu_dma_bits'
		nm "$ko" | grep -E ' (udma_should_fail|udma_fault_init|udma_edu_|udma_bench)'
	} )
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

if cp_script=$(checkpatch); then
	(cd "$top" && "$cp_script" --strict --no-tree --quiet --show-types \
		-f kernel/*.c kernel/*.h kernel/test/*.c include/linux/*.h \
		include/uapi/linux/*.h include/qemu/*.h examples/kernel/*.c \
		bench/kmod/*.c bench/kmod/*.h) >"$log" 2>&1
	tap $? "lint: checkpatch --strict on kernel/, include/, examples/kernel/ and bench/kmod/" "$log"
	# the exported API's documentation must parse and cover every symbol
	"$(dirname "$cp_script")/kernel-doc" -none -Werror \
		"$top/include/linux/userdma.h" >"$log" 2>&1
	[ $? -eq 0 ] && [ ! -s "$log" ]
	tap $? "lint: kernel-doc of include/linux/userdma.h is complete" "$log"
else
	tap 1 "lint: checkpatch.pl unavailable (linux-source could not be installed)"
fi

# userdma(4)'s MODULE PARAMETERS are the test build's parameters
params_documented() {
	diff <(modinfo -F parm "$1" | cut -d: -f1 | sort) \
		<(sed -n '/^\.SH MODULE PARAMETERS/,/^\.SH /s/^\.B \([a-z_]*\)$/\1/p' \
			"$top/man/man4/userdma.4" | sort)
}

# docs/reliability.md's table of fault points is kernel/fault_points.h's list
fault_points_documented() {
	diff <(sed -n 's/^UDMA_FAULT_POINT([A-Z_]*, \([a-z_]*\),.*/\1/p' "$top/kernel/fault_points.h" | sort) \
		<(sed -n '/^### The points/,/^### /s/^| `\([a-z_]*\)` |.*/\1/p' "$top/docs/reliability.md" | sort)
}
fault_points_documented >"$log" 2>&1
tap $? "lint: docs/reliability.md lists exactly the $(grep -c '^UDMA_FAULT_POINT(' "$top/kernel/fault_points.h") fault points of kernel/fault_points.h" "$log"

# one version (lib/Makefile's) and one kernel matrix (the Makefile's) in
# every place the tree writes them
bash "$top/scripts/check-versions.sh" >"$log" 2>&1
tap $? "lint: versions and the kernel matrix agree with lib/Makefile and the Makefile ($(tail -n 1 "$log" | sed 's/^# //'))" "$log"

# every code reference in README.md and docs/ resolves
bash "$top/scripts/check-doc-refs.sh" >"$log" 2>&1
tap $? "lint: code references in README.md and docs/ resolve ($(tail -n 1 "$log" | sed 's/^# //'))" "$log"

# lists in README.md, docs/ and man/ match the code: the UAPI header's
# ioctls, libuserdma.map's versions and functions, the sysfs node paths
for kind in ioctls symbols paths; do
	bash "$top/scripts/check-doc-drift.sh" "$kind" >"$log" 2>&1
	tap $? "lint: docs agree with the code: $kind ($(tail -n 1 "$log" | sed 's/^# //'))" "$log"
done

for build in /lib/modules/*/build; do
	[ -d "$build" ] || continue
	kver=$(basename "$(dirname "$build")")
	work=$(mktemp -d)
	cp -r "$top/kernel" "$top/include" "$work/"
	# the test variant first: the example and the bench module link the
	# production one
	make -s -j"$(nproc)" -C "$build" M="$work/kernel" W=1 C=2 USERDMA_FAULT=y USERDMA_EDU=y \
		modules >"$log" 2>&1
	rc=$?
	grep -v 'Skipping BTF generation' "$log" >"$log.f"
	[ $rc -eq 0 ] && [ ! -s "$log.f" ]
	tap $? "lint: sparse and W=1 build of kernel/ (test variant: fault injection, edu) for $kver are silent" "$log.f"
	params_documented "$work/kernel/userdma.ko" >"$log" 2>&1
	tap $? "lint: userdma(4) documents exactly the module parameters of userdma.ko for $kver" "$log"
	bash "$top/scripts/check-layers.sh" "$work/kernel" >"$log" 2>&1
	tap $? "lint: kernel/ keeps the layers of docs/architecture.md for $kver ($(tail -n 1 "$log" | sed 's/^# //'))" "$log"
	make -s -j"$(nproc)" -C "$build" M="$work/kernel" clean >/dev/null 2>&1
	make -s -j"$(nproc)" -C "$build" M="$work/kernel" W=1 C=2 modules >"$log" 2>&1
	rc=$?
	grep -v 'Skipping BTF generation' "$log" >"$log.f"
	[ $rc -eq 0 ] && [ ! -s "$log.f" ]
	tap $? "lint: sparse and W=1 build of kernel/ for $kver are silent" "$log.f"
	production_is_clean "$work/kernel/userdma.ko" >"$log" 2>&1
	tap $? "lint: the production userdma.ko for $kver has no edu ID, edu_dma_bits, fault or bench code" "$log"
	# the example driver links against the userdma just built
	mkdir -p "$work/examples"
	cp -r "$top/examples/kernel" "$work/examples/"
	make -s -j"$(nproc)" -C "$build" M="$work/examples/kernel" W=1 C=2 \
		KBUILD_EXTRA_SYMBOLS="$work/kernel/Module.symvers" modules >"$log" 2>&1
	rc=$?
	grep -v 'Skipping BTF generation' "$log" >"$log.f"
	[ $rc -eq 0 ] && [ ! -s "$log.f" ]
	tap $? "lint: sparse and W=1 build of examples/kernel/ for $kver are silent" "$log.f"
	# the bench module, which uses the module's API and tracepoint
	mkdir -p "$work/bench"
	cp -r "$top/bench/kmod" "$work/bench/"
	make -s -j"$(nproc)" -C "$build" M="$work/bench/kmod" W=1 C=2 \
		KBUILD_EXTRA_SYMBOLS="$work/kernel/Module.symvers" modules >"$log" 2>&1
	rc=$?
	grep -v 'Skipping BTF generation' "$log" >"$log.f"
	[ $rc -eq 0 ] && [ ! -s "$log.f" ]
	tap $? "lint: sparse and W=1 build of bench/kmod/ for $kver are silent" "$log.f"
	rm -rf "$work" "$log.f"
done

[ "$fails" -eq 0 ]
