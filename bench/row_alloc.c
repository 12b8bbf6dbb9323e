// SPDX-License-Identifier: MIT
/*
 * Row 5: driver-allocated buffers.  CPU memset() and memcpy() bandwidth on
 * userdma's cached and coherent buffers (ALLOC + mmap) against malloc'ed
 * anonymous memory, with the cost of getting one ready (allocate, map,
 * write once, free) and of one sync; where the kernel has them, the
 * system dma-heap and udmabuf in the same table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define SIZE	(16 * MiB)

/*
 * malloc'ed memory gets transparent huge pages when the guest's THP mode
 * is "always"; malloc-4k (MADV_NOHUGEPAGE) shows what 4 KiB mappings, as
 * userdma's and the dma-bufs' mmaps have, cost by themselves.
 */
enum kind { MALLOC, MALLOC4K, CACHED, COHERENT, HEAP, UDMABUF, KINDS };

static const char *const kind_name[KINDS] = {
	"malloc", "malloc-4k", "cached", "coherent", "dma-heap", "udmabuf",
};

struct abuf {
	char *p;
	uint32_t handle;	/* userdma */
	int fd, memfd;		/* dma-buf, udmabuf's memfd */
};

static int get(struct bench *b, enum kind k, struct abuf *a)
{
	struct dma_heap_allocation_data h = { .len = SIZE, .fd_flags = O_RDWR | O_CLOEXEC };
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = SIZE };
	int fd;

	memset(a, 0, sizeof(*a));
	a->fd = a->memfd = -1;
	switch (k) {
	case MALLOC:
	case MALLOC4K:
		a->p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a->p == MAP_FAILED)
			return -1;
		if (k == MALLOC4K)
			madvise(a->p, SIZE, MADV_NOHUGEPAGE);
		return 0;
	case CACHED:
	case COHERENT:
		return userdma_alloc(b->u, SIZE, k == COHERENT ? USERDMA_ALLOC_COHERENT : 0,
				     USERDMA_DIR_BIDIRECTIONAL, &a->handle,
				     (void **)&a->p, NULL) ? -1 : 0;
	case HEAP:
		fd = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &h)) {
			close(fd);
			return -1;
		}
		close(fd);
		a->fd = h.fd;
		break;
	case UDMABUF:
		a->memfd = memfd_create("bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
		if (a->memfd < 0 || ftruncate(a->memfd, SIZE) ||
		    fcntl(a->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
			return -1;
		fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -1;
		c.memfd = a->memfd;
		a->fd = ioctl(fd, UDMABUF_CREATE, &c);
		close(fd);
		if (a->fd < 0)
			return -1;
		break;
	default:
		return -1;
	}
	a->p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
	return a->p == MAP_FAILED ? -1 : 0;
}

static void put(struct bench *b, enum kind k, struct abuf *a)
{
	if (k == CACHED || k == COHERENT) {
		userdma_free(b->u, a->handle, a->p, SIZE);
		return;
	}
	if (a->p && a->p != MAP_FAILED)
		munmap(a->p, SIZE);
	if (a->fd >= 0)
		close(a->fd);
	if (a->memfd >= 0)
		close(a->memfd);
}

static int sync_once(struct bench *b, enum kind k, struct abuf *a)
{
	struct dma_buf_sync s = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };

	switch (k) {
	case CACHED:
	case COHERENT:
		return userdma_sync_for_cpu(b->u, a->handle, 0, SIZE) ||
		       userdma_sync_for_device(b->u, a->handle, 0, SIZE);
	case HEAP:
	case UDMABUF:
		if (ioctl(a->fd, DMA_BUF_IOCTL_SYNC, &s))
			return -1;
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		return ioctl(a->fd, DMA_BUF_IOCTL_SYNC, &s);
	default:
		return 0;
	}
}

void row_alloc(struct bench *b)
{
	double vset[KINDS][32], vcpy[KINDS][32], vget[KINDS][32], vsync[KINDS][32];
	struct stat2 sset[KINDS], scpy[KINDS], sget[KINDS], ssync[KINDS];
	int have[KINDS];
	struct abuf a[KINDS];
	unsigned int r, k;
	char *tmp;

	printf("\n## 5. driver-allocated buffers, 16 MiB (medians; x = malloc time / its time)\n");
	tmp = buf_alloc(SIZE, 0);
	if (!tmp)
		return;
	for (k = 0; k < KINDS; k++) {
		have[k] = !get(b, k, &a[k]);
		if (have[k])
			memset(a[k].p, 1, SIZE);
		else
			printf("# %s: not available (%s)\n", kind_name[k],
			       k == CACHED || k == COHERENT ? userdma_last_error() :
			       strerror(errno));
		put(b, k, &a[k]);
	}
	for (r = 0; r < b->reps; r++) {
		for (k = 0; k < KINDS; k++) {
			double t0;
			struct abuf x;

			if (!have[k])
				continue;
			t0 = now_ns();
			if (get(b, k, &x)) {
				have[k] = 0;
				continue;
			}
			memset(x.p, 2, SIZE);
			vget[k][r] = now_ns() - t0;
			t0 = now_ns();
			memset(x.p, 3, SIZE);
			vset[k][r] = now_ns() - t0;
			t0 = now_ns();
			memcpy(tmp, x.p, SIZE);
			memcpy(x.p, tmp, SIZE);
			vcpy[k][r] = (now_ns() - t0) / 2;
			t0 = now_ns();
			if (sync_once(b, k, &x))
				printf("# %s: sync failed\n", kind_name[k]);
			vsync[k][r] = now_ns() - t0;
			put(b, k, &x);
		}
	}
	printf("%10s %12s %9s %12s %9s %12s %9s %10s\n", "kind", "ready ns",
	       "x", "memset MB/s", "x", "memcpy MB/s", "x", "sync ns");
	for (k = 0; k < KINDS; k++) {
		struct stat2 x;

		if (!have[k])
			continue;
		sget[k] = stat2_of(vget[k], b->reps);
		sset[k] = stat2_of(vset[k], b->reps);
		scpy[k] = stat2_of(vcpy[k], b->reps);
		ssync[k] = stat2_of(vsync[k], b->reps);
		printf("%10s %12.0f %9.2f %12.0f %9.2f %12.0f %9.2f %10.0f\n",
		       kind_name[k], sget[k].med, sget[0].med / sget[k].med,
		       SIZE / sset[k].med * 1e3, sset[0].med / sset[k].med,
		       SIZE / scpy[k].med * 1e3, scpy[0].med / scpy[k].med,
		       k > MALLOC4K ? ssync[k].med : 0);
		csv(b, "alloc", kind_name[k], SIZE, "ready_ns", sget[k]);
		csv(b, "alloc", kind_name[k], SIZE, "memset_ns", sset[k]);
		csv(b, "alloc", kind_name[k], SIZE, "memcpy_ns", scpy[k]);
		if (k > MALLOC4K)
			csv(b, "alloc", kind_name[k], SIZE, "sync_ns", ssync[k]);
		x.min = sset[0].min / sset[k].min;
		x.med = sset[0].med / sset[k].med;
		csv(b, "alloc", kind_name[k], SIZE, "memset_x_malloc", x);
		x.min = scpy[0].min / scpy[k].min;
		x.med = scpy[0].med / scpy[k].med;
		csv(b, "alloc", kind_name[k], SIZE, "memcpy_x_malloc", x);
		x.min = sget[0].min / sget[k].min;
		x.med = sget[0].med / sget[k].med;
		csv(b, "alloc", kind_name[k], SIZE, "ready_x_malloc", x);
	}
	buf_free(tmp);
}
