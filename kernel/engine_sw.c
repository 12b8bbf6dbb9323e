// SPDX-License-Identifier: GPL-2.0
/*
 * A dmaengine memcpy provider whose "hardware" is the CPU.  It behaves like
 * a DMA engine sitting on the bound device: every address it is given is a
 * DMA address of that device and is resolved the way the device's own
 * accesses would be (engine_reach.c).  An address that does not resolve to
 * RAM is a device fault: the descriptor fails and nothing is touched.
 * Behind an IOMMU this catches use-after-unmap.
 *
 * Descriptors run in order on a workqueue, one channel per open file that
 * asks for it, so a file's terminate never cancels another file's work.
 * The work runs on the CPU that issued it, where the submitter is about to
 * wait for it anyway, so no other CPU has to be woken.  The workqueue is
 * CPU intensive (a long copy must not hold up other work bound to that
 * CPU) and of normal priority (nor starve the submitter's other threads).
 */
#include <linux/dmaengine.h>
#include <linux/highmem.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "engine.h"
#include "fault.h"

#define UDMA_SW_CHANNELS	16

struct udma_sw_chan {
	struct dma_chan chan;
	spinlock_t lock;		/* protects the lists and cookies */
	struct list_head submitted;	/* tx_submit()ed, not yet issued */
	struct list_head issued;	/* waiting for or on the worker */
	struct work_struct work;
	bool abort;			/* terminate_all: stop the running copy */
};

struct udma_sw_engine {
	struct udma_engine e;
	struct udma_sw_chan chans[UDMA_SW_CHANNELS];
};

static struct udma_sw_chan *to_sw_chan(struct dma_chan *chan)
{
	return container_of(chan, struct udma_sw_chan, chan);
}

static struct udma_engine_desc *to_desc(struct dma_async_tx_descriptor *tx)
{
	return container_of(tx, struct udma_engine_desc, tx);
}

/*
 * Longest stretch copied between two looks at terminate_all and the
 * scheduler: long enough that the checks cost nothing next to the copy,
 * short enough that a cancel or a timeout is seen within microseconds.
 */
#define UDMA_SW_CHUNK		SZ_256K

static struct workqueue_struct *udma_sw_wq;

int udma_sw_init(void)
{
	udma_sw_wq = alloc_workqueue("userdma_sw", WQ_CPU_INTENSIVE, 0);
	return udma_sw_wq ? 0 : -ENOMEM;
}

void udma_sw_exit(void)
{
	destroy_workqueue(udma_sw_wq);
}

/*
 * Copy n bytes between physically contiguous RAM.  Without highmem the
 * direct map is linear, so a run is one copy; with it, every page is
 * mapped on its own.
 *
 * The copy is memcpy_flushcache(): a DMA engine writes memory, not the
 * CPU's caches, which non-temporal stores model where the architecture
 * has them (plain memcpy() elsewhere).  The stores are weakly ordered, so
 * udma_sw_run() fences before the completion is reported.
 */
static void udma_sw_copy(phys_addr_t dst, phys_addr_t src, size_t n)
{
	if (!IS_ENABLED(CONFIG_HIGHMEM)) {
		memcpy_flushcache(page_address(pfn_to_page(PHYS_PFN(dst))) +
				  offset_in_page(dst),
				  page_address(pfn_to_page(PHYS_PFN(src))) +
				  offset_in_page(src), n);
		return;
	}
	while (n) {
		size_t k = min_t(size_t, n,
				 PAGE_SIZE - max(offset_in_page(src),
						 offset_in_page(dst)));
		void *d = udma_kmap_local(pfn_to_page(PHYS_PFN(dst)));
		void *s = udma_kmap_local(pfn_to_page(PHYS_PFN(src)));

		memcpy_flushcache(d + offset_in_page(dst),
				  s + offset_in_page(src), k);
		udma_kunmap_local(s);
		udma_kunmap_local(d);
		src += k;
		dst += k;
		n -= k;
	}
}

static enum dmaengine_tx_result udma_sw_copy_desc(struct udma_sw_chan *c,
						  struct udma_engine_desc *d,
						  u32 *residue)
{
	struct device *dev = udma_engine_dma_dev(&c->chan);
	struct udma_reach src, dst;
	size_t left = d->len;

	udma_reach_init(&src, dev, d->src);
	udma_reach_init(&dst, dev, d->dst);
	while (left) {
		size_t n;

		*residue = min_t(size_t, left, U32_MAX);
		if (READ_ONCE(c->abort))
			return DMA_TRANS_ABORTED;
		n = min_t(size_t, left, UDMA_SW_CHUNK);
		if (udma_reach_resolve(&src, n))
			return DMA_TRANS_READ_FAILED;
		if (udma_reach_resolve(&dst, n))
			return DMA_TRANS_WRITE_FAILED;
		n = min3(n, src.run, dst.run);
		udma_sw_copy(dst.phys, src.phys, n);
		udma_reach_advance(&src, n);
		udma_reach_advance(&dst, n);
		left -= n;
		if (need_resched())
			cond_resched();
	}
	*residue = 0;
	return DMA_TRANS_NOERROR;
}

/*
 * Copy run by run: each side is resolved once per physically contiguous
 * run, not per page, and the copy goes in chunks so that terminate_all
 * and the scheduler get a look in between.  Whatever was written, even by
 * a descriptor that failed half way, is globally visible before its
 * completion is reported.
 */
static enum dmaengine_tx_result udma_sw_run(struct udma_sw_chan *c,
					    struct udma_engine_desc *d, u32 *residue)
{
	enum dmaengine_tx_result res = udma_sw_copy_desc(c, d, residue);

	/* non-temporal stores: make them visible before the completion */
	wmb();
	return res;
}

