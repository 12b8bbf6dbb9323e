/* SPDX-License-Identifier: MIT */
/*
 * Planning for `userdma selftest`: which bytes of a registration to move
 * with the edu engine, and how a range of a registration splits into the
 * per-segment pieces the engine needs (one command moves bytes to or from
 * one contiguous run of DMA addresses).  Pure functions, no I/O.
 */
#ifndef USERDMA_TOOLS_SELFTEST_H
#define USERDMA_TOOLS_SELFTEST_H

#include <stddef.h>
#include <stdint.h>
#include <linux/userdma.h>

/* A seeded generator, so that a failing run can be repeated (--seed). */
struct st_rng {
	uint64_t s;
};

uint64_t st_rand(struct st_rng *r);
/* Uniform enough in [0, n); 0 when n is 0. */
uint64_t st_below(struct st_rng *r, uint64_t n);

/* Byte at absolute offset off of pattern seed: never periodic. */
uint8_t st_pattern(uint64_t seed, uint64_t off);
void st_fill(uint8_t *buf, uint64_t len, uint64_t seed);

/* Part of a range that lies in one segment. */
struct st_piece {
	uint64_t dma;
	uint32_t len;
	uint32_t seg;		/* index in the segment list */
	uint32_t at;		/* offset of the piece within the range */
};

/*
 * Split bytes [off, off + len) of a registration into per-segment pieces.
 * Returns how many (at most max), or -ERANGE when the segments do not
 * cover the range or more than max pieces would be needed.
 */
int st_split(const struct userdma_segment *segs, uint32_t nsegs,
	     uint64_t off, uint32_t len, struct st_piece *out, int max);

/* One transfer of the test: bytes [off, off + len) <-> device [dev, +len). */
struct st_chunk {
	uint64_t off;
	uint32_t len;
	uint32_t dev;
	int pieces;		/* commands on the registration's side */
	const char *why;
};

struct st_plan {
	struct st_chunk *chunks;
	size_t n, max;
	unsigned int cmds;	/* pieces over all chunks */
	uint32_t boundaries;	/* segment boundaries in the registration */
	uint32_t straddled;	/* of which a chunk crosses */
};

/*
 * Chunks worth moving in a registration of len bytes: its first and last
 * bytes, one across every segment boundary (an evenly spread subset when
 * there are too many), and nrandom at random offsets, within budget
 * commands on the registration's side, each costing cost_extra more
 * commands on the other side.  Chunks are at most max_len bytes and leave
 * dev + len < EDU_BUF_SIZE.
 */
void st_plan_chunks(struct st_plan *p, const struct userdma_segment *segs,
		    uint32_t nsegs, uint64_t len, uint32_t max_len,
		    unsigned int budget, unsigned int cost_extra,
		    unsigned int nrandom, struct st_rng *rng);

#endif /* USERDMA_TOOLS_SELFTEST_H */
