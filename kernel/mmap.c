// SPDX-License-Identifier: GPL-2.0
/*
 * CPU mappings of a region.  Every one goes through the region's dma-buf
 * (export.c), also mmap() of the node: the mapping then holds the
 * dma-buf's file, the dma-buf holds the region, and the memory lives as
 * long as anything can reach it.  All of them live in the dma-buf's
 * address space, where the device's removal finds and zaps them.
 *
 * What a page is depends on the kind (struct udma_kind): a cached buffer's
 * real pages, inserted at mmap() time; a registration's pinned pages or
 * coherent memory, inserted as PFNs when first touched.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>

#include "compat.h"
#include "dmabuf.h"
#include "fault.h"
#include "region.h"

static vm_fault_t udma_vm_fault(struct vm_fault *vmf)
{
	struct userdma_region *r = vmf->vma->vm_private_data;

	if (vmf->pgoff >= r->npages || !r->kind->fault)
		return VM_FAULT_SIGBUS;
	return r->kind->fault(r, vmf);
}

static const struct vm_operations_struct udma_vm_ops = {
	.fault = udma_vm_fault,
};

/* A PFN mapping made at fault time: VM_IO keeps GUP (and pins) off it. */
int udma_mmap_pfns(struct userdma_region *r, struct vm_area_struct *vma)
{
	udma_vm_flags_set(vma, VM_IO | VM_PFNMAP);
	return 0;
}

/* The dma-buf's mmap: also what mmap() of the node ends in. */
int udma_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct userdma_region *r = dmabuf->priv;
	unsigned long npages = vma_pages(vma);

	/*
	 * A private copy of device memory would silently stop sharing.  A
	 * shared mapping of a read-only file keeps only VM_MAYSHARE.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (udma_region_readonly(r)) {
		/* the O_RDONLY file already refuses this: the rule, twice */
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		udma_vm_flags_clear(vma, VM_MAYWRITE);
	}
	if (vma->vm_pgoff > r->npages || npages > r->npages - vma->vm_pgoff)
		return -ENXIO;
	if (!r->kind->mmap)
		return -ENODEV;
	if (udma_should_fail(UDMA_FP_MMAP))
		return -ENOMEM;
	udma_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	udma_vm_flags_clear(vma, VM_MAYEXEC);
	/* the mapping holds the dma-buf's file, which holds the region */
	vma->vm_private_data = r;
	vma->vm_ops = &udma_vm_ops;
	return r->kind->mmap(r, vma);
}
