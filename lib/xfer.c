// SPDX-License-Identifier: MIT
/*
 * Transfers: bind a DMA engine channel to the open file, submit copies
 * between registrations, collect their completions.  As in userdma.c the
 * kernel checks the arguments; when it refuses a transfer, the library
 * asks it only side-effect free questions to tell which end was at fault
 * (culprit()), so the detail can name it.  errno is left as the caller
 * had it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_INFLIGHT_PARAM	"/sys/module/userdma/parameters/max_inflight"
/* What one read() of the node returns at most. */
#define READ_BATCH		16u

static void copy_out(char *dst, size_t len, const char *src)
{
	if (dst && len)
		snprintf(dst, len, "%s", src);
}

/* 1 if this open file has a channel, 0 if not, -1 if the probe failed. */
static int has_channel(const struct userdma *u)
{
	struct userdma_submit cmd = { .size = sizeof(cmd),
				      .xfer_size = sizeof(struct userdma_xfer) };
	int ret;

	/* submitting nothing succeeds exactly when a channel is bound */
	ret = udl_request(u, USERDMA_IOC_SUBMIT, &cmd);
	if (ret == -ENXIO)
		return 0;
	return ret ? -1 : 1;
}

UDL_EXPORT int userdma_channel(struct userdma *u, const char *name,
			       int eventfd, char *bound, size_t bound_len,
			       char *engine, size_t engine_len)
{
	struct userdma_channel cmd = {
		.size = sizeof(cmd),
		.eventfd = eventfd,
	};
	int ret;

	if (!u)
		return udl_no_handle("channel");
	if (!name)
		name = "";
	if (strlen(name) >= sizeof(cmd.name))
		return udl_fail(-EINVAL, "channel", "channel name \"%.40s%s\" is longer than %zu bytes",
				name, strlen(name) > 40 ? "..." : "",
				sizeof(cmd.name) - 1);
	memcpy(cmd.name, name, strlen(name));
	ret = udl_request(u, USERDMA_IOC_CHANNEL, &cmd);
	if (ret)
		return udl_explain_channel(u, ret, name, eventfd,
					   ret == -EBUSY ? has_channel(u) : -1);
	cmd.bound[sizeof(cmd.bound) - 1] = '\0';
	cmd.engine[sizeof(cmd.engine) - 1] = '\0';
	copy_out(bound, bound_len, cmd.bound);
	copy_out(engine, engine_len, cmd.engine);
	return 0;
}

static unsigned int max_inflight(void)
{
	unsigned int v = 0;
	int saved = errno;
	FILE *f;

	f = fopen(MAX_INFLIGHT_PARAM, "re");
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 0;
		fclose(f);
	}
	errno = saved;
	return v;
}

/* Is h unknown on this open file?  A SEGMENTS request for nothing says. */
static int handle_missing(const struct userdma *u, uint32_t h)
{
	struct userdma_segments cmd = { .size = sizeof(cmd), .handle = h };

	return h && udl_request(u, USERDMA_IOC_SEGMENTS, &cmd) == -ENOENT;
}

/* Bytes handle h covers, its segments summed; -errno if unknown. */
static int64_t handle_length(struct userdma *u, uint32_t h)
{
	struct userdma_segment *segs;
	int64_t len = 0;
	int n, i;

	n = userdma_segments_all(u, h, &segs);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		len += segs[i].length;
	free(segs);
	return len;
}

/* Does [pos, pos + length) of one end fail the range check?  -1: unknown. */
static int out_of_range(struct userdma *u, uint32_t h, uint64_t pos,
			uint64_t length)
{
	int64_t len;

	if (pos + length < pos)
		return 1;
	if (!h)
		return pos + length - 1 > u->info.dma_mask;
	len = handle_length(u, h);
	if (len < 0)
		return -1;
	return pos + length > (uint64_t)len;
}

/*
 * EACCES: is it the source?  No request tells a handle's direction, so
 * the source is offered again with a destination that can never pass (its
 * range wraps: ERANGE), which submits nothing.  EACCES again proves the
 * source at fault whatever order the kernel checks in; ERANGE means the
 * kernel got past the source, which clears it only because the kernel
 * checks the source end before the destination end.
 */
