/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a device can do with its DMA: whether an IOMMU translates for it,
 * whether every mapping is bounced, which addresses it reaches, how long a
 * segment may be.  Answers only: nothing here maps or changes anything.
 */
#ifndef USERDMA_DEVCAPS_H
#define USERDMA_DEVCAPS_H

#include <linux/types.h>

struct device;

bool udma_iommu_translates(struct device *dev);
bool udma_force_bounce(struct device *dev);
bool udma_reach_limited(struct device *dev);
bool udma_dma_reaches(struct device *dev, dma_addr_t addr, size_t size);
unsigned int udma_max_seg_size(struct device *dev);
unsigned int udma_max_sg_entry(struct device *dev);
/* USERDMA_INFO_* of INFO */
u32 udma_info_flags(struct device *dev);

#endif /* USERDMA_DEVCAPS_H */
