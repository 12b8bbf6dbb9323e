#!/bin/bash
# The userdma test matrix: every (kernel, IOMMU configuration, lane) boots
# its own QEMU guest, which runs that lane's test programs and checks the
# leak oracles after each (tests/guest/run-tests.sh).  This script builds
# what the guests need, boots them (in parallel), and merges their results
# into one TAP stream on stdout, then a count table and, as the last line,
# "N passed, N failed[, N skipped]".  Exit status 0 only if nothing failed
# and something ran.
#
# Env: KERNELS="6.1 6.12 bullseye sid:strict,swiotlb"  (a kernel is a
#      version of one installed here, or a Debian suite whose kernel is
#      fetched into a cached root by scripts/suite-kernel.sh; ":configs"
#      narrows CONFIGS for that kernel)  CONFIGS="strict lazy noiommu swiotlb"
#      LANES="main edu"  JOBS=<guests at once>  GUEST_TIMEOUT=900 (s per
#      guest)  TEST_TIMEOUT=600 (s per test program)  VERBOSE=1 (keep every
#      diagnostic)  LINT=0 (skip scripts/lint.sh, for quick local runs)
#      PKG=0 (skip tests/packaging/), PKG_TESTS="install dkms deb guest"
#      TESTS="name lane/name ..." (only these programs, in the lanes that
#      have them; LINT and PKG default to 0 then)
#      CASES_DIR, MODULE_SRC (harness self-tests only)
set -euo pipefail

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-6.1 6.12}
CONFIGS=${CONFIGS:-strict lazy noiommu swiotlb}
LANES=${LANES:-main edu}
# Two guests at once on the 2-core machines: boots overlap well (empty
# matrix 89 s instead of 130 s); CPU-bound tests gain less (16 guests with
# tests: 363 s instead of 389 s on a busy host), never lose.
JOBS=${JOBS:-2}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-900}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
VERBOSE=${VERBOSE:-0}
CASES_DIR=${CASES_DIR:-$TOP/tests/cases}
export CASES_DIR
TESTS=${TESTS:-}
if [ -n "$TESTS" ]; then
	LINT=${LINT:-0} PKG=${PKG:-0}
fi

LOGS=$TOP/build/logs
RESULTS=$TOP/build/results
GUEST_BIN=$TOP/build/guest

NUM=0 PASSED=0 FAILED=0 SKIPPED=0
declare -A ROW_PASS=() ROW_FAIL=() ROW_SKIP=() ROW_BOOT=() ROW_WALL=() KVER_OF=()
ROWS=()

# --- the TAP stream ------------------------------------------------------

count_row() {
	local row=$1 what=$2
	if [ -z "${ROW_PASS[$row]+x}" ]; then
		ROWS+=("$row")
		ROW_PASS[$row]=0 ROW_FAIL[$row]=0 ROW_SKIP[$row]=0
	fi
	case $what in
	pass) ROW_PASS[$row]=$((ROW_PASS[$row] + 1)); PASSED=$((PASSED + 1)) ;;
	fail) ROW_FAIL[$row]=$((ROW_FAIL[$row] + 1)); FAILED=$((FAILED + 1)) ;;
	skip) ROW_SKIP[$row]=$((ROW_SKIP[$row] + 1)); SKIPPED=$((SKIPPED + 1)) ;;
	esac
}

