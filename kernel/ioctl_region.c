// SPDX-License-Identifier: GPL-2.0
/*
 * The registration commands: REGISTER, SEGMENTS, SYNC, UNREGISTER (also
 * on buffers and imports, whose handles work like a registration's).
 */
#include <linux/uaccess.h>
#include <uapi/linux/userdma.h>

#include "fault.h"
#include "file.h"
#include "handle.h"
#include "ioctl.h"
#include "kinds.h"
#include "stage.h"

int udma_ioctl_register(struct userdma_file *uf, void *kcmd, void __user *arg,
			u32 usize)
{
	struct userdma_register *reg = kcmd;
	struct userdma_region *r;
	enum dma_data_direction dir;
	u32 handle;
	int ret;

	if (reg->flags || reg->reserved)
		return -EINVAL;
	dir = udma_dir(reg->direction);
	if (dir == DMA_NONE)
		return -EINVAL;
	if (reg->addr != (unsigned long)reg->addr)
		return -EFAULT;

	/* reserve the handle first: a full table must not cost a pin */
	ret = udma_handle_reserve(uf, &handle);
	if (ret)
		return ret;
	r = udma_user_create(uf->ref->dev, uf->ref, reg->addr, reg->length,
			     dir);
	if (IS_ERR(r)) {
		udma_handle_unreserve(uf, handle);
		return PTR_ERR(r);
	}
	reg->handle = handle;
	reg->nr_segments = r->nr_segs;
	return udma_handle_publish(uf, handle, r, arg, reg, sizeof(*reg),
				   usize);
}

static int udma_copy_segments(const struct userdma_region *r, u32 first,
			      u32 n, struct userdma_segment __user *out)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const struct userdma_seg *seg = &r->segs[first + i];
		struct userdma_segment s = {
			.dma_addr = seg->addr,
			.length = seg->length,
		};

		if (udma_should_fail(UDMA_FP_SEGMENTS_COPY))
			return -EFAULT;
		if (copy_to_user(&out[i], &s, sizeof(s)))
			return -EFAULT;
	}
	return 0;
}

int udma_ioctl_segments(struct userdma_file *uf, void *kcmd, void __user *arg,
			u32 usize)
{
	struct userdma_segments *cmd = kcmd;
	struct userdma_region *r;
	int ret;
	u32 n;

	if (cmd->reserved)
		return -EINVAL;
	r = udma_lookup(uf, cmd->handle);
	if (!r)
		return -ENOENT;
	/* first == total copies nothing: the end of a paging loop */
	if (cmd->first > r->nr_segs) {
		ret = -ERANGE;
		goto out;
	}
	n = min(cmd->count, r->nr_segs - cmd->first);
	ret = udma_copy_segments(r, cmd->first, n, u64_to_user_ptr(cmd->segs));
	if (ret)
		goto out;
	cmd->count = n;
	cmd->total = r->nr_segs;
	ret = udma_reply(arg, cmd, sizeof(*cmd), usize);
out:
	udma_region_put(r);
	return ret;
}

int udma_ioctl_sync(struct userdma_file *uf, void *kcmd, void __user *arg,
		    u32 usize)
{
	struct userdma_sync *cmd = kcmd;
	struct userdma_region *r;
	int ret;

	if (cmd->reserved || (cmd->flags != USERDMA_SYNC_FOR_CPU &&
			      cmd->flags != USERDMA_SYNC_FOR_DEVICE))
		return -EINVAL;
	r = udma_lookup(uf, cmd->handle);
	if (!r)
		return -ENOENT;
	ret = udma_sync_user(r, cmd->offset, cmd->length,
			     cmd->flags == USERDMA_SYNC_FOR_CPU, true);
	udma_region_put(r);
	/* the handle was released, or the device went, meanwhile */
	return ret == -ENODEV && !udma_devref_gone(uf->ref) ? -ENOENT : ret;
}

int udma_ioctl_unregister(struct userdma_file *uf, void *kcmd,
			  void __user *arg, u32 usize)
{
	struct userdma_unregister *cmd = kcmd;
	struct userdma_region *r;

	if (cmd->flags || cmd->reserved)
		return -EINVAL;
	r = udma_take(uf, cmd->handle);
	if (IS_ERR_OR_NULL(r))
		return r ? PTR_ERR(r) : -ENOENT;
	udma_handle_put(r);
	return 0;
}
