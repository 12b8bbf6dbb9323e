// SPDX-License-Identifier: GPL-2.0
/*
 * ALLOC: buffers the driver allocates for user space, the other half of
 * sharing memory with a device: cached pages (cached.c) or the device's
 * coherent memory (coherent.c), both charged to the caller's locked
 * memory, as pinned pages are.
 */
#include <linux/mm.h>
#include <uapi/linux/userdma.h>

#include "kinds.h"
#include "params.h"

struct userdma_region *udma_alloc_create(struct udma_devref *ref, u64 length,
					 u32 flags, enum dma_data_direction dir)
{
	bool contiguous = flags & USERDMA_ALLOC_CONTIGUOUS;

	if (!udma_dir_valid(dir) || (flags & ~USERDMA_ALLOC_FLAGS) || !length)
		return ERR_PTR(-EINVAL);
	if (length > (u64)udma_max_region_mb << 20)
		return ERR_PTR(-E2BIG);
	if (flags & USERDMA_ALLOC_COHERENT)
		return udma_coherent_create(ref, length, contiguous, dir);
	return udma_cached_create(ref, length, contiguous, dir);
}
