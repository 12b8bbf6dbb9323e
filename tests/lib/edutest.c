// SPDX-License-Identifier: MIT
/* Real DMA through the edu device for the edu-lane tests: see edutest.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "edutest.h"

static int fetch_segs(struct dma_ctx *c, uint32_t h, uint32_t expect,
		      struct userdma_segment **segs)
{
	int n = userdma_segments_all(c->u, h, segs);

	if (n < 0)
		return n;
	if ((uint32_t)n != expect) {
		diag("SEGMENTS returned %d segments, REGISTER said %u", n,
		     expect);
		free(*segs);
		*segs = NULL;
		return -EPROTO;
	}
	return 0;
}

static void staging_register(struct dma_ctx *c, uint8_t **buf, uint32_t dir,
			     uint32_t *h, uint32_t *n,
			     struct userdma_segment **segs)
{
	static uint8_t *refused[512];
	unsigned int nrefused = 0, i;
	char why[256];
	int ret;

	/*
	 * Without an IOMMU a 28-bit device reaches only pages below 256 MiB,
	 * and an ordinary page of the 2 GiB guest is often above (EIO; 5.10
	 * hands such pages out first).  Other pages are tried, the refused
	 * ones kept mapped meanwhile so they are not handed out again.
	 */
	for (;;) {
		*buf = map_anon(PAGE);
		ret = userdma_register(c->u, *buf, PAGE, dir, h, n);
		if (ret != -EIO || cfg_iommu() || nrefused == ARRAY_SIZE(refused))
			break;
		refused[nrefused++] = *buf;
	}
	for (i = 0; i < nrefused; i++)
		munmap(refused[i], PAGE);
	if (ret)
		bail("register a 4 KiB %s staging buffer: %s (%u pages out of reach before)",
		     dirname_udma(dir), errname(ret), nrefused);
	ret = fetch_segs(c, *h, *n, segs);
	if (ret)
		bail("segments of the staging buffer: %s", errname(ret));
	if (!segs_valid(*segs, *n, (uintptr_t)*buf, PAGE, &c->info, why,
			sizeof(why)))
		bail("staging buffer segments: %s", why);
}

void dma_ctx_open(struct dma_ctx *c, const char *bdf)
{
	int ret;

	memset(c, 0, sizeof(*c));
	ret = node_for_bdf(bdf, c->node, sizeof(c->node));
	if (ret)
		bail("no userdma node bound to %s: %s", bdf, errname(ret));
	ret = userdma_open(c->node, &c->u);
	if (ret)
		bail("userdma_open(%s): %s", c->node, errname(ret));
	c->fd = userdma_fd(c->u);
	ret = userdma_info(c->u, &c->info);
	if (ret)
		bail("userdma_info(%s): %s", c->node, errname(ret));
	ret = edu_open(&c->edu, bdf);
	if (ret)
		bail("edu_open(%s): %s", bdf, errname(ret));
	diag("%s -> %s: flags 0x%x, dma_mask 0x%" PRIx64 ", max_seg_size %" PRIu64,
	     c->node, bdf, c->info.flags, (uint64_t)c->info.dma_mask,
	     (uint64_t)c->info.max_seg_size);
	staging_register(c, &c->src, USERDMA_DIR_TO_DEVICE, &c->src_h,
			 &c->src_n, &c->src_segs);
	staging_register(c, &c->sink, USERDMA_DIR_BIDIRECTIONAL, &c->sink_h,
			 &c->sink_n, &c->sink_segs);
}

void dma_ctx_close(struct dma_ctx *c)
{
	diag("edu commands issued: %lu", c->cmds);
	userdma_unregister(c->u, c->src_h);
	userdma_unregister(c->u, c->sink_h);
	free(c->src_segs);
	free(c->sink_segs);
	munmap(c->src, PAGE);
	munmap(c->sink, PAGE);
	edu_close(&c->edu);
	userdma_close(c->u);
	c->u = NULL;
}

