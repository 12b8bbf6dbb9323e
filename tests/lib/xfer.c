// SPDX-License-Identifier: MIT
/* Raw transfer ioctls for the guest tests: see xfer.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

int udt_channel_raw(int fd, struct userdma_channel *c)
{
	return udt_ioctl(fd, USERDMA_IOC_CHANNEL, c);
}

int udt_channel(int fd, const char *name, int efd, char *bound, char *engine)
{
	struct userdma_channel c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.eventfd = efd;
	snprintf(c.name, sizeof(c.name), "%s", name ? name : "");
	ret = udt_channel_raw(fd, &c);
	if (ret == 0) {
		if (bound)
			memcpy(bound, c.bound, sizeof(c.bound));
		if (engine)
			memcpy(engine, c.engine, sizeof(c.engine));
	}
	return ret;
}

void xfer_fill(struct userdma_xfer *x, uint32_t sh, uint64_t so, uint32_t dh,
	       uint64_t doff, uint64_t len, uint64_t user_data)
{
	memset(x, 0, sizeof(*x));
	x->src_handle = sh;
	x->src = so;
	x->dst_handle = dh;
	x->dst = doff;
	x->length = len;
	x->user_data = user_data;
}

int udt_submit_sz(int fd, void *xfers, uint32_t count, uint32_t xfer_size,
		  uint32_t *submitted)
{
	struct userdma_submit s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.xfers = (uint64_t)(uintptr_t)xfers;
	s.count = count;
	s.xfer_size = xfer_size;
	ret = udt_ioctl(fd, USERDMA_IOC_SUBMIT, &s);
	if (submitted)
		*submitted = ret == 0 ? s.count : 0;
	return ret;
}

int udt_submit(int fd, struct userdma_xfer *xfers, uint32_t count,
	       uint32_t *submitted)
{
	return udt_submit_sz(fd, xfers, count, sizeof(*xfers), submitted);
}

int udt_wait(int fd, uint64_t cookie, int64_t timeout_ns,
	     struct userdma_completion *c)
{
	struct userdma_wait w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.cookie = cookie;
	w.timeout_ns = timeout_ns;
	ret = udt_ioctl(fd, USERDMA_IOC_WAIT, &w);
	if (ret == 0 && c)
		*c = w.completion;
	return ret;
}

unsigned long xfer_spurious_enoent;

int udt_wait_retry(int fd, uint64_t cookie, int64_t timeout_ns,
		   struct userdma_completion *c)
{
	int ret = udt_wait(fd, cookie, timeout_ns, c), i;

	for (i = 0; ret == -ENOENT && cookie && i < 100; i++) {
		if (!i)
			xfer_spurious_enoent++;
		sleep_ms(20);
		ret = udt_wait(fd, cookie, timeout_ns, c);
	}
	return ret;
}

int ok_no_spurious_enoent(void)
{
	return ok(xfer_spurious_enoent == 0,
		  "WAIT on an outstanding cookie never failed with ENOENT (it did %lu times)",
		  xfer_spurious_enoent);
}

int udt_read_compl(int fd, struct userdma_completion *c, unsigned int max)
{
	ssize_t n = read(fd, c, (size_t)max * sizeof(*c));

	if (n < 0)
		return -errno;
	if (n % sizeof(*c))
		return -EPROTO;
	return (int)(n / sizeof(*c));
}

int udt_submit_one(int fd, uint32_t sh, uint64_t so, uint32_t dh,
		   uint64_t doff, uint64_t len, uint64_t *cookie)
{
	struct userdma_xfer x;
	uint32_t n;
	int ret;

	xfer_fill(&x, sh, so, dh, doff, len, 0);
	ret = udt_submit(fd, &x, 1, &n);
	if (ret)
		return ret;
	if (n != 1)
		return -EPROTO;
	*cookie = x.cookie;
	return 0;
}

int udt_copy_timeout(int fd, uint32_t sh, uint64_t so, uint32_t dh,
		     uint64_t doff, uint64_t len, int64_t timeout_ns,
		     struct userdma_completion *c)
{
	uint64_t cookie;
	int ret = udt_submit_one(fd, sh, so, dh, doff, len, &cookie);

	if (ret)
		return ret;
	return udt_wait_retry(fd, cookie, timeout_ns, c);
}

int udt_copy(int fd, uint32_t sh, uint64_t so, uint32_t dh, uint64_t doff,
	     uint64_t len, struct userdma_completion *c)
{
	return udt_copy_timeout(fd, sh, so, dh, doff, len, -1, c);
}

const char *xfer_status_name(uint32_t status)
{
	static const char *const names[] = {
		"DONE", "FAULT", "TIMEOUT", "CANCELLED", "ERROR",
	};

	return status < ARRAY_SIZE(names) ? names[status] : "status?";
}

int sysfs_write(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

long long sysfs_read_ll(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

int sysfs_write_ll(const char *path, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return sysfs_write(path, buf);
}

long long xfer_timeout_get(void)
{
	return sysfs_read_ll(XFER_TIMEOUT_PARAM);
}

int xfer_timeout_set(long long ms)
{
	return sysfs_write_ll(XFER_TIMEOUT_PARAM, ms);
}
