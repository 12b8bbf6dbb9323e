// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers through any dmaengine memcpy channel of the node's device.
 *
 * A transfer is split into one descriptor per piece where both the source
 * and the destination run through contiguous DMA addresses, so it works on
 * any number of segments on either side.  Every piece holds the transfer
 * open; the last one to complete posts it from process context, which syncs
 * the destination for the CPU, lets go of the regions and only then makes
 * the completion visible.  Engines whose callbacks may come from interrupt
 * context hand that to post_work; the software engine's callbacks run in
 * its worker, which posts directly: under emulation every hand-off to
 * another thread costs tens of microseconds, more than a 4 KiB copy.
 *
 * A region with a transfer in flight cannot be unregistered, and closing
 * the file stops the channel and finishes every transfer before any region
 * is unmapped or unpinned.
 *
 * Nothing here waits on user memory while holding what the file's close
 * or the device's removal waits for: SUBMIT reads each request and writes
 * its cookie outside submit_lock, CHANNEL writes its reply without
 * faulting (retrying after faulting the page in unlocked).
 */
#include <linux/dmaengine.h>
#include <linux/eventfd.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <uapi/linux/userdma.h>

#include "compat.h"
#include "engine.h"
#include "fault.h"
#include "node.h"
#include "xfer.h"

struct udma_piece {
	struct udma_xfer *x;
	u32 len;
};

struct udma_xfer {
	struct list_head link;		/* ctx->inflight, ->finished, ->done */
	struct udma_xfer_ctx *ctx;
	struct userdma_completion c;
	struct userdma_region *src, *dst;
	u64 dst_off, length;
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
	struct mutex submit_lock;	/* engine submission, watchdog and stop */
	bool stopped;
	spinlock_t lock;		/* the lists, outstanding, pieces, last_cookie */
	struct list_head inflight;
	struct list_head finished;	/* all pieces done, not yet posted */
	struct list_head posting;	/* being synced by udma_xfer_post() */
	struct mutex post_lock;		/* one poster at a time */
	bool post_inline;		/* callbacks may sleep: post in them */
	struct list_head done;		/* posted, not yet read */
	unsigned int outstanding;	/* reserved or on any of the four lists */
	u64 pieces;			/* of the transfers not yet posted */
	u64 last_cookie;
	unsigned long watchdog_at;	/* when the armed watchdog fires */
	struct work_struct post_work;
	struct delayed_work watchdog;
};

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

/*
 * Pieces of a transfer: a new one wherever either side's segment or the
 * engine's longest descriptor ends.  Counted in 64 bits and only as far as
 * limit + 1: a raw address range can ask for billions.
 */
static u64 udma_count_pieces(struct udma_cursor *s, struct udma_cursor *d,
			     u64 len, u32 max_piece, u64 limit)
{
	u64 n = 0;

	while (len && n <= limit) {
		u64 step = min3(len, udma_cursor_room(s), udma_cursor_room(d));

		step = min_t(u64, step, max_piece);
		udma_cursor_advance(s, step);
		udma_cursor_advance(d, step);
		len -= step;
		n++;
	}
	return n;
}

/* Record every piece's length, in the walk udma_count_pieces() made. */
static void udma_split(struct udma_cursor *s, struct udma_cursor *d, u64 len,
		       u32 max_piece, struct udma_xfer *x)
{
	unsigned int n = 0;

	while (len) {
		u64 step = min3(len, udma_cursor_room(s), udma_cursor_room(d));

		step = min_t(u64, step, max_piece);
		x->pieces[n].x = x;
		x->pieces[n].len = step;
		udma_cursor_advance(s, step);
		udma_cursor_advance(d, step);
		len -= step;
		n++;
	}
}

static void udma_xfer_post(struct udma_xfer_ctx *ctx);

static void udma_xfer_finish(struct udma_xfer *x)
{
	struct udma_xfer_ctx *ctx = x->ctx;
	unsigned long flags;

	spin_lock_irqsave(&ctx->lock, flags);
	list_move_tail(&x->link, &ctx->finished);
	spin_unlock_irqrestore(&ctx->lock, flags);
	if (ctx->post_inline)
		udma_xfer_post(ctx);
	else
		queue_work(system_unbound_wq, &ctx->post_work);
}

