/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Registrations of one open file that pin the same pages.
 *
 * A registration is the device's from REGISTER on (own.h), as a streaming
 * mapping is.  When the CPU takes bytes back through one handle (SYNC for
 * the CPU, a transfer's completion), a second registration of the same
 * pages still holds the device's older image of them; unregistering it
 * would copy that image over what the CPU now sees.  So the bytes come back
 * to the CPU in every registration of the file that pins the same pages.
 *
 * Only registrations whose syncs are recorded (a writing device that
 * bounces or is not coherent) are kept here, in an interval tree by user
 * address; a registration counts as the same memory only where its pages
 * are the same pages (the range may have been remapped in between).
 */
#ifndef USERDMA_OVERLAP_H
#define USERDMA_OVERLAP_H

#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct userdma_region;

struct udma_overlaps {
	spinlock_t lock;		/* the tree, and the regions' place in it */
	struct rb_root_cached tree;
};

/* A region's place in its file's tree. */
struct udma_span {
	struct rb_node rb;
	unsigned long start, last, subtree_last;
	struct udma_overlaps *in;	/* NULL: not in a tree */
};

void udma_overlaps_init(struct udma_overlaps *ov);
void udma_overlaps_add(struct udma_overlaps *ov, struct userdma_region *r);
void udma_overlaps_del(struct userdma_region *r);
/* [offset, offset + length) of r came back to the CPU: also elsewhere. */
void udma_overlaps_cpu(struct userdma_region *r, u64 offset, u64 length);

#endif /* USERDMA_OVERLAP_H */
