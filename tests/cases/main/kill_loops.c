// SPDX-License-Identifier: MIT
/*
 * Kill and lifetime loops (issue 5, part 3), on the node of the 64-bit edu
 * device with the sw engine:
 *  1. SIGKILL a child, in a loop, in the middle of one of: REGISTER of
 *     64 MiB of untouched memory (64 pin batches), a 64 MiB sw-engine
 *     transfer in flight, ALLOC of 64 MiB cached + mmap + touching it,
 *     EXPORT of a buffer with the dma-buf fd held and mapped.  The delay is
 *     0 (right after fork) or random up to 1.2 times what the operation
 *     took the last time it finished before the kill (1 s at first).  After each kill: FOLL_PIN acquired == released again
 *     (polled: releases may be deferred), the node's counters at baseline,
 *     and a register + transfer still gives the bytes, byte for byte.
 *  2. The lifetime promises of docs/reliability.md for munmap, mremap,
 *     MADV_DONTNEED and mprotect of a registered range, idle and with a
 *     transfer into it in flight, checked byte for byte.
 *  3. fork() while a transfer into a registered range is in flight, the
 *     child writing its copy: the DMA lands in the parent's pages only.
 * (Close orders of handle, mapping and dma-buf fd: dmabuf_export; fork of
 * an idle registration with real DMA: edu/fork_dma.)
 *
 * USERDMA_KILL_SECONDS bounds part 1 (default 10).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "xfer.h"

#define BIG	(64 * MiB)
#define LT	(4 * MiB)	/* the lifetime cases' registered range */

static const char *node;
static struct node_stats base;
static long long pin0;		/* acquired - released at the start */
static int pfd;			/* the parent's file, sw channel bound */

static long long pins_outstanding(void)
{
	long long acq = -1, rel = -1;
	char line[128];
	FILE *f;

	sysfs_write("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "nr_foll_pin_acquired %lld", &acq);
		sscanf(line, "nr_foll_pin_released %lld", &rel);
	}
	fclose(f);
	return acq - rel;
}

/* Pins and counters back at baseline within ms; describes what is not. */
static int clean_within(int ms, char *why, size_t len)
{
	struct node_stats last;
	double t0 = now_s();
	long long p;

	for (;;) {
		p = pins_outstanding();
		memset(&last, 0xff, sizeof(last));
		node_stats(node, &last);
		if (p == pin0 && !memcmp(&last, &base, sizeof(last)))
			return 1;
		if ((now_s() - t0) * 1000 > ms)
			break;
		sleep_ms(10);
	}
	snprintf(why, len,
		 "pins outstanding %+lld, regions %lld pinned_pages %lld mapped_bytes %lld allocated_pages %lld exported %lld",
		 p - pin0, last.regions - base.regions,
		 last.pinned_pages - base.pinned_pages,
		 last.mapped_bytes - base.mapped_bytes,
		 last.allocated_pages - base.allocated_pages,
		 last.exported - base.exported);
	return 0;
}

/* A 1 MiB register + sw transfer through pfd, byte for byte. */
static int device_works(uint64_t seed, char *why, size_t len)
{
	static uint8_t *s, *d;
	struct userdma_completion c;
	uint32_t hs = 0, hd = 0;
	ssize_t off;
	int ret;

	if (!s) {
		s = map_anon(MiB);
		d = map_anon(MiB);
	}
	pattern_fill(s, MiB, seed, 0);
	memset(d, 0, MiB);
	ret = udt_register(pfd, s, MiB, USERDMA_DIR_TO_DEVICE, &hs, NULL);
	if (!ret)
		ret = udt_register(pfd, d, MiB, USERDMA_DIR_FROM_DEVICE, &hd, NULL);
	if (!ret)
		ret = udt_copy(pfd, hs, 0, hd, 0, MiB, &c);
	if (hs)
		udt_unregister(pfd, hs);
	if (hd)
		udt_unregister(pfd, hd);
	if (ret) {
		snprintf(why, len, "register/copy: %s", errname(ret));
		return 0;
	}
	if (c.status || c.bytes != MiB) {
		snprintf(why, len, "completion %s, %llu bytes",
			 xfer_status_name(c.status), (unsigned long long)c.bytes);
		return 0;
	}
	off = pattern_mismatch(d, MiB, seed, 0);
	if (off >= 0) {
		snprintf(why, len, "byte %zd differs", off);
		return 0;
	}
	return 1;
}

