// SPDX-License-Identifier: GPL-2.0
/*
 * Cached buffers (ALLOC without USERDMA_ALLOC_COHERENT): ordinary zeroed
 * pages, mapped for the device as a streaming mapping exactly like pinned
 * user pages (map.c), so SYNC and bounce buffering behave the same and a
 * forgotten sync shows.  Each page has its own reference count (high-order
 * blocks are split), so mmap() inserts real pages that O_DIRECT and other
 * drivers can pin in turn.  The pages are allocated outside the device's
 * section; only the mapping runs inside.
 */
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "devcaps.h"
#include "kinds.h"
#include "stage.h"

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

	if (udma_should_fail(UDMA_FP_ALLOC_PAGES))
		return -ENOMEM;
	page = alloc_pages(gfp, order);
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

static void udma_cached_release(struct userdma_region *r)
{
	udma_free_pages(r, r->npages);
	udma_pages_free(r);
	udma_uncharge(r);
}

static int udma_cached_mmap(struct userdma_region *r,
			    struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);

	return vm_insert_pages(vma, vma->vm_start, r->pages + vma->vm_pgoff,
			       &npages);
}

/* After MADV_DONTNEED the page comes back. */
static vm_fault_t udma_cached_fault(struct userdma_region *r,
				    struct vm_fault *vmf)
{
	vmf->page = r->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct udma_kind udma_cached_kind = {
	.name = "cached",
	.stat = UDMA_STAT_ALLOCATED,
	.pages = true,
	.node_mmap = true,
	.detach = udma_unmap,
	.release = udma_cached_release,
	.mmap = udma_cached_mmap,
	.fault = udma_cached_fault,
};

/* A charged region's pages, mapped for the device; ref entered. */
static int udma_cached_fill(struct userdma_region *r, struct udma_devref *ref,
			    bool contiguous)
{
	int ret;

	ret = udma_pages_alloc(r, UDMA_FP_ALLOC_ARRAY);
	if (ret)
		return ret;
	ret = udma_alloc_pages(r, contiguous);
	if (ret)
		goto err_free_array;
	ret = udma_devref_enter(ref);
	if (ret)
		goto err_free_pages;
	ret = udma_map(r);
	if (!ret)
		udma_region_link(r, ref);
	udma_devref_exit(ref);
	if (ret)
		goto err_free_pages;
	return 0;

err_free_pages:
	udma_free_pages(r, r->npages);
err_free_array:
	udma_pages_free(r);
	return ret;
}

struct userdma_region *udma_cached_create(struct udma_devref *ref, u64 length,
					  bool contiguous,
					  enum dma_data_direction dir)
{
	struct userdma_region *r;
	int ret;

	r = udma_region_alloc(sizeof(*r), &udma_cached_kind, ref->dev, dir,
			      true);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->length = PAGE_ALIGN(length);
	r->npages = r->length >> PAGE_SHIFT;

	ret = udma_charge(r);
	if (ret)
		goto err_free;
	ret = udma_cached_fill(r, ref, contiguous);
	if (ret)
		goto err_uncharge;
	return r;

err_uncharge:
	udma_uncharge(r);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}
