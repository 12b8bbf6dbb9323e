// SPDX-License-Identifier: MIT
/*
 * Host-side unit tests of libuserdma's parts that need no module: name
 * resolution, node discovery, error texts, the per-thread detail and the
 * argument checks.  Prints one line per failure and "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

static void test_node_path(void)
{
	char path[32];

	check(!udl_node_path("userdma1", path, sizeof(path)), "node path");
	check_str(path, "/dev/userdma1", "bare name goes under /dev");
	check(!udl_node_path("/dev/userdma2", path, sizeof(path)), "path");
	check_str(path, "/dev/userdma2", "absolute path kept");
	check(!udl_node_path("./userdma3", path, sizeof(path)), "rel path");
	check_str(path, "./userdma3", "relative path kept");
	check(udl_node_path("userdma1234567890123456789012345", path,
			    sizeof(path)) == -ENAMETOOLONG,
	      "long name refused");
}

static void touch(const char *dir, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
}

static void test_first_node(void)
{
	char dir[] = "/tmp/libuserdma-test.XXXXXX", name[UDL_NAME_MAX];
	static const char *const files[] = {
		"userdma10", "userdma2", "userdma", "userdmax", "userdma3a",
		"xuserdma1", "userdma7",
	};
	size_t i;

	if (!mkdtemp(dir)) {
		check(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	check(udl_first_node(dir, name, sizeof(name)) == -ENOENT,
	      "empty directory has no node");
	for (i = 0; i < UDL_ARRAY_SIZE(files); i++)
		touch(dir, files[i]);
	check(!udl_first_node(dir, name, sizeof(name)), "first node found");
	check_str(name, "userdma2", "lowest number wins, by value");
	for (i = 0; i < UDL_ARRAY_SIZE(files); i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	check(udl_first_node(dir, name, sizeof(name)) == -ENOENT,
	      "missing directory: ENOENT");
}

static void test_texts(void)
{
	char buf[32];
	int e;

	check_str(udl_errname(-ENOMEM, buf, sizeof(buf)), "ENOMEM",
		  "errname of -ENOMEM");
	check_str(udl_errname(E2BIG, buf, sizeof(buf)), "E2BIG",
		  "errname of E2BIG");
	check_str(udl_errname(-4000, buf, sizeof(buf)), "errno 4000",
		  "errname of an unknown errno");
	check_str(udl_size(0, buf, sizeof(buf)), "0 bytes", "size 0");
	check_str(udl_size(1, buf, sizeof(buf)), "1 byte", "size 1");
	check_str(udl_size(65536, buf, sizeof(buf)), "64 KiB", "size 64K");
	check_str(udl_size(64ULL << 20, buf, sizeof(buf)), "64 MiB",
		  "size 64M");
	check_str(udl_size(65537, buf, sizeof(buf)), "65537 bytes",
		  "inexact size in bytes");
	check_str(udl_size(16ULL << 40, buf, sizeof(buf)), "16 TiB",
		  "size 16T");
	check_str(userdma_strerror(0), "success", "strerror(0)");
	for (e = 1; e < 200; e++) {
		const char *s = userdma_strerror(-e);

		check(s && *s, "strerror(-%d) is empty", e);
	}
	check_has(userdma_strerror(-ENOMEM), "ulimit -l", "ENOMEM text");
	check_has(userdma_strerror(-EPROTO), "ABI", "EPROTO text");
}

static void *fail_in_thread(void *arg)
{
	(void)arg;
	udl_fail(-EIO, "thread", "only mine");
	return NULL;
}

static void test_last_error(void)
{
	pthread_t t;

	check(udl_fail(-ENOMEM, "register", "too small for %s", "64 MiB") ==
	      -ENOMEM, "udl_fail returns its errno");
	check_str(userdma_last_error(), "register: too small for 64 MiB (ENOMEM)",
		  "detail format");
	if (pthread_create(&t, NULL, fail_in_thread, NULL)) {
		check(0, "pthread_create");
		return;
	}
	pthread_join(t, NULL);
	check_str(userdma_last_error(), "register: too small for 64 MiB (ENOMEM)",
		  "another thread's failure stays its own");
}

static void test_open(void)
{
	struct userdma *u = (struct userdma *)1;

	check(userdma_open(NULL, NULL) == -EINVAL, "open with NULL out");
	check(userdma_open("", &u) == -EINVAL && !u, "open of \"\"");
	check(userdma_open("/nonexistent/userdma9", &u) == -ENOENT && !u,
	      "open of a missing path");
	check_has(userdma_last_error(), "/nonexistent/userdma9 does not exist",
		  "missing path detail");
	check(userdma_open("/dev/null", &u) == -ENOTTY && !u,
	      "open of /dev/null");
	check_str(userdma_last_error(),
		  "open: /dev/null is not a userdma node (ENOTTY)",
		  "not-a-node detail");
	if (access("/sys/class/userdma", F_OK) && access("/dev/userdma0", F_OK)) {
		check(userdma_open(NULL, &u) == -ENODEV && !u,
		      "open(NULL) without nodes");
		check_str(userdma_last_error(),
			  "open: no userdma nodes found (is the module loaded?) (ENODEV)",
			  "no-node detail");
	}
}

static void test_null_handle(void)
{
	struct userdma_segment *segs;
	struct userdma_info info;
	uint32_t h;

	check(userdma_info(NULL, &info) == -EINVAL, "info(NULL)");
	check(userdma_register(NULL, &h, 1, 1, &h, NULL) == -EINVAL,
	      "register(NULL)");
	check(userdma_unregister(NULL, 1) == -EINVAL, "unregister(NULL)");
	check(userdma_segments(NULL, 1, 0, NULL, 0, NULL) == -EINVAL,
	      "segments(NULL)");
	check(userdma_segments_all(NULL, 1, &segs) == -EINVAL,
	      "segments_all(NULL)");
	check(userdma_sync_for_cpu(NULL, 1, 0, 1) == -EINVAL,
	      "sync_for_cpu(NULL)");
	check(userdma_sync_for_device(NULL, 1, 0, 1) == -EINVAL,
	      "sync_for_device(NULL)");
	check(userdma_fd(NULL) == -EINVAL, "fd(NULL)");
	check(!userdma_name(NULL), "name(NULL)");
	userdma_close(NULL);
}

/* A struct userdma on /dev/null: every request reaches a real ioctl. */
static void test_requests(void)
{
	struct userdma u = {
		.info = {
			.max_region_bytes = 16ULL << 30,
			.max_regions = 65536,
			.page_size = 4096,
			.dma_mask = (1ULL << 28) - 1,
		},
	};
	struct userdma_segment *segs = NULL;
	struct userdma_info info;
	char buf[64];
	uint32_t h;

	snprintf(u.name, sizeof(u.name), "userdma0");
	snprintf(u.info.device, sizeof(u.info.device), "0000:00:03.0");
	u.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (u.fd < 0) {
		check(0, "open /dev/null: %s", strerror(errno));
		return;
	}
	check(userdma_register(&u, buf, sizeof(buf), 2, NULL, NULL) == -EINVAL,
	      "register without a place for the handle");
	check(userdma_info(&u, NULL) == -EINVAL, "info without a result");
	check(userdma_segments(&u, 1, 0, NULL, 4, NULL) == -EINVAL,
	      "segments into NULL");
	check(userdma_segments_all(&u, 1, NULL) == -EINVAL,
	      "segments_all into NULL");
	check(userdma_info(&u, &info) == -ENOTTY, "info on /dev/null");
	check_has(userdma_last_error(), "info: userdma0 does not know",
		  "ENOTTY detail");
	check(userdma_register(&u, buf, sizeof(buf), 2, &h, NULL) == -ENOTTY,
	      "register on /dev/null");
	check(userdma_segments_all(&u, 1, &segs) == -ENOTTY && !segs,
	      "segments_all on /dev/null");
	check(userdma_sync_for_device(&u, 1, 0, 1) == -ENOTTY,
	      "sync on /dev/null");
	check_has(userdma_last_error(), "sync_for_device: ", "sync op name");
	check(userdma_unregister(&u, 1) == -ENOTTY, "unregister on /dev/null");
	close(u.fd);

	udl_explain_register(&u, -EINVAL, buf, 0, 2);
	check_str(userdma_last_error(),
		  "register: length 0 is not allowed (EINVAL)", "length 0");
	udl_explain_register(&u, -EINVAL, buf, 1, 7);
	check_has(userdma_last_error(), "direction 7 is not", "direction 7");
	udl_explain_register(&u, -E2BIG, buf, 32ULL << 30, 2);
	check_has(userdma_last_error(), "32 GiB is more than userdma0",
		  "E2BIG names the length");
	check_has(userdma_last_error(), "max_region_bytes 16 GiB",
		  "E2BIG names the limit");
	udl_explain_register(&u, -ENOMEM, buf, 64ULL << 20, 2);
	check_has(userdma_last_error(), "64 MiB", "ENOMEM names the length");
	check_has(userdma_last_error(), "(ENOMEM)", "ENOMEM named");
	udl_explain_register(&u, -EIO, buf, 4096, 2);
	check_has(userdma_last_error(), "28-bit DMA mask", "EIO names the mask");
	udl_explain_register(&u, -ENOSPC, buf, 4096, 2);
	check_has(userdma_last_error(), "65536 registrations", "ENOSPC limit");
	udl_explain_segments(&u, -ERANGE, 3, 9, 1);
	check_str(userdma_last_error(),
		  "segments: index 9 is past the last segment of handle 3 (ERANGE)",
		  "segments ERANGE");
	udl_explain_sync(&u, -ERANGE, "sync_for_cpu", 3, ~0ULL, 2);
	check_has(userdma_last_error(), "wraps around", "sync wrap");
	udl_explain_sync(&u, -ERANGE, "sync_for_cpu", 3, 10, 20);
	check_has(userdma_last_error(), "bytes [10, 30) are not all within",
		  "sync range");
	udl_explain_unregister(&u, -ENOENT, 5);
	check_has(userdma_last_error(), "already released", "unregister twice");
	udl_explain_unregister(&u, -EBUSY, 5);
	check_has(userdma_last_error(), "handle 5 has transfers in flight",
		  "unregister busy");
	udl_explain_info(&u, -ENODEV);
	check_has(userdma_last_error(), "has gone away", "ENODEV");
	udl_explain_export(&u, -EOPNOTSUPP, 4, 0);
	check_has(userdma_last_error(), "handle 4 is a coherent buffer",
		  "export EOPNOTSUPP");
	udl_explain_import(&u, -EACCES, 9, USERDMA_DIR_FROM_DEVICE);
	check_has(userdma_last_error(), "read-only", "import EACCES");
	udl_explain_import(&u, -ENOMEM, 9, USERDMA_DIR_TO_DEVICE);
	check_has(userdma_last_error(), "ulimit -l", "import charged");
}