void region_map(struct region *r, uint64_t len, size_t lead, size_t tail,
		size_t align)
{
	memset(r, 0, sizeof(*r));
	r->maplen = (lead + len + tail + PAGE - 1) & ~(PAGE - 1);
	r->map = map_anon_untouched(r->maplen, align);
	r->lead = lead;
	r->buf = r->map + lead;
	r->len = len;
}

int region_register(struct dma_ctx *c, struct region *r, uint32_t dir)
{
	int ret;

	r->dir = dir;
	ret = userdma_register(c->u, r->buf, r->len, dir, &r->h, &r->nsegs);
	if (ret)
		return ret;
	r->registered = 1;
	ret = fetch_segs(c, r->h, r->nsegs, &r->segs);
	if (ret) {
		userdma_unregister(c->u, r->h);
		r->registered = 0;
	}
	return ret;
}

int region_unregister(struct dma_ctx *c, struct region *r)
{
	int ret = 0;

	if (r->registered)
		ret = userdma_unregister(c->u, r->h);
	r->registered = 0;
	free(r->segs);
	r->segs = NULL;
	return ret;
}

void region_unmap(struct region *r)
{
	if (r->map)
		munmap(r->map, r->maplen);
	r->map = NULL;
}

int ok_region_segs(struct dma_ctx *c, struct region *r, const char *what)
{
	char why[256];
	int good = segs_valid(r->segs, r->nsegs, (uintptr_t)r->buf, r->len,
			      &c->info, why, sizeof(why));

	ok(good, "%s: %u segment(s) cover exactly the %" PRIu64 " bytes within the mask",
	   what, r->nsegs, r->len);
	if (!good) {
		diag("%s", why);
		diag_segs(r->segs, r->nsegs, 8);
	}
	return good;
}

/*
 * Move len bytes between the device buffer at dev_off and the DMA view of
 * [off, off + len) of a registration, one command per segment piece.
 */
static int xfer(struct dma_ctx *c, const struct userdma_segment *segs,
		uint32_t nsegs, uint64_t total, uint64_t off, uint32_t dev_off,
		uint32_t len, int to_ram)
{
	if ((uint64_t)dev_off + len > EDU_MAX_XFER || off > total ||
	    len > total - off)
		return -EINVAL;
	while (len) {
		uint64_t dma, contig;
		uint32_t piece;
		int ret = seg_lookup(segs, nsegs, off, &dma, &contig);

		if (ret)
			return ret;
		piece = (uint32_t)MIN((uint64_t)len, contig);
		if (to_ram)
			ret = edu_dma_to_ram(&c->edu, dma, dev_off, piece);
		else
			ret = edu_dma_from_ram(&c->edu, dma, dev_off, piece);
		c->cmds++;
		if (ret)
			return ret;
		off += piece;
		dev_off += piece;
		len -= piece;
	}
	return 0;
}

int dev_load(struct dma_ctx *c, const void *data, uint32_t dev_off,
	     uint32_t len)
{
	int ret;

	if ((uint64_t)dev_off + len > EDU_MAX_XFER)
		return -EINVAL;
	memcpy(c->src + dev_off, data, len);
	ret = userdma_sync_for_device(c->u, c->src_h, dev_off, len);
	if (ret)
		return ret;
	return xfer(c, c->src_segs, c->src_n, PAGE, dev_off, dev_off, len, 0);
}

int dev_read(struct dma_ctx *c, void *out, uint32_t dev_off, uint32_t len)
{
	int ret;

	if ((uint64_t)dev_off + len > EDU_MAX_XFER)
		return -EINVAL;
	/* a sentinel, so that a DMA that did not happen cannot pass */
	memset(c->sink + dev_off, 0x5a ^ (int)(c->cmds & 0xff), len);
	ret = userdma_sync_for_device(c->u, c->sink_h, dev_off, len);
	if (ret)
		return ret;
	ret = xfer(c, c->sink_segs, c->sink_n, PAGE, dev_off, dev_off, len, 1);
	if (ret)
		return ret;
	ret = userdma_sync_for_cpu(c->u, c->sink_h, dev_off, len);
	if (ret)
		return ret;
	memcpy(out, c->sink + dev_off, len);
	return 0;
}

