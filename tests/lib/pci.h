/* SPDX-License-Identifier: MIT */
/*
 * PCI devices and the userdma driver, through sysfs: binding a device to
 * userdma and unbinding it, driver_override (how userdma gets a device it
 * does not claim by ID), the driver a device has, and the node of a device
 * just bound.
 * Like the udt_* wrappers of util.h they return 0 or -errno and never
 * print.
 */
#ifndef UDT_PCI_H
#define UDT_PCI_H

#include <stddef.h>
#include <stdint.h>

#define PCI_USERDMA_DRV	"/sys/bus/pci/drivers/userdma"

/* echo bdf > .../drivers/userdma/bind, .../unbind. */
int pci_bind(const char *bdf);
int pci_unbind(const char *bdf);
/* pci_bind(), then wait_node_for_bdf(). */
int pci_bind_wait(const char *bdf, char *node, size_t len, int ms);
/* echo val > /sys/bus/pci/devices/<bdf>/driver_override ("\n" clears it). */
int pci_set_override(const char *bdf, const char *val);
/*
 * Whether bdf has a driver: 0 with the driver's name in name (len bytes,
 * truncated; name may be NULL), or -ENOENT when it has none (the
 * readlink() of its driver link).
 */
int pci_driver_name(const char *bdf, char *name, size_t len);

/* Wait up to ms for a node bound to bdf: 0 with node filled, or -ETIMEDOUT. */
int wait_node_for_bdf(const char *bdf, char *node, size_t len, int ms);
/* INFO of bdf's node (opened and closed here): its dma_mask, or 0. */
uint64_t node_mask_for(const char *bdf);

#endif /* UDT_PCI_H */
