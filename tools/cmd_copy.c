// SPDX-License-Identifier: MIT
/*
 * userdma copy: copy a registered buffer into another through a DMA
 * engine channel of the node's device, check every byte, and compare the
 * throughput with a plain memcpy() of the same size on the same machine.
 *
 * The source is registered TO_DEVICE and the destination FROM_DEVICE, so
 * the engine reads and writes user memory directly: zero copies on the
 * CPU's side.  Each of COUNT rounds submits the whole buffer as BATCH
 * transfers in as few SUBMITs as the module takes, then collects their
 * completions; the next round starts when all are in.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "userdma.h"

#define DEFAULT_SIZE	(64ULL << 20)
#define MAX_BATCH	(1u << 20)
#define COMPLETIONS	64u
/* Progress: not before this much time has passed, and not more often. */
#define PROGRESS_AFTER	0.5
#define PROGRESS_EVERY	0.2
/* memcpy is timed for at least this long for a steady figure. */
#define MEMCPY_MIN_S	0.1

struct copy {
	const char *engine;
	uint64_t size, count;
	unsigned int batch;
	int quiet;
	int untimed;

	struct userdma *u;
	uint8_t *src, *dst;
	uint32_t src_h, dst_h;
	struct userdma_xfer *xfers;
	char bound[USERDMA_CHANNEL_NAME_LEN];
	char driver[USERDMA_CHANNEL_NAME_LEN];

	/* progress */
	int tty;
	double start, shown;
	int progress_shown;
};

