// SPDX-License-Identifier: GPL-2.0
/*
 * Binding PCI devices to nodes.  QEMU's edu device is claimed by its ID;
 * any other PCI device is taken only when an administrator points its
 * driver_override at "userdma" (as with vfio-pci), and then its DMA mask is
 * the module's default_dma_bits because nothing else is known about it.
 * Only the edu engine (engine_edu.c) touches a BAR; any other device's
 * registers belong to whoever drives it, in the kernel or from user space.
 *
 * A bound device masters the bus only while a file of its node is open:
 * whoever programmed it may have died, and its DMA must stop before the
 * pages it was given are released (node.c).
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "compat.h"
#include "engine.h"
#include "node.h"
#include "pci.h"

#define PCI_VENDOR_ID_QEMU_EDU	0x1234
#define PCI_DEVICE_ID_QEMU_EDU	0x11e8
#define UDMA_MAX_EDU		8

enum { UDMA_BIND_OVERRIDE, UDMA_BIND_EDU };

/*
 * QEMU's edu engine reaches 28 bits unless its dma_mask property says
 * otherwise, and the device cannot report it: the mask is a parameter, one
 * entry per edu device in probe order.
 */
static int edu_dma_bits[UDMA_MAX_EDU] = { [0 ... UDMA_MAX_EDU - 1] = 28 };
static int edu_dma_bits_count;
module_param_array(edu_dma_bits, int, &edu_dma_bits_count, 0444);
MODULE_PARM_DESC(edu_dma_bits, "DMA address bits of each edu device, in probe order (default 28)");

static int default_dma_bits = 32;
module_param(default_dma_bits, int, 0444);
MODULE_PARM_DESC(default_dma_bits, "DMA address bits of devices bound through driver_override (default 32)");

/* what probe set up, for remove to take down in reverse */
struct udma_pci {
	struct userdma_node *node;
	struct dma_device *engine;	/* edu's own DMA engine, if it came up */
};

/*
 * Which entry of edu_dma_bits is whose: the order of first probe, kept for
 * the module's life, so that unbinding and binding a device again (in any
 * order) gives it back its own mask.
 */
static DEFINE_MUTEX(edu_seen_lock);
static u32 edu_seen[UDMA_MAX_EDU];	/* domain << 16 | bus << 8 | devfn */
static unsigned int edu_seen_count;

static int udma_edu_dma_bits(struct pci_dev *pdev)
{
	u32 id = (u32)pci_domain_nr(pdev->bus) << 16 | pci_dev_id(pdev);
	unsigned int i;

	mutex_lock(&edu_seen_lock);
	for (i = 0; i < edu_seen_count && edu_seen[i] != id; i++)
		;
	if (i == edu_seen_count && i < UDMA_MAX_EDU)
		edu_seen[edu_seen_count++] = id;
	mutex_unlock(&edu_seen_lock);
	return edu_dma_bits[min_t(unsigned int, i, UDMA_MAX_EDU - 1)];
}

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

static int udma_pci_setup_dma(struct pci_dev *pdev, int bits, bool is_edu)
{
	int ret;

	if (bits < 12 || bits > 64)
		return -EINVAL;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret)
		return ret;
	/*
	 * edu's engine takes a 64-bit length, so nothing limits a segment;
	 * without this the PCI default of 64 KiB splits IOMMU mappings.
	 */
	if (is_edu)
		return udma_set_max_seg_size(&pdev->dev, UINT_MAX);
	return 0;
}

static int udma_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	bool is_edu = id->driver_data == UDMA_BIND_EDU;
	struct udma_pci *up;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = udma_pci_setup_dma(pdev, is_edu ? udma_edu_dma_bits(pdev) :
				 default_dma_bits, is_edu);
	if (ret) {
		dev_err(&pdev->dev, "cannot set up DMA: %d\n", ret);
		return ret;
	}
	up = devm_kzalloc(&pdev->dev, sizeof(*up), GFP_KERNEL);
	if (!up)
		return -ENOMEM;
	/* no DMA until a file of the node is open */
	pci_clear_master(pdev);

	/* the node is useful without it: registration and the sw engine */
	if (is_edu) {
		up->engine = udma_edu_engine_create(pdev);
		if (IS_ERR(up->engine)) {
			dev_warn(&pdev->dev, "no edu DMA engine: %ld\n",
				 PTR_ERR(up->engine));
			up->engine = NULL;
		}
	}
	/* last: an open file may use whatever the node offers at once */
	up->node = udma_node_create(&pdev->dev,
				    is_edu ? "edu" : "driver_override",
				    &udma_pci_node_ops);
	if (IS_ERR(up->node)) {
		udma_engine_destroy(up->engine);
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
	udma_engine_destroy(up->engine);
	pci_clear_master(pdev);
}

static const struct pci_device_id udma_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_QEMU_EDU, PCI_DEVICE_ID_QEMU_EDU),
	  .driver_data = UDMA_BIND_EDU },
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
	return pci_register_driver(&udma_pci_driver);
}

void udma_pci_exit(void)
{
	pci_unregister_driver(&udma_pci_driver);
}
