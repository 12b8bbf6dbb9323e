/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark hooks.  A module built with USERDMA_BENCH=y gets the bench
 * ioctl (bench.c) and clock stamps between the stages of the register
 * path; in a production build the stamps compile to nothing and the ioctl
 * does not exist.
 */
#ifndef USERDMA_BENCH_H
#define USERDMA_BENCH_H

#include <uapi/linux/userdma_bench.h>

struct userdma_file;

#ifdef USERDMA_BENCH
/* Charge the time since the previous stamp to ns[slot], if timing. */
void udma_bench_stamp(unsigned int slot);
int udma_ioctl_bench(struct userdma_file *uf, void __user *arg);
#else
static inline void udma_bench_stamp(unsigned int slot)
{
}
#endif

#endif /* USERDMA_BENCH_H */
