// SPDX-License-Identifier: MIT
/*
 * libuserdma's details (userdma_last_error()) against the real module:
 * every failure whose cause the library works out for itself is provoked
 * through the library, and the detail must name the cause that applied.
 * The library learns some causes from facts about the arguments and some
 * from side-effect free questions to the kernel (lib/xfer.c culprit(); for
 * EACCES of a destination it relies on the kernel checking the source end
 * first), so a kernel that changes its checks fails here, not in front of
 * a user.  On the 64-bit edu device's node, as root unless said:
 *  1. SUBMIT (userdma_copy_region, userdma_submit): ENOENT, ERANGE (range,
 *     wrap, DMA mask of the 28-bit device) and EACCES each of the source
 *     and of the destination, and of both; EPERM of a device address as
 *     the source, the destination and both (uid 1000); E2BIG of a raw
 *     2^51-byte transfer; EINVAL of length 0 and of overlapping ranges in
 *     one handle; ENXIO before CHANNEL; the index of the refused transfer
 *     in a batch whose first transfer runs (its bytes checked); CHANNEL's
 *     EBUSY of a bound file and of a missing channel;
 *  2. REGISTER: EINVAL (length 0, direction), EOVERFLOW, E2BIG, EFAULT
 *     TO_DEVICE (unmapped) and FROM_DEVICE (read-only), ENOMEM of a limit
 *     too small and of a limit used up (uid 1000, ulimit -l 64 KiB), EIO
 *     of the 28-bit device without an IOMMU;
 *  3. ALLOC: EINVAL (length 0, flags, direction), E2BIG, ENOMEM
 *     (contiguous; the limit, uid 1000), EIO of the 28-bit device without
 *     an IOMMU;
 *  4. EXPORT: ENOENT, EINVAL (flags, an unaligned registration, an
 *     import), EOPNOTSUPP (coherent), EMFILE;
 *  5. IMPORT: EBADF, EINVAL (direction, not a dma-buf), EACCES (a
 *     read-only dma-buf for device writes), ENOMEM (the limit, uid 1000),
 *     EIO of the 28-bit device without an IOMMU.
 * Transfers naming device addresses are submitted from a read-only page:
 * one the module accepted anyway would fail at writing its cookie back
 * (EFAULT) before reaching the engine.  Nothing stays pinned or mapped.
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
#include <sys/resource.h>
#include <unistd.h>

#include "unpriv.h"
#include "userdma.h"
#include "util.h"

#define LEN		(16 * KiB)
#define WAIT_NS		(5 * 1000000000ll)
#define RAW_FAR		(1ull << 52)	/* not RAM, not mapped: a raw address never copied */

static const char *node, *node28;
static char path[64];
static struct userdma *u;	/* the 64-bit node, the sw channel bound */
static struct userdma_info info;
static uint8_t *bto, *bfrom, *bbi;
static uint32_t hto, hfrom, hbi;	/* LEN bytes each, by direction */
static uint32_t gone, gone2;	/* numbers no handle of u has */

/* ---- checking a detail -------------------------------------------------- */

/*
 * Subtest: a library call returned want and the detail holds "(ENAME)"
 * and every one of the NULL-terminated parts.  The detail is overwritten
 * afterwards, so a later call failing without one cannot pass on this.
 */
__attribute__((sentinel))
static int ok_detail(int ret, int want, const char *what, ...)
{
	const char *part, *missing = NULL;
	char detail[512], ename[40];
	va_list ap;
	int pass;

	snprintf(detail, sizeof(detail), "%s", userdma_last_error());
	snprintf(ename, sizeof(ename), "(%s)", errname(want));
	if (!strstr(detail, ename))
		missing = ename;
	va_start(ap, what);
	while ((part = va_arg(ap, const char *)))
		if (!missing && !strstr(detail, part))
			missing = part;
	va_end(ap);
	pass = ok(ret == want && !missing, "%s -> %s (%s): \"%s\"", what,
		  errname(want), errname(ret), detail);
	if (missing)
		diag("  the detail lacks \"%s\"", missing);
	userdma_fd(NULL);
	return pass;
}

/* ---- setup -------------------------------------------------------------- */

