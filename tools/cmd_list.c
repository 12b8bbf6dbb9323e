// SPDX-License-Identifier: MIT
/*
 * userdma list: the live registrations of each node, from the sysfs
 * counters and, when debugfs is mounted and readable, its table of regions
 * over every open file of the node.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
	printf("Usage: userdma list [NODE]\n"
	       "Show the live registrations of every node, or of NODE: the totals from\n"
	       "/sys/class/userdma/NODE/ and, when debugfs is mounted (and readable: root),\n"
	       "one line per handle from /sys/kernel/debug/userdma/NODE/regions\n"
	       "(kind: user registration, cached or coherent buffer, import):\n"
	       "handle, owning process, address, length, direction, segments, kind.\n"
	       "Handles are per open file: two files of one node may show the same one.\n\n"
	       "  -h, --help   this help\n");
}

static const char *table_unavailable(int err)
{
	switch (-err) {
	case ENOENT:
		return "debugfs is not mounted; mount -t debugfs none /sys/kernel/debug";
	case EACCES:
	case EPERM:
		return "reading debugfs needs root";
	}
	return strerror(-err);
}

/*
 * Rows as the module writes them: handle pid addr length direction segs
 * kind (older modules have no kind: "user").
 */
static int print_table(const char *path)
{
	char line[256], dir[32], kind[16];
	unsigned long long addr, len;
	unsigned int handle, segs;
	int pid, rows = 0, n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "handle ", 7))
			continue;
		if (!rows++)
			printf("  %8s %8s %18s %14s %-14s %8s %s\n", "handle",
			       "pid", "address", "length", "direction",
			       "segments", "kind");
		strcpy(kind, "user");
		n = sscanf(line, "%u %d %llx %llu %31s %u %15s", &handle, &pid,
			   &addr, &len, dir, &segs, kind);
		if (n >= 6)
			printf("  %8u %8d %#18llx %14llu %-14s %8u %s\n", handle,
			       pid, addr, len, dir, segs, kind);
		else
			printf("  %s", line);
	}
	fclose(f);
	return rows;
}

static int list_node(const char *node)
{
	uint64_t regions, pages, bytes, alloc, imported, exported;
	char dev[128], path[256], human[32];
	int ret;

	if (node_device(node, dev, sizeof(dev)))
		snprintf(dev, sizeof(dev), "?");
	ret = node_counter(node, "regions", &regions);
	if (!ret)
		ret = node_counter(node, "pinned_pages", &pages);
	if (!ret)
		ret = node_counter(node, "mapped_bytes", &bytes);
	if (ret) {
		cli_error("list", "%s: cannot read its counters in /sys/class/userdma/%s: %s",
			  node, node, strerror(-ret));
		return 1;
	}
	printf("%s (%s): %" PRIu64 " region%s, %" PRIu64 " pinned page%s, %s mapped\n",
	       node, dev, regions, regions == 1 ? "" : "s", pages,
	       pages == 1 ? "" : "s", udl_size(bytes, human, sizeof(human)));
	/* counters of buffers, imports and exports (modules since ALLOC) */
	if (!node_counter(node, "allocated_pages", &alloc) &&
	    !node_counter(node, "imported", &imported) &&
	    !node_counter(node, "exported", &exported))
		/* an mmap()ed buffer's mapping goes through its own dma-buf */
		printf("  buffers: %" PRIu64 " allocated page%s, %" PRIu64
		       " imported dma-buf%s, %" PRIu64 " dma-buf%s of its own open"
		       " (EXPORTed or a buffer's mmap())\n",
		       alloc, alloc == 1 ? "" : "s", imported,
		       imported == 1 ? "" : "s", exported,
		       exported == 1 ? "" : "s");

	node_debugfs_table(node, path, sizeof(path));
	ret = print_table(path);
	if (ret < 0)
		printf("  (no per-region table: %s)\n", table_unavailable(ret));
	else if (!ret && !regions)
		printf("  no live regions\n");
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char names[NODES_MAX][NODE_NAME_MAX], msg[128];
	int n, i, c, status = 0;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c != 'h')
			return cli_bad_option("list", c, argv);
		help();
		return 0;
	}
	if (argc - optind > 1)
		return cli_usage("list", "at most one NODE");
	if (optind < argc) {
		if (!node_exists(argv[optind])) {
			cli_error("list", "no such node: %s (not in /sys/class/userdma)",
				  argv[optind]);
			return 1;
		}
		snprintf(names[0], NODE_NAME_MAX, "%s",
			 node_basename(argv[optind]));
		n = 1;
	} else {
		n = nodes_list(names, NODES_MAX, msg, sizeof(msg));
		if (n < 0) {
			cli_error("list", "%s", msg);
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		status |= list_node(names[i]);
	return status;
}
