/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference userdma depends on, in one place.  Each
 * shim names the release that changed the interface and why it matters.
 */
#ifndef USERDMA_COMPAT_H
#define USERDMA_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/eventfd.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

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

/*
 * 5.15 ("lib/scatterlist: Provide a dedicated function to support table
 * append") added the _segment form; before it the same work was done by
 * __sg_alloc_table_from_pages(), which returned the last entry.
 */
static inline int udma_sg_from_pages(struct sg_table *sgt, struct page **pages,
				     unsigned int n_pages, unsigned int offset,
				     unsigned long size,
				     unsigned int max_segment, gfp_t gfp)
{
#ifdef UDMA_HAS_SG_FROM_PAGES_SEGMENT
	return sg_alloc_table_from_pages_segment(sgt, pages, n_pages, offset,
						 size, max_segment, gfp);
#else
	return PTR_ERR_OR_ZERO(__sg_alloc_table_from_pages(sgt, pages, n_pages,
							   offset, size,
							   max_segment, NULL,
							   0, gfp));
#endif
}

/*
 * 6.2 ("dma-buf: Move dma_buf_map_attachment() to dynamic locking
 * specification") made importers that hold no reservation lock call the
 * _unlocked forms; before it the plain calls took what they needed.
 */
static inline struct sg_table *
udma_dma_buf_map(struct dma_buf_attachment *attach,
		 enum dma_data_direction dir)
{
#ifdef UDMA_HAS_DMA_BUF_UNLOCKED
	return dma_buf_map_attachment_unlocked(attach, dir);
#else
	return dma_buf_map_attachment(attach, dir);
#endif
}

static inline void udma_dma_buf_unmap(struct dma_buf_attachment *attach,
				      struct sg_table *sgt,
				      enum dma_data_direction dir)
{
#ifdef UDMA_HAS_DMA_BUF_UNLOCKED
	dma_buf_unmap_attachment_unlocked(attach, sgt, dir);
#else
	dma_buf_unmap_attachment(attach, sgt, dir);
#endif
}

/*
 * The dma-buf vmap callbacks: 5.10 returns the address, 5.11 ("dma-buf:
 * Use struct dma_buf_map in dma_buf_vmap() interfaces") fills a struct
 * dma_buf_map, which 5.18 ("dma-buf-map: Rename to iosys-map") renamed.
 * UDMA_VMAP_MAP names the struct where there is one.
 */
#if defined(UDMA_HAS_IOSYS_MAP)
#define UDMA_VMAP_MAP iosys_map
#define udma_vmap_set_vaddr iosys_map_set_vaddr
#elif defined(UDMA_HAS_DMA_BUF_MAP)
#define UDMA_VMAP_MAP dma_buf_map
#define udma_vmap_set_vaddr dma_buf_map_set_vaddr
#endif

/*
 * 5.11 ("mm/highmem: Provide and use CONFIG_KMAP_LOCAL") added local
 * mappings.  Before it, a kernel without highmem (every 64-bit one) has
 * every page mapped already; the atomic mappings a 32-bit highmem kernel
 * would need instead are not worth a second copy loop.
 */
#ifdef UDMA_HAS_KMAP_LOCAL
#define udma_kmap_local(page) kmap_local_page(page)
#define udma_kunmap_local(addr) kunmap_local(addr)
#elif !defined(CONFIG_HIGHMEM)
#define udma_kmap_local(page) page_address(page)
#define udma_kunmap_local(addr) ((void)(addr))
#else
#error "userdma needs kmap_local_page() (5.11) on a highmem kernel"
#endif

/*
 * Does every streaming mapping of @dev bounce through swiotlb?  5.16
 * ("swiotlb: Add restricted DMA pool initialization") gave the per-device
 * answer.  Before it the answer was the swiotlb_force global, which
 * modules cannot read, so one page is mapped for a bare device with a
 * 64-bit mask and looked at: a bounced page comes back at another address.
 * Not @dev itself: under swiotlb=force a narrow-mask device's bounce slot
 * may be out of its reach, and the DMA layer WARNs about that.  A global
 * set at boot is probed once (udma_force_bounce() in map.c keeps the
 * answer).  Callers ask only for devices without IOMMU translation.
 */
