// SPDX-License-Identifier: MIT
/*
 * Row 3: transfers on the software engine.  One transfer of each size
 * between two registered buffers, against memcpy() of the same size in the
 * same guest (what the CPU can do at all) and against the copy path (the
 * same bytes through a kernel bounce buffer by the same engine, as a
 * read()/write() driver moves them).  Then 64 x 4 KiB in one submit, and
 * the latency of single 4 KiB transfers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MAX_SIZE	(64 * MiB)
#define BATCH		64
#define LAT_SAMPLES	1000

static const uint64_t sizes[] = {
	4 * KiB, 64 * KiB, 1 * MiB, 4 * MiB, 16 * MiB, 64 * MiB,
};

struct pair {
	char *src, *dst;
	uint32_t hs, hd;
};

static int one_xfer(struct bench *b, struct pair *p, uint64_t len)
{
	struct userdma_completion c;
	uint64_t cookie;

	if (userdma_copy_region(b->u, p->hs, 0, p->hd, 0, len, 0, &cookie) ||
	    userdma_wait(b->u, cookie, -1, &c) || c.status != USERDMA_XFER_DONE)
		return -1;
	return 0;
}

/* ratio of two per-operation times as a speed ratio: base / t */
static struct stat2 speedup(struct stat2 base, struct stat2 t)
{
	struct stat2 r = { base.min / t.min, base.med / t.med };

	return r;
}

static double mbs(uint64_t size, double ns)
{
	return size / ns * 1e3;
}

static void copypath_stages(struct bench *b, const struct userdma_bench *cmd);

/*
 * The copy path, with its stages timed: one clock read per 1 MiB bounce
 * chunk and stage costs nothing next to the copies.
 */
static int copypath(struct bench *b, struct pair *p, uint64_t size,
		    unsigned int k, double *ns, struct userdma_bench *cmd)
{
	double t0 = now_ns();

	*cmd = (struct userdma_bench) {
		.op = USERDMA_BENCH_COPYPATH, .iters = k,
		.flags = USERDMA_BENCH_STAGES, .addr = (uintptr_t)p->src,
		.addr2 = (uintptr_t)p->dst, .length = size,
	};
	if (bench_ioctl(b, cmd))
		return -1;
	*ns = (now_ns() - t0) / k;
	return 0;
}

/*
 * memcpy, userdma and the copy path take turns within each repetition,
 * so a busy host slows all three alike.
 */
static int measure_size(struct bench *b, struct pair *p, uint64_t size,
			struct stat2 *stream)
{
	unsigned int k = inner_iters(size, 64), r, i;
	/* the copy path is slow under TCG: fewer turns at the large sizes */
	unsigned int cp_reps = size >= 16 * MiB ? 3 : b->reps;
	double vm[32], vx[32], vc[32];
	struct userdma_bench cmd;
	struct stat2 mc, xf, cp;
	char sz[16];

	/* warm up: first touches, first completions */
	if (one_xfer(b, p, size))
		return -1;
	for (r = 0; r < b->reps; r++) {
		double t0 = now_ns();

		for (i = 0; i < k; i++)
			memcpy(p->dst, p->src, size);
		vm[r] = (now_ns() - t0) / k;

		t0 = now_ns();
		for (i = 0; i < k; i++)
			if (one_xfer(b, p, size))
				return -1;
		vx[r] = (now_ns() - t0) / k;

		if (r < cp_reps && copypath(b, p, size, k, &vc[r], &cmd))
			return -1;
	}
	mc = stat2_of(vm, r);
	xf = stat2_of(vx, r);
	cp = stat2_of(vc, cp_reps);
	if (size == MAX_SIZE)
		copypath_stages(b, &cmd);

	size_name(size, sz, sizeof(sz));
	printf("%8s %10.0f %10.0f %10.0f %8.2f %8.2f\n", sz,
	       mbs(size, mc.med), mbs(size, xf.med), mbs(size, cp.med),
	       mc.med / xf.med, cp.med / xf.med);
	csv(b, "xfer", "memcpy", size, "ns", mc);
	csv(b, "xfer", "userdma", size, "ns", xf);
	csv(b, "xfer", "copypath", size, "ns", cp);
	csv(b, "xfer", "userdma", size, "x_memcpy", speedup(mc, xf));
	csv(b, "xfer", "userdma", size, "x_copypath", speedup(cp, xf));
	if (size == MAX_SIZE)
		*stream = xf;
	return 0;
}

/* Where the copy path's time went at the largest size (its last turn). */
static void copypath_stages(struct bench *b, const struct userdma_bench *cmd)
{
	printf("# copy path, 64 MiB: copy_from_user %.1f ms, engine %.1f ms, copy_to_user %.1f ms\n",
	       cmd->ns[USERDMA_BENCH_NS_FROM_USER] / 1e6,
	       cmd->ns[USERDMA_BENCH_NS_ENGINE] / 1e6,
	       cmd->ns[USERDMA_BENCH_NS_TO_USER] / 1e6);
	csv1(b, "xfer-stages", "copypath", MAX_SIZE, "from_user",
	     cmd->ns[USERDMA_BENCH_NS_FROM_USER]);
	csv1(b, "xfer-stages", "copypath", MAX_SIZE, "engine",
	     cmd->ns[USERDMA_BENCH_NS_ENGINE]);
	csv1(b, "xfer-stages", "copypath", MAX_SIZE, "to_user",
	     cmd->ns[USERDMA_BENCH_NS_TO_USER]);
}

