// SPDX-License-Identifier: MIT
/*
 * Why SYNC exists, proved with the device.  With bounce buffers (config
 * swiotlb) the device works on a copy:
 *  - it writes a FROM_DEVICE region; before SYNC_FOR_CPU the CPU still
 *    sees the old bytes, after it the new ones;
 *  - the CPU writes a BIDIRECTIONAL region after registering; before
 *    SYNC_FOR_DEVICE the device still reads the old bytes, after it the
 *    new ones;
 *  - partial syncs move exactly the requested bytes, also across a
 *    segment boundary and for a single byte, in both directions;
 *  - UNREGISTER syncs for the CPU what the device owns (handed over with
 *    SYNC_FOR_DEVICE and not taken back: what it wrote there is not lost),
 *    and nothing else: a range the CPU owns keeps the CPU's bytes, even
 *    if the device wrote it without being handed it (bounce only).
 * In the other configurations the data must be right after each sync;
 * whether it was already visible before is reported, not asserted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "edutest.h"

static struct dma_ctx c;
static int bounce;
static uint64_t seed;

static void load_b(uint64_t s)
{
	uint8_t b[EDU_BUF_SIZE];
	int ret;

	pattern_fill(b, EDU_MAX_XFER, s, 0);
	ret = dev_load(&c, b, 0, EDU_MAX_XFER);
	if (ret)
		bail("loading the device buffer: %s", errname(ret));
}

static void must(int ret, const char *what)
{
	if (ret)
		bail("%s: %s", what, errname(ret));
}

/* Device writes a FROM_DEVICE region: stale until SYNC_FOR_CPU. */
static void stale_for_cpu(void)
{
	const uint64_t sa = seed + 1, sb = seed + 2, sc = seed + 3;
	const uint64_t x = 1000, l = 3000, z = 5000, lz = 2500;
	uint8_t exp[EDU_BUF_SIZE];
	struct region r;
	int ret;

	region_map(&r, 8 * KiB, 100, PAGE, PAGE);
	pattern_fill(r.map, r.maplen, sa, 0);
	must(region_register(&c, &r, USERDMA_DIR_FROM_DEVICE), "register");
	if (!ok_region_segs(&c, &r, "8 KiB FROM_DEVICE"))
		goto out;
	load_b(sb);
	must(dev_to_region(&c, &r, x, 0, l), "device write");

	if (bounce) {
		ok(pattern_mismatch(r.buf + x, l, sa, r.lead + x) < 0,
		   "bounce: before SYNC_FOR_CPU the CPU still sees the old bytes");
	} else {
		diag("no bounce: before SYNC_FOR_CPU the device's bytes are %s visible",
		     pattern_mismatch(r.buf + x, l, sb, 0) < 0 ? "already" :
								 "not yet");
	}
	ret = userdma_sync_for_cpu(c.u, r.h, x, l);
	ok(ret == 0, "SYNC_FOR_CPU of the written range (%s)", errname(ret));
	pattern_fill(exp, l, sb, 0);
	ok_mem(r.buf + x, exp, l, "after SYNC_FOR_CPU the CPU sees the device's bytes");
	ok(pattern_mismatch(r.map, r.lead + x, sa, 0) < 0 &&
		   pattern_mismatch(r.buf + x + l, r.maplen - r.lead - x - l, sa,
				    r.lead + x + l) < 0,
	   "and nothing outside the written range changed");

	/*
	 * Handed to the device with SYNC_FOR_DEVICE and written by it, never
	 * taken back: UNREGISTER copies the device's bytes back.
	 */
	ret = userdma_sync_for_device(c.u, r.h, z, lz);
	ok(ret == 0, "SYNC_FOR_DEVICE hands [%" PRIu64 ", +%" PRIu64 ") to the device (%s)",
	   z, lz, errname(ret));
	load_b(sc);
	must(dev_to_region(&c, &r, z, 0, lz), "device write");
	ret = region_unregister(&c, &r);
	ok(ret == 0, "unregister without syncing for the CPU (%s)", errname(ret));
	pattern_fill(exp, lz, sc, 0);
	ok_mem(r.buf + z, exp, lz,
	       "UNREGISTER synced what the device owned for the CPU: the unsynced device write is visible");
out:
	region_unregister(&c, &r);
	region_unmap(&r);
}

/*
 * The device writes a range it was never handed (a program that skipped
 * SYNC_FOR_DEVICE): with bounce buffers the write stays in the bounce
 * slot, and UNREGISTER does not copy it over the CPU's bytes.
 */
