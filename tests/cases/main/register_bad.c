// SPDX-License-Identifier: MIT
/*
 * Every way USERDMA_IOC_REGISTER must refuse, with the exact errno, and
 * after every refusal the node's counters (regions, pinned_pages,
 * mapped_bytes) and the caller's VmPin/VmLck are where they were: a failed
 * registration leaves nothing pinned, charged or mapped.  The harness
 * checks the FOLL_PIN counters around the whole program as well.
 *
 * The memlock cases run in a child that keeps the node open, lowers
 * RLIMIT_MEMLOCK and drops root (and with it CAP_IPC_LOCK).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util.h"

static const char *node;
static int fd;
static struct userdma_info info;

static const uint32_t dirs[] = {
	USERDMA_DIR_TO_DEVICE, USERDMA_DIR_FROM_DEVICE,
	USERDMA_DIR_BIDIRECTIONAL,
};

/* REGISTER must fail with want (or want2 if non-zero) and change nothing. */
static void expect_fail2(uint64_t addr, uint64_t len, uint32_t dir,
			 uint32_t flags, uint32_t reserved, int want, int want2,
			 const char *fmt, ...) TAP_PRINTF(8, 9);
static void expect_fail2(uint64_t addr, uint64_t len, uint32_t dir,
			 uint32_t flags, uint32_t reserved, int want, int want2,
			 const char *fmt, ...)
{
	char desc[512];
	struct snap s;
	uint32_t h = 0;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);

	snap_take(node, &s);
	ret = udt_register_raw(fd, addr, len, dir, flags, reserved, &h, NULL);
	if (want2)
		ok(ret == want || ret == want2, "%s -> %s or %s (got %s)", desc,
		   errname(want), errname(want2), errname(ret));
	else
		ok(ret == want, "%s -> %s (got %s)", desc, errname(want),
		   errname(ret));
	if (ret == 0) {
		diag("unexpectedly registered as handle %u; unregistering", h);
		udt_unregister(fd, h);
		return;
	}
	ok_unchanged(node, &s, "%s: nothing pinned, charged or mapped", desc);
}

#define expect_fail(addr, len, dir, want, ...) \
	expect_fail2(addr, len, dir, 0, 0, want, 0, __VA_ARGS__)

/* REGISTER must succeed, move the counters by the pages, and undo. */
static void expect_ok(const void *addr, uint64_t len, uint32_t dir,
		      const char *what)
{
	uint64_t pages = pages_spanned((uintptr_t)addr, len);
	struct snap s;
	uint32_t h = 0;
	int ret;

	snap_take(node, &s);
	ret = udt_register(fd, addr, len, dir, &h, NULL);
	if (!ok(ret == 0 && h != 0, "%s %s succeeds (%s, handle %u)", what,
		dirname_udma(dir), errname(ret), h))
		return;
	ok_delta(node, &s, 1, (long long)pages, (long long)len,
		 (long long)(pages * 4), "%s: counters and VmPin up by %" PRIu64 " pages",
		 what, pages);
	ret = udt_unregister(fd, h);
	ok(ret == 0, "%s: unregister (%s)", what, errname(ret));
	ok_unchanged(node, &s, "%s: counters and VmPin back", what);
}

