/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection (USERDMA_FAULT=y builds only; see docs/reliability.md).
 *
 * Each failure site of the module is one named point.  udma_fault(point)
 * sits right before the call it stands for and, when it fires, the caller
 * produces what the real call returns on failure, so the real unwind path
 * runs.  Production builds compile every udma_fault() to false.
 *
 * Control: /sys/kernel/debug/userdma/fault/ (fault.c).
 *
 * Sites deliberately without a point:
 *  - probe and module load (pci.c, node.c udma_node_create and
 *    udma_nodes_init, the engines' create functions): they run at bind
 *    time, not on any path user space drives through a node;
 *  - xa_store() in udma_handle_publish(): it stores into a slot that
 *    xa_alloc() reserved, which allocates nothing and cannot fail;
 *  - dmaengine_submit() in xfer.c: neither of the module's engines can
 *    fail tx_submit, and a descriptor that was prepared but not submitted
 *    belongs to the engine (freeing it needs DESC_REUSE), so pretending the
 *    call failed would leak a descriptor the real call never leaks;
 *  - eventfd_ctx_fdget() and dma_buf_get(): they fail on a bad fd, which
 *    the ioctl tests already pass, not on resources;
 *  - dma_sync_*() and the unmap/free/put calls: they cannot fail;
 *  - one-entry page and segment arrays (region.c): they live in the
 *    region itself and allocate nothing, so their points fire only for
 *    longer arrays (a coherent buffer's one segment never allocates).
 */
#ifndef USERDMA_FAULT_H
#define USERDMA_FAULT_H

#include <linux/types.h>

struct dentry;

enum udma_fault_point {
	UDMA_FP_COPY_CMD,	/* ioctl.c: copy-in of a command struct */
	UDMA_FP_REPLY,		/* ioctl.c: copy-out of a reply */
	UDMA_FP_HANDLE_RESERVE,	/* ioctl.c: xa_alloc() of a handle */
	UDMA_FP_SEGMENTS_COPY,	/* ioctl.c: copy_to_user() of SEGMENTS */
	UDMA_FP_OPEN_ALLOC,	/* node.c: an open file's state */
	UDMA_FP_REGION_ALLOC,	/* region.c: the region */
	UDMA_FP_PIN_ARRAY,	/* pin.c: the page array */
	UDMA_FP_CHARGE,		/* pin.c: RLIMIT_MEMLOCK charge */
	UDMA_FP_PIN,		/* pin.c: pin_user_pages_fast() fails */
	UDMA_FP_PIN_SHORT,	/* pin.c: pin_user_pages_fast() pins fewer */
	UDMA_FP_SG_TABLE,	/* map.c: the scatterlist */
	UDMA_FP_DMA_MAP,	/* map.c: dma_map_sgtable() */
	UDMA_FP_SEGS_ALLOC,	/* map.c: the segment array (also imports) */
	UDMA_FP_ALLOC_ARRAY,	/* alloc.c: the page array */
	UDMA_FP_ALLOC_PAGES,	/* alloc.c: alloc_pages() of one block */
	UDMA_FP_ALLOC_COHERENT,	/* alloc.c: dma_alloc_attrs() */
	UDMA_FP_DMABUF_EXPORT,	/* export.c: dma_buf_export() */
	UDMA_FP_EXPORT_FD,	/* ioctl_buf.c: get_unused_fd_flags() */
	UDMA_FP_ATTACH_ALLOC,	/* export.c: an importer's attachment */
	UDMA_FP_MAP_SGT_ALLOC,	/* export.c: an importer's sg_table */
	UDMA_FP_MAP_TABLE,	/* export.c: its scatterlist */
	UDMA_FP_MAP_DMA,	/* export.c: dma_map_sgtable() for it */
	UDMA_FP_MMAP,		/* export.c: inserting pages or PFNs */
	UDMA_FP_VMAP,		/* export.c: vmap() for an importer */
	UDMA_FP_IMPORT_ATTACH,	/* import.c: dma_buf_attach() */
	UDMA_FP_IMPORT_MAP,	/* import.c: dma_buf_map_attachment() */
	UDMA_FP_XFER_CTX,	/* xfer.c: a channel's context */
	UDMA_FP_XFER_CHAN,	/* xfer.c: dma_request_channel() */
	UDMA_FP_XFER_COPY_IN,	/* xfer.c: copy-in of one xfer */
	UDMA_FP_XFER_ALLOC,	/* xfer.c: one transfer and its pieces */
	UDMA_FP_XFER_COOKIE,	/* xfer.c: put_user() of the cookie */
	UDMA_FP_XFER_PREP,	/* xfer.c: dmaengine_prep_dma_memcpy() */
	UDMA_FP_XFER_READ_COPY,	/* xfer.c: copy_to_user() of read() */
	UDMA_FP_SW_DESC,	/* engine_sw.c: a descriptor (GFP_NOWAIT) */
	UDMA_FP_EDU_DESC,	/* engine_edu.c: a descriptor (GFP_NOWAIT) */
	UDMA_FP_NR
};

#ifdef USERDMA_FAULT
bool udma_fault(enum udma_fault_point point);
void udma_fault_init(struct dentry *root);
#else
static inline bool udma_fault(enum udma_fault_point point)
{
	return false;
}

static inline void udma_fault_init(struct dentry *root)
{
}
#endif

#endif /* USERDMA_FAULT_H */
