// SPDX-License-Identifier: MIT
/*
 * Data integrity of transfers on the sw engine: sizes from 1 byte to
 * 64 MiB (1, 2, 4095, 4096, 4097, 1 MiB + 3, 16 MiB and 64 MiB always, the
 * rest random) at random source and destination offsets, between regions
 * of every direction pairing the contract allows (TO_DEVICE -> FROM_DEVICE,
 * BIDIRECTIONAL -> BIDIRECTIONAL both ways, TO_DEVICE -> BIDIRECTIONAL,
 * BIDIRECTIONAL -> FROM_DEVICE), up to 64 transfers in flight from one
 * SUBMIT.  Every destination mapping (region and guard pages around it) is
 * compared byte for byte against a shadow copy: the destination ranges
 * hold the source bytes, everything else is unchanged.  Completions are
 * collected by read() or by WAIT on each cookie, alternately, and each must
 * be DONE with bytes == length, the right user_data, exactly once.
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
#include "xfer.h"

#define GUARD		(8 * KiB)
#define BATCH		64

struct reg {
	const char *name;
	uint8_t *map, *buf, *shadow;	/* shadow: the whole mapping */
	size_t maplen;
	uint64_t len;
	uint32_t dir, h;
};

static const char *node;
static int fd;
static struct rng rng;
static uint64_t big_bytes;
static double big_secs;
static unsigned long nxfers, nbatches, bad_batches;

static void reg_init(struct reg *r, const char *name, uint64_t len,
		     size_t lead, uint32_t dir)
{
	int ret;

	r->name = name;
	r->len = len;
	r->dir = dir;
	r->maplen = GUARD + lead + len + GUARD;
	r->map = map_anon(r->maplen);
	r->buf = r->map + GUARD + lead;
	pattern_fill(r->map, r->maplen, rng_next(&rng), 0);
	r->shadow = malloc(r->maplen);
	if (!r->shadow)
		bail("malloc %zu", r->maplen);
	memcpy(r->shadow, r->map, r->maplen);
	ret = udt_register(fd, r->buf, len, dir, &r->h, NULL);
	if (ret)
		bail("register %s (%" PRIu64 " bytes %s): %s", name, len,
		     dirname_udma(dir), errname(ret));
}

static void reg_fini(struct reg *r)
{
	int ret = udt_unregister(fd, r->h);

	ok(ret == 0, "unregister %s (%s)", r->name, errname(ret));
	munmap(r->map, r->maplen);
	free(r->shadow);
}

/* Log-uniform in [1, max]. */
static uint64_t rand_len(uint64_t max)
{
	unsigned int bits = 0;
	uint64_t top;

	while (bits < 63 && (1ull << (bits + 1)) <= max)
		bits++;
	top = 1ull << rng_below(&rng, bits + 1);
	return MIN(max, top + rng_below(&rng, top));
}

/* A random offset for len bytes in a region of rlen; sometimes aligned. */
static uint64_t rand_off(uint64_t rlen, uint64_t len)
{
	uint64_t room = rlen - len, off = rng_below(&rng, room + 1);

	switch (rng_below(&rng, 4)) {
	case 0:
		return off & ~(PAGE - 1);
	case 1:
		return off & ~(uint64_t)7;
	default:
		return off;
	}
}

/*
 * Run n transfers src -> dst.  lens[i] (if lens) fixes the length of a
 * transfer, else it is random.  Destination ranges do not overlap: each
 * transfer owns one of n equal slots of the destination region.
 */
