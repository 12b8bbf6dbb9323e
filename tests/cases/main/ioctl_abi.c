// SPDX-License-Identifier: MIT
/*
 * The ioctl ABI apart from REGISTER's range checks: unknown numbers, the
 * size field of every command struct, bad argument pointers, SEGMENTS,
 * SYNC and UNREGISTER argument errors, pagination of SEGMENTS, and the
 * isolation of handles between open files (a dup()'d descriptor shares
 * them; another open() of the same node does not).  After every failing
 * call the node's counters and VmPin are unchanged, and after a failing
 * UNREGISTER the region is still there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

static const char *node;
static int fd;
static struct userdma_info info;
static uint8_t *buf;		/* 8 MiB scratch, written */

#define BUFSZ (8 * MiB)

static uint32_t reg(const void *addr, uint64_t len, uint32_t dir)
{
	uint32_t h = 0;
	int ret = udt_register(fd, addr, len, dir, &h, NULL);

	if (ret)
		bail("REGISTER %" PRIu64 " bytes %s: %s", len, dirname_udma(dir),
		     errname(ret));
	return h;
}

/* The region behind h is alive on fd: SEGMENTS answers for it. */
static int alive(int f, uint32_t h)
{
	uint32_t total = 0;

	return udt_segments(f, h, 0, NULL, 0, NULL, &total) == 0 && total > 0;
}

static void unknown_ioctls(void)
{
	static const struct {
		unsigned long req;
		const char *name;
	} bad[] = {
		/* the first number after the last command (WAIT, 7) */
		{ _IO(USERDMA_IOC_MAGIC, 0x0b), "_IO(0xDA, 0x0b)" },
		{ _IO(USERDMA_IOC_MAGIC, 0x7f), "_IO(0xDA, 0x7f)" },
		{ _IO(USERDMA_IOC_MAGIC, 0xff), "_IO(0xDA, 0xff)" },
		{ _IOWR(USERDMA_IOC_MAGIC, 0x01, struct userdma_register),
		  "_IOWR(0xDA, 1, struct userdma_register)" },
		{ _IOR(USERDMA_IOC_MAGIC, 0x00, struct userdma_info),
		  "_IOR(0xDA, 0, struct userdma_info)" },
		{ _IO(0xDB, 0x00), "_IO(0xDB, 0)" },
		{ TCGETS, "TCGETS" },
		{ 0, "0" },
	};
	uint8_t arg[256];
	struct snap s;
	size_t i;

	snap_take(node, &s);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret;

		memset(arg, 0, sizeof(arg));
		*(uint32_t *)arg = sizeof(struct userdma_register);
		ret = udt_ioctl(fd, bad[i].req, arg);
		ok(ret == -ENOTTY, "ioctl %s -> ENOTTY (got %s)", bad[i].name,
		   errname(ret));
	}
	ok_unchanged(node, &s, "unknown ioctls changed nothing");
}

/*
 * Call req with a copy of the valid struct (ks bytes) in a buffer of
 * `size` bytes (tail zero-filled), the size field set to size, and
 * optionally one tail byte set.  The buffer is returned in out.
 */
static int call_sized(unsigned long req, const void *valid, size_t ks,
		      uint32_t size, long tail_byte, uint8_t *out)
{
	memset(out, 0, 512);
	memcpy(out, valid, ks);
	memcpy(out, &size, sizeof(size));
	if (tail_byte >= 0)
		out[tail_byte] = 0x01;
	return udt_ioctl(fd, req, out);
}

