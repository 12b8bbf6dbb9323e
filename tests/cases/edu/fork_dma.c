// SPDX-License-Identifier: MIT
/*
 * fork() and real DMA.  The parent registers a FROM_DEVICE buffer and
 * forks; the child overwrites its copy of the buffer.  The device then
 * writes through the parent's handle: the bytes must land in the
 * parent's buffer, and the child's copy must not change (pinned pages
 * stay with the parent; the child got a copy).  Likewise DMA from the
 * parent's staging buffer reads the parent's bytes, whatever the child
 * wrote into its copy.  The child then uses the inherited descriptor and
 * device mapping to register its own memory and DMA between its
 * buffers.  After the child exits the parent's registration still works.
 *
 * Read-only (TO_DEVICE) pins and copy-on-write: a buffer registered while
 * its pages are shared with a child after fork(), or shared by a fork()
 * after registering, must stay the memory the device reads when the
 * parent then writes it: the parent's new bytes (after SYNC_FOR_DEVICE)
 * reach the device, never a stale page left behind by copy-on-write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edutest.h"

#define LEN (8 * KiB)

static struct dma_ctx c;

static void child(struct region *p, uint64_t seed_b, uint64_t seed_c,
		  uint64_t seed_d, int to_parent, int from_parent)
{
	uint8_t pat[EDU_BUF_SIZE], exp[EDU_BUF_SIZE];
	struct region q, src;
	char go;
	int ret;

	pattern_fill(p->buf, p->len, seed_c, 0);
	write_full(to_parent, "w", 1);
	if (read_full(from_parent, &go, 1))
		return;
	ok(pattern_mismatch(p->buf, p->len, seed_c, 0) < 0,
	   "child: its copy of the buffer did not receive the device's writes");

	/* the child's own registrations through the inherited descriptor */
	region_map(&q, 3000, 500, 0, PAGE);
	memset(q.map, 0xee, q.maplen);
	region_map(&src, 3000, 0, 0, PAGE);
	pattern_fill(src.buf, 3000, seed_d, 0);
	ret = region_register(&c, &q, USERDMA_DIR_FROM_DEVICE);
	if (!ret)
		ret = region_register(&c, &src, USERDMA_DIR_TO_DEVICE);
	ok(ret == 0, "child: registers its own buffers on the inherited fd (%s)",
	   errname(ret));
	if (ret)
		return;

	/*
	 * The parent's staging buffer as the child sees it is a copy: what
	 * the child writes there never reaches the device, which still reads
	 * the parent's bytes (the last load: pattern B).
	 */
	pattern_fill(pat, 3000, seed_d, 0);
	ret = dev_load(&c, pat, 0, 3000);
	if (!ret)
		ret = dev_to_region(&c, &q, 0, 0, 3000);
	if (!ret)
		ret = userdma_sync_for_cpu(c.u, q.h, 0, 3000);
	ok(ret == 0, "child: drives the device through the inherited mapping (%s)",
	   errname(ret));
	pattern_fill(exp, 3000, seed_b, 0);
	ok_mem(q.buf, exp, 3000,
	       "child: DMA through the parent's handle read the parent's memory, not the child's copy");

	ret = region_to_dev(&c, &src, 0, 0, 3000);
	if (!ret)
		ret = dev_to_region(&c, &q, 0, 0, 3000);
	if (!ret)
		ret = userdma_sync_for_cpu(c.u, q.h, 0, 3000);
	ok(ret == 0, "child: DMA from its own buffer to its own buffer (%s)",
	   errname(ret));
	ok_mem(q.buf, src.buf, 3000,
	       "child: through its own handles the device moved the child's bytes");
	ok(region_unregister(&c, &q) == 0 && region_unregister(&c, &src) == 0,
	   "child: unregisters its buffers");
	region_unmap(&q);
	region_unmap(&src);
}

/* Device reads [off, off + len) of r into the device and back: == want? */
static int device_sees(struct region *r, uint64_t off, uint32_t len,
		       const uint8_t *want, const char *what)
{
	uint8_t got[EDU_BUF_SIZE];
	int ret = region_to_dev(&c, r, off, 0, len);

	if (!ret)
		ret = dev_read(&c, got, 0, len);
	if (ret)
		return ok(0, "%s: DMA failed: %s", what, errname(ret));
	return ok_mem(got, want, len, "%s", what);
}

