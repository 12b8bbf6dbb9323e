// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 3: sync part of a region for the CPU or the device.
 *
 * The range is located in the segment array and each piece is synced
 * through the DMA address the device uses, so bounce buffers copy exactly
 * the requested bytes and DMA-API debugging recognises every call as lying
 * inside a live mapping.  Behind an IOMMU one segment may join pages that
 * are not physically contiguous, while the single-range sync calls resolve
 * only their start address: such segments are synced one physically
 * contiguous piece at a time (udma_sync_joined).
 */
#include <linux/dma-mapping.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "stage.h"

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

/*
 * One physically contiguous piece.  With @may_sleep, bounce copies go in
 * 4 MiB chunks with a chance to reschedule after each: copying back a
 * large region in one go holds a CPU long enough to stall RCU.
 */
static void udma_sync_piece(struct userdma_region *r, dma_addr_t addr,
			    u64 length, bool for_cpu, bool may_sleep)
{
	while (length) {
		u64 n = may_sleep ? min_t(u64, length, SZ_4M) : length;

		if (for_cpu)
			dma_sync_single_for_cpu(r->dev, addr, n, r->dir);
		else
			dma_sync_single_for_device(r->dev, addr, n, r->dir);
		addr += n;
		length -= n;
		if (may_sleep)
			cond_resched();
	}
}

/*
 * Part of a DMA segment that may join physically discontiguous memory:
 * one call per physically contiguous piece.  For our own pages those are
 * the CPU entries of the table (a THP is one entry, so a 64 MiB
 * registration is a few dozen calls, not 16384: DMA-API debugging looks
 * each call up by walking back through its hash from the address, which
 * at one call per page took minutes).  An import's CPU entries belong to
 * the exporter and are not ours to read: pages then.
 */
static void udma_sync_joined(struct userdma_region *r,
			     const struct userdma_seg *seg, u64 offset,
			     u64 end, bool for_cpu, bool may_sleep)
{
	dma_addr_t base = seg->addr - seg->offset;	/* DMA address of offset 0 */
	struct scatterlist *sg;
	unsigned int i;
	u64 pos = 0;

	/* a coherent device without bounce buffers: nothing to walk */
	if (!dma_need_sync(r->dev, seg->addr))
		return;
	if (r->kind->foreign_table) {
		while (offset < end) {
			u64 n = min_t(u64, end - offset,
				      PAGE_SIZE - offset_in_page(base + offset));

			udma_sync_piece(r, base + offset, n, for_cpu, may_sleep);
			offset += n;
		}
		return;
	}
	for_each_sgtable_sg(&r->sgt, sg, i) {
		u64 from = max(pos, offset), to = min(pos + sg->length, end);

		if (from < to)
			udma_sync_piece(r, base + from, to - from, for_cpu,
					may_sleep);
		pos += sg->length;
		if (pos >= end)
			return;
	}
}

static int udma_sync_range(struct userdma_region *r, u64 offset, u64 length,
			   bool for_cpu, bool may_sleep)
{
	unsigned int i;
	u64 end;

	if (may_sleep)
		might_sleep();
	if (!length)
		return -EINVAL;
	if (check_add_overflow(offset, length, &end) || end > r->length)
		return -ERANGE;
	/* the device's coherent memory needs no maintenance */
	if (r->kind->device_memory)
		return 0;

	for (i = udma_seg_index(r, offset); offset < end; i++) {
		const struct userdma_seg *seg = &r->segs[i];
		u64 seg_end = min(end, seg->offset + seg->length);

		if (r->merged)
			udma_sync_joined(r, seg, offset, seg_end, for_cpu,
					 may_sleep);
		else
			udma_sync_piece(r, seg->addr + offset - seg->offset,
					seg_end - offset, for_cpu, may_sleep);
		offset = seg_end;
	}
	return 0;
}

int udma_sync(struct userdma_region *r, u64 offset, u64 length, bool for_cpu)
{
	return udma_sync_range(r, offset, length, for_cpu, false);
}

int udma_sync_sleepable(struct userdma_region *r, u64 offset, u64 length,
			bool for_cpu)
{
	return udma_sync_range(r, offset, length, for_cpu, true);
}

/*
 * A sync a node's user asked for (SYNC, or a transfer around its device
 * work): not on a mapping the device has let go of (-ENODEV), and the
 * bytes change owner.  hand_over: the device may write the range now
 * (SYNC_FOR_DEVICE, a transfer's destination), not merely read it.
 */
int udma_sync_user(struct userdma_region *r, u64 offset, u64 length,
		   bool for_cpu, bool hand_over)
{
	int ret = -ENODEV;

	down_read(&r->map_sem);
	if (r->detached)
		goto out;
	if (!for_cpu && hand_over && r->track)
		udma_own_device(r->ownp, offset, length);
	ret = udma_sync_range(r, offset, length, for_cpu, true);
	if (for_cpu && !ret && r->track)
		udma_own_cpu(r->ownp, offset, length);
out:
	up_read(&r->map_sem);
	return ret;
}

static void udma_take_back_range(void *arg, u64 offset, u64 length)
{
	udma_sync_range(arg, offset, length, true, true);
}

/*
 * Before the mapping goes: copy back what the device owns, and only that
 * (own.h); the unmap itself then copies nothing.
 */
void udma_take_back(struct userdma_region *r)
{
	if (r->dir != DMA_TO_DEVICE)
		udma_own_take_back(r->ownp, r->length, udma_take_back_range, r);
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
