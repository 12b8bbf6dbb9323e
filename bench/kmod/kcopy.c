// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's copy routines alone, between two kernel buffers of length
 * bytes: memcpy(), and memcpy_flushcache() which userdma's software
 * engine copies with, to tell the engine's own overhead from the copy
 * itself, and both from user space's memcpy().
 */
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "bench_ops.h"

int udma_bench_kcopy(struct userdma_bench *b)
{
	void *src, *dst;
	u64 t0;
	u32 i;

	if (b->length > SZ_64M)
		return -E2BIG;
	src = kvmalloc(b->length, GFP_KERNEL);
	dst = kvmalloc(b->length, GFP_KERNEL);
	if (!src || !dst) {
		kvfree(src);
		kvfree(dst);
		return -ENOMEM;
	}
	memset(src, 0x5a, b->length);
	memset(dst, 0, b->length);
	t0 = ktime_get_ns();
	for (i = 0; i < b->iters; i++) {
		if (b->direction == USERDMA_BENCH_KCOPY_ENGINE)
			memcpy_flushcache(dst, src, b->length);
		else
			memcpy(dst, src, b->length);
	}
	b->ns[USERDMA_BENCH_NS_TOTAL] = ktime_get_ns() - t0;
	kvfree(src);
	kvfree(dst);
	return 0;
}