/* ---- 1. kill loops ------------------------------------------------------ */

enum kind { K_REGISTER, K_XFER, K_ALLOC, K_EXPORT, NKINDS };

static const char *const kind_name[NKINDS] = {
	"REGISTER 64 MiB (64 pin batches)",
	"64 MiB sw transfer in flight",
	"ALLOC 64 MiB cached + mmap + touch",
	"EXPORT, dma-buf fd held and mapped",
};

/* The child: set up, say 'R', do the operation, send its duration, pause. */
static void TAP_NORETURN child(enum kind k, int wfd)
{
	struct userdma_completion c;
	struct userdma_alloc a;
	struct userdma_xfer x;
	uint32_t h, hs, hd, n;
	int f = node_open(node), dfd, ret = 0;
	uint8_t *p = NULL, *q = NULL;
	double t0, dt;

	if (f < 0)
		_exit(2);
	if (k == K_REGISTER) {
		p = map_anon_untouched(BIG, 2 * MiB);
	} else if (k == K_XFER) {
		p = map_anon_untouched(BIG, 2 * MiB);
		q = map_anon_untouched(BIG, 2 * MiB);
		memset(p, 0x5a, BIG);
		if (udt_channel(f, "sw", -1, NULL, NULL) ||
		    udt_register(f, p, BIG, USERDMA_DIR_TO_DEVICE, &hs, NULL) ||
		    udt_register(f, q, BIG, USERDMA_DIR_FROM_DEVICE, &hd, NULL))
			_exit(3);
	}
	if (write_full(wfd, "R", 1))
		_exit(4);
	t0 = now_s();
	switch (k) {
	case K_REGISTER:
		ret = udt_register(f, p, BIG, USERDMA_DIR_BIDIRECTIONAL, &h, NULL);
		break;
	case K_XFER:
		xfer_fill(&x, hs, 0, hd, 0, BIG, 0);
		ret = udt_submit(f, &x, 1, &n);
		if (!ret)
			ret = udt_wait(f, x.cookie, -1, &c);
		break;
	case K_ALLOC:
		ret = udt_alloc(f, BIG, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
		if (!ret)
			p = udt_mmap(f, a.mmap_offset, BIG, PROT_READ | PROT_WRITE,
				     MAP_SHARED, &ret);
		if (p)
			memset(p, 0xa5, BIG);
		break;
	case K_EXPORT:
		ret = udt_alloc(f, 16 * MiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
		if (!ret)
			ret = udt_export(f, a.handle, 0, &dfd);
		if (!ret) {
			/* the dma-buf alone keeps the buffer */
			udt_unregister(f, a.handle);
			close(f);
			p = udt_mmap(dfd, 0, 16 * MiB, PROT_READ | PROT_WRITE,
				     MAP_SHARED, &ret);
		}
		if (p)
			memset(p, 0x3c, 16 * MiB);
		break;
	default:
		break;
	}
	dt = now_s() - t0;
	if (ret)
		_exit(5);
	if (write_full(wfd, &dt, sizeof(dt)))
		_exit(6);
	for (;;)
		pause();
}

struct kstats {
	double op_s;		/* the operation's last duration */
	unsigned int kills, zero, mid, late, bad;
	double t_child, t_clean, t_dev;	/* fork to reaped, then the checks */
};

/*
 * One child of kind k: killed after delay_us from its 'R' (delay_us < 0:
 * right after fork, without waiting).  Returns where the kill landed:
 * 0 before R, 1 during the operation, 2 after it (*op gets the time the
 * operation took); -1 on setup failure.
 */
static int one_child(enum kind k, long delay_us, double *op)
{
	int pfds[2], status, where = 1;
	char r;
	double dt;
	pid_t pid;

	if (pipe(pfds))
		bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		bail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pfds[0]);
		child(k, pfds[1]);
	}
	close(pfds[1]);
	if (delay_us < 0) {
		kill(pid, SIGKILL);
		where = 0;
	} else if (read_full(pfds[0], &r, 1)) {
		where = -1;
	} else {
		if (delay_us)
			usleep(delay_us);
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &status, 0) != pid)
		bail("waitpid: %s", strerror(errno));
	if (where == 1) {
		/* did the operation finish before the kill? (the pipe says) */
		ssize_t got = read(pfds[0], &dt, sizeof(dt));

		if (got == sizeof(dt)) {
			where = 2;
			*op = dt;
		}
	}
	close(pfds[0]);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		where = -1;
	return where;
}

