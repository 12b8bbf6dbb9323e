// SPDX-License-Identifier: MIT
/*
 * What fork() means for registrations, documented by test:
 *  - handles belong to the open file: a child can SEGMENTS, SYNC and
 *    UNREGISTER the parent's handles through the inherited descriptor;
 *  - the child's copy of registered memory is not the registered memory:
 *    writing it leaves the parent's buffer alone (pinned anonymous pages
 *    are copied for the child at fork);
 *  - a child registering its own memory on the inherited file charges its
 *    own VmPin, not the parent's, and its region outlives it on the
 *    shared file until the parent releases it;
 *  - a child exiting releases nothing of the parent's; a child releasing
 *    the parent's region returns the charge to the parent's VmPin;
 *  - the registering process killed with SIGKILL while a child still holds
 *    the file: the region stays, usable, until the child closes it.
 * (The DMA side of fork, through the device, is edu/fork_dma.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define PLEN (64 * KiB)
#define QLEN (32 * KiB)
#define SEED_A 0xa11ceull
#define SEED_C 0xc0ffeeull

static const char *node;
static int fd;
static struct userdma_info info;

static int same_segments(uint32_t h, const struct userdma_segment *ref,
			 uint32_t n)
{
	struct userdma_segment *segs;
	int got = udt_segments_all(fd, h, &segs), same;

	if (got < 0)
		return 0;
	same = (uint32_t)got == n && !memcmp(segs, ref, n * sizeof(*segs));
	free(segs);
	return same;
}

/* Child uses the parent's handle, scribbles on its copy, registers its own. */
static void child_one(uint8_t *p, uint32_t hp, const struct userdma_segment *segs,
		      uint32_t n, int to_parent, int from_parent)
{
	uint8_t *q = map_anon(QLEN);
	uint32_t hq = 0;
	long long vm0 = vmpin_kb();
	char go;
	int ret;

	ok(vm0 == 0, "child: VmPin starts at 0 (the parent's charge is not inherited; %lld kB)",
	   vm0);
	ok(same_segments(hp, segs, n),
	   "child: SEGMENTS of the parent's handle through the inherited fd == the parent's list");
	ret = udt_sync(fd, hp, 0, PLEN, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0, "child: SYNC FOR_CPU of the parent's handle (%s)",
	   errname(ret));
	ret = udt_sync(fd, hp, 1, PLEN - 1, USERDMA_SYNC_FOR_DEVICE);
	ok(ret == 0, "child: SYNC FOR_DEVICE of the parent's handle (%s)",
	   errname(ret));
	ok(pattern_mismatch(p, PLEN, SEED_A, 0) < 0,
	   "child: its copy of the registered buffer has the parent's data");
	pattern_fill(p, PLEN, SEED_C, 0);

	ret = udt_register(fd, q, QLEN, USERDMA_DIR_BIDIRECTIONAL, &hq, NULL);
	ok(ret == 0, "child: registers its own memory on the inherited fd (%s)",
	   errname(ret));
	ok(vmpin_kb() == vm0 + (long long)(QLEN / 1024),
	   "child: its own VmPin rose by %" PRIu64 " kB (%lld)", QLEN / 1024,
	   vmpin_kb());
	write_full(to_parent, &hq, sizeof(hq));
	read_full(from_parent, &go, 1);
	/* exit with hq still registered: it lives on in the shared file */
}

static void scenario_child_uses_handles(void)
{
	uint8_t *p = map_anon(PLEN);
	struct userdma_segment *segs;
	uint32_t hp, hq = 0, n;
	struct snap base, reg;
	int up[2], down[2], ret, status;
	pid_t pid;

	pattern_fill(p, PLEN, SEED_A, 0);
	snap_take(node, &base);
	ret = udt_register(fd, p, PLEN, USERDMA_DIR_FROM_DEVICE, &hp, &n);
	if (ret)
		bail("register: %s", errname(ret));
	ret = udt_segments_all(fd, hp, &segs);
	if (ret < 0)
		bail("segments: %s", errname(ret));
	snap_take(node, &reg);
	if (pipe(up) || pipe(down))
		bail("pipe: %s", strerror(errno));

	pid = tap_fork();
	if (pid < 0)
		bail("fork: %s", errname(pid));
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		child_one(p, hp, segs, n, up[1], down[0]);
		tap_child_exit();
	}
	close(up[1]);
	close(down[0]);
	if (read_full(up[0], &hq, sizeof(hq)) == 0) {
		long long child_pin = proc_status_kb(pid, "VmPin");

		ok(child_pin == (long long)(QLEN / 1024),
		   "parent: the child's /proc status shows VmPin %" PRIu64 " kB (%lld)",
		   QLEN / 1024, child_pin);
		ok_delta(node, &reg, 1, QLEN / PAGE, QLEN, 0,
			 "parent: its own VmPin unchanged by the child's registration; node counts both");
	} else {
		ok(0, "parent: the child reported its handle");
	}
	write_full(down[1], "g", 1);
	status = tap_reap(pid);
	ok_child_status(status, "first child");
	close(up[0]);
	close(down[1]);

	ok(pattern_mismatch(p, PLEN, SEED_A, 0) < 0,
	   "parent: the child's writes to its copy did not reach the registered buffer");
	ok(same_segments(hp, segs, n),
	   "parent: its region and segment list are intact after the child exited");
	ret = udt_sync(fd, hp, 0, PLEN, USERDMA_SYNC_FOR_CPU);
	ok(ret == 0 && pattern_mismatch(p, PLEN, SEED_A, 0) < 0,
	   "parent: SYNC FOR_CPU still works and the data is the parent's (%s)",
	   errname(ret));
	ok_delta(node, &reg, 1, QLEN / PAGE, QLEN, 0,
		 "the dead child's region still lives in the shared file");
	if (hq) {
		ret = udt_unregister(fd, hq);
		ok(ret == 0, "parent: unregisters the dead child's handle %u (%s)",
		   hq, errname(ret));
	}
	ok_unchanged(node, &reg,
		     "after that only the parent's region is left; its VmPin unchanged");

	/* a child releases the parent's region: the charge goes back */
	pid = tap_fork();
	if (pid < 0)
		bail("fork: %s", errname(pid));
	if (pid == 0) {
		ret = udt_unregister(fd, hp);
		ok(ret == 0, "second child: unregisters the parent's handle (%s)",
		   errname(ret));
		ok(vmpin_kb() == 0, "second child: its VmPin stays 0 (%lld)",
		   vmpin_kb());
		tap_child_exit();
	}
	ok_child_status(tap_reap(pid), "second child");
	ret = udt_unregister(fd, hp);
	ok(ret == -ENOENT,
	   "parent: its handle is gone for it too -> ENOENT (got %s)",
	   errname(ret));
	ok_unchanged(node, &base,
		     "the parent's VmPin and the counters are back: the charge returned to the parent");
	free(segs);
	munmap(p, PLEN);
}

