/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints at the stage boundaries of the pipeline (pin.c, map.c).
 * One event, userdma:userdma_stage, fires as a region reaches each
 * boundary; the time a stage takes is the time between the event that
 * starts it and the next one of the same task.  Disabled, each call site
 * is a patched-out branch.  ftrace and perf users can watch them, and
 * another module can attach probes (the tracepoint is exported): the
 * benchmarks' stage times are taken that way (bench/kmod/).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM userdma

#ifndef USERDMA_TRACE_STAGES_H
#define USERDMA_TRACE_STAGES_H

struct userdma_region;

/*
 * The boundaries, in the order one region reaches them: registering
 * (udma_pin then udma_map) and releasing (udma_unmap then udma_unpin).
 * Allocated buffers pass through the map and unmap ones only.
 */
enum udma_stage_event {
	UDMA_STAGE_PIN_START,	/* page array and locked-memory charge next */
	UDMA_STAGE_CHARGED,	/* pin_user_pages_fast() next */
	UDMA_STAGE_PINNED,
	UDMA_STAGE_MAP_START,	/* the scatterlist next */
	UDMA_STAGE_SG_BUILT,	/* dma_map_sgtable() next */
	UDMA_STAGE_MAPPED,	/* segment array and initial sync next */
	UDMA_STAGE_READY,
	UDMA_STAGE_UNMAP_START,	/* bounced bytes copied back next */
	UDMA_STAGE_TAKEN_BACK,	/* dma_unmap_sgtable() next */
	UDMA_STAGE_UNMAPPED,
	UDMA_STAGE_UNPIN_START,	/* unpin (and dirty) next */
	UDMA_STAGE_UNPINNED,	/* uncharge, free the page array next */
	UDMA_STAGE_UNCHARGED,
	UDMA_STAGE_NR
};

/* Device names longer than this are cut in the event. */
#define UDMA_TRACE_DEV_LEN	32

#endif /* USERDMA_TRACE_STAGES_H */

#if !defined(USERDMA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define USERDMA_TRACE_H

#include <linux/tracepoint.h>

/* the values, for tools that read the event's format */
TRACE_DEFINE_ENUM(UDMA_STAGE_PIN_START);
TRACE_DEFINE_ENUM(UDMA_STAGE_CHARGED);
TRACE_DEFINE_ENUM(UDMA_STAGE_PINNED);
TRACE_DEFINE_ENUM(UDMA_STAGE_MAP_START);
TRACE_DEFINE_ENUM(UDMA_STAGE_SG_BUILT);
TRACE_DEFINE_ENUM(UDMA_STAGE_MAPPED);
TRACE_DEFINE_ENUM(UDMA_STAGE_READY);
TRACE_DEFINE_ENUM(UDMA_STAGE_UNMAP_START);
TRACE_DEFINE_ENUM(UDMA_STAGE_TAKEN_BACK);
TRACE_DEFINE_ENUM(UDMA_STAGE_UNMAPPED);
TRACE_DEFINE_ENUM(UDMA_STAGE_UNPIN_START);
TRACE_DEFINE_ENUM(UDMA_STAGE_UNPINNED);
TRACE_DEFINE_ENUM(UDMA_STAGE_UNCHARGED);

TRACE_EVENT(userdma_stage,
	    TP_PROTO(const struct userdma_region *r,
		     enum udma_stage_event stage),
	    TP_ARGS(r, stage),
	    TP_STRUCT__entry(__array(char, dev, UDMA_TRACE_DEV_LEN)
			     __field(u64, length)
			     __field(unsigned long, npages)
			     __field(unsigned int, stage)),
	    TP_fast_assign(strscpy(__entry->dev, dev_name(r->dev),
				   UDMA_TRACE_DEV_LEN);
			   __entry->length = r->length;
			   __entry->npages = r->npages;
			   __entry->stage = stage;),
	    TP_printk("dev=%s length=%llu npages=%lu stage=%s",
		      __entry->dev, __entry->length, __entry->npages,
		      __print_symbolic(__entry->stage,
				       { UDMA_STAGE_PIN_START, "pin_start" },
				       { UDMA_STAGE_CHARGED, "charged" },
				       { UDMA_STAGE_PINNED, "pinned" },
				       { UDMA_STAGE_MAP_START, "map_start" },
				       { UDMA_STAGE_SG_BUILT, "sg_built" },
				       { UDMA_STAGE_MAPPED, "mapped" },
				       { UDMA_STAGE_READY, "ready" },
				       { UDMA_STAGE_UNMAP_START, "unmap_start" },
				       { UDMA_STAGE_TAKEN_BACK, "taken_back" },
				       { UDMA_STAGE_UNMAPPED, "unmapped" },
				       { UDMA_STAGE_UNPIN_START, "unpin_start" },
				       { UDMA_STAGE_UNPINNED, "unpinned" },
				       { UDMA_STAGE_UNCHARGED, "uncharged" }))
);

#endif /* USERDMA_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
