// SPDX-License-Identifier: MIT
/*
 * Eight threads on ONE open file register, sync, query and unregister
 * their own buffers concurrently for a few seconds, while a thief thread
 * unregisters handles other threads have published and may be using at
 * that very moment.
 *
 * Every worker owns 8 slots.  Slots 0-5 are private: only the worker
 * touches them, and every answer must be exact (segments describe the
 * slot's bytes, syncs succeed, unregister succeeds).  Slots 6-7 are
 * exposed: the handle is published in an atomic cell; whoever exchanges
 * the cell to 0 (the thief, or the worker itself) owns the right to
 * unregister it, exactly once.  A worker's call on an exposed handle must
 * be exact if the cell still holds the handle after the call (the thief
 * had not claimed it, so the region was alive throughout); otherwise it
 * may fail with ENOENT (or, after the number was reused, answer for
 * another region) and is not judged.
 *
 * At the end every region is gone and the counters and VmPin are back.
 * USERDMA_THREADS_SECS sets the duration (default 3); the run goes on
 * past it, up to ten times it, until the thief has stolen a handle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#define NWORKERS 8
#define NSLOTS 8
#define NPRIVATE 6
#define SLOT_SPAN (128 * KiB)

static const char *node;
static int fd;
static struct userdma_info info;
static atomic_int stop;
static double deadline, hard_deadline;
/* set at the thief's first claim */
static atomic_int raced;

struct slot {
	uint8_t *addr;
	uint64_t len;
	uint32_t h;		/* private slots: the live handle or 0 */
	_Atomic uint32_t cell;	/* exposed slots: published handle or 0 */
};

struct worker {
	pthread_t tid;
	int id;
	struct rng rng;
	uint8_t *arena;
	struct slot slots[NSLOTS];
	/* results */
	unsigned long regs, unregs, syncs, queries, stolen_seen, errors;
	char first_error[256];
};

static struct worker workers[NWORKERS];
static unsigned long thief_claims, thief_errors;

static void werr(struct worker *w, const char *fmt, ...) TAP_PRINTF(2, 3);
static void werr(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->errors++) {
		va_start(ap, fmt);
		vsnprintf(w->first_error, sizeof(w->first_error), fmt, ap);
		va_end(ap);
	}
}

static int do_register(struct worker *w, struct slot *s, uint32_t *h)
{
	uint64_t off = rng_below(&w->rng, PAGE);
	uint32_t dir = 1 + (uint32_t)rng_below(&w->rng, 3);
	int ret;

	s->addr = w->arena + (size_t)(s - w->slots) * SLOT_SPAN + off;
	s->len = 1 + rng_below(&w->rng, 64 * KiB);
	ret = udt_register(fd, s->addr, s->len, dir, h, NULL);
	if (ret)
		werr(w, "REGISTER %" PRIu64 " bytes: %s", s->len, errname(ret));
	else
		w->regs++;
	return ret;
}

/* SEGMENTS of h describes s exactly; returns 0, -errno or -EPROTO. */
static int query(struct slot *s, uint32_t h, char *why, size_t len)
{
	struct userdma_segment *segs;
	int n = udt_segments_all(fd, h, &segs);

	if (n < 0) {
		snprintf(why, len, "SEGMENTS: %s", errname(n));
		return n;
	}
	n = segs_valid(segs, (uint32_t)n, (uintptr_t)s->addr, s->len, &info,
		       why, len) ? 0 : -EPROTO;
	free(segs);
	return n;
}

static int sync_some(struct worker *w, struct slot *s, uint32_t h)
{
	uint64_t off = rng_below(&w->rng, s->len);
	uint64_t len = 1 + rng_below(&w->rng, s->len - off);

	return udt_sync(fd, h, off, len,
			rng_below(&w->rng, 2) ? USERDMA_SYNC_FOR_CPU :
						USERDMA_SYNC_FOR_DEVICE);
}

static void private_op(struct worker *w, struct slot *s)
{
	char why[256];
	int ret;

	if (!s->h) {
		do_register(w, s, &s->h);
		return;
	}
	switch (rng_below(&w->rng, 4)) {
	case 0:
		ret = udt_unregister(fd, s->h);
		if (ret)
			werr(w, "UNREGISTER own handle %u: %s", s->h, errname(ret));
		else
			w->unregs++;
		s->h = 0;
		break;
	case 1:
		ret = query(s, s->h, why, sizeof(why));
		if (ret)
			werr(w, "own handle %u: %s", s->h, why);
		w->queries++;
		break;
	default:
		ret = sync_some(w, s, s->h);
		if (ret)
			werr(w, "SYNC own handle %u: %s", s->h, errname(ret));
		w->syncs++;
	}
}