# Number and print unnumbered lines ("ok - x", "not ok - x", "# ...") read
# from stdin, counting each result under table row $1.
emit() {
	local row=$1 line rest
	while IFS= read -r line; do
		case $line in
		"ok - "*|"not ok - "*)
			NUM=$((NUM + 1))
			rest=${line#*ok - }
			case $line in
			"not ok"*)
				if [[ $rest =~ \#[[:space:]]*TODO ]]; then count_row "$row" skip; else count_row "$row" fail; fi
				echo "not ok $NUM - $rest" ;;
			*)
				if [[ $rest =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then count_row "$row" skip; else count_row "$row" pass; fi
				echo "ok $NUM - $rest" ;;
			esac ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

# One result line from the host side: result ROW ok|fail DESC [diag file].
result() {
	local row=$1 status=$2 desc=$3 diags=${4:-} text
	if [ "$status" = ok ]; then text="ok - $desc"; else text="not ok - $desc"; fi
	[ -z "$diags" ] || text+=$'\n'$(sed 's/\r$//; s/^/# /' "$diags")
	# Not a pipeline: emit must count in this shell, not in a subshell.
	emit "$row" <<<"$text"
}

# --- building ----------------------------------------------------------------

# Every program under tests/cases/<lane>/ is expected to compile; a stale
# binary from an earlier build must never stand in for one that did not.
build_tests() {
	local log=$LOGS/build-tests.log src lane name bin broken=0
	prune_stale_tests
	if make -k -C "$TOP/tests" >"$log" 2>&1; then
		result build ok "build/tests: $(count_test_sources) test programs compiled (-Wall -Wextra -Werror)"
		return
	fi
	for src in "$CASES_DIR"/*/*.c; do
		[ -e "$src" ] || continue
		lane=$(basename "$(dirname "$src")") name=$(basename "$src" .c)
		bin=$GUEST_BIN/tests/$lane/$name
		if [ ! -x "$bin" ] || [ "$bin" -ot "$src" ]; then
			rm -f "$bin"
			grep -F -A3 "$name.c" "$log" | head -n 30 >"$log.$name" || true
			# Nothing names the program: a shared helper broke it.
			[ -s "$log.$name" ] || grep -m 20 -E 'error|undefined' "$log" >"$log.$name" || true
			result build fail "build/tests/$lane/$name: does not compile" "$log.$name"
			broken=1
		fi
	done
	if [ "$broken" -eq 0 ]; then
		tail -n 30 "$log" >"$log.tail"
		result build fail "build/tests: make -C tests failed" "$log.tail"
	fi
}

count_test_sources() { ls "$CASES_DIR"/*/*.c 2>/dev/null | wc -l; }

prune_stale_tests() {
	local bin lane
	for bin in "$GUEST_BIN"/tests/*/*; do
		[ -e "$bin" ] || continue
		lane=$(basename "$(dirname "$bin")")
		[ -e "$CASES_DIR/$lane/$(basename "$bin").c" ] || rm -f "$bin"
	done
}

# Host builds of the library and CLI, and the static CLI for the guests
# (build/guest/userdma, copied into every initramfs as /bin/userdma).
build_userspace() {
	local dir log
	for dir in lib tools; do
		[ -f "$TOP/$dir/Makefile" ] || { echo "# $dir/Makefile not there yet: skipped"; continue; }
		log=$LOGS/build-$dir.log
		if make -C "$TOP/$dir" >"$log" 2>&1; then
			result build ok "build/$dir: host build"
		else
			tail -n 30 "$log" >"$log.tail"
			result build fail "build/$dir: host build failed" "$log.tail"
		fi
		run_unit_tests "$dir"
	done
	[ -f "$TOP/tools/Makefile" ] || return 0
	log=$LOGS/build-guest-cli.log
	rm -f "$GUEST_BIN/userdma"
	if make -C "$TOP/tools" static >"$log" 2>&1 && [ -x "$GUEST_BIN/userdma" ]; then
		result build ok "build/tools: static userdma CLI for the guests"
	else
		tail -n 30 "$log" >"$log.tail"
		result build fail "build/tools: make -C tools static did not produce build/guest/userdma" "$log.tail"
	fi
}

# The kernel style gates (scripts/lint.sh, checkpatch and sparse) print
# their own TAP; fold it into this stream under the row "lint".
run_lint() {
	local log=$LOGS/lint.log rc=0
	[ -f "$TOP/scripts/lint.sh" ] || return 0
	[ "${LINT:-1}" != 0 ] || { echo "# lint skipped (LINT=0)"; return 0; }
	say "running the style gates (scripts/lint.sh)"
	bash "$TOP/scripts/lint.sh" >"$log" 2>&1 || rc=$?
	{
		sed -E 's/\r$//; s/^(not )?ok [0-9]+ (- )?/\1ok - /; /^(not )?ok - |^#/!s/^/# /; /^# 1\.\.[0-9]+$/d' "$log"
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$log"; then
			echo "not ok - lint: scripts/lint.sh exited with status $rc"
		fi
	} | grep -v '^# $' >"$log.tap" || true
	emit lint <"$log.tap"
}

# The packaging tests (tests/packaging/run.sh: install, DKMS, debs and
# lintian, the Debian guest) print unnumbered TAP; row "pkg".  PKG=0 skips.
run_packaging() {
	local log=$LOGS/pkg.log rc=0
	[ -f "$TOP/tests/packaging/run.sh" ] || return 0
	[ "${PKG:-1}" != 0 ] || { echo "# packaging tests skipped (PKG=0)"; return 0; }
	say "running the packaging tests (tests/packaging/run.sh)"
	KERNELS="$(host_kernels)" bash "$TOP/tests/packaging/run.sh" >"$log" 2>&1 || rc=$?
	{
		grep -E '^(not )?ok - |^#' "$log"
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$log"; then
			echo "not ok - pkg: tests/packaging/run.sh exited with status $rc"
			tail -n 20 "$log" | sed 's/^/# /'
		fi
	} >"$log.tap" || true
	emit pkg <"$log.tap"
}

# The packaging tests install into this machine's kernels (DKMS), so they
# take the KERNELS installed here, not the suite kernels in cached roots.
host_kernels() {
	local spec want list=()
	for spec in $KERNELS; do
		want=${spec%%:*}
		case $want in [a-z]*) continue ;; esac
		ls -d /lib/modules/"$want"*/build >/dev/null 2>&1 && list+=("$want")
	done
	echo "${list[*]:-6.12}"
}

# Host-side unit tests of lib/ and tools/ (`make -C <dir> test`), one
# result line each; their own "N passed, N failed" goes into the line, never
# alone on a line, so the matrix summary stays the only one.
run_unit_tests() {
	local dir=$1 log=$LOGS/unit-$1.log counts
	grep -q '^test:' "$TOP/$dir/Makefile" || return 0
	if make -C "$TOP/$dir" test >"$log" 2>&1; then
		counts=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
		result unit ok "unit/$dir: make -C $dir test${counts:+ ($counts)}"
	else
		grep -v -E '^make(\[[0-9]+\])?: (Entering|Leaving)' "$log" | tail -n 40 >"$log.tail"
		result unit fail "unit/$dir: make -C $dir test failed" "$log.tail"
	fi
}

# Module and initramfs for one kernel; on failure that kernel's guests are
# not booted (the build line is its failure).  The kernel's rows are named
# by its short version (LABEL: "5.10" for bullseye).
build_kernel_lane() {
	local want=$1 short kver ko t0
	if ! kver=$(resolve_kver "$want" 2>"$LOGS/resolve-$want.err"); then
		result build fail "build/$want: no kernel $want.* with headers under /lib/modules, and no Debian suite of that name could be fetched" \
			"$LOGS/resolve-$want.err"
		return 1
	fi
	short=$(short_kver "$kver")
	LABEL=$short
	t0=$EPOCHREALTIME
	if ! ko=$(build_module "$kver" 2>"$LOGS/build-module-$short.err"); then
		tail -n 40 "$LOGS/build-module-$short.err" >"$LOGS/build-module-$short.tail"
		result build fail "build/$short: userdma.ko for $kver failed to build or warned (W=1)" \
			"$LOGS/build-module-$short.tail"
		return 1
	fi
	result build ok "build/$short: userdma.ko for $kver (W=1, no warnings, $(elapsed "$t0") s)"
	# fault_sweep's module: without it that test skips, the others run
	rm -f "$TOP/build/$kver/fault/kernel/userdma.ko"
	if build_fault_module "$kver" >/dev/null 2>"$LOGS/build-fault-$short.err"; then
		result build ok "build/$short: userdma.ko with USERDMA_FAULT=y for $kver (W=1, no warnings)"
	else
		tail -n 40 "$LOGS/build-fault-$short.err" >"$LOGS/build-fault-$short.tail"
		result build fail "build/$short: the USERDMA_FAULT=y module failed to build or warned (W=1)" \
			"$LOGS/build-fault-$short.tail"
	fi
	# The example driver is one test among others: its failure fails that
	# test (not run: no /edu_zc.ko), not the kernel's guests.
	rm -f "$TOP/build/$kver/examples/kernel/edu_zc.ko"
	if build_example "$kver" >/dev/null 2>"$LOGS/build-example-$short.err"; then
		result build ok "build/$short: examples/kernel/edu_zc.ko for $kver (W=1, no warnings)"
	else
		tail -n 40 "$LOGS/build-example-$short.err" >"$LOGS/build-example-$short.tail"
		result build fail "build/$short: the example driver failed to build or warned (W=1)" \
			"$LOGS/build-example-$short.tail"
	fi
	pack_initramfs "$ko" "$TOP/build/$kver/initramfs.cpio.gz" "$kver"
	KVER_OF[$short]=$kver
}

# Suite kernels not cached yet are fetched all at once (a debootstrap is
# mostly waiting on the network, ~3 minutes each), and the debug kernel is
# built (scripts/debug-kernel.sh), while the host-side builds and lint run;
# build_kernel_lane then finds them ready, or reports the failure from the
# log.
fetch_suite_kernels() {
	local spec want
	for spec in $KERNELS; do
		want=${spec%%:*}
		case $want in
		debug) bash "$TOP/scripts/debug-kernel.sh" >/dev/null 2>"$LOGS/resolve-$want.err" & ;;
		[a-z]*) bash "$TOP/scripts/suite-kernel.sh" "$want" >/dev/null 2>"$LOGS/resolve-$want.err" & ;;
		esac
	done
	wait || true
}

# valid_configs SPEC CONFIG...: every name is one guest_args knows.
valid_configs() {
	local spec=$1 c
	shift
	for c in "$@"; do
		case $c in
		strict | lazy | noiommu | swiotlb) ;;
		*)	result matrix fail "matrix: '$spec': unknown configuration '$c' (strict lazy noiommu swiotlb)"
			return 1 ;;
		esac
	done
	[ $# -gt 0 ] || { result matrix fail "matrix: '$spec': no configuration"; return 1; }
}

