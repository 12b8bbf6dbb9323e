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
#include <unistd.h>

#include "cli.h"

static void help(void)
{
	printf("Usage: userdma list [--json] [NODE]\n"
	       "Show the live registrations of every node, or of NODE: the totals from\n"
	       "/sys/class/userdma/NODE/ and, when debugfs is mounted (and readable: root),\n"
	       "one line per handle from /sys/kernel/debug/userdma/NODE/regions\n"
	       "(kind: user registration, cached or coherent buffer, import):\n"
	       "handle, owning process, address, length, direction, segments, kind.\n"
	       "Handles are per open file: two files of one node may show the same one.\n\n"
	       "  -j, --json   one JSON array, an object per node, instead\n"
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

/*
 * The rows of path as a JSON array of objects; the number of rows, or
 * -errno (nothing printed) when the table cannot be read.
 */
static int json_table(const char *path)
{
	char line[256], dir[32], kind[16];
	unsigned long long addr, len;
	unsigned int handle, segs;
	int pid, rows = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	printf("[");
	while (fgets(line, sizeof(line), f)) {
		strcpy(kind, "user");
		if (sscanf(line, "%u %d %llx %llu %31s %u %15s", &handle, &pid,
			   &addr, &len, dir, &segs, kind) < 6)
			continue;
		printf("%s{", rows++ ? ", " : "");
		cli_json_string("kind", kind);
		cli_json_string("direction", dir);
		printf("\"handle\": %u, \"pid\": %d, \"address\": %llu, "
		       "\"length\": %llu, \"segments\": %u}", handle, pid, addr,
		       len, segs);
	}
	printf("]");
	fclose(f);
	return rows;
}

struct node_counts {
	uint64_t regions, pages, bytes, alloc, imported, exported;
	int has_buffers;	/* modules since ALLOC have the last three */
};

static int read_counts(const char *node, struct node_counts *c)
{
	int ret;

	ret = node_counter(node, "regions", &c->regions);
	if (!ret)
		ret = node_counter(node, "pinned_pages", &c->pages);
	if (!ret)
		ret = node_counter(node, "mapped_bytes", &c->bytes);
	if (ret) {
		cli_error("list", "%s: cannot read its counters in /sys/class/userdma/%s: %s",
			  node, node, strerror(-ret));
		return -1;
	}
	c->has_buffers = !node_counter(node, "allocated_pages", &c->alloc) &&
			 !node_counter(node, "imported", &c->imported) &&
			 !node_counter(node, "exported", &c->exported);
	return 0;
}

static int list_node_json(const char *node, int first)
{
	struct node_counts c;
	char dev[128], path[256];
	int ret;

	if (node_device(node, dev, sizeof(dev)))
		snprintf(dev, sizeof(dev), "?");
	if (read_counts(node, &c))
		return 1;
	printf("%s{", first ? "" : ",\n ");
	cli_json_string("node", node);
	cli_json_string("device", dev);
	printf("\"regions\": %" PRIu64 ", \"pinned_pages\": %" PRIu64
	       ", \"mapped_bytes\": %" PRIu64 ", ", c.regions, c.pages, c.bytes);
	if (c.has_buffers)
		printf("\"allocated_pages\": %" PRIu64 ", \"imported\": %" PRIu64
		       ", \"own_dmabufs\": %" PRIu64 ", ", c.alloc, c.imported,
		       c.exported);
	/* the per-handle table last: it may be missing, and says why */
	node_debugfs_table(node, path, sizeof(path));
	if (access(path, R_OK)) {
		cli_json_string("handles_unavailable", table_unavailable(-errno));
		printf("\"handles\": null}");
		return 0;
	}
	printf("\"handles\": ");
	ret = json_table(path);
	printf("%s}", ret < 0 ? "null" : "");
	return 0;
}

static int list_node(const char *node)
{
	struct node_counts c;
	char dev[128], path[256], human[32];
	int ret;

	if (node_device(node, dev, sizeof(dev)))
		snprintf(dev, sizeof(dev), "?");
	if (read_counts(node, &c))
		return 1;
	printf("%s (%s): %" PRIu64 " region%s, %" PRIu64 " pinned page%s, %s mapped\n",
	       node, dev, c.regions, c.regions == 1 ? "" : "s", c.pages,
	       c.pages == 1 ? "" : "s", udl_size(c.bytes, human, sizeof(human)));
	if (c.has_buffers)
		/* an mmap()ed buffer's mapping goes through its own dma-buf */
		printf("  buffers: %" PRIu64 " allocated page%s, %" PRIu64
		       " imported dma-buf%s, %" PRIu64 " dma-buf%s of its own open"
		       " (EXPORTed or a buffer's mmap())\n",
		       c.alloc, c.alloc == 1 ? "" : "s", c.imported,
		       c.imported == 1 ? "" : "s", c.exported,
		       c.exported == 1 ? "" : "s");

	node_debugfs_table(node, path, sizeof(path));
	ret = print_table(path);
	if (ret < 0)
		printf("  (no per-region table: %s)\n", table_unavailable(ret));
	else if (!ret && !c.regions)
		printf("  no live regions\n");
	return 0;
}

int cmd_list(int argc, char **argv)
{
	char names[NODES_MAX][NODE_NAME_MAX], msg[128];
	int n, i, c, json = 0, status = 0;

	c = cli_listing_opts("list", argc, argv, help, &json);
	if (c >= 0)
		return c;
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
	if (!json) {
		for (i = 0; i < n; i++)
			status |= list_node(names[i]);
		return status;
	}
	printf("[");
	for (i = 0; i < n; i++)
		status |= list_node_json(names[i], !i);
	printf("]\n");
	return status;
}
