// SPDX-License-Identifier: MIT
/*
 * Pages pinned without FOLL_WRITE never become writable, by anyone, through
 * any path.  As uid/gid 1000 (in forked children; the node is opened to it
 * the way the udev rule does, group 1000 mode 0660, and put back to 0600
 * root:root at the end), on the node of the 64-bit edu device, for each
 * way a process holds memory it may not write:
 *   - a root-owned 0444 file mapped MAP_SHARED PROT_READ,
 *   - the same file mapped MAP_PRIVATE PROT_READ,
 *   - untouched PROT_READ anonymous memory (the shared zero page on 6.1),
 *   - its own memfd sealed with F_SEAL_WRITE, mapped PROT_READ,
 * REGISTER TO_DEVICE and EXPORT work, the dma-buf is O_RDONLY and a
 * PROT_READ mapping of it shows exactly the registered bytes, and every way
 * to write is refused:
 *   - mmap of the dma-buf PROT_READ|PROT_WRITE MAP_SHARED: EACCES;
 *   - mprotect(PROT_WRITE) of a PROT_READ mapping of it: EACCES;
 *   - open("/proc/self/fd/N", O_RDWR) of it: fails;
 *   - IMPORT of it FROM_DEVICE or BIDIRECTIONAL: EACCES;
 *   - IMPORT TO_DEVICE works, and the sw engine reads through it and
 *     through the registration, but a transfer into either: EACCES;
 *   - vgem's PRIME import (it maps BIDIRECTIONAL): fails (skipped when
 *     vgem is not in the initramfs).
 * Afterwards the file or memfd reads (pread) exactly as before, and for
 * the zero page a fresh anonymous page reads zero in the process, in a new
 * process and in root's.  A write mapping obtained anyway (the old module
 * gives them) is first tried with one byte, to show where such writes land,
 * then written back with the original bytes (never anything but zeros on
 * the zero page) before the subtest fails.
 * Positive controls: FROM_DEVICE and BIDIRECTIONAL registrations of the
 * user's own memory still export O_RDWR, map writable (mmap and mprotect),
 * IMPORT FROM_DEVICE for the engine to write through, and vgem imports them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "modprobe.h"
#include "readonly.h"
#include "unpriv.h"
#include "vgem.h"
#include "xfer.h"

#define LEN		(16 * KiB)
#define SEED_FILE	7001

static struct ro_test test;	/* the node, root's file */
static int dri = -1;		/* vgem's DRM device, opened by root */
static const char *vgem_why = "vgem not tried";

/* ---- vgem -------------------------------------------------------------- */

static void vgem_setup(void)
{
	char dev[64];
	int ret = udt_modprobe("vgem");

	if (ret == 2) {
		vgem_why = "vgem was not packed into this initramfs";
		return;
	}
	if (!ok(ret == 0, "udt-modprobe vgem (status %d)", ret)) {
		vgem_why = "vgem could not be loaded";
		return;
	}
	dri = vgem_open(dev, sizeof(dev));
	if (dri >= 0)
		diag("vgem is %s", dev);
	if (!ok(dri >= 0, "vgem's DRM device, opened by root (%s)",
		dri >= 0 ? "found" : errname(dri)))
		vgem_why = "no vgem DRM device";
}

/* vgem's PRIME import of dmabuf: 0 (the GEM handle closed again) or -errno. */
static int vgem_import(int dmabuf)
{
	uint32_t gh;
	int ret = prime_to_handle(dri, dmabuf, &gh);

	if (!ret)
		gem_close(dri, gh);
	return ret;
}

/* ---- the zero page, seen through root's pagemap -------------------------- */

static int pagemap = -1;	/* opened as root: PFNs visible */

static uint64_t pfn_of(const void *p)
{
	uint64_t e = 0;

	if (pagemap < 0 ||
	    pread(pagemap, &e, sizeof(e),
		  (off_t)((uintptr_t)p / PAGE * sizeof(e))) != sizeof(e) ||
	    !(e & (1ull << 63)))
		return 0;
	return e & ((1ull << 55) - 1);
}

static void diag_zero_page(const uint8_t *p)
{
	uint8_t *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	volatile uint8_t v;

	if (q == MAP_FAILED)
		return;
	v = q[0];	/* read fault: the zero page */
	(void)v;
	diag("  registered page pfn %#llx, a freshly read anonymous page pfn %#llx (%s)",
	     (unsigned long long)pfn_of(p), (unsigned long long)pfn_of(q),
	     pfn_of(p) && pfn_of(p) == pfn_of(q) ?
	     "the pin holds the shared zero page" :
	     "the pin holds a page of its own");
	munmap(q, PAGE);
}

/* ---- one read-only route, as uid 1000 --------------------------------------- */

static const char *const short_name[RO_NR_ROUTES] = {
	[RO_FILE_SHARED] = "0444 file shared",
	[RO_FILE_PRIVATE] = "0444 file private",
	[RO_ZERO_PAGE] = "zero page",
	[RO_SEALED_MEMFD] = "sealed memfd",
};

