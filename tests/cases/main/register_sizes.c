// SPDX-License-Identifier: MIT
/*
 * Registrations from 1 byte to 64 MiB at unaligned starts, in every
 * direction, and over every kind of memory a user may hand in: anonymous,
 * transparent huge pages, a shared memfd, a shared tmpfs file, a private
 * file mapping.  For each: the segment list describes exactly the bytes
 * (count agrees with REGISTER and SEGMENTS, lengths sum to the length, no
 * empty segment, none longer than max_seg_size, all inside the DMA mask,
 * a single segment behind the IOMMU, DMA address == physical address
 * without IOMMU or bounce buffers), VmPin and the node's counters move by
 * exactly the pages and bytes while registered, and return afterwards.
 * Writable long-term pins of dirty-tracked file mappings (ramfs here) are
 * refused since 6.5; 6.1 may go either way (reported).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif

static const char *node;
static int fd;
static struct userdma_info info;

static const uint32_t dirs[] = {
	USERDMA_DIR_TO_DEVICE, USERDMA_DIR_FROM_DEVICE,
	USERDMA_DIR_BIDIRECTIONAL,
};

/* First failure of a composite check. */
struct verdict {
	int good;
	char why[512];
};

static int check(struct verdict *v, int cond, const char *fmt, ...)
	TAP_PRINTF(3, 4);
static int check(struct verdict *v, int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond || !v->good)
		return cond;
	v->good = 0;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	return cond;
}

/*
 * Register [addr, addr + len) for dir, check everything, unregister.
 * want_segs: exact segment count expected, or 0 when only the structure
 * can be checked.
 */
static void check_region(const void *addr, uint64_t len, uint32_t dir,
			 uint32_t want_segs, const char *label)
{
	uint64_t pages = pages_spanned((uintptr_t)addr, len);
	struct userdma_segment *segs = NULL;
	struct verdict v = { 1, "" };
	uint32_t h = 0, nsegs = 0, total = 0;
	struct snap s;
	char why[512];
	int ret, n;

	snap_take(node, &s);
	ret = udt_register(fd, addr, len, dir, &h, &nsegs);
	if (!check(&v, ret == 0, "REGISTER: %s", errname(ret)))
		goto report;
	check(&v, h != 0, "handle 0");
	if (!snap_check(node, &s, 1, (long long)pages, (long long)len,
			(long long)pages * 4, why, sizeof(why)))
		check(&v, 0, "while registered: %s", why);

	ret = udt_segments(fd, h, 0, NULL, 0, NULL, &total);
	check(&v, ret == 0 && total == nsegs,
	      "SEGMENTS total %u (%s) != nr_segments %u", total, errname(ret),
	      nsegs);
	n = udt_segments_all(fd, h, &segs);
	if (check(&v, n >= 0 && (uint32_t)n == nsegs,
		  "SEGMENTS returned %d, nr_segments %u", n, nsegs)) {
		if (!segs_valid(segs, nsegs, (uintptr_t)addr, len, &info, why,
				sizeof(why)))
			check(&v, 0, "%s", why);
		if (info.flags & USERDMA_INFO_IOMMU)
			check(&v, nsegs == 1,
			      "%u segments behind the IOMMU, want 1", nsegs);
		if (want_segs)
			check(&v, nsegs == want_segs, "%u segments, want %u",
			      nsegs, want_segs);
		if (!(info.flags & (USERDMA_INFO_IOMMU | USERDMA_INFO_BOUNCE)) &&
		    !segs_match_phys(segs, nsegs, addr, len, why, sizeof(why)))
			check(&v, 0, "without IOMMU: %s", why);
	}

	ret = udt_sync(fd, h, 0, len, USERDMA_SYNC_FOR_DEVICE);
	check(&v, ret == 0, "SYNC FOR_DEVICE: %s", errname(ret));
	ret = udt_sync(fd, h, 0, len, USERDMA_SYNC_FOR_CPU);
	check(&v, ret == 0, "SYNC FOR_CPU: %s", errname(ret));
	ret = udt_unregister(fd, h);
	check(&v, ret == 0, "UNREGISTER: %s", errname(ret));
	if (!snap_check(node, &s, 0, 0, 0, 0, why, sizeof(why)))
		check(&v, 0, "after UNREGISTER: %s", why);
report:
	ok(v.good, "%s: %" PRIu64 " bytes at page offset %" PRIu64 " %s (%u segment%s, %" PRIu64 " pages)",
	   label, len, (uint64_t)((uintptr_t)addr % PAGE), dirname_udma(dir),
	   nsegs, nsegs == 1 ? "" : "s", pages);
	if (!v.good) {
		diag("%s", v.why);
		if (segs)
			diag_segs(segs, nsegs, 6);
	}
	free(segs);
}

