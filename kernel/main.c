// SPDX-License-Identifier: GPL-2.0
/*
 * userdma: zero-copy DMA between devices and user memory.
 *
 * docs/architecture.md draws the layers: pin.c, map.c and sync.c are the
 * pipeline, region.c and the kind files (user.c, cached.c, coherent.c,
 * import.c) its objects, handle.c and the ioctl files the character
 * device's commands, node.c and pci.c the devices.  This file holds the
 * module's entry points; params.c its limits.
 */
#include <linux/module.h>

#include "engine.h"
#include "node.h"
#include "params.h"
#include "pci.h"

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
