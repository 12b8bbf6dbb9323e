// SPDX-License-Identifier: MIT
/*
 * Row 4: per-call pinning, as XDMA-style drivers do it (pin, map,
 * transfer, unmap, unpin on every call), against the same transfer between
 * buffers registered once.  Both through userdma and the sw engine, so the
 * only difference is registering per call.
 */
#include <stdio.h>

#include "bench.h"

#define MAX_SIZE	(64 * MiB)

static const uint64_t sizes[] = {
	4 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB, 64 * MiB,
};

static int xfer(struct bench *b, uint32_t hs, uint32_t hd, uint64_t len)
{
	struct userdma_completion c;
	uint64_t cookie;

	if (userdma_copy_region(b->u, hs, 0, hd, 0, len, 0, &cookie) ||
	    userdma_wait(b->u, cookie, -1, &c) || c.status != USERDMA_XFER_DONE)
		return -1;
	return 0;
}

static int percall(struct bench *b, char *src, char *dst, uint64_t len)
{
	uint32_t hs, hd;
	int ret = -1;

	if (userdma_register(b->u, src, len, USERDMA_DIR_TO_DEVICE, &hs, NULL))
		return -1;
	if (userdma_register(b->u, dst, len, USERDMA_DIR_FROM_DEVICE, &hd, NULL))
		goto out_src;
	ret = xfer(b, hs, hd, len);
	userdma_unregister(b->u, hd);
out_src:
	userdma_unregister(b->u, hs);
	return ret;
}

void row_percall(struct bench *b)
{
	char *src, *dst;
	uint32_t hs = 0, hd = 0;
	unsigned int i, r, j;

	printf("\n## 4. per-call pinning vs registered buffers (ns per transfer, medians; ratio = per-call/registered)\n");
	printf("%8s %12s %12s %8s\n", "size", "registered", "per-call", "ratio");
	src = buf_alloc(MAX_SIZE, 0);
	dst = buf_alloc(MAX_SIZE, 0);
	if (!src || !dst ||
	    userdma_register(b->u, src, MAX_SIZE, USERDMA_DIR_TO_DEVICE, &hs, NULL) ||
	    userdma_register(b->u, dst, MAX_SIZE, USERDMA_DIR_FROM_DEVICE, &hd, NULL)) {
		printf("# row 4: setup failed: %s\n", userdma_last_error());
		goto out;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t size = sizes[i];
		unsigned int k = inner_iters(size, 64);
		double vr[32], vp[32];
		struct stat2 sr, sp, x;
		char sz[16];

		for (r = 0; r < b->reps; r++) {
			double t0 = now_ns();

			for (j = 0; j < k; j++)
				if (xfer(b, hs, hd, size))
					goto fail;
			vr[r] = (now_ns() - t0) / k;
			t0 = now_ns();
			for (j = 0; j < k; j++)
				if (percall(b, src, dst, size))
					goto fail;
			vp[r] = (now_ns() - t0) / k;
		}
		sr = stat2_of(vr, b->reps);
		sp = stat2_of(vp, b->reps);
		x.min = sp.min / sr.min;
		x.med = sp.med / sr.med;
		printf("%8s %12.0f %12.0f %8.2f\n", size_name(size, sz, sizeof(sz)),
		       sr.med, sp.med, x.med);
		csv(b, "percall", "registered", size, "ns", sr);
		csv(b, "percall", "percall", size, "ns", sp);
		csv(b, "percall", "percall", size, "x_registered", x);
	}
	goto out;
fail:
	printf("# row 4: failed: %s\n", userdma_last_error());
out:
	if (hs)
		userdma_unregister(b->u, hs);
	if (hd)
		userdma_unregister(b->u, hd);
	if (src)
		buf_free(src);
	if (dst)
		buf_free(dst);
}