static void kill_loops(void)
{
	double budget = env_ll("USERDMA_KILL_SECONDS", 10), t0;
	struct kstats ks[NKINDS] = { 0 };
	unsigned int total = 0, i;
	char why[256];

	/* until a child reports how long its operation took */
	for (i = 0; i < NKINDS; i++)
		ks[i].op_s = 1.0;
	t0 = now_s();
	while ((now_s() - t0 < budget || total < NKINDS) && total < 400) {
		enum kind k = total % NKINDS;
		struct kstats *s = &ks[k];
		long delay;
		int w, clean, works;
		double t;

		/* every fifth kill lands right after fork */
		if (s->kills % 5 == 0)
			delay = -1;
		else
			delay = rnd_below((uint64_t)(s->op_s * 1.2e6) + 1);
		t = now_s();
		w = one_child(k, delay, &s->op_s);
		s->t_child += now_s() - t;
		t = now_s();
		clean = clean_within(3000, why, sizeof(why));
		s->t_clean += now_s() - t;
		t = now_s();
		if (clean)
			works = device_works(total + 1000, why, sizeof(why));
		else
			works = 0;
		s->t_dev += now_s() - t;
		s->kills++;
		if (w == 0)
			s->zero++;
		else if (w == 1)
			s->mid++;
		else if (w == 2)
			s->late++;
		if (w < 0 || !clean || !works) {
			if (s->bad++ < 3)
				diag("%s, delay %ld us: %s%s", kind_name[k], delay,
				     w < 0 ? "child did not die by SIGKILL; " : "",
				     clean && works ? "" : why);
			if (!clean) {
				/* go on from where it is, not drowning in one leak */
				node_stats(node, &base);
				pin0 = pins_outstanding();
			}
		}
		total++;
	}
	for (i = 0; i < NKINDS; i++)
		ok(ks[i].bad == 0 && ks[i].kills > 0,
		   "%s: %u kills (%u right after fork, %u during the operation, %u after it): pins balanced, counters at baseline, device works byte for byte after each (%u bad)",
		   kind_name[i], ks[i].kills, ks[i].zero, ks[i].mid, ks[i].late,
		   ks[i].bad);
	for (i = 0; i < NKINDS; i++)
		diag("%s: %.2f s from fork to reaped, %.2f s until clean, %.2f s device check",
		     kind_name[i], ks[i].t_child, ks[i].t_clean, ks[i].t_dev);
	diag("kills: %u in %.1f s", total, now_s() - t0);
}

/* ---- 2. lifetime promises ---------------------------------------------- */

enum mmop { OP_MUNMAP, OP_MREMAP, OP_DONTNEED, OP_MPROTECT };
static const char *const op_name[] = {
	"munmap", "mremap", "MADV_DONTNEED", "mprotect(PROT_NONE)"
};

/* A fresh anonymous mapping at exactly addr (MAP_FIXED). */
static void map_fixed(void *addr, size_t len)
{
	if (mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != addr)
		bail("mmap MAP_FIXED: %s", strerror(errno));
}

