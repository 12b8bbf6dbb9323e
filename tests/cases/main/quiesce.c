// SPDX-License-Identifier: MIT
/*
 * A device that a dead process programmed is stopped before that process's
 * pages are released (on the 64-bit edu device, 00:03.0, real time):
 *  1. the parent maps a MAP_SHARED anonymous area and fills it with a
 *     pattern; a child opens the node (the node's only opener: programs
 *     run one at a time), REGISTERs part of that area FROM_DEVICE, loads
 *     the edu buffer with another pattern through edu BAR0 (resource0, as
 *     tools/edu.c does), starts a 2 KiB DMA from the edu buffer into the
 *     registered range (it lands 100 ms later) and tells the parent, which
 *     SIGKILLs it at once and reaps it.  For 500 ms the parent's page must
 *     not change: closing the last file must have cleared bus mastering
 *     before the pages were unpinned and unmapped.  (Without the quiesce:
 *     noiommu, the DMA lands in the parent's page; strict, the IOMMU
 *     blocks it and a DMAR fault is logged, which the runner reports.)
 *  2. with no file open the device's bus mastering is off (PCI command
 *     register, bit 2); the next open turns it on, and a copy through the
 *     node's "edu" channel works.
 *  3. the node's reset_on_release attribute: present, "0"; writing "1" on
 *     edu (no reset method) fails with EOPNOTSUPP (ENOTTY accepted) and
 *     leaves "0"; writing "0" works; uid 1000 cannot write it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "util.h"
#include "xfer.h"

#define AREA	(4 * PAGE)
#define REG_OFF	PAGE		/* the registration: pages 1 and 2 */
#define REG_LEN	(2 * PAGE)
#define DMA_OFF	1000		/* within the registration */
#define DMA_LEN	2048
#define SEED_A	31
#define SEED_B	32
#define WATCH_MS	500

static const char *bdf, *node;

/* Bit 2 (bus master) of the PCI command register: 0/1, or -errno. */
static int bus_master(void)
{
	char path[128];
	uint16_t cmd;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, &cmd, sizeof(cmd), 4);
	close(fd);
	return n == sizeof(cmd) ? !!(cmd & 4) : -EIO;
}

/* The child: program the DMA, tell the parent, wait to be killed. */
static void TAP_NORETURN child(uint8_t *area, int tell)
{
	struct userdma_segment *segs = NULL;
	uint64_t dst, src, contig;
	uint32_t h, hs;
	uint8_t *b;
	struct edu e;
	int fd, ret, n;
	char go = 'G';

	fd = node_open(node);
	ret = fd < 0 ? fd : udt_register(fd, area + REG_OFF, REG_LEN,
					 USERDMA_DIR_FROM_DEVICE, &h, NULL);
	n = ret ? ret : udt_segments_all(fd, h, &segs);
	ret = n < 0 ? n : seg_lookup(segs, (uint32_t)n, DMA_OFF, &dst, &contig);
	if (!ok(ret == 0 && contig >= DMA_LEN,
		"child: the shared area registered FROM_DEVICE, DMA address 0x%" PRIx64 " (%s)",
		ret ? 0 : dst, errname(ret)))
		goto out;
	free(segs);
	segs = NULL;

	b = map_anon(PAGE);
	pattern_fill(b, PAGE, SEED_B, 0);
	ret = udt_register(fd, b, PAGE, USERDMA_DIR_TO_DEVICE, &hs, NULL);
	n = ret ? ret : udt_segments_all(fd, hs, &segs);
	ret = n < 0 ? n : seg_lookup(segs, (uint32_t)n, 0, &src, &contig);
	if (!ret)
		ret = edu_open(&e, bdf);
	if (!ret)
		ret = edu_dma_from_ram(&e, src, 0, DMA_LEN);
	if (!ok(ret == 0, "child: the edu buffer loaded with another pattern (%s)",
		errname(ret)))
		goto out;

	/* edu buffer -> the parent's page, no interrupt; lands in 100 ms */
	*(volatile uint64_t *)(e.bar + EDU_REG_DMA_SRC) = EDU_BUF_ADDR;
	*(volatile uint64_t *)(e.bar + EDU_REG_DMA_DST) = dst;
	*(volatile uint64_t *)(e.bar + EDU_REG_DMA_COUNT) = DMA_LEN;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint64_t *)(e.bar + EDU_REG_DMA_CMD) =
		EDU_DMA_TO_RAM | EDU_DMA_RUN;
	if (write(tell, &go, 1) != 1)
		goto out;
	for (;;)
		pause();
out:
	go = 'X';
	if (write(tell, &go, 1) != 1)
		diag("child: cannot tell the parent");
	tap_child_exit();
}

