// SPDX-License-Identifier: GPL-2.0
/*
 * Registration, two ways, for the same device and buffer: the kernel's
 * raw primitives called back to back as a minimal correct driver would
 * (RAW), and userdma's register + release through its in-kernel API,
 * without the node's ioctl and handle table (REGION).
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/userdma.h>
#include <uapi/linux/userdma.h>

#include "bench_ops.h"

static enum dma_data_direction udma_bench_dir(u32 direction)
{
	switch (direction) {
	case USERDMA_DIR_TO_DEVICE:
		return DMA_TO_DEVICE;
	case USERDMA_DIR_FROM_DEVICE:
		return DMA_FROM_DEVICE;
	case USERDMA_DIR_BIDIRECTIONAL:
		return DMA_BIDIRECTIONAL;
	default:
		return DMA_NONE;
	}
}

/*
 * The longest scatterlist entry, as userdma computes it: the device's
 * segment limit, and the DMA layer's mapping limit (swiotlb refuses
 * longer entries), in whole pages.
 */
static unsigned int udma_bench_max_seg(struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	max = min_t(size_t, max, UINT_MAX);
	return max_t(unsigned int, ALIGN_DOWN(max, PAGE_SIZE), PAGE_SIZE);
}

static int udma_bench_sg(struct sg_table *sgt, struct page **pages,
			 unsigned int npages, unsigned int offset,
			 unsigned long size, unsigned int max_seg)
{
#ifdef UDMA_BENCH_SG_SEGMENT
	return sg_alloc_table_from_pages_segment(sgt, pages, npages, offset,
						 size, max_seg, GFP_KERNEL);
#else
	return PTR_ERR_OR_ZERO(__sg_alloc_table_from_pages(sgt, pages, npages,
							   offset, size,
							   max_seg, NULL, 0,
							   GFP_KERNEL));
#endif
}

/* One pin call for the whole range, map, unmap, unpin. */
static int udma_bench_raw_once(struct device *dev, struct userdma_bench *b,
			       enum dma_data_direction dir)
{
	unsigned long start = b->addr & PAGE_MASK;
	unsigned long npages = DIV_ROUND_UP(offset_in_page(b->addr) + b->length,
					    PAGE_SIZE);
	unsigned int gup = FOLL_LONGTERM;
	unsigned long pinned = 0;
	unsigned int max_seg;
	struct sg_table sgt;
	struct page **pages;
	int ret;

	if (dir != DMA_TO_DEVICE)
		gup |= FOLL_WRITE;
	max_seg = udma_bench_max_seg(dev);

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	udma_bench_stamp(USERDMA_BENCH_NS_ALLOC);

	while (pinned < npages) {
		ret = pin_user_pages_fast(start + pinned * PAGE_SIZE,
					  min_t(unsigned long, npages - pinned,
						INT_MAX),
					  gup, pages + pinned);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			goto err_unpin;
		}
		pinned += ret;
	}
	udma_bench_stamp(USERDMA_BENCH_NS_PIN);

	ret = udma_bench_sg(&sgt, pages, npages, offset_in_page(b->addr),
			    b->length, max_seg);
	if (ret)
		goto err_unpin;
	udma_bench_stamp(USERDMA_BENCH_NS_SG);

	ret = dma_map_sgtable(dev, &sgt, dir, 0);
	if (ret)
		goto err_free_table;
	udma_bench_stamp(USERDMA_BENCH_NS_MAP);
	b->nents = sgt.nents;

	dma_unmap_sgtable(dev, &sgt, dir, 0);
	sg_free_table(&sgt);
	udma_bench_stamp(USERDMA_BENCH_NS_UNMAP);
	unpin_user_pages_dirty_lock(pages, npages, dir != DMA_TO_DEVICE);
	udma_bench_stamp(USERDMA_BENCH_NS_UNPIN);
	kvfree(pages);
	udma_bench_stamp(USERDMA_BENCH_NS_ALLOC);
	return 0;

err_free_table:
	sg_free_table(&sgt);
err_unpin:
	unpin_user_pages(pages, pinned);
	kvfree(pages);
	return ret;
}

/* Its stages are stamped by userdma's tracepoints (probe.c). */
static int udma_bench_region_once(struct device *dev, struct userdma_bench *b,
				  enum dma_data_direction dir)
{
	struct userdma_region *r;
	unsigned int nr;

	r = userdma_register(dev, b->addr, b->length, dir);
	if (IS_ERR(r))
		return PTR_ERR(r);
	userdma_segments(r, &nr);
	b->nents = nr;
	userdma_unregister(r);
	return 0;
}

static int udma_bench_run(struct device *dev, struct userdma_bench *b,
			  enum dma_data_direction dir, bool stages)
{
	u64 t0;
	u32 i;
	int ret = 0;

	udma_bench_clock_start(stages);
	t0 = ktime_get_ns();
	for (i = 0; i < b->iters && !ret; i++) {
		udma_bench_iter_start();
		if (b->op == USERDMA_BENCH_RAW)
			ret = udma_bench_raw_once(dev, b, dir);
		else
			ret = udma_bench_region_once(dev, b, dir);
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	udma_bench_clock_stop(b, ktime_get_ns() - t0);
	return ret;
}

int udma_bench_pipeline(struct device *dev, struct userdma_bench *b)
{
	enum dma_data_direction dir = udma_bench_dir(b->direction);
	bool stages = b->flags & USERDMA_BENCH_STAGES;
	bool probe = stages && b->op == USERDMA_BENCH_REGION;
	int ret;

	if (dir == DMA_NONE)
		return -EINVAL;
	if (probe) {
		ret = udma_bench_probe_attach();
		if (ret)
			return ret;
		/*
		 * Attaching patches the tracepoints' call sites: the first pass
		 * through patched code runs cold (an emulator retranslates it),
		 * which is no stage's cost.  One untimed pass first.
		 */
		ret = udma_bench_region_once(dev, b, dir);
	}
	if (!ret)
		ret = udma_bench_run(dev, b, dir, stages);
	if (probe)
		udma_bench_probe_detach();
	return ret;
}