/* dmaengine callback: any context, once per piece. */
static void udma_piece_done(void *param, const struct dmaengine_result *res)
{
	struct udma_piece *p = param;
	struct udma_xfer *x = p->x;
	u32 lost = 0;

	if (res && res->result != DMA_TRANS_NOERROR) {
		atomic_cmpxchg(&x->status, USERDMA_XFER_DONE,
			       res->result == DMA_TRANS_ABORTED ?
			       USERDMA_XFER_CANCELLED : USERDMA_XFER_FAULT);
		/* an engine that reports no residue lost the whole piece */
		lost = res->residue ? min(res->residue, p->len) : p->len;
	}
	atomic64_add(p->len - lost, &x->bytes);
	if (atomic_dec_and_test(&x->pending))
		udma_xfer_finish(x);
}

static void udma_end_put(struct userdma_region *r)
{
	if (!r)
		return;
	atomic_dec(&r->inflight);
	udma_region_put(r);
}

static void udma_xfer_post(struct udma_xfer_ctx *ctx)
{
	struct udma_xfer *x;
	unsigned int n = 0;

	/*
	 * The batch stays on a list WAIT searches: a cookie in between is
	 * still pending, not unknown.  post_lock keeps it to one batch.
	 */
	mutex_lock(&ctx->post_lock);
	spin_lock_irq(&ctx->lock);
	list_splice_init(&ctx->finished, &ctx->posting);
	spin_unlock_irq(&ctx->lock);

	list_for_each_entry(x, &ctx->posting, link) {
		/* even a failed copy may have written part of the range */
		if (x->dst)
			udma_sync_user(x->dst, x->dst_off, x->length, true,
				       false);
		x->c.status = atomic_read(&x->status);
		x->c.bytes = atomic64_read(&x->bytes);
		udma_end_put(x->src);
		udma_end_put(x->dst);
		x->src = NULL;
		x->dst = NULL;
		n++;
	}

	spin_lock_irq(&ctx->lock);
	list_for_each_entry(x, &ctx->posting, link)
		ctx->pieces -= x->npieces;
	list_splice_tail_init(&ctx->posting, &ctx->done);
	spin_unlock_irq(&ctx->lock);
	mutex_unlock(&ctx->post_lock);
	wake_up_all(&ctx->uf->wq);
	while (ctx->eventfd && n--)
		udma_eventfd_signal(ctx->eventfd);
}

static void udma_xfer_post_work(struct work_struct *work)
{
	udma_xfer_post(container_of(work, struct udma_xfer_ctx, post_work));
}

/*
 * After the channel was terminated no callback comes any more: whatever is
 * still in flight is finished here, with the given status unless it
 * already has one.
 */
static void udma_xfer_cancel_inflight(struct udma_xfer_ctx *ctx, u32 status)
{
	struct udma_xfer *x;

	spin_lock_irq(&ctx->lock);
	list_for_each_entry(x, &ctx->inflight, link)
		atomic_cmpxchg(&x->status, USERDMA_XFER_DONE, status);
	list_splice_tail_init(&ctx->inflight, &ctx->finished);
	spin_unlock_irq(&ctx->lock);
	queue_work(system_unbound_wq, &ctx->post_work);
}

/* Arm the watchdog for deadline unless it already fires earlier; ctx->lock. */
static void udma_watchdog_arm(struct udma_xfer_ctx *ctx, unsigned long deadline)
{
	lockdep_assert_held(&ctx->lock);
	if (delayed_work_pending(&ctx->watchdog) &&
	    !time_before(deadline, ctx->watchdog_at))
		return;
	ctx->watchdog_at = deadline;
	mod_delayed_work(system_wq, &ctx->watchdog,
			 time_after(deadline, jiffies) ? deadline - jiffies : 0);
}

/*
 * Deadlines need not follow submission order (the timeout can change), so
 * every transfer in flight is looked at; when one has expired the channel
 * is stopped and whatever else was in flight is cancelled.
 */
