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

/* Message for a negative errno returned by this library. */
const char *userdma_strerror(int err);
/* Detail of the calling thread's last failure, or "" if none. */
const char *userdma_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBUSERDMA_H */
