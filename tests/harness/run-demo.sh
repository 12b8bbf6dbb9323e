#!/bin/bash
# `make demo`: build the module and the static CLI, boot two guests one
# after the other (edu lane: 1 vCPU, -icount, so the edu device's DMA is
# not slowed to 100 ms per command) and let each run tests/guest/demo.sh:
#   strict   the IOMMU translates: selftest (one DMA segment), copies
#            through the sw and edu engines (checked, not timed: -icount),
#            a cached and a coherent buffer allocated and pattern-checked;
#   noiommu  no translation: the selftest on a buffer of several DMA
#            segments (scatter-gather).
# Prints what the guests printed; exits 0 only if both said PASS.
#
# Env: KERNEL=6.12 (or 6.1, or a full version), DEMO_TIMEOUT=300 (s)
set -euo pipefail

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

KERNEL=${KERNEL:-6.12}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-300}

build_cli() {
	[ -f "$TOP/tools/Makefile" ] || die "tools/Makefile is missing: no CLI to run the demo with"
	say "building the static userdma CLI (make -C tools static)"
	make -s -C "$TOP/tools" static >&2
	[ -x "$TOP/build/guest/userdma" ] || die "make -C tools static did not produce build/guest/userdma"
}

main() {
	local kver ko initrd short config failed=0
	kver=$(resolve_kver "$KERNEL") || die "no kernel $KERNEL installed (run scripts/install-deps.sh)"
	short=$(short_kver "$kver")
	say "building userdma.ko for $kver"
	ko=$(build_module "$kver")
	build_cli
	initrd=$TOP/build/$kver/demo-initramfs.cpio.gz
	pack_initramfs "$ko" "$initrd" "$kver"
	mkdir -p "$TOP/build/logs"
	for config in strict noiommu; do
		demo_guest "$kver" "$config" "$initrd" \
			"$TOP/build/logs/demo-$short$([ "$config" = strict ] || echo "-$config")" ||
			failed=$((failed + 1))
	done
	[ "$failed" -eq 0 ] || { echo "demo: $failed of 2 guests did not pass" >&2; return 1; }
}

# One demo guest: boot it, print what it printed; 0 if it said PASS.
#   demo_guest KVER CONFIG INITRD LOGBASE
demo_guest() {
	local kver=$1 config=$2 initrd=$3 logbase=$4 rc=0
	echo
	echo "======== guest $((config_n += 1)) of 2: IOMMU config $config ========"
	say "booting $kver (config $config, edu lane); console log: ${logbase#"$TOP"/}.log"
	boot_guest "$kver" "$config" edu demo "$initrd" "$logbase" "$DEMO_TIMEOUT" || rc=$?

	tr -d '\r' <"$logbase.tap"
	if grep -q '^userdma-demo: PASS' "$logbase.tap"; then
		return 0
	fi
	if [ "$rc" -ne 0 ]; then
		echo "demo: QEMU ended with status $rc$([ "$rc" -eq 124 ] && echo " (timed out after $DEMO_TIMEOUT s)")" >&2
		cat "$logbase.qemu" >&2
	fi
	echo "demo: the $config guest did not pass; last console lines:" >&2
	tail -n 30 "$logbase.log" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >&2
	return 1
}

config_n=0

main "$@"
