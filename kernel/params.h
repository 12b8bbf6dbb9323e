/* SPDX-License-Identifier: GPL-2.0 */
/* The module's limits: parameters of userdma.ko, defined in main.c. */
#ifndef USERDMA_PARAMS_H
#define USERDMA_PARAMS_H

extern unsigned int udma_max_region_mb;		/* longest region */
extern unsigned int udma_max_regions;		/* handles per file */
extern unsigned int udma_max_inflight;		/* transfers per file */
extern unsigned int udma_max_xfer_pieces;	/* descriptors per transfer */
extern unsigned int udma_xfer_timeout_ms;	/* watchdog */

#endif /* USERDMA_PARAMS_H */
