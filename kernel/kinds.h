/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of region a node makes: registrations of user memory
 * (user.c), buffers the driver allocates (alloc.c), other exporters'
 * dma-bufs (import.c); and the dma-buf side of regions (export.c, and
 * their CPU mappings in mmap.c).
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

/* export.c */
struct dma_buf *udma_export_get(struct userdma_region *r);
int udma_export_mmap(struct userdma_region *r, struct vm_area_struct *vma,
		     unsigned long pgoff);
void udma_export_zap(struct userdma_region *r);
struct udma_own *udma_export_own(struct dma_buf_attachment *attach);

/* mmap.c */
int udma_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma);
int udma_mmap_pfns(struct userdma_region *r, struct vm_area_struct *vma);

#endif /* USERDMA_KINDS_H */
