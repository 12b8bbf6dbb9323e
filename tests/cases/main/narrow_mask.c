// SPDX-License-Identifier: MIT
/*
 * The second edu device reaches only 28-bit DMA addresses.
 *  - Behind the IOMMU (strict, lazy): ordinary memory anywhere in the 2 GiB
 *    guest registers, with every DMA address below 2^28, one segment per
 *    region, and the IOVA ranges of live regions never overlap; once the
 *    256 MiB of IOVA space is used up a registration fails cleanly.
 *  - Without it (noiommu, swiotlb): memory above 256 MiB cannot be mapped
 *    (and the bounce pool itself sits above 256 MiB), so registering it
 *    fails with EIO or ENOMEM and leaves nothing pinned, charged or mapped.
 *    Pages that happen to lie below 256 MiB (checked with pagemap) would
 *    be mappable in noiommu, so the expectation follows the pages.
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

#define LIMIT (1ull << 28)

static const char *node;
static int fd;
static struct userdma_info info;

struct live {
	uint32_t h;
	uint64_t lo, hi;	/* DMA range [lo, hi) */
	uint8_t *buf;
	uint64_t len;
};

static int register_checked(uint8_t *buf, uint64_t len, uint32_t dir,
			    struct live *l, const char *what)
{
	struct userdma_segment *segs = NULL;
	char why[256] = "";
	uint32_t n = 0;
	int ret, good;

	memset(l, 0, sizeof(*l));
	ret = udt_register(fd, buf, len, dir, &l->h, &n);
	if (ret)
		return ret;
	good = udt_segments_all(fd, l->h, &segs) == (int)n &&
	       segs_valid(segs, n, (uintptr_t)buf, len, &info, why, sizeof(why));
	if (good && n != 1) {
		snprintf(why, sizeof(why), "%u segments behind the IOMMU", n);
		good = 0;
	}
	if (good && segs[0].dma_addr + segs[0].length > LIMIT) {
		snprintf(why, sizeof(why), "DMA range ends at 0x%" PRIx64 " > 2^28",
			 (uint64_t)(segs[0].dma_addr + segs[0].length));
		good = 0;
	}
	ok(good, "%s: %" PRIu64 " bytes %s registered below 2^28 in one segment",
	   what, len, dirname_udma(dir));
	if (!good) {
		diag("%s", why);
		if (segs)
			diag_segs(segs, n, 4);
	} else {
		l->lo = segs[0].dma_addr;
		l->hi = segs[0].dma_addr + segs[0].length;
	}
	l->buf = buf;
	l->len = len;
	free(segs);
	return 0;
}

static void with_iommu(void)
{
	struct live l[8];
	uint8_t *maps[8];
	size_t maplen[8];
	struct snap s, sf;
	int i, j, n = 0, nmaps = 0, ret = 0, overlap = 0;

	snap_take(node, &s);
	maplen[nmaps] = 2 * MiB;
	maps[nmaps] = map_anon(maplen[nmaps]);
	ret = register_checked(maps[nmaps++] + 3, 1 * MiB + 5,
			       USERDMA_DIR_FROM_DEVICE, &l[n],
			       "1 MiB+5 at offset 3");
	ok(ret == 0, "register 1 MiB+5 on the 28-bit device (%s)", errname(ret));
	if (ret == 0)
		n++;
	maplen[nmaps] = 16 * MiB;
	maps[nmaps] = map_anon(maplen[nmaps]);
	ret = register_checked(maps[nmaps++], 16 * MiB, USERDMA_DIR_TO_DEVICE,
			       &l[n], "16 MiB");
	ok(ret == 0, "register 16 MiB on the 28-bit device (%s)", errname(ret));
	if (ret == 0)
		n++;

	/* 64 MiB regions until the 256 MiB IOVA space is gone */
	for (i = 0; i < 6; i++) {
		maplen[nmaps] = 64 * MiB;
		maps[nmaps] = map_anon(maplen[nmaps]);
		snap_take(node, &sf);
		ret = register_checked(maps[nmaps++], 64 * MiB,
				       USERDMA_DIR_BIDIRECTIONAL, &l[n],
				       "64 MiB");
		if (ret) {
			ok(ret == -ENOMEM || ret == -EIO,
			   "IOVA space of the 28-bit device used up after %d regions of 64 MiB: ENOMEM or EIO (got %s)",
			   i, errname(ret));
			ok_unchanged(node, &sf, "the refused registration left nothing");
			break;
		}
		n++;
	}
	ok(ret != 0 && i <= 4,
	   "256 MiB of IOVA space does not hold a 5th region of 64 MiB (%d fit)",
	   i);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (l[i].hi && l[j].hi && l[i].lo < l[j].hi &&
			    l[j].lo < l[i].hi)
				overlap++;
	ok(overlap == 0, "the %d live regions have disjoint DMA ranges", n);
	for (i = 0; i < n; i++)
		udt_unregister(fd, l[i].h);
	ok_unchanged(node, &s, "all released");
	for (i = 0; i < nmaps; i++)
		munmap(maps[i], maplen[i]);
}

/*
 * Find n consecutive pages of [buf, buf + len) whose physical pages all lie
 * above (above = 1) or below (above = 0) 2^28; NULL if there are none.
 */
