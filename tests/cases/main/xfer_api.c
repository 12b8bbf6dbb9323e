// SPDX-License-Identifier: MIT
/*
 * The transfer ABI, call by call, on the sw engine: every errno of CHANNEL,
 * SUBMIT (per field), WAIT and read(), poll() readiness, eventfd counting,
 * partial batches, cookies and user_data, the max_inflight limit (4096
 * outstanding including unread completions), the 16 sw channels of a node,
 * and raw device addresses (handle 0) as root and, refused, as uid 1000.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

#define MAX_INFLIGHT	4096
#define BIG		(64 * MiB)

static const char *node;
static int fd;			/* bound to "sw" once chan_errors() is done */
static uint8_t *src, *dst, *bsrc, *bdst;
static uint32_t hs, hd, hbs, hbd, hbi;	/* hbi: bidirectional on src */

static void reg_or_bail(void *p, uint64_t len, uint32_t dir, uint32_t *h)
{
	int ret = udt_register(fd, p, len, dir, h, NULL);

	if (ret)
		bail("register %" PRIu64 " bytes %s: %s", len, dirname_udma(dir),
		     errname(ret));
}

/* Collect exactly n completions (any order) by WAIT; 0 if all DONE. */
static int drain(int f, unsigned int n)
{
	struct userdma_completion c;
	int bad = 0, ret;

	while (n--) {
		ret = udt_wait(f, 0, 60 * 1000000000ll, &c);
		if (ret)
			return ret;
		if (c.status != USERDMA_XFER_DONE)
			bad = -EIO;
	}
	return bad;
}

/* SUBMIT of one xfer must fail with want; nothing may stay outstanding. */
static void expect_submit(struct userdma_xfer *x, int want, const char *what)
{
	uint32_t n = 99;
	int ret;

	x->cookie = 0;
	ret = udt_submit(fd, x, 1, &n);
	ok(ret == want && x->cookie == 0, "SUBMIT %s -> %s (got %s, cookie %llu)",
	   what, errname(want), errname(ret), (unsigned long long)x->cookie);
	if (ret == 0)
		drain(fd, n);
}

static void no_channel(void)
{
	struct userdma_completion c[2];
	struct userdma_xfer x;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t n;
	int ret;

	xfer_fill(&x, hs, 0, hd, 0, 16, 0);
	ret = udt_submit(fd, &x, 1, &n);
	ok(ret == -ENXIO, "no channel: SUBMIT -> ENXIO (%s)", errname(ret));
	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENXIO, "no channel: WAIT -> ENXIO (%s)", errname(ret));
	ret = udt_read_compl(fd, c, 1);
	ok(ret == -ENXIO, "no channel: read -> ENXIO (%s)", errname(ret));
	ret = (int)read(fd, c, 31);
	ok(ret < 0 && errno == EINVAL, "no channel: read of 31 bytes -> EINVAL (%s)",
	   ret < 0 ? errname(errno) : "OK");
	ret = poll(&p, 1, 0);
	ok(ret == 0, "no channel: poll -> nothing ready (%d, revents %#x)", ret,
	   p.revents);
}