static uint32_t reg_or_bail(struct userdma *v, void *p, size_t len,
			    unsigned int dir)
{
	uint32_t h;
	int ret;

	ret = userdma_register(v, p, len, dir, &h, NULL);
	if (ret)
		bail("register %zu bytes %s: %s", len, dirname_udma(dir),
		     userdma_last_error());
	return h;
}

static struct userdma *open_or_bail(const char *name, const char *chan)
{
	struct userdma *v;
	int ret;

	ret = userdma_open(name, &v);
	if (ret)
		bail("userdma_open %s: %s", name, userdma_last_error());
	if (chan && userdma_channel(v, chan, -1, NULL, 0, NULL, 0))
		bail("channel %s on %s: %s", chan, name, userdma_last_error());
	return v;
}

static void setup(void)
{
	u = open_or_bail(node, "sw");
	if (userdma_info(u, &info))
		bail("info: %s", userdma_last_error());
	bto = map_anon(LEN);
	bfrom = map_anon(LEN);
	bbi = map_anon(LEN);
	pattern_fill(bto, LEN, 1, 0);
	pattern_fill(bfrom, LEN, 2, 0);
	pattern_fill(bbi, LEN, 3, 0);
	hto = reg_or_bail(u, bto, LEN, USERDMA_DIR_TO_DEVICE);
	hfrom = reg_or_bail(u, bfrom, LEN, USERDMA_DIR_FROM_DEVICE);
	hbi = reg_or_bail(u, bbi, LEN, USERDMA_DIR_BIDIRECTIONAL);
	/* handles are numbered from the lowest free: these stay unused */
	gone = hbi + 1000;
	gone2 = hbi + 1001;
	diag("handles: TO_DEVICE %u, FROM_DEVICE %u, BIDIRECTIONAL %u; none: %u, %u",
	     hto, hfrom, hbi, gone, gone2);
}

/* ---- 1. SUBMIT -------------------------------------------------------- */

/*
 * userdma_copy_region() that must be refused; one accepted anyway (it
 * runs between this test's own buffers) is waited for, so that nothing
 * stays outstanding.
 */
static int copy_refused(struct userdma *v, uint32_t sh, uint64_t so,
			uint32_t dh, uint64_t doff, uint64_t len)
{
	uint64_t cookie;
	int ret;

	ret = userdma_copy_region(v, sh, so, dh, doff, len, 0, &cookie);
	if (!ret)
		userdma_wait(v, cookie, WAIT_NS, NULL);
	return ret;
}

/*
 * userdma_submit() of one transfer held in a read-only page: the module's
 * refusal is the test, and a transfer it accepted anyway fails writing
 * its cookie back (EFAULT) before it reaches the engine.
 */
static int submit_ro(struct userdma *v, uint32_t sh, uint64_t so,
		     uint32_t dh, uint64_t doff, uint64_t len)
{
	struct userdma_xfer *ro;
	int ret;

	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	*ro = (struct userdma_xfer){
		.src_handle = sh, .src = so, .dst_handle = dh, .dst = doff,
		.length = len,
	};
	if (mprotect(ro, PAGE, PROT_READ))
		bail("mprotect: %s", strerror(errno));
	ret = userdma_submit(v, ro, 1);
	munmap(ro, PAGE);
	return ret;
}

static void submit_enoent(void)
{
	char a[96], b[96];

	snprintf(a, sizeof(a), "copy_region: transfer 0: handle %u (the source) is not registered",
		 gone);
	ok_detail(copy_refused(u, gone, 0, hfrom, 0, PAGE), -ENOENT,
		  "SUBMIT from a handle not registered", a, NULL);
	snprintf(a, sizeof(a), "copy_region: transfer 0: handle %u (the destination) is not registered",
		 gone);
	ok_detail(copy_refused(u, hto, 0, gone, 0, PAGE), -ENOENT,
		  "SUBMIT into a handle not registered", a, NULL);
	snprintf(a, sizeof(a), "neither handle %u (the source)", gone);
	snprintf(b, sizeof(b), "nor handle %u (the destination)", gone2);
	ok_detail(copy_refused(u, gone, 0, gone2, 0, PAGE), -ENOENT,
		  "SUBMIT between two handles not registered", a, b, NULL);
}

