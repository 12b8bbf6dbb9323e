#!/bin/sh
# Guest side of `make bench`: the module loaded by /init is the test build
# of userdma.ko, as in the test guests.  Loads the bench module
# (/userdma_bench.ko, bench/kmod/) for the device of the first node, the
# one the bench program opens, and runs /bench/userdma-bench, whose tables
# and "@csv," lines go to the host on ttyS1 like the tests' TAP, then says
# whether the kernel complained meanwhile.  Last line:
# "userdma-bench: exit N" or "userdma-bench: FAIL (...)".

# The bench module times the device of the node the program opens.
load_bench_module() {
	local dev
	dev=$(readlink /sys/class/userdma/userdma0/device) || {
		echo "# no /sys/class/userdma/userdma0: no device bound to userdma"
		return 1
	}
	insmod /userdma_bench.ko device="${dev##*/}" >/tmp/insmod-bench.out 2>&1 || {
		sed 's/^/# /' /tmp/insmod-bench.out
		return 1
	}
}

main() {
	local rc=0
	echo "# userdma-bench: kernel $(uname -r), config $USERDMA_CONFIG"
	echo "# cmdline: $(cat /proc/cmdline)"
	if [ "$(cat /tmp/insmod.rc)" != 0 ]; then
		cat /tmp/insmod.out
		echo "userdma-bench: FAIL (the module did not load)"
		return
	fi
	dmesg -c >/dev/null
	if ! load_bench_module; then
		echo "userdma-bench: FAIL (the bench module did not load)"
		return
	fi
	# TCG emulates rep movsb one byte per step: glibc's memcpy picks it for
	# mid sizes and would understate what the CPU can copy.  Its vector
	# loop is the honest baseline, so rep movsb is kept out of it.
	GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=1099511627776:glibc.cpu.x86_rep_stosb_threshold=1099511627776
	export GLIBC_TUNABLES
	# shellcheck disable=SC2086 # the arguments are words on purpose
	/bench/userdma-bench $USERDMA_BENCH_ARGS || rc=$?
	dmesg -c >/tmp/bench.dmesg
	if grep -q -E 'WARNING:|BUG:|Oops|Call Trace|DMAR: DRHD: handling fault|DMAR: \[DMA' /tmp/bench.dmesg; then
		sed 's/^/# dmesg: /' /tmp/bench.dmesg | tail -n 40
		echo "userdma-bench: FAIL (the kernel complained)"
		return
	fi
	echo "userdma-bench: exit $rc"
}

main
