/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userdma's own dmaengine providers, on which the transfer layer runs
 * exactly as on hardware channels: the software engine (engine_sw.c) and,
 * in test builds, the edu device's engine (engine_edu.c).  Each embeds a
 * struct udma_engine, which says what the transfer layer must know of it,
 * and shares the bookkeeping every provider needs (engine_common.c).
 */
#ifndef USERDMA_ENGINE_H
#define USERDMA_ENGINE_H

#include <linux/dmaengine.h>
#include <linux/list.h>

struct udma_engine {
	struct dma_device dd;
	/* whose DMA addresses it takes (dd.dev may be a child of it) */
	struct device *dma_dev;
	const char *name;		/* CHANNEL's name for it: "sw", "edu" */
	/* completion callbacks run in process context with no lock held */
	bool callbacks_sleep;
	void (*free)(struct udma_engine *e);
};

/* A memcpy descriptor of one of our engines. */
struct udma_engine_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head link;
	dma_addr_t src, dst;
	size_t len;
};

int udma_engine_register(struct udma_engine *e);
void udma_engine_destroy(struct udma_engine *e);
const char *udma_engine_name(struct dma_chan *chan);
struct device *udma_engine_dma_dev(struct dma_chan *chan);
bool udma_engine_posts_inline(struct dma_chan *chan);

void udma_engine_desc_init(struct udma_engine_desc *d, struct dma_chan *chan,
			   unsigned long flags, dma_addr_t dst, dma_addr_t src,
			   size_t len,
			   dma_cookie_t (*submit)(struct dma_async_tx_descriptor *));
/* The channel's lock held: the descriptor's cookie. */
dma_cookie_t udma_engine_cookie(struct dma_async_tx_descriptor *tx);
enum dma_status udma_engine_status(dma_cookie_t cookie, dma_cookie_t used,
				   dma_cookie_t done,
				   struct dma_tx_state *state);
void udma_engine_callback(struct dma_async_tx_descriptor *tx,
			  enum dmaengine_tx_result result, u32 residue);
void udma_engine_free_descs(struct list_head *descs);

/* engine_sw.c */
int udma_sw_init(void);
void udma_sw_exit(void);
struct udma_engine *udma_sw_engine_create(struct device *dev);

#ifdef USERDMA_EDU
struct pci_dev;
/* test/engine_edu.c */
struct udma_engine *udma_edu_engine_create(struct pci_dev *pdev,
					   struct device *host);
#endif

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

#endif /* USERDMA_ENGINE_H */