static void submit_erange(void)
{
	char a[128];

	snprintf(a, sizeof(a), "transfer 0: bytes [%" PRIu64 ", %" PRIu64 ") of the source are not all within the registration of handle %u",
		 LEN - 100, LEN + 100, hto);
	ok_detail(copy_refused(u, hto, LEN - 100, hfrom, 0, 200), -ERANGE,
		  "SUBMIT from past the source's end", a, NULL);
	snprintf(a, sizeof(a), "transfer 0: bytes [%" PRIu64 ", %" PRIu64 ") of the destination are not all within the registration of handle %u",
		 LEN - 100, LEN + 100, hfrom);
	ok_detail(copy_refused(u, hto, 0, hfrom, LEN - 100, 200), -ERANGE,
		  "SUBMIT into past the destination's end", a, NULL);
	snprintf(a, sizeof(a), "bytes [%" PRIu64 ", %" PRIu64 ") of the source",
		 LEN, LEN + 200);
	ok_detail(copy_refused(u, hto, LEN, hfrom, LEN, 200), -ERANGE,
		  "SUBMIT with both ends past their registrations", a, NULL);
	snprintf(a, sizeof(a), "offset %" PRIu64 " + length 100 of the destination wraps around",
		 UINT64_MAX - 10);
	ok_detail(copy_refused(u, hto, 0, hfrom, UINT64_MAX - 10, 100), -ERANGE,
		  "SUBMIT with a destination offset that wraps", a, NULL);
	snprintf(a, sizeof(a), "address %" PRIu64 " + length 100 of the source wraps around",
		 UINT64_MAX - 10);
	ok_detail(submit_ro(u, 0, UINT64_MAX - 10, hfrom, 0, 100), -ERANGE,
		  "SUBMIT from a device address that wraps", a, NULL);
	ok_detail(submit_ro(u, hto, 0, 0, UINT64_MAX - 10, 100), -ERANGE,
		  "SUBMIT into a device address that wraps",
		  "of the destination wraps around", NULL);
}

/*
 * Device addresses past the 28-bit device's mask, at either end; the other
 * end a device address within it.
 */
static void submit_mask(void)
{
	struct userdma *v = open_or_bail(node28, "sw");
	char a[160];

	snprintf(a, sizeof(a), "device address 0x10000000 + 4096 bytes (the destination) is beyond %s's 28-bit DMA mask",
		 edu28_bdf());
	ok_detail(submit_ro(v, 0, 0, 0, 1ull << 28, PAGE), -ERANGE,
		  "28-bit device: SUBMIT into device address 2^28", a, NULL);
	snprintf(a, sizeof(a), "device address 0x10000000 + 4096 bytes (the source) is beyond %s's 28-bit DMA mask",
		 edu28_bdf());
	ok_detail(submit_ro(v, 0, 1ull << 28, 0, 0, PAGE), -ERANGE,
		  "28-bit device: SUBMIT from device address 2^28", a, NULL);
	userdma_close(v);
}

static void submit_eacces(void)
{
	char a[128];

	snprintf(a, sizeof(a), "transfer 0: handle %u is registered FROM_DEVICE and cannot be a source",
		 hfrom);
	ok_detail(copy_refused(u, hfrom, 0, hbi, 0, PAGE), -EACCES,
		  "SUBMIT from a FROM_DEVICE registration", a, NULL);
	snprintf(a, sizeof(a), "transfer 0: handle %u is registered TO_DEVICE and cannot be a destination",
		 hto);
	ok_detail(copy_refused(u, hbi, 0, hto, 0, PAGE), -EACCES,
		  "SUBMIT into a TO_DEVICE registration", a, NULL);
	snprintf(a, sizeof(a), "handle %u is registered FROM_DEVICE and cannot be a source",
		 hfrom);
	ok_detail(copy_refused(u, hfrom, 0, hto, 0, PAGE), -EACCES,
		  "SUBMIT from FROM_DEVICE into TO_DEVICE", a, NULL);
	ok_detail(submit_ro(u, 0, 0, hto, 0, PAGE), -EACCES,
		  "SUBMIT from a device address into a TO_DEVICE registration",
		  "cannot be a destination", NULL);
}

