// SPDX-License-Identifier: MIT
/* Planning for `userdma selftest`: see selftest.h. */
#include <errno.h>

#include "edu.h"
#include "selftest.h"

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t st_rand(struct st_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return splitmix64(r->s);
}

uint64_t st_below(struct st_rng *r, uint64_t n)
{
	return n ? st_rand(r) % n : 0;
}

uint8_t st_pattern(uint64_t seed, uint64_t off)
{
	return splitmix64(seed ^ (off >> 3) * 0x2545f4914f6cdd1dULL) >>
	       (off & 7) * 8;
}

void st_fill(uint8_t *buf, uint64_t len, uint64_t seed)
{
	uint64_t i, word = 0;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			word = splitmix64(seed ^ (i >> 3) * 0x2545f4914f6cdd1dULL);
		buf[i] = word >> (i & 7) * 8;
	}
}

int st_split(const struct userdma_segment *segs, uint32_t nsegs,
	     uint64_t off, uint32_t len, struct st_piece *out, int max)
{
	uint64_t start = 0, end = off + len, done = 0;
	uint32_t i;
	int n = 0;

	for (i = 0; i < nsegs && start < end; start += segs[i].length, i++) {
		uint64_t from = off > start ? off : start;
		uint64_t to = start + segs[i].length;

		if (to > end)
			to = end;
		if (from >= to)
			continue;
		if (n == max)
			return -ERANGE;
		out[n].dma = segs[i].dma_addr + (from - start);
		out[n].len = to - from;
		out[n].seg = i;
		out[n].at = from - off;
		done += to - from;
		n++;
	}
	return done == len ? n : -ERANGE;
}

#define PLAN_MAX_PIECES	64

/* Append a chunk if its commands fit the budget; 1 if it did. */
static int plan_add(struct st_plan *p, const struct userdma_segment *segs,
		    uint32_t nsegs, uint64_t off, uint32_t len,
		    unsigned int budget, unsigned int cost_extra,
		    struct st_rng *rng, const char *why)
{
	struct st_piece pieces[PLAN_MAX_PIECES];
	struct st_chunk *c;
	int n;

	if (p->n == p->max)
		return 0;
	n = st_split(segs, nsegs, off, len, pieces, PLAN_MAX_PIECES);
	if (n <= 0 || p->cmds + n + cost_extra > budget)
		return 0;
	c = &p->chunks[p->n++];
	c->off = off;
	c->len = len;
	c->dev = st_below(rng, EDU_MAX_XFER - len + 1);
	c->pieces = n;
	c->why = why;
	p->cmds += n + cost_extra;
	return 1;
}

static uint32_t rand_len(struct st_rng *rng, uint64_t len, uint32_t max_len)
{
	return 1 + st_below(rng, len < max_len ? len : max_len);
}

/* A chunk holding the bytes on both sides of boundary b (0 < b < len). */
static void plan_straddle(struct st_plan *p,
			  const struct userdma_segment *segs, uint32_t nsegs,
			  uint64_t len, uint32_t max_len, uint64_t b,
			  unsigned int budget, unsigned int cost_extra,
			  struct st_rng *rng)
{
	uint32_t l = 1 + rand_len(rng, len - 1, max_len - 1);
	uint64_t lo = b + 1 > l ? b + 1 - l : 0;
	uint64_t hi = b - 1 < len - l ? b - 1 : len - l;

	p->straddled += plan_add(p, segs, nsegs, lo + st_below(rng, hi - lo + 1),
				 l, budget, cost_extra, rng,
				 "across a segment boundary");
}

void st_plan_chunks(struct st_plan *p, const struct userdma_segment *segs,
		    uint32_t nsegs, uint64_t len, uint32_t max_len,
		    unsigned int budget, unsigned int cost_extra,
		    unsigned int nrandom, struct st_rng *rng)
{
	unsigned int reserve = nrandom * (1 + cost_extra), room, want;
	uint64_t b = 0, step, next;
	uint32_t l, i, k;

	p->n = 0;
	p->cmds = 0;
	p->boundaries = nsegs ? nsegs - 1 : 0;
	p->straddled = 0;

	l = rand_len(rng, len, max_len);
	plan_add(p, segs, nsegs, 0, l, budget, cost_extra, rng, "first bytes");
	l = rand_len(rng, len, max_len);
	plan_add(p, segs, nsegs, len - l, l, budget, cost_extra, rng,
		 "last bytes");

	/* a straddle costs at least two commands, plus the other side's */
	room = budget > p->cmds + reserve ? budget - p->cmds - reserve : 0;
	want = room / (2 + cost_extra);
	if (want > p->boundaries)
		want = p->boundaries;
	if (want) {
		/* boundary k of bucket i: one per bucket, the buckets even */
		step = p->boundaries / want;
		next = st_below(rng, step);
		for (i = 0, k = 0; i < nsegs - 1 && k < want; i++) {
			b += segs[i].length;
			if (i != next)
				continue;
			plan_straddle(p, segs, nsegs, len, max_len, b, budget,
				      cost_extra, rng);
			k++;
			next = k * step + st_below(rng, step);
		}
	}

	for (i = 0; i < nrandom; i++) {
		l = rand_len(rng, len, max_len);
		plan_add(p, segs, nsegs, st_below(rng, len - l + 1), l, budget,
			 cost_extra, rng, "random");
	}
}
