// SPDX-License-Identifier: MIT
/*
 * userdma alloc: allocate a buffer for a node's device, map it, prove the
 * mapping with a pattern, show what the device would be given, and
 * optionally hold it so that `userdma list` can see it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "userdma.h"

static void help(void)
{
	printf("Usage: userdma alloc [OPTION]... SIZE [NODE]\n"
	       "Allocate SIZE bytes (K, M, G suffixes) of DMA memory for NODE's device\n"
	       "(default: the first node), map it, write and read back a pattern, print\n"
	       "its DMA segments and release it.\n\n"
	       "  -c, --coherent     coherent memory (no sync needed; default: cached)\n"
	       "  -C, --contiguous   one physically contiguous block\n"
	       "  -H, --hold SECS    keep it SECS seconds before releasing\n"
	       "  -h, --help         this help\n");
}

static int show(struct userdma *u, uint32_t handle, unsigned int flags,
		size_t len, void *addr)
{
	struct userdma_segment *segs;
	char human[32];
	int n, i;

	n = userdma_segments_all(u, handle, &segs);
	if (n < 0) {
		cli_lib_error("alloc");
		return 1;
	}
	printf("%s: handle %u, %s %s buffer%s at %p (mmap offset 0x%" PRIx64 "), %d DMA segment%s\n",
	       userdma_name(u), handle, udl_size(len, human, sizeof(human)),
	       flags & USERDMA_ALLOC_COHERENT ? "coherent" : "cached",
	       flags & USERDMA_ALLOC_CONTIGUOUS ? " (physically contiguous)" : "",
	       addr, userdma_mmap_offset(handle), n, n == 1 ? "" : "s");
	for (i = 0; i < n && i < 8; i++)
		printf("  0x%016" PRIx64 " %s\n", (uint64_t)segs[i].dma_addr,
		       udl_size(segs[i].length, human, sizeof(human)));
	if (n > 8)
		printf("  ... %d more\n", n - 8);
	free(segs);
	return 0;
}

static int check_pattern(uint8_t *p, size_t len)
{
	char human[32];
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 12));
	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7 + (i >> 12))) {
			cli_error("alloc", "byte %zu of the mapping reads back wrong", i);
			return 1;
		}
	printf("  pattern written through the mapping and read back: all %s correct\n",
	       udl_size(len, human, sizeof(human)));
	return 0;
}

int cmd_alloc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "coherent", no_argument, NULL, 'c' },
		{ "contiguous", no_argument, NULL, 'C' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned int flags = 0, hold = 0;
	struct userdma *u;
	uint64_t size;
	size_t len;
	uint32_t handle;
	void *addr;
	char *end;
	int c, ret, status;

	while ((c = getopt_long(argc, argv, ":cCH:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			flags |= USERDMA_ALLOC_COHERENT;
			break;
		case 'C':
			flags |= USERDMA_ALLOC_CONTIGUOUS;
			break;
		case 'H':
			hold = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !*optarg)
				return cli_usage("alloc", "--hold needs a number of seconds, not '%s'",
						 optarg);
			break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("alloc", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("alloc", "SIZE is missing");
	if (argc - optind > 2)
		return cli_usage("alloc", "at most SIZE and one NODE");
	if (parse_size(argv[optind], &size) || !size || size > SIZE_MAX)
		return cli_usage("alloc", "'%s' is not a size (bytes, with K, M or G)",
				 argv[optind]);
	ret = userdma_open(optind + 1 < argc ? argv[optind + 1] : NULL, &u);
	if (ret) {
		cli_lib_error("alloc");
		return 1;
	}
	ret = userdma_alloc(u, (size_t)size, flags, USERDMA_DIR_BIDIRECTIONAL,
			    &handle, &addr, &len);
	if (ret) {
		cli_lib_error("alloc");
		userdma_close(u);
		return 1;
	}
	status = show(u, handle, flags, len, addr);
	if (!status)
		status = check_pattern(addr, len);
	if (hold && !status) {
		printf("holding it for %u s\n", hold);
		fflush(stdout);
		sleep(hold);
	}
	if (userdma_free(u, handle, addr, len)) {
		cli_lib_error("alloc");
		status = 1;
	}
	userdma_close(u);
	return status;
}
