/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transfers: copies between registrations (or device addresses) through a
 * dmaengine channel bound to one open file.  xfer_ioctl.c is the command
 * side (CHANNEL, SUBMIT, WAIT, read, poll); xfer_core.c the engine side
 * (descriptors, completions, the watchdog, stopping).
 *
 * Locks, outermost first: the file's xfer_lock (binding and stopping),
 * submit_lock (giving work to the engine: the submitters, the watchdog and
 * stop), post_lock (one poster at a time), then the spinlock of the lists.
 */
#ifndef USERDMA_XFER_H
#define USERDMA_XFER_H

#include <linux/dmaengine.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/userdma.h>

#include "file.h"

struct eventfd_ctx;
struct userdma_region;

/* One engine descriptor's worth of a transfer, its addresses worked out once. */
struct udma_piece {
	struct udma_xfer *x;
	dma_addr_t src, dst;
	u32 len;
};

/* What a transfer copies: each end a registration, or raw (NULL). */
struct udma_ends {
	struct userdma_region *src, *dst;
	u64 src_off, dst_off, length;
};

struct udma_xfer {
	struct list_head link;		/* ctx->inflight, ->finished, ->done */
	struct udma_xfer_ctx *ctx;
	struct userdma_completion c;
	struct udma_ends e;
	unsigned long deadline;		/* set when issued to the engine */
	bool issued;
	atomic_t pending;		/* pieces not completed, +1 while submitting */
	atomic_t status;		/* USERDMA_XFER_DONE until something fails */
	atomic64_t bytes;
	unsigned int npieces;
	struct udma_piece pieces[];
};

struct udma_xfer_ctx {
	struct userdma_file *uf;	/* its wq is where completions are waited */
	struct dma_chan *chan;		/* only under submit_lock once stopped */
	u32 max_piece;			/* the engine's longest descriptor */
	struct eventfd_ctx *eventfd;
	/*
	 * Lock order (docs/design.md): submit_lock, then post_lock, then
	 * a region's locks, then lock; all inside the devref's gone_sem.
	 */
	struct mutex submit_lock;	/* submitting, and stopped */
	bool stopped;
	spinlock_t lock;		/* the lists, outstanding, pieces, last_cookie */
	struct list_head inflight;
	struct list_head finished;	/* all pieces done, not yet posted */
	struct list_head posting;	/* being synced by udma_xfer_post() */
	struct mutex post_lock;
	bool post_inline;		/* callbacks may sleep: post in them */
	struct list_head done;		/* posted, not yet read */
	unsigned int outstanding;	/* reserved or on any of the four lists */
	u64 pieces;			/* of the transfers not yet posted */
	u64 last_cookie;
	unsigned long watchdog_at;	/* when the armed watchdog fires */
	struct work_struct post_work;
	struct delayed_work watchdog;
};

/* xfer_split.c */
u64 udma_xfer_count(const struct udma_ends *e, u32 max_piece, u64 limit);
void udma_xfer_split(struct udma_xfer *x, u32 max_piece);

/* xfer_core.c */
struct udma_xfer_ctx *udma_xfer_ctx_create(struct userdma_file *uf,
					   const char *name, int efd);
void udma_xfer_ctx_destroy(struct udma_xfer_ctx *ctx);
int udma_xfer_reserve(struct udma_xfer_ctx *ctx, struct udma_xfer *x);
void udma_xfer_unreserve(struct udma_xfer_ctx *ctx, struct udma_xfer *x);
void udma_xfer_start(struct udma_xfer_ctx *ctx, struct udma_xfer *x);
void udma_xfer_issue(struct udma_xfer_ctx *ctx);
void udma_xfer_discard(struct udma_xfer *x);
bool udma_xfer_wait_done(struct udma_xfer_ctx *ctx, u64 cookie,
			 struct udma_xfer **x, int *err);
struct udma_xfer *udma_xfer_take_done(struct udma_xfer_ctx *ctx, u64 cookie);
void udma_xfer_put_back(struct udma_xfer_ctx *ctx, struct udma_xfer **xs,
			size_t n);
/* Stop the channel and finish every transfer before regions go away. */
void udma_xfer_stop(struct userdma_file *uf);
/* Free what udma_xfer_stop() left: the completions nobody read. */
void udma_xfer_free(struct userdma_file *uf);

static inline struct udma_xfer_ctx *udma_xfer_ctx(struct userdma_file *uf)
{
	/* pairs with the release when CHANNEL publishes it */
	return smp_load_acquire(&uf->xfer);
}

#endif /* USERDMA_XFER_H */
