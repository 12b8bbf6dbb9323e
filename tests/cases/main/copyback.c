// SPDX-License-Identifier: MIT
/*
 * Bounce images never overwrite the CPU's data.  The device owns a range
 * of a registration, ALLOC buffer or import from SYNC_FOR_DEVICE of it
 * until SYNC_FOR_CPU of it, and a transfer owns its destination range
 * from submit to completion; UNREGISTER and close copy a bounce buffer
 * back only over the ranges the device owns.  Each scenario, checked byte
 * for byte with its own patterns:
 *  (a) two overlapping BIDIRECTIONAL registrations of one buffer, a sw
 *      transfer into the first, UNREGISTER of the idle second: the
 *      transfer's bytes stay;
 *  (b) a page-aligned registration handed to the device (SYNC_FOR_DEVICE),
 *      exported, unregistered, written by the CPU, the dma-buf closed: the
 *      CPU's bytes stay;
 *  (c) SYNC_FOR_DEVICE, SYNC_FOR_CPU (of all, or of a middle part), CPU
 *      writes there, UNREGISTER: the writes stay;
 *  (d) a cached ALLOC buffer exported and imported into its own node
 *      BIDIRECTIONAL, a transfer into the buffer's handle, UNREGISTER of
 *      the import: the transfer's bytes stay;
 *  (e) and the other way round: what the device wrote (a sw transfer to
 *      the registration's own DMA address, a raw destination) into a range
 *      handed over by SYNC_FOR_DEVICE and never taken back reaches memory
 *      at UNREGISTER;
 *  (f) the same without SYNC_FOR_DEVICE: the CPU owned the range, so the
 *      bytes are not guaranteed to arrive; only reported (diag).
 * Only bounce buffering (swiotlb here) copies anything: in the other
 * configurations every check passes trivially.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "xfer.h"

#define LEN	(64 * KiB)
#define WAIT_NS	(60ll * 1000000000)

/* One pattern per role, so that no two can be mistaken for each other. */
enum { PAT_OLD = 0xc0b1, PAT_XFER = 0xc0b2, PAT_CPU = 0xc0b3 };

static const char *node;
static int fd, bounce;
static uint8_t *src;		/* LEN bytes of PAT_XFER, registered TO_DEVICE */
static uint32_t hsrc;

static uint32_t reg_or_bail(const void *p, uint64_t len, uint32_t dir)
{
	uint32_t h;
	int ret = udt_register(fd, p, len, dir, &h, NULL);

	if (ret)
		bail("register %" PRIu64 " bytes %s: %s", len, dirname_udma(dir),
		     errname(ret));
	return h;
}

/* Submit one transfer and wait for it (bounded); 0 if DONE. */
static int copy_wait(uint32_t sh, uint64_t so, uint32_t dh, uint64_t doff,
		     uint64_t len, const char *what)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	uint32_t n;
	int ret;

	xfer_fill(&x, sh, so, dh, doff, len, 0);
	ret = udt_submit(fd, &x, 1, &n);
	if (!ok(ret == 0 && n == 1, "%s: SUBMIT %" PRIu64 " bytes (%s)", what, len,
		errname(ret)))
		return -1;
	ret = udt_wait_retry(fd, x.cookie, WAIT_NS, &c);
	return ok(ret == 0 && c.status == USERDMA_XFER_DONE && c.bytes == len,
		  "%s: WAIT: DONE, %" PRIu64 " bytes (%s, %s, %llu)", what, len,
		  errname(ret), ret ? "-" : xfer_status_name(c.status),
		  (unsigned long long)c.bytes) ? 0 : -1;
}

/*
 * Subtest: buf[0, len) holds pattern seed from base; old_base is where
 * buf sits in the PAT_OLD fill, to say so when a stale image came back.
 */
static int ok_pattern(const uint8_t *buf, uint64_t len, uint64_t seed,
		      uint64_t base, uint64_t old_base, const char *fmt, ...)
	TAP_PRINTF(6, 7);
static int ok_pattern(const uint8_t *buf, uint64_t len, uint64_t seed,
		      uint64_t base, uint64_t old_base, const char *fmt, ...)
{
	ssize_t off = pattern_mismatch(buf, len, seed, base);
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (off >= 0)
		diag("%s: byte %zd is %#x, want %#x (pattern %#" PRIx64 ")%s",
		     what, off, buf[off], pattern_byte(seed, base + off), seed,
		     pattern_byte(PAT_OLD, old_base + off) == buf[off] ?
		     "; it holds the old pattern: a stale bounce image was copied back" : "");
	return ok(off < 0, "%s", what);
}

