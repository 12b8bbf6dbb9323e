// SPDX-License-Identifier: GPL-2.0
/*
 * The region object: its reference count, its page and segment arrays,
 * what it adds to its node's counters, and the two ends of its life, the
 * device's hold (udma_region_detach) and the memory (the last reference),
 * each handed to its kind (struct udma_kind).
 *
 * The character device keeps one reference in its handle table and takes
 * another for each ioctl working on the region, so an UNREGISTER racing a
 * SYNC cannot free the region under it.  An exported dma-buf holds one
 * more, as long as any file, mapping or importer of it is alive.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "fault.h"
#include "region.h"

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
	return r->kind->user_memory && r->dir == DMA_TO_DEVICE;
}

/* What the region adds to its node's counters (sign 1) or takes off (-1). */
static void udma_region_count(struct userdma_region *r,
			      struct userdma_stats *s, int sign)
{
	atomic_long_add(sign, &s->regions);
	atomic64_add(sign * (s64)r->length, &s->mapped_bytes);
	switch (r->kind->stat) {
	case UDMA_STAT_PINNED:
		atomic_long_add(sign * (long)r->npages, &s->pinned_pages);
		break;
	case UDMA_STAT_ALLOCATED:
		atomic_long_add(sign * (long)r->npages, &s->allocated_pages);
		break;
	case UDMA_STAT_IMPORTED:
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
	if (r->npages == 1) {
		r->pages = &r->one_page;
		return 0;
	}
	if (udma_should_fail(fp))
		return -ENOMEM;
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
	if (nr == 1) {
		r->segs = &r->one_seg;
	} else {
		if (udma_should_fail(fp))
			return -ENOMEM;
		r->segs = kvmalloc_array(nr, sizeof(*r->segs),
					 GFP_KERNEL_ACCOUNT);
		if (!r->segs)
			return -ENOMEM;
	}
	r->nr_segs = nr;
	return 0;
}

void udma_segs_free(struct userdma_region *r)
{
	if (r->segs != &r->one_seg)
		kvfree(r->segs);
	r->segs = NULL;
}

/* size: of the kind's own struct, which embeds the region first. */
struct userdma_region *udma_region_alloc(size_t size,
					 const struct udma_kind *kind,
					 struct device *dev,
					 enum dma_data_direction dir,
					 bool from_node)
{
	struct userdma_region *r;

	if (udma_should_fail(UDMA_FP_REGION_ALLOC))
		return NULL;
	r = kzalloc(size, GFP_KERNEL_ACCOUNT);
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
	INIT_LIST_HEAD(&r->devref_entry.link);
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

/*
 * The device lets go of the region: its mapping goes (bounced bytes the
 * device owns are copied back first), coherent memory is freed after
 * every CPU mapping of it is zapped, an import is detached.  Once, for
 * whichever comes first: the handle's release, the device's removal or
 * the last reference; a second caller returns when the first is done.
 * Syncs in progress finish first; later ones see detached.
 *
 * Only what faults take the region's lock for is let go under it; an
 * import's teardown calls its exporter, which may be userdma taking
 * another region's lock.
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
	if (r->kind->detach_locked)
		r->kind->detach_locked(r);
	mutex_unlock(&r->lock);

	if (r->kind->detach)
		r->kind->detach(r);
	complete_all(&r->detach_done);
}

/*
 * Off the node's list, its counters settled: the node is not touched
 * again.  The exported count is kept under the region's lock (export.c).
 */
static void udma_region_unlink(struct userdma_region *r)
{
	struct udma_devref *ref;

	mutex_lock(&r->lock);
	ref = r->devref;
	r->devref = NULL;
	if (ref && r->exported)
		atomic_long_dec(&ref->stats.exported);
	mutex_unlock(&r->lock);
	if (!ref)
		return;
	udma_region_count(r, &ref->stats, -1);
	udma_devref_del(ref, &r->devref_entry);
}

static struct userdma_region *to_region(struct udma_devref_entry *e)
{
	return container_of(e, struct userdma_region, devref_entry);
}

static bool udma_region_tryget(struct udma_devref_entry *e)
{
	return kref_get_unless_zero(&to_region(e)->ref);
}

/* The device goes: whatever keeps the region keeps only its memory. */
static void udma_region_revoke(struct udma_devref_entry *e)
{
	struct userdma_region *r = to_region(e);

	udma_region_detach(r);
	udma_region_unlink(r);
}

static void udma_region_devref_put(struct udma_devref_entry *e)
{
	udma_region_put(to_region(e));
}

static const struct udma_devref_ops udma_region_devref_ops = {
	.tryget = udma_region_tryget,
	.revoke = udma_region_revoke,
	.put = udma_region_devref_put,
};

/* The region now holds device state, until its release unlinks it. */
void udma_region_link(struct userdma_region *r, struct udma_devref *ref)
{
	udma_devref_assert_entered(ref);
	r->devref = ref;
	udma_region_count(r, &ref->stats, 1);
	udma_devref_add(ref, &r->devref_entry, &udma_region_devref_ops);
}

static void udma_region_release(struct kref *ref)
{
	struct userdma_region *r = container_of(ref, struct userdma_region, ref);

	udma_region_detach(r);
	/* only now may the device's removal stop waiting for the region */
	udma_region_unlink(r);
	r->kind->release(r);
	udma_segs_free(r);
	udma_region_free(r);
}

void udma_region_put(struct userdma_region *r)
{
	/* the last reference unmaps and unpins, which sleeps */
	might_sleep();
	kref_put(&r->ref, udma_region_release);
}

/*
 * A handle lets go of its region: the dma-buf it kept for mmap and EXPORT
 * is dropped (open files and mappings of it hold their own reference),
 * and without the handle nothing can reach the device's mapping, so it
 * goes now, not when the last CPU mapping or importer lets go.  The
 * device's own memory is what CPU mappings show: it stays until then, or
 * until the device goes.
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
	if (!r->kind->device_memory)
		udma_region_detach(r);
	udma_region_put(r);
}