static void udma_xfer_watchdog(struct work_struct *work)
{
	struct udma_xfer_ctx *ctx = container_of(to_delayed_work(work),
						 struct udma_xfer_ctx,
						 watchdog);
	unsigned long next = 0;
	bool expired = false;
	struct udma_xfer *x;

	mutex_lock(&ctx->submit_lock);
	if (ctx->stopped)
		goto out;

	spin_lock_irq(&ctx->lock);
	list_for_each_entry(x, &ctx->inflight, link) {
		if (!x->issued)
			continue;
		if (time_after_eq(jiffies, x->deadline))
			expired = true;
		else if (!next || time_before(x->deadline, next))
			next = x->deadline;
	}
	spin_unlock_irq(&ctx->lock);

	if (expired) {
		dmaengine_terminate_sync(ctx->chan);
		/*
		 * The oldest expired transfer is the one that held the channel
		 * up; those queued behind it never got to run: CANCELLED.
		 */
		spin_lock_irq(&ctx->lock);
		list_for_each_entry(x, &ctx->inflight, link) {
			if (x->issued && time_after_eq(jiffies, x->deadline)) {
				atomic_cmpxchg(&x->status, USERDMA_XFER_DONE,
					       USERDMA_XFER_TIMEOUT);
				break;
			}
		}
		spin_unlock_irq(&ctx->lock);
		udma_xfer_cancel_inflight(ctx, USERDMA_XFER_CANCELLED);
	} else if (next) {
		spin_lock_irq(&ctx->lock);
		udma_watchdog_arm(ctx, next);
		spin_unlock_irq(&ctx->lock);
	}
out:
	mutex_unlock(&ctx->submit_lock);
}

static struct udma_xfer_ctx *udma_xfer_ctx(struct userdma_file *uf)
{
	/* pairs with the release in udma_ioctl_channel() */
	return smp_load_acquire(&uf->xfer);
}

struct udma_chan_filter {
	struct device *dev;
	const char *name;
};

static bool udma_chan_match(struct dma_chan *chan, void *param)
{
	struct udma_chan_filter *f = param;

	if (chan->device->dev != f->dev)
		return false;
	return !f->name[0] || !strcmp(f->name, udma_engine_name(chan)) ||
	       !strcmp(f->name, dma_chan_name(chan));
}

static struct udma_xfer_ctx *udma_xfer_ctx_create(struct userdma_file *uf,
						  const char *name, int efd)
{
	struct udma_chan_filter f = { .dev = uf->node->dma_dev, .name = name };
	struct udma_xfer_ctx *ctx;
	dma_cap_mask_t mask;
	int ret;

	ctx = udma_fault(UDMA_FP_XFER_CTX) ? NULL :
	      kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->uf = uf;
	if (efd != -1) {
		ctx->eventfd = eventfd_ctx_fdget(efd);
		if (IS_ERR(ctx->eventfd)) {
			ret = PTR_ERR(ctx->eventfd);
			goto err_free;
		}
	}

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ctx->chan = udma_fault(UDMA_FP_XFER_CHAN) ? NULL :
		    dma_request_channel(mask, udma_chan_match, &f);
	if (!ctx->chan) {
		ret = -EBUSY;
		goto err_eventfd;
	}

	ctx->max_piece = dma_get_max_seg_size(ctx->chan->device->dev);
	mutex_init(&ctx->submit_lock);
	mutex_init(&ctx->post_lock);
	ctx->post_inline = udma_is_sw_engine(ctx->chan->device);
	spin_lock_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->inflight);
	INIT_LIST_HEAD(&ctx->finished);
	INIT_LIST_HEAD(&ctx->posting);
	INIT_LIST_HEAD(&ctx->done);
	INIT_WORK(&ctx->post_work, udma_xfer_post_work);
	INIT_DELAYED_WORK(&ctx->watchdog, udma_xfer_watchdog);
	return ctx;

err_eventfd:
	if (ctx->eventfd)
		eventfd_ctx_put(ctx->eventfd);
