// SPDX-License-Identifier: MIT
/*
 * Row 2: sync cost.  SYNC of 4 KiB, 1 MiB and 64 MiB sub-ranges of a
 * 64 MiB bidirectional registration, for the CPU and for the device, in
 * units of the null ioctl and of a memcpy() of the same size (what a
 * bounce copy costs at best).
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define REGION	(64 * MiB)

static const uint64_t sizes[] = { 4 * KiB, 1 * MiB, 64 * MiB };

void row_sync(struct bench *b)
{
	char *buf, *tmp;
	unsigned int i, r, dir;
	uint32_t h;

	printf("\n## 2. sync cost (ns per SYNC ioctl, medians; x_null = / null ioctl, x_memcpy = / memcpy of the size)\n");
	printf("%8s %8s %12s %12s %8s %9s\n", "size", "for", "ns", "memcpy",
	       "x_null", "x_memcpy");
	buf = buf_alloc(REGION, 0);
	tmp = buf_alloc(REGION, 0);
	if (!buf || !tmp || userdma_register(b->u, buf, REGION,
					     USERDMA_DIR_BIDIRECTIONAL, &h, NULL)) {
		printf("# row 2: setup failed: %s\n", userdma_last_error());
		goto out_free;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t size = sizes[i];
		unsigned int k = inner_iters(size, 200);
		struct stat2 mc, s;
		double v[32];
		char sz[16];

		for (r = 0; r < b->reps; r++) {
			double t0 = now_ns();
			unsigned int j;

			for (j = 0; j < k; j++)
				memcpy(tmp, buf, size);
			v[r] = (now_ns() - t0) / k;
		}
		mc = stat2_of(v, b->reps);
		csv(b, "sync", "memcpy", size, "ns", mc);
		for (dir = 0; dir < 2; dir++) {
			const char *name = dir ? "device" : "cpu";
			struct stat2 xn, xm;

			for (r = 0; r < b->reps; r++) {
				double t0 = now_ns();
				unsigned int j;

				for (j = 0; j < k; j++) {
					int ret = dir ?
						userdma_sync_for_device(b->u, h, 0, size) :
						userdma_sync_for_cpu(b->u, h, 0, size);

					if (ret) {
						printf("# row 2: sync failed: %s\n",
						       userdma_last_error());
						goto out;
					}
				}
				v[r] = (now_ns() - t0) / k;
			}
			s = stat2_of(v, b->reps);
			xn.min = s.min / b->null_ioctl.min;
			xn.med = s.med / b->null_ioctl.med;
			xm.min = s.min / mc.min;
			xm.med = s.med / mc.med;
			printf("%8s %8s %12.0f %12.0f %8.1f %9.2f\n",
			       size_name(size, sz, sizeof(sz)), name, s.med,
			       mc.med, xn.med, xm.med);
			csv(b, "sync", name, size, "ns", s);
			csv(b, "sync", name, size, "x_null", xn);
			csv(b, "sync", name, size, "x_memcpy", xm);
		}
	}
out:
	userdma_unregister(b->u, h);
out_free:
	if (buf)
		buf_free(buf);
	if (tmp)
		buf_free(tmp);
}