static void chan_errors(void)
{
	struct userdma_channel c;
	char bound[32], engine[32];
	int pfd[2], ret, i, fds[17], efd;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.eventfd = -1;
	strcpy(c.name, "sw");
	c.flags = 1;
	ret = udt_channel_raw(fd, &c);
	ok(ret == -EINVAL, "CHANNEL flags 1 -> EINVAL (%s)", errname(ret));
	c.flags = 0;
	c.reserved = 1;
	ret = udt_channel_raw(fd, &c);
	ok(ret == -EINVAL, "CHANNEL reserved 1 -> EINVAL (%s)", errname(ret));
	c.reserved = 0;
	c.eventfd = -2;
	ret = udt_channel_raw(fd, &c);
	ok(ret == -EINVAL, "CHANNEL eventfd -2 -> EINVAL (%s)", errname(ret));
	c.eventfd = -1;
	memset(c.name, 'a', sizeof(c.name));
	ret = udt_channel_raw(fd, &c);
	ok(ret == -EINVAL, "CHANNEL name without NUL -> EINVAL (%s)", errname(ret));
	ret = udt_channel(fd, "nosuch", -1, NULL, NULL);
	ok(ret == -EBUSY, "CHANNEL \"nosuch\" -> EBUSY (%s)", errname(ret));
	ret = udt_channel(fd, "sw", 987, NULL, NULL);
	ok(ret == -EBADF, "CHANNEL eventfd 987 (not open) -> EBADF (%s)",
	   errname(ret));
	if (pipe(pfd))
		bail("pipe");
	ret = udt_channel(fd, "sw", pfd[0], NULL, NULL);
	ok(ret == -EINVAL, "CHANNEL eventfd = a pipe -> EINVAL (%s)", errname(ret));
	close(pfd[0]);
	close(pfd[1]);

	/* 16 sw channels per node: a 17th file gets EBUSY until one closes */
	for (i = 0; i < 17; i++)
		fds[i] = node_open_or_bail(node);
	for (i = 0; i < 16; i++) {
		ret = udt_channel(fds[i], "sw", -1, NULL, NULL);
		if (ret)
			break;
	}
	ok(i == 16, "16 files bind the node's 16 sw channels (%d: %s)", i,
	   errname(ret));
	ret = udt_channel(fds[16], "sw", -1, NULL, NULL);
	ok(ret == -EBUSY, "17th sw channel of the node -> EBUSY (%s)", errname(ret));
	close(fds[3]);
	ret = udt_channel(fds[16], "sw", -1, NULL, NULL);
	ok(ret == 0, "after closing one, the 17th file binds sw (%s)", errname(ret));
	for (i = 0; i < 17; i++)
		if (i != 3)
			close(fds[i]);

	/* "" takes any memcpy channel of the device */
	efd = node_open_or_bail(node);
	ret = udt_channel(efd, "", -1, bound, engine);
	ok(ret == 0 && (!strcmp(engine, "sw") || !strcmp(engine, "edu")),
	   "CHANNEL \"\" binds some channel (%s, %s, engine %s)", errname(ret),
	   ret ? "-" : bound, ret ? "-" : engine);
	close(efd);

	ret = udt_channel(fd, "sw", -1, bound, engine);
	ok(ret == 0 && !strcmp(engine, "sw") && !strncmp(bound, "dma", 3),
	   "after every refusal CHANNEL \"sw\" binds (%s, bound %s, engine %s)",
	   errname(ret), ret ? "-" : bound, ret ? "-" : engine);
	if (ret)
		bail("no sw channel");
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	ok(ret == -EBUSY, "second CHANNEL on the same file -> EBUSY (%s)",
	   errname(ret));
}

