// SPDX-License-Identifier: MIT
/* The null ioctl round trip: the unit of the 4 KiB registration target. */
#include <stdio.h>

#include "bench.h"

#define NULL_ITERS	2000

void row_null(struct bench *b)
{
	struct userdma_bench cmd = { .op = USERDMA_BENCH_NULL };
	double v[64];
	unsigned int r, i;

	for (r = 0; r < b->reps * 2; r++) {
		double t0 = now_ns();

		for (i = 0; i < NULL_ITERS; i++)
			bench_ioctl(b, &cmd);
		v[r] = (now_ns() - t0) / NULL_ITERS;
	}
	b->null_ioctl = stat2_of(v, r);
	printf("\n## null ioctl round trip: min %.0f ns, median %.0f ns\n",
	       b->null_ioctl.min, b->null_ioctl.med);
	csv(b, "null", "ioctl", 0, "ns", b->null_ioctl);
}