static void bad_arguments(void)
{
	uint8_t *buf = map_anon(4 * PAGE);
	uint64_t a = (uintptr_t)buf;
	size_t i;

	expect_fail(a, 0, USERDMA_DIR_FROM_DEVICE, -EINVAL, "length 0");
	expect_fail(a, PAGE, 0, -EINVAL, "direction 0");
	expect_fail(a, PAGE, 4, -EINVAL, "direction 4");
	expect_fail(a, PAGE, 0xffffffffu, -EINVAL, "direction 0xffffffff");
	expect_fail2(a, PAGE, USERDMA_DIR_TO_DEVICE, 1, 0, -EINVAL, 0,
		     "flags 1");
	expect_fail2(a, PAGE, USERDMA_DIR_TO_DEVICE, 0x80000000u, 0, -EINVAL,
		     0, "flags 0x80000000");
	expect_fail2(a, PAGE, USERDMA_DIR_TO_DEVICE, 0, 1, -EINVAL, 0,
		     "reserved 1");
	expect_fail2(a, PAGE, USERDMA_DIR_TO_DEVICE, 0, 0xffffffffu, -EINVAL,
		     0, "reserved 0xffffffff");

	expect_fail(0xfffffffffffff000ull, 0x2000, USERDMA_DIR_TO_DEVICE,
		    -EOVERFLOW, "addr 0xfffffffffffff000 + 0x2000 wraps");
	expect_fail(a, UINT64_MAX, USERDMA_DIR_FROM_DEVICE, -EOVERFLOW,
		    "buffer + length UINT64_MAX wraps");
	expect_fail(UINT64_MAX, 1, USERDMA_DIR_FROM_DEVICE, -EOVERFLOW,
		    "addr UINT64_MAX + 1 wraps");

	expect_fail(a, info.max_region_bytes + 1, USERDMA_DIR_FROM_DEVICE,
		    -E2BIG, "length max_region_bytes + 1 (%" PRIu64 ")",
		    (uint64_t)info.max_region_bytes + 1);
	expect_fail(a, info.max_region_bytes + PAGE, USERDMA_DIR_TO_DEVICE,
		    -E2BIG, "length max_region_bytes + a page");

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		expect_fail(0xffff888000000000ull, PAGE, dirs[i], -EFAULT,
			    "kernel address 0xffff888000000000 %s",
			    dirname_udma(dirs[i]));
		expect_fail(0x0000800000000000ull, PAGE, dirs[i], -EFAULT,
			    "non-canonical 0x0000800000000000 %s",
			    dirname_udma(dirs[i]));
		expect_fail(0x8000000000000000ull, PAGE, dirs[i], -EFAULT,
			    "non-canonical 0x8000000000000000 %s",
			    dirname_udma(dirs[i]));
	}
	expect_fail(0x00007fffffffe000ull, 0x2000, USERDMA_DIR_TO_DEVICE,
		    -EFAULT, "range running from user space past 2^47");
	expect_fail(0, PAGE, USERDMA_DIR_FROM_DEVICE, -EFAULT,
		    "NULL page (never mapped)");
	munmap(buf, 4 * PAGE);
}

static void unmapped_ranges(void)
{
	const size_t npages = 2100, hole = 1500;
	uint8_t *buf = map_anon(npages * PAGE);
	uint64_t a = (uintptr_t)buf;
	size_t i;

	munmap(buf + hole * PAGE, PAGE);
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		expect_fail(a, npages * PAGE, dirs[i], -EFAULT,
			    "%zu pages with page %zu unmapped, %s", npages, hole,
			    dirname_udma(dirs[i]));
	expect_fail(a + hole * PAGE, PAGE, USERDMA_DIR_TO_DEVICE, -EFAULT,
		    "exactly the unmapped page");
	expect_fail(a + hole * PAGE - 1, 2, USERDMA_DIR_FROM_DEVICE, -EFAULT,
		    "2 bytes from the last mapped byte into the hole");
	expect_fail(a + hole * PAGE + PAGE - 1, 2, USERDMA_DIR_FROM_DEVICE,
		    -EFAULT, "2 bytes from the hole's last byte onwards");
	/* the pages around the hole still register */
	expect_ok(buf + (hole - 1) * PAGE, PAGE, USERDMA_DIR_BIDIRECTIONAL,
		  "the page before the hole");
	munmap(buf, hole * PAGE);
	munmap(buf + (hole + 1) * PAGE, (npages - hole - 1) * PAGE);
}

static void io_mapping(void)
{
	char path[256];
	void *bar;
	size_t i;
	int bfd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		 edu64_bdf());
	bfd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (bfd < 0) {
		skip(strerror(errno), "PFNMAP/IO mapping of %s is refused", path);
		return;
	}
	bar = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	close(bfd);
	if (bar == MAP_FAILED) {
		skip(strerror(errno), "PFNMAP/IO mapping of %s is refused", path);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		expect_fail((uintptr_t)bar, PAGE, dirs[i], -EFAULT,
			    "mmap of the edu BAR0 (PFNMAP) %s",
			    dirname_udma(dirs[i]));
	expect_fail((uintptr_t)bar + 8, 16, USERDMA_DIR_TO_DEVICE, -EFAULT,
		    "16 bytes inside the BAR mapping");
	munmap(bar, PAGE);
}

