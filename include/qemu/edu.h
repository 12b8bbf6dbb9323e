/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * QEMU's edu device (QEMU's docs/specs/edu.rst): the registers of its DMA
 * engine, for userdma's test engine, the CLI's selftest and the example
 * driver.  All offsets are into BAR 0; the device is little-endian.
 */
#ifndef USERDMA_QEMU_EDU_H
#define USERDMA_QEMU_EDU_H

#define EDU_PCI_VENDOR		0x1234
#define EDU_PCI_DEVICE		0x11e8

#define EDU_REG_IDENT		0x00	/* 0xRRrr00ed: major, minor, 0xed */
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_BAR_MIN		0x100	/* every register above fits below */

#define EDU_IDENT_MAGIC		0x00ed	/* low 16 bits of EDU_REG_IDENT */

#define EDU_DMA_RUN		0x1	/* set to start; clears when done */
#define EDU_DMA_TO_RAM		0x2	/* device buffer -> memory */
#define EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA		0x100

/* The on-device buffer, as the engine addresses it, and its size. */
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096
/*
 * The longest command at buffer offset 0: QEMU 7.2 stops the machine on
 * one that ends exactly at the buffer's end.
 */
#define EDU_MAX_XFER		(EDU_BUF_SIZE - 1)

#endif /* USERDMA_QEMU_EDU_H */