/*
 * (a) R1 and R2 both map buf.  R2's bounce image holds PAT_OLD from its
 * REGISTER; the transfer writes PAT_XFER through R1 and its completion
 * gives the range back to the CPU.  R2 is idle, the CPU owns all of it,
 * so its UNREGISTER must not copy PAT_OLD back.
 */
static void overlap_registrations(void)
{
	uint8_t *buf = map_anon(LEN);
	uint32_t r1, r2;
	int ret;

	pattern_fill(buf, LEN, PAT_OLD, 0);
	r1 = reg_or_bail(buf, LEN, USERDMA_DIR_BIDIRECTIONAL);
	r2 = reg_or_bail(buf + PAGE + 100, LEN - 2 * PAGE - 300,
			 USERDMA_DIR_BIDIRECTIONAL);
	if (copy_wait(hsrc, 0, r1, 0, LEN, "(a) sw transfer into the first registration") == 0)
		ok_pattern(buf, LEN, PAT_XFER, 0, 0,
			   "(a) after the completion the CPU sees the transferred bytes");
	ret = udt_unregister(fd, r2);
	ok(ret == 0, "(a) UNREGISTER of the idle overlapping second registration (%s)",
	   errname(ret));
	ok_pattern(buf, LEN, PAT_XFER, 0, 0,
		   "(a) the transfer's bytes stay after the second's UNREGISTER");
	ret = udt_unregister(fd, r1);
	ok(ret == 0, "(a) UNREGISTER of the first (%s)", errname(ret));
	ok_pattern(buf, LEN, PAT_XFER, 0, 0, "(a) and after the first's");
	munmap(buf, LEN);
}

/*
 * (b) SYNC_FOR_DEVICE hands the range to the device; UNREGISTER (with the
 * dma-buf keeping the region alive) takes it back: the CPU then owns it,
 * and the release at the dma-buf's close must not copy the image taken
 * at SYNC_FOR_DEVICE over what the CPU wrote since.
 */
static void exported_registration(void)
{
	uint8_t *buf = map_anon(LEN);
	long long pin0 = vmpin_kb();
	int ret, d = -1;
	uint32_t h;

	pattern_fill(buf, LEN, PAT_OLD, 0);
	h = reg_or_bail(buf, LEN, USERDMA_DIR_BIDIRECTIONAL);
	ret = udt_sync(fd, h, 0, LEN, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == 0, "(b) SYNC_FOR_DEVICE of the whole registration (%s)", errname(ret));
	ret = udt_export(fd, h, 0, &d);
	ok(ret == 0, "(b) EXPORT (%s)", errname(ret));
	ret = udt_unregister(fd, h);
	ok(ret == 0, "(b) UNREGISTER with the dma-buf open (%s)", errname(ret));
	ok_pattern(buf, LEN, PAT_OLD, 0, 0, "(b) the CPU's bytes unchanged by UNREGISTER");
	ok(vmpin_kb() == pin0 + (long long)(LEN / KiB) || d < 0,
	   "(b) the dma-buf keeps the pages pinned (VmPin %+lld kB)", vmpin_kb() - pin0);
	pattern_fill(buf, LEN, PAT_CPU, 0);
	if (d >= 0)
		close(d);
	ok(vmpin_kb() == pin0, "(b) dma-buf closed: the region is released (VmPin %+lld kB)",
	   vmpin_kb() - pin0);
	ok_pattern(buf, LEN, PAT_CPU, 0, 0,
		   "(b) what the CPU wrote after UNREGISTER stays when the dma-buf is closed");
	munmap(buf, LEN);
}

/*
 * (c) The device had the range and gave it back by SYNC_FOR_CPU; the
 * CPU's later writes are its own.  Partly: only [cpu_off, +cpu_len) is
 * taken back, the rest stays with the device and its bounce image (the
 * old bytes: the device wrote nothing) goes back there at UNREGISTER.
 */
