// SPDX-License-Identifier: MIT
/*
 * Binding through driver_override, and devices going away under open
 * files.
 *
 *  1. The spare, driverless PCI device (USERDMA_SPARE_PCI, a pci-testdev):
 *     driver_override = "userdma" and bind -> a new node whose INFO says
 *     driver_name "driver_override", a 32-bit mask and the device's name;
 *     REGISTER/UNREGISTER and "sw" transfers work on it.  Then unbind it
 *     while a file holds regions, a channel and transfers in flight: later
 *     ioctls on that file fail with ENODEV, a WAIT blocked on the last
 *     transfer returns, the transfers complete DONE or CANCELLED, the sysfs node is gone and VmPin is back at baseline
 *     before the file is even closed.  driver_override is cleared at the
 *     end.
 *  2. The 28-bit edu device: unbind with a file holding regions (VmPin
 *     back at baseline, ENODEV), close it, bind again -> the node comes
 *     back under its old name (later programs rely on userdma1), still
 *     28-bit, and registration works on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pci.h"
#include "util.h"
#include "xfer.h"

static const char *spare;
static int spare_bound;

/* A WAIT in progress when the device goes away. */
static int wait_fd, wait_ret = 1;
static uint64_t wait_cookie;
static struct userdma_completion wait_c;

static void *wait_thread(void *arg)
{
	(void)arg;
	wait_ret = udt_wait(wait_fd, wait_cookie, -1, &wait_c);
	return NULL;
}

static void cleanup(void)
{
	if (spare_bound)
		pci_unbind(spare);
	if (spare)
		pci_set_override(spare, "\n");
}

/* Every later ioctl on a file whose device went away: ENODEV. */
static void expect_enodev(int fd, uint32_t h, const char *what)
{
	struct userdma_info info;
	struct userdma_xfer x;
	uint8_t b[64];
	uint32_t n, h2;
	int r[6];

	r[0] = udt_info(fd, &info);
	r[1] = udt_register(fd, b, sizeof(b), USERDMA_DIR_TO_DEVICE, &h2, NULL);
	r[2] = udt_unregister(fd, h);
	r[3] = udt_sync(fd, h, 0, 1, USERDMA_SYNC_FOR_CPU);
	xfer_fill(&x, h, 0, h, 0, 1, 0);
	r[4] = udt_submit(fd, &x, 1, &n);
	r[5] = udt_channel(fd, "sw", -1, NULL, NULL);
	ok(r[0] == -ENODEV && r[1] == -ENODEV && r[2] == -ENODEV &&
	   r[3] == -ENODEV && r[4] == -ENODEV && r[5] == -ENODEV,
	   "%s: INFO %s, REGISTER %s, UNREGISTER %s, SYNC %s, SUBMIT %s, CHANNEL %s (all ENODEV)",
	   what, errname(r[0]), errname(r[1]), errname(r[2]), errname(r[3]),
	   errname(r[4]), errname(r[5]));
}

