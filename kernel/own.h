/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who owns the bytes of one device mapping: the CPU or the device.
 *
 * A streaming mapping that bounces (swiotlb) or needs cache maintenance
 * keeps a second image of the memory.  Unmapping it copies the device's
 * image back over the CPU's, which is right only where the device may
 * have written since the CPU last took the bytes back.  Copying it back
 * anywhere else silently reverts what the CPU (or another mapping of the
 * same memory) wrote in the meantime.  So each such mapping records the
 * ranges the device owns: handed over by a sync for the device (SYNC, a
 * transfer's destination), taken back by a sync for the CPU.  Teardown
 * copies back exactly those ranges.
 *
 * The record is a short sorted list of disjoint ranges.  When it would
 * grow past UDMA_OWN_MAX ranges it is coarsened towards the device (two
 * neighbours merge): more is copied back then, never less.
 */
#ifndef USERDMA_OWN_H
#define USERDMA_OWN_H

#include <linux/spinlock.h>
#include <linux/types.h>

#define UDMA_OWN_MAX	32

struct udma_own_range {
	u64 start, end;
};

struct udma_own {
	/* everything below; innermost (docs/design.md), nothing nests in it */
	spinlock_t lock;
	bool all;			/* the device owns every byte */
	unsigned int nr;
	struct udma_own_range *r;	/* UDMA_OWN_MAX, allocated on first use */
};

void udma_own_init(struct udma_own *o, bool device_owns_all);
void udma_own_destroy(struct udma_own *o);
/* Hand [off, off + len) to the device; may sleep (first use allocates). */
void udma_own_device(struct udma_own *o, u64 off, u64 len);
/* Take [off, off + len) back for the CPU; any context. */
void udma_own_cpu(struct udma_own *o, u64 off, u64 len);

/*
 * Call fn for each range the device owns within [0, length), in order,
 * and hand everything back to the CPU.  For teardown: the caller keeps
 * anyone else from changing the record meanwhile.
 */
void udma_own_take_back(struct udma_own *o, u64 length,
			void (*fn)(void *arg, u64 off, u64 len), void *arg);

#endif /* USERDMA_OWN_H */
