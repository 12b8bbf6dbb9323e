// SPDX-License-Identifier: GPL-2.0
/*
 * The bench ioctl, built only with USERDMA_BENCH=y for `make bench`.
 *
 * It gives the benchmarks the baselines user space cannot measure: the
 * kernel's own pin and map primitives called back to back with no ioctl
 * around them, userdma's register path without its ioctl and stage by
 * stage, and the copy path a read()/write() driver takes (user memory into
 * a kernel bounce buffer, the same software DMA engine, back out).  Time
 * is read with ktime; stage timing adds clock reads, so totals are taken
 * in separate runs without it.
 */
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <uapi/linux/userdma.h>

#include "bench.h"
#include "compat.h"
#include "node.h"

/*
 * A read()/write() driver moves data through a bounded kernel buffer; 1 MiB
 * is large enough that per-chunk overhead is noise next to the copies.
 */
#define UDMA_BENCH_BOUNCE	SZ_1M
#define UDMA_BENCH_XFER_TIMEOUT	(60 * HZ)

/* One benchmark at a time: the stage clock is global. */
static DEFINE_MUTEX(udma_bench_lock);

/*
 * Stamps come from code every task runs (pin.c, map.c), so they count only
 * for the task being timed.  The clock is static, never on a stack, so a
 * task racing a stamp reads nothing that can go away.
 */
static struct {
	struct task_struct *task;
	u64 last;
	u64 ns[USERDMA_BENCH_NS_SLOTS];
} udma_bench_clk;

void udma_bench_stamp(unsigned int slot)
{
	u64 now;

	if (READ_ONCE(udma_bench_clk.task) != current)
		return;
	now = ktime_get_ns();
	udma_bench_clk.ns[slot] += now - udma_bench_clk.last;
	udma_bench_clk.last = now;
}

static void udma_bench_clock_start(bool stages)
{
	memset(udma_bench_clk.ns, 0, sizeof(udma_bench_clk.ns));
	WRITE_ONCE(udma_bench_clk.task, stages ? current : NULL);
}

static void udma_bench_iter_start(void)
{
	udma_bench_clk.last = ktime_get_ns();
}

static void udma_bench_clock_stop(struct userdma_bench *b)
{
	WRITE_ONCE(udma_bench_clk.task, NULL);
	memcpy(b->ns, udma_bench_clk.ns, sizeof(b->ns));
}

static enum dma_data_direction udma_bench_dir(u32 direction)
{
	switch (direction) {
	case USERDMA_DIR_TO_DEVICE:
		return DMA_TO_DEVICE;
	case USERDMA_DIR_FROM_DEVICE:
		return DMA_FROM_DEVICE;
	case USERDMA_DIR_BIDIRECTIONAL:
		return DMA_BIDIRECTIONAL;
	default:
		return DMA_NONE;
	}
}

/*
 * The raw primitives once, as a minimal correct driver would call them:
 * one pin call for the whole range, the same segment limit userdma uses
 * (swiotlb refuses longer entries), map, unmap, unpin.
 */
static int udma_bench_raw_once(struct device *dev, struct userdma_bench *b,
			       enum dma_data_direction dir)
{
	unsigned long start = b->addr & PAGE_MASK;
	unsigned long npages = DIV_ROUND_UP(offset_in_page(b->addr) + b->length,
					    PAGE_SIZE);
	unsigned int gup = FOLL_LONGTERM;
	unsigned int max_seg;
	unsigned long pinned = 0;
	struct sg_table sgt;
	struct page **pages;
	int ret;

	if (dir != DMA_TO_DEVICE)
		gup |= FOLL_WRITE;
	max_seg = max_t(unsigned int,
			ALIGN_DOWN(udma_max_seg_size(dev), PAGE_SIZE), PAGE_SIZE);

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	udma_bench_stamp(USERDMA_BENCH_NS_ALLOC);

