// SPDX-License-Identifier: MIT
/*
 * The edu device's DMA engine on dma-bufs other drivers exported and
 * userdma imported: a vgem dumb buffer, and on 6.12 a udmabuf (memfd
 * pages) and a buffer of the system dma-heap.  For each, the device writes
 * pieces (the first bytes, across a page boundary, the last bytes) through
 * the import's segments, SYNC_FOR_CPU makes them visible, and every byte is
 * checked through the exporter's own mapping; then the CPU writes through
 * that mapping, SYNC_FOR_DEVICE, and the device reads it back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "buf.h"
#include "edutest.h"

#define LEN	(64 * KiB)

/* An exporter's buffer: the dma-buf, and where the exporter maps it. */
struct exp {
	const char *name;
	int dmabuf;
	uint8_t *map;
	int keep[2];		/* fds to close at the end */
};

static uint64_t seed;

static int vgem_buffer(struct exp *e)
{
	struct drm_mode_create_dumb cd = { .width = 1024, .height = LEN / 4096,
					   .bpp = 32 };
	struct drm_mode_map_dumb md = { 0 };
	struct drm_prime_handle ph = { 0 };
	int dri, ret;

	if (system("udt-modprobe vgem >/dev/null 2>&1"))
		return -ENOENT;
	dri = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (dri < 0)
		return -errno;
	e->keep[0] = dri;
	ret = udt_ioctl(dri, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (ret)
		return ret;
	ph.handle = cd.handle;
	ph.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = udt_ioctl(dri, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	if (ret)
		return ret;
	e->dmabuf = ph.fd;
	md.handle = cd.handle;
	ret = udt_ioctl(dri, DRM_IOCTL_MODE_MAP_DUMB, &md);
	if (ret)
		return ret;
	e->map = udt_mmap(dri, md.offset, LEN, PROT_READ | PROT_WRITE,
			  MAP_SHARED, &ret);
	return ret;
}

static int udmabuf_buffer(struct exp *e)
{
	struct udmabuf_create c = { .size = LEN };
	int mfd, dev, ret;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	e->keep[0] = dev;
	mfd = memfd_create("import_edu", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, LEN) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -errno;
	e->keep[1] = mfd;
	c.memfd = mfd;
	ret = ioctl(dev, UDMABUF_CREATE, &c);
	if (ret < 0)
		return -errno;
	e->dmabuf = ret;
	/* udmabuf's own SYNC works on a mapping of its own device: read the memfd */
	e->map = udt_mmap(mfd, 0, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, &ret);
	return ret;
}

static int heap_buffer(struct exp *e)
{
	struct dma_heap_allocation_data a = {
		.len = LEN,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap, ret;

	heap = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	e->keep[0] = heap;
	ret = udt_ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a);
	if (ret)
		return ret;
	e->dmabuf = (int)a.fd;
	e->map = udt_mmap(e->dmabuf, 0, LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			  &ret);
	return ret;
}

static void exp_close(struct exp *e)
{
	if (e->map)
		munmap(e->map, LEN);
	if (e->dmabuf >= 0)
		close(e->dmabuf);
	if (e->keep[0] >= 0)
		close(e->keep[0]);
	if (e->keep[1] >= 0)
		close(e->keep[1]);
}

static void edu_on_import(struct dma_ctx *c, struct exp *e, uint64_t s)
{
	static const struct { uint64_t off; uint32_t len; } piece[] = {
		{ 0, 1000 }, { 4096 - 300, 2000 }, { LEN - 777, 777 },
	};
	uint8_t dev[EDU_BUF_SIZE], want[LEN], got[EDU_BUF_SIZE];
	struct userdma_import im;
	struct region r;
	size_t i;
	int ret, n;

	memset(e->map, 0x5a, LEN);
	memset(want, 0x5a, LEN);
	ret = udt_import(c->fd, e->dmabuf, USERDMA_DIR_BIDIRECTIONAL, &im);
	if (!ok(ret == 0 && im.length == LEN, "%s: IMPORT %llu bytes, %u segments (%s)",
		e->name, (unsigned long long)im.length, im.nr_segments,
		errname(ret)))
		return;
	memset(&r, 0, sizeof(r));
	r.len = im.length;
	r.h = im.handle;
	n = udt_segments_all(c->fd, im.handle, &r.segs);
	if (n < 0)
		bail("SEGMENTS of an import: %s", errname(n));
	r.nsegs = (uint32_t)n;
	/* the exporter's bytes (the 0x5a above) reach this device's mapping */
	udt_sync(c->fd, r.h, 0, LEN, USERDMA_SYNC_FOR_DEVICE);

	pattern_fill(dev, EDU_MAX_XFER, s, 0);
	if (dev_load(c, dev, 0, EDU_MAX_XFER))
		bail("loading the device buffer");
	for (i = 0; i < ARRAY_SIZE(piece); i++) {
		ret = dev_to_region(c, &r, piece[i].off, 0, piece[i].len);
		if (ret)
			bail("edu write: %s", errname(ret));
		memcpy(want + piece[i].off, dev, piece[i].len);
	}
	ret = udt_sync(c->fd, r.h, 0, LEN, USERDMA_SYNC_FOR_CPU);
	if (e->dmabuf >= 0 && !strcmp(e->name, "dma-heap system"))
		dmabuf_sync(e->dmabuf, 1);
	ok(ret == 0 && !memcmp(e->map, want, LEN),
	   "%s: the edu device's 3 writes, and nothing else, seen through the exporter's mapping",
	   e->name);
	if (memcmp(e->map, want, LEN))
		diag_mismatch(e->map, want, LEN, mem_mismatch(e->map, want, LEN));

	pattern_fill(e->map + 5000, 3000, s + 1, 0);
	if (!strcmp(e->name, "dma-heap system"))
		dmabuf_sync(e->dmabuf, 0);
	ret = udt_sync(c->fd, r.h, 5000, 3000, USERDMA_SYNC_FOR_DEVICE) |
	      region_to_dev(c, &r, 5000, 0, 3000) | dev_read(c, got, 0, 3000);
	pattern_fill(dev, 3000, s + 1, 0);
	ok(ret == 0 && !memcmp(got, dev, 3000),
	   "%s: the edu device reads 3000 bytes the CPU wrote through the exporter (%s)",
	   e->name, errname(ret));
	free(r.segs);
	ret = udt_unregister(c->fd, r.h);
	ok(ret == 0, "%s: import released (%s)", e->name, errname(ret));
}

static void one(struct dma_ctx *c, const char *name, int (*make)(struct exp *),
		int need_612)
{
	struct exp e = { .name = name, .dmabuf = -1, .keep = { -1, -1 } };
	int ret;

	if (need_612 && kernel_version() < 6012) {
		skip("not built in this kernel (6.1: CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS unset)",
		     "%s: edu DMA into an import", name);
		return;
	}
	ret = make(&e);
	if (ok(ret == 0 && e.map, "%s: a 64 KiB buffer and its mapping (%s)",
	       name, errname(ret)))
		edu_on_import(c, &e, seed++);
	exp_close(&e);
}

int main(void)
{
	struct dma_ctx c;
	struct snap base;

	tap_init("import_edu");
	diag_config();
	seed = test_seed();
	dma_ctx_open(&c, edu64_bdf());
	snap_take(c.node, &base);
	one(&c, "vgem", vgem_buffer, 0);
	one(&c, "udmabuf", udmabuf_buffer, 1);
	one(&c, "dma-heap system", heap_buffer, 1);
	ok_unchanged(c.node, &base, "imports released: counters back");
	dma_ctx_close(&c);
	return done_testing();
}
