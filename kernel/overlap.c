// SPDX-License-Identifier: GPL-2.0
/*
 * Registrations of one file pinning the same pages (overlap.h), kept in an
 * interval tree by user address.
 */
#include <linux/interval_tree_generic.h>
#include <linux/mm.h>

#include "overlap.h"
#include "region.h"

#define UDMA_SPAN_START(s)	((s)->start)
#define UDMA_SPAN_LAST(s)	((s)->last)

INTERVAL_TREE_DEFINE(struct udma_span, rb, unsigned long, subtree_last,
		     UDMA_SPAN_START, UDMA_SPAN_LAST, static, udma_span)

void udma_overlaps_init(struct udma_overlaps *ov)
{
	spin_lock_init(&ov->lock);
	ov->tree = RB_ROOT_CACHED;
}

void udma_overlaps_add(struct udma_overlaps *ov, struct userdma_region *r)
{
	struct udma_span *s = &r->span;

	if (r->kind != UDMA_USER || !r->track)
		return;
	s->start = r->uaddr;
	s->last = r->uaddr + r->length - 1;
	spin_lock(&ov->lock);
	udma_span_insert(s, &ov->tree);
	s->in = ov;
	spin_unlock(&ov->lock);
}

/* Before the handle goes: the pages are the region's until then. */
void udma_overlaps_del(struct userdma_region *r)
{
	struct udma_overlaps *ov = r->span.in;

	if (!ov)
		return;
	spin_lock(&ov->lock);
	udma_span_remove(&r->span, &ov->tree);
	r->span.in = NULL;
	spin_unlock(&ov->lock);
}

static struct page *udma_page_at(struct userdma_region *r, unsigned long va)
{
	return r->pages[(va >> PAGE_SHIFT) - (r->uaddr >> PAGE_SHIFT)];
}

/* Do r and o pin the same pages for user addresses [a, b]? */
static bool udma_same_pages(struct userdma_region *r,
			    struct userdma_region *o, unsigned long a,
			    unsigned long b)
{
	unsigned long va;

	if (r->mm != o->mm)
		return false;
	for (va = a & PAGE_MASK; va <= b; va += PAGE_SIZE)
		if (udma_page_at(r, va) != udma_page_at(o, va))
			return false;
	return true;
}

void udma_overlaps_cpu(struct userdma_region *r, u64 offset, u64 length)
{
	struct udma_overlaps *ov = r->span.in;
	unsigned long start = r->uaddr + offset, last = start + length - 1;
	struct userdma_region *o;
	struct udma_span *s;

	if (!ov)
		return;
	spin_lock(&ov->lock);
	for (s = udma_span_iter_first(&ov->tree, start, last); s;
	     s = udma_span_iter_next(s, start, last)) {
		unsigned long a = max(start, s->start), b = min(last, s->last);

		o = container_of(s, struct userdma_region, span);
		if (o != r && udma_same_pages(r, o, a, b))
			udma_own_cpu(o->ownp, a - o->uaddr, b - a + 1);
	}
	spin_unlock(&ov->lock);
}
