// SPDX-License-Identifier: MIT
/*
 * Lifetime of transfers on the sw engine:
 *  - UNREGISTER of a region with a transfer in flight -> EBUSY, and the
 *    region keeps working (the data arrives; UNREGISTER works afterwards);
 *  - close() with 4 x 64 MiB in flight, in rounds: the node's counters and
 *    VmPin are back at baseline as soon as close() returns;
 *  - SIGKILL of a child with 4 x 64 MiB in flight, in rounds: the counters
 *    return to baseline;
 *  - munmap() of a registered destination while transfers into it run:
 *    every transfer DONE, nothing crashes, the handle still unregisters;
 *  - the watchdog: xfer_timeout_ms = 1 and 8 x 64 MiB queued on a fresh
 *    file -> the statuses read DONE* TIMEOUT CANCELLED+ in cookie order,
 *    exactly one TIMEOUT, and the channel works afterwards;
 *  - the same after the file already submitted one transfer under the
 *    default timeout (the timeout applies to transfers submitted after the
 *    parameter changed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

#define BIG	(64 * MiB)
#define NBIG	4

/*
 * Rounds of the close and SIGKILL loops: up to MAX_ROUNDS, but no new round
 * after ROUND_BUDGET_S once MIN_ROUNDS ran.  Under swiotlb=force each
 * round registers 128 MiB through bounce buffers, and 6.1 copies those a
 * byte per step under TCG: with 20 rounds each this program took 458 s
 * there, 46 s under the IOMMU.
 */
#define MIN_ROUNDS	3
#define MAX_ROUNDS	20
#define ROUND_BUDGET_S	8.0

static const char *node;
static uint8_t *sbuf, *dbuf;
static long long timeout_default;

static void restore_timeout(void)
{
	if (timeout_default > 0)
		xfer_timeout_set(timeout_default);
}

/* Open, bind sw, register sbuf (TO_DEVICE) and dbuf (FROM_DEVICE). */
static int open_pair(uint32_t *hs, uint32_t *hd)
{
	int f = node_open_or_bail(node), ret;

	ret = udt_channel(f, "sw", -1, NULL, NULL);
	if (!ret)
		ret = udt_register(f, sbuf, BIG, USERDMA_DIR_TO_DEVICE, hs, NULL);
	if (!ret)
		ret = udt_register(f, dbuf, BIG, USERDMA_DIR_FROM_DEVICE, hd, NULL);
	if (ret)
		bail("open_pair: %s", errname(ret));
	return f;
}

static int submit_big(int f, uint32_t hs, uint32_t hd, unsigned int n,
		      struct userdma_xfer *xs)
{
	struct userdma_xfer local[16];
	uint32_t got;
	unsigned int i;
	int ret;

	if (!xs)
		xs = local;
	for (i = 0; i < n; i++)
		xfer_fill(&xs[i], hs, 0, hd, 0, BIG, i);
	ret = udt_submit(f, xs, n, &got);
	return ret ? ret : got == n ? 0 : -EPROTO;
}

static int another_round(int i, double t0)
{
	return i < MAX_ROUNDS && (i < MIN_ROUNDS || now_s() - t0 < ROUND_BUDGET_S);
}

static void unregister_busy(void)
{
	struct userdma_xfer xs[NBIG];
	struct userdma_completion c;
	uint32_t hs, hd;
	int f = open_pair(&hs, &hd), ret, rs, rd, done = 0;
	unsigned int i;

	pattern_fill(sbuf, BIG, 31, 0);
	memset(dbuf, 0, BIG);
	ret = submit_big(f, hs, hd, NBIG, xs);
	rd = udt_unregister(f, hd);
	rs = udt_unregister(f, hs);
	ok(ret == 0 && rd == -EBUSY && rs == -EBUSY,
	   "UNREGISTER with 4 x 64 MiB in flight: destination %s, source %s (EBUSY)",
	   errname(rd), errname(rs));
	for (i = 0; i < NBIG; i++)
		done += udt_wait_retry(f, xs[i].cookie, -1, &c) == 0 && c.status == 0 &&
			c.bytes == BIG;
	ok(done == NBIG, "the transfers complete DONE anyway (%d of 4)", done);
	ok(pattern_mismatch(dbuf, BIG, 31, 0) < 0,
	   "the data arrived in the region that refused to go");
	rd = udt_unregister(f, hd);
	rs = udt_unregister(f, hs);
	ok(rd == 0 && rs == 0, "after completion both UNREGISTER (%s, %s)",
	   errname(rd), errname(rs));
	close(f);
}

