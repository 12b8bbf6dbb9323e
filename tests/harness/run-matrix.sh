#!/bin/bash
# The userdma test matrix: every (kernel, IOMMU configuration, lane) boots
# its own QEMU guest, which runs that lane's test programs and checks the
# leak oracles after each (tests/guest/run-tests.sh).  This script builds
# what the guests need and runs the host-side checks; tests/harness/
# stream.sh boots the guests (in parallel) and merges every result into one
# TAP stream on stdout, then a count table and, as the last line,
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
# shellcheck source=tests/harness/stream.sh
. "$(dirname "$0")/stream.sh"

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

count_test_sources() { find "$CASES_DIR" -mindepth 2 -maxdepth 2 -name '*.c' | wc -l; }

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

# fold_tap ROW TAP STATUS SCRIPT [LOG]: the TAP a host-side script wrote
# (file TAP; numbered or not: emit renumbers it) into the stream under ROW;
# a failure it did not report itself (exit status STATUS) is one more line,
# with the end of LOG if given.
fold_tap() {
	local row=$1 tap=$2 rc=$3 script=$4 log=${5:-}
	{
		cat "$tap"
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$tap"; then
			echo "not ok - $row: $script exited with status $rc"
			[ -z "$log" ] || tail -n 20 "$log" | sed 's/^/# /'
		fi
	} | emit "$row"
}

# The kernel style gates (scripts/lint.sh, checkpatch and sparse), row
# "lint": its whole output, what is not TAP as diagnostics.  LINT=0 skips
# them.
run_lint() {
	local log=$LOGS/lint.log rc=0
	[ -f "$TOP/scripts/lint.sh" ] || return 0
	[ "${LINT:-1}" != 0 ] || { echo "# lint skipped (LINT=0)"; return 0; }
	say "running the style gates (scripts/lint.sh)"
	bash "$TOP/scripts/lint.sh" >"$log" 2>&1 || rc=$?
	fold_tap lint "$log" "$rc" scripts/lint.sh
}

# The packaging tests (tests/packaging/run.sh: install, DKMS, debs and
# lintian, the Debian guest), row "pkg": their TAP lines only (the log
# also holds what the builds and dpkg printed).  PKG=0 skips them.
run_packaging() {
	local log=$LOGS/pkg.log rc=0
	[ -f "$TOP/tests/packaging/run.sh" ] || return 0
	[ "${PKG:-1}" != 0 ] || { echo "# packaging tests skipped (PKG=0)"; return 0; }
	say "running the packaging tests (tests/packaging/run.sh)"
	KERNELS="$(host_kernels)" bash "$TOP/tests/packaging/run.sh" >"$log" 2>&1 || rc=$?
	grep -E '^(not )?ok - |^#' "$log" >"$log.tap" || true
	fold_tap pkg "$log.tap" "$rc" tests/packaging/run.sh "$log"
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

# build_kernel_lane KERNEL CONFIG...: module and initramfs for one kernel,
# whose guests (stream.sh: add_kernel) then boot in the configurations
# given; on failure they are not booted (the build line is its failure).
# The kernel's rows are named by its short version ("5.10" for bullseye).
build_kernel_lane() {
	local want=$1 short kver ko t0
	if ! kver=$(resolve_kver "$want" 2>"$LOGS/resolve-$want.err"); then
		result build fail "build/$want: no kernel $want.* with headers under /lib/modules, and no Debian suite of that name could be fetched" \
			"$LOGS/resolve-$want.err"
		return 1
	fi
	short=$(short_kver "$kver")
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
	add_kernel "$short" "$kver" "$TOP/build/$kver/initramfs.cpio.gz" "${@:2}"
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

main() {
	local spec configs fetch t0=$EPOCHREALTIME t_guests guests=()
	stream_init
	# EXTRA_APPEND from the caller (run-soak.sh) is kept.
	[ "$TEST_TIMEOUT" = 600 ] || EXTRA_APPEND="${EXTRA_APPEND:+$EXTRA_APPEND }udt_test_timeout=$TEST_TIMEOUT"
	export EXTRA_APPEND=${EXTRA_APPEND:-}

	echo "TAP version 13"
	say "building (logs in build/logs/)"
	fetch_suite_kernels &
	fetch=$!
	build_tests
	check_selection
	build_userspace
	run_lint
	run_packaging
	wait "$fetch" || true
	for spec in $KERNELS; do
		configs=$CONFIGS
		[[ $spec != *:* ]] || configs=${spec#*:}
		configs=${configs//,/ }
		# shellcheck disable=SC2086 # a list
		if valid_configs "$spec" $configs; then
			build_kernel_lane "${spec%%:*}" $configs || true
		fi
	done
	mapfile -t guests < <(guest_ids)
	# Builds alone are not a test run.
	[ "${#guests[@]}" -gt 0 ] || result matrix fail "matrix: no guest to boot (KERNELS='$KERNELS' CONFIGS='$CONFIGS' LANES='$LANES')"
	say "booting ${#guests[@]} guests, $JOBS at a time"
	t_guests=$EPOCHREALTIME
	run_guests "${guests[@]}"
	finish "$t0" "$(elapsed "$t_guests")" "${#guests[@]}"
}

main "$@"