/* A TO_DEVICE import of a buffer's dma-buf is no destination either. */
static void submit_eacces_import(void)
{
	uint32_t hb, hi;
	char a[128];
	int dfd;

	if (userdma_alloc(u, LEN, 0, USERDMA_DIR_BIDIRECTIONAL, &hb, NULL,
			  NULL) ||
	    userdma_export(u, hb, USERDMA_EXPORT_CLOEXEC, &dfd))
		bail("alloc and export: %s", userdma_last_error());
	if (userdma_import(u, dfd, USERDMA_DIR_TO_DEVICE, &hi, NULL, NULL))
		bail("import TO_DEVICE: %s", userdma_last_error());
	snprintf(a, sizeof(a), "handle %u is registered TO_DEVICE and cannot be a destination",
		 hi);
	ok_detail(copy_refused(u, hbi, 0, hi, 0, PAGE), -EACCES,
		  "SUBMIT into a TO_DEVICE import", a, NULL);
	userdma_unregister(u, hi);
	userdma_unregister(u, hb);
	close(dfd);
}

static void submit_misc(void)
{
	char a[96];

	ok_detail(copy_refused(u, hto, 0, hbi, 0, 0), -EINVAL,
		  "SUBMIT of length 0", "copy_region: transfer 0: length 0 is not allowed",
		  NULL);
	snprintf(a, sizeof(a), "overlap within handle %u", hbi);
	ok_detail(copy_refused(u, hbi, 0, hbi, 100, PAGE), -EINVAL,
		  "SUBMIT between overlapping ranges of one handle", a, NULL);
	if (info.dma_mask < RAW_FAR + (1ull << 51))
		skip("mask below 2^53", "E2BIG of a raw 2^51-byte transfer (dma_mask %#llx)",
		     (unsigned long long)info.dma_mask);
	else
		ok_detail(submit_ro(u, 0, 0, 0, RAW_FAR, 1ull << 51), -E2BIG,
			  "SUBMIT of a raw 2^51-byte transfer",
			  "submit: transfer 0: it needs more engine descriptors than the module's max_xfer_pieces",
			  NULL);
}

/* A batch: the first transfer runs, the second is refused and named. */
static void submit_batch(void)
{
	struct userdma_xfer xs[2] = {
		{ .src_handle = hto, .dst_handle = hbi, .length = PAGE },
		{ .src_handle = hto, .dst_handle = gone, .length = PAGE },
	};
	struct userdma_completion c;
	char a[96];
	int ret;

	pattern_fill(bbi, PAGE, 3, 0);
	ret = userdma_submit(u, xs, 2);
	ok(ret == 1, "userdma_submit of 2, the second into handle %u (not registered): 1 submitted (%d)",
	   gone, ret);
	snprintf(a, sizeof(a), "submit: transfer 1: handle %u (the destination)",
		 gone);
	ok_detail(ret == 1 ? -ENOENT : ret, -ENOENT,
		  "  the detail names the second",
		  a, NULL);
	if (ret != 1)
		return;
	ret = userdma_wait(u, xs[0].cookie, WAIT_NS, &c);
	ok(ret == 0 && c.status == USERDMA_XFER_DONE && c.bytes == PAGE,
	   "  the first one completes (%s, %s, %llu bytes)", errname(ret),
	   ret ? "-" : userdma_xfer_status_name(c.status),
	   ret ? 0ull : (unsigned long long)c.bytes);
	ok(pattern_mismatch(bbi, PAGE, 1, 0) < 0 &&
	   pattern_mismatch(bbi + PAGE, LEN - PAGE, 3, PAGE) < 0,
	   "  its destination holds the source's page, and only that");
}

static void channel_details(void)
{
	struct userdma *v = open_or_bail(node, NULL);

	ok_detail(copy_refused(v, hto, 0, hbi, 0, PAGE), -ENXIO,
		  "SUBMIT before CHANNEL", "bind a channel first", NULL);
	ok_detail(userdma_channel(v, "nosuch", -1, NULL, 0, NULL, 0), -EBUSY,
		  "CHANNEL \"nosuch\"", "no free memcpy channel \"nosuch\"", NULL);
	ok_detail(userdma_channel(u, "sw", -1, NULL, 0, NULL, 0), -EBUSY,
		  "CHANNEL on a file that has one", "this open file already has a channel",
		  NULL);
	userdma_close(v);
}