static void protections(void)
{
	uint8_t *ro = map_anon(4 * PAGE), *zero, *none;
	volatile uint8_t sink = 0;
	char path[] = "udt-ro-XXXXXX";
	size_t i;
	int ffd;

	/* written, then made read-only: real pages, no write permission */
	memset(ro, 0x3c, 4 * PAGE);
	mprotect(ro, 4 * PAGE, PROT_READ);
	expect_fail((uintptr_t)ro, 4 * PAGE, USERDMA_DIR_FROM_DEVICE, -EFAULT,
		    "PROT_READ anonymous mapping FROM_DEVICE");
	expect_fail((uintptr_t)ro + 5, 100, USERDMA_DIR_BIDIRECTIONAL, -EFAULT,
		    "PROT_READ anonymous mapping BIDIRECTIONAL");
	expect_ok(ro, 4 * PAGE, USERDMA_DIR_TO_DEVICE,
		  "PROT_READ anonymous mapping (written before mprotect)");
	expect_ok(ro + 7, 2 * PAGE, USERDMA_DIR_TO_DEVICE,
		  "unaligned part of the PROT_READ mapping");
	munmap(ro, 4 * PAGE);

	/* read-only and only ever read: the shared zero page */
	zero = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	if (zero == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	for (i = 0; i < 2 * PAGE; i += PAGE)
		sink += zero[i];
	expect_fail((uintptr_t)zero, 2 * PAGE, USERDMA_DIR_FROM_DEVICE, -EFAULT,
		    "PROT_READ mapping touched by reads only, FROM_DEVICE");
	expect_ok(zero, 2 * PAGE, USERDMA_DIR_TO_DEVICE,
		  "PROT_READ mapping touched by reads only (zero page)");
	munmap(zero, 2 * PAGE);

	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		expect_fail((uintptr_t)none, PAGE, dirs[i], -EFAULT,
			    "PROT_NONE mapping %s", dirname_udma(dirs[i]));
	munmap(none, PAGE);

	/* a shared file mapping opened read-only */
	ffd = mkstemp(path);
	if (ffd < 0 || ftruncate(ffd, 2 * PAGE) < 0) {
		skip(strerror(errno), "read-only shared file mapping");
	} else {
		uint8_t *f;

		close(ffd);
		ffd = open(path, O_RDONLY | O_CLOEXEC);
		f = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, ffd, 0);
		if (f == MAP_FAILED) {
			skip(strerror(errno), "read-only shared file mapping");
		} else {
			for (i = 0; i < 2 * PAGE; i += PAGE)
				sink += f[i];
			expect_fail((uintptr_t)f, 2 * PAGE,
				    USERDMA_DIR_FROM_DEVICE, -EFAULT,
				    "read-only MAP_SHARED file mapping FROM_DEVICE");
			expect_fail((uintptr_t)f, PAGE,
				    USERDMA_DIR_BIDIRECTIONAL, -EFAULT,
				    "read-only MAP_SHARED file mapping BIDIRECTIONAL");
			expect_ok(f, 2 * PAGE, USERDMA_DIR_TO_DEVICE,
				  "read-only MAP_SHARED tmpfs file mapping");
			munmap(f, 2 * PAGE);
		}
		close(ffd);
	}
	unlink(path);
	(void)sink;
}

/* The reply cannot be copied out: the new region must be torn down. */
static void reply_fault(void)
{
	uint8_t *buf = map_anon(2 * PAGE);
	struct userdma_register *r = map_anon(PAGE);
	struct snap s;
	int ret;

	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->addr = (uintptr_t)buf;
	r->length = 2 * PAGE;
	r->direction = USERDMA_DIR_FROM_DEVICE;
	mprotect(r, PAGE, PROT_READ);
	snap_take(node, &s);
	ret = udt_ioctl(fd, USERDMA_IOC_REGISTER, r);
	ok(ret == -EFAULT,
	   "REGISTER with a read-only struct (reply cannot be written) -> EFAULT (got %s)",
	   errname(ret));
	ok_unchanged(node, &s,
		     "read-only struct: the region pinned before the reply is released");
	munmap(r, PAGE);
	munmap(buf, 2 * PAGE);
}

static void child_expect(const char *what, int ret, int want)
{
	ok(ret == want, "memlock child: %s -> %s (got %s)", what,
	   errname(want), errname(ret));
}

