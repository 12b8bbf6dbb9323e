// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/userdmaN.  Each command struct begins with its size:
 * copy_struct_from_user() zero-fills what an older caller did not pass and
 * refuses (E2BIG) unknown trailing bytes that are not zero; outputs are
 * copied back only as far as the caller's struct reaches.
 */
#include <linux/dma-map-ops.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>
#include <uapi/linux/userdma.h>

#include "bench.h"
#include "compat.h"
#include "fault.h"
#include "node.h"
#include "xfer.h"

/*
 * Read a command struct the caller says is *usize bytes long.  Sizes past a
 * page are refused outright: checking that a huge tail is zero would let
 * one ioctl read gigabytes.
 */
int udma_copy_cmd(void *kcmd, size_t ksize, size_t min_size,
		  void __user *ucmd, u32 *usize)
{
	if (udma_fault(UDMA_FP_COPY_CMD) || get_user(*usize, (u32 __user *)ucmd))
		return -EFAULT;
	if (*usize < min_size)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(kcmd, ksize, ucmd, *usize);
}

int udma_reply(void __user *ucmd, void *kcmd, size_t ksize, u32 usize)
{
	u32 n = min_t(u32, usize, ksize);

	/* tell the caller how much of its struct this kernel filled */
	*(u32 *)kcmd = n;
	if (udma_fault(UDMA_FP_REPLY))
		return -EFAULT;
	return copy_to_user(ucmd, kcmd, n) ? -EFAULT : 0;
}

/*
 * The same for a caller holding what a departing device waits for: a
 * page that is not there is -EFAULT instead of a fault, which could wait
 * for ever (userfaultfd, FUSE).  The caller faults it in unlocked and
 * tries again.
 */
int udma_reply_nofault(void __user *ucmd, void *kcmd, size_t ksize, u32 usize)
{
	u32 n = min_t(u32, usize, ksize);

	*(u32 *)kcmd = n;
	if (udma_fault(UDMA_FP_REPLY))
		return -EFAULT;
	return copy_to_user_nofault(ucmd, kcmd, n) ? -EFAULT : 0;
}

/*
 * Handles are reserved before anything is acquired, so that a full table
 * costs nothing, and published only once the reply has reached the caller:
 * until then no other thread can see (or UNREGISTER) the handle.
 */
int udma_handle_reserve(struct userdma_file *uf, u32 *handle)
{
	int ret;

	if (udma_fault(UDMA_FP_HANDLE_RESERVE))
		return -ENOMEM;
	ret = xa_alloc(&uf->regions, handle, NULL,
		       XA_LIMIT(1, udma_max_regions), GFP_KERNEL_ACCOUNT);
	return ret == -EBUSY ? -ENOSPC : ret;
}

/* Reply, then publish r under handle; on failure both are let go. */
int udma_handle_publish(struct userdma_file *uf, u32 handle,
			struct userdma_region *r, void __user *arg, void *kcmd,
			size_t ksize, u32 usize)
{
	int ret = udma_reply(arg, kcmd, ksize, usize);

	if (ret) {
		udma_region_put(r);
		xa_release(&uf->regions, handle);
		return ret;
	}
	xa_store(&uf->regions, handle, r, GFP_KERNEL);
	return 0;
}

struct userdma_region *udma_lookup(struct userdma_file *uf, u32 handle)
{
	struct userdma_region *r;

	xa_lock(&uf->regions);
	r = xa_load(&uf->regions, handle);
	if (r)
		udma_region_get(r);
	xa_unlock(&uf->regions);
	return r;
}

/* A reference that also keeps the region from being unregistered. */
struct userdma_region *udma_lookup_busy(struct userdma_file *uf, u32 handle)
{
	struct userdma_region *r;

	xa_lock(&uf->regions);
	r = xa_load(&uf->regions, handle);
	if (r) {
		udma_region_get(r);
		atomic_inc(&r->inflight);
	}
	xa_unlock(&uf->regions);
	return r;
}

/*
 * Take a published region out of the table.  A handle still reserved by a
 * REGISTER in progress reads as empty and is left alone: erasing the
 * reservation would let another REGISTER reuse the index and one of the
 * two regions would be overwritten and never released.
 */
struct userdma_region *udma_take(struct userdma_file *uf, unsigned long handle)
{
	struct userdma_region *r;

