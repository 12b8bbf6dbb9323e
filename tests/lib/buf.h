/* SPDX-License-Identifier: MIT */
/*
 * Raw wrappers for the buffer ioctls (ALLOC, EXPORT, IMPORT), mmap of the
 * node and dma-buf CPU access, returning 0 or -errno like the others in
 * util.h, plus the module's buffer counters.
 */
#ifndef UDT_BUF_H
#define UDT_BUF_H

#include <stdint.h>
#include <linux/userdma.h>

/* ALLOC; *out (may be NULL) gets the kernel's reply. */
int udt_alloc(int fd, uint64_t len, uint32_t flags, uint32_t dir,
	      struct userdma_alloc *out);
int udt_export(int fd, uint32_t handle, uint32_t flags, int *dmabuf);
/* IMPORT; *out (may be NULL) gets the reply. */
int udt_import(int fd, int dmabuf, uint32_t dir, struct userdma_import *out);
/* mmap(NULL, len, prot, flags, fd, off): the address, or NULL with *err. */
void *udt_mmap(int fd, uint64_t off, uint64_t len, int prot, int flags,
	       int *err);
/* DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_START/END | _RW. */
int dmabuf_sync(int dmabuf, int start);
/* "cached", "coherent", "cached+contiguous", ... */
const char *alloc_mode_name(uint32_t flags);
/* MemFree of /proc/meminfo in kB, or -1. */
long long memfree_kb(void);

#endif /* UDT_BUF_H */
