// SPDX-License-Identifier: MIT
/*
 * dma-buf interop with importers and exporters userdma did not write, on
 * the sw engine:
 *   a. export -> vgem: a cached ALLOC buffer (coherent ones are never
 *      exported: dmabuf_export), written by the
 *      CPU through the node's mmap and by the engine from a registration,
 *      EXPORTed and imported into vgem (PRIME_FD_TO_HANDLE); the bytes are
 *      checked through vgem (MAP_DUMB where the DRM core allows it, and
 *      the dma-buf vgem hands back for its handle), closing vgem's handle,
 *      the dma-buf fd or the userdma handle first;
 *   b. vgem -> import: a vgem dumb buffer exported by PRIME_HANDLE_TO_FD,
 *      IMPORTed, written by the engine, checked through vgem's mapping;
 *   c. udmabuf (memfd pages) and the dma-heap "system" heap, imported and
 *      written by the engine, checked from the exporter's side (6.12:
 *      built in; 6.1: not built, skipped);
 *   d. vivid capturing into EXPORTed buffers (V4L2_MEMORY_DMABUF): its
 *      test pattern generator writes through our vmap;
 *   e. bad IMPORT and EXPORT arguments.
 * Every check is byte for byte against a shadow copy; after each part the
 * node's counters (regions, pinned_pages, mapped_bytes, allocated_pages,
 * imported, exported) are back at their baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>

#include "modprobe.h"
#include "util.h"
#include "vgem.h"
#include "xfer.h"

static const char *node;
static int fd;			/* the node, bound to the sw channel */
static int bounce;		/* USERDMA_INFO_BOUNCE */
static struct rng rng;

/* ---- node counters --------------------------------------------------- */

enum { C_REGIONS, C_PINNED, C_MAPPED, C_ALLOC, C_IMPORTED, C_EXPORTED, C_N };
static const char *const ctr_name[C_N] = {
	"regions", "pinned_pages", "mapped_bytes", "allocated_pages",
	"imported", "exported",
};

struct ctr {
	long long v[C_N];
};

static int ctr_read(struct ctr *c)
{
	char path[160], buf[64];
	unsigned int i;
	ssize_t n;
	int f;

	for (i = 0; i < C_N; i++) {
		snprintf(path, sizeof(path), "/sys/class/userdma/%s/%s", node,
			 ctr_name[i]);
		f = open(path, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			return -errno;
		n = read(f, buf, sizeof(buf) - 1);
		close(f);
		if (n <= 0)
			return -EIO;
		buf[n] = 0;
		c->v[i] = strtoll(buf, NULL, 10);
	}
	return 0;
}

static void ctr_or_bail(struct ctr *c)
{
	int ret = ctr_read(c);

	if (ret)
		bail("cannot read the counters of %s: %s", node, errname(ret));
}

/*
 * Wait up to ms for the counters to equal base + delta for the counters
 * with want[i] set; describe the first difference.  A dma-buf's last fput
 * can be deferred to a worker, hence the wait.
 */
static int ctr_wait(const struct ctr *base, const long long *delta,
		    const int *want, int ms, char *why, size_t whylen)
{
	struct ctr now;
	unsigned int i;

	for (;;) {
		int same = 1;

		if (ctr_read(&now)) {
			snprintf(why, whylen, "counters unreadable");
			return 0;
		}
		for (i = 0; i < C_N; i++) {
			if (want && !want[i])
				continue;
			if (now.v[i] != base->v[i] + (delta ? delta[i] : 0)) {
				snprintf(why, whylen, "%s %lld, expected %lld",
					 ctr_name[i], now.v[i],
					 base->v[i] + (delta ? delta[i] : 0));
				same = 0;
				break;
			}
		}
		if (same) {
			snprintf(why, whylen, "as expected");
			return 1;
		}
		if (ms <= 0)
			return 0;
		sleep_ms(20);
		ms -= 20;
	}
}

static int ok_ctr_back(const struct ctr *base, const char *what)
{
	char why[160];

	return ok(ctr_wait(base, NULL, NULL, 3000, why, sizeof(why)),
		  "%s: node counters back at baseline (%s)", what, why);
}

/* regions, allocated_pages, imported, exported moved by these. */
static int ok_ctr_delta(const struct ctr *base, long long regions,
			long long pages, long long imported, long long exported,
			const char *what)
{
	long long d[C_N] = { 0 };
	int want[C_N] = { 0 };
	char why[160];

	d[C_REGIONS] = regions;
	d[C_ALLOC] = pages;
	d[C_IMPORTED] = imported;
	d[C_EXPORTED] = exported;
	want[C_REGIONS] = want[C_ALLOC] = want[C_IMPORTED] = want[C_EXPORTED] = 1;
	return ok(ctr_wait(base, d, want, 0, why, sizeof(why)),
		  "%s: regions %+lld, allocated_pages %+lld, imported %+lld, exported %+lld (%s)",
		  what, regions, pages, imported, exported, why);
}

/* ---- userdma raw calls ------------------------------------------------- */

static int u_alloc(uint64_t len, uint32_t flags, uint32_t dir, uint32_t *h,
		   uint64_t *alen, uint8_t **map)
{
	struct userdma_alloc a;
	void *p;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.length = len;
	a.direction = dir;
	ret = udt_ioctl(fd, USERDMA_IOC_ALLOC, &a);
	if (ret)
		return ret;
	*h = a.handle;
	*alen = a.length;
	if (a.mmap_offset != (uint64_t)a.handle << USERDMA_MMAP_SHIFT)
		diag("ALLOC: mmap_offset %#llx for handle %u",
		     (unsigned long long)a.mmap_offset, a.handle);
	p = mmap(NULL, a.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)a.mmap_offset);
	if (p == MAP_FAILED) {
		ret = -errno;
		udt_unregister(fd, a.handle);
		return ret;
	}
	*map = p;
	return 0;
}

