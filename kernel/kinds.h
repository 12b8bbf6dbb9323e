/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of region a node makes: registrations of user memory
 * (user.c), buffers the driver allocates (alloc.c: cached.c and
 * coherent.c), other exporters' dma-bufs (import.c).
 */
#ifndef USERDMA_KINDS_H
#define USERDMA_KINDS_H

#include "region.h"

/* user.c */
struct userdma_region *udma_user_create(struct device *dev,
					struct udma_devref *ref,
					unsigned long uaddr, u64 length,
					enum dma_data_direction dir);

/* alloc.c, cached.c, coherent.c */
struct userdma_region *udma_alloc_create(struct udma_devref *ref, u64 length,
					 u32 flags, enum dma_data_direction dir);
struct userdma_region *udma_cached_create(struct udma_devref *ref, u64 length,
					  bool contiguous,
					  enum dma_data_direction dir);
struct userdma_region *udma_coherent_create(struct udma_devref *ref,
					    u64 length, bool contiguous,
					    enum dma_data_direction dir);

/* import.c */
struct userdma_region *udma_import_create(struct udma_devref *ref, int fd,
					  enum dma_data_direction dir);

#endif /* USERDMA_KINDS_H */
