// SPDX-License-Identifier: MIT
/*
 * Driver-allocated buffers and dma-buf sharing: ALLOC (and the mmap that
 * makes a buffer usable), EXPORT and IMPORT.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static size_t page_round(const struct userdma *u, size_t length)
{
	size_t page = u->info.page_size ? u->info.page_size :
					  (size_t)sysconf(_SC_PAGESIZE);

	return (length + page - 1) & ~(page - 1);
}

static int alloc_buffer(struct userdma *u, size_t length, unsigned int flags,
			unsigned int direction, uint32_t *handle, void **addr,
			size_t *alloc_length)
{
	struct userdma_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.length = length,
		.direction = direction,
	};
	struct userdma_unregister undo = { .size = sizeof(undo) };
	void *p;
	int ret;

	if (!u)
		return udl_no_handle("alloc");
	if (!handle)
		return udl_fail(-EINVAL, "alloc", "no place for the handle (handle is NULL)");
	ret = udl_request(u, USERDMA_IOC_ALLOC, &cmd);
	if (ret)
		return udl_explain_alloc(u, ret, length, flags, direction);
	if (addr) {
		p = mmap(NULL, cmd.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 u->fd, (off_t)cmd.mmap_offset);
		if (p == MAP_FAILED) {
			ret = udl_explain_mmap(u, -errno, cmd.handle, cmd.length);
			undo.handle = cmd.handle;
			udl_request(u, USERDMA_IOC_UNREGISTER, &undo);
			return ret;
		}
		*addr = p;
	}
	*handle = cmd.handle;
	if (alloc_length)
		*alloc_length = cmd.length;
	return 0;
}

UDL_EXPORT int userdma_alloc(struct userdma *u, size_t length,
			     unsigned int flags, unsigned int direction,
			     uint32_t *handle, void **addr, size_t *alloc_length)
{
	int saved = errno, ret;

	ret = alloc_buffer(u, length, flags, direction, handle, addr,
			   alloc_length);
	errno = saved;
	return ret;
}

UDL_EXPORT int userdma_free(struct userdma *u, uint32_t handle, void *addr,
			    size_t length)
{
	int saved = errno, ret = 0;

	if (!u)
		return udl_no_handle("free");
	if (addr && munmap(addr, page_round(u, length)))
		ret = udl_fail(-errno, "free", "munmap of %zu bytes at %p failed",
			       length, addr);
	errno = saved;
	return userdma_unregister(u, handle) ?: ret;
}

UDL_EXPORT int userdma_export(struct userdma *u, uint32_t handle,
			      unsigned int flags, int *fd)
{
	struct userdma_export cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.handle = handle,
	};
	int ret;

	if (!u)
		return udl_no_handle("export");
	if (!fd)
		return udl_fail(-EINVAL, "export", "no place for the fd (fd is NULL)");
	ret = udl_request(u, USERDMA_IOC_EXPORT, &cmd);
	if (ret)
		return udl_explain_export(u, ret, handle, flags);
	*fd = cmd.fd;
	return 0;
}

UDL_EXPORT int userdma_import(struct userdma *u, int dmabuf_fd,
			      unsigned int direction, uint32_t *handle,
			      uint64_t *length, uint32_t *nr_segments)
{
	struct userdma_import cmd = {
		.size = sizeof(cmd),
		.fd = dmabuf_fd,
		.direction = direction,
	};
	int ret;

	if (!u)
		return udl_no_handle("import");
	if (!handle)
		return udl_fail(-EINVAL, "import", "no place for the handle (handle is NULL)");
	ret = udl_request(u, USERDMA_IOC_IMPORT, &cmd);
	if (ret)
		return udl_explain_import(u, ret, dmabuf_fd, direction);
	*handle = cmd.handle;
	if (length)
		*length = cmd.length;
	if (nr_segments)
		*nr_segments = cmd.nr_segments;
	return 0;
}