	while (pinned < npages) {
		ret = pin_user_pages_fast(start + pinned * PAGE_SIZE,
					  min_t(unsigned long, npages - pinned,
						INT_MAX),
					  gup, pages + pinned);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			goto err_unpin;
		}
		pinned += ret;
	}
	udma_bench_stamp(USERDMA_BENCH_NS_PIN);

	ret = udma_sg_from_pages(&sgt, pages, npages, offset_in_page(b->addr),
				 b->length, max_seg, GFP_KERNEL);
	if (ret)
		goto err_unpin;
	udma_bench_stamp(USERDMA_BENCH_NS_SG);

	ret = dma_map_sgtable(dev, &sgt, dir, 0);
	if (ret)
		goto err_free_table;
	udma_bench_stamp(USERDMA_BENCH_NS_MAP);
	b->nents = sgt.nents;

	dma_unmap_sgtable(dev, &sgt, dir, 0);
	sg_free_table(&sgt);
	udma_bench_stamp(USERDMA_BENCH_NS_UNMAP);
	unpin_user_pages_dirty_lock(pages, npages, dir != DMA_TO_DEVICE);
	udma_bench_stamp(USERDMA_BENCH_NS_UNPIN);
	kvfree(pages);
	udma_bench_stamp(USERDMA_BENCH_NS_ALLOC);
	return 0;

err_free_table:
	sg_free_table(&sgt);
err_unpin:
	unpin_user_pages(pages, pinned);
	kvfree(pages);
	return ret;
}

/* userdma's register and release, minus the ioctl and its handle table. */
static int udma_bench_region_once(struct device *dev, struct userdma_bench *b,
				  enum dma_data_direction dir)
{
	struct userdma_region *r;

	r = udma_region_create(dev, NULL, b->addr, b->length, dir);
	if (IS_ERR(r))
		return PTR_ERR(r);
	b->nents = r->nr_segs;
	udma_region_put(r);
	return 0;
}

