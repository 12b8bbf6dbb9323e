// SPDX-License-Identifier: MIT
/*
 * Transfer limits and the corner cases of the transfer ABI:
 *  (a) the module parameter max_xfer_pieces exists (root may change it at
 *      run time): with it at 64, a transfer the module splits into exactly
 *      64 pieces runs and moves the right bytes, one byte more (65 pieces)
 *      is E2BIG and leaves nothing behind, alone or second in a batch;
 *      with the old value back the 65-piece transfer runs.  The pieces are
 *      worked out from both sides' SEGMENTS the way the module splits (a
 *      piece ends where either side's segment ends, or after the engine's
 *      max_seg_size).  An edu device's mapping behind an IOMMU is one
 *      segment, so this runs on the spare pci-testdev bound through
 *      driver_override, whose 64 KiB segment limit gives enough segments
 *      in every configuration; it is unbound again at the end;
 *  (b) a raw-address transfer (handle 0 both sides, root) of 2^51 bytes is
 *      E2BIG under the default limit, never a kernel warning (the runner's
 *      dmesg check) nor ENOMEM;
 *  (c) source and destination in the same handle whose ranges overlap:
 *      EINVAL; adjacent ranges of one handle still copy;
 *  (d) read() of fewer bytes than one struct userdma_completion: EINVAL,
 *      before CHANNEL and with a completion ready (which stays there);
 *  (e) SEGMENTS with first == total: success, count 0, total set;
 *      first == total + 1: ERANGE;
 *  (f) a node added to an epoll set before CHANNEL: epoll_wait reports
 *      EPOLLIN when a completion is posted (and the same for one added
 *      after CHANNEL).
 * Every wait is bounded; alarm() is the last resort.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pci.h"
#include "util.h"
#include "xfer.h"

#define PIECES_PARAM	"/sys/module/userdma/parameters/max_xfer_pieces"
#define PIECES		64
#define SPARE_LEN	(8 * MiB)
#define WAIT_NS		(60ll * 1000000000)

static const char *node;
static int fd;				/* edu64 node, bound to "sw" */
static long long pieces_saved = -1;	/* to restore at exit */
static const char *spare;
static int spare_bound, spare_override;

/* Whatever happens, the parameter and the spare device are put back. */
static void cleanup(void)
{
	if (pieces_saved >= 0)
		sysfs_write_ll(PIECES_PARAM, pieces_saved);
	if (spare_bound)
		pci_unbind(spare);
	if (spare_override)
		pci_set_override(spare, "\n");
}

static uint32_t reg_or_bail(int f, const void *p, uint64_t len, uint32_t dir)
{
	uint32_t h;
	int ret = udt_register(f, p, len, dir, &h, NULL);

	if (ret)
		bail("register %" PRIu64 " bytes %s: %s", len, dirname_udma(dir),
		     errname(ret));
	return h;
}

/* Submit one transfer and wait for it (bounded): 0 when DONE, or -errno. */
static int copy_wait(int f, uint32_t sh, uint64_t so, uint32_t dh,
		     uint64_t doff, uint64_t len)
{
	struct userdma_completion c;
	int ret = udt_copy_timeout(f, sh, so, dh, doff, len, WAIT_NS, &c);

	if (ret)
		return ret;
	return c.status == USERDMA_XFER_DONE && c.bytes == len ? 0 : -EIO;
}

/* A SUBMIT that must fail: if it did not, collect what it started. */
static int submit_refused(int f, struct userdma_xfer *x)
{
	uint32_t n = 0;
	int ret = udt_submit(f, x, 1, &n);

	if (ret == 0)
		udt_wait_retry(f, x->cookie, WAIT_NS, NULL);
	return ret;
}

/* ---- (a) max_xfer_pieces ------------------------------------------------ */

/* One side of a transfer, walked as the module does (kernel/xfer.c). */
struct side {
	const struct userdma_segment *s;
	uint32_t n, i;
	uint64_t off;		/* in segment i */
};

