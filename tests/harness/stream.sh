# The merged TAP stream of run-matrix.sh (x86-64) and run-arm64.sh: results
# numbered and counted by tests/harness/tap.awk into a ledger, guests booted
# JOBS at a time and their results merged in a fixed order, then the count
# table and, as the last line, "N passed, N failed[, N skipped]".
# shellcheck shell=bash
#
# The caller sources lib.sh first and sets LOGS (logs, guest timings),
# RESULTS (this run's files: emptied by stream_init), GUEST_BIN (the
# static test programs, <lane>/<name>), TESTS, LANES, JOBS, GUEST_TIMEOUT and
# VERBOSE.  Counts live in files, not shell variables, so a result may be
# emitted from a subshell or a pipeline as well.

TAP_AWK=$TOP/tests/harness/tap.awk

stream_init() {
	mkdir -p "$LOGS" "$RESULTS"
	rm -f "$RESULTS"/*
	# one line per emit: "<row> <passed> <failed> <skipped> ..."
	: >"$RESULTS/ledger"
}

# Results emitted so far: the next one's number is this plus one.
emitted() { awk '{n += $2 + $3 + $4} END {print n + 0}' "$RESULTS/ledger"; }

# Number and print the unnumbered lines on stdin ("ok - x", "not ok - x",
# "# ..."), counting each result under table row $1.
emit() {
	awk -f "$TAP_AWK" -v start="$(emitted)" -v counts="$RESULTS/ledger" -v label="$1"
}

# One result line from the host side: result ROW ok|fail DESC [diag file].
result() {
	local row=$1 status=$2 desc=$3 diags=${4:-}
	{
		if [ "$status" = ok ]; then echo "ok - $desc"; else echo "not ok - $desc"; fi
		[ -z "$diags" ] || sed 's/\r$//; s/^/# /' "$diags"
	} | emit "$row"
}

# --- guests ----------------------------------------------------------------

# valid_configs SPEC CONFIG...: every name is one guest_args knows.
valid_configs() {
	local spec=$1 c
	shift
	for c in "$@"; do
		case " $GUEST_CONFIGS " in
		*" $c "*) ;;
		*)	result matrix fail "matrix: '$spec': unknown configuration '$c' ($GUEST_CONFIGS)"
			return 1 ;;
		esac
	done
	[ $# -gt 0 ] || { result matrix fail "matrix: '$spec': no configuration"; return 1; }
}

# add_kernel LABEL KVER INITRD CONFIG...: guests LABEL-<config>-<lane>
# boot KVER with INITRD; their table rows are LABEL/<config>/<lane>.
add_kernel() { echo "$*" >>"$RESULTS/kernels"; }

# The guests of the kernels added so far, in matrix order (kernel,
# configuration, lane): one per lane that has a selected program.
guest_ids() {
	local label configs config lane
	[ -f "$RESULTS/kernels" ] || return 0
	while read -r label _ _ configs; do
		for config in $configs; do
			for lane in $LANES; do
				[ -z "$(lane_programs "$lane")" ] || echo "$label-$config-$lane"
			done
		done
	done <"$RESULTS/kernels"
}

# The programs of lane $1 that TESTS selects (lib.sh: selected), sorted.
lane_programs() {
	local name
	for name in $(find "$GUEST_BIN/tests/$1" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
			LC_ALL=C sort); do
		selected "$1" "$name" && echo "$name"
	done
	return 0
}

# TESTS names programs that exist: a typo must not pass as an empty run.
check_selection() {
	local t lane found
	for t in ${TESTS:-}; do
		found=0
		for lane in $LANES; do
			case $t in */*) [ "${t%%/*}" = "$lane" ] || continue ;; esac
			[ -x "$GUEST_BIN/tests/$lane/${t##*/}" ] && found=1
		done
		[ "$found" = 1 ] || result matrix fail "matrix: TESTS names '$t', which is no test program of the lanes $LANES"
	done
}

# meta_field LOGBASE NAME: one value boot_guest recorded in LOGBASE.meta;
# nothing if that guest was never booted.
meta_field() {
	[ -f "$1.meta" ] || return 0
	sed -n "s/.*\\<$2=\\([^ ]*\\).*/\\1/p" "$1.meta"
}

