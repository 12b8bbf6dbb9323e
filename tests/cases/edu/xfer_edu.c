// SPDX-License-Identifier: MIT
/*
 * Transfers through the edu device's own DMA engine (channel "edu"): each
 * 4095-byte chunk costs two device commands of 100 ms guest time, cheap
 * under icount.
 *
 *  - sizes 1, 100, 4095, 4096, 4097, 64 KiB + 3 and 200 KiB at odd offsets,
 *    one at a time and then all seven in flight from one SUBMIT; every
 *    destination byte checked, and every byte around the ranges unchanged;
 *  - the engine has one channel: a second file asking for "edu" gets EBUSY
 *    while the first holds it;
 *  - close() in the middle of a 64 KiB (16-chunk) transfer: the counters
 *    and VmPin are back at once, the channel is free again and the next
 *    file's copy through the same engine is right;
 *  - the watchdog: xfer_timeout_ms = 50 and an 8 KiB copy (two chunks,
 *    400 ms) -> TIMEOUT, the transfer queued behind it CANCELLED, and the
 *    engine copies correctly afterwards.
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

#define RLEN	(512 * KiB)

static const char *node;
static uint8_t *sbuf, *dbuf, *expect;
static long long timeout_default = 60000;

static void restore_timeout(void)
{
	xfer_timeout_set(timeout_default);
}

static int open_edu(uint32_t *hs, uint32_t *hd, const char *what)
{
	char bound[32], engine[32];
	int f = node_open_or_bail(node), ret;

	ret = udt_channel(f, "edu", -1, bound, engine);
	ok(ret == 0 && !strcmp(engine, "edu"), "%s: CHANNEL \"edu\" (%s, %s)",
	   what, errname(ret), ret ? "-" : bound);
	if (ret)
		bail("no edu channel");
	if (udt_register(f, sbuf, RLEN, USERDMA_DIR_TO_DEVICE, hs, NULL) ||
	    udt_register(f, dbuf, RLEN, USERDMA_DIR_FROM_DEVICE, hd, NULL))
		bail("register");
	return f;
}

static void sizes(void)
{
	static const uint64_t len[] = {
		1, 100, 4095, 4096, 4097, 64 * KiB + 3, 200 * KiB,
	};
	struct userdma_xfer xs[ARRAY_SIZE(len)];
	struct userdma_completion c;
	uint64_t soff, doff = 0, ns = 0;
	uint32_t hs, hd, n;
	unsigned int i, good = 0;
	double t0;
	int f, ret, fd2;
	ssize_t bad;

	f = open_edu(&hs, &hd, "first file");
	fd2 = node_open_or_bail(node);
	ret = udt_channel(fd2, "edu", -1, NULL, NULL);
	ok(ret == -EBUSY, "second file: CHANNEL \"edu\" while the first holds it -> EBUSY (%s)",
	   errname(ret));
	close(fd2);

	pattern_fill(sbuf, RLEN, 1, 0);
	for (i = 0; i < ARRAY_SIZE(len); i++) {
		soff = 1 + 2 * i + (i * 7919) % 4096;
		doff = 3 + i * 11;
		pattern_fill(dbuf, RLEN, 100 + i, 0);
		memcpy(expect, dbuf, RLEN);
		memcpy(expect + doff, sbuf + soff, len[i]);
		t0 = now_s();
		ret = udt_copy(f, hs, soff, hd, doff, len[i], &c);
		ok(ret == 0 && c.status == 0 && c.bytes == len[i],
		   "edu copy of %" PRIu64 " bytes, src +%" PRIu64 " dst +%" PRIu64 ": DONE (%s, %s)",
		   len[i], soff, doff, errname(ret),
		   ret ? "-" : xfer_status_name(c.status));
		bad = mem_mismatch(dbuf, expect, RLEN);
		ok(bad < 0, "  destination right, the rest of the region unchanged");
		if (bad >= 0)
			diag_mismatch(dbuf, expect, RLEN, bad);
		diag("  %.3f s (icount: instruction time)", now_s() - t0);
	}

	/* all seven in flight at once, destinations side by side */
	pattern_fill(dbuf, RLEN, 200, 0);
	memcpy(expect, dbuf, RLEN);
	doff = 1;
	for (i = 0; i < ARRAY_SIZE(len); i++) {
		soff = (i * 4099) % 1000 + 5;
		xfer_fill(&xs[i], hs, soff, hd, doff, len[i], i);
		memcpy(expect + doff, sbuf + soff, len[i]);
		doff += len[i] + 7;
		ns += len[i];
	}
	ret = udt_submit(f, xs, ARRAY_SIZE(len), &n);
	ok(ret == 0 && n == ARRAY_SIZE(len), "SUBMIT all 7 sizes at once (%s)",
	   errname(ret));
	for (i = 0; ret == 0 && i < ARRAY_SIZE(len); i++)
		good += udt_wait_retry(f, xs[i].cookie, -1, &c) == 0 && c.status == 0 &&
			c.bytes == len[i] && c.user_data == i;
	ok(good == ARRAY_SIZE(len), "  all 7 DONE with their lengths (%u)", good);
	bad = mem_mismatch(dbuf, expect, RLEN);
	ok(bad < 0, "  %" PRIu64 " bytes right, gaps of 7 bytes between them unchanged",
	   ns);
	if (bad >= 0)
		diag_mismatch(dbuf, expect, RLEN, bad);
	udt_unregister(f, hs);
	udt_unregister(f, hd);
	close(f);
}