static int u_export(uint32_t h, int *dfd)
{
	struct userdma_export e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.flags = USERDMA_EXPORT_CLOEXEC;
	e.handle = h;
	e.fd = -1;
	ret = udt_ioctl(fd, USERDMA_IOC_EXPORT, &e);
	if (!ret)
		*dfd = e.fd;
	return ret;
}

static int u_import(int dfd, uint32_t dir, uint32_t *h, uint64_t *len)
{
	struct userdma_import im;
	int ret;

	memset(&im, 0, sizeof(im));
	im.size = sizeof(im);
	im.fd = dfd;
	im.direction = dir;
	ret = udt_ioctl(fd, USERDMA_IOC_IMPORT, &im);
	if (!ret) {
		*h = im.handle;
		if (len)
			*len = im.length;
	}
	return ret;
}

static int dbuf_sync(int dfd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return udt_ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s);
}

/* A registered user buffer holding pattern seed: the engine's source. */
struct src {
	uint8_t *buf;
	uint64_t len, seed;
	uint32_t h;
};

static int src_init(struct src *s, uint64_t len)
{
	s->len = len;
	s->seed = rng_next(&rng);
	s->buf = map_anon(len);
	pattern_fill(s->buf, len, s->seed, 0);
	return udt_register(fd, s->buf, len, USERDMA_DIR_TO_DEVICE, &s->h, NULL);
}

static void src_fini(struct src *s)
{
	udt_unregister(fd, s->h);
	munmap(s->buf, s->len);
}

/* One sw-engine copy; a subtest. */
static int ok_copy(uint32_t sh, uint64_t so, uint32_t dh, uint64_t doff,
		   uint64_t len, const char *what)
{
	struct userdma_completion c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = udt_copy(fd, sh, so, dh, doff, len, &c);
	return ok(ret == 0 && c.status == USERDMA_XFER_DONE && c.bytes == len,
		  "%s: sw copy of %" PRIu64 " bytes to +%" PRIu64 " (%s, %s, %llu bytes)",
		  what, len, doff, errname(ret),
		  ret ? "-" : xfer_status_name(c.status),
		  (unsigned long long)c.bytes);
}

/* Subtest: the mapping equals the shadow, around a SYNC read on dfd. */
static int ok_synced_bytes(int dfd, const uint8_t *map, const uint8_t *shadow,
			   size_t len, const char *what)
{
	int r1, r2, good;
	ssize_t bad;

	r1 = dbuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	bad = mem_mismatch(map, shadow, len);
	r2 = dbuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	good = ok(r1 == 0 && r2 == 0 && bad < 0,
		  "%s: all %zu bytes as written (SYNC start %s, end %s)", what,
		  len, errname(r1), errname(r2));
	if (bad >= 0)
		diag_mismatch(map, shadow, len, bad);
	return good;
}

/* 1 if fds a and b are the same file (device and inode): the same dma-buf. */
static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---- a. export -> vgem --------------------------------------------------- */

enum close_order { VGEM_FIRST, DMABUF_FIRST, HANDLE_FIRST };
static const char *const order_name[] = {
	"vgem handle first", "dma-buf fd first", "userdma handle first",
};

