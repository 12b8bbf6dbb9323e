// SPDX-License-Identifier: MIT
/*
 * The per-file handle limit: exactly info.max_regions registrations fit
 * on one open file, the next fails with ENOSPC before anything is pinned,
 * another open file is not affected, releasing one handle makes room for
 * one more, and close() releases them all.  The registrations are one
 * byte of the same page, so the limit costs one page of memory; skipped
 * when max_regions is too large to reach in reasonable time
 * (USERDMA_HANDLE_LIMIT_MAX, default 65536).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

int main(void)
{
	struct userdma_info info;
	struct node_stats want, last;
	const char *node;
	uint32_t *h, extra = 0, i, n, failed = 0;
	long long cap = env_ll("USERDMA_HANDLE_LIMIT_MAX", 65536);
	struct snap s, full;
	uint8_t *page;
	double t0;
	int fd, fd2, ret, reached;

	tap_init("handle_limit");
	diag_config();
	node = node_name_for(edu64_bdf());
	fd = node_open_or_bail(node);
	node_info_or_bail(fd, &info);
	if ((long long)info.max_regions > cap)
		skip_all("max_regions %u is above %lld: ENOSPC not reachable here",
			 info.max_regions, cap);
	n = info.max_regions;
	h = calloc(n, sizeof(*h));
	if (!h)
		bail("out of memory");
	page = map_anon(PAGE);
	snap_take(node, &s);

	t0 = now_s();
	for (i = 0; i < n; i++) {
		ret = udt_register(fd, page + (i % 64), 1, USERDMA_DIR_TO_DEVICE,
				   &h[i], NULL);
		if (ret) {
			diag("registration %u of %u failed: %s", i + 1, n,
			     errname(ret));
			failed = n - i;
			break;
		}
	}
	diag("%u registrations in %.2f s", i, now_s() - t0);
	ok(failed == 0, "max_regions = %u registrations fit on one file", n);
	n = i;
	ok_delta(node, &s, n, n, n, (long long)n * 4,
		 "counters: %u regions of one page each", n);

	snap_take(node, &full);
	ret = udt_register(fd, page, 1, USERDMA_DIR_TO_DEVICE, &extra, NULL);
	ok(ret == -ENOSPC, "registration %u -> ENOSPC (got %s)", n + 1,
	   errname(ret));
	if (ret == 0)
		udt_unregister(fd, extra);
	ok_unchanged(node, &full, "the refused registration pinned nothing");

	fd2 = node_open_or_bail(node);
	ret = udt_register(fd2, page, 1, USERDMA_DIR_TO_DEVICE, &extra, NULL);
	ok(ret == 0, "another open file still registers (%s)", errname(ret));
	if (ret == 0)
		ok(udt_unregister(fd2, extra) == 0, "and releases it");
	close(fd2);

	if (n) {
		uint32_t victim = h[n / 2];

		ret = udt_unregister(fd, victim);
		ok(ret == 0, "release one handle (%s)", errname(ret));
		ret = udt_register(fd, page, 1, USERDMA_DIR_FROM_DEVICE, &h[n / 2],
				   NULL);
		ok(ret == 0, "then one more registration fits (%s)", errname(ret));
		ret = udt_register(fd, page, 1, USERDMA_DIR_TO_DEVICE, &extra,
				   NULL);
		ok(ret == -ENOSPC, "and the next is refused again (got %s)",
		   errname(ret));
		if (ret == 0)
			udt_unregister(fd, extra);
	}

	t0 = now_s();
	close(fd);
	want = s.st;
	reached = wait_node_stats(node, &want, 10000, &last);
	ok(reached,
	   "close() released all %u regions (left: regions %lld, pages %lld)", n,
	   last.regions, last.pinned_pages);
	diag("close() took %.2f s to release them", now_s() - t0);
	ok_unchanged(node, &s, "counters and VmPin at baseline");
	free(h);
	munmap(page, PAGE);
	return done_testing();
}
