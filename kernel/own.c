// SPDX-License-Identifier: GPL-2.0
/*
 * The record of which bytes of a device mapping the device owns (own.h).
 * Ranges are half-open, sorted and disjoint; touching ranges are joined
 * when a new one meets them.
 */
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "own.h"

void udma_own_init(struct udma_own *o, bool device_owns_all)
{
	spin_lock_init(&o->lock);
	o->all = device_owns_all;
	o->nr = 0;
	o->r = NULL;
}

void udma_own_destroy(struct udma_own *o)
{
	kfree(o->r);
	o->r = NULL;
}

/* Make room at index i for one more range; o->nr < UDMA_OWN_MAX. */
static void udma_own_open_slot(struct udma_own *o, unsigned int i)
{
	memmove(&o->r[i + 1], &o->r[i], (o->nr - i) * sizeof(o->r[0]));
	o->nr++;
}

static void udma_own_add(struct udma_own *o, u64 start, u64 end)
{
	unsigned int i = 0, j;

	while (i < o->nr && o->r[i].end < start)
		i++;
	for (j = i; j < o->nr && o->r[j].start <= end; j++) {
		start = min(start, o->r[j].start);
		end = max(end, o->r[j].end);
	}
	if (j > i) {
		/* r[i..j) all meet the new range: one range replaces them */
		o->r[i].start = start;
		o->r[i].end = end;
		memmove(&o->r[i + 1], &o->r[j], (o->nr - j) * sizeof(o->r[0]));
		o->nr -= j - i - 1;
		return;
	}
	if (o->nr < UDMA_OWN_MAX) {
		udma_own_open_slot(o, i);
		o->r[i].start = start;
		o->r[i].end = end;
		return;
	}
	/* full: the neighbour across the smaller gap grows over it */
	if (i == o->nr || (i > 0 && start - o->r[i - 1].end <
				    o->r[i].start - end))
		o->r[i - 1].end = end;
	else
		o->r[i].start = start;
}

static void udma_own_remove(struct udma_own *o, u64 start, u64 end)
{
	unsigned int i = 0;

	while (i < o->nr) {
		struct udma_own_range *r = &o->r[i];

		if (r->end <= start || r->start >= end) {
			i++;
		} else if (r->start < start && r->end > end) {
			/* a hole in the middle; full: the device keeps it all */
			if (o->nr == UDMA_OWN_MAX)
				return;
			udma_own_open_slot(o, i + 1);
			o->r[i + 1].start = end;
			o->r[i + 1].end = o->r[i].end;
			o->r[i].end = start;
			return;
		} else if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			r->start = end;
			i++;
		} else {
			memmove(r, r + 1, (o->nr - i - 1) * sizeof(*r));
			o->nr--;
		}
	}
}

void udma_own_device(struct udma_own *o, u64 off, u64 len)
{
	struct udma_own_range *fresh = NULL;

	might_sleep();
	if (!len)
		return;
	if (!READ_ONCE(o->r) && !READ_ONCE(o->all))
		fresh = kmalloc_array(UDMA_OWN_MAX, sizeof(*fresh),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	spin_lock(&o->lock);
	if (!o->r && fresh) {
		o->r = fresh;
		fresh = NULL;
	}
	/* without a record, the device owns everything: nothing is lost */
	if (!o->r)
		o->all = true;
	else if (!o->all)
		udma_own_add(o, off, off + len);
	spin_unlock(&o->lock);
	kfree(fresh);
}

void udma_own_cpu(struct udma_own *o, u64 off, u64 len)
{
	spin_lock(&o->lock);
	/* everything is the device's only where no record could be made */
	if (!o->all)
		udma_own_remove(o, off, off + len);
	spin_unlock(&o->lock);
}

void udma_own_take_back(struct udma_own *o, u64 length,
			void (*fn)(void *arg, u64 off, u64 len), void *arg)
{
	unsigned int i;

	if (o->all) {
		fn(arg, 0, length);
	} else {
		for (i = 0; i < o->nr && o->r[i].start < length; i++)
			fn(arg, o->r[i].start,
			   min(o->r[i].end, length) - o->r[i].start);
	}
	o->all = false;
	o->nr = 0;
}
