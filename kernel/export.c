// SPDX-License-Identifier: GPL-2.0
/*
 * Exporting regions as dma-bufs, and mmap() of allocated buffers.
 *
 * Every CPU mapping of a region goes through its dma-buf, also mmap() of
 * the node: the mapping then holds the dma-buf's file, the dma-buf holds
 * the region, and the memory lives exactly as long as anything can reach
 * it, however the handle, the node's files and the mappings are closed.
 *
 * Locking: export_lock guards the dma-buf pointer and the attachments.  It
 * nests inside mmap_lock and the dma-buf's reservation lock (the core takes
 * them around mmap and map_dma_buf on newer kernels) and never takes
 * either itself, nor touches user memory while held.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "fault.h"
#include "region.h"

/* One importer's mapping, for DMA_BUF_IOCTL_SYNC to maintain. */
struct udma_attachment {
	struct list_head link;		/* in region->attachments */
	struct device *dev;
	struct sg_table *sgt;		/* NULL while not mapped */
	enum dma_data_direction dir;
};

static int udma_dmabuf_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct userdma_region *r = dmabuf->priv;
	struct udma_attachment *a;

	if (udma_fault(UDMA_FP_ATTACH_ALLOC))
		return -ENOMEM;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&r->export_lock);
	list_add(&a->link, &r->attachments);
	mutex_unlock(&r->export_lock);
	return 0;
}

static void udma_dmabuf_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct userdma_region *r = dmabuf->priv;
	struct udma_attachment *a = attach->priv;

	mutex_lock(&r->export_lock);
	list_del(&a->link);
	mutex_unlock(&r->export_lock);
	kfree(a);
}

/*
 * A coherent buffer's table comes from the DMA layer, whose entries run as
 * far as the memory is contiguous; an importer may accept less per
 * segment (vgem: 64 KiB), so the pages are laid out again within its limit.
 */
static int udma_coherent_table(struct userdma_region *r, struct sg_table *sgt,
			       struct device *dev)
{
	unsigned int max = udma_max_sg_entry(dev), n = 0;
	struct sg_page_iter piter;
	struct scatterlist *sg;
	struct page **pages;
	unsigned int i;
	int ret;

	ret = dma_get_sgtable_attrs(r->dev, sgt, r->cpu_addr, r->dma_handle,
				    r->length, r->dma_attrs);
	if (ret)
		return ret;
	for_each_sgtable_sg(sgt, sg, i)
		if (sg->length > max)
			break;
	if (i == sgt->orig_nents)
		return 0;

	pages = kvmalloc_array(r->length >> PAGE_SHIFT, sizeof(*pages),
			       GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto err_free_table;
	}
	for_each_sgtable_page(sgt, &piter, 0)
		pages[n++] = sg_page_iter_page(&piter);
	sg_free_table(sgt);
	ret = udma_sg_from_pages(sgt, pages, n, 0, r->length, max, GFP_KERNEL);
	kvfree(pages);
	return ret;

err_free_table:
	sg_free_table(sgt);
	return ret;
}

/* The region's memory as a scatterlist, not yet mapped for anyone. */
static int udma_dmabuf_table(struct userdma_region *r, struct sg_table *sgt,
			     struct device *dev)
{
	if (r->kind == UDMA_COHERENT)
		return udma_coherent_table(r, sgt, dev);
	return udma_sg_from_pages(sgt, r->pages, r->npages, 0,
				  r->npages << PAGE_SHIFT, udma_max_sg_entry(dev),
				  GFP_KERNEL);
}

static struct sg_table *udma_dmabuf_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct userdma_region *r = attach->dmabuf->priv;
	struct udma_attachment *a = attach->priv;
	struct sg_table *sgt;
	int ret;

	if (udma_fault(UDMA_FP_MAP_SGT_ALLOC))
		return ERR_PTR(-ENOMEM);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = udma_fault(UDMA_FP_MAP_TABLE) ? -ENOMEM :
	      udma_dmabuf_table(r, sgt, attach->dev);
	if (ret)
		goto err_free;
	/*
	 * The memory is shared with its owner's mapping and maybe other
	 * importers': as for udma_map(), the CPU sync is made explicitly
	 * (bounce slots are filled here) and the implicit one skipped.
	 */
	ret = udma_fault(UDMA_FP_MAP_DMA) ? -ENOMEM :
	      dma_map_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_free_table;
	dma_sync_sgtable_for_device(attach->dev, sgt, dir);

	mutex_lock(&r->export_lock);
	a->sgt = sgt;
	a->dir = dir;
	mutex_unlock(&r->export_lock);
	return sgt;

err_free_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void udma_dmabuf_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	struct userdma_region *r = attach->dmabuf->priv;
	struct udma_attachment *a = attach->priv;

	mutex_lock(&r->export_lock);
	a->sgt = NULL;
	mutex_unlock(&r->export_lock);
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

/*
 * CPU access through the dma-buf syncs every importer's mapping.  The
 * node's own mapping is left to SYNC (and to transfers), like a
 * registration's: syncing it here as well would, with bounce buffers,
 * copy an idle mapping's stale slots over what an importer wrote through
 * vmap or the CPU wrote through a mapping.
 */
static int udma_dmabuf_cpu_access(struct dma_buf *dmabuf,
				  enum dma_data_direction dir, bool for_cpu)
{
	struct userdma_region *r = dmabuf->priv;
	struct udma_attachment *a;