/* The engine reads handle h (len bytes) into a fresh writable buffer. */
static void engine_reads(int f, uint32_t h, const struct ro_mem *m,
			 const char *what, const char *from)
{
	struct userdma_completion c;
	uint8_t *d = map_anon(LEN);
	uint32_t hd;
	ssize_t bad;
	int ret;

	memset(d, 0xa5, LEN);
	ret = udt_register(f, d, LEN, USERDMA_DIR_FROM_DEVICE, &hd, NULL);
	if (ret)
		bail("REGISTER FROM_DEVICE of a writable buffer: %s", errname(ret));
	memset(&c, 0, sizeof(c));
	ret = udt_copy(f, h, 0, hd, 0, LEN, &c);
	bad = ret ? 0 : mem_mismatch(d, m->want, LEN);
	ok(ret == 0 && c.status == USERDMA_XFER_DONE && bad < 0,
	   "%s: the sw engine reads %s into a writable buffer, byte for byte (%s, %s, first bad byte %zd)",
	   what, from, errname(ret), ret ? "-" : xfer_status_name(c.status),
	   bad);
	udt_unregister(f, hd);
	munmap(d, LEN);
}

static void TAP_NORETURN route_child(enum ro_route r)
{
	const char *what = short_name[r];
	struct userdma_import im;
	uint32_t hr, hs;
	struct ro_mem m;
	uint8_t *src;
	int f, dfd, ret;

	alarm(120);	/* last resort: the parent restores the node */
	if (r == RO_ZERO_PAGE)
		pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	become_user(MiB);
	diag("%s: %s", what, ro_route_name(r));
	ro_map(&m, r, test.file, LEN, SEED_FILE);
	f = node_open_or_bail(test.node);
	ret = udt_register(f, m.p, LEN, USERDMA_DIR_TO_DEVICE, &hr, NULL);
	if (!ok(ret == 0, "%s: uid 1000 REGISTERs it TO_DEVICE (%s)", what,
		errname(ret)))
		goto out;
	if (r == RO_ZERO_PAGE)
		diag_zero_page(m.p);
	if (udt_channel(f, "sw", -1, NULL, NULL))
		bail("CHANNEL sw");
	/* the source of the write attempts holds the bytes already there */
	src = map_anon(LEN);
	memcpy(src, m.want, LEN);
	if (udt_register(f, src, LEN, USERDMA_DIR_TO_DEVICE, &hs, NULL))
		bail("REGISTER of the source buffer");

	dfd = ro_export(f, hr, &m, what);
	if (dfd >= 0) {
		ro_no_cpu_write(dfd, &m, what);
		ro_no_write_import(f, dfd, what);
		memset(&im, 0, sizeof(im));
		ret = udt_import(f, dfd, USERDMA_DIR_TO_DEVICE, &im);
		if (ok(ret == 0, "%s: IMPORT of the dma-buf TO_DEVICE works (%s)",
		       what, errname(ret))) {
			engine_reads(f, im.handle, &m, what, "the TO_DEVICE import");
			ro_ok_submit_refused(f, hs, 0, im.handle, 0, LEN,
					     "%s: sw transfer into the TO_DEVICE import",
					     what);
			udt_unregister(f, im.handle);
		}
		if (dri >= 0 && kernel_version() <= 6012) {
			ret = vgem_import(dfd);
			ok(ret != 0, "%s: vgem's PRIME import of the dma-buf (a BIDIRECTIONAL mapping) fails (%s)",
			   what, ret ? errname(ret) : "imported");
		} else if (dri >= 0) {
			/*
			 * Later DRM imports a dma-buf without mapping it until
			 * a driver needs its table; vgem never does, and the
			 * exporter refuses a writable mapping whenever one is
			 * asked.  What must hold is that nothing was written.
			 */
			char after[160];

			ret = vgem_import(dfd);
			diag("%s: vgem's PRIME import without a mapping: %s", what,
			     ret ? errname(ret) : "imported");
			snprintf(after, sizeof(after), "%s, after vgem's import",
				 what);
			ro_ok_unchanged(&m, after);
		} else {
			skip(vgem_why, "%s: vgem's PRIME import of the dma-buf fails",
			     what);
		}
		close(dfd);
	}
	engine_reads(f, hr, &m, what, "the registration");
	ro_ok_submit_refused(f, hs, 0, hr, 0, LEN,
			     "%s: sw transfer into the registration", what);
	udt_unregister(f, hs);
	munmap(src, LEN);
	ret = udt_unregister(f, hr);
	if (ret)
		diag("UNREGISTER: %s", errname(ret));
out:
	close(f);
	ro_ok_unchanged(&m, what);
	ro_unmap(&m);
	tap_child_exit();
}

/* ---- positive controls: the user's own writable memory ------------------------ */

