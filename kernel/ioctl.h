/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands of /dev/userdmaN.  The dispatcher (ioctl.c) copies each
 * command struct in once, by a table; a handler gets it ready, and
 * replies with udma_reply() (handle.h).
 */
#ifndef USERDMA_IOCTL_H
#define USERDMA_IOCTL_H

#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/types.h>

struct userdma_file;

typedef int (*udma_ioctl_fn)(struct userdma_file *uf, void *cmd,
			     void __user *arg, u32 usize);

/* ioctl.c */
long udma_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* ioctl_region.c */
int udma_ioctl_register(struct userdma_file *uf, void *cmd, void __user *arg,
			u32 usize);
int udma_ioctl_segments(struct userdma_file *uf, void *cmd, void __user *arg,
			u32 usize);
int udma_ioctl_sync(struct userdma_file *uf, void *cmd, void __user *arg,
		    u32 usize);
int udma_ioctl_unregister(struct userdma_file *uf, void *cmd,
			  void __user *arg, u32 usize);

/* ioctl_buf.c */
int udma_ioctl_alloc(struct userdma_file *uf, void *cmd, void __user *arg,
		     u32 usize);
int udma_ioctl_export(struct userdma_file *uf, void *cmd, void __user *arg,
		      u32 usize);
int udma_ioctl_import(struct userdma_file *uf, void *cmd, void __user *arg,
		      u32 usize);
int udma_mmap(struct file *file, struct vm_area_struct *vma);

/* xfer_ioctl.c */
int udma_ioctl_channel(struct userdma_file *uf, void *cmd, void __user *arg,
		       u32 usize);
int udma_ioctl_submit(struct userdma_file *uf, void *cmd, void __user *arg,
		      u32 usize);
int udma_ioctl_wait(struct userdma_file *uf, void *cmd, void __user *arg,
		    u32 usize);
ssize_t udma_xfer_read(struct userdma_file *uf, char __user *buf, size_t len,
		       bool nonblock);
__poll_t udma_xfer_poll(struct userdma_file *uf, struct file *file,
			poll_table *wait);

#endif /* USERDMA_IOCTL_H */
