// SPDX-License-Identifier: GPL-2.0
/*
 * An open file's handle table, and the copying of commands.
 *
 * Every command struct begins with its size: copy_struct_from_user()
 * zero-fills what an older caller did not pass and refuses (E2BIG) unknown
 * trailing bytes that are not zero; replies are copied back only as far as
 * the caller's struct reaches.
 *
 * Handles are reserved before anything is acquired, so that a full table
 * costs nothing, and published only once the reply has reached the caller:
 * until then no other thread can see (or UNREGISTER) the handle.  The
 * table holds one reference on each region; lookups take another under
 * the table's lock.
 */
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <uapi/linux/userdma.h>

#include "fault.h"
#include "file.h"
#include "handle.h"
#include "params.h"
#include "region.h"

/*
 * Read a command struct the caller says is *usize bytes long.  Sizes past a
 * page are refused outright: checking that a huge tail is zero would let
 * one ioctl read gigabytes.
 */
int udma_copy_cmd(void *kcmd, size_t ksize, size_t min_size,
		  void __user *ucmd, u32 *usize)
{
	if (udma_should_fail(UDMA_FP_COPY_CMD))
		return -EFAULT;
	if (get_user(*usize, (u32 __user *)ucmd))
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
	if (udma_should_fail(UDMA_FP_REPLY))
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
	if (udma_should_fail(UDMA_FP_REPLY))
		return -EFAULT;
	return copy_to_user_nofault(ucmd, kcmd, n) ? -EFAULT : 0;
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

int udma_handle_reserve(struct userdma_file *uf, u32 *handle)
{
	int ret;

	if (udma_should_fail(UDMA_FP_HANDLE_RESERVE))
		return -ENOMEM;
	ret = xa_alloc(&uf->regions, handle, NULL,
		       XA_LIMIT(1, udma_max_regions), GFP_KERNEL_ACCOUNT);
	return ret == -EBUSY ? -ENOSPC : ret;
}

void udma_handle_unreserve(struct userdma_file *uf, u32 handle)
{
	xa_release(&uf->regions, handle);
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
	/* a reserved slot: storing into it allocates nothing, cannot fail */
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

void udma_end_busy(struct userdma_region *r)
{
	if (!r)
		return;
	atomic_dec(&r->inflight);
	udma_region_put(r);
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

/*
 * Every handle of the file goes.  Transfers were stopped first, so none is
 * in flight; an UNREGISTER (or the device's removal) racing us takes each
 * region at most once.
 */
void udma_file_release_regions(struct userdma_file *uf)
{
	struct userdma_region *r;
	unsigned long handle;

	xa_for_each(&uf->regions, handle, r) {
		r = udma_take(uf, handle);
		if (!WARN_ON_ONCE(IS_ERR(r)) && r)
			udma_handle_put(r);
	}
}