static void dead_programmer(void)
{
	struct pollfd p;
	uint8_t *area;
	double t_go = 0, t_reaped, t_changed = -1, end;
	int pipefd[2], status, on;
	ssize_t bad = -1;
	char go = 0;
	pid_t pid;

	area = mmap(NULL, AREA, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		bail("mmap MAP_SHARED|MAP_ANONYMOUS: %s", errname(-errno));
	pattern_fill(area, AREA, SEED_A, 0);
	if (pipe2(pipefd, O_CLOEXEC))
		bail("pipe");

	pid = tap_fork();
	if (pid < 0)
		bail("fork: %s", errname((int)pid));
	if (pid == 0) {
		close(pipefd[0]);
		child(area, pipefd[1]);
	}
	close(pipefd[1]);
	p.fd = pipefd[0];
	p.events = POLLIN;
	if (poll(&p, 1, 10000) == 1 && read(pipefd[0], &go, 1) == 1 && go == 'G')
		t_go = now_s();
	kill(pid, SIGKILL);
	status = tap_reap(pid);
	t_reaped = now_s();
	close(pipefd[0]);
	if (!ok(go == 'G' && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"the child started a %d-byte DMA into the shared page and was SIGKILLed at once",
		DMA_LEN)) {
		munmap(area, AREA);
		return;
	}
	diag("child killed and reaped %.1f ms after it started the DMA (it lands after 100 ms)",
	     (t_reaped - t_go) * 1000);

	end = t_reaped + WATCH_MS / 1000.0;
	while (now_s() < end) {
		bad = pattern_mismatch(area, AREA, SEED_A, 0);
		if (bad >= 0) {
			t_changed = now_s();
			break;
		}
		sleep_ms(1);
	}
	if (!ok(bad < 0, "the parent's page never changed in the %d ms after the child died",
		WATCH_MS)) {
		diag("changed %.1f ms after the DMA started, first at offset %zd; %s",
		     (t_changed - t_go) * 1000, bad,
		     pattern_mismatch(area + REG_OFF + DMA_OFF, DMA_LEN, SEED_B, 0) < 0 ?
		     "the device's pattern landed there" : "not the device's pattern");
	}
	munmap(area, AREA);

	on = bus_master();
	ok(on == 0, "with no file open, bus mastering of %s is off (%s)", bdf,
	   on < 0 ? errname(on) : on ? "on" : "off");
}

/* The next open turns bus mastering on; the edu engine copies. */
static void after_the_kill(void)
{
	struct userdma_completion c;
	uint8_t *s, *d;
	uint32_t hs, hd;
	int fd, on, ret;

	fd = node_open(node);
	if (!ok(fd >= 0, "a new open of %s works (%s)", node,
		errname(fd < 0 ? fd : 0)))
		return;
	on = bus_master();
	ok(on == 1, "  it turned bus mastering on (%s)",
	   on < 0 ? errname(on) : on ? "on" : "off");
	ret = udt_channel(fd, "edu", -1, NULL, NULL);
	s = map_anon(PAGE);
	d = map_anon(PAGE);
	pattern_fill(s, PAGE, 41, 0);
	memset(d, 0, PAGE);
	if (!ret)
		ret = udt_register(fd, s, PAGE, USERDMA_DIR_TO_DEVICE, &hs, NULL);
	if (!ret)
		ret = udt_register(fd, d, PAGE, USERDMA_DIR_FROM_DEVICE, &hd, NULL);
	if (!ret)
		ret = udt_copy(fd, hs, 10, hd, 20, 2000, &c);
	ok(ret == 0 && c.status == USERDMA_XFER_DONE && c.bytes == 2000 &&
	   pattern_mismatch(d + 20, 2000, 41, 10) < 0 && byte_mismatch(d, 20, 0) < 0 &&
	   byte_mismatch(d + 2020, PAGE - 2020, 0) < 0,
	   "  a 2000-byte copy through its \"edu\" channel is DONE and right (%s, %s)",
	   errname(ret), ret ? "-" : xfer_status_name(c.status));
	close(fd);
	munmap(s, PAGE);
	munmap(d, PAGE);
}

static int read_attr(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void reset_on_release(void)
{
	char path[128], val[32] = "";
	int ret;
	pid_t pid;

	snprintf(path, sizeof(path), "/sys/class/userdma/%s/reset_on_release",
		 node);
	ret = read_attr(path, val, sizeof(val));
	ok(ret == 0 && !strcmp(val, "0"), "%s reads \"0\" (%s, \"%s\")", path,
	   errname(ret), val);
	ret = sysfs_write(path, "1");
	ok(ret == -EOPNOTSUPP || ret == -ENOTTY,
	   "  writing 1 on edu (no reset method) -> EOPNOTSUPP (%s)", errname(ret));
	if (ret == 0)
		sysfs_write(path, "0");
	ret = read_attr(path, val, sizeof(val));
	ok(ret == 0 && !strcmp(val, "0"), "  still \"0\" (%s, \"%s\")",
	   errname(ret), val);
	ret = sysfs_write(path, "0");
	ok(ret == 0, "  writing 0 works (%s)", errname(ret));

	pid = tap_fork();
	if (pid == 0) {
		ret = drop_root(unpriv_uid(), unpriv_gid());
		if (ret)
			bail("drop_root: %s", errname(ret));
		ret = sysfs_write(path, "0");
		ok(ret == -EACCES || ret == -EPERM,
		   "  uid %u cannot write it (%s)", (unsigned int)unpriv_uid(),
		   errname(ret));
		tap_child_exit();
	}
	ok_child_status(tap_reap(pid), "  the uid 1000 child");
}

int main(void)
{
	int on;

	tap_init("quiesce");
	diag_config();
	bdf = edu64_bdf();
	node = node_name_for(bdf);
	if (getuid() != 0)
		skip_all("needs root (BAR0 through resource0)");
	on = bus_master();
	diag("%s at the start: bus mastering %s", bdf,
	     on < 0 ? errname(on) : on ? "on" : "off");

	dead_programmer();
	after_the_kill();
	reset_on_release();
	return done_testing();
}
