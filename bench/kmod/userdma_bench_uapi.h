/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * The bench module's ioctl (/dev/userdma-bench), shared by the module
 * (bench/kmod/) and the bench program (bench/) of the same tree and by
 * nothing else: it is never installed or packaged, and not a stable ABI.
 * It times, with ktime inside the kernel, the kernel's raw pinning and
 * mapping primitives, userdma's register path through its in-kernel API
 * (stage by stage from userdma's tracepoints), and a read()/write()-style
 * copy through a kernel bounce buffer on userdma's software engine.
 */
#ifndef USERDMA_BENCH_UAPI_H
#define USERDMA_BENCH_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define USERDMA_BENCH_DEVICE	"/dev/userdma-bench"

/* struct userdma_bench.op */
#define USERDMA_BENCH_NULL	0	/* nothing: an ioctl round trip */
#define USERDMA_BENCH_RAW	1	/* pin, sg table, map, unmap, unpin */
#define USERDMA_BENCH_REGION	2	/* userdma_register + userdma_unregister */
#define USERDMA_BENCH_COPYPATH	3	/* addr -> kernel -> sw engine -> kernel -> addr2 */
#define USERDMA_BENCH_KCOPY	4	/* kernel copy, kernel buffer to kernel buffer */

/* struct userdma_bench.direction for KCOPY */
#define USERDMA_BENCH_KCOPY_MEMCPY	0	/* memcpy() */
#define USERDMA_BENCH_KCOPY_ENGINE	1	/* memcpy_flushcache(), the sw engine's */

/* struct userdma_bench.flags */
#define USERDMA_BENCH_STAGES	0x1u	/* time every stage (costs clock reads) */

/* struct userdma_bench.ns[]: where the time went, summed over iters */
#define USERDMA_BENCH_NS_TOTAL	0
#define USERDMA_BENCH_NS_ALLOC	1	/* page array, charge, sg table alloc */
#define USERDMA_BENCH_NS_PIN	2	/* pin_user_pages_fast */
#define USERDMA_BENCH_NS_SG	3	/* sg_alloc_table_from_pages_segment */
#define USERDMA_BENCH_NS_MAP	4	/* dma_map_sgtable (+ userdma's checks) */
#define USERDMA_BENCH_NS_UNMAP	5	/* dma_unmap_sgtable, sg_free_table */
#define USERDMA_BENCH_NS_UNPIN	6	/* unpin_user_pages[_dirty_lock] */
#define USERDMA_BENCH_NS_SEGS	7	/* userdma's segment array */
/* COPYPATH reuses slots: */
#define USERDMA_BENCH_NS_FROM_USER	1	/* copy_from_user into the bounce buffer */
#define USERDMA_BENCH_NS_ENGINE		2	/* sw engine, bounce A -> bounce B */
#define USERDMA_BENCH_NS_TO_USER	3	/* copy_to_user out of bounce B */
#define USERDMA_BENCH_NS_SLOTS	8

struct userdma_bench {
	__u32 op;			/* in: USERDMA_BENCH_* */
	__u32 flags;			/* in: USERDMA_BENCH_STAGES */
	__u32 iters;			/* in: repetitions in one timing window */
	__u32 direction;		/* in: USERDMA_DIR_* (RAW, REGION) */
	__aligned_u64 addr;		/* in: user buffer */
	__aligned_u64 addr2;		/* in: COPYPATH destination */
	__aligned_u64 length;		/* in: bytes */
	__u32 nents;			/* out: DMA segments of the mapping */
	__u32 reserved;			/* in: 0 */
	__aligned_u64 ns[USERDMA_BENCH_NS_SLOTS];	/* out */
};

#define USERDMA_BENCH_IOC	_IOWR(0xDA, 0x40, struct userdma_bench)

#endif /* USERDMA_BENCH_UAPI_H */