static void export_to_vgem(int dri, uint32_t flags, enum close_order order)
{
	const uint64_t want = 192 * KiB + 5;
	char what[96];
	struct ctr base;
	struct src s;
	uint8_t *map, *shadow, *vmap = NULL;
	uint64_t alen, doff, n;
	uint32_t h, gh = 0;
	int ret, dfd = -1, vfd = -1, mapped = 0;
	int gem_live = 0, dfd_live = 0, h_live = 0;

	snprintf(what, sizeof(what), "export->vgem %s, %s",
		 flags & USERDMA_ALLOC_COHERENT ? "coherent" : "cached",
		 order_name[order]);
	ctr_or_bail(&base);
	ret = u_alloc(want, flags, USERDMA_DIR_BIDIRECTIONAL, &h, &alen, &map);
	if (!ok(ret == 0 && alen >= want && alen % PAGE == 0,
		"%s: ALLOC %" PRIu64 " bytes (%s, length %" PRIu64 ")", what,
		want, errname(ret), ret ? 0 : alen))
		return;
	h_live = 1;
	shadow = malloc(alen);
	if (!shadow)
		bail("malloc");
	/* the CPU writes all of it, then the engine a middle part */
	pattern_fill(map, alen, rng_next(&rng), 0);
	memcpy(shadow, map, alen);
	ret = src_init(&s, alen);
	if (!ok(ret == 0, "%s: register the engine's source (%s)", what,
		errname(ret)))
		goto out;
	doff = 1 + rng_below(&rng, PAGE);
	n = alen - doff - rng_below(&rng, PAGE);
	if (ok_copy(s.h, 7, h, doff, n, what))
		memcpy(shadow + doff, s.buf + 7, n);
	src_fini(&s);
	ok(mem_mismatch(map, shadow, alen) < 0,
	   "%s: the node's mapping holds what the CPU and the engine wrote", what);

	ret = u_export(h, &dfd);
	if (!ok(ret == 0 && dfd >= 0, "%s: EXPORT (%s)", what, errname(ret)))
		goto out;
	dfd_live = 1;
	ok_ctr_delta(&base, 1, (long long)(alen / PAGE), 0, 1, what);
	ok(lseek(dfd, 0, SEEK_END) == (off_t)alen,
	   "%s: the dma-buf's size is the buffer's (%lld)", what,
	   (long long)lseek(dfd, 0, SEEK_END));

	ret = prime_to_handle(dri, dfd, &gh);
	if (!ok(ret == 0, "%s: vgem PRIME_FD_TO_HANDLE (%s)", what, errname(ret)))
		goto out;
	gem_live = 1;

	ret = gem_map(dri, gh, alen, &vmap);
	if (ret == -EINVAL) {
		/* drm_gem_dumb_map_offset() refuses imported objects */
		skip("the DRM core does not map imported objects (MAP_DUMB EINVAL)",
		     "%s: bytes through vgem's MAP_DUMB", what);
		vmap = NULL;
	} else if (ok(ret == 0, "%s: vgem MAP_DUMB + mmap of the imported object (%s)",
		      what, errname(ret))) {
		mapped = 1;
		ok_synced_bytes(dfd, vmap, shadow, alen, what);
	}
	/* the dma-buf vgem gives back for its handle must be ours */
	ret = prime_to_fd(dri, gh, &vfd);
	if (ok(ret == 0 && same_file(vfd, dfd),
	       "%s: vgem PRIME_HANDLE_TO_FD gives back the same dma-buf (%s)",
	       what, errname(ret))) {
		uint8_t *p = mmap(NULL, alen, PROT_READ | PROT_WRITE, MAP_SHARED,
				  vfd, 0);

		if (ok(p != MAP_FAILED, "%s: mmap of vgem's dma-buf fd", what)) {
			ok_synced_bytes(vfd, p, shadow, alen, what);
			munmap(p, alen);
		}
	}
	if (vfd >= 0)
		close(vfd);

	switch (order) {
	case VGEM_FIRST:
		ok(gem_close(dri, gh) == 0, "%s: GEM_CLOSE", what);
		gem_live = 0;
		ok_ctr_delta(&base, 1, (long long)(alen / PAGE), 0, 1,
			     "after GEM_CLOSE");
		break;
	case DMABUF_FIRST:
		close(dfd);
		dfd_live = 0;
		/* vgem's object still holds the dma-buf */
		ok_ctr_delta(&base, 1, (long long)(alen / PAGE), 0, 1,
			     "after closing the dma-buf fd (vgem holds it)");
		break;
	case HANDLE_FIRST:
		munmap(map, alen);
		ok(udt_unregister(fd, h) == 0, "%s: free the handle first", what);
		h_live = 0;
		if (mapped) {
			ok_synced_bytes(dfd, vmap, shadow, alen,
					"after the handle is gone, through vgem");
		} else {
			uint8_t *p = mmap(NULL, alen, PROT_READ, MAP_SHARED, dfd, 0);

			if (ok(p != MAP_FAILED, "%s: mmap of the dma-buf after the handle is gone", what)) {
				ok_synced_bytes(dfd, p, shadow, alen,
						"after the handle is gone, through the dma-buf");
				munmap(p, alen);
			}
		}
		/* regions counts live memory, not handles */
		ok_ctr_delta(&base, 1, (long long)(alen / PAGE), 0, 1,
			     "after freeing the handle (the dma-buf holds the memory)");
		break;
	}
out:
	if (mapped)
		munmap(vmap, alen);
	if (gem_live)
		gem_close(dri, gh);
	if (dfd_live)
		close(dfd);
	if (h_live) {
		munmap(map, alen);
		udt_unregister(fd, h);
	}
	free(shadow);
	ok_ctr_back(&base, what);
}

/* ---- b. vgem -> import --------------------------------------------------- */

