#!/bin/sh
# Guest side of `make demo`, run twice by tests/harness/run-demo.sh; the
# module is loaded by /init.
#
# config strict (the IOMMU translates): show what the node reports, let the
# CLI's selftest register a user buffer, have the edu device DMA into it
# and say what happened; copy registered user memory through the DMA
# engines (userdma's sw engine and the edu device's own) and check every
# byte; allocate a cached and a coherent buffer.  Behind the IOMMU every
# registration is one DMA segment.
#
# config noiommu (no translation): the selftest again, now on a user
# buffer whose pages the device sees where they are, so scattered: several
# DMA segments, and the device's commands split at their boundaries.
#
# Both guests run with -icount (1 vCPU, the edu lane): their clock counts
# instructions, so the copies are checked but not timed (userdma copy -T).
# The last line tells the host the verdict: "userdma-demo: PASS" or
# "userdma-demo: FAIL (...)".

step() { echo; echo "### $*"; }

verdict() {
	echo
	echo "userdma-demo: $*"
}

# The module loaded and the CLI is there; 0 if so.
setup() {
	step "$(cat /tmp/insmod.cmd)"
	if [ "$(cat /tmp/insmod.rc)" != 0 ]; then
		cat /tmp/insmod.out
		dmesg | tail -n 20
		verdict "FAIL (the module did not load)"
		return 1
	fi
	dmesg -c | grep -i userdma | tail -n 10
	if [ ! -x /bin/userdma ]; then
		verdict "FAIL (no /bin/userdma in the initramfs: build it with make -C tools static)"
		return 1
	fi
	ls -l /dev/userdma* 2>/dev/null
}

# The verdict: FIRST_FAILURE is empty or what failed first.
finish() {
	step "kernel log during the demo"
	dmesg -c >/tmp/demo.dmesg
	if [ -s /tmp/demo.dmesg ]; then tail -n 20 /tmp/demo.dmesg; else echo "(nothing)"; fi
	if [ -n "$FIRST_FAILURE" ]; then
		verdict "FAIL ($FIRST_FAILURE)"
	elif grep -q -E 'WARNING:|BUG:|Oops|Call Trace|DMAR: DRHD: handling fault|DMAR: \[DMA' /tmp/demo.dmesg; then
		verdict "FAIL (the kernel complained, see its log above)"
	else
		verdict "PASS"
	fi
}

# run WHAT COMMAND...: run it, remember the first failure.
run() {
	local what="$1" rc=0
	shift
	"$@" || rc=$?
	if [ "$rc" -ne 0 ] && [ -z "$FIRST_FAILURE" ]; then
		FIRST_FAILURE="$what exited with status $rc"
	fi
}

demo_strict() {
	step "userdma info"
	userdma info

	step "userdma selftest -v   (behind the IOMMU: the device sees one contiguous I/O virtual range, 1 DMA segment)"
	run "userdma selftest" userdma selftest -v

	step "userdma copy -T -e sw -s 64M   (zero-copy through userdma's software DMA engine; every byte checked; not timed: under -icount the guest clock counts instructions, so MB/s would mean nothing)"
	run "userdma copy -e sw" userdma copy -T -e sw -s 64M

	step "userdma copy -T -e edu -s 64K   (the edu device's own DMA engine, 4095-byte chunks; every byte checked; not timed, as above)"
	run "userdma copy -e edu" userdma copy -T -e edu -s 64K

	step "userdma alloc 4M   (a cached driver-allocated buffer, mapped into this process; a pattern written through the mapping and read back)"
	run "userdma alloc 4M" userdma alloc 4M
	step "userdma alloc --coherent --contiguous 1M   (a coherent, physically contiguous buffer; the same pattern check)"
	run "userdma alloc --coherent --contiguous 1M" userdma alloc --coherent --contiguous 1M
}

demo_noiommu() {
	step "userdma info userdma0"
	userdma info userdma0

	step "userdma selftest -v   (no IOMMU: the device sees the buffer's pages where they lie, so one DMA segment per run of contiguous pages, and a command per segment it touches)"
	run "userdma selftest" userdma selftest -v
}

main() {
	FIRST_FAILURE=
	echo "userdma demo: kernel $(uname -r), config $USERDMA_CONFIG"
	setup || return
	case $USERDMA_CONFIG in
	noiommu) demo_noiommu ;;
	*) demo_strict ;;
	esac
	finish
}

main
