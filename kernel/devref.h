/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a node's regions hold of its device, gathered so that the device's
 * removal can take all of it back.
 *
 * Whatever holds a mapping or memory of the device (a region, region.c)
 * is on the list from the moment it does until it has given them back,
 * whoever keeps it alive meanwhile (a handle, an exported dma-buf, a CPU
 * mapping).  Device work (mapping, allocating, attaching, binding a
 * channel) runs between udma_devref_enter() and udma_devref_exit(), never
 * across a user memory access: removal waits for such sections only, so a
 * fault that never resolves (userfaultfd, FUSE) cannot hold a device back.
 *
 * Removal: udma_devref_kill() marks the device gone (no new section
 * starts, the ones in progress are waited for); the caller then stops
 * whatever else uses the device (transfers); udma_devref_revoke() revokes
 * every entry still on the list and waits for the entries that were
 * already being released to finish with the device.
 */
#ifndef USERDMA_DEVREF_H
#define USERDMA_DEVREF_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

/* Live totals of one device node, shown in sysfs. */
struct userdma_stats {
	atomic_long_t regions;
	atomic_long_t pinned_pages;
	atomic64_t mapped_bytes;
	atomic_long_t allocated_pages;	/* ALLOC buffers, still in memory */
	atomic_long_t imported;		/* IMPORT handles */
	atomic_long_t exported;		/* dma-bufs of this node still open */
};

struct udma_devref_entry;

/* How the list reaches its entries' owners (a region, region.c). */
struct udma_devref_ops {
	/* a reference, unless the owner is already being released */
	bool (*tryget)(struct udma_devref_entry *e);
	/* give the device back and leave the list (udma_devref_del) */
	void (*revoke)(struct udma_devref_entry *e);
	void (*put)(struct udma_devref_entry *e);
};

struct udma_devref_entry {
	struct list_head link;
	const struct udma_devref_ops *ops;
};

struct udma_devref {
	struct device *dev;
	const char *binding;		/* why the driver took the device */

	/*
	 * read: a section of device work; write: the device is going.
	 * Lock order (docs/design.md): inside a node's files_lock and a
	 * file's xfer_lock, outside every transfer and region lock.
	 */
	struct rw_semaphore gone_sem;
	bool gone;			/* also read unlocked, as a hint */

	spinlock_t lock;		/* entries */
	struct list_head entries;
	wait_queue_head_t drained;	/* the list became empty */

	struct userdma_stats stats;
};

void udma_devref_init(struct udma_devref *ref, struct device *dev,
		      const char *binding);
int udma_devref_enter(struct udma_devref *ref);
void udma_devref_exit(struct udma_devref *ref);
/* Under enter: e now holds device state. */
void udma_devref_add(struct udma_devref *ref, struct udma_devref_entry *e,
		     const struct udma_devref_ops *ops);
/* e gave its device state back; may run while the device goes. */
void udma_devref_del(struct udma_devref *ref, struct udma_devref_entry *e);
void udma_devref_kill(struct udma_devref *ref);
void udma_devref_revoke(struct udma_devref *ref);

/* Device work runs between udma_devref_enter() and udma_devref_exit(). */
static inline void udma_devref_assert_entered(struct udma_devref *ref)
{
	lockdep_assert_held(&ref->gone_sem);
}

static inline bool udma_devref_gone(struct udma_devref *ref)
{
	return READ_ONCE(ref->gone);
}

#endif /* USERDMA_DEVREF_H */
