// SPDX-License-Identifier: GPL-2.0
/*
 * The list of regions holding a node's device, and its revocation
 * (devref.h).
 *
 * Lock order: gone_sem (read, around device work) before a region's lock;
 * a region's lock before the list's spinlock.  Revocation takes gone_sem
 * for write alone, then works region by region without it.
 */
#include <linux/lockdep.h>
#include <linux/sched.h>

#include "devref.h"
#include "region.h"

void udma_devref_init(struct udma_devref *ref, struct device *dev)
{
	ref->dev = dev;
	init_rwsem(&ref->gone_sem);
	spin_lock_init(&ref->lock);
	INIT_LIST_HEAD(&ref->regions);
	init_waitqueue_head(&ref->drained);
}

/* Returns 0, or -ENODEV once the device is going: nothing may start. */
int udma_devref_enter(struct udma_devref *ref)
{
	might_sleep();
	down_read(&ref->gone_sem);
	if (ref->gone) {
		up_read(&ref->gone_sem);
		return -ENODEV;
	}
	return 0;
}

void udma_devref_exit(struct udma_devref *ref)
{
	up_read(&ref->gone_sem);
}

void udma_devref_add(struct udma_devref *ref, struct userdma_region *r)
{
	lockdep_assert_held(&ref->gone_sem);
	r->devref = ref;
	udma_region_count(r, &ref->stats, 1);
	spin_lock(&ref->lock);
	list_add_tail(&r->devref_link, &ref->regions);
	spin_unlock(&ref->lock);
}

void udma_devref_del(struct userdma_region *r)
{
	struct udma_devref *ref;

	/* the exported count is kept under the region's lock (export.c) */
	mutex_lock(&r->lock);
	ref = r->devref;
	r->devref = NULL;
	if (ref && r->exported)
		atomic_long_dec(&ref->stats.exported);
	mutex_unlock(&r->lock);
	if (!ref)
		return;

	udma_region_count(r, &ref->stats, -1);
	/* the waker holds the lock: revocation cannot return under it */
	spin_lock(&ref->lock);
	list_del_init(&r->devref_link);
	if (list_empty(&ref->regions))
		wake_up_all(&ref->drained);
	spin_unlock(&ref->lock);
}

/* A region still on the list with a reference for the caller, or NULL. */
static struct userdma_region *udma_devref_next(struct udma_devref *ref)
{
	struct userdma_region *r;

	spin_lock(&ref->lock);
	list_for_each_entry(r, &ref->regions, devref_link) {
		/* one at zero is being released, and leaves on its own */
		if (kref_get_unless_zero(&r->ref)) {
			spin_unlock(&ref->lock);
			return r;
		}
	}
	spin_unlock(&ref->lock);
	return NULL;
}

static bool udma_devref_drained(struct udma_devref *ref)
{
	bool empty;

	spin_lock(&ref->lock);
	empty = list_empty(&ref->regions);
	spin_unlock(&ref->lock);
	return empty;
}

/* Sections in progress finish; later ones see gone. */
void udma_devref_kill(struct udma_devref *ref)
{
	down_write(&ref->gone_sem);
	WRITE_ONCE(ref->gone, true);
	up_write(&ref->gone_sem);
}

/* After udma_devref_kill(): take everything back and wait for stragglers. */
void udma_devref_revoke(struct udma_devref *ref)
{
	struct userdma_region *r;

	WARN_ON_ONCE(!ref->gone);
	while ((r = udma_devref_next(ref))) {
		udma_region_detach(r);
		udma_devref_del(r);
		udma_region_put(r);
	}
	wait_event(ref->drained, udma_devref_drained(ref));
}
