// SPDX-License-Identifier: MIT
/*
 * A process that goes away with live registrations leaves nothing behind:
 * normal exit, SIGKILL while idle, SIGKILL in the middle of pinning a big
 * range, exit_group() while other threads are inside ioctls, exec() of a
 * file opened with and without O_CLOEXEC; and munmap() of a registered
 * range keeps the pages pinned (and charged) until the handle goes.  After
 * each child is reaped the counters of both nodes are back at baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static const char *node0, *node1;
static struct node_stats base0, base1;

/* Both nodes back to where they started, within ms. */
static void ok_released(int ms, const char *what)
{
	struct node_stats l0, l1;
	double t0 = now_s();
	int r0 = wait_node_stats(node0, &base0, ms, &l0);
	int r1 = wait_node_stats(node1, &base1, ms, &l1);

	ok(r0 && r1,
	   "%s: everything released (%s: %lld regions %lld pages %lld bytes; %s: %lld regions)",
	   what, node0, l0.regions, l0.pinned_pages, l0.mapped_bytes, node1,
	   l1.regions);
	if (now_s() - t0 > 0.05)
		diag("%s: release completed %.2f s after the child was reaped",
		     what, now_s() - t0);
}

static int wait_status(pid_t pid)
{
	int status = -1;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Register a spread of regions on two files of node0 and one of node1. */
static int register_spread(void)
{
	int f0 = node_open(node0), f0b = node_open(node0), f1 = node_open(node1);
	uint8_t *m = map_anon(4 * MiB);
	uint32_t h;
	int ret = 0, i;

	if (f0 < 0 || f0b < 0 || f1 < 0)
		return -1;
	memset(m, 0x5e, 4 * MiB);
	/*
	 * The second file's regions overlap four at a time: DMA-API
	 * debugging tracks at most 7 device-writable mappings of a cache
	 * line and WARNs past that (its limit, not a rule of the DMA API).
	 */
	for (i = 0; i < 16; i++) {
		ret |= udt_register(f0, m + i * 64 * KiB + i, 60 * KiB,
				    1 + i % 3, &h, NULL);
		ret |= udt_register(f0b, m + 2 * MiB + i / 4 * 128 * KiB + i * 7,
				    100 * KiB, USERDMA_DIR_FROM_DEVICE, &h, NULL);
	}
	/*
	 * Only behind the IOMMU can the 28-bit device map ordinary memory
	 * (narrow_mask tests the refusal elsewhere).
	 */
	if (cfg_iommu())
		ret |= udt_register(f1, m + 3 * MiB, 64 * KiB,
				    USERDMA_DIR_TO_DEVICE, &h, NULL);
	return ret ? -1 : 0;
}

static void exit_with_regions(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(register_spread() ? 2 : 0);
	status = wait_status(pid);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "child registered 32-33 regions on 3 files and exited without closing");
	ok_released(2000, "exit()");
}

static void sigkill_idle(void)
{
	int p[2], status;
	char c = 0;
	pid_t pid;

	if (pipe(p))
		bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		c = register_spread() ? 'x' : 'r';
		write_full(p[1], &c, 1);
		for (;;)
			pause();
	}
	close(p[1]);
	read_full(p[0], &c, 1);
	close(p[0]);
	ok(c == 'r', "child registered its regions and waits");
	kill(pid, SIGKILL);
	status = wait_status(pid);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "child killed by SIGKILL");
	ok_released(2000, "SIGKILL while idle");
}

static void sigkill_while_pinning(struct rng *r)
{
	const size_t len = udt_config() == CFG_SWIOTLB ? 64 * MiB : 256 * MiB;
	int round, status;

	diag("killing children that register %zu MiB in a loop", len >> 20);
	for (round = 0; round < 6; round++) {
		unsigned int delay = 20 + (unsigned int)rng_below(r, 400);
		int p[2];
		char c;
		pid_t pid;

		if (pipe(p))
			bail("pipe: %s", strerror(errno));
		pid = fork();
		if (pid == 0) {
			int f = node_open(node0);
			uint8_t *m = map_anon(len);
			uint32_t h = 0, n = 0;

			close(p[0]);
			write_full(p[1], "s", 1);
			/* one live registration at a time: the bounce pool
			 * must never run out in this test */
			for (;; n++) {
				if (udt_register(f, m + 1, len - 1, 1 + n % 3,
						 &h, NULL) == 0)
					udt_unregister(f, h);
			}
		}
		close(p[1]);
		read_full(p[0], &c, 1);
		close(p[0]);
		sleep_ms(delay);
		kill(pid, SIGKILL);
		status = wait_status(pid);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		   "round %d: child pinning in a loop killed after %u ms", round,
		   delay);
		ok_released(3000, "SIGKILL while pinning");
	}
}

static int thread_fd;
static uint8_t *thread_mem;

static void *spin_registrations(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint32_t h, prev = 0;

	/* at most two live regions per thread, so the bounce pool lasts */
	for (;;) {
		if (udt_register(thread_fd, thread_mem + id * MiB + 3, MiB - 3,
				 USERDMA_DIR_BIDIRECTIONAL, &h, NULL) == 0) {
			udt_sync(thread_fd, h, 0, 1, USERDMA_SYNC_FOR_CPU);
			if (prev)
				udt_unregister(thread_fd, prev);
			prev = h;
		}
	}
	return NULL;
}

