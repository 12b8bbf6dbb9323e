// SPDX-License-Identifier: MIT
/*
 * close() racing unbind, for at least 10 s and 5 rounds, on the 28-bit edu
 * device (00:04.0; the 64-bit one is left to other programs).  Each round
 * opens the node, binds a sw channel, allocates two coherent buffers (one
 * mapped), registers a buffer where the device can reach it (behind an
 * IOMMU; without one the registration may be refused with EIO, which is
 * fine), exports that registration, submits transfers and, without waiting
 * for them, closes the file in one thread while another unbinds the device,
 * released together (with a random head start of up to 200 us for either).
 * Then the mapping and the dma-buf go, the device is bound again and the
 * round is judged: both calls succeed, both threads return within 20 s,
 * VmPin is back, the node comes back under its name with zero counters.  The
 * runner checks the pin counters and the kernel log; on the debug kernel
 * this is KASAN's and lockdep's test of the two teardown paths.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "pci.h"
#include "util.h"
#include "xfer.h"

#define RUN_S	10.0
#define MIN_ROUNDS	5
#define MAX_S	90.0
#define BLEN	(64 * KiB)
#define NXF	8

struct round {
	pthread_barrier_t go;
	int fd;
	unsigned int close_delay_us, unbind_delay_us;
	int close_ret, unbind_ret;
};

static const char *bdf;

static void *close_thread(void *arg)
{
	struct round *r = arg;

	pthread_barrier_wait(&r->go);
	if (r->close_delay_us)
		usleep(r->close_delay_us);
	r->close_ret = close(r->fd) ? -errno : 0;
	return NULL;
}

static void *unbind_thread(void *arg)
{
	struct round *r = arg;

	pthread_barrier_wait(&r->go);
	if (r->unbind_delay_us)
		usleep(r->unbind_delay_us);
	r->unbind_ret = pci_unbind(bdf);
	return NULL;
}

static int timed_join(pthread_t t, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	return pthread_timedjoin_np(t, NULL, &ts);
}

struct tally {
	int rounds, setup_bad, close_bad, unbind_bad, vmpin_bad, rebind_bad,
	    stats_bad, registered, exported, submitted;
};

/* diag() the first failure of each kind only */
static void first_failure(int *done, const char *fmt, ...) TAP_PRINTF(2, 3);
static void first_failure(int *done, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (*done)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	diag("%s", line);
	*done = 1;
}

static void one_round(char *node, uint8_t *user, struct tally *t,
		      long long vmpin0)
{
	static int said_setup, said_close, said_unbind, said_vmpin, said_rebind,
		   said_stats;
	struct userdma_alloc as, ad;
	struct userdma_xfer xs[NXF];
	struct node_stats st;
	struct round r;
	pthread_t ct, ut;
	uint8_t *map = NULL;
	uint32_t hu = 0, n;
	int ret, err, dmabuf = -1, i;
	char again[64];

	memset(&r, 0, sizeof(r));
	r.fd = node_open(node);
	ret = r.fd < 0 ? r.fd : udt_channel(r.fd, "sw", -1, NULL, NULL);
	if (!ret)
		ret = udt_alloc(r.fd, BLEN, USERDMA_ALLOC_COHERENT,
				USERDMA_DIR_BIDIRECTIONAL, &as);
	if (!ret)
		ret = udt_alloc(r.fd, BLEN, USERDMA_ALLOC_COHERENT,
				USERDMA_DIR_BIDIRECTIONAL, &ad);
	if (ret) {
		t->setup_bad++;
		first_failure(&said_setup, "round %d: open, CHANNEL sw, ALLOC: %s",
			      t->rounds, errname(ret));
		if (r.fd >= 0)
			close(r.fd);
		return;
	}
	map = udt_mmap(r.fd, as.mmap_offset, BLEN, PROT_READ | PROT_WRITE,
		       MAP_SHARED, &err);
	if (map)
		pattern_fill(map, BLEN, t->rounds, 0);
	ret = udt_register(r.fd, user, BLEN, USERDMA_DIR_BIDIRECTIONAL, &hu,
			   NULL);
	if (ret == 0) {
		t->registered++;
		if (udt_export(r.fd, hu, 0, &dmabuf) == 0)
			t->exported++;
	} else if (cfg_iommu() || ret != -EIO) {
		t->setup_bad++;
		first_failure(&said_setup, "round %d: REGISTER: %s", t->rounds,
			      errname(ret));
	}
	for (i = 0; i < NXF; i++) {
		if (hu && (i & 1))
			xfer_fill(&xs[i], hu, 0, ad.handle, 0, BLEN, i);
		else
			xfer_fill(&xs[i], as.handle, 0, ad.handle, 0, BLEN, i);
	}
	if (udt_submit(r.fd, xs, NXF, &n) == 0)
		t->submitted += n;

	pthread_barrier_init(&r.go, NULL, 2);
	if (rnd_below(2))
		r.close_delay_us = rnd_below(200);
	else
		r.unbind_delay_us = rnd_below(200);
	pthread_create(&ct, NULL, close_thread, &r);
	pthread_create(&ut, NULL, unbind_thread, &r);
	if (timed_join(ct, 20) || timed_join(ut, 20))
		bail("round %d: close or unbind still blocked after 20 s",
		     t->rounds);
	pthread_barrier_destroy(&r.go);
	if (r.close_ret) {
		t->close_bad++;
		first_failure(&said_close, "round %d: close: %s", t->rounds,
			      errname(r.close_ret));
	}
	if (r.unbind_ret) {
		t->unbind_bad++;
		first_failure(&said_unbind, "round %d: unbind: %s", t->rounds,
			      errname(r.unbind_ret));
	}
	if (map)
		munmap(map, BLEN);
	if (dmabuf >= 0)
		close(dmabuf);
	if (vmpin_kb() != vmpin0) {
		t->vmpin_bad++;
		first_failure(&said_vmpin, "round %d: VmPin %+lld kB after close, unbind and cleanup",
			      t->rounds, vmpin_kb() - vmpin0);
	}

	ret = r.unbind_ret ? 0 : pci_bind_wait(bdf, again, sizeof(again), 2000);
	if (ret || strcmp(again, node)) {
		t->rebind_bad++;
		first_failure(&said_rebind, "round %d: bind again: %s", t->rounds,
			      ret ? errname(ret) : again);
		if (wait_node_for_bdf(bdf, again, sizeof(again), 2000))
			bail("round %d: %s has no node any more", t->rounds, bdf);
		strcpy(node, again);	/* go on with the name it has */
	}
	if (node_stats(node, &st) || st.regions || st.pinned_pages ||
	    st.mapped_bytes || st.allocated_pages || st.imported || st.exported) {
		t->stats_bad++;
		first_failure(&said_stats, "round %d: the new node %s has counters that are not zero",
			      t->rounds, node);
	}
}

