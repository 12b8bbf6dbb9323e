// SPDX-License-Identifier: MIT
/*
 * Fault injection sweep (needs the USERDMA_FAULT=y module, which the guest
 * runner loads for this test only; skips without it).
 *
 * The module lists its failure points in /sys/kernel/debug/userdma/fault/
 * list.  A discovery pass runs every operation below once and notes which
 * points it reaches.  Then, for each point and each operation reaching it,
 * for N = 1, 2, ...: arm the point so that its Nth hit fails, run the
 * operation, and check
 *   - that it failed with a clean errno (ENOMEM, EFAULT, EIO, EMFILE,
 *     EBUSY) or succeeded with a correct result (a short pin, a smaller
 *     page block, a failed descriptor reported as an ERROR completion);
 *   - that it succeeded if the point was hit fewer than N times, which
 *     ends the sweep of that (point, operation);
 *   - that the leak oracles are back to where they were: FOLL_PIN pages
 *     acquired == released, the node's sysfs counters, VmPin/VmLck and
 *     the swiotlb slots in use;
 *   - that the device still works: a fresh register + sw transfer.
 * N runs through every hit up to 32, then the last hit and the one past
 * it (a point hit hundreds of times, e.g. one segment copy per page
 * without an IOMMU, is not swept hit by hit).
 *
 * On a kernel with fault injection (the debug kernel, scripts/debug-
 * kernel.sh) the same operations are then swept with the kernel's own
 * fail-nth: the Nth allocation, page allocation or user copy the thread
 * makes anywhere in the kernel fails (the pin's page-table walk, the sg
 * table, the IOMMU's IOVA and page tables, the dma-buf core, the file
 * table, ...), which reaches failures userdma's own points cannot name.
 * Same checks; a time budget (USERDMA_FAILNTH_SECONDS, default 120) is
 * shared by the operations, each swept densely up to 64 and sampled
 * beyond.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "xfer.h"

#define FAULT_DIR	"/sys/kernel/debug/userdma/fault"
#define MAX_POINTS	64
#define DENSE_N		32
#define BAD_RESULT	(-10000)	/* succeeded with a wrong result */

static const char *node;
static uint8_t *small, *thp, *multi, *xsrc, *xdst;
#define SMALL_LEN	(4 * PAGE)
#define THP_LEN		(2 * MiB)
#define MULTI_LEN	(5 * MiB)	/* 1280 pages: two pin batches */
#define XLEN		(64 * KiB)

/* ---- the debugfs controls ------------------------------------------- */

static int fault_write(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAULT_DIR "/%s", file);
	return sysfs_write(path, val);
}

static long long fault_read(const char *file)
{
	char path[128], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), FAULT_DIR "/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static char names[MAX_POINTS][64];
static int npoints;

/* Hit totals of every point, in list order; the count of points. */
static int fault_totals(long long *tot)
{
	char line[128], name[64];
	long long v;
	int n = 0;
	FILE *f = fopen(FAULT_DIR "/list", "r");

	if (!f)
		return -1;
	while (n < MAX_POINTS && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld", name, &v) != 2)
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", name);
		tot[n++] = v;
	}
	fclose(f);
	return n;
}

static int arm(const char *point, long long nth)
{
	char buf[32];
	int ret = fault_write("point", point);

	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%lld", nth);
	return fault_write("nth", buf);
}

static void disarm(void)
{
	fault_write("point", "none");
}

/* ---- operations ------------------------------------------------------ */

static int check_segments(int fd, uint32_t h, uint32_t nsegs, uint64_t len)
{
	struct userdma_segment *s;
	uint64_t sum = 0;
	int n, i;

	n = udt_segments_all(fd, h, &s);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		sum += s[i].length;
	free(s);
	return (uint32_t)n == nsegs && sum == len ? 0 : BAD_RESULT;
}

/* Register, read the segments, sync both ways, unregister. */
static int reg_cycle(void *p, uint64_t len)
{
	uint32_t h, nsegs;
	int fd, ret;

	fd = node_open(node);
	if (fd < 0)
		return fd;
	ret = udt_register(fd, p, len, USERDMA_DIR_BIDIRECTIONAL, &h, &nsegs);
	if (ret)
		goto out;
	ret = check_segments(fd, h, nsegs, len);
	if (!ret)
		ret = udt_sync(fd, h, 0, len, USERDMA_SYNC_FOR_DEVICE);
	if (!ret)
		ret = udt_sync(fd, h, 0, len, USERDMA_SYNC_FOR_CPU);
	if (!ret)
		ret = udt_unregister(fd, h);
out:
	close(fd);
	return ret;
}