static void lifetime(enum mmop op, int inflight)
{
	const char *when = inflight ? "transfer in flight" : "idle";
	uint8_t *r = map_anon_aligned(LT, 2 * MiB), *q = NULL;
	uint8_t *s = map_anon(LT), *d = map_anon(LT);
	struct userdma_completion c;
	struct userdma_xfer x;
	uint32_t hr, hs, hd, n;
	uint64_t sa = 7100 + op * 2 + inflight, sb = sa + 100, sc = sa + 200;
	char why[256] = "";
	ssize_t off;
	int ret;

	pattern_fill(r, LT, sa, 0);
	pattern_fill(s, LT, sc, 0);
	memset(d, 0, LT);
	if (udt_register(pfd, r, LT, USERDMA_DIR_BIDIRECTIONAL, &hr, NULL) ||
	    udt_register(pfd, s, LT, USERDMA_DIR_TO_DEVICE, &hs, NULL) ||
	    udt_register(pfd, d, LT, USERDMA_DIR_FROM_DEVICE, &hd, NULL))
		bail("lifetime: register failed");
	if (inflight) {
		xfer_fill(&x, hs, 0, hr, 0, LT, 0);
		ret = udt_submit(pfd, &x, 1, &n);
		if (ret)
			bail("lifetime: submit %s", errname(ret));
	}
	switch (op) {
	case OP_MUNMAP:
		ret = munmap(r, LT) ? -errno : 0;
		if (!ret) {
			map_fixed(r, LT);
			ok(byte_mismatch(r, LT, 0) < 0,
			   "%s, %s: a new mapping at the address reads zeros",
			   op_name[op], when);
		}
		break;
	case OP_MREMAP:
		q = map_anon_untouched(LT, 2 * MiB);
		q = mremap(r, LT, LT, MREMAP_MAYMOVE | MREMAP_FIXED, q);
		ret = q == MAP_FAILED ? -errno : 0;
		if (!ret)
			map_fixed(r, LT);
		break;
	case OP_DONTNEED:
		ret = madvise(r, LT, MADV_DONTNEED) ? -errno : 0;
		if (!ret)
			ok(byte_mismatch(r, LT, 0) < 0,
			   "%s, %s: the range reads zeros afterwards (fresh pages)",
			   op_name[op], when);
		break;
	case OP_MPROTECT:
		ret = mprotect(r, LT, PROT_NONE) ? -errno : 0;
		break;
	}
	if (ret)
		bail("%s: %s", op_name[op], errname(ret));
	/* the process writes its view of the address (not for PROT_NONE) */
	if (op != OP_MPROTECT)
		pattern_fill(r, LT, sb, 0);
	if (!inflight && op != OP_MREMAP) {
		/* before any DMA, the registered pages still hold pattern A */
		ret = udt_copy(pfd, hr, 0, hd, 0, LT, &c);
		ok(ret == 0 && c.status == 0 &&
		   pattern_mismatch(d, LT, sa, 0) < 0,
		   "%s, %s: DMA from the handle reads the old contents (%s)",
		   op_name[op], when, errname(ret));
	}
	if (inflight)
		ret = udt_wait_retry(pfd, x.cookie, -1, &c);
	else
		ret = udt_copy(pfd, hs, 0, hr, 0, LT, &c);
	ok(ret == 0 && c.status == 0 && c.bytes == LT,
	   "%s, %s: the transfer into the handle completes DONE (%s, %s)",
	   op_name[op], when, errname(ret),
	   ret ? "-" : xfer_status_name(c.status));
	memset(d, 0, LT);
	ret = udt_copy(pfd, hr, 0, hd, 0, LT, &c);
	off = ret ? 0 : pattern_mismatch(d, LT, sc, 0);
	ok(ret == 0 && off < 0,
	   "%s, %s: the registered pages got the DMA: read back through the handle byte for byte (%s, first bad byte %zd)",
	   op_name[op], when, errname(ret), off);
	switch (op) {
	case OP_MUNMAP:
	case OP_DONTNEED:
		off = pattern_mismatch(r, LT, sb, 0);
		ok(off < 0,
		   "%s, %s: the process's memory at the address is its own new memory, untouched by the DMA (first bad byte %zd)",
		   op_name[op], when, off);
		break;
	case OP_MREMAP:
		off = pattern_mismatch(q, LT, sc, 0);
		ok(off < 0,
		   "%s, %s: the moved mapping is still the registered pages: it shows the DMA (first bad byte %zd)",
		   op_name[op], when, off);
		off = pattern_mismatch(r, LT, sb, 0);
		ok(off < 0,
		   "%s, %s: the new mapping at the old address is untouched (first bad byte %zd)",
		   op_name[op], when, off);
		break;
	case OP_MPROTECT:
		ret = mprotect(r, LT, PROT_READ | PROT_WRITE) ? -errno : 0;
		off = ret ? 0 : pattern_mismatch(r, LT, sc, 0);
		ok(ret == 0 && off < 0,
		   "%s, %s: after PROT_READ|PROT_WRITE again the range shows the DMA (first bad byte %zd)",
		   op_name[op], when, off);
		break;
	}
	ret = udt_unregister(pfd, hr);
	ok(ret == 0, "%s, %s: UNREGISTER (%s)", op_name[op], when,
	   errname(ret));
	udt_unregister(pfd, hs);
	udt_unregister(pfd, hd);
	munmap(r, LT);
	if (q)
		munmap(q, LT);
	munmap(s, LT);
	munmap(d, LT);
	ok(clean_within(3000, why, sizeof(why)),
	   "%s, %s: pins and counters back at baseline %s", op_name[op], when,
	   why);
}

