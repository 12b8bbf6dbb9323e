// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>

#include "buf.h"
#include "util.h"

int udt_alloc(int fd, uint64_t len, uint32_t flags, uint32_t dir,
	      struct userdma_alloc *out)
{
	struct userdma_alloc a = {
		.size = sizeof(a),
		.flags = flags,
		.length = len,
		.direction = dir,
	};
	int ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, &a);

	if (out)
		*out = a;
	return ret;
}

int udt_export(int fd, uint32_t handle, uint32_t flags, int *dmabuf)
{
	struct userdma_export e = {
		.size = sizeof(e),
		.flags = flags,
		.handle = handle,
		.fd = -1,
	};
	int ret = udt_ioctl(fd, USERDMA_IOC_EXPORT, &e);

	if (dmabuf)
		*dmabuf = ret ? -1 : e.fd;
	return ret;
}

int udt_import(int fd, int dmabuf, uint32_t dir, struct userdma_import *out)
{
	struct userdma_import im = {
		.size = sizeof(im),
		.fd = dmabuf,
		.direction = dir,
	};
	int ret = udt_ioctl(fd, USERDMA_IOC_IMPORT, &im);

	if (out)
		*out = im;
	return ret;
}

void *udt_mmap(int fd, uint64_t off, uint64_t len, int prot, int flags,
	       int *err)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	*err = 0;
	return p;
}

int dmabuf_sync(int dmabuf, int start)
{
	struct dma_buf_sync s = {
		.flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) |
			 DMA_BUF_SYNC_RW,
	};

	return ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

const char *alloc_mode_name(uint32_t flags)
{
	switch (flags & USERDMA_ALLOC_FLAGS) {
	case 0:
		return "cached";
	case USERDMA_ALLOC_COHERENT:
		return "coherent";
	case USERDMA_ALLOC_CONTIGUOUS:
		return "cached+contiguous";
	default:
		return "coherent+contiguous";
	}
}

long long memfree_kb(void)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}