static void close_mid_transfer(const struct snap *base)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	uint32_t hs, hd, n;
	int f, ret;

	f = open_edu(&hs, &hd, "close case");
	xfer_fill(&x, hs, 0, hd, 0, 64 * KiB, 0);
	ret = udt_submit(f, &x, 1, &n);
	ok(ret == 0, "64 KiB (16 chunks) submitted (%s)", errname(ret));
	sleep_ms(250);	/* a chunk or so into it */
	ret = udt_wait(f, x.cookie, 0, NULL);
	ok(ret == -ETIMEDOUT, "  still running after 250 ms (%s)", errname(ret));
	close(f);
	ok_unchanged(node, base, "close() mid-transfer: counters and VmPin at baseline at once");

	f = open_edu(&hs, &hd, "after the close");
	pattern_fill(sbuf, RLEN, 77, 0);
	memset(dbuf, 0, 16 * KiB);
	ret = udt_copy(f, hs, 10, hd, 20, 10000, &c);
	ok(ret == 0 && c.status == 0 && pattern_mismatch(dbuf + 20, 10000, 77, 10) < 0 &&
	   byte_mismatch(dbuf, 20, 0) < 0 && byte_mismatch(dbuf + 10020, 100, 0) < 0,
	   "the engine's next copy (10000 bytes) is right (%s, %s)", errname(ret),
	   ret ? "-" : xfer_status_name(c.status));
	udt_unregister(f, hs);
	udt_unregister(f, hd);
	close(f);
}

static void timeout_case(void)
{
	struct userdma_completion c[2], d;
	struct userdma_xfer xs[2];
	uint32_t hs, hd, n;
	int f, ret, r0, r1;

	f = open_edu(&hs, &hd, "timeout case");
	ret = xfer_timeout_set(50);
	ok(ret == 0, "xfer_timeout_ms = 50 (%s)", errname(ret));
	xfer_fill(&xs[0], hs, 0, hd, 0, 8 * KiB, 1);
	xfer_fill(&xs[1], hs, 0, hd, 16 * KiB, 4 * KiB, 2);
	ret = udt_submit(f, xs, 2, &n);
	restore_timeout();
	ok(ret == 0 && n == 2, "8 KiB copy and a 4 KiB one behind it (%s)",
	   errname(ret));
	r0 = udt_wait_retry(f, xs[0].cookie, -1, &c[0]);
	r1 = udt_wait_retry(f, xs[1].cookie, -1, &c[1]);
	ok(r0 == 0 && c[0].status == USERDMA_XFER_TIMEOUT && c[0].bytes < 8 * KiB,
	   "  the 8 KiB copy -> TIMEOUT, %llu bytes (%s, %s)",
	   (unsigned long long)c[0].bytes, errname(r0),
	   r0 ? "-" : xfer_status_name(c[0].status));
	ok(r1 == 0 && c[1].status == USERDMA_XFER_CANCELLED,
	   "  the one behind it -> CANCELLED (%s, %s)", errname(r1),
	   r1 ? "-" : xfer_status_name(c[1].status));
	ok(xfer_timeout_get() == timeout_default, "xfer_timeout_ms restored");

	pattern_fill(sbuf, RLEN, 55, 0);
	memset(dbuf, 0, 16 * KiB);
	ret = udt_copy(f, hs, 1, hd, 2, 5000, &d);
	ok(ret == 0 && d.status == 0 && pattern_mismatch(dbuf + 2, 5000, 55, 1) < 0 &&
	   byte_mismatch(dbuf + 5002, 100, 0) < 0,
	   "after the timeout the engine copies 5000 bytes right (%s, %s)",
	   errname(ret), ret ? "-" : xfer_status_name(d.status));
	udt_unregister(f, hs);
	udt_unregister(f, hd);
	close(f);
}

int main(void)
{
	struct snap base;

	tap_init("xfer_edu");
	diag_config();
	node = node_name_for(edu64_bdf());
	timeout_default = xfer_timeout_get();
	if (!ok(timeout_default == 60000, "xfer_timeout_ms is 60000 (%lld)",
		timeout_default))
		timeout_default = 60000;
	atexit(restore_timeout);
	sbuf = map_anon(RLEN);
	dbuf = map_anon(RLEN);
	expect = malloc(RLEN);
	snap_take(node, &base);

	sizes();
	close_mid_transfer(&base);
	timeout_case();

	ok_no_spurious_enoent();
	ok_unchanged(node, &base, "at the end: counters and VmPin at baseline");
	return done_testing();
}
