/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dma-buf side of regions, below every kind: exporting one (export.c)
 * and its CPU mappings (mmap.c), through the dma-buf or the node.
 */
#ifndef USERDMA_DMABUF_H
#define USERDMA_DMABUF_H

#include "region.h"

/* export.c */
struct dma_buf *udma_export_get(struct userdma_region *r);
int udma_export_mmap(struct userdma_region *r, struct vm_area_struct *vma,
		     unsigned long pgoff);
void udma_export_zap(struct userdma_region *r);
struct udma_own *udma_export_own(struct dma_buf_attachment *attach);

/* mmap.c */
int udma_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma);
int udma_mmap_pfns(struct userdma_region *r, struct vm_area_struct *vma);

#endif /* USERDMA_DMABUF_H */
