// SPDX-License-Identifier: MIT
/*
 * Device faults on the sw engine, which resolves every DMA address the way
 * the device would: through its IOMMU domain when one translates, as a bus
 * address otherwise.  An address that does not resolve to RAM is a FAULT
 * completion with bytes = what was copied before the fault, and nothing is
 * written anywhere.
 *
 *  - raw destination and source addresses that are not mapped (behind an
 *    IOMMU: IOVA 0x1000 and 1 << 40; without: 1 << 40, beyond RAM) -> FAULT,
 *    bytes 0, a sentinel region and the source unchanged;
 *    (a reserved non-RAM range below the end of RAM: xfer_wild_raw, last in
 *    the lane because the kernel may not survive it);
 *  - behind an IOMMU, use-after-unmap: the DMA address of a region that was
 *    unregistered -> FAULT in strict and lazy mode alike, and a read that
 *    runs off the end of a mapping into an unmapped IOVA -> FAULT with bytes
 *    = the mapped part, which arrived (skipped if the IOVA after the
 *    mapping happens to belong to another region of the test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

#define SEN_LEN	(64 * KiB)

static const char *node;
static int fd;
static struct userdma_info info;
static uint8_t *sen, *sen_copy, *src;
static uint32_t hsen, hsrc;

static int sentinel_intact(void)
{
	ssize_t bad;

	udt_sync(fd, hsen, 0, SEN_LEN, USERDMA_SYNC_FOR_CPU);
	bad = mem_mismatch(sen, sen_copy, SEN_LEN);
	if (bad >= 0)
		diag_mismatch(sen, sen_copy, SEN_LEN, bad);
	return bad < 0 && pattern_mismatch(src, SEN_LEN, 11, 0) < 0;
}

/* One raw transfer; expect status with exactly want_bytes. */
static void expect_status(uint32_t sh, uint64_t s, uint32_t dh, uint64_t d,
			  uint64_t len, uint32_t status, uint64_t want_bytes,
			  const char *what)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	uint32_t n;
	int ret;

	xfer_fill(&x, sh, s, dh, d, len, 0x5a);
	ret = udt_submit(fd, &x, 1, &n);
	if (!ok(ret == 0, "%s: SUBMIT accepted (%s)", what, errname(ret)))
		return;
	ret = udt_wait_retry(fd, x.cookie, 30 * 1000000000ll, &c);
	ok(ret == 0 && c.status == status && c.bytes == want_bytes &&
	   c.user_data == 0x5a,
	   "%s -> %s, bytes %" PRIu64 " (%s: %s, bytes %llu)", what,
	   xfer_status_name(status), want_bytes, errname(ret),
	   ret ? "-" : xfer_status_name(c.status),
	   ret ? 0ull : (unsigned long long)c.bytes);
	ok(sentinel_intact(), "%s: sentinel region and source unchanged", what);
}

static void unmapped(void)
{
	uint64_t far = 1ull << 40;

	if (cfg_iommu()) {
		expect_status(hsrc, 0, 0, 0x1000, 4096, USERDMA_XFER_FAULT, 0,
			      "raw destination IOVA 0x1000 (never mapped)");
		expect_status(0, 0x1000, hsen, 0, 4096, USERDMA_XFER_FAULT, 0,
			      "raw source IOVA 0x1000 (never mapped)");
	}
	expect_status(hsrc, 0, 0, far, 100, USERDMA_XFER_FAULT, 0,
		      "raw destination 1 << 40 (beyond RAM and every IOVA)");
	expect_status(0, far, hsen, 8, 100, USERDMA_XFER_FAULT, 0,
		      "raw source 1 << 40");
	expect_status(hsrc, 0, 0, far - 4096, 3 * 4096, USERDMA_XFER_FAULT, 0,
		      "raw destination 1 << 40 - 4096, 3 pages");

}