static void side_init(struct side *c, const struct userdma_segment *s,
		      uint32_t n, uint64_t pos)
{
	c->s = s;
	c->n = n;
	for (c->i = 0; c->i < n && pos >= s[c->i].length; c->i++)
		pos -= s[c->i].length;
	c->off = pos;
}

static uint64_t side_room(const struct side *c)
{
	return c->i < c->n ? c->s[c->i].length - c->off : 0;
}

static void side_advance(struct side *c, uint64_t step)
{
	c->off += step;
	if (c->off == c->s[c->i].length) {
		c->i++;
		c->off = 0;
	}
}

/*
 * Bytes covered by the first p pieces of a transfer from source offset so
 * to destination offset dof; 0 if either region ends first (no room for
 * a (p + 1)-th piece counts as ending first, so that one byte more always
 * needs exactly p + 1 pieces).
 */
static uint64_t bytes_of_pieces(const struct userdma_segment *ss, uint32_t ns,
				uint64_t so, const struct userdma_segment *ds,
				uint32_t nd, uint64_t dof, unsigned int p,
				uint64_t max_piece)
{
	struct side s, d;
	uint64_t total = 0, step;

	side_init(&s, ss, ns, so);
	side_init(&d, ds, nd, dof);
	while (p--) {
		step = MIN(MIN(side_room(&s), side_room(&d)), max_piece);
		if (!step)
			return 0;
		side_advance(&s, step);
		side_advance(&d, step);
		total += step;
	}
	return side_room(&s) && side_room(&d) ? total : 0;
}

static int spare_bind(char *snode, size_t len)
{
	char drv[256];
	int ret;

	spare = getenv("USERDMA_SPARE_PCI");
	if (!spare || !*spare) {
		skip("USERDMA_SPARE_PCI not set", "(a) spare device for the piece count");
		return -1;
	}
	if (pci_driver_name(spare, drv, sizeof(drv)) == 0) {
		skip("already driven", "(a) spare device %s has driver %s", spare, drv);
		return -1;
	}
	ret = pci_set_override(spare, "userdma");
	spare_override = ret == 0;
	if (ret == 0) {
		ret = pci_bind(spare);
		spare_bound = ret == 0;
	}
	if (ret == 0)
		ret = node_for_bdf(spare, snode, len);
	ok(ret == 0, "(a) spare device %s bound to userdma through driver_override: %s (%s)",
	   spare, ret ? "-" : snode, errname(ret));
	return ret;
}

static void spare_unbind(void)
{
	int ret = 0;

	if (spare_bound)
		ret = pci_unbind(spare);
	spare_bound = ret != 0;
	if (spare_override && pci_set_override(spare, "\n") == 0)
		spare_override = 0;
	ok(ret == 0 && !spare_override, "(a) spare device unbound, driver_override cleared (%s)",
	   errname(ret));
}