static int source_refused(const struct userdma *u, int err,
			  const struct userdma_xfer *x)
{
	struct userdma_xfer probe = *x;
	struct userdma_submit cmd = {
		.size = sizeof(cmd),
		.xfers = (uintptr_t)&probe,
		.count = 1,
		.xfer_size = sizeof(probe),
	};
	int ret;

	probe.dst_handle = 0;
	probe.dst = UINT64_MAX;
	ret = udl_request(u, USERDMA_IOC_SUBMIT, &cmd);
	if (ret == err)
		return 1;
	return ret == -ERANGE ? 0 : -1;
}

/*
 * Which end of x the kernel refused with err (UDL_END_*).  SUBMIT answers
 * with one errno and not which end it belongs to, so the library finds
 * out, without submitting anything, from facts about each end on its own:
 * ENOENT from SEGMENTS of each handle, ERANGE from each range against its
 * registration's length (or the DMA mask, for a device address).  Only
 * EACCES needs a probe (source_refused()) and, to blame the destination,
 * the kernel's order.  tests/cases/main/lib_explain.c provokes each case
 * on the real module and checks the detail names the right end, so a
 * change of the kernel's checks fails there rather than misleading users.
 * EPERM needs nothing: only a device address (handle 0) asks for it.
 */
static int culprit(struct userdma *u, int err, const struct userdma_xfer *x)
{
	int end = UDL_END_UNKNOWN;

	switch (-err) {
	case ENOENT:
		if (handle_missing(u, x->src_handle))
			end |= UDL_END_SRC;
		if (handle_missing(u, x->dst_handle))
			end |= UDL_END_DST;
		return end;
	case ERANGE:
		if (out_of_range(u, x->src_handle, x->src, x->length) == 1)
			return UDL_END_SRC;
		if (out_of_range(u, x->dst_handle, x->dst, x->length) == 1)
			return UDL_END_DST;
		return UDL_END_UNKNOWN;
	case EACCES:
		switch (source_refused(u, err, x)) {
		case 1:
			return UDL_END_SRC;
		case 0:
			return UDL_END_DST;
		}
		return UDL_END_UNKNOWN;
	}
	return UDL_END_UNKNOWN;
}

static int explain_submit(struct userdma *u, int err, const char *op,
			  unsigned int index, const struct userdma_xfer *x)
{
	int end = culprit(u, err, x);

	return udl_explain_submit(u, err, op, index, x, end,
				  err == -EAGAIN ? max_inflight() : 0);
}

static int submit(struct userdma *u, const char *op,
		  struct userdma_xfer *xfers, unsigned int count)
{
	struct userdma_submit cmd = {
		.size = sizeof(cmd),
		.xfer_size = sizeof(*xfers),
	};
	unsigned int done = 0;
	int ret;

	if (!u)
		return udl_no_handle(op);
	if (!xfers && count)
		return udl_fail(-EINVAL, op, "no array for %u transfers (xfers is NULL)",
				count);
	/* the count submitted is returned as an int */
	if (count > INT_MAX)
		count = INT_MAX;
	if (!count)
		return 0;
	/*
	 * The kernel stops at the first transfer it refuses.  Offering that
	 * one again either gets it through (the trouble was passing, e.g.
	 * memory) or fails the ioctl with its own errno, which the detail
	 * then explains.
	 */
	while (done < count) {
		cmd.xfers = (uintptr_t)(xfers + done);
		cmd.count = count - done;
		ret = udl_request(u, USERDMA_IOC_SUBMIT, &cmd);
		if (ret) {
			explain_submit(u, ret, op, done, &xfers[done]);
			return done ? (int)done : ret;
		}
		if (!cmd.count || cmd.count > count - done) {
			udl_fail(-EPROTO, op, "the module reported %u of %u transfers submitted",
				 cmd.count, count - done);
			return done ? (int)done : -EPROTO;
		}
		done += cmd.count;
	}
	return (int)done;
}

UDL_EXPORT int userdma_submit(struct userdma *u, struct userdma_xfer *xfers,
			      unsigned int count)
{
	return submit(u, "submit", xfers, count);
}

