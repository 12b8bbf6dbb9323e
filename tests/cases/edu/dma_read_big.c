// SPDX-License-Identifier: MIT
/*
 * The device reads user memory (TO_DEVICE), large regions: 1 MiB+3 and
 * 16 MiB at unaligned starts; chunks as in dma_read, with a random 64
 * segment boundaries when there are more (64 MiB: dma_read_64m).
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case cases[] = {
		{ "1 MiB+3 at offset 5", 1 * MiB + 3, 5, 0 },
		{ "16 MiB", 16 * MiB, 0, 0 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("dma_read_big");
	diag_config();
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		edu_read_case(&c, &cases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
