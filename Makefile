# userdma: top-level entry points.
#
#   make module [KVER=...]   userdma.ko for each test kernel (or one KVER),
#                            built in build/<kver>/kernel; W=1, any warning fails
#                            (SPARSE=1 also runs sparse)
#   make lib | tools         the library and the CLI (host builds)
#   make guest               static CLI and test programs for the guests
#   make check               THE test command: the full VM matrix
#                            [KERNELS="bullseye 6.1 6.12 sid:strict,swiotlb ... debug:swiotlb"]
#                            [CONFIGS="strict lazy noiommu swiotlb"]
#                            [LANES="main edu"] [JOBS=2] [VERBOSE=1]
#                            [LINT=0] [PKG=0] [PKG_TESTS="install dkms deb guest"]
#                            [TESTS="name lane/name ..."] only these programs
#   make demo [KERNEL=6.12]  two guests: IOMMU strict (`userdma selftest -v`, one
#                            segment; `userdma copy -T` through the sw and edu
#                            engines; `userdma alloc`, cached and coherent), then
#                            noiommu (`userdma selftest -v`, several segments)
#   make install             library, headers, pkg-config, CLI, man pages, udev
#                            rule and userdma.ko [DESTDIR= PREFIX=/usr/local
#                            KVER= | KDIR=]; make uninstall (mk/install.mk)
#   make bench               benchmarks (not part of check): one guest per kernel
#                            and configuration with the module as tested and the
#                            bench module (bench/kmod/, built against it) loaded;
#                            results in build/bench/, tables and plots into
#                            docs/performance.md [BENCH_ARGS=-q] [JOBS=1]
#                            [BENCH_RENDER=0: docs/ left alone]
#   make arm64               the test suite on Debian's arm64 kernel in QEMU's virt
#                            machine (SMMUv3), cross-built; not part of check
#                            [KERNEL=6.12] [CONFIGS="strict swiotlb"] [LANES="main edu"]
#                            [TESTS="name lane/name ..."]
#   make soak [MINUTES=10]   the ioctl fuzzer (tests/cases/main/fuzz_ioctl.c) alone
#                            for MINUTES per guest, not part of check
#                            [KERNELS=6.12] [CONFIGS="strict swiotlb"] [SEED=n]
#   make clean

# Debian 12's kernels (6.1, 6.12) in every configuration; 5.10 (bullseye,
# whose LTS ended in 2026), the newest stable (sid) and release candidate
# (experimental) in two; docs/kernels.md.  A suite name fetches that
# suite's kernel into a cached root (scripts/suite-kernel.sh); "debug" is
# 6.12 built with KASAN, DMA-API debugging, lockdep, kmemleak and fail-nth
# (scripts/debug-kernel.sh), with forced bounce buffers (docs/testing.md).
KERNELS ?= bullseye:strict,swiotlb 6.1 6.12 sid:strict,swiotlb experimental:strict,swiotlb \
	debug:swiotlb
CONFIGS ?= strict lazy noiommu swiotlb
KERNEL  ?= 6.12
KVER    ?=

# make's own built-in LINT (the lint program) is not ours to pass on.
ifeq ($(origin LINT),default)
LINT :=
endif

# The harness scripts read these from the environment.
export KERNELS CONFIGS KERNEL LANES JOBS GUEST_TIMEOUT TEST_TIMEOUT VERBOSE SPARSE TESTS \
	LINT PKG PKG_TESTS BENCH_ARGS BENCH_RENDER

.PHONY: all module lib tools tests guest check demo bench soak arm64 deps clean

all: module lib tools

deps:
	bash scripts/install-deps.sh

module:
	@set -e; for k in $(or $(KVER),$(KERNELS)); do \
		bash scripts/build-module.sh "$${k%%:*}"; \
	done

lib:
	$(MAKE) -C lib

tools:
	$(MAKE) -C tools

tests:
	$(MAKE) -C tests

# Everything static the guests run lives in build/guest/.
guest: tests
	$(MAKE) -C tools static

check:
	bash scripts/install-deps.sh
	bash tests/harness/run-matrix.sh

# KERNELS and CONFIGS default to one kernel and two configurations here.
soak:
	KERNELS="$(if $(filter command line environment,$(origin KERNELS)),$(KERNELS),6.12)" \
	CONFIGS="$(if $(filter command line environment,$(origin CONFIGS)),$(CONFIGS),strict swiotlb)" \
	MINUTES="$(MINUTES)" SEED="$(SEED)" bash tests/harness/run-soak.sh

demo:
	bash scripts/install-deps.sh
	bash tests/harness/run-demo.sh

arm64:
	bash scripts/install-deps.sh arm64
	CONFIGS="$(if $(filter command line environment,$(origin CONFIGS)),$(CONFIGS),strict swiotlb)" \
	KERNEL="$(KERNEL)" bash tests/harness/run-arm64.sh

# The bench tables compare the two Debian 12 kernels unless told otherwise.
bench:
	bash scripts/install-deps.sh bench
	KERNELS="$(if $(filter command line environment,$(origin KERNELS)),$(KERNELS),6.1 6.12)" \
	bash tests/harness/run-bench.sh

clean:
	rm -rf build
	@for d in lib tools; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean || exit 1; fi; \
	done

include mk/install.mk
