// SPDX-License-Identifier: MIT
/*
 * The edu device's DMA engine on driver-allocated buffers:
 *  - a cached buffer is a streaming mapping: with bounce buffers (config
 *    swiotlb) the CPU does not see what the device wrote until
 *    SYNC_FOR_CPU, and the device does not see what the CPU wrote until
 *    SYNC_FOR_DEVICE; everywhere the data is right after the sync;
 *  - a coherent buffer needs no sync in any configuration;
 *  - a contiguous 4 MiB buffer is written at its first and last bytes
 *    through its segments;
 *  - the 28-bit device gets coherent memory below its mask everywhere,
 *    and cached memory only behind an IOMMU (EIO without one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "edutest.h"

static uint64_t seed;

static void must(int ret, const char *what)
{
	if (ret)
		bail("%s: %s", what, errname(ret));
}

/* Allocate, map and describe a buffer as a struct region; -errno. */
static int buffer_open(struct dma_ctx *c, struct region *r, uint64_t len,
		       uint32_t flags)
{
	struct userdma_alloc a;
	int ret, err, n;

	memset(r, 0, sizeof(*r));
	ret = udt_alloc(c->fd, len, flags, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (ret)
		return ret;
	r->map = udt_mmap(c->fd, a.mmap_offset, a.length,
			  PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	if (!r->map) {
		udt_unregister(c->fd, a.handle);
		return err;
	}
	r->maplen = a.length;
	r->buf = r->map;
	r->len = a.length;
	r->dir = USERDMA_DIR_BIDIRECTIONAL;
	r->h = a.handle;
	n = udt_segments_all(c->fd, a.handle, &r->segs);
	if (n < 0)
		bail("SEGMENTS of an allocated buffer: %s", errname(n));
	r->nsegs = (uint32_t)n;
	r->registered = 1;
	return 0;
}

static void buffer_close(struct dma_ctx *c, struct region *r)
{
	munmap(r->map, r->maplen);
	udt_unregister(c->fd, r->h);
	free(r->segs);
}

static void load(struct dma_ctx *c, uint64_t s)
{
	uint8_t b[EDU_BUF_SIZE];

	pattern_fill(b, EDU_MAX_XFER, s, 0);
	must(dev_load(c, b, 0, EDU_MAX_XFER), "loading the device buffer");
}

static void cached_sync(struct dma_ctx *c)
{
	const uint64_t sa = seed + 1, sb = seed + 2, sc = seed + 3;
	int bounce = udt_config() == CFG_SWIOTLB;
	uint8_t got[EDU_BUF_SIZE], want[EDU_BUF_SIZE];
	struct region r;
	ssize_t stale;
	int ret;

	ret = buffer_open(c, &r, 16 * KiB, 0);
	if (!ok(ret == 0, "cached 16 KiB buffer (%s)", errname(ret)))
		return;
	pattern_fill(r.buf, r.len, sa, 0);
	must(udt_sync(c->fd, r.h, 0, r.len, USERDMA_SYNC_FOR_DEVICE), "sync");

	/* device -> buffer across the page boundary at 8 KiB */
	load(c, sb);
	must(dev_to_region(c, &r, 8 * KiB - 1000, 0, 3000), "device write");
	stale = pattern_mismatch(r.buf + 8 * KiB - 1000, 3000, sb, 0);
	if (bounce)
		ok(stale >= 0 && pattern_mismatch(r.buf, r.len, sa, 0) < 0,
		   "swiotlb: before SYNC_FOR_CPU the CPU still sees the old bytes");
	else
		diag("before SYNC_FOR_CPU the device's bytes were %svisible",
		     stale >= 0 ? "not " : "");
	must(udt_sync(c->fd, r.h, 8 * KiB - 1000, 3000, USERDMA_SYNC_FOR_CPU),
	     "sync for cpu");
	ok(pattern_mismatch(r.buf + 8 * KiB - 1000, 3000, sb, 0) < 0 &&
	   pattern_mismatch(r.buf, 8 * KiB - 1000, sa, 0) < 0 &&
	   pattern_mismatch(r.buf + 8 * KiB + 2000, 8 * KiB - 2000, sa,
			    8 * KiB + 2000) < 0,
	   "after SYNC_FOR_CPU: the 3000 bytes the device wrote, the rest untouched");

	/* CPU -> device */
	pattern_fill(r.buf + 100, 2000, sc, 0);
	must(region_to_dev(c, &r, 100, 0, 2000), "device read");
	must(dev_read(c, got, 0, 2000), "reading the device buffer");
	pattern_fill(want, 2000, sc, 0);
	if (bounce)
		ok(mem_mismatch(got, want, 2000) >= 0,
		   "swiotlb: before SYNC_FOR_DEVICE the device reads the old bytes");
	must(udt_sync(c->fd, r.h, 100, 2000, USERDMA_SYNC_FOR_DEVICE),
	     "sync for device");
	must(region_to_dev(c, &r, 100, 0, 2000), "device read");
	must(dev_read(c, got, 0, 2000), "reading the device buffer");
	ok_mem(got, want, 2000, "after SYNC_FOR_DEVICE the device reads the CPU's bytes");
	buffer_close(c, &r);
}

static void coherent_nosync(struct dma_ctx *c)
{
	const uint64_t sb = seed + 4, sc = seed + 5;
	uint8_t got[EDU_BUF_SIZE], want[EDU_BUF_SIZE];
	struct region r;
	int ret;

	ret = buffer_open(c, &r, 16 * KiB, USERDMA_ALLOC_COHERENT);
	if (!ok(ret == 0, "coherent 16 KiB buffer (%s)", errname(ret)))
		return;
	load(c, sb);
	must(dev_to_region(c, &r, 4 * KiB - 7, 0, 4000), "device write");
	ok(pattern_mismatch(r.buf + 4 * KiB - 7, 4000, sb, 0) < 0 &&
	   byte_mismatch(r.buf, 4 * KiB - 7, 0) < 0,
	   "coherent: the CPU sees the device's bytes with no sync");
	pattern_fill(r.buf + 12 * KiB, 3000, sc, 0);
	must(region_to_dev(c, &r, 12 * KiB, 0, 3000), "device read");
	must(dev_read(c, got, 0, 3000), "reading the device buffer");
	pattern_fill(want, 3000, sc, 0);
	ok_mem(got, want, 3000, "coherent: the device reads the CPU's bytes with no sync");
	buffer_close(c, &r);
}

static void contiguous_ends(struct dma_ctx *c, uint32_t flags)
{
	const char *mode = alloc_mode_name(flags);
	const uint64_t sb = seed + 6;
	struct region r;
	int ret;

	ret = buffer_open(c, &r, 4 * MiB, flags);
	if (!ok(ret == 0, "%s 4 MiB buffer (%s)", mode, errname(ret)))
		return;
	load(c, sb);
	must(dev_to_region(c, &r, 0, 0, 2000) |
	     dev_to_region(c, &r, r.len - 2000, 0, 2000), "device writes");
	must(udt_sync(c->fd, r.h, 0, r.len, USERDMA_SYNC_FOR_CPU), "sync");
	ok(pattern_mismatch(r.buf, 2000, sb, 0) < 0 &&
	   pattern_mismatch(r.buf + r.len - 2000, 2000, sb, 0) < 0 &&
	   byte_mismatch(r.buf + 2000, r.len - 4000, 0) < 0,
	   "%s: first and last 2000 bytes written by the device (%u segments), the rest zero",
	   mode, r.nsegs);
	buffer_close(c, &r);
}

static void narrow_device(void)
{
	const uint64_t sb = seed + 7;
	struct dma_ctx c28;
	struct region r;
	int ret;

	dma_ctx_open(&c28, edu28_bdf());
	ret = buffer_open(&c28, &r, 64 * KiB, USERDMA_ALLOC_COHERENT);
	if (ok(ret == 0, "28-bit device: coherent 64 KiB (%s)", errname(ret))) {
		ok(r.segs[0].dma_addr + r.len <= (1ull << 28),
		   "  below the 28-bit mask (0x%llx)",
		   (unsigned long long)r.segs[0].dma_addr);
		load(&c28, sb);
		must(dev_to_region(&c28, &r, 60 * KiB, 0, 4000), "device write");
		ok(pattern_mismatch(r.buf + 60 * KiB, 4000, sb, 0) < 0,
		   "  the 28-bit device writes it");
		buffer_close(&c28, &r);
	}
	ret = buffer_open(&c28, &r, 64 * KiB, 0);
	if (cfg_iommu())
		ok(ret == 0, "28-bit device: cached 64 KiB behind the IOMMU (%s)",
		   errname(ret));
	else if (ret == 0)
		ok(r.segs[r.nsegs - 1].dma_addr + r.segs[r.nsegs - 1].length <=
		   (1ull << 28),
		   "28-bit device, no IOMMU: cached pages were granted only below the mask");
	else
		ok(ret == -EIO, "28-bit device, no IOMMU: cached pages out of reach -> EIO (%s)",
		   errname(ret));
	if (!ret)
		buffer_close(&c28, &r);
	dma_ctx_close(&c28);
}

int main(void)
{
	struct dma_ctx c;
	struct snap base;

	tap_init("alloc_dma");
	diag_config();
	seed = test_seed();
	dma_ctx_open(&c, edu64_bdf());
	snap_take(c.node, &base);
	cached_sync(&c);
	coherent_nosync(&c);
	contiguous_ends(&c, USERDMA_ALLOC_CONTIGUOUS);
	contiguous_ends(&c, USERDMA_ALLOC_CONTIGUOUS | USERDMA_ALLOC_COHERENT);
	ok_unchanged(c.node, &base, "buffers released: counters and VmPin back");
	dma_ctx_close(&c);
	/* the edu test context needs staging buffers the device can reach */
	if (udt_config() == CFG_SWIOTLB)
		skip("every mapping is bounced and the pool is out of a 28-bit device's reach",
		     "28-bit device and allocated buffers");
	else
		narrow_device();
	return done_testing();
}
