// SPDX-License-Identifier: GPL-2.0
/*
 * Exporting regions as dma-bufs: the importers' side (attach, map, CPU
 * access, vmap) and the dma-buf's life.  Its CPU mappings are mmap.c's.
 *
 * Nothing made here carries more access than the region it came from.  A
 * registration pinned without FOLL_WRITE (TO_DEVICE) becomes a read-only
 * dma-buf: its file is opened O_RDONLY, so no writable shared mapping of it
 * can be made or mprotect()ed into being, and importers may map it for
 * their device to read only (DMA_TO_DEVICE) and not vmap it.  The device's
 * own (coherent) memory goes with the device: it is never handed to an
 * importer, and the device's removal zaps every CPU mapping of it
 * (udma_export_zap).
 *
 * Importers' mappings record which bytes their device owns (own.h): an
 * importer's device owns its mapping until CPU access begins through
 * DMA_BUF_IOCTL_SYNC, and unmapping copies back only what it owns.  When
 * the importer is a userdma node, its handle's SYNC keeps that record.
 *
 * Locking: the region's lock guards the dma-buf pointers and the
 * attachments.  It nests inside mmap_lock and the dma-buf's reservation
 * lock (the core takes them around mmap and map_dma_buf on newer kernels)
 * and never takes either itself, nor touches user memory while held.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "devcaps.h"
#include "dmabuf.h"
#include "fault.h"
#include "region.h"

/* One mapping of an importer, for CPU access and unmapping to maintain. */
struct udma_attach_map {
	struct list_head link;		/* in udma_attachment.maps */
	struct sg_table *sgt;
	enum dma_data_direction dir;
	struct udma_own own;
};

struct udma_attachment {
	struct list_head link;		/* in region->attachments */
	struct device *dev;
	struct list_head maps;		/* an importer may map more than once */
};

static const struct dma_buf_ops udma_dmabuf_ops;

static int udma_dmabuf_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct userdma_region *r = dmabuf->priv;
	struct udma_attachment *a;

	/* the device's memory goes with it: no importer could keep it */
	if (r->kind->device_memory)
		return -EOPNOTSUPP;
	if (udma_should_fail(UDMA_FP_ATTACH_ALLOC))
		return -ENOMEM;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	INIT_LIST_HEAD(&a->maps);
	attach->priv = a;
	mutex_lock(&r->lock);
	list_add(&a->link, &r->attachments);
	mutex_unlock(&r->lock);
	return 0;
}

static void udma_dmabuf_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct userdma_region *r = dmabuf->priv;
	struct udma_attachment *a = attach->priv;

	mutex_lock(&r->lock);
	list_del(&a->link);
	mutex_unlock(&r->lock);
	WARN_ON_ONCE(!list_empty(&a->maps));
	kfree(a);
}

static u64 udma_dmabuf_size(const struct userdma_region *r)
{
	return (u64)r->npages << PAGE_SHIFT;
}

static void udma_note_owned(void *arg, u64 offset, u64 length)
{
	*(bool *)arg = true;
}

/*
 * Give the CPU the bytes an importer's device owns.  An importer's table
 * is the exporter's to walk only as a whole (its entries may join pages
 * behind an IOMMU), so any owned byte syncs all of it.  Region lock held.
 */
static void udma_map_take_back(struct userdma_region *r,
			       struct udma_attachment *a,
			       struct udma_attach_map *m)
{
	bool owned = false;

	lockdep_assert_held(&r->lock);
	udma_own_take_back(&m->own, udma_dmabuf_size(r), udma_note_owned,
			   &owned);
	if (owned)
		dma_sync_sgtable_for_cpu(a->dev, m->sgt, m->dir);
}

/* The region's memory as a scatterlist, not yet mapped for anyone. */
static int udma_dmabuf_table(struct userdma_region *r, struct sg_table *sgt,
			     struct device *dev)
{
	return udma_sg_from_pages(sgt, r->pages, r->npages, 0,
				  udma_dmabuf_size(r), udma_max_sg_entry(dev),
				  GFP_KERNEL);
}