int dev_to_region(struct dma_ctx *c, const struct region *r, uint64_t off,
		  uint32_t dev_off, uint32_t len)
{
	return xfer(c, r->segs, r->nsegs, r->len, off, dev_off, len, 1);
}

int region_to_dev(struct dma_ctx *c, const struct region *r, uint64_t off,
		  uint32_t dev_off, uint32_t len)
{
	return xfer(c, r->segs, r->nsegs, r->len, off, dev_off, len, 0);
}

static void add_chunk(struct chunk *out, size_t *n, size_t max, uint64_t off,
		      uint64_t len, const char *why)
{
	if (*n >= max || !len)
		return;
	out[*n].off = off;
	out[*n].len = (uint32_t)len;
	out[*n].why = why;
	(*n)++;
}

/* A chunk with at least one byte on each side of boundary b. */
static void add_straddle(const struct region *r, struct rng *rng, uint64_t b,
			 struct chunk *out, size_t *n, size_t max,
			 const char *why)
{
	uint64_t left, right;

	if (b == 0 || b >= r->len)
		return;
	left = 1 + rng_below(rng, MIN(b, (uint64_t)512));
	right = 1 + rng_below(rng, MIN(r->len - b, (uint64_t)512));
	add_chunk(out, n, max, b - left, left + right, why);
}

size_t plan_chunks(const struct region *r, struct rng *rng, struct chunk *out,
		   size_t max)
{
	uint64_t addr = (uintptr_t)r->buf, len = r->len, b, m;
	uint32_t nb = r->nsegs ? r->nsegs - 1 : 0, i;
	size_t n = 0;

	add_chunk(out, &n, max, 0, MIN(len, (uint64_t)EDU_MAX_XFER),
		  "first bytes");
	m = 1 + rng_below(rng, EDU_MAX_XFER);
	m = MIN(len, m);
	add_chunk(out, &n, max, len - m, m, "last bytes");

	if (nb <= 64) {
		for (b = 0, i = 0; i < nb; i++) {
			b += r->segs[i].length;
			add_straddle(r, rng, b, out, &n, max,
				     "segment boundary");
		}
	} else {
		/* 64 distinct boundaries, by a partial Fisher-Yates shuffle */
		uint64_t *bounds = malloc(nb * sizeof(*bounds));

		if (!bounds)
			bail("out of memory");
		for (b = 0, i = 0; i < nb; i++) {
			b += r->segs[i].length;
			bounds[i] = b;
		}
		for (i = 0; i < 64; i++) {
			uint32_t j = i + (uint32_t)rng_below(rng, nb - i);
			uint64_t t = bounds[i];

			bounds[i] = bounds[j];
			bounds[j] = t;
			add_straddle(r, rng, bounds[i], out, &n, max,
				     "sampled segment boundary");
		}
		free(bounds);
	}

	if (len <= 64 * KiB) {
		for (b = PAGE - addr % PAGE; b < len; b += PAGE)
			add_straddle(r, rng, b, out, &n, max, "page boundary");
	}

	for (i = 0; i < 16; i++) {
		uint64_t off = rng_below(rng, len);

		m = 1 + rng_below(rng, MIN((uint64_t)EDU_MAX_XFER, len - off));
		add_chunk(out, &n, max, off, m, "random");
	}
	return n;
}