static uint8_t *find_run(uint8_t *buf, const uint64_t *phys, size_t npages,
			 size_t n, int above)
{
	size_t i, run = 0;

	for (i = 0; i < npages; i++) {
		int ok_page = phys[i] && (above ? phys[i] >= LIMIT :
						  phys[i] + PAGE <= LIMIT);

		run = ok_page ? run + 1 : 0;
		if (run == n)
			return buf + (i + 1 - n) * PAGE;
	}
	return NULL;
}

/* Register; in swiotlb a success is only right if the bounce slots fit. */
static void expect_refused(uint8_t *a, uint64_t len, uint32_t dir,
			   const char *what)
{
	int swiotlb = udt_config() == CFG_SWIOTLB;
	struct userdma_segment *segs = NULL;
	char why[256] = "";
	uint32_t h = 0;
	struct snap s;
	int ret, n;

	snap_take(node, &s);
	ret = udt_register(fd, a, len, dir, &h, NULL);
	if (ret == 0 && swiotlb) {
		n = udt_segments_all(fd, h, &segs);
		ok(n > 0 && segs_valid(segs, (uint32_t)n, (uintptr_t)a, len,
				       &info, why, sizeof(why)),
		   "%s %s: registered through bounce buffers below 2^28 (%s)",
		   what, dirname_udma(dir), why);
		diag("the bounce pool lies below 256 MiB in this guest");
		free(segs);
	} else {
		ok(ret == -EIO || ret == -ENOMEM,
		   "%s %s -> EIO or ENOMEM (got %s)", what, dirname_udma(dir),
		   errname(ret));
	}
	if (ret == 0) {
		udt_unregister(fd, h);
		ok_unchanged(node, &s, "%s: released", what);
	} else {
		ok_unchanged(node, &s,
			     "%s: the refused registration left nothing pinned, charged or mapped",
			     what);
	}
}

static void without_iommu(void)
{
	const size_t len = 320 * MiB, npages = len / PAGE;
	uint8_t *buf = map_anon(len), *run;
	uint64_t *phys = calloc(npages, sizeof(*phys));
	int swiotlb = udt_config() == CFG_SWIOTLB;
	size_t i, above = 0;

	if (!phys)
		bail("out of memory");
	/* 320 MiB cannot all lie below 256 MiB */
	memset(buf, 0x28, len);
	if (pagemap_phys(buf, npages, phys))
		bail("cannot read /proc/self/pagemap");
	for (i = 0; i < npages; i++)
		above += phys[i] >= LIMIT;
	diag("config %s: %zu of %zu pages of a 320 MiB buffer lie above 256 MiB",
	     udt_config_name(), above, npages);

	run = find_run(buf, phys, npages, 257, 1);
	if (ok(run != NULL, "found 1 MiB+4 KiB of memory above 256 MiB")) {
		expect_refused(run, 1 * MiB, USERDMA_DIR_FROM_DEVICE,
			       "1 MiB above 256 MiB");
		expect_refused(run + 5, 64 * KiB, USERDMA_DIR_TO_DEVICE,
			       "64 KiB above 256 MiB");
		expect_refused(run + 100, 1, USERDMA_DIR_BIDIRECTIONAL,
			       "1 byte above 256 MiB");
		expect_refused(run + PAGE - 10, 20, USERDMA_DIR_FROM_DEVICE,
			       "20 bytes across two pages above 256 MiB");
	}

	/* pages below 256 MiB: mappable without bounce buffers */
	run = find_run(buf, phys, npages, 16, 0);
	if (!run) {
		skip("no 64 KiB run below 256 MiB", "28-bit device maps memory below 256 MiB");
	} else if (swiotlb) {
		expect_refused(run, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL,
			       "64 KiB below 256 MiB, bounced");
	} else {
		struct userdma_segment *segs = NULL;
		uint32_t h = 0;
		char why[256] = "";
		struct snap s;
		int ret, n;

		snap_take(node, &s);
		ret = udt_register(fd, run + 3, 64 * KiB - 3,
				   USERDMA_DIR_BIDIRECTIONAL, &h, NULL);
		ok(ret == 0, "64 KiB below 256 MiB registers on the 28-bit device (%s)",
		   errname(ret));
		if (ret == 0) {
			n = udt_segments_all(fd, h, &segs);
			ok(n > 0 && segs_valid(segs, (uint32_t)n, (uintptr_t)run + 3,
					       64 * KiB - 3, &info, why, sizeof(why)) &&
				   segs_match_phys(segs, (uint32_t)n, run + 3,
						   64 * KiB - 3, why, sizeof(why)),
			   "its DMA addresses are its physical addresses, below 2^28 (%s)",
			   why);
			free(segs);
			udt_unregister(fd, h);
		}
		ok_unchanged(node, &s, "released");
	}
	free(phys);
	munmap(buf, len);
}

int main(void)
{
	struct snap start;

	tap_init("narrow_mask");
	diag_config();
	node = node_name_for(edu28_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	ok(info.dma_mask == LIMIT - 1, "%s dma_mask 0x%" PRIx64 " is 28 bits", node,
	   (uint64_t)info.dma_mask);
	snap_take(node, &start);

	if (info.flags & USERDMA_INFO_IOMMU) {
		diag("IOMMU: the 28-bit device gets IOVAs below 2^28");
		with_iommu();
	} else {
		without_iommu();
	}
	ok(cfg_iommu() == !!(info.flags & USERDMA_INFO_IOMMU),
	   "the branch taken (IOMMU %s) matches config %s",
	   (info.flags & USERDMA_INFO_IOMMU) ? "on" : "off", udt_config_name());

	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
