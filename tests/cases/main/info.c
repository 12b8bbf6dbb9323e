// SPDX-License-Identifier: MIT
/*
 * USERDMA_IOC_INFO on both edu nodes: every field against what the guest's
 * configuration says it must be, and the size handling of an extensible
 * struct (first layout, larger with zero tail, larger with non-zero tail,
 * too small, bad pointers).
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

static int nul_terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void read_sysfs_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void check_fields(const char *node, const char *bdf, int fd,
			 uint64_t want_mask)
{
	struct userdma_info info, dirty;
	char path[256], link[256], binding[64];
	const char *base;
	ssize_t n;
	int ret;

	ret = udt_info(fd, &info);
	if (!ok(ret == 0, "%s: INFO succeeds (%s)", node, errname(ret)))
		return;
	ok(info.abi_version == USERDMA_ABI_VERSION,
	   "%s: abi_version %u == %u", node, info.abi_version,
	   USERDMA_ABI_VERSION);
	ok(info.page_size == (uint32_t)sysconf(_SC_PAGESIZE),
	   "%s: page_size %u == sysconf(_SC_PAGESIZE)", node, info.page_size);
	ok(info.dma_mask == want_mask, "%s: dma_mask 0x%" PRIx64 " == 0x%" PRIx64,
	   node, (uint64_t)info.dma_mask, want_mask);
	ok((info.flags & ~(USERDMA_INFO_IOMMU | USERDMA_INFO_BOUNCE |
			   USERDMA_INFO_COHERENT)) == 0,
	   "%s: no undefined flag bits (flags 0x%x)", node, info.flags);

	switch (udt_config()) {
	case CFG_STRICT:
	case CFG_LAZY:
		ok((info.flags & (USERDMA_INFO_IOMMU | USERDMA_INFO_BOUNCE)) ==
			   USERDMA_INFO_IOMMU,
		   "%s: config %s: IOMMU set, BOUNCE clear (flags 0x%x)", node,
		   udt_config_name(), info.flags);
		ok(info.max_seg_size >= 64 * MiB,
		   "%s: behind the IOMMU max_seg_size %" PRIu64 " >= 64 MiB (one segment per region)",
		   node, (uint64_t)info.max_seg_size);
		break;
	case CFG_NOIOMMU:
		ok((info.flags & (USERDMA_INFO_IOMMU | USERDMA_INFO_BOUNCE)) == 0,
		   "%s: config noiommu: IOMMU and BOUNCE clear (flags 0x%x)",
		   node, info.flags);
		ok(info.max_seg_size >= PAGE,
		   "%s: max_seg_size %" PRIu64 " >= a page", node,
		   (uint64_t)info.max_seg_size);
		break;
	case CFG_SWIOTLB:
		ok((info.flags & (USERDMA_INFO_IOMMU | USERDMA_INFO_BOUNCE)) ==
			   USERDMA_INFO_BOUNCE,
		   "%s: config swiotlb: BOUNCE set, IOMMU clear (flags 0x%x)",
		   node, info.flags);
		ok(info.max_seg_size >= PAGE && info.max_seg_size <= 256 * KiB,
		   "%s: with bounce buffers max_seg_size %" PRIu64 " is within [4 KiB, 256 KiB]",
		   node, (uint64_t)info.max_seg_size);
		break;
	default:
		skip("USERDMA_CONFIG unset", "%s: flags match the configuration",
		     node);
		skip("USERDMA_CONFIG unset", "%s: max_seg_size matches the configuration",
		     node);
	}
	/* x86 DMA is cache coherent */
	ok(info.flags & USERDMA_INFO_COHERENT,
	   "%s: COHERENT set on x86 (flags 0x%x)", node, info.flags);
	ok(info.max_region_bytes >= 64 * MiB &&
		   info.max_region_bytes % info.page_size == 0,
	   "%s: max_region_bytes %" PRIu64 " is a page multiple >= 64 MiB",
	   node, (uint64_t)info.max_region_bytes);
	ok(info.max_regions >= 1, "%s: max_regions %u >= 1", node,
	   info.max_regions);
	ok(info.reserved == 0, "%s: reserved is 0 on output", node);
	ok(nul_terminated(info.device, sizeof(info.device)) &&
		   nul_terminated(info.bus, sizeof(info.bus)) &&
		   nul_terminated(info.driver_name, sizeof(info.driver_name)),
	   "%s: device, bus and driver_name are NUL-terminated", node);

	snprintf(path, sizeof(path), "/sys/class/userdma/%s/device", node);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	ok(!strcmp(info.device, base) && !strcmp(info.device, bdf),
	   "%s: device \"%.64s\" matches the sysfs link \"%s\" and %s", node,
	   info.device, base, bdf);
	ok(!strcmp(info.bus, "pci"), "%s: bus \"%.16s\" is \"pci\"", node,
	   info.bus);
	ok(!strcmp(info.driver_name, "edu"),
	   "%s: driver_name \"%.16s\" is \"edu\" (bound by PCI ID)", node,
	   info.driver_name);
	snprintf(path, sizeof(path), "/sys/class/userdma/%s/binding", node);
	read_sysfs_str(path, binding, sizeof(binding));
	if (binding[0])
		ok(!strcmp(binding, info.driver_name),
		   "%s: sysfs binding \"%s\" == driver_name", node, binding);
	else
		skip("no binding attribute", "%s: sysfs binding == driver_name",
		     node);

	/* output fields are ignored on input: a reused struct works */
	memset(&dirty, 0xff, sizeof(dirty));
	dirty.size = sizeof(dirty);
	ret = udt_ioctl(fd, USERDMA_IOC_INFO, &dirty);
	dirty.size = info.size;
	ok(ret == 0 && !memcmp(&dirty, &info, sizeof(info)),
	   "%s: INFO with every output field 0xff on input gives the same answer (%s)",
	   node, errname(ret));
}