/* size field and pointer checks shared by all commands */
static void bad_sizes(const char *name, unsigned long req, const void *valid,
		      size_t ks, uint32_t ver0, uint32_t live_handle)
{
	uint8_t *out = calloc(1, 512), *page;
	struct snap s;
	int ret;

	if (!out)
		bail("out of memory");
	ok(ks == ver0, "%s: sizeof %zu == SIZE_VER0 %u", name, ks, ver0);
	snap_take(node, &s);
	ret = call_sized(req, valid, ks, 0, -1, out);
	ok(ret == -EINVAL, "%s: size 0 -> EINVAL (got %s)", name, errname(ret));
	ret = call_sized(req, valid, ks, 4, -1, out);
	ok(ret == -EINVAL, "%s: size 4 -> EINVAL (got %s)", name, errname(ret));
	ret = call_sized(req, valid, ks, ver0 - 1, -1, out);
	ok(ret == -EINVAL, "%s: size VER0-1 -> EINVAL (got %s)", name,
	   errname(ret));
	ret = call_sized(req, valid, ks, (uint32_t)ks + 16, (long)ks, out);
	ok(ret == -E2BIG, "%s: size+16 with tail byte 0 set -> E2BIG (got %s)",
	   name, errname(ret));
	ret = call_sized(req, valid, ks, (uint32_t)ks + 16, (long)ks + 15, out);
	ok(ret == -E2BIG, "%s: size+16 with tail byte 15 set -> E2BIG (got %s)",
	   name, errname(ret));
	ret = call_sized(req, valid, ks, (uint32_t)ks + 400, (long)ks + 399,
			 out);
	ok(ret == -E2BIG, "%s: size+400 with last tail byte set -> E2BIG (got %s)",
	   name, errname(ret));

	ret = udt_ioctl(fd, req, NULL);
	ok(ret == -EFAULT, "%s: NULL argument -> EFAULT (got %s)", name,
	   errname(ret));
	ret = udt_ioctl(fd, req, (void *)0xffff888000000000ull);
	ok(ret == -EFAULT, "%s: kernel-address argument -> EFAULT (got %s)",
	   name, errname(ret));
	page = map_anon(2 * PAGE);
	munmap(page + PAGE, PAGE);
	ret = udt_ioctl(fd, req, page + PAGE);
	ok(ret == -EFAULT, "%s: unmapped argument -> EFAULT (got %s)", name,
	   errname(ret));
	memcpy(page + PAGE - 8, valid, 8);
	ret = udt_ioctl(fd, req, page + PAGE - 8);
	ok(ret == -EFAULT,
	   "%s: struct crossing into an unmapped page -> EFAULT (got %s)", name,
	   errname(ret));
	munmap(page, PAGE);
	ok_unchanged(node, &s, "%s: refused sizes and pointers changed nothing",
		     name);
	if (live_handle)
		ok(alive(fd, live_handle), "%s: the live region survived", name);

	free(out);
}

static void sizes_register(void)
{
	struct userdma_register r;
	uint8_t *out = calloc(1, 512);
	struct snap s;
	int ret;

	if (!out)
		bail("out of memory");
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.addr = (uintptr_t)buf;
	r.length = 3 * PAGE;
	r.direction = USERDMA_DIR_BIDIRECTIONAL;
	bad_sizes("REGISTER", USERDMA_IOC_REGISTER, &r, sizeof(r),
		  USERDMA_REGISTER_SIZE_VER0, 0);

	snap_take(node, &s);
	ret = call_sized(USERDMA_IOC_REGISTER, &r, sizeof(r),
			 USERDMA_REGISTER_SIZE_VER0, -1, out);
	memcpy(&r, out, sizeof(r));
	ok(ret == 0 && r.handle, "REGISTER: size VER0 accepted (%s)",
	   errname(ret));
	if (ret == 0)
		udt_unregister(fd, r.handle);
	ret = call_sized(USERDMA_IOC_REGISTER, &r, sizeof(r),
			 (uint32_t)sizeof(r) + 64, -1, out);
	memcpy(&r, out, sizeof(r));
	ok(ret == 0 && r.handle && byte_mismatch(out + sizeof(r), 64, 0) < 0,
	   "REGISTER: size+64 with zero tail accepted, tail untouched (%s)",
	   errname(ret));
	if (ret == 0)
		udt_unregister(fd, r.handle);

	/* outputs are ignored on input: a reused struct registers again */
	r.size = sizeof(r);
	r.handle = 0xdeadbeef;
	r.nr_segments = 12345;
	ret = udt_ioctl(fd, USERDMA_IOC_REGISTER, &r);
	ok(ret == 0 && r.handle != 0xdeadbeef && r.handle != 0 &&
		   r.nr_segments >= 1 && r.nr_segments != 12345,
	   "REGISTER: stale handle/nr_segments on input are ignored (%s, handle %u, %u segments)",
	   errname(ret), r.handle, r.nr_segments);
	if (ret == 0)
		udt_unregister(fd, r.handle);
	ok_unchanged(node, &s, "REGISTER size cases: all released");
	free(out);
}

