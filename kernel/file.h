/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One open file of a node: its handles, its channel, where its waiters
 * sleep, and the device it works on.  The node itself (node.c) is above
 * everything that uses an open file; those see only what is here.
 */
#ifndef USERDMA_FILE_H
#define USERDMA_FILE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct udma_devref;
struct udma_xfer_ctx;
struct userdma_node;

struct userdma_file {
	struct userdma_node *node;	/* node.c's */
	struct udma_devref *ref;	/* the device, and whether it is gone */
	struct xarray regions;		/* handle -> region, one reference each */
	struct list_head link;		/* in the node's files */
	/*
	 * binding and stopping the channel; never across user memory.
	 * Lock order (docs/design.md): inside the node's files_lock,
	 * outside the devref's gone_sem.
	 */
	struct mutex xfer_lock;
	struct udma_xfer_ctx *xfer;	/* set once, freed with the file */
	/* completions and the device's departure; poll() waits here */
	wait_queue_head_t wq;
};

#endif /* USERDMA_FILE_H */