# --- guests ----------------------------------------------------------------

lane_programs() {
	local name
	for name in $(ls "$GUEST_BIN/tests/$1" 2>/dev/null | LC_ALL=C sort); do
		selected "$1" "$name" && echo "$name"
	done
	return 0
}

# TESTS names programs that exist: a typo must not pass as an empty run.
check_selection() {
	local t lane found
	for t in $TESTS; do
		found=0
		for lane in $LANES; do
			case $t in */*) [ "${t%%/*}" = "$lane" ] || continue ;; esac
			[ -x "$GUEST_BIN/tests/$lane/${t##*/}" ] && found=1
		done
		[ "$found" = 1 ] || result matrix fail "matrix: TESTS names '$t', which is no test program of the lanes $LANES"
	done
}

# Why a guest did not end the normal way, from QEMU's status and the console.
stop_reason() {
	local logbase=$1 rc why=() panic
	rc=$(sed -n 's/^rc=\([0-9]*\) .*/\1/p' "$logbase.meta")
	case $rc in
	0) ;;
	124|137) why+=("killed after the ${GUEST_TIMEOUT} s guest timeout") ;;
	*) why+=("QEMU exited with status $rc: $(head -c 300 "$logbase.qemu" | tr '\n' ' ')") ;;
	esac
	# A guest that finished has reported its kernel errors test by test.
	if [ "$rc" != 0 ] || ! grep -q '^userdma-guest-summary:' "$logbase.tap"; then
		panic=$(grep -a -m1 -E 'Kernel panic|BUG:|Oops' "$logbase.log" 2>/dev/null | tr -d '\r' || true)
		[ -z "$panic" ] || why+=("console: $panic")
	fi
	local IFS=';'
	echo -n "${why[*]}" | sed 's/;/; /g' | strip_terminal_codes
}

