// SPDX-License-Identifier: MIT
/*
 * EXPORT and IMPORT between userdma's own nodes (other exporters and
 * importers: dmabuf_interop):
 *  1. bad EXPORT and IMPORT requests get their errno and move nothing;
 *  2. an exported buffer's dma-buf maps the same memory as the node's
 *     mmap, refuses PROT_EXEC and MAP_PRIVATE, and DMA_BUF_IOCTL_SYNC works;
 *     a coherent buffer is not exported (EOPNOTSUPP: it goes with the
 *     device) and still maps through the node;
 *  3. a page-aligned registration exported keeps its pages pinned after
 *     UNREGISTER until the dma-buf is gone;
 *  4. the memory goes with the last of handle, dma-buf fd, mapping and
 *     open file, closed in each of the 24 orders; and when a process
 *     holding the dma-buf is killed;
 *  5. zero-copy across devices: a buffer of the 64-bit node imported into
 *     the 28-bit node (behind an IOMMU; refused with EIO without one) and
 *     into its own node, written by the software DMA engine, read back
 *     through the exporter's mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "xfer.h"

static const char *node, *node28;
static int fd;

static void bad_requests(void)
{
	struct userdma_export e;
	struct userdma_alloc a;
	struct snap base;
	int pipefd[2], ret, dfd = -1, closed;
	uint8_t *user;
	uint32_t uh;

	snap_take(node, &base);
	ret = udt_export(fd, 0, 0, &dfd);
	ok(ret == -ENOENT, "EXPORT handle 0 -> ENOENT (%s)", errname(ret));
	ret = udt_export(fd, 4242, 0, &dfd);
	ok(ret == -ENOENT, "EXPORT of a handle not held -> ENOENT (%s)",
	   errname(ret));
	ret = udt_alloc(fd, PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (ret)
		bail("ALLOC of one page: %s", errname(ret));
	ret = udt_export(fd, a.handle, 1u << 1, &dfd);
	ok(ret == -EINVAL, "EXPORT with unknown flag -> EINVAL (%s)",
	   errname(ret));
	memset(&e, 0, sizeof(e));
	e.size = 8;
	e.handle = a.handle;
	ret = udt_ioctl(fd, USERDMA_IOC_EXPORT, &e);
	ok(ret == -EINVAL, "EXPORT with size 8 -> EINVAL (%s)", errname(ret));
	udt_unregister(fd, a.handle);

	user = map_anon(3 * PAGE);
	ret = udt_register(fd, user + 100, PAGE, USERDMA_DIR_BIDIRECTIONAL, &uh,
			   NULL);
	if (ok(ret == 0, "register 4 KiB at page offset 100 (%s)", errname(ret))) {
		ret = udt_export(fd, uh, 0, &dfd);
		ok(ret == -EINVAL, "  EXPORT of an unaligned registration -> EINVAL (%s)",
		   errname(ret));
		udt_unregister(fd, uh);
	}
	munmap(user, 3 * PAGE);

	if (pipe(pipefd))
		bail("pipe");
	ret = udt_import(fd, pipefd[0], USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -EINVAL, "IMPORT of a pipe -> EINVAL (%s)", errname(ret));
	closed = pipefd[1];
	close(pipefd[0]);
	close(pipefd[1]);
	ret = udt_import(fd, closed, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -EBADF, "IMPORT of a closed fd -> EBADF (%s)", errname(ret));
	ret = udt_import(fd, -1, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -EBADF, "IMPORT of fd -1 -> EBADF (%s)", errname(ret));
	ret = udt_import(fd, -1, 0, NULL);
	ok(ret == -EINVAL, "IMPORT with direction 0 -> EINVAL (%s)",
	   errname(ret));
	ok_unchanged(node, &base, "no bad request moved a counter");
}

static void export_buffer(uint32_t flags)
{
	const char *mode = alloc_mode_name(flags);
	struct userdma_import im;
	struct userdma_alloc a;
	struct stat s1, s2;
	int d1 = -1, d2 = -1, ret, err;
	uint8_t *p, *q;
	struct snap base;
	uint32_t ih;

	snap_take(node, &base);
	ret = udt_alloc(fd, 64 * KiB, flags, USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "%s 64 KiB (%s)", mode, errname(ret)))
		return;
	ret = udt_export(fd, a.handle, USERDMA_EXPORT_CLOEXEC, &d1) |
	      udt_export(fd, a.handle, 0, &d2);
	ok(ret == 0 && d1 >= 0 && d2 >= 0, "%s: EXPORT twice (%s)", mode,
	   errname(ret));
	if (ret)
		goto out;
	ok(!fstat(d1, &s1) && !fstat(d2, &s2) && s1.st_ino == s2.st_ino &&
	   s1.st_size == 64 * (off_t)KiB,
	   "%s: both fds are the one dma-buf of 64 KiB", mode);
	ok((fcntl(d1, F_GETFD) & FD_CLOEXEC) && !(fcntl(d2, F_GETFD) & FD_CLOEXEC),
	   "%s: USERDMA_EXPORT_CLOEXEC sets FD_CLOEXEC, 0 does not", mode);

	p = udt_mmap(fd, a.mmap_offset, 64 * KiB, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	q = udt_mmap(d1, 0, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	if (ok(p && q, "%s: node and dma-buf both map it (%s)", mode,
	       errname(err))) {
		/*
		 * CPU access bracketed by SYNC_START and SYNC_END, as
		 * importers do; it must not disturb the node's own mapping.
		 */
		ret = dmabuf_sync(d1, 1);
		pattern_fill(p, 64 * KiB, 31, 0);
		ret |= dmabuf_sync(d1, 0) | dmabuf_sync(d1, 1);
		ok(ret == 0 && pattern_mismatch(q, 64 * KiB, 31, 0) < 0,
		   "%s: bytes written through the node read through the dma-buf (SYNC %s)",
		   mode, errname(ret));
		pattern_fill(q, 64 * KiB, 32, 0);
		ret = dmabuf_sync(d1, 0) | dmabuf_sync(d1, 1);
		ok(ret == 0 && pattern_mismatch(p, 64 * KiB, 32, 0) < 0,
		   "%s: and back (SYNC %s)", mode, errname(ret));
		dmabuf_sync(d1, 0);
	}
	if (p)
		munmap(p, 64 * KiB);
	if (q)
		munmap(q, 64 * KiB);
	q = udt_mmap(d1, 0, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, &err);
	ok(!q && err == -EPERM, "%s: dma-buf mmap with PROT_EXEC -> EPERM (%s)",
	   mode, errname(err));
	q = udt_mmap(d1, 0, PAGE, PROT_READ, MAP_PRIVATE, &err);
	ok(!q && err == -EINVAL, "%s: dma-buf mmap MAP_PRIVATE -> EINVAL (%s)",
	   mode, errname(err));
	q = udt_mmap(d1, 16 * PAGE, PAGE, PROT_READ, MAP_SHARED, &err);
	ok(!q && err == -EINVAL, "%s: dma-buf mmap past its end -> EINVAL (%s)",
	   mode, errname(err));

	/* importing its own export into the same node works like any import */
	ret = udt_import(fd, d2, USERDMA_DIR_BIDIRECTIONAL, &im);
	if (ok(ret == 0 && im.length == 64 * KiB && im.nr_segments >= 1,
	       "%s: IMPORT of its own dma-buf: %llu bytes, %u segments (%s)",
	       mode, (unsigned long long)im.length, im.nr_segments,
	       errname(ret))) {
		ih = im.handle;
		ret = udt_export(fd, ih, 0, NULL);
		ok(ret == -EINVAL, "%s: EXPORT of an imported handle -> EINVAL (%s)",
		   mode, errname(ret));
		q = udt_mmap(fd, (uint64_t)ih << USERDMA_MMAP_SHIFT, PAGE,
			     PROT_READ, MAP_SHARED, &err);
		ok(!q && err == -ENXIO, "%s: mmap of an imported handle via the node -> ENXIO (%s)",
		   mode, errname(err));
		udt_unregister(fd, ih);
	}
