// SPDX-License-Identifier: MIT
/*
 * userdma-bench: the guest side of `make bench`.  Prints its tables for
 * people and "@csv," lines for the host, which collects them into one
 * results file per run.  Needs the module built with USERDMA_BENCH=y.
 *
 *   userdma-bench [-q] [-r ROWS]   ROWS: letters of k x r s p a (default all)
 *     k kernel vs user memcpy, x transfers (3), r registration (1),
 *     s sync (2), p per-call pinning (4), a driver-allocated buffers (5);
 *     the null ioctl always runs first.  -q: fewer repetitions (smoke run)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void thp_setup(void)
{
	const char *path = "/sys/kernel/mm/transparent_hugepage/enabled";
	char mode[128] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	mode[strcspn(mode, "\n")] = 0;
	printf("# THP: %s\n", mode[0] ? mode : "(no sysfs file)");
	if (strstr(mode, "[never]")) {
		f = fopen(path, "w");
		if (f) {
			fputs("madvise", f);
			fclose(f);
			printf("# THP: set to madvise\n");
		}
	}
}

int main(int argc, char **argv)
{
	struct bench b = { .reps = 5 };
	struct userdma_info info;
	const char *rows = "nkxrspa";
	char engine[32];
	int opt, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "qr:")) != -1) {
		switch (opt) {
		case 'q':
			b.quick = 1;
			b.reps = 3;
			break;
		case 'r':
			rows = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-q] [-r kxrspa]\n", argv[0]);
			return 2;
		}
	}
	b.kernel = getenv("USERDMA_KERNEL") ? getenv("USERDMA_KERNEL") : "?";
	b.config = getenv("USERDMA_CONFIG") ? getenv("USERDMA_CONFIG") : "?";

	ret = userdma_open(NULL, &b.u);
	if (ret) {
		printf("# userdma-bench: open: %s\n", userdma_last_error());
		return 1;
	}
	b.fd = userdma_fd(b.u);
	if (!userdma_info(b.u, &info))
		printf("# node %s: device %s, flags%s%s, max_seg %llu\n",
		       userdma_name(b.u), info.device,
		       info.flags & USERDMA_INFO_IOMMU ? " iommu" : "",
		       info.flags & USERDMA_INFO_BOUNCE ? " bounce" : "",
		       (unsigned long long)info.max_seg_size);
	ret = userdma_channel(b.u, "sw", -1, NULL, 0, engine, sizeof(engine));
	if (ret) {
		printf("# userdma-bench: channel sw: %s\n", userdma_last_error());
		return 1;
	}
	thp_setup();

	/* the null ioctl is the unit of several targets: measure it first */
	row_null(&b);
	if (strchr(rows, 'k'))
		row_kcopy(&b);
	if (strchr(rows, 'x'))
		row_xfer(&b);
	if (strchr(rows, 'r'))
		row_register(&b);
	if (strchr(rows, 's'))
		row_sync(&b);
	if (strchr(rows, 'p'))
		row_percall(&b);
	if (strchr(rows, 'a'))
		row_alloc(&b);
	userdma_close(b.u);
	printf("# userdma-bench: done\n");
	return 0;
}
