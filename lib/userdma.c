// SPDX-License-Identifier: MIT
/*
 * The requests on an open node.  Arguments the kernel checks (zero
 * lengths, wrapping ranges, unknown directions) are passed through on
 * purpose: the kernel's answer is the one that counts, and explain.c turns
 * it into words.  Only what the library itself needs (the handle and the
 * places results go) is checked here.  errno is left as the caller had it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Segments fetched per SEGMENTS request by userdma_segments_all(). */
#define SEGS_PER_CALL	1024u

UDL_EXPORT int userdma_info(struct userdma *u, struct userdma_info *info)
{
	struct userdma_info in = { .size = sizeof(in) };
	int ret;

	if (!u)
		return udl_no_handle("info");
	if (!info)
		return udl_fail(-EINVAL, "info", "no place for the result (info is NULL)");
	ret = udl_request(u, USERDMA_IOC_INFO, &in);
	if (ret)
		return udl_explain_info(u, ret);
	*info = in;
	return 0;
}

UDL_EXPORT int userdma_register(struct userdma *u, void *addr, size_t length,
				unsigned int direction, uint32_t *handle,
				uint32_t *nr_segments)
{
	struct userdma_register reg = {
		.size = sizeof(reg),
		.addr = (uintptr_t)addr,
		.length = length,
		.direction = direction,
	};
	int ret;

	if (!u)
		return udl_no_handle("register");
	if (!handle)
		return udl_fail(-EINVAL, "register", "no place for the handle (handle is NULL)");
	ret = udl_request(u, USERDMA_IOC_REGISTER, &reg);
	if (ret)
		return udl_explain_register(u, ret, addr, length, direction);
	*handle = reg.handle;
	if (nr_segments)
		*nr_segments = reg.nr_segments;
	return 0;
}

UDL_EXPORT int userdma_unregister(struct userdma *u, uint32_t handle)
{
	struct userdma_unregister cmd = {
		.size = sizeof(cmd),
		.handle = handle,
	};
	int ret;

	if (!u)
		return udl_no_handle("unregister");
	ret = udl_request(u, USERDMA_IOC_UNREGISTER, &cmd);
	return ret ? udl_explain_unregister(u, ret, handle) : 0;
}

UDL_EXPORT int userdma_segments(struct userdma *u, uint32_t handle,
				uint32_t first, struct userdma_segment *segs,
				uint32_t count, uint32_t *total)
{
	struct userdma_segments cmd = {
		.size = sizeof(cmd),
		.handle = handle,
		.first = first,
		/* the count copied is returned as an int */
		.count = count > INT_MAX ? INT_MAX : count,
		.segs = (uintptr_t)segs,
	};
	int ret;

	if (!u)
		return udl_no_handle("segments");
	if (!segs && count)
		return udl_fail(-EINVAL, "segments", "no array for %u segments (segs is NULL)",
				count);
	ret = udl_request(u, USERDMA_IOC_SEGMENTS, &cmd);
	if (ret)
		return udl_explain_segments(u, ret, handle, first, cmd.count);
	if (total)
		*total = cmd.total;
	return (int)cmd.count;
}

static int segments_all(struct userdma *u, uint32_t handle,
			struct userdma_segment **segs)
{
	struct userdma_segment *all;
	uint32_t total, again, got = 0;
	int ret;

	if (!u)
		return udl_no_handle("segments");
	if (!segs)
		return udl_fail(-EINVAL, "segments", "no place for the array (segs is NULL)");
	*segs = NULL;
	ret = userdma_segments(u, handle, 0, NULL, 0, &total);
	if (ret < 0)
		return ret;
	if (total > INT_MAX)
		return udl_fail(-EOVERFLOW, "segments", "handle %u has %u segments, more than an int can count",
				handle, total);
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return udl_fail(-ENOMEM, "segments", "out of memory for %u segments",
				total);
	while (got < total) {
		ret = userdma_segments(u, handle, got, all + got,
				       total - got < SEGS_PER_CALL ?
				       total - got : SEGS_PER_CALL, &again);
		/*
		 * A different total means another thread released the handle
		 * and a new registration got its number: the list read so
		 * far belongs to two regions.
		 */
		if (ret >= 0 && (again != total || !ret))
			ret = udl_fail(-ESTALE, "segments", "handle %u was released and reused while its segments were read",
				       handle);
		if (ret < 0) {
			free(all);
			return ret;
		}
		got += ret;
	}
	*segs = all;
	return (int)total;
}

UDL_EXPORT int userdma_segments_all(struct userdma *u, uint32_t handle,
				    struct userdma_segment **segs)
{
	int saved = errno, ret;

	ret = segments_all(u, handle, segs);
	errno = saved;
	return ret;
}

static int sync_range(struct userdma *u, const char *op, uint32_t handle,
		      uint64_t offset, uint64_t length, uint32_t flags)
{
	struct userdma_sync cmd = {
		.size = sizeof(cmd),
		.handle = handle,
		.offset = offset,
		.length = length,
		.flags = flags,
	};
	int ret;

	if (!u)
		return udl_no_handle(op);
	ret = udl_request(u, USERDMA_IOC_SYNC, &cmd);
	return ret ? udl_explain_sync(u, ret, op, handle, offset, length) : 0;
}

UDL_EXPORT int userdma_sync_for_cpu(struct userdma *u, uint32_t handle,
				    uint64_t offset, uint64_t length)
{
	return sync_range(u, "sync_for_cpu", handle, offset, length,
			  USERDMA_SYNC_FOR_CPU);
}

UDL_EXPORT int userdma_sync_for_device(struct userdma *u, uint32_t handle,
				       uint64_t offset, uint64_t length)
{
	return sync_range(u, "sync_for_device", handle, offset, length,
			  USERDMA_SYNC_FOR_DEVICE);
}
