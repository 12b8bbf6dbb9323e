// SPDX-License-Identifier: MIT
/*
 * Many regions on one open file: 1200 small registrations with distinct
 * non-zero handles, exact totals in the node's counters and VmPin, each
 * region's own segment list intact, released in random order with exact
 * totals at checkpoints; closing a file with hundreds of live regions
 * releases all of them; the same range (and overlapping ranges) may be
 * registered more than once, each registration pinning on its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#define NREG 1200
#define SLOT (4 * PAGE)

static const char *node;
static int fd;
static struct userdma_info info;

struct reg {
	uint8_t *addr;
	uint64_t len, pages;
	uint32_t h, dir;
};

static void random_range(struct rng *r, uint8_t *slot, struct reg *g)
{
	uint64_t off = rng_below(r, PAGE);

	g->addr = slot + off;
	g->len = 1 + rng_below(r, SLOT - off - 1);
	g->pages = pages_spanned((uintptr_t)g->addr, g->len);
	g->dir = 1 + (uint32_t)rng_below(r, 3);
}

/* Segment list of g still describes g. */
static int segs_ok(int f, const struct reg *g)
{
	struct userdma_segment *segs;
	char why[256];
	int n = udt_segments_all(f, g->h, &segs), good;

	if (n < 0)
		return 0;
	good = segs_valid(segs, (uint32_t)n, (uintptr_t)g->addr, g->len, &info,
			  why, sizeof(why));
	if (!good)
		diag("handle %u: %s", g->h, why);
	free(segs);
	return good;
}

static void many_on_one_file(struct rng *r)
{
	uint8_t *buf = map_anon(NREG * SLOT);
	struct reg *g = calloc(NREG, sizeof(*g));
	uint32_t *order = calloc(NREG, sizeof(*order));
	long long pages = 0, bytes = 0, left_pages, left_bytes;
	struct snap s;
	size_t i, j, failed = 0, dup = 0, bad_segs = 0;
	int ret;

	if (!g || !order)
		bail("out of memory");
	snap_take(node, &s);
	for (i = 0; i < NREG; i++) {
		random_range(r, buf + i * SLOT, &g[i]);
		ret = udt_register(fd, g[i].addr, g[i].len, g[i].dir, &g[i].h,
				   NULL);
		if (ret) {
			if (!failed++)
				diag("registration %zu failed: %s", i, errname(ret));
			g[i].h = 0;
			continue;
		}
		pages += (long long)g[i].pages;
		bytes += (long long)g[i].len;
	}
	ok(failed == 0, "%d small regions registered on one file (%zu failed)",
	   NREG, failed);
	for (i = 0; i < NREG; i++) {
		if (!g[i].h)
			dup++;
		for (j = i + 1; j < NREG && g[i].h; j++)
			if (g[i].h == g[j].h)
				dup++;
	}
	ok(dup == 0, "all handles non-zero and distinct (%zu bad)", dup);
	ok_delta(node, &s, NREG - (long long)failed, pages, bytes, pages * 4,
		 "counters: %d regions, %lld pages, %lld bytes; VmPin %lld kB",
		 NREG, pages, bytes, pages * 4);

	/* a sample of segment lists is still each region's own */
	for (i = 0; i < NREG; i += 37)
		if (g[i].h && !segs_ok(fd, &g[i]))
			bad_segs++;
	ok(bad_segs == 0, "every 37th region's segments describe exactly its bytes");

	for (i = 0; i < NREG; i++)
		order[i] = (uint32_t)i;
	shuffle_u32(order, NREG, r);
	left_pages = pages;
	left_bytes = bytes;
	failed = 0;
	for (i = 0; i < NREG; i++) {
		struct reg *x = &g[order[i]];

		if (!x->h)
			continue;
		ret = udt_unregister(fd, x->h);
		if (ret) {
			if (!failed++)
				diag("unregister handle %u: %s", x->h, errname(ret));
			continue;
		}
		left_pages -= (long long)x->pages;
		left_bytes -= (long long)x->len;
		x->h = 0;
		if (i == NREG / 2)
			ok_delta(node, &s, NREG - (long long)i - 1, left_pages,
				 left_bytes, left_pages * 4,
				 "half unregistered in random order: exact totals left");
		if (i == NREG / 2 + 1) {
			/* the remaining ones still work */
			for (j = i + 1; j < NREG; j += 53)
				if (g[order[j]].h && !segs_ok(fd, &g[order[j]]))
					bad_segs++;
			ok(bad_segs == 0,
			   "after half were released the others' segments are intact");
		}
	}
	ok(failed == 0, "all %d unregistered in random order (%zu failed)",
	   NREG, failed);
	ok_unchanged(node, &s, "counters and VmPin back to baseline");
	free(order);
	free(g);
	munmap(buf, NREG * SLOT);
}

