/* SPDX-License-Identifier: MIT */
/*
 * libuserdma: register user memory for zero-copy DMA through /dev/userdmaN.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative errno on failure; errno is left alone.  userdma_strerror() turns
 * such a value into a message, and userdma_last_error() gives the detail of
 * the calling thread's last failure ("register: length 0 is not allowed").
 * A struct userdma may be shared by threads: the library keeps no mutable
 * state in it after userdma_open().
 */
#ifndef LIBUSERDMA_H
#define LIBUSERDMA_H

#include <stddef.h>
#include <stdint.h>
#include <linux/userdma.h>

#ifdef __cplusplus
extern "C" {
#endif

struct userdma;

/*
 * Open a node.  name may be a path ("/dev/userdma1"), a node name
 * ("userdma1"), or NULL for the first node present.
 */
int userdma_open(const char *name, struct userdma **out);
void userdma_close(struct userdma *u);
int userdma_fd(const struct userdma *u);
const char *userdma_name(const struct userdma *u);

int userdma_info(struct userdma *u, struct userdma_info *info);

/* direction: USERDMA_DIR_TO_DEVICE, _FROM_DEVICE or _BIDIRECTIONAL. */
int userdma_register(struct userdma *u, void *addr, size_t length,
		     unsigned int direction, uint32_t *handle,
		     uint32_t *nr_segments);
int userdma_unregister(struct userdma *u, uint32_t handle);

/*
 * Copy up to count segments starting at index first; returns the number
 * copied (>= 0).  *total, if not NULL, receives the handle's segment count.
 */
int userdma_segments(struct userdma *u, uint32_t handle, uint32_t first,
		     struct userdma_segment *segs, uint32_t count,
		     uint32_t *total);
/* All segments in a malloc'ed array the caller frees; returns the count. */
int userdma_segments_all(struct userdma *u, uint32_t handle,
			 struct userdma_segment **segs);

int userdma_sync_for_cpu(struct userdma *u, uint32_t handle,
			 uint64_t offset, uint64_t length);
int userdma_sync_for_device(struct userdma *u, uint32_t handle,
			    uint64_t offset, uint64_t length);

/*
 * Transfers (since 0.2).  An open file binds one DMA engine channel, then
 * submits copies between its registrations; each transfer ends in one
 * completion, collected by userdma_wait() or userdma_completions() (or
 * noticed through poll() on userdma_fd(), or the eventfd).  The source and
 * destination are synced automatically: do not touch them until the
 * transfer's completion has been collected.
 */

/*
 * Bind this open file to a channel of the node's device.  name: NULL or ""
 * for any, "sw" (userdma's software engine), "edu" (the edu device's own
 * engine) or a dmaengine channel name ("dma0chan3").  eventfd, unless -1,
 * is signalled once per completion.  The channel's name ("dma0chan0") and
 * its engine ("sw", "edu" or a driver) go into bound and engine, each
 * truncated to its length; either may be NULL.  -EBUSY when this file
 * already has a channel or no matching channel is free.
 */
int userdma_channel(struct userdma *u, const char *name, int eventfd,
		    char *bound, size_t bound_len, char *engine,
		    size_t engine_len);

/*
 * Submit count transfers; each gets its cookie written into its cookie
 * field.  Returns how many were submitted, in order (0 for count 0); if
 * the first one is refused, a negative errno.  When fewer than count were
 * submitted, userdma_last_error() says why the next one was refused, and
 * submitting from it again returns its errno.
 */
int userdma_submit(struct userdma *u, struct userdma_xfer *xfers,
		   unsigned int count);
/* One transfer; 0 and its cookie in *cookie (if not NULL), or -errno. */
int userdma_copy_region(struct userdma *u, uint32_t src_handle,
			uint64_t src_off, uint32_t dst_handle,
			uint64_t dst_off, uint64_t length,
			uint64_t user_data, uint64_t *cookie);

/*
 * Wait for the transfer named by cookie (0: any) and take its completion
 * into *out (if not NULL).  timeout_ns < 0 waits for ever, 0 only checks.
 * Returns 0 whatever the transfer's status: check out->status.  -ETIMEDOUT
 * when not done in time, -ENOENT when the cookie is not outstanding.
 */
int userdma_wait(struct userdma *u, uint64_t cookie, int64_t timeout_ns,
		 struct userdma_completion *out);
/*
 * Take up to max completions, oldest first.  Blocking: waits for at least
 * one; returns 0 when nothing is outstanding.  nonblock: -EAGAIN when
 * transfers are outstanding but none has completed, 0 when nothing is.
 */
int userdma_completions(struct userdma *u, struct userdma_completion *out,
			unsigned int max, int nonblock);
/* "DONE", "FAULT", "TIMEOUT", "CANCELLED", "ERROR" or "UNKNOWN". */
const char *userdma_xfer_status_name(uint32_t status);

/*
 * Driver-allocated buffers (since 0.3).  flags: 0 for cached memory (SYNC
 * around device accesses, as for registrations), USERDMA_ALLOC_COHERENT
 * for memory that needs no sync; | USERDMA_ALLOC_CONTIGUOUS for one
 * physically contiguous block.  The length is rounded up to whole pages
 * (*alloc_length, if not NULL, gets it).  With addr not NULL the whole
 * buffer is mapped (shared, read/write) and *addr is where; the buffer's
 * own mmap offset is userdma_mmap_offset(handle).
 */
int userdma_alloc(struct userdma *u, size_t length, unsigned int flags,
		  unsigned int direction, uint32_t *handle, void **addr,
		  size_t *alloc_length);
/*
 * Unmap addr (if not NULL; length as passed to userdma_alloc) and release
 * the handle.  The memory is freed once no mapping or dma-buf uses it.
 */
int userdma_free(struct userdma *u, uint32_t handle, void *addr,
		 size_t length);
static inline uint64_t userdma_mmap_offset(uint32_t handle)
{
	return (uint64_t)handle << USERDMA_MMAP_SHIFT;
}

/*
 * A dma-buf of a handle (an allocated buffer, or a page-aligned
 * registration) for other drivers to import; *fd gets it.  flags:
 * USERDMA_EXPORT_CLOEXEC or 0.
 */
int userdma_export(struct userdma *u, uint32_t handle, unsigned int flags,
		   int *fd);
/*
 * Map another exporter's dma-buf for this node's device, as a handle for
 * segments, sync and transfers.  length and nr_segments may be NULL.
 */
int userdma_import(struct userdma *u, int dmabuf_fd, unsigned int direction,
		   uint32_t *handle, uint64_t *length, uint32_t *nr_segments);

/* Message for a negative errno returned by this library. */
const char *userdma_strerror(int err);
/* Detail of the calling thread's last failure, or "" if none. */
const char *userdma_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBUSERDMA_H */