/* EPERM: uid 1000 names a device address at either end, or both. */
static void submit_eperm(void)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		uint8_t *p = map_anon(LEN);
		struct userdma *v;
		uint32_t h;

		become_user(MiB);
		v = open_or_bail(node, "sw");
		h = reg_or_bail(v, p, LEN, USERDMA_DIR_BIDIRECTIONAL);
		ok_detail(submit_ro(v, 0, RAW_FAR, h, 0, PAGE), -EPERM,
			  "uid 1000: SUBMIT from a device address",
			  "a device address as the source (handle 0) needs CAP_SYS_RAWIO",
			  NULL);
		ok_detail(submit_ro(v, h, 0, 0, RAW_FAR, PAGE), -EPERM,
			  "uid 1000: SUBMIT into a device address",
			  "a device address as the destination (handle 0) needs CAP_SYS_RAWIO",
			  NULL);
		ok_detail(submit_ro(v, 0, RAW_FAR, 0, RAW_FAR + MiB, PAGE), -EPERM,
			  "uid 1000: SUBMIT between device addresses",
			  "device addresses as the source and the destination (handle 0) need CAP_SYS_RAWIO",
			  NULL);
		userdma_close(v);
		tap_child_exit();
	}
	ok_child_status(tap_reap(pid), "uid 1000 child (EPERM)");
}

/* ---- 2. REGISTER ------------------------------------------------------ */

static void register_details(void)
{
	uint8_t *p;
	char a[96];
	uint32_t h;

	ok_detail(userdma_register(u, bbi, 0, USERDMA_DIR_BIDIRECTIONAL, &h, NULL),
		  -EINVAL, "REGISTER of length 0",
		  "register: length 0 is not allowed", NULL);
	ok_detail(userdma_register(u, bbi, PAGE, 7, &h, NULL), -EINVAL,
		  "REGISTER with direction 7", "direction 7 is not", NULL);
	ok_detail(userdma_register(u, (void *)(uintptr_t)(UINT64_MAX - PAGE + 1),
				   2 * PAGE, USERDMA_DIR_BIDIRECTIONAL, &h, NULL),
		  -EOVERFLOW, "REGISTER of a range that wraps",
		  "wraps around the end of the address space", NULL);
	snprintf(a, sizeof(a), "is more than %s accepts in one registration",
		 userdma_name(u));
	ok_detail(userdma_register(u, bbi, info.max_region_bytes + PAGE,
				   USERDMA_DIR_BIDIRECTIONAL, &h, NULL),
		  -E2BIG, "REGISTER over max_region_bytes", a,
		  "(max_region_bytes ", NULL);

	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	ok_detail(userdma_register(u, p, 2 * PAGE, USERDMA_DIR_FROM_DEVICE, &h,
				   NULL),
		  -EFAULT, "REGISTER FROM_DEVICE of read-only memory",
		  "is not all writable user memory", NULL);
	munmap(p, 2 * PAGE);
	ok_detail(userdma_register(u, p, 2 * PAGE, USERDMA_DIR_TO_DEVICE, &h,
				   NULL),
		  -EFAULT, "REGISTER TO_DEVICE of unmapped memory",
		  "is not all ordinary user memory", NULL);
}

/* ENOMEM of each request charged to RLIMIT_MEMLOCK, as uid 1000. */
static void memlock_details(void)
{
	uint32_t hb;
	pid_t pid;
	int dfd;

	/* a 128 KiB dma-buf for the child to import */
	if (userdma_alloc(u, 128 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &hb, NULL,
			  NULL) ||
	    userdma_export(u, hb, 0, &dfd))
		bail("alloc and export: %s", userdma_last_error());
	pid = tap_fork();
	if (pid == 0) {
		uint8_t *p = map_anon(MiB);
		struct userdma *v;
		uint32_t h, h2;

		become_user(64 * KiB);
		v = open_or_bail(node, NULL);
		ok_detail(userdma_register(v, p, MiB, USERDMA_DIR_BIDIRECTIONAL,
					   &h, NULL),
			  -ENOMEM, "uid 1000, ulimit -l 64 KiB: REGISTER 1 MiB",
			  "the locked-memory limit (ulimit -l) is too small for 1 MiB: it is 64 KiB",
			  NULL);
		h = reg_or_bail(v, p, 48 * KiB, USERDMA_DIR_BIDIRECTIONAL);
		ok_detail(userdma_register(v, p + 64 * KiB, 32 * KiB,
					   USERDMA_DIR_BIDIRECTIONAL, &h2, NULL),
			  -ENOMEM, "  REGISTER 32 KiB more",
			  "32 KiB, with what this process has already pinned or locked, exceeds the locked-memory limit (ulimit -l, 64 KiB)",
			  NULL);
		userdma_unregister(v, h);
		ok_detail(userdma_alloc(v, 128 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL,
					&h, NULL, NULL),
			  -ENOMEM, "  ALLOC 128 KiB",
			  "alloc: the locked-memory limit (ulimit -l) is too small for 128 KiB: it is 64 KiB",
			  NULL);
		ok_detail(userdma_import(v, dfd, USERDMA_DIR_BIDIRECTIONAL, &h,
					 NULL, NULL),
			  -ENOMEM, "  IMPORT of a 128 KiB dma-buf",
			  "import: the locked-memory limit (ulimit -l) is too small for 128 KiB: it is 64 KiB",
			  NULL);
		userdma_close(v);
		tap_child_exit();
	}
	ok_child_status(tap_reap(pid), "uid 1000 child (ENOMEM)");
	close(dfd);
	userdma_free(u, hb, NULL, 0);
}

