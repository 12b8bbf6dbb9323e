// SPDX-License-Identifier: MIT
/*
 * Running the bounce-buffer pool dry (config swiotlb only): 32 MiB
 * FROM_DEVICE registrations until one fails.  The failure must be clean
 * (ENOMEM or EIO, not a crash), must come no later than the pool's size
 * allows, and must give back the slots the failed registration had taken
 * (io_tlb_used unchanged by the failed call, node counters and VmPin
 * too).  After unregistering everything io_tlb_used is back at its start
 * value, and a 64 MiB registration fits again.  "swiotlb buffer is full"
 * in the kernel log is expected here (the harness allows it for tests
 * named *exhaust*).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "util.h"

#define CHUNK (32 * MiB)
#define SLOT_BYTES ((uint64_t)2048)	/* IO_TLB_SIZE */

int main(void)
{
	struct userdma_info info;
	long long used0, used, nslabs, before, pool;
	uint32_t h[32], big = 0;
	uint8_t *bufs[32], *bigbuf;
	const char *node;
	struct snap s, sf;
	int fd, n = 0, ret = 0, i, max_fit;

	tap_init("swiotlb_exhaust");
	diag_config();
	if (udt_config() != CFG_SWIOTLB)
		skip_all("config %s: the bounce pool is only forced in config swiotlb",
			 udt_config_name());
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	ok(info.flags & USERDMA_INFO_BOUNCE, "INFO reports BOUNCE (flags 0x%x)",
	   info.flags);
	if (swiotlb_used() < 0)
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	used0 = swiotlb_used();
	nslabs = swiotlb_nslabs();
	if (used0 < 0 || nslabs <= 0)
		bail("cannot read /sys/kernel/debug/swiotlb/io_tlb_used and io_tlb_nslabs");
	pool = nslabs * (long long)SLOT_BYTES;
	max_fit = (int)((pool - used0 * (long long)SLOT_BYTES) / (long long)CHUNK);
	diag("pool %lld MiB (%lld slots), %lld slots in use at start: at most %d regions of 32 MiB fit",
	     pool >> 20, nslabs, used0, max_fit);
	if (max_fit + 2 > (int)ARRAY_SIZE(h))
		bail("pool of %lld MiB is bigger than this test handles", pool >> 20);
	snap_take(node, &s);

	for (i = 0; i < max_fit + 2; i++) {
		bufs[i] = map_anon(CHUNK);
		memset(bufs[i], 0x10 + i, CHUNK);
		snap_take(node, &sf);
		before = swiotlb_used();
		ret = udt_register(fd, bufs[i], CHUNK, USERDMA_DIR_FROM_DEVICE,
				   &h[i], NULL);
		used = swiotlb_used();
		if (ret) {
			diag("registration %d failed with %lld of %lld slots in use",
			     i + 1, before, nslabs);
			ok(ret == -ENOMEM || ret == -EIO,
			   "registration %d fails cleanly with ENOMEM or EIO (got %s)",
			   i + 1, errname(ret));
			ok(used == before,
			   "the failed registration gave back its slots (io_tlb_used %lld, before %lld)",
			   used, before);
			ok_unchanged(node, &sf,
				     "the failed registration left no region, pin or charge");
			munmap(bufs[i], CHUNK);
			break;
		}
		n++;
		if (used - before < (long long)(CHUNK / SLOT_BYTES))
			ok(0, "registration %d took %lld slots, fewer than 32 MiB needs",
			   i + 1, used - before);
	}
	diag("%d regions of 32 MiB registered before the pool ran out", n);
	ok(ret != 0, "the pool ran out within %d registrations", max_fit + 1);
	ok(n <= max_fit && n >= max_fit - 1,
	   "%d registrations fit, the pool allows %d (one may be lost to fragmentation)",
	   n, max_fit);

	for (i = 0; i < n; i++) {
		ret = udt_unregister(fd, h[i]);
		if (ret)
			ok(0, "unregister %d: %s", i, errname(ret));
		munmap(bufs[i], CHUNK);
	}
	used = swiotlb_used();
	ok(used == used0, "after unregistering all, io_tlb_used %lld == start %lld",
	   used, used0);
	ok_unchanged(node, &s, "node counters and VmPin back to baseline");

	bigbuf = map_anon(64 * MiB);
	ret = udt_register(fd, bigbuf, 64 * MiB, USERDMA_DIR_FROM_DEVICE, &big,
			   NULL);
	used = swiotlb_used();
	ok(ret == 0, "then a 64 MiB registration succeeds (%s)", errname(ret));
	ok(ret || used - used0 >= (long long)(64 * MiB / SLOT_BYTES),
	   "it holds at least %" PRIu64 " slots (%lld)", 64 * MiB / SLOT_BYTES,
	   used - used0);
	if (ret == 0)
		udt_unregister(fd, big);
	used = swiotlb_used();
	ok(used == used0, "and gives them all back (io_tlb_used %lld)", used);
	munmap(bigbuf, 64 * MiB);
	ok_unchanged(node, &s, "at the end: counters and VmPin at baseline");
	close(fd);
	return done_testing();
}