static void spare_device(void)
{
	char node[64], drv[64], path[256], bound[32], engine[32];
	struct userdma_completion c;
	struct userdma_info info;
	struct userdma_xfer xs[8];
	uint8_t *a, *b;
	uint32_t ha, hb, n;
	long long vmpin0 = vmpin_kb();
	struct timespec ts;
	pthread_t waiter;
	struct snap s;
	int fd, ret, i, cancelled = 0, done = 0, other = 0;

	if (pci_driver_name(spare, drv, sizeof(drv)) == 0) {
		skip("already driven", "spare device %s has driver %s", spare, drv);
		return;
	}
	ret = pci_set_override(spare, "userdma");
	ok(ret == 0, "driver_override of %s = userdma (%s)", spare, errname(ret));
	ret = pci_bind(spare);
	spare_bound = ret == 0;
	ok(ret == 0, "bind %s to userdma (%s)", spare, errname(ret));
	ret = node_for_bdf(spare, node, sizeof(node));
	if (!ok(ret == 0, "a node appeared for %s: %s", spare, ret ? "-" : node))
		return;
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	ok(!strcmp(info.driver_name, "driver_override") &&
	   info.dma_mask == 0xffffffffull && !strcmp(info.device, spare) &&
	   !strcmp(info.bus, "pci"),
	   "INFO: driver_name \"%s\", dma_mask 0x%llx, device %s, bus %s",
	   info.driver_name, (unsigned long long)info.dma_mask, info.device,
	   info.bus);

	a = map_anon(16 * MiB);
	b = map_anon(16 * MiB);
	pattern_fill(a, 16 * MiB, 9, 0);
	snap_take(node, &s);
	ret = udt_register(fd, a, MiB, USERDMA_DIR_TO_DEVICE, &ha, NULL);
	ok(ret == 0, "REGISTER 1 MiB on it (%s)", errname(ret));
	ok_delta(node, &s, 1, 256, MiB, 1024, "  counters and VmPin up by 256 pages");
	ret = udt_unregister(fd, ha);
	ok(ret == 0, "UNREGISTER (%s)", errname(ret));
	ok_unchanged(node, &s, "  counters and VmPin back");

	ret = udt_channel(fd, "edu", -1, NULL, NULL);
	ok(ret == -EBUSY, "CHANNEL \"edu\" on a pci-testdev -> EBUSY (%s)",
	   errname(ret));
	ret = udt_channel(fd, "sw", -1, bound, engine);
	ok(ret == 0 && !strcmp(engine, "sw"), "CHANNEL \"sw\" (%s, %s)",
	   errname(ret), ret ? "-" : bound);
	if (udt_register(fd, a, 16 * MiB, USERDMA_DIR_TO_DEVICE, &ha, NULL) ||
	    udt_register(fd, b, 16 * MiB, USERDMA_DIR_FROM_DEVICE, &hb, NULL))
		bail("register 16 MiB twice");
	ret = udt_copy(fd, ha, 3, hb, 5, 16 * MiB - 8, &c);
	ok(ret == 0 && c.status == 0 && c.bytes == 16 * MiB - 8 &&
	   pattern_mismatch(b + 5, 16 * MiB - 8, 9, 3) < 0,
	   "16 MiB sw copy on the override device: DONE, bytes right (%s)",
	   errname(ret));
	xfer_fill(&xs[0], ha, 0, 0, 1ull << 32, 16, 0);
	ret = udt_submit(fd, xs, 1, &n);
	ok(ret == -ERANGE, "raw destination at 4 GiB (beyond 32 bits) -> ERANGE (%s)",
	   errname(ret));

	/* unbind with regions, a channel and 8 x 16 MiB in flight */
	for (i = 0; i < 8; i++)
		xfer_fill(&xs[i], ha, 0, hb, 0, 16 * MiB, i);
	ret = udt_submit(fd, xs, 8, &n);
	ok(ret == 0 && n == 8, "8 x 16 MiB in flight (%s)", errname(ret));
	wait_fd = fd;
	wait_cookie = xs[7].cookie;
	pthread_create(&waiter, NULL, wait_thread, NULL);
	ret = pci_unbind(spare);
	spare_bound = ret != 0;
	ok(ret == 0, "unbind %s with the file open (%s)", spare, errname(ret));
	ok(vmpin_kb() == vmpin0, "VmPin back at baseline before close (%lld kB, was %lld)",
	   vmpin_kb(), vmpin0);
	snprintf(path, sizeof(path), "/sys/class/userdma/%s", node);
	ok(access(path, F_OK) != 0 && node_for_bdf(spare, drv, sizeof(drv)) == -ENOENT,
	   "sysfs node %s gone", node);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	ret = pthread_timedjoin_np(waiter, NULL, &ts);
	ok(ret == 0 && wait_ret == 0 &&
	   (wait_c.status == USERDMA_XFER_CANCELLED ||
	    wait_c.status == USERDMA_XFER_DONE),
	   "a WAIT in progress on the last one returned: %s, %s",
	   ret ? "still blocked after 10 s" : errname(wait_ret),
	   wait_ret ? "-" : xfer_status_name(wait_c.status));
	if (ret)
		bail("WAIT thread hangs after unbind");
	cancelled += wait_c.status == USERDMA_XFER_CANCELLED;
	done += wait_c.status == USERDMA_XFER_DONE;
	expect_enodev(fd, ha, "after unbind");
	for (i = 1; i < 9; i++) {
		ret = udt_wait(fd, 0, 0, &c);
		if (ret)
			break;
		done += c.status == USERDMA_XFER_DONE;
		cancelled += c.status == USERDMA_XFER_CANCELLED;
		other += c.status != USERDMA_XFER_DONE &&
			 c.status != USERDMA_XFER_CANCELLED;
	}
	ok(i == 8 && ret == -ENODEV && !other && cancelled >= 1,
	   "the 8 transfers completed: %d DONE, %d CANCELLED, %d other; then %s",
	   done, cancelled, other, errname(ret));
	close(fd);
	ok(vmpin_kb() == vmpin0, "VmPin at baseline after close");
	ret = pci_set_override(spare, "\n");
	ok(ret == 0, "driver_override cleared (%s)", errname(ret));
	ok(pci_driver_name(spare, NULL, 0) != 0, "%s has no driver again", spare);
	munmap(a, 16 * MiB);
	munmap(b, 16 * MiB);
}

/*
 * Regions the 28-bit device can map: anything behind an IOMMU; without
 * one only pages below 256 MiB (one-page regions, found with pagemap);
 * with forced bounce buffers nothing (the pool lies above 256 MiB).
 * Returns how many pages are registered.
 */