/* The registering process dies by SIGKILL; its child keeps the file. */
static void scenario_parent_killed(void)
{
	int ready[2], go[2], result[2];
	struct node_stats want, last;
	struct snap base, live;
	struct {
		uint32_t h, pages;
		pid_t grandchild;
	} info_msg = { 0, 0, 0 };
	int res[3] = { -1, -1, -1 }, status, reached;
	pid_t mid;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		bail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (pipe(ready) || pipe(go) || pipe(result))
		bail("pipe: %s", strerror(errno));
	snap_take(node, &base);

	mid = fork();
	if (mid < 0)
		bail("fork: %s", strerror(errno));
	if (mid == 0) {
		/* the registering process: its own file and region */
		int f = node_open(node);
		uint8_t *m = map_anon(1 * MiB);
		pid_t gc;

		memset(m, 0x42, 1 * MiB);
		if (f < 0 || udt_register(f, m + 1, 1 * MiB - 1,
					  USERDMA_DIR_BIDIRECTIONAL,
					  &info_msg.h, NULL))
			_exit(2);
		info_msg.pages = 256;
		gc = fork();
		if (gc < 0)
			_exit(3);
		if (gc == 0) {
			char c;

			/* holds the file; waits until told, after mid's death */
			if (read_full(go[0], &c, 1))
				_exit(4);
			res[0] = udt_segments(f, info_msg.h, 0, NULL, 0, NULL,
					      NULL);
			res[1] = udt_sync(f, info_msg.h, 0, 1 * MiB - 1,
					  USERDMA_SYNC_FOR_CPU);
			res[2] = close(f);
			write_full(result[1], res, sizeof(res));
			_exit(0);
		}
		info_msg.grandchild = gc;
		write_full(ready[1], &info_msg, sizeof(info_msg));
		for (;;)
			pause();
	}
	close(ready[1]);
	close(go[0]);
	close(result[1]);
	if (read_full(ready[0], &info_msg, sizeof(info_msg))) {
		ok(0, "the registering process set up its region");
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		return;
	}
	snap_take(node, &live);
	ok(live.st.regions == base.st.regions + 1 &&
		   live.st.pinned_pages == base.st.pinned_pages + info_msg.pages,
	   "the registering process has 1 region of %u pages", info_msg.pages);

	kill(mid, SIGKILL);
	waitpid(mid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "the registering process died by SIGKILL");
	want = live.st;
	reached = wait_node_stats(node, &want, 0, &last);
	ok(reached,
	   "its region stays while its child holds the file (regions %lld, pages %lld)",
	   last.regions, last.pinned_pages);

	write_full(go[1], "g", 1);
	if (read_full(result[0], res, sizeof(res)) == 0) {
		ok(res[0] == 0, "the orphan still reads the segments (%s)",
		   errname(res[0]));
		ok(res[1] == 0, "the orphan still syncs the dead process's region (%s)",
		   errname(res[1]));
	} else {
		ok(0, "the orphan reported back");
	}
	if (waitpid(info_msg.grandchild, &status, 0) == info_msg.grandchild)
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "the orphan exited cleanly");
	else
		ok(0, "the orphan was reaped (%s)", strerror(errno));
	want = base.st;
	reached = wait_node_stats(node, &want, 2000, &last);
	ok(reached,
	   "once the orphan closed the file, everything is released (regions %lld, pages %lld, bytes %lld)",
	   last.regions, last.pinned_pages, last.mapped_bytes);
	close(ready[0]);
	close(go[1]);
	close(result[0]);
}

int main(void)
{
	struct snap start;

	tap_init("fork");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	snap_take(node, &start);

	scenario_child_uses_handles();
	scenario_parent_killed();

	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
