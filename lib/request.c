// SPDX-License-Identifier: MIT
/*
 * The one way a request reaches the kernel.  Every wrapper (node.c,
 * userdma.c, buffer.c, xfer.c) sends its ioctl through udl_request(), so
 * the return convention (0 or -errno, errno as the caller had it) is
 * written once, as liburing's do_register() does for io_uring_register().
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "internal.h"

int udl_request(const struct userdma *u, unsigned long req, void *arg)
{
	int saved = errno, ret;

	ret = ioctl(u->fd, req, arg) ? -errno : 0;
	errno = saved;
	return ret;
}

int udl_no_handle(const char *op)
{
	return udl_fail(-EINVAL, op, "no userdma handle (NULL)");
}
