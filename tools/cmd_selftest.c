// SPDX-License-Identifier: MIT
/*
 * userdma selftest: have a real DMA engine (QEMU's edu device, driven from
 * user space) write into and read from user memory registered through
 * userdma, and check every byte.
 *
 * Device -> memory: a "target" buffer, deliberately not page aligned, is
 * registered FROM_DEVICE.  The edu buffer is loaded once from a 4 KiB
 * TO_DEVICE "source", then chunks of it are written to the target's first
 * and last bytes, across its segment boundaries and at random offsets,
 * each chunk split into one command per segment it touches.  After a
 * partial sync_for_cpu of each chunk, and again after unregistering, the
 * target must hold the source's bytes in the chunks and its own original
 * pattern everywhere else: a wrong DMA address, a wrong segment split, a
 * missed sync or a bounce buffer copying too much all show up.
 *
 * Memory -> device: a TO_DEVICE "region" is filled after registration, so
 * only sync_for_device makes the bytes visible where bounce buffers are
 * used; chunks of it go to the device and back into a FROM_DEVICE "check"
 * buffer, which must then hold the region's bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "edu.h"
#include "selftest.h"
#include "userdma.h"

#define DEFAULT_SIZE	(64 * 1024)
#define STAGE_SIZE	4096u		/* the source and check buffers */
#define TARGET_LEAD	123		/* bytes into its first page */
#define REGION_LEAD	2345		/* another misalignment */
#define MAX_CHUNK	1024u
#define MAX_CHUNKS	64
#define MAX_PIECES	64
/* Commands per direction: 32 in all, 3.2 s of device time without icount. */
#define FWD_BUDGET	22
#define REV_BUDGET	10
#define FWD_RANDOM	3
#define REV_RANDOM	1
/* Segments printed with -v before the list is abridged. */
#define SEGS_SHOWN	64

struct buf {
	const char *what;
	void *alloc;
	uint8_t *data;
	uint64_t len;
	uint32_t dir, h, nsegs;
	int registered;
	struct userdma_segment *segs;
};

struct selftest {
	int verbose;
	uint64_t size, seed;
	struct st_rng rng;
	struct userdma *u;
	struct userdma_info info;
	struct edu edu;
	unsigned long cmds;
	uint64_t checked;
	char why[512];
	struct buf source, target, region, check;
};

static void help(void)
{
	printf("Usage: userdma selftest [-v] [--size BYTES] [--seed N] [NODE]\n"
	       "Check DMA between an edu device (QEMU, PCI 1234:11e8) and user memory:\n"
	       "register a buffer, have the device write chunks of a known pattern into it\n"
	       "(its first and last bytes, across every segment boundary, at random\n"
	       "offsets), sync and check every byte; then have the device read chunks of\n"
	       "a registered buffer and check what it read.  The device is driven from\n"
	       "user space through its BAR; each command takes 100 ms of guest time.\n"
	       "Without NODE, the edu node with the widest DMA mask is used.\n\n"
	       "  -s, --size BYTES  target size (default 64K; K, M, G suffixes)\n"
	       "      --seed N      repeat the random choices of an earlier run\n"
	       "  -v, --verbose     show each segment and each device command\n"
	       "  -h, --help        this help\n\n"
	       "Ends with 'selftest: PASS' (exit 0) or 'selftest: FAIL: reason' (exit 1);\n"
	       "exit 2 when the node's device is not an edu (not applicable).\n");
}