static struct sg_table *udma_dmabuf_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct userdma_region *r = attach->dmabuf->priv;
	struct udma_attachment *a = attach->priv;
	struct udma_attach_map *m;
	int ret;

	/* a device writing pages pinned read-only would write the owner's file */
	if (udma_region_readonly(r) && dir != DMA_TO_DEVICE)
		return ERR_PTR(-EACCES);
	if (udma_should_fail(UDMA_FP_MAP_SGT_ALLOC))
		return ERR_PTR(-ENOMEM);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->sgt = kzalloc(sizeof(*m->sgt), GFP_KERNEL);
	if (!m->sgt) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (udma_should_fail(UDMA_FP_MAP_TABLE)) {
		ret = -ENOMEM;
		goto err_free_sgt;
	}
	ret = udma_dmabuf_table(r, m->sgt, attach->dev);
	if (ret)
		goto err_free_sgt;
	/*
	 * The memory is shared with its owner's mapping and maybe other
	 * importers': as for udma_map(), the CPU sync is made explicitly
	 * (bounce slots are filled here) and the implicit one skipped.
	 */
	if (udma_should_fail(UDMA_FP_MAP_DMA)) {
		ret = -ENOMEM;
		goto err_free_table;
	}
	ret = dma_map_sgtable(attach->dev, m->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_free_table;
	dma_sync_sgtable_for_device(attach->dev, m->sgt, dir);

	m->dir = dir;
	udma_own_init(&m->own, false);
	/* an importer's device may write its mapping from now on */
	if (dir != DMA_TO_DEVICE)
		udma_own_device(&m->own, 0, udma_dmabuf_size(r));
	mutex_lock(&r->lock);
	list_add(&m->link, &a->maps);
	mutex_unlock(&r->lock);
	return m->sgt;

err_free_table:
	sg_free_table(m->sgt);
err_free_sgt:
	kfree(m->sgt);
err_free:
	kfree(m);
	return ERR_PTR(ret);
}

/*
 * The mapping an importer unmaps: by its table, or, where the dma-buf core
 * handed the importer a copy of it, the attachment's only mapping.
 */
static struct udma_attach_map *udma_find_map(struct udma_attachment *a,
					     struct sg_table *sgt)
{
	struct udma_attach_map *m;

	list_for_each_entry(m, &a->maps, link)
		if (m->sgt == sgt)
			return m;
	if (list_is_singular(&a->maps))
		return list_first_entry(&a->maps, struct udma_attach_map, link);
	return NULL;
}

static void udma_dmabuf_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	struct userdma_region *r = attach->dmabuf->priv;
	struct udma_attachment *a = attach->priv;
	struct udma_attach_map *m;

	mutex_lock(&r->lock);
	m = udma_find_map(a, sgt);
	if (m) {
		list_del(&m->link);
		udma_map_take_back(r, a, m);
	}
	mutex_unlock(&r->lock);
	if (m)
		sgt = m->sgt;
	dma_unmap_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
	if (m) {
		udma_own_destroy(&m->own);
		kfree(m);
	}
}

/*
 * CPU access through the dma-buf (DMA_BUF_IOCTL_SYNC): at its start every
 * importer's mapping gives the CPU what its device owns; at its end the
 * mappings are brought up to date and their devices own them again.  The
 * node's own mapping is left to SYNC (and to transfers), like a
 * registration's.
 */
static int udma_dmabuf_cpu_access(struct dma_buf *dmabuf,
				  enum dma_data_direction dir, bool for_cpu)
{
	struct userdma_region *r = dmabuf->priv;
	u64 size = udma_dmabuf_size(r);
	struct udma_attachment *a;
	struct udma_attach_map *m;

	mutex_lock(&r->lock);
	list_for_each_entry(a, &r->attachments, link) {
		list_for_each_entry(m, &a->maps, link) {
			if (for_cpu) {
				udma_map_take_back(r, a, m);
				continue;
			}
			dma_sync_sgtable_for_device(a->dev, m->sgt, m->dir);
			if (m->dir != DMA_TO_DEVICE)
				udma_own_device(&m->own, 0, size);
		}
	}
	mutex_unlock(&r->lock);
	return 0;
}

static int udma_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	return udma_dmabuf_cpu_access(dmabuf, dir, true);
}

static int udma_dmabuf_end_cpu(struct dma_buf *dmabuf,
			       enum dma_data_direction dir)
{
	return udma_dmabuf_cpu_access(dmabuf, dir, false);
}

/*
 * A kernel mapping for an importer.  Not of read-only pages: the caller
 * could write them; not of coherent memory: it goes with the device.
 */
static void *udma_dmabuf_vaddr(struct userdma_region *r, int *err)
{
	void *vaddr;

	*err = 0;
	if (udma_region_readonly(r))
		*err = -EACCES;
	else if (!r->kind->pages)
		*err = -EOPNOTSUPP;
	else if (udma_should_fail(UDMA_FP_VMAP))
		*err = -ENOMEM;
	if (*err)
		return NULL;
	vaddr = vmap(r->pages, r->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		*err = -ENOMEM;
	return vaddr;
}

#ifdef UDMA_VMAP_MAP
static int udma_dmabuf_vmap(struct dma_buf *dmabuf, struct UDMA_VMAP_MAP *map)
{
	int err;
	void *vaddr = udma_dmabuf_vaddr(dmabuf->priv, &err);

	if (!vaddr)
		return err;
	udma_vmap_set_vaddr(map, vaddr);
	return 0;
}

static void udma_dmabuf_vunmap(struct dma_buf *dmabuf,
			       struct UDMA_VMAP_MAP *map)
{
	vunmap(map->vaddr);
}
#else
static void *udma_dmabuf_vmap(struct dma_buf *dmabuf)
{
	int err;

	return udma_dmabuf_vaddr(dmabuf->priv, &err);
}

static void udma_dmabuf_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	vunmap(vaddr);
}
#endif

