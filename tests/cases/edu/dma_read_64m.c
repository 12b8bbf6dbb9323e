// SPDX-License-Identifier: MIT
/*
 * The device reads a 64 MiB region (TO_DEVICE) at an unaligned start;
 * chunks as in dma_read, with a random 64 segment boundaries when there
 * are more.
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case cases[] = {
		{ "64 MiB at offset 4095", 64 * MiB, 4095, 0 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("dma_read_64m");
	diag_config();
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		edu_read_case(&c, &cases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