# SeaBIOS clears the screen with escape sequences; keep logs readable.
strip_terminal_codes() {
	sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tr -d '\r\000-\010\016-\037'
}

# Boot one guest and turn its output into $RESULTS/<id>.block.
run_guest() {
	local short=$1 config=$2 lane=$3 id=$1-$2-$3 logbase reason kver
	kver=${KVER_OF[$short]}
	logbase=$LOGS/$id
	lane_programs "$lane" >"$RESULTS/$id.expected"
	boot_guest "$kver" "$config" "$lane" tests "$TOP/build/$kver/initramfs.cpio.gz" \
		"$logbase" "$GUEST_TIMEOUT" || true
	reason=$(stop_reason "$logbase")
	{
		awk -f "$TOP/tests/harness/parse-guest.awk" -v prefix="$short/$config/$lane" \
			-v expected="$RESULTS/$id.expected" -v reason="$reason" -v verbose="$VERBOSE" \
			"$logbase.tap" 2>&1
		if grep -q 'retried=1' "$logbase.meta"; then
			echo "# $short/$config/$lane: the kernel panicked while booting, before the runner started; booted again (first console: ${logbase#"$TOP"/}.boot-panic.log)"
		fi
		# A guest that did not finish: show the end of its console.
		if ! grep -q '^userdma-guest-summary:' "$logbase.tap" || [ -n "$reason" ]; then
			echo "# --- last lines of ${logbase#"$TOP"/}.log ---"
			tail -n 40 "$logbase.log" | strip_terminal_codes | sed 's/^/# /'
		fi
	} >"$RESULTS/$id.block.tmp"
	mv "$RESULTS/$id.block.tmp" "$RESULTS/$id.block"
}

# Longest guests first (from the last run's timings) keeps both job slots
# busy to the end.  Without history (a fresh clone): main lanes take four
# to six times an edu lane, bounce buffers longer, the debug kernel's
# (KASAN, lockdep, DMA-API debugging) the longest, five times a stock
# main lane; its edu lane takes as long as a stock main lane.
schedule() {
	local id wall
	for id in "$@"; do
		wall=$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' "$LOGS/$id.meta" 2>/dev/null || true)
		[ -n "$wall" ] || case $id in
			*+debug-*-main) wall=4 ;; *+debug-*-edu) wall=2.5 ;;
			*-edu) wall=1 ;; *-swiotlb-main) wall=3 ;; *) wall=2 ;;
		esac
		echo "$wall $id"
	done | sort -k1,1gr -s | cut -d' ' -f2
}

