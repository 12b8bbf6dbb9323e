// SPDX-License-Identifier: MIT
/*
 * Unbinding the device while its buffers are mapped, exported and
 * imported, and while completions wait to be read.
 *
 *  1. On the 28-bit edu device (bound to userdma again, under its old node
 *     name):
 *     - EXPORT of a coherent buffer is refused (EOPNOTSUPP): coherent
 *       memory belongs to the device;
 *     - a coherent buffer mapped twice shows its bytes in both mappings
 *       before the unbind; after it both get SIGBUS (the memory went with
 *       the device); a cached buffer stays mapped with its bytes, and its
 *       dma-buf, exported before, still maps them;
 *     - ioctls and mmap on the old file fail with ENODEV;
 *     - a cached buffer of the 64-bit node imported into the 28-bit node
 *       is detached at unbind: the exporter sees its importer go;
 *     - everything is freed once the last mapping and fd are gone: the
 *       pins of an exported registration come back (VmPin), the 64-bit
 *       node's counters return.
 *  2. Completions posted before the unbind and not yet read: WAIT (by
 *     cookie and for any) and read() hand them out after the unbind, then
 *     WAIT and read() (non-blocking and blocking) give ENODEV, and poll()
 *     POLLHUP.
 *  3. The escape case, on the 64-bit edu device: a cached buffer and a
 *     page-aligned registration exported and mapped through their
 *     dma-bufs, and a coherent buffer mapped through the node; the node's
 *     file closed, so only the dma-bufs and mappings hold the regions;
 *     then unbind: the dma-buf mappings keep their bytes, the coherent
 *     mapping gets SIGBUS, and once the dma-bufs are closed and the
 *     mappings gone VmPin is back (the runner checks pins and the log)
 *     and the registered memory still holds what the CPU wrote through
 *     the dma-buf (the device never owned it: no bounce copy-back).
 *  4. Unbind and bind keep each edu device's DMA mask: 00:03.0 (bound
 *     again after part 3) is still 64-bit, 00:04.0 (bound again twice)
 *     still 28-bit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "guarded.h"
#include "pci.h"
#include "util.h"
#include "xfer.h"

#define NXF	6
#define XLEN	(8 * KiB)

/* bind bdf again and check it comes back as node */
static void rebind(const char *bdf, const char *node)
{
	char again[64];
	int ret;

	ret = pci_bind_wait(bdf, again, sizeof(again), 2000);
	ok(ret == 0 && !strcmp(node, again), "bind %s again: it is %s again (%s, %s)",
	   bdf, node, errname(ret), ret ? "-" : again);
}