static int udma_bench_pipeline(struct device *dev, struct userdma_bench *b)
{
	enum dma_data_direction dir = udma_bench_dir(b->direction);
	u64 t0;
	u32 i;
	int ret = 0;

	if (dir == DMA_NONE)
		return -EINVAL;
	udma_bench_clock_start(b->flags & USERDMA_BENCH_STAGES);
	t0 = ktime_get_ns();
	for (i = 0; i < b->iters && !ret; i++) {
		udma_bench_iter_start();
		if (b->op == USERDMA_BENCH_RAW)
			ret = udma_bench_raw_once(dev, b, dir);
		else
			ret = udma_bench_region_once(dev, b, dir);
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	udma_bench_clk.ns[USERDMA_BENCH_NS_TOTAL] = ktime_get_ns() - t0;
	udma_bench_clock_stop(b);
	return ret;
}

struct udma_bench_copy {
	struct dma_chan *chan;
	struct completion done;
	enum dmaengine_tx_result result;
};

static bool udma_bench_chan_match(struct dma_chan *chan, void *engine)
{
	return chan->device == engine;
}

static void udma_bench_copy_done(void *param,
				 const struct dmaengine_result *res)
{
	struct udma_bench_copy *c = param;

	c->result = res->result;
	complete(&c->done);
}

/* One engine copy between the two bounce buffers, waited for. */
static int udma_bench_engine(struct udma_bench_copy *c, dma_addr_t dst,
			     dma_addr_t src, size_t len)
{
	struct dma_async_tx_descriptor *tx;

	tx = dmaengine_prep_dma_memcpy(c->chan, dst, src, len,
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
				struct userdma_bench *b, void *ka,
				dma_addr_t da, void *kb, dma_addr_t db)
{
	void __user *src = u64_to_user_ptr(b->addr);
	void __user *dst = u64_to_user_ptr(b->addr2);
	u64 off;
	int ret;

	for (off = 0; off < b->length; off += UDMA_BENCH_BOUNCE) {
		size_t n = min_t(u64, b->length - off, UDMA_BENCH_BOUNCE);

		if (copy_from_user(ka, src + off, n))
			return -EFAULT;
		udma_bench_stamp(USERDMA_BENCH_NS_FROM_USER);
		ret = udma_bench_engine(c, db, da, n);
		if (ret)
			return ret;
		udma_bench_stamp(USERDMA_BENCH_NS_ENGINE);
		if (copy_to_user(dst + off, kb, n))
			return -EFAULT;
		udma_bench_stamp(USERDMA_BENCH_NS_TO_USER);
	}
	return 0;
}

/*
 * The copy path: what a driver without zero-copy does for write() then
 * read().  The bounce buffers are coherent allocations made once, as such
 * a driver would at open, so only the copies are timed.
 */
static int udma_bench_copypath(struct userdma_node *node,
			       struct userdma_bench *b)
{
	struct device *dev = node->dma_dev;
	struct udma_bench_copy c = { };
	dma_addr_t da, db;
	dma_cap_mask_t mask;
	void *ka, *kb;
	u64 t0;
	u32 i;
	int ret = 0;

	if (!node->sw_engine)
		return -ENODEV;
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	c.chan = dma_request_channel(mask, udma_bench_chan_match,
				     node->sw_engine);
	if (!c.chan)
		return -EBUSY;
	init_completion(&c.done);

	ka = dma_alloc_coherent(dev, UDMA_BENCH_BOUNCE, &da, GFP_KERNEL);
	if (!ka) {
		ret = -ENOMEM;
		goto err_release_chan;
	}
	kb = dma_alloc_coherent(dev, UDMA_BENCH_BOUNCE, &db, GFP_KERNEL);
	if (!kb) {
		ret = -ENOMEM;
		goto err_free_a;
	}

	udma_bench_clock_start(b->flags & USERDMA_BENCH_STAGES);
	t0 = ktime_get_ns();
	for (i = 0; i < b->iters && !ret; i++) {
		udma_bench_iter_start();
		ret = udma_bench_copy_once(&c, b, ka, da, kb, db);
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	udma_bench_clk.ns[USERDMA_BENCH_NS_TOTAL] = ktime_get_ns() - t0;
	udma_bench_clock_stop(b);

	dma_free_coherent(dev, UDMA_BENCH_BOUNCE, kb, db);
err_free_a:
	dma_free_coherent(dev, UDMA_BENCH_BOUNCE, ka, da);
err_release_chan:
	dma_release_channel(c.chan);
	return ret;
}

/*
 * The kernel's copy routines alone, between two kernel buffers of length
 * bytes: memcpy(), and memcpy_flushcache() which the sw engine copies
 * with, to tell the engine's own overhead from the copy itself, and both
 * from user space's memcpy().
 */
static int udma_bench_kcopy(struct userdma_bench *b)
{
	void *src, *dst;
	u64 t0;
	u32 i;

	if (b->length > SZ_64M)
		return -E2BIG;
	src = kvmalloc(b->length, GFP_KERNEL);
	dst = kvmalloc(b->length, GFP_KERNEL);
	if (!src || !dst) {
		kvfree(src);
		kvfree(dst);
		return -ENOMEM;
	}
	memset(src, 0x5a, b->length);
	memset(dst, 0, b->length);
	t0 = ktime_get_ns();
	for (i = 0; i < b->iters; i++) {
		if (b->direction == USERDMA_BENCH_KCOPY_ENGINE)
			memcpy_flushcache(dst, src, b->length);
		else
			memcpy(dst, src, b->length);
	}
	b->ns[USERDMA_BENCH_NS_TOTAL] = ktime_get_ns() - t0;
	kvfree(src);
	kvfree(dst);
	return 0;
}

int udma_ioctl_bench(struct userdma_file *uf, void __user *arg)
{
	struct userdma_bench b;
	u32 usize;
	int ret;

	ret = udma_copy_cmd(&b, sizeof(b), sizeof(b), arg, &usize);
	if (ret)
		return ret;
	/* the null op stops here: one ioctl round trip with its copy-in */
	if (b.op == USERDMA_BENCH_NULL)
		return 0;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!b.iters || !b.length || b.flags & ~USERDMA_BENCH_STAGES)
		return -EINVAL;
	if (mutex_lock_interruptible(&udma_bench_lock))
		return -EINTR;

	b.nents = 0;
	switch (b.op) {
	case USERDMA_BENCH_RAW:
	case USERDMA_BENCH_REGION:
		ret = udma_bench_pipeline(uf->node->dma_dev, &b);
		break;
	case USERDMA_BENCH_COPYPATH:
		ret = udma_bench_copypath(uf->node, &b);
		break;
	case USERDMA_BENCH_KCOPY:
		ret = udma_bench_kcopy(&b);
		break;
	default:
		ret = -EINVAL;
	}
	mutex_unlock(&udma_bench_lock);
	if (ret)
		return ret;
	return udma_reply(arg, &b, sizeof(b), usize);
}
