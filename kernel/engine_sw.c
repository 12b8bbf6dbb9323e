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
 * wait for it anyway: waking a worker on another CPU is the largest fixed
 * cost of a small transfer under emulation.  The workqueue is CPU
 * intensive (a long copy must not hold up other work bound to that CPU)
 * and of normal priority (nor starve the submitter's other threads).
 */
#include <linux/dma-direct.h>
#include <linux/dmaengine.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/math64.h>
#include <linux/memory.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "engine.h"
#include "fault.h"
#include "region.h"

#define UDMA_SW_CHANNELS	16

struct udma_sw_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head link;
	dma_addr_t src, dst;
	size_t len;
};

struct udma_sw_chan {
	struct dma_chan chan;
	spinlock_t lock;		/* protects the lists and cookies */
	struct list_head submitted;	/* tx_submit()ed, not yet issued */
	struct list_head issued;	/* waiting for or on the worker */
	struct work_struct work;
	bool abort;			/* terminate_all: stop the running copy */
};

struct udma_sw_engine {
	struct dma_device dd;
	struct udma_sw_chan chans[UDMA_SW_CHANNELS];
};

static struct udma_sw_chan *to_sw_chan(struct dma_chan *chan)
{
	return container_of(chan, struct udma_sw_chan, chan);
}

static struct udma_sw_desc *to_sw_desc(struct dma_async_tx_descriptor *tx)
{
	return container_of(tx, struct udma_sw_desc, tx);
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
 * has them (plain memcpy() elsewhere).  It also keeps x86 off rep movsb,
 * which memcpy() uses with ERMS and which emulators such as QEMU's TCG run
 * a byte per step: on 6.1 guests that made the engine five times slower
 * than the same copy in user space.  The stores are weakly ordered, so
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
						  struct udma_sw_desc *d,
						  u32 *residue)
{
	struct device *dev = c->chan.device->dev;
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
					    struct udma_sw_desc *d, u32 *residue)
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
	struct udma_sw_desc *d;

	for (;;) {
		spin_lock_bh(&c->lock);
		d = list_first_entry_or_null(&c->issued, struct udma_sw_desc,
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

		/* process context, no lock held: xfer.c relies on both */
		if (d->tx.callback_result)
			d->tx.callback_result(d->tx.callback_param, &res);
		else if (d->tx.callback)
			d->tx.callback(d->tx.callback_param);
		kfree(d);
	}
}

static dma_cookie_t udma_sw_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct udma_sw_chan *c = to_sw_chan(tx->chan);
	dma_cookie_t cookie;

	spin_lock_bh(&c->lock);
	cookie = c->chan.cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = cookie;
	c->chan.cookie = cookie;
	list_add_tail(&to_sw_desc(tx)->link, &c->submitted);
	spin_unlock_bh(&c->lock);
	return cookie;
}

static struct dma_async_tx_descriptor *
udma_sw_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		    size_t len, unsigned long flags)
{
	struct udma_sw_desc *d;

	if (!len)
		return NULL;
	d = udma_fault(UDMA_FP_SW_DESC) ? NULL : kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.flags = flags;
	d->tx.tx_submit = udma_sw_tx_submit;
	d->src = src;
	d->dst = dst;
	d->len = len;
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
	dma_set_tx_state(state, done, used, 0);
	return dma_async_is_complete(cookie, done, used);
}

/* Dropped descriptors are never completed, as dmaengine clients expect. */
static int udma_sw_terminate_all(struct dma_chan *chan)
{
	struct udma_sw_chan *c = to_sw_chan(chan);
	struct udma_sw_desc *d, *tmp;
	LIST_HEAD(dropped);

	spin_lock_bh(&c->lock);
	WRITE_ONCE(c->abort, true);
	list_splice_tail_init(&c->submitted, &dropped);
	list_splice_tail_init(&c->issued, &dropped);
	chan->completed_cookie = chan->cookie;
	spin_unlock_bh(&c->lock);

	list_for_each_entry_safe(d, tmp, &dropped, link)
		kfree(d);
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

bool udma_is_sw_engine(const struct dma_device *dd)
{
	return dd->device_prep_dma_memcpy == udma_sw_prep_memcpy;
}

const char *udma_engine_name(struct dma_chan *chan)
{
	if (udma_is_sw_engine(chan->device))
		return "sw";
	if (udma_is_edu_engine(chan->device))
		return "edu";
	return dev_driver_string(chan->device->dev);
}

static void udma_sw_release(struct dma_device *dd)
{
	kfree(container_of(dd, struct udma_sw_engine, dd));
}

struct dma_device *udma_sw_engine_create(struct device *dev)
{
	struct udma_sw_engine *e;
	int i, ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);

	/* only requested channels: no async_tx user may grab them */
	dma_cap_set(DMA_PRIVATE, e->dd.cap_mask);
	dma_cap_set(DMA_MEMCPY, e->dd.cap_mask);
	e->dd.dev = dev;
	e->dd.device_prep_dma_memcpy = udma_sw_prep_memcpy;
	e->dd.device_issue_pending = udma_sw_issue_pending;
	e->dd.device_tx_status = udma_sw_tx_status;
	e->dd.device_terminate_all = udma_sw_terminate_all;
	e->dd.device_synchronize = udma_sw_synchronize;
	e->dd.device_free_chan_resources = udma_sw_free_chan_resources;
	e->dd.device_release = udma_sw_release;
	e->dd.residue_granularity = DMA_RESIDUE_GRANULARITY_BURST;
	INIT_LIST_HEAD(&e->dd.channels);

	for (i = 0; i < UDMA_SW_CHANNELS; i++) {
		struct udma_sw_chan *c = &e->chans[i];

		c->chan.device = &e->dd;
		c->chan.cookie = DMA_MIN_COOKIE;
		c->chan.completed_cookie = DMA_MIN_COOKIE;
		spin_lock_init(&c->lock);
		INIT_LIST_HEAD(&c->submitted);
		INIT_LIST_HEAD(&c->issued);
		INIT_WORK(&c->work, udma_sw_work);
		list_add_tail(&c->chan.device_node, &e->dd.channels);
	}

	ret = dma_async_device_register(&e->dd);
	if (ret) {
		kfree(e);
		return ERR_PTR(ret);
	}
	return &e->dd;
}