static void submit_errors(void)
{
	struct userdma_xfer x, xs[3];
	struct userdma_submit s;
	uint8_t big[4096 * 2];
	uint32_t n;
	int ret;

	xfer_fill(&x, hs, 0, hd, 0, 16, 0);
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.xfers = (uintptr_t)&x;
	s.count = 1;
	s.xfer_size = sizeof(x);
	s.flags = 1;
	ret = udt_ioctl(fd, USERDMA_IOC_SUBMIT, &s);
	ok(ret == -EINVAL, "SUBMIT flags 1 -> EINVAL (%s)", errname(ret));
	ret = udt_submit_sz(fd, &x, 1, 47, NULL);
	ok(ret == -EINVAL, "SUBMIT xfer_size 47 -> EINVAL (%s)", errname(ret));
	ret = udt_submit_sz(fd, &x, 1, 0, NULL);
	ok(ret == -EINVAL, "SUBMIT xfer_size 0 -> EINVAL (%s)", errname(ret));
	ret = udt_submit_sz(fd, big, 1, 4097, NULL);
	ok(ret == -EINVAL, "SUBMIT xfer_size 4097 -> EINVAL (%s)", errname(ret));

	memset(big, 0, sizeof(big));
	xfer_fill((struct userdma_xfer *)big, hs, 0, hd, 0, 16, 7);
	xfer_fill((struct userdma_xfer *)(big + 4096), hs, 16, hd, 16, 16, 8);
	ret = udt_submit_sz(fd, big, 2, 4096, &n);
	ok(ret == 0 && n == 2 && ((struct userdma_xfer *)big)->cookie &&
	   ((struct userdma_xfer *)(big + 4096))->cookie,
	   "SUBMIT xfer_size 4096 with zero tails: 2 submitted (%s, %u)",
	   errname(ret), n);
	ok(drain(fd, ret ? 0 : n) == 0, "  both DONE");
	big[100] = 1;
	ret = udt_submit_sz(fd, big, 1, 4096, &n);
	ok(ret == -E2BIG, "SUBMIT xfer_size 4096, non-zero byte at 100 -> E2BIG (%s)",
	   errname(ret));
	big[100] = 0;
	big[48] = 1;
	ret = udt_submit_sz(fd, big, 1, 56, &n);
	ok(ret == -E2BIG, "SUBMIT xfer_size 56, non-zero byte at 48 -> E2BIG (%s)",
	   errname(ret));
	ret = udt_submit_sz(fd, NULL, 1, sizeof(x), &n);
	ok(ret == -EFAULT, "SUBMIT xfers NULL -> EFAULT (%s)", errname(ret));
	ret = udt_submit(fd, &x, 0, &n);
	ok(ret == 0 && n == 0, "SUBMIT count 0 -> OK, 0 submitted (%s, %u)",
	   errname(ret), n);

	xfer_fill(&x, hs, 0, hd, 0, 0, 0);
	expect_submit(&x, -EINVAL, "length 0");
	xfer_fill(&x, hs, MiB - 15, hd, 0, 16, 0);
	expect_submit(&x, -ERANGE, "src offset+length one past the region");
	xfer_fill(&x, hs, 0, hd, MiB - 15, 16, 0);
	expect_submit(&x, -ERANGE, "dst offset+length one past the region");
	xfer_fill(&x, hs, MiB, hd, 0, 1, 0);
	expect_submit(&x, -ERANGE, "src offset = region length");
	xfer_fill(&x, hs, UINT64_MAX - 3, hd, 0, 16, 0);
	expect_submit(&x, -ERANGE, "src offset+length wraps");
	xfer_fill(&x, hs, 0, hd, UINT64_MAX - 3, 16, 0);
	expect_submit(&x, -ERANGE, "dst offset+length wraps");
	xfer_fill(&x, hs, 0, hd, 0, UINT64_MAX, 0);
	expect_submit(&x, -ERANGE, "length UINT64_MAX");
	xfer_fill(&x, 0xdead, 0, hd, 0, 16, 0);
	expect_submit(&x, -ENOENT, "unknown src handle");
	xfer_fill(&x, hs, 0, 0xdead, 0, 16, 0);
	expect_submit(&x, -ENOENT, "unknown dst handle");
	xfer_fill(&x, hd, 0, hbd, 0, 16, 0);
	expect_submit(&x, -EACCES, "src registered FROM_DEVICE");
	xfer_fill(&x, hs, 0, hbs, 0, 16, 0);
	expect_submit(&x, -EACCES, "dst registered TO_DEVICE");
	xfer_fill(&x, hs, 0, hs, 0, 16, 0);
	expect_submit(&x, -EACCES, "TO_DEVICE region to itself");
	xfer_fill(&x, hbi, 0, hbi, 4096, 16, 0);
	ret = udt_submit(fd, &x, 1, &n);
	ok(ret == 0 && n == 1, "BIDIRECTIONAL region to itself is allowed (%s)",
	   errname(ret));
	if (ret == 0)
		ok(drain(fd, 1) == 0, "  DONE");

	/* partial batch: the third is bad */
	xfer_fill(&xs[0], hs, 0, hd, 0, 100, 0x1111);
	xfer_fill(&xs[1], hs, 100, hd, 100, 100, 0x2222);
	xfer_fill(&xs[2], hs, 0, hd, 0, 0, 0x3333);
	ret = udt_submit(fd, xs, 3, &n);
	ok(ret == 0 && n == 2, "batch of 3, third length 0: OK with count 2 (%s, %u)",
	   errname(ret), n);
	ok(xs[0].cookie && xs[1].cookie > xs[0].cookie && xs[2].cookie == 0,
	   "  cookies of the first two set and increasing, third untouched (%llu %llu %llu)",
	   (unsigned long long)xs[0].cookie, (unsigned long long)xs[1].cookie,
	   (unsigned long long)xs[2].cookie);
	if (ret == 0) {
		struct userdma_completion c0, c1;
		int r0 = udt_wait_retry(fd, xs[1].cookie, -1, &c1);
		int r1 = udt_wait_retry(fd, xs[0].cookie, -1, &c0);

		ok(!r0 && !r1 && c0.cookie == xs[0].cookie &&
		   c1.cookie == xs[1].cookie && c0.user_data == 0x1111 &&
		   c1.user_data == 0x2222 && c0.bytes == 100 && c1.bytes == 100 &&
		   c0.status == 0 && c1.status == 0,
		   "  WAIT by cookie (second first): both DONE, 100 bytes, user_data echoed");
	}
	/* the first bad: the ioctl fails with its errno, nothing submitted */
	xfer_fill(&xs[0], hs, 0, 0xdead, 0, 16, 0);
	xfer_fill(&xs[1], hs, 0, hd, 0, 16, 0);
	xs[1].cookie = 0;
	ret = udt_submit(fd, xs, 2, &n);
	ok(ret == -ENOENT && xs[1].cookie == 0,
	   "batch whose first is bad -> its errno ENOENT, second not submitted (%s)",
	   errname(ret));
	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "  nothing outstanding: WAIT any -> ENOENT (%s)",
	   errname(ret));
}

