/* SPDX-License-Identifier: MIT */
/*
 * A user-space driver for the DMA engine of QEMU's "edu" PCI device
 * (1234:11e8), the way UIO/VFIO-style users drive their FPGAs: BAR0 is
 * mapped through sysfs and the DMA registers are written directly, with
 * DMA addresses obtained from userdma.
 *
 * The engine moves bytes between a 4 KiB on-device buffer and a DMA
 * address.  QEMU aborts the whole guest on a command outside that buffer
 * (and QEMU 7.2 refuses one ending exactly at its end), so every command is
 * checked here before it reaches the device: dev_off + len < EDU_BUF_SIZE.
 */
#ifndef USERDMA_TOOLS_EDU_H
#define USERDMA_TOOLS_EDU_H

#include <stddef.h>
#include <stdint.h>

#include "../include/qemu/edu.h"

struct edu {
	volatile uint8_t *bar;
	size_t bar_len;
	int fd;
	char bdf[32];
};

/*
 * Map BAR0 of the edu device at PCI address bdf ("0000:00:03.0") through
 * /sys/bus/pci/devices/<bdf>/resource0 and check its identification
 * register.  Returns 0 or a negative errno.
 */
int edu_open(struct edu *e, const char *bdf);
void edu_close(struct edu *e);

/*
 * Device -> memory: copy len bytes of the on-device buffer at dev_off to
 * DMA address dma.  Waits for the engine (sleeping, so a guest run with
 * -icount sleep=off skips the device's 100 ms latency).  Returns 0,
 * -EINVAL for a command the device would refuse, or -ETIMEDOUT.
 */
int edu_dma_to_ram(struct edu *e, uint64_t dma, uint32_t dev_off, uint32_t len);
/* Memory -> device: copy len bytes at DMA address dma to dev_off. */
int edu_dma_from_ram(struct edu *e, uint64_t dma, uint32_t dev_off, uint32_t len);

/*
 * BAR0 exposes only registers, not the on-device buffer: a known pattern
 * reaches the device by DMA from a second registered buffer, and what the
 * device holds is read back by DMA into one.
 */

#endif /* USERDMA_TOOLS_EDU_H */
