// SPDX-License-Identifier: MIT
/*
 * An ioctl stuck in a user-memory fault must not hold up unbind.  On the
 * 28-bit edu device (00:04.0: the 64-bit one is left to other programs),
 * as root, a range is registered with a userfaultfd (MODE_MISSING) and
 * nobody resolves its faults; a second thread then issues an ioctl that
 * faults on it:
 *  - REGISTER of that range (blocked in the pin; 6.1's long-term pin
 *    cannot wait for userfaultfd and fails with EFAULT at once: skipped);
 *  - REGISTER whose command struct sits on that range (blocked copying the
 *    command in);
 *  - SUBMIT whose xfers array sits on that range (blocked copying the
 *    transfer in; a sw channel is bound first).
 * With the thread seen blocked (the fault arrives on the userfaultfd), the
 * device is unbound from a third thread: the write to .../unbind must
 * finish within 2 s.  (A module that waits for the ioctl would block
 * until the fault is resolved: the test resolves it after 5 s so that it
 * never hangs, and reports how long the unbind took.)  Once the fault is
 * resolved (UFFDIO_ZEROPAGE for the pin, UFFDIO_COPY of a valid command
 * otherwise) the stuck ioctl returns ENODEV, and after close nothing is
 * left pinned (VmPin back; the runner checks the pin counters).  The
 * device is bound again after each case and comes back under its name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "pci.h"
#include "util.h"
#include "xfer.h"

#define AREA	(4 * PAGE)
#define UNBIND_LIMIT_S	2.0
#define RESOLVE_AFTER_S	5.0

enum kind { K_PIN, K_CMD, K_SUBMIT };

static const char *const kind_name[] = {
	[K_PIN] = "REGISTER blocked in the pin",
	[K_CMD] = "REGISTER whose command struct faults",
	[K_SUBMIT] = "SUBMIT whose xfers array faults",
};

struct blocked {
	enum kind kind;
	int fd;
	uint8_t *area;		/* the userfaultfd range */
	uint8_t *other;		/* ordinary memory the K_CMD struct names */
	struct userdma_submit sub;
	volatile int ret, done;
	int joined;
};

static const char *bdf;
static volatile int unbind_ret = 1, unbind_done;
static volatile double unbind_secs;

static void *ioctl_thread(void *arg)
{
	struct blocked *b = arg;
	uint32_t h;

	switch (b->kind) {
	case K_PIN:
		b->ret = udt_register(b->fd, b->area, AREA,
				      USERDMA_DIR_BIDIRECTIONAL, &h, NULL);
		break;
	case K_CMD:
		b->ret = udt_ioctl(b->fd, USERDMA_IOC_REGISTER, b->area);
		break;
	case K_SUBMIT:
		b->ret = udt_ioctl(b->fd, USERDMA_IOC_SUBMIT, &b->sub);
		break;
	}
	b->done = 1;
	return NULL;
}

static void *unbind_thread(void *arg)
{
	double t0 = now_s();

	(void)arg;
	unbind_ret = pci_unbind(bdf);
	unbind_secs = now_s() - t0;
	unbind_done = 1;
	return NULL;
}

static int uffd_open(void *area, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)area, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		int err = -errno;

		close(uffd);
		return err;
	}
	return uffd;
}

/* Wait for the first fault on the range: 1 with its address, 0 if none. */
static int uffd_fault(int uffd, int ms, uint64_t *addr)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	*addr = msg.arg.pagefault.address;
	return 1;
}

/* Resolve every fault of the range: zero pages, or page 0 = content. */
static int uffd_resolve(int uffd, uint8_t *area, const void *content)
{
	if (!content) {
		struct uffdio_zeropage z = {
			.range = { .start = (uintptr_t)area, .len = AREA },
		};

		return ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? -errno : 0;
	} else {
		struct uffdio_copy c = {
			.dst = (uintptr_t)area,
			.src = (uintptr_t)content,
			.len = PAGE,
		};

		return ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;
	}
}

static int timed_join(pthread_t t, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	return pthread_timedjoin_np(t, NULL, &ts);
}