static int batched(struct bench *b, struct pair *p, struct stat2 stream)
{
	struct userdma_xfer x[BATCH];
	struct userdma_completion c[BATCH];
	unsigned int r, i, got;
	struct stat2 s, ratio;
	double v[32];

	for (r = 0; r < b->reps; r++) {
		double t0;

		memset(x, 0, sizeof(x));
		for (i = 0; i < BATCH; i++) {
			x[i].src_handle = p->hs;
			x[i].dst_handle = p->hd;
			x[i].src = x[i].dst = i * 4 * KiB;
			x[i].length = 4 * KiB;
		}
		t0 = now_ns();
		if (userdma_submit(b->u, x, BATCH) != BATCH)
			return -1;
		for (got = 0; got < BATCH;) {
			int n = userdma_completions(b->u, c, BATCH - got, 0);

			if (n <= 0)
				return -1;
			got += n;
		}
		v[r] = now_ns() - t0;
	}
	s = stat2_of(v, r);
	/* throughput ratio: (64 x 4 KiB / t) / (64 MiB / t_stream) */
	ratio.min = (BATCH * 4 * KiB / s.min) / (MAX_SIZE / stream.min);
	ratio.med = (BATCH * 4 * KiB / s.med) / (MAX_SIZE / stream.med);
	printf("# batch 64 x 4 KiB in one submit: %.0f MB/s (median), %.2f x 64 MiB streaming\n",
	       mbs(BATCH * 4 * KiB, s.med), ratio.med);
	csv(b, "xfer", "batch64x4k", BATCH * 4 * KiB, "ns", s);
	csv(b, "xfer", "batch64x4k", BATCH * 4 * KiB, "x_stream", ratio);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int latency(struct bench *b, struct pair *p)
{
	static double v[LAT_SAMPLES];
	unsigned int n = b->quick ? LAT_SAMPLES / 10 : LAT_SAMPLES, i;
	double p50, p99;

	for (i = 0; i < n; i++) {
		double t0 = now_ns();

		if (one_xfer(b, p, 4 * KiB))
			return -1;
		v[i] = now_ns() - t0;
	}
	qsort(v, n, sizeof(v[0]), cmp_double);
	p50 = v[n / 2];
	p99 = v[n * 99 / 100];
	printf("# 4 KiB transfer latency: p50 %.1f us, p99 %.1f us (%.1f and %.1f null ioctls)\n",
	       p50 / 1e3, p99 / 1e3, p50 / b->null_ioctl.med,
	       p99 / b->null_ioctl.med);
	csv1(b, "xfer", "latency4k", 4 * KiB, "p50_ns", p50);
	csv1(b, "xfer", "latency4k", 4 * KiB, "p99_ns", p99);
	csv1(b, "xfer", "latency4k", 4 * KiB, "p50_x_null", p50 / b->null_ioctl.med);
	csv1(b, "xfer", "latency4k", 4 * KiB, "p99_x_null", p99 / b->null_ioctl.med);
	return 0;
}

void row_xfer(struct bench *b)
{
	struct stat2 stream = { 1, 1 };
	struct pair p = { 0 };
	unsigned int i;

	printf("\n## 3. transfers on the sw engine (MB/s, medians; ratios: memcpy or copy path time / userdma time)\n");
	printf("%8s %10s %10s %10s %8s %8s\n", "size", "memcpy", "userdma",
	       "copypath", "x_memcpy", "x_copyp");
	p.src = buf_alloc(MAX_SIZE, 0);
	p.dst = buf_alloc(MAX_SIZE, 0);
	if (!p.src || !p.dst ||
	    userdma_register(b->u, p.src, MAX_SIZE, USERDMA_DIR_TO_DEVICE,
			     &p.hs, NULL) ||
	    userdma_register(b->u, p.dst, MAX_SIZE, USERDMA_DIR_FROM_DEVICE,
			     &p.hd, NULL)) {
		printf("# row 3: setup failed: %s\n", userdma_last_error());
		goto out;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (measure_size(b, &p, sizes[i], &stream)) {
			printf("# row 3: failed at size %llu: %s\n",
			       (unsigned long long)sizes[i], userdma_last_error());
			goto out;
		}
	if (batched(b, &p, stream) || latency(b, &p))
		printf("# row 3: batch/latency failed: %s\n", userdma_last_error());
out:
	if (p.hs)
		userdma_unregister(b->u, p.hs);
	if (p.hd)
		userdma_unregister(b->u, p.hd);
	if (p.src)
		buf_free(p.src);
	if (p.dst)
		buf_free(p.dst);
}
