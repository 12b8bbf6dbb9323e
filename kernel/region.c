// SPDX-License-Identifier: GPL-2.0
/*
 * Region lifetime: validate the request, pin, map, publish; and the reverse
 * in two steps, the device's hold (udma_region_detach) and the memory
 * (the last reference).  The character device keeps one reference in its
 * handle table and takes another for each ioctl working on the region, so
 * an UNREGISTER racing a SYNC cannot free the region under it.  An
 * exported dma-buf holds one more, as long as any file, mapping or
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

/*
 * Pinned without FOLL_WRITE: nothing made of the region (a dma-buf, a
 * mapping, an importer's mapping) may write it.
 */
bool udma_region_readonly(const struct userdma_region *r)
{
	return r->kind == UDMA_USER && r->dir == DMA_TO_DEVICE;
}

/* What the region adds to its node's counters (sign 1) or takes off (-1). */
void udma_region_count(struct userdma_region *r, struct userdma_stats *s,
		       int sign)
{
	atomic_long_add(sign, &s->regions);
	atomic64_add(sign * (s64)r->length, &s->mapped_bytes);
	switch (r->kind) {
	case UDMA_USER:
		atomic_long_add(sign * (long)r->npages, &s->pinned_pages);
		break;
	case UDMA_CACHED:
	case UDMA_COHERENT:
		atomic_long_add(sign * (long)r->npages, &s->allocated_pages);
		break;
	case UDMA_IMPORT:
		atomic_long_add(sign, &s->imported);
		break;
	}
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
					 bool from_node)
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
	r->from_node = from_node;
	r->owner = task_tgid_vnr(current);
	mutex_init(&r->lock);
	init_rwsem(&r->map_sem);
	init_completion(&r->detach_done);
	INIT_LIST_HEAD(&r->attachments);
	INIT_LIST_HEAD(&r->devref_link);
	/*
	 * A node's user hands ranges to the device with SYNC; the in-kernel
	 * API keeps the DMA API's rule (the device owns the mapping until it
	 * is unmapped).
	 */
	udma_own_init(&r->own, !from_node);
	r->ownp = &r->own;
	return r;
}

void udma_region_free(struct userdma_region *r)
{
	udma_own_destroy(&r->own);
	mutex_destroy(&r->lock);
	put_device(r->dev);
	kfree(r);
}

struct userdma_region *udma_region_create(struct device *dev,
					  struct udma_devref *ref,
					  unsigned long uaddr, u64 length,
					  enum dma_data_direction dir)
{
	struct userdma_region *r;
	int ret;

	if (!udma_dir_valid(dir))
		return ERR_PTR(-EINVAL);
	ret = udma_check_range(uaddr, length);
	if (ret)
		return ERR_PTR(ret);

	r = udma_region_alloc(UDMA_USER, dev, dir, ref);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->uaddr = uaddr;
	r->length = length;
	r->npages = DIV_ROUND_UP(offset_in_page(uaddr) + length, PAGE_SIZE);

	/* pinning may wait on user memory for ever: not inside the device */
	ret = udma_pin(r);
	if (ret)
		goto err_free;
	if (ref) {
		ret = udma_devref_enter(ref);
		if (ret)
			goto err_unpin;
	}
	ret = udma_map(r);
	if (ret)
		goto err_exit;
	if (ref) {
		udma_devref_add(ref, r);
		udma_devref_exit(ref);
	}
	return r;

err_exit:
	if (ref)
		udma_devref_exit(ref);
err_unpin:
	udma_unpin(r);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}

/*
 * The device lets go of the region: its mapping goes (bounced bytes the
 * device owns are copied back first), coherent memory is freed after
 * every CPU mapping of it is zapped, an import is detached.  Once, for
 * whichever comes first: the handle's release, the device's removal or
 * the last reference; a second caller returns when the first is done.
 * Syncs in progress finish first; later ones see detached.
 *
 * Only coherent memory is let go under the region's lock, which its
 * faults take; an import's teardown calls its exporter, which may be
 * userdma taking another region's lock.
 */
void udma_region_detach(struct userdma_region *r)
{
	might_sleep();
	mutex_lock(&r->lock);
	if (r->detached) {
		mutex_unlock(&r->lock);
		wait_for_completion(&r->detach_done);
		return;
	}
	down_write(&r->map_sem);
	r->detached = true;
	up_write(&r->map_sem);
	if (r->kind == UDMA_COHERENT)
		udma_coherent_detach(r);
	mutex_unlock(&r->lock);

	switch (r->kind) {
	case UDMA_USER:
	case UDMA_CACHED:
		udma_unmap(r);
		break;
	case UDMA_IMPORT:
		udma_import_detach(r);
		break;
	case UDMA_COHERENT:
		break;
	}
	complete_all(&r->detach_done);
}

static void udma_region_release(struct kref *ref)
{
	struct userdma_region *r = container_of(ref, struct userdma_region, ref);

	udma_region_detach(r);
	/* only now may the device's removal stop waiting for the region */
	udma_devref_del(r);
	switch (r->kind) {
	case UDMA_USER:
		udma_unpin(r);
		break;
	case UDMA_CACHED:
	case UDMA_COHERENT:
		udma_alloc_free(r);
		break;
	case UDMA_IMPORT:
		udma_uncharge(r);
		break;
	}
	udma_segs_free(r);
	udma_region_free(r);
}

void udma_region_put(struct userdma_region *r)
{
	kref_put(&r->ref, udma_region_release);
}

/*
 * A handle lets go of its region: the dma-buf it kept for mmap and EXPORT
 * is dropped (open files and mappings of it hold their own reference),
 * and without the handle nothing can reach the device's mapping, so it
 * goes now, not when the last CPU mapping or importer lets go.  Coherent
 * memory is what CPU mappings show: it stays until then, or until the
 * device goes.
 */
void udma_handle_put(struct userdma_region *r)
{
	struct dma_buf *dmabuf;

	mutex_lock(&r->lock);
	dmabuf = r->dmabuf;
	r->dmabuf = NULL;
	r->disowned = true;
	mutex_unlock(&r->lock);
	if (dmabuf)
		dma_buf_put(dmabuf);
	if (r->kind != UDMA_COHERENT)
		udma_region_detach(r);
	udma_region_put(r);
}

struct userdma_region *userdma_register(struct device *dev, unsigned long uaddr,
					u64 length, enum dma_data_direction dir)
{
	return udma_region_create(dev, NULL, uaddr, length, dir);
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
