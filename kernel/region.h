/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A region is anything a handle names: a registered user range (pinned in
 * pin.c), a buffer the driver allocated (alloc.c) or a dma-buf another
 * driver exported (import.c).  Each has a DMA mapping for the node's device
 * described as flat segments (map.c), is synced the same way (sync.c), can
 * be exported as a dma-buf (export.c), and lives by reference (region.c).
 *
 * Two things end separately: the device's hold on the region (its mapping,
 * or coherent memory, given back by udma_region_detach() when the handle
 * goes or the device goes) and the memory itself (when the last reference
 * goes: a handle, an exported dma-buf, a CPU mapping).
 */
#ifndef USERDMA_REGION_H
#define USERDMA_REGION_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
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
struct vm_area_struct;

enum udma_kind {
	UDMA_USER,		/* pinned user pages, streaming mapping */
	UDMA_CACHED,		/* allocated pages, streaming mapping */
	UDMA_COHERENT,		/* dma_alloc_coherent() memory */
	UDMA_IMPORT,		/* another exporter's dma-buf */
};

struct userdma_region {
	struct kref ref;
	enum udma_kind kind;
	struct device *dev;
	enum dma_data_direction dir;
	unsigned long uaddr;
	u64 length;

	/*
	 * pin.c, alloc.c and import.c: the pages (user and cached kinds),
	 * how many are charged to locked memory, and the mm the charge is
	 * held on (all kinds but in-kernel API regions are charged)
	 */
	struct mm_struct *mm;
	struct page **pages;
	unsigned long npages;
	/* pages when npages == 1: a one-page region allocates no array */
	struct page *one_page;

	/* alloc.c, coherent kind */
	void *cpu_addr;
	dma_addr_t dma_handle;
	unsigned long dma_attrs;

	/* import.c */
	struct dma_buf *import_buf;
	struct dma_buf_attachment *import_attach;
	struct sg_table *import_sgt;

	/* devref.c: the node's list; NULL for the in-kernel API and once off it */
	struct udma_devref *devref;
	struct list_head devref_link;

	/*
	 * lock: the region's side of the dma-buf and of the device's
	 * departure.  dmabuf is the handle's reference (dropped with the
	 * handle: disowned); exported is the dma-buf while it is open at all,
	 * for zapping CPU mappings (it lives in the dma-buf's address
	 * space); attachments are the importers'.  Nests inside mmap_lock
	 * (faults, mmap) and the dma-buf's reservation lock.
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

/* pin.c */
int udma_pin(struct userdma_region *r);
void udma_unpin(struct userdma_region *r);
int udma_charge(struct userdma_region *r);
void udma_uncharge(struct userdma_region *r);

/* map.c */
int udma_map(struct userdma_region *r);
void udma_unmap(struct userdma_region *r);
int udma_build_segs(struct userdma_region *r, struct sg_table *sgt);
unsigned int udma_max_seg_size(struct device *dev);
unsigned int udma_max_sg_entry(struct device *dev);
bool udma_iommu_translates(struct device *dev);
bool udma_force_bounce(struct device *dev);
bool udma_reach_limited(struct device *dev);
void udma_track_init(struct userdma_region *r);

/* alloc.c */
struct userdma_region *udma_alloc_create(struct udma_devref *ref, u64 length,
					 u32 flags, enum dma_data_direction dir);
void udma_coherent_detach(struct userdma_region *r);
void udma_alloc_free(struct userdma_region *r);

/* import.c */
struct userdma_region *udma_import_create(struct udma_devref *ref, int fd,
					  enum dma_data_direction dir);
void udma_import_detach(struct userdma_region *r);

/* export.c */
struct dma_buf *udma_export_get(struct userdma_region *r);
int udma_export_mmap(struct userdma_region *r, struct vm_area_struct *vma,
		     unsigned long pgoff);
void udma_export_zap(struct userdma_region *r);
struct udma_own *udma_export_own(struct dma_buf_attachment *attach);

/* sync.c */
int udma_sync(struct userdma_region *r, u64 offset, u64 length, bool for_cpu);
int udma_sync_sleepable(struct userdma_region *r, u64 offset, u64 length,
			bool for_cpu);
int udma_sync_user(struct userdma_region *r, u64 offset, u64 length,
		   bool for_cpu, bool hand_over);
unsigned int udma_seg_index(const struct userdma_region *r, u64 offset);
void udma_take_back(struct userdma_region *r);

/* region.c */
struct userdma_region *udma_region_alloc(enum udma_kind kind,
					 struct device *dev,
					 enum dma_data_direction dir,
					 bool from_node);
void udma_region_free(struct userdma_region *r);
struct userdma_region *udma_region_create(struct device *dev,
					  struct udma_devref *ref,
					  unsigned long uaddr, u64 length,
					  enum dma_data_direction dir);
void udma_region_put(struct userdma_region *r);
void udma_region_detach(struct userdma_region *r);
void udma_handle_put(struct userdma_region *r);
void udma_region_count(struct userdma_region *r, struct userdma_stats *s,
		       int sign);
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

extern unsigned int udma_max_region_mb;

#endif /* USERDMA_REGION_H */
