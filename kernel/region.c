// SPDX-License-Identifier: GPL-2.0
/*
 * Region lifetime: validate the request, pin, map, publish; and the reverse
 * when the last reference goes.  The character device keeps one reference
 * in its handle table and takes another for each ioctl working on the
 * region, so an UNREGISTER racing a SYNC cannot free the region under it.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "region.h"

static int udma_check_range(unsigned long uaddr, u64 length)
{
	u64 end;

	if (!length)
		return -EINVAL;
	if (check_add_overflow((u64)uaddr, length, &end))
		return -EOVERFLOW;
	if (length > (u64)udma_max_region_mb << 20)
		return -E2BIG;
	/* kernel and non-canonical addresses never reach the pinning code */
	if (!access_ok((void __user *)uaddr, length))
		return -EFAULT;
	return 0;
}

static bool udma_dir_valid(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE ||
	       dir == DMA_BIDIRECTIONAL;
}

static void udma_stats_add(struct userdma_stats *s, long regions, long pages,
			   s64 bytes)
{
	if (!s)
		return;
	atomic_long_add(regions, &s->regions);
	atomic_long_add(pages, &s->pinned_pages);
	atomic64_add(bytes, &s->mapped_bytes);
}

struct userdma_region *udma_region_create(struct device *dev,
					  unsigned long uaddr, u64 length,
					  enum dma_data_direction dir,
					  struct userdma_stats *stats)
{
	struct userdma_region *r;
	int ret;

	if (!udma_dir_valid(dir))
		return ERR_PTR(-EINVAL);
	ret = udma_check_range(uaddr, length);
	if (ret)
		return ERR_PTR(ret);

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	kref_init(&r->ref);
	r->dev = dev;
	r->dir = dir;
	r->uaddr = uaddr;
	r->length = length;
	r->npages = DIV_ROUND_UP(offset_in_page(uaddr) + length, PAGE_SIZE);
	r->stats = stats;
	r->owner = task_tgid_vnr(current);

	ret = udma_pin(r);
	if (ret)
		goto err_free;
	ret = udma_map(r);
	if (ret)
		goto err_unpin;

	udma_stats_add(stats, 1, r->npages, length);
	return r;

err_unpin:
	udma_unpin(r);
err_free:
	kfree(r);
	return ERR_PTR(ret);
}

static void udma_region_release(struct kref *ref)
{
	struct userdma_region *r = container_of(ref, struct userdma_region, ref);

	/* unmap first: it copies bounced data back into the pinned pages */
	udma_unmap(r);
	udma_unpin(r);
	udma_stats_add(r->stats, -1, -(long)r->npages, -(s64)r->length);
	kfree(r);
}

void udma_region_put(struct userdma_region *r)
{
	kref_put(&r->ref, udma_region_release);
}

struct userdma_region *userdma_register(struct device *dev, unsigned long uaddr,
					u64 length, enum dma_data_direction dir)
{
	return udma_region_create(dev, uaddr, length, dir, NULL);
}
EXPORT_SYMBOL_GPL(userdma_register);

void userdma_unregister(struct userdma_region *region)
{
	udma_region_put(region);
}
EXPORT_SYMBOL_GPL(userdma_unregister);

const struct userdma_seg *userdma_segments(const struct userdma_region *region,
					   unsigned int *nr)
{
	*nr = region->nr_segs;
	return region->segs;
}
EXPORT_SYMBOL_GPL(userdma_segments);