/* ---- EIO of the 28-bit device without an IOMMU -------------------------- */

/* Enough that some page lies above 256 MiB (main/narrow_mask) */
#define FAR_POOL	(320 * MiB)

/*
 * Without an IOMMU the 28-bit device reaches nothing above 256 MiB: under
 * swiotlb every DMA is bounced and the module refuses the device's
 * mappings; in noiommu a page above 256 MiB cannot be mapped.  1 when EIO
 * is expected (else a skip is recorded).
 */
static int eio_expected(const char *what)
{
	if (!cfg_iommu())
		return 1;
	skip("an IOMMU reaches everything", "%s: EIO of the 28-bit device", what);
	return 0;
}

/*
 * A page out of the 28-bit device's reach, mapped at *pool (*len bytes,
 * for munmap): any page under swiotlb, in noiommu one above 256 MiB of
 * FAR_POOL touched bytes; NULL (and a skip) when there is none.
 */
static uint8_t *far_page(uint8_t **pool, size_t *len)
{
	uint64_t *phys;
	size_t i;

	*len = udt_config() == CFG_SWIOTLB ? PAGE : FAR_POOL;
	*pool = map_anon(*len);
	if (*len == PAGE)
		return *pool;
	phys = calloc(FAR_POOL / PAGE, sizeof(*phys));
	if (!phys || pagemap_phys(*pool, FAR_POOL / PAGE, phys))
		bail("cannot read /proc/self/pagemap");
	for (i = 0; i < FAR_POOL / PAGE && phys[i] < 1ull << 28; i++)
		;
	free(phys);
	if (i < FAR_POOL / PAGE)
		return *pool + i * PAGE;
	skip("no page above 256 MiB found", "REGISTER: EIO of the 28-bit device");
	return NULL;
}

static void eio_details(void)
{
	struct userdma *v = open_or_bail(node28, NULL);
	uint8_t *pool = NULL, *p;
	size_t pool_len = 0;
	uint32_t h, hb;
	int ret, dfd;

	if (eio_expected("REGISTER") && (p = far_page(&pool, &pool_len))) {
		diag("28-bit device: registering the page at physical %#llx",
		     (unsigned long long)virt_to_phys(p));
		ret = userdma_register(v, p, PAGE, USERDMA_DIR_BIDIRECTIONAL,
				       &h, NULL);
		ok_detail(ret, -EIO, "28-bit device: REGISTER of a page out of its reach",
			  "28-bit DMA mask",
			  udt_config() == CFG_SWIOTLB ? "every DMA is bounced" :
			  "no IOMMU or bounce buffer can reach them", NULL);
		if (!ret)
			userdma_unregister(v, h);
	}
	if (udt_config() == CFG_SWIOTLB) {
		ret = userdma_alloc(v, PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &h,
				    NULL, NULL);
		ok_detail(ret, -EIO, "28-bit device, swiotlb: ALLOC of a cached page",
			  "28-bit DMA mask", "USERDMA_ALLOC_COHERENT", NULL);
		if (!ret)
			userdma_unregister(v, h);
	} else {
		skip(cfg_iommu() ? "an IOMMU reaches everything" :
		     "noiommu: the pages may lie below 256 MiB",
		     "ALLOC: EIO of the 28-bit device");
	}
	if (eio_expected("IMPORT")) {
		if (userdma_alloc(u, PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &hb,
				  NULL, NULL) ||
		    userdma_export(u, hb, 0, &dfd))
			bail("alloc and export: %s", userdma_last_error());
		ret = userdma_import(v, dfd, USERDMA_DIR_BIDIRECTIONAL, &h,
				     NULL, NULL);
		ok_detail(ret, -EIO, "28-bit device: IMPORT of a 64-bit device's buffer",
			  "DMA mask is too narrow without an IOMMU", NULL);
		if (!ret)
			userdma_unregister(v, h);
		close(dfd);
		userdma_unregister(u, hb);
	}
	userdma_close(v);
	if (pool)
		munmap(pool, pool_len);
}