/* TO_DEVICE pins and copy-on-write, registration before and after fork. */
static void readonly_cow(uint64_t seed)
{
	int order, p[2];

	for (order = 0; order < 2; order++) {
		const char *when = order ? "registered before fork" :
					   "registered while COW-shared";
		struct region t;
		pid_t pid;
		char go;
		int ret;

		region_map(&t, 8 * KiB, 0, 0, PAGE);
		pattern_fill(t.buf, t.len, seed + 10 + order, 0);
		if (order) {
			ret = region_register(&c, &t, USERDMA_DIR_TO_DEVICE);
			if (ret)
				bail("register: %s", errname(ret));
		}
		if (pipe(p))
			bail("pipe failed");
		pid = tap_fork();
		if (pid < 0)
			bail("fork: %s", errname(pid));
		if (pid == 0) {
			close(p[1]);
			/* keep the pages shared until the parent is done */
			read_full(p[0], &go, 1);
			ok(pattern_mismatch(t.buf, t.len, seed + 10 + order, 0) < 0,
			   "TO_DEVICE, %s: the child's copy kept the old bytes", when);
			tap_child_exit();
		}
		close(p[0]);
		if (!order) {
			ret = region_register(&c, &t, USERDMA_DIR_TO_DEVICE);
			if (ret)
				bail("register: %s", errname(ret));
		}
		ok_region_segs(&c, &t, when);
		/* the parent writes after pinning: copy-on-write must not
		 * move its bytes away from the pinned page */
		pattern_fill(t.buf, t.len, seed + 20 + order, 0);
		ret = userdma_sync_for_device(c.u, t.h, 0, t.len);
		ok(ret == 0, "TO_DEVICE, %s: SYNC_FOR_DEVICE (%s)", when,
		   errname(ret));
		device_sees(&t, 2500, 3000, t.buf + 2500,
			    order ? "TO_DEVICE, registered before fork: the device reads the parent's new bytes"
				  : "TO_DEVICE, registered while COW-shared: the device reads the parent's new bytes");
		write_full(p[1], "g", 1);
		close(p[1]);
		ok_child_status(tap_reap(pid), when);
		region_unregister(&c, &t);
		region_unmap(&t);
	}
}

int main(void)
{
	uint64_t seed = test_seed();
	uint64_t sa = seed + 1, sb = seed + 2, sc = seed + 3, sd = seed + 4;
	uint8_t pat[EDU_BUF_SIZE], *exp;
	int up[2], down[2], ret;
	struct region p;
	char w = 0;
	pid_t pid;

	tap_init("fork_dma");
	diag_config();
	dma_ctx_open(&c, edu64_bdf());
	region_map(&p, LEN, 0, 0, PAGE);
	pattern_fill(p.buf, LEN, sa, 0);
	exp = malloc(LEN);
	if (!exp)
		bail("out of memory");
	memcpy(exp, p.buf, LEN);
	ret = region_register(&c, &p, USERDMA_DIR_FROM_DEVICE);
	if (ret)
		bail("register: %s", errname(ret));
	if (!ok_region_segs(&c, &p, "parent's 8 KiB"))
		bail("bad segments");
	if (pipe(up) || pipe(down))
		bail("pipe failed");

	pid = tap_fork();
	if (pid < 0)
		bail("fork: %s", errname(pid));
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		child(&p, sb, sc, sd, up[1], down[0]);
		tap_child_exit();
	}
	close(up[1]);
	close(down[0]);
	read_full(up[0], &w, 1);
	ok(w == 'w', "the child has overwritten its copy");
	ok(pattern_mismatch(p.buf, LEN, sa, 0) < 0,
	   "parent: the child's writes did not reach the parent's buffer");

	/* the device writes 3000 bytes across the page boundary */
	pattern_fill(pat, EDU_MAX_XFER, sb, 0);
	ret = dev_load(&c, pat, 0, 3000);
	if (!ret)
		ret = dev_to_region(&c, &p, 2500, 0, 3000);
	if (!ret)
		ret = userdma_sync_for_cpu(c.u, p.h, 0, LEN);
	ok(ret == 0, "parent: the device writes through the parent's handle (%s)",
	   errname(ret));
	memcpy(exp + 2500, pat, 3000);
	ok_mem(p.buf, exp, LEN,
	       "parent: the device's bytes landed in the parent's buffer, nothing else changed");
	write_full(down[1], "g", 1);
	ok_child_status(tap_reap(pid), "child");

	/* after the child is gone the registration still works */
	pattern_fill(pat, EDU_MAX_XFER, sd + 1, 0);
	ret = dev_load(&c, pat, 0, 100);
	if (!ret)
		ret = dev_to_region(&c, &p, LEN - 100, 0, 100);
	if (!ret)
		ret = userdma_sync_for_cpu(c.u, p.h, LEN - 100, 100);
	memcpy(exp + LEN - 100, pat, 100);
	ok(ret == 0, "parent: DMA after the child exited (%s)", errname(ret));
	ok_mem(p.buf, exp, LEN, "parent: the last 100 bytes are the device's, the rest kept");
	ok(region_unregister(&c, &p) == 0, "parent: unregister");
	region_unmap(&p);
	free(exp);

	readonly_cow(seed);
	dma_ctx_close(&c);
	return done_testing();
}
