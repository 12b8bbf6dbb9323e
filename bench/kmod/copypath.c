// SPDX-License-Identifier: GPL-2.0
/*
 * The copy path: what a driver without zero-copy does for write() then
 * read().  User memory is copied into a kernel bounce buffer, userdma's
 * software engine copies it into a second one, and that is copied out,
 * chunk by chunk.  The bounce buffers are coherent allocations made once,
 * as such a driver would at open, so only the copies are timed.
 */
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "bench_ops.h"

/*
 * A read()/write() driver moves data through a bounded kernel buffer; 1 MiB
 * is large enough that per-chunk overhead is noise next to the copies.
 */
#define UDMA_BENCH_BOUNCE	SZ_1M
#define UDMA_BENCH_XFER_TIMEOUT	(60 * HZ)

struct udma_bench_copy {
	struct dma_chan *chan;
	struct completion done;
	enum dmaengine_tx_result result;
	void *ka, *kb;
	dma_addr_t da, db;
};

/*
 * userdma's software engine is the memcpy provider registered on the
 * device itself by its driver, userdma; its edu engine (test builds) sits
 * on a child device, and other providers belong to other drivers.
 */
static bool udma_bench_sw_chan(struct dma_chan *chan, void *dev)
{
	return chan->device->dev == dev &&
	       !strcmp(dev_driver_string(chan->device->dev), "userdma");
}

static void udma_bench_copy_done(void *param,
				 const struct dmaengine_result *res)
{
	struct udma_bench_copy *c = param;

	c->result = res->result;
	complete(&c->done);
}

/* One engine copy between the two bounce buffers, waited for. */
static int udma_bench_engine(struct udma_bench_copy *c, size_t len)
{
	struct dma_async_tx_descriptor *tx;

	tx = dmaengine_prep_dma_memcpy(c->chan, c->db, c->da, len,
				       DMA_PREP_INTERRUPT);
	if (!tx)
		return -ENOMEM;
	reinit_completion(&c->done);
	tx->callback_result = udma_bench_copy_done;
	tx->callback_param = c;
	if (dma_submit_error(dmaengine_submit(tx)))
		return -EIO;
	dma_async_issue_pending(c->chan);
	if (!wait_for_completion_timeout(&c->done, UDMA_BENCH_XFER_TIMEOUT)) {
		dmaengine_terminate_sync(c->chan);
		return -ETIMEDOUT;
	}
	return c->result == DMA_TRANS_NOERROR ? 0 : -EIO;
}

static int udma_bench_copy_once(struct udma_bench_copy *c,
				struct userdma_bench *b)
{
	void __user *src = u64_to_user_ptr(b->addr);
	void __user *dst = u64_to_user_ptr(b->addr2);
	u64 off;
	int ret;

	for (off = 0; off < b->length; off += UDMA_BENCH_BOUNCE) {
		size_t n = min_t(u64, b->length - off, UDMA_BENCH_BOUNCE);

		if (copy_from_user(c->ka, src + off, n))
			return -EFAULT;
		udma_bench_stamp(USERDMA_BENCH_NS_FROM_USER);
		ret = udma_bench_engine(c, n);
		if (ret)
			return ret;
		udma_bench_stamp(USERDMA_BENCH_NS_ENGINE);
		if (copy_to_user(dst + off, c->kb, n))
			return -EFAULT;
		udma_bench_stamp(USERDMA_BENCH_NS_TO_USER);
	}
	return 0;
}

static int udma_bench_copy_run(struct udma_bench_copy *c,
			       struct userdma_bench *b)
{
	u64 t0;
	u32 i;
	int ret = 0;

	udma_bench_clock_start(b->flags & USERDMA_BENCH_STAGES);
	t0 = ktime_get_ns();
	for (i = 0; i < b->iters && !ret; i++) {
		udma_bench_iter_start();
		ret = udma_bench_copy_once(c, b);
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	udma_bench_clock_stop(b, ktime_get_ns() - t0);
	return ret;
}

int udma_bench_copypath(struct device *dev, struct userdma_bench *b)
{
	struct udma_bench_copy c = { };
	dma_cap_mask_t mask;
	int ret = -ENOMEM;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	c.chan = dma_request_channel(mask, udma_bench_sw_chan, dev);
	if (!c.chan)
		return -ENODEV;
	init_completion(&c.done);

	c.ka = dma_alloc_coherent(dev, UDMA_BENCH_BOUNCE, &c.da, GFP_KERNEL);
	if (!c.ka)
		goto out_release_chan;
	c.kb = dma_alloc_coherent(dev, UDMA_BENCH_BOUNCE, &c.db, GFP_KERNEL);
	if (!c.kb)
		goto out_free_a;

	ret = udma_bench_copy_run(&c, b);

	dma_free_coherent(dev, UDMA_BENCH_BOUNCE, c.kb, c.db);
out_free_a:
	dma_free_coherent(dev, UDMA_BENCH_BOUNCE, c.ka, c.da);
out_release_chan:
	dma_release_channel(c.chan);
	return ret;
}
