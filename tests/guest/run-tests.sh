#!/bin/sh
# shellcheck shell=dash disable=SC2046 # busybox sh; $(read_pins) is split on purpose
# Guest-side test runner (busybox sh).  Runs every program in
# /tests/$USERDMA_LANE in sorted order and prints one TAP stream:
#   - each subtest line of a program, renumbered, as "<name>: <desc>";
#   - one line per program for the leak oracles (FOLL_PIN counters, swiotlb
#     slots, kernel taint and dmesg), because a test can pass all its own
#     checks and still leave a pinned page or a kernel warning behind;
#   - guest-level checks (insmod, rmmod, pins since boot);
#   - "userdma-guest-summary: P passed, F failed, S skipped" last, which
#     tells the host the guest finished.
# "# userdma-test: begin/end <name>" lines frame each program so the host
# can say which one was running if the guest dies or hangs.

TEST_TIMEOUT=${USERDMA_TEST_TIMEOUT:-600}
TESTDIR=/tests/${USERDMA_LANE:-main}
STATE=/tmp/runner
mkdir -p "$STATE"

N=0 PASSED=0 FAILED=0 SKIPPED=0

# Kernel messages that mean a test hurt the kernel, whatever it printed.
BAD_DMESG='WARNING:
BUG:
Oops
general protection
Call Trace
DMAR: DRHD: handling fault
DMAR: [DMA
kernel BUG
RIP:
refcount_t
list_add corruption
list_del corruption
Bad page
DMA-API:'
SWIOTLB_FULL='swiotlb buffer is full'
# Taint bits a test must not add: M(16) B(32) D(128) W(512) L(16384).
BAD_TAINT=17072

# --- result lines ------------------------------------------------------

pass() { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $*"; }
fail() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
skip() { N=$((N + 1)); SKIPPED=$((SKIPPED + 1)); echo "ok $N - $1 # SKIP $2"; }
diag() { echo "$*" | sed 's/^/# /'; }

# --- oracles -------------------------------------------------------------

# The pin counters are per-CPU batched: fold them before every read.
read_pins() {
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	awk '/^nr_foll_pin_acquired /{a=$2} /^nr_foll_pin_released /{r=$2}
		END {print a + 0, r + 0}' /proc/vmstat
}

read_swiotlb_used() {
	cat /sys/kernel/debug/swiotlb/io_tlb_used 2>/dev/null || echo none
}

read_taint() { cat /proc/sys/kernel/tainted; }

# DMA-API debugging (debug kernel only) counts every error it finds, also
# those it does not print.
DMA_API=/sys/kernel/debug/dma-api
read_dma_api_errors() { cat $DMA_API/error_count 2>/dev/null || echo none; }

# Start a fresh dmesg window: what is read back later belongs to one test.
# Everything is kept in /tmp/dmesg.all for the final report.
open_dmesg_window() {
	dmesg -c >>/tmp/dmesg.all
	echo "userdma-test: begin $1" >/dev/kmsg
}

close_dmesg_window() {
	dmesg -c | tee -a /tmp/dmesg.all >"$STATE/dmesg"
}

# Print the offending lines of the current window ($1 = test name).
bad_dmesg_lines() {
	{
		grep -F -f "$STATE/bad-patterns" "$STATE/dmesg"
		case $1 in
		*exhaust*) ;;
		*) grep -F "$SWIOTLB_FULL" "$STATE/dmesg" ;;
		esac
	} | head -n 40
}

oracles_before() {
	set -- $(read_pins)
	PIN_ACQ0=$1 PIN_REL0=$2
	TLB0=$(read_swiotlb_used)
	TAINT0=$(read_taint)
	DMAERR0=$(read_dma_api_errors)
}