static void vgem_to_import(int dri)
{
	const char *what = "vgem->import";
	struct drm_mode_create_dumb cd = { .width = 1024, .height = 67, .bpp = 32 };
	struct ctr base;
	struct src s;
	uint8_t *vmap, *shadow;
	uint64_t len, ilen = 0, doff, n;
	uint32_t h;
	int ret, dfd = -1;

	ctr_or_bail(&base);
	ret = udt_ioctl(dri, DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (!ok(ret == 0 && cd.size >= (uint64_t)cd.pitch * cd.height,
		"%s: vgem CREATE_DUMB 1024x67x32 (%s, size %llu)", what,
		errname(ret), (unsigned long long)cd.size))
		return;
	len = cd.size;
	ret = gem_map(dri, cd.handle, len, &vmap);
	if (!ok(ret == 0, "%s: vgem MAP_DUMB + mmap (%s)", what, errname(ret)))
		goto out_gem;
	shadow = malloc(len);
	if (!shadow)
		bail("malloc");
	ret = prime_to_fd(dri, cd.handle, &dfd);
	if (!ok(ret == 0, "%s: vgem PRIME_HANDLE_TO_FD (%s)", what, errname(ret)))
		goto out_map;
	/* what the engine does not write must stay the CPU's */
	dbuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	pattern_fill(vmap, len, rng_next(&rng), 0);
	dbuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	memcpy(shadow, vmap, len);

	ret = u_import(dfd, USERDMA_DIR_BIDIRECTIONAL, &h, &ilen);
	if (!ok(ret == 0 && ilen == len, "%s: IMPORT (%s, length %llu of %llu)",
		what, errname(ret), (unsigned long long)ilen,
		(unsigned long long)len))
		goto out_fd;
	ok_ctr_delta(&base, 1, 0, 1, 0, what);
	ret = src_init(&s, len);
	if (ok(ret == 0, "%s: register the engine's source (%s)", what,
	       errname(ret))) {
		doff = 123;
		n = len - doff - 300;
		if (ok_copy(s.h, 1, h, doff, n, what))
			memcpy(shadow + doff, s.buf + 1, n);
		/* and one byte at each end */
		if (ok_copy(s.h, 0, h, 0, 1, what))
			shadow[0] = s.buf[0];
		if (ok_copy(s.h, 5, h, len - 1, 1, what))
			shadow[len - 1] = s.buf[5];
		src_fini(&s);
	}
	ok_synced_bytes(dfd, vmap, shadow, len, "vgem->import: vgem's mapping");
	ret = udt_unregister(fd, h);
	ok(ret == 0, "%s: release the import (%s)", what, errname(ret));
	ok_ctr_delta(&base, 0, 0, 0, 0, "after releasing the import");
	/* vgem's buffer lives on untouched */
	ok_synced_bytes(dfd, vmap, shadow, len,
			"vgem->import: vgem's mapping after the import is gone");
out_fd:
	close(dfd);
out_map:
	munmap(vmap, len);
	free(shadow);
out_gem:
	gem_close(dri, cd.handle);
	ok_ctr_back(&base, what);
}

/* ---- c. udmabuf, dma-heap ------------------------------------------------ */

/*
 * Import an exporter's dma-buf of len bytes whose CPU view is cpu (synced
 * through dfd), write it with the engine and check from the CPU view.
 */
static void import_write_check(const char *what, int dfd, uint8_t *cpu,
			       uint64_t len, int use_sync)
{
	struct ctr base;
	struct src s;
	uint8_t *shadow;
	uint64_t ilen = 0, doff, n;
	uint32_t h;
	int ret;

	ctr_or_bail(&base);
	shadow = malloc(len);
	if (!shadow)
		bail("malloc");
	if (use_sync)
		dbuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	pattern_fill(cpu, len, rng_next(&rng), 0);
	if (use_sync)
		dbuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	memcpy(shadow, cpu, len);
	ret = u_import(dfd, USERDMA_DIR_FROM_DEVICE, &h, &ilen);
	if (!ok(ret == 0 && ilen == len, "%s: IMPORT (%s, length %llu of %llu)",
		what, errname(ret), (unsigned long long)ilen,
		(unsigned long long)len))
		goto out;
	ok_ctr_delta(&base, 1, 0, 1, 0, what);
	ret = src_init(&s, len);
	if (ok(ret == 0, "%s: register the engine's source (%s)", what,
	       errname(ret))) {
		doff = 1 + rng_below(&rng, 2 * PAGE);
		n = len - doff - rng_below(&rng, PAGE);
		if (ok_copy(s.h, 3, h, doff, n, what))
			memcpy(shadow + doff, s.buf + 3, n);
		src_fini(&s);
	}
	if (use_sync)
		ok_synced_bytes(dfd, cpu, shadow, len, what);
	else
		ok_mem(cpu, shadow, len, "%s: all %" PRIu64 " bytes as written", what, len);
	ret = udt_unregister(fd, h);
	ok(ret == 0, "%s: release the import (%s)", what, errname(ret));
out:
	free(shadow);
	ok_ctr_back(&base, what);
}

/* Not in 6.1's config: a skip there, a failure where it should be. */
static int builtin_missing(const char *dev, const char *what)
{
	if (!access(dev, F_OK))
		return 0;
	if (kernel_version() < 6012)
		skip("not built in this kernel (6.1: CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS unset)",
		     "%s", what);
	else
		ok(0, "%s: %s missing (built in since 6.12 here): %s", what, dev,
		   strerror(errno));
	return 1;
}

static void udmabuf_part(void)
{
	const char *what = "udmabuf->import";
	const uint64_t len = 160 * KiB;
	struct udmabuf_create c;
	uint8_t *cpu;
	int dev, mfd, dfd, err;

	if (builtin_missing("/dev/udmabuf", what))
		return;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	mfd = memfd_create("udt-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	err = dev < 0 || mfd < 0 || ftruncate(mfd, len) ||
	      fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK) ? errno : 0;
	if (!ok(!err, "%s: /dev/udmabuf, memfd of %llu bytes sealed against shrinking (%s)",
		what, (unsigned long long)len, err ? strerror(err) : "OK"))
		goto out;
	memset(&c, 0, sizeof(c));
	c.memfd = mfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.size = len;
	dfd = ioctl(dev, UDMABUF_CREATE, &c);
	if (!ok(dfd >= 0, "%s: UDMABUF_CREATE (%s)", what,
		dfd < 0 ? strerror(errno) : "OK"))
		goto out;
	cpu = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (ok(cpu != MAP_FAILED, "%s: mmap of the memfd", what)) {
		/*
		 * Checked through the memfd, the pages udmabuf handed out,
		 * without DMA_BUF_IOCTL_SYNC: udmabuf (6.12) syncs a mapping
		 * of its own misc device there, which with swiotlb=force
		 * copies its stale bounce slots back over the pages.
		 */
		import_write_check(what, dfd, cpu, len, 0);
		munmap(cpu, len);
	}
	close(dfd);
out:
	if (mfd >= 0)
		close(mfd);
	if (dev >= 0)
		close(dev);
}

static void heap_part(void)
{
	const char *what = "dma-heap system->import";
	const uint64_t len = 96 * KiB;
	struct dma_heap_allocation_data a;
	uint8_t *cpu;
	int heap, ret;

	if (builtin_missing("/dev/dma_heap/system", what))
		return;
	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	memset(&a, 0, sizeof(a));
	a.len = len;
	a.fd_flags = O_RDWR | O_CLOEXEC;
	ret = heap < 0 ? -errno : udt_ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a);
	if (!ok(ret == 0, "%s: DMA_HEAP_IOCTL_ALLOC %llu bytes (%s)", what,
		(unsigned long long)len, errname(ret)))
		goto out;
	cpu = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)a.fd, 0);
	if (ok(cpu != MAP_FAILED, "%s: mmap of the heap's dma-buf", what)) {
		import_write_check(what, (int)a.fd, cpu, len, 1);
		munmap(cpu, len);
	}
	close((int)a.fd);