static void cookie_fault(void)
{
	struct userdma_xfer *ro;
	uint32_t n;
	int ret;

	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	if (ro == MAP_FAILED)
		bail("mmap");
	xfer_fill(&ro[0], hs, 0, hd, 0, 16, 1);
	xfer_fill(&ro[1], hs, 0, hd, 0, 16, 2);
	mprotect(ro, 4096, PROT_READ);
	ret = udt_submit(fd, ro, 1, &n);
	ok(ret == -EFAULT, "SUBMIT with a read-only cookie -> EFAULT (%s)",
	   errname(ret));
	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "  not submitted: WAIT any -> ENOENT (%s)", errname(ret));
	munmap(ro, 4096);

	/* first writable, second not: count 1 */
	ro = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	if (ro == MAP_FAILED)
		bail("mmap");
	xfer_fill((struct userdma_xfer *)((uint8_t *)ro + 4096 - 48), hs, 0, hd, 0,
		  16, 1);
	xfer_fill((struct userdma_xfer *)((uint8_t *)ro + 4096), hs, 0, hd, 0, 16,
		  2);
	mprotect((uint8_t *)ro + 4096, 4096, PROT_READ);
	ret = udt_submit(fd, (struct userdma_xfer *)((uint8_t *)ro + 4096 - 48), 2,
			 &n);
	ok(ret == 0 && n == 1,
	   "batch of 2, second cookie read-only: OK, count 1 (%s, %u)",
	   errname(ret), n);
	if (ret == 0)
		ok(drain(fd, 1) == 0 && udt_wait(fd, 0, 0, NULL) == -ENOENT,
		   "  exactly one completion, DONE");
	munmap(ro, 8192);
}

static void cookies_and_reads(void)
{
	struct userdma_xfer xs[20];
	struct userdma_completion c[20];
	uint64_t prev = 0;
	unsigned int i, seen = 0;
	uint32_t n;
	int ret, inc = 1, ud = 1, flags;

	for (i = 0; i < 20; i++)
		xfer_fill(&xs[i], hs, i * 8, hd, i * 8, 8, 0xabc000 + i);
	ret = udt_submit(fd, xs, 20, &n);
	if (!ok(ret == 0 && n == 20, "SUBMIT 20 (%s, %u)", errname(ret), n))
		return;
	for (i = 0; i < 20; i++) {
		inc &= xs[i].cookie > prev;
		prev = xs[i].cookie;
	}
	ok(inc, "cookies non-zero and increasing within a batch and across batches");
	/* wait until all are posted, then read 20 worth: at most 16 come */
	ret = udt_wait_retry(fd, xs[19].cookie, -1, &c[0]);
	ok(ret == 0 && c[0].user_data == 0xabc000 + 19,
	   "WAIT the last cookie (%s)", errname(ret));
	/* the rest were posted before it (one channel, in order) or soon */
	sleep_ms(200);
	ret = udt_read_compl(fd, c, 20);
	ok(ret == 16, "read of 20 completions' room returns 16 (%d)", ret);
	for (i = 0; ret > 0 && i < (unsigned int)ret; i++) {
		uint64_t k = c[i].user_data - 0xabc000;

		ud &= k < 19 && c[i].cookie == xs[k].cookie &&
		      c[i].bytes == 8 && c[i].status == 0;
		seen++;
	}
	ret = udt_read_compl(fd, c, 20);
	ok(ret == 3, "the next read returns the last 3 (%d)", ret);
	for (i = 0; ret > 0 && i < (unsigned int)ret; i++) {
		uint64_t k = c[i].user_data - 0xabc000;

		ud &= k < 19 && c[i].cookie == xs[k].cookie &&
		      c[i].bytes == 8 && c[i].status == 0;
		seen++;
	}
	ok(ud && seen == 19, "every completion DONE, 8 bytes, cookie and user_data match");

	ret = (int)read(fd, c, 31);
	ok(ret < 0 && errno == EINVAL, "read of 31 bytes -> EINVAL");
	ret = udt_read_compl(fd, c, 1);
	ok(ret == 0, "blocking read with nothing outstanding -> 0 (end of file) (%d)",
	   ret);
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	ret = udt_read_compl(fd, c, 1);
	ok(ret == 0, "O_NONBLOCK read with nothing outstanding -> 0 as well (%s)",
	   errname(ret));
	fcntl(fd, F_SETFL, flags);
}