static int op_reg_small(void) { return reg_cycle(small + 100, SMALL_LEN - 200); }
static int op_reg_thp(void) { return reg_cycle(thp, THP_LEN); }
static int op_reg_multi(void) { return reg_cycle(multi, MULTI_LEN); }

/* ALLOC, mmap, write and read back through the mapping, free. */
static int alloc_cycle(uint64_t len, uint32_t flags)
{
	struct userdma_alloc a;
	uint8_t *p;
	int fd, ret;

	fd = node_open(node);
	if (fd < 0)
		return fd;
	ret = udt_alloc(fd, len, flags, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (ret)
		goto out;
	if (a.length != len || !a.nr_segments) {
		ret = BAD_RESULT;
		goto out;
	}
	ret = check_segments(fd, a.handle, a.nr_segments, len);
	if (ret)
		goto out;
	p = udt_mmap(fd, a.mmap_offset, len, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &ret);
	if (!p)
		goto out;
	if (byte_mismatch(p, len, 0) >= 0)
		ret = BAD_RESULT;
	pattern_fill(p, len, 7, 0);
	if (!ret && pattern_mismatch(p, len, 7, 0) >= 0)
		ret = BAD_RESULT;
	munmap(p, len);
	if (!ret)
		ret = udt_unregister(fd, a.handle);
out:
	close(fd);
	return ret;
}

static int op_alloc_cached(void) { return alloc_cycle(64 * KiB, 0); }
static int op_alloc_big(void) { return alloc_cycle(4 * MiB, 0); }
static int op_alloc_coherent(void)
{
	return alloc_cycle(64 * KiB, USERDMA_ALLOC_COHERENT);
}

static int op_alloc_contig(void)
{
	return alloc_cycle(64 * KiB, USERDMA_ALLOC_CONTIGUOUS);
}

/* Export h, mmap the dma-buf and import it on the same node. */
static int export_import(int fd, uint32_t h, uint64_t len, const void *want)
{
	struct userdma_import im;
	int dmabuf, ret;
	void *p;

	ret = udt_export(fd, h, USERDMA_EXPORT_CLOEXEC, &dmabuf);
	if (ret)
		return ret;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	if (want && mem_mismatch(p, want, len) >= 0)
		ret = BAD_RESULT;
	munmap(p, len);
	if (ret)
		goto out;
	ret = udt_import(fd, dmabuf, USERDMA_DIR_BIDIRECTIONAL, &im);
	if (ret)
		goto out;
	ret = im.length == len ? check_segments(fd, im.handle, im.nr_segments,
						 len) : BAD_RESULT;
	if (!ret)
		ret = udt_sync(fd, im.handle, 0, len, USERDMA_SYNC_FOR_CPU);
	if (!ret)
		ret = udt_unregister(fd, im.handle);
out:
	close(dmabuf);
	return ret;
}

static int op_export_alloc(void)
{
	struct userdma_alloc a;
	int fd, ret;

	fd = node_open(node);
	if (fd < 0)
		return fd;
	ret = udt_alloc(fd, 64 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ret)
		ret = export_import(fd, a.handle, 64 * KiB, NULL);
	close(fd);
	return ret;
}

static int op_export_reg(void)
{
	uint32_t h;
	int fd, ret;

	fd = node_open(node);
	if (fd < 0)
		return fd;
	ret = udt_register(fd, small, SMALL_LEN, USERDMA_DIR_BIDIRECTIONAL,
			   &h, NULL);
	if (!ret)
		ret = export_import(fd, h, SMALL_LEN, small);
	close(fd);
	return ret;
}

/*
 * A sw-engine copy, waited for, then one read back with read().  A WAIT or
 * read() whose copy-out fails must leave its completion to the next one.
 */
static int op_xfer(void)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	uint32_t hs, hd, n;
	int fd, efd, ret;

	fd = node_open(node);
	if (fd < 0)
		return fd;
	efd = eventfd(0, EFD_CLOEXEC);
	ret = udt_channel(fd, "sw", efd, NULL, NULL);
	if (ret)
		goto out;
	ret = udt_register(fd, xsrc, XLEN, USERDMA_DIR_TO_DEVICE, &hs, NULL);
	if (ret)
		goto out;
	ret = udt_register(fd, xdst, XLEN, USERDMA_DIR_FROM_DEVICE, &hd, NULL);
	if (ret)
		goto out;
	memset(xdst, 0, XLEN);
	xfer_fill(&x, hs, 0, hd, 0, XLEN, 1);
	ret = udt_submit(fd, &x, 1, &n);
	if (ret)
		goto out;
	ret = udt_wait(fd, x.cookie, 20 * 1000000000ll, &c);
	/*
	 * Whether the copy-in or the copy-out failed, the completion is
	 * still to come or still there.
	 */
	if (ret == -EFAULT)
		ret = udt_wait(fd, x.cookie, 20 * 1000000000ll, &c);
	if (ret)
		goto out;
	if (c.status != USERDMA_XFER_DONE) {
		/* a descriptor that could not be prepared: an ERROR completion */
		ret = c.status == USERDMA_XFER_ERROR && c.bytes < XLEN ?
		      -EIO : BAD_RESULT;
		goto out;
	}
	if (c.bytes != XLEN || mem_mismatch(xdst, xsrc, XLEN) >= 0) {
		ret = BAD_RESULT;
		goto out;
	}
	xfer_fill(&x, hs, 0, hd, 0, PAGE, 2);
	ret = udt_submit(fd, &x, 1, &n);
	if (ret)
		goto out;
	do {
		ret = udt_read_compl(fd, &c, 1);
	} while (ret == -EINTR || ret == -EFAULT);
	if (ret == 1)
		ret = c.status == USERDMA_XFER_DONE ? 0 :
		      c.status == USERDMA_XFER_ERROR ? -EIO : BAD_RESULT;
	else if (ret >= 0)
		ret = BAD_RESULT;
out:
	close(fd);
	if (efd >= 0)
		close(efd);
	return ret;
}

