// SPDX-License-Identifier: MIT
/* PCI binding and the nodes of bound devices: see pci.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pci.h"
#include "util.h"
#include "xfer.h"

int pci_bind(const char *bdf)
{
	return sysfs_write(PCI_USERDMA_DRV "/bind", bdf);
}

int pci_unbind(const char *bdf)
{
	return sysfs_write(PCI_USERDMA_DRV "/unbind", bdf);
}

int pci_bind_wait(const char *bdf, char *node, size_t len, int ms)
{
	int ret = pci_bind(bdf);

	if (ret)
		return ret;
	return wait_node_for_bdf(bdf, node, len, ms);
}

int pci_set_override(const char *bdf, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	return sysfs_write(path, val);
}

int pci_driver_name(const char *bdf, char *name, size_t len)
{
	char path[256], link[256];
	const char *base;
	ssize_t n;
	size_t l;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	if (!name)
		return 0;
	link[n] = '\0';
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	l = MIN(strlen(base), len - 1);
	memcpy(name, base, l);
	name[l] = '\0';
	return 0;
}

int wait_node_for_bdf(const char *bdf, char *node, size_t len, int ms)
{
	int waited;

	for (waited = 0; node_for_bdf(bdf, node, len); waited += 10) {
		if (waited >= ms)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
	return 0;
}

uint64_t node_mask_for(const char *bdf)
{
	struct userdma_info info;
	char node[64];
	int fd, ret;

	if (node_for_bdf(bdf, node, sizeof(node)))
		return 0;
	fd = node_open(node);
	if (fd < 0)
		return 0;
	ret = udt_info(fd, &info);
	close(fd);
	return ret ? 0 : info.dma_mask;
}