static void one_case(enum kind kind, const char *node)
{
	const char *what = kind_name[kind];
	struct blocked b = { .kind = kind, .ret = 1 };
	struct userdma_alloc as, ad;
	long long vmpin0 = vmpin_kb();
	uint8_t *content = NULL;
	pthread_t it, ut;
	uint64_t fault_at = 0;
	int uffd, ret, faulted, unbound = 0;
	double t0;

	b.fd = node_open_or_bail(node);
	b.area = map_anon_untouched(AREA, PAGE);
	b.other = map_anon(PAGE);
	content = map_anon(PAGE);
	memset(content, 0, PAGE);
	if (kind == K_CMD) {
		struct userdma_register r = {
			.size = sizeof(r),
			.addr = (uintptr_t)b.other,
			.length = PAGE,
			.direction = USERDMA_DIR_BIDIRECTIONAL,
		};

		memcpy(content, &r, sizeof(r));
	} else if (kind == K_SUBMIT) {
		struct userdma_xfer x;

		ret = udt_channel(b.fd, "sw", -1, NULL, NULL);
		if (!ret)
			ret = udt_alloc(b.fd, PAGE, USERDMA_ALLOC_COHERENT,
					USERDMA_DIR_BIDIRECTIONAL, &as);
		if (!ret)
			ret = udt_alloc(b.fd, PAGE, USERDMA_ALLOC_COHERENT,
					USERDMA_DIR_BIDIRECTIONAL, &ad);
		if (ret)
			bail("%s: CHANNEL sw and two coherent pages: %s", what,
			     errname(ret));
		xfer_fill(&x, as.handle, 0, ad.handle, 0, PAGE, 7);
		memcpy(content, &x, sizeof(x));
		b.sub.size = sizeof(b.sub);
		b.sub.xfers = (uintptr_t)b.area;
		b.sub.count = 1;
		b.sub.xfer_size = sizeof(x);
	}

	uffd = uffd_open(b.area, AREA);
	if (uffd < 0)
		bail("userfaultfd on %u bytes: %s", (unsigned int)AREA,
		     errname(uffd));

	pthread_create(&it, NULL, ioctl_thread, &b);
	faulted = uffd_fault(uffd, 5000, &fault_at);
	if (!faulted && b.done && kind == K_PIN && b.ret == -EFAULT) {
		/*
		 * 6.1's pin_user_pages_fast() takes the slow path of a
		 * FOLL_LONGTERM pin with no "locked" pointer
		 * (__gup_longterm_unlocked), so it faults without
		 * FAULT_FLAG_ALLOW_RETRY, which userfaultfd refuses (SIGBUS,
		 * EFAULT) instead of waiting.  Nothing to unbind under.
		 */
		skip("this kernel's FOLL_LONGTERM pin does not wait for userfaultfd (EFAULT at once)",
		     "%s: the ioctl waits on the userfaultfd range", what);
		goto out;
	}
	if (!ok(faulted && !b.done && fault_at >= (uintptr_t)b.area &&
		fault_at < (uintptr_t)b.area + AREA,
		"%s: the ioctl faulted on the userfaultfd range and waits (%s)",
		what, b.done ? errname(b.ret) : faulted ? "blocked" : "no fault in 5 s")) {
		uffd_resolve(uffd, b.area, kind == K_PIN ? NULL : content);
		goto out;
	}

	unbind_done = 0;
	unbind_ret = 1;
	t0 = now_s();
	pthread_create(&ut, NULL, unbind_thread, NULL);
	while (!unbind_done && now_s() - t0 < UNBIND_LIMIT_S)
		sleep_ms(10);
	ok(unbind_done && unbind_ret == 0,
	   "  unbind %s finished within %.0f s while the ioctl waits (%s, %.2f s)",
	   bdf, UNBIND_LIMIT_S, unbind_done ? errname(unbind_ret) : "still blocked",
	   now_s() - t0);
	if (!unbind_done) {
		/* let a module that waits for the fault finish: never hang */
		while (!unbind_done && now_s() - t0 < RESOLVE_AFTER_S)
			sleep_ms(10);
		if (!unbind_done)
			diag("  unbind still blocked after %.0f s: resolving the fault",
			     RESOLVE_AFTER_S);
	}
	ret = uffd_resolve(uffd, b.area, kind == K_PIN ? NULL : content);
	if (ret)
		diag("  resolving the fault: %s", errname(ret));
	if (timed_join(ut, 30))
		bail("%s: unbind still blocked 30 s after the fault was resolved",
		     what);
	diag("  unbind took %.2f s (%s)", unbind_secs, errname(unbind_ret));
	if (timed_join(it, 30))
		bail("%s: the ioctl still blocked 30 s after the fault was resolved",
		     what);
	b.joined = 1;
	ok(b.ret == -ENODEV, "  once the fault is resolved the ioctl returns ENODEV (%s)",
	   errname(b.ret));
	unbound = unbind_ret == 0;

out:
	if (!b.joined && timed_join(it, 30))
		bail("%s: the ioctl still blocked 30 s after the fault was resolved",
		     what);
	close(b.fd);
	close(uffd);
	ok(vmpin_kb() == vmpin0, "  file closed: nothing left pinned (VmPin %+lld kB)",
	   vmpin_kb() - vmpin0);
	munmap(b.area, AREA);
	munmap(b.other, PAGE);
	munmap(content, PAGE);
	if (unbound) {
		char again[64];

		ret = pci_bind_wait(bdf, again, sizeof(again), 2000);
		ok(ret == 0 && !strcmp(again, node), "  bind %s again: %s is back (%s, %s)",
		   bdf, node, errname(ret), ret ? "-" : again);
		if (ret)
			bail("%s did not come back", bdf);
	}
}

int main(void)
{
	char node[64];

	tap_init("unbind_blocked");
	diag_config();
	bdf = edu28_bdf();
	if (getuid() != 0)
		skip_all("needs root (userfaultfd faults from the kernel, sysfs unbind)");
	if (node_for_bdf(bdf, node, sizeof(node)))
		bail("no node for %s", bdf);

	one_case(K_PIN, node);
	one_case(K_CMD, node);
	one_case(K_SUBMIT, node);
	return done_testing();
}