static void anonymous(void)
{
	static const uint64_t sizes[] = {
		1, 2, 4095, 4096, 4097, 64 * KiB, 1 * MiB + 3, 16 * MiB,
		64 * MiB,
	};
	static const uint64_t offs[] = { 0, 1, 4095, 2048 + 7 };
	size_t buflen = 64 * MiB + 2 * PAGE;
	uint8_t *buf = map_anon(buflen);
	size_t i, j, k;

	memset(buf, 0x6b, buflen);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (j = 0; j < ARRAY_SIZE(offs); j++)
			for (k = 0; k < ARRAY_SIZE(dirs); k++)
				check_region(buf + offs[j], sizes[i], dirs[k], 0,
					     "anonymous");
	munmap(buf, buflen);
}

/* Segments a physically contiguous, page-aligned run of len bytes gets. */
static uint32_t contiguous_segs(uint64_t len)
{
	uint64_t max = info.max_seg_size & ~(PAGE - 1);

	if (info.flags & USERDMA_INFO_IOMMU)
		return 1;
	if (!max)
		return 0;
	return (uint32_t)((len + max - 1) / max);
}

static void huge_pages(void)
{
	const size_t huge = 2 * MiB;
	char mode[128];
	long long ahp;
	uint8_t *buf;
	size_t k;

	if (!thp_available(mode, sizeof(mode))) {
		skip("transparent huge pages not enabled", "THP: 2 MiB page (enabled: %s)",
		     mode);
		return;
	}
	buf = map_anon_untouched(2 * huge, huge);
	if (madvise(buf, 2 * huge, MADV_HUGEPAGE) < 0) {
		skip(strerror(errno), "THP: madvise(MADV_HUGEPAGE)");
		munmap(buf, 2 * huge);
		return;
	}
	memset(buf, 0x3d, 2 * huge);
	ahp = smaps_field_kb(buf, "AnonHugePages");
	diag("THP enabled: %s; AnonHugePages of the buffer: %lld kB", mode, ahp);
	if (ahp < 2048) {
		skip("the kernel gave no huge page", "THP: 2 MiB page");
		munmap(buf, 2 * huge);
		return;
	}
	/*
	 * One huge page is physically contiguous: without an IOMMU it splits
	 * only at max_seg_size (256 KiB with bounce buffers: 8 segments).
	 */
	for (k = 0; k < ARRAY_SIZE(dirs); k++)
		check_region(buf, huge, dirs[k], contiguous_segs(huge),
			     "THP, one whole 2 MiB page");
	check_region(buf + 4095, 1 * MiB + 3, USERDMA_DIR_FROM_DEVICE,
		     (info.flags & USERDMA_INFO_BOUNCE) ? 0 : 1,
		     "THP, 1 MiB+3 inside the huge page");
	check_region(buf + huge - 5000, 10000, USERDMA_DIR_BIDIRECTIONAL, 0,
		     "THP, across the boundary of two huge pages");
	ahp = smaps_field_kb(buf, "AnonHugePages");
	diag("AnonHugePages after the registrations: %lld kB", ahp);
	munmap(buf, 2 * huge);
}

static void shared_mapping(void *p, size_t len, const char *label)
{
	size_t k;

	memset(p, 0x71, len);
	for (k = 0; k < ARRAY_SIZE(dirs); k++) {
		check_region(p, len, dirs[k], 0, label);
		check_region((uint8_t *)p + 5, len - 10, dirs[k], 0, label);
	}
}

