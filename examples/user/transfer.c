// SPDX-License-Identifier: MIT
/*
 * Have a DMA engine copy between two registered user buffers, zero-copy
 * and asynchronously, and check every byte.  Usage: transfer [node]
 * [engine: sw (default), edu, or a dmaengine channel name] [bytes]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <userdma.h>

int main(int argc, char **argv)
{
	const char *engine = argc > 2 ? argv[2] : "sw";
	size_t i, len = argc > 3 ? strtoull(argv[3], NULL, 0) : 1 << 20;
	struct userdma_completion c;
	char bound[32], kind[32];
	uint32_t hs, hd;
	struct userdma *u;
	uint8_t *src, *dst;
	uint64_t cookie;
	int ret;

	ret = userdma_open(argc > 1 ? argv[1] : NULL, &u);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	/* one channel per open file */
	ret = userdma_channel(u, engine, -1, bound, sizeof(bound), kind,
			      sizeof(kind));
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	src = malloc(len);
	dst = calloc(1, len);
	if (!src || !dst)
		return 1;
	for (i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 12));
	ret = userdma_register(u, src, len, USERDMA_DIR_TO_DEVICE, &hs, NULL);
	if (!ret)
		ret = userdma_register(u, dst, len, USERDMA_DIR_FROM_DEVICE, &hd,
				       NULL);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	/* the library syncs both sides; hands off until the completion */
	ret = userdma_copy_region(u, hs, 0, hd, 0, len, 42, &cookie);
	if (!ret)
		ret = userdma_wait(u, cookie, 10 * 1000000000LL, &c);
	if (ret) {
		fprintf(stderr, "%s\n", userdma_last_error());
		return 1;
	}
	printf("%s on %s (%s): %s, %" PRIu64 " of %zu bytes\n", userdma_name(u),
	       bound, kind, userdma_xfer_status_name(c.status),
	       (uint64_t)c.bytes, len);
	if (c.status != USERDMA_XFER_DONE || c.bytes != len ||
	    memcmp(src, dst, len)) {
		fprintf(stderr, "transfer: the destination differs from the source\n");
		return 1;
	}
	userdma_unregister(u, hs);
	userdma_unregister(u, hd);
	userdma_close(u);
	free(src);
	free(dst);
	return 0;
}