	xa_lock(&uf->regions);
	r = xa_load(&uf->regions, handle);
	if (r && atomic_read(&r->inflight))
		r = ERR_PTR(-EBUSY);
	else if (r)
		__xa_erase(&uf->regions, handle);
	xa_unlock(&uf->regions);
	return r;
}

enum dma_data_direction udma_dir(u32 direction)
{
	switch (direction) {
	case USERDMA_DIR_TO_DEVICE:
		return DMA_TO_DEVICE;
	case USERDMA_DIR_FROM_DEVICE:
		return DMA_FROM_DEVICE;
	case USERDMA_DIR_BIDIRECTIONAL:
		return DMA_BIDIRECTIONAL;
	default:
		return DMA_NONE;
	}
}

static u32 udma_info_flags(struct device *dev)
{
	u32 flags = 0;

	if (udma_iommu_translates(dev))
		flags |= USERDMA_INFO_IOMMU;
	else if (udma_force_bounce(dev))
		flags |= USERDMA_INFO_BOUNCE;
	if (dev_is_dma_coherent(dev))
		flags |= USERDMA_INFO_COHERENT;
	return flags;
}

static int udma_ioctl_info(struct userdma_file *uf, void __user *arg)
{
	struct device *dev = uf->node->dma_dev;
	struct userdma_info info;
	u32 usize;
	int ret;

	ret = udma_copy_cmd(&info, sizeof(info), USERDMA_INFO_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	/* all of it is output: a reused struct must not be refused */
	memset(&info, 0, sizeof(info));
	info.flags = udma_info_flags(dev);
	info.abi_version = USERDMA_ABI_VERSION;
	info.page_size = PAGE_SIZE;
	info.dma_mask = dma_get_mask(dev);
	info.max_seg_size = udma_max_seg_size(dev);
	info.max_region_bytes = (u64)udma_max_region_mb << 20;
	info.max_regions = udma_max_regions;
	strscpy(info.device, dev_name(dev), sizeof(info.device));
	strscpy(info.bus, dev->bus ? dev->bus->name : "", sizeof(info.bus));
	strscpy(info.driver_name, uf->node->binding, sizeof(info.driver_name));
	return udma_reply(arg, &info, sizeof(info), usize);
}

static int udma_ioctl_register(struct userdma_file *uf, void __user *arg)
{
	struct userdma_register reg;
	struct userdma_region *r;
	enum dma_data_direction dir;
	u32 handle, usize;
	int ret;

	ret = udma_copy_cmd(&reg, sizeof(reg), USERDMA_REGISTER_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	if (reg.flags || reg.reserved)
		return -EINVAL;
	dir = udma_dir(reg.direction);
	if (dir == DMA_NONE)
		return -EINVAL;
	if (reg.addr != (unsigned long)reg.addr)
		return -EFAULT;

	/* reserve the handle first: a full table must not cost a pin */
	ret = udma_handle_reserve(uf, &handle);
	if (ret)
		return ret;
	r = udma_region_create(uf->node->dma_dev, &uf->node->ref, reg.addr,
			       reg.length, dir);
	if (IS_ERR(r)) {
		xa_release(&uf->regions, handle);
		return PTR_ERR(r);
	}
	reg.handle = handle;
	reg.nr_segments = r->nr_segs;
	return udma_handle_publish(uf, handle, r, arg, &reg, sizeof(reg), usize);
}

static int udma_ioctl_segments(struct userdma_file *uf, void __user *arg)
{
	struct userdma_segment __user *out;
	struct userdma_segments cmd;
	struct userdma_region *r;
	u32 i, n, usize;
	int ret;

	ret = udma_copy_cmd(&cmd, sizeof(cmd), USERDMA_SEGMENTS_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	if (cmd.reserved)
		return -EINVAL;

	r = udma_lookup(uf, cmd.handle);
	if (!r)
		return -ENOENT;
	if (cmd.first > r->nr_segs) {
		ret = -ERANGE;
		goto out;
	}

	n = min(cmd.count, r->nr_segs - cmd.first);
	out = u64_to_user_ptr(cmd.segs);
	for (i = 0; i < n; i++) {
		const struct userdma_seg *seg = &r->segs[cmd.first + i];
		struct userdma_segment s = {
			.dma_addr = seg->addr,
			.length = seg->length,
		};

		if (udma_fault(UDMA_FP_SEGMENTS_COPY) ||
		    copy_to_user(&out[i], &s, sizeof(s))) {
			ret = -EFAULT;
			goto out;
		}
	}
	cmd.count = n;
	cmd.total = r->nr_segs;
	ret = udma_reply(arg, &cmd, sizeof(cmd), usize);
out:
	udma_region_put(r);
	return ret;
}

static int udma_ioctl_sync(struct userdma_file *uf, void __user *arg)
{
	struct userdma_region *r;
	struct userdma_sync cmd;
	u32 usize;
	int ret;

	ret = udma_copy_cmd(&cmd, sizeof(cmd), USERDMA_SYNC_SIZE_VER0, arg,
			    &usize);
	if (ret)
		return ret;
	if (cmd.reserved || (cmd.flags != USERDMA_SYNC_FOR_CPU &&
			     cmd.flags != USERDMA_SYNC_FOR_DEVICE))
		return -EINVAL;

	r = udma_lookup(uf, cmd.handle);
	if (!r)
		return -ENOENT;
	ret = udma_sync_user(r, cmd.offset, cmd.length,
			     cmd.flags == USERDMA_SYNC_FOR_CPU, true);
	udma_region_put(r);
	/* the handle was released, or the device went, meanwhile */
	return ret == -ENODEV && !udma_devref_gone(&uf->node->ref) ? -ENOENT : ret;
}

static int udma_ioctl_unregister(struct userdma_file *uf, void __user *arg)
{
	struct userdma_unregister cmd;
	struct userdma_region *r;
	u32 usize;
	int ret;

	ret = udma_copy_cmd(&cmd, sizeof(cmd), USERDMA_UNREGISTER_SIZE_VER0,
			    arg, &usize);
	if (ret)
		return ret;
	if (cmd.flags || cmd.reserved)
		return -EINVAL;

	r = udma_take(uf, cmd.handle);
	if (IS_ERR_OR_NULL(r))
		return r ? PTR_ERR(r) : -ENOENT;
	udma_handle_put(r);
	return 0;
}

/*
 * No lock is held around a command: each takes the device (devref.c) only
 * around its device work, never across an access to user memory, which
 * could wait for ever on a fault and so hold off a departing device.
 */
static long udma_ioctl_dispatch(struct userdma_file *uf, unsigned int cmd,
				void __user *uarg)
{
	switch (cmd) {
	case USERDMA_IOC_INFO:
		return udma_ioctl_info(uf, uarg);
	case USERDMA_IOC_REGISTER:
		return udma_ioctl_register(uf, uarg);
	case USERDMA_IOC_SEGMENTS:
		return udma_ioctl_segments(uf, uarg);
	case USERDMA_IOC_SYNC:
		return udma_ioctl_sync(uf, uarg);
	case USERDMA_IOC_UNREGISTER:
		return udma_ioctl_unregister(uf, uarg);
	case USERDMA_IOC_CHANNEL:
		return udma_ioctl_channel(uf, uarg);
	case USERDMA_IOC_SUBMIT:
		return udma_ioctl_submit(uf, uarg);
	case USERDMA_IOC_ALLOC:
		return udma_ioctl_alloc(uf, uarg);
	case USERDMA_IOC_EXPORT:
		return udma_ioctl_export(uf, uarg);
	case USERDMA_IOC_IMPORT:
		return udma_ioctl_import(uf, uarg);
#ifdef USERDMA_BENCH
	case USERDMA_IOC_BENCH:
		return udma_ioctl_bench(uf, uarg);
#endif
	default:
		return -ENOTTY;
	}
}

/*
 * No lock is held around a command: each takes the device (devref.c) only
 * around its device work, never across an access to user memory, which
 * could wait for ever on a fault and so hold off a departing device.  A
 * command the device's departure overtook (its handles released, its
 * channel stopped) fails as every later one does: ENODEV.
 */
long udma_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct userdma_file *uf = file->private_data;
	struct udma_devref *ref = &uf->node->ref;
	long ret;

	/* completions outlive the device: WAIT hands them out, then ENODEV */
	if (cmd == USERDMA_IOC_WAIT)
		return udma_ioctl_wait(uf, (void __user *)arg);
	if (udma_devref_gone(ref))
		return -ENODEV;
	ret = udma_ioctl_dispatch(uf, cmd, (void __user *)arg);
	return ret < 0 && ret != -ENOTTY && udma_devref_gone(ref) ? -ENODEV : ret;
}
