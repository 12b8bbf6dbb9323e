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

enum udma_fault_point {
#define UDMA_FAULT_POINT(point, name, where) UDMA_FP_##point,
#include "fault_points.h"
#undef UDMA_FAULT_POINT
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
