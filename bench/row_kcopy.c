// SPDX-License-Identifier: MIT
/*
 * The CPU copy routines alone, kernel buffer to kernel buffer: memcpy()
 * and the sw engine's memcpy_flushcache(), against user-space memcpy() of
 * the same size.
 * Explains the transfer row: the engine cannot beat the copy it uses.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const uint64_t sizes[] = { 4 * KiB, 1 * MiB, 64 * MiB };

void row_kcopy(struct bench *b)
{
	unsigned int i, r, m;
	char *src, *dst;

	printf("\n## CPU copy routines (MB/s, medians; ratio to user memcpy)\n");
	src = buf_alloc(64 * MiB, 0);
	dst = buf_alloc(64 * MiB, 0);
	if (!src || !dst)
		return;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t size = sizes[i];
		unsigned int k = inner_iters(size, 200);
		double v[3][32];
		struct stat2 s[3];
		char sz[16];

		for (r = 0; r < b->reps; r++) {
			double t0 = now_ns();
			unsigned int j;

			for (j = 0; j < k; j++)
				memcpy(dst, src, size);
			v[0][r] = (now_ns() - t0) / k;
			for (m = 0; m < 2; m++) {
				struct userdma_bench cmd = {
					.op = USERDMA_BENCH_KCOPY, .iters = k,
					.length = size, .direction = m,
				};

				if (bench_ioctl(b, &cmd))
					goto out;
				v[m + 1][r] = (double)cmd.ns[0] / k;
			}
		}
		for (m = 0; m < 3; m++)
			s[m] = stat2_of(v[m], b->reps);
		printf("%8s user %8.0f kernel memcpy %8.0f (%.2f) engine copy %8.0f (%.2f)\n",
		       size_name(size, sz, sizeof(sz)), size / s[0].med * 1e3,
		       size / s[1].med * 1e3, s[0].med / s[1].med,
		       size / s[2].med * 1e3, s[0].med / s[2].med);
		csv(b, "kcopy", "user-memcpy", size, "ns", s[0]);
		csv(b, "kcopy", "kernel-memcpy", size, "ns", s[1]);
		csv(b, "kcopy", "engine-copy", size, "ns", s[2]);
	}
out:
	buf_free(src);
	buf_free(dst);
}