static void sizes_others(void)
{
	struct userdma_segment segs[4];
	struct userdma_segments sg;
	struct userdma_sync sy;
	struct userdma_unregister un;
	uint8_t *out = calloc(1, 512);
	uint32_t h = reg(buf, 2 * PAGE + 5, USERDMA_DIR_BIDIRECTIONAL), h2;
	int ret;

	if (!out)
		bail("out of memory");
	memset(&sg, 0, sizeof(sg));
	sg.size = sizeof(sg);
	sg.handle = h;
	sg.count = 4;
	sg.segs = (uintptr_t)segs;
	bad_sizes("SEGMENTS", USERDMA_IOC_SEGMENTS, &sg, sizeof(sg),
		  USERDMA_SEGMENTS_SIZE_VER0, h);
	ret = call_sized(USERDMA_IOC_SEGMENTS, &sg, sizeof(sg),
			 USERDMA_SEGMENTS_SIZE_VER0, -1, out);
	ok(ret == 0, "SEGMENTS: size VER0 accepted (%s)", errname(ret));
	ret = call_sized(USERDMA_IOC_SEGMENTS, &sg, sizeof(sg),
			 (uint32_t)sizeof(sg) + 64, -1, out);
	ok(ret == 0 && byte_mismatch(out + sizeof(sg), 64, 0) < 0,
	   "SEGMENTS: size+64 with zero tail accepted, tail untouched (%s)",
	   errname(ret));

	memset(&sy, 0, sizeof(sy));
	sy.size = sizeof(sy);
	sy.handle = h;
	sy.length = 1;
	sy.flags = USERDMA_SYNC_FOR_CPU;
	bad_sizes("SYNC", USERDMA_IOC_SYNC, &sy, sizeof(sy),
		  USERDMA_SYNC_SIZE_VER0, h);
	ret = call_sized(USERDMA_IOC_SYNC, &sy, sizeof(sy),
			 USERDMA_SYNC_SIZE_VER0, -1, out);
	ok(ret == 0, "SYNC: size VER0 accepted (%s)", errname(ret));
	ret = call_sized(USERDMA_IOC_SYNC, &sy, sizeof(sy),
			 (uint32_t)sizeof(sy) + 64, -1, out);
	ok(ret == 0, "SYNC: size+64 with zero tail accepted (%s)",
	   errname(ret));

	memset(&un, 0, sizeof(un));
	un.size = sizeof(un);
	un.handle = h;
	bad_sizes("UNREGISTER", USERDMA_IOC_UNREGISTER, &un, sizeof(un),
		  USERDMA_UNREGISTER_SIZE_VER0, h);
	ret = call_sized(USERDMA_IOC_UNREGISTER, &un, sizeof(un),
			 USERDMA_UNREGISTER_SIZE_VER0, -1, out);
	ok(ret == 0 && !alive(fd, h), "UNREGISTER: size VER0 accepted (%s)",
	   errname(ret));
	h2 = reg(buf, PAGE, USERDMA_DIR_TO_DEVICE);
	un.handle = h2;
	ret = call_sized(USERDMA_IOC_UNREGISTER, &un, sizeof(un),
			 (uint32_t)sizeof(un) + 64, -1, out);
	ok(ret == 0 && !alive(fd, h2),
	   "UNREGISTER: size+64 with zero tail accepted (%s)", errname(ret));
	free(out);
}

