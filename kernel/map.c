// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 2: describe the pinned pages in a scatterlist and map it for the
 * device.  The scatterlist covers exactly the registered bytes (not whole
 * pages) so that bounce buffering copies only them: a partial first or last
 * page may hold other data the CPU keeps changing.  The device's view is
 * then flattened into an array of segments, each tagged with its offset in
 * the region, so SEGMENTS is a plain copy and SYNC a binary search.
 */
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "devcaps.h"
#include "fault.h"
#include "stage.h"
#include "trace.h"

static int udma_check_reach(struct userdma_region *r)
{
	struct scatterlist *sg;
	unsigned int i;

	if (!udma_reach_limited(r->dev))
		return 0;
	if (udma_force_bounce(r->dev))
		return -EIO;
	for_each_sgtable_sg(&r->sgt, sg, i) {
		if (!udma_dma_reaches(r->dev, phys_to_dma(r->dev, sg_phys(sg)),
				      sg->length))
			return -EIO;
	}
	return 0;
}

/*
 * Does @sg's IOVA range continue @seg, within the device's segment size
 * and boundary?  dma-iommu already joins such entries; 5.10's intel-iommu
 * maps a table to one IOVA range but reports every entry apart, and a
 * device should not get a list of pieces where one segment would do.
 * Without an IOMMU nothing is joined: neighbouring bounce slots can be
 * adjacent by chance, and each entry is bounced on its own.
 */
static bool udma_seg_joins(struct userdma_region *r,
			   const struct userdma_seg *seg, struct scatterlist *sg)
{
	u64 boundary = dma_get_seg_boundary(r->dev);
	u64 end = seg->addr + seg->length + sg_dma_len(sg) - 1;

	return seg->addr + seg->length == sg_dma_address(sg) &&
	       seg->length + sg_dma_len(sg) <= dma_get_max_seg_size(r->dev) &&
	       (seg->addr | boundary) == (end | boundary);
}

/* Also used for imports, whose table the exporter built and mapped. */
int udma_build_segs(struct userdma_region *r, struct sg_table *sgt)
{
	bool iommu = udma_iommu_translates(r->dev);
	struct scatterlist *sg;
	unsigned int i, n = 0;
	u64 offset = 0;
	int ret;

	ret = udma_segs_alloc(r, sgt->nents, UDMA_FP_SEGS_ALLOC);
	if (ret)
		return ret;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (n && iommu && udma_seg_joins(r, &r->segs[n - 1], sg)) {
			r->segs[n - 1].length += sg_dma_len(sg);
		} else {
			r->segs[n].addr = sg_dma_address(sg);
			r->segs[n].offset = offset;
			r->segs[n].length = sg_dma_len(sg);
			n++;
		}
		offset += sg_dma_len(sg);
	}
	r->nr_segs = n;
	r->merged = n < sgt->orig_nents;
	return 0;
}

/*
 * userdma makes every CPU sync of its mappings itself: here once the
 * segments are known, in SYNC and transfers, and before unmapping
 * (udma_unmap).  The
 * map and unmap therefore skip their implicit ones, which is also what
 * tells DMA-API debugging that the same memory mapped more than once
 * (overlapping registrations, like overlapping RDMA memory regions, or a
 * registration of memory another driver also maps) is deliberate: who
 * writes where in an overlap is the user's business (docs/design.md).
 */
int udma_map(struct userdma_region *r)
{
	int ret;

	might_sleep();
	trace_userdma_stage(r, UDMA_STAGE_MAP_START);
	if (udma_should_fail(UDMA_FP_SG_TABLE))
		return -ENOMEM;
	ret = udma_sg_from_pages(&r->sgt, r->pages, r->npages,
				 offset_in_page(r->uaddr), r->length,
				 udma_max_sg_entry(r->dev), GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	trace_userdma_stage(r, UDMA_STAGE_SG_BUILT);

	ret = udma_check_reach(r);
	if (ret)
		goto err_free_table;
	if (udma_should_fail(UDMA_FP_DMA_MAP)) {
		ret = -ENOMEM;
		goto err_free_table;
	}
	ret = udma_map_errno(dma_map_sgtable(r->dev, &r->sgt, r->dir,
					     DMA_ATTR_SKIP_CPU_SYNC));
	if (ret)
		goto err_free_table;
	trace_userdma_stage(r, UDMA_STAGE_MAPPED);

	ret = udma_build_segs(r, &r->sgt);
	if (ret)
		goto err_unmap;
	/* the sync the map skipped; bounce copies in pieces (sync.c) */
	udma_sync_sleepable(r, 0, r->length, false);
	udma_track_init(r);
	trace_userdma_stage(r, UDMA_STAGE_READY);
	return 0;

err_unmap:
	dma_unmap_sgtable(r->dev, &r->sgt, r->dir, DMA_ATTR_SKIP_CPU_SYNC);
err_free_table:
	sg_free_table(&r->sgt);
	return ret;
}

/*
 * Who owns which bytes matters only where the device may write and its
 * image of the memory is not the CPU's (bounce buffers, caches it does not
 * snoop), and only for a node's user, who hands ranges over with SYNC.
 */
void udma_track_init(struct userdma_region *r)
{
	r->track = r->from_node && r->dir != DMA_TO_DEVICE && r->nr_segs &&
		   dma_need_sync(r->dev, r->segs[0].addr);
}

/*
 * Bounced bytes the device owns go back to the pages first, in 4 MiB
 * pieces with rescheduling in between (one copy of a large region would
 * hold the CPU for as long as it takes), and the unmap itself copies
 * nothing.  The segment array stays until the region
 * is freed: a SEGMENTS racing the release may still read it.  Callers may
 * sleep: unpinning follows.
 */
void udma_unmap(struct userdma_region *r)
{
	might_sleep();
	trace_userdma_stage(r, UDMA_STAGE_UNMAP_START);
	udma_take_back(r);
	trace_userdma_stage(r, UDMA_STAGE_TAKEN_BACK);
	dma_unmap_sgtable(r->dev, &r->sgt, r->dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&r->sgt);
	trace_userdma_stage(r, UDMA_STAGE_UNMAPPED);
}
