/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bench module's parts: the ioctl (main.c) runs one op at a time, each
 * timed with the stage clock (clock.c), whose stamps come from the op's
 * own code or, for userdma's register path, from userdma's tracepoints
 * (probe.c).
 */
#ifndef USERDMA_BENCH_OPS_H
#define USERDMA_BENCH_OPS_H

#include <linux/types.h>

#include "userdma_bench_uapi.h"

struct device;

/* clock.c: ns[] of the running op; stamps count for the calling task only */
void udma_bench_clock_start(bool stages);
void udma_bench_iter_start(void);
/* Charge the time since the previous stamp to ns[slot], if timing stages. */
void udma_bench_stamp(unsigned int slot);
void udma_bench_clock_stop(struct userdma_bench *b, u64 total);

/* probe.c: userdma's stage tracepoints feeding the clock */
int udma_bench_probe_attach(void);
void udma_bench_probe_detach(void);
void udma_bench_probe_exit(void);

/* the ops */
int udma_bench_pipeline(struct device *dev, struct userdma_bench *b);
int udma_bench_copypath(struct device *dev, struct userdma_bench *b);
int udma_bench_kcopy(struct userdma_bench *b);

#endif /* USERDMA_BENCH_OPS_H */
