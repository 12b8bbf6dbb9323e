// SPDX-License-Identifier: MIT
/*
 * ALLOC and mmap() of driver-allocated buffers, on the 64-bit edu node:
 *  1. every malformed ALLOC gets its errno and moves no counter;
 *  2. each mode (cached, coherent, each contiguous or not) at sizes from
 *     one byte to 256 MiB, and 1 GiB cached: the expected success or
 *     ENOMEM, zeroed memory,
 *     the segment list, counters and VmPin (the locked-memory charge),
 *     SYNC, and MemFree given back after release;
 *  3. mmap misuse: unknown handles, offsets and lengths past the buffer,
 *     PROT_EXEC, MAP_PRIVATE, a registration's handle, after release;
 *  4. lifetime: a mapping outlives the handle and the open file, survives
 *     fork and MADV_DONTNEED (cached: the same pages fault back in;
 *     coherent: refused with EINVAL, the mapping keeping its bytes, where
 *     a zapped one would get SIGBUS), and memory goes with the last user;
 *  5. the mapping of a cached buffer is real pages: REGISTER pins it and
 *     gets the same DMA addresses;
 *  6. an unprivileged process is held to its locked-memory limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "guarded.h"
#include "userdma.h"
#include "util.h"

static const char *node;
static int fd;
static struct userdma_info info;

static void bad_allocs(void)
{
	struct userdma_alloc a;
	uint8_t big[128];
	struct snap base;
	int ret;

	snap_take(node, &base);
	ret = udt_alloc(fd, 0, 0, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -EINVAL, "length 0 -> EINVAL (%s)", errname(ret));
	ret = udt_alloc(fd, PAGE, 1u << 2, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -EINVAL, "unknown flag bit 2 -> EINVAL (%s)", errname(ret));
	ret = udt_alloc(fd, PAGE, 1u << 31, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -EINVAL, "unknown flag bit 31 -> EINVAL (%s)", errname(ret));
	ret = udt_alloc(fd, PAGE, 0, 0, NULL);
	ok(ret == -EINVAL, "direction 0 -> EINVAL (%s)", errname(ret));
	ret = udt_alloc(fd, PAGE, 0, 4, NULL);
	ok(ret == -EINVAL, "direction 4 -> EINVAL (%s)", errname(ret));
	ret = udt_alloc(fd, info.max_region_bytes + 1, 0,
			USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -E2BIG, "max_region_bytes + 1 -> E2BIG (%s)", errname(ret));
	ret = udt_alloc(fd, (1ull << 40) + 1, 0, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -E2BIG, "1 TiB + 1 (past a handle's mmap window) -> E2BIG (%s)",
	   errname(ret));
	ret = udt_alloc(fd, UINT64_MAX, 0, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -E2BIG, "length 2^64-1 -> E2BIG (%s)", errname(ret));

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.length = PAGE;
	a.direction = USERDMA_DIR_BIDIRECTIONAL;
	a.reserved = 1;
	ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, &a);
	ok(ret == -EINVAL, "reserved != 0 -> EINVAL (%s)", errname(ret));
	a.reserved = 0;
	a.size = USERDMA_ALLOC_SIZE_VER0 - 8;
	ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, &a);
	ok(ret == -EINVAL, "size %u (below the first layout) -> EINVAL (%s)",
	   a.size, errname(ret));
	a.size = 8192;
	ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, &a);
	ok(ret == -E2BIG, "size 8192 (past a page) -> E2BIG (%s)", errname(ret));

	memset(big, 0, sizeof(big));
	memcpy(big, &a, sizeof(a));
	((struct userdma_alloc *)big)->size = sizeof(big);
	big[100] = 1;
	ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, big);
	ok(ret == -E2BIG, "a longer struct with a non-zero unknown byte -> E2BIG (%s)",
	   errname(ret));
	ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, (void *)16);
	ok(ret == -EFAULT, "struct at an unmapped address -> EFAULT (%s)",
	   errname(ret));
	ok_unchanged(node, &base, "no bad ALLOC moved a counter or VmPin");
	ok(vmpin_kb() == base.vmpin, "VmPin unchanged");
}

/* What ALLOC must answer for a mode and size in this configuration. */
static int expect_alloc(uint32_t flags, uint64_t len)
{
	/* no CMA area in Debian's kernels: the buddy allocator's 4 MiB is all */
	if ((flags & USERDMA_ALLOC_CONTIGUOUS) && len > 4 * MiB)
		return -ENOMEM;
	/* without dma-iommu coherent memory is physically contiguous too */
	if ((flags & USERDMA_ALLOC_COHERENT) && !cfg_dma_iommu() && len > 4 * MiB)
		return -ENOMEM;
	return 0;
}

