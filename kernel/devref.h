/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a node's regions hold of its device, gathered so that the device's
 * removal can take all of it back.
 *
 * A region is on its node's list from the moment it holds a mapping or
 * memory of the device until it has given them back, whoever keeps the
 * region alive meanwhile (a handle, an exported dma-buf, a CPU mapping).
 * Device work (mapping, allocating, attaching, binding a channel) runs
 * between udma_devref_enter() and udma_devref_exit(), never across a user
 * memory access: removal waits for such sections only, so a fault that
 * never resolves (userfaultfd, FUSE) cannot hold a device back.
 *
 * Removal: udma_devref_kill() marks the device gone (no new section
 * starts, the ones in progress are waited for); the caller then stops
 * whatever else uses the device (transfers); udma_devref_revoke() revokes
 * every region still on the list and waits for the regions that were
 * already being released to finish with the device.
 */
#ifndef USERDMA_DEVREF_H
#define USERDMA_DEVREF_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct userdma_region;

/* Live totals of one device node, shown in sysfs. */
struct userdma_stats {
	atomic_long_t regions;
	atomic_long_t pinned_pages;
	atomic64_t mapped_bytes;
	atomic_long_t allocated_pages;	/* ALLOC buffers, still in memory */
	atomic_long_t imported;		/* IMPORT handles */
	atomic_long_t exported;		/* dma-bufs of this node still open */
};

struct udma_devref {
	struct device *dev;

	/* read: a section of device work; write: the device is going */
	struct rw_semaphore gone_sem;
	bool gone;			/* also read unlocked, as a hint */

	spinlock_t lock;		/* regions */
	struct list_head regions;
	wait_queue_head_t drained;	/* the list became empty */

	struct userdma_stats stats;
};

void udma_devref_init(struct udma_devref *ref, struct device *dev);
int udma_devref_enter(struct udma_devref *ref);
void udma_devref_exit(struct udma_devref *ref);
/* Under enter: the region now holds device state. */
void udma_devref_add(struct udma_devref *ref, struct userdma_region *r);
/* The region gave its device state back; any context that may sleep. */
void udma_devref_del(struct userdma_region *r);
void udma_devref_kill(struct udma_devref *ref);
void udma_devref_revoke(struct udma_devref *ref);

static inline bool udma_devref_gone(struct udma_devref *ref)
{
	return READ_ONCE(ref->gone);
}

#endif /* USERDMA_DEVREF_H */