# Append one problem per line to $STATE/problems; empty file = clean.
oracles_after() {
	local name=$1 acq rel dacq drel tlb taint new dmaerr
	: >"$STATE/problems"
	set -- $(read_pins)
	acq=$1 rel=$2
	dacq=$((acq - PIN_ACQ0)) drel=$((rel - PIN_REL0))
	[ "$dacq" -eq "$drel" ] ||
		echo "pages left pinned: acquired +$dacq, released +$drel (difference $((dacq - drel)))" >>"$STATE/problems"
	tlb=$(read_swiotlb_used)
	[ "$tlb" = "$TLB0" ] ||
		echo "swiotlb slots in use went from $TLB0 to $tlb" >>"$STATE/problems"
	taint=$(read_taint)
	new=$(( (taint & ~TAINT0) & BAD_TAINT ))
	[ "$new" -eq 0 ] ||
		echo "kernel taint flags added: $TAINT0 -> $taint" >>"$STATE/problems"
	dmaerr=$(read_dma_api_errors)
	[ "$dmaerr" = "$DMAERR0" ] ||
		echo "DMA-API debugging counted errors: $DMAERR0 -> $dmaerr" >>"$STATE/problems"
	close_dmesg_window
	bad_dmesg_lines "$name" >"$STATE/bad-dmesg"
	[ ! -s "$STATE/bad-dmesg" ] ||
		echo "kernel log has $(wc -l <"$STATE/bad-dmesg") bad line(s)" >>"$STATE/problems"
}

report_oracles() {
	local name=$1
	if [ ! -s "$STATE/problems" ]; then
		pass "$name: leak oracles and dmesg clean"
		return
	fi
	fail "$name: $(awk 'NR > 1 {printf "; "} {printf "%s", $0}' "$STATE/problems")"
	[ ! -s "$STATE/bad-dmesg" ] || sed 's/^/# dmesg: /' "$STATE/bad-dmesg"
}

# --- one test program ----------------------------------------------------

# Re-emit a program's output (stdin) under the runner's numbering as
# "<name>: <desc>", through the harness's one TAP normaliser (/tap.awk,
# tests/harness/tap.awk), which also counts what the runner judges by:
# it appends "<name> <passed> <failed> <skipped> <plan or -> <last
# diagnostic>" to $STATE/counts (it runs in a pipeline subshell).
relay_output() {
	awk -f /tap.awk -v prefix="$1: " -v start="$N" -v counts="$STATE/counts" -v label="$1"
}

# Run program $1 under a timeout; its exit status goes to $STATE/rc.
# It gets its own process group (setsid) so that whatever it leaves behind
# can be killed: a leftover child would hold the output pipe open, hang the
# runner and keep its pins alive past the oracles.
run_program() {
	local bin=$1 work=/tmp/work/${1##*/} pid
	mkdir -p "$work"
	chmod 1777 "$work"
	cd "$work" || return
	{
		setsid timeout -s TERM -k 10 "$TEST_TIMEOUT" "$bin" </dev/null 2>&1 &
		pid=$!
		wait "$pid"
		echo $? >"$STATE/rc"
		kill -KILL -- "-$pid" 2>/dev/null
	} | relay_output "${bin##*/}"
	cd /
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# Judge a program by its exit status, subtests and plan; its last
# diagnostic is the reason when it skipped entirely.
judge_exit() {
	local name=$1 rc=$2 secs=$3 sub=$4 nfail=$5 plan=$6 last=$7 why=
	if [ "$plan" != - ] && [ "$plan" -ne "$sub" ] && ! { [ "$rc" -eq 4 ] && [ "$sub" -eq 0 ]; }; then
		fail "$name: planned $plan subtests, printed $sub"
	fi
	case $rc in
	0)
		[ "$sub" -gt 0 ] || fail "$name: exited 0 without printing any TAP result"
		return ;;
	4)
		[ "$sub" -eq 0 ] && skip "$name: skipped entirely" "$last"
		return ;;
	1)
		why="exited with status 1" ;;
	*)
		if [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
			# busybox timeout sends SIGTERM, then SIGKILL 10 s later.
			awk -v t="$secs" -v max="$TEST_TIMEOUT" 'BEGIN {exit !(t >= max)}' &&
				why="timed out after $TEST_TIMEOUT s ($why)"
		else
			why="exited with status $rc"
		fi ;;
	esac
	# A failing program that already said "not ok" needs no second line,
	# unless it died in a way its own output cannot show.
	if [ "$nfail" -eq 0 ] || [ "$rc" -gt 128 ]; then
		fail "$name: $why"
	fi
}

