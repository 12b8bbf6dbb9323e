// SPDX-License-Identifier: MIT
/*
 * Raw device addresses (handle 0, root) that are inside the DMA mask and
 * inside a memory section the kernel has a memmap for, but are not RAM:
 * without an IOMMU the sw engine must complete them as FAULT (bytes 0),
 * as the contract says for "not RAM", not dereference them.  The address
 * comes from a "Reserved" range of /proc/iomem in the same 128 MiB section
 * as System RAM (on the q35 guests: the firmware's area just below 2 GiB).
 *
 * This program runs last in the main lane on purpose: a kernel that reads
 * such an address through the direct map oopses in its sw-engine worker,
 * and the file's close then waits for that worker for ever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xfer.h"

/* A reserved range in a 128 MiB section that also holds System RAM. */
static int find_reserved(uint64_t *addr)
{
	uint64_t ram[64][2];
	int nram = 0, found = 0, i;
	char line[256];
	FILE *f = fopen("/proc/iomem", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && nram < 64) {
		unsigned long long lo, hi;

		if (line[0] != ' ' && sscanf(line, "%llx-%llx", &lo, &hi) == 2 &&
		    strstr(line, "System RAM")) {
			ram[nram][0] = lo;
			ram[nram][1] = hi;
			nram++;
		}
	}
	rewind(f);
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;

		if (line[0] == ' ' || sscanf(line, "%llx-%llx", &lo, &hi) != 2 ||
		    !strstr(line, "Reserved") || lo < 0x100000 || hi - lo < 4095)
			continue;
		for (i = 0; i < nram; i++)
			if ((ram[i][1] >> 27) == (lo >> 27)) {
				*addr = (lo + 4095) & ~4095ull;
				found = *addr + 4096 <= hi + 1;
				break;
			}
	}
	fclose(f);
	return found;
}

int main(void)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	uint8_t *buf, *copy;
	uint64_t resv;
	uint32_t h, n;
	int fd, ret;

	tap_init("xfer_wild_raw");
	diag_config();
	if (cfg_iommu())
		skip_all("behind an IOMMU a raw address resolves only through mapped IOVAs (xfer_faults)");
	if (!find_reserved(&resv))
		skip_all("no Reserved range next to System RAM in /proc/iomem");
	diag("Reserved range at 0x%" PRIx64 ", in a 128 MiB section with System RAM",
	     resv);

	fd = node_open_or_bail(node_name_for(edu64_bdf()));
	ret = udt_channel(fd, "sw", -1, NULL, NULL);
	if (ret)
		bail("CHANNEL sw: %s", errname(ret));
	buf = map_anon(8192);
	copy = malloc(8192);
	pattern_fill(buf, 8192, 3, 0);
	memcpy(copy, buf, 8192);
	ret = udt_register(fd, buf, 8192, USERDMA_DIR_BIDIRECTIONAL, &h, NULL);
	if (ret)
		bail("register: %s", errname(ret));

	xfer_fill(&x, 0, resv, h, 0, 4096, 1);
	ret = udt_submit(fd, &x, 1, &n);
	ok(ret == 0, "raw source 0x%" PRIx64 " (Reserved, not RAM) accepted (%s)",
	   resv, errname(ret));
	ret = udt_wait(fd, x.cookie, 10 * 1000000000ll, &c);
	ok(ret == 0 && c.status == USERDMA_XFER_FAULT && c.bytes == 0,
	   "  -> FAULT, bytes 0 (%s, %s, bytes %llu)", errname(ret),
	   ret ? "-" : xfer_status_name(c.status),
	   ret ? 0ull : (unsigned long long)c.bytes);
	if (ret == -ETIMEDOUT) {
		diag("no completion in 10 s: the sw engine's worker is probably dead (kernel log); closing would hang");
		return done_testing();
	}
	udt_sync(fd, h, 0, 8192, USERDMA_SYNC_FOR_CPU);
	ok(mem_mismatch(buf, copy, 8192) < 0, "  the destination region is unchanged");

	ret = udt_unregister(fd, h);
	ok(ret == 0, "unregister (%s)", errname(ret));
	close(fd);
	return done_testing();
}
