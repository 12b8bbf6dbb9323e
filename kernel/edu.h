/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device, which test builds (USERDMA_EDU=y) claim by its PCI ID
 * and give a node with the device's own DMA engine (test/).  Production
 * builds know nothing of it: an edu device bound there through
 * driver_override is a device like any other.
 */
#ifndef USERDMA_EDU_H
#define USERDMA_EDU_H

#include <linux/pci.h>

struct udma_engine;

#ifdef USERDMA_EDU
#include <qemu/edu.h>

#define UDMA_EDU_PCI_ID(data) \
	{ PCI_DEVICE(EDU_PCI_VENDOR, EDU_PCI_DEVICE), .driver_data = (data) },

int udma_edu_init(void);
void udma_edu_exit(void);
int udma_edu_setup_dma(struct pci_dev *pdev);
struct udma_engine *udma_edu_attach(struct pci_dev *pdev);
void udma_edu_detach(struct udma_engine *e);
#else
#define UDMA_EDU_PCI_ID(data)

static inline int udma_edu_init(void)
{
	return 0;
}

static inline void udma_edu_exit(void)
{
}

static inline int udma_edu_setup_dma(struct pci_dev *pdev)
{
	return -ENODEV;
}

static inline struct udma_engine *udma_edu_attach(struct pci_dev *pdev)
{
	return NULL;
}

static inline void udma_edu_detach(struct udma_engine *e)
{
}
#endif

#endif /* USERDMA_EDU_H */
