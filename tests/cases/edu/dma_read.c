// SPDX-License-Identifier: MIT
/*
 * The device reads user memory (TO_DEVICE), small regions: 1 byte, 100
 * bytes, 4 KiB at page offset 4090, 64 KiB+5 at an odd offset and a 2 MiB
 * transparent huge page.  The region is filled before registering; then
 * the CPU rewrites a few chunks and syncs exactly those for the device.
 * Chunks (segment and page boundaries, first and last bytes, random) are
 * DMA'd into the device buffer, read back through a second registration
 * and compared with what the CPU last wrote.  The device must not change
 * the region.  Large regions: dma_read_big.
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case cases[] = {
		{ "1 byte", 1, 4095, 0 },
		{ "100 bytes", 100, 4000, 0 },
		{ "4 KiB at page offset 4090", 4096, 4090, 0 },
		{ "64 KiB+5 at odd offset", 64 * KiB + 5, 333, 0 },
		{ "2 MiB THP", 2 * MiB, 0, 1 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("dma_read");
	diag_config();
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		edu_read_case(&c, &cases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