static void not_handed_over(void)
{
	const uint64_t sa = seed + 4, sb = seed + 5;
	const uint64_t x = 700, l = 2000;
	struct region r;
	int ret;

	region_map(&r, 8 * KiB, 300, PAGE, PAGE);
	pattern_fill(r.map, r.maplen, sa, 0);
	must(region_register(&c, &r, USERDMA_DIR_BIDIRECTIONAL), "register");
	load_b(sb);
	must(dev_to_region(&c, &r, x, 0, l), "device write");
	ret = region_unregister(&c, &r);
	ok(ret == 0, "a range never handed to the device, written by it: unregister (%s)",
	   errname(ret));
	if (bounce)
		ok(pattern_mismatch(r.map, r.maplen, sa, 0) < 0,
		   "bounce: UNREGISTER copied nothing back over the CPU's bytes");
	else
		diag("no bounce: the device wrote the memory itself (%s)",
		     pattern_mismatch(r.buf + x, l, sb, 0) < 0 ? "its bytes are there" :
								 "its bytes are not there");
	region_unmap(&r);
}

/* CPU writes a BIDIRECTIONAL region: the device reads stale data until synced. */
static void stale_for_device(void)
{
	const uint64_t sa = seed + 11, sn = seed + 12;
	const uint64_t y = 3000, l = 2000;
	uint8_t got[EDU_BUF_SIZE], old[EDU_BUF_SIZE];
	struct region r;
	int ret;

	region_map(&r, 12 * KiB, 7, PAGE, PAGE);
	pattern_fill(r.map, r.maplen, sa, 0);
	must(region_register(&c, &r, USERDMA_DIR_BIDIRECTIONAL), "register");
	if (!ok_region_segs(&c, &r, "12 KiB BIDIRECTIONAL"))
		goto out;
	pattern_fill(r.buf + y, l, sn, 0);	/* after registering */
	pattern_fill(old, l, sa, r.lead + y);

	must(region_to_dev(&c, &r, y, 0, (uint32_t)l), "device read");
	must(dev_read(&c, got, 0, (uint32_t)l), "read back");
	if (bounce) {
		ok_mem(got, old, l,
		       "bounce: before SYNC_FOR_DEVICE the device reads the old bytes");
	} else {
		diag("no bounce: before SYNC_FOR_DEVICE the device reads the %s bytes",
		     mem_mismatch(got, r.buf + y, l) < 0 ? "new" : "old");
	}
	ret = userdma_sync_for_device(c.u, r.h, y, l);
	ok(ret == 0, "SYNC_FOR_DEVICE of the written range (%s)", errname(ret));
	must(region_to_dev(&c, &r, y, 0, (uint32_t)l), "device read");
	must(dev_read(&c, got, 0, (uint32_t)l), "read back");
	ok_mem(got, r.buf + y, l, "after SYNC_FOR_DEVICE the device reads the CPU's bytes");
out:
	region_unregister(&c, &r);
	region_unmap(&r);
}

/*
 * Partial SYNC_FOR_CPU: the device writes [b - 1000, b + 1000) around a
 * segment boundary b; syncing [b - 300, b + 200), then one byte, must
 * update exactly those bytes (with bounce buffers; without, all of the
 * written range is visible anyway).
 */
