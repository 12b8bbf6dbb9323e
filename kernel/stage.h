/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pipeline's stages, each on a region: charge and pin (pin.c), map and
 * describe as segments (map.c), sync and record who owns the bytes
 * (sync.c).  They call down to the region object and the device's
 * capabilities only.
 */
#ifndef USERDMA_STAGE_H
#define USERDMA_STAGE_H

#include "region.h"

/* pin.c */
int udma_pin(struct userdma_region *r);
void udma_unpin(struct userdma_region *r);
int udma_charge(struct userdma_region *r);
void udma_uncharge(struct userdma_region *r);

/* map.c */
int udma_map(struct userdma_region *r);
void udma_unmap(struct userdma_region *r);
int udma_build_segs(struct userdma_region *r, struct sg_table *sgt);
void udma_track_init(struct userdma_region *r);

/* sync.c */
int udma_sync(struct userdma_region *r, u64 offset, u64 length, bool for_cpu);
int udma_sync_sleepable(struct userdma_region *r, u64 offset, u64 length,
			bool for_cpu);
int udma_sync_user(struct userdma_region *r, u64 offset, u64 length,
		   bool for_cpu, bool hand_over);
unsigned int udma_seg_index(const struct userdma_region *r, u64 offset);
void udma_take_back(struct userdma_region *r);

#endif /* USERDMA_STAGE_H */