static void udma_dmabuf_release(struct dma_buf *dmabuf)
{
	struct userdma_region *r = dmabuf->priv;

	/* the node's count is settled when the region leaves the node */
	mutex_lock(&r->lock);
	if (r->devref)
		atomic_long_dec(&r->devref->stats.exported);
	r->exported = NULL;
	mutex_unlock(&r->lock);
	udma_region_put(r);
}

static const struct dma_buf_ops udma_dmabuf_ops = {
	.attach = udma_dmabuf_attach,
	.detach = udma_dmabuf_detach,
	.map_dma_buf = udma_dmabuf_map,
	.unmap_dma_buf = udma_dmabuf_unmap,
	.begin_cpu_access = udma_dmabuf_begin_cpu,
	.end_cpu_access = udma_dmabuf_end_cpu,
	.mmap = udma_dmabuf_mmap,
	.vmap = udma_dmabuf_vmap,
	.vunmap = udma_dmabuf_vunmap,
	.release = udma_dmabuf_release,
};

/* Region lock held: the region's first dma-buf. */
static struct dma_buf *udma_export_new(struct userdma_region *r)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	lockdep_assert_held(&r->lock);
	info.ops = &udma_dmabuf_ops;
	info.size = udma_dmabuf_size(r);
	info.flags = udma_region_readonly(r) ? O_RDONLY : O_RDWR;
	info.priv = r;
	if (udma_should_fail(UDMA_FP_DMABUF_EXPORT))
		return ERR_PTR(-ENOMEM);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf))
		return dmabuf;
	udma_region_get(r);
	if (r->devref)
		atomic_long_inc(&r->devref->stats.exported);
	r->dmabuf = dmabuf;
	r->exported = dmabuf;
	return dmabuf;
}

/*
 * The region's dma-buf, created on first use, with a reference for the
 * caller.  Imports are not re-exported (their exporter's fd is the one to
 * share); a registration must cover whole pages, since a dma-buf cannot
 * describe part of one and the rest of the page is not the caller's to give.
 */
struct dma_buf *udma_export_get(struct userdma_region *r)
{
	struct dma_buf *dmabuf;

	if (r->kind->foreign_table)
		return ERR_PTR(-EINVAL);
	if (r->kind->user_memory &&
	    (offset_in_page(r->uaddr) || offset_in_page(r->length)))
		return ERR_PTR(-EINVAL);

	mutex_lock(&r->lock);
	if (r->disowned)
		dmabuf = ERR_PTR(-ENOENT);
	else if (r->kind->device_memory && r->detached)
		dmabuf = ERR_PTR(-ENODEV);
	else if (r->dmabuf)
		dmabuf = r->dmabuf;
	else
		dmabuf = udma_export_new(r);
	if (!IS_ERR(dmabuf))
		get_dma_buf(dmabuf);
	mutex_unlock(&r->lock);
	return dmabuf;
}

int udma_export_mmap(struct userdma_region *r, struct vm_area_struct *vma,
		     unsigned long pgoff)
{
	struct dma_buf *dmabuf;
	int ret;

	dmabuf = udma_export_get(r);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	/* the mapping takes its own reference on the dma-buf's file */
	ret = dma_buf_mmap(dmabuf, vma, pgoff);
	dma_buf_put(dmabuf);
	return ret;
}

/*
 * Every CPU mapping of the region lives in its dma-buf's address space:
 * remove them all.  Region lock held, so no fault maps a page again
 * before the caller has marked the region detached.
 */
void udma_export_zap(struct userdma_region *r)
{
	lockdep_assert_held(&r->lock);
	if (r->exported)
		unmap_mapping_range(r->exported->file->f_mapping, 0, 0, 1);
}

/*
 * The ownership record of the mapping a userdma node just made of our
 * own dma-buf (it maps its attachment once), or NULL for anyone else's
 * dma-buf.  By attachment, not by table: the dma-buf core may hand the
 * importer a copy of the table it got from us.
 */
struct udma_own *udma_export_own(struct dma_buf_attachment *attach)
{
	struct userdma_region *r = attach->dmabuf->priv;
	struct udma_attachment *a = attach->priv;
	struct udma_attach_map *m;

	if (attach->dmabuf->ops != &udma_dmabuf_ops)
		return NULL;
	mutex_lock(&r->lock);
	m = list_first_entry_or_null(&a->maps, struct udma_attach_map, link);
	mutex_unlock(&r->lock);
	return m ? &m->own : NULL;
}

UDMA_IMPORT_NS_DMA_BUF();