static void sync_for_cpu_then_write(int partial)
{
	const size_t lead = 123, rlen = LEN - 2 * PAGE + 77;
	const uint64_t cpu_off = partial ? 5000 : 0;
	const uint64_t cpu_len = partial ? 20000 : rlen;
	const char *how = partial ? "(c) partial" : "(c)";
	uint8_t *map = map_anon(LEN), *buf = map + lead;
	uint32_t h;
	int ret;

	pattern_fill(map, LEN, PAT_OLD, 0);
	h = reg_or_bail(buf, rlen, USERDMA_DIR_BIDIRECTIONAL);
	ret = udt_sync(fd, h, 0, rlen, USERDMA_SYNC_FOR_DEVICE) |
	      udt_sync(fd, h, cpu_off, cpu_len, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "%s SYNC_FOR_DEVICE of all, SYNC_FOR_CPU of [%" PRIu64 ", +%" PRIu64 ") (%s)",
	   how, cpu_off, cpu_len, errname(ret));
	pattern_fill(buf + cpu_off, cpu_len, PAT_CPU, lead + cpu_off);
	ret = udt_unregister(fd, h);
	ok(ret == 0, "%s UNREGISTER (%s)", how, errname(ret));
	ok_pattern(buf + cpu_off, cpu_len, PAT_CPU, lead + cpu_off, lead + cpu_off,
		   "%s the CPU's writes after SYNC_FOR_CPU stay after UNREGISTER", how);
	ok(pattern_mismatch(map, lead + cpu_off, PAT_OLD, 0) < 0 &&
	   pattern_mismatch(buf + cpu_off + cpu_len, LEN - lead - cpu_off - cpu_len,
			    PAT_OLD, lead + cpu_off + cpu_len) < 0,
	   "%s every other byte (registered or not) still holds the old pattern", how);
	munmap(map, LEN);
}

/*
 * (d) The import's own mapping of the buffer (a bounce image of PAT_OLD
 * taken at IMPORT) is idle and owned by the CPU: its UNREGISTER must not
 * undo the transfer into the buffer's own handle.
 */
static void alloc_import(void)
{
	struct userdma_import im;
	struct userdma_alloc a;
	int ret, d = -1, err;
	uint8_t *p;

	ret = udt_alloc(fd, LEN, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "(d) ALLOC cached 64 KiB BIDIRECTIONAL (%s)", errname(ret)))
		return;
	p = udt_mmap(fd, a.mmap_offset, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	if (!p)
		bail("(d) mmap of the ALLOC buffer: %s", errname(err));
	pattern_fill(p, LEN, PAT_OLD, 0);
	ret = udt_export(fd, a.handle, 0, &d);
	ok(ret == 0, "(d) EXPORT (%s)", errname(ret));
	ret = ret ? ret : udt_import(fd, d, USERDMA_DIR_BIDIRECTIONAL, &im);
	if (ok(ret == 0, "(d) IMPORT of its dma-buf into the node, BIDIRECTIONAL (%s)",
	       errname(ret))) {
		if (copy_wait(hsrc, 0, a.handle, 0, LEN,
			      "(d) sw transfer into the ALLOC handle") == 0)
			ok_pattern(p, LEN, PAT_XFER, 0, 0,
				   "(d) after the completion the mapping shows the transferred bytes");
		ret = udt_unregister(fd, im.handle);
		ok(ret == 0, "(d) UNREGISTER of the import (%s)", errname(ret));
		ok_pattern(p, LEN, PAT_XFER, 0, 0,
			   "(d) the transfer's bytes stay after the import's UNREGISTER");
	}
	if (d >= 0)
		close(d);
	ret = udt_unregister(fd, a.handle);
	ok(ret == 0, "(d) UNREGISTER of the ALLOC handle (%s)", errname(ret));
	ok_pattern(p, LEN, PAT_XFER, 0, 0, "(d) and after the buffer's own UNREGISTER");
	munmap(p, LEN);
}

/*
 * (e)/(f) The sw engine writes n bytes of PAT_XFER to the registration's
 * DMA address + off (segment 0), a raw destination the module does not
 * sync: under bounce buffering the bytes sit in the bounce slot until
 * something copies it back.  With handover (e), the device owns the
 * range and UNREGISTER must copy it back; without (f), the CPU owned it
 * all along and nothing promises the bytes arrive.
 */
