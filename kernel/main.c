// SPDX-License-Identifier: GPL-2.0
/*
 * userdma: zero-copy DMA between devices and user memory.
 *
 * docs/architecture.md draws the layers: pin.c, map.c and sync.c are the
 * pipeline, region.c and the kind files (user.c, cached.c, coherent.c,
 * import.c) its objects, handle.c and the ioctl files the character
 * device's commands, node.c and pci.c the devices.  This file holds the
 * module's limits (params.h) and its entry points.
 */
#include <linux/module.h>

#include "engine.h"
#include "node.h"
#include "params.h"
#include "pci.h"
#include "xfer.h"

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
 * A transfer takes one engine descriptor per piece (xfer_split.c): bounded, so
 * that no request makes the module allocate without limit.
 */
unsigned int udma_max_xfer_pieces = 1U << 18;
module_param_named(max_xfer_pieces, udma_max_xfer_pieces, uint, 0644);
MODULE_PARM_DESC(max_xfer_pieces, "Engine descriptors one transfer, and all of one file's unfinished transfers, may take (default 262144)");

unsigned int udma_xfer_timeout_ms = 60000;
module_param_named(xfer_timeout_ms, udma_xfer_timeout_ms, uint, 0644);
MODULE_PARM_DESC(xfer_timeout_ms, "A transfer not done by then is stopped (default 60000)");

static int __init userdma_init(void)
{
	int ret;

	if (!udma_max_regions || !udma_max_region_mb || !udma_max_inflight)
		return -EINVAL;
	ret = udma_reach_setup();
	if (ret)
		return ret;
	ret = udma_sw_init();
	if (ret)
		goto err_reach;
	ret = udma_nodes_init();
	if (ret)
		goto err_sw;
	ret = udma_pci_init();
	if (ret)
		goto err_nodes;
	return 0;

err_nodes:
	udma_nodes_exit();
err_sw:
	udma_sw_exit();
err_reach:
	udma_reach_teardown();
	return ret;
}

static void __exit userdma_exit(void)
{
	udma_pci_exit();
	udma_nodes_exit();
	udma_sw_exit();
	udma_reach_teardown();
}

module_init(userdma_init);
module_exit(userdma_exit);

MODULE_DESCRIPTION("Zero-copy DMA between devices and user memory");
MODULE_LICENSE("GPL");
