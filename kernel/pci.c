// SPDX-License-Identifier: GPL-2.0
/*
 * Binding PCI devices to nodes.  A device is taken only when an
 * administrator points its driver_override at "userdma" (as with
 * vfio-pci), and its DMA mask is then the module's default_dma_bits,
 * because nothing else is known about it.  The driver maps no BAR of such
 * a device: its registers belong to whoever drives it, in the kernel or
 * from user space.  Test builds also claim QEMU's edu device by its ID
 * (edu.h).
 *
 * A bound device masters the bus only while a file of its node is open:
 * whoever programmed it may have died, and its DMA must stop before the
 * pages it was given are released (node.c).
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "compat.h"
#include "edu.h"
#include "engine.h"
#include "node.h"
#include "pci.h"

enum { UDMA_BIND_OVERRIDE, UDMA_BIND_EDU };

static int default_dma_bits = 32;
module_param(default_dma_bits, int, 0444);
MODULE_PARM_DESC(default_dma_bits, "DMA address bits of devices bound through driver_override (default 32)");

/* what probe set up, for remove to take down in reverse */
struct udma_pci {
	struct userdma_node *node;
	struct udma_engine *engine;	/* edu's own DMA engine, if it came up */
};

static void udma_pci_activate(struct device *dev)
{
	pci_set_master(to_pci_dev(dev));
}

/*
 * The last file closed: no DMA until the next open.  A reset, if asked
 * for, is only tried: the device's lock may be held by its removal, which
 * clears bus mastering itself.
 */
static void udma_pci_quiesce(struct device *dev, bool reset)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	pci_clear_master(pdev);
	if (reset && pci_try_reset_function(pdev))
		pci_warn(pdev, "no reset at the last close\n");
}

static bool udma_pci_can_reset(struct device *dev)
{
	return udma_pci_reset_supported(to_pci_dev(dev));
}

static const struct udma_node_ops udma_pci_node_ops = {
	.activate = udma_pci_activate,
	.quiesce = udma_pci_quiesce,
	.can_reset = udma_pci_can_reset,
};

static int udma_pci_setup_dma(struct pci_dev *pdev, bool is_edu)
{
	if (is_edu)
		return udma_edu_setup_dma(pdev);
	if (default_dma_bits < 12 || default_dma_bits > 64)
		return -EINVAL;
	return dma_set_mask_and_coherent(&pdev->dev,
					 DMA_BIT_MASK(default_dma_bits));
}

static int udma_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	bool is_edu = id->driver_data == UDMA_BIND_EDU;
	struct udma_pci *up;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = udma_pci_setup_dma(pdev, is_edu);
	if (ret) {
		dev_err(&pdev->dev, "cannot set up DMA: %d\n", ret);
		return ret;
	}
	up = devm_kzalloc(&pdev->dev, sizeof(*up), GFP_KERNEL);
	if (!up)
		return -ENOMEM;
	/* no DMA until a file of the node is open */
	pci_clear_master(pdev);

	if (is_edu)
		up->engine = udma_edu_attach(pdev);
	/* last: an open file may use whatever the node offers at once */
	up->node = udma_node_create(&pdev->dev,
				    is_edu ? "edu" : "driver_override",
				    &udma_pci_node_ops);
	if (IS_ERR(up->node)) {
		udma_edu_detach(up->engine);
		return PTR_ERR(up->node);
	}
	pci_set_drvdata(pdev, up);
	dev_info(&pdev->dev, "%s: %u-bit DMA\n", dev_name(&up->node->dev),
		 fls64(dma_get_mask(&pdev->dev)));
	return 0;
}

static void udma_pci_remove(struct pci_dev *pdev)
{
	struct udma_pci *up = pci_get_drvdata(pdev);

	/* stops every transfer, on the edu engine too, before it goes */
	udma_node_destroy(up->node);
	udma_edu_detach(up->engine);
	pci_clear_master(pdev);
}

static const struct pci_device_id udma_pci_ids[] = {
	UDMA_EDU_PCI_ID(UDMA_BIND_EDU)
	{ }
};
MODULE_DEVICE_TABLE(pci, udma_pci_ids);

/* driver_override matches with an all-zero id: driver_data is OVERRIDE */
static struct pci_driver udma_pci_driver = {
	.name		= "userdma",
	.id_table	= udma_pci_ids,
	.probe		= udma_pci_probe,
	.remove		= udma_pci_remove,
};

int udma_pci_init(void)
{
	int ret;

	ret = udma_edu_init();
	if (ret)
		return ret;
	ret = pci_register_driver(&udma_pci_driver);
	if (ret)
		udma_edu_exit();
	return ret;
}

void udma_pci_exit(void)
{
	pci_unregister_driver(&udma_pci_driver);
	udma_edu_exit();
}
