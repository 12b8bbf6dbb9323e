// SPDX-License-Identifier: GPL-2.0
/*
 * userdma's register path, stage by stage, from outside: a probe on its
 * userdma_stage tracepoint (kernel/trace.h) stamps the clock at every
 * boundary a region reaches, charging the time since the previous one to
 * the stage that just ended.  The probe is attached only around runs that
 * time stages, so every other run measures userdma with its tracepoints
 * off, as in production.
 */
#include <linux/tracepoint.h>

#include "../../kernel/trace.h"
#include "bench_ops.h"

/* Which slot the time up to each boundary goes to. */
static const u8 udma_bench_slot[UDMA_STAGE_NR] = {
	/* userdma_register: from the call to the pinning stage */
	[UDMA_STAGE_PIN_START] = USERDMA_BENCH_NS_ALLOC,
	[UDMA_STAGE_CHARGED] = USERDMA_BENCH_NS_ALLOC,
	[UDMA_STAGE_PINNED] = USERDMA_BENCH_NS_PIN,
	[UDMA_STAGE_MAP_START] = USERDMA_BENCH_NS_SG,
	[UDMA_STAGE_SG_BUILT] = USERDMA_BENCH_NS_SG,
	[UDMA_STAGE_MAPPED] = USERDMA_BENCH_NS_MAP,
	[UDMA_STAGE_READY] = USERDMA_BENCH_NS_SEGS,
	/* userdma_unregister: from the register's return to the unmapping */
	[UDMA_STAGE_UNMAP_START] = USERDMA_BENCH_NS_SEGS,
	[UDMA_STAGE_TAKEN_BACK] = USERDMA_BENCH_NS_SEGS,
	[UDMA_STAGE_UNMAPPED] = USERDMA_BENCH_NS_UNMAP,
	[UDMA_STAGE_UNPIN_START] = USERDMA_BENCH_NS_UNPIN,
	[UDMA_STAGE_UNPINNED] = USERDMA_BENCH_NS_UNPIN,
	[UDMA_STAGE_UNCHARGED] = USERDMA_BENCH_NS_ALLOC,
};

static void udma_bench_on_stage(void *data, const struct userdma_region *r,
				enum udma_stage_event stage)
{
	if (stage < UDMA_STAGE_NR)
		udma_bench_stamp(udma_bench_slot[stage]);
}

int udma_bench_probe_attach(void)
{
	return register_trace_userdma_stage(udma_bench_on_stage, NULL);
}

void udma_bench_probe_detach(void)
{
	unregister_trace_userdma_stage(udma_bench_on_stage, NULL);
}

/* No call of the probe may still be running when the module goes. */
void udma_bench_probe_exit(void)
{
	tracepoint_synchronize_unregister();
}