out:
	udt_unregister(fd, a.handle);
	if (d1 >= 0)
		close(d1);
	if (d2 >= 0)
		close(d2);
	ok_unchanged(node, &base, "%s: all closed: counters back", mode);
}

static void export_registration(void)
{
	long long pin0 = vmpin_kb();
	uint8_t *user = map_anon(16 * PAGE), *q;
	int ret, d = -1, err;
	uint32_t h;

	pattern_fill(user, 16 * PAGE, 41, 0);
	ret = udt_register(fd, user, 16 * PAGE, USERDMA_DIR_BIDIRECTIONAL, &h,
			   NULL);
	if (!ok(ret == 0, "register 64 KiB page aligned (%s)", errname(ret)))
		return;
	ret = udt_export(fd, h, 0, &d);
	ok(ret == 0, "EXPORT of the registration (%s)", errname(ret));
	udt_unregister(fd, h);
	ok(vmpin_kb() == pin0 + 64, "after UNREGISTER its pages stay pinned for the dma-buf (VmPin +%lld kB)",
	   vmpin_kb() - pin0);
	if (d >= 0) {
		q = udt_mmap(d, 0, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			     &err);
		if (ok(q != NULL, "the dma-buf maps (%s)", errname(err))) {
			ok(pattern_mismatch(q, 16 * PAGE, 41, 0) < 0,
			   "  it shows the user memory");
			pattern_fill(user, 16 * PAGE, 42, 0);
			ok(pattern_mismatch(q, 16 * PAGE, 42, 0) < 0,
			   "  and the same pages: later writes show through it");
			munmap(q, 16 * PAGE);
		}
		close(d);
	}
	ok(vmpin_kb() == pin0, "dma-buf closed: VmPin back (%+lld kB)",
	   vmpin_kb() - pin0);
	munmap(user, 16 * PAGE);
}