err_free:
	kfree(ctx);
	return ERR_PTR(ret);
}

static void udma_xfer_ctx_destroy(struct udma_xfer_ctx *ctx)
{
	dma_release_channel(ctx->chan);
	if (ctx->eventfd)
		eventfd_ctx_put(ctx->eventfd);
	kfree(ctx);
}

/*
 * Bind a channel and tell the caller, under xfer_lock, which stopping the
 * file waits for: the reply must not wait on a fault there.  It is written
 * without faulting; a page that is not there is faulted in unlocked and
 * the whole binding tried again.
 */
static int udma_channel_try(struct userdma_file *uf, struct userdma_channel *cmd,
			    void __user *arg, u32 usize)
{
	struct udma_xfer_ctx *ctx;
	int ret;

	mutex_lock(&uf->xfer_lock);
	/* one channel per open file: its completions and teardown are its own */
	if (uf->xfer) {
		ret = -EBUSY;
		goto out;
	}
	ret = udma_devref_enter(&uf->node->ref);
	if (ret)
		goto out;
	ctx = udma_xfer_ctx_create(uf, cmd->name, cmd->eventfd);
	udma_devref_exit(&uf->node->ref);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out;
	}

	memset(cmd->bound, 0, sizeof(cmd->bound));
	memset(cmd->engine, 0, sizeof(cmd->engine));
	strscpy(cmd->bound, dma_chan_name(ctx->chan), sizeof(cmd->bound));
	strscpy(cmd->engine, udma_engine_name(ctx->chan), sizeof(cmd->engine));
	ret = udma_reply_nofault(arg, cmd, sizeof(*cmd), usize);
	if (ret) {
		udma_xfer_ctx_destroy(ctx);
		goto out;
	}
	/* lock-free readers (read, poll, WAIT) see a complete context */
	smp_store_release(&uf->xfer, ctx);
out:
	mutex_unlock(&uf->xfer_lock);
	return ret;
}