static void memfd(void)
{
	const size_t len = 1 * MiB;
	int mfd = memfd_create("udt-memfd", MFD_CLOEXEC);
	void *p;

	if (mfd < 0 || ftruncate(mfd, (off_t)len) < 0) {
		skip(strerror(errno), "shared memfd mapping");
		if (mfd >= 0)
			close(mfd);
		return;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED) {
		skip(strerror(errno), "shared memfd mapping");
		close(mfd);
		return;
	}
	shared_mapping(p, len, "MAP_SHARED memfd");
	munmap(p, len);
	close(mfd);
}

/* A directory on tmpfs: the working directory, else /dev/shm, else /tmp. */
static const char *tmpfs_dir(void)
{
	static const char *const cand[] = { ".", "/dev/shm", "/tmp" };
	struct statfs sf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cand); i++)
		if (statfs(cand[i], &sf) == 0 &&
		    (unsigned long)sf.f_type == TMPFS_MAGIC &&
		    access(cand[i], W_OK) == 0)
			return cand[i];
	return NULL;
}

static int make_file(const char *dir, size_t len, char *path, size_t plen)
{
	int ffd;

	snprintf(path, plen, "%s/udt-sizes-XXXXXX", dir);
	ffd = mkstemp(path);
	if (ffd < 0)
		return -errno;
	if (ftruncate(ffd, (off_t)len) < 0) {
		int err = errno;

		close(ffd);
		unlink(path);
		return -err;
	}
	return ffd;
}

static void tmpfs_files(void)
{
	const size_t len = 1 * MiB;
	const char *dir = tmpfs_dir();
	char path[256];
	uint8_t *p;
	volatile uint8_t sink = 0;
	size_t i, k;
	int ffd;

	if (!dir) {
		skip("no tmpfs directory", "MAP_SHARED tmpfs file");
		skip("no tmpfs directory", "MAP_PRIVATE file mapping");
		return;
	}
	ffd = make_file(dir, len, path, sizeof(path));
	if (ffd < 0) {
		skip(errname(ffd), "MAP_SHARED tmpfs file");
		skip(errname(ffd), "MAP_PRIVATE file mapping");
		return;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	if (p == MAP_FAILED) {
		skip(strerror(errno), "MAP_SHARED tmpfs file");
	} else {
		shared_mapping(p, len, "MAP_SHARED tmpfs file");
		munmap(p, len);
	}

	/*
	 * A private mapping of a regular file: a read-only pin takes the
	 * page-cache pages; a writable pin breaks COW into anonymous pages,
	 * which every kernel allows.  The file must not change.
	 */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, ffd, 0);
	if (p == MAP_FAILED) {
		skip(strerror(errno), "MAP_PRIVATE file mapping");
	} else {
		uint8_t chk[64], before[64];

		if (pread(ffd, before, sizeof(before), 3) != (ssize_t)sizeof(before))
			memset(before, 0xa5, sizeof(before));
		for (i = 0; i < len; i += PAGE)
			sink += p[i];
		diag("MAP_PRIVATE file on tmpfs (%s): writable pins break COW; allowed on every kernel",
		     dir);
		for (k = 0; k < ARRAY_SIZE(dirs); k++)
			check_region(p + 3, len - 3, dirs[k], 0,
				     "MAP_PRIVATE tmpfs file");
		ok(pread(ffd, chk, sizeof(chk), 3) == (ssize_t)sizeof(chk) &&
			   !memcmp(chk, before, sizeof(chk)),
		   "MAP_PRIVATE: the file itself is unchanged");
		munmap(p, len);
	}
	close(ffd);
	unlink(path);
	(void)sink;
}

/*
 * A writable shared mapping of a file whose filesystem tracks dirty pages
 * (it has page_mkwrite or writeback; shmem/tmpfs and hugetlbfs do not):
 * since 6.5 (and in some stable kernels) FOLL_LONGTERM|FOLL_WRITE is
 * refused with EFAULT; a read-only pin works everywhere.  The guests have
 * no disk, but ramfs (generic_file_vm_ops, with page_mkwrite) qualifies:
 * the test mounts one.  A writable disk filesystem, if mounted, is tried
 * as well.
 */
