// SPDX-License-Identifier: GPL-2.0
/*
 * The engine side of transfers: a channel per open file, one descriptor
 * per piece, completions, the watchdog, and stopping.
 *
 * Every piece holds its transfer open; the last one to complete posts it
 * from process context, which syncs the destination for the CPU, lets go
 * of the regions and only then makes the completion visible.  An engine
 * whose callbacks may come from interrupt context has that done by
 * post_work; one that declares its callbacks sleepable (engine.h) posts in
 * them, which saves a hand-off to another thread: for small transfers
 * that hand-off costs more than the copy.
 */
#include <linux/dmaengine.h>
#include <linux/eventfd.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "devref.h"
#include "engine.h"
#include "fault.h"
#include "handle.h"
#include "params.h"
#include "stage.h"
#include "xfer.h"

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
		if (x->e.dst)
			udma_sync_user(x->e.dst, x->e.dst_off, x->e.length,
				       true, false);
		x->c.status = atomic_read(&x->status);
		x->c.bytes = atomic64_read(&x->bytes);
		udma_end_busy(x->e.src);
		udma_end_busy(x->e.dst);
		x->e.src = NULL;
		x->e.dst = NULL;
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

/* Arm the watchdog for deadline unless it already fires earlier. */
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

/* The first issued transfer past its deadline, or the next deadline. */
static struct udma_xfer *udma_xfer_expired(struct udma_xfer_ctx *ctx,
					   unsigned long *next)
{
	struct udma_xfer *x;

	lockdep_assert_held(&ctx->lock);
	*next = 0;
	list_for_each_entry(x, &ctx->inflight, link) {
		if (!x->issued)
			continue;
		if (time_after_eq(jiffies, x->deadline))
			return x;
		if (!*next || time_before(x->deadline, *next))
			*next = x->deadline;
	}
	return NULL;
}

/*
 * Deadlines need not follow submission order (the timeout can change), so
 * every transfer in flight is looked at.  When one has expired the channel
 * is stopped: the oldest expired transfer held it up (TIMEOUT), those
 * queued behind it never got to run (CANCELLED).
 */
static void udma_xfer_watchdog(struct work_struct *work)
{
	struct udma_xfer_ctx *ctx = container_of(to_delayed_work(work),
						 struct udma_xfer_ctx,
						 watchdog);
	unsigned long next;
	struct udma_xfer *x;

	mutex_lock(&ctx->submit_lock);
	if (ctx->stopped)
		goto out;
	spin_lock_irq(&ctx->lock);
	x = udma_xfer_expired(ctx, &next);
	if (!x && next)
		udma_watchdog_arm(ctx, next);
	spin_unlock_irq(&ctx->lock);
	if (!x)
		goto out;

	dmaengine_terminate_sync(ctx->chan);
	spin_lock_irq(&ctx->lock);
	x = udma_xfer_expired(ctx, &next);
	if (x)
		atomic_cmpxchg(&x->status, USERDMA_XFER_DONE,
			       USERDMA_XFER_TIMEOUT);
	spin_unlock_irq(&ctx->lock);
	udma_xfer_cancel_inflight(ctx, USERDMA_XFER_CANCELLED);
out:
	mutex_unlock(&ctx->submit_lock);
}

struct udma_chan_filter {
	struct device *dev;
	const char *name;
};

static bool udma_chan_match(struct dma_chan *chan, void *param)
{
	struct udma_chan_filter *f = param;

	if (udma_engine_dma_dev(chan) != f->dev)
		return false;
	return !f->name[0] || !strcmp(f->name, udma_engine_name(chan)) ||
	       !strcmp(f->name, dma_chan_name(chan));
}

static int udma_xfer_ctx_chan(struct udma_xfer_ctx *ctx, const char *name)
{
	struct udma_chan_filter f = { .dev = ctx->uf->ref->dev, .name = name };
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	if (udma_should_fail(UDMA_FP_XFER_CHAN))
		return -EBUSY;
	ctx->chan = dma_request_channel(mask, udma_chan_match, &f);
	if (!ctx->chan)
		return -EBUSY;
	ctx->max_piece = dma_get_max_seg_size(udma_engine_dma_dev(ctx->chan));
	ctx->post_inline = udma_engine_posts_inline(ctx->chan);
	return 0;
}