	mutex_lock(&r->export_lock);
	list_for_each_entry(a, &r->attachments, link) {
		if (!a->sgt)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, a->sgt, a->dir);
		else
			dma_sync_sgtable_for_device(a->dev, a->sgt, a->dir);
	}
	mutex_unlock(&r->export_lock);
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

/* Pinned user pages may be anonymous, which vm_insert_page() refuses. */
static int udma_mmap_pfns(struct userdma_region *r, struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start, i = vma->vm_pgoff;
	int ret;

	for (; addr < vma->vm_end; addr += PAGE_SIZE, i++) {
		ret = remap_pfn_range(vma, addr, page_to_pfn(r->pages[i]),
				      PAGE_SIZE, vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Faults come only after the page tables were zapped (MADV_DONTNEED, or
 * the kernel reclaiming page tables): an allocated page comes back, a PFN
 * range cannot.
 */
static vm_fault_t udma_vm_fault(struct vm_fault *vmf)
{
	struct userdma_region *r = vmf->vma->vm_private_data;

	if (r->kind != UDMA_CACHED || vmf->pgoff >= r->npages)
		return VM_FAULT_SIGBUS;
	vmf->page = r->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct udma_vm_ops = {
	.fault = udma_vm_fault,
};

static int udma_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct userdma_region *r = dmabuf->priv;
	unsigned long npages = vma_pages(vma);

	/* a private copy of device memory would silently stop sharing */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff > r->npages || npages > r->npages - vma->vm_pgoff)
		return -ENXIO;
	udma_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	udma_vm_flags_clear(vma, VM_MAYEXEC);
	/* the mapping holds the dma-buf's file, which holds the region */
	vma->vm_private_data = r;
	vma->vm_ops = &udma_vm_ops;

	if (udma_fault(UDMA_FP_MMAP))
		return -ENOMEM;
	switch (r->kind) {
	case UDMA_COHERENT:
		return dma_mmap_attrs(r->dev, vma, r->cpu_addr, r->dma_handle,
				      r->length, r->dma_attrs);
	case UDMA_CACHED:
		return vm_insert_pages(vma, vma->vm_start,
				       r->pages + vma->vm_pgoff, &npages);
	case UDMA_USER:
		return udma_mmap_pfns(r, vma);
	default:
		return -ENODEV;
	}
}

static void *udma_dmabuf_vaddr(struct userdma_region *r)
{
	if (r->kind == UDMA_COHERENT)
		return r->cpu_addr;
	return udma_fault(UDMA_FP_VMAP) ? NULL :
		vmap(r->pages, r->npages, VM_MAP, PAGE_KERNEL);
}

static void udma_dmabuf_vfree(struct userdma_region *r, void *vaddr)
{
	if (r->kind != UDMA_COHERENT)
		vunmap(vaddr);
}

#ifdef UDMA_VMAP_MAP
static int udma_dmabuf_vmap(struct dma_buf *dmabuf, struct UDMA_VMAP_MAP *map)
{
	void *vaddr = udma_dmabuf_vaddr(dmabuf->priv);

	if (!vaddr)
		return -ENOMEM;
	udma_vmap_set_vaddr(map, vaddr);
	return 0;
}

static void udma_dmabuf_vunmap(struct dma_buf *dmabuf,
			       struct UDMA_VMAP_MAP *map)
{
	udma_dmabuf_vfree(dmabuf->priv, map->vaddr);
}
#else
static void *udma_dmabuf_vmap(struct dma_buf *dmabuf)
{
	return udma_dmabuf_vaddr(dmabuf->priv);
}

static void udma_dmabuf_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	udma_dmabuf_vfree(dmabuf->priv, vaddr);
}
#endif

static void udma_dmabuf_release(struct dma_buf *dmabuf)
{
	struct userdma_region *r = dmabuf->priv;

	/* the node's count is settled at revocation if the node went first */
	mutex_lock(&r->export_lock);
	if (r->stats)
		atomic_long_dec(&r->stats->exported);
	mutex_unlock(&r->export_lock);
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

/*
 * The region's dma-buf, created on first use, with a reference for the
 * caller.  Imports are not re-exported (their exporter's fd is the one to
 * share); a registration must cover whole pages, since a dma-buf cannot
 * describe part of one and the rest of the page is not the caller's to give.
 */
struct dma_buf *udma_export_get(struct userdma_region *r)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	if (r->kind == UDMA_IMPORT)
		return ERR_PTR(-EINVAL);
	if (r->kind == UDMA_USER &&
	    (offset_in_page(r->uaddr) || offset_in_page(r->length)))
		return ERR_PTR(-EINVAL);

	mutex_lock(&r->export_lock);
	if (r->disowned) {
		dmabuf = ERR_PTR(-ENOENT);
		goto out;
	}
	if (!r->dmabuf) {
		info.ops = &udma_dmabuf_ops;
		info.size = r->npages << PAGE_SHIFT;
		info.flags = O_RDWR;
		info.priv = r;
		dmabuf = udma_fault(UDMA_FP_DMABUF_EXPORT) ? ERR_PTR(-ENOMEM) :
			 dma_buf_export(&info);
		if (IS_ERR(dmabuf))
			goto out;
		udma_region_get(r);
		if (r->stats)
			atomic_long_inc(&r->stats->exported);
		r->dmabuf = dmabuf;
	}
	dmabuf = r->dmabuf;
	get_dma_buf(dmabuf);
out:
	mutex_unlock(&r->export_lock);
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

UDMA_IMPORT_NS_DMA_BUF();