/* ---- 3. fork with a transfer in flight ---------------------------------- */

static void fork_inflight(void)
{
	uint8_t *r = map_anon_aligned(LT, 2 * MiB), *s = map_anon(LT);
	struct userdma_completion c;
	struct userdma_xfer x;
	uint32_t hr, hs, n;
	int status, ret;
	ssize_t off;
	pid_t pid;
	char why[256] = "";

	pattern_fill(r, LT, 8001, 0);
	pattern_fill(s, LT, 8002, 0);
	if (udt_register(pfd, r, LT, USERDMA_DIR_FROM_DEVICE, &hr, NULL) ||
	    udt_register(pfd, s, LT, USERDMA_DIR_TO_DEVICE, &hs, NULL))
		bail("fork_inflight: register failed");
	xfer_fill(&x, hs, 0, hr, 0, LT, 0);
	ret = udt_submit(pfd, &x, 1, &n);
	if (ret)
		bail("fork_inflight: submit %s", errname(ret));
	pid = tap_fork();
	if (pid < 0)
		bail("fork: %s", errname(pid));
	if (pid == 0) {
		pattern_fill(r, LT, 8003, 0);
		sleep_ms(100);	/* past the parent's transfer, usually */
		off = pattern_mismatch(r, LT, 8003, 0);
		ok(off < 0,
		   "fork with a transfer in flight: the child's copy holds the child's writes only (first bad byte %zd)",
		   off);
		tap_child_exit();
	}
	ret = udt_wait_retry(pfd, x.cookie, -1, &c);
	status = tap_reap(pid);
	ok_child_status(status, "fork with a transfer in flight: child");
	off = ret ? 0 : pattern_mismatch(r, LT, 8002, 0);
	ok(ret == 0 && c.status == 0 && off < 0,
	   "fork with a transfer in flight: the DMA landed in the parent's pages whole, byte for byte (%s, first bad byte %zd)",
	   errname(ret), off);
	udt_unregister(pfd, hr);
	udt_unregister(pfd, hs);
	munmap(r, LT);
	munmap(s, LT);
	ok(clean_within(3000, why, sizeof(why)),
	   "fork with a transfer in flight: pins and counters at baseline %s",
	   why);
}

int main(void)
{
	enum mmop op;
	double t;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_init("kill_loops");
	diag_config();
	node = node_name_for(edu64_bdf());
	pfd = node_open_or_bail(node);
	ret = udt_channel(pfd, "sw", -1, NULL, NULL);
	if (ret)
		bail("CHANNEL sw: %s", errname(ret));
	if (node_stats(node, &base))
		bail("no counters for %s", node);
	pin0 = pins_outstanding();
	test_seed();

	t = now_s();
	kill_loops();
	diag("kill loops, calibration included: %.1f s", now_s() - t);
	t = now_s();
	for (op = OP_MUNMAP; op <= OP_MPROTECT; op++) {
		lifetime(op, 0);
		lifetime(op, 1);
	}
	fork_inflight();
	diag("lifetime and fork: %.1f s", now_s() - t);

	close(pfd);
	return done_testing();
}