static pthread_t waiter;
static volatile int wait_ret = 1;
static uint64_t wait_cookie;

static void on_usr1(int sig)
{
	(void)sig;
}

static void *wait_thread(void *arg)
{
	(void)arg;
	wait_ret = udt_wait(fd, wait_cookie, -1, NULL);
	return NULL;
}

static void wait_and_poll(void)
{
	struct userdma_xfer xs[8];
	struct userdma_completion c;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sigaction sa;
	unsigned int i;
	uint32_t n;
	int ret, flags, tries;

	ret = udt_wait(fd, 0, 0, NULL);
	ok(ret == -ENOENT, "WAIT any with nothing outstanding -> ENOENT (%s)",
	   errname(ret));
	ret = udt_wait(fd, 123456789, -1, NULL);
	ok(ret == -ENOENT, "WAIT unknown cookie -> ENOENT (%s)", errname(ret));
	{
		struct userdma_wait w;

		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.flags = 1;
		ret = udt_ioctl(fd, USERDMA_IOC_WAIT, &w);
		ok(ret == -EINVAL, "WAIT flags 1 -> EINVAL (%s)", errname(ret));
	}

	/* 8 x 64 MiB: the last cannot be done when SUBMIT returns */
	for (i = 0; i < 8; i++)
		xfer_fill(&xs[i], hbs, 0, hbd, 0, BIG, i);
	ret = udt_submit(fd, xs, 8, &n);
	if (!ok(ret == 0 && n == 8, "SUBMIT 8 x 64 MiB (%s)", errname(ret)))
		return;
	ret = udt_wait(fd, xs[7].cookie, 0, NULL);
	ok(ret == -ETIMEDOUT, "WAIT timeout 0 on the last of 512 MiB -> ETIMEDOUT (%s)",
	   errname(ret));
	ret = udt_wait(fd, xs[7].cookie, 1000000, NULL);
	ok(ret == -ETIMEDOUT, "WAIT 1 ms on the last -> ETIMEDOUT (%s)",
	   errname(ret));
	ret = poll(&p, 1, 0);
	ok(ret == 0, "poll right after SUBMIT of 512 MiB: nothing ready (%d)", ret);
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	ret = udt_read_compl(fd, &c, 1);
	ok(ret == -EAGAIN, "O_NONBLOCK read while 512 MiB runs -> EAGAIN (%s)",
	   errname(ret));
	fcntl(fd, F_SETFL, flags);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	/*
	 * The batch may all be done before the signal (bounce copies are
	 * fast on a CPU model without rep movsb): then the waiter consumed
	 * the last completion, the other seven are drained and a new batch
	 * is tried, three times at most.
	 */
	for (tries = 1;; tries++) {
		wait_ret = 1;
		wait_cookie = xs[7].cookie;
		pthread_create(&waiter, NULL, wait_thread, NULL);
		sleep_ms(20);
		pthread_kill(waiter, SIGUSR1);
		pthread_join(waiter, NULL);
		if (wait_ret != 0 || tries == 3)
			break;
		for (i = 0; i < 8; i++)
			xfer_fill(&xs[i], hbs, 0, hbd, 0, BIG, i);
		if (drain(fd, 7) || udt_submit(fd, xs, 8, &n) || n != 8)
			bail("another batch of 8 x 64 MiB after one finished before the signal");
	}
	ok(wait_ret == -EINTR, "WAIT interrupted by a signal -> EINTR (%s, batch %d)",
	   errname(wait_ret), tries);

	ret = udt_wait_retry(fd, xs[7].cookie, -1, &c);
	ok(ret == 0 && c.cookie == xs[7].cookie && c.status == 0 &&
	   c.bytes == BIG && c.user_data == 7,
	   "WAIT for ever on the last: DONE, 64 MiB, user_data 7 (%s, %s)",
	   errname(ret), xfer_status_name(c.status));
	/* everything before it ran first on the one channel */
	ret = poll(&p, 1, 5000);
	ok(ret == 1 && (p.revents & POLLIN), "poll: POLLIN with 7 completions ready");
	ret = udt_wait(fd, xs[7].cookie, 0, NULL);
	ok(ret == -ENOENT, "WAIT a consumed cookie -> ENOENT (%s)", errname(ret));
	ret = drain(fd, 7);
	ok(ret == 0, "the other 7 DONE (%s)", errname(ret));
	p.revents = 0;
	ret = poll(&p, 1, 0);
	ok(ret == 0, "poll after everything was consumed: nothing (%d)", ret);
	ok(mem_mismatch(bsrc, bdst, BIG) < 0, "64 MiB destination equals source");
}