/* Runs in a child, unprivileged, with RLIMIT_MEMLOCK = 64 KiB. */
static void memlock_child(void)
{
	const struct rlimit rl = { 64 * KiB, 64 * KiB };
	uint8_t *buf = map_anon(256 * KiB);
	uint32_t h1 = 0, h2 = 0, h3 = 0;
	struct snap s0, s1;
	int ret;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0) {
		ok(0, "memlock child: setrlimit: %s", strerror(errno));
		return;
	}
	ret = drop_root(unpriv_uid(), unpriv_gid());
	if (!ok(ret == 0, "memlock child: now uid %d without CAP_IPC_LOCK (%s)",
		(int)getuid(), errname(ret)))
		return;
	snap_take(node, &s0);
	ok(s0.vmpin == 0, "memlock child: VmPin starts at 0 kB (%lld)",
	   s0.vmpin);

	ret = udt_register(fd, buf, 32 * KiB, USERDMA_DIR_FROM_DEVICE, &h1,
			   NULL);
	child_expect("register 32 KiB within the 64 KiB limit", ret, 0);
	ok_delta(node, &s0, 1, 8, 32 * KiB, 32,
		 "memlock child: VmPin 32 kB after 8 pages");

	snap_take(node, &s1);
	ret = udt_register(fd, buf + 32 * KiB, 64 * KiB, USERDMA_DIR_TO_DEVICE,
			   &h2, NULL);
	child_expect("register 64 KiB more (96 KiB > limit)", ret, -ENOMEM);
	if (ret == 0)
		udt_unregister(fd, h2);
	ok_unchanged(node, &s1, "memlock child: refused registration left nothing");

	ret = udt_register(fd, buf + 32 * KiB, 32 * KiB,
			   USERDMA_DIR_BIDIRECTIONAL, &h2, NULL);
	child_expect("register 32 KiB more (exactly the limit)", ret, 0);
	snap_take(node, &s1);
	ok(s1.vmpin == 64, "memlock child: VmPin 64 kB at the limit (%lld)",
	   s1.vmpin);
	ret = udt_register(fd, buf + 64 * KiB, 1, USERDMA_DIR_TO_DEVICE, &h3,
			   NULL);
	child_expect("one more byte (a 17th page)", ret, -ENOMEM);
	if (ret == 0)
		udt_unregister(fd, h3);
	ok_unchanged(node, &s1, "memlock child: refused byte left nothing");

	ret = udt_unregister(fd, h1);
	child_expect("unregister the first", ret, 0);
	ret = udt_unregister(fd, h2);
	child_expect("unregister the second", ret, 0);
	ok_unchanged(node, &s0, "memlock child: VmPin back to 0 and counters back");

	ret = udt_register(fd, buf + 1, 64 * KiB - 1, USERDMA_DIR_FROM_DEVICE,
			   &h1, NULL);
	child_expect("64 KiB - 1 at offset 1 (16 pages)", ret, 0);
	if (ret == 0)
		udt_unregister(fd, h1);
	ret = udt_register(fd, buf + 1, 64 * KiB, USERDMA_DIR_FROM_DEVICE, &h1,
			   NULL);
	child_expect("64 KiB at offset 1 (17 pages: charged by pages)", ret,
		     -ENOMEM);
	if (ret == 0)
		udt_unregister(fd, h1);
	ret = udt_register(fd, buf, 256 * KiB, USERDMA_DIR_TO_DEVICE, &h1,
			   NULL);
	child_expect("256 KiB at once", ret, -ENOMEM);
	if (ret == 0)
		udt_unregister(fd, h1);
	ok_unchanged(node, &s0, "memlock child: all released, VmPin 0");
}

/* Root keeps CAP_IPC_LOCK: the limit does not apply. */
static void memlock_root_child(void)
{
	const struct rlimit rl = { 64 * KiB, 64 * KiB };
	uint8_t *buf = map_anon(1 * MiB);
	struct snap s;
	uint32_t h = 0;
	int ret;

	setrlimit(RLIMIT_MEMLOCK, &rl);
	snap_take(node, &s);
	ret = udt_register(fd, buf, 1 * MiB, USERDMA_DIR_FROM_DEVICE, &h, NULL);
	ok(ret == 0,
	   "root with CAP_IPC_LOCK and a 64 KiB memlock limit registers 1 MiB (%s)",
	   errname(ret));
	if (ret == 0) {
		ok_delta(node, &s, 1, 256, 1 * MiB, 1024,
			 "root over the limit: VmPin still charged 1024 kB");
		udt_unregister(fd, h);
	}
	ok_unchanged(node, &s, "root over the limit: released");
}

static void memlock(void)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		memlock_child();
		tap_child_exit();
	}
	if (pid < 0)
		bail("fork: %s", errname(pid));
	ok_child_status(tap_reap(pid), "memlock child");

	pid = tap_fork();
	if (pid == 0) {
		memlock_root_child();
		tap_child_exit();
	}
	if (pid < 0)
		bail("fork: %s", errname(pid));
	ok_child_status(tap_reap(pid), "memlock root child");
}

int main(void)
{
	struct snap start;

	tap_init("register_bad");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	snap_take(node, &start);

	bad_arguments();
	unmapped_ranges();
	io_mapping();
	protections();
	reply_fault();
	memlock();

	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
