// SPDX-License-Identifier: MIT
/*
 * Real DMA through the second edu device, whose engine drives only 28
 * address bits (QEMU clamps wider addresses, which would land the data
 * elsewhere or fault in the IOMMU).  Behind the IOMMU its IOVAs must lie
 * below 2^28 and the data must arrive exactly; without an IOMMU ordinary
 * memory cannot be mapped for it at all (main/narrow_mask), so this test
 * is skipped there.
 */
#define _GNU_SOURCE
#include "edutest.h"

int main(void)
{
	static const struct dma_case wcases[] = {
		{ "28-bit device: 64 KiB+5 at odd offset", 64 * KiB + 5, 77, 0 },
		{ "28-bit device: 1 MiB", 1 * MiB, 0, 0 },
	};
	static const struct dma_case rcases[] = {
		{ "28-bit device: 20000 bytes at offset 4000", 20000, 4000, 0 },
	};
	struct dma_ctx c;
	struct rng r;
	size_t i;

	tap_init("narrow_dma");
	diag_config();
	if (!cfg_iommu())
		skip_all("config %s: without an IOMMU the 28-bit device cannot reach guest memory",
			 udt_config_name());
	rng_init(&r, test_seed());
	dma_ctx_open(&c, edu28_bdf());
	ok(c.info.dma_mask == (1ull << 28) - 1 &&
		   (c.info.flags & USERDMA_INFO_IOMMU),
	   "%s: 28-bit mask behind the IOMMU", c.node);
	for (i = 0; i < ARRAY_SIZE(wcases); i++)
		edu_write_case(&c, &wcases[i], &r);
	for (i = 0; i < ARRAY_SIZE(rcases); i++)
		edu_read_case(&c, &rcases[i], &r);
	dma_ctx_close(&c);
	return done_testing();
}