static void use_after_unmap(void)
{
	struct userdma_segment *sa = NULL, *sb = NULL;
	uint64_t end;
	uint8_t *a;
	uint32_t ha;
	int ret, i, clash = 0;

	if (!cfg_iommu()) {
		skip("no IOMMU: a DMA address is the physical address, which stays valid RAM after unmap",
		     "use-after-unmap");
		skip("no IOMMU", "read running off a mapping");
		return;
	}
	diag("use-after-unmap in %s mode (iommu.strict=%d)", udt_config_name(),
	     udt_config() == CFG_STRICT);
	a = map_anon(16 * KiB);
	memset(a, 0x3c, 16 * KiB);
	ret = udt_register(fd, a, 16 * KiB, USERDMA_DIR_BIDIRECTIONAL, &ha, NULL);
	if (ret || udt_segments_all(fd, ha, &sa) != 1)
		bail("register 16 KiB: %s", errname(ret));
	expect_status(hsrc, 0, 0, sa[0].dma_addr + 100, 1000, USERDMA_XFER_DONE,
		      1000, "raw destination inside a live region");
	ret = udt_unregister(fd, ha);
	ok(ret == 0, "unregister it (%s)", errname(ret));
	memset(a, 0x3c, 16 * KiB);
	expect_status(hsrc, 0, 0, sa[0].dma_addr + 100, 1000, USERDMA_XFER_FAULT,
		      0, "use after unmap: raw destination = the old DMA address");
	ok(byte_mismatch(a, 16 * KiB, 0x3c) < 0,
	   "  the unregistered memory was not written");
	expect_status(0, sa[0].dma_addr, hsen, 0, 4096, USERDMA_XFER_FAULT, 0,
		      "use after unmap: raw source = the old DMA address");

	/*
	 * A read running off the end of a mapping: only this file maps
	 * anything in the device's domain, so the IOVA after A is unmapped
	 * unless it belongs to the sentinel or the source.
	 */
	a = map_anon(8 * KiB);
	pattern_fill(a, 8 * KiB, 21, 0);
	if (udt_register(fd, a, 8192, USERDMA_DIR_TO_DEVICE, &ha, NULL) ||
	    udt_segments_all(fd, ha, &sa) != 1 ||
	    udt_segments_all(fd, hsen, &sb) <= 0)
		bail("register A");
	end = sa[0].dma_addr + 8192;
	for (i = 0; i < 2; i++) {
		struct userdma_segment *sg = NULL;
		int k, nseg = udt_segments_all(fd, i ? hsrc : hsen, &sg);

		for (k = 0; k < nseg; k++)
			if (end + 4096 > sg[k].dma_addr &&
			    end < sg[k].dma_addr + sg[k].length)
				clash = 1;
		free(sg);
	}
	diag("A at 0x%llx: the page after it is %s", (unsigned long long)sa[0].dma_addr,
	     clash ? "another region's" : "unmapped");
	if (clash) {
		skip("the IOVA after A is mapped by another region of this test",
		     "read running off a mapping");
	} else {
		memcpy(sen_copy, sen, SEN_LEN);
		memcpy(sen_copy, a, 8192);	/* what is expected to arrive */
		expect_status(0, sa[0].dma_addr, hsen, 0, 12288,
			      USERDMA_XFER_FAULT, 8192,
			      "raw source running 4 KiB past a mapping into an unmapped IOVA");
		ok(mem_mismatch(sen, a, 8192) < 0,
		   "  the 8 KiB before the fault arrived");
	}
	udt_unregister(fd, ha);
	free(sa);
	free(sb);
}

int main(void)
{
	char bound[32], engine[32];
	struct snap start;
	int ret;

	tap_init("xfer_faults");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	snap_take(node, &start);
	diag("dma_mask 0x%llx, flags %#x", (unsigned long long)info.dma_mask,
	     info.flags);
	ok(!!(info.flags & USERDMA_INFO_IOMMU) == cfg_iommu(),
	   "INFO says IOMMU exactly in strict and lazy");

	ret = udt_channel(fd, "sw", -1, bound, engine);
	if (ret)
		bail("CHANNEL sw: %s", errname(ret));
	sen = map_anon(SEN_LEN);
	src = map_anon(SEN_LEN);
	sen_copy = malloc(SEN_LEN);
	pattern_fill(sen, SEN_LEN, 10, 0);
	pattern_fill(src, SEN_LEN, 11, 0);
	memcpy(sen_copy, sen, SEN_LEN);
	if (udt_register(fd, sen, SEN_LEN, USERDMA_DIR_BIDIRECTIONAL, &hsen, NULL) ||
	    udt_register(fd, src, SEN_LEN, USERDMA_DIR_TO_DEVICE, &hsrc, NULL))
		bail("register");

	unmapped();
	use_after_unmap();

	/* the channel still works after faults */
	memcpy(sen_copy + 10, src + 20, 1000);
	expect_status(hsrc, 20, hsen, 10, 1000, USERDMA_XFER_DONE, 1000,
		      "after the faults a region copy works");

	ret = udt_unregister(fd, hsen) | udt_unregister(fd, hsrc);
	ok(ret == 0, "regions unregister");
	ok_no_spurious_enoent();
	close(fd);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
