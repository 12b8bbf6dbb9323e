// SPDX-License-Identifier: GPL-2.0
/*
 * Test builds only: what the module knows of QEMU's edu device, which the
 * harness uses as a real DMA engine on every kernel and IOMMU setting.
 *
 * The device cannot report how many address bits its engine has (QEMU's
 * dma_mask property, 28 unless set), so edu_dma_bits gives one entry per
 * device, in the order they were first probed; that order is kept for the
 * module's life, so unbinding and binding a device again (in any order)
 * gives it back its own mask.
 *
 * The engine's dma_device needs a device with a driver bound of its own:
 * the PCI device already carries the node's software engine, and dmaengine
 * names its debugfs directory after the device.  Each edu device gets a
 * platform child, bound to the driver below, to carry it.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>

#include "compat.h"
#include "edu.h"
#include "engine.h"

#define UDMA_MAX_EDU		8

static int edu_dma_bits[UDMA_MAX_EDU] = { [0 ... UDMA_MAX_EDU - 1] = 28 };
static int edu_dma_bits_count;
module_param_array(edu_dma_bits, int, &edu_dma_bits_count, 0444);
MODULE_PARM_DESC(edu_dma_bits, "DMA address bits of each edu device, in probe order (default 28)");

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

int udma_edu_setup_dma(struct pci_dev *pdev)
{
	int bits = udma_edu_dma_bits(pdev);
	int ret;

	if (bits < 12 || bits > 64)
		return -EINVAL;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret)
		return ret;
	/*
	 * The engine takes a 64-bit length, so nothing limits a segment;
	 * without this the PCI default of 64 KiB splits IOMMU mappings.
	 */
	return udma_set_max_seg_size(&pdev->dev, UINT_MAX);
}

/* Binds the engine's host device, and nothing else. */
static int udma_edu_host_probe(struct platform_device *plat)
{
	return 0;
}

static struct platform_driver udma_edu_host_driver = {
	.probe = udma_edu_host_probe,
	.driver = {
		.name = "userdma-edu",
		.suppress_bind_attrs = true,
	},
};

/* The device's DMA engine, or NULL: the node is useful without it. */
struct udma_engine *udma_edu_attach(struct pci_dev *pdev)
{
	struct platform_device *host;
	struct udma_engine *e;

	host = platform_device_register_data(&pdev->dev, "userdma-edu",
					     PLATFORM_DEVID_AUTO, NULL, 0);
	if (IS_ERR(host)) {
		e = ERR_CAST(host);
		goto err;
	}
	if (!host->dev.driver) {
		e = ERR_PTR(-ENODEV);
		goto err_host;
	}
	e = udma_edu_engine_create(pdev, &host->dev);
	if (IS_ERR(e))
		goto err_host;
	return e;

err_host:
	platform_device_unregister(host);
err:
	pci_warn(pdev, "no edu DMA engine: %ld\n", PTR_ERR(e));
	return NULL;
}

void udma_edu_detach(struct udma_engine *e)
{
	struct device *host;

	if (!e)
		return;
	host = e->dd.dev;
	udma_engine_destroy(e);
	platform_device_unregister(to_platform_device(host));
}

int udma_edu_init(void)
{
	return platform_driver_register(&udma_edu_host_driver);
}

void udma_edu_exit(void)
{
	platform_driver_unregister(&udma_edu_host_driver);
}