static void exit_group_in_ioctls(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;
		uintptr_t i;

		thread_fd = node_open(node0);
		thread_mem = map_anon(8 * MiB);
		for (i = 0; i < 6; i++)
			pthread_create(&t, NULL, spin_registrations, (void *)i);
		sleep_ms(300);
		_exit(0);	/* exit_group with threads in ioctls */
	}
	status = wait_status(pid);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "child with 6 threads inside ioctls called exit_group()");
	ok_released(3000, "exit_group() during ioctls");
}

static void exec_cases(void)
{
	static char *const argv_sleep[] = { "sleep", "1", NULL };
	static char *const envp[] = { NULL };
	struct node_stats live;
	int cloexec, p[2], status;
	char c;

	for (cloexec = 1; cloexec >= 0; cloexec--) {
		pid_t pid;

		if (pipe2(p, O_CLOEXEC))
			bail("pipe: %s", strerror(errno));
		pid = fork();
		if (pid == 0) {
			int f = node_open(node0);
			uint8_t *m = map_anon(1 * MiB);
			uint32_t h;

			if (f < 0 || udt_register(f, m, 1 * MiB,
						  USERDMA_DIR_FROM_DEVICE, &h,
						  NULL))
				_exit(2);
			if (!cloexec)
				fcntl(f, F_SETFD, 0);
			execve("/bin/sleep", argv_sleep, envp);
			_exit(127);
		}
		close(p[1]);
		/* the pipe closes on exec (or exit) */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		close(p[0]);
		memset(&live, 0, sizeof(live));
		if (cloexec) {
			/* released on the way out of execve(), while sleep runs */
			int gone = wait_node_stats(node0, &base0, 800, &live);

			ok(gone,
			   "exec() closes an O_CLOEXEC file and releases its region (regions %lld)",
			   live.regions);
		} else {
			sleep_ms(200);
			node_stats(node0, &live);
			ok(live.regions == base0.regions + 1 &&
				   live.pinned_pages == base0.pinned_pages + 256,
			   "a file kept across exec() keeps its region of the old image (regions %lld)",
			   live.regions);
		}
		status = wait_status(pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			skip("no /bin/sleep", "exec with live regions");
			continue;
		}
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "the exec'd program exited normally");
		ok_released(2000, cloexec ? "exec, O_CLOEXEC" : "exec, then exit");
	}
}

static void munmap_registered(void)
{
	int f = node_open_or_bail(node0);
	uint8_t *m = map_anon(1 * MiB);
	struct snap s;
	uint32_t h, total = 0;
	int ret, status;
	pid_t pid;

	snap_take(node0, &s);
	ret = udt_register(f, m + 10, 1 * MiB - 10, USERDMA_DIR_BIDIRECTIONAL,
			   &h, NULL);
	ok(ret == 0, "register 1 MiB (%s)", errname(ret));
	munmap(m, 1 * MiB);
	ok_delta(node0, &s, 1, 256, 1 * MiB - 10, 1024,
		 "after munmap() the pages stay pinned and charged");
	ret = udt_segments(f, h, 0, NULL, 0, NULL, &total);
	ok(ret == 0 && total >= 1, "SEGMENTS of the unmapped range still works (%s)",
	   errname(ret));
	ret = udt_sync(f, h, 0, 1 * MiB - 10, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "SYNC of the unmapped range still works (%s)", errname(ret));
	/* a new mapping at the same place is not the registered memory */
	m = mmap(m, 1 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != MAP_FAILED) {
		memset(m, 0x77, 1 * MiB);
		ok_delta(node0, &s, 1, 256, 1 * MiB - 10, 1024,
			 "remapping the range pins nothing more");
		munmap(m, 1 * MiB);
	}
	ret = udt_unregister(f, h);
	ok(ret == 0, "unregister the unmapped range (%s)", errname(ret));
	ok_unchanged(node0, &s, "counters and VmPin back after unregister");
	close(f);

	pid = fork();
	if (pid == 0) {
		int g = node_open(node0);
		uint8_t *x = map_anon(2 * MiB);

		if (g < 0 || udt_register(g, x, 2 * MiB, USERDMA_DIR_TO_DEVICE,
					  &h, NULL))
			_exit(2);
		munmap(x, 2 * MiB);
		_exit(0);
	}
	status = wait_status(pid);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "child registered 2 MiB, unmapped it and exited");
	ok_released(2000, "exit after munmap");
}

int main(void)
{
	struct rng r;

	tap_init("close_exit");
	diag_config();
	rng_init(&r, test_seed());
	node0 = node_name_for(edu64_bdf());
	node1 = node_name_for(edu28_bdf());
	if (node_stats(node0, &base0) || node_stats(node1, &base1))
		bail("cannot read the nodes' counters");

	exit_with_regions();
	sigkill_idle();
	sigkill_while_pinning(&r);
	exit_group_in_ioctls();
	exec_cases();
	munmap_registered();

	ok_released(0, "at the end");
	return done_testing();
}