static void check_buffer(const struct userdma_alloc *a, uint32_t flags,
			 uint64_t len, const char *what)
{
	struct userdma_segment *segs = NULL;
	uint64_t rounded = (len + PAGE - 1) & ~(PAGE - 1), sum = 0;
	uint8_t *p;
	int n, ret, err, i;

	ok(a->length == rounded && a->handle &&
	   a->mmap_offset == (uint64_t)a->handle << USERDMA_MMAP_SHIFT,
	   "%s: length %llu rounded to %llu, handle %u, mmap offset handle << 40",
	   what, (unsigned long long)len, (unsigned long long)a->length,
	   a->handle);
	n = udt_segments_all(fd, a->handle, &segs);
	for (i = 0; i < n; i++)
		sum += segs[i].length;
	ok(n > 0 && (uint32_t)n == a->nr_segments && sum == rounded,
	   "%s: %d segments covering %llu bytes", what, n,
	   (unsigned long long)sum);
	/* bounce slots hold at most 256 KiB: contiguous memory is split */
	if (udt_config() == CFG_SWIOTLB && !(flags & USERDMA_ALLOC_COHERENT))
		ok((flags & USERDMA_ALLOC_CONTIGUOUS) ?
		   (uint64_t)n == (rounded + 256 * KiB - 1) / (256 * KiB) : n >= 1,
		   "%s: bounced in 256 KiB slots: %d segments", what, n);
	else if (flags & (USERDMA_ALLOC_CONTIGUOUS | USERDMA_ALLOC_COHERENT) ||
		 cfg_iommu())
		ok(n == 1, "%s: one DMA segment (%d)", what, n);
	free(segs);

	p = udt_mmap(fd, a->mmap_offset, rounded, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	if (!ok(p != NULL, "%s: mmap of the whole buffer (%s)", what,
		errname(err)))
		return;
	ok(byte_mismatch(p, rounded, 0) < 0, "%s: the memory is zeroed", what);
	pattern_fill(p, rounded, a->handle, 0);
	ret = udt_sync(fd, a->handle, 0, rounded, USERDMA_SYNC_FOR_DEVICE) |
	      udt_sync(fd, a->handle, rounded / 2, 1, USERDMA_SYNC_FOR_CPU) |
	      udt_sync(fd, a->handle, 0, rounded, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "%s: SYNC for device, part and all for CPU (%s)", what,
	   errname(ret));
	ret = udt_sync(fd, a->handle, rounded - 1, 2, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ERANGE, "%s: SYNC one byte past the end -> ERANGE (%s)",
	   what, errname(ret));
	ok(pattern_mismatch(p, rounded, a->handle, 0) < 0,
	   "%s: the pattern written reads back after syncs", what);
	munmap(p, rounded);
}

static void modes_and_sizes(void)
{
	static const uint32_t modes[] = {
		0, USERDMA_ALLOC_COHERENT, USERDMA_ALLOC_CONTIGUOUS,
		USERDMA_ALLOC_COHERENT | USERDMA_ALLOC_CONTIGUOUS,
	};
	uint64_t sizes[] = { 1, PAGE, MiB + 1, 4 * MiB, 64 * MiB, 256 * MiB,
			     GiB };
	struct userdma_alloc a;
	char what[96];
	size_t m, s;

	/* the 256 MiB bounce pool cannot hold a 256 MiB streaming mapping */
	if (udt_config() == CFG_SWIOTLB)
		sizes[5] = 128 * MiB;
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			uint64_t len = sizes[s];

			/*
			 * The largest the 2 GiB guest gives: half its memory,
			 * as cached pages; not through the 256 MiB bounce pool.
			 */
			if (len == GiB && (modes[m] || udt_config() == CFG_SWIOTLB))
				continue;
			uint64_t rounded = (len + PAGE - 1) & ~(PAGE - 1);
			int want = expect_alloc(modes[m], len), ret;
			struct snap base;

			snprintf(what, sizeof(what), "%s %llu bytes",
				 alloc_mode_name(modes[m]),
				 (unsigned long long)len);
			snap_take(node, &base);
			ret = udt_alloc(fd, len, modes[m],
					USERDMA_DIR_BIDIRECTIONAL, &a);
			if (!ok(ret == want, "%s: ALLOC -> %s (%s)", what,
				errname(want), errname(ret))) {
				if (!ret)
					udt_unregister(fd, a.handle);
				continue;
			}
			if (ret) {
				ok_unchanged(node, &base, "%s: the refusal moved no counter",
					     what);
				continue;
			}
			check_buffer(&a, modes[m], len, what);
			{
				struct node_stats st;

				node_stats(node, &st);
				ok(st.allocated_pages ==
				   base.st.allocated_pages + (long long)(rounded / PAGE) &&
				   st.regions == base.st.regions + 1 &&
				   st.pinned_pages == base.st.pinned_pages &&
				   vmpin_kb() == base.vmpin + (long long)(rounded / 1024),
				   "%s: allocated_pages +%llu, regions +1, VmPin +%llu kB (%lld, %lld)",
				   what, (unsigned long long)(rounded / PAGE),
				   (unsigned long long)(rounded / 1024),
				   st.allocated_pages - base.st.allocated_pages,
				   vmpin_kb() - base.vmpin);
			}
			ret = udt_unregister(fd, a.handle);
			ok(ret == 0, "%s: released (%s)", what, errname(ret));
			ok_unchanged(node, &base, "%s: counters and VmPin back", what);
		}
	}
}

