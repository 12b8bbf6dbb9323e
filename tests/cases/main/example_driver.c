// SPDX-License-Identifier: MIT
/*
 * The example driver (examples/kernel/edu_zc.c) on the third edu device
 * (USERDMA_EDU_EXAMPLE, 0000:00:06.0, 64-bit engine): it is loaded on top
 * of userdma (whose exported API it uses), the device is moved from
 * userdma to it through driver_override, and its read()/write() must move
 * exactly the caller's bytes to and from the device memory by DMA:
 * page-aligned, unaligned and page-crossing buffers, partial overwrites at
 * an offset, EOF and ENOSPC at the end, EFAULT for memory it cannot pin
 * (and no pin left behind), ENODEV after unbind with the file open.  At
 * the end the device goes back to userdma under its old node name, and
 * the example module is unloaded so userdma can be.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

#define SIZE		4095	/* what the example offers (see edu_zc.c) */
#define UDMA_DRV	"/sys/bus/pci/drivers/userdma"
#define ZC_DRV		"/sys/bus/pci/drivers/edu_zc"

static const char *bdf;
static char node[64];
static int loaded, on_example;

static int set_override(const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	return sysfs_write(path, val);
}

static int driver_is(const char *want)
{
	char path[256], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	base = strrchr(link, '/');
	return !strcmp(base ? base + 1 : link, want);
}

/*
 * Back to userdma under the old name, and edu_zc gone: later tests rely on
 * it.  Reports its results unless called at exit (after the plan).
 */
static void restore(int report)
{
	char now[64] = "";
	int i, ret;

	if (on_example)
		sysfs_write(ZC_DRV "/unbind", bdf);
	on_example = 0;
	set_override("\n");
	if (loaded) {
		ret = system("rmmod edu_zc");
		if (report)
			ok(ret == 0, "rmmod edu_zc (status %d)", ret);
		loaded = 0;
	}
	if (!driver_is("userdma"))
		sysfs_write(UDMA_DRV "/bind", bdf);
	for (i = 0; i < 100 && node_for_bdf(bdf, now, sizeof(now)); i++)
		sleep_ms(10);
	if (report)
		ok(driver_is("userdma") && !strcmp(now, node),
	   "%s is back on userdma as %s (%s)", bdf, node, now[0] ? now : "-");
}

static void cleanup(void)
{
	if (loaded || on_example)
		restore(0);
}

static int finish(void)
{
	restore(1);
	return done_testing();
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 8));
}

static int open_dev(void)
{
	char path[128];
	int fd = -1, i;

	snprintf(path, sizeof(path), "/dev/edu-zc-%s", bdf);
	for (i = 0; i < 100 && fd < 0; i++) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			sleep_ms(10);
	}
	if (fd < 0)
		bail("open %s: %s", path, strerror(errno));
	return fd;
}