/* ---- 3. ALLOC --------------------------------------------------------- */

static void alloc_details(void)
{
	uint32_t h;

	ok_detail(userdma_alloc(u, 0, 0, USERDMA_DIR_BIDIRECTIONAL, &h, NULL,
				NULL),
		  -EINVAL, "ALLOC of length 0", "alloc: length 0 is not allowed",
		  NULL);
	ok_detail(userdma_alloc(u, PAGE, 0x80, USERDMA_DIR_BIDIRECTIONAL, &h,
				NULL, NULL),
		  -EINVAL, "ALLOC with flag 0x80", "unknown flags 0x80", NULL);
	ok_detail(userdma_alloc(u, PAGE, 0, 9, &h, NULL, NULL), -EINVAL,
		  "ALLOC with direction 9", "direction 9 is not one of", NULL);
	ok_detail(userdma_alloc(u, info.max_region_bytes + PAGE, 0,
				USERDMA_DIR_BIDIRECTIONAL, &h, NULL, NULL),
		  -E2BIG, "ALLOC over max_region_bytes",
		  "is longer than the module allows", NULL);
	ok_detail(userdma_alloc(u, 64 * MiB, USERDMA_ALLOC_CONTIGUOUS,
				USERDMA_DIR_BIDIRECTIONAL, &h, NULL, NULL),
		  -ENOMEM, "ALLOC of 64 MiB contiguous",
		  "no physically contiguous block of 64 MiB", NULL);
}

/* ---- 4. EXPORT -------------------------------------------------------- */

static void export_emfile(uint32_t h)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		struct rlimit rl;
		int lowest, dfd = -1;

		lowest = dup(0);
		if (lowest < 0)
			bail("dup: %s", strerror(errno));
		close(lowest);
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = lowest;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			bail("setrlimit: %s", strerror(errno));
		ok_detail(userdma_export(u, h, 0, &dfd), -EMFILE,
			  "EXPORT with no file descriptor free",
			  "no free file descriptor", NULL);
		tap_child_exit();
	}
	ok_child_status(tap_reap(pid), "EMFILE child");
}

static void export_details(void)
{
	uint32_t hc, hb, hi, hu;
	uint8_t *p = map_anon(2 * PAGE);
	char a[64];
	int dfd = -1;

	snprintf(a, sizeof(a), "handle %u is not live", gone);
	ok_detail(userdma_export(u, gone, 0, &dfd), -ENOENT,
		  "EXPORT of a handle not registered", a, NULL);
	ok_detail(userdma_export(u, hbi, 0x40, &dfd), -EINVAL,
		  "EXPORT with flag 0x40", "unknown flags 0x40", NULL);
	hu = reg_or_bail(u, p + 100, PAGE, USERDMA_DIR_BIDIRECTIONAL);
	ok_detail(userdma_export(u, hu, 0, &dfd), -EINVAL,
		  "EXPORT of a registration at page offset 100",
		  "does not start and end on page boundaries", NULL);
	userdma_unregister(u, hu);

	if (userdma_alloc(u, PAGE, USERDMA_ALLOC_COHERENT,
			  USERDMA_DIR_BIDIRECTIONAL, &hc, NULL, NULL))
		bail("alloc coherent: %s", userdma_last_error());
	snprintf(a, sizeof(a), "handle %u is a coherent buffer", hc);
	ok_detail(userdma_export(u, hc, 0, &dfd), -EOPNOTSUPP,
		  "EXPORT of a coherent buffer", a, NULL);
	userdma_unregister(u, hc);

	if (userdma_alloc(u, PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &hb, NULL,
			  NULL) ||
	    userdma_export(u, hb, USERDMA_EXPORT_CLOEXEC, &dfd) ||
	    userdma_import(u, dfd, USERDMA_DIR_BIDIRECTIONAL, &hi, NULL, NULL))
		bail("alloc, export, import: %s", userdma_last_error());
	ok_detail(userdma_export(u, hi, 0, &dfd), -EINVAL,
		  "EXPORT of an import", "it is an imported dma-buf", NULL);
	userdma_unregister(u, hi);
	close(dfd);
	export_emfile(hb);
	userdma_unregister(u, hb);
	munmap(p, 2 * PAGE);
}