UDL_EXPORT int userdma_copy_region(struct userdma *u, uint32_t src_handle,
				   uint64_t src_off, uint32_t dst_handle,
				   uint64_t dst_off, uint64_t length,
				   uint64_t user_data, uint64_t *cookie)
{
	struct userdma_xfer x = {
		.src_handle = src_handle,
		.dst_handle = dst_handle,
		.src = src_off,
		.dst = dst_off,
		.length = length,
		.user_data = user_data,
	};
	int ret;

	ret = submit(u, "copy_region", &x, 1);
	if (ret < 0)
		return ret;
	if (cookie)
		*cookie = x.cookie;
	return 0;
}

UDL_EXPORT int userdma_wait(struct userdma *u, uint64_t cookie,
			    int64_t timeout_ns, struct userdma_completion *out)
{
	struct userdma_wait cmd = {
		.size = sizeof(cmd),
		.cookie = cookie,
		.timeout_ns = timeout_ns,
	};
	int ret;

	if (!u)
		return udl_no_handle("wait");
	ret = udl_request(u, USERDMA_IOC_WAIT, &cmd);
	if (ret)
		return udl_explain_wait(u, ret, cookie, timeout_ns);
	if (out)
		*out = cmd.completion;
	return 0;
}

/* One read(): the completions it returned, 0 at end of file, or -errno. */
static int read_batch(const struct userdma *u, struct userdma_completion *out,
		      unsigned int max)
{
	size_t want = (max < READ_BATCH ? max : READ_BATCH) * sizeof(*out);
	int saved = errno;
	ssize_t n;

	n = read(u->fd, out, want);
	if (n < 0) {
		n = -errno;
		errno = saved;
		return (int)n;
	}
	return (int)(n / (ssize_t)sizeof(*out));
}

/*
 * Without blocking: read() when the file is O_NONBLOCK anyway, otherwise
 * one WAIT for any cookie with a zero timeout (a read() after poll() could
 * still block when another thread takes the completion in between).
 * Returns a count, 0 when nothing is outstanding, -EAGAIN when nothing is
 * ready, or -errno.
 */
static int fetch_ready(const struct userdma *u, struct userdma_completion *out,
		       unsigned int max, int file_nonblock)
{
	struct userdma_wait cmd = { .size = sizeof(cmd) };
	int ret;

	if (file_nonblock)
		return read_batch(u, out, max);
	ret = udl_request(u, USERDMA_IOC_WAIT, &cmd);
	if (ret == -ETIMEDOUT)
		return -EAGAIN;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	*out = cmd.completion;
	return 1;
}

UDL_EXPORT int userdma_completions(struct userdma *u,
				   struct userdma_completion *out,
				   unsigned int max, int nonblock)
{
	unsigned int got = 0;
	int saved = errno, flags, file_nonblock, ret;

	if (!u)
		return udl_no_handle("completions");
	if (!out && max)
		return udl_fail(-EINVAL, "completions", "no array for %u completions (out is NULL)",
				max);
	if (max > INT_MAX)
		max = INT_MAX;
	if (!max)
		return 0;
	flags = fcntl(u->fd, F_GETFL);
	errno = saved;
	file_nonblock = flags >= 0 && (flags & O_NONBLOCK);

	/* the first batch may block; what follows is only what is ready */
	if (nonblock)
		ret = fetch_ready(u, out, max, file_nonblock);
	else
		ret = read_batch(u, out, max);
	if (ret <= 0)
		return ret ? udl_explain_completions(u, ret) : 0;
	got = ret;
	/* a short read() took everything that was ready */
	if (!nonblock && got < READ_BATCH)
		return (int)got;
	while (got < max) {
		ret = fetch_ready(u, out + got, max - got, file_nonblock);
		if (ret <= 0)
			break;
		got += ret;
	}
	return (int)got;
}

UDL_EXPORT const char *userdma_xfer_status_name(uint32_t status)
{
	static const char *const names[] = {
		[USERDMA_XFER_DONE] = "DONE",
		[USERDMA_XFER_FAULT] = "FAULT",
		[USERDMA_XFER_TIMEOUT] = "TIMEOUT",
		[USERDMA_XFER_CANCELLED] = "CANCELLED",
		[USERDMA_XFER_ERROR] = "ERROR",
	};

	return status < UDL_ARRAY_SIZE(names) ? names[status] : "UNKNOWN";
}
