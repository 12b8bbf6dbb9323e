// SPDX-License-Identifier: GPL-2.0
/*
 * The commands of /dev/userdmaN, dispatched by one table: each command's
 * struct is copied in once, here, from at least its first published
 * layout (its size computed from the struct and checked against the UAPI
 * header's USERDMA_*_SIZE_VER0 at build time) up to this kernel's; the
 * handler gets it ready.  INFO lives here: it only describes the device.
 *
 * No lock is held around a command: each takes the device (devref.c) only
 * around its device work, never across an access to user memory, which
 * could wait for ever on a fault and so hold off a departing device.  A
 * command the device's departure overtook (its handles released, its
 * channel stopped) fails as every later one does: ENODEV.
 */
#include <linux/build_bug.h>
#include <linux/dma-mapping.h>
#include <linux/stddef.h>
#include <uapi/linux/userdma.h>

#include "devcaps.h"
#include "devref.h"
#include "file.h"
#include "handle.h"
#include "ioctl.h"
#include "params.h"
#include "region.h"

/* Works on a node whose device has gone (WAIT: completions outlive it). */
#define UDMA_IOCTL_AFTER_GONE	BIT(0)

struct udma_ioctl_op {
	unsigned int cmd;
	unsigned int flags;
	size_t size;			/* this kernel's struct */
	size_t min_size;		/* its first published layout */
	udma_ioctl_fn fn;
};

/* USERDMA_IOC_<NR> takes struct userdma_<name> to udma_ioctl_<name>() */
#define UDMA_IOCTL(_nr, _name, _last, _flags)				\
	[_IOC_NR(USERDMA_IOC_##_nr)] = {				\
		.cmd = USERDMA_IOC_##_nr,				\
		.flags = _flags,					\
		.size = sizeof(struct userdma_##_name),			\
		.min_size = offsetofend(struct userdma_##_name, _last),	\
		.fn = udma_ioctl_##_name,				\
	}

#define UDMA_VER0(_nr, _struct, _last)					\
	static_assert(offsetofend(struct _struct, _last) ==		\
		      USERDMA_##_nr##_SIZE_VER0)

UDMA_VER0(INFO, userdma_info, driver_name);
UDMA_VER0(REGISTER, userdma_register, reserved);
UDMA_VER0(SEGMENTS, userdma_segments, reserved);
UDMA_VER0(SYNC, userdma_sync, reserved);
UDMA_VER0(UNREGISTER, userdma_unregister, reserved);
UDMA_VER0(CHANNEL, userdma_channel, engine);
UDMA_VER0(SUBMIT, userdma_submit, xfer_size);
UDMA_VER0(WAIT, userdma_wait, completion);
UDMA_VER0(ALLOC, userdma_alloc, mmap_offset);
UDMA_VER0(EXPORT, userdma_export, fd);
UDMA_VER0(IMPORT, userdma_import, nr_segments);
static_assert(offsetofend(struct userdma_xfer, cookie) ==
	      USERDMA_XFER_SIZE_VER0);

static int udma_ioctl_info(struct userdma_file *uf, void *kcmd,
			   void __user *arg, u32 usize)
{
	struct device *dev = uf->ref->dev;
	struct userdma_info *info = kcmd;

	/* all of it is output: a reused struct must not be refused */
	memset(info, 0, sizeof(*info));
	info->flags = udma_info_flags(dev);
	info->abi_version = USERDMA_ABI_VERSION;
	info->page_size = PAGE_SIZE;
	info->dma_mask = dma_get_mask(dev);
	info->max_seg_size = udma_max_seg_size(dev);
	info->max_region_bytes = (u64)udma_max_region_mb << 20;
	info->max_regions = udma_max_regions;
	strscpy(info->device, dev_name(dev), sizeof(info->device));
	strscpy(info->bus, dev->bus ? dev->bus->name : "", sizeof(info->bus));
	strscpy(info->driver_name, uf->ref->binding, sizeof(info->driver_name));
	return udma_reply(arg, info, sizeof(*info), usize);
}

static const struct udma_ioctl_op udma_ioctl_ops[] = {
	UDMA_IOCTL(INFO, info, driver_name, 0),
	UDMA_IOCTL(REGISTER, register, reserved, 0),
	UDMA_IOCTL(SEGMENTS, segments, reserved, 0),
	UDMA_IOCTL(SYNC, sync, reserved, 0),
	UDMA_IOCTL(UNREGISTER, unregister, reserved, 0),
	UDMA_IOCTL(CHANNEL, channel, engine, 0),
	UDMA_IOCTL(SUBMIT, submit, xfer_size, 0),
	UDMA_IOCTL(WAIT, wait, completion, UDMA_IOCTL_AFTER_GONE),
	UDMA_IOCTL(ALLOC, alloc, mmap_offset, 0),
	UDMA_IOCTL(EXPORT, export, fd, 0),
	UDMA_IOCTL(IMPORT, import, nr_segments, 0),
};

/* Room for any command struct: the largest is INFO's. */
union udma_cmd {
	struct userdma_info info;
	struct userdma_register reg;
	struct userdma_segments segments;
	struct userdma_sync sync;
	struct userdma_unregister unregister;
	struct userdma_channel channel;
	struct userdma_submit submit;
	struct userdma_wait wait;
	struct userdma_alloc alloc;
	struct userdma_export export;
	struct userdma_import import;
};

long udma_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct userdma_file *uf = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct udma_ioctl_op *op;
	union udma_cmd kcmd;
	bool after_gone;
	u32 usize;
	long ret;

	if (_IOC_NR(cmd) >= ARRAY_SIZE(udma_ioctl_ops))
		return -ENOTTY;
	op = &udma_ioctl_ops[_IOC_NR(cmd)];
	if (!op->fn || op->cmd != cmd)
		return -ENOTTY;
	after_gone = op->flags & UDMA_IOCTL_AFTER_GONE;
	if (!after_gone && udma_devref_gone(uf->ref))
		return -ENODEV;

	ret = udma_copy_cmd(&kcmd, op->size, op->min_size, uarg, &usize);
	if (!ret)
		ret = op->fn(uf, &kcmd, uarg, usize);
	if (ret < 0 && !after_gone && udma_devref_gone(uf->ref))
		ret = -ENODEV;
	return ret;
}
