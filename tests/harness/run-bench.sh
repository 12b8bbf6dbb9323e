#!/bin/bash
# `make bench`: build the test build of the module (as `make check` does),
# the bench module against it (bench/kmod/, scripts/build-client.sh bench/kmod)
# and the static bench program, boot one guest per (kernel, configuration)
# like the tests do (main lane machine: 2 vCPUs, real time), collect what
# each guest's userdma-bench printed on ttyS1, and render the tables and
# plots docs/performance.md embeds.  Every figure is a ratio to a baseline
# measured in the same guest, so guests may run side by side.
#
# Env: KERNELS="6.1 6.12"  CONFIGS="strict lazy noiommu swiotlb"
#      BENCH_ARGS="" (userdma-bench's, e.g. "-q" for a smoke run, "-r xr")
#      JOBS=1 (guests at once)
#      GUEST_TIMEOUT=900 (s per guest)  BENCH_RENDER=1 (0: no docs update)
# One guest at a time by default: the whole run takes about 11 minutes,
# and no guest's vCPUs compete with another's.  JOBS=2 halves the wall
# time; each ratio is still taken inside one guest.
set -euo pipefail

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-6.1 6.12}
CONFIGS=${CONFIGS:-strict lazy noiommu swiotlb}
JOBS=${JOBS:-1}
BENCH_ARGS=${BENCH_ARGS:-}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-900}
BENCH_RENDER=${BENCH_RENDER:-1}
OUT=$TOP/build/bench
LOGS=$TOP/build/logs

# The bench module rides in a second archive appended to the image (the
# kernel unpacks concatenated archives in turn), as /userdma_bench.ko.
# Only the file: an entry for "." would set the mode of the guest's root.
append_bench_module() {
	local initrd=$1 ko=$2 stage
	stage=$(mktemp -d)
	install -m 644 "$ko" "$stage/userdma_bench.ko"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 >>"$initrd"
	rm -rf "$stage"
}

# One guest: boot, then split its stream into the table text and the CSV.
run_one() {
	local kver=$1 config=$2 initrd=$3 short logbase extra rc=0
	short=$(short_kver "$kver")
	logbase=$LOGS/bench-$short-$config
	extra="udt_bench=${BENCH_ARGS// /,}"
	# A 512 MiB bounce pool, so that a 256 MiB registration bounces whole.
	[ "$config" = swiotlb ] && extra+=" swiotlb=262144,force"
	say "bench guest $short/$config"
	# the CPU model docs/performance.md was measured with
	QEMU_CPU=${QEMU_CPU:-max} EXTRA_APPEND=$extra boot_guest "$kver" "$config" main bench "$initrd" \
		"$logbase" "$GUEST_TIMEOUT" || rc=$?
	tr -d '\r' <"$logbase.tap" | grep -v '^@csv,' >"$OUT/$short-$config.txt" || true
	tr -d '\r' <"$logbase.tap" | grep '^@csv,' | cut -d, -f2- >"$OUT/$short-$config.csv" || true
	if ! grep -q '^userdma-bench: exit 0' "$OUT/$short-$config.txt"; then
		{
			echo "# bench guest $short/$config did not finish (QEMU status $rc)"
			tail -n 20 "$logbase.log" | tr -d '\r'
		} >>"$OUT/$short-$config.txt"
		return 1
	fi
}

main() {
	local k kver ko bko initrd c t0 failed=0 pids=() p
	t0=$EPOCHREALTIME
	mkdir -p "$OUT" "$LOGS"
	rm -f "$OUT"/*.csv "$OUT"/*.txt
	say "building the bench program (make -C bench)"
	make -s -C "$TOP/bench" >&2
	declare -A INITRD=()
	for k in $KERNELS; do
		kver=$(resolve_kver "$k") || die "no kernel $k installed (run scripts/install-deps.sh)"
		say "building the module and the bench module for $kver"
		ko=$(build_module "$kver")
		bko=$(bash "$TOP/scripts/build-client.sh" bench/kmod "$kver")
		initrd=$TOP/build/$kver/bench-initramfs.cpio.gz
		PACK_BENCH=1 pack_initramfs "$ko" "$initrd"
		append_bench_module "$initrd" "$bko"
		INITRD[$k]=$kver:$initrd
	done
	for k in $KERNELS; do
		for c in $CONFIGS; do
			while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
				wait -n || failed=1
			done
			run_one "${INITRD[$k]%%:*}" "$c" "${INITRD[$k]#*:}" &
			pids+=($!)
		done
	done
	for p in "${pids[@]}"; do
		wait "$p" || failed=1
	done

	{
		echo "kernel,config,row,case,size,metric,min,median"
		cat "$OUT"/*-*.csv
	} >"$OUT/results.csv"
	cat "$OUT"/*-*.txt
	if [ "$BENCH_RENDER" = 1 ]; then
		say "rendering tables and plots into docs/"
		python3 "$TOP/bench/report.py" "$OUT/results.csv" "$TOP/docs" \
			"$(elapsed "$t0")"
		# the run the tables were made from travels with them
		cp "$OUT/results.csv" "$TOP/docs/perf/results.csv"
		cat "$OUT"/*-*.txt >"$TOP/docs/perf/tables.txt"
	fi
	say "results: ${OUT#"$TOP"/}/results.csv; $(elapsed "$t0") s in all"
	return "$failed"
}

main "$@"
