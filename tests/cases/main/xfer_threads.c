// SPDX-License-Identifier: MIT
/*
 * Transfers from several threads on the sw engine, every byte verified.
 *
 *  A. 4 threads share one open file (one channel): each has its own
 *     regions on that file, submits 1..8 transfers at a time and collects
 *     exactly its own by WAIT on each cookie, for a few seconds; the others'
 *     completions must never be handed to it.
 *  B. 4 threads each with its own open file and channel, collecting by
 *     read() or WAIT on any, alternately.
 *
 * Every destination slot is refilled before each transfer; afterwards the
 * copied range must equal the source and the rest of the slot must be
 * unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

#define NTHREADS	4
#define RLEN		(1 * MiB)
#define NSLOTS		8
#define SLOT		(RLEN / NSLOTS)

struct worker {
	pthread_t t;
	int id, fd, own_fd;
	struct rng rng;
	uint8_t *src, *dst, *expect;
	uint32_t hs, hd;
	unsigned long xfers, batches, errors;
	uint64_t bytes;
	char err[256];
};

static const char *node;
static double deadline;
static struct worker w[NTHREADS];

static void werr(struct worker *k, const char *fmt, ...) TAP_PRINTF(2, 3);
static void werr(struct worker *k, const char *fmt, ...)
{
	va_list ap;

	if (!k->errors++) {
		va_start(ap, fmt);
		vsnprintf(k->err, sizeof(k->err), fmt, ap);
		va_end(ap);
	}
}

static void batch(struct worker *k, int by_read)
{
	struct userdma_xfer xs[NSLOTS];
	struct userdma_completion c[NSLOTS];
	unsigned int n = 1 + (unsigned int)rng_below(&k->rng, NSLOTS), i, got = 0;
	uint64_t tag = ((uint64_t)k->id << 56) | (k->batches << 8);
	uint32_t sub;
	int ret;

	if (rng_below(&k->rng, 8) == 0)	/* new source bytes now and then */
		pattern_fill(k->src, RLEN, rng_next(&k->rng), 0);
	for (i = 0; i < n; i++) {
		uint64_t len = 1 + rng_below(&k->rng, SLOT);
		uint64_t doff = i * SLOT + rng_below(&k->rng, SLOT - len + 1);
		uint64_t soff = rng_below(&k->rng, RLEN - len + 1);

		pattern_fill(k->dst + i * SLOT, SLOT, tag | i, 0);
		memcpy(k->expect + i * SLOT, k->dst + i * SLOT, SLOT);
		memcpy(k->expect + doff, k->src + soff, len);
		xfer_fill(&xs[i], k->hs, soff, k->hd, doff, len, tag | i);
		k->bytes += len;
	}
	ret = udt_submit(k->fd, xs, n, &sub);
	if (ret || sub != n) {
		werr(k, "SUBMIT %u: %s, %u submitted", n, errname(ret), sub);
		return;
	}
	while (got < n) {
		int m;

		if (by_read == 1) {
			m = udt_read_compl(k->fd, c + got, n - got);
		} else {
			/* by cookie on a shared file, any on our own */
			ret = udt_wait_retry(k->fd, by_read ? 0 : xs[got].cookie,
				       60 * 1000000000ll, c + got);
			m = ret ? ret : 1;
		}
		if (m <= 0) {
			werr(k, "collect %u of %u: %s", got, n, errname(m));
			return;
		}
		got += (unsigned int)m;
	}
	for (i = 0; i < n; i++) {
		uint64_t idx = c[i].user_data - tag;

		if (idx >= n || c[i].cookie != xs[idx].cookie ||
		    c[i].status != USERDMA_XFER_DONE ||
		    c[i].bytes != xs[idx].length) {
			werr(k, "completion cookie %llu user_data %llx status %s bytes %llu: not ours or not DONE",
			     (unsigned long long)c[i].cookie,
			     (unsigned long long)c[i].user_data,
			     xfer_status_name(c[i].status),
			     (unsigned long long)c[i].bytes);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		ssize_t bad = mem_mismatch(k->dst + i * SLOT, k->expect + i * SLOT,
					   SLOT);

		if (bad >= 0) {
			werr(k, "slot %u (xfer src +%llu dst +%llu len %llu): byte %zd wrong",
			     i, (unsigned long long)xs[i].src,
			     (unsigned long long)xs[i].dst,
			     (unsigned long long)xs[i].length, bad);
			return;
		}
	}
	k->xfers += n;
	k->batches++;
}