static void TAP_NORETURN writable_child(void)
{
	static const uint32_t dirs[] = {
		USERDMA_DIR_FROM_DEVICE, USERDMA_DIR_BIDIRECTIONAL,
	};
	struct userdma_completion c;
	struct userdma_import im;
	uint8_t *p, *s, *w;
	unsigned int i;
	uint32_t h, hs;
	int f, dfd, fl, ret, err;
	const char *dn;
	ssize_t bad;

	alarm(120);
	become_user(MiB);
	f = node_open_or_bail(test.node);
	if (udt_channel(f, "sw", -1, NULL, NULL))
		bail("CHANNEL sw");
	s = map_anon(LEN);
	pattern_fill(s, LEN, 7300, 0);
	if (udt_register(f, s, LEN, USERDMA_DIR_TO_DEVICE, &hs, NULL))
		bail("REGISTER of the source buffer");
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		dn = dirname_udma(dirs[i]);
		p = map_anon(LEN);
		pattern_fill(p, LEN, 7100 + i, 0);
		ret = udt_register(f, p, LEN, dirs[i], &h, NULL);
		if (!ok(ret == 0, "own memory %s: REGISTER (%s)", dn, errname(ret)))
			continue;
		ret = udt_export(f, h, 0, &dfd);
		if (!ok(ret == 0, "own memory %s: EXPORT (%s)", dn, errname(ret))) {
			udt_unregister(f, h);
			continue;
		}
		fl = fcntl(dfd, F_GETFL);
		ok(fl >= 0 && (fl & O_ACCMODE) == O_RDWR,
		   "own memory %s: the dma-buf is opened O_RDWR (F_GETFL %#x)",
		   dn, fl);
		w = udt_mmap(dfd, 0, LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			     &err);
		if (ok(w != NULL, "own memory %s: mmap PROT_READ|PROT_WRITE MAP_SHARED works (%s)",
		       dn, errname(err))) {
			pattern_fill(w, LEN, 7200 + i, 0);
			bad = pattern_mismatch(p, LEN, 7200 + i, 0);
			ok(bad < 0, "own memory %s: what is written through it is the registered memory (first bad byte %zd)",
			   dn, bad);
			munmap(w, LEN);
		}
		w = udt_mmap(dfd, 0, LEN, PROT_READ, MAP_SHARED, &err);
		ret = !w ? err : mprotect(w, LEN, PROT_READ | PROT_WRITE) ?
		      -errno : 0;
		ok(ret == 0, "own memory %s: mprotect(PROT_READ|PROT_WRITE) of a PROT_READ mapping works (%s)",
		   dn, errname(ret));
		if (w)
			munmap(w, LEN);
		memset(&im, 0, sizeof(im));
		ret = udt_import(f, dfd, USERDMA_DIR_FROM_DEVICE, &im);
		if (ok(ret == 0, "own memory %s: IMPORT FROM_DEVICE of its dma-buf (%s)",
		       dn, errname(ret))) {
			memset(&c, 0, sizeof(c));
			ret = udt_copy(f, hs, 0, im.handle, 0, LEN, &c);
			bad = ret ? 0 : pattern_mismatch(p, LEN, 7300, 0);
			ok(ret == 0 && c.status == USERDMA_XFER_DONE && bad < 0,
			   "own memory %s: the sw engine writes the memory through the import (%s, %s, first bad byte %zd)",
			   dn, errname(ret),
			   ret ? "-" : xfer_status_name(c.status), bad);
			udt_unregister(f, im.handle);
		}
		if (dri >= 0) {
			ret = vgem_import(dfd);
			ok(ret == 0, "own memory %s: vgem's PRIME import works (%s)",
			   dn, errname(ret));
		} else {
			skip(vgem_why, "own memory %s: vgem's PRIME import works", dn);
		}
		close(dfd);
		udt_unregister(f, h);
		munmap(p, LEN);
	}
	udt_unregister(f, hs);
	close(f);
	tap_child_exit();
}

int main(void)
{
	struct ro_mem root;
	enum ro_route r;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_init("readonly_export");
	diag_config();
	ro_test_start(&test, "readonly_export", LEN, SEED_FILE);
	vgem_setup();

	for (r = 0; r < RO_NR_ROUTES; r++) {
		pid = tap_fork();
		if (pid < 0)
			bail("fork: %s", errname(pid));
		if (pid == 0)
			route_child(r);
		ok_child_status(tap_reap(pid), short_name[r]);
		/* and as root, in another process */
		if (r == RO_FILE_SHARED || r == RO_FILE_PRIVATE ||
		    r == RO_ZERO_PAGE) {
			ro_map(&root, r == RO_ZERO_PAGE ? RO_ZERO_PAGE :
			       RO_FILE_SHARED, test.file, LEN, SEED_FILE);
			ro_ok_unchanged(&root, r == RO_ZERO_PAGE ?
					"zero page, seen by root" :
					"root's file, seen by root");
			ro_unmap(&root);
		}
	}

	pid = tap_fork();
	if (pid < 0)
		bail("fork: %s", errname(pid));
	if (pid == 0)
		writable_child();
	ok_child_status(tap_reap(pid), "own writable memory");

	if (dri >= 0)
		close(dri);
	ro_ok_test_end(&test);
	return done_testing();
}
