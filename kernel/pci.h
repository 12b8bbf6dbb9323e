/* SPDX-License-Identifier: GPL-2.0 */
#ifndef USERDMA_PCI_H
#define USERDMA_PCI_H

int udma_pci_init(void);
void udma_pci_exit(void);

#endif /* USERDMA_PCI_H */
