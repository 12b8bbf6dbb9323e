// SPDX-License-Identifier: GPL-2.0
/*
 * What a device can do with its DMA (devcaps.h), from the DMA layer's own
 * answers and, where a module cannot reach those, their equivalent.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/swiotlb.h>
#include <uapi/linux/userdma.h>

#include "compat.h"
#include "devcaps.h"

bool udma_iommu_translates(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && domain->type != IOMMU_DOMAIN_IDENTITY;
}

bool udma_force_bounce(struct device *dev)
{
#ifdef UDMA_HAS_FORCE_BOUNCE
	return udma_force_bounce_of(dev);
#else
	static int forced = -1;

	if (READ_ONCE(forced) < 0)
		WRITE_ONCE(forced, udma_force_bounce_probe());
	return READ_ONCE(forced);
#endif
}

/*
 * Without an IOMMU, memory beyond the device's mask is bounced, and the
 * DMA layer WARNs when the bounce slot is out of reach as well.  User space
 * must never be able to trigger a kernel warning, and where the bounce pool
 * lies is not visible to modules, so a device that cannot address all of
 * memory gets only pages it reaches directly, and nothing when every
 * mapping is forced through the pool.
 */
bool udma_reach_limited(struct device *dev)
{
	return !udma_iommu_translates(dev) && dma_addressing_limited(dev);
}

/*
 * What dma_capable() decides for RAM on x86-64, without it: 7.3 made it
 * call force_dma_unencrypted(), which modules cannot link against.
 */
bool udma_dma_reaches(struct device *dev, dma_addr_t addr, size_t size)
{
	u64 limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);

	return addr != DMA_MAPPING_ERROR && addr + size - 1 <= limit;
}

/*
 * The longest DMA segment the device accepts.  Bounce buffering adds its
 * own limit (256 KiB slots by default): a longer scatterlist entry makes
 * the whole mapping fail, so it caps the entries too.
 */
unsigned int udma_max_seg_size(struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	return min_t(size_t, max, UINT_MAX);
}

/* The scatterlist builder counts in whole pages. */
unsigned int udma_max_sg_entry(struct device *dev)
{
	return max_t(unsigned int, ALIGN_DOWN(udma_max_seg_size(dev), PAGE_SIZE),
		     PAGE_SIZE);
}

u32 udma_info_flags(struct device *dev)
{
	u32 flags = 0;

	if (udma_iommu_translates(dev))
		flags |= USERDMA_INFO_IOMMU;
	else if (udma_force_bounce(dev))
		flags |= USERDMA_INFO_BOUNCE;
	if (dev_is_dma_coherent(dev))
		flags |= USERDMA_INFO_COHERENT;
	return flags;
}