#ifdef UDMA_HAS_FORCE_BOUNCE
static inline bool udma_force_bounce_of(struct device *dev)
{
	return is_swiotlb_force_bounce(dev);
}
#else
static inline bool udma_force_bounce_probe(void)
{
	struct device *probe = kzalloc(sizeof(*probe), GFP_KERNEL);
	struct page *page = alloc_page(GFP_KERNEL);
	bool bounced = false;
	dma_addr_t addr;

	if (!probe || !page)
		goto out;
	probe->coherent_dma_mask = DMA_BIT_MASK(64);
	probe->dma_mask = &probe->coherent_dma_mask;
	addr = dma_map_page(probe, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(probe, addr))
		goto out;
	bounced = addr != phys_to_dma(probe, page_to_phys(page));
	dma_unmap_page(probe, addr, PAGE_SIZE, DMA_TO_DEVICE);
out:
	if (page)
		__free_page(page);
	kfree(probe);
	return bounced;
}
#endif

/*
 * Before 5.16 ("dma-mapping: allow map_sg() ops to return negative error
 * codes") dma_map_sgtable() said -EINVAL for every failure.  With the
 * arguments userdma checks, what is left is running out of IOVA space or
 * bounce slots, which later kernels report as -ENOMEM.  (The inline
 * wrapper that said -EINVAL became a function in mapping.c then.)
 */
static inline int udma_map_errno(int ret)
{
#ifndef UDMA_MAP_SGTABLE_ERRNO
	if (ret == -EINVAL)
		return -ENOMEM;
#endif
	return ret;
}

/*
 * 5.19 ("mm: COW fixes part 2: reliable GUP pins of anonymous pages") made
 * a read-only pin of a page shared copy-on-write with another process
 * (after fork) unshare it first.  Before it the pin kept the shared page,
 * and the owner's next write moved its memory to a new page the device
 * never sees.  There a read-only pin asks for write access first, which
 * breaks the sharing up front, as RDMA's umem did for years; a range the
 * process cannot write gets the plain read-only pin.
 */
#ifdef UDMA_HAS_RELIABLE_RO_PIN
#define UDMA_RO_PIN_BREAKS_COW 0
#else
#define UDMA_RO_PIN_BREAKS_COW 1
#endif

/*
 * 5.16 ("mm: Add fault_in_writeable") replaced fault_in_pages_writeable(),
 * which returned -EFAULT, by one returning the bytes it could not fault in.
 * True if the whole range is now there to be written.
 */
static inline bool udma_fault_in_writeable(void __user *uaddr, size_t size)
{
#ifdef UDMA_HAS_FAULT_IN_WRITEABLE
	return fault_in_writeable((char __user *)uaddr, size) == 0;
#else
	return fault_in_pages_writeable((char __user *)uaddr, size) == 0;
#endif
}

/*
 * The page protection of a user mapping of coherent memory: what
 * dma_pgprot() (not exported) gives it, uncached where the device does
 * not snoop the CPU's caches.  Never a cacheable alias of memory the DMA
 * layer mapped uncached.
 */
static inline pgprot_t udma_coherent_pgprot(struct device *dev, pgprot_t prot)
{
	if (dev_is_dma_coherent(dev))
		return prot;
	return pgprot_dmacoherent(prot);
}

/*
 * Can a function reset be asked of the device?  5.15 ("PCI: Add support
 * for a function level reset based on _RST method") made the answer a
 * list of methods; before it, one flag said a method was found at probe.
 */
static inline bool udma_pci_reset_supported(struct pci_dev *pdev)
{
#ifdef UDMA_HAS_RESET_METHODS
	return pdev->reset_methods[0] != 0;
#else
	return pdev->reset_fn;
#endif
}

#endif /* USERDMA_COMPAT_H */