out:
	if (heap >= 0)
		close(heap);
}

/* ---- d. vivid ------------------------------------------------------------ */

#define VIVID_BUFS	3
#define VIVID_FRAMES	6

struct vbuf {
	uint32_t h;
	uint8_t *map;
	uint64_t len, seed;
	int dfd;
};

static int vivid_open(uint32_t *type)
{
	char path[32];
	int i, v;

	for (i = 0; i < 64; i++) {
		struct v4l2_capability cap;
		uint32_t caps;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		v = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (v < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!ioctl(v, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, "vivid")) {
			caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
			       cap.device_caps : cap.capabilities;
			if (caps & V4L2_CAP_VIDEO_CAPTURE) {
				*type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			} else if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) {
				*type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
			} else {
				close(v);
				continue;
			}
			diag("vivid capture node %s (%s)", path,
			     *type == V4L2_BUF_TYPE_VIDEO_CAPTURE ? "single-planar" : "multiplanar");
			return v;
		}
		close(v);
	}
	return -ENODEV;
}

static int vivid_qbuf(int v, uint32_t type, uint32_t i, struct vbuf *b)
{
	struct v4l2_plane pl;
	struct v4l2_buffer q;

	memset(&q, 0, sizeof(q));
	memset(&pl, 0, sizeof(pl));
	q.type = type;
	q.memory = V4L2_MEMORY_DMABUF;
	q.index = i;
	if (type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE) {
		pl.m.fd = b->dfd;
		pl.length = (uint32_t)b->len;
		q.m.planes = &pl;
		q.length = 1;
	} else {
		q.m.fd = b->dfd;
		q.length = (uint32_t)b->len;
	}
	return udt_ioctl(v, VIDIOC_QBUF, &q);
}