static void eventfd_count(void)
{
	struct userdma_xfer xs[10];
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), f, ret;
	uint64_t sum = 0, v;
	uint32_t n, h1, h2;
	unsigned int i;
	double end;

	f = node_open_or_bail(node);
	ret = udt_channel(f, "sw", efd, NULL, NULL);
	ok(ret == 0, "CHANNEL with an eventfd (%s)", errname(ret));
	if (udt_register(f, src, MiB, USERDMA_DIR_TO_DEVICE, &h1, NULL) ||
	    udt_register(f, dst, MiB, USERDMA_DIR_FROM_DEVICE, &h2, NULL))
		bail("register on the eventfd file");
	for (i = 0; i < 10; i++)
		xfer_fill(&xs[i], h1, i * 1000, h2, i * 1000, 1000, i);
	ret = udt_submit(f, xs, 10, &n);
	ok(ret == 0 && n == 10, "SUBMIT 10 (%s)", errname(ret));
	end = now_s() + 10;
	while (sum < 10 && now_s() < end) {
		if (read(efd, &v, 8) == 8)
			sum += v;
		else
			sleep_ms(5);
	}
	sleep_ms(100);
	if (read(efd, &v, 8) == 8)
		sum += v;
	ok(sum == 10, "eventfd counted exactly 10 completions (%llu)",
	   (unsigned long long)sum);
	ret = drain(f, 10);
	ok(ret == 0, "the 10 completions DONE (%s)", errname(ret));
	ret = (int)read(efd, &v, 8);
	ok(ret < 0 && errno == EAGAIN, "consuming completions does not signal");
	udt_unregister(f, h1);
	udt_unregister(f, h2);
	close(f);
	close(efd);
}

static void inflight_limit(void)
{
	struct userdma_xfer *xs = calloc(MAX_INFLIGHT + 3, sizeof(*xs));
	struct userdma_completion c[16];
	unsigned char *seen = calloc(MAX_INFLIGHT + 3, 1);
	unsigned int i, got = 0, bad = 0;
	uint32_t n;
	int ret;

	for (i = 0; i < MAX_INFLIGHT + 3; i++)
		xfer_fill(&xs[i], hs, i % 4096, hd, i % 4096, 1, i);
	ret = udt_submit(fd, xs, MAX_INFLIGHT - 1, &n);
	ok(ret == 0 && n == MAX_INFLIGHT - 1, "SUBMIT 4095 tiny transfers (%s, %u)",
	   errname(ret), n);
	ret = udt_submit(fd, xs + MAX_INFLIGHT - 1, 3, &n);
	ok(ret == 0 && n == 1, "batch of 3 at 4095 outstanding: count 1 (%s, %u)",
	   errname(ret), n);
	sleep_ms(200);	/* all complete, none read: they still count */
	ret = udt_submit(fd, xs + MAX_INFLIGHT, 1, &n);
	ok(ret == -EAGAIN, "one more with 4096 unread completions -> EAGAIN (%s)",
	   errname(ret));
	while (got < MAX_INFLIGHT) {
		int k, m = udt_read_compl(fd, c, 16);

		if (m <= 0) {
			diag("read after %u: %s", got, errname(m));
			break;
		}
		for (k = 0; k < m; k++) {
			uint64_t idx = c[k].user_data;

			if (idx >= MAX_INFLIGHT || seen[idx] ||
			    c[k].cookie != xs[idx].cookie || c[k].status ||
			    c[k].bytes != 1)
				bad++;
			else
				seen[idx] = 1;
			got++;
		}
	}
	ok(got == MAX_INFLIGHT && !bad, "read all 4096: each DONE once (%u read, %u bad)",
	   got, bad);
	xs[MAX_INFLIGHT].cookie = 0;
	ret = udt_submit(fd, xs + MAX_INFLIGHT, 1, &n);
	ok(ret == 0 && n == 1 && xs[MAX_INFLIGHT].cookie > xs[MAX_INFLIGHT - 1].cookie,
	   "after reading, SUBMIT works again (%s)", errname(ret));
	if (ret == 0)
		drain(fd, 1);
	free(xs);
	free(seen);
}