static void close_with_live_regions(struct rng *r)
{
	const size_t n = 300;
	uint8_t *buf = map_anon(n * SLOT);
	struct node_stats want, last;
	struct reg g;
	struct snap s;
	long long pages = 0;
	size_t i, failed = 0;
	double t0;
	int f2 = node_open_or_bail(node), ret;

	snap_take(node, &s);
	for (i = 0; i < n; i++) {
		random_range(r, buf + i * SLOT, &g);
		ret = udt_register(f2, g.addr, g.len, g.dir, &g.h, NULL);
		if (ret)
			failed++;
		else
			pages += (long long)g.pages;
	}
	ok(failed == 0, "second file: %zu regions registered (%zu failed)", n,
	   failed);
	ok(vmpin_kb() == s.vmpin + pages * 4, "VmPin up by %lld kB", pages * 4);
	t0 = now_s();
	close(f2);
	want = s.st;
	ret = wait_node_stats(node, &want, 2000, &last);
	ok(ret, "close() with %zu live regions released them all (regions %lld, pages %lld, bytes %lld)",
	   n, last.regions, last.pinned_pages, last.mapped_bytes);
	diag("released %.3f s after close()", now_s() - t0);
	ok_unchanged(node, &s, "after close(): counters and VmPin at baseline");
	munmap(buf, n * SLOT);
}

static void same_range_twice(void)
{
	const uint64_t len = 5 * PAGE + 17;
	uint8_t *buf = map_anon(8 * PAGE);
	uint8_t *a = buf + 33;
	uint64_t pages = pages_spanned((uintptr_t)a, len), p2, p3;
	uint32_t h1 = 0, h2 = 0, h3 = 0, h4 = 0;
	struct reg g1 = { a, len, pages, 0, 0 };
	struct snap s;
	int ret1, ret2, ret;

	snap_take(node, &s);
	ret1 = udt_register(fd, a, len, USERDMA_DIR_FROM_DEVICE, &h1, NULL);
	ret2 = udt_register(fd, a, len, USERDMA_DIR_FROM_DEVICE, &h2, NULL);
	ok(ret1 == 0 && ret2 == 0 && h1 && h2 && h1 != h2,
	   "the same range registers twice with two handles (%s/%s, %u/%u)",
	   errname(ret1), errname(ret2), h1, h2);
	ok_delta(node, &s, 2, 2 * (long long)pages, 2 * (long long)len,
		 2 * (long long)pages * 4,
		 "the same range twice: pinned and charged twice");
	ret = udt_register(fd, a, len, USERDMA_DIR_TO_DEVICE, &h3, NULL);
	ok(ret == 0, "and a third time in another direction (%s)", errname(ret));
	p3 = pages;
	ret = udt_register(fd, a + 2 * PAGE, len, USERDMA_DIR_BIDIRECTIONAL,
			   &h4, NULL);
	p2 = pages_spanned((uintptr_t)a + 2 * PAGE, len);
	ok(ret == 0, "an overlapping range registers too (%s)", errname(ret));
	ok_delta(node, &s, 4, 3 * (long long)pages + (long long)p2,
		 4 * (long long)len, (3 * (long long)pages + (long long)p2) * 4,
		 "overlapping registrations are counted each on its own");

	ret = udt_unregister(fd, h1);
	ok(ret == 0, "unregister the first of the twins (%s)", errname(ret));
	g1.h = h2;
	ok(segs_ok(fd, &g1) && udt_sync(fd, h2, 0, len, USERDMA_SYNC_FOR_CPU) == 0,
	   "the twin's segments and SYNC still work");
	ok_delta(node, &s, 3, 2 * (long long)p3 + (long long)p2,
		 3 * (long long)len, (2 * (long long)p3 + (long long)p2) * 4,
		 "exactly one registration's pages were released");
	udt_unregister(fd, h2);
	udt_unregister(fd, h3);
	udt_unregister(fd, h4);
	ok_unchanged(node, &s, "twins and overlaps released: baseline");
	munmap(buf, 8 * PAGE);
}

int main(void)
{
	struct snap start;
	struct rng r;

	tap_init("many_regions");
	diag_config();
	rng_init(&r, test_seed());
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	if (info.max_regions < NREG)
		bail("max_regions %u < %d: the module limit is below this test's needs",
		     info.max_regions, NREG);
	snap_take(node, &start);

	many_on_one_file(&r);
	close_with_live_regions(&r);
	same_range_twice();

	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