static void run_batch(struct reg *src, struct reg *dst, unsigned int n,
		      const uint64_t *lens, int by_read)
{
	struct userdma_xfer xs[BATCH];
	struct userdma_completion cs[BATCH];
	unsigned char seen[BATCH];
	uint64_t slot = dst->len / n, total = 0, tag = rng_next(&rng) << 8;
	uint64_t base = dst->buf - dst->map;
	unsigned int i, got = 0, submitted = 0, errors = 0;
	char what[160];
	double t0;
	ssize_t bad;
	int ret;

	snprintf(what, sizeof(what), "batch %lu: %u x %s -> %s by %s", nbatches,
		 n, src->name, dst->name, by_read ? "read" : "WAIT");
	for (i = 0; i < n; i++) {
		uint64_t len = lens ? lens[i] : rand_len(MIN(slot, src->len));
		uint64_t doff = i * slot + rand_off(slot, len);
		uint64_t soff = rand_off(src->len, len);

		xfer_fill(&xs[i], src->h, soff, dst->h, doff, len, tag | i);
		/* fresh bytes where the device is to write, to see it did */
		pattern_fill(dst->buf + doff, len, tag, doff);
		memcpy(dst->shadow + base + doff, dst->buf + doff, len);
		total += len;
	}

	t0 = now_s();
	ret = udt_submit(fd, xs, n, &submitted);
	if (ret || submitted != n) {
		ok(0, "%s: SUBMIT -> %s, %u of %u submitted", what,
		   errname(ret), submitted, n);
		bail("cannot go on after a failed SUBMIT");
	}
	memset(seen, 0, sizeof(seen));
	while (got < n) {
		struct userdma_completion c[16];
		int k, m;

		if (by_read) {
			m = udt_read_compl(fd, c, 16);
		} else {
			m = udt_wait_retry(fd, xs[got].cookie, 120 * 1000000000ll, c);
			m = m ? m : 1;
		}
		if (m <= 0) {
			ok(0, "%s: collecting completion %u: %s", what, got,
			   errname(m));
			bail("cannot go on without completions");
		}
		for (k = 0; k < m; k++) {
			uint64_t idx = c[k].user_data - tag;

			if (idx >= n || seen[idx] || c[k].cookie != xs[idx].cookie) {
				if (errors++ < 5)
					diag("%s: stray completion cookie %llu user_data %llx",
					     what, (unsigned long long)c[k].cookie,
					     (unsigned long long)c[k].user_data);
				continue;
			}
			seen[idx] = 1;
			cs[idx] = c[k];
			got++;
		}
		if (errors)
			break;
	}
	if (n == 1 && total >= 16 * MiB) {
		big_secs += now_s() - t0;
		big_bytes += total;
	}

	for (i = 0; i < n && !errors; i++) {
		if (cs[i].status != USERDMA_XFER_DONE ||
		    cs[i].bytes != xs[i].length) {
			if (errors++ < 5)
				diag("%s: xfer %u (%" PRIu64 " bytes, src +%" PRIu64 " dst +%" PRIu64 "): %s, bytes %" PRIu64,
				     what, i, (uint64_t)xs[i].length,
				     (uint64_t)xs[i].src, (uint64_t)xs[i].dst,
				     xfer_status_name(cs[i].status),
				     (uint64_t)cs[i].bytes);
		}
		if (i && xs[i].cookie <= xs[i - 1].cookie && errors++ < 5)
			diag("%s: cookies not increasing: %llu after %llu", what,
			     (unsigned long long)xs[i].cookie,
			     (unsigned long long)xs[i - 1].cookie);
		memcpy(dst->shadow + base + xs[i].dst, src->buf + xs[i].src,
		       xs[i].length);
	}
	bad = mem_mismatch(dst->map, dst->shadow, dst->maplen);
	if (bad >= 0) {
		long long rel = (long long)bad - (long long)base;

		errors++;
		diag("%s: destination mapping differs at region offset %lld", what,
		     rel);
		for (i = 0; i < n; i++)
			if (rel >= (long long)xs[i].dst &&
			    rel < (long long)(xs[i].dst + xs[i].length))
				diag("  inside xfer %u: src +%" PRIu64 " dst +%" PRIu64 " len %" PRIu64,
				     i, (uint64_t)xs[i].src, (uint64_t)xs[i].dst,
				     (uint64_t)xs[i].length);
		diag_mismatch(dst->map, dst->shadow, dst->maplen, bad);
		/* resynchronise so one failure does not fail every batch */
		memcpy(dst->shadow, dst->map, dst->maplen);
	}
	nxfers += n;
	nbatches++;
	if (errors) {
		bad_batches++;
		ok(0, "%s: %" PRIu64 " bytes, every completion DONE and every byte right",
		   what, total);
	}
	/* a passing batch only counts: one line per batch would be noise */
}