/* Part 1: buffers mapped, exported and imported across the unbind. */
static void buffers_across_unbind(const char *bdf, const char *node,
				  const char *node64)
{
	struct userdma_alloc ac = { 0 }, ak = { 0 }, a64 = { 0 };
	struct userdma_import im;
	struct snap base64;
	uint8_t *pc = NULL, *pc2 = NULL, *pk = NULL, *pd, *user;
	int fd, fd64, dk = -1, d64 = -1, du = -1, dc = -1, ret, err, sig;
	long long vmpin0 = vmpin_kb(), free0;
	ssize_t bad;
	uint32_t hu;

	fd = node_open_or_bail(node);
	fd64 = node_open_or_bail(node64);
	snap_take(node64, &base64);
	free0 = memfree_kb();

	ret = udt_alloc(fd, 256 * KiB, USERDMA_ALLOC_COHERENT,
			USERDMA_DIR_BIDIRECTIONAL, &ac);
	if (!ok(ret == 0, "28-bit node: 256 KiB coherent (%s)", errname(ret)))
		bail("no coherent buffer on the 28-bit node");
	pc = udt_mmap(fd, ac.mmap_offset, ac.length, PROT_READ | PROT_WRITE,
		      MAP_SHARED, &err);
	if (pc)
		pc2 = udt_mmap(fd, ac.mmap_offset, ac.length, PROT_READ,
			       MAP_SHARED, &err);
	ok(pc && pc2, "  mapped twice through the node (%s)", errname(err));
	ret = udt_export(fd, ac.handle, 0, &dc);
	ok(ret == -EOPNOTSUPP, "  EXPORT of the coherent buffer -> EOPNOTSUPP (%s)",
	   errname(ret));
	if (dc >= 0)
		close(dc);

	ret = udt_alloc(fd, 256 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &ak);
	if (ret == 0) {
		pk = udt_mmap(fd, ak.mmap_offset, ak.length,
			      PROT_READ | PROT_WRITE, MAP_SHARED, &err);
		udt_export(fd, ak.handle, 0, &dk);
	}
	/* without an IOMMU cached pages may lie beyond 28 bits (EIO) */
	ok(ret == 0 ? pk && dk >= 0 : ret == -EIO && !cfg_iommu(),
	   "28-bit node: 256 KiB cached %s (%s)",
	   ret ? "out of reach" : "mapped and exported", errname(ret));
	if (pc)
		pattern_fill(pc, ac.length, 1, 0);
	if (pk)
		pattern_fill(pk, ak.length, 2, 0);
	if (pc2)
		ok(pattern_mismatch(pc2, ac.length, 1, 0) < 0,
		   "before the unbind the coherent buffer's second mapping shows what the first wrote");

	/* a registration of this process exported, to see its pins come back */
	user = map_anon(64 * KiB);
	ret = udt_register(fd64, user, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL, &hu,
			   NULL) | udt_export(fd64, hu, 0, &du);
	ok(ret == 0, "64-bit node: a 64 KiB registration exported (%s)",
	   errname(ret));
	udt_unregister(fd64, hu);

	/* a cached buffer of the 64-bit node imported into the 28-bit node */
	ret = udt_alloc(fd64, 64 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a64);
	if (!ret)
		ret = udt_export(fd64, a64.handle, 0, &d64);
	ok(ret == 0, "64-bit node: a 64 KiB cached buffer exported (%s)",
	   errname(ret));
	if (ret == 0) {
		ret = udt_import(fd, d64, USERDMA_DIR_BIDIRECTIONAL, &im);
		ok(ret == 0 || (!cfg_iommu() && ret == -EIO),
		   "  imported into the 28-bit node (%s)", errname(ret));
	}

	ret = pci_unbind(bdf);
	ok(ret == 0, "unbind %s with all of that live (%s)", bdf, errname(ret));
	ret = udt_alloc(fd, PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, NULL);
	ok(ret == -ENODEV, "ALLOC on the old file -> ENODEV (%s)", errname(ret));
	ret = udt_export(fd, ac.handle, 0, NULL);
	ok(ret == -ENODEV, "EXPORT on the old file -> ENODEV (%s)", errname(ret));
	pd = udt_mmap(fd, ac.mmap_offset, PAGE, PROT_READ, MAP_SHARED, &err);
	ok(!pd && err == -ENODEV, "mmap through the old file -> ENODEV (%s)",
	   errname(err));
	if (pd)
		munmap(pd, PAGE);
	if (pc) {
		sig = pattern_guarded(pc, ac.length, 1, 0, &bad);
		ok(sig == SIGBUS, "after the unbind the coherent mapping gets SIGBUS (%s%s)",
		   guarded_signame(sig), sig ? "" : bad < 0 ? ", old bytes" : ", other bytes");
		sig = poke_guarded(pc + PAGE, 0x5a);
		ok(sig == SIGBUS, "  a write to it too (%s)", guarded_signame(sig));
	}
	if (pc2) {
		sig = pattern_guarded(pc2, ac.length, 1, 0, &bad);
		ok(sig == SIGBUS, "  and the second mapping (%s)", guarded_signame(sig));
	}
	if (pk) {
		sig = pattern_guarded(pk, ak.length, 2, 0, &bad);
		ok(!sig && bad < 0, "the cached mapping still holds its bytes (%s, mismatch at %zd)",
		   guarded_signame(sig), bad);
		pd = udt_mmap(dk, 0, ak.length, PROT_READ, MAP_SHARED, &err);
		sig = pd ? pattern_guarded(pd, ak.length, 2, 0, &bad) : 0;
		ok(pd && !sig && bad < 0,
		   "its dma-buf, exported before, still maps the same bytes (%s, %s, mismatch at %zd)",
		   errname(err), guarded_signame(sig), bad);
		if (pd)
			munmap(pd, ak.length);
	}
	{
		struct node_stats st;

		node_stats(node64, &st);
		ok(st.exported == base64.st.exported + 2,
		   "the 64-bit node's two dma-bufs are still open (%lld)",
		   st.exported - base64.st.exported);
	}

	if (pc)
		munmap(pc, ac.length);
	if (pc2)
		munmap(pc2, ac.length);
	if (pk)
		munmap(pk, ak.length);
	if (dk >= 0)
		close(dk);
	close(fd);
	if (d64 >= 0)
		close(d64);
	udt_unregister(fd64, a64.handle);
	ok(vmpin_kb() == vmpin0 + 64, "the exported registration still pins 64 kB (%+lld kB)",
	   vmpin_kb() - vmpin0);
	if (du >= 0)
		close(du);
	ok(vmpin_kb() == vmpin0, "its dma-buf closed: VmPin back (%+lld kB)",
	   vmpin_kb() - vmpin0);
	munmap(user, 64 * KiB);
	close(fd64);
	ok_unchanged(node64, &base64, "64-bit node: counters back");
	diag("MemFree %+lld kB since the start", memfree_kb() - free0);
	rebind(bdf, node);
}