static void exposed_op(struct worker *w, struct slot *s)
{
	uint32_t h = atomic_load(&s->cell), claimed;
	char why[256];
	int ret;

	if (!h) {
		if (do_register(w, s, &h) == 0)
			atomic_store(&s->cell, h);
		return;
	}
	switch (rng_below(&w->rng, 4)) {
	case 0:
		claimed = atomic_exchange(&s->cell, 0);
		if (!claimed) {
			w->stolen_seen++;
			break;
		}
		ret = udt_unregister(fd, claimed);
		if (ret)
			werr(w, "UNREGISTER claimed handle %u: %s", claimed,
			     errname(ret));
		else
			w->unregs++;
		break;
	case 1:
		ret = query(s, h, why, sizeof(why));
		w->queries++;
		if (ret && atomic_load(&s->cell) == h)
			werr(w, "exposed handle %u, unclaimed: %s", h, why);
		else if (ret)
			w->stolen_seen++;
		break;
	default:
		ret = sync_some(w, s, h);
		w->syncs++;
		if (ret && atomic_load(&s->cell) == h)
			werr(w, "SYNC exposed handle %u, unclaimed: %s", h,
			     errname(ret));
		else if (ret && ret != -ENOENT && ret != -ERANGE)
			/* after reuse another region may be shorter: ERANGE */
			werr(w, "SYNC stolen handle %u: unexpected %s", h,
			     errname(ret));
		else if (ret)
			w->stolen_seen++;
	}
}

/*
 * The run lasts its duration and, past it, until the thief has stolen a
 * handle at least once (a slow kernel, such as the debug one on a busy
 * host, may need longer), up to ten times the duration.
 */
static int running(void)
{
	double t = now_s();

	if (atomic_load(&stop))
		return 0;
	return t < deadline || (!atomic_load(&raced) && t < hard_deadline);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t i;

	while (running()) {
		struct slot *s = &w->slots[rng_below(&w->rng, NSLOTS)];

		if (s - w->slots < NPRIVATE)
			private_op(w, s);
		else
			exposed_op(w, s);
	}
	/* clean up: private handles, and exposed ones we can still claim */
	for (i = 0; i < NSLOTS; i++) {
		struct slot *s = &w->slots[i];
		uint32_t h;
		int ret;

		if (i < NPRIVATE) {
			h = s->h;
			s->h = 0;
		} else {
			h = atomic_exchange(&s->cell, 0);
		}
		if (!h)
			continue;
		ret = udt_unregister(fd, h);
		if (ret)
			werr(w, "final UNREGISTER %u: %s", h, errname(ret));
		else
			w->unregs++;
	}
	return NULL;
}

static void *thief_main(void *arg)
{
	struct rng r;

	rng_init(&r, *(uint64_t *)arg);
	while (running()) {
		struct worker *w = &workers[rng_below(&r, NWORKERS)];
		struct slot *s = &w->slots[NPRIVATE + rng_below(&r, NSLOTS - NPRIVATE)];
		uint32_t h = atomic_exchange(&s->cell, 0);

		if (h) {
			int ret = udt_unregister(fd, h);

			/* the claim makes us the only one to release it */
			if (ret)
				thief_errors++;
			else
				thief_claims++;
			atomic_store(&raced, 1);
		} else {
			sched_yield();
		}
	}
	return NULL;
}

int main(void)
{
	double secs = (double)env_ll("USERDMA_THREADS_SECS", 3);
	uint64_t seed, thief_seed;
	struct node_stats want, last;
	pthread_t thief;
	struct snap s;
	unsigned long regs = 0, unregs = 0, errors = 0, stolen = 0, q = 0, sy = 0;
	int i, reached;

	tap_init("threads");
	diag_config();
	seed = test_seed();
	thief_seed = seed ^ 0x7417;
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	snap_take(node, &s);

	deadline = now_s() + secs;
	hard_deadline = deadline + 9 * secs;
	for (i = 0; i < NWORKERS; i++) {
		workers[i].id = i;
		rng_init(&workers[i].rng, seed + 1000003ull * (uint64_t)(i + 1));
		workers[i].arena = map_anon(NSLOTS * SLOT_SPAN);
		if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]))
			bail("pthread_create failed");
	}
	if (pthread_create(&thief, NULL, thief_main, &thief_seed))
		bail("pthread_create failed");

	pthread_join(thief, NULL);
	for (i = 0; i < NWORKERS; i++) {
		struct worker *w = &workers[i];

		pthread_join(w->tid, NULL);
		regs += w->regs;
		unregs += w->unregs;
		errors += w->errors;
		stolen += w->stolen_seen;
		q += w->queries;
		sy += w->syncs;
		ok(w->errors == 0, "worker %d: every answer exact (%lu errors)", i,
		   w->errors);
		if (w->errors)
			diag("worker %d first error: %s", i, w->first_error);
	}
	diag("%.0f s: %lu registrations, %lu unregistrations by workers, %lu by the thief, %lu queries, %lu syncs, %lu calls on stolen handles",
	     secs, regs, unregs, thief_claims, q, sy, stolen);
	ok(thief_errors == 0,
	   "thief: every claimed handle unregistered exactly once (%lu errors)",
	   thief_errors);
	ok(regs == unregs + thief_claims,
	   "registrations %lu == unregistrations %lu + stolen %lu", regs, unregs,
	   thief_claims);
	ok(thief_claims > 0 && regs > 100,
	   "the race happened: %lu handles stolen, %lu registrations", thief_claims,
	   regs);
	want = s.st;
	reached = wait_node_stats(node, &want, 0, &last);
	ok(reached,
	   "node counters back to baseline (regions %lld, pages %lld, bytes %lld)",
	   last.regions, last.pinned_pages, last.mapped_bytes);
	ok_unchanged(node, &s, "VmPin and counters at baseline with the file still open");
	close(fd);
	for (i = 0; i < NWORKERS; i++)
		munmap(workers[i].arena, NSLOTS * SLOT_SPAN);
	return done_testing();
}
