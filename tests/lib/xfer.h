/* SPDX-License-Identifier: MIT */
/*
 * Raw transfer ioctls for the guest tests (CHANNEL, SUBMIT, WAIT, read of
 * completions), the xfer_timeout_ms module parameter and the sysfs reads
 * and writes behind it.  Like the udt_* wrappers of util.h they return 0
 * (or a count) or -errno and never print.
 */
#ifndef UDT_XFER_H
#define UDT_XFER_H

#include <stdint.h>
#include <linux/userdma.h>

#define XFER_TIMEOUT_PARAM "/sys/module/userdma/parameters/xfer_timeout_ms"

/* CHANNEL: name (NULL = ""), eventfd or -1; bound/engine (32 bytes) or NULL. */
int udt_channel(int fd, const char *name, int efd, char *bound, char *engine);
/* CHANNEL with the caller's struct (size set by the caller). */
int udt_channel_raw(int fd, struct userdma_channel *c);

/* Fill one xfer (cookie 0). */
void xfer_fill(struct userdma_xfer *x, uint32_t sh, uint64_t so, uint32_t dh,
	       uint64_t doff, uint64_t len, uint64_t user_data);
/*
 * SUBMIT count xfers of xfer_size bytes each at xfers; *submitted (may be
 * NULL) gets the count the kernel returned (0 on failure).
 */
int udt_submit_sz(int fd, void *xfers, uint32_t count, uint32_t xfer_size,
		  uint32_t *submitted);
int udt_submit(int fd, struct userdma_xfer *xfers, uint32_t count,
	       uint32_t *submitted);
/* WAIT for cookie (0: any); c may be NULL. */
int udt_wait(int fd, uint64_t cookie, int64_t timeout_ns,
	     struct userdma_completion *c);
/*
 * WAIT for a cookie that is known to be outstanding: an ENOENT is a
 * kernel bug (counted in xfer_spurious_enoent), retried every 20 ms for
 * up to 2 s so that the test can go on checking data.
 */
extern unsigned long xfer_spurious_enoent;
int udt_wait_retry(int fd, uint64_t cookie, int64_t timeout_ns,
		   struct userdma_completion *c);
/* Subtest: no spurious ENOENT was seen by udt_wait_retry(). */
int ok_no_spurious_enoent(void);
/* read() up to max completions: count, or -errno. */
int udt_read_compl(int fd, struct userdma_completion *c, unsigned int max);

/*
 * SUBMIT one copy (user_data 0): 0 with *cookie, or -errno (-EPROTO when
 * the kernel took none).  For callers that wait their own way.
 */
int udt_submit_one(int fd, uint32_t sh, uint64_t so, uint32_t dh,
		   uint64_t doff, uint64_t len, uint64_t *cookie);
/*
 * Submit one copy and wait for it up to timeout_ns (-1: for ever) with
 * udt_wait_retry(): 0 with *c filled (c may be NULL), or -errno.
 */
int udt_copy_timeout(int fd, uint32_t sh, uint64_t so, uint32_t dh,
		     uint64_t doff, uint64_t len, int64_t timeout_ns,
		     struct userdma_completion *c);
/* Submit one copy and wait for it for ever (udt_wait_retry): 0 with *c filled, or -errno. */
int udt_copy(int fd, uint32_t sh, uint64_t so, uint32_t dh, uint64_t doff,
	     uint64_t len, struct userdma_completion *c);

const char *xfer_status_name(uint32_t status);

/* xfer_timeout_ms: read (-1 on error) and write (0 or -errno). */
long long xfer_timeout_get(void);
int xfer_timeout_set(long long ms);

/* Write a string to a sysfs file: 0 or -errno. */
int sysfs_write(const char *path, const char *s);
/* A sysfs file (a module parameter) as a number: read (-1 on error), write. */
long long sysfs_read_ll(const char *path);
int sysfs_write_ll(const char *path, long long v);

#endif /* UDT_XFER_H */