struct op {
	const char *name;
	int (*fn)(void);
	int reach[MAX_POINTS];	/* hits of each point in one clean run */
};

static struct op ops[] = {
	{ .name = "register 4 pages unaligned", .fn = op_reg_small },
	{ .name = "register 2 MiB THP", .fn = op_reg_thp },
	{ .name = "register 5 MiB (2 pin batches)", .fn = op_reg_multi },
	{ .name = "alloc cached + mmap", .fn = op_alloc_cached },
	{ .name = "alloc cached 4 MiB + mmap", .fn = op_alloc_big },
	{ .name = "alloc coherent + mmap", .fn = op_alloc_coherent },
	{ .name = "alloc contiguous + mmap", .fn = op_alloc_contig },
	{ .name = "export alloc + mmap + self import", .fn = op_export_alloc },
	{ .name = "export register + mmap + self import", .fn = op_export_reg },
	{ .name = "sw transfer submit/wait/read", .fn = op_xfer },
};

/* ---- oracles ------------------------------------------------------------ */

static void read_pins(long long *acq, long long *rel)
{
	char line[128];
	FILE *f;

	sysfs_write("/proc/sys/vm/stat_refresh", "1");
	*acq = *rel = -1;
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "nr_foll_pin_acquired %lld", acq);
		sscanf(line, "nr_foll_pin_released %lld", rel);
	}
	fclose(f);
}

static struct snap base;
static long long tlb0;

/* 1 if clean; else why.  Releases after a close may lag a little. */
static int oracles_clean(long long acq0, long long rel0, char *why,
			 size_t len)
{
	long long acq, rel, tlb;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		read_pins(&acq, &rel);
		tlb = swiotlb_used();
		if (acq - acq0 != rel - rel0)
			snprintf(why, len, "pins acquired +%lld, released +%lld",
				 acq - acq0, rel - rel0);
		else if (tlb != tlb0)
			snprintf(why, len, "swiotlb slots in use %lld -> %lld",
				 tlb0, tlb);
		else if (snap_check(node, &base, 0, 0, 0, 0, why, len))
			return 1;
		sleep_ms(20);
	}
	return 0;
}

