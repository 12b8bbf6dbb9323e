/* SPDX-License-Identifier: MIT */
/*
 * libuserdma internals shared by its source files.  Nothing here is part
 * of the ABI: the shared library exports only what UDL_EXPORT marks, and
 * the version script hides everything else.
 */
#ifndef LIBUSERDMA_INTERNAL_H
#define LIBUSERDMA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "userdma.h"

#define UDL_EXPORT	__attribute__((visibility("default")))
#define UDL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UDL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Longest node name kept, e.g. "userdma12". */
#define UDL_NAME_MAX	64

struct userdma {
	int fd;
	char name[UDL_NAME_MAX];
	/* read once at open; only used to explain failures */
	struct userdma_info info;
};

/* errors.c */
/*
 * Record "<op>: <detail> (<ENAME>)" as the calling thread's last error and
 * return err, so that failures read "return udl_fail(err, ...)".
 */
int udl_fail(int err, const char *op, const char *fmt, ...) UDL_PRINTF(3, 4);
/* "ENOMEM" for ENOMEM or -ENOMEM, "errno 1234" for unknown values. */
const char *udl_errname(int err, char *buf, size_t size);
/* udl_size() is in format.h, shared with the CLI. */

/* request.c */
/*
 * ioctl req with arg on u's node: 0 or -errno, errno left as the caller
 * had it.  Every request the library makes goes through here.
 */
int udl_request(const struct userdma *u, unsigned long req, void *arg);
/* The failure of op called with a NULL struct userdma: -EINVAL. */
int udl_no_handle(const char *op);

/* explain.c: record why the kernel refused an ioctl; returns err. */
int udl_explain_info(const struct userdma *u, int err);
int udl_explain_register(const struct userdma *u, int err, const void *addr,
			 uint64_t length, unsigned int direction);
int udl_explain_segments(const struct userdma *u, int err, uint32_t handle,
			 uint32_t first, uint32_t count);
int udl_explain_sync(const struct userdma *u, int err, const char *op,
		     uint32_t handle, uint64_t offset, uint64_t length);
int udl_explain_unregister(const struct userdma *u, int err, uint32_t handle);
int udl_explain_alloc(const struct userdma *u, int err, uint64_t length,
		      unsigned int flags, unsigned int direction);
int udl_explain_mmap(const struct userdma *u, int err, uint32_t handle,
		     uint64_t length);
int udl_explain_export(const struct userdma *u, int err, uint32_t handle,
		       unsigned int flags);
int udl_explain_import(const struct userdma *u, int err, int fd,
		       unsigned int direction);

/* Which end of a transfer the kernel refused, when the library found out. */
#define UDL_END_UNKNOWN	0
#define UDL_END_SRC	1
#define UDL_END_DST	2
#define UDL_END_BOTH	(UDL_END_SRC | UDL_END_DST)

/*
 * bound: 1 when this open file already has a channel, 0 when not, -1 when
 * unknown.
 */
int udl_explain_channel(const struct userdma *u, int err, const char *name,
			int eventfd, int bound);
/*
 * op: "submit" or "copy_region"; index: the transfer's place in the
 * caller's array; end: UDL_END_*; max_inflight: the module's limit, 0 if
 * unknown.
 */
int udl_explain_submit(const struct userdma *u, int err, const char *op,
		       unsigned int index, const struct userdma_xfer *x,
		       int end, unsigned int max_inflight);
int udl_explain_wait(const struct userdma *u, int err, uint64_t cookie,
		     int64_t timeout_ns);
int udl_explain_completions(const struct userdma *u, int err);

/* node.c: pure name handling, exposed for the unit tests. */
/*
 * The device path for a name given to userdma_open(): a name with a '/'
 * is a path, anything else a node under /dev.  0 or -ENAMETOOLONG.
 */
int udl_node_path(const char *name, char *path, size_t size);
/*
 * The userdmaN entry with the lowest N in dir (a sysfs class directory or
 * /dev).  0, -ENOENT when there is none, or another -errno from opendir.
 */
int udl_first_node(const char *dir, char *name, size_t size);

#endif /* LIBUSERDMA_INTERNAL_H */
