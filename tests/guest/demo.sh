#!/bin/sh
# Guest side of `make demo`: the module is loaded by /init; show what the
# node reports, then let the CLI's selftest register a user buffer, have the
# edu device DMA into it and say what happened; then copy registered user
# memory through the DMA engines (userdma's sw engine and the edu device's
# own) and show the throughput.  The last line tells the
# host the verdict: "userdma-demo: PASS" or "userdma-demo: FAIL (...)".

step() { echo; echo "### $*"; }

verdict() {
	echo
	echo "userdma-demo: $*"
}

main() {
	local rc copy_sw copy_edu
	echo "userdma demo: kernel $(uname -r), config $USERDMA_CONFIG"
	step "$(cat /tmp/insmod.cmd)"
	if [ "$(cat /tmp/insmod.rc)" != 0 ]; then
		cat /tmp/insmod.out
		dmesg | tail -n 20
		verdict "FAIL (the module did not load)"
		return
	fi
	dmesg -c | grep -i userdma | tail -n 10
	if [ ! -x /bin/userdma ]; then
		verdict "FAIL (no /bin/userdma in the initramfs: build it with make -C tools static)"
		return
	fi
	ls -l /dev/userdma* 2>/dev/null

	step "userdma info"
	userdma info

	step "userdma selftest -v"
	rc=0
	userdma selftest -v || rc=$?

	# The demo guest runs with -icount: guest time, and so every MB/s
	# below, counts instructions, not host seconds.
	step "userdma copy -e sw -s 64M   (zero-copy through userdma's software DMA engine; icount guest: MB/s are instruction-based)"
	copy_sw=0
	userdma copy -e sw -s 64M || copy_sw=$?

	step "userdma copy -e edu -s 64K   (the edu device's own DMA engine, 4095-byte chunks; icount guest: MB/s are instruction-based)"
	copy_edu=0
	userdma copy -e edu -s 64K || copy_edu=$?

	step "userdma alloc 4M; userdma alloc --coherent --contiguous 1M   (driver-allocated buffers, mapped into this process)"
	alloc=0
	userdma alloc 4M || alloc=$?
	userdma alloc --coherent --contiguous 1M || alloc=$?

	step "kernel log during the demo"
	dmesg -c >/tmp/demo.dmesg
	if [ -s /tmp/demo.dmesg ]; then tail -n 20 /tmp/demo.dmesg; else echo "(nothing)"; fi
	if [ "$rc" -ne 0 ]; then
		verdict "FAIL (userdma selftest exited with status $rc)"
	elif [ "$copy_sw" -ne 0 ]; then
		verdict "FAIL (userdma copy -e sw exited with status $copy_sw)"
	elif [ "$copy_edu" -ne 0 ]; then
		verdict "FAIL (userdma copy -e edu exited with status $copy_edu)"
	elif [ "$alloc" -ne 0 ]; then
		verdict "FAIL (userdma alloc exited with status $alloc)"
	elif grep -q -E 'WARNING:|BUG:|Oops|Call Trace|DMAR: DRHD: handling fault|DMAR: \[DMA' /tmp/demo.dmesg; then
		verdict "FAIL (the kernel complained, see its log above)"
	else
		verdict "PASS"
	fi
}

main
