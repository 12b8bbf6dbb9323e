// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 3: sync part of a region for the CPU or the device.
 *
 * The range is located in the segment array and each piece is synced
 * through the DMA address the device uses, so bounce buffers copy exactly
 * the requested bytes and DMA-API debugging recognises every call as lying
 * inside a live mapping.  Behind an IOMMU one segment may join pages that
 * are not physically contiguous, while the single-range sync calls resolve
 * only their start address: such segments are synced a page at a time.
 */
#include <linux/dma-mapping.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "region.h"

unsigned int udma_seg_index(const struct userdma_region *r, u64 offset)
{
	unsigned int lo = 0, hi = r->nr_segs - 1;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo + 1) / 2;

		if (r->segs[mid].offset <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void udma_sync_piece(struct userdma_region *r, dma_addr_t addr,
			    u64 length, bool for_cpu)
{
	if (for_cpu)
		dma_sync_single_for_cpu(r->dev, addr, length, r->dir);
	else
		dma_sync_single_for_device(r->dev, addr, length, r->dir);
}

static void udma_sync_dma_range(struct userdma_region *r, dma_addr_t addr,
				u64 length, bool for_cpu)
{
	if (!r->merged) {
		udma_sync_piece(r, addr, length, for_cpu);
		return;
	}
	while (length) {
		u64 n = min_t(u64, length, PAGE_SIZE - offset_in_page(addr));

		udma_sync_piece(r, addr, n, for_cpu);
		addr += n;
		length -= n;
	}
}

int udma_sync(struct userdma_region *r, u64 offset, u64 length, bool for_cpu)
{
	unsigned int i;
	u64 end;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(offset, length, &end) || end > r->length)
		return -ERANGE;
	/* coherent memory needs no maintenance; a revoked mapping has none */
	if (r->kind == UDMA_COHERENT || r->revoked)
		return 0;

	for (i = udma_seg_index(r, offset); length; i++) {
		const struct userdma_seg *seg = &r->segs[i];
		u64 skip = offset - seg->offset;
		u64 n = min(length, seg->length - skip);

		udma_sync_dma_range(r, seg->addr + skip, n, for_cpu);
		offset += n;
		length -= n;
	}
	return 0;
}

/*
 * udma_sync() for callers that may sleep (the SYNC ioctl, transfers).
 * Through bounce buffers every byte is copied, which for tens of MiB under
 * emulation held one CPU long enough for RCU to report a stall, so the CPU
 * is offered to others between 4 MiB pieces.
 */
int udma_sync_sleepable(struct userdma_region *r, u64 offset, u64 length,
			bool for_cpu)
{
	u64 end;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(offset, length, &end) || end > r->length)
		return -ERANGE;
	for (;;) {
		u64 n = min_t(u64, length, SZ_4M);

		udma_sync(r, offset, n, for_cpu);
		offset += n;
		length -= n;
		if (!length)
			return 0;
		cond_resched();
	}
}

int userdma_sync_for_cpu(struct userdma_region *region, u64 offset, u64 length)
{
	return udma_sync(region, offset, length, true);
}
EXPORT_SYMBOL_GPL(userdma_sync_for_cpu);

int userdma_sync_for_device(struct userdma_region *region, u64 offset,
			    u64 length)
{
	return udma_sync(region, offset, length, false);
}
EXPORT_SYMBOL_GPL(userdma_sync_for_device);
