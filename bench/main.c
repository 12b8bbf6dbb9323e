// SPDX-License-Identifier: MIT
/*
 * userdma-bench: the guest side of `make bench`.  Prints its tables for
 * people and "@csv," lines for the host, which collects them into one
 * results file per run.  Needs the bench module (bench/kmod/) loaded for
 * the device of the node it opens (the first one).
 *
 *   userdma-bench [-q] [-r ROWS]   ROWS: letters of k x r s p a (default all)
 *     k kernel vs user memcpy, x transfers (3), r registration (1),
 *     s sync (2), p per-call pinning (4), a driver-allocated buffers (5);
 *     the null ioctl always runs first.  -q: fewer repetitions (smoke run)
 */
#include <errno.h>
#include <fcntl.h>
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

/*
 * The bench module times what it does for the device named by its
 * parameter: that must be the device of the node this program uses.
 */
static int open_bench_module(struct bench *b, const char *node_device)
{
	const char *param = "/sys/module/userdma_bench/parameters/device";
	char dev[64] = "";
	FILE *f = fopen(param, "r");

	if (!f || !fgets(dev, sizeof(dev), f)) {
		printf("# userdma-bench: %s: %s (is the bench module loaded?)\n",
		       param, strerror(f ? EIO : errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	dev[strcspn(dev, "\n")] = 0;
	if (strcmp(dev, node_device)) {
		printf("# userdma-bench: the bench module times device %s, the node is on %s\n",
		       dev, node_device);
		return -1;
	}
	b->bench_fd = open(USERDMA_BENCH_DEVICE, O_RDWR | O_CLOEXEC);
	if (b->bench_fd < 0) {
		printf("# userdma-bench: %s: %s\n", USERDMA_BENCH_DEVICE,
		       strerror(errno));
		return -1;
	}
	printf("# bench module: device %s\n", dev);
	return 0;
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
	if (userdma_info(b.u, &info)) {
		printf("# userdma-bench: info: %s\n", userdma_last_error());
		return 1;
	}
	printf("# node %s: device %s, flags%s%s, max_seg %llu\n",
	       userdma_name(b.u), info.device,
	       info.flags & USERDMA_INFO_IOMMU ? " iommu" : "",
	       info.flags & USERDMA_INFO_BOUNCE ? " bounce" : "",
	       (unsigned long long)info.max_seg_size);
	if (open_bench_module(&b, info.device))
		return 1;
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
	close(b.bench_fd);
	userdma_close(b.u);
	printf("# userdma-bench: done\n");
	return 0;
}