static void pieces_limit(void)
{
	struct userdma_segment *ss = NULL, *ds = NULL;
	const uint64_t so = 300, dof = 5000;
	struct userdma_info info;
	struct userdma_xfer xs[2];
	struct userdma_completion c;
	uint8_t *a, *b;
	char snode[64];
	long long dflt;
	uint64_t len, i, bad = 0;
	uint32_t ha, hb, n;
	int f, ns, nd, ret, have;
	struct snap s;

	dflt = sysfs_read_ll(PIECES_PARAM);
	have = ok(dflt > 0, "(a) module parameter max_xfer_pieces exists (%lld)", dflt);
	if (have)
		diag("(a) max_xfer_pieces default %lld", dflt);
	if (spare_bind(snode, sizeof(snode)))
		return;
	f = node_open_or_bail(snode);
	node_info_or_bail(f, &info);
	ret = udt_channel(f, "sw", -1, NULL, NULL);
	if (ret)
		bail("(a) CHANNEL sw on %s: %s", snode, errname(ret));
	a = map_anon(SPARE_LEN);
	b = map_anon(SPARE_LEN);
	pattern_fill(a, SPARE_LEN, 71, 0);
	memset(b, 0xee, SPARE_LEN);
	ha = reg_or_bail(f, a, SPARE_LEN, USERDMA_DIR_TO_DEVICE);
	/*
	 * BIDIRECTIONAL: resetting the destination below goes through
	 * SYNC_FOR_DEVICE, which fills bounce slots only where the device
	 * may read (a FROM_DEVICE sync for the device copies nothing).
	 */
	hb = reg_or_bail(f, b, SPARE_LEN, USERDMA_DIR_BIDIRECTIONAL);
	ns = udt_segments_all(f, ha, &ss);
	nd = udt_segments_all(f, hb, &ds);
	if (ns <= 0 || nd <= 0)
		bail("(a) SEGMENTS: %s %s", errname(ns), errname(nd));
	len = bytes_of_pieces(ss, ns, so, ds, nd, dof, PIECES, info.max_seg_size);
	diag("(a) %s: 8 MiB regions of %d and %d segments, max_seg_size %llu: "
	     "%" PRIu64 " bytes from +%" PRIu64 " to +%" PRIu64 " make %d pieces",
	     snode, ns, nd, (unsigned long long)info.max_seg_size, len, so, dof, PIECES);
	if (!ok(len > 0, "(a) the regions have room for %d pieces and one more", PIECES))
		goto out;

	if (have) {
		pieces_saved = dflt;
		ret = sysfs_write_ll(PIECES_PARAM, PIECES);
		ok(ret == 0 && sysfs_read_ll(PIECES_PARAM) == PIECES,
		   "(a) root sets max_xfer_pieces to %d (%s, reads %lld)", PIECES,
		   errname(ret), sysfs_read_ll(PIECES_PARAM));
	}
	ret = copy_wait(f, ha, so, hb, dof, len);
	ok(ret == 0, "(a) a transfer of exactly %d pieces runs: DONE (%s)", PIECES,
	   errname(ret));
	ok(pattern_mismatch(b + dof, len, 71, so) < 0 &&
	   byte_mismatch(b, dof, 0xee) < 0 &&
	   byte_mismatch(b + dof + len, SPARE_LEN - dof - len, 0xee) < 0,
	   "(a) its %" PRIu64 " bytes arrived, nothing around them changed", len);
	if (!have) {
		skip("no max_xfer_pieces parameter", "(a) one piece more -> E2BIG");
		goto out;
	}

	memset(b, 0xee, SPARE_LEN);
	udt_sync(f, hb, 0, SPARE_LEN, USERDMA_SYNC_FOR_DEVICE);
	snap_take(snode, &s);
	xfer_fill(&xs[0], ha, so, hb, dof, len + 1, 0);
	ret = submit_refused(f, &xs[0]);
	ok(ret == -E2BIG, "(a) one byte more, %d pieces, with the limit at %d -> E2BIG (%s)",
	   PIECES + 1, PIECES, errname(ret));
	ret = udt_wait(f, 0, 0, NULL);
	ok(ret == -ENOENT, "(a)   nothing was submitted: WAIT any -> ENOENT (%s)",
	   errname(ret));
	ok_unchanged(snode, &s, "(a)   counters and VmPin unchanged");
	udt_sync(f, hb, 0, SPARE_LEN, USERDMA_SYNC_FOR_CPU);
	ok(byte_mismatch(b, SPARE_LEN, 0xee) < 0, "(a)   no byte of the destination written");

	/* second in a batch: the first runs, count 1 */
	xfer_fill(&xs[0], ha, 0, hb, 0, 4096, 1);
	xfer_fill(&xs[1], ha, so, hb, dof, len + 1, 2);
	xs[1].cookie = 0;
	ret = udt_submit(f, xs, 2, &n);
	ok(ret == 0 && n == 1 && xs[1].cookie == 0,
	   "(a) batch of a small transfer and the %d-piece one: OK, count 1 (%s, %u)",
	   PIECES + 1, errname(ret), ret ? 0 : n);
	for (i = 0; ret == 0 && i < n; i++)
		bad += udt_wait_retry(f, xs[i].cookie, WAIT_NS, &c) != 0 ||
		       c.status != USERDMA_XFER_DONE;
	ok(ret == 0 && !bad && udt_wait(f, 0, 0, NULL) == -ENOENT,
	   "(a)   the first DONE, nothing else outstanding");

	ret = sysfs_write_ll(PIECES_PARAM, dflt);
	if (ret == 0)
		pieces_saved = -1;
	ok(ret == 0 && sysfs_read_ll(PIECES_PARAM) == dflt,
	   "(a) max_xfer_pieces back to %lld (%s)", dflt, errname(ret));
	memset(b, 0xee, SPARE_LEN);
	udt_sync(f, hb, 0, SPARE_LEN, USERDMA_SYNC_FOR_DEVICE);
	ret = copy_wait(f, ha, so, hb, dof, len + 1);
	ok(ret == 0 && pattern_mismatch(b + dof, len + 1, 71, so) < 0,
	   "(a) with the limit back the %d-piece transfer runs, bytes right (%s)",
	   PIECES + 1, errname(ret));
out:
	ret = udt_unregister(f, ha) | udt_unregister(f, hb);
	ok(ret == 0, "(a) both regions unregister (%s)", errname(ret));
	close(f);
	free(ss);
	free(ds);
	munmap(a, SPARE_LEN);
	munmap(b, SPARE_LEN);
	spare_unbind();
}