static void segments_errors(void)
{
	const uint64_t len = 4 * MiB + 123, off = 77;
	struct userdma_segment *all = NULL, *win, *ro, *page;
	uint32_t h, h_dead, total = 0, copied = 0, n, w, first;
	struct snap s;
	int ret, nall, good;
	static const uint32_t windows[] = { 1, 2, 3, 7, 64 };
	size_t i;

	h = reg(buf + off, len, USERDMA_DIR_FROM_DEVICE);
	h_dead = reg(buf, PAGE, USERDMA_DIR_TO_DEVICE);
	udt_unregister(fd, h_dead);
	snap_take(node, &s);

	ret = udt_segments(fd, 0, 0, NULL, 0, NULL, NULL);
	ok(ret == -ENOENT, "SEGMENTS handle 0 -> ENOENT (got %s)", errname(ret));
	ret = udt_segments(fd, UINT32_MAX, 0, NULL, 0, NULL, NULL);
	ok(ret == -ENOENT, "SEGMENTS handle 0xffffffff -> ENOENT (got %s)",
	   errname(ret));
	if (h_dead != h) {
		ret = udt_segments(fd, h_dead, 0, NULL, 0, NULL, NULL);
		ok(ret == -ENOENT,
		   "SEGMENTS of an unregistered handle -> ENOENT (got %s)",
		   errname(ret));
	}

	ret = udt_segments(fd, h, 0, NULL, 0, &copied, &total);
	ok(ret == 0 && copied == 0 && total >= 1,
	   "SEGMENTS count 0 (segs NULL) reports total %u (%s)", total,
	   errname(ret));
	nall = udt_segments_all(fd, h, &all);
	if (nall < 0)
		bail("SEGMENTS: %s", errname(nall));
	n = (uint32_t)nall;
	{
		char why[256];

		good = segs_valid(all, n, (uintptr_t)buf + off, len, &info, why,
				  sizeof(why));
		ok(good, "4 MiB+123 at offset 77: %u valid segments", n);
		if (!good)
			diag("%s", why);
	}

	ret = udt_segments(fd, h, n + 1, NULL, 0, NULL, NULL);
	ok(ret == -ERANGE, "SEGMENTS first = total+1 -> ERANGE (got %s)",
	   errname(ret));
	ret = udt_segments(fd, h, UINT32_MAX, NULL, 0, NULL, NULL);
	ok(ret == -ERANGE, "SEGMENTS first = 0xffffffff -> ERANGE (got %s)",
	   errname(ret));
	{
		struct userdma_segment one;

		copied = 99;
		ret = udt_segments(fd, h, n, &one, 1, &copied, &total);
		ok(ret == 0 && copied == 0 && total == n,
		   "SEGMENTS first = total copies 0, total %u (%s, count %u)",
		   total, errname(ret), copied);
	}

	ret = udt_segments(fd, h, 0, NULL, 1, NULL, NULL);
	ok(ret == -EFAULT, "SEGMENTS segs NULL with count 1 -> EFAULT (got %s)",
	   errname(ret));
	ret = udt_segments(fd, h, 0, (void *)0xffff888000000000ull, 1, NULL,
			   NULL);
	ok(ret == -EFAULT, "SEGMENTS segs at a kernel address -> EFAULT (got %s)",
	   errname(ret));
	ro = map_anon(PAGE);
	mprotect(ro, PAGE, PROT_READ);
	ret = udt_segments(fd, h, 0, ro, 1, NULL, NULL);
	ok(ret == -EFAULT, "SEGMENTS segs read-only -> EFAULT (got %s)",
	   errname(ret));
	munmap(ro, PAGE);
	page = map_anon(2 * PAGE);
	munmap((uint8_t *)page + PAGE, PAGE);
	if (n >= 2) {
		ret = udt_segments(fd, h, 0,
				   (void *)((uint8_t *)page + PAGE -
					    sizeof(*page)),
				   2, NULL, NULL);
		ok(ret == -EFAULT,
		   "SEGMENTS array with room for 1 of 2 -> EFAULT (got %s)",
		   errname(ret));
	} else {
		skip("the region has a single segment",
		     "SEGMENTS array with room for 1 of 2 -> EFAULT");
	}
	munmap(page, PAGE);
	{
		struct userdma_segments sg;

		memset(&sg, 0, sizeof(sg));
		sg.size = sizeof(sg);
		sg.handle = h;
		sg.reserved = 1;
		ret = udt_ioctl(fd, USERDMA_IOC_SEGMENTS, &sg);
		ok(ret == -EINVAL, "SEGMENTS reserved 1 -> EINVAL (got %s)",
		   errname(ret));
		sg.reserved = 0;
		sg.total = 0xffffffff;	/* output field: ignored */
		sg.count = 0;
		ret = udt_ioctl(fd, USERDMA_IOC_SEGMENTS, &sg);
		ok(ret == 0 && sg.total == n,
		   "SEGMENTS with stale total on input answers %u (%s)", n,
		   errname(ret));
	}

	/* pagination gives the same list as one call */
	win = calloc(n + 8, sizeof(*win));
	if (!win)
		bail("out of memory");
	for (i = 0; i < ARRAY_SIZE(windows); i++) {
		w = windows[i];
		memset(win, 0xab, (n + 8) * sizeof(*win));
		good = 1;
		for (first = 0; first < n && good; first += copied) {
			ret = udt_segments(fd, h, first, win + first, w, &copied,
					   &total);
			if (ret || total != n || copied != MIN(w, n - first) ||
			    copied == 0) {
				diag("window %u at %u: %s copied %u total %u", w,
				     first, errname(ret), copied, total);
				good = 0;
			}
		}
		ok(good && !memcmp(win, all, n * sizeof(*win)) &&
			   byte_mismatch(win + n, 8 * sizeof(*win), 0xab) < 0,
		   "SEGMENTS in windows of %u == one call (%u segments), nothing written past",
		   w, n);
	}
	/* count larger than what is left: the rest, not an error */
	if (n >= 2) {
		memset(win, 0xab, (n + 8) * sizeof(*win));
		ret = udt_segments(fd, h, n - 1, win, n + 8, &copied, &total);
		ok(ret == 0 && copied == 1 && !memcmp(win, all + n - 1,
						     sizeof(*win)) &&
			   byte_mismatch(win + 1, sizeof(*win), 0xab) < 0,
		   "SEGMENTS first = total-1, count total+8 copies exactly 1 (%s, %u)",
		   errname(ret), copied);
	} else {
		memset(win, 0xab, (n + 8) * sizeof(*win));
		ret = udt_segments(fd, h, 0, win, 8, &copied, &total);
		ok(ret == 0 && copied == 1 &&
			   byte_mismatch(win + 1, sizeof(*win), 0xab) < 0,
		   "SEGMENTS count 8 on a 1-segment region copies exactly 1 (%s, %u)",
		   errname(ret), copied);
	}
	free(win);
	free(all);
	ok_unchanged(node, &s, "SEGMENTS errors changed nothing");
	udt_unregister(fd, h);
}

