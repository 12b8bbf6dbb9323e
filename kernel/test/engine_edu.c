// SPDX-License-Identifier: GPL-2.0
/*
 * A dmaengine memcpy provider for the DMA engine of QEMU's edu device.
 *
 * The engine only moves bytes between memory and its 4 KiB on-device
 * buffer, so each copy goes through that buffer a chunk at a time: one
 * command from the source into the buffer, one from the buffer to the
 * destination, each finished by an interrupt.  A command the device cannot
 * take makes QEMU stop the whole machine (and QEMU 7.2 refuses one ending
 * exactly at the buffer's end), so chunks are EDU_MAX_XFER bytes at most
 * and every address is checked against the DMA mask before it reaches the
 * device.
 *
 * The BAR is mapped but not claimed: user-space drivers of the same device
 * (tools/edu.c) must still be able to map it.  The two must not be used at
 * the same time.  The engine's dma_device sits on a child of the PCI device
 * (edu.c), because the node's software engine already has the PCI device.
 */
#include <linux/dmaengine.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <qemu/edu.h>

#include "engine.h"
#include "fault.h"

struct udma_edu_desc {
	struct udma_engine_desc d;
	size_t done;
	/* an address the device would fault on: never reaches it */
	enum dmaengine_tx_result fault;
};

/* udma_engine_free_descs() frees what it finds on the lists */
static_assert(offsetof(struct udma_edu_desc, d) == 0);

struct udma_edu_engine {
	struct udma_engine e;
	struct dma_chan chan;
	struct pci_dev *pdev;
	void __iomem *bar;
	int irq;

	spinlock_t lock;		/* everything below */
	struct list_head submitted;
	struct list_head issued;
	struct list_head failed;	/* refused before running, to complete */
	struct udma_edu_desc *cur;	/* on the device */
	bool to_ram;			/* cur's running command is the second */
	bool abort;			/* terminate_all: drop cur after this command */
	bool busy;			/* a command is running on the device */
	wait_queue_head_t idle;
};

static struct udma_edu_engine *to_edu(struct dma_chan *chan)
{
	return container_of(chan, struct udma_edu_engine, chan);
}

static void udma_edu_command(struct udma_edu_engine *e, u64 src, u64 dst,
			     u64 count, u32 cmd)
{
	lockdep_assert_held(&e->lock);
	writeq(src, e->bar + EDU_REG_DMA_SRC);
	writeq(dst, e->bar + EDU_REG_DMA_DST);
	writeq(count, e->bar + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_RUN | EDU_DMA_IRQ, e->bar + EDU_REG_DMA_CMD);
	e->busy = true;
}

/* Start the next command of cur, or the next descriptor. */
static void udma_edu_kick(struct udma_edu_engine *e)
{
	struct udma_edu_desc *d = e->cur;
	size_t n;

	lockdep_assert_held(&e->lock);
	while (!d) {
		d = list_first_entry_or_null(&e->issued, struct udma_edu_desc,
					     d.link);
		if (!d)
			return;
		if (d->fault != DMA_TRANS_NOERROR) {
			/* completes in order, as a device fault would */
			e->chan.completed_cookie = d->d.tx.cookie;
			list_move_tail(&d->d.link, &e->failed);
			d = NULL;
			continue;
		}
		list_del(&d->d.link);
		e->cur = d;
		e->to_ram = false;
	}
	n = min_t(size_t, d->d.len - d->done, EDU_MAX_XFER);
	if (!e->to_ram)
		udma_edu_command(e, d->d.src + d->done, EDU_BUF_ADDR, n, 0);
	else
		udma_edu_command(e, EDU_BUF_ADDR, d->d.dst + d->done, n,
				 EDU_DMA_TO_RAM);
}

static void udma_edu_callback(struct udma_edu_desc *d,
			      enum dmaengine_tx_result result)
{
	udma_engine_callback(&d->d.tx, result, 0);
	kfree(d);
}

