// SPDX-License-Identifier: MIT
/*
 * Host-side unit tests of the selftest's planning (tools/selftest_plan.c):
 * a chunk must never lead to a device command QEMU would refuse (that
 * kills the guest), and straddles must straddle.  Prints one line per
 * failure and "N passed, N failed".
 */
#include <string.h>

#include "check.h"
#include "edu.h"
#include "selftest.h"

static void test_split(void)
{
	const struct userdma_segment segs[] = {
		{ 0x10000 + 123, 4096 - 123 }, { 0x50000, 4096 }, { 0x90000, 123 },
	};
	struct st_piece p[4];
	int n;

	n = st_split(segs, 3, 0, 10, p, 4);
	check(n == 1 && p[0].dma == 0x10000 + 123 && p[0].len == 10 &&
	      p[0].seg == 0 && p[0].at == 0, "first bytes: one piece");
	n = st_split(segs, 3, 4096 - 123 - 5, 10, p, 4);
	check(n == 2 && p[0].len == 5 && p[1].dma == 0x50000 &&
	      p[1].len == 5 && p[1].seg == 1 && p[1].at == 5,
	      "straddle: two pieces");
	n = st_split(segs, 3, 4096 - 123 - 1, 4096 + 2, p, 4);
	check(n == 3 && p[0].len == 1 && p[1].len == 4096 && p[2].len == 1 &&
	      p[2].dma == 0x90000 && p[2].at == 4097, "three segments");
	n = st_split(segs, 3, 8192 - 1, 1, p, 4);
	check(n == 1 && p[0].dma == 0x90000 + 122, "last byte");
	check(st_split(segs, 3, 8192 - 1, 2, p, 4) < 0, "past the end");
	check(st_split(segs, 3, 4096 - 123 - 1, 4096 + 2, p, 2) < 0,
	      "more pieces than room");
}

/* Segment lists of random lengths, like a no-IOMMU mapping. */
static uint32_t make_segs(struct userdma_segment *segs, uint32_t max,
			  uint64_t len, struct st_rng *r)
{
	uint64_t left = len, l;
	uint32_t n = 0;

	while (left && n < max) {
		l = n + 1 == max ? left : 1 + st_below(r, left < 9000 ? left : 9000);
		segs[n].dma_addr = 0x100000 * (n + 1) + st_below(r, 4096);
		segs[n].length = l;
		left -= l;
		n++;
	}
	return n;
}

static int crosses(const struct userdma_segment *segs, uint32_t n,
		   const struct st_chunk *c)
{
	uint64_t b = 0;
	uint32_t i;

	for (i = 0; i + 1 < n; i++) {
		b += segs[i].length;
		if (c->off < b && c->off + c->len > b)
			return 1;
	}
	return 0;
}

static void test_plans(void)
{
	static struct userdma_segment segs[4096];
	struct st_chunk chunks[64];
	struct st_plan p = { .chunks = chunks, .max = 64 };
	struct st_piece pieces[64];
	struct st_rng r = { 42 };
	int round, bad;

	for (round = 0; round < 2000; round++) {
		uint64_t len = 1 + st_below(&r, round % 3 ? 70000 : 3);
		uint32_t n = make_segs(segs, 1 + st_below(&r, 64), len, &r);
		unsigned int budget = 1 + st_below(&r, 40), extra = round & 1;
		size_t i;

		st_plan_chunks(&p, segs, n, len, 1024, budget, extra, 3, &r);
		bad = p.cmds > budget || p.straddled > p.boundaries ||
		      p.boundaries != n - 1;
		for (i = 0; i < p.n; i++) {
			const struct st_chunk *c = &chunks[i];

			bad |= !c->len || c->len > 1024 || c->off + c->len > len;
			bad |= c->dev + c->len >= EDU_BUF_SIZE;
			bad |= st_split(segs, n, c->off, c->len, pieces, 64) !=
			       c->pieces;
			if (!strcmp(c->why, "across a segment boundary"))
				bad |= !crosses(segs, n, c);
		}
		if (p.n && budget >= 2 + 2 * extra)
			bad |= chunks[0].off != 0;
		check(!bad, "round %d: plan of %zu chunks over %u segments is wrong",
		      round, p.n, n);
	}
}

static void test_all_boundaries(void)
{
	static struct userdma_segment segs[17];
	struct st_chunk chunks[64];
	struct st_plan p = { .chunks = chunks, .max = 64 };
	struct st_rng r = { 7 };
	uint32_t i;

	/* 64 KiB at page offset 123 without an IOMMU: 17 page segments */
	for (i = 0; i < 17; i++) {
		segs[i].dma_addr = 0x200000 + 0x3000 * i + (i ? 0 : 123);
		segs[i].length = i == 0 ? 4096 - 123 : i == 16 ? 123 : 4096;
	}
	st_plan_chunks(&p, segs, 17, 65536, 1024, 60, 0, 3, &r);
	check(p.straddled == 16, "all 16 boundaries straddled (got %u)",
	      p.straddled);
	st_plan_chunks(&p, segs, 17, 65536, 1024, 21, 0, 3, &r);
	check(p.straddled >= 6 && p.cmds <= 21,
	      "a spread subset within budget (%u straddles, %u commands)",
	      p.straddled, p.cmds);
	check(chunks[1].off + chunks[1].len == 65536, "last bytes planned");
}

static void test_pattern(void)
{
	uint8_t a[4096], b[4096];
	uint64_t i;
	int same = 0;

	st_fill(a, sizeof(a), 1);
	st_fill(b, sizeof(b), 2);
	for (i = 0; i < sizeof(a); i++) {
		check(a[i] == st_pattern(1, i), "fill matches pattern at %lu",
		      (unsigned long)i);
		same += a[i] == b[i];
	}
	check(same < 64, "two seeds differ (%d bytes equal)", same);
	check(memcmp(a, a + 8, 64), "no 8-byte period");
}

int main(void)
{
	test_split();
	test_plans();
	test_all_boundaries();
	test_pattern();
	return check_report();
}
