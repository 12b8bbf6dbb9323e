// SPDX-License-Identifier: GPL-2.0
/*
 * Where a device's access to a DMA address lands, worked out the way the
 * device's own access would be: through its IOMMU domain when one
 * translates, as a bus address otherwise (swiotlb slots included), and
 * only ever into System RAM.  An address that resolves nowhere is where
 * the device would fault.  The software engine copies through it; the edu
 * engine refuses, before the device sees it, an address the device would
 * fault on (QEMU's device reports no error and would complete as done).
 */
#include <linux/dma-direct.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/math64.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "engine.h"
#include "devcaps.h"

/*
 * System RAM is verified a window at a time: one search of the resource
 * tree then covers every run inside the window.  A memory section is the
 * unit RAM is added and removed in, so a whole one is usually all RAM.
 * The first 64 windows (8 GiB) found to be all RAM are remembered for
 * every descriptor of every engine of every node: searching the tree costs
 * more than copying a page, and small transfers come in batches.
 * Only removing memory can make a remembered window wrong, so taking any
 * memory offline forgets them all.
 */
#define UDMA_REACH_RAM_WINDOW	SZ_128M
#define UDMA_REACH_RAM_WINDOWS	64

static atomic64_t udma_reach_ram_known;

static int udma_reach_memory_event(struct notifier_block *nb,
				   unsigned long action, void *arg)
{
	/* and again once it is offline: a copy may have looked in between */
	if (action == MEM_GOING_OFFLINE || action == MEM_OFFLINE)
		atomic64_set(&udma_reach_ram_known, 0);
	return NOTIFY_OK;
}

static struct notifier_block udma_reach_memory_nb = {
	.notifier_call = udma_reach_memory_event,
};

int udma_reach_setup(void)
{
	return register_memory_notifier(&udma_reach_memory_nb);
}

void udma_reach_teardown(void)
{
	unregister_memory_notifier(&udma_reach_memory_nb);
}

void udma_reach_init(struct udma_reach *s, struct device *dev, dma_addr_t addr)
{
	s->dev = dev;
	s->iommu = udma_iommu_translates(dev);
	s->addr = addr;
	s->run = 0;
}

static bool udma_reach_all_ram(phys_addr_t start, size_t len)
{
	return region_intersects(start, len, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) == REGION_INTERSECTS;
}

/*
 * How much of [phys, phys + len) a copy may touch, from its start: only
 * System RAM (pfn_valid() also holds for reserved firmware ranges sharing
 * a section with RAM, which the direct map may not cover).  The common
 * case is answered by the cached window; the edges of RAM page by page,
 * so a fault is reported exactly where the device's access would fail.
 */
static size_t udma_reach_ram_prefix(phys_addr_t phys, size_t len)
{
	phys_addr_t win = ALIGN_DOWN(phys, UDMA_REACH_RAM_WINDOW);
	u64 idx = div_u64(win, UDMA_REACH_RAM_WINDOW);
	size_t ok = 0;

	if (phys + len <= win + UDMA_REACH_RAM_WINDOW &&
	    idx < UDMA_REACH_RAM_WINDOWS) {
		if (atomic64_read(&udma_reach_ram_known) & BIT_ULL(idx))
			return len;
		if (udma_reach_all_ram(win, UDMA_REACH_RAM_WINDOW)) {
			atomic64_or(BIT_ULL(idx), &udma_reach_ram_known);
			return len;
		}
	}
	if (udma_reach_all_ram(phys, len))
		return len;
	while (ok < len && page_is_ram(PHYS_PFN(phys + ok)))
		ok += PAGE_SIZE - offset_in_page(phys + ok);
	return min(ok, len);
}

/*
 * Resolve the side's next address as the device would, into a physically
 * contiguous run of at most max bytes.  Without translation bus addresses
 * are linear, so one lookup covers the whole request; behind an IOMMU the
 * run grows page by page for as long as the pages stay contiguous.
 * Returns -EFAULT where the device's access would fault.
 */
int udma_reach_resolve(struct udma_reach *s, size_t max)
{
	struct iommu_domain *dom;
	phys_addr_t phys;
	size_t run;

	if (s->run)
		return 0;
	if (!s->iommu) {
		u64 mask = dma_get_mask(s->dev);

		if (s->addr > mask)
			return -EFAULT;
		phys = dma_to_phys(s->dev, s->addr);
		/* the device reaches up to its mask, inclusive */
		run = min_t(u64, max - 1, mask - s->addr) + 1;
	} else {
		dom = iommu_get_domain_for_dev(s->dev);
		phys = iommu_iova_to_phys(dom, s->addr);
		if (!phys)
			return -EFAULT;
		run = min_t(size_t, max, PAGE_SIZE - offset_in_page(s->addr));
		while (run < max &&
		       iommu_iova_to_phys(dom, s->addr + run) == phys + run)
			run += min_t(size_t, max - run, PAGE_SIZE);
	}
	run = udma_reach_ram_prefix(phys, run);
	if (!run)
		return -EFAULT;
	s->phys = phys;
	s->run = run;
	return 0;
}

void udma_reach_advance(struct udma_reach *s, size_t n)
{
	s->addr += n;
	s->phys += n;
	s->run -= n;
}

/* Does all of [addr, addr + len) resolve to RAM for dev? */
bool udma_reach_all(struct device *dev, dma_addr_t addr, size_t len)
{
	struct udma_reach s;
	size_t n;

	udma_reach_init(&s, dev, addr);
	while (len) {
		n = min_t(size_t, len, SZ_256M);
		if (udma_reach_resolve(&s, n))
			return false;
		n = min(n, s.run);
		udma_reach_advance(&s, n);
		len -= n;
	}
	return true;
}