# Why a guest did not end the normal way, from QEMU's status and the console.
stop_reason() {
	local logbase=$1 rc why=() panic
	rc=$(meta_field "$logbase" rc)
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

# Boot guest ID (LABEL-CONFIG-LANE) and turn its output into
# $RESULTS/<id>.block, unnumbered.
run_guest() {
	local id=$1 label config lane kver initrd logbase reason row
	IFS=- read -r label config lane <<<"$id"
	read -r _ kver initrd _ < <(awk -v l="$label" '$1 == l' "$RESULTS/kernels")
	logbase=$LOGS/$id row=$label/$config/$lane
	lane_programs "$lane" >"$RESULTS/$id.expected"
	boot_guest "$kver" "$config" "$lane" tests "$initrd" "$logbase" "$GUEST_TIMEOUT" || true
	reason=$(stop_reason "$logbase")
	{
		awk -f "$TAP_AWK" -v prefix="$row/" -v expected="$RESULTS/$id.expected" \
			-v reason="$reason" -v verbose="$VERBOSE" "$logbase.tap" 2>&1
		if [ "$(meta_field "$logbase" retried)" = 1 ]; then
			echo "# $row: the kernel panicked while booting, before the runner started; booted again (first console: ${logbase#"$TOP"/}.boot-panic.log)"
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
		wall=$(meta_field "$LOGS/$id" wall)
		[ -n "$wall" ] || case $id in
			*+debug-*-main) wall=4 ;; *+debug-*-edu) wall=2.5 ;;
			*-edu) wall=1 ;; *-swiotlb-main) wall=3 ;; *) wall=2 ;;
		esac
		echo "$wall $id"
	done | sort -k1,1gr -s | cut -d' ' -f2
}

# Emit the finished blocks of guests ID... in that order, as soon as all
# before them are in; an emitted block is renamed <id>.emitted.
flush_blocks() {
	local id logbase
	for id in "$@"; do
		[ ! -f "$RESULTS/$id.emitted" ] || continue
		[ -f "$RESULTS/$id.block" ] || return 0
		logbase=$LOGS/$id
		echo "# ${id//-//}: first output after $(meta_field "$logbase" boot) s, done after $(meta_field "$logbase" wall) s (log: ${logbase#"$TOP"/}.log)"
		emit "${id//-//}" <"$RESULTS/$id.block"
		mv "$RESULTS/$id.block" "$RESULTS/$id.emitted"
	done
}

kill_guests() {
	local pid
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
}

# run_guests ID...: boot them JOBS at a time, longest first; emit their
# results in the order given.
run_guests() {
	local id running=0
	trap 'kill_guests; exit 130' INT TERM
	for id in $(schedule "$@"); do
		while [ "$running" -ge "$JOBS" ]; do
			wait -n || true
			running=$((running - 1))
			flush_blocks "$@"
		done
		say "booting ${id//-//}"
		run_guest "$id" &
		running=$((running + 1))
	done
	wait || true
	# run_guest died (boot_guest's die: its message is on stderr)
	for id in "$@"; do
		[ -f "$RESULTS/$id.block" ] || [ -f "$RESULTS/$id.emitted" ] ||
			echo "not ok - ${id//-//}/guest: not booted: the harness failed (its message is on stderr)" \
				>"$RESULTS/$id.block"
	done
	flush_blocks "$@"
	trap - INT TERM
}

# --- report ----------------------------------------------------------------

# The plan, the count table (rows in the order they first emitted, a
# guest's with its boot and total time) and, last, the summary line; the
# status says whether the run passed: nothing failed and something ran.
#   finish T0 GUEST_SECONDS GUESTS  (T0: $EPOCHREALTIME at the start)
finish() {
	local t0=$1 guest_secs=$2 guests=$3 row p f s boot wall
	echo "1..$(emitted)"
	echo "#"
	printf '# %-22s %6s %6s %7s %8s %8s\n' "kernel/config/lane" passed failed skipped "boot(s)" "total(s)"
	awk '$2 + $3 + $4 == 0 { next }
		!($1 in p) { rows[++n] = $1 }
		{ p[$1] += $2; f[$1] += $3; s[$1] += $4 }
		END { for (i = 1; i <= n; i++) print rows[i], p[rows[i]], f[rows[i]], s[rows[i]] }' \
		"$RESULTS/ledger" |
	while read -r row p f s; do
		boot=$(meta_field "$LOGS/${row//\//-}" boot)
		wall=$(meta_field "$LOGS/${row//\//-}" wall)
		printf '# %-22s %6d %6d %7d %8s %8s\n' "$row" "$p" "$f" "$s" "${boot:--}" "${wall:--}"
	done
	read -r p f s < <(awk '{ p += $2; f += $3; s += $4 } END { print p + 0, f + 0, s + 0 }' \
		"$RESULTS/ledger")
	printf '# %-22s %6d %6d %7d %17s\n' all "$p" "$f" "$s" "$(elapsed "$t0") s wall"
	echo "# $guests guests took $guest_secs s, $JOBS at a time"
	if [ "$s" -gt 0 ]; then
		echo "$p passed, $f failed, $s skipped"
	else
		echo "$p passed, $f failed"
	fi
	[ "$f" -eq 0 ] && [ $((p + f + s)) -gt 0 ]
}