static void sync_errors(void)
{
	const uint64_t len = 3 * PAGE + 10;
	uint32_t h, h_to, h_from, h_dead;
	struct snap s;
	int ret;

	h = reg(buf + 100, len, USERDMA_DIR_BIDIRECTIONAL);
	h_to = reg(buf + 100, len, USERDMA_DIR_TO_DEVICE);
	h_from = reg(buf + 100, len, USERDMA_DIR_FROM_DEVICE);
	h_dead = reg(buf, PAGE, USERDMA_DIR_FROM_DEVICE);
	udt_unregister(fd, h_dead);
	snap_take(node, &s);

	ret = udt_sync(fd, 0, 0, 1, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ENOENT, "SYNC handle 0 -> ENOENT (got %s)", errname(ret));
	ret = udt_sync(fd, 0x7fffffff, 0, 1, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == -ENOENT, "SYNC handle 0x7fffffff -> ENOENT (got %s)",
	   errname(ret));
	if (h_dead != h && h_dead != h_to && h_dead != h_from) {
		ret = udt_sync(fd, h_dead, 0, 1, USERDMA_SYNC_FOR_CPU);
		ok(ret == -ENOENT, "SYNC unregistered handle -> ENOENT (got %s)",
		   errname(ret));
	}
	ret = udt_sync(fd, h, 0, 0, USERDMA_SYNC_FOR_CPU);
	ok(ret == -EINVAL, "SYNC length 0 -> EINVAL (got %s)", errname(ret));
	ret = udt_sync(fd, h, len, 0, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == -EINVAL, "SYNC length 0 at the end -> EINVAL (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, len, 1, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ERANGE, "SYNC offset = length -> ERANGE (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, 0, len + 1, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ERANGE, "SYNC length+1 bytes -> ERANGE (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, len - 1, 2, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == -ERANGE, "SYNC last byte + 1 -> ERANGE (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, UINT64_MAX, 2, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ERANGE, "SYNC offset UINT64_MAX length 2 (wraps) -> ERANGE (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, 1, UINT64_MAX, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ERANGE, "SYNC offset 1 length UINT64_MAX (wraps) -> ERANGE (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, 1ull << 63, 1ull << 63, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ERANGE, "SYNC 2^63 + 2^63 (wraps to 0) -> ERANGE (got %s)",
	   errname(ret));

	ret = udt_sync(fd, h, 0, 1, 0);
	ok(ret == -EINVAL, "SYNC flags 0 -> EINVAL (got %s)", errname(ret));
	ret = udt_sync(fd, h, 0, 1,
		       USERDMA_SYNC_FOR_CPU | USERDMA_SYNC_FOR_DEVICE);
	ok(ret == -EINVAL, "SYNC flags 3 (both) -> EINVAL (got %s)",
	   errname(ret));
	ret = udt_sync(fd, h, 0, 1, 4);
	ok(ret == -EINVAL, "SYNC flags 4 -> EINVAL (got %s)", errname(ret));
	ret = udt_sync(fd, h, 0, 1, USERDMA_SYNC_FOR_CPU | 0x80000000u);
	ok(ret == -EINVAL, "SYNC flags FOR_CPU|0x80000000 -> EINVAL (got %s)",
	   errname(ret));
	{
		struct userdma_sync sy;

		memset(&sy, 0, sizeof(sy));
		sy.size = sizeof(sy);
		sy.handle = h;
		sy.length = 1;
		sy.flags = USERDMA_SYNC_FOR_CPU;
		sy.reserved = 1;
		ret = udt_ioctl(fd, USERDMA_IOC_SYNC, &sy);
		ok(ret == -EINVAL, "SYNC reserved 1 -> EINVAL (got %s)",
		   errname(ret));
	}

	ret = udt_sync(fd, h, 0, len, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "SYNC whole region FOR_CPU (%s)", errname(ret));
	ret = udt_sync(fd, h, 0, len, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == 0, "SYNC whole region FOR_DEVICE (%s)", errname(ret));
	ret = udt_sync(fd, h, len - 1, 1, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "SYNC last byte (%s)", errname(ret));
	ret = udt_sync(fd, h, 0, 1, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == 0, "SYNC first byte (%s)", errname(ret));
	ret = udt_sync(fd, h, PAGE - 3, 7, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "SYNC 7 bytes across a page boundary (%s)", errname(ret));
	/* either direction may be synced both ways (a no-op where useless) */
	ret = udt_sync(fd, h_to, 0, len, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "SYNC FOR_CPU of a TO_DEVICE region is allowed (%s)",
	   errname(ret));
	ret = udt_sync(fd, h_from, 0, len, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == 0, "SYNC FOR_DEVICE of a FROM_DEVICE region is allowed (%s)",
	   errname(ret));
	ok_unchanged(node, &s, "SYNC errors changed nothing");
	udt_unregister(fd, h);
	udt_unregister(fd, h_to);
	udt_unregister(fd, h_from);
}

static void unregister_errors(void)
{
	struct userdma_unregister un;
	struct snap s, s1;
	uint32_t h;
	int ret;

	snap_take(node, &s);
	h = reg(buf, 5 * PAGE, USERDMA_DIR_FROM_DEVICE);
	snap_take(node, &s1);

	ret = udt_unregister(fd, 0);
	ok(ret == -ENOENT, "UNREGISTER handle 0 -> ENOENT (got %s)",
	   errname(ret));
	ret = udt_unregister(fd, h + 1000);
	ok(ret == -ENOENT, "UNREGISTER unknown handle -> ENOENT (got %s)",
	   errname(ret));
	memset(&un, 0, sizeof(un));
	un.size = sizeof(un);
	un.handle = h;
	un.flags = 1;
	ret = udt_ioctl(fd, USERDMA_IOC_UNREGISTER, &un);
	ok(ret == -EINVAL, "UNREGISTER flags 1 -> EINVAL (got %s)",
	   errname(ret));
	un.flags = 0;
	un.reserved = 0x100;
	ret = udt_ioctl(fd, USERDMA_IOC_UNREGISTER, &un);
	ok(ret == -EINVAL, "UNREGISTER reserved 0x100 -> EINVAL (got %s)",
	   errname(ret));
	ok(alive(fd, h), "refused UNREGISTERs left the region in place");
	ok_unchanged(node, &s1, "refused UNREGISTERs changed nothing");

	ret = udt_unregister(fd, h);
	ok(ret == 0, "UNREGISTER (%s)", errname(ret));
	ok_unchanged(node, &s, "UNREGISTER released pages, bytes and VmPin");
	ret = udt_unregister(fd, h);
	ok(ret == -ENOENT, "UNREGISTER the same handle again -> ENOENT (got %s)",
	   errname(ret));
	ok_unchanged(node, &s, "second UNREGISTER changed nothing");
}

static void isolation(void)
{
	int fdb = node_open_or_bail(node), fdd, fdc;
	const char *node1 = node_name_for(edu28_bdf());
	struct snap s0, s1;
	uint32_t ha, hb;
	int ret;

	snap_take(node, &s0);
	ha = reg(buf, 4 * PAGE, USERDMA_DIR_BIDIRECTIONAL);
	snap_take(node, &s1);

	ret = udt_segments(fdb, ha, 0, NULL, 0, NULL, NULL);
	ok(ret == -ENOENT,
	   "another open file: SEGMENTS of our handle -> ENOENT (got %s)",
	   errname(ret));
	ret = udt_sync(fdb, ha, 0, 1, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ENOENT,
	   "another open file: SYNC of our handle -> ENOENT (got %s)",
	   errname(ret));
	ret = udt_unregister(fdb, ha);
	ok(ret == -ENOENT,
	   "another open file: UNREGISTER of our handle -> ENOENT (got %s)",
	   errname(ret));
	ok(alive(fd, ha), "our region is intact after the other file's attempts");
	ok_unchanged(node, &s1, "other file's attempts changed nothing");

	ret = udt_register(fdb, buf + 4 * PAGE, 2 * PAGE,
			   USERDMA_DIR_TO_DEVICE, &hb, NULL);
	ok(ret == 0, "the other open file registers its own region (%s)",
	   errname(ret));
	diag("handles: first file %u, second file %u%s", ha, hb,
	     ha == hb ? " (same number, separate tables)" : "");
	ret = udt_unregister(fdb, hb);
	ok(ret == 0, "the other file unregisters its own handle (%s)",
	   errname(ret));
	ok(alive(fd, ha), "our region is intact after the other file released its own");
	ok_unchanged(node, &s1, "counters: only the other file's region went away");

	fdc = node_open_or_bail(node1);
	ret = udt_unregister(fdc, ha);
	ok(ret == -ENOENT, "a file of %s: UNREGISTER of our handle -> ENOENT (got %s)",
	   node1, errname(ret));
	close(fdc);
	ok(alive(fd, ha), "our region is intact after the other node's attempt");

	close(fdb);
	ok(alive(fd, ha), "closing the other file does not touch our region");
	ok_unchanged(node, &s1, "closing the other file changed nothing");

	fdd = dup(fd);
	ret = udt_segments(fdd, ha, 0, NULL, 0, NULL, NULL);
	ok(ret == 0, "a dup()'d descriptor shares the handles: SEGMENTS (%s)",
	   errname(ret));
	ret = udt_unregister(fdd, ha);
	ok(ret == 0, "a dup()'d descriptor shares the handles: UNREGISTER (%s)",
	   errname(ret));
	ret = udt_unregister(fd, ha);
	ok(ret == -ENOENT,
	   "the original descriptor then sees the handle gone -> ENOENT (got %s)",
	   errname(ret));
	close(fdd);
	ok_unchanged(node, &s0, "isolation: all released");
}

int main(void)
{
	struct snap start;

	tap_init("ioctl_abi");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	buf = map_anon(BUFSZ);
	snap_take(node, &start);

	unknown_ioctls();
	sizes_register();
	sizes_others();
	segments_errors();
	sync_errors();
	unregister_errors();
	isolation();

	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