/* Wait until the eventfd has counted n completions; returns the count. */
static uint64_t wait_posted(int efd, uint64_t n, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	double end = now_s() + ms / 1000.0;
	uint64_t total = 0, v;

	while (total < n && now_s() < end) {
		if (poll(&p, 1, 50) == 1 && read(efd, &v, sizeof(v)) == sizeof(v))
			total += v;
	}
	return total;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* Part 2: WAIT, read() and poll() after the unbind. */
static void completions_after_unbind(const char *bdf, const char *node)
{
	struct userdma_completion c, rc[8];
	struct userdma_alloc as, ad;
	struct userdma_xfer xs[NXF];
	struct sigaction sa;
	long long vmpin0 = vmpin_kb();
	uint8_t *ps, *pd;
	int fd, efd, ret, err, i, good, flags;
	uint64_t posted, seen = 0;
	uint32_t n;
	ssize_t got;
	short ev;

	fd = node_open_or_bail(node);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = udt_channel(fd, "sw", efd, NULL, NULL);
	if (!ok(ret == 0, "28-bit node: CHANNEL sw with an eventfd (%s)",
		errname(ret)))
		bail("no sw channel");
	if (udt_alloc(fd, NXF * XLEN, USERDMA_ALLOC_COHERENT,
		      USERDMA_DIR_BIDIRECTIONAL, &as) ||
	    udt_alloc(fd, NXF * XLEN, USERDMA_ALLOC_COHERENT,
		      USERDMA_DIR_BIDIRECTIONAL, &ad))
		bail("coherent buffers on the 28-bit node");
	ps = udt_mmap(fd, as.mmap_offset, as.length, PROT_READ | PROT_WRITE,
		      MAP_SHARED, &err);
	pd = udt_mmap(fd, ad.mmap_offset, ad.length, PROT_READ | PROT_WRITE,
		      MAP_SHARED, &err);
	if (!ps || !pd)
		bail("mmap of the coherent buffers: %s", errname(err));
	pattern_fill(ps, as.length, 40, 0);
	memset(pd, 0, ad.length);
	for (i = 0; i < NXF; i++)
		xfer_fill(&xs[i], as.handle, i * XLEN, ad.handle, i * XLEN, XLEN,
			  i + 1);
	ret = udt_submit(fd, xs, NXF, &n);
	ok(ret == 0 && n == NXF, "%d transfers of 8 KiB submitted (%s)", NXF,
	   errname(ret));
	posted = wait_posted(efd, NXF, 5000);
	ok(posted == NXF, "  all %d posted (eventfd counted %llu), none read",
	   NXF, (unsigned long long)posted);
	ok(pattern_mismatch(pd, ad.length, 40, 0) < 0,
	   "  the destination holds the copies");
	munmap(ps, as.length);
	munmap(pd, ad.length);

	ret = pci_unbind(bdf);
	ok(ret == 0, "unbind %s with %d completions unread (%s)", bdf, NXF,
	   errname(ret));
	ev = poll_events(fd);
	ok(ev >= 0 && (ev & POLLIN), "poll() after the unbind: POLLIN, completions left (0x%x)",
	   ev);

	ret = udt_wait(fd, xs[2].cookie, 0, &c);
	ok(ret == 0 && c.cookie == xs[2].cookie && c.user_data == 3 &&
	   c.status == USERDMA_XFER_DONE && c.bytes == XLEN,
	   "WAIT for the third by cookie: DONE, %llu bytes (%s, %s)",
	   ret ? 0ull : (unsigned long long)c.bytes, errname(ret),
	   ret ? "-" : xfer_status_name(c.status));
	seen |= ret ? 0 : 1ull << c.user_data;
	ret = udt_wait(fd, 0, 0, &c);
	ok(ret == 0 && c.user_data == 1 && c.status == USERDMA_XFER_DONE &&
	   c.bytes == XLEN, "WAIT for any: the first, DONE (%s, %s, user_data %llu)",
	   errname(ret), ret ? "-" : xfer_status_name(c.status),
	   ret ? 0ull : (unsigned long long)c.user_data);
	seen |= ret ? 0 : 1ull << c.user_data;
	got = read(fd, rc, sizeof(rc));
	err = got < 0 ? -errno : 0;
	good = 0;
	for (i = 0; got > 0 && i < got / (ssize_t)sizeof(rc[0]); i++) {
		good += rc[i].status == USERDMA_XFER_DONE && rc[i].bytes == XLEN &&
			rc[i].user_data >= 1 && rc[i].user_data <= NXF &&
			!(seen & (1ull << rc[i].user_data));
		seen |= 1ull << (rc[i].user_data & 63);
	}
	ok(got == 4 * (ssize_t)sizeof(rc[0]) && good == 4,
	   "read(): the other 4, all DONE (%zd bytes, %d good, %s)", got, good,
	   errname(err));

	ret = udt_wait(fd, 0, 0, &c);
	ok(ret == -ENODEV, "then WAIT for any -> ENODEV (%s)", errname(ret));
	ret = udt_wait(fd, 0, 2000000000ll, &c);
	ok(ret == -ENODEV, "  also with a 2 s timeout, at once (%s)", errname(ret));
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	got = read(fd, rc, sizeof(rc));
	err = got < 0 ? -errno : 0;
	ok(got < 0 && err == -ENODEV, "  read() (O_NONBLOCK) -> ENODEV (%zd, %s)",
	   got, errname(err));
	fcntl(fd, F_SETFL, flags);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: a blocked read gets EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(3);
	got = read(fd, rc, sizeof(rc));
	err = got < 0 ? -errno : 0;
	alarm(0);
	ok(got < 0 && err == -ENODEV, "  read() (blocking) -> ENODEV (%zd, %s)",
	   got, errname(err));
	ev = poll_events(fd);
	ok(ev >= 0 && (ev & POLLHUP) && !(ev & POLLIN),
	   "  poll() with nothing left: POLLHUP, no POLLIN (0x%x)", ev);

	close(fd);
	close(efd);
	ok(vmpin_kb() == vmpin0, "VmPin back after close (%+lld kB)",
	   vmpin_kb() - vmpin0);
	rebind(bdf, node);
}

/*
 * Part 3 and 4: regions only dma-bufs and mappings keep, on the 64-bit
 * node, then its DMA mask after binding it again.
 */
static void escape(const char *bdf, const char *node)
{
	struct userdma_alloc ak, ac;
	long long vmpin0 = vmpin_kb();
	uint8_t *user, *mk = NULL, *mu = NULL, *mc = NULL;
	int fd, dk = -1, du = -1, ret, err, sig;
	uint32_t hu;
	uint64_t mask;
	ssize_t bad;

	fd = node_open_or_bail(node);
	user = map_anon(64 * KiB);
	ret = udt_alloc(fd, 64 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &ak);
	if (!ret)
		ret = udt_alloc(fd, 64 * KiB, USERDMA_ALLOC_COHERENT,
				USERDMA_DIR_BIDIRECTIONAL, &ac);
	if (!ret)
		ret = udt_register(fd, user, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL,
				   &hu, NULL);
	if (!ok(ret == 0, "escape: 64-bit node: 64 KiB cached, 64 KiB coherent, 64 KiB registered (%s)",
		errname(ret)))
		bail("cannot set up the escape case");
	ret = udt_export(fd, ak.handle, 0, &dk);
	if (!ret)
		ret = udt_export(fd, hu, 0, &du);
	ok(ret == 0, "  the cached buffer and the registration exported (%s)",
	   errname(ret));
	if (dk >= 0)
		mk = udt_mmap(dk, 0, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED,
			      &err);
	if (du >= 0)
		mu = udt_mmap(du, 0, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED,
			      &err);
	mc = udt_mmap(fd, ac.mmap_offset, 64 * KiB, PROT_READ | PROT_WRITE,
		      MAP_SHARED, &err);
	ok(mk && mu && mc, "  both dma-bufs mapped, the coherent buffer mapped through the node (%s)",
	   errname(err));
	if (mk)
		pattern_fill(mk, 64 * KiB, 21, 0);
	if (mu)
		pattern_fill(mu, 64 * KiB, 22, 0);
	if (mc)
		pattern_fill(mc, 64 * KiB, 23, 0);
	ok(pattern_mismatch(user, 64 * KiB, 22, 0) < 0,
	   "  what the registration's dma-buf mapping wrote is in the registered memory");
	close(fd);
	diag("escape: node file closed, VmPin %+lld kB held by dma-bufs and mappings",
	     vmpin_kb() - vmpin0);

	ret = pci_unbind(bdf);
	ok(ret == 0, "escape: unbind %s (%s)", bdf, errname(ret));
	if (mk) {
		sig = pattern_guarded(mk, 64 * KiB, 21, 0, &bad);
		ok(!sig && bad < 0, "  the cached buffer's dma-buf mapping holds its bytes (%s, mismatch at %zd)",
		   guarded_signame(sig), bad);
	}
	if (mu) {
		sig = pattern_guarded(mu, 64 * KiB, 22, 0, &bad);
		ok(!sig && bad < 0 && pattern_mismatch(user, 64 * KiB, 22, 0) < 0,
		   "  the registration's dma-buf mapping and the memory hold their bytes (%s, mismatch at %zd)",
		   guarded_signame(sig), bad);
	}
	if (mc) {
		sig = pattern_guarded(mc, 64 * KiB, 23, 0, &bad);
		ok(sig == SIGBUS, "  the coherent mapping gets SIGBUS (%s%s)",
		   guarded_signame(sig), sig ? "" : bad < 0 ? ", old bytes" : ", other bytes");
	}
	if (mk)
		munmap(mk, 64 * KiB);
	if (mu)
		munmap(mu, 64 * KiB);
	if (mc)
		munmap(mc, 64 * KiB);
	if (dk >= 0)
		close(dk);
	if (du >= 0)
		close(du);
	ok(vmpin_kb() == vmpin0, "  dma-bufs closed, mappings gone: VmPin back (%+lld kB)",
	   vmpin_kb() - vmpin0);
	ok(pattern_mismatch(user, 64 * KiB, 22, 0) < 0,
	   "  the registered memory still holds what the CPU wrote (no bounce image copied back)");
	munmap(user, 64 * KiB);
	rebind(bdf, node);

	mask = node_mask_for(bdf);
	ok(mask == ~0ull, "%s bound again: INFO dma_mask is all 64 bits (0x%llx)",
	   bdf, (unsigned long long)mask);
	mask = node_mask_for(edu28_bdf());
	ok(mask == (1ull << 28) - 1, "%s, bound again twice: still 28-bit (0x%llx)",
	   edu28_bdf(), (unsigned long long)mask);
}

int main(void)
{
	const char *bdf = edu28_bdf();
	char node[64], node64[64];

	tap_init("unbind_buffers");
	diag_config();
	if (node_for_bdf(bdf, node, sizeof(node)))
		bail("no node for %s", bdf);
	if (node_for_bdf(edu64_bdf(), node64, sizeof(node64)))
		bail("no node for %s", edu64_bdf());
	if (node_mask_for(bdf) != (1ull << 28) - 1 ||
	    node_mask_for(edu64_bdf()) != ~0ull)
		bail("the edu devices do not start with 28 and 64 bits");

	buffers_across_unbind(bdf, node, node64);
	completions_after_unbind(bdf, node);
	/* last: the old module binds 00:03.0 again with a 28-bit mask */
	escape(edu64_bdf(), node64);
	return done_testing();
}
