// SPDX-License-Identifier: GPL-2.0
/*
 * Coherent buffers (ALLOC with USERDMA_ALLOC_COHERENT): memory from the
 * DMA API's coherent allocator, which needs no sync and is the device's
 * own.  It goes when the device goes (its CPU mappings zapped first, under
 * the lock their faults take), is never shared as a dma-buf, and is mapped
 * to user space page by page at fault time, as a PFN range nothing else
 * can pin, with the device's caching.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "dmabuf.h"
#include "kinds.h"
#include "stage.h"

struct udma_coherent {
	struct userdma_region r;
	void *cpu_addr;
	dma_addr_t dma_handle;
	unsigned long dma_attrs;
};

static struct udma_coherent *to_coherent(struct userdma_region *r)
{
	return container_of(r, struct udma_coherent, r);
}

/* Where a page of the buffer lies: direct-mapped, or remapped. */
static unsigned long udma_coherent_pfn(struct udma_coherent *c,
				       unsigned long pgoff)
{
	void *va = c->cpu_addr + (pgoff << PAGE_SHIFT);

	if (is_vmalloc_addr(va))
		return vmalloc_to_pfn(va);
	return PHYS_PFN(virt_to_phys(va));
}

/* The device's removal zaps under this lock: nothing maps after it. */
static vm_fault_t udma_coherent_fault(struct userdma_region *r,
				      struct vm_fault *vmf)
{
	vm_fault_t ret = VM_FAULT_SIGBUS;

	mutex_lock(&r->lock);
	if (!r->detached)
		ret = vmf_insert_pfn_prot(vmf->vma, vmf->address,
					  udma_coherent_pfn(to_coherent(r),
							    vmf->pgoff),
					  vmf->vma->vm_page_prot);
	mutex_unlock(&r->lock);
	return ret;
}

static int udma_coherent_mmap(struct userdma_region *r,
			      struct vm_area_struct *vma)
{
	bool detached;

	mutex_lock(&r->lock);
	detached = r->detached;
	mutex_unlock(&r->lock);
	if (detached)
		return -ENODEV;
	vma->vm_page_prot = udma_coherent_pgprot(r->dev, vma->vm_page_prot);
	return udma_mmap_pfns(r, vma);
}

/*
 * The device's side (region.c, udma_region_detach), under the region's
 * lock: whatever maps the memory to user space is zapped, then it is freed.
 */
static void udma_coherent_detach(struct userdma_region *r)
{
	struct udma_coherent *c = to_coherent(r);

	lockdep_assert_held(&r->lock);
	udma_export_zap(r);
	dma_free_attrs(r->dev, r->length, c->cpu_addr, c->dma_handle,
		       c->dma_attrs);
	c->cpu_addr = NULL;
}

static const struct udma_kind udma_coherent_kind = {
	.name = "coherent",
	.stat = UDMA_STAT_ALLOCATED,
	.node_mmap = true,
	.device_memory = true,
	.detach_locked = udma_coherent_detach,
	.release = udma_uncharge,
	.mmap = udma_coherent_mmap,
	.fault = udma_coherent_fault,
};

/* Device work: the allocation; ref entered. */
static int udma_coherent_fill(struct udma_coherent *c, bool contiguous)
{
	struct userdma_region *r = &c->r;

	c->dma_attrs = contiguous ? DMA_ATTR_FORCE_CONTIGUOUS : 0;
	if (udma_should_fail(UDMA_FP_ALLOC_COHERENT))
		return -ENOMEM;
	c->cpu_addr = dma_alloc_attrs(r->dev, r->length, &c->dma_handle,
				      GFP_KERNEL | __GFP_NOWARN, c->dma_attrs);
	if (!c->cpu_addr)
		return -ENOMEM;

	/* one segment: kept in the region, nothing to allocate or fail */
	udma_segs_alloc(r, 1, UDMA_FP_SEGS_ALLOC);
	r->segs[0].addr = c->dma_handle;
	r->segs[0].offset = 0;
	r->segs[0].length = r->length;
	return 0;
}

struct userdma_region *udma_coherent_create(struct udma_devref *ref,
					    u64 length, bool contiguous,
					    enum dma_data_direction dir)
{
	struct userdma_region *r;
	int ret;

	r = udma_region_alloc(sizeof(struct udma_coherent), &udma_coherent_kind,
			      ref->dev, dir, true);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->length = PAGE_ALIGN(length);
	r->npages = r->length >> PAGE_SHIFT;

	ret = udma_charge(r);
	if (ret)
		goto err_free;
	ret = udma_devref_enter(ref);
	if (ret)
		goto err_uncharge;
	ret = udma_coherent_fill(to_coherent(r), contiguous);
	if (!ret)
		udma_region_link(r, ref);
	udma_devref_exit(ref);
	if (ret)
		goto err_uncharge;
	return r;

err_uncharge:
	udma_uncharge(r);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}