/* Memory really comes back: MemFree recovers after a 64 MiB buffer. */
static void memfree_returns(void)
{
	long long before, during, after;
	struct userdma_alloc a;
	uint8_t *p;
	int ret, err;

	before = memfree_kb();
	ret = udt_alloc(fd, 64 * MiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "64 MiB cached for the MemFree check (%s)",
		errname(ret)))
		return;
	p = udt_mmap(fd, a.mmap_offset, a.length, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	during = memfree_kb();
	if (p)
		munmap(p, a.length);
	udt_unregister(fd, a.handle);
	after = memfree_kb();
	/*
	 * Judge by what came back, with room for other allocations and for
	 * freed pages parked on per-CPU lists, which MemFree does not count;
	 * allocated_pages checks the exact count elsewhere.
	 */
	ok(before - during >= 32 * 1024 && after - during >= 32 * 1024,
	   "MemFree: %lld kB before, %lld kB with 64 MiB allocated, %lld kB after release (%+lld kB)",
	   before, during, after, after - during);
}

static void mmap_misuse(uint32_t flags)
{
	const char *mode = alloc_mode_name(flags);
	struct userdma_alloc a;
	uint8_t *p, *q, *user;
	uint32_t uh;
	struct snap base;
	int ret, err;

	snap_take(node, &base);
	ret = udt_alloc(fd, 4 * PAGE, flags, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "%s 16 KiB for mmap checks (%s)", mode, errname(ret)))
		return;

	p = udt_mmap(fd, (uint64_t)(a.handle + 100) << USERDMA_MMAP_SHIFT, PAGE,
		     PROT_READ, MAP_SHARED, &err);
	ok(!p && err == -ENXIO, "%s: offset of a handle not held -> ENXIO (%s)",
	   mode, errname(err));
	p = udt_mmap(fd, 0, PAGE, PROT_READ, MAP_SHARED, &err);
	ok(!p && err == -ENXIO, "%s: offset 0 (handle 0) -> ENXIO (%s)", mode,
	   errname(err));
	p = udt_mmap(fd, a.mmap_offset + 4 * PAGE, PAGE, PROT_READ, MAP_SHARED,
		     &err);
	ok(!p && err == -ENXIO, "%s: offset at the end -> ENXIO (%s)", mode,
	   errname(err));
	p = udt_mmap(fd, a.mmap_offset, 5 * PAGE, PROT_READ, MAP_SHARED, &err);
	ok(!p && err == -ENXIO, "%s: one page too long -> ENXIO (%s)", mode,
	   errname(err));
	p = udt_mmap(fd, a.mmap_offset + 2 * PAGE, 3 * PAGE, PROT_READ,
		     MAP_SHARED, &err);
	ok(!p && err == -ENXIO, "%s: 3 pages from page 2 of 4 -> ENXIO (%s)",
	   mode, errname(err));
	p = udt_mmap(fd, a.mmap_offset, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED,
		     &err);
	ok(!p && err == -EPERM, "%s: PROT_EXEC -> EPERM (%s)", mode,
	   errname(err));
	p = udt_mmap(fd, a.mmap_offset, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE, &err);
	ok(!p && err == -EINVAL, "%s: MAP_PRIVATE -> EINVAL (%s)", mode,
	   errname(err));

	p = udt_mmap(fd, a.mmap_offset, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	q = udt_mmap(fd, a.mmap_offset + 2 * PAGE, 2 * PAGE, PROT_READ,
		     MAP_SHARED, &err);
	if (ok(p && q, "%s: whole buffer and its last 2 pages map (%s)", mode,
	       errname(err))) {
		pattern_fill(p, 4 * PAGE, 77, 0);
		ok(pattern_mismatch(q, 2 * PAGE, 77, 2 * PAGE) < 0,
		   "%s: both mappings show the same memory", mode);
		ret = mprotect(p, PAGE, PROT_READ | PROT_EXEC) ? -errno : 0;
		ok(ret == -EACCES, "%s: mprotect(PROT_EXEC) later -> EACCES (%s)",
		   mode, errname(ret));
		ret = mremap(p, 4 * PAGE, 8 * PAGE, 0) == MAP_FAILED ? -errno : 0;
		ok(ret != 0, "%s: mremap to grow the mapping fails (%s)", mode,
		   errname(ret));
	}
	if (q)
		munmap(q, 2 * PAGE);

	/* a registration's handle is not mappable through the node */
	user = map_anon(PAGE);
	ret = udt_register(fd, user, PAGE, USERDMA_DIR_BIDIRECTIONAL, &uh, NULL);
	if (ok(ret == 0, "register a page (%s)", errname(ret))) {
		q = udt_mmap(fd, (uint64_t)uh << USERDMA_MMAP_SHIFT, PAGE,
			     PROT_READ, MAP_SHARED, &err);
		ok(!q && err == -ENXIO, "%s: mmap of a registration's handle -> ENXIO (%s)",
		   mode, errname(err));
		udt_unregister(fd, uh);
	}
	munmap(user, PAGE);

	/* the mapping outlives the handle; the memory goes with the mapping */
	ret = udt_unregister(fd, a.handle);
	ok(ret == 0, "%s: handle released while mapped (%s)", mode, errname(ret));
	q = udt_mmap(fd, a.mmap_offset, PAGE, PROT_READ, MAP_SHARED, &err);
	ok(!q && err == -ENXIO, "%s: its offset no longer maps -> ENXIO (%s)",
	   mode, errname(err));
	if (p) {
		struct node_stats st;

		pattern_fill(p, 4 * PAGE, 78, 0);
		ok(pattern_mismatch(p, 4 * PAGE, 78, 0) < 0,
		   "%s: the old mapping still reads and writes", mode);
		node_stats(node, &st);
		ok(st.allocated_pages == base.st.allocated_pages + 4,
		   "%s: its 4 pages stay allocated while mapped (%lld)", mode,
		   st.allocated_pages - base.st.allocated_pages);
		munmap(p, 4 * PAGE);
	}
	ok_unchanged(node, &base, "%s: after munmap counters and VmPin are back",
		     mode);
}