static void dirty_tracked_file(const char *dir, const char *type)
{
	int ffd, ret, kv = kernel_version();
	char path[300];
	uint32_t h;
	uint8_t *p;

	ffd = make_file(dir, 2 * PAGE, path, sizeof(path));
	if (ffd < 0) {
		skip(errname(ffd), "MAP_SHARED file on %s (%s)", dir, type);
		return;
	}
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	if (p == MAP_FAILED) {
		skip(strerror(errno), "MAP_SHARED file on %s (%s)", dir, type);
	} else {
		struct snap s;

		memset(p, 0x11, 2 * PAGE);
		snap_take(node, &s);
		ret = udt_register(fd, p, 2 * PAGE, USERDMA_DIR_FROM_DEVICE, &h,
				   NULL);
		if (ret == 0)
			udt_unregister(fd, h);
		if (kv >= 6005) {
			ok(ret == -EFAULT,
			   "%s file (MAP_SHARED) FROM_DEVICE on kernel >= 6.5 -> EFAULT (got %s)",
			   type, errname(ret));
		} else {
			ok(ret == 0 || ret == -EFAULT,
			   "%s file (MAP_SHARED) FROM_DEVICE on %d.%d -> success or EFAULT (got %s)",
			   type, kv / 1000, kv % 1000, errname(ret));
			diag("this %d.%d kernel %s writable long-term pins of dirty-tracked file mappings",
			     kv / 1000, kv % 1000, ret ? "refuses" : "allows");
		}
		ok_unchanged(node, &s, "%s file: counters and VmPin back", type);
		check_region(p, 2 * PAGE, USERDMA_DIR_TO_DEVICE, 0,
			     type[0] == 'r' ? "MAP_SHARED ramfs file, read-only pin"
					    : "MAP_SHARED disk file, read-only pin");
		check_region(p + 10, PAGE, USERDMA_DIR_TO_DEVICE, 0,
			     "the same, unaligned");
		munmap(p, 2 * PAGE);
	}
	close(ffd);
	unlink(path);
}

static void file_with_dirty_tracking(void)
{
	static const char *const virtual_fs[] = {
		"rootfs", "tmpfs", "ramfs", "devtmpfs", "proc", "sysfs",
		"debugfs", "devpts", "cgroup", "cgroup2", "securityfs",
		"tracefs", "bpf", "hugetlbfs", "mqueue", "pstore", "configfs",
		"fusectl", "autofs", "binfmt_misc", "efivarfs",
	};
	char line[512], dev[128], dir[256], type[64];
	const char *mnt = "udt-ramfs";
	FILE *m = fopen("/proc/mounts", "re");
	int found = 0;
	size_t i;

	if (mkdir(mnt, 0700) == 0 || errno == EEXIST) {
		if (mount("udt-ramfs", mnt, "ramfs", 0, "mode=0700") == 0) {
			dirty_tracked_file(mnt, "ramfs");
			umount(mnt);
		} else {
			skip(strerror(errno), "MAP_SHARED ramfs file (mount ramfs)");
		}
		rmdir(mnt);
	} else {
		skip(strerror(errno), "MAP_SHARED ramfs file (mkdir)");
	}

	while (m && !found && fgets(line, sizeof(line), m)) {
		if (sscanf(line, "%127s %255s %63s", dev, dir, type) != 3)
			continue;
		for (i = 0; i < ARRAY_SIZE(virtual_fs); i++)
			if (!strcmp(type, virtual_fs[i]))
				break;
		if (i == ARRAY_SIZE(virtual_fs) && access(dir, W_OK) == 0)
			found = 1;
	}
	if (m)
		fclose(m);
	if (found)
		dirty_tracked_file(dir, type);
	else
		diag("no writable disk filesystem in the guest: only ramfs tried");
}

int main(void)
{
	struct snap start;

	tap_init("register_sizes");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	diag("%s: flags 0x%x, max_seg_size %" PRIu64 ", dma_mask 0x%" PRIx64,
	     node, info.flags, (uint64_t)info.max_seg_size,
	     (uint64_t)info.dma_mask);
	if (!(info.flags & (USERDMA_INFO_IOMMU | USERDMA_INFO_BOUNCE)))
		diag("no IOMMU, no bounce buffers: DMA addresses are checked against /proc/self/pagemap");
	snap_take(node, &start);

	anonymous();
	huge_pages();
	memfd();
	tmpfs_files();
	file_with_dirty_tracking();

	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
