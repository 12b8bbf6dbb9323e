// SPDX-License-Identifier: MIT
/*
 * Row 1: registration cost.  For each size and page kind, interleaved in
 * the same repetition: the raw primitives timed in the kernel (bench
 * ioctl), userdma's REGISTER + UNREGISTER through the ioctl timed here,
 * and userdma's path without the ioctl (kernel-timed), then one
 * stage-by-stage run of each for the breakdown.
 *
 * The kernel-timed paths run one operation per bench ioctl, as a driver
 * would run them: each starts right after a system call entry, like a
 * REGISTER does, and pays what that costs.  Under QEMU TCG that is a lot:
 * the page-table switch on entry (page table isolation) empties the
 * emulated TLB, so the first touch of every page refills it.  The same
 * primitives looped inside one ioctl ("warm") keep the TLB of the
 * iterations before; that figure is printed and recorded beside, as the
 * floor, but the targets compare like with like.
 */
#include <stdio.h>

#include "bench.h"

static const uint64_t sizes[] = {
	4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB,
	64 * MiB, 256 * MiB,
};

static const char *const stage_names[USERDMA_BENCH_NS_SLOTS] = {
	"total", "alloc", "pin", "sg", "map", "unmap", "unpin", "segs",
};

static int kernel_path(struct bench *b, int op, void *buf, uint64_t size,
		       unsigned int k, unsigned int flags,
		       struct userdma_bench *cmd)
{
	*cmd = (struct userdma_bench) {
		.op = op, .iters = k, .flags = flags, .addr = (uintptr_t)buf,
		.length = size, .direction = USERDMA_DIR_TO_DEVICE,
	};
	return bench_ioctl(b, cmd);
}

/* k operations, one bench ioctl each; ns per operation, timed inside */
static int kernel_calls(struct bench *b, int op, void *buf, uint64_t size,
			unsigned int k, double *ns, uint32_t *nents)
{
	struct userdma_bench cmd;
	double sum = 0;
	unsigned int i;

	for (i = 0; i < k; i++) {
		if (kernel_path(b, op, buf, size, 1, 0, &cmd))
			return -1;
		sum += (double)cmd.ns[0];
	}
	*ns = sum / k;
	if (nents)
		*nents = cmd.nents;
	return 0;
}

static int ioctl_path(struct bench *b, void *buf, uint64_t size,
		      unsigned int k, uint32_t *nsegs, double *ns)
{
	double t0 = now_ns();
	unsigned int i;
	uint32_t h;

	for (i = 0; i < k; i++) {
		if (userdma_register(b->u, buf, size, USERDMA_DIR_TO_DEVICE,
				     &h, nsegs) || userdma_unregister(b->u, h))
			return -1;
	}
	*ns = (now_ns() - t0) / k;
	return 0;
}

static void stages(struct bench *b, const char *kase, int op, void *buf,
		   uint64_t size, unsigned int k)
{
	struct userdma_bench cmd;
	unsigned int s;

	if (kernel_path(b, op, buf, size, k, USERDMA_BENCH_STAGES, &cmd))
		return;
	for (s = 1; s < USERDMA_BENCH_NS_SLOTS; s++)
		if (cmd.ns[s])
			csv1(b, "register-stages", kase, size, stage_names[s],
			     (double)cmd.ns[s] / k);
	csv1(b, "register-stages", kase, size, "total",
	     (double)cmd.ns[0] / k);
}

static int measure(struct bench *b, uint64_t size, int huge)
{
	const char *kind = huge ? "thp" : "4k";
	unsigned int reps = size >= 64 * MiB && b->reps > 5 ? 5 : b->reps;
	unsigned int k = inner_iters(size, 200), r;
	double raw[32], ud[32], reg[32], warm[32];
	struct stat2 sr, su, sg, sw;
	struct userdma_bench cmd;
	uint32_t useg = 0, rseg = 0;
	uint64_t npages = (size + 4095) / 4096, hb = 0;
	char kase[32], sz[16];
	void *buf;

	buf = buf_alloc(size, huge);
	if (!buf)
		return -1;
	if (huge)
		hb = buf_huge_bytes(buf);
	/* warm up: the first pin of a buffer also faults in page tables */
	if (kernel_path(b, USERDMA_BENCH_RAW, buf, size, 1, 0, &cmd) ||
	    ioctl_path(b, buf, size, 1, &useg, &ud[0]))
		goto fail;
	for (r = 0; r < reps; r++) {
		if (kernel_calls(b, USERDMA_BENCH_RAW, buf, size, k, &raw[r],
				 &rseg) ||
		    ioctl_path(b, buf, size, k, &useg, &ud[r]) ||
		    kernel_calls(b, USERDMA_BENCH_REGION, buf, size, k, &reg[r],
				 NULL) ||
		    kernel_path(b, USERDMA_BENCH_RAW, buf, size, k, 0, &cmd))
			goto fail;
		warm[r] = (double)cmd.ns[0] / k;
	}
	sr = stat2_of(raw, reps);
	su = stat2_of(ud, reps);
	sg = stat2_of(reg, reps);
	sw = stat2_of(warm, reps);

	snprintf(kase, sizeof(kase), "raw-%s", kind);
	csv(b, "register", kase, size, "ns", sr);
	csv1(b, "register", kase, size, "segs", rseg);
	stages(b, kase, USERDMA_BENCH_RAW, buf, size, k);
	snprintf(kase, sizeof(kase), "rawwarm-%s", kind);
	csv(b, "register", kase, size, "ns", sw);
	snprintf(kase, sizeof(kase), "userdma-%s", kind);
	csv(b, "register", kase, size, "ns", su);
	csv1(b, "register", kase, size, "segs", useg);
	if (huge)
		csv1(b, "register", kase, size, "huge_bytes", hb);
	snprintf(kase, sizeof(kase), "region-%s", kind);
	csv(b, "register", kase, size, "ns", sg);
	stages(b, kase, USERDMA_BENCH_REGION, buf, size, k);

	printf("%8s %4s %11.0f %11.0f %11.0f %11.0f %6.2f %6.2f %5u %5u %8.1f %8.1f%s\n",
	       size_name(size, sz, sizeof(sz)), kind, sw.med, sr.med, su.med,
	       sg.med,
	       su.med / sr.med, (su.med - sr.med) / b->null_ioctl.med,
	       rseg, useg, sr.med / npages, su.med / npages,
	       huge && hb < (size < 2 * MiB ? 2 * MiB : size) ? "  (not all huge)" : "");
	buf_free(buf);
	return 0;
fail:
	printf("%8s %4s failed: %s\n", size_name(size, sz, sizeof(sz)), kind,
	       userdma_last_error());
	buf_free(buf);
	return -1;
}

void row_register(struct bench *b)
{
	unsigned int i;
	int huge;

	printf("\n## 1. registration cost (ns per register+release, medians; raw-warm = raw looped in one ioctl; raw and no-ioctl one per ioctl, timed inside; ratio = userdma/raw; extra = (userdma-raw)/null ioctl)\n");
	printf("%8s %4s %11s %11s %11s %11s %6s %6s %5s %5s %8s %8s\n",
	       "size", "page", "raw-warm", "raw", "userdma", "no-ioctl",
	       "ratio", "extra",
	       "rsegs", "usegs", "raw/pg", "ud/pg");
	for (huge = 0; huge < 2; huge++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (b->quick && sizes[i] > 64 * MiB)
				continue;
			else
				measure(b, sizes[i], huge);
}
