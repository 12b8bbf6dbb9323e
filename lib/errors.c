// SPDX-License-Identifier: MIT
/*
 * Error reporting: the generic message for an errno, and the calling
 * thread's detail of its last failure.  The detail lives in thread-local
 * storage so that threads sharing a struct userdma never see each other's
 * failures and nothing needs a lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define UDL_MSG_MAX	320

static __thread char last_error[UDL_MSG_MAX];
/* only for errnos without a message of ours */
static __thread char strerror_buf[128];

struct errno_text {
	int err;
	const char *name;
	const char *text;	/* NULL: the C library's text will do */
};

/*
 * The texts describe what each errno means for userdma; the per-operation
 * detail (explain.c) says which of the causes applied.
 */
static const struct errno_text errno_texts[] = {
	{ EPERM, "EPERM", "operation not permitted (a raw device address in a transfer needs CAP_SYS_RAWIO)" },
	{ ENOENT, "ENOENT", "no such node, handle or outstanding transfer" },
	{ EINTR, "EINTR", "interrupted by a signal" },
	{ EIO, "EIO", "the DMA layer could not map the memory for the device (DMA mask, IOMMU or bounce buffers)" },
	{ ENXIO, "ENXIO", "no such device, or no DMA channel bound to this open file" },
	{ E2BIG, "E2BIG", "request larger than the module accepts (a region over max_region_mb, a transfer over max_xfer_pieces)" },
	{ EBADF, "EBADF", "bad file descriptor" },
	{ EAGAIN, "EAGAIN", "try again: too many transfers outstanding, or no completion ready yet" },
	{ ENOMEM, "ENOMEM", "out of memory, or the locked-memory limit (ulimit -l) is too small" },
	{ EACCES, "EACCES", "permission denied (userdma nodes are root-only unless a udev rule says otherwise), a transfer against a registration's direction, or write access to read-only memory" },
	{ EFAULT, "EFAULT", "bad address: memory not mapped, not pinnable, or read-only while the device may write" },
	{ EBUSY, "EBUSY", "busy: transfers in flight, or the DMA channel is taken or already bound" },
	{ EEXIST, "EEXIST", NULL },
	{ ENODEV, "ENODEV", "no userdma node, or its device has gone away" },
	{ ENOTDIR, "ENOTDIR", NULL },
	{ EISDIR, "EISDIR", NULL },
	{ EINVAL, "EINVAL", "invalid argument (zero length, unknown direction or flags, or a reserved field set)" },
	{ ENFILE, "ENFILE", NULL },
	{ EMFILE, "EMFILE", NULL },
	{ ENOTTY, "ENOTTY", "not a userdma node, or a request this module does not know" },
	{ ENOSPC, "ENOSPC", "too many live registrations on this open file" },
	{ ERANGE, "ERANGE", "offset, length or index outside the registration, or a device address beyond the DMA mask" },
	{ ENAMETOOLONG, "ENAMETOOLONG", NULL },
	{ ENOSYS, "ENOSYS", NULL },
	{ ELOOP, "ELOOP", NULL },
	{ EPROTO, "EPROTO", "the kernel module speaks a different ABI version than this library" },
	{ EOVERFLOW, "EOVERFLOW", "the address range wraps around" },
	{ EOPNOTSUPP, "EOPNOTSUPP", "not supported for this handle or device (a coherent buffer is never exported; a device without a reset method)" },
	{ ESTALE, "ESTALE", "the handle changed while it was being read" },
	{ ETIMEDOUT, "ETIMEDOUT", "timed out waiting for a transfer" },
};

static const struct errno_text *errno_lookup(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < UDL_ARRAY_SIZE(errno_texts); i++)
		if (errno_texts[i].err == err)
			return &errno_texts[i];
	return NULL;
}

const char *udl_errname(int err, char *buf, size_t size)
{
	const struct errno_text *t = errno_lookup(err);

	if (t)
		return t->name;
	snprintf(buf, size, "errno %d", err < 0 ? -err : err);
	return buf;
}

const char *udl_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	int i = -1;

	while (i < 3 && bytes >= 1024 && !(bytes & 1023)) {
		bytes >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, size, "%" PRIu64 " byte%s", bytes,
			 bytes == 1 ? "" : "s");
	else
		snprintf(buf, size, "%" PRIu64 " %s", bytes, units[i]);
	return buf;
}

int udl_fail(int err, const char *op, const char *fmt, ...)
{
	char detail[UDL_MSG_MAX - 64], name[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(last_error, sizeof(last_error), "%s: %s (%s)", op, detail,
		 udl_errname(err, name, sizeof(name)));
	return err;
}

UDL_EXPORT const char *userdma_strerror(int err)
{
	const struct errno_text *t;
	int saved = errno;
	const char *s;

	if (err == 0)
		return "success";
	t = errno_lookup(err);
	if (t && t->text)
		return t->text;
	/* the GNU strerror_r may return a static string instead of buf */
	s = strerror_r(err < 0 ? -err : err, strerror_buf,
		       sizeof(strerror_buf));
	errno = saved;
	return s;
}

UDL_EXPORT const char *userdma_last_error(void)
{
	return last_error;
}