/* ---- 5. IMPORT -------------------------------------------------------- */

static void import_details(void)
{
	int pipefd[2], dfd, bad;
	uint32_t h;
	char a[64];

	bad = dup(0);
	if (bad < 0)
		bail("dup: %s", strerror(errno));
	close(bad);
	snprintf(a, sizeof(a), "fd %d is not an open file descriptor", bad);
	ok_detail(userdma_import(u, bad, USERDMA_DIR_BIDIRECTIONAL, &h, NULL,
				 NULL),
		  -EBADF, "IMPORT of a closed fd", a, NULL);
	if (pipe(pipefd))
		bail("pipe: %s", strerror(errno));
	snprintf(a, sizeof(a), "fd %d is not a dma-buf", pipefd[0]);
	ok_detail(userdma_import(u, pipefd[0], USERDMA_DIR_BIDIRECTIONAL, &h,
				 NULL, NULL),
		  -EINVAL, "IMPORT of a pipe", a, NULL);
	close(pipefd[0]);
	close(pipefd[1]);

	/* the TO_DEVICE registration's dma-buf is read-only */
	if (userdma_export(u, hto, USERDMA_EXPORT_CLOEXEC, &dfd))
		bail("export TO_DEVICE registration: %s", userdma_last_error());
	ok_detail(userdma_import(u, dfd, 5, &h, NULL, NULL), -EINVAL,
		  "IMPORT with direction 5", "direction 5 is not one of", NULL);
	ok_detail(userdma_import(u, dfd, USERDMA_DIR_FROM_DEVICE, &h, NULL,
				 NULL),
		  -EACCES, "IMPORT FROM_DEVICE of a read-only dma-buf",
		  "the dma-buf is read-only", NULL);
	ok_detail(userdma_import(u, dfd, USERDMA_DIR_BIDIRECTIONAL, &h, NULL,
				 NULL),
		  -EACCES, "IMPORT BIDIRECTIONAL of a read-only dma-buf",
		  "the dma-buf is read-only", NULL);
	close(dfd);
}

static void cleanup(void)
{
	userdma_unregister(u, hto);
	userdma_unregister(u, hfrom);
	userdma_unregister(u, hbi);
	userdma_close(u);
	munmap(bto, LEN);
	munmap(bfrom, LEN);
	munmap(bbi, LEN);
}

static void restore_node(void)
{
	if (node_restore_root())
		diag("could not restore %s to 0600 root:root", path);
}

int main(void)
{
	struct snap base, base28;
	int ret;

	tap_init("lib_explain");
	diag_config();
	node = node_name_for(edu64_bdf());
	node28 = node_name_for(edu28_bdf());
	snap_take(node, &base);
	snap_take(node28, &base28);
	snprintf(path, sizeof(path), "/dev/%s", node);
	atexit(restore_node);
	ret = node_allow_user(path);
	if (ret)
		bail("chown/chmod %s: %s", path, strerror(-ret));
	setup();

	submit_enoent();
	submit_erange();
	submit_mask();
	submit_eacces();
	submit_eacces_import();
	submit_misc();
	submit_batch();
	channel_details();
	submit_eperm();
	register_details();
	memlock_details();
	alloc_details();
	export_details();
	import_details();
	eio_details();

	cleanup();
	restore_node();
	ok_unchanged(node, &base, "%s: every handle, pin and mapping released",
		     node);
	ok_unchanged(node28, &base28, "%s: every handle, pin and mapping released",
		     node28);
	return done_testing();
}