/* Report the descriptors kick refused; the lock is not held. */
static void udma_edu_complete_failed(struct udma_edu_engine *e)
{
	struct udma_edu_desc *d, *tmp;
	unsigned long flags;
	LIST_HEAD(failed);

	spin_lock_irqsave(&e->lock, flags);
	list_splice_init(&e->failed, &failed);
	spin_unlock_irqrestore(&e->lock, flags);
	list_for_each_entry_safe(d, tmp, &failed, d.link)
		udma_edu_callback(d, d->fault);
}

static irqreturn_t udma_edu_irq(int irq, void *data)
{
	struct udma_edu_engine *e = data;
	struct udma_edu_desc *d, *finished = NULL;

	if (!(readl(e->bar + EDU_REG_IRQ_STATUS) & EDU_IRQ_DMA))
		return IRQ_NONE;
	writel(EDU_IRQ_DMA, e->bar + EDU_REG_IRQ_ACK);

	spin_lock(&e->lock);
	e->busy = false;
	d = e->cur;
	if (d && e->abort) {
		/* terminate_all retired it: no callback; later work may start */
		e->cur = NULL;
		e->abort = false;
		kfree(d);
	} else if (d && !e->to_ram) {
		e->to_ram = true;
	} else if (d) {
		d->done += min_t(size_t, d->d.len - d->done, EDU_MAX_XFER);
		e->to_ram = false;
		if (d->done == d->d.len) {
			e->chan.completed_cookie = d->d.tx.cookie;
			e->cur = NULL;
			finished = d;
		}
	}
	udma_edu_kick(e);
	if (!e->busy)
		wake_up_all(&e->idle);
	spin_unlock(&e->lock);

	if (finished)
		udma_edu_callback(finished, DMA_TRANS_NOERROR);
	udma_edu_complete_failed(e);
	return IRQ_HANDLED;
}

static dma_cookie_t udma_edu_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct udma_edu_engine *e = to_edu(tx->chan);
	dma_cookie_t cookie;
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	cookie = udma_engine_cookie(tx);
	list_add_tail(&container_of(tx, struct udma_engine_desc, tx)->link,
		      &e->submitted);
	spin_unlock_irqrestore(&e->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
udma_edu_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		     size_t len, unsigned long flags)
{
	struct udma_edu_engine *e = to_edu(chan);
	u64 mask = dma_get_mask(&e->pdev->dev);
	struct udma_edu_desc *d;

	/* the device would silently clamp such an address, not fault */
	if (!len || src + len - 1 > mask || dst + len - 1 > mask ||
	    src + len < src || dst + len < dst)
		return NULL;
	if (udma_should_fail(UDMA_FP_EDU_DESC))
		return NULL;
	d = kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	/*
	 * Nor does it report a fault: an address it would fault on (unmapped
	 * behind the IOMMU, not RAM without one) fails here.  Registrations
	 * stay mapped while a transfer uses them; raw addresses (privileged)
	 * are checked now and used later, as any device would.
	 */
	if (!udma_reach_all(&e->pdev->dev, src, len))
		d->fault = DMA_TRANS_READ_FAILED;
	else if (!udma_reach_all(&e->pdev->dev, dst, len))
		d->fault = DMA_TRANS_WRITE_FAILED;
	udma_engine_desc_init(&d->d, chan, flags, dst, src, len,
			      udma_edu_tx_submit);
	return &d->d.tx;
}

static void udma_edu_issue_pending(struct dma_chan *chan)
{
	struct udma_edu_engine *e = to_edu(chan);
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	list_splice_tail_init(&e->submitted, &e->issued);
	if (!e->busy)
		udma_edu_kick(e);
	spin_unlock_irqrestore(&e->lock, flags);
	udma_edu_complete_failed(e);
}

static enum dma_status udma_edu_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	struct udma_edu_engine *e = to_edu(chan);
	dma_cookie_t used, done;
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	used = chan->cookie;
	done = chan->completed_cookie;
	spin_unlock_irqrestore(&e->lock, flags);
	return udma_engine_status(cookie, used, done, state);
}