/* Map a case's region; 0, or 1 when it must be skipped (no huge page). */
static int case_map(const struct dma_case *dc, struct region *r)
{
	const size_t huge = 2 * MiB;
	long long ahp;

	if (!dc->thp) {
		region_map(r, dc->len, dc->lead, PAGE + 123, PAGE);
		return 0;
	}
	if (!thp_available(NULL, 0)) {
		skip("transparent huge pages not enabled", "%s", dc->name);
		return 1;
	}
	region_map(r, dc->len, dc->lead, huge, huge);
	if (madvise(r->map, r->maplen, MADV_HUGEPAGE) < 0) {
		skip("madvise(MADV_HUGEPAGE) failed", "%s", dc->name);
		region_unmap(r);
		return 1;
	}
	touch_pages(r->map, r->maplen);
	ahp = smaps_field_kb(r->map, "AnonHugePages");
	diag("%s: AnonHugePages %lld kB", dc->name, ahp);
	if (ahp < 2048) {
		skip("the kernel gave no huge page", "%s", dc->name);
		region_unmap(r);
		return 1;
	}
	return 0;
}

void edu_write_case(struct dma_ctx *c, const struct dma_case *dc,
		    struct rng *rng)
{
	uint64_t seed_a = rng_next(rng), seed_b = rng_next(rng);
	uint8_t pat_b[EDU_BUF_SIZE], *shadow;
	unsigned long cmds0 = c->cmds;
	struct chunk chunks[256];
	size_t n, i, failed = 0;
	struct region r;
	int ret;

	if (case_map(dc, &r))
		return;
	pattern_fill(r.map, r.maplen, seed_a, 0);
	shadow = malloc(r.maplen);
	if (!shadow)
		bail("out of memory");
	memcpy(shadow, r.map, r.maplen);

	ret = region_register(c, &r, USERDMA_DIR_FROM_DEVICE);
	if (!ok(ret == 0, "%s: register %" PRIu64 " bytes at page offset %zu FROM_DEVICE (%s)",
		dc->name, dc->len, (size_t)((uintptr_t)r.buf % PAGE),
		errname(ret))) {
		free(shadow);
		region_unmap(&r);
		return;
	}
	if (!ok_region_segs(c, &r, dc->name)) {
		/* never point the device at a list we do not trust */
		region_unregister(c, &r);
		free(shadow);
		region_unmap(&r);
		return;
	}

	pattern_fill(pat_b, EDU_MAX_XFER, seed_b, 0);
	ret = dev_load(c, pat_b, 0, EDU_MAX_XFER);
	if (ret)
		bail("loading the device buffer: %s", errname(ret));
	n = plan_chunks(&r, rng, chunks, ARRAY_SIZE(chunks));
	for (i = 0; i < n; i++) {
		uint32_t len = chunks[i].len;
		uint32_t dev = (uint32_t)rng_below(rng, EDU_MAX_XFER - len + 1);

		ret = dev_to_region(c, &r, chunks[i].off, dev, len);
		if (ret) {
			if (!failed++)
				diag("%s: DMA of chunk %zu (%s, offset %" PRIu64 ", %u bytes): %s",
				     dc->name, i, chunks[i].why, chunks[i].off,
				     len, errname(ret));
			continue;
		}
		memcpy(shadow + r.lead + chunks[i].off, pat_b + dev, len);
	}
	ok(failed == 0, "%s: %zu chunks DMA'd by the device (%lu commands, %u segments)",
	   dc->name, n, c->cmds - cmds0, r.nsegs);
	ret = userdma_sync_for_cpu(c->u, r.h, 0, r.len);
	ok(ret == 0, "%s: SYNC_FOR_CPU (%s)", dc->name, errname(ret));
	ok_mem(r.map, shadow, r.maplen,
	       "%s: every byte right after sync: the %zu chunks hold the device's data, the rest and the guard bytes are untouched",
	       dc->name, n);
	ret = region_unregister(c, &r);
	ok(ret == 0, "%s: unregister (%s)", dc->name, errname(ret));
	ok_mem(r.map, shadow, r.maplen, "%s: still every byte right after unregister",
	       dc->name);
	free(shadow);
	region_unmap(&r);
}

