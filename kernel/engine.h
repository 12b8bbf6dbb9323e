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

/*
 * One side of a copy (engine_reach.c): the next device address, the
 * physically contiguous run of RAM it resolved to and how much is left.
 */
struct udma_reach {
	struct device *dev;
	bool iommu;
	dma_addr_t addr;
	phys_addr_t phys;
	size_t run;
};

int udma_reach_setup(void);
void udma_reach_teardown(void);
void udma_reach_init(struct udma_reach *s, struct device *dev, dma_addr_t addr);
/* Resolve at most max bytes from s->addr; -EFAULT where the device faults. */
int udma_reach_resolve(struct udma_reach *s, size_t max);
void udma_reach_advance(struct udma_reach *s, size_t n);
bool udma_reach_all(struct device *dev, dma_addr_t addr, size_t len);

/* "sw", "edu", or the driver of someone else's channel */
const char *udma_engine_name(struct dma_chan *chan);

static inline void udma_engine_destroy(struct dma_device *dd)
{
	if (dd)
		dma_async_device_unregister(dd);
}

#endif /* USERDMA_ENGINE_H */
