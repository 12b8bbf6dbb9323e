// SPDX-License-Identifier: MIT
/*
 * The device writes user memory (FROM_DEVICE), large regions: 1 MiB and
 * 16 MiB at unaligned starts (64 MiB is dma_write_64m: split to keep each
 * program within a few hundred edu commands).  Chunks straddle a random
 * 64 of the segment boundaries when there are more (without an IOMMU a
 * region of scattered 4 KiB pages has thousands), plus the first and last
 * bytes and 16 random chunks; then every byte of the mapping is checked.
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case cases[] = {
		{ "1 MiB", 1 * MiB, 0, 0 },
		{ "16 MiB at offset 3", 16 * MiB, 3, 0 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("dma_write_big");
	diag_config();
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		edu_write_case(&c, &cases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