int udma_ioctl_channel(struct userdma_file *uf, void __user *arg)
{
	struct userdma_channel cmd;
	int ret, tries = 0;
	u32 usize;

	ret = udma_copy_cmd(&cmd, sizeof(cmd), USERDMA_CHANNEL_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	if (cmd.flags || cmd.reserved || cmd.eventfd < -1)
		return -EINVAL;
	if (strnlen(cmd.name, sizeof(cmd.name)) == sizeof(cmd.name))
		return -EINVAL;

	while ((ret = udma_channel_try(uf, &cmd, arg, usize)) == -EFAULT &&
	       ++tries < 3 && udma_fault_in_writeable(arg, usize))
		;
	return ret;
}

/* Resolve one end: a registration the device may access that way, or raw. */
static int udma_end_get(struct userdma_file *uf, u32 handle, u64 pos, u64 len,
			bool device_writes, struct userdma_region **out)
{
	struct userdma_region *r;
	u64 end;

	*out = NULL;
	if (check_add_overflow(pos, len, &end))
		return -ERANGE;
	if (!handle) {
		if (!capable(CAP_SYS_RAWIO))
			return -EPERM;
		return end - 1 > dma_get_mask(uf->node->dma_dev) ? -ERANGE : 0;
	}

	r = udma_lookup_busy(uf, handle);
	if (!r)
		return -ENOENT;
	if (end > r->length) {
		udma_end_put(r);
		return -ERANGE;
	}
	if (r->dir == (device_writes ? DMA_TO_DEVICE : DMA_FROM_DEVICE)) {
		udma_end_put(r);
		return -EACCES;
	}
	*out = r;
	return 0;
}

static void udma_xfer_submit_pieces(struct udma_xfer_ctx *ctx,
				    struct udma_xfer *x,
				    struct udma_cursor *s, struct udma_cursor *d)
{
	unsigned int i;

	for (i = 0; i < x->npieces; i++) {
		struct dma_async_tx_descriptor *tx;
		u32 n = x->pieces[i].len;

		if (udma_fault(UDMA_FP_XFER_PREP))
			break;
		tx = dmaengine_prep_dma_memcpy(ctx->chan, udma_cursor_addr(d),
					       udma_cursor_addr(s), n,
					       DMA_PREP_INTERRUPT |
					       DMA_CTRL_ACK);
		if (!tx)
			break;
		tx->callback_result = udma_piece_done;
		tx->callback_param = &x->pieces[i];
		if (dma_submit_error(dmaengine_submit(tx)))
			break;
		udma_cursor_advance(s, n);
		udma_cursor_advance(d, n);
	}
	if (i < x->npieces)
		atomic_cmpxchg(&x->status, USERDMA_XFER_DONE,
			       USERDMA_XFER_ERROR);
	/* drop the pieces never submitted and the submitter's own hold */
	if (atomic_sub_and_test(x->npieces - i + 1, &x->pending))
		udma_xfer_finish(x);
}

static bool udma_ranges_overlap(u64 a, u64 b, u64 len)
{
	return a < b + len && b < a + len;
}

/* Resolve both ends and lay out the pieces; the regions stay busy. */
static struct udma_xfer *udma_xfer_prepare(struct userdma_file *uf,
					   struct udma_xfer_ctx *ctx,
					   const struct userdma_xfer *req)
{
	u32 max_piece = ctx->max_piece;
	u64 limit = READ_ONCE(udma_max_xfer_pieces);
	struct userdma_region *src, *dst;
	struct udma_cursor s, d;
	struct udma_xfer *x;
	u64 n;
	int ret;

	if (!req->length)
		return ERR_PTR(-EINVAL);
	ret = udma_end_get(uf, req->src_handle, req->src, req->length, false,
			   &src);
	if (ret)
		return ERR_PTR(ret);
	ret = udma_end_get(uf, req->dst_handle, req->dst, req->length, true,
			   &dst);
	if (ret)
		goto err_src;
	/* an engine copies in pieces and in no promised order */
	if (src && src == dst &&
	    udma_ranges_overlap(req->src, req->dst, req->length)) {
		ret = -EINVAL;
		goto err_dst;
	}

	udma_cursor_init(&s, src, req->src);
	udma_cursor_init(&d, dst, req->dst);
	n = udma_count_pieces(&s, &d, req->length, max_piece, limit);
	if (n > limit) {
		ret = -E2BIG;
		goto err_dst;
	}
	x = udma_fault(UDMA_FP_XFER_ALLOC) ? NULL :
	    kvzalloc(struct_size(x, pieces, n),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!x) {
		ret = -ENOMEM;
		goto err_dst;
	}
	x->ctx = ctx;
	x->src = src;
	x->dst = dst;
	x->dst_off = req->dst;
	x->npieces = n;
	x->c.user_data = req->user_data;
	x->length = req->length;
	atomic_set(&x->pending, n + 1);
	atomic_set(&x->status, USERDMA_XFER_DONE);
	udma_cursor_init(&s, src, req->src);
	udma_cursor_init(&d, dst, req->dst);
	udma_split(&s, &d, req->length, max_piece, x);
	return x;

err_dst:
	udma_end_put(dst);
err_src:
	udma_end_put(src);
	return ERR_PTR(ret);
}

static void udma_xfer_discard(struct udma_xfer *x)
{
	udma_end_put(x->dst);
	udma_end_put(x->src);
	kvfree(x);
}

/*
 * A cookie and a place among the file's transfers, taken before the
 * cookie is written out; a file holding too many transfers, or too many
 * pieces of them, must wait for completions (-EAGAIN).
 */
static int udma_xfer_reserve(struct udma_xfer_ctx *ctx, struct udma_xfer *x)
{
	u64 limit = READ_ONCE(udma_max_xfer_pieces);
	int ret = 0;

	spin_lock_irq(&ctx->lock);
	if (ctx->outstanding >= udma_max_inflight ||
	    (ctx->pieces && ctx->pieces + x->npieces > limit)) {
		ret = -EAGAIN;
	} else {
		x->c.cookie = ++ctx->last_cookie;
		ctx->outstanding++;
		ctx->pieces += x->npieces;
	}
	spin_unlock_irq(&ctx->lock);
	return ret;
}

static void udma_xfer_unreserve(struct udma_xfer_ctx *ctx, struct udma_xfer *x)
{
	spin_lock_irq(&ctx->lock);
	ctx->outstanding--;
	ctx->pieces -= x->npieces;
	spin_unlock_irq(&ctx->lock);
	/* a WAIT for any transfer counted this one */
	wake_up_all(&ctx->uf->wq);
}

/* Hand the transfer to the engine; submit_lock held, channel running. */
static void udma_xfer_start(struct udma_xfer_ctx *ctx, struct udma_xfer *x,
			    const struct userdma_xfer *req)
{
	struct udma_cursor s, d;

	lockdep_assert_held(&ctx->submit_lock);
	spin_lock_irq(&ctx->lock);
	list_add_tail(&x->link, &ctx->inflight);
	spin_unlock_irq(&ctx->lock);

	/* the destination is the device's from here to the completion */
	if (x->src)
		udma_sync_user(x->src, req->src, req->length, false, false);
	if (x->dst)
		udma_sync_user(x->dst, req->dst, req->length, false, true);
	udma_cursor_init(&s, x->src, req->src);
	udma_cursor_init(&d, x->dst, req->dst);
	udma_xfer_submit_pieces(ctx, x, &s, &d);
}

/*
 * Every descriptor submitted to the channel goes to the engine, and the
 * transfers it carries start their timeouts: not before, since a batch is
 * read from user memory between its transfers and none of them runs
 * until this.  The newest transfers are at the tail of inflight.
 */
static void udma_xfer_issue(struct udma_xfer_ctx *ctx)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(udma_xfer_timeout_ms);
	struct udma_xfer *x;

	lockdep_assert_held(&ctx->submit_lock);
	dma_async_issue_pending(ctx->chan);
	spin_lock_irq(&ctx->lock);
	list_for_each_entry_reverse(x, &ctx->inflight, link) {
		if (x->issued)
			break;
		x->issued = true;
		x->deadline = deadline;
	}
	udma_watchdog_arm(ctx, deadline);
	spin_unlock_irq(&ctx->lock);
}

