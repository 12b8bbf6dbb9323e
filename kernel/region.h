/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A region is anything a handle names: a registered user range (user.c,
 * pinned by pin.c), a buffer the driver allocated (alloc.c) or a dma-buf
 * another driver exported (import.c).  Each has a DMA mapping for the
 * node's device described as flat segments (map.c), is synced the same way
 * (sync.c), can be exported as a dma-buf (export.c), and lives by
 * reference (region.c).
 *
 * Two things end separately: the device's hold on the region (its mapping,
 * or coherent memory, given back by udma_region_detach() when the handle
 * goes or the device goes) and the memory itself (when the last reference
 * goes: a handle, an exported dma-buf, a CPU mapping).
 *
 * struct userdma_region is what every kind has; a kind that needs more
 * embeds it (struct udma_coherent in alloc.c, struct udma_import in
 * import.c) and says what it does differently in its struct udma_kind.
 */
#ifndef USERDMA_REGION_H
#define USERDMA_REGION_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/userdma.h>

#include "devref.h"
#include "fault.h"
#include "own.h"

struct dma_buf;
struct dma_buf_attachment;
struct mm_struct;
struct userdma_region;
struct vm_area_struct;

/* The node counter a kind's pages add to. */
enum udma_stat {
	UDMA_STAT_PINNED,	/* pinned_pages */
	UDMA_STAT_ALLOCATED,	/* allocated_pages */
	UDMA_STAT_IMPORTED,	/* imported (one per region) */
};

/* What one kind of region does that the others do not. */
struct udma_kind {
	const char *name;		/* in debugfs */
	enum udma_stat stat;
	/* pages[] hold the memory: dma-buf tables, vmap, page faults */
	bool pages;
	/* a user's memory, pinned: read-only when pinned without FOLL_WRITE */
	bool user_memory;
	/* ALLOC's: mapped through the node */
	bool node_mmap;
	/*
	 * The device's own memory (coherent): no sync, never exported; it
	 * stays while CPU mappings show it, until the device goes.
	 */
	bool device_memory;
	/* the DMA table is another exporter's: synced page by page */
	bool foreign_table;

	/* the device's hold on the region, given back under its lock ... */
	void (*detach_locked)(struct userdma_region *r);
	/* ... or outside it */
	void (*detach)(struct userdma_region *r);
	/* the memory and its charge, with the last reference */
	void (*release)(struct userdma_region *r);
	/* a user mapping of the region (export.c): set up, and its faults */
	int (*mmap)(struct userdma_region *r, struct vm_area_struct *vma);
	vm_fault_t (*fault)(struct userdma_region *r, struct vm_fault *vmf);
};

struct userdma_region {
	struct kref ref;
	const struct udma_kind *kind;
	struct device *dev;
	enum dma_data_direction dir;
	unsigned long uaddr;		/* registrations: where they start */
	u64 length;

	/*
	 * pin.c and alloc.c: the pages (user and cached kinds), how many
	 * are charged to locked memory (all kinds), and the mm the charge is
	 * held on (none for in-kernel API regions)
	 */
	struct mm_struct *mm;
	struct page **pages;
	unsigned long npages;
	/* pages when npages == 1: a one-page region allocates no array */
	struct page *one_page;

	/* the node's list (devref.c); NULL for the in-kernel API and once off it */
	struct udma_devref *devref;
	struct udma_devref_entry devref_entry;

	/*
	 * lock: the region's side of the dma-buf and of the device's
	 * departure.  dmabuf is the handle's reference (dropped with the
	 * handle: disowned); exported is the dma-buf while it is open at all,
	 * for zapping CPU mappings (they live in its address space);
	 * attachments are the importers'.  Lock order (docs/design.md):
	 * inside mmap_lock (faults, mmap), the dma-buf's reservation lock,
	 * gone_sem and a transfer's locks; outside map_sem and spinlocks.
	 */
	struct mutex lock;
	struct dma_buf *dmabuf;
	struct dma_buf *exported;
	struct list_head attachments;
	bool disowned;

	/*
	 * map_sem: users of the device mapping (syncs) hold it for read;
	 * udma_region_detach() sets detached under it (and under lock) for
	 * write, after which the mapping (or coherent memory) goes; whoever
	 * finds it set waits for detach_done.  Node regions only: the
	 * in-kernel API's caller orders its own calls.
	 */
	struct rw_semaphore map_sem;
	bool detached;
	struct completion detach_done;
	bool from_node;

	/* map.c: CPU view in sgt, the device's view in segs */
	struct sg_table sgt;
	struct userdma_seg *segs;
	unsigned int nr_segs;
	/* segs when nr_segs == 1, as behind an IOMMU or for small regions */
	struct userdma_seg one_seg;
	/* a DMA segment may span pages that are not physically contiguous */
	bool merged;
	/* syncs record who owns which bytes (own.h): a writing device that bounces */
	bool track;
	struct udma_own own;
	/* own, or the exporter's record when importing our own dma-buf */
	struct udma_own *ownp;

	pid_t owner;
	/* transfers using the region: it cannot be unregistered meanwhile */
	atomic_t inflight;
};

/* region.c: the object */
struct userdma_region *udma_region_alloc(size_t size,
					 const struct udma_kind *kind,
					 struct device *dev,
					 enum dma_data_direction dir,
					 bool from_node);
void udma_region_free(struct userdma_region *r);
void udma_region_put(struct userdma_region *r);
void udma_region_detach(struct userdma_region *r);
void udma_handle_put(struct userdma_region *r);
void udma_region_link(struct userdma_region *r, struct udma_devref *ref);
bool udma_dir_valid(enum dma_data_direction dir);
bool udma_region_readonly(const struct userdma_region *r);
int udma_pages_alloc(struct userdma_region *r, enum udma_fault_point fp);
void udma_pages_free(struct userdma_region *r);
int udma_segs_alloc(struct userdma_region *r, unsigned int nr,
		    enum udma_fault_point fp);
void udma_segs_free(struct userdma_region *r);

static inline void udma_region_get(struct userdma_region *r)
{
	kref_get(&r->ref);
}

#endif /* USERDMA_REGION_H */