/* Transfers: status names, argument checks and the detail chosen. */
static void test_xfer(void)
{
	struct userdma u = {
		.info = {
			.dma_mask = (1ULL << 28) - 1,
			.page_size = 4096,
		},
	};
	struct userdma_xfer x = {
		.src_handle = 3, .dst_handle = 7, .src = 0, .dst = 4096,
		.length = 8192,
	};
	struct userdma_completion c[4];
	char bound[16] = "x", engine[8] = "y";
	uint64_t cookie = 99;

	check_str(userdma_xfer_status_name(USERDMA_XFER_DONE), "DONE", "DONE");
	check_str(userdma_xfer_status_name(USERDMA_XFER_FAULT), "FAULT",
		  "FAULT");
	check_str(userdma_xfer_status_name(USERDMA_XFER_TIMEOUT), "TIMEOUT",
		  "TIMEOUT");
	check_str(userdma_xfer_status_name(USERDMA_XFER_CANCELLED),
		  "CANCELLED", "CANCELLED");
	check_str(userdma_xfer_status_name(USERDMA_XFER_ERROR), "ERROR",
		  "ERROR");
	check_str(userdma_xfer_status_name(5), "UNKNOWN", "status 5");
	check_str(userdma_xfer_status_name(~0u), "UNKNOWN", "status ~0");

	check(userdma_channel(NULL, "sw", -1, NULL, 0, NULL, 0) == -EINVAL,
	      "channel(NULL)");
	check(userdma_submit(NULL, &x, 1) == -EINVAL, "submit(NULL)");
	check(userdma_copy_region(NULL, 1, 0, 2, 0, 1, 0, NULL) == -EINVAL,
	      "copy_region(NULL)");
	check(userdma_wait(NULL, 0, 0, NULL) == -EINVAL, "wait(NULL)");
	check(userdma_completions(NULL, c, 4, 1) == -EINVAL,
	      "completions(NULL)");

	snprintf(u.name, sizeof(u.name), "userdma0");
	snprintf(u.info.device, sizeof(u.info.device), "0000:00:03.0");
	snprintf(u.info.driver_name, sizeof(u.info.driver_name), "edu");
	u.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (u.fd < 0) {
		check(0, "open /dev/null: %s", strerror(errno));
		return;
	}
	check(userdma_channel(&u, "a-name-much-longer-than-thirty-one-bytes",
			      -1, NULL, 0, NULL, 0) == -EINVAL,
	      "channel name too long");
	check_has(userdma_last_error(), "longer than 31 bytes", "long name");
	check(userdma_channel(&u, NULL, -1, bound, sizeof(bound), engine,
			      sizeof(engine)) == -ENOTTY, "channel on /dev/null");
	check_str(bound, "x", "bound untouched on failure");
	check_str(engine, "y", "engine untouched on failure");
	check(userdma_submit(&u, NULL, 2) == -EINVAL, "submit from NULL");
	check(userdma_submit(&u, &x, 0) == 0, "submit nothing");
	check(userdma_submit(&u, &x, 1) == -ENOTTY, "submit on /dev/null");
	check_has(userdma_last_error(), "submit: ", "submit op name");
	check(userdma_copy_region(&u, 1, 0, 2, 0, 1, 0, &cookie) == -ENOTTY &&
	      cookie == 99, "copy_region on /dev/null");
	check_has(userdma_last_error(), "copy_region: ", "copy_region op");
	check(userdma_wait(&u, 0, 0, c) == -ENOTTY, "wait on /dev/null");
	check(userdma_completions(&u, NULL, 3, 0) == -EINVAL,
	      "completions into NULL");
	check(userdma_completions(&u, c, 0, 0) == 0, "no room: 0");
	/* read() of /dev/null: end of file, nothing outstanding */
	check(userdma_completions(&u, c, 4, 0) == 0, "completions: EOF");
	check(userdma_completions(&u, c, 4, 1) == -ENOTTY,
	      "nonblocking completions go through WAIT");
	close(u.fd);

	udl_explain_channel(&u, -EBUSY, "edu", -1, 0);
	check_str(userdma_last_error(),
		  "channel: the edu engine is already bound by another open file (EBUSY)",
		  "edu taken");
	udl_explain_channel(&u, -EBUSY, "sw", -1, 1);
	check_has(userdma_last_error(), "already has a channel",
		  "bound twice");
	udl_explain_channel(&u, -EBUSY, "sw", -1, 0);
	check_has(userdma_last_error(), "sw engine of userdma0", "sw taken");
	udl_explain_channel(&u, -EBUSY, "", -1, 0);
	check_has(userdma_last_error(), "no free memcpy channel for 0000:00:03.0",
		  "any taken");
	udl_explain_channel(&u, -EBUSY, "dma9chan9", -1, -1);
	check_has(userdma_last_error(), "\"dma9chan9\"", "named channel");
	udl_explain_channel(&u, -EBADF, "", 42, 0);
	check_has(userdma_last_error(), "eventfd 42 is not an open",
		  "bad eventfd");
	udl_explain_channel(&u, -EINVAL, "", 0, 0);
	check_has(userdma_last_error(), "descriptor 0 is not an eventfd",
		  "not an eventfd");
	udl_explain_channel(&u, -EINVAL, "", -5, 0);
	check_has(userdma_last_error(), "eventfd -5 is neither",
		  "eventfd < -1");
	snprintf(u.info.driver_name, sizeof(u.info.driver_name), "pci-other");
	udl_explain_channel(&u, -EBUSY, "edu", -1, 0);
	check_has(userdma_last_error(), "is not an edu device", "no edu engine");

	udl_explain_submit(&u, -EACCES, "submit", 3, &x, UDL_END_DST, 0);
	check_str(userdma_last_error(),
		  "submit: transfer 3: handle 7 is registered TO_DEVICE and cannot be a destination (EACCES)",
		  "EACCES destination");
	udl_explain_submit(&u, -EACCES, "submit", 0, &x, UDL_END_SRC, 0);
	check_has(userdma_last_error(),
		  "handle 3 is registered FROM_DEVICE and cannot be a source",
		  "EACCES source");
	udl_explain_submit(&u, -EACCES, "submit", 0, &x, UDL_END_UNKNOWN, 0);
	check_has(userdma_last_error(), "(handle 3) is registered FROM_DEVICE or",
		  "EACCES either");
	udl_explain_submit(&u, -ENXIO, "submit", 0, &x, UDL_END_UNKNOWN, 0);
	check_str(userdma_last_error(),
		  "submit: bind a channel first with userdma_channel() (ENXIO)",
		  "no channel");
	udl_explain_submit(&u, -ENOENT, "submit", 1, &x, UDL_END_DST, 0);
	check_has(userdma_last_error(),
		  "transfer 1: handle 7 (the destination) is not registered",
		  "ENOENT names the end");
	udl_explain_submit(&u, -ERANGE, "submit", 0, &x, UDL_END_DST, 0);
	check_has(userdma_last_error(),
		  "bytes [4096, 12288) of the destination are not all within the registration of handle 7",
		  "ERANGE range");
	x.src_handle = 0;
	x.src = 1ULL << 30;
	udl_explain_submit(&u, -ERANGE, "copy_region", 0, &x, UDL_END_SRC, 0);
	check_has(userdma_last_error(), "28-bit DMA mask", "ERANGE mask");
	check_has(userdma_last_error(), "copy_region: transfer 0",
		  "copy_region op");
	udl_explain_submit(&u, -EPERM, "submit", 0, &x, UDL_END_UNKNOWN, 0);
	check_has(userdma_last_error(), "as the source (handle 0) needs CAP_SYS_RAWIO",
		  "EPERM source");
	x.src = ~0ULL;
	udl_explain_submit(&u, -ERANGE, "submit", 0, &x, UDL_END_SRC, 0);
	check_has(userdma_last_error(), "wraps around", "ERANGE wrap");
	udl_explain_submit(&u, -EAGAIN, "submit", 5, &x, UDL_END_UNKNOWN,
			   4096);
	check_has(userdma_last_error(), "4096 transfers outstanding",
		  "EAGAIN limit");
	udl_explain_submit(&u, -E2BIG, "submit", 1, &x, UDL_END_UNKNOWN, 0);
	check_has(userdma_last_error(), "max_xfer_pieces", "E2BIG pieces");
	x.src_handle = 7;
	x.src = 0;
	x.dst = 100;
	udl_explain_submit(&u, -EINVAL, "submit", 1, &x, UDL_END_UNKNOWN, 0);
	check_has(userdma_last_error(), "overlap within handle 7",
		  "EINVAL overlap");
	x.src_handle = 3;
	x.length = 0;
	udl_explain_submit(&u, -EINVAL, "submit", 2, &x, UDL_END_UNKNOWN, 0);
	check_str(userdma_last_error(),
		  "submit: transfer 2: length 0 is not allowed (EINVAL)",
		  "length 0");

	udl_explain_wait(&u, -ENOENT, 12, -1);
	check_has(userdma_last_error(), "cookie 12 is not outstanding",
		  "wait ENOENT");
	udl_explain_wait(&u, -ENOENT, 0, -1);
	check_has(userdma_last_error(), "nothing is outstanding",
		  "wait ENOENT any");
	udl_explain_wait(&u, -ETIMEDOUT, 12, 250000000);
	check_str(userdma_last_error(),
		  "wait: transfer 12 did not complete within 250 ms (ETIMEDOUT)",
		  "wait timeout");
	udl_explain_wait(&u, -ETIMEDOUT, 0, 0);
	check_has(userdma_last_error(), "no transfer has completed yet",
		  "wait check");
	udl_explain_completions(&u, -EAGAIN);
	check_str(userdma_last_error(),
		  "completions: no completion is ready yet (EAGAIN)",
		  "completions EAGAIN");
}

/* The header promises errno is left alone, failures included. */
static void test_errno_kept(void)
{
	struct userdma *u;
	uint32_t h;

	errno = 1234;
	userdma_open("/nonexistent/userdma9", &u);
	userdma_open("/dev/null", &u);
	userdma_register(NULL, &h, 1, 1, &h, NULL);
	userdma_strerror(-4000);
	userdma_channel(NULL, "sw", -1, NULL, 0, NULL, 0);
	userdma_submit(NULL, NULL, 1);
	userdma_wait(NULL, 0, 0, NULL);
	userdma_completions(NULL, NULL, 1, 0);
	udl_explain_register(&(struct userdma){ .fd = -1 }, -ENOMEM, &h,
			     1 << 20, 2);
	check(errno == 1234, "errno left alone (now %d)", errno);
}

int main(void)
{
	check_str(userdma_last_error(), "", "no failure yet");
	test_node_path();
	test_first_node();
	test_texts();
	test_last_error();
	test_open();
	test_null_handle();
	test_requests();
	test_xfer();
	test_errno_kept();
	return check_report();
}