static int udma_submit_one(struct userdma_file *uf, struct udma_xfer_ctx *ctx,
			   void __user *ux, u32 xfer_size)
{
	struct userdma_xfer req;
	struct udma_xfer *x;
	int ret;

	ret = udma_fault(UDMA_FP_XFER_COPY_IN) ? -EFAULT :
	      copy_struct_from_user(&req, sizeof(req), ux, xfer_size);
	if (ret)
		return ret;
	x = udma_xfer_prepare(uf, ctx, &req);
	if (IS_ERR(x))
		return PTR_ERR(x);
	ret = udma_xfer_reserve(ctx, x);
	if (ret)
		goto err_discard;

	/* nothing reached the engine yet: a bad cookie pointer undoes it all */
	if (udma_fault(UDMA_FP_XFER_COOKIE) ||
	    put_user(x->c.cookie, &((struct userdma_xfer __user *)ux)->cookie)) {
		ret = -EFAULT;
		goto err_unreserve;
	}

	mutex_lock(&ctx->submit_lock);
	if (ctx->stopped) {
		mutex_unlock(&ctx->submit_lock);
		ret = -ENODEV;
		goto err_unreserve;
	}
	udma_xfer_start(ctx, x, &req);
	mutex_unlock(&ctx->submit_lock);
	return 0;

err_unreserve:
	udma_xfer_unreserve(ctx, x);
err_discard:
	udma_xfer_discard(x);
	return ret;
}

