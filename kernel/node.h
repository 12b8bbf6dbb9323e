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
#include "region.h"

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

struct userdma_node {
	struct device dev;		/* the class device behind /dev/userdmaN */
	struct cdev cdev;
	struct device *dma_dev;		/* what regions are mapped for */
	const char *binding;		/* why this driver took the device */
	const struct udma_node_ops *ops;
	struct udma_devref ref;		/* regions, counters, and gone */

	struct mutex files_lock;	/* files, nr_open, reset_on_release */
	struct list_head files;
	unsigned int nr_open;
	bool reset_on_release;
	struct dentry *debugfs;
	struct dma_device *sw_engine;	/* the CPU as this device's DMA engine */
};

struct userdma_file {
	struct userdma_node *node;
	struct xarray regions;		/* handle -> region, one reference each */
	struct list_head link;		/* in node->files */
	struct mutex xfer_lock;		/* binding the channel */
	struct udma_xfer_ctx *xfer;	/* set once, freed with the file */
	/* completions and the device's departure; poll() waits here */
	wait_queue_head_t wq;
};

struct userdma_node *udma_node_create(struct device *dma_dev,
				      const char *binding,
				      const struct udma_node_ops *ops);
void udma_node_destroy(struct userdma_node *node);
int udma_nodes_init(void);
void udma_nodes_exit(void);

void udma_file_release_regions(struct userdma_file *uf);
struct userdma_region *udma_take(struct userdma_file *uf, unsigned long handle);
struct userdma_region *udma_lookup(struct userdma_file *uf, u32 handle);
int udma_handle_reserve(struct userdma_file *uf, u32 *handle);
int udma_handle_publish(struct userdma_file *uf, u32 handle,
			struct userdma_region *r, void __user *arg, void *kcmd,
			size_t ksize, u32 usize);
struct userdma_region *udma_lookup_busy(struct userdma_file *uf, u32 handle);
int udma_copy_cmd(void *kcmd, size_t ksize, size_t min_size,
		  void __user *ucmd, u32 *usize);
int udma_reply(void __user *ucmd, void *kcmd, size_t ksize, u32 usize);
int udma_reply_nofault(void __user *ucmd, void *kcmd, size_t ksize, u32 usize);
long udma_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
enum dma_data_direction udma_dir(u32 direction);

/* ioctl_buf.c */
int udma_ioctl_alloc(struct userdma_file *uf, void __user *arg);
int udma_ioctl_export(struct userdma_file *uf, void __user *arg);
int udma_ioctl_import(struct userdma_file *uf, void __user *arg);
int udma_mmap(struct file *file, struct vm_area_struct *vma);

extern unsigned int udma_max_regions;

#endif /* USERDMA_NODE_H */
