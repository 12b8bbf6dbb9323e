// SPDX-License-Identifier: MIT
/*
 * User-space driver for the DMA engine of QEMU's edu device: see edu.h.
 *
 * The engine is polled, not interrupt driven: a user-space driver gets no
 * interrupts through a sysfs BAR mapping, and sleeping between polls lets
 * a guest run with -icount sleep=off skip the device's 100 ms latency.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edu.h"

#define EDU_LATENCY_NS	100000000L	/* QEMU completes a command after 100 ms */
#define EDU_POLL_NS	1000000L		/* 1 ms */
#define EDU_TIMEOUT_NS	5000000000LL		/* 5 s */

/* The device is little-endian, like every host this runs on (x86). */
static uint32_t rd32(const struct edu *e, size_t reg)
{
	return *(volatile const uint32_t *)(e->bar + reg);
}

static uint64_t rd64(const struct edu *e, size_t reg)
{
	return *(volatile const uint64_t *)(e->bar + reg);
}

static void wr64(struct edu *e, size_t reg, uint64_t val)
{
	*(volatile uint64_t *)(e->bar + reg) = val;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Registers written while a command runs are ignored: wait for idle.  A
 * command takes the device 100 ms, so the first sleep covers all of it: a
 * guest skipping idle time jumps over it in one step instead of waking a
 * hundred times to find the device still busy.
 */
static int edu_wait_idle(struct edu *e)
{
	const struct timespec latency = { .tv_nsec = EDU_LATENCY_NS };
	const struct timespec poll = { .tv_nsec = EDU_POLL_NS };
	long long deadline = now_ns() + EDU_TIMEOUT_NS;

	if (rd64(e, EDU_REG_DMA_CMD) & EDU_DMA_RUN)
		nanosleep(&latency, NULL);
	while (rd64(e, EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		nanosleep(&poll, NULL);
	}
	return 0;
}

int edu_open(struct edu *e, const char *bdf)
{
	char path[128];
	struct stat st;
	void *bar;
	int ret;

	memset(e, 0, sizeof(*e));
	e->fd = -1;
	if (!*bdf || strchr(bdf, '/') || strlen(bdf) >= sizeof(e->bdf))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	e->fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	if (fstat(e->fd, &st)) {
		ret = -errno;
		goto err_close;
	}
	if (st.st_size < EDU_BAR_MIN) {
		ret = -ENODEV;
		goto err_close;
	}
	bar = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   e->fd, 0);
	if (bar == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	e->bar = bar;
	e->bar_len = st.st_size;
	if ((rd32(e, EDU_REG_IDENT) & 0xffff) != EDU_IDENT_MAGIC) {
		ret = -ENODEV;
		goto err_unmap;
	}
	strcpy(e->bdf, bdf);
	/* a command left running by an earlier user would eat our writes */
	ret = edu_wait_idle(e);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	munmap((void *)e->bar, e->bar_len);
	e->bar = NULL;
err_close:
	close(e->fd);
	e->fd = -1;
	return ret;
}

void edu_close(struct edu *e)
{
	if (!e->bar)
		return;
	munmap((void *)e->bar, e->bar_len);
	close(e->fd);
	e->bar = NULL;
	e->fd = -1;
}

static int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t len,
		   uint32_t cmd)
{
	int ret;

	if (!e->bar)
		return -EBADF;
	ret = edu_wait_idle(e);
	if (ret)
		return ret;
	wr64(e, EDU_REG_DMA_SRC, src);
	wr64(e, EDU_REG_DMA_DST, dst);
	wr64(e, EDU_REG_DMA_COUNT, len);
	/* what the CPU wrote to memory must be visible before the start */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr64(e, EDU_REG_DMA_CMD, cmd | EDU_DMA_RUN);
	ret = edu_wait_idle(e);
	/* and what the device wrote, before the caller reads memory */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ret;
}

/*
 * QEMU aborts the guest on a command outside the device buffer, and 7.2
 * also on one ending exactly at its end; a wrapping DMA address is never
 * meant either.
 */
static int edu_check(uint64_t dma, uint32_t dev_off, uint32_t len)
{
	if (!len || dev_off >= EDU_BUF_SIZE || len >= EDU_BUF_SIZE - dev_off)
		return -EINVAL;
	if (dma + len < dma)
		return -EINVAL;
	return 0;
}

int edu_dma_to_ram(struct edu *e, uint64_t dma, uint32_t dev_off, uint32_t len)
{
	int ret = edu_check(dma, dev_off, len);

	if (ret)
		return ret;
	return edu_dma(e, EDU_BUF_ADDR + dev_off, dma, len, EDU_DMA_TO_RAM);
}

int edu_dma_from_ram(struct edu *e, uint64_t dma, uint32_t dev_off,
		     uint32_t len)
{
	int ret = edu_check(dma, dev_off, len);

	if (ret)
		return ret;
	return edu_dma(e, dma, EDU_BUF_ADDR + dev_off, len, 0);
}