int udma_ioctl_submit(struct userdma_file *uf, void __user *arg)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	struct userdma_submit cmd;
	u32 usize, i;
	int ret;

	ret = udma_copy_cmd(&cmd, sizeof(cmd), USERDMA_SUBMIT_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	if (cmd.flags || cmd.xfer_size < USERDMA_XFER_SIZE_VER0 ||
	    cmd.xfer_size > PAGE_SIZE)
		return -EINVAL;
	if (!ctx)
		return -ENXIO;

	for (i = 0; i < cmd.count; i++) {
		void __user *ux = u64_to_user_ptr(cmd.xfers +
						  (u64)i * cmd.xfer_size);

		ret = udma_submit_one(uf, ctx, ux, cmd.xfer_size);
		if (ret)
			break;
	}
	/* one kick for the batch; a stopped channel dropped it already */
	if (i) {
		mutex_lock(&ctx->submit_lock);
		if (!ctx->stopped)
			udma_xfer_issue(ctx);
		mutex_unlock(&ctx->submit_lock);
	}

	if (ret && !i)
		return ret;
	cmd.count = i;
	return udma_reply(arg, &cmd, sizeof(cmd), usize);
}

/* Take the completion of cookie (0: the oldest posted); under ctx->lock. */
static struct udma_xfer *udma_take_done(struct udma_xfer_ctx *ctx, u64 cookie)
{
	struct udma_xfer *x;

	lockdep_assert_held(&ctx->lock);
	list_for_each_entry(x, &ctx->done, link) {
		if (!cookie || x->c.cookie == cookie) {
			list_del(&x->link);
			ctx->outstanding--;
			return x;
		}
	}
	return NULL;
}

static bool udma_cookie_pending(struct udma_xfer_ctx *ctx, u64 cookie)
{
	struct udma_xfer *x;

	lockdep_assert_held(&ctx->lock);
	if (!cookie)
		return ctx->outstanding;
	list_for_each_entry(x, &ctx->inflight, link)
		if (x->c.cookie == cookie)
			return true;
	list_for_each_entry(x, &ctx->finished, link)
		if (x->c.cookie == cookie)
			return true;
	list_for_each_entry(x, &ctx->posting, link)
		if (x->c.cookie == cookie)
			return true;
	return false;
}

/*
 * Completions whose copy to user space failed go back where they were, so
 * that a bad buffer costs the caller an EFAULT and never a completion.
 */
static void udma_put_back(struct udma_xfer_ctx *ctx, struct udma_xfer **xs,
			  size_t n)
{
	spin_lock_irq(&ctx->lock);
	while (n--) {
		list_add(&xs[n]->link, &ctx->done);
		ctx->outstanding++;
	}
	spin_unlock_irq(&ctx->lock);
	wake_up_all(&ctx->uf->wq);
}

/*
 * Condition for the waits: a completion to take, or nothing to wait for
 * (-ENOENT; -ENODEV once the device is gone, which left nothing pending).
 */
static bool udma_wait_done(struct udma_xfer_ctx *ctx, u64 cookie,
			   struct udma_xfer **x, int *err)
{
	spin_lock_irq(&ctx->lock);
	*x = udma_take_done(ctx, cookie);
	*err = 0;
	if (!*x && !udma_cookie_pending(ctx, cookie))
		*err = udma_devref_gone(&ctx->uf->node->ref) ? -ENODEV : -ENOENT;
	spin_unlock_irq(&ctx->lock);
	return *x || *err;
}

/* No channel was ever bound: nothing to wait for, or no device either. */
static int udma_no_channel(struct userdma_file *uf)
{
	return udma_devref_gone(&uf->node->ref) ? -ENODEV : -ENXIO;
}

int udma_ioctl_wait(struct userdma_file *uf, void __user *arg)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	struct userdma_wait cmd;
	struct udma_xfer *x;
	long timeout, left;
	u32 usize;
	int ret, err;

	ret = udma_copy_cmd(&cmd, sizeof(cmd), USERDMA_WAIT_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	if (cmd.flags)
		return -EINVAL;
	if (!ctx)
		return udma_no_channel(uf);

	timeout = cmd.timeout_ns < 0 ? MAX_SCHEDULE_TIMEOUT :
		  (long)min_t(u64, nsecs_to_jiffies(cmd.timeout_ns),
			      MAX_SCHEDULE_TIMEOUT - 1);
	left = wait_event_interruptible_timeout(uf->wq,
						udma_wait_done(ctx, cmd.cookie,
							       &x, &err),
						timeout);
	/* a restarted wait would start its timeout again: report EINTR */
	if (left < 0)
		return -EINTR;
	if (!left && !udma_wait_done(ctx, cmd.cookie, &x, &err))
		return -ETIMEDOUT;
	if (err)
		return err;

	cmd.completion = x->c;
	ret = udma_reply(arg, &cmd, sizeof(cmd), usize);
	if (ret)
		udma_put_back(ctx, &x, 1);
	else
		kvfree(x);
	return ret;
}