int main(void)
{
	static const uint64_t fixed[] = {
		1, 2, 4095, 4096, 4097, 1 * MiB + 3, 16 * MiB, 64 * MiB,
	};
	struct reg s, d, b1, b2;
	struct reg *pairs[][2] = {
		{ &s, &d }, { &b1, &b2 }, { &b2, &b1 }, { &s, &b1 }, { &b2, &d },
	};
	uint64_t lens[BATCH];
	unsigned int i, j, rounds;
	char bound[32], engine[32];
	struct snap start;
	ssize_t bad;
	int ret;

	tap_init("xfer_integrity");
	diag_config();
	rng_init(&rng, test_seed());
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	snap_take(node, &start);

	ret = udt_channel(fd, "sw", -1, bound, engine);
	if (!ok(ret == 0 && !strcmp(engine, "sw"),
		"CHANNEL \"sw\" (%s, bound %s, engine %s)", errname(ret),
		ret ? "-" : bound, ret ? "-" : engine))
		bail("no sw channel");

	/* odd leads: no region starts on a page or 8-byte boundary but s */
	reg_init(&s, "S(TO_DEVICE)", 64 * MiB + 64 * KiB, 0,
		 USERDMA_DIR_TO_DEVICE);
	reg_init(&d, "D(FROM_DEVICE)", 64 * MiB + 64 * KiB + 5, 123,
		 USERDMA_DIR_FROM_DEVICE);
	reg_init(&b1, "B1(BIDIRECTIONAL)", 16 * MiB + 64 * KiB + 1, 4095,
		 USERDMA_DIR_BIDIRECTIONAL);
	reg_init(&b2, "B2(BIDIRECTIONAL)", 16 * MiB + 64 * KiB + 3, 2055,
		 USERDMA_DIR_BIDIRECTIONAL);

	/* the fixed sizes, one at a time, in every pairing they fit */
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		for (j = 0; j < ARRAY_SIZE(pairs); j++)
			if (fixed[i] <= pairs[j][0]->len &&
			    fixed[i] <= pairs[j][1]->len)
				run_batch(pairs[j][0], pairs[j][1], 1, &fixed[i],
					  (i + j) & 1);
	ok(bad_batches == 0,
	   "fixed sizes 1, 2, 4095, 4096, 4097, 1M+3, 16M, 64M in every pairing: %lu bad of %lu",
	   bad_batches, nbatches);

	/* all fixed sizes in flight at once, from S to D (they fit in 64 slots) */
	bad_batches = 0;
	for (i = 0; i < BATCH; i++)
		lens[i] = i < 6 ? fixed[i] : rand_len(MiB);
	run_batch(&s, &d, BATCH, lens, 1);
	ok(bad_batches == 0, "64 in flight: the small fixed sizes and random ones up to 1 MiB");

	rounds = (unsigned int)env_ll("XFER_INTEGRITY_ROUNDS", 12);
	for (j = 0; j < ARRAY_SIZE(pairs); j++) {
		bad_batches = 0;
		for (i = 0; i < rounds; i++)
			run_batch(pairs[j][0], pairs[j][1],
				  1 + (unsigned int)(i % 3 ? BATCH - 1 :
						     rng_below(&rng, BATCH)),
				  NULL, i & 1);
		ok(bad_batches == 0,
		   "%s -> %s: %u random batches of up to 64 in flight, random sizes and offsets: %lu bad",
		   pairs[j][0]->name, pairs[j][1]->name, rounds, bad_batches);
	}

	/* the source must never be written */
	bad = mem_mismatch(s.map, s.shadow, s.maplen);
	ok(bad < 0, "TO_DEVICE source mapping unchanged after %lu transfers",
	   nxfers);
	if (bad >= 0)
		diag_mismatch(s.map, s.shadow, s.maplen, bad);

	if (big_secs > 0)
		diag("sw engine throughput (16 and 64 MiB transfers, submit to completion): %.0f MiB/s",
		     (double)big_bytes / MiB / big_secs);
	diag("%lu transfers in %lu batches", nxfers, nbatches);

	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "nothing left outstanding: WAIT any -> ENOENT (%s)",
	   errname(ret));
	reg_fini(&s);
	reg_fini(&d);
	reg_fini(&b1);
	reg_fini(&b2);
	ok_no_spurious_enoent();
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
