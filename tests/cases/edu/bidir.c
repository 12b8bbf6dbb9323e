// SPDX-License-Identifier: MIT
/*
 * One BIDIRECTIONAL region, read and written by both sides in turn: the
 * device copies ranges of the region to other ranges of the same region
 * (reading and writing through the same mapping), writes fresh data into
 * it, the CPU rewrites ranges, and the device reads ranges back for
 * checking.  Each side syncs exactly the range it touched, so CPU and
 * device views stay equal; a shadow copy predicts every byte.  At the end
 * every byte of the mapping (guards included) is compared, before and
 * after UNREGISTER.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "edutest.h"

#define OPS 28

static struct dma_ctx c;

static void run(const char *name, uint64_t len, size_t lead, struct rng *rng)
{
	uint64_t seed = rng_next(rng);
	unsigned long cmds0 = c.cmds;
	size_t bad_reads = 0, op, counts[4] = { 0 };
	uint8_t buf[EDU_BUF_SIZE], got[EDU_BUF_SIZE], *shadow;
	struct region r;
	int ret;

	region_map(&r, len, lead, PAGE + 77, PAGE);
	pattern_fill(r.map, r.maplen, seed, 0);
	shadow = malloc(r.maplen);
	if (!shadow)
		bail("out of memory");
	memcpy(shadow, r.map, r.maplen);
	ret = region_register(&c, &r, USERDMA_DIR_BIDIRECTIONAL);
	if (!ok(ret == 0, "%s: register BIDIRECTIONAL (%s)", name, errname(ret)))
		goto out;
	if (!ok_region_segs(&c, &r, name))
		goto out;

	for (op = 0; op < OPS; op++) {
		uint32_t l = 1 + (uint32_t)rng_below(rng, MIN(len, (uint64_t)2000));
		uint64_t s = rng_below(rng, len - l + 1);
		uint64_t t = rng_below(rng, len - l + 1);
		uint32_t d = (uint32_t)rng_below(rng, EDU_MAX_XFER - l + 1);
		int kind = (int)rng_below(rng, 4);

		/* make sure every kind happens at least once */
		if (op < 4)
			kind = (int)op;
		counts[kind]++;
		switch (kind) {
		case 0:	/* device: region[s..] -> region[t..] */
			ret = region_to_dev(&c, &r, s, d, l);
			if (!ret)
				ret = dev_to_region(&c, &r, t, d, l);
			if (!ret)
				ret = userdma_sync_for_cpu(c.u, r.h, t, l);
			memmove(shadow + r.lead + t, shadow + r.lead + s, l);
			break;
		case 1:	/* device writes fresh data */
			pattern_fill(buf, l, seed + 1000 + op, 0);
			ret = dev_load(&c, buf, d, l);
			if (!ret)
				ret = dev_to_region(&c, &r, t, d, l);
			if (!ret)
				ret = userdma_sync_for_cpu(c.u, r.h, t, l);
			memcpy(shadow + r.lead + t, buf, l);
			break;
		case 2:	/* CPU writes, syncs for the device */
			pattern_fill(r.buf + t, l, seed + 2000 + op, 0);
			memcpy(shadow + r.lead + t, r.buf + t, l);
			ret = userdma_sync_for_device(c.u, r.h, t, l);
			break;
		default: /* device reads back for checking */
			ret = region_to_dev(&c, &r, s, d, l);
			if (!ret)
				ret = dev_read(&c, got, d, l);
			if (!ret && mem_mismatch(got, shadow + r.lead + s, l) >= 0) {
				if (!bad_reads++) {
					diag("%s: op %zu: device read of [%" PRIu64 ", +%u) differs",
					     name, op, s, l);
					diag_mismatch(got, shadow + r.lead + s, l,
						      mem_mismatch(got, shadow + r.lead + s, l));
				}
			}
		}
		if (ret)
			bail("%s: op %zu (kind %d): %s", name, op, kind,
			     errname(ret));
	}
	diag("%s: %zu device copies, %zu device writes, %zu CPU writes, %zu device reads; %lu commands",
	     name, counts[0], counts[1], counts[2], counts[3], c.cmds - cmds0);
	ok(bad_reads == 0, "%s: every device read saw the latest bytes of both sides",
	   name);
	ret = userdma_sync_for_cpu(c.u, r.h, 0, r.len);
	ok(ret == 0, "%s: SYNC_FOR_CPU of the whole region (%s)", name,
	   errname(ret));
	ok_mem(r.map, shadow, r.maplen,
	       "%s: every byte of the mapping is what the shadow predicts", name);
	ret = region_unregister(&c, &r);
	ok(ret == 0, "%s: unregister (%s)", name, errname(ret));
	ok_mem(r.map, shadow, r.maplen, "%s: still so after unregister", name);
out:
	region_unregister(&c, &r);
	free(shadow);
	region_unmap(&r);
}

int main(void)
{
	struct rng rng;

	tap_init("bidir");
	diag_config();
	rng_init(&rng, test_seed());
	dma_ctx_open(&c, edu64_bdf());
	run("256 KiB+77 at offset 333", 256 * KiB + 77, 333, &rng);
	run("3 MiB+1 at offset 4095", 3 * MiB + 1, 4095, &rng);
	run("5000 bytes at offset 3000", 5000, 3000, &rng);
	dma_ctx_close(&c);
	return done_testing();
}
