/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection (USERDMA_FAULT=y builds only; see docs/reliability.md).
 *
 * Each failure site of the module is one named point.  A statement
 * `if (udma_should_fail(point)) { ret = ...; goto ...; }` sits right before
 * the call it stands for and, when it fires, takes the path the real call's
 * failure takes, so the real unwind runs.  Production builds compile every
 * udma_should_fail() to false.
 *
 * Control: /sys/kernel/debug/userdma/fault/ (test/fault.c).
 *
 * Sites deliberately without a point:
 *  - probe and module load (pci.c, node.c udma_node_create and
 *    udma_nodes_init, the engines' create functions): they run at bind
 *    time, not on any path user space drives through a node;
 *  - xa_store() in udma_handle_publish(): it stores into a slot that
 *    xa_alloc() reserved, which allocates nothing and cannot fail;
 *  - dmaengine_submit() in xfer_core.c: neither of the module's engines can
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

/* X(POINT, name in debugfs, where) for every failure site, in one list */
#define UDMA_FAULT_POINTS(X) \
	X(COPY_CMD, copy_cmd, "handle.c: copy-in of a command struct") \
	X(REPLY, reply, "handle.c: copy-out of a reply") \
	X(HANDLE_RESERVE, handle_reserve, "handle.c: xa_alloc() of a handle") \
	X(SEGMENTS_COPY, segments_copy, "ioctl_region.c: copy_to_user() of SEGMENTS") \
	X(OPEN_ALLOC, open_alloc, "node.c: an open file's state") \
	X(REGION_ALLOC, region_alloc, "region.c: the region") \
	X(PIN_ARRAY, pin_array, "pin.c: the page array") \
	X(CHARGE, charge, "pin.c: RLIMIT_MEMLOCK charge") \
	X(PIN, pin, "pin.c: pin_user_pages_fast() fails") \
	X(PIN_SHORT, pin_short, "pin.c: pin_user_pages_fast() pins fewer") \
	X(SG_TABLE, sg_table, "map.c: the scatterlist") \
	X(DMA_MAP, dma_map, "map.c: dma_map_sgtable()") \
	X(SEGS_ALLOC, segs_alloc, "map.c: the segment array (imports too)") \
	X(ALLOC_ARRAY, alloc_array, "cached.c: the page array") \
	X(ALLOC_PAGES, alloc_pages, "cached.c: alloc_pages() of one block") \
	X(ALLOC_COHERENT, alloc_coherent, "coherent.c: dma_alloc_attrs()") \
	X(DMABUF_EXPORT, dmabuf_export, "export.c: dma_buf_export()") \
	X(EXPORT_FD, export_fd, "ioctl_buf.c: get_unused_fd_flags()") \
	X(ATTACH_ALLOC, attach_alloc, "export.c: an importer's attachment") \
	X(MAP_SGT_ALLOC, map_sgt_alloc, "export.c: an importer's sg_table") \
	X(MAP_TABLE, map_table, "export.c: its scatterlist") \
	X(MAP_DMA, map_dma, "export.c: dma_map_sgtable() for it") \
	X(MMAP, mmap, "mmap.c: inserting pages or PFNs") \
	X(VMAP, vmap, "export.c: vmap() for an importer") \
	X(IMPORT_ATTACH, import_attach, "import.c: dma_buf_attach()") \
	X(IMPORT_MAP, import_map, "import.c: dma_buf_map_attachment()") \
	X(XFER_CTX, xfer_ctx, "xfer_core.c: a channel's context") \
	X(XFER_CHAN, xfer_chan, "xfer_core.c: dma_request_channel()") \
	X(XFER_COPY_IN, xfer_copy_in, "xfer_ioctl.c: copy-in of one xfer") \
	X(XFER_ALLOC, xfer_alloc, "xfer_ioctl.c: one transfer and its pieces") \
	X(XFER_COOKIE, xfer_cookie, "xfer_ioctl.c: put_user() of the cookie") \
	X(XFER_PREP, xfer_prep, "xfer_core.c: dmaengine_prep_dma_memcpy()") \
	X(XFER_READ_COPY, xfer_read_copy, "xfer_ioctl.c: copy_to_user() of read()") \
	X(SW_DESC, sw_desc, "engine_sw.c: a descriptor (GFP_NOWAIT)") \
	X(EDU_DESC, edu_desc, "test/engine_edu.c: a descriptor (GFP_NOWAIT)")

enum udma_fault_point {
#define UDMA_FP_ENUM(point, name, where) UDMA_FP_##point,
	UDMA_FAULT_POINTS(UDMA_FP_ENUM)
#undef UDMA_FP_ENUM
	UDMA_FP_NR
};

#ifdef USERDMA_FAULT
bool udma_should_fail(enum udma_fault_point point);
void udma_fault_init(struct dentry *root);
#else
static inline bool udma_should_fail(enum udma_fault_point point)
{
	return false;
}

static inline void udma_fault_init(struct dentry *root)
{
}
#endif

#endif /* USERDMA_FAULT_H */