/* Sentinel in the whole buffer, written while the CPU owns it. */
static void vbuf_sentinel(struct vbuf *b)
{
	b->seed = rng_next(&rng);
	dbuf_sync(b->dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	pattern_fill(b->map, b->len, b->seed, 0);
	dbuf_sync(b->dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
}

/*
 * A frame arrived: the image bytes were rewritten (the generator's output
 * matches a random sentinel in about 1 byte of 256, so at least 3/4 of
 * them must differ, and both the first and the last line), and the bytes
 * beyond sizeimage still hold the sentinel.
 */
static int check_frame(struct vbuf *b, uint32_t sizeimage, uint32_t line,
		       char *why, size_t whylen)
{
	uint64_t i, changed = 0, first = 0, last = 0;
	ssize_t bad;
	int r1, r2;

	r1 = dbuf_sync(b->dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	for (i = 0; i < sizeimage; i++) {
		if (b->map[i] != pattern_byte(b->seed, i)) {
			changed++;
			if (i < line)
				first++;
			if (i >= sizeimage - line)
				last++;
		}
	}
	bad = pattern_mismatch(b->map + sizeimage, b->len - sizeimage, b->seed,
			       sizeimage);
	r2 = dbuf_sync(b->dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	snprintf(why, whylen,
		 "%llu of %u image bytes rewritten (first line %llu, last line %llu of %u), tail %s, SYNC %s/%s",
		 (unsigned long long)changed, sizeimage,
		 (unsigned long long)first, (unsigned long long)last, line,
		 bad < 0 ? "untouched" : "overwritten", errname(r1),
		 errname(r2));
	return r1 == 0 && r2 == 0 && bad < 0 && changed * 4 >= (uint64_t)sizeimage * 3 &&
	       first * 4 >= (uint64_t)line * 3 && last * 4 >= (uint64_t)line * 3;
}

static void vivid_part(void)
{
	const char *what = "vivid capture into exported buffers";
	struct vbuf b[VIVID_BUFS];
	struct v4l2_requestbuffers rb;
	struct v4l2_format f;
	struct ctr base;
	uint32_t type = 0, sizeimage, line, i, nbufs = 0, frames = 0;
	uint32_t nk[2] = { 0 }, good[2] = { 0 };	/* [contiguous] */
	int v, ret, streaming = 0;
	long long pages;
	char why[200];

	ret = udt_modprobe("vivid n_devs=1 node_types=0x1 num_inputs=1 input_types=0");
	if (ret == 2) {
		skip("vivid was not packed into this initramfs", "%s", what);
		return;
	}
	if (!ok(ret == 0, "%s: udt-modprobe vivid (status %d)", what, ret))
		return;
	ctr_or_bail(&base);
	v = vivid_open(&type);
	if (!ok(v >= 0, "%s: a vivid capture node (%s)", what,
		v >= 0 ? "found" : errname(v)))
		return;

	memset(&f, 0, sizeof(f));
	f.type = type;
	if (type == V4L2_BUF_TYPE_VIDEO_CAPTURE) {
		f.fmt.pix.width = 320;
		f.fmt.pix.height = 240;
		f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
		f.fmt.pix.field = V4L2_FIELD_NONE;
	} else {
		f.fmt.pix_mp.width = 320;
		f.fmt.pix_mp.height = 240;
		f.fmt.pix_mp.pixelformat = V4L2_PIX_FMT_YUYV;
		f.fmt.pix_mp.field = V4L2_FIELD_NONE;
		f.fmt.pix_mp.num_planes = 1;
	}
	ret = udt_ioctl(v, VIDIOC_S_FMT, &f);
	if (type == V4L2_BUF_TYPE_VIDEO_CAPTURE) {
		sizeimage = f.fmt.pix.sizeimage;
		line = f.fmt.pix.bytesperline;
	} else {
		sizeimage = f.fmt.pix_mp.plane_fmt[0].sizeimage;
		line = f.fmt.pix_mp.plane_fmt[0].bytesperline;
	}
	if (!ok(ret == 0 && sizeimage && line && line <= sizeimage,
		"%s: S_FMT YUYV (%s: %ux%u, bytesperline %u, sizeimage %u)",
		what, errname(ret),
		type == V4L2_BUF_TYPE_VIDEO_CAPTURE ? f.fmt.pix.width : f.fmt.pix_mp.width,
		type == V4L2_BUF_TYPE_VIDEO_CAPTURE ? f.fmt.pix.height : f.fmt.pix_mp.height,
		line, sizeimage))
		goto out_close;

	memset(&rb, 0, sizeof(rb));
	rb.count = VIVID_BUFS;
	rb.type = type;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = udt_ioctl(v, VIDIOC_REQBUFS, &rb);
	if (!ok(ret == 0 && rb.count >= 2 && rb.count <= VIVID_BUFS,
		"%s: REQBUFS DMABUF %u (%s, got %u)", what, VIVID_BUFS,
		errname(ret), rb.count))
		goto out_close;

	for (i = 0; i < rb.count; i++) {
		/* alternate scattered and contiguous, one page more than needed */
		uint32_t flags = i & 1 ? USERDMA_ALLOC_CONTIGUOUS : 0;

		ret = u_alloc(sizeimage + PAGE, flags, USERDMA_DIR_BIDIRECTIONAL,
			      &b[i].h, &b[i].len, &b[i].map);
		if (!ok(ret == 0, "%s: ALLOC buffer %u (%s, %s)", what, i,
			flags ? "contiguous" : "scattered", errname(ret)))
			break;
		ret = u_export(b[i].h, &b[i].dfd);
		if (!ok(ret == 0, "%s: EXPORT buffer %u (%s)", what, i,
			errname(ret))) {
			munmap(b[i].map, b[i].len);
			udt_unregister(fd, b[i].h);
			break;
		}
		nbufs++;
		vbuf_sentinel(&b[i]);
		ret = vivid_qbuf(v, type, i, &b[i]);
		ok(ret == 0, "%s: QBUF %u with the dma-buf (%s)", what, i,
		   errname(ret));
	}
	if (nbufs != rb.count)
		goto out_bufs;
	for (i = 0, pages = 0; i < nbufs; i++)
		pages += (long long)(b[i].len / PAGE);
	ok_ctr_delta(&base, (long long)nbufs, pages, 0, (long long)nbufs,
		     "vivid buffers exported");

	ret = udt_ioctl(v, VIDIOC_STREAMON, &type);
	if (!ok(ret == 0, "%s: STREAMON (%s)", what, errname(ret)))
		goto out_bufs;
	streaming = 1;
	while (frames < VIVID_FRAMES) {
		struct pollfd p = { .fd = v, .events = POLLIN };
		struct v4l2_plane pl;
		struct v4l2_buffer q;
		uint32_t used;

		ret = poll(&p, 1, 20000);
		if (ret <= 0) {
			ok(0, "%s: frame %u within 20 s (poll %d, revents %#x)",
			   what, frames, ret, p.revents);
			break;
		}
		memset(&q, 0, sizeof(q));
		memset(&pl, 0, sizeof(pl));
		q.type = type;
		q.memory = V4L2_MEMORY_DMABUF;
		if (type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE) {
			q.m.planes = &pl;
			q.length = 1;
		}
		ret = udt_ioctl(v, VIDIOC_DQBUF, &q);
		if (ret == -EAGAIN)
			continue;
		if (!ok(ret == 0 && q.index < nbufs, "%s: DQBUF frame %u (%s, index %u)",
			what, frames, errname(ret), q.index))
			break;
		used = type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE ? pl.bytesused : q.bytesused;
		frames++;
		nk[q.index & 1]++;
		if (used == sizeimage && !(q.flags & V4L2_BUF_FLAG_ERROR) &&
		    check_frame(&b[q.index], sizeimage, line, why, sizeof(why))) {
			good[q.index & 1]++;
		} else {
			diag("frame %u (buffer %u): bytesused %u of %u, flags %#x: %s",
			     frames, q.index, used, sizeimage, q.flags,
			     used == sizeimage ? why : "-");
		}
		vbuf_sentinel(&b[q.index]);
		if (frames + nbufs <= VIVID_FRAMES + nbufs - 1) {
			ret = vivid_qbuf(v, type, q.index, &b[q.index]);
			if (ret) {
				ok(0, "%s: re-QBUF %u (%s)", what, q.index,
				   errname(ret));
				break;
			}
		}
	}
	ok(frames == VIVID_FRAMES, "%s: %u frames dequeued", what, frames);
	ok(good[1] == nk[1],
	   "%s: contiguous buffers: %u of %u frames complete (bytesused == sizeimage %u, image rewritten, tail untouched)",
	   what, good[1], nk[1], sizeimage);
	ok(good[0] == nk[0],
	   "%s: scattered buffers: %u of %u frames complete (bytesused == sizeimage %u, image rewritten, tail untouched)",
	   what, good[0], nk[0], sizeimage);

out_bufs:
	if (streaming) {
		ret = udt_ioctl(v, VIDIOC_STREAMOFF, &type);
		ok(ret == 0, "%s: STREAMOFF (%s)", what, errname(ret));
	}
	memset(&rb, 0, sizeof(rb));
	rb.type = type;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = udt_ioctl(v, VIDIOC_REQBUFS, &rb);
	ok(ret == 0, "%s: REQBUFS 0 (%s)", what, errname(ret));
	for (i = 0; i < nbufs; i++) {
		close(b[i].dfd);
		munmap(b[i].map, b[i].len);
		udt_unregister(fd, b[i].h);
	}
out_close:
	close(v);
	ok_ctr_back(&base, what);
}

/* ---- e. bad inputs ------------------------------------------------------- */

static void ok_import_err(int dfd, int want, const char *what)
{
	struct ctr base;
	uint32_t h = 0;
	char why[160];
	int ret;

	ctr_or_bail(&base);
	ret = u_import(dfd, USERDMA_DIR_BIDIRECTIONAL, &h, NULL);
	ok(ret == want && ctr_wait(&base, NULL, NULL, 0, why, sizeof(why)),
	   "IMPORT of %s -> %s (%s), counters unchanged", what, errname(want),
	   errname(ret));
	if (!ret)
		udt_unregister(fd, h);
}

static void bad_inputs(void)
{
	struct ctr base, before;
	uint8_t *map, *reg;
	uint64_t alen;
	uint32_t h, ih, rh;
	int p[2], dfd, closed, ret;
	char why[160];

	if (pipe2(p, O_CLOEXEC))
		bail("pipe: %s", strerror(errno));
	ok_import_err(p[0], -EINVAL, "a pipe");
	closed = p[1];
	close(p[0]);
	close(p[1]);
	ok_import_err(closed, -EBADF, "a closed fd");
	ok_import_err(-1, -EBADF, "fd -1");

	ctr_or_bail(&base);
	/* an import of userdma's own export: imports are not re-exported */
	ret = u_alloc(PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &h, &alen, &map);
	if (ok(ret == 0, "bad inputs: ALLOC a page (%s)", errname(ret))) {
		ret = u_export(h, &dfd);
		if (ok(ret == 0, "bad inputs: EXPORT it (%s)", errname(ret))) {
			ret = u_import(dfd, USERDMA_DIR_BIDIRECTIONAL, &ih, NULL);
			if (ok(ret == 0, "bad inputs: IMPORT userdma's own dma-buf (%s)",
			       errname(ret))) {
				int xfd = -1;

				ctr_or_bail(&before);
				ret = u_export(ih, &xfd);
				ok(ret == -EINVAL && ctr_wait(&before, NULL, NULL, 0, why, sizeof(why)),
				   "EXPORT of an imported handle -> EINVAL (%s), counters unchanged",
				   errname(ret));
				if (!ret)
					close(xfd);
				udt_unregister(fd, ih);
			}
			close(dfd);
		}
		munmap(map, alen);
		udt_unregister(fd, h);
	}

	/* a registration that does not cover whole pages */
	reg = map_anon(4 * PAGE);
	ret = udt_register(fd, reg + 100, 2 * PAGE, USERDMA_DIR_BIDIRECTIONAL,
			   &rh, NULL);
	if (ok(ret == 0, "bad inputs: register 2 pages at +100 (%s)",
	       errname(ret))) {
		int xfd = -1;

		ctr_or_bail(&before);
		ret = u_export(rh, &xfd);
		ok(ret == -EINVAL && ctr_wait(&before, NULL, NULL, 0, why, sizeof(why)),
		   "EXPORT of a registration not page aligned -> EINVAL (%s), counters unchanged",
		   errname(ret));
		if (!ret)
			close(xfd);
		udt_unregister(fd, rh);
	}
	/* whole pages are fine, as a control */
	ret = udt_register(fd, reg + PAGE, 2 * PAGE, USERDMA_DIR_BIDIRECTIONAL,
			   &rh, NULL);
	if (ok(ret == 0, "bad inputs: register 2 whole pages (%s)", errname(ret))) {
		dfd = -1;
		ret = u_export(rh, &dfd);
		ok(ret == 0 && dfd >= 0, "EXPORT of a page-aligned registration (%s)",
		   errname(ret));
		if (!ret)
			close(dfd);
		udt_unregister(fd, rh);
	}
	munmap(reg, 4 * PAGE);
	ok_ctr_back(&base, "bad inputs");
}

int main(void)
{
	char bound[32], engine[32], dev[64];
	struct ctr start;
	struct userdma_info info;
	struct snap snap0;
	int dri, ret;

	tap_init("dmabuf_interop");
	diag_config();
	rng_init(&rng, test_seed());
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	bounce = !!(info.flags & USERDMA_INFO_BOUNCE);
	snap_take(node, &snap0);
	ctr_or_bail(&start);
	ret = udt_channel(fd, "sw", -1, bound, engine);
	if (!ok(ret == 0 && !strcmp(engine, "sw"), "CHANNEL \"sw\" (%s)",
		errname(ret)))
		bail("no sw channel");

	ret = udt_modprobe("vgem");
	if (ret == 2) {
		skip("vgem was not packed into this initramfs", "export->vgem, vgem->import");
	} else if (ok(ret == 0, "udt-modprobe vgem (status %d)", ret)) {
		ret = udt_modprobe("vgem");
		ok(ret == 0, "udt-modprobe vgem again: loaded modules are skipped (status %d)",
		   ret);
		dri = vgem_open(dev, sizeof(dev));
		if (dri >= 0)
			diag("vgem is %s", dev);
		if (ok(dri >= 0, "vgem's DRM device (%s)",
		       dri >= 0 ? "found" : errname(dri))) {
			enum close_order o;

			for (o = VGEM_FIRST; o <= HANDLE_FIRST; o++)
				export_to_vgem(dri, 0, o);
			vgem_to_import(dri);
			close(dri);
		}
	}
	udmabuf_part();
	heap_part();
	vivid_part();
	bad_inputs();

	ok_no_spurious_enoent();
	ok_ctr_back(&start, "at the end");
	ok_unchanged(node, &snap0, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
