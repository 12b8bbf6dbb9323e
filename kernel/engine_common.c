// SPDX-License-Identifier: GPL-2.0
/*
 * What every userdma dmaengine provider does the same way: registering
 * and releasing its dma_device, telling its channels apart from other
 * drivers', cookies, status, completion callbacks, dropping descriptors.
 */
#include <linux/dmaengine.h>
#include <linux/slab.h>

#include "engine.h"

static void udma_engine_release(struct dma_device *dd)
{
	struct udma_engine *e = container_of(dd, struct udma_engine, dd);

	e->free(e);
}

static struct udma_engine *udma_engine_of(struct dma_chan *chan)
{
	if (chan->device->device_release != udma_engine_release)
		return NULL;
	return container_of(chan->device, struct udma_engine, dd);
}

int udma_engine_register(struct udma_engine *e)
{
	e->dd.device_release = udma_engine_release;
	return dma_async_device_register(&e->dd);
}

void udma_engine_destroy(struct udma_engine *e)
{
	if (e)
		dma_async_device_unregister(&e->dd);
}

/* "sw", "edu", or the driver of someone else's channel */
const char *udma_engine_name(struct dma_chan *chan)
{
	struct udma_engine *e = udma_engine_of(chan);

	return e ? e->name : dev_driver_string(chan->device->dev);
}

/* The device whose DMA addresses the channel takes. */
struct device *udma_engine_dma_dev(struct dma_chan *chan)
{
	struct udma_engine *e = udma_engine_of(chan);

	return e ? e->dma_dev : chan->device->dev;
}

bool udma_engine_posts_inline(struct dma_chan *chan)
{
	struct udma_engine *e = udma_engine_of(chan);

	return e && e->callbacks_sleep;
}

void udma_engine_desc_init(struct udma_engine_desc *d, struct dma_chan *chan,
			   unsigned long flags, dma_addr_t dst, dma_addr_t src,
			   size_t len,
			   dma_cookie_t (*submit)(struct dma_async_tx_descriptor *))
{
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.flags = flags;
	d->tx.tx_submit = submit;
	d->src = src;
	d->dst = dst;
	d->len = len;
}

dma_cookie_t udma_engine_cookie(struct dma_async_tx_descriptor *tx)
{
	struct dma_chan *chan = tx->chan;
	dma_cookie_t cookie = chan->cookie + 1;

	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = cookie;
	chan->cookie = cookie;
	return cookie;
}

enum dma_status udma_engine_status(dma_cookie_t cookie, dma_cookie_t used,
				   dma_cookie_t done,
				   struct dma_tx_state *state)
{
	dma_set_tx_state(state, done, used, 0);
	return dma_async_is_complete(cookie, done, used);
}

/* The client's callback, in whatever context the engine completes in. */
void udma_engine_callback(struct dma_async_tx_descriptor *tx,
			  enum dmaengine_tx_result result, u32 residue)
{
	struct dmaengine_result res = { .result = result, .residue = residue };

	if (tx->callback_result)
		tx->callback_result(tx->callback_param, &res);
	else if (tx->callback)
		tx->callback(tx->callback_param);
}

/* Dropped descriptors are never completed, as dmaengine clients expect. */
void udma_engine_free_descs(struct list_head *descs)
{
	struct udma_engine_desc *d, *tmp;

	list_for_each_entry_safe(d, tmp, descs, link)
		kfree(d);
}