struct packed {
	uint8_t exp[EDU_BUF_SIZE];
	uint32_t pos;
	size_t nchunks, bad;
	uint64_t first_bad_off;
};

static void flush_packed(struct dma_ctx *c, struct packed *p,
			 const char *name)
{
	uint8_t got[EDU_BUF_SIZE];
	ssize_t off;
	int ret;

	if (!p->pos)
		return;
	ret = dev_read(c, got, 0, p->pos);
	if (ret)
		bail("%s: reading the device buffer back: %s", name,
		     errname(ret));
	off = mem_mismatch(got, p->exp, p->pos);
	if (off >= 0) {
		if (!p->bad++) {
			diag("%s: device buffer differs from the region's bytes:",
			     name);
			diag_mismatch(got, p->exp, p->pos, off);
		}
	}
	p->pos = 0;
}

void edu_read_case(struct dma_ctx *c, const struct dma_case *dc,
		   struct rng *rng)
{
	uint64_t seed_r = rng_next(rng), seed_n = rng_next(rng);
	unsigned long cmds0 = c->cmds;
	struct chunk chunks[256];
	struct packed *p;
	uint8_t *shadow;
	struct region r;
	size_t n, i, k;
	int ret, sync_fail = 0;

	if (case_map(dc, &r))
		return;
	pattern_fill(r.map, r.maplen, seed_r, 0);
	shadow = malloc(r.maplen);
	p = calloc(1, sizeof(*p));
	if (!shadow || !p)
		bail("out of memory");
	memcpy(shadow, r.map, r.maplen);

	ret = region_register(c, &r, USERDMA_DIR_TO_DEVICE);
	if (!ok(ret == 0, "%s: register %" PRIu64 " bytes at page offset %zu TO_DEVICE (%s)",
		dc->name, dc->len, (size_t)((uintptr_t)r.buf % PAGE),
		errname(ret)))
		goto out;
	if (!ok_region_segs(c, &r, dc->name)) {
		region_unregister(c, &r);
		goto out;
	}
	n = plan_chunks(&r, rng, chunks, ARRAY_SIZE(chunks));

	/* the CPU rewrites three chunks after registering, and syncs them */
	for (k = 0; k < 3; k++) {
		const struct chunk *ch = &chunks[rng_below(rng, n)];

		pattern_fill(r.buf + ch->off, ch->len, seed_n + k, ch->off);
		memcpy(shadow + r.lead + ch->off, r.buf + ch->off, ch->len);
		if (userdma_sync_for_device(c->u, r.h, ch->off, ch->len))
			sync_fail++;
	}
	ok(sync_fail == 0, "%s: SYNC_FOR_DEVICE of 3 chunks rewritten by the CPU",
	   dc->name);

	for (i = 0; i < n; i++) {
		uint32_t len = chunks[i].len;

		if (p->pos + len > EDU_MAX_XFER)
			flush_packed(c, p, dc->name);
		ret = region_to_dev(c, &r, chunks[i].off, p->pos, len);
		if (ret)
			bail("%s: DMA of chunk %zu: %s", dc->name, i, errname(ret));
		memcpy(p->exp + p->pos, shadow + r.lead + chunks[i].off, len);
		p->pos += len;
	}
	flush_packed(c, p, dc->name);
	ok(p->bad == 0,
	   "%s: the device read exactly the CPU's bytes in all %zu chunks (%lu commands, %u segments)",
	   dc->name, n, c->cmds - cmds0, r.nsegs);
	ok_mem(r.map, shadow, r.maplen,
	       "%s: the region and its guard bytes are unchanged by device reads",
	       dc->name);
	ret = region_unregister(c, &r);
	ok(ret == 0, "%s: unregister (%s)", dc->name, errname(ret));
	ok_mem(r.map, shadow, r.maplen,
	       "%s: unregistering a TO_DEVICE region changes no byte", dc->name);
out:
	free(p);
	free(shadow);
	region_unmap(&r);
}
