// SPDX-License-Identifier: MIT
/*
 * Let the driver allocate a DMA buffer (cached, or coherent with -c) and
 * map it into this process: the alternative to registering your own
 * memory when the device needs memory it can reach or one contiguous
 * block.  Usage: alloc [-c] [node]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <userdma.h>

int main(int argc, char **argv)
{
	unsigned int flags = 0;
	struct userdma_segment *segs;
	const char *node = NULL;
	struct userdma *u;
	size_t len = 0;
	uint32_t h;
	void *addr;
	int i, n, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c"))
			flags |= USERDMA_ALLOC_COHERENT;
		else
			node = argv[i];
	}
	ret = userdma_open(node, &u);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	ret = userdma_alloc(u, 100000, flags, USERDMA_DIR_BIDIRECTIONAL, &h,
			    &addr, &len);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	n = userdma_segments_all(u, h, &segs);
	if (n < 0)
		return 1;
	printf("%s: %s buffer of %zu bytes (100000 rounded up to pages) at %p, %d segment(s), first dma 0x%" PRIx64 "\n",
	       userdma_name(u), flags ? "coherent" : "cached", len, addr, n,
	       (uint64_t)segs[0].dma_addr);
	free(segs);

	memset(addr, 0xa5, len);
	/* cached memory is synced like a registration; coherent needs none */
	if (!(flags & USERDMA_ALLOC_COHERENT))
		ret = userdma_sync_for_device(u, h, 0, len);
	/* unmaps and releases; the memory goes when no mapping uses it */
	if (!ret)
		ret = userdma_free(u, h, addr, len);
	if (ret)
		fprintf(stderr, "%s\n", userdma_last_error());
	userdma_close(u);
	return ret ? 1 : 0;
}
