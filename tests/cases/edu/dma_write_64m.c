// SPDX-License-Identifier: MIT
/*
 * The device writes a 64 MiB region (FROM_DEVICE) at an unaligned start:
 * chunks straddle a random 64 of its segment boundaries when there are
 * more, plus the first and last bytes and 16 random chunks; then every
 * byte of the 64 MiB mapping and its guards is checked.
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case cases[] = {
		{ "64 MiB at offset 2055", 64 * MiB, 2055, 0 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("dma_write_64m");
	diag_config();
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		edu_write_case(&c, &cases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