/* A fresh register + sw transfer of one page must work. */
static int device_works(void)
{
	static uint8_t *a, *b;
	struct userdma_completion c;
	uint32_t ha, hb;
	int fd, ret;

	if (!a) {
		a = map_anon(PAGE);
		b = map_anon(PAGE);
	}
	pattern_fill(a, PAGE, rnd(), 0);
	memset(b, 0, PAGE);
	fd = node_open(node);
	if (fd < 0)
		return fd;
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	if (!ret)
		ret = udt_register(fd, a, PAGE, USERDMA_DIR_TO_DEVICE, &ha, NULL);
	if (!ret)
		ret = udt_register(fd, b, PAGE, USERDMA_DIR_FROM_DEVICE, &hb, NULL);
	if (!ret)
		ret = udt_copy(fd, ha, 0, hb, 0, PAGE, &c);
	if (!ret && (c.status != USERDMA_XFER_DONE || mem_mismatch(a, b, PAGE) >= 0))
		ret = BAD_RESULT;
	close(fd);
	return ret;
}

static int clean_errno(int ret)
{
	return ret == -ENOMEM || ret == -EFAULT || ret == -EIO ||
	       ret == -EMFILE || ret == -EBUSY;
}

static const char *res_name(int ret)
{
	return ret == BAD_RESULT ? "success with a wrong result" : errname(ret);
}

/*
 * After a case (@what names it, @ret is its result): the oracles are back
 * at their baseline and the device still works; 1 if so.  A leak is
 * reported once: the baseline moves on.
 */
static int case_left_clean(const char *what, int ret, long long acq0,
			   long long rel0)
{
	char why[256];
	int good = 1;

	if (!oracles_clean(acq0, rel0, why, sizeof(why))) {
		diag("%s (%s): leak: %s", what, res_name(ret), why);
		good = 0;
		snap_take(node, &base);
		tlb0 = swiotlb_used();
	}
	ret = device_works();
	if (ret) {
		diag("%s: the device no longer works: %s", what, res_name(ret));
		good = 0;
	}
	return good;
}

/* ---- the sweep ---------------------------------------------------------- */

/* One (point, op, N) case; 1 if fine, with *fired_out. */
static int one_case(int p, struct op *op, long long nth, int *stop,
		    long long *fired_out)
{
	long long acq0, rel0, hits, fired;
	char what[160];
	int ret, good = 1;

	read_pins(&acq0, &rel0);
	if (arm(names[p], nth))
		bail("cannot arm %s", names[p]);
	ret = op->fn();
	hits = fault_read("hits");
	fired = fault_read("fired");
	disarm();
	*fired_out = fired;
	*stop = hits < nth;

	if (hits < nth && ret) {
		diag("%s, N=%lld, %s: failed with %s although the point was hit only %lld times",
		     names[p], nth, op->name, res_name(ret), hits);
		good = 0;
	} else if (hits >= nth && fired != 1) {
		diag("%s, N=%lld, %s: hit %lld times but fired %lld times",
		     names[p], nth, op->name, hits, fired);
		good = 0;
	} else if (ret && !clean_errno(ret)) {
		diag("%s, N=%lld, %s: %s", names[p], nth, op->name,
		     res_name(ret));
		good = 0;
	}
	/*
	 * The bound says what gcc cannot see once this is inlined into main()
	 * (aarch64's gcc 12 then sizes names[p] as the whole table): a name
	 * is shorter than its 64-byte slot.
	 */
	snprintf(what, sizeof(what), "%.*s, N=%lld, %s",
		 (int)sizeof(names[p]) - 1, names[p], nth, op->name);
	return case_left_clean(what, ret, acq0, rel0) && good;
}

static void sweep_point(int p, int *total_cases)
{
	int i, good = 1, cases = 0, fired_cases = 0, nops = 0, stop;
	long long nth, last, fired;
	double t0 = now_s();

	for (i = 0; i < (int)ARRAY_SIZE(ops); i++) {
		struct op *op = &ops[i];

		if (!op->reach[p])
			continue;
		nops++;
		last = op->reach[p];
		for (nth = 1;; nth++) {
			if (nth > DENSE_N && nth < last)
				nth = last;
			good &= one_case(p, op, nth, &stop, &fired);
			cases++;
			fired_cases += fired > 0;
			if (stop)
				break;
			if (nth > last + 8) {
				diag("%s, %s: still hit at N=%lld (a clean run hit it %lld times)",
				     names[p], op->name, nth, last);
				good = 0;
				break;
			}
		}
	}
	*total_cases += cases;
	if (!nops) {
		skip("not reached by any operation of this test",
		     "%s: not swept", names[p]);
		return;
	}
	ok(good, "%s: %d cases (%d injected) over %d operation(s), %.1f s",
	   names[p], cases, fired_cases, nops, now_s() - t0);
}