static void raw_write(int handover)
{
	const char *how = handover ? "(e)" : "(f)";
	struct userdma_segment *segs = NULL;
	uint8_t *buf = map_anon(LEN);
	uint64_t off = 100, n;
	ssize_t old, new;
	uint32_t h;
	int ret, nseg;

	pattern_fill(buf, LEN, PAT_OLD, 0);
	h = reg_or_bail(buf, LEN, USERDMA_DIR_BIDIRECTIONAL);
	nseg = udt_segments_all(fd, h, &segs);
	if (nseg <= 0 || segs[0].length <= off)
		bail("%s SEGMENTS: %s", how, errname(nseg));
	n = MIN(segs[0].length - off, (uint64_t)8192);
	if (handover) {
		ret = udt_sync(fd, h, 0, LEN, USERDMA_SYNC_FOR_DEVICE);
		ok(ret == 0, "%s SYNC_FOR_DEVICE of the whole registration (%s)", how,
		   errname(ret));
	}
	if (copy_wait(hsrc, 0, 0, segs[0].dma_addr + off, n, handover ?
		      "(e) sw transfer to the registration's own DMA address (raw)" :
		      "(f) sw transfer to the registration's own DMA address (raw), no handover")) {
		udt_unregister(fd, h);
		goto out;
	}
	/* the bytes went to the slot (bounce) or straight to memory */
	if (handover)
		ok(bounce ? pattern_mismatch(buf + off, n, PAT_OLD, off) < 0 :
			    pattern_mismatch(buf + off, n, PAT_XFER, 0) < 0,
		   "(e) before UNREGISTER the CPU sees %s", bounce ?
		   "the old bytes (the new ones are in the bounce slot)" :
		   "the new bytes (no bounce buffer)");
	ret = udt_unregister(fd, h);
	ok(ret == 0, "%s UNREGISTER without SYNC_FOR_CPU (%s)", how, errname(ret));
	if (handover)
		ok_pattern(buf + off, n, PAT_XFER, 0, off,
			   "(e) the device's %" PRIu64 " bytes reached memory at UNREGISTER", n);
	ok(pattern_mismatch(buf, off, PAT_OLD, 0) < 0 &&
	   pattern_mismatch(buf + off + n, LEN - off - n, PAT_OLD, off + n) < 0,
	   "%s the bytes around the device's write hold the old pattern", how);
	if (!handover) {
		uint64_t i, mixed = 0;

		for (i = 0; i < n; i++)
			mixed += buf[off + i] != pattern_byte(PAT_OLD, off + i) &&
				 buf[off + i] != pattern_byte(PAT_XFER, i);
		old = pattern_mismatch(buf + off, n, PAT_OLD, off);
		new = pattern_mismatch(buf + off, n, PAT_XFER, 0);
		ok(mixed == 0, "(f) each written byte is either the old or the device's (%" PRIu64
		   " neither)", mixed);
		diag("(f) without SYNC_FOR_DEVICE the device's bytes %s (not guaranteed either way: "
		     "the CPU owned the range; %s)",
		     new < 0 ? "arrived" : old < 0 ? "did not arrive" : "partly arrived",
		     bounce ? "bounce buffers" : "no bounce buffer, so they went straight to memory");
	}
out:
	free(segs);
	munmap(buf, LEN);
}

int main(void)
{
	struct userdma_info info;
	struct snap start;
	int ret;

	tap_init("copyback");
	diag_config();
	alarm(300);	/* last resort: every wait below is bounded */
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	bounce = !!(info.flags & USERDMA_INFO_BOUNCE);
	if (bounce)
		diag("bounce buffers: every check below proves the ownership rule");
	else
		diag("no bounce buffers (%s): nothing is ever copied back, so these checks pass trivially here; they prove something under swiotlb",
		     udt_config_name());
	snap_take(node, &start);
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	if (ret)
		bail("CHANNEL sw: %s", errname(ret));
	src = map_anon(LEN);
	pattern_fill(src, LEN, PAT_XFER, 0);
	hsrc = reg_or_bail(src, LEN, USERDMA_DIR_TO_DEVICE);

	overlap_registrations();
	exported_registration();
	sync_for_cpu_then_write(0);
	sync_for_cpu_then_write(1);
	alloc_import();
	raw_write(1);
	raw_write(0);

	ret = udt_unregister(fd, hsrc);
	ok(ret == 0, "source UNREGISTER (%s)", errname(ret));
	ok_no_spurious_enoent();
	close(fd);
	munmap(src, LEN);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
