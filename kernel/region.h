/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A region is one registered user range: its pinned pages (pin.c), its
 * scatterlist and DMA mapping (map.c), and its lifetime (region.c).
 */
#ifndef USERDMA_REGION_H
#define USERDMA_REGION_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/scatterlist.h>
#include <linux/userdma.h>

struct mm_struct;

/* Live totals of one device node, shown in sysfs. */
struct userdma_stats {
	atomic_long_t regions;
	atomic_long_t pinned_pages;
	atomic64_t mapped_bytes;
};

struct userdma_region {
	struct kref ref;
	struct device *dev;
	enum dma_data_direction dir;
	unsigned long uaddr;
	u64 length;

	/* pin.c: the pages and the mm their locked-memory charge is held on */
	struct mm_struct *mm;
	struct page **pages;
	unsigned long npages;

	/* map.c: CPU view in sgt, the device's view in segs */
	struct sg_table sgt;
	struct userdma_seg *segs;
	unsigned int nr_segs;
	/* a DMA segment may span pages that are not physically contiguous */
	bool merged;

	struct userdma_stats *stats;
	pid_t owner;
	/* transfers using the region: it cannot be unregistered meanwhile */
	atomic_t inflight;
};

/* pin.c */
int udma_pin(struct userdma_region *r);
void udma_unpin(struct userdma_region *r);

/* map.c */
int udma_map(struct userdma_region *r);
void udma_unmap(struct userdma_region *r);
unsigned int udma_max_seg_size(struct device *dev);
bool udma_iommu_translates(struct device *dev);

/* sync.c */
int udma_sync(struct userdma_region *r, u64 offset, u64 length, bool for_cpu);
unsigned int udma_seg_index(const struct userdma_region *r, u64 offset);

/* region.c */
struct userdma_region *udma_region_create(struct device *dev,
					  unsigned long uaddr, u64 length,
					  enum dma_data_direction dir,
					  struct userdma_stats *stats);
void udma_region_put(struct userdma_region *r);

static inline void udma_region_get(struct userdma_region *r)
{
	kref_get(&r->ref);
}

extern unsigned int udma_max_region_mb;

#endif /* USERDMA_REGION_H */
