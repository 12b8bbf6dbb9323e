// SPDX-License-Identifier: GPL-2.0
/*
 * The list of what holds a node's device, and its revocation (devref.h).
 *
 * Locks: gone_sem, read around device work (never across user memory),
 * write once when the device goes; the list's spinlock, innermost.  An
 * owner's revoke runs with neither held.
 */
#include <linux/lockdep.h>
#include <linux/sched.h>

#include "devref.h"

void udma_devref_init(struct udma_devref *ref, struct device *dev,
		      const char *binding)
{
	ref->dev = dev;
	ref->binding = binding;
	init_rwsem(&ref->gone_sem);
	spin_lock_init(&ref->lock);
	INIT_LIST_HEAD(&ref->entries);
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

void udma_devref_add(struct udma_devref *ref, struct udma_devref_entry *e,
		     const struct udma_devref_ops *ops)
{
	lockdep_assert_held(&ref->gone_sem);
	e->ops = ops;
	spin_lock(&ref->lock);
	list_add_tail(&e->link, &ref->entries);
	spin_unlock(&ref->lock);
}

void udma_devref_del(struct udma_devref *ref, struct udma_devref_entry *e)
{
	/* the waker holds the lock: revocation cannot return under it */
	spin_lock(&ref->lock);
	list_del_init(&e->link);
	if (list_empty(&ref->entries))
		wake_up_all(&ref->drained);
	spin_unlock(&ref->lock);
}

/* An entry still on the list with a reference for the caller, or NULL. */
static struct udma_devref_entry *udma_devref_next(struct udma_devref *ref)
{
	struct udma_devref_entry *e;

	spin_lock(&ref->lock);
	list_for_each_entry(e, &ref->entries, link) {
		/* one being released leaves the list on its own */
		if (e->ops->tryget(e)) {
			spin_unlock(&ref->lock);
			return e;
		}
	}
	spin_unlock(&ref->lock);
	return NULL;
}

static bool udma_devref_drained(struct udma_devref *ref)
{
	bool empty;

	spin_lock(&ref->lock);
	empty = list_empty(&ref->entries);
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
	struct udma_devref_entry *e;

	might_sleep();
	WARN_ON_ONCE(!ref->gone);
	while ((e = udma_devref_next(ref))) {
		e->ops->revoke(e);
		e->ops->put(e);
	}
	wait_event(ref->drained, udma_devref_drained(ref));
}
