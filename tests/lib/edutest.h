/* SPDX-License-Identifier: MIT */
/*
 * Real DMA for the edu-lane tests: a userdma node (through libuserdma)
 * plus the user-space driver of the edu device it is bound to.
 *
 * The edu engine copies between its 4 KiB on-device buffer and one DMA
 * address per command, and refuses (fatally, for the whole guest) any
 * command with dev_off + len >= 4096: every helper here keeps transfers
 * inside [0, EDU_MAX_XFER) and splits them at segment boundaries, so one
 * logical transfer may cost several commands.  ctx->cmds counts them.
 *
 * Two 4 KiB staging buffers move known bytes in and out of the device:
 * "src" (TO_DEVICE) to load the device buffer, "sink" (BIDIRECTIONAL, so
 * that a sentinel written by the CPU reaches a bounce buffer too) to read
 * it back.
 */
#ifndef UDT_EDUTEST_H
#define UDT_EDUTEST_H

#include <stdint.h>

#include "edu.h"
#include "userdma.h"
#include "util.h"

struct dma_ctx {
	struct userdma *u;
	int fd;
	char node[64];
	struct userdma_info info;
	struct edu edu;
	unsigned long cmds;

	uint8_t *src;
	uint32_t src_h, src_n;
	struct userdma_segment *src_segs;
	uint8_t *sink;
	uint32_t sink_h, sink_n;
	struct userdma_segment *sink_segs;
};

/* One registration under test, with guard bytes around it. */
struct region {
	uint8_t *map;		/* the whole mapping */
	size_t maplen;
	size_t lead;		/* buf = map + lead */
	uint8_t *buf;
	uint64_t len;
	uint32_t dir;
	uint32_t h, nsegs;
	struct userdma_segment *segs;
	int registered;
};

struct chunk {
	uint64_t off;
	uint32_t len;
	const char *why;
};

/*
 * Open the node bound to bdf and its edu device, register the staging
 * buffers; bail() on any failure (the module must have bound the device).
 */
void dma_ctx_open(struct dma_ctx *c, const char *bdf);
void dma_ctx_close(struct dma_ctx *c);

/*
 * Map maplen = lead + len + tail (rounded up to pages) bytes aligned to
 * align; buf = map + lead.  Nothing is registered yet.
 */
void region_map(struct region *r, uint64_t len, size_t lead, size_t tail,
		size_t align);
/* Register [buf, buf + len) for dir and fetch its segments; -errno. */
int region_register(struct dma_ctx *c, struct region *r, uint32_t dir);
int region_unregister(struct dma_ctx *c, struct region *r);
void region_unmap(struct region *r);
/* Subtest: the region's segment list passes segs_valid(). */
int ok_region_segs(struct dma_ctx *c, struct region *r, const char *what);

/* Device buffer [dev_off, +len) <- data, through src.  0 or -errno. */
int dev_load(struct dma_ctx *c, const void *data, uint32_t dev_off,
	     uint32_t len);
/* out <- device buffer [dev_off, +len), through sink. */
int dev_read(struct dma_ctx *c, void *out, uint32_t dev_off, uint32_t len);
/* Device buffer [dev_off, +len) -> region bytes [off, +len). No sync. */
int dev_to_region(struct dma_ctx *c, const struct region *r, uint64_t off,
		  uint32_t dev_off, uint32_t len);
/* Region bytes [off, +len) -> device buffer [dev_off, +len). No sync. */
int region_to_dev(struct dma_ctx *c, const struct region *r, uint64_t off,
		  uint32_t dev_off, uint32_t len);

/*
 * The chunks worth writing or reading in a region (each at most
 * EDU_MAX_XFER bytes): the first and last bytes, a chunk straddling every
 * segment boundary (a random 64 when there are more), a chunk straddling
 * every page boundary when the region is at most 64 KiB, and 16 random
 * chunks.  Returns how many were put in out (at most max).
 */
size_t plan_chunks(const struct region *r, struct rng *rng, struct chunk *out,
		   size_t max);

/* A region to prove with real DMA. */
struct dma_case {
	const char *name;
	uint64_t len;
	size_t lead;	/* the region starts this far into its mapping */
	int thp;	/* in a 2 MiB transparent huge page (skip without) */
};

/*
 * Device writes: fill the whole mapping (region and guard bytes around it)
 * with pattern A, register the region FROM_DEVICE, load the device buffer
 * with pattern B, DMA pieces of it to every chunk plan_chunks() picks (at
 * random device offsets), SYNC_FOR_CPU the region and check every byte of
 * the mapping: written chunks hold B, everything else still A.  Again after
 * UNREGISTER.  Emits a few subtests.
 */
void edu_write_case(struct dma_ctx *c, const struct dma_case *dc,
		    struct rng *rng);
/*
 * Device reads: fill the mapping, register the region TO_DEVICE, rewrite
 * a few chunks from the CPU and SYNC_FOR_DEVICE exactly those, then DMA
 * every planned chunk into the device buffer (packed) and read the device
 * buffer back through the sink: it must hold the CPU's latest bytes.  The
 * region and its guards must be unchanged by the device.
 */
void edu_read_case(struct dma_ctx *c, const struct dma_case *dc,
		   struct rng *rng);

#endif /* UDT_EDUTEST_H */
