/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A node is one /dev/userdmaN bound to one DMA-capable device; each open
 * file of it owns a table of handles to regions.
 */
#ifndef USERDMA_NODE_H
#define USERDMA_NODE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

#include "devref.h"
#include "file.h"

/*
 * What the bus a node's device sits on does for it.  The device may master
 * the bus only while a file of the node is open: when the last one closes
 * (or its process dies) quiesce() stops its DMA before any page of it is
 * unmapped or unpinned, since whoever programmed it may be gone.
 */
struct udma_node_ops {
	void (*activate)(struct device *dev);
	void (*quiesce)(struct device *dev, bool reset);
	bool (*can_reset)(struct device *dev);
};

struct udma_engine;

/*
 * Lock order, outermost first (docs/design.md has the whole module's):
 * files_lock, then a file's xfer_lock, then the devref's gone_sem.
 */
struct userdma_node {
	struct device dev;		/* the class device behind /dev/userdmaN */
	struct cdev cdev;
	struct device *dma_dev;		/* what regions are mapped for */
	const struct udma_node_ops *ops;
	struct udma_devref ref;		/* regions, counters, and gone */

	struct mutex files_lock;	/* files, nr_open, reset_on_release */
	struct list_head files;
	unsigned int nr_open;
	bool reset_on_release;
	struct dentry *debugfs;
	struct udma_engine *sw_engine;	/* the CPU as this device's DMA engine */
};

struct userdma_node *udma_node_create(struct device *dma_dev,
				      const char *binding,
				      const struct udma_node_ops *ops);
void udma_node_destroy(struct userdma_node *node);
int udma_nodes_init(void);
void udma_nodes_exit(void);

#endif /* USERDMA_NODE_H */