static void help(void)
{
	printf("Usage: userdma copy [-e ENGINE] [-s SIZE] [-n COUNT] [-b BATCH] [-q] [-T] [NODE]\n"
	       "Copy a registered buffer into another through a DMA engine channel of the\n"
	       "node's device, check every byte of the destination, and report the\n"
	       "throughput next to that of a plain memcpy() of the same size.  Both buffers\n"
	       "are user memory registered with the node and the engine moves the bytes\n"
	       "between them directly (userdma's sw engine is the kernel copying through\n"
	       "the device's DMA addresses).  Without NODE, the first node is used.\n\n"
	       "  -e, --engine ENGINE  channel to bind: sw (default: userdma's software\n"
	       "                       engine), edu (the edu device's own engine: slow,\n"
	       "                       for small sizes), any, or a dmaengine channel name\n"
	       "                       such as dma0chan3\n"
	       "  -s, --size SIZE      bytes to copy (default 64M; K, M, G suffixes)\n"
	       "  -n, --count COUNT    copy the buffer COUNT times (default 1)\n"
	       "  -b, --batch BATCH    split each copy into BATCH transfers submitted\n"
	       "                       together (default 1)\n"
	       "  -q, --quiet          only the result line, no progress\n"
	       "  -T, --no-timing      check the bytes only: no time, no MB/s, no memcpy\n"
	       "                       comparison (for a guest run with QEMU's -icount,\n"
	       "                       whose clock counts instructions, not seconds)\n"
	       "  -h, --help           this help\n\n"
	       "Prints 'copy: SIZE in N transfers via ENGINE (CHANNEL) in T s = R MB/s;\n"
	       "memcpy M MB/s; ratio R/M' (with -T: 'copy: SIZE in N transfers via ENGINE\n"
	       "(CHANNEL): all bytes correct, not timed') and exits 0 when every byte\n"
	       "arrived, 1 otherwise.\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || !*out || *out > max ? -EINVAL : 0;
}

static int parse_args(struct copy *c, int argc, char **argv, const char **node)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-timing", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t v;
	int o;

	while ((o = getopt_long(argc, argv, ":e:s:n:b:qTh", opts, NULL)) != -1) {
		switch (o) {
		case 'e':
			c->engine = strcmp(optarg, "any") ? optarg : "";
			if (strlen(c->engine) >= USERDMA_CHANNEL_NAME_LEN)
				return cli_usage("copy", "engine name '%s' is longer than %d bytes",
						 optarg,
						 USERDMA_CHANNEL_NAME_LEN - 1);
			break;
		case 's':
			if (parse_size(optarg, &c->size) || !c->size ||
			    c->size > SIZE_MAX / 2)
				return cli_usage("copy", "bad size '%s': want a positive number of bytes, e.g. 65536 or 64M",
						 optarg);
			break;
		case 'n':
			if (parse_count(optarg, UINT32_MAX, &c->count))
				return cli_usage("copy", "bad count '%s': want a positive number",
						 optarg);
			break;
		case 'b':
			if (parse_count(optarg, MAX_BATCH, &v))
				return cli_usage("copy", "bad batch '%s': want 1 to %u transfers",
						 optarg, MAX_BATCH);
			c->batch = v;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'T':
			c->untimed = 1;
			break;
		case 'h':
			help();
			return -1;
		default:
			return cli_bad_option("copy", o, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage("copy", "at most one NODE");
	if (c->batch > c->size)
		return cli_usage("copy", "batch %u is more transfers than the %" PRIu64 " bytes to copy",
				 c->batch, c->size);
	*node = optind < argc ? argv[optind] : NULL;
	return 0;
}

static void *map_buf(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A pattern no shift or stale page reproduces: position and a seed. */
static void fill(uint8_t *p, uint64_t size, uint64_t seed)
{
	uint64_t i, x;

	for (i = 0; i + 8 <= size; i += 8) {
		x = (i + seed) * 0x9e3779b97f4a7c15ULL;
		x ^= x >> 29;
		memcpy(p + i, &x, 8);
	}
	for (; i < size; i++)
		p[i] = (uint8_t)(i * 131 + seed);
}

static int lib_fail(const char *what)
{
	if (what)
		cli_error("copy", "%s: %s", what, userdma_last_error());
	else
		cli_lib_error("copy");
	return -1;
}

#define PROGRESS_WIDTH	40

/* "1042.4", "12.35", "0.019": MB/s with three significant digits or more. */
static const char *fmt_rate(double mbs, char *buf, size_t size)
{
	snprintf(buf, size, mbs >= 100 ? "%.1f" : mbs >= 10 ? "%.2f" : "%.3f",
		 mbs);
	return buf;
}

/*
 * Percent done and MB/s so far, on stderr: in place on a terminal (plain
 * \r, no escape sequences, so that serial consoles and logs stay
 * readable), one line per update otherwise.
 */
static void progress(struct copy *c, uint64_t bytes, uint64_t total, int last)
{
	double t = now_s(), el = t - c->start;
	char line[64], rate[32];

	if (c->quiet)
		return;
	if (last) {
		if (c->progress_shown && c->tty)
			fprintf(stderr, "\r%*s\r", PROGRESS_WIDTH, "");
		return;
	}
	/* the result line says the rest */
	if (bytes >= total || el < PROGRESS_AFTER ||
	    t - c->shown < PROGRESS_EVERY)
		return;
	c->shown = t;
	c->progress_shown = 1;
	if (c->untimed)
		snprintf(line, sizeof(line), "copy: %3.0f%%", 100.0 * bytes / total);
	else
		snprintf(line, sizeof(line), "copy: %3.0f%% %s MB/s",
			 100.0 * bytes / total,
			 fmt_rate(bytes / el / 1e6, rate, sizeof(rate)));
	if (c->tty)
		fprintf(stderr, "\r%-*s", PROGRESS_WIDTH, line);
	else
		fprintf(stderr, "%s\n", line);
}

/* The transfers of one round: BATCH pieces covering the buffer. */
static void plan(struct copy *c)
{
	uint64_t piece = (c->size + c->batch - 1) / c->batch, off = 0;
	unsigned int i;

	for (i = 0; i < c->batch; i++) {
		uint64_t len = c->size - off < piece ? c->size - off : piece;

		c->xfers[i] = (struct userdma_xfer){
			.src_handle = c->src_h,
			.dst_handle = c->dst_h,
			.src = off,
			.dst = off,
			.length = len,
			.user_data = i,
		};
		off += len;
	}
	/* ceil() pieces may cover the buffer in fewer than BATCH */
	while (c->batch > 1 && !c->xfers[c->batch - 1].length)
		c->batch--;
}

/* Check one completion against the piece it names. */
static int check_completion(const struct copy *c,
			    const struct userdma_completion *done)
{
	const struct userdma_xfer *x;

	if (done->user_data >= c->batch) {
		cli_error("copy", "completion of cookie %" PRIu64 " names piece %" PRIu64 ", not one of the %u submitted",
			  (uint64_t)done->cookie, (uint64_t)done->user_data,
			  c->batch);
		return -1;
	}
	x = &c->xfers[done->user_data];
	if (done->status != USERDMA_XFER_DONE ||
	    done->bytes != x->length) {
		cli_error("copy", "transfer %" PRIu64 " (bytes [%" PRIu64 ", %" PRIu64 ")) ended %s after %" PRIu64 " of %" PRIu64 " bytes",
			  (uint64_t)done->cookie, (uint64_t)x->src,
			  (uint64_t)(x->src + x->length),
			  userdma_xfer_status_name(done->status),
			  (uint64_t)done->bytes, (uint64_t)x->length);
		return -1;
	}
	return 0;
}

/* One round: every piece submitted and completed. */
static int round_trip(struct copy *c, uint64_t *copied, uint64_t total)
{
	struct userdma_completion done[COMPLETIONS];
	unsigned int next = 0, finished = 0;
	int n, i;

	while (finished < c->batch) {
		if (next < c->batch) {
			n = userdma_submit(c->u, c->xfers + next,
					   c->batch - next);
			/* the most outstanding: collect, then go on */
			if (n == -EAGAIN && next > finished)
				n = 0;
			if (n < 0)
				return lib_fail(NULL);
			next += n;
		}
		n = userdma_completions(c->u, done, COMPLETIONS, 0);
		if (n < 0)
			return lib_fail(NULL);
		if (!n) {
			cli_error("copy", "%u transfers were submitted but only %u completed",
				  next, finished);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (check_completion(c, &done[i]))
				return -1;
			*copied += done[i].bytes;
		}
		finished += n;
		progress(c, *copied, total, 0);
	}
	return 0;
}

static int verify(const struct copy *c)
{
	uint64_t i;

	if (!memcmp(c->src, c->dst, c->size))
		return 0;
	for (i = 0; i < c->size && c->src[i] == c->dst[i]; i++)
		;
	cli_error("copy", "the destination differs from the source at byte %" PRIu64 " of %" PRIu64 ": 0x%02x, want 0x%02x",
		  i, c->size, c->dst[i], c->src[i]);
	return -1;
}

/* MB/s of memcpy() between the same two buffers, no registration. */
static double memcpy_rate(const struct copy *c)
{
	/* small copies are timed in bunches: the clock costs more */
	uint64_t rounds = 0, bunch = c->size < (1 << 20) ? (1 << 20) / c->size : 1;
	double t0 = now_s(), el;

	do {
		for (uint64_t i = 0; i < bunch; i++) {
			memcpy(c->dst, c->src, c->size);
			/* the copy must happen: the compiler may not drop it */
			__asm__ __volatile__("" : : "r"(c->dst) : "memory");
		}
		rounds += bunch;
		el = now_s() - t0;
	} while (el < MEMCPY_MIN_S || rounds < c->count);
	return (double)c->size * rounds / el / 1e6;
}

static int run(struct copy *c)
{
	uint64_t total = c->size * c->count, copied = 0, r;
	uint32_t src_segs = 0, dst_segs = 0;
	char sz[32], tot[64], r1[32], r2[32], ratio[32];
	double el, rate, mrate;

	c->src = map_buf(c->size);
	c->dst = map_buf(c->size);
	c->xfers = calloc(c->batch, sizeof(*c->xfers));
	if (!c->src || !c->dst || !c->xfers) {
		cli_error("copy", "out of memory for two buffers of %s",
			  udl_size(c->size, sz, sizeof(sz)));
		return -1;
	}
	udl_size(c->size, sz, sizeof(sz));
	fill(c->src, c->size, 0x5eed);
	memset(c->dst, 0xa5, c->size);

	if (userdma_register(c->u, c->src, c->size, USERDMA_DIR_TO_DEVICE,
			     &c->src_h, &src_segs))
		return lib_fail("source");
	if (userdma_register(c->u, c->dst, c->size, USERDMA_DIR_FROM_DEVICE,
			     &c->dst_h, &dst_segs))
		return lib_fail("destination");
	if (userdma_channel(c->u, c->engine, -1, c->bound, sizeof(c->bound),
			    c->driver, sizeof(c->driver)))
		return lib_fail(NULL);
	plan(c);
	if (!c->quiet)
		printf("copy: %s: source (handle %u, %u segment%s) and destination (handle %u, %u segment%s) of %s, channel %s (%s)\n",
		       userdma_name(c->u), c->src_h, src_segs,
		       src_segs == 1 ? "" : "s", c->dst_h, dst_segs,
		       dst_segs == 1 ? "" : "s", sz, c->bound, c->driver);
	fflush(stdout);

	c->start = now_s();
	for (r = 0; r < c->count; r++)
		if (round_trip(c, &copied, total)) {
			progress(c, copied, total, 1);
			return -1;
		}
	el = now_s() - c->start;
	progress(c, copied, total, 1);
	if (verify(c))
		return -1;
	/* the destination is the CPU's again only once unregistered */
	if (userdma_unregister(c->u, c->src_h) ||
	    userdma_unregister(c->u, c->dst_h))
		return lib_fail(NULL);
	c->src_h = c->dst_h = 0;

	if (c->count > 1)
		snprintf(tot, sizeof(tot), "%" PRIu64 " x %s", c->count, sz);
	else
		snprintf(tot, sizeof(tot), "%s", sz);
	if (c->untimed) {
		printf("copy: %s in %" PRIu64 " transfer%s via %s (%s): all bytes correct, not timed\n",
		       tot, c->count * c->batch,
		       c->count * c->batch == 1 ? "" : "s", c->driver, c->bound);
		return 0;
	}
	mrate = memcpy_rate(c);
	rate = total / el / 1e6;
	/* a slow engine still gets a ratio that is not 0.00 */
	snprintf(ratio, sizeof(ratio), rate / mrate >= 0.01 ? "%.2f" : "%.1g",
		 rate / mrate);
	printf("copy: %s in %" PRIu64 " transfer%s via %s (%s) in %.3f s = %s MB/s; memcpy %s MB/s; ratio %s\n",
	       tot, c->count * c->batch, c->count * c->batch == 1 ? "" : "s",
	       c->driver, c->bound, el, fmt_rate(rate, r1, sizeof(r1)),
	       fmt_rate(mrate, r2, sizeof(r2)),
	       ratio);
	return 0;
}

int cmd_copy(int argc, char **argv)
{
	struct copy c = {
		.engine = "sw",
		.size = DEFAULT_SIZE,
		.count = 1,
		.batch = 1,
	};
	const char *node = NULL;
	int ret;

	ret = parse_args(&c, argc, argv, &node);
	if (ret)
		return ret < 0 ? 0 : ret;
	c.tty = isatty(STDERR_FILENO);
	if (userdma_open(node, &c.u)) {
		cli_lib_error("copy");
		return 1;
	}
	ret = run(&c) ? 1 : 0;
	/* closing stops the channel before the regions go */
	userdma_close(c.u);
	if (c.src)
		munmap(c.src, c.size);
	if (c.dst)
		munmap(c.dst, c.size);
	free(c.xfers);
	return ret;
}
