// SPDX-License-Identifier: MIT
/*
 * The device writes user memory (FROM_DEVICE), small regions: 1 byte,
 * 100 bytes, 4 KiB starting 4090 bytes into a page (crossing into the
 * next), 64 KiB+5 at an odd offset, and one 2 MiB transparent huge page.
 * The proof that the segment list is right: chunks straddling every
 * segment boundary and every page boundary, the first and last bytes and
 * random chunks are written by the edu DMA engine through the segments;
 * after SYNC_FOR_CPU every byte of the mapping is checked, so a write
 * landing one byte off, or a bounce copy wider than the region, shows.
 * Large regions: dma_write_big.
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case cases[] = {
		{ "1 byte", 1, 2049, 0 },
		{ "100 bytes", 100, 17, 0 },
		{ "4 KiB at page offset 4090", 4096, 4090, 0 },
		{ "64 KiB+5 at odd offset", 64 * KiB + 5, 1001, 0 },
		{ "2 MiB THP", 2 * MiB, 0, 1 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("dma_write");
	diag_config();
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		edu_write_case(&c, &cases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