/*
 * A running command cannot be stopped: the descriptor is dropped when it
 * ends, and synchronize waits for that.
 */
static int udma_edu_terminate_all(struct dma_chan *chan)
{
	struct udma_edu_engine *e = to_edu(chan);
	unsigned long flags;
	LIST_HEAD(dropped);

	spin_lock_irqsave(&e->lock, flags);
	list_splice_tail_init(&e->submitted, &dropped);
	list_splice_tail_init(&e->issued, &dropped);
	list_splice_tail_init(&e->failed, &dropped);
	if (e->cur && !e->busy) {
		list_add_tail(&e->cur->d.link, &dropped);
		e->cur = NULL;
	}
	e->abort = e->busy;
	chan->completed_cookie = chan->cookie;
	spin_unlock_irqrestore(&e->lock, flags);

	udma_engine_free_descs(&dropped);
	return 0;
}

static bool udma_edu_idle(struct udma_edu_engine *e)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&e->lock, flags);
	idle = !e->busy;
	spin_unlock_irqrestore(&e->lock, flags);
	return idle;
}

static void udma_edu_synchronize(struct dma_chan *chan)
{
	struct udma_edu_engine *e = to_edu(chan);

	wait_event(e->idle, udma_edu_idle(e));
	synchronize_irq(e->irq);
}

static void udma_edu_free_chan_resources(struct dma_chan *chan)
{
	udma_edu_terminate_all(chan);
	udma_edu_synchronize(chan);
}

static void udma_edu_free(struct udma_engine *ue)
{
	struct udma_edu_engine *e = container_of(ue, struct udma_edu_engine, e);

	free_irq(e->irq, e);
	pci_free_irq_vectors(e->pdev);
	pci_iounmap(e->pdev, e->bar);
	kfree(e);
}

/*
 * The engine of pdev, registered on host: a device with a driver bound
 * that is not pdev (edu.c makes one).
 */
struct udma_engine *udma_edu_engine_create(struct pci_dev *pdev,
					   struct device *host)
{
	struct udma_edu_engine *e;
	struct dma_device *dd;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->pdev = pdev;
	e->e.dma_dev = &pdev->dev;
	e->e.name = "edu";
	e->e.free = udma_edu_free;
	spin_lock_init(&e->lock);
	INIT_LIST_HEAD(&e->submitted);
	INIT_LIST_HEAD(&e->issued);
	INIT_LIST_HEAD(&e->failed);
	init_waitqueue_head(&e->idle);

	e->bar = pci_iomap(pdev, 0, 0);
	if (!e->bar) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		goto err_unmap;
	e->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(e->irq, udma_edu_irq, 0, "userdma-edu", e);
	if (ret)
		goto err_vectors;

	dd = &e->e.dd;
	dma_cap_set(DMA_PRIVATE, dd->cap_mask);
	dma_cap_set(DMA_MEMCPY, dd->cap_mask);
	dd->dev = host;
	dd->device_prep_dma_memcpy = udma_edu_prep_memcpy;
	dd->device_issue_pending = udma_edu_issue_pending;
	dd->device_tx_status = udma_edu_tx_status;
	dd->device_terminate_all = udma_edu_terminate_all;
	dd->device_synchronize = udma_edu_synchronize;
	dd->device_free_chan_resources = udma_edu_free_chan_resources;
	INIT_LIST_HEAD(&dd->channels);
	e->chan.device = dd;
	e->chan.cookie = DMA_MIN_COOKIE;
	e->chan.completed_cookie = DMA_MIN_COOKIE;
	list_add_tail(&e->chan.device_node, &dd->channels);

	ret = udma_engine_register(&e->e);
	if (ret)
		goto err_irq;
	return &e->e;

err_irq:
	free_irq(e->irq, e);
err_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_iounmap(pdev, e->bar);
err_free:
	kfree(e);
	return ERR_PTR(ret);
}