int main(void)
{
	long long vmpin0 = vmpin_kb();
	struct tally t = { 0 };
	char node[64];
	uint8_t *user;
	double t0;

	tap_init("unbind_race");
	diag_config();
	bdf = edu28_bdf();
	if (node_for_bdf(bdf, node, sizeof(node)))
		bail("no node for %s", bdf);
	/* a hang is a failure too; the runner would wait 600 s */
	alarm(120);
	user = map_anon(BLEN);

	/*
	 * At least RUN_S and MIN_ROUNDS: a round with the debug kernel's
	 * checkers on a busy host takes seconds.  A round that never ends
	 * is the alarm's.
	 */
	t0 = now_s();
	while (now_s() - t0 < RUN_S ||
	       (t.rounds < MIN_ROUNDS && now_s() - t0 < MAX_S)) {
		one_round(node, user, &t, vmpin0);
		t.rounds++;
	}
	diag("%d rounds in %.1f s: %d registrations, %d exported, %d transfers submitted",
	     t.rounds, now_s() - t0, t.registered, t.exported, t.submitted);
	ok(t.rounds >= MIN_ROUNDS, "%d rounds of close() racing unbind in %.0f s",
	   t.rounds, now_s() - t0);
	ok(!t.setup_bad, "every round set up: CHANNEL, ALLOC, REGISTER (%d failed)",
	   t.setup_bad);
	ok(t.submitted >= t.rounds * NXF / 2, "transfers were in flight (%d submitted)",
	   t.submitted);
	if (cfg_iommu())
		ok(t.registered == t.rounds && t.exported == t.rounds,
		   "behind the IOMMU every round registered and exported (%d, %d)",
		   t.registered, t.exported);
	ok(!t.close_bad, "close() returned 0 every round (%d failed)", t.close_bad);
	ok(!t.unbind_bad, "unbind returned 0 every round (%d failed)",
	   t.unbind_bad);
	ok(!t.vmpin_bad, "VmPin back at baseline after every round (%d not)",
	   t.vmpin_bad);
	ok(!t.rebind_bad, "%s came back under its name within 2 s every round (%d not; now %s)",
	   bdf, t.rebind_bad, node);
	ok(!t.stats_bad, "the node's counters were zero after every round (%d not)",
	   t.stats_bad);
	munmap(user, BLEN);
	ok(vmpin_kb() == vmpin0, "VmPin at baseline at the end (%+lld kB)",
	   vmpin_kb() - vmpin0);
	ok(node_mask_for(bdf) == (1ull << 28) - 1, "%s is still a 28-bit node",
	   bdf);
	return done_testing();
}