/*
 * Raw addresses taken from SEGMENTS.  Under bounce buffers a DMA address
 * is a swiotlb slot: the CPU's bytes reach it by SYNC_FOR_DEVICE and come
 * back by SYNC_FOR_CPU, so the destination is BIDIRECTIONAL and both are
 * synced explicitly (no-ops elsewhere).
 */
static void raw_addresses(void)
{
	struct userdma_segment *sd = NULL, *ss = NULL;
	struct userdma_completion c;
	struct userdma_xfer x;
	uint8_t *rd = map_anon(64 * KiB);
	uint32_t n, hr;
	pid_t pid;
	int ret, nd, ns;

	reg_or_bail(rd, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL, &hr);
	nd = udt_segments_all(fd, hr, &sd);
	ns = udt_segments_all(fd, hs, &ss);
	if (nd <= 0 || ns <= 0)
		bail("SEGMENTS: %s %s", errname(nd), errname(ns));
	pattern_fill(src, MiB, 77, 0);
	udt_sync(fd, hs, 0, MiB, USERDMA_SYNC_FOR_DEVICE);
	memset(rd, 0xee, 64 * KiB);
	udt_sync(fd, hr, 0, 64 * KiB, USERDMA_SYNC_FOR_DEVICE);
	/* to the destination region's own DMA address, as root */
	xfer_fill(&x, hs, 5, 0, sd[0].dma_addr + 3,
		  MIN(sd[0].length - 4, (uint64_t)3000), 1);
	ret = udt_submit(fd, &x, 1, &n);
	ok(ret == 0, "root: raw destination = a region's DMA address 0x%llx + 3 (%s)",
	   (unsigned long long)sd[0].dma_addr, errname(ret));
	if (ret == 0) {
		ret = udt_wait_retry(fd, x.cookie, -1, &c);
		ok(ret == 0 && c.status == 0 && c.bytes == x.length,
		   "  DONE, %llu bytes (%s, %s)", (unsigned long long)x.length,
		   errname(ret), xfer_status_name(c.status));
		udt_sync(fd, hr, 0, 64 * KiB, USERDMA_SYNC_FOR_CPU);
		ok(pattern_mismatch(rd + 3, x.length, 77, 5) < 0 &&
		   rd[2] == 0xee && rd[3 + x.length] == 0xee,
		   "  the bytes arrived at offset 3, neighbours untouched");
	}
	/* from the source region's DMA address into a region */
	memset(dst, 0xee, MiB);
	x.length = MIN(ss[0].length - 100, (uint64_t)2000);
	ret = udt_copy(fd, 0, ss[0].dma_addr + 100, hd, 50, x.length, &c);
	ok(ret == 0 && c.status == 0 && pattern_mismatch(dst + 50, x.length, 77, 100) < 0,
	   "root: raw source = the source region's DMA address: DONE, bytes right (%s)",
	   errname(ret));

	pid = tap_fork();
	if (pid == 0) {
		ret = drop_root(unpriv_uid(), unpriv_gid());
		if (ret)
			bail("drop_root: %s", errname(ret));
		xfer_fill(&x, hs, 0, 0, sd[0].dma_addr, 16, 0);
		ret = udt_submit(fd, &x, 1, &n);
		ok(ret == -EPERM, "uid %u: raw destination -> EPERM (%s)",
		   (unsigned)unpriv_uid(), errname(ret));
		xfer_fill(&x, 0, ss[0].dma_addr, hd, 0, 16, 0);
		ret = udt_submit(fd, &x, 1, &n);
		ok(ret == -EPERM, "uid %u: raw source -> EPERM (%s)",
		   (unsigned)unpriv_uid(), errname(ret));
		ret = udt_copy(fd, hs, 0, hd, 0, 16, &c);
		ok(ret == 0 && c.status == 0,
		   "uid %u: region to region on the inherited file works (%s)",
		   (unsigned)unpriv_uid(), errname(ret));
		tap_child_exit();
	}
	if (pid < 0)
		bail("fork: %s", errname(pid));
	ok_child_status(tap_reap(pid), "unprivileged child");
	ret = udt_unregister(fd, hr);
	ok(ret == 0, "raw destination region unregisters (%s)", errname(ret));
	munmap(rd, 64 * KiB);
	free(sd);
	free(ss);
}

