// SPDX-License-Identifier: GPL-2.0
/*
 * The module's limits, as parameters of userdma.ko (params.h).  The
 * read-only ones are fixed at load; the writable ones are read at each
 * use, so a change applies to the next request.
 */
#include <linux/module.h>

#include "params.h"

unsigned int udma_max_region_mb = 16384;
module_param_named(max_region_mb, udma_max_region_mb, uint, 0444);
MODULE_PARM_DESC(max_region_mb, "Longest registration in MiB (default 16384)");

unsigned int udma_max_regions = 65536;
module_param_named(max_regions, udma_max_regions, uint, 0444);
MODULE_PARM_DESC(max_regions, "Live handles per open file (default 65536)");

unsigned int udma_max_inflight = 4096;
module_param_named(max_inflight, udma_max_inflight, uint, 0444);
MODULE_PARM_DESC(max_inflight, "Transfers in flight or unread per open file (default 4096)");

/*
 * A transfer takes one engine descriptor per piece (xfer_split.c):
 * bounded, so that no request makes the module allocate without limit.
 */
unsigned int udma_max_xfer_pieces = 1U << 18;
module_param_named(max_xfer_pieces, udma_max_xfer_pieces, uint, 0644);
MODULE_PARM_DESC(max_xfer_pieces, "Engine descriptors one transfer, and all of one file's unfinished transfers, may take (default 262144)");

unsigned int udma_xfer_timeout_ms = 60000;
module_param_named(xfer_timeout_ms, udma_xfer_timeout_ms, uint, 0644);
MODULE_PARM_DESC(xfer_timeout_ms, "A transfer not done by then is stopped (default 60000)");