# Print finished blocks in matrix order, as soon as all before them are in.
NEXT=0
flush_blocks() {
	local id row meta
	while [ "$NEXT" -lt "${#GUESTS[@]}" ]; do
		id=${GUESTS[$NEXT]}
		[ -f "$RESULTS/$id.block" ] || return 0
		row=${id//-//}
		meta=$(cat "$LOGS/$id.meta")
		ROW_BOOT[$row]=$(sed -n 's/.*boot=\([^ ]*\).*/\1/p' <<<"$meta")
		ROW_WALL[$row]=$(sed -n 's/.*wall=\([^ ]*\).*/\1/p' <<<"$meta")
		echo "# $row: first output after ${ROW_BOOT[$row]} s, done after ${ROW_WALL[$row]} s (log: build/logs/$id.log)"
		emit "$row" <"$RESULTS/$id.block"
		NEXT=$((NEXT + 1))
	done
}

kill_guests() {
	local pid
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
}

run_guests() {
	local id running=0 short config lane
	trap 'kill_guests; exit 130' INT TERM
	for id in $(schedule "${GUESTS[@]}"); do
		IFS=- read -r short config lane <<<"$id"
		while [ "$running" -ge "$JOBS" ]; do
			wait -n || true
			running=$((running - 1))
			flush_blocks
		done
		say "booting $short/$config/$lane"
		run_guest "$short" "$config" "$lane" &
		running=$((running + 1))
	done
	wait || true
	flush_blocks
	trap - INT TERM
}

# --- report ----------------------------------------------------------------

print_table() {
	local row
	echo "#"
	printf '# %-22s %6s %6s %7s %8s %8s\n' "kernel/config/lane" passed failed skipped "boot(s)" "total(s)"
	for row in "${ROWS[@]}"; do
		printf '# %-22s %6d %6d %7d %8s %8s\n' "$row" "${ROW_PASS[$row]}" "${ROW_FAIL[$row]}" \
			"${ROW_SKIP[$row]}" "${ROW_BOOT[$row]:--}" "${ROW_WALL[$row]:--}"
	done
	printf '# %-22s %6d %6d %7d %17s\n' all "$PASSED" "$FAILED" "$SKIPPED" "$(elapsed "$T0") s wall"
	echo "# ${#GUESTS[@]} guests took $GUEST_PHASE s, $JOBS at a time"
}

print_summary() {
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
}

main() {
	local spec configs config lane
	T0=$EPOCHREALTIME
	mkdir -p "$LOGS" "$RESULTS"
	rm -f "$RESULTS"/*
	# EXTRA_APPEND from the caller (run-soak.sh) is kept.
	[ "$TEST_TIMEOUT" = 600 ] || EXTRA_APPEND="${EXTRA_APPEND:+$EXTRA_APPEND }udt_test_timeout=$TEST_TIMEOUT"
	export EXTRA_APPEND=${EXTRA_APPEND:-}

	echo "TAP version 13"
	say "building (logs in build/logs/)"
	fetch_suite_kernels &
	FETCH_PID=$!
	build_tests
	[ -z "$TESTS" ] || check_selection
	build_userspace
	run_lint
	run_packaging
	wait "$FETCH_PID" || true
	GUESTS=()
	for spec in $KERNELS; do
		configs=$CONFIGS
		[[ $spec != *:* ]] || configs=${spec#*:}
		configs=${configs//,/ }
		if ! valid_configs "$spec" $configs; then
			continue
		fi
		build_kernel_lane "${spec%%:*}" || continue
		for config in $configs; do
			for lane in $LANES; do
				[ -n "$(lane_programs "$lane")" ] || continue
				GUESTS+=("$LABEL-$config-$lane")
			done
		done
	done
	# Builds alone are not a test run.
	[ "${#GUESTS[@]}" -gt 0 ] || result matrix fail "matrix: no guest to boot (KERNELS='$KERNELS' CONFIGS='$CONFIGS' LANES='$LANES')"
	say "booting ${#GUESTS[@]} guests, $JOBS at a time"
	T_GUESTS=$EPOCHREALTIME
	run_guests
	GUEST_PHASE=$(elapsed "$T_GUESTS")

	echo "1..$NUM"
	print_table
	print_summary
	[ "$FAILED" -eq 0 ] && [ "$NUM" -gt 0 ]
}

main "$@"
