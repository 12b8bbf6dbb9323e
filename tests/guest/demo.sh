#!/bin/sh
# Guest side of `make demo`: the module is loaded by /init; show what the
# node reports, then let the CLI's selftest register a user buffer, have the
# edu device DMA into it and say what happened.  The last line tells the
# host the verdict: "userdma-demo: PASS" or "userdma-demo: FAIL (...)".

step() { echo; echo "### $*"; }

verdict() {
	echo
	echo "userdma-demo: $*"
}

main() {
	local rc
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

	step "kernel log during the demo"
	dmesg -c >/tmp/demo.dmesg
	if [ -s /tmp/demo.dmesg ]; then tail -n 20 /tmp/demo.dmesg; else echo "(nothing)"; fi
	if [ "$rc" -ne 0 ]; then
		verdict "FAIL (userdma selftest exited with status $rc)"
	elif grep -q -E 'WARNING:|BUG:|Oops|Call Trace|DMAR: DRHD: handling fault|DMAR: \[DMA' /tmp/demo.dmesg; then
		verdict "FAIL (the kernel complained, see its log above)"
	else
		verdict "PASS"
	fi
}

main