/* ---- the kernel's fail-nth (CONFIG_FAULT_INJECTION) ------------------ */

#define FAILNTH_DENSE	64
#define FAILNTH_SAMPLES	24
#define FAILNTH_PROBE	1000000LL

/* The fd stays open: opening and closing it would be fault sites too. */
static int nth_fd = -1;

static int failnth_set(long long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lld", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/* Sites still to pass before the armed one; 0 once it has fired. */
static long long failnth_left(void)
{
	char buf[32] = "";
	long long v = -1;

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) > 0)
		sscanf(buf, "%lld", &v);
	return v;
}

/*
 * Two places fail-nth must not reach, each kept out by its fault type's
 * stack filter (a failure is never injected with any frame inside):
 *  - 6.12's intel-iommu leaves the page-table entries it wrote before a
 *    failed page-table page allocation in place (intel_iommu_map_pages()
 *    reports nothing mapped, so its caller unwinds nothing), and the next
 *    mapping of those addresses WARNs "DMA PTE ... already set": a kernel
 *    bug outside userdma's reach, found by this sweep;
 *  - DMA-API debugging turns itself off for good when its cacheline
 *    tracker cannot allocate, which would blind it for the tests after.
 */
static const struct {
	const char *attr, *func;
} failnth_excluded[] = {
	{ "fail_page_alloc", "intel_iommu_map_pages" },
	{ "failslab", "add_dma_entry" },
};

static void failnth_filter(const char *attr, unsigned long long start,
			   unsigned long long end)
{
	char path[96], val[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/reject-start", attr);
	snprintf(val, sizeof(val), "0x%llx", start);
	sysfs_write(path, val);
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/reject-end", attr);
	snprintf(val, sizeof(val), "0x%llx", end);
	sysfs_write(path, val);
}

/* The text range of a function: its address to the next symbol's. */
static int symbol_range(const char *name, unsigned long long *start,
			unsigned long long *end)
{
	char line[256], sym[128], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");

	*start = 0;
	*end = ~0ULL;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &a, &type, sym) == 3 &&
		    !strcmp(sym, name))
			*start = a;
	rewind(f);
	while (*start && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx", &a) == 1 && a > *start && a < *end)
			*end = a;
	fclose(f);
	return *start && *end != ~0ULL ? 0 : -1;
}

/* Clean results of a failure anywhere in the kernel, not only ours. */
static int failnth_errno(int ret)
{
	return clean_errno(ret) || ret == -EAGAIN || ret == -ENOSPC ||
	       ret == -ENFILE;
}

/* One op with its Nth fault site failing; 1 if fine. *fired: it did. */
static int failnth_case(struct op *op, long long nth, int *fired)
{
	long long acq0, rel0, left;
	char what[160];
	int ret, good = 1;

	read_pins(&acq0, &rel0);
	if (failnth_set(nth))
		bail("cannot arm fail-nth: %s", strerror(errno));
	ret = op->fn();
	left = failnth_left();
	failnth_set(0);
	*fired = left == 0;

	if (!*fired && ret) {
		diag("fail-nth N=%lld, %s: %s although nothing was made to fail",
		     nth, op->name, res_name(ret));
		good = 0;
	} else if (ret && !failnth_errno(ret)) {
		diag("fail-nth N=%lld, %s: %s", nth, op->name, res_name(ret));
		good = 0;
	}
	snprintf(what, sizeof(what), "fail-nth N=%lld, %s", nth, op->name);
	return case_left_clean(what, ret, acq0, rel0) && good;
}

/*
 * Every op once with an unreachable N counts its fault sites; then
 * N = 1..64 and samples up to the count, and past it until the op runs
 * through without a failure (which it then must survive).
 */
