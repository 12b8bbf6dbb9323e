// SPDX-License-Identifier: MIT
/*
 * The edu engine (channel "edu") reports FAULT for a raw device address
 * (handle 0, root) the device cannot reach, and leaves the device alone:
 *  - behind an IOMMU: IOVA 0x1000 (the allocator hands out IOVAs from the
 *    top of the mask down: nothing maps it) and the IOVA of a registration
 *    just unregistered;
 *  - without one: 1 TiB, inside the 64-bit mask but far beyond the 2 GiB
 *    of guest RAM.
 * Each as the source of a copy into a registration (completion FAULT,
 * bytes 0, the destination untouched byte for byte) and as the destination
 * of a copy from one (FAULT, bytes 0).  A raw address that is mapped (a
 * registration's own DMA address) copies DONE, before and after the
 * faults.  (The sw engine's version of this is main/xfer_wild_raw and
 * main/xfer_faults.  A module that hands the address to the device
 * completes DONE; behind the IOMMU the device's access then shows up as a
 * DMAR fault in the kernel log, which the runner reports.)
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

#define BLEN	(16 * KiB)
#define XLEN	4000u
#define WAIT_NS	(30 * 1000000000ll)

static int fd;
static uint8_t *src, *dst, *expect;
static uint32_t hs, hd;

/*
 * Submit one copy and wait for it (30 s at most, an ENOENT not retried):
 * 0 with *c, or -errno.
 */
static int copy_one(uint32_t sh, uint64_t so, uint32_t dh, uint64_t doff,
		    uint64_t len, struct userdma_completion *c)
{
	uint64_t cookie;
	int ret = udt_submit_one(fd, sh, so, dh, doff, len, &cookie);

	return ret ? ret : udt_wait(fd, cookie, WAIT_NS, c);
}

/* A raw source that is mapped: the copy is DONE and right. */
static void reachable(uint64_t src_dma, const char *when)
{
	struct userdma_completion c;
	ssize_t bad;
	int ret;

	pattern_fill(dst, BLEN, 52, 0);
	memcpy(expect, dst, BLEN);
	memcpy(expect + 100, src, XLEN);
	ret = copy_one(0, src_dma, hd, 100, XLEN, &c);
	bad = mem_mismatch(dst, expect, BLEN);
	ok(ret == 0 && c.status == USERDMA_XFER_DONE && c.bytes == XLEN && bad < 0,
	   "%s: raw source 0x%" PRIx64 " (a registration's DMA address): DONE, %u bytes right (%s, %s)",
	   when, src_dma, XLEN, errname(ret),
	   ret ? "-" : xfer_status_name(c.status));
	if (bad >= 0)
		diag_mismatch(dst, expect, BLEN, bad);
}

static void unreachable(uint64_t addr, const char *what)
{
	struct userdma_completion c;
	ssize_t bad;
	int ret;

	pattern_fill(dst, BLEN, 53, 0);
	memcpy(expect, dst, BLEN);
	ret = copy_one(0, addr, hd, 0, XLEN, &c);
	ok(ret == 0 && c.status == USERDMA_XFER_FAULT && c.bytes == 0,
	   "raw source 0x%" PRIx64 " (%s) -> FAULT, bytes 0 (%s, %s, bytes %llu)",
	   addr, what, errname(ret), ret ? "-" : xfer_status_name(c.status),
	   ret ? 0ull : (unsigned long long)c.bytes);
	if (ret == -ETIMEDOUT)
		bail("no completion in 30 s");
	bad = mem_mismatch(dst, expect, BLEN);
	ok(bad < 0, "  the destination registration is untouched");
	if (bad >= 0)
		diag_mismatch(dst, expect, BLEN, bad);

	ret = copy_one(hs, 0, 0, addr, XLEN, &c);
	ok(ret == 0 && c.status == USERDMA_XFER_FAULT && c.bytes == 0,
	   "raw destination 0x%" PRIx64 " (%s) -> FAULT, bytes 0 (%s, %s, bytes %llu)",
	   addr, what, errname(ret), ret ? "-" : xfer_status_name(c.status),
	   ret ? 0ull : (unsigned long long)c.bytes);
	if (ret == -ETIMEDOUT)
		bail("no completion in 30 s");
}

/* The IOVA a registration had, after it is unregistered. */
static uint64_t freed_iova(void)
{
	struct userdma_segment *segs = NULL;
	uint8_t *b = map_anon(64 * KiB);
	uint64_t iova = 0;
	uint32_t h;
	int n;

	if (udt_register(fd, b, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL, &h, NULL))
		bail("register 64 KiB");
	n = udt_segments_all(fd, h, &segs);
	if (n > 0)
		iova = segs[0].dma_addr + 8 * KiB;
	free(segs);
	udt_unregister(fd, h);
	munmap(b, 64 * KiB);
	return iova;
}

int main(void)
{
	struct userdma_segment *segs = NULL;
	char bound[32], engine[32];
	uint64_t src_dma, contig, iova;
	struct snap base;
	const char *node;
	int ret, n;

	tap_init("edu_fault");
	diag_config();
	if (getuid() != 0)
		skip_all("raw addresses need CAP_SYS_RAWIO");
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	snap_take(node, &base);
	ret = udt_channel(fd, "edu", -1, bound, engine);
	if (!ok(ret == 0 && !strcmp(engine, "edu"), "CHANNEL \"edu\" (%s, %s)",
		errname(ret), ret ? "-" : bound))
		bail("no edu channel");

	src = map_anon(BLEN);
	dst = map_anon(BLEN);
	expect = malloc(BLEN);
	pattern_fill(src, BLEN, 51, 0);
	if (udt_register(fd, src, BLEN, USERDMA_DIR_TO_DEVICE, &hs, NULL) ||
	    udt_register(fd, dst, BLEN, USERDMA_DIR_BIDIRECTIONAL, &hd, NULL))
		bail("register the buffers");
	n = udt_segments_all(fd, hs, &segs);
	if (n <= 0 || seg_lookup(segs, (uint32_t)n, 0, &src_dma, &contig) ||
	    contig < XLEN)
		bail("no %u contiguous DMA bytes at the source's start", XLEN);
	free(segs);

	reachable(src_dma, "before");
	if (cfg_iommu()) {
		iova = freed_iova();
		unreachable(0x1000, "an IOVA nothing maps");
		unreachable(iova, "the IOVA of a registration just unregistered");
	} else {
		unreachable(1ull << 40, "1 TiB, beyond RAM");
	}
	reachable(src_dma, "after the faults");

	udt_unregister(fd, hs);
	udt_unregister(fd, hd);
	close(fd);
	ok_unchanged(node, &base, "counters and VmPin back at the end");
	munmap(src, BLEN);
	munmap(dst, BLEN);
	free(expect);
	return done_testing();
}