/* ---- (b) a raw transfer of 2^51 bytes ------------------------------------- */

static void huge_raw(void)
{
	struct userdma_info info;
	struct userdma_xfer x;
	struct snap s;
	int ret;

	node_info_or_bail(fd, &info);
	if (info.dma_mask < (1ull << 52) + (1ull << 51)) {
		skip("mask below 2^53", "(b) raw transfer of 2^51 bytes (dma_mask %#llx)",
		     (unsigned long long)info.dma_mask);
		return;
	}
	snap_take(node, &s);
	/*
	 * Not RAM and not mapped anywhere (beyond the guest's memory, and
	 * beyond any IOVA): even a module that ran it could not copy a byte.
	 */
	xfer_fill(&x, 0, 0, 0, 1ull << 52, 1ull << 51, 0);
	ret = submit_refused(fd, &x);
	ok(ret == -E2BIG, "(b) raw transfer (handle 0 both sides) of 2^51 bytes -> E2BIG (%s)",
	   errname(ret));
	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "(b)   nothing outstanding (%s)", errname(ret));
	ok_unchanged(node, &s, "(b)   counters unchanged");
}

/* ---- (c) overlapping ranges of one handle ------------------------------- */

static void same_handle(void)
{
	static const struct {
		uint64_t so, doff, len;
		const char *what;
	} bad[] = {
		{ 0, 2048, 4096, "destination starts inside the source" },
		{ 2048, 0, 4096, "source starts inside the destination" },
		{ 100, 100, 100, "the same range" },
		{ 0, 4096, 4097, "one byte in common" },
		{ 8192, 4097, 4096, "one byte in common, destination first" },
	};
	uint8_t *p = map_anon(64 * KiB);
	struct userdma_xfer x;
	unsigned int i;
	uint32_t h;
	int ret;

	pattern_fill(p, 64 * KiB, 81, 0);
	h = reg_or_bail(fd, p, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		xfer_fill(&x, h, bad[i].so, h, bad[i].doff, bad[i].len, 0);
		ret = submit_refused(fd, &x);
		ok(ret == -EINVAL, "(c) same handle, %s ([%" PRIu64 ", +%" PRIu64 ") -> [%" PRIu64
		   ", +%" PRIu64 ")) -> EINVAL (%s)", bad[i].what, bad[i].so, bad[i].len,
		   bad[i].doff, bad[i].len, errname(ret));
	}
	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "(c)   none was submitted (%s)", errname(ret));
	/* the refusals above changed nothing (unless one ran) */
	pattern_fill(p, 64 * KiB, 81, 0);
	udt_sync(fd, h, 0, 64 * KiB, USERDMA_SYNC_FOR_DEVICE);
	ret = copy_wait(fd, h, 0, h, 4096, 4096);
	ok(ret == 0, "(c) same handle, adjacent ranges [0, 4096) -> [4096, 8192): DONE (%s)",
	   errname(ret));
	ok(pattern_mismatch(p, 4096, 81, 0) < 0 && pattern_mismatch(p + 4096, 4096, 81, 0) < 0 &&
	   pattern_mismatch(p + 8192, 56 * KiB, 81, 8192) < 0,
	   "(c)   the destination holds the source's bytes, everything else unchanged");
	ret = copy_wait(fd, h, 60000, h, 1000, 5000);
	ok(ret == 0 && pattern_mismatch(p + 1000, 5000, 81, 60000) < 0,
	   "(c) same handle, far apart ranges: DONE, bytes right (%s)", errname(ret));
	ret = udt_unregister(fd, h);
	ok(ret == 0, "(c) UNREGISTER (%s)", errname(ret));
	munmap(p, 64 * KiB);
}

