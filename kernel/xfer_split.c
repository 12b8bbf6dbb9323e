// SPDX-License-Identifier: GPL-2.0
/*
 * Laying a transfer out in pieces: one engine descriptor wherever either
 * side's DMA segment ends, or the engine's longest descriptor, so that any
 * segment layout on either side works.  Each side is a registration (its
 * segments) or a raw device address (one run).  The pieces are counted
 * first (in 64 bits, and only as far as the limit: a raw range can ask for
 * billions), then filled in with their addresses, once.
 */
#include <linux/minmax.h>

#include "stage.h"
#include "xfer.h"

/* One side of a transfer, walked segment by segment. */
struct udma_cursor {
	struct userdma_region *r;	/* NULL: a raw device address */
	unsigned int seg;
	u64 off;			/* in the segment, or the raw address */
};

static void udma_cursor_init(struct udma_cursor *c, struct userdma_region *r,
			     u64 pos)
{
	c->r = r;
	if (!r) {
		c->off = pos;
		return;
	}
	c->seg = udma_seg_index(r, pos);
	c->off = pos - r->segs[c->seg].offset;
}

static u64 udma_cursor_room(const struct udma_cursor *c)
{
	return c->r ? c->r->segs[c->seg].length - c->off : U64_MAX;
}

static dma_addr_t udma_cursor_addr(const struct udma_cursor *c)
{
	return c->r ? c->r->segs[c->seg].addr + c->off : c->off;
}

static void udma_cursor_advance(struct udma_cursor *c, u64 n)
{
	c->off += n;
	if (c->r && c->off == c->r->segs[c->seg].length) {
		c->seg++;
		c->off = 0;
	}
}

/* The next piece's length, from both sides and the engine's limit. */
static u64 udma_step(const struct udma_cursor *s, const struct udma_cursor *d,
		     u64 len, u32 max_piece)
{
	u64 step = min3(len, udma_cursor_room(s), udma_cursor_room(d));

	return min_t(u64, step, max_piece);
}

/* How many pieces a transfer between ends takes, up to limit + 1. */
u64 udma_xfer_count(const struct udma_ends *e, u32 max_piece, u64 limit)
{
	struct udma_cursor s, d;
	u64 len = e->length, n = 0, step;

	udma_cursor_init(&s, e->src, e->src_off);
	udma_cursor_init(&d, e->dst, e->dst_off);
	while (len && n <= limit) {
		step = udma_step(&s, &d, len, max_piece);
		udma_cursor_advance(&s, step);
		udma_cursor_advance(&d, step);
		len -= step;
		n++;
	}
	return n;
}

/* Fill in x->pieces, as many as udma_xfer_count() said. */
void udma_xfer_split(struct udma_xfer *x, u32 max_piece)
{
	struct udma_cursor s, d;
	u64 len = x->e.length, step;
	unsigned int n;

	udma_cursor_init(&s, x->e.src, x->e.src_off);
	udma_cursor_init(&d, x->e.dst, x->e.dst_off);
	for (n = 0; len; n++) {
		step = udma_step(&s, &d, len, max_piece);
		x->pieces[n].x = x;
		x->pieces[n].src = udma_cursor_addr(&s);
		x->pieces[n].dst = udma_cursor_addr(&d);
		x->pieces[n].len = step;
		udma_cursor_advance(&s, step);
		udma_cursor_advance(&d, step);
		len -= step;
	}
}
