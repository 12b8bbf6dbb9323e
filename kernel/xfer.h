/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transfers: copies between registrations (or device addresses) through a
 * dmaengine channel bound to one open file.
 */
#ifndef USERDMA_XFER_H
#define USERDMA_XFER_H

#include <linux/poll.h>

struct userdma_file;
struct udma_xfer_ctx;

int udma_ioctl_channel(struct userdma_file *uf, void __user *arg);
int udma_ioctl_submit(struct userdma_file *uf, void __user *arg);
int udma_ioctl_wait(struct userdma_file *uf, void __user *arg);
ssize_t udma_xfer_read(struct userdma_file *uf, char __user *buf, size_t len,
		       bool nonblock);
__poll_t udma_xfer_poll(struct userdma_file *uf, struct file *file,
			poll_table *wait);

/* Stop the channel and finish every transfer before regions go away. */
void udma_xfer_stop(struct userdma_file *uf);
/* Free what udma_xfer_stop() left: the completions nobody read. */
void udma_xfer_free(struct userdma_file *uf);

extern unsigned int udma_max_inflight;
extern unsigned int udma_max_xfer_pieces;
extern unsigned int udma_xfer_timeout_ms;

#endif /* USERDMA_XFER_H */
