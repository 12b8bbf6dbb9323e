// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer commands: CHANNEL binds the open file to a dmaengine memcpy
 * channel of the node's device, SUBMIT hands it copies between
 * registrations (or raw device addresses), WAIT, read() and poll() collect
 * one completion per transfer (the engine side: xfer_core.c).
 *
 * Nothing here waits on user memory while holding what the file's close
 * or the device's removal waits for: SUBMIT reads each request and writes
 * its cookie outside submit_lock, CHANNEL writes its reply without
 * faulting (retrying after faulting the page in unlocked).
 */
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "devref.h"
#include "engine.h"
#include "fault.h"
#include "handle.h"
#include "ioctl.h"
#include "params.h"
#include "region.h"
#include "xfer.h"

/*
 * Bind a channel and tell the caller, under xfer_lock, which stopping the
 * file waits for: the reply must not wait on a fault there.  It is written
 * without faulting; a page that is not there is faulted in unlocked and
 * the whole binding tried again.
 */
static int udma_channel_try(struct userdma_file *uf,
			    struct userdma_channel *cmd, void __user *arg,
			    u32 usize)
{
	struct udma_xfer_ctx *ctx;
	int ret;

	mutex_lock(&uf->xfer_lock);
	/* one channel per open file: its completions and teardown are its own */
	if (uf->xfer) {
		ret = -EBUSY;
		goto out;
	}
	ret = udma_devref_enter(uf->ref);
	if (ret)
		goto out;
	ctx = udma_xfer_ctx_create(uf, cmd->name, cmd->eventfd);
	udma_devref_exit(uf->ref);
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

int udma_ioctl_channel(struct userdma_file *uf, void *kcmd, void __user *arg,
		       u32 usize)
{
	struct userdma_channel *cmd = kcmd;
	int ret, tries = 0;

	if (cmd->flags || cmd->reserved || cmd->eventfd < -1)
		return -EINVAL;
	if (strnlen(cmd->name, sizeof(cmd->name)) == sizeof(cmd->name))
		return -EINVAL;

	while ((ret = udma_channel_try(uf, cmd, arg, usize)) == -EFAULT &&
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
		return end - 1 > dma_get_mask(uf->ref->dev) ? -ERANGE : 0;
	}

	r = udma_lookup_busy(uf, handle);
	if (!r)
		return -ENOENT;
	if (end > r->length) {
		udma_end_busy(r);
		return -ERANGE;
	}
	if (r->dir == (device_writes ? DMA_TO_DEVICE : DMA_FROM_DEVICE)) {
		udma_end_busy(r);
		return -EACCES;
	}
	*out = r;
	return 0;
}

static bool udma_ranges_overlap(u64 a, u64 b, u64 len)
{
	return a < b + len && b < a + len;
}

/* Both ends resolved, and busy until the transfer is posted. */
static int udma_ends_get(struct userdma_file *uf,
			 const struct userdma_xfer *req, struct udma_ends *e)
{
	int ret;

	if (!req->length)
		return -EINVAL;
	e->src_off = req->src;
	e->dst_off = req->dst;
	e->length = req->length;
	ret = udma_end_get(uf, req->src_handle, req->src, req->length, false,
			   &e->src);
	if (ret)
		return ret;
	ret = udma_end_get(uf, req->dst_handle, req->dst, req->length, true,
			   &e->dst);
	if (ret)
		goto err_src;
	/* an engine copies in pieces and in no promised order */
	if (e->src && e->src == e->dst &&
	    udma_ranges_overlap(req->src, req->dst, req->length)) {
		ret = -EINVAL;
		goto err_dst;
	}
	return 0;

err_dst:
	udma_end_busy(e->dst);
err_src:
	udma_end_busy(e->src);
	return ret;
}

/* A transfer laid out in pieces; its ends stay busy. */
static struct udma_xfer *udma_xfer_prepare(struct userdma_file *uf,
					   struct udma_xfer_ctx *ctx,
					   const struct userdma_xfer *req)
{
	u64 limit = READ_ONCE(udma_max_xfer_pieces), n;
	struct udma_xfer *x;
	struct udma_ends e;
	int ret;

	ret = udma_ends_get(uf, req, &e);
	if (ret)
		return ERR_PTR(ret);
	n = udma_xfer_count(&e, ctx->max_piece, limit);
	if (n > limit) {
		ret = -E2BIG;
		goto err_ends;
	}
	if (udma_should_fail(UDMA_FP_XFER_ALLOC)) {
		ret = -ENOMEM;
		goto err_ends;
	}
	x = kvzalloc(struct_size(x, pieces, n),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!x) {
		ret = -ENOMEM;
		goto err_ends;
	}
	x->ctx = ctx;
	x->e = e;
	x->npieces = n;
	x->c.user_data = req->user_data;
	atomic_set(&x->pending, n + 1);
	atomic_set(&x->status, USERDMA_XFER_DONE);
	udma_xfer_split(x, ctx->max_piece);
	return x;

err_ends:
	udma_end_busy(e.dst);
	udma_end_busy(e.src);
	return ERR_PTR(ret);
}

static int udma_submit_one(struct userdma_file *uf, struct udma_xfer_ctx *ctx,
			   void __user *ux, u32 xfer_size)
{
	struct userdma_xfer req;
	struct udma_xfer *x;
	int ret;

	if (udma_should_fail(UDMA_FP_XFER_COPY_IN))
		return -EFAULT;
	ret = copy_struct_from_user(&req, sizeof(req), ux, xfer_size);
	if (ret)
		return ret;
	x = udma_xfer_prepare(uf, ctx, &req);
	if (IS_ERR(x))
		return PTR_ERR(x);
	ret = udma_xfer_reserve(ctx, x);
	if (ret)
		goto err_discard;

	/* nothing reached the engine yet: a bad cookie pointer undoes it all */
	if (udma_should_fail(UDMA_FP_XFER_COOKIE)) {
		ret = -EFAULT;
		goto err_unreserve;
	}
	if (put_user(x->c.cookie, &((struct userdma_xfer __user *)ux)->cookie)) {
		ret = -EFAULT;
		goto err_unreserve;
	}

	mutex_lock(&ctx->submit_lock);
	if (ctx->stopped) {
		mutex_unlock(&ctx->submit_lock);
		ret = -ENODEV;
		goto err_unreserve;
	}
	udma_xfer_start(ctx, x);
	mutex_unlock(&ctx->submit_lock);
	return 0;

err_unreserve:
	udma_xfer_unreserve(ctx, x);
err_discard:
	udma_xfer_discard(x);
	return ret;
}

int udma_ioctl_submit(struct userdma_file *uf, void *kcmd, void __user *arg,
		      u32 usize)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	struct userdma_submit *cmd = kcmd;
	int ret = 0;
	u32 i;

	if (cmd->flags || cmd->xfer_size < USERDMA_XFER_SIZE_VER0 ||
	    cmd->xfer_size > PAGE_SIZE)
		return -EINVAL;
	if (!ctx)
		return -ENXIO;

	for (i = 0; i < cmd->count; i++) {
		void __user *ux = u64_to_user_ptr(cmd->xfers +
						  (u64)i * cmd->xfer_size);

		ret = udma_submit_one(uf, ctx, ux, cmd->xfer_size);
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
	cmd->count = i;
	return udma_reply(arg, cmd, sizeof(*cmd), usize);
}

/* No channel was ever bound: nothing to wait for, or no device either. */
static int udma_no_channel(struct userdma_file *uf)
{
	return udma_devref_gone(uf->ref) ? -ENODEV : -ENXIO;
}

int udma_ioctl_wait(struct userdma_file *uf, void *kcmd, void __user *arg,
		    u32 usize)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	struct userdma_wait *cmd = kcmd;
	struct udma_xfer *x;
	long timeout, left;
	int ret, err;

	if (cmd->flags)
		return -EINVAL;
	if (!ctx)
		return udma_no_channel(uf);

	timeout = cmd->timeout_ns < 0 ? MAX_SCHEDULE_TIMEOUT :
		  (long)min_t(u64, nsecs_to_jiffies(cmd->timeout_ns),
			      MAX_SCHEDULE_TIMEOUT - 1);
	left = wait_event_interruptible_timeout(uf->wq,
						udma_xfer_wait_done(ctx,
								    cmd->cookie,
								    &x, &err),
						timeout);
	/* a restarted wait would start its timeout again: report EINTR */
	if (left < 0)
		return -EINTR;
	if (!left && !udma_xfer_wait_done(ctx, cmd->cookie, &x, &err))
		return -ETIMEDOUT;
	if (err)
		return err;

	cmd->completion = x->c;
	ret = udma_reply(arg, cmd, sizeof(*cmd), usize);
	if (ret)
		udma_xfer_put_back(ctx, &x, 1);
	else
		kvfree(x);
	return ret;
}