struct udma_xfer_ctx *udma_xfer_ctx_create(struct userdma_file *uf,
					   const char *name, int efd)
{
	struct udma_xfer_ctx *ctx;
	int ret;

	udma_devref_assert_entered(uf->ref);
	if (udma_should_fail(UDMA_FP_XFER_CTX))
		return ERR_PTR(-ENOMEM);
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
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
	ret = udma_xfer_ctx_chan(ctx, name);
	if (ret)
		goto err_eventfd;

	mutex_init(&ctx->submit_lock);
	mutex_init(&ctx->post_lock);
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

void udma_xfer_ctx_destroy(struct udma_xfer_ctx *ctx)
{
	dma_release_channel(ctx->chan);
	if (ctx->eventfd)
		eventfd_ctx_put(ctx->eventfd);
	kfree(ctx);
}

/*
 * A cookie and a place among the file's transfers, taken before the
 * cookie is written out; a file holding too many transfers, or too many
 * pieces of them, must wait for completions (-EAGAIN).
 */
int udma_xfer_reserve(struct udma_xfer_ctx *ctx, struct udma_xfer *x)
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

void udma_xfer_unreserve(struct udma_xfer_ctx *ctx, struct udma_xfer *x)
{
	spin_lock_irq(&ctx->lock);
	ctx->outstanding--;
	ctx->pieces -= x->npieces;
	spin_unlock_irq(&ctx->lock);
	/* a WAIT for any transfer counted this one */
	wake_up_all(&ctx->uf->wq);
}

void udma_xfer_discard(struct udma_xfer *x)
{
	udma_end_busy(x->e.dst);
	udma_end_busy(x->e.src);
	kvfree(x);
}

/* One descriptor per piece; those never submitted are finished here. */
static void udma_xfer_submit_pieces(struct udma_xfer_ctx *ctx,
				    struct udma_xfer *x)
{
	struct dma_async_tx_descriptor *tx;
	struct udma_piece *p;
	unsigned int i;

	for (i = 0; i < x->npieces; i++) {
		p = &x->pieces[i];
		if (udma_should_fail(UDMA_FP_XFER_PREP))
			break;
		tx = dmaengine_prep_dma_memcpy(ctx->chan, p->dst, p->src,
					       p->len, DMA_PREP_INTERRUPT |
					       DMA_CTRL_ACK);
		if (!tx)
			break;
		tx->callback_result = udma_piece_done;
		tx->callback_param = p;
		if (dma_submit_error(dmaengine_submit(tx)))
			break;
	}
	if (i < x->npieces)
		atomic_cmpxchg(&x->status, USERDMA_XFER_DONE,
			       USERDMA_XFER_ERROR);
	/* drop the pieces never submitted and the submitter's own hold */
	if (atomic_sub_and_test(x->npieces - i + 1, &x->pending))
		udma_xfer_finish(x);
}

/* Hand the transfer to the engine; the channel is running. */
void udma_xfer_start(struct udma_xfer_ctx *ctx, struct udma_xfer *x)
{
	lockdep_assert_held(&ctx->submit_lock);
	spin_lock_irq(&ctx->lock);
	list_add_tail(&x->link, &ctx->inflight);
	spin_unlock_irq(&ctx->lock);

	/* the destination is the device's from here to the completion */
	if (x->e.src)
		udma_sync_user(x->e.src, x->e.src_off, x->e.length, false,
			       false);
	if (x->e.dst)
		udma_sync_user(x->e.dst, x->e.dst_off, x->e.length, false,
			       true);
	udma_xfer_submit_pieces(ctx, x);
}

/*
 * Every descriptor submitted to the channel goes to the engine, and the
 * transfers it carries start their timeouts: not before, since a batch is
 * read from user memory between its transfers and none of them runs
 * until this.  The newest transfers are at the tail of inflight.
 */
void udma_xfer_issue(struct udma_xfer_ctx *ctx)
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

/* Take the completion of cookie (0: the oldest posted). */
struct udma_xfer *udma_xfer_take_done(struct udma_xfer_ctx *ctx, u64 cookie)
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

static bool udma_cookie_on(struct list_head *list, u64 cookie)
{
	struct udma_xfer *x;

	list_for_each_entry(x, list, link)
		if (x->c.cookie == cookie)
			return true;
	return false;
}

static bool udma_cookie_pending(struct udma_xfer_ctx *ctx, u64 cookie)
{
	lockdep_assert_held(&ctx->lock);
	if (!cookie)
		return ctx->outstanding;
	return udma_cookie_on(&ctx->inflight, cookie) ||
	       udma_cookie_on(&ctx->finished, cookie) ||
	       udma_cookie_on(&ctx->posting, cookie);
}

/*
 * Condition for the waits: a completion to take, or nothing to wait for
 * (-ENOENT; -ENODEV once the device is gone, which left nothing pending).
 */
bool udma_xfer_wait_done(struct udma_xfer_ctx *ctx, u64 cookie,
			 struct udma_xfer **x, int *err)
{
	spin_lock_irq(&ctx->lock);
	*x = udma_xfer_take_done(ctx, cookie);
	*err = 0;
	if (!*x && !udma_cookie_pending(ctx, cookie))
		*err = udma_devref_gone(ctx->uf->ref) ? -ENODEV : -ENOENT;
	spin_unlock_irq(&ctx->lock);
	return *x || *err;
}

/*
 * Completions whose copy to user space failed go back where they were, so
 * that a bad buffer costs the caller an EFAULT and never a completion.
 */
void udma_xfer_put_back(struct udma_xfer_ctx *ctx, struct udma_xfer **xs,
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
