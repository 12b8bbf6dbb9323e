/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userdma's own dmaengine providers, registered on a node's device so that
 * the transfer layer runs on them exactly as on hardware channels.
 */
#ifndef USERDMA_ENGINE_H
#define USERDMA_ENGINE_H

#include <linux/dmaengine.h>

struct pci_dev;

int udma_sw_init(void);
void udma_sw_exit(void);
struct dma_device *udma_sw_engine_create(struct device *dev);
bool udma_is_sw_engine(const struct dma_device *dd);
struct dma_device *udma_edu_engine_create(struct pci_dev *pdev);
bool udma_is_edu_engine(const struct dma_device *dd);

/* "sw", "edu", or the driver of someone else's channel */
const char *udma_engine_name(struct dma_chan *chan);

static inline void udma_engine_destroy(struct dma_device *dd)
{
	if (dd)
		dma_async_device_unregister(dd);
}

#endif /* USERDMA_ENGINE_H */
