// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers the driver allocates for user space (ALLOC), the other half of
 * sharing memory with a device.
 *
 * Cached buffers are ordinary zeroed pages, mapped for the device as a
 * streaming mapping exactly like pinned user pages (map.c), so SYNC and
 * bounce buffering behave the same and a forgotten sync shows.  Each page
 * has its own reference count (high-order blocks are split), so mmap()
 * inserts real pages that O_DIRECT and other drivers can pin in turn.
 *
 * Coherent buffers come from dma_alloc_coherent(): no sync, but they can
 * only be mapped to user space as a PFN range, and they are the device's:
 * they go when the device goes, and are never shared as a dma-buf.
 *
 * Both are charged to the caller's locked memory, as pinned pages are.
 */
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <uapi/linux/userdma.h>

#include "region.h"
#include "fault.h"

/*
 * Largest block tried for a non-contiguous buffer: a 2 MiB block keeps the
 * scatterlist short without asking the allocator to compact much.
 */
#define UDMA_ALLOC_MAX_ORDER	9

static gfp_t udma_alloc_gfp(struct device *dev)
{
	gfp_t gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT | __GFP_NOWARN;

	/* without an IOMMU a 32-bit device must get pages it can address */
	if (udma_reach_limited(dev) && dma_get_mask(dev) >= DMA_BIT_MASK(32))
		gfp = (gfp & ~__GFP_HIGHMEM) | GFP_DMA32;
	return gfp;
}

/* One block of 2^order pages, split so each page stands on its own. */
static int udma_alloc_block(struct userdma_region *r, unsigned long at,
			    unsigned int order, gfp_t gfp)
{
	unsigned long i, n = 1UL << order;
	struct page *page;

	page = udma_fault(UDMA_FP_ALLOC_PAGES) ? NULL : alloc_pages(gfp, order);
	if (!page)
		return -ENOMEM;
	if (order)
		split_page(page, order);
	for (i = 0; i < n; i++) {
		if (at + i < r->npages)
			r->pages[at + i] = page + i;
		else
			__free_page(page + i);	/* the rounding of a contiguous block */
	}
	return 0;
}

static void udma_free_pages(struct userdma_region *r, unsigned long n)
{
	while (n)
		__free_page(r->pages[--n]);
}

static int udma_alloc_pages(struct userdma_region *r, bool contiguous)
{
	gfp_t gfp = udma_alloc_gfp(r->dev);
	unsigned long done = 0;
	unsigned int order;
	int ret;

	if (contiguous) {
		/* beyond the buddy allocator's largest block this fails quietly */
		return udma_alloc_block(r, 0, order_base_2(r->npages),
					gfp | __GFP_RETRY_MAYFAIL);
	}

	order = min_t(unsigned int, UDMA_ALLOC_MAX_ORDER, ilog2(r->npages));
	while (done < r->npages) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free;
		}
		while ((1UL << order) > r->npages - done)
			order--;
		/* a large block only if it comes cheaply */
		ret = udma_alloc_block(r, done, order,
				       order ? gfp | __GFP_NORETRY : gfp);
		if (ret && order) {
			order--;	/* memory is fragmented: smaller blocks */
			continue;
		}
		if (ret)
			goto err_free;
		done += 1UL << order;
	}
	return 0;

err_free:
	udma_free_pages(r, done);
	return ret;
}

static int udma_alloc_cached(struct userdma_region *r, bool contiguous)
{
	int ret;

	ret = udma_pages_alloc(r, UDMA_FP_ALLOC_ARRAY);
	if (ret)
		return ret;
	ret = udma_alloc_pages(r, contiguous);
	if (ret)
		udma_pages_free(r);
	return ret;
}

static void udma_free_cached(struct userdma_region *r)
{
	udma_free_pages(r, r->npages);
	udma_pages_free(r);
}

static int udma_alloc_coherent(struct userdma_region *r, bool contiguous)
{
	r->dma_attrs = contiguous ? DMA_ATTR_FORCE_CONTIGUOUS : 0;
	if (udma_fault(UDMA_FP_ALLOC_COHERENT))
		return -ENOMEM;
	r->cpu_addr = dma_alloc_attrs(r->dev, r->length, &r->dma_handle,
				      GFP_KERNEL | __GFP_NOWARN, r->dma_attrs);
	if (!r->cpu_addr)
		return -ENOMEM;

	/* one segment: kept in the region, nothing to allocate or fail */
	udma_segs_alloc(r, 1, UDMA_FP_SEGS_ALLOC);
	r->segs[0].addr = r->dma_handle;
	r->segs[0].offset = 0;
	r->segs[0].length = r->length;
	return 0;
}

/*
 * Device work: the coherent allocation, or the cached pages' mapping.
 * Cached pages are allocated before, outside the device's section.
 */
static int udma_alloc_for_device(struct userdma_region *r,
				 struct udma_devref *ref, bool contiguous)
{
	int ret;

	ret = udma_devref_enter(ref);
	if (ret)
		return ret;
	if (r->kind == UDMA_COHERENT)
		ret = udma_alloc_coherent(r, contiguous);
	else
		ret = udma_map(r);
	if (!ret)
		udma_devref_add(ref, r);
	udma_devref_exit(ref);
	return ret;
}

struct userdma_region *udma_alloc_create(struct udma_devref *ref, u64 length,
					 u32 flags, enum dma_data_direction dir)
{
	bool coherent = flags & USERDMA_ALLOC_COHERENT;
	bool contiguous = flags & USERDMA_ALLOC_CONTIGUOUS;
	struct userdma_region *r;
	int ret;

	if (!udma_dir_valid(dir) || (flags & ~USERDMA_ALLOC_FLAGS) || !length)
		return ERR_PTR(-EINVAL);
	if (length > (u64)udma_max_region_mb << 20)
		return ERR_PTR(-E2BIG);

	r = udma_region_alloc(coherent ? UDMA_COHERENT : UDMA_CACHED, ref->dev,
			      dir, true);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->length = PAGE_ALIGN(length);
	r->npages = r->length >> PAGE_SHIFT;

	ret = udma_charge(r);
	if (ret)
		goto err_free;
	if (!coherent) {
		ret = udma_alloc_cached(r, contiguous);
		if (ret)
			goto err_uncharge;
	}
	ret = udma_alloc_for_device(r, ref, contiguous);
	if (ret)
		goto err_free_pages;
	return r;

err_free_pages:
	if (!coherent)
		udma_free_cached(r);
err_uncharge:
	udma_uncharge(r);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}

/*
 * The device's side of coherent memory (region.c, udma_region_detach):
 * it belongs to the device's allocator and so cannot outlive the device.
 * Whatever still maps it to user space is zapped first, under the lock
 * its faults take (later accesses fault, export.c), and then it is freed.
 */
void udma_coherent_detach(struct userdma_region *r)
{
	lockdep_assert_held(&r->lock);
	udma_export_zap(r);
	dma_free_attrs(r->dev, r->length, r->cpu_addr, r->dma_handle,
		       r->dma_attrs);
	r->cpu_addr = NULL;
}

/* The memory's side, with the last reference. */
void udma_alloc_free(struct userdma_region *r)
{
	if (r->kind == UDMA_CACHED)
		udma_free_cached(r);
	udma_uncharge(r);
}