/*
 * Four things are let go of, in each order: the handle, the dma-buf fd, a
 * mapping and the open file (which takes its handles with it).  The
 * memory must stay while a mapping, the dma-buf or the handle in a live
 * file is left, and go with the last of them.
 */
static void close_orders(void)
{
	static const char *what[] = { "handle", "dma-buf fd", "mapping", "file" };
	int perm[4] = { 0, 1, 2, 3 }, n, good = 0, i, j, k;
	struct snap base;

	snap_take(node, &base);
	for (n = 0; n < 24; n++) {
		struct userdma_alloc a;
		struct node_stats st;
		int f, d = -1, err, fine = 1, gone[4] = { 0 }, alive;
		uint8_t *p;

		/* the n-th permutation of 4 */
		for (i = 0, k = n; i < 4; i++)
			perm[i] = i;
		for (i = 0; i < 4; i++) {
			j = i + k % (4 - i);
			k /= 4 - i;
			int t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		f = node_open_or_bail(node);
		if (udt_alloc(f, 8 * PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &a) ||
		    udt_export(f, a.handle, 0, &d))
			bail("alloc + export for the close orders");
		p = udt_mmap(f, a.mmap_offset, 8 * PAGE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, &err);
		if (!p)
			bail("mmap: %s", errname(err));
		for (i = 0; i < 4; i++) {
			switch (perm[i]) {
			case 0:
				if (gone[3])
					break;	/* the file took it */
				fine &= udt_unregister(f, a.handle) == 0;
				break;
			case 1:
				close(d);
				break;
			case 2:
				fine &= pattern_mismatch(p, 8 * PAGE, n, 0) >= 0;
				pattern_fill(p, 8 * PAGE, n, 0);
				munmap(p, 8 * PAGE);
				break;
			case 3:
				close(f);
				break;
			}
			gone[perm[i]] = 1;
			alive = !gone[1] || !gone[2] || (!gone[0] && !gone[3]);
			node_stats(node, &st);
			if (st.allocated_pages !=
			    base.st.allocated_pages + (alive ? 8 : 0)) {
				diag("order %s, %s, %s, %s: after closing the %s, allocated_pages %+lld",
				     what[perm[0]], what[perm[1]], what[perm[2]],
				     what[perm[3]], what[perm[i]],
				     st.allocated_pages - base.st.allocated_pages);
				fine = 0;
			}
		}
		good += fine;
	}
	ok(good == 24, "in all 24 close orders the memory goes with the last holder (%d)",
	   good);
	ok_unchanged(node, &base, "close orders: counters back");
}

static void killed_holder(void)
{
	struct userdma_alloc a;
	struct snap base;
	int d, status, p2c[2];
	pid_t pid;
	char c;

	snap_take(node, &base);
	if (udt_alloc(fd, 16 * PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, &a) ||
	    udt_export(fd, a.handle, 0, &d) || pipe(p2c))
		bail("alloc + export for the kill test");
	pid = fork();
	if (pid == 0) {
		int err;
		uint8_t *q = udt_mmap(d, 0, 16 * PAGE, PROT_READ | PROT_WRITE,
				      MAP_SHARED, &err);

		if (q)
			pattern_fill(q, 16 * PAGE, 51, 0);
		if (write(p2c[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p2c[1]);
	ok(read(p2c[0], &c, 1) == 1, "a child maps the dma-buf and writes it");
	close(p2c[0]);
	udt_unregister(fd, a.handle);
	close(d);
	{
		struct node_stats st;

		node_stats(node, &st);
		ok(st.allocated_pages == base.st.allocated_pages + 16,
		   "the parent let go: the child's mapping keeps the pages (%+lld)",
		   st.allocated_pages - base.st.allocated_pages);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ok(wait_node_stats(node, &base.st, 5000, NULL),
	   "child killed: the memory is freed");
}

/*
 * Coherent memory belongs to the device and is freed when the device
 * goes: no dma-buf may carry it away.
 */
static void coherent_not_exported(void)
{
	struct userdma_alloc a;
	struct snap base;
	int d = -1, ret, err;
	uint8_t *p;

	ret = udt_alloc(fd, 64 * KiB, USERDMA_ALLOC_COHERENT,
			USERDMA_DIR_BIDIRECTIONAL, &a);
	if (!ok(ret == 0, "coherent 64 KiB (%s)", errname(ret)))
		return;
	snap_take(node, &base);
	ret = udt_export(fd, a.handle, 0, &d);
	ok(ret == -EOPNOTSUPP && d < 0, "coherent: EXPORT -> EOPNOTSUPP (%s)",
	   errname(ret));
	ok_unchanged(node, &base, "coherent: the refused EXPORT moved no counter");
	p = udt_mmap(fd, a.mmap_offset, 64 * KiB, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &err);
	if (ok(p != NULL, "coherent: the node still maps it (%s)", errname(err))) {
		pattern_fill(p, 64 * KiB, 33, 0);
		ok(pattern_mismatch(p, 64 * KiB, 33, 0) < 0,
		   "coherent: its bytes read back");
		munmap(p, 64 * KiB);
	}
	if (d >= 0)
		close(d);
	udt_unregister(fd, a.handle);
}

/* The software engine writes an exported buffer through an importer. */
static void cross_import(const char *into, int expect_eio)
{
	struct userdma_completion c;
	struct userdma_import im;
	struct userdma_alloc a;
	uint8_t *src, *p;
	int f2, d, ret, err;
	uint32_t sh;

	if (udt_alloc(fd, 256 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a) ||
	    udt_export(fd, a.handle, 0, &d))
		bail("alloc + export for the cross import");
	f2 = node_open_or_bail(into);
	ret = udt_import(f2, d, USERDMA_DIR_BIDIRECTIONAL, &im);
	if (expect_eio) {
		ok(ret == -EIO, "IMPORT into %s (28-bit, no IOMMU) -> EIO (%s)",
		   into, errname(ret));
		goto out;
	}
	if (!ok(ret == 0, "IMPORT into %s: %u segments (%s)", into,
		im.nr_segments, errname(ret)))
		goto out;
	src = map_anon(256 * KiB);
	pattern_fill(src, 256 * KiB, 61, 0);
	ret = udt_channel(f2, "sw", -1, NULL, NULL) |
	      udt_register(f2, src, 256 * KiB, USERDMA_DIR_TO_DEVICE, &sh, NULL);
	if (ok(ret == 0, "sw channel and a source registered on %s (%s)", into,
	       errname(ret))) {
		ret = udt_copy(f2, sh, 0, im.handle, 0, 256 * KiB, &c);
		ok(ret == 0 && c.status == USERDMA_XFER_DONE,
		   "%s copies 256 KiB into the imported buffer (%s, %s)", into,
		   errname(ret), xfer_status_name(c.status));
		p = udt_mmap(d, 0, 256 * KiB, PROT_READ, MAP_SHARED, &err);
		if (p) {
			dmabuf_sync(d, 1);
			ok(pattern_mismatch(p, 256 * KiB, 61, 0) < 0,
			   "the exporter's mapping holds every byte");
			dmabuf_sync(d, 0);
			munmap(p, 256 * KiB);
		}
		udt_unregister(f2, sh);
	}
	udt_unregister(f2, im.handle);
	munmap(src, 256 * KiB);
out:
	close(f2);
	close(d);
	udt_unregister(fd, a.handle);
}

int main(void)
{
	struct snap start, start28;

	tap_init("dmabuf_export");
	diag_config();
	node = node_name_for(edu64_bdf());
	node28 = node_name_for(edu28_bdf());
	fd = node_open_or_bail(node);
	snap_take(node, &start);
	snap_take(node28, &start28);

	bad_requests();
	export_buffer(0);
	coherent_not_exported();
	export_registration();
	close_orders();
	killed_holder();
	cross_import(node, 0);
	cross_import(node28, !cfg_iommu());

	close(fd);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	ok_unchanged(node28, &start28, "the 28-bit node's counters at baseline");
	return done_testing();
}
