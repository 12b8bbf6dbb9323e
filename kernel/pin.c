// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 1: charge and pin.  The pages are charged to the caller's
 * mm->pinned_vm first (as RDMA does), so an over-limit request fails before
 * any page is touched, then pinned long-term in batches.  A short pin is
 * retried from where it stopped; on any failure exactly the pages pinned so
 * far are unpinned and the charge is returned.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "compat.h"
#include "fault.h"
#include "stage.h"
#include "trace.h"

/*
 * Pages per pin_user_pages_fast() call: bounds how long one call holds the
 * mmap lock on its slow path and how long a fatal signal waits to be seen.
 */
#define UDMA_PIN_BATCH	1024

/*
 * Charge the region's pages to the caller's locked memory, on the mm that
 * is held until the charge is returned.  Allocated buffers are charged too:
 * they are as unswappable as pinned pages.
 */
int udma_charge(struct userdma_region *r)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct mm_struct *mm = current->mm;
	u64 pinned;

	if (!mm)
		return -EFAULT;
	if (udma_should_fail(UDMA_FP_CHARGE))
		return -ENOMEM;
	pinned = atomic64_add_return(r->npages, &mm->pinned_vm);
	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(r->npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	mmgrab(mm);
	r->mm = mm;
	return 0;
}

void udma_uncharge(struct userdma_region *r)
{
	atomic64_sub(r->npages, &r->mm->pinned_vm);
	mmdrop(r->mm);
	r->mm = NULL;
}

static int udma_pin_batch(unsigned long start, int nr, unsigned int gup_flags,
			  struct page **pages)
{
	int ret;

	/* compat.h: old kernels need a write pin to keep the owner's page */
	if (UDMA_RO_PIN_BREAKS_COW && !(gup_flags & FOLL_WRITE)) {
		ret = pin_user_pages_fast(start, nr, gup_flags | FOLL_WRITE,
					  pages);
		if (ret > 0)
			return ret;
	}
	return udma_pin_result(pin_user_pages_fast(start, nr, gup_flags,
						   pages));
}

static int udma_pin_pages(struct userdma_region *r, unsigned int gup_flags)
{
	unsigned long start = r->uaddr & PAGE_MASK;
	unsigned long pinned = 0;
	int ret = 0;

	while (pinned < r->npages) {
		int batch = min_t(unsigned long, r->npages - pinned,
				  UDMA_PIN_BATCH);

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (udma_should_fail(UDMA_FP_PIN)) {
			ret = -EFAULT;
			break;
		}
		/* a short pin: the loop goes on from where it stopped */
		if (batch > 1 && udma_should_fail(UDMA_FP_PIN_SHORT))
			batch /= 2;
		ret = udma_pin_batch(start + pinned * PAGE_SIZE, batch,
				     gup_flags, r->pages + pinned);
		if (ret < 0)
			break;
		pinned += ret;
	}
	if (ret < 0) {
		unpin_user_pages(r->pages, pinned);
		return ret;
	}
	return 0;
}

int udma_pin(struct userdma_region *r)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	int ret;

	might_sleep();
	if (r->dir != DMA_TO_DEVICE)
		gup_flags |= FOLL_WRITE;

	trace_userdma_stage(r, UDMA_STAGE_PIN_START);
	ret = udma_pages_alloc(r, UDMA_FP_PIN_ARRAY);
	if (ret)
		return ret;

	ret = udma_charge(r);
	if (ret)
		goto err_free;
	trace_userdma_stage(r, UDMA_STAGE_CHARGED);

	ret = udma_pin_pages(r, gup_flags);
	if (ret)
		goto err_uncharge;
	trace_userdma_stage(r, UDMA_STAGE_PINNED);
	return 0;

err_uncharge:
	udma_uncharge(r);
err_free:
	udma_pages_free(r);
	return ret;
}

void udma_unpin(struct userdma_region *r)
{
	might_sleep();
	trace_userdma_stage(r, UDMA_STAGE_UNPIN_START);
	unpin_user_pages_dirty_lock(r->pages, r->npages,
				    r->dir != DMA_TO_DEVICE);
	trace_userdma_stage(r, UDMA_STAGE_UNPINNED);
	udma_uncharge(r);
	udma_pages_free(r);
	trace_userdma_stage(r, UDMA_STAGE_UNCHARGED);
}