CLI_PRINTF(2, 3)
static void vlog(const struct selftest *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Record the first reason for failing; returns -1. */
CLI_PRINTF(2, 3)
static int fail(struct selftest *st, const char *fmt, ...)
{
	va_list ap;

	if (st->why[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* A library call failed: its detail on stderr, a short reason for FAIL. */
static int lib_fail(struct selftest *st, const char *what)
{
	cli_lib_error("selftest");
	return fail(st, "%s", what);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *dir_name(uint32_t dir)
{
	return dir == USERDMA_DIR_TO_DEVICE ? "TO_DEVICE" :
	       dir == USERDMA_DIR_FROM_DEVICE ? "FROM_DEVICE" : "BIDIRECTIONAL";
}

/* ---- buffers ---------------------------------------------------------- */

/* len bytes at lead bytes into a page, filled (and so touched) with seed. */
static int buf_alloc(struct selftest *st, struct buf *b, const char *what,
		     uint64_t len, size_t lead, uint64_t seed)
{
	long page = sysconf(_SC_PAGESIZE);

	b->what = what;
	if (posix_memalign(&b->alloc, page, lead + len))
		return fail(st, "cannot allocate %" PRIu64 " bytes for the %s",
			    len, what);
	b->data = (uint8_t *)b->alloc + lead;
	b->len = len;
	st_fill(b->data, len, seed);
	return 0;
}

static void show_segs(const struct selftest *st, const struct buf *b)
{
	uint64_t off = 0;
	uint32_t i;

	for (i = 0; i < b->nsegs; off += b->segs[i].length, i++) {
		if (b->nsegs > SEGS_SHOWN && i == SEGS_SHOWN - 8)
			vlog(st, "    ... %u more segments ...",
			     b->nsegs - SEGS_SHOWN);
		if (b->nsegs > SEGS_SHOWN && i >= SEGS_SHOWN - 8 &&
		    i < b->nsegs - 8)
			continue;
		vlog(st, "    segment %u: dma 0x%016" PRIx64 ", %" PRIu64 " bytes, %s [%" PRIu64 ", %" PRIu64 ")",
		     i, (uint64_t)b->segs[i].dma_addr,
		     (uint64_t)b->segs[i].length, b->what, off,
		     (uint64_t)(off + b->segs[i].length));
	}
}

/*
 * The segments must cover the buffer exactly and stay within the DMA
 * mask: an address the device cannot reach would make it write elsewhere.
 */
static int check_segs(struct selftest *st, const struct buf *b)
{
	uint64_t mask = st->info.dma_mask, sum = 0, end;
	uint32_t i;

	for (i = 0; i < b->nsegs; i++) {
		end = b->segs[i].dma_addr + b->segs[i].length - 1;
		if (!b->segs[i].length || end < b->segs[i].dma_addr ||
		    (b->segs[i].dma_addr & ~mask) || (end & ~mask))
			return fail(st, "%s segment %u (dma 0x%" PRIx64 ", %" PRIu64 " bytes) is empty or outside the DMA mask 0x%" PRIx64,
				    b->what, i, (uint64_t)b->segs[i].dma_addr,
				    (uint64_t)b->segs[i].length, mask);
		sum += b->segs[i].length;
	}
	if (sum != b->len)
		return fail(st, "the %s's segments cover %" PRIu64 " bytes, not the %" PRIu64 " registered",
			    b->what, sum, b->len);
	return 0;
}

static int buf_register(struct selftest *st, struct buf *b, uint32_t dir)
{
	char what[64];
	int n;

	b->dir = dir;
	snprintf(what, sizeof(what), "registering the %s %s", b->what,
		 dir_name(dir));
	if (userdma_register(st->u, b->data, b->len, dir, &b->h, &b->nsegs))
		return lib_fail(st, what);
	b->registered = 1;
	n = userdma_segments_all(st->u, b->h, &b->segs);
	if (n < 0)
		return lib_fail(st, "reading the segments");
	if ((uint32_t)n != b->nsegs)
		return fail(st, "REGISTER reported %u segments for the %s, SEGMENTS %d",
			    b->nsegs, b->what, n);
	vlog(st, "  %s: %" PRIu64 " bytes at %p (page offset %lu), %s, handle %u, %u segment%s",
	     b->what, b->len, (void *)b->data,
	     (unsigned long)((uintptr_t)b->data & (st->info.page_size - 1)),
	     dir_name(dir), b->h, b->nsegs, b->nsegs == 1 ? "" : "s");
	show_segs(st, b);
	return check_segs(st, b);
}

static int buf_unregister(struct selftest *st, struct buf *b)
{
	if (!b->registered)
		return 0;
	b->registered = 0;
	if (userdma_unregister(st->u, b->h))
		return lib_fail(st, "unregistering");
	return 0;
}

static void buf_free(struct selftest *st, struct buf *b)
{
	buf_unregister(st, b);
	free(b->segs);
	free(b->alloc);
	memset(b, 0, sizeof(*b));
}

/* ---- device commands -------------------------------------------------- */

/*
 * Move bytes [off, off + len) of b to (to_dev) or from the device buffer
 * at dev, one command per segment the bytes lie in.
 */
static int transfer(struct selftest *st, const struct buf *b, uint64_t off,
		    uint32_t len, uint32_t dev, int to_dev)
{
	struct st_piece p[MAX_PIECES];
	double t;
	int i, n, ret;

	n = st_split(b->segs, b->nsegs, off, len, p, MAX_PIECES);
	if (n < 0)
		return fail(st, "%s bytes [%" PRIu64 ", +%u) do not split into at most %d segments",
			    b->what, off, len, MAX_PIECES);
	for (i = 0; i < n; i++) {
		uint32_t at = dev + p[i].at;

		t = now_s();
		ret = to_dev ? edu_dma_from_ram(&st->edu, p[i].dma, at, p[i].len) :
			       edu_dma_to_ram(&st->edu, p[i].dma, at, p[i].len);
		st->cmds++;
		t = now_s() - t;
		if (to_dev)
			vlog(st, "    cmd %lu: dma 0x%016" PRIx64 " (%s segment %u) -> device [0x%03x, +%u): %s, %.1f ms",
			     st->cmds, p[i].dma, b->what, p[i].seg, at,
			     p[i].len, ret ? "FAILED" : "ok", t * 1e3);
		else
			vlog(st, "    cmd %lu: device [0x%03x, +%u) -> dma 0x%016" PRIx64 " (%s segment %u): %s, %.1f ms",
			     st->cmds, at, p[i].len, p[i].dma, b->what,
			     p[i].seg, ret ? "FAILED" : "ok", t * 1e3);
		if (ret)
			return fail(st, "edu command %lu (%u bytes, dma 0x%" PRIx64 ") failed: %s",
				    st->cmds, p[i].len, p[i].dma,
				    ret == -ETIMEDOUT ? "the device did not finish within 5 s" :
				    strerror(-ret));
	}
	return 0;
}

/* ---- checks ----------------------------------------------------------- */

static uint32_t seg_of(const struct buf *b, uint64_t off)
{
	uint32_t i;

	for (i = 0; i + 1 < b->nsegs && off >= b->segs[i].length; i++)
		off -= b->segs[i].length;
	return i;
}

/* Compare the whole target with what it should hold. */
static int verify_target(struct selftest *st, const uint8_t *want,
			 const struct st_plan *plan, const char *when)
{
	const struct buf *b = &st->target;
	uint64_t i, first = b->len, bad = 0;
	const char *where = "outside every chunk, where the device must not write";
	size_t c;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == want[i])
			continue;
		if (!bad++)
			first = i;
	}
	st->checked += b->len;
	if (!bad) {
		vlog(st, "  all %" PRIu64 " target bytes correct %s", b->len,
		     when);
		return 0;
	}
	/* the last chunk over a byte wrote it */
	for (c = plan->n; c-- > 0;) {
		const struct st_chunk *ch = &plan->chunks[c];

		if (first >= ch->off && first - ch->off < ch->len) {
			where = ch->why;
			break;
		}
	}
	return fail(st, "%s, target byte %" PRIu64 " (segment %u, %s) is 0x%02x, expected 0x%02x; %" PRIu64 " bytes wrong",
		    when, first, seg_of(b, first), where, b->data[first],
		    want[first], bad);
}

/* ---- the two directions ----------------------------------------------- */

static void describe_plan(const struct selftest *st, const char *dir,
			  const struct buf *b, const struct st_plan *p)
{
	printf("selftest: %s: %" PRIu64 "-byte %s at page offset %lu, %u segment%s; %zu chunks (first and last bytes, %u of %u segment boundaries, the rest random)\n",
	       dir, b->len, b->what,
	       (unsigned long)((uintptr_t)b->data & (st->info.page_size - 1)),
	       b->nsegs, b->nsegs == 1 ? "" : "s", p->n, p->straddled,
	       p->boundaries);
}

static int device_to_memory(struct selftest *st)
{
	struct st_chunk chunks[MAX_CHUNKS];
	struct st_plan plan = { .chunks = chunks, .max = MAX_CHUNKS };
	struct buf *t = &st->target, *s = &st->source;
	uint8_t *want;
	size_t i;
	int ret;

	vlog(st, "device -> memory");
	if (buf_alloc(st, s, "source", STAGE_SIZE, 0, st_rand(&st->rng)) ||
	    buf_alloc(st, t, "target", st->size, TARGET_LEAD,
		      st_rand(&st->rng)) ||
	    buf_register(st, s, USERDMA_DIR_TO_DEVICE) ||
	    buf_register(st, t, USERDMA_DIR_FROM_DEVICE))
		return -1;
	want = malloc(t->len);
	if (!want)
		return fail(st, "cannot allocate %" PRIu64 " bytes", t->len);
	memcpy(want, t->data, t->len);

	/* loading the device buffer takes a command per source segment */
	st_plan_chunks(&plan, t->segs, t->nsegs, t->len, MAX_CHUNK,
		       FWD_BUDGET - s->nsegs, 0, FWD_RANDOM, &st->rng);
	describe_plan(st, "device -> memory", t, &plan);
	vlog(st, "  load the device buffer from the source:");
	ret = transfer(st, s, 0, EDU_MAX_XFER, 0, 1);
	for (i = 0; !ret && i < plan.n; i++) {
		const struct st_chunk *c = &chunks[i];

		vlog(st, "  chunk %zu (%s): device [0x%03x, +%u) -> target [%" PRIu64 ", %" PRIu64 ")",
		     i + 1, c->why, c->dev, c->len, c->off, c->off + c->len);
		ret = transfer(st, t, c->off, c->len, c->dev, 0);
		if (!ret && userdma_sync_for_cpu(st->u, t->h, c->off, c->len))
			ret = lib_fail(st, "sync_for_cpu of a chunk");
		memcpy(want + c->off, s->data + c->dev, c->len);
	}
	if (!ret)
		ret = verify_target(st, want, &plan, "after sync_for_cpu");
	/* unmapping syncs the whole range: bounce buffers copy it all back */
	if (!ret)
		ret = buf_unregister(st, t);
	if (!ret)
		ret = verify_target(st, want, &plan, "after unregister");
	free(want);
	if (!ret)
		printf("selftest: device -> memory: all %" PRIu64 " target bytes correct, after sync_for_cpu and after unregister\n",
		       t->len);
	return ret;
}

static int check_chunk(struct selftest *st, const struct st_chunk *c)
{
	const uint8_t *got = st->check.data + c->dev;
	const uint8_t *want = st->region.data + c->off;
	uint32_t i;

	st->checked += c->len;
	for (i = 0; i < c->len; i++)
		if (got[i] != want[i])
			return fail(st, "the device read region byte %" PRIu64 " (segment %u, %s) as 0x%02x, expected 0x%02x",
				    c->off + i, seg_of(&st->region, c->off + i),
				    c->why, got[i], want[i]);
	return 0;
}

static int memory_to_device(struct selftest *st)
{
	struct st_chunk chunks[MAX_CHUNKS];
	struct st_plan plan = { .chunks = chunks, .max = MAX_CHUNKS };
	struct buf *r = &st->region, *k = &st->check;
	uint64_t bytes = 0;
	size_t i;
	int ret = 0;

	vlog(st, "memory -> device");
	/* filled once before registering: a pin must find real pages */
	if (buf_alloc(st, r, "region", st->size, REGION_LEAD,
		      st_rand(&st->rng)) ||
	    buf_alloc(st, k, "check", STAGE_SIZE, 0, st_rand(&st->rng)) ||
	    buf_register(st, r, USERDMA_DIR_TO_DEVICE) ||
	    buf_register(st, k, USERDMA_DIR_FROM_DEVICE))
		return -1;
	st_fill(r->data, r->len, st_rand(&st->rng));
	if (userdma_sync_for_device(st->u, r->h, 0, r->len))
		return lib_fail(st, "sync_for_device of the region");
	vlog(st, "  refilled the region and synced it for the device");

	st_plan_chunks(&plan, r->segs, r->nsegs, r->len, MAX_CHUNK,
		       REV_BUDGET, k->nsegs, REV_RANDOM, &st->rng);
	describe_plan(st, "memory -> device", r, &plan);
	for (i = 0; !ret && i < plan.n; i++) {
		const struct st_chunk *c = &chunks[i];

		vlog(st, "  chunk %zu (%s): region [%" PRIu64 ", %" PRIu64 ") -> device [0x%03x, +%u) -> check",
		     i + 1, c->why, c->off, c->off + c->len, c->dev, c->len);
		ret = transfer(st, r, c->off, c->len, c->dev, 1);
		if (!ret)
			ret = transfer(st, k, c->dev, c->len, c->dev, 0);
		if (!ret && userdma_sync_for_cpu(st->u, k->h, c->dev, c->len))
			ret = lib_fail(st, "sync_for_cpu of the check buffer");
		if (!ret)
			ret = check_chunk(st, c);
		bytes += c->len;
	}
	if (!ret)
		printf("selftest: memory -> device: all %" PRIu64 " bytes the device read were correct\n",
		       bytes);
	return ret;
}

/* ---- choosing the node ------------------------------------------------- */

static int is_edu(const char *node)
{
	unsigned int vendor, device;

	return !node_pci_ids(node, &vendor, &device) &&
	       vendor == EDU_PCI_VENDOR && device == EDU_PCI_DEVICE;
}

/*
 * The edu node whose DMA reaches furthest: without an IOMMU a narrow mask
 * may leave nothing it can map.  1 none (said why), 2 none is an edu.
 */
static int pick_node(char node[NODE_NAME_MAX])
{
	char names[NODES_MAX][NODE_NAME_MAX], msg[128];
	uint64_t best_mask = 0;
	struct userdma_info info;
	struct userdma *u;
	int i, n, found = 0;

	n = nodes_list(names, NODES_MAX, msg, sizeof(msg));
	if (n < 0) {
		cli_error("selftest", "%s", msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (!is_edu(names[i]))
			continue;
		found = 1;
		if (userdma_open(names[i], &u)) {
			cli_lib_error("selftest");
			continue;
		}
		if (!userdma_info(u, &info) &&
		    (!node[0] || info.dma_mask > best_mask)) {
			strcpy(node, names[i]);
			best_mask = info.dma_mask;
		}
		userdma_close(u);
	}
	if (node[0])
		return 0;
	if (!found) {
		printf("selftest: no userdma node is bound to an edu device (PCI %04x:%04x): not applicable\n",
		       EDU_PCI_VENDOR, EDU_PCI_DEVICE);
		return 2;
	}
	return 1;
}

/* ---- the command -------------------------------------------------------- */

static int parse_args(struct selftest *st, int argc, char **argv,
		      const char **node)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, ":s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_size(optarg, &st->size) || !st->size)
				return cli_usage("selftest", "bad size '%s': want a positive number of bytes, e.g. 65536 or 64K",
						 optarg);
			break;
		case 'S':
			st->seed = strtoull(optarg, &end, 0);
			if (!*optarg || *end)
				return cli_usage("selftest", "bad seed '%s'",
						 optarg);
			break;
		case 'v':
			st->verbose = 1;
			break;
		case 'h':
			help();
			return -1;
		default:
			return cli_bad_option("selftest", c, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage("selftest", "at most one NODE");
	*node = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* 0 when the node's device is an edu; 2 (said why) when it is not. */
static int check_edu(const struct selftest *st, const char *name)
{
	unsigned int vendor = 0, device = 0;

	if (!strcmp(st->info.bus, "pci") && is_edu(name))
		return 0;
	node_pci_ids(name, &vendor, &device);
	printf("selftest: %s is bound to %s (%s %04x:%04x), not an edu device (pci %04x:%04x): not applicable\n",
	       name, st->info.device, st->info.bus, vendor, device, EDU_PCI_VENDOR,
	       EDU_PCI_DEVICE);
	return 2;
}

static int run(struct selftest *st)
{
	int ret;

	ret = edu_open(&st->edu, st->info.device);
	if (ret)
		return fail(st, "cannot map BAR0 of the edu device %s: %s",
			    st->info.device, strerror(-ret));
	printf("selftest: %s (%s, %s): IOMMU %s, bounce buffers %s, DMA mask 0x%" PRIx64 ", seed %#" PRIx64 "\n",
	       userdma_name(st->u), st->info.device, st->info.driver_name,
	       st->info.flags & USERDMA_INFO_IOMMU ? "on" : "off",
	       st->info.flags & USERDMA_INFO_BOUNCE ? "yes" : "no",
	       (uint64_t)st->info.dma_mask, st->seed);
	ret = device_to_memory(st);
	if (!ret)
		ret = memory_to_device(st);
	buf_free(st, &st->source);
	buf_free(st, &st->target);
	buf_free(st, &st->region);
	buf_free(st, &st->check);
	edu_close(&st->edu);
	return ret || st->why[0] ? -1 : 0;
}

int cmd_selftest(int argc, char **argv)
{
	struct selftest st = { .size = DEFAULT_SIZE };
	char picked[NODE_NAME_MAX] = "";
	const char *node = NULL;
	double t0 = now_s();
	int ret;

	st.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	ret = parse_args(&st, argc, argv, &node);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (!node) {
		ret = pick_node(picked);
		if (ret)
			return ret;
		node = picked;
	}
	st.rng.s = st.seed;

	if (userdma_open(node, &st.u) || userdma_info(st.u, &st.info)) {
		cli_lib_error("selftest");
		userdma_close(st.u);
		return 1;
	}
	ret = check_edu(&st, userdma_name(st.u));
	if (!ret)
		ret = run(&st) ? 1 : 0;
	userdma_close(st.u);
	if (ret == 2)
		return ret;

	printf("selftest: %" PRIu64 " bytes checked, %lu device commands, %.2f s\n",
	       st.checked, st.cmds, now_s() - t0);
	if (ret) {
		printf("selftest: FAIL: %s (seed %#" PRIx64 ")\n", st.why,
		       st.seed);
		return 1;
	}
	printf("selftest: PASS\n");
	return 0;
}