static void *run(void *arg)
{
	struct worker *k = arg;
	int i = 0;

	while (now_s() < deadline && !k->errors)
		batch(k, k->own_fd ? (i++ & 1) + 1 : 0);
	return NULL;
}

static void phase(int own, int shared_fd, double secs)
{
	unsigned long xfers = 0, errors = 0;
	uint64_t bytes = 0;
	double t0;
	int i, ret;

	for (i = 0; i < NTHREADS; i++) {
		struct worker *k = &w[i];

		memset(k, 0, sizeof(*k));
		k->id = i + 1;
		k->own_fd = own;
		rng_init(&k->rng, test_seed() + (uint64_t)i * 7919 + own);
		k->fd = own ? node_open_or_bail(node) : shared_fd;
		if (own && (ret = udt_channel(k->fd, "sw", -1, NULL, NULL)))
			bail("thread %d: CHANNEL: %s", i, errname(ret));
		k->src = map_anon(RLEN);
		k->dst = map_anon(RLEN);
		k->expect = malloc(RLEN);
		pattern_fill(k->src, RLEN, rng_next(&k->rng), 0);
		if (udt_register(k->fd, k->src, RLEN, USERDMA_DIR_TO_DEVICE, &k->hs,
				 NULL) ||
		    udt_register(k->fd, k->dst, RLEN, USERDMA_DIR_FROM_DEVICE,
				 &k->hd, NULL))
			bail("thread %d: register", i);
	}
	t0 = now_s();
	deadline = t0 + secs;
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&w[i].t, NULL, run, &w[i]);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(w[i].t, NULL);
	for (i = 0; i < NTHREADS; i++) {
		struct worker *k = &w[i];

		if (k->errors)
			diag("%s thread %d: %s", own ? "own-file" : "shared-file",
			     k->id, k->err);
		xfers += k->xfers;
		bytes += k->bytes;
		errors += k->errors;
		ok(k->xfers > 0, "%s thread %d made progress: %lu transfers in %lu batches",
		   own ? "own-file" : "shared-file", k->id, k->xfers, k->batches);
		ret = udt_unregister(k->fd, k->hs) | udt_unregister(k->fd, k->hd);
		if (ret)
			errors++;
		if (own)
			close(k->fd);
		munmap(k->src, RLEN);
		munmap(k->dst, RLEN);
		free(k->expect);
	}
	ok(errors == 0,
	   "%s: 4 threads, %.1f s: %lu transfers, %.0f MiB, every completion theirs and DONE, every byte right",
	   own ? "4 files, one channel each" : "one file, one channel",
	   now_s() - t0, xfers, (double)bytes / MiB);
}

int main(void)
{
	struct snap start;
	double secs;
	int fd, ret;

	tap_init("xfer_threads");
	diag_config();
	test_seed();
	secs = (double)env_ll("XFER_THREADS_SECONDS", 3);
	node = node_name_for(edu64_bdf());
	snap_take(node, &start);

	fd = node_open_or_bail(node);
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	if (ret)
		bail("CHANNEL: %s", errname(ret));
	phase(0, fd, secs);
	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "shared file: nothing left outstanding (%s)",
	   errname(ret));
	close(fd);
	phase(1, -1, secs);

	ok_no_spurious_enoent();
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