static void udma_sw_work(struct work_struct *work)
{
	struct udma_sw_chan *c = container_of(work, struct udma_sw_chan, work);
	struct dmaengine_result res;
	struct udma_engine_desc *d;

	for (;;) {
		spin_lock_bh(&c->lock);
		d = list_first_entry_or_null(&c->issued, struct udma_engine_desc,
					     link);
		if (d)
			list_del(&d->link);
		spin_unlock_bh(&c->lock);
		if (!d)
			return;

		res.result = udma_sw_run(c, d, &res.residue);
		/* terminate_all already retired it: no cookie, no callback */
		if (res.result == DMA_TRANS_ABORTED) {
			kfree(d);
			continue;
		}

		spin_lock_bh(&c->lock);
		c->chan.completed_cookie = d->tx.cookie;
		spin_unlock_bh(&c->lock);

		/* process context, no lock held: callbacks_sleep says so */
		udma_engine_callback(&d->tx, res.result, res.residue);
		kfree(d);
	}
}

static dma_cookie_t udma_sw_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct udma_sw_chan *c = to_sw_chan(tx->chan);
	dma_cookie_t cookie;

	spin_lock_bh(&c->lock);
	cookie = udma_engine_cookie(tx);
	list_add_tail(&to_desc(tx)->link, &c->submitted);
	spin_unlock_bh(&c->lock);
	return cookie;
}

static struct dma_async_tx_descriptor *
udma_sw_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		    size_t len, unsigned long flags)
{
	struct udma_engine_desc *d;

	if (!len)
		return NULL;
	if (udma_should_fail(UDMA_FP_SW_DESC))
		return NULL;
	d = kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	udma_engine_desc_init(d, chan, flags, dst, src, len, udma_sw_tx_submit);
	return &d->tx;
}

static void udma_sw_issue_pending(struct dma_chan *chan)
{
	struct udma_sw_chan *c = to_sw_chan(chan);

	spin_lock_bh(&c->lock);
	WRITE_ONCE(c->abort, false);
	list_splice_tail_init(&c->submitted, &c->issued);
	spin_unlock_bh(&c->lock);
	queue_work_on(raw_smp_processor_id(), udma_sw_wq, &c->work);
}

static enum dma_status udma_sw_tx_status(struct dma_chan *chan,
					 dma_cookie_t cookie,
					 struct dma_tx_state *state)
{
	struct udma_sw_chan *c = to_sw_chan(chan);
	dma_cookie_t used, done;

	spin_lock_bh(&c->lock);
	used = chan->cookie;
	done = chan->completed_cookie;
	spin_unlock_bh(&c->lock);
	return udma_engine_status(cookie, used, done, state);
}

static int udma_sw_terminate_all(struct dma_chan *chan)
{
	struct udma_sw_chan *c = to_sw_chan(chan);
	LIST_HEAD(dropped);

	spin_lock_bh(&c->lock);
	WRITE_ONCE(c->abort, true);
	list_splice_tail_init(&c->submitted, &dropped);
	list_splice_tail_init(&c->issued, &dropped);
	chan->completed_cookie = chan->cookie;
	spin_unlock_bh(&c->lock);

	udma_engine_free_descs(&dropped);
	return 0;
}

static void udma_sw_synchronize(struct dma_chan *chan)
{
	flush_work(&to_sw_chan(chan)->work);
}

static void udma_sw_free_chan_resources(struct dma_chan *chan)
{
	udma_sw_terminate_all(chan);
	udma_sw_synchronize(chan);
}

static void udma_sw_free(struct udma_engine *e)
{
	kfree(container_of(e, struct udma_sw_engine, e));
}

/*
 * The engine of the node bound to dev.  It is registered on dev itself: a
 * dma_device needs a bound driver, and userdma is the one dev has.
 */
struct udma_engine *udma_sw_engine_create(struct device *dev)
{
	struct udma_sw_engine *sw;
	struct dma_device *dd;
	int i, ret;

	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return ERR_PTR(-ENOMEM);
	sw->e.dma_dev = dev;
	sw->e.name = "sw";
	sw->e.callbacks_sleep = true;
	sw->e.free = udma_sw_free;

	dd = &sw->e.dd;
	/* only requested channels: no async_tx user may grab them */
	dma_cap_set(DMA_PRIVATE, dd->cap_mask);
	dma_cap_set(DMA_MEMCPY, dd->cap_mask);
	dd->dev = dev;
	dd->device_prep_dma_memcpy = udma_sw_prep_memcpy;
	dd->device_issue_pending = udma_sw_issue_pending;
	dd->device_tx_status = udma_sw_tx_status;
	dd->device_terminate_all = udma_sw_terminate_all;
	dd->device_synchronize = udma_sw_synchronize;
	dd->device_free_chan_resources = udma_sw_free_chan_resources;
	dd->residue_granularity = DMA_RESIDUE_GRANULARITY_BURST;
	INIT_LIST_HEAD(&dd->channels);

	for (i = 0; i < UDMA_SW_CHANNELS; i++) {
		struct udma_sw_chan *c = &sw->chans[i];

		c->chan.device = dd;
		c->chan.cookie = DMA_MIN_COOKIE;
		c->chan.completed_cookie = DMA_MIN_COOKIE;
		spin_lock_init(&c->lock);
		INIT_LIST_HEAD(&c->submitted);
		INIT_LIST_HEAD(&c->issued);
		INIT_WORK(&c->work, udma_sw_work);
		list_add_tail(&c->chan.device_node, &dd->channels);
	}

	ret = udma_engine_register(&sw->e);
	if (ret) {
		kfree(sw);
		return ERR_PTR(ret);
	}
	return &sw->e;
}