#define UDMA_READ_BATCH	16

ssize_t udma_xfer_read(struct userdma_file *uf, char __user *buf, size_t len,
		       bool nonblock)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	struct userdma_completion out[UDMA_READ_BATCH];
	struct udma_xfer *taken[UDMA_READ_BATCH];
	size_t want = min_t(size_t, len / sizeof(out[0]), UDMA_READ_BATCH);
	struct udma_xfer *x;
	size_t n = 0, i;
	int err;

	if (!want)
		return -EINVAL;
	if (!ctx)
		return udma_no_channel(uf);
	if (!udma_wait_done(ctx, 0, &x, &err)) {
		if (nonblock)
			return -EAGAIN;
		if (wait_event_interruptible(uf->wq,
					     udma_wait_done(ctx, 0, &x, &err)))
			return -EINTR;
	}
	/* nothing submitted and nothing left: end of file, or no device */
	if (err)
		return err == -ENODEV ? err : 0;

	taken[n] = x;
	out[n++] = x->c;
	spin_lock_irq(&ctx->lock);
	while (n < want && (x = udma_take_done(ctx, 0))) {
		taken[n] = x;
		out[n++] = x->c;
	}
	spin_unlock_irq(&ctx->lock);

	if (udma_fault(UDMA_FP_XFER_READ_COPY) ||
	    copy_to_user(buf, out, n * sizeof(out[0]))) {
		udma_put_back(ctx, taken, n);
		return -EFAULT;
	}
	for (i = 0; i < n; i++)
		kvfree(taken[i]);
	return n * sizeof(out[0]);
}

/* The wait queue is the file's: a poll set up before CHANNEL still wakes. */
__poll_t udma_xfer_poll(struct userdma_file *uf, struct file *file,
			poll_table *wait)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	bool gone = udma_devref_gone(&uf->node->ref);
	__poll_t mask = 0;

	poll_wait(file, &uf->wq, wait);
	if (!ctx)
		return gone ? EPOLLHUP : 0;
	spin_lock_irq(&ctx->lock);
	if (!list_empty(&ctx->done))
		mask = EPOLLIN | EPOLLRDNORM;
	else if (gone && !ctx->outstanding)
		mask = EPOLLHUP;
	spin_unlock_irq(&ctx->lock);
	return mask;
}

/*
 * Stop the channel and finish every transfer.  The file's close and the
 * device's removal may both ask: whoever comes second waits for the first
 * to be done, under xfer_lock.
 */
void udma_xfer_stop(struct userdma_file *uf)
{
	struct udma_xfer_ctx *ctx;

	mutex_lock(&uf->xfer_lock);
	ctx = uf->xfer;
	if (!ctx || ctx->stopped)
		goto out;
	mutex_lock(&ctx->submit_lock);
	ctx->stopped = true;
	mutex_unlock(&ctx->submit_lock);

	/* the watchdog sees stopped and does not rearm */
	cancel_delayed_work_sync(&ctx->watchdog);
	dmaengine_terminate_sync(ctx->chan);
	udma_xfer_cancel_inflight(ctx, USERDMA_XFER_CANCELLED);
	flush_work(&ctx->post_work);
	dma_release_channel(ctx->chan);
out:
	mutex_unlock(&uf->xfer_lock);
}

void udma_xfer_free(struct userdma_file *uf)
{
	struct udma_xfer_ctx *ctx = uf->xfer;
	struct udma_xfer *x, *tmp;

	if (!ctx)
		return;
	list_for_each_entry_safe(x, tmp, &ctx->done, link)
		kvfree(x);
	if (ctx->eventfd)
		eventfd_ctx_put(ctx->eventfd);
	kfree(ctx);
}
