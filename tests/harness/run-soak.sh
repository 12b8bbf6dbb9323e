#!/bin/bash
# Soak the ioctl fuzzer (tests/cases/main/fuzz_ioctl.c) outside CI: the
# run-matrix.sh machinery boots one guest per (kernel, configuration) with
# only that program in its main lane (TESTS=main/fuzz_ioctl), and the
# guest's /init passes udt_fuzz_seconds (and udt_fuzz_seed) from the kernel
# command line to it as USERDMA_FUZZ_SECONDS (USERDMA_FUZZ_SEED).  The leak oracles and the
# dmesg check run after it as after every test program.
#
# Env: MINUTES=10 (per guest)  KERNELS="6.12"  CONFIGS="strict swiotlb"
#      SEED=<replay one seed>  JOBS=1
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
MINUTES=${MINUTES:-10}
SEED=${SEED:-}
case $MINUTES in
''|*[!0-9]*) echo "${0##*/}: MINUTES must be a whole number" >&2; exit 1 ;;
esac
secs=$((MINUTES * 60))
[ "$secs" -gt 0 ] || secs=30

append="udt_fuzz_seconds=$secs${SEED:+ udt_fuzz_seed=$SEED}"
echo "${0##*/}: fuzz_ioctl for $secs s per guest ($append)" >&2
TESTS=main/fuzz_ioctl LANES=main \
	KERNELS=${KERNELS:-6.12} CONFIGS=${CONFIGS:-strict swiotlb} JOBS=${JOBS:-1} \
	TEST_TIMEOUT=$((secs + 300)) GUEST_TIMEOUT=$((secs + 600)) \
	EXTRA_APPEND=$append VERBOSE=1 \
	bash "$TOP/tests/harness/run-matrix.sh"
