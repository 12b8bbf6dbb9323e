// SPDX-License-Identifier: MIT
/*
 * Register a user buffer for DMA and show what a device would be given:
 * the DMA address runs.  Then the CPU/device hand-over a real driver
 * does around each device access.  Usage: register [node] [bytes]
 * Build: cc register.c -luserdma (or $(pkg-config --cflags --libs userdma)).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <userdma.h>

int main(int argc, char **argv)
{
	size_t len = argc > 2 ? strtoull(argv[2], NULL, 0) : 1 << 20;
	struct userdma_segment *segs;
	uint32_t h, nsegs;
	struct userdma *u;
	int i, n, ret;
	char *buf;

	ret = userdma_open(argc > 1 ? argv[1] : NULL, &u);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	/* any memory the process owns; it need not be aligned */
	buf = malloc(len);
	if (!buf)
		return 1;
	memset(buf, 0, len);
	/* pinned and mapped until unregister (or close, or exit) */
	ret = userdma_register(u, buf, len, USERDMA_DIR_BIDIRECTIONAL, &h, &nsegs);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	n = userdma_segments_all(u, h, &segs);
	if (n < 0)
		return 1;
	printf("%s: %zu bytes at %p, handle %u, %d segment(s)\n",
	       userdma_name(u), len, (void *)buf, h, n);
	for (i = 0; i < n && i < 8; i++)
		printf("  dma 0x%" PRIx64 " + %" PRIu64 "\n",
		       (uint64_t)segs[i].dma_addr, (uint64_t)segs[i].length);
	free(segs);

	/* the CPU wrote: hand the bytes to the device before it reads them */
	strcpy(buf, "hello, device");
	ret = userdma_sync_for_device(u, h, 0, 64);
	/* ...the device reads and writes the buffer here... */
	/* and take them back before the CPU looks at what the device wrote */
	if (!ret)
		ret = userdma_sync_for_cpu(u, h, 0, 64);
	if (!ret)
		ret = userdma_unregister(u, h);
	if (ret)
		fprintf(stderr, "%s\n", userdma_last_error());
	userdma_close(u);
	free(buf);
	return ret ? 1 : 0;
}