run_test() {
	local bin=$1 name=${1##*/} t0 t1 secs rc p f s plan last
	echo "# userdma-test: begin $name"
	oracles_before
	open_dmesg_window "$name"
	t0=$(uptime_s)
	echo 255 >"$STATE/rc"
	rm -f "$STATE/counts"
	export USERDMA_TEST_NAME="$name"
	run_program "$bin"
	t1=$(uptime_s)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
	rc=$(cat "$STATE/rc")
	p=0 f=0 s=0 plan=- last=
	read -r _ p f s plan last <"$STATE/counts"
	N=$((N + p + f + s)) PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
	judge_exit "$name" "$rc" "$secs" $((p + f + s)) "$f" "$plan" "$last"
	oracles_after "$name"
	report_oracles "$name"
	echo "# userdma-test: end $name exit=$rc time=${secs}s"
}

# --- guest-level checks -----------------------------------------------------

check_insmod() {
	local cmd rc
	cmd=$(cat /tmp/insmod.cmd 2>/dev/null)
	rc=$(cat /tmp/insmod.rc 2>/dev/null || echo 127)
	if [ "$rc" -eq 0 ]; then
		pass "guest: $cmd"
		check_load_log
		return 0
	fi
	fail "guest: $cmd failed with status $rc"
	sed 's/^/# /' /tmp/insmod.out
	dmesg | tail -n 20 | sed 's/^/# dmesg: /'
	return 1
}

# Registering the engines and nodes must not collide in debugfs (each
# dma_device gets a directory named after its device).
check_load_log() {
	if dmesg | grep 'debugfs: .*already present' >/tmp/load.bad; then
		fail "guest: loading userdma left debugfs collisions"
		sed 's/^/# dmesg: /' /tmp/load.bad
	else
		pass "guest: loading userdma left no debugfs collision"
	fi
}

# Unloading must work and must not warn: a leaked handle or mapping shows
# up here if no single test caught it.
check_rmmod() {
	local out
	oracles_before
	open_dmesg_window rmmod
	if out=$(rmmod userdma 2>&1); then
		oracles_after rmmod
		if [ -s "$STATE/bad-dmesg" ]; then
			fail "guest: rmmod userdma printed kernel errors"
			sed 's/^/# dmesg: /' "$STATE/bad-dmesg"
		else
			pass "guest: rmmod userdma"
		fi
	else
		close_dmesg_window
		fail "guest: rmmod userdma failed: $out"
		lsmod | sed 's/^/# /'
	fi
}

# The debug kernel's checkers that report only when asked, or that turn
# themselves off after a report or when they run out of room; with
# nothing of theirs to read (stock kernels) there is nothing to check.
check_debug_kernel() {
	local d=/sys/kernel/debug
	if [ -w $d/kmemleak ]; then
		# only objects older than 5 s are reported; two scans, so
		# that an object whose one pointer was in flight during one
		# scan is found by the other
		sleep 6
		echo scan >$d/kmemleak
		echo scan >$d/kmemleak
		cat $d/kmemleak >"$STATE/kmemleak" 2>&1
		if [ -s "$STATE/kmemleak" ]; then
			# also what it says when it has switched itself off
			fail "guest: kmemleak: $(grep -c '^unreferenced object' "$STATE/kmemleak") unreferenced object(s) since the module was loaded, or no answer"
			head -n 60 "$STATE/kmemleak" | sed 's/^/# kmemleak: /'
		else
			pass "guest: kmemleak: no unreferenced object since the module was loaded"
		fi
	fi
	if [ -r $DMA_API/error_count ]; then
		if [ "$(cat $DMA_API/disabled)" != N ]; then
			fail "guest: DMA-API debugging turned itself off (out of entries?)"
		else
			pass "guest: DMA-API debugging on to the end, $(cat $DMA_API/error_count) error(s), $(cat $DMA_API/min_free_entries) of $(cat $DMA_API/nr_total_entries) entries left at the low point"
		fi
	fi
	if [ -r /proc/lockdep_stats ]; then
		if grep -q 'debug_locks: *1' /proc/lockdep_stats; then
			pass "guest: lockdep on to the end ($(awk '/lock-classes:/ {print $2}' /proc/lockdep_stats) lock classes)"
		else
			fail "guest: lockdep turned itself off (after a report, or out of room)"
			grep -E 'debug_locks|lock-classes|direct dependencies' /proc/lockdep_stats | sed 's/^/# /'
		fi
	fi
}

check_pins_since_boot() {
	set -- $(read_pins)
	if [ "$1" -eq "$2" ]; then
		pass "guest: pins balanced since boot (acquired $1, released $2)"
	else
		fail "guest: pins unbalanced since boot: acquired $1, released $2 (difference $(($1 - $2)))"
	fi
}

# Replace the loaded userdma by the module at $1 (same parameters); a
# failure is one "not ok" line and returns 1.
swap_module() {
	local ko=$1 out
	if ! out=$(rmmod userdma 2>&1); then
		fail "guest: rmmod userdma before loading $ko failed: $out"
		return 1
	fi
	if ! out=$(insmod "$ko" $USERDMA_MODULE_PARAMS 2>&1); then
		fail "guest: insmod $ko $USERDMA_MODULE_PARAMS failed: $out"
		return 1
	fi
	pass "guest: rmmod userdma; insmod $ko $USERDMA_MODULE_PARAMS"
	return 0
}

# fault_sweep runs against the USERDMA_FAULT=y build (/userdma-fault.ko),
# every other test against the production module; without the fault build
# the test runs as is and skips.
run_fault_test() {
	local bin=$1
	if [ ! -f /userdma-fault.ko ]; then
		run_test "$bin"
		return 0
	fi
	swap_module /userdma-fault.ko || return 1
	run_test "$bin"
	swap_module /userdma.ko
}

# A test that was never run because the module is missing is still a failure.
fail_unrun_tests() {
	local bin
	for bin in $1; do
		echo "# userdma-test: begin ${bin##*/}"
		fail "${bin##*/}: not run (module did not load)"
		echo "# userdma-test: end ${bin##*/}"
	done
}

main() {
	local programs bin
	echo "$BAD_DMESG" >"$STATE/bad-patterns"
	echo "# userdma-guest: kernel $(uname -r) ($USERDMA_KERNEL), config $USERDMA_CONFIG, lane $USERDMA_LANE, up $(uptime_s) s"
	echo "# userdma-guest: cmdline $(cat /proc/cmdline)"
	programs=$(ls "$TESTDIR" 2>/dev/null | sort | sed "s|^|$TESTDIR/|")
	export USERDMA_KERNEL USERDMA_CONFIG USERDMA_LANE
	USERDMA_KVER=$(uname -r)
	export USERDMA_KVER
	export USERDMA_UNPRIV_UID=1000 USERDMA_UNPRIV_GID=1000
	export USERDMA_EDU64=0000:00:03.0 USERDMA_EDU28=0000:00:04.0
	export USERDMA_SPARE_PCI=0000:00:05.0
	export USERDMA_EDU_EXAMPLE=0000:00:06.0 USERDMA_EXAMPLE_KO=/edu_zc.ko

	if check_insmod; then
		for bin in $programs; do
			[ -x "$bin" ] || continue
			case ${bin##*/} in
			fault_sweep) run_fault_test "$bin" || break ;;
			*) run_test "$bin" ;;
			esac
		done
		check_rmmod
	else
		fail_unrun_tests "$programs"
	fi
	check_debug_kernel
	check_pins_since_boot
	echo "1..$N"
	echo "userdma-guest-summary: $PASSED passed, $FAILED failed, $SKIPPED skipped"
}

main