static void partial_for_cpu(void)
{
	const uint64_t sa = seed + 21, sb = seed + 22;
	uint8_t pat_b[EDU_BUF_SIZE], *exp;
	struct region r;
	uint64_t b;
	int ret;

	region_map(&r, 512 * KiB + PAGE, 100, PAGE, PAGE);
	pattern_fill(r.map, r.maplen, sa, 0);
	exp = malloc(r.maplen);
	if (!exp)
		bail("out of memory");
	memcpy(exp, r.map, r.maplen);
	must(region_register(&c, &r, USERDMA_DIR_FROM_DEVICE), "register");
	if (!ok_region_segs(&c, &r, "516 KiB FROM_DEVICE"))
		goto out;
	if (r.nsegs >= 2) {
		b = r.segs[0].length;
		diag("partial sync across the boundary of segments 0 and 1 at offset %" PRIu64,
		     b);
	} else {
		b = 256 * KiB - 100;	/* a page boundary in the middle */
		diag("one segment: partial sync around offset %" PRIu64, b);
	}
	pattern_fill(pat_b, EDU_MAX_XFER, sb, 0);
	must(dev_load(&c, pat_b, 0, EDU_MAX_XFER), "load");
	must(dev_to_region(&c, &r, b - 1000, 0, 2000), "device write");

	ret = userdma_sync_for_cpu(c.u, r.h, b - 300, 500);
	ok(ret == 0, "SYNC_FOR_CPU of 500 of the 2000 written bytes (%s)",
	   errname(ret));
	if (bounce)
		memcpy(exp + r.lead + b - 300, pat_b + 700, 500);
	else
		memcpy(exp + r.lead + b - 1000, pat_b, 2000);
	ok_mem(r.map, exp, r.maplen,
	       bounce ? "bounce: exactly the 500 synced bytes changed, across the boundary"
		      : "no bounce: the whole written range is visible");

	ret = userdma_sync_for_cpu(c.u, r.h, b + 500, 1);
	ok(ret == 0, "SYNC_FOR_CPU of a single byte (%s)", errname(ret));
	exp[r.lead + b + 500] = pat_b[1500];
	ok_mem(r.map, exp, r.maplen, "exactly that byte changed as well");

	ret = userdma_sync_for_cpu(c.u, r.h, 0, r.len);
	ok(ret == 0, "SYNC_FOR_CPU of the whole region (%s)", errname(ret));
	memcpy(exp + r.lead + b - 1000, pat_b, 2000);
	ok_mem(r.map, exp, r.maplen,
	       "after the full sync all 2000 bytes are the device's, nothing else changed");
out:
	region_unregister(&c, &r);
	free(exp);
	region_unmap(&r);
}

/* Partial SYNC_FOR_DEVICE: only the synced bytes reach the device. */
static void partial_for_device(void)
{
	const uint64_t sa = seed + 31, sn = seed + 32;
	const uint64_t c0 = 3500, l = 3000;
	uint8_t got[EDU_BUF_SIZE], exp[EDU_BUF_SIZE];
	struct region r;
	int ret;

	region_map(&r, 16 * KiB, 7, PAGE, PAGE);
	pattern_fill(r.map, r.maplen, sa, 0);
	must(region_register(&c, &r, USERDMA_DIR_BIDIRECTIONAL), "register");
	if (!ok_region_segs(&c, &r, "16 KiB BIDIRECTIONAL"))
		goto out;
	pattern_fill(r.buf + c0, l, sn, 0);
	ret = userdma_sync_for_device(c.u, r.h, c0 + 1000, 500);
	ok(ret == 0, "SYNC_FOR_DEVICE of 500 of the 3000 bytes the CPU wrote (%s)",
	   errname(ret));
	must(region_to_dev(&c, &r, c0, 0, (uint32_t)l), "device read");
	must(dev_read(&c, got, 0, (uint32_t)l), "read back");
	if (bounce) {
		pattern_fill(exp, l, sa, r.lead + c0);
		memcpy(exp + 1000, r.buf + c0 + 1000, 500);
	} else {
		memcpy(exp, r.buf + c0, l);
	}
	ok_mem(got, exp, l,
	       bounce ? "bounce: the device sees exactly the 500 synced bytes new"
		      : "no bounce: the device sees all 3000 new bytes");
	ret = userdma_sync_for_device(c.u, r.h, 0, r.len);
	ok(ret == 0, "SYNC_FOR_DEVICE of the whole region (%s)", errname(ret));
	must(region_to_dev(&c, &r, c0, 0, (uint32_t)l), "device read");
	must(dev_read(&c, got, 0, (uint32_t)l), "read back");
	ok_mem(got, r.buf + c0, l, "after the full sync the device sees all 3000 new bytes");
out:
	region_unregister(&c, &r);
	region_unmap(&r);
}

int main(void)
{
	tap_init("sync_required");
	diag_config();
	seed = test_seed();
	dma_ctx_open(&c, edu64_bdf());
	bounce = !!(c.info.flags & USERDMA_INFO_BOUNCE);
	ok(bounce == (udt_config() == CFG_SWIOTLB),
	   "BOUNCE flag (%d) matches config %s", bounce, udt_config_name());
	diag(bounce ? "bounce buffers: staleness before sync is asserted"
		    : "no bounce buffers: data is checked after each sync; staleness only reported");

	stale_for_cpu();
	not_handed_over();
	stale_for_device();
	partial_for_cpu();
	partial_for_device();

	dma_ctx_close(&c);
	return done_testing();
}
