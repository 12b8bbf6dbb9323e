// SPDX-License-Identifier: GPL-2.0
/*
 * The stage clock.  Each op's time is charged to the slots of
 * struct userdma_bench.ns[] stamp by stamp: a stamp charges the time since
 * the previous one.  Stage timing adds clock reads, so totals are taken in
 * runs without it.  Stamps may come from code every task runs (userdma's
 * tracepoints), so they count only for the task being timed; the clock is
 * static, never on a stack, so a task racing a stamp reads nothing that
 * can go away.  One op runs at a time (main.c).
 */
#include <linux/compiler.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "bench_ops.h"

static struct {
	struct task_struct *task;
	u64 last;
	u64 ns[USERDMA_BENCH_NS_SLOTS];
} udma_bench_clk;

void udma_bench_stamp(unsigned int slot)
{
	u64 now;

	if (READ_ONCE(udma_bench_clk.task) != current)
		return;
	now = ktime_get_ns();
	udma_bench_clk.ns[slot] += now - udma_bench_clk.last;
	udma_bench_clk.last = now;
}

void udma_bench_clock_start(bool stages)
{
	memset(udma_bench_clk.ns, 0, sizeof(udma_bench_clk.ns));
	WRITE_ONCE(udma_bench_clk.task, stages ? current : NULL);
}

/* The stamps of an iteration count from here. */
void udma_bench_iter_start(void)
{
	udma_bench_clk.last = ktime_get_ns();
}

void udma_bench_clock_stop(struct userdma_bench *b, u64 total)
{
	WRITE_ONCE(udma_bench_clk.task, NULL);
	memcpy(b->ns, udma_bench_clk.ns, sizeof(b->ns));
	b->ns[USERDMA_BENCH_NS_TOTAL] = total;
}
