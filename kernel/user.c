// SPDX-License-Identifier: GPL-2.0
/*
 * Registrations of user memory: the pipeline put together (charge and
 * pin, map, and the reverse), the node's REGISTER and the exported
 * in-kernel API.  Pinning may wait on user memory for ever (a fault
 * nobody resolves), so it runs outside the device's section; only the
 * mapping runs inside.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include "dmabuf.h"
#include "kinds.h"
#include "params.h"
#include "stage.h"

static int udma_check_range(unsigned long uaddr, u64 length)
{
	u64 end;

	if (!length)
		return -EINVAL;
	if (check_add_overflow((u64)uaddr, length, &end))
		return -EOVERFLOW;
	if (length > (u64)udma_max_region_mb << 20)
		return -E2BIG;
	/* kernel and non-canonical addresses never reach the pinning code */
	if (!access_ok((void __user *)uaddr, length))
		return -EFAULT;
	return 0;
}

/* Pinned pages may be anonymous, which vm_insert_page() refuses. */
static vm_fault_t udma_user_fault(struct userdma_region *r,
				  struct vm_fault *vmf)
{
	return vmf_insert_pfn(vmf->vma, vmf->address,
			      page_to_pfn(r->pages[vmf->pgoff]));
}

static const struct udma_kind udma_user_kind = {
	.name = "user",
	.stat = UDMA_STAT_PINNED,
	.pages = true,
	.user_memory = true,
	.detach = udma_unmap,
	.release = udma_unpin,
	.mmap = udma_mmap_pfns,
	.fault = udma_user_fault,
};

struct userdma_region *udma_user_create(struct device *dev,
					struct udma_devref *ref,
					unsigned long uaddr, u64 length,
					enum dma_data_direction dir)
{
	struct userdma_region *r;
	int ret;

	if (!udma_dir_valid(dir))
		return ERR_PTR(-EINVAL);
	ret = udma_check_range(uaddr, length);
	if (ret)
		return ERR_PTR(ret);

	r = udma_region_alloc(sizeof(*r), &udma_user_kind, dev, dir, !!ref);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->uaddr = uaddr;
	r->length = length;
	r->npages = DIV_ROUND_UP(offset_in_page(uaddr) + length, PAGE_SIZE);

	ret = udma_pin(r);
	if (ret)
		goto err_free;
	if (ref) {
		ret = udma_devref_enter(ref);
		if (ret)
			goto err_unpin;
	}
	ret = udma_map(r);
	if (ret)
		goto err_exit;
	if (ref) {
		udma_region_link(r, ref);
		udma_devref_exit(ref);
	}
	return r;

err_exit:
	if (ref)
		udma_devref_exit(ref);
err_unpin:
	udma_unpin(r);
err_free:
	udma_region_free(r);
	return ERR_PTR(ret);
}

struct userdma_region *userdma_register(struct device *dev, unsigned long uaddr,
					u64 length, enum dma_data_direction dir)
{
	return udma_user_create(dev, NULL, uaddr, length, dir);
}
EXPORT_SYMBOL_GPL(userdma_register);

void userdma_unregister(struct userdma_region *region)
{
	udma_region_put(region);
}
EXPORT_SYMBOL_GPL(userdma_unregister);

const struct userdma_seg *userdma_segments(const struct userdma_region *region,
					   unsigned int *nr)
{
	*nr = region->nr_segs;
	return region->segs;
}
EXPORT_SYMBOL_GPL(userdma_segments);