static void data_tests(int fd)
{
	uint8_t *buf = map_anon(4 * PAGE), *want = malloc(SIZE);
	uint8_t *in = map_anon(4 * PAGE), *ro, *gone;
	long long vmpin0 = vmpin_kb();
	ssize_t n;

	if (!want)
		bail("out of memory");
	/* the whole device memory from a page-aligned buffer */
	fill(buf, SIZE, 1);
	memcpy(want, buf, SIZE);
	n = pwrite(fd, buf, SIZE, 0);
	ok(n == SIZE, "pwrite %d bytes at 0 (%zd, %s)", SIZE, n,
	   n < 0 ? strerror(errno) : "-");
	memset(in, 0x55, 2 * PAGE);
	n = pread(fd, in, SIZE, 0);
	ok(n == SIZE, "pread %d bytes at 0 (%zd)", SIZE, n);
	ok_mem(in, want, SIZE, "read back what was written, byte for byte");
	ok(byte_mismatch(in + SIZE, 2 * PAGE - SIZE, 0x55) < 0,
	   "nothing written past the %d bytes read", SIZE);

	/* 1000 bytes from a buffer crossing a page boundary, at offset 123 */
	fill(buf + PAGE - 300, 1000, 2);
	memcpy(want + 123, buf + PAGE - 300, 1000);
	n = pwrite(fd, buf + PAGE - 300, 1000, 123);
	ok(n == 1000, "pwrite 1000 page-crossing bytes at 123 (%zd)", n);
	/* read into an odd address crossing a page boundary too */
	memset(in, 0x55, 4 * PAGE);
	n = pread(fd, in + 2 * PAGE - 777, SIZE, 0);
	ok(n == SIZE, "pread %d bytes into an unaligned page-crossing buffer (%zd)",
	   SIZE, n);
	ok_mem(in + 2 * PAGE - 777, want, SIZE,
	       "the overwrite landed at 123..1122 and nothing else changed");
	ok(byte_mismatch(in, 2 * PAGE - 777, 0x55) < 0 &&
	   byte_mismatch(in + 2 * PAGE - 777 + SIZE, 2 * PAGE + 777 - SIZE, 0x55) < 0,
	   "bytes around the read buffer untouched");

	/* single bytes at both ends */
	memset(in, 0, 2);
	ok(pread(fd, in, 1, 0) == 1 && pread(fd, in + 1, 1, SIZE - 1) == 1 &&
	   in[0] == want[0] && in[1] == want[SIZE - 1],
	   "one-byte reads at offsets 0 and %d", SIZE - 1);

	/* the end of the device memory */
	ok(pread(fd, in, 16, SIZE) == 0, "pread at %d is EOF", SIZE);
	n = pwrite(fd, buf, 16, SIZE);
	ok(n < 0 && errno == ENOSPC, "pwrite at %d -> ENOSPC (%zd, %s)", SIZE,
	   n, n < 0 ? strerror(errno) : "-");
	n = pwrite(fd, buf, 3 * PAGE, SIZE - 95);
	ok(n == 95, "pwrite of 3 pages at %d is cut to 95 bytes (%zd)",
	   SIZE - 95, n);
	ok(lseek(fd, 0, SEEK_END) == SIZE, "SEEK_END is %d", SIZE);

	/* memory the driver cannot DMA into: nothing pinned, nothing changed */
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	n = pread(fd, ro, 64, 0);
	ok(n < 0 && errno == EFAULT, "pread into read-only memory -> EFAULT (%zd, %s)",
	   n, n < 0 ? strerror(errno) : "-");
	gone = map_anon(PAGE);
	munmap(gone, PAGE);
	n = pwrite(fd, gone, 64, 0);
	ok(n < 0 && errno == EFAULT, "pwrite from unmapped memory -> EFAULT (%zd)",
	   n);
	ok(vmpin_kb() == vmpin0, "VmPin back at its baseline (%lld kB, was %lld)",
	   vmpin_kb(), vmpin0);
	munmap(ro, PAGE);
	munmap(buf, 4 * PAGE);
	munmap(in, 4 * PAGE);
	free(want);
}

int main(void)
{
	const char *ko;
	char cmd[256];
	int fd, ret, err;
	uint8_t b = 0;
	ssize_t n;

	tap_init("example_driver");
	diag_config();
	bdf = getenv("USERDMA_EDU_EXAMPLE");
	ko = env_or("USERDMA_EXAMPLE_KO", "/edu_zc.ko");
	if (!bdf || !*bdf)
		skip_all("USERDMA_EDU_EXAMPLE not set");
	if (access(ko, R_OK))
		skip_all("no %s in this guest", ko);
	if (node_for_bdf(bdf, node, sizeof(node)))
		bail("%s is not bound to userdma", bdf);
	atexit(cleanup);

	snprintf(cmd, sizeof(cmd), "insmod %s dma_bits=64", ko);
	ret = system(cmd);
	loaded = ret == 0;
	if (!ok(loaded, "%s (status %d)", cmd, ret))
		return finish();
	ok(access("/sys/module/userdma/holders/edu_zc", F_OK) == 0,
	   "edu_zc holds userdma (it links userdma's exported API)");

	ret = sysfs_write(UDMA_DRV "/unbind", bdf);
	ok(ret == 0, "unbind %s from userdma (%s)", bdf, errname(ret));
	ret = set_override("edu_zc");
	ok(ret == 0, "driver_override = edu_zc (%s)", errname(ret));
	ret = sysfs_write(ZC_DRV "/bind", bdf);
	on_example = ret == 0;
	if (!ok(on_example && driver_is("edu_zc"), "bind %s to edu_zc (%s)",
		bdf, errname(ret)))
		return finish();

	fd = open_dev();
	data_tests(fd);

	/* the device leaves while the file is open */
	ret = sysfs_write(ZC_DRV "/unbind", bdf);
	on_example = ret != 0;
	ok(ret == 0, "unbind edu_zc with the file open (%s)", errname(ret));
	errno = 0;
	n = pread(fd, &b, 1, 0);
	err = errno;
	ok(n < 0 && err == ENODEV, "pread after unbind -> ENODEV (%zd, %s)", n,
	   strerror(err));
	close(fd);
	return finish();
}