static void failnth_sweep(void)
{
	double budget = 120, t0 = now_s(), per_op;
	unsigned long long ex_start, ex_end;
	int i, nops = ARRAY_SIZE(ops), total = 0, fired_total = 0;
	const char *env = getenv("USERDMA_FAILNTH_SECONDS");

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		skip("no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION: the debug kernel has it)",
		     "fail-nth sweep");
		return;
	}
	if (env && atof(env) > 0)
		budget = atof(env);
	for (i = 0; i < (int)ARRAY_SIZE(failnth_excluded); i++) {
		if (symbol_range(failnth_excluded[i].func, &ex_start, &ex_end))
			continue;
		failnth_filter(failnth_excluded[i].attr, ex_start, ex_end);
		diag("fail-nth: %s never inside %s (0x%llx-0x%llx)",
		     failnth_excluded[i].attr, failnth_excluded[i].func,
		     ex_start, ex_end);
	}
	for (i = 0; i < nops; i++) {
		struct op *op = &ops[i];
		long long sites, nth, step, left;
		int cases = 0, fired_cases = 0, good = 1, fired = 1, ret;
		double t1 = now_s();

		/* what earlier operations left of the budget is shared out */
		per_op = (budget - (t1 - t0)) / (nops - i);

		failnth_set(FAILNTH_PROBE);
		ret = op->fn();
		left = failnth_left();
		failnth_set(0);
		if (ret || left <= 0) {
			ok(0, "fail-nth: %s counting its fault sites: %s, %lld left",
			   op->name, errname(ret), left);
			continue;
		}
		sites = FAILNTH_PROBE - left;
		step = sites > FAILNTH_DENSE ?
		       (sites - FAILNTH_DENSE) / FAILNTH_SAMPLES + 1 : 1;
		for (nth = 1; now_s() - t1 < per_op; nth += nth < FAILNTH_DENSE ? 1 : step) {
			good &= failnth_case(op, nth, &fired);
			cases++;
			fired_cases += fired;
			if (!fired)
				break;
			if (nth > sites + 64) {
				diag("fail-nth: %s still fails at N=%lld; a clean run had %lld sites",
				     op->name, nth, sites);
				good = 0;
				break;
			}
		}
		total += cases;
		fired_total += fired_cases;
		ok(good, "fail-nth: %s: %d cases (%d injected) of ~%lld fault sites%s, %.1f s",
		   op->name, cases, fired_cases, sites,
		   fired ? " (budget ran out first)" : "", now_s() - t1);
	}
	close(nth_fd);
	for (i = 0; i < (int)ARRAY_SIZE(failnth_excluded); i++)
		failnth_filter(failnth_excluded[i].attr, 0, 0);
	ok(total > 0, "fail-nth: %d cases, %d with a failure injected, in %.1f s",
	   total, fired_total, now_s() - t0);
}

static void discover(void)
{
	long long before[MAX_POINTS], after[MAX_POINTS];
	int i, p, n, ret;

	for (i = 0; i < (int)ARRAY_SIZE(ops); i++) {
		n = fault_totals(before);
		ret = ops[i].fn();
		if (fault_totals(after) != n)
			bail("the fault point list changed");
		ok(ret == 0, "%s works without faults (%s)", ops[i].name,
		   errname(ret));
		for (p = 0; p < n; p++)
			ops[i].reach[p] = after[p] - before[p];
	}
}

int main(void)
{
	long long tot[MAX_POINTS];
	int p, cases = 0, ret;
	struct stat st;
	char mode[32];
	double t0;

	tap_init("fault_sweep");
	if (stat(FAULT_DIR, &st))
		skip_all("%s is absent: the module was built without USERDMA_FAULT=y",
			 FAULT_DIR);
	diag_config();
	node = node_name_for(edu64_bdf());
	npoints = fault_totals(tot);
	if (npoints <= 0)
		bail("cannot read %s/list", FAULT_DIR);
	disarm();
	fault_write("times", "1");

	small = map_anon(SMALL_LEN);
	multi = map_anon(MULTI_LEN);
	xsrc = map_anon(XLEN);
	xdst = map_anon(XLEN);
	pattern_fill(small, SMALL_LEN, 3, 0);
	pattern_fill(xsrc, XLEN, 5, 0);
	thp = map_anon_untouched(THP_LEN, THP_LEN);
	if (thp_available(mode, sizeof(mode)))
		madvise(thp, THP_LEN, MADV_HUGEPAGE);
	touch_pages(thp, THP_LEN);
	diag("THP (%s): %lld kB of the 2 MiB buffer are huge pages", mode,
	     smaps_field_kb(thp, "AnonHugePages"));

	ret = device_works();
	if (ret)
		bail("the device does not work before the sweep: %s", errname(ret));
	snap_take(node, &base);
	tlb0 = swiotlb_used();

	t0 = now_s();
	discover();
	for (p = 0; p < npoints; p++)
		sweep_point(p, &cases);
	ok(cases > 0, "%d points, %d (point, operation, N) cases in %.1f s",
	   npoints, cases, now_s() - t0);
	failnth_sweep();
	return done_testing();
}