static int register28(int fd, uint8_t *buf, size_t len, uint32_t *h, int max)
{
	size_t i, npages = len / PAGE;
	uint64_t *phys;
	int n = 0;

	if (cfg_iommu())
		return udt_register(fd, buf, len, USERDMA_DIR_FROM_DEVICE, &h[0],
				    NULL) ? 0 : (int)npages;
	if (udt_config() == CFG_SWIOTLB)
		return 0;
	phys = calloc(npages, sizeof(*phys));
	if (!phys || pagemap_phys(buf, npages, phys))
		bail("pagemap");
	for (i = 0; i < npages && n < max; i++)
		if (phys[i] && phys[i] < (1ull << 28) &&
		    !udt_register(fd, buf + i * PAGE, PAGE,
				  USERDMA_DIR_BIDIRECTIONAL, &h[n], NULL))
			n++;
	free(phys);
	return n;
}

static void edu28_rebind(void)
{
	const char *bdf = edu28_bdf();
	char node[64], node2[64], drv[64];
	struct userdma_info info;
	long long vmpin0 = vmpin_kb();
	size_t len = cfg_iommu() ? 4 * MiB : 64 * MiB;
	uint8_t *a = map_anon(len);
	uint32_t hs[16], h;
	int fd, fd2, ret, i, pages;

	if (node_for_bdf(bdf, node, sizeof(node)))
		bail("no node for %s", bdf);
	fd = node_open_or_bail(node);
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	ok(ret == 0, "CHANNEL sw on %s (%s)", node, errname(ret));
	pages = register28(fd, a, len, hs, 16);
	if (pages)
		ok(vmpin_kb() == vmpin0 + pages * 4,
		   "%d pages the 28-bit device can reach registered on %s (VmPin +%lld kB)",
		   pages, node, vmpin_kb() - vmpin0);
	else
		skip("no memory the 28-bit device can map in this configuration",
		     "regions held on %s across unbind", node);
	ret = pci_unbind(bdf);
	ok(ret == 0, "unbind %s with the file open (%s)", bdf, errname(ret));
	ok(vmpin_kb() == vmpin0, "VmPin back at baseline right after unbind (%+lld kB)",
	   vmpin_kb() - vmpin0);
	expect_enodev(fd, pages ? hs[0] : 1, "28-bit edu after unbind");
	/*
	 * The open file keeps the old node's minor: close it first so the
	 * device comes back under its old name, as later programs expect.
	 */
	close(fd);
	ret = pci_bind(bdf);
	ok(ret == 0, "bind %s again (%s)", bdf, errname(ret));
	for (i = 0; i < 100 && node_for_bdf(bdf, node2, sizeof(node2)); i++)
		sleep_ms(10);
	if (!ok(i < 100 && !strcmp(node, node2),
		"a node is back for %s under its old name (%s, was %s)", bdf,
		i < 100 ? node2 : "-", node))
		return;
	ok(pci_driver_name(bdf, drv, sizeof(drv)) == 0 && !strcmp(drv, "userdma"),
	   "%s is driven by userdma", bdf);
	fd2 = node_open_or_bail(node2);
	node_info_or_bail(fd2, &info);
	ok(info.dma_mask == 0xfffffffull && !strcmp(info.driver_name, "edu"),
	   "the new node is edu with a 28-bit mask (0x%llx, %s)",
	   (unsigned long long)info.dma_mask, info.driver_name);
	ret = register28(fd2, a, len, hs, 1);
	if (pages) {
		ok(ret > 0, "REGISTER on the new node (%d pages)", ret);
		h = hs[0];
		ret = udt_unregister(fd2, h);
		ok(ret == 0, "UNREGISTER on the new node (%s)", errname(ret));
	}
	ret = udt_channel(fd2, "sw", -1, NULL, NULL);
	ok(ret == 0, "CHANNEL sw on the new node (%s)", errname(ret));
	close(fd2);
	ok(vmpin_kb() == vmpin0, "VmPin at baseline at the end");
	munmap(a, len);

	/*
	 * With every file closed the old node, and its number, are gone: one
	 * more rebind gives the device its first name back, as the tests
	 * after this one expect.
	 */
	ret = pci_unbind(bdf);
	ok(ret == 0, "unbind %s once more (%s)", bdf, errname(ret));
	ret = pci_bind(bdf);
	ok(ret == 0, "bind %s once more (%s)", bdf, errname(ret));
	for (i = 0; i < 100 && node_for_bdf(bdf, node2, sizeof(node2)); i++)
		sleep_ms(10);
	ok(i < 100 && !strcmp(node2, node),
	   "with no file open, %s is %s again (%s)", bdf, node,
	   i < 100 ? node2 : "-");
}

int main(void)
{
	tap_init("driver_override");
	diag_config();
	spare = getenv("USERDMA_SPARE_PCI");
	if (!spare || !*spare)
		skip_all("USERDMA_SPARE_PCI not set");
	atexit(cleanup);

	spare_device();
	edu28_rebind();
	return done_testing();
}