static void lifetime(uint32_t flags)
{
	const char *mode = alloc_mode_name(flags);
	struct userdma_alloc a;
	struct snap base;
	int f2, ret, err, status;
	uint8_t *p;
	pid_t pid;

	f2 = node_open_or_bail(node);
	snap_take(node, &base);
	ret = udt_alloc(f2, 16 * PAGE, flags, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "%s: 64 KiB on a second open file (%s)", mode,
		errname(ret))) {
		close(f2);
		return;
	}
	p = udt_mmap(f2, a.mmap_offset, 16 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	close(f2);
	if (!ok(p != NULL, "%s: mapped, then the file closed (%s)", mode,
		errname(err)))
		return;
	pattern_fill(p, 16 * PAGE, 5, 0);
	ok(pattern_mismatch(p, 16 * PAGE, 5, 0) < 0,
	   "%s: the mapping works with the file closed", mode);

	pid = fork();
	if (pid == 0) {
		pattern_fill(p, 8 * PAGE, 6, 0);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(pattern_mismatch(p, 8 * PAGE, 6, 0) < 0 &&
	   pattern_mismatch(p + 8 * PAGE, 8 * PAGE, 5, 8 * PAGE) < 0,
	   "%s: a forked child's writes show in the parent (shared)", mode);

	if (!(flags & USERDMA_ALLOC_COHERENT)) {
		ret = madvise(p, 16 * PAGE, MADV_DONTNEED) ? -errno : 0;
		ok(ret == 0 && pattern_mismatch(p, 8 * PAGE, 6, 0) < 0,
		   "%s: after MADV_DONTNEED the same pages fault back in (%s)",
		   mode, errname(ret));
	} else {
		ssize_t bad1 = -1, bad2 = -1;
		int sig;

		ret = madvise(p, 16 * PAGE, MADV_DONTNEED) ? -errno : 0;
		ok(ret == -EINVAL, "%s: MADV_DONTNEED -> EINVAL (%s)", mode,
		   errname(ret));
		sig = pattern_guarded(p, 8 * PAGE, 6, 0, &bad1);
		if (!sig)
			sig = pattern_guarded(p + 8 * PAGE, 8 * PAGE, 5,
					      8 * PAGE, &bad2);
		ok(!sig && bad1 < 0 && bad2 < 0,
		   "%s: the mapping still holds its bytes after it (%s, mismatch at %zd/%zd)",
		   mode, guarded_signame(sig), bad1, bad2);
	}
	munmap(p, 16 * PAGE);
	ok_unchanged(node, &base, "%s: after munmap counters and VmPin are back",
		     mode);
}

/* A cached buffer's mapping is made of pages other code can pin. */
static void register_buffer(void)
{
	struct userdma_segment *bs = NULL, *rs = NULL;
	struct userdma_alloc a;
	uint32_t h;
	int ret, err, nb, nr;
	uint8_t *p;

	ret = udt_alloc(fd, 64 * PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "256 KiB cached buffer (%s)", errname(ret)))
		return;
	p = udt_mmap(fd, a.mmap_offset, a.length, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	if (p) {
		ret = udt_register(fd, p, a.length, USERDMA_DIR_BIDIRECTIONAL,
				   &h, NULL);
		ok(ret == 0, "REGISTER of the buffer's own mapping pins it (%s)",
		   errname(ret));
		if (ret == 0 && !cfg_iommu() && udt_config() != CFG_SWIOTLB) {
			nb = udt_segments_all(fd, a.handle, &bs);
			nr = udt_segments_all(fd, h, &rs);
			ok(nb > 0 && nb == nr &&
			   !memcmp(bs, rs, (size_t)nb * sizeof(*bs)),
			   "  without an IOMMU both handles give the same DMA addresses (%d, %d segments)",
			   nb, nr);
			free(bs);
			free(rs);
		}
		if (ret == 0)
			udt_unregister(fd, h);
		munmap(p, a.length);
	}
	udt_unregister(fd, a.handle);

	ret = udt_alloc(fd, 4 * PAGE, USERDMA_ALLOC_COHERENT,
			USERDMA_DIR_BIDIRECTIONAL, &a);
	p = ret ? NULL : udt_mmap(fd, a.mmap_offset, a.length,
				  PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	if (ok(p != NULL, "16 KiB coherent buffer mapped (%s)", errname(ret))) {
		ret = udt_register(fd, p, a.length, USERDMA_DIR_BIDIRECTIONAL,
				   &h, NULL);
		/*
		 * Coherent memory goes with the device, so it is mapped as a
		 * PFN range (VM_IO) that nothing can pin.
		 */
		ok(ret == -EFAULT, "REGISTER of a coherent mapping (a PFN range) -> EFAULT (%s)",
		   errname(ret));
		if (!ret)
			udt_unregister(fd, h);
		munmap(p, a.length);
	}
	if (!ret || p)
		udt_unregister(fd, a.handle);
}

/* An unprivileged user cannot allocate past RLIMIT_MEMLOCK. */
static void memlock_limit(void)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		struct rlimit rl = { 64 * 1024, 64 * 1024 };
		struct userdma_alloc a;
		int f = node_open_or_bail(node), ret;

		/* its own open file: the buffers go when the child exits */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(1000) ||
		    setuid(1000))
			bail("cannot drop privileges");
		ret = udt_alloc(f, MiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
		ok(ret == -ENOMEM, "uid 1000, ulimit -l 64: 1 MiB -> ENOMEM (%s)",
		   errname(ret));
		ret = udt_alloc(f, 8 * PAGE, USERDMA_ALLOC_COHERENT,
				USERDMA_DIR_BIDIRECTIONAL, &a);
		ok(ret == 0 && vmpin_kb() == 32,
		   "  32 KiB coherent fits (%s, VmPin %lld kB)", errname(ret),
		   vmpin_kb());
		ret = udt_alloc(f, 9 * PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, NULL);
		ok(ret == -ENOMEM, "  36 KiB more does not (%s)", errname(ret));
		tap_child_exit();
	}
	tap_reap(pid);
}

int main(void)
{
	struct snap start;

	tap_init("alloc_api");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	snap_take(node, &start);

	bad_allocs();
	modes_and_sizes();
	memfree_returns();
	mmap_misuse(0);
	mmap_misuse(USERDMA_ALLOC_COHERENT);
	lifetime(0);
	lifetime(USERDMA_ALLOC_COHERENT);
	register_buffer();
	memlock_limit();

	close(fd);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