/*
 * Raw ranges beyond the DMA mask, on the 28-bit device.  The source is
 * checked first, so a raw source of address 0 (inside any mask) lets the
 * destination be the one refused; nothing needs registering (without an
 * IOMMU little memory is reachable by that device).
 */
static void raw_mask(void)
{
	const char *n28 = node_name_for(edu28_bdf());
	int f = node_open_or_bail(n28), ret;
	struct userdma_info info;
	struct userdma_xfer x;
	uint32_t n;

	node_info_or_bail(f, &info);
	ret = udt_channel(f, "sw", -1, NULL, NULL);
	if (ret)
		bail("28-bit node: CHANNEL: %s", errname(ret));
	xfer_fill(&x, 0, info.dma_mask, 0, 0, 2, 0);
	ret = udt_submit(f, &x, 1, &n);
	ok(ret == -ERANGE, "28-bit node: raw source [mask, mask + 2) -> ERANGE (%s)",
	   errname(ret));
	xfer_fill(&x, 0, 0, 0, info.dma_mask + 1, 1, 0);
	ret = udt_submit(f, &x, 1, &n);
	ok(ret == -ERANGE, "28-bit node: raw destination mask + 1 -> ERANGE (%s)",
	   errname(ret));
	xfer_fill(&x, 0, 0, 0, UINT64_MAX, 2, 0);
	ret = udt_submit(f, &x, 1, &n);
	ok(ret == -ERANGE, "raw destination wrapping -> ERANGE (%s)", errname(ret));
	ret = udt_wait(f, 0, 0, NULL);
	ok(ret == -ENOENT, "  none of them was submitted (%s)", errname(ret));
	close(f);
}

/*
 * WAIT on a cookie that is in flight must wait, never say ENOENT, until
 * its completion was consumed: poll each of 10 x 16 MiB copies with
 * timeout 0 until it is there (under bounce buffers the destination's
 * sync for the CPU takes a while after the engine is done).
 */
static void wait_poll_cookie(void)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	int i, ret, enoent = 0, good = 0;
	long polls = 0;
	uint32_t n;

	for (i = 0; i < 10; i++) {
		xfer_fill(&x, hbs, 0, hbd, 0, 16 * MiB, i);
		if (udt_submit(fd, &x, 1, &n))
			bail("submit 16 MiB");
		do {
			ret = udt_wait(fd, x.cookie, 0, &c);
			polls++;
		} while (ret == -ETIMEDOUT);
		if (ret == -ENOENT) {
			enoent++;
			ret = udt_wait(fd, x.cookie, -1, &c);
			if (ret == -ENOENT)	/* consumed by nobody: take any */
				ret = udt_wait(fd, 0, -1, &c);
		}
		good += ret == 0 && c.cookie == x.cookie && c.status == 0;
	}
	ok(enoent == 0 && good == 10,
	   "WAIT(cookie, timeout 0) polled %ld times on 10 x 16 MiB in flight: %d spurious ENOENT, %d DONE",
	   polls, enoent, good);
}

int main(void)
{
	struct snap start;
	int ret;

	tap_init("xfer_api");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	snap_take(node, &start);

	src = map_anon(MiB);
	dst = map_anon(MiB);
	bsrc = map_anon(BIG);
	bdst = map_anon(BIG);
	pattern_fill(bsrc, BIG, 5, 0);
	reg_or_bail(src, MiB, USERDMA_DIR_TO_DEVICE, &hs);
	reg_or_bail(dst, MiB, USERDMA_DIR_FROM_DEVICE, &hd);
	reg_or_bail(bsrc, BIG, USERDMA_DIR_TO_DEVICE, &hbs);
	reg_or_bail(bdst, BIG, USERDMA_DIR_FROM_DEVICE, &hbd);
	reg_or_bail(src + 512 * KiB, 8192, USERDMA_DIR_BIDIRECTIONAL, &hbi);

	no_channel();
	chan_errors();
	submit_errors();
	cookie_fault();
	cookies_and_reads();
	wait_and_poll();
	eventfd_count();
	inflight_limit();
	wait_poll_cookie();
	raw_addresses();
	raw_mask();

	ret = udt_unregister(fd, hs) | udt_unregister(fd, hd) |
	      udt_unregister(fd, hbs) | udt_unregister(fd, hbd) |
	      udt_unregister(fd, hbi);
	ok(ret == 0, "every region unregisters: no transfer holds one");
	ok_no_spurious_enoent();
	close(fd);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