/* ---- (d) short reads ------------------------------------------------------ */

static void short_reads(void)
{
	const size_t sizes[] = { 1, sizeof(struct userdma_completion) - 1 };
	struct userdma_completion c[2];
	struct pollfd pf;
	struct userdma_xfer x;
	uint8_t *p = map_anon(2 * PAGE);
	uint32_t h, n;
	unsigned int i;
	ssize_t r;
	int f = node_open_or_bail(node), ret;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		r = read(f, c, sizes[i]);
		ok(r < 0 && errno == EINVAL, "(d) no channel: read of %zu bytes -> EINVAL (%s)",
		   sizes[i], r < 0 ? errname(errno) : "no error");
	}
	ret = udt_channel(f, "sw", -1, NULL, NULL);
	if (ret)
		bail("(d) CHANNEL sw: %s", errname(ret));
	h = reg_or_bail(f, p, 2 * PAGE, USERDMA_DIR_BIDIRECTIONAL);
	xfer_fill(&x, h, 0, h, PAGE, 100, 0xd);
	ret = udt_submit(f, &x, 1, &n);
	ok(ret == 0, "(d) one transfer submitted (%s)", errname(ret));
	pf.fd = f;
	pf.events = POLLIN;
	pf.revents = 0;
	ret = poll(&pf, 1, 10000);
	ok(ret == 1 && (pf.revents & POLLIN), "(d) its completion is ready (poll %d, %#x)",
	   ret, pf.revents);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		r = read(f, c, sizes[i]);
		ok(r < 0 && errno == EINVAL, "(d) completion ready: read of %zu bytes -> EINVAL (%s)",
		   sizes[i], r < 0 ? errname(errno) : "no error");
	}
	ret = fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK);
	r = read(f, c, sizeof(c));
	ok(!ret && r == sizeof(c[0]) && c[0].cookie == x.cookie && c[0].user_data == 0xd &&
	   c[0].status == USERDMA_XFER_DONE,
	   "(d) a read of two completions' room then returns that one completion (%zd bytes)", r);
	ret = udt_unregister(f, h);
	ok(ret == 0, "(d) UNREGISTER (%s)", errname(ret));
	close(f);
	munmap(p, 2 * PAGE);
}

/* ---- (e) SEGMENTS at the end of the list --------------------------------- */