static void close_in_flight(const struct snap *base)
{
	double t0 = now_s();
	char why[256];
	int i, bad = 0;

	for (i = 0; another_round(i, t0); i++) {
		uint32_t hs, hd;
		int f = open_pair(&hs, &hd), ret;

		ret = submit_big(f, hs, hd, NBIG, NULL);
		if (ret) {
			bad++;
			diag("loop %d: SUBMIT %s", i, errname(ret));
		}
		close(f);
		if (!snap_check(node, base, 0, 0, 0, 0, why, sizeof(why))) {
			if (bad++ < 3)
				diag("loop %d after close: %s", i, why);
		}
	}
	ok(!bad, "close() with 4 x 64 MiB in flight, %d times in %.1f s: counters and VmPin at baseline right after each close",
	   i, now_s() - t0);
}

static void sigkill_in_flight(const struct snap *base)
{
	struct node_stats last;
	double t0 = now_s();
	int i, bad = 0;

	for (i = 0; another_round(i, t0); i++) {
		int p[2], status;
		char c = 0;
		pid_t pid;

		if (pipe(p))
			bail("pipe");
		pid = fork();
		if (pid == 0) {
			uint32_t hs, hd;
			int f = open_pair(&hs, &hd);

			c = submit_big(f, hs, hd, NBIG, NULL) ? 'e' : 'k';
			if (write(p[1], &c, 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
		if (pid < 0)
			bail("fork");
		close(p[1]);
		if (read(p[0], &c, 1) != 1 || c != 'k') {
			bad++;
			diag("loop %d: child could not submit", i);
		}
		close(p[0]);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			bad++;
			diag("loop %d: child status %#x", i, status);
		}
		if (!wait_node_stats(node, &base->st, 10000, &last)) {
			if (bad++ < 3)
				diag("loop %d: counters %lld/%lld/%lld, want %lld/%lld/%lld",
				     i, last.regions, last.pinned_pages,
				     last.mapped_bytes, base->st.regions,
				     base->st.pinned_pages, base->st.mapped_bytes);
		}
	}
	ok(!bad, "SIGKILL with 4 x 64 MiB in flight, %d times in %.1f s: regions, pinned_pages, mapped_bytes back at baseline",
	   i, now_s() - t0);
}

static void munmap_in_flight(void)
{
	struct userdma_xfer xs[NBIG];
	struct userdma_completion c;
	uint8_t *d = map_anon(BIG);
	uint32_t hs, hd;
	int f, ret, done = 0;
	unsigned int i;

	f = node_open_or_bail(node);
	if (udt_channel(f, "sw", -1, NULL, NULL) ||
	    udt_register(f, sbuf, BIG, USERDMA_DIR_TO_DEVICE, &hs, NULL) ||
	    udt_register(f, d, BIG, USERDMA_DIR_FROM_DEVICE, &hd, NULL))
		bail("munmap case setup");
	ret = submit_big(f, hs, hd, NBIG, xs);
	ok(ret == 0, "4 x 64 MiB into a region (%s)", errname(ret));
	ret = munmap(d, BIG);
	ok(ret == 0, "munmap() of the destination while they run");
	for (i = 0; i < NBIG; i++)
		done += udt_wait_retry(f, xs[i].cookie, -1, &c) == 0 && c.status == 0 &&
			c.bytes == BIG;
	ok(done == NBIG, "all 4 complete DONE (pages stay pinned) (%d)", done);
	ret = udt_unregister(f, hd);
	ok(ret == 0, "the unmapped range's handle unregisters (%s)", errname(ret));
	udt_unregister(f, hs);
	close(f);
}

/*
 * 8 x 64 MiB with xfer_timeout_ms = 1: one TIMEOUT, the rest in flight
 * CANCELLED, those done before DONE.  warm: submit one transfer under the
 * default timeout first.
 */
static void watchdog(int warm)
{
	const char *tag = warm ? "after a transfer under the default timeout" :
			  "fresh file";
	struct userdma_completion cs[8], c;
	struct userdma_xfer xs[8];
	uint32_t hs, hd;
	int f = open_pair(&hs, &hd), ret, ntimeout = 0, order = 1, stage = 0;
	unsigned int i;
	double t0;

	if (warm) {
		ret = udt_copy(f, hs, 0, hd, 0, 4096, &c);
		ok(ret == 0 && c.status == 0, "%s: a 4 KiB copy DONE", tag);
	}
	ret = xfer_timeout_set(1);
	ok(ret == 0 && xfer_timeout_get() == 1, "xfer_timeout_ms = 1 (%s)",
	   errname(ret));
	t0 = now_s();
	ret = submit_big(f, hs, hd, 8, xs);
	xfer_timeout_set(timeout_default);
	if (!ok(ret == 0, "%s: SUBMIT 8 x 64 MiB (%s)", tag, errname(ret))) {
		close(f);
		return;
	}
	for (i = 0; i < 8; i++) {
		ret = udt_wait_retry(f, xs[i].cookie, 120 * 1000000000ll, &cs[i]);
		if (ret) {
			diag("WAIT %u: %s", i, errname(ret));
			memset(&cs[i], 0, sizeof(cs[i]));
			cs[i].status = 99;
		}
	}
	for (i = 0; i < 8; i++) {
		int st = (int)cs[i].status;

		diag("%s: xfer %u: %s, %llu bytes", tag, i,
		     xfer_status_name(cs[i].status),
		     (unsigned long long)cs[i].bytes);
		ntimeout += st == USERDMA_XFER_TIMEOUT;
		/* DONE* TIMEOUT CANCELLED* */
		if (st == USERDMA_XFER_DONE && stage == 0 && cs[i].bytes == BIG)
			continue;
		if (st == USERDMA_XFER_TIMEOUT && stage == 0 &&
		    cs[i].bytes < BIG) {
			stage = 1;
			continue;
		}
		if (st == USERDMA_XFER_CANCELLED && stage == 1 &&
		    cs[i].bytes <= BIG)
			continue;
		order = 0;
	}
	ok(ntimeout == 1 && order && cs[7].status == USERDMA_XFER_CANCELLED,
	   "%s: exactly one TIMEOUT (short), DONE before it, CANCELLED after it (%d TIMEOUT, %.2f s)",
	   tag, ntimeout, now_s() - t0);

	pattern_fill(sbuf, 8192, 44, 0);
	ret = udt_copy(f, hs, 0, hd, 100, 8192, &c);
	ok(ret == 0 && c.status == 0 && pattern_mismatch(dbuf + 100, 8192, 44, 0) < 0,
	   "%s: after the timeout the channel copies again (%s)", tag,
	   errname(ret));
	udt_unregister(f, hs);
	udt_unregister(f, hd);
	close(f);
}

int main(void)
{
	struct snap base;

	tap_init("xfer_lifetime");
	diag_config();
	node = node_name_for(edu64_bdf());
	timeout_default = xfer_timeout_get();
	if (!ok(timeout_default == 60000, "xfer_timeout_ms is 60000 (%lld)",
		timeout_default))
		timeout_default = 60000;
	atexit(restore_timeout);
	sbuf = map_anon(BIG);
	dbuf = map_anon(BIG);
	snap_take(node, &base);

	unregister_busy();
	close_in_flight(&base);
	sigkill_in_flight(&base);
	munmap_in_flight();
	watchdog(0);
	watchdog(1);

	ok(xfer_timeout_get() == 60000, "xfer_timeout_ms restored to 60000");
	ok_no_spurious_enoent();
	ok_unchanged(node, &base, "at the end: counters and VmPin at baseline");
	return done_testing();
}
