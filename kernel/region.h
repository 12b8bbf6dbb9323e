/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A region is anything a handle names: a registered user range (pinned in
 * pin.c), a buffer the driver allocated (alloc.c) or a dma-buf another
 * driver exported (import.c).  Each has a DMA mapping for the node's device
 * described as flat segments (map.c), is synced the same way (sync.c), can
 * be exported as a dma-buf (export.c), and lives by reference (region.c).
 */
#ifndef USERDMA_REGION_H
#define USERDMA_REGION_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/userdma.h>

#include "fault.h"

struct dma_buf;
struct dma_buf_attachment;
struct mm_struct;
struct vm_area_struct;

/* Live totals of one device node, shown in sysfs. */
struct userdma_stats {
	atomic_long_t regions;
	atomic_long_t pinned_pages;
	atomic64_t mapped_bytes;
	atomic_long_t allocated_pages;	/* ALLOC buffers, still in memory */
	atomic_long_t imported;		/* IMPORT handles */
	atomic_long_t exported;		/* dma-bufs of this node still open */
};

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
	 * pin.c and alloc.c: the pages (user and cached kinds) and the mm
	 * their locked-memory charge is held on (all but imports)
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

	/*
	 * export.c.  The dma-buf is held while a handle names the region;
	 * it holds the region in turn, so mappings and importers outlive
	 * the handle.  revoked: the node's device went away and its mapping
	 * of the region with it.
	 */
	struct mutex export_lock;
	struct dma_buf *dmabuf;
	struct list_head attachments;
	bool disowned;
	bool revoked;

	/* map.c: CPU view in sgt, the device's view in segs */
	struct sg_table sgt;
	struct userdma_seg *segs;
	unsigned int nr_segs;
	/* segs when nr_segs == 1, as behind an IOMMU or for small regions */
	struct userdma_seg one_seg;
	/* a DMA segment may span pages that are not physically contiguous */
	bool merged;

	struct userdma_stats *stats;
	pid_t owner;
	/* transfers using the region: it cannot be unregistered meanwhile */
	atomic_t inflight;
};

/* pin.c */
int udma_pin(struct userdma_region *r);
void udma_unpin(struct userdma_region *r);

/* pin.c */
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

/* alloc.c */
struct userdma_region *udma_alloc_create(struct device *dev, u64 length,
					 u32 flags, enum dma_data_direction dir,
					 struct userdma_stats *stats);
void udma_alloc_free(struct userdma_region *r);

/* import.c */
struct userdma_region *udma_import_create(struct device *dev, int fd,
					  enum dma_data_direction dir,
					  struct userdma_stats *stats);
void udma_import_release(struct userdma_region *r);

/* export.c */
struct dma_buf *udma_export_get(struct userdma_region *r);
int udma_export_mmap(struct userdma_region *r, struct vm_area_struct *vma,
		     unsigned long pgoff);

/* sync.c */
int udma_sync(struct userdma_region *r, u64 offset, u64 length, bool for_cpu);
int udma_sync_sleepable(struct userdma_region *r, u64 offset, u64 length,
			bool for_cpu);
unsigned int udma_seg_index(const struct userdma_region *r, u64 offset);

/* region.c */
struct userdma_region *udma_region_alloc(enum udma_kind kind,
					 struct device *dev,
					 enum dma_data_direction dir,
					 struct userdma_stats *stats);
void udma_region_free(struct userdma_region *r);
struct userdma_region *udma_region_create(struct device *dev,
					  unsigned long uaddr, u64 length,
					  enum dma_data_direction dir,
					  struct userdma_stats *stats);
void udma_region_put(struct userdma_region *r);
void udma_handle_put(struct userdma_region *r, bool revoke);
bool udma_dir_valid(enum dma_data_direction dir);
int udma_pages_alloc(struct userdma_region *r, enum udma_fault_point fp);
void udma_pages_free(struct userdma_region *r);
int udma_segs_alloc(struct userdma_region *r, unsigned int nr,
		    enum udma_fault_point fp);
void udma_segs_free(struct userdma_region *r);
void udma_stats_add(struct userdma_stats *s, long regions, long pages,
		    s64 bytes);

static inline void udma_region_get(struct userdma_region *r)
{
	kref_get(&r->ref);
}

extern unsigned int udma_max_region_mb;

#endif /* USERDMA_REGION_H */
