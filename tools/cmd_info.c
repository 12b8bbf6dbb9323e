// SPDX-License-Identifier: MIT
/* userdma info: what each node is bound to and what it allows. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "userdma.h"

static void help(void)
{
	printf("Usage: userdma info [--json] [NODE]\n"
	       "Describe every node, or NODE: the bound device, its bus and how userdma\n"
	       "came to bind it, whether an IOMMU translates its DMA, whether DMA goes\n"
	       "through bounce buffers, cache coherency, the DMA mask, and the module's\n"
	       "limits.  Opening a node needs read-write access to it.\n\n"
	       "  -j, --json   one JSON array of objects instead of the table\n"
	       "  -h, --help   this help\n");
}

static int mask_bits(uint64_t mask)
{
	int bits = 0;

	while (bits < 64 && (mask >> bits))
		bits++;
	return bits;
}

static const char *yes_no(const struct userdma_info *info, uint32_t flag,
			  const char *yes, const char *no)
{
	return info->flags & flag ? yes : no;
}

/* "65536 (64 KiB)": the exact value, and a readable one when it differs. */
/* "4.0 GiB": one decimal in the largest unit the value reaches. */
static const char *approx_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes / 1024;
	int i = 0;

	while (i < 3 && v >= 1024) {
		v /= 1024;
		i++;
	}
	snprintf(buf, size, "%.1f %s", v, units[i]);
	return buf;
}

static void print_bytes(const char *label, uint64_t bytes)
{
	char human[32];

	udl_size(bytes, human, sizeof(human));
	if (bytes < 1024)
		printf("%-18s%" PRIu64 "\n", label, bytes);
	else if (strstr(human, "iB"))
		printf("%-18s%" PRIu64 " (%s)\n", label, bytes, human);
	else	/* not a whole unit, as a segment limit of 2^32 - 1 */
		printf("%-18s%" PRIu64 " (about %s)\n", label, bytes,
		       approx_size(bytes, human, sizeof(human)));
}

static void print_table(const char *name, const struct userdma_info *info)
{
	printf("%-18s%s (/dev/%s)\n", "node", name, name);
	printf("%-18s%s\n", "device", info->device);
	printf("%-18s%s\n", "bus", info->bus);
	printf("%-18s%s\n", "binding", info->driver_name);
	printf("%-18s%s\n", "IOMMU", yes_no(info, USERDMA_INFO_IOMMU, "on", "off"));
	printf("%-18s%s\n", "bounce buffers",
	       yes_no(info, USERDMA_INFO_BOUNCE, "yes", "no"));
	printf("%-18s%s\n", "coherent",
	       yes_no(info, USERDMA_INFO_COHERENT, "yes", "no"));
	printf("%-18s%d bits (0x%016" PRIx64 ")\n", "DMA mask",
	       mask_bits(info->dma_mask), (uint64_t)info->dma_mask);
	print_bytes("max segment size", info->max_seg_size);
	print_bytes("max region bytes", info->max_region_bytes);
	printf("%-18s%u\n", "max regions", info->max_regions);
	printf("%-18s%u\n", "page size", info->page_size);
	printf("%-18s%u\n", "ABI version", info->abi_version);
}

static void print_json(const char *name, const struct userdma_info *info)
{
	printf("{");
	cli_json_string("node", name);
	cli_json_string("device", info->device);
	cli_json_string("bus", info->bus);
	cli_json_string("binding", info->driver_name);
	printf("\"iommu\": %s, \"bounce\": %s, \"coherent\": %s, ",
	       yes_no(info, USERDMA_INFO_IOMMU, "true", "false"),
	       yes_no(info, USERDMA_INFO_BOUNCE, "true", "false"),
	       yes_no(info, USERDMA_INFO_COHERENT, "true", "false"));
	/* a 64-bit mask does not survive a JSON number: hex string */
	printf("\"dma_bits\": %d, \"dma_mask\": \"0x%" PRIx64 "\", ",
	       mask_bits(info->dma_mask), (uint64_t)info->dma_mask);
	printf("\"max_seg_size\": %" PRIu64 ", \"max_region_bytes\": %" PRIu64 ", ",
	       (uint64_t)info->max_seg_size, (uint64_t)info->max_region_bytes);
	printf("\"max_regions\": %u, \"page_size\": %u, \"abi_version\": %u}",
	       info->max_regions, info->page_size, info->abi_version);
}

static int describe(const char *node, struct userdma_info *info,
		    char *name, size_t size)
{
	struct userdma *u;
	int ret;

	ret = userdma_open(node, &u);
	if (!ret) {
		ret = userdma_info(u, info);
		snprintf(name, size, "%s", userdma_name(u));
		userdma_close(u);
	}
	if (ret)
		cli_lib_error("info");
	return ret;
}

int cmd_info(int argc, char **argv)
{
	char names[NODES_MAX][NODE_NAME_MAX], msg[128], name[NODE_NAME_MAX];
	struct userdma_info info;
	int json = 0, n, i, shown = 0, status = 0, c;

	c = cli_listing_opts("info", argc, argv, help, &json);
	if (c >= 0)
		return c;
	if (argc - optind > 1)
		return cli_usage("info", "at most one NODE");
	if (optind < argc) {
		snprintf(names[0], NODE_NAME_MAX, "%s", argv[optind]);
		n = 1;
	} else {
		n = nodes_list(names, NODES_MAX, msg, sizeof(msg));
		if (n < 0) {
			cli_error("info", "%s", msg);
			return 1;
		}
	}

	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		if (describe(names[i], &info, name, sizeof(name))) {
			status = 1;
			continue;
		}
		if (json) {
			printf(shown ? ",\n " : "");
			print_json(name, &info);
		} else {
			printf(shown ? "\n" : "");
			print_table(name, &info);
		}
		shown++;
	}
	if (json)
		printf("]\n");
	return status;
}
