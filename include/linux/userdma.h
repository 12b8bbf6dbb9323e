/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userdma in-kernel API: give a driver's users zero-copy DMA into their own
 * memory.  One call pins a user range and maps it for a device; the driver
 * programs its DMA engine from the segment list, syncs around each transfer
 * and releases the region when done.  Everything that can partly succeed
 * (short pins, failed mappings) is unwound inside these calls.
 */
#ifndef _LINUX_USERDMA_H
#define _LINUX_USERDMA_H

#include <linux/dma-direction.h>
#include <linux/types.h>

struct device;
struct userdma_region;

/**
 * struct userdma_seg - one run of contiguous DMA addresses
 * @addr:   DMA address the device uses for the first byte
 * @offset: where the run starts within the registered range, in bytes
 * @length: bytes in the run
 *
 * The runs of a region follow each other without gaps: the first starts at
 * offset 0 and the last ends at the registered length.
 */
struct userdma_seg {
	dma_addr_t addr;
	u64 offset;
	u64 length;
};

/**
 * userdma_register() - pin a range of the current process and map it for DMA
 * @dev:    the device that will access the memory
 * @uaddr:  start of the range in the current process; need not be aligned
 * @length: bytes in the range, at least 1
 * @dir:    DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 *
 * Pins the pages with FOLL_LONGTERM (and FOLL_WRITE unless @dir is
 * DMA_TO_DEVICE), charges them to the caller's locked memory
 * (RLIMIT_MEMLOCK, waived by CAP_IPC_LOCK), builds a scatterlist that merges
 * physically contiguous pages up to the device's segment limits and maps it
 * with dma_map_sgtable(), which also syncs it for the device.  Must be
 * called in process context of the process that owns the memory.
 *
 * Return: the region, or an ERR_PTR(): -EINVAL (length 0 or bad @dir),
 * -EOVERFLOW (range wraps), -E2BIG (longer than the module's
 * max_region_mb), -EFAULT (not user memory, not mapped, not pinnable, or
 * read-only while the device may write), -ENOMEM (locked-memory limit or
 * out of memory), -EINTR (fatal signal while pinning), or the mapping
 * error (-EIO, -ENOMEM, -EINVAL) from the DMA layer.
 */
struct userdma_region *userdma_register(struct device *dev, unsigned long uaddr,
					u64 length,
					enum dma_data_direction dir);

/**
 * userdma_unregister() - unmap, mark dirty if the device may have written,
 *                        unpin and uncharge a region
 * @region: a region from userdma_register()
 *
 * The device must no longer access the region.  Unmapping syncs the whole
 * range for the CPU.  May sleep.
 */
void userdma_unregister(struct userdma_region *region);

/**
 * userdma_sync_for_cpu() - make device writes to part of a region visible
 * @region: the region
 * @offset: first byte, relative to the registered start
 * @length: bytes, at least 1
 *
 * Exactly these bytes are synced: with bounce buffers, neighbouring bytes
 * the CPU may be changing are left alone.
 *
 * Return: 0, -EINVAL for a zero @length, -ERANGE if the range does not lie
 * within the region.
 */
int userdma_sync_for_cpu(struct userdma_region *region, u64 offset,
			 u64 length);

/**
 * userdma_sync_for_device() - make CPU writes to part of a region visible to
 *                             the device
 * @region: the region
 * @offset: first byte, relative to the registered start
 * @length: bytes, at least 1
 *
 * Return: as userdma_sync_for_cpu().
 */
int userdma_sync_for_device(struct userdma_region *region, u64 offset,
			    u64 length);

/**
 * userdma_segments() - the DMA address runs of a region
 * @region: the region
 * @nr:     receives the number of runs
 *
 * Return: an array of @nr runs, valid until userdma_unregister().
 */
const struct userdma_seg *userdma_segments(const struct userdma_region *region,
					   unsigned int *nr);

#endif /* _LINUX_USERDMA_H */
