// SPDX-License-Identifier: GPL-2.0
/*
 * The buffer commands (ALLOC, EXPORT, IMPORT) and mmap() of the node.
 * Like REGISTER, ALLOC and IMPORT reserve their handle first and publish
 * it with the reply (handle.c).
 */
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <uapi/linux/userdma.h>

#include "dmabuf.h"
#include "fault.h"
#include "file.h"
#include "handle.h"
#include "ioctl.h"
#include "kinds.h"

#define UDMA_MMAP_PGSHIFT	(USERDMA_MMAP_SHIFT - PAGE_SHIFT)

int udma_ioctl_alloc(struct userdma_file *uf, void *kcmd, void __user *arg,
		     u32 usize)
{
	struct userdma_alloc *cmd = kcmd;
	struct userdma_region *r;
	enum dma_data_direction dir;
	u32 handle;
	int ret;

	if ((cmd->flags & ~USERDMA_ALLOC_FLAGS) || cmd->reserved || !cmd->length)
		return -EINVAL;
	dir = udma_dir(cmd->direction);
	if (dir == DMA_NONE)
		return -EINVAL;
	/* a window per handle: longer buffers could not be told apart */
	if (cmd->length > (1ULL << USERDMA_MMAP_SHIFT))
		return -E2BIG;

	ret = udma_handle_reserve(uf, &handle);
	if (ret)
		return ret;
	r = udma_alloc_create(uf->ref, cmd->length, cmd->flags, dir);
	if (IS_ERR(r)) {
		udma_handle_unreserve(uf, handle);
		return PTR_ERR(r);
	}
	cmd->length = r->length;
	cmd->handle = handle;
	cmd->nr_segments = r->nr_segs;
	cmd->mmap_offset = (u64)handle << USERDMA_MMAP_SHIFT;
	return udma_handle_publish(uf, handle, r, arg, cmd, sizeof(*cmd),
				   usize);
}

int udma_ioctl_import(struct userdma_file *uf, void *kcmd, void __user *arg,
		      u32 usize)
{
	struct userdma_import *cmd = kcmd;
	struct userdma_region *r;
	enum dma_data_direction dir;
	u32 handle;
	int ret;

	if (cmd->flags)
		return -EINVAL;
	dir = udma_dir(cmd->direction);
	if (dir == DMA_NONE)
		return -EINVAL;

	ret = udma_handle_reserve(uf, &handle);
	if (ret)
		return ret;
	r = udma_import_create(uf->ref, cmd->fd, dir);
	if (IS_ERR(r)) {
		udma_handle_unreserve(uf, handle);
		return PTR_ERR(r);
	}
	cmd->length = r->length;
	cmd->handle = handle;
	cmd->nr_segments = r->nr_segs;
	return udma_handle_publish(uf, handle, r, arg, cmd, sizeof(*cmd),
				   usize);
}

/* The handle's dma-buf; the device's own memory is never shared. */
static struct dma_buf *udma_export_handle(struct userdma_file *uf, u32 handle)
{
	struct userdma_region *r;
	struct dma_buf *dmabuf;

	r = udma_lookup(uf, handle);
	if (!r)
		return ERR_PTR(-ENOENT);
	dmabuf = r->kind->device_memory ? ERR_PTR(-EOPNOTSUPP) :
		 udma_export_get(r);
	udma_region_put(r);
	return dmabuf;
}

int udma_ioctl_export(struct userdma_file *uf, void *kcmd, void __user *arg,
		      u32 usize)
{
	struct userdma_export *cmd = kcmd;
	struct dma_buf *dmabuf;
	int ret, fd;

	if (cmd->flags & ~USERDMA_EXPORT_CLOEXEC)
		return -EINVAL;
	dmabuf = udma_export_handle(uf, cmd->handle);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	/* the fd goes live only once the caller has been told its number */
	if (udma_should_fail(UDMA_FP_EXPORT_FD)) {
		ret = -EMFILE;
		goto err_put;
	}
	fd = get_unused_fd_flags(O_RDWR |
				 (cmd->flags & USERDMA_EXPORT_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		ret = fd;
		goto err_put;
	}
	cmd->fd = fd;
	ret = udma_reply(arg, cmd, sizeof(*cmd), usize);
	if (ret)
		goto err_put_fd;
	fd_install(fd, dmabuf->file);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

/*
 * mmap() of the node maps an allocated buffer: the offset's high bits name
 * the handle, the rest is the offset within the buffer.
 *
 * A buffer looked up while the device goes away is only mapped if its
 * handle was not yet taken; coherent memory the departing device takes
 * back is never mapped (it is mapped at fault time, coherent.c).
 */
int udma_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct userdma_file *uf = file->private_data;
	unsigned long handle = vma->vm_pgoff >> UDMA_MMAP_PGSHIFT;
	unsigned long pgoff = vma->vm_pgoff & ((1UL << UDMA_MMAP_PGSHIFT) - 1);
	struct userdma_region *r;
	int ret = -ENXIO;

	if (udma_devref_gone(uf->ref))
		return -ENODEV;
	if (handle > U32_MAX)
		return -ENXIO;
	r = udma_lookup(uf, handle);
	if (!r)
		return -ENXIO;
	if (r->kind->node_mmap && pgoff < r->npages &&
	    vma_pages(vma) <= r->npages - pgoff) {
		ret = udma_export_mmap(r, vma, pgoff);
		/* the handle was released meanwhile */
		if (ret == -ENOENT)
			ret = -ENXIO;
	}
	udma_region_put(r);
	return ret;
}