#define UDMA_READ_BATCH	16

/* Up to want completions, the first of which is x. */
static size_t udma_take_batch(struct udma_xfer_ctx *ctx, struct udma_xfer *x,
			      struct udma_xfer **taken, size_t want)
{
	size_t n = 0;

	taken[n++] = x;
	spin_lock_irq(&ctx->lock);
	while (n < want && (x = udma_xfer_take_done(ctx, 0)))
		taken[n++] = x;
	spin_unlock_irq(&ctx->lock);
	return n;
}

ssize_t udma_xfer_read(struct userdma_file *uf, char __user *buf, size_t len,
		       bool nonblock)
{
	struct udma_xfer_ctx *ctx = udma_xfer_ctx(uf);
	struct userdma_completion out[UDMA_READ_BATCH];
	struct udma_xfer *taken[UDMA_READ_BATCH];
	size_t want = min_t(size_t, len / sizeof(out[0]), UDMA_READ_BATCH);
	struct udma_xfer *x;
	size_t n, i;
	int err;

	if (!want)
		return -EINVAL;
	if (!ctx)
		return udma_no_channel(uf);
	if (!udma_xfer_wait_done(ctx, 0, &x, &err)) {
		if (nonblock)
			return -EAGAIN;
		if (wait_event_interruptible(uf->wq,
					     udma_xfer_wait_done(ctx, 0, &x,
								 &err)))
			return -EINTR;
	}
	/* nothing submitted and nothing left: end of file, or no device */
	if (err)
		return err == -ENODEV ? err : 0;

	n = udma_take_batch(ctx, x, taken, want);
	for (i = 0; i < n; i++)
		out[i] = taken[i]->c;
	if (udma_should_fail(UDMA_FP_XFER_READ_COPY) ||
	    copy_to_user(buf, out, n * sizeof(out[0]))) {
		udma_xfer_put_back(ctx, taken, n);
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
	bool gone = udma_devref_gone(uf->ref);
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
