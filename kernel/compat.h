/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference userdma depends on, in one place.  Each
 * shim names the release that changed the interface and why it matters.
 */
#ifndef USERDMA_COMPAT_H
#define USERDMA_COMPAT_H

#include <linux/dma-mapping.h>
#include <linux/eventfd.h>
#include <linux/mm.h>

/*
 * 6.11 ("dma-mapping: don't return errors from dma_set_max_seg_size") made
 * the setter void; before it, it could fail when the bus gave the device no
 * dma_parms.  Reading the limit back works on both without a version test.
 */
static inline int udma_set_max_seg_size(struct device *dev, unsigned int size)
{
	dma_set_max_seg_size(dev, size);
	return dma_get_max_seg_size(dev) == size ? 0 : -EIO;
}

/*
 * Before 6.5 ("mm/gup: do not return 0 from pin_user_pages_fast() for bad
 * args") a pin could return 0 pages without an error; a retry loop would
 * spin forever on it, so callers see -EFAULT on every kernel.
 */
static inline int udma_pin_result(int ret)
{
	return ret == 0 ? -EFAULT : ret;
}

/*
 * 6.8 ("eventfd: simplify eventfd_signal()") dropped the count argument.
 * Kbuild looks at the kernel's own header rather than its version, so a
 * distribution kernel with the change backported builds too.
 */
static inline void udma_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef UDMA_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * 6.3 ("mm: introduce vma->vm_flags wrapper functions") made vm_flags
 * read-only outside these helpers; before it they did not exist.
 */
static inline void udma_vm_flags_set(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
#ifdef UDMA_HAS_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void udma_vm_flags_clear(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
#ifdef UDMA_HAS_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * 6.13 ("module: Convert symbol namespace to string literal") takes the
 * namespace as a string; before it, as a bare word the macro stringified.
 * Without the import the dma-buf symbols do not resolve at load time.
 */
#ifdef UDMA_IMPORT_NS_STRING
#define UDMA_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS("DMA_BUF")
#else
#define UDMA_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS(DMA_BUF)
#endif

#endif /* USERDMA_COMPAT_H */