static void segments_end(void)
{
	struct userdma_segment segs[4];
	struct userdma_segments sg;
	uint8_t *p = map_anon(MiB);
	uint32_t h, nsegs, copied, total;
	int ret;

	h = reg_or_bail(fd, p + 100, MiB - 200, USERDMA_DIR_TO_DEVICE);
	ret = udt_segments(fd, h, 0, segs, 0, &copied, &total);
	if (ret)
		bail("(e) SEGMENTS: %s", errname(ret));
	nsegs = total;
	memset(&sg, 0, sizeof(sg));
	sg.size = sizeof(sg);
	sg.handle = h;
	sg.first = nsegs;
	sg.count = ARRAY_SIZE(segs);
	sg.segs = (uintptr_t)segs;
	sg.total = 0xdead;
	ret = udt_ioctl(fd, USERDMA_IOC_SEGMENTS, &sg);
	ok(ret == 0 && sg.count == 0 && sg.total == nsegs,
	   "(e) SEGMENTS first == total (%u) -> OK, count 0, total %u (%s, count %u, total %u)",
	   nsegs, nsegs, errname(ret), sg.count, sg.total);
	ret = udt_segments(fd, h, nsegs + 1, segs, ARRAY_SIZE(segs), &copied, &total);
	ok(ret == -ERANGE, "(e) SEGMENTS first == total + 1 -> ERANGE (%s)", errname(ret));
	ret = udt_unregister(fd, h);
	ok(ret == 0, "(e) UNREGISTER (%s)", errname(ret));
	munmap(p, MiB);
}

/* ---- (f) epoll ------------------------------------------------------------ */

static void epoll_case(int before)
{
	const char *when = before ? "before" : "after";
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct userdma_completion c;
	struct userdma_xfer x;
	uint8_t *p = map_anon(2 * PAGE);
	uint32_t h, n;
	int f = node_open_or_bail(node), ep = epoll_create1(EPOLL_CLOEXEC), ret, r2;

	if (ep < 0)
		bail("epoll_create1: %s", errname(errno));
	ev.data.u32 = 7;
	if (before) {
		ret = epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev);
		ok(ret == 0, "(f) EPOLL_CTL_ADD of a node without a channel (%s)",
		   ret ? errname(errno) : "OK");
	}
	ret = udt_channel(f, "sw", -1, NULL, NULL);
	if (ret)
		bail("(f) CHANNEL sw: %s", errname(ret));
	if (!before) {
		ret = epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev);
		ok(ret == 0, "(f) EPOLL_CTL_ADD after CHANNEL (%s)", ret ? errname(errno) : "OK");
	}
	ret = epoll_wait(ep, &got, 1, 0);
	ok(ret == 0, "(f) added %s CHANNEL: nothing ready before a transfer (%d)", when, ret);
	h = reg_or_bail(f, p, 2 * PAGE, USERDMA_DIR_BIDIRECTIONAL);
	xfer_fill(&x, h, 0, h, PAGE, 64, 0);
	ret = udt_submit(f, &x, 1, &n);
	ok(ret == 0, "(f) one transfer submitted (%s)", errname(ret));
	memset(&got, 0, sizeof(got));
	ret = epoll_wait(ep, &got, 1, 5000);
	ok(ret == 1 && (got.events & EPOLLIN) && got.data.u32 == 7,
	   "(f) added %s CHANNEL: epoll_wait reports EPOLLIN within 5 s (%d%s, events %#x)",
	   when, ret, ret ? "" : ": timed out", got.events);
	r2 = udt_wait_retry(f, x.cookie, WAIT_NS, &c);
	ok(r2 == 0 && c.status == USERDMA_XFER_DONE, "(f)   its completion DONE (%s)",
	   errname(r2));
	ret = epoll_wait(ep, &got, 1, 0);
	ok(ret == 0, "(f)   consumed: epoll_wait has nothing (%d)", ret);
	ret = udt_unregister(f, h);
	ok(ret == 0, "(f) UNREGISTER (%s)", errname(ret));
	close(ep);
	close(f);
	munmap(p, 2 * PAGE);
}

int main(void)
{
	struct snap start;
	int ret;

	tap_init("xfer_limits");
	diag_config();
	atexit(cleanup);
	alarm(400);	/* last resort: every wait below is bounded */
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	snap_take(node, &start);
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	if (ret)
		bail("CHANNEL sw: %s", errname(ret));

	huge_raw();
	pieces_limit();
	same_handle();
	short_reads();
	segments_end();
	epoll_case(1);
	epoll_case(0);

	ok_no_spurious_enoent();
	close(fd);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
