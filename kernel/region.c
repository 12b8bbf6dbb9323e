// SPDX-License-Identifier: GPL-2.0
/*
 * Region lifetime: validate the request, pin, map, publish; and the reverse
 * when the last reference goes.  The character device keeps one reference
 * in its handle table and takes another for each ioctl working on the
 * region, so an UNREGISTER racing a SYNC cannot free the region under it.
 * An exported dma-buf holds one more, as long as any file, mapping or
 * importer of it is alive.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "region.h"
#include "fault.h"

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

bool udma_dir_valid(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE ||
	       dir == DMA_BIDIRECTIONAL;
}

void udma_stats_add(struct userdma_stats *s, long regions, long pages,
		    s64 bytes)
{
	if (!s)
		return;
	atomic_long_add(regions, &s->regions);
	atomic_long_add(pages, &s->pinned_pages);
	atomic64_add(bytes, &s->mapped_bytes);
}

/*
 * The page and segment arrays of a region.  One entry is the common case
 * (a small registration, and any region the IOMMU maps as one segment), so
 * it lives in the region itself: registering 4 KiB then allocates nothing
 * but the region, which is most of what separates it from the raw calls.
 */
int udma_pages_alloc(struct userdma_region *r, enum udma_fault_point fp)
{
	if (r->npages == 1)
		r->pages = &r->one_page;
	else if (udma_fault(fp))
		r->pages = NULL;
	else
		r->pages = kvmalloc_array(r->npages, sizeof(*r->pages),
					  GFP_KERNEL_ACCOUNT);
	return r->pages ? 0 : -ENOMEM;
}

void udma_pages_free(struct userdma_region *r)
{
	if (r->pages != &r->one_page)
		kvfree(r->pages);
	r->pages = NULL;
}

int udma_segs_alloc(struct userdma_region *r, unsigned int nr,
		    enum udma_fault_point fp)
{
	if (nr == 1)
		r->segs = &r->one_seg;
	else if (udma_fault(fp))
		r->segs = NULL;
	else
		r->segs = kvmalloc_array(nr, sizeof(*r->segs),
					 GFP_KERNEL_ACCOUNT);
	if (!r->segs)
		return -ENOMEM;
	r->nr_segs = nr;
	return 0;
}

void udma_segs_free(struct userdma_region *r)
{
	if (r->segs != &r->one_seg)
		kvfree(r->segs);
	r->segs = NULL;
}

struct userdma_region *udma_region_alloc(enum udma_kind kind,
					 struct device *dev,
					 enum dma_data_direction dir,
					 struct userdma_stats *stats)
{
	struct userdma_region *r;

	if (udma_fault(UDMA_FP_REGION_ALLOC))
		return NULL;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	kref_init(&r->ref);
	r->kind = kind;
	/* a dma-buf can keep the region past the node, and the node's device */
	r->dev = get_device(dev);
	r->dir = dir;
	r->stats = stats;
	r->owner = task_tgid_vnr(current);
	mutex_init(&r->export_lock);
	INIT_LIST_HEAD(&r->attachments);
	return r;
}

void udma_region_free(struct userdma_region *r)
{
	mutex_destroy(&r->export_lock);
	put_device(r->dev);
	kfree(r);
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

	r = udma_region_alloc(UDMA_USER, dev, dir, stats);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->uaddr = uaddr;
	r->length = length;
	r->npages = DIV_ROUND_UP(offset_in_page(uaddr) + length, PAGE_SIZE);

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
	udma_region_free(r);
	return ERR_PTR(ret);
}

static void udma_region_release(struct kref *ref)
{
	struct userdma_region *r = container_of(ref, struct userdma_region, ref);

	switch (r->kind) {
	case UDMA_USER:
		/* unmap first: it copies bounced data back into the pinned pages */
		if (!r->revoked)
			udma_unmap(r);
		udma_unpin(r);
		udma_stats_add(r->stats, -1, -(long)r->npages, -(s64)r->length);
		break;
	case UDMA_CACHED:
	case UDMA_COHERENT:
		udma_alloc_free(r);
		break;
	case UDMA_IMPORT:
		udma_import_release(r);
		break;
	}
	udma_region_free(r);
}

void udma_region_put(struct userdma_region *r)
{
	kref_put(&r->ref, udma_region_release);
}

/*
 * The node's device is going away: its mapping of the region goes now,
 * while the memory stays for whatever still maps or imports it.  Coherent
 * memory belongs to the device's DMA allocator and is freed with the last
 * reference (unbinding leaves the device's DMA ops in place).  The node's
 * counters go with the node: they are settled here and not touched again.
 */
static void udma_region_revoke(struct userdma_region *r)
{
	struct userdma_stats *stats;

	mutex_lock(&r->export_lock);
	if (!r->revoked && (r->kind == UDMA_USER || r->kind == UDMA_CACHED))
		udma_unmap(r);
	r->revoked = true;
	stats = r->stats;
	r->stats = NULL;
	mutex_unlock(&r->export_lock);
	if (!stats)
		return;

	udma_stats_add(stats, -1, r->kind == UDMA_USER ? -(long)r->npages : 0,
		       -(s64)r->length);
	if (r->kind == UDMA_CACHED || r->kind == UDMA_COHERENT)
		atomic_long_sub(r->npages, &stats->allocated_pages);
	else if (r->kind == UDMA_IMPORT)
		atomic_long_dec(&stats->imported);
}

/*
 * A handle lets go of its region: the dma-buf it kept for mmap and EXPORT
 * is dropped (open files and mappings of it hold their own reference).
 * revoke: the node is going away, and the device's mapping with it.
 */
void udma_handle_put(struct userdma_region *r, bool revoke)
{
	struct dma_buf *dmabuf;

	mutex_lock(&r->export_lock);
	dmabuf = r->dmabuf;
	r->dmabuf = NULL;
	r->disowned = true;
	mutex_unlock(&r->export_lock);
	if (dmabuf)
		dma_buf_put(dmabuf);
	if (revoke)
		udma_region_revoke(r);
	udma_region_put(r);
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