/* INFO through a buffer of `total` bytes whose size field says `size`. */
static int info_sized(int fd, void *buf, uint32_t size)
{
	memcpy(buf, &size, sizeof(size));
	return udt_ioctl(fd, USERDMA_IOC_INFO, buf);
}

static void check_sizes(const char *node, int fd)
{
	const size_t ks = sizeof(struct userdma_info);
	uint8_t *page, *buf;
	struct userdma_info ref;
	size_t i;
	int ret;

	udt_info(fd, &ref);
	buf = calloc(1, 2 * PAGE + 64);
	if (!buf)
		bail("out of memory");

	ok(ks == USERDMA_INFO_SIZE_VER0,
	   "header: sizeof(struct userdma_info) %zu == USERDMA_INFO_SIZE_VER0 %u",
	   ks, USERDMA_INFO_SIZE_VER0);
	ret = info_sized(fd, buf, USERDMA_INFO_SIZE_VER0);
	ok(ret == 0 && !memcmp(buf + 4, (uint8_t *)&ref + 4,
			       USERDMA_INFO_SIZE_VER0 - 4),
	   "%s: size USERDMA_INFO_SIZE_VER0 accepted and filled (%s)", node,
	   errname(ret));

	ret = info_sized(fd, buf, USERDMA_INFO_SIZE_VER0 - 1);
	ok(ret == -EINVAL, "%s: size VER0-1 -> EINVAL (got %s)", node,
	   errname(ret));
	ret = info_sized(fd, buf, 0);
	ok(ret == -EINVAL, "%s: size 0 -> EINVAL (got %s)", node, errname(ret));
	ret = info_sized(fd, buf, 4);
	ok(ret == -EINVAL, "%s: size 4 -> EINVAL (got %s)", node, errname(ret));

	/* larger than the kernel's struct with a zero tail: accepted */
	memset(buf, 0, 2 * PAGE + 64);
	ret = info_sized(fd, buf, (uint32_t)ks + 64);
	ok(ret == 0 && !memcmp(buf + 4, (uint8_t *)&ref + 4, ks - 4) &&
		   byte_mismatch(buf + ks, 64, 0) < 0,
	   "%s: size sizeof+64 with zero tail accepted, tail left zero (%s)",
	   node, errname(ret));
	ret = info_sized(fd, buf, (uint32_t)ks + 1);
	ok(ret == 0, "%s: size sizeof+1 with zero tail accepted (%s)", node,
	   errname(ret));

	/* non-zero byte in the tail, at its first and last position */
	memset(buf, 0, 2 * PAGE + 64);
	buf[ks] = 0x80;
	ret = info_sized(fd, buf, (uint32_t)ks + 64);
	ok(ret == -E2BIG, "%s: non-zero first tail byte -> E2BIG (got %s)",
	   node, errname(ret));
	memset(buf, 0, 2 * PAGE + 64);
	buf[ks + 63] = 1;
	ret = info_sized(fd, buf, (uint32_t)ks + 64);
	ok(ret == -E2BIG, "%s: non-zero last tail byte -> E2BIG (got %s)",
	   node, errname(ret));
	for (i = ks; i < ks + 64; i++)
		if (i != ks + 63 && buf[i])
			break;
	ok(i == ks + 64 && buf[ks + 63] == 1,
	   "%s: a refused call left the caller's tail alone", node);

	/* userdma(4): sizes past a page are refused even with a zero tail */
	memset(buf, 0, 2 * PAGE + 64);
	ret = info_sized(fd, buf, (uint32_t)(2 * PAGE));
	ok(ret == -E2BIG, "%s: size of two pages -> E2BIG (got %s)", node,
	   errname(ret));
	free(buf);

	/* bad pointers */
	ret = udt_ioctl(fd, USERDMA_IOC_INFO, NULL);
	ok(ret == -EFAULT, "%s: NULL argument -> EFAULT (got %s)", node,
	   errname(ret));
	ret = udt_ioctl(fd, USERDMA_IOC_INFO, (void *)0xffff888000000000ull);
	ok(ret == -EFAULT, "%s: kernel address argument -> EFAULT (got %s)",
	   node, errname(ret));

	page = map_anon(2 * PAGE);
	munmap(page + PAGE, PAGE);
	ret = udt_ioctl(fd, USERDMA_IOC_INFO, page + PAGE);
	ok(ret == -EFAULT, "%s: unmapped argument -> EFAULT (got %s)", node,
	   errname(ret));
	/* struct running into the unmapped page */
	memset(page, 0, PAGE);
	ret = info_sized(fd, page + PAGE - 100, (uint32_t)ks);
	ok(ret == -EFAULT,
	   "%s: struct crossing into an unmapped page -> EFAULT (got %s)",
	   node, errname(ret));
	/* read-only struct: the size reads, the answer cannot be written */
	memset(page, 0, PAGE);
	*(uint32_t *)page = (uint32_t)ks;
	mprotect(page, PAGE, PROT_READ);
	ret = udt_ioctl(fd, USERDMA_IOC_INFO, page);
	ok(ret == -EFAULT, "%s: read-only struct -> EFAULT (got %s)", node,
	   errname(ret));
	munmap(page, PAGE);
}

int main(void)
{
	const struct {
		const char *bdf, *want_node;
		uint64_t mask;
	} nodes[] = {
		{ edu64_bdf(), "userdma0", ~0ull },
		{ edu28_bdf(), "userdma1", (1ull << 28) - 1 },
	};
	size_t i;

	tap_init("info");
	diag_config();
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		const char *node = node_name_for(nodes[i].bdf);
		int fd = node_open_or_bail(node);

		ok(!strcmp(node, nodes[i].want_node), "%s is bound to %s",
		   nodes[i].want_node, nodes[i].bdf);
		check_fields(node, nodes[i].bdf, fd, nodes[i].mask);
		check_sizes(node, fd);
		close(fd);
	}
	return done_testing();
}
