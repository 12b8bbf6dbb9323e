// SPDX-License-Identifier: MIT
/*
 * Structured ioctl fuzzer.  Workers issue random sequences of every
 * userdma ioctl, mmap/munmap of ALLOC buffers, read()/poll() of
 * completions, EXPORT/IMPORT round trips and close/reopen of the node,
 * with valid, boundary and garbage arguments, and munmap/mremap/madvise
 * of registered ranges while they are registered.  Each worker keeps a
 * model of what its files own and checks semantics as it goes: what the
 * model says must succeed must succeed, freed and foreign handles give
 * ENOENT, bad struct sizes and flags the documented errno (man 4 userdma),
 * and every byte a successful sw-engine transfer moved is compared.
 *
 * Read-only memory: before the workers start, root creates a 0444 file of
 * known bytes that every worker maps PROT_READ (MAP_SHARED and
 * MAP_PRIVATE), next to an untouched PROT_READ anonymous mapping (the
 * shared zero page).  Workers register ranges of them: TO_DEVICE must
 * work, FROM_DEVICE and BIDIRECTIONAL are EFAULT; their exports must be
 * O_RDONLY dma-bufs that refuse PROT_WRITE mappings and mprotect to
 * write (EACCES) but map PROT_READ with the same bytes; imports of those
 * for device writes are EACCES, TO_DEVICE imports work; the regions and
 * their imports are checked transfer sources and refused destinations
 * (EACCES).  Every few steps and after each of those operations a worker
 * compares the file's mappings and the zero page (now and then a fresh
 * anonymous page too) with what they must hold; at the end the file is
 * read back with pread() and a new process reads a fresh page.
 *
 * Workers: threads sharing one file (each using only its own handles, and
 * WAIT by cookie, never read(), so no one steals another's completion),
 * plus forked children with their own files, some SIGKILLed mid-sequence.
 * At the end everything is closed and the node's counters must be back at
 * baseline; the runner's oracles check pins and dmesg.
 *
 * CI volume: 10,000 iterations per worker, 3 threads plus 3 rounds of 3
 * children (one SIGKILLed per round): at least 80,000 iterations per
 * guest (a CI run boots about 15 main-lane guests: over a million), a few
 * seconds on a TCG guest; the 15 s budget bounds the slower debug kernel.
 *
 * Env: USERDMA_FUZZ_SEED (replay), USERDMA_FUZZ_ITERS (per worker),
 * USERDMA_FUZZ_SECONDS (time-bounded soak instead of the CI budget),
 * USERDMA_FUZZ_WORKER (with the seed: run that worker alone).
 * Each worker's stream is a function of the seed and its number; only
 * the interleaving of workers differs between runs.  Every worker checks
 * only what it owns, so a failure is replayed by running the worker named
 * in the report alone with the same seed: same calls, same order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "xfer.h"

enum op {
	OP_INFO, OP_REGISTER, OP_UNREGISTER, OP_SEGMENTS, OP_SYNC, OP_CHANNEL,
	OP_SUBMIT, OP_WAIT, OP_ALLOC, OP_EXPORT, OP_IMPORT, OP_MMAP, OP_READ,
	OP_POLL, OP_REOPEN, OP_VMOP, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"INFO", "REGISTER", "UNREGISTER", "SEGMENTS", "SYNC", "CHANNEL",
	"SUBMIT", "WAIT", "ALLOC", "EXPORT", "IMPORT", "mmap", "read",
	"poll", "close+reopen", "munmap/mremap/madvise",
};

static const unsigned long op_req[] = {
	USERDMA_IOC_INFO, USERDMA_IOC_REGISTER, USERDMA_IOC_UNREGISTER,
	USERDMA_IOC_SEGMENTS, USERDMA_IOC_SYNC, USERDMA_IOC_CHANNEL,
	USERDMA_IOC_SUBMIT, USERDMA_IOC_WAIT, USERDMA_IOC_ALLOC,
	USERDMA_IOC_EXPORT, USERDMA_IOC_IMPORT,
};

#define NR_ERR		140
#define NR_THREADS	3
#define NR_CHILDREN	3
#define MAXO		24
#define MAXP		24
#define MAXDB		6
#define MAXMAP		8
#define MAXLOG		40

/*
 * CI volume: 3 threads and 3 rounds of 3 children, one SIGKILLed per
 * round, each CI_ITERS iterations: at least 8 full workers, 80,000
 * iterations per guest, over a million in the ~15 main-lane guests of a
 * run, in 3-5 s on a TCG guest.  The debug kernel (about 10 times slower)
 * is bounded by the budget instead.
 */
#define CI_ITERS	10000
#define CI_ROUNDS	3
#define CI_SECONDS	15
#define CI_MIN_ITERS	80000

/* Shared by every worker, threads and children alike (MAP_SHARED). */
struct stats {
	uint64_t calls[NR_OPS];
	uint64_t err[NR_ERR];		/* [0] = success */
	uint64_t iters, bytes_verified, xfers_done, failures;
	uint64_t children_killed, children_run;
	uint64_t ro_regs, ro_exports, ro_imports, ro_bytes_verified;
	uint64_t ro_checks, ro_damage;
	uint32_t nlog;
};

static struct stats *st;
static const char *node;
static uint64_t seed, iters_per_worker;
static double deadline;
static void *guard;		/* PROT_NONE: never mapped for anyone */
static struct userdma_info info;

/*
 * Read-only memory every worker shares (set up by root before any worker
 * starts): a 0444 file of RO_LEN known bytes mapped PROT_READ both
 * MAP_SHARED and MAP_PRIVATE, an untouched PROT_READ anonymous mapping
 * (registered only, never read by the checks before a worker pins it),
 * and a PROT_READ anonymous page the checks read (the shared zero page).
 */
#define RO_LEN		(4 * PAGE)
#define RO_SEED		0x0f11e5eedull
static const uint8_t *ro_shared, *ro_private, *ro_anon, *zero_view;
static uint8_t ro_want[RO_LEN];
static char ro_path[64];
static int ro_fd = -1;

static void add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

enum kind { K_REG, K_ALLOC, K_IMPORT };

struct obj {
	uint32_t h;
	enum kind kind;
	uint8_t *va;		/* CPU view of the handle's bytes, or NULL */
	uint8_t *map;		/* REG: our mapping; ALLOC: mmap of it */
	size_t maplen;
	uint64_t len;
	uint32_t dir, nseg;
	uint64_t moff;
	uint64_t addr;		/* REG: the address registered */
	int pending;		/* transfers in flight touching it */
	int wpend;		/* of which writing it */
	int aliased;		/* exported or imported: someone else's view */
	int ro;			/* read-only memory (or an import of it) */
	uint32_t aflags;	/* K_ALLOC: USERDMA_ALLOC_* */
	int tainted;		/* an import of it was synced: see do_sync() */
	uint64_t id;		/* names it to its dma-bufs and their imports */
	uint64_t origin;	/* K_IMPORT: id of the object exported, or 0 */
};

/* A dma-buf the worker holds, and what it was exported from. */
struct dbuf {
	int fd;
	int ro;			/* of read-only memory */
	int rdonly;		/* a read-only dma-buf: ro, or any TO_DEVICE registration */
	uint64_t origin;	/* the exported object's id */
	const uint8_t *va;	/* ro: the bytes it holds */
};

struct pend {
	uint64_t cookie;
	int src, dst;		/* obj indexes, for the pending counts */
	uint32_t dst_h;
	uint64_t doff, len;
	uint8_t *want;		/* expected bytes, or NULL: not checked */
	uint8_t *before;	/* the destination's bytes at submit */
	int ro_src;		/* the source is read-only memory */
};

struct ctx {
	int id, shared;		/* shared: the fd is other threads' too */
	struct rng r;
	int fd, fd2, chan;
	struct obj o[MAXO];
	int no;
	struct obj o2[MAXO];	/* handles of fd2: foreign to fd */
	int no2;
	uint32_t freed[8];	/* released handles of fd, private only */
	int nfreed;
	struct pend p[MAXP];
	int np;
	struct dbuf db[MAXDB];
	int ndb;
	struct { void *p; size_t len; } maps[MAXMAP];	/* outliving handles */
	int nmaps;
	uint64_t last_cookie;
	int efd;
	uint64_t step;
	uint64_t next_id;
};

/* ---- reporting ---------------------------------------------------------- */

static void fail(struct ctx *c, const char *fmt, ...) TAP_PRINTF(2, 3);
static void fail(struct ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	add(&st->failures, 1);
	if (__atomic_fetch_add(&st->nlog, 1, __ATOMIC_RELAXED) >= MAXLOG)
		return;
	n = snprintf(line, sizeof(line), "# FUZZ FAIL worker %d step %" PRIu64 ": ",
		     c->id, c->step);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write, so lines of workers never interleave */
	if (write(1, line, n) < 0)
		return;
}

static void count(enum op op, int ret)
{
	int e = ret < 0 ? -ret : 0;

	add(&st->calls[op], 1);
	add(&st->err[e < NR_ERR ? e : NR_ERR - 1], 1);
}

/* ret must be want (0 or -errno) or alt; 1 = alt unused. */
static int expect(struct ctx *c, enum op op, int ret, int want, int alt,
		  const char *what)
{
	if (ret == want || (alt != 1 && ret == alt))
		return 1;
	fail(c, "%s %s: got %s, want %s%s%s", op_name[op], what, errname(ret),
	     errname(want), alt != 1 ? " or " : "", alt != 1 ? errname(alt) : "");
	return 0;
}

/*
 * The read-only file and the zero page must never change, whatever the
 * module let a worker do.  Level 0 (every few steps, ~35 us on a TCG
 * guest): the file's MAP_SHARED view and the zero page; 1: the
 * MAP_PRIVATE view too; 2: and a fresh anonymous page (an mmap/munmap:
 * milliseconds in a threaded process under TCG, so rarely).  A change is
 * reported loudly: the zero page cannot be repaired from user space, and
 * later programs in this guest may fail because of it.
 */
static void ro_check(struct ctx *c, int level)
{
	const uint8_t *z;
	ssize_t off;

	add(&st->ro_checks, 1);
	off = mem_mismatch(ro_shared, ro_want, RO_LEN);
	if (off >= 0) {
		add(&st->ro_damage, 1);
		fail(c, "READ-ONLY FILE CHANGED: byte %zd of the MAP_SHARED view is %#x, not %#x",
		     off, ro_shared[off], ro_want[off]);
	}
	off = level ? mem_mismatch(ro_private, ro_want, RO_LEN) : -1;
	if (off >= 0) {
		add(&st->ro_damage, 1);
		fail(c, "READ-ONLY FILE CHANGED: byte %zd of the MAP_PRIVATE view is %#x, not %#x",
		     off, ro_private[off], ro_want[off]);
	}
	off = byte_mismatch(zero_view, PAGE, 0);
	if (off >= 0) {
		add(&st->ro_damage, 1);
		fail(c, "THE ZERO PAGE CHANGED: byte %zd is %#x (the guest is damaged)",
		     off, zero_view[off]);
	}
	if (level < 2)
		return;
	z = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z == MAP_FAILED)
		return;
	off = byte_mismatch(z, PAGE, 0);
	if (off >= 0) {
		add(&st->ro_damage, 1);
		fail(c, "A FRESH ANONYMOUS PAGE IS NOT ZERO: byte %zd is %#x (the zero page is damaged)",
		     off, z[off]);
	}
	munmap((void *)z, PAGE);
}

/* ---- randomness ---------------------------------------------------------- */

static uint64_t rb(struct ctx *c, uint64_t n)
{
	return rng_below(&c->r, n);
}

static int pct(struct ctx *c, int p)
{
	return (int)rb(c, 100) < p;
}

static uint64_t rand_len(struct ctx *c)
{
	switch (rb(c, 6)) {
	case 0: return 1;
	case 1: return PAGE - 1;
	case 2: return PAGE;
	case 3: return PAGE + 1;
	case 4: return 1 + rb(c, 64 * KiB);
	default: return 1 + rb(c, 8 * KiB);
	}
}

static uint32_t rand_dir(struct ctx *c)
{
	return 1 + rb(c, 3);
}

static uint32_t bad_dir(struct ctx *c)
{
	static const uint32_t v[] = { 0, 4, 7, 0x80000001u, 0xffffffffu };

	return v[rb(c, ARRAY_SIZE(v))];
}

/* A handle number no file can have (above max_regions). */
static uint32_t rand_bad_handle(struct ctx *c)
{
	uint32_t lim = info.max_regions ? info.max_regions : 65536;

	return pct(c, 50) ? 0xffffffffu - (uint32_t)rb(c, 16) :
			    lim + 1 + (uint32_t)rb(c, 0x7fffffff - lim);
}

/*
 * A handle that must be unknown on fd: a random big one, a just-freed one
 * (private files: handle numbers are reused by the next allocation, so
 * only before it), or one of fd2's that fd does not have.
 */
static int live_on_fd(struct ctx *c, uint32_t h);

static uint32_t unknown_handle(struct ctx *c, const char **what)
{
	uint32_t h;

	if (!c->shared && c->nfreed && pct(c, 40)) {
		*what = "just-freed handle";
		return c->freed[rb(c, c->nfreed)];
	}
	if (c->no2 && pct(c, 50)) {
		h = c->o2[rb(c, c->no2)].h;
		if (!live_on_fd(c, h)) {
			*what = "another file's handle";
			return h;
		}
	}
	*what = "random handle";
	return rand_bad_handle(c);
}

/* ---- the model ------------------------------------------------------------ */

static int live_on_fd(struct ctx *c, uint32_t h)
{
	int i;

	if (c->shared)
		return 1;	/* other threads' handles are invisible to us */
	for (i = 0; i < c->no; i++)
		if (c->o[i].h == h)
			return 1;
	return 0;
}

static void note_new_handle(struct ctx *c, uint32_t h)
{
	int i;

	for (i = 0; i < c->nfreed; i++)
		if (c->freed[i] == h)
			c->freed[i] = c->freed[--c->nfreed];
}

static void keep_map(struct ctx *c, void *p, size_t len)
{
	if (!p)
		return;
	if (c->nmaps == MAXMAP || pct(c, 50)) {
		munmap(p, len);
		return;
	}
	c->maps[c->nmaps].p = p;
	c->maps[c->nmaps++].len = len;
}

/* Forget obj i of fd (after UNREGISTER or close). */
static void drop_obj(struct ctx *c, int i, int freed)
{
	struct obj *o = &c->o[i];
	int k;

	if (freed && !c->shared) {
		if (c->nfreed == (int)ARRAY_SIZE(c->freed))
			c->nfreed--;
		c->freed[c->nfreed++] = o->h;
	}
	if (o->kind == K_REG && o->map)
		munmap(o->map, o->maplen);
	else if (o->kind == K_ALLOC)
		keep_map(c, o->map, o->maplen);
	c->o[i] = c->o[--c->no];
	/* pendings refer to objects by index */
	for (k = 0; k < c->np; k++) {
		if (c->p[k].src == i)
			c->p[k].src = -1;
		else if (c->p[k].src == c->no)
			c->p[k].src = i;
		if (c->p[k].dst == i)
			c->p[k].dst = -1;
		else if (c->p[k].dst == c->no)
			c->p[k].dst = i;
	}
}

static int pick_obj(struct ctx *c)
{
	return c->no ? (int)rb(c, c->no) : -1;
}

/* ---- structs with a size field ----------------------------------------- */

/*
 * Issue op with struct s (ksz bytes, size field first) under a random size:
 * mostly exact, sometimes larger with a zero tail (fine), larger with a
 * non-zero tail (E2BIG), above a page (E2BIG) or below the first layout
 * (EINVAL).  *want is set to that error when the size decides; the reply
 * is copied back into s.
 */
static int call_sized(struct ctx *c, int fd, enum op op, void *s, size_t ksz,
		      int *want, int *sized)
{
	static __thread uint64_t buf[(2 * 4096 + 64) / 8];
	uint8_t *b = (uint8_t *)buf;
	uint32_t usz = ksz;
	int r = rb(c, 100), ret;

	*sized = 0;
	memset(b, 0, ksz + 256);
	if (r < 8) {
		usz = ksz + 8 * (1 + rb(c, 16));
	} else if (r < 13) {
		usz = ksz + 1 + rb(c, 128);
		b[ksz + rb(c, usz - ksz)] = 1 + rb(c, 255);
		*want = -E2BIG;
		*sized = 1;
	} else if (r < 16) {
		usz = 4097 + rb(c, 4096);
		*want = -E2BIG;
		*sized = 1;
	} else if (r < 20) {
		usz = rb(c, ksz);
		*want = -EINVAL;
		*sized = 1;
	}
	memcpy(b, s, ksz);
	*(uint32_t *)b = usz;
	ret = ioctl(fd, op_req[op], b) ? -errno : 0;
	count(op, ret);
	memcpy(s, b, ksz);
	return ret;
}

/* ---- operations ---------------------------------------------------------- */

static void do_info(struct ctx *c)
{
	struct userdma_info in = { 0 };
	int want = 0, sized, ret;

	ret = call_sized(c, c->fd, OP_INFO, &in, sizeof(in), &want, &sized);
	if (expect(c, OP_INFO, ret, want, 1, "") && !ret &&
	    (in.abi_version != USERDMA_ABI_VERSION || in.page_size != PAGE))
		fail(c, "INFO: abi %u page %u", in.abi_version, in.page_size);
}

static uint8_t *map_rw(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void reg_good(struct ctx *c, int second)
{
	struct userdma_register r = { .size = sizeof(r) };
	struct obj *o;
	uint64_t len = rand_len(c), off;
	size_t maplen;
	uint8_t *m;
	int want = 0, sized, ret, fd = second ? c->fd2 : c->fd;

	if ((second ? c->no2 : c->no) >= MAXO)
		return;
	off = pct(c, 40) ? 0 : rb(c, PAGE);
	maplen = (off + len + PAGE - 1) & ~(PAGE - 1);
	m = map_rw(maplen);
	if (!m)
		return;
	pattern_fill(m, maplen, c->r.s, c->step);
	r.addr = (uintptr_t)(m + off);
	r.length = len;
	r.direction = rand_dir(c);
	ret = call_sized(c, fd, OP_REGISTER, &r, sizeof(r), &want, &sized);
	expect(c, OP_REGISTER, ret, want, 1, sized ? "odd struct size" : "valid range");
	if (ret) {
		munmap(m, maplen);
		return;
	}
	if (!r.handle)
		fail(c, "REGISTER: handle 0");
	o = second ? &c->o2[c->no2++] : &c->o[c->no++];
	memset(o, 0, sizeof(*o));
	o->id = ++c->next_id;
	o->h = r.handle;
	o->kind = K_REG;
	o->map = m;
	o->maplen = maplen;
	o->va = m + off;
	o->addr = r.addr;
	o->len = len;
	o->dir = r.direction;
	o->nseg = r.nr_segments;
	if (!second)
		note_new_handle(c, r.handle);
}

static void reg_bad(struct ctx *c)
{
	struct userdma_register r = { .size = sizeof(r) };
	uint8_t *ro = NULL;
	const char *what;
	int want, ret;

	r.addr = (uintptr_t)guard;
	r.length = PAGE;
	r.direction = rand_dir(c);
	switch (rb(c, 10)) {
	case 0: r.length = 0; want = -EINVAL; what = "length 0"; break;
	case 1: r.direction = bad_dir(c); want = -EINVAL; what = "bad direction"; break;
	case 2: r.flags = 1u << rb(c, 32); want = -EINVAL; what = "unknown flag"; break;
	case 3: r.reserved = 1 + rb(c, 0xffff); want = -EINVAL; what = "reserved set"; break;
	case 4: want = -EFAULT; what = "PROT_NONE range"; break;
	case 5:
		/* the direct map or the kernel image, never wrapping to 0 */
		r.addr = pct(c, 50) ? 0xffff888000000000ull + rb(c, 1ull << 30) * PAGE :
				      0xffffffff81000000ull + rb(c, 0x7e000000 / PAGE) * PAGE;
		want = -EFAULT; what = "kernel address"; break;
	case 6:
		r.addr = 0x0000800000000000ull + rb(c, 1ull << 40) * PAGE;
		want = -EFAULT; what = "non-canonical address"; break;
	case 7:
		r.addr = ~0ull - rb(c, PAGE);
		r.length = PAGE + rb(c, 1 << 20);
		want = -EOVERFLOW; what = "wrapping range"; break;
	case 8:
		r.length = info.max_region_bytes + 1 + rb(c, GiB);
		r.addr = (uintptr_t)guard;
		want = -E2BIG; what = "longer than max_region_bytes"; break;
	default:
		ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ro == MAP_FAILED)
			return;
		r.addr = (uintptr_t)ro + rb(c, PAGE);
		r.length = 1 + rb(c, PAGE);
		r.direction = pct(c, 50) ? USERDMA_DIR_FROM_DEVICE : USERDMA_DIR_BIDIRECTIONAL;
		want = -EFAULT; what = "read-only memory, device writes";
		break;
	}
	ret = udt_ioctl(c->fd, USERDMA_IOC_REGISTER, &r);
	count(OP_REGISTER, ret);
	expect(c, OP_REGISTER, ret, want, 1, what);
	if (!ret)	/* the model is wrong, but do not leak it */
		udt_unregister(c->fd, r.handle);
	if (ro)
		munmap(ro, 2 * PAGE);
}

/*
 * A range of the shared read-only memory: TO_DEVICE pins it read-only and
 * must work; a device-write direction must be refused (EFAULT) and, if the
 * module took it anyway, is let go of at once (nothing may write there).
 * Half the ranges are whole pages, so that they can be exported.
 */
static void reg_ro(struct ctx *c)
{
	struct userdma_register r = { .size = sizeof(r) };
	static const char *const src_name[] = {
		"read-only file, MAP_SHARED", "read-only file, MAP_PRIVATE",
		"untouched PROT_READ anonymous memory",
	};
	int k = rb(c, 3), want, ret;
	const uint8_t *base = k == 0 ? ro_shared : k == 1 ? ro_private : ro_anon;
	uint64_t off, len;
	char what[96];
	struct obj *o;

	if (c->no >= MAXO)
		return;
	if (pct(c, 50)) {
		len = PAGE * (1 + rb(c, RO_LEN / PAGE));
		off = PAGE * rb(c, (RO_LEN - len) / PAGE + 1);
	} else {
		off = rb(c, RO_LEN);
		len = 1 + rb(c, RO_LEN - off);
	}
	r.addr = (uintptr_t)(base + off);
	r.length = len;
	r.direction = pct(c, 60) ? USERDMA_DIR_TO_DEVICE :
		      pct(c, 50) ? USERDMA_DIR_FROM_DEVICE : USERDMA_DIR_BIDIRECTIONAL;
	want = r.direction == USERDMA_DIR_TO_DEVICE ? 0 : -EFAULT;
	snprintf(what, sizeof(what), "%s, %s", src_name[k], dirname_udma(r.direction));
	ret = udt_ioctl(c->fd, USERDMA_IOC_REGISTER, &r);
	count(OP_REGISTER, ret);
	expect(c, OP_REGISTER, ret, want, 1, what);
	if (ret == 0 && want) {
		ret = udt_unregister(c->fd, r.handle);
		count(OP_UNREGISTER, ret);
		ret = -EFAULT;
	}
	if (ret == 0) {
		add(&st->ro_regs, 1);
		o = &c->o[c->no++];
		memset(o, 0, sizeof(*o));
		o->id = ++c->next_id;
		o->h = r.handle;
		o->kind = K_REG;
		o->ro = 1;
		o->va = (uint8_t *)base + off;	/* read, never written */
		o->addr = r.addr;
		o->len = len;
		o->dir = r.direction;
		o->nseg = r.nr_segments;
		note_new_handle(c, r.handle);
	}
	ro_check(c, 1);
}

static void do_unregister(struct ctx *c)
{
	struct userdma_unregister u = { .size = sizeof(u) };
	const char *what = "live handle";
	int i = pick_obj(c), want = 0, alt = 1, sized, ret, bad = 0;

	if (i >= 0 && pct(c, 75)) {
		u.handle = c->o[i].h;
		if (c->o[i].pending)
			alt = -EBUSY;
		if (pct(c, 10)) {
			if (pct(c, 50))
				u.flags = 1u << rb(c, 32);
			else
				u.reserved = 1 + rb(c, 1000);
			want = -EINVAL; alt = 1; bad = 1;
			what = "flags or reserved set";
		}
	} else {
		i = -1;
		u.handle = unknown_handle(c, &what);
		want = -ENOENT;
	}
	ret = call_sized(c, c->fd, OP_UNREGISTER, &u, sizeof(u), &want, &sized);
	expect(c, OP_UNREGISTER, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what);
	if (!ret && i >= 0 && !bad && !sized)
		drop_obj(c, i, 1);
	else if (!ret && i >= 0)
		drop_obj(c, i, 1);	/* reported above; keep the model honest */
}

static void do_segments(struct ctx *c)
{
	struct userdma_segment segs[10];
	struct userdma_segments s = { .size = sizeof(s) };
	const char *what = "live handle";
	struct obj *o = NULL;
	int i = pick_obj(c), want = 0, alt = 1, sized, ret;
	uint64_t sum = 0;
	uint32_t k;

	s.count = rb(c, 11);
	s.segs = (uintptr_t)segs;
	if (i >= 0 && pct(c, 80)) {
		o = &c->o[i];
		s.handle = o->h;
		s.first = pct(c, 70) ? 0 : rb(c, o->nseg + 2);
		/* first == total is the end of the list: OK, count 0 */
		if (s.first > o->nseg)
			want = -ERANGE;
		if (!want && s.count && s.first < o->nseg && pct(c, 10)) {
			s.segs = pct(c, 50) ? (uintptr_t)guard : 0xffff888000000000ull;
			want = -EFAULT;
			what = "unwritable segs";
		} else if (pct(c, 5)) {
			s.reserved = 1;
			want = -EINVAL;
			alt = 1;
			what = "reserved set";
		}
	} else {
		s.handle = unknown_handle(c, &what);
		want = -ENOENT;
	}
	ret = call_sized(c, c->fd, OP_SEGMENTS, &s, sizeof(s), &want, &sized);
	if (!expect(c, OP_SEGMENTS, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what) ||
	    ret || !o)
		return;
	if (s.total != o->nseg || s.count > 10 || s.first + s.count > s.total)
		fail(c, "SEGMENTS: total %u (registered %u), first %u count %u",
		     s.total, o->nseg, s.first, s.count);
	for (k = 0; k < s.count && k < 10; k++) {
		if (!segs[k].length)
			fail(c, "SEGMENTS: segment %u has length 0", s.first + k);
		sum += segs[k].length;
	}
	if (s.first == 0 && s.count == s.total && sum != o->len)
		fail(c, "SEGMENTS: lengths add up to %" PRIu64 ", handle has %" PRIu64,
		     sum, o->len);
}

/*
 * An import's own mapping of an exported object is a second device view of
 * the same memory, with its own bounce image under swiotlb.  Importing
 * (and releasing an import nobody synced) leaves the CPU owning it all, so
 * it never copies that image back: transfers into the exported object stay
 * checked.  A SYNC of the import is different: SYNC_FOR_CPU copies its
 * image over the object's memory now, SYNC_FOR_DEVICE hands the range to
 * the device so that its release copies the image back later.  Either may
 * legitimately overwrite what a transfer put into the object, so from then
 * on (for as long as the object lives) its destinations are not checked.
 */
static void taint_origin(struct ctx *c, const struct obj *imp)
{
	int i;

	for (i = 0; imp->origin && i < c->no; i++)
		if (c->o[i].id == imp->origin)
			c->o[i].tainted = 1;
}

static void do_sync(struct ctx *c)
{
	struct userdma_sync s = { .size = sizeof(s) };
	const char *what = "in range";
	int i = pick_obj(c), want = 0, sized, ret;
	struct obj *o;

	s.flags = pct(c, 50) ? USERDMA_SYNC_FOR_CPU : USERDMA_SYNC_FOR_DEVICE;
	if (i < 0 || pct(c, 15)) {
		s.handle = unknown_handle(c, &what);
		s.length = 1;
		want = -ENOENT;
	} else {
		o = &c->o[i];
		/* syncing what a transfer is writing races it: not here */
		if (o->pending)
			return;
		if (o->kind == K_IMPORT)
			taint_origin(c, o);
		s.handle = o->h;
		s.offset = rb(c, o->len);
		s.length = 1 + rb(c, o->len - s.offset);
		switch (rb(c, 8)) {
		case 0: s.length = 0; want = -EINVAL; what = "length 0"; break;
		case 1:
			s.flags = pct(c, 50) ? 0 : (pct(c, 50) ? 3 : 1u << (2 + rb(c, 30)));
			want = -EINVAL; what = "bad flags"; break;
		case 2:
			s.offset = o->len - rb(c, 2);
			s.length = 2 + rb(c, PAGE);
			want = -ERANGE; what = "past the end"; break;
		case 3:
			s.offset = ~0ull - rb(c, 16);
			s.length = 32;
			want = -ERANGE; what = "wrapping range"; break;
		case 4: s.reserved = 1; want = -EINVAL; what = "reserved set"; break;
		default: break;
		}
	}
	ret = call_sized(c, c->fd, OP_SYNC, &s, sizeof(s), &want, &sized);
	expect(c, OP_SYNC, ret, want, 1, sized ? "odd struct size" : what);
}

static void do_channel(struct ctx *c)
{
	struct userdma_channel ch = { .size = sizeof(ch), .eventfd = -1 };
	const char *what = "sw";
	int want = 0, alt = -EBUSY, sized, ret, tmp = -1;

	strcpy(ch.name, "sw");
	if (c->chan) {
		want = -EBUSY;
		alt = 1;
		what = "second CHANNEL";
	} else {
		switch (rb(c, 9)) {
		case 0: ch.flags = 1u << rb(c, 32); want = -EINVAL; alt = 1; what = "flags"; break;
		case 1: ch.reserved = 1; want = -EINVAL; alt = 1; what = "reserved"; break;
		case 2: ch.eventfd = -2 - rb(c, 100); want = -EINVAL; alt = 1; what = "eventfd < -1"; break;
		case 3:
			tmp = dup(0);
			close(tmp);
			/* threads may reuse the number at once: not checked there */
			if (c->shared)
				return;
			ch.eventfd = tmp; tmp = -1;
			want = -EBADF; alt = 1; what = "closed eventfd"; break;
		case 4: ch.eventfd = c->fd; want = -EINVAL; alt = 1; what = "not an eventfd"; break;
		case 5: memset(ch.name, 'x', sizeof(ch.name)); want = -EINVAL; alt = 1;
			what = "unterminated name"; break;
		case 6:
			if (c->efd < 0)
				c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			ch.eventfd = c->efd; what = "sw with eventfd"; break;
		default: break;
		}
	}
	ret = call_sized(c, c->fd, OP_CHANNEL, &ch, sizeof(ch), &want, &sized);
	expect(c, OP_CHANNEL, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what);
	if (!ret)
		c->chan = 1;
}

/* ---- transfers ---------------------------------------------------------- */

static void finish(struct ctx *c, int k, const struct userdma_completion *cp)
{
	struct pend *p = &c->p[k];
	struct obj *d = p->dst >= 0 ? &c->o[p->dst] : NULL;
	ssize_t off;

	if (cp->status != USERDMA_XFER_DONE || cp->bytes != p->len)
		fail(c, "completion of cookie %" PRIu64 ": %s, %" PRIu64 " of %" PRIu64 " bytes",
		     p->cookie, xfer_status_name(cp->status), (uint64_t)cp->bytes, p->len);
	else if (p->want && d && d->h == p->dst_h && d->va && !d->tainted) {
		off = mem_mismatch(d->va + p->doff, p->want, p->len);
		if (off >= 0)
			fail(c, "transfer cookie %" PRIu64 " (%" PRIu64 " bytes to handle %u+%" PRIu64
			     ", kind %d dir %u%s, source %s): byte %zd differs%s", p->cookie, p->len,
			     p->dst_h, p->doff, d->kind, d->dir, d->aliased ? ", exported" : "",
			     p->ro_src ? "read-only memory" : "writable", off,
			     p->before && mem_mismatch(d->va + p->doff, p->before, p->len) < 0 ?
			     " (all hold the bytes from before the transfer: a stale image copied back?)" : "");
		else
			add(p->ro_src ? &st->ro_bytes_verified : &st->bytes_verified, p->len);
	}
	add(&st->xfers_done, 1);
	if (p->src >= 0)
		c->o[p->src].pending--;
	if (p->dst >= 0) {
		c->o[p->dst].pending--;
		c->o[p->dst].wpend--;
	}
	free(p->want);
	free(p->before);
	c->p[k] = c->p[--c->np];
}

static int find_pend(struct ctx *c, uint64_t cookie)
{
	int k;

	for (k = 0; k < c->np; k++)
		if (c->p[k].cookie == cookie)
			return k;
	return -1;
}

static void take(struct ctx *c, const struct userdma_completion *cp, const char *how)
{
	int k = find_pend(c, cp->cookie);

	if (k < 0)
		fail(c, "%s returned unknown cookie %" PRIu64, how, (uint64_t)cp->cookie);
	else if (cp->user_data != (cp->cookie ^ 0x5a5a5a5a5a5a5a5aull))
		fail(c, "%s: cookie %" PRIu64 " user_data %" PRIx64, how,
		     (uint64_t)cp->cookie, (uint64_t)cp->user_data), finish(c, k, cp);
	else
		finish(c, k, cp);
}

static int usable_src(struct obj *o)
{
	return (o->dir & USERDMA_DIR_TO_DEVICE) && o->len;
}

static int usable_dst(struct obj *o)
{
	return (o->dir & USERDMA_DIR_FROM_DEVICE) && !o->pending && o->kind != K_IMPORT;
}

/* One of the objects in read-only memory (registered or imported), or -1. */
static int pick_ro(struct ctx *c)
{
	int i, n = 0, k;

	for (i = 0; i < c->no; i++)
		n += c->o[i].ro;
	if (!n)
		return -1;
	k = rb(c, n);
	for (i = 0; i < c->no; i++)
		if (c->o[i].ro && !k--)
			return i;
	return -1;
}

static void do_submit(struct ctx *c)
{
	struct userdma_xfer x[8];
	struct userdma_submit s = { .size = sizeof(s) };
	int srci[8], dsti[8], bad_at = -1, n = 1 + rb(c, 8), i, k, want = 0, sized, ret;
	int used[MAXO] = { 0 };
	const char *what = "good batch";
	int ntries, si, di;
	struct obj *so, *d;

	if (c->np + 8 > MAXP)
		return;
	if (!c->chan && pct(c, 70)) {
		do_channel(c);
		return;
	}
	memset(x, 0, sizeof(x));
	for (i = 0; i < n; i++) {
		srci[i] = dsti[i] = -1;
		/* a good entry: a source that is not a pending destination,
		 * a destination nothing else is touching */
		for (ntries = 0; ntries < 8; ntries++) {
			si = pick_obj(c);
			di = pick_obj(c);
			if (si < 0 || si == di)
				break;
			so = &c->o[si];
			d = &c->o[di];
			if (usable_src(so) && usable_dst(d) && !used[di] && !used[si] &&
			    !so->wpend)
				break;
		}
		if (si < 0 || di < 0 || si == di || ntries == 8 || pct(c, 12)) {
			bad_at = i;
			break;
		}
		used[di] = 2;
		used[si] |= 1;
		so = &c->o[si];
		d = &c->o[di];
		x[i].src_handle = so->h;
		x[i].dst_handle = d->h;
		x[i].length = 1 + rb(c, MIN(so->len, d->len));
		x[i].src = rb(c, so->len - x[i].length + 1);
		x[i].dst = rb(c, d->len - x[i].length + 1);
		srci[i] = si;
		dsti[i] = di;
	}
	if (bad_at >= 0) {
		struct userdma_xfer *b = &x[bad_at];
		const char *dummy;

		n = bad_at + 1 + rb(c, 8 - bad_at);
		si = pick_obj(c);
		b->length = 1;
		b->src_handle = si >= 0 ? c->o[si].h : 1;
		b->dst_handle = b->src_handle;
		/*
		 * Length is checked first, then the source end (handle,
		 * range, direction), then the destination: each bad entry
		 * is bad in one way that decides the errno.
		 */
		switch (si < 0 ? 0 : rb(c, 6)) {
		case 0:
			b->src_handle = unknown_handle(c, &dummy);
			want = -ENOENT; what = "unknown source handle"; break;
		case 1:
			if (!usable_src(&c->o[si]))
				b->src_handle = unknown_handle(c, &dummy);
			b->dst_handle = unknown_handle(c, &dummy);
			want = -ENOENT; what = "unknown destination handle"; break;
		case 2:
			b->length = 0;
			want = -EINVAL; what = "length 0"; break;
		case 3:
			if (c->o[si].dir == USERDMA_DIR_FROM_DEVICE) {
				want = -EACCES; what = "source the device may only write";
				break;
			}
			/* fall through */
		case 4:
			/* a good source, the destination read-only memory */
			di = pick_ro(c);
			if (di >= 0 && di != si && usable_src(&c->o[si])) {
				b->dst_handle = c->o[di].h;
				want = -EACCES; what = "destination in read-only memory";
				break;
			}
			/* fall through */
		default:
			b->src = c->o[si].len - rb(c, 2);
			b->length = 2 + rb(c, 1 << 20);
			want = -ERANGE; what = "source range past the end"; break;
		}
		/* entries after a bad one are never looked at; fill garbage */
		for (i = bad_at + 1; i < n; i++) {
			x[i].src_handle = rng_next(&c->r);
			x[i].length = rng_next(&c->r);
		}
	}
	for (i = 0; i < n; i++)
		x[i].user_data = 0;
	s.xfers = (uintptr_t)x;
	s.count = n;
	s.xfer_size = sizeof(struct userdma_xfer);
	if (!c->chan) {
		want = -ENXIO;
		what = "no channel";
	} else if (pct(c, 10)) {
		switch (rb(c, 4)) {
		case 0: s.flags = 1u << rb(c, 32); break;
		case 1: s.xfer_size = rb(c, 48); break;
		case 2: s.xfer_size = 4097 + rb(c, 1 << 20); break;
		default: s.flags = 1; break;
		}
		want = -EINVAL; what = "bad flags or xfer_size";
		bad_at = 0;
	} else if (pct(c, 3)) {
		s.xfers = (uintptr_t)guard;
		want = -EFAULT; what = "unreadable xfers";
		bad_at = 0;
	}
	if (bad_at != 0 && c->chan)
		want = 0;
	/* user_data lets completions be told apart from garbage */
	for (i = 0; i < n; i++)
		x[i].user_data = 0;
	ret = call_sized(c, c->fd, OP_SUBMIT, &s, sizeof(s), &want, &sized);
	if (!expect(c, OP_SUBMIT, ret, want, 1, sized ? "odd struct size" : what) || ret)
		return;
	k = bad_at < 0 ? n : bad_at;
	if ((int)s.count != k) {
		fail(c, "SUBMIT %s: %u submitted, want %d", what, s.count, k);
		if ((int)s.count < k)
			k = s.count;
	}
	for (i = 0; i < k; i++) {
		struct pend *p = &c->p[c->np++];

		if (!x[i].cookie || x[i].cookie <= c->last_cookie)
			if (!c->shared)
				fail(c, "SUBMIT: cookie %" PRIu64 " after %" PRIu64,
				     (uint64_t)x[i].cookie, c->last_cookie);
		c->last_cookie = x[i].cookie;
		memset(p, 0, sizeof(*p));
		p->cookie = x[i].cookie;
		p->src = srci[i];
		p->dst = dsti[i];
		p->dst_h = x[i].dst_handle;
		p->doff = x[i].dst;
		p->len = x[i].length;
		so = &c->o[srci[i]];
		d = &c->o[dsti[i]];
		so->pending++;
		d->pending++;
		d->wpend++;
		p->ro_src = so->ro;
		/*
		 * The source's bytes as they are now: the engine reads them
		 * as SUBMIT synced them for the device, and nothing writes
		 * the source while it is pending (not a destination, and
		 * this worker alone touches its objects), so an alias of
		 * it (an export, an import) changes nothing here.
		 *
		 * The destination is checked even when it has been exported
		 * or imported, before or while the transfer is in flight:
		 * the transfer owns its range from submit to completion,
		 * and no other view of the memory (an import's mapping with
		 * its own bounce image) copies anything back over it unless
		 * the device owns that view's range, which only a SYNC of
		 * the import gives it (imports are never destinations here):
		 * such an object is tainted (do_sync) and checked no more.
		 * The module before the ownership rule copied an import's
		 * stale image back at its release and fails here under
		 * swiotlb: the fix this checks.  Imports of writable memory
		 * have no CPU view (va NULL) and are never checked sources.
		 */
		if (so->va && d->va) {
			p->want = malloc(p->len);
			p->before = malloc(p->len);
			if (p->want)
				memcpy(p->want, so->va + x[i].src, p->len);
			if (p->before)
				memcpy(p->before, d->va + x[i].dst, p->len);
		}
	}
}

/*
 * user_data was 0 at submit (simplest to check): the completion must echo
 * it.  take() checks cookie ^ magic, so fold that in here.
 */
static void fix_ud(struct userdma_completion *cp)
{
	if (cp->user_data == 0)
		cp->user_data = cp->cookie ^ 0x5a5a5a5a5a5a5a5aull;
}

static void do_wait(struct ctx *c)
{
	struct userdma_wait w = { .size = sizeof(w) };
	const char *what;
	int want = 0, alt = 1, sized, ret, k = -1;

	w.timeout_ns = 10ll * 1000000000;
	if (!c->chan) {
		w.cookie = rb(c, 4);
		want = -ENXIO;
		what = "no channel";
	} else if (c->np && pct(c, 70)) {
		k = rb(c, c->np);
		w.cookie = c->p[k].cookie;
		what = "outstanding cookie";
		if (pct(c, 20)) {
			w.timeout_ns = 0;
			alt = -ETIMEDOUT;
		}
	} else if (!c->shared && pct(c, 50)) {
		w.cookie = 0;
		what = "any";
		if (!c->np)
			want = -ENOENT;
	} else {
		w.cookie = c->last_cookie + 1000000 + rb(c, 1000);
		want = -ENOENT;
		what = "unknown cookie";
	}
	if (pct(c, 5)) {
		w.flags = 1u << rb(c, 32);
		want = -EINVAL; alt = 1; what = "flags";
	}
	ret = call_sized(c, c->fd, OP_WAIT, &w, sizeof(w), &want, &sized);
	if (ret == 0 && want != 0) {
		expect(c, OP_WAIT, ret, want, alt, what);
		k = find_pend(c, w.completion.cookie);
		if (k >= 0)
			finish(c, k, &w.completion);
		return;
	}
	if (!expect(c, OP_WAIT, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what) || ret)
		return;
	if (k >= 0 && w.completion.cookie != w.cookie)
		fail(c, "WAIT for %" PRIu64 " returned cookie %" PRIu64,
		     (uint64_t)w.cookie, (uint64_t)w.completion.cookie);
	fix_ud(&w.completion);
	take(c, &w.completion, "WAIT");
}

static void do_read(struct ctx *c)
{
	struct userdma_completion cp[16];
	int i, n, max = 1 + rb(c, 16);

	if (c->shared || !c->chan)
		return;
	n = read(c->fd, cp, max * sizeof(cp[0]));
	n = n < 0 ? -errno : n;
	count(OP_READ, n < 0 ? n : 0);
	if (!c->np) {
		if (n != 0)
			fail(c, "read with nothing outstanding: %s", n < 0 ? errname(n) : "data");
		return;
	}
	if (n <= 0 || n % sizeof(cp[0])) {
		fail(c, "read with %d outstanding: %d", c->np, n);
		return;
	}
	for (i = 0; i < n / (int)sizeof(cp[0]); i++) {
		fix_ud(&cp[i]);
		take(c, &cp[i], "read");
	}
}

static void do_poll(struct ctx *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLOUT };
	int ret = poll(&p, 1, 0);

	count(OP_POLL, ret < 0 ? -errno : 0);
	if (ret < 0 || (p.revents & (POLLERR | POLLNVAL)))
		fail(c, "poll: %d revents %#x", ret, p.revents);
}

/* ---- buffers -------------------------------------------------------------- */

static void do_alloc(struct ctx *c)
{
	struct userdma_alloc a = { .size = sizeof(a) };
	const char *what = "valid";
	int want = 0, alt = 1, sized, ret;
	struct obj *o;
	void *m;

	if (c->no >= MAXO)
		return;
	a.length = rand_len(c);
	a.direction = rand_dir(c);
	a.flags = rb(c, 4);
	if (a.flags)	/* contiguous or coherent memory may not be had */
		alt = -ENOMEM;
	switch (rb(c, 10)) {
	case 0: a.length = 0; want = -EINVAL; alt = 1; what = "length 0"; break;
	case 1: a.flags |= 1u << (2 + rb(c, 30)); want = -EINVAL; alt = 1; what = "unknown flag"; break;
	case 2: a.direction = bad_dir(c); want = -EINVAL; alt = 1; what = "bad direction"; break;
	case 3: a.reserved = 1; want = -EINVAL; alt = 1; what = "reserved"; break;
	case 4:
		a.length = pct(c, 50) ? ~0ull - rb(c, PAGE) : info.max_region_bytes + 1 + rb(c, GiB);
		want = -E2BIG; alt = 1; what = "huge length"; break;
	default: break;
	}
	ret = call_sized(c, c->fd, OP_ALLOC, &a, sizeof(a), &want, &sized);
	expect(c, OP_ALLOC, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what);
	if (ret)
		return;
	if (!a.handle || a.length % PAGE)
		fail(c, "ALLOC: handle %u length %" PRIu64, a.handle, (uint64_t)a.length);
	o = &c->o[c->no++];
	memset(o, 0, sizeof(*o));
	o->id = ++c->next_id;
	o->h = a.handle;
	o->kind = K_ALLOC;
	o->aflags = a.flags;
	o->len = a.length;
	o->dir = a.direction;
	o->nseg = a.nr_segments;
	o->moff = a.mmap_offset;
	note_new_handle(c, a.handle);
	m = mmap(NULL, o->len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, o->moff);
	count(OP_MMAP, m == MAP_FAILED ? -errno : 0);
	if (m == MAP_FAILED) {
		fail(c, "mmap of a fresh ALLOC buffer: %s", errname(errno));
		return;
	}
	if (byte_mismatch(m, o->len, 0) >= 0)
		fail(c, "fresh ALLOC buffer of %" PRIu64 " bytes is not zeroed", o->len);
	pattern_fill(m, o->len, c->r.s, c->step);
	o->map = o->va = m;
	o->maplen = o->len;
}

static void do_mmap(struct ctx *c)
{
	int i = pick_obj(c), want, prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	uint64_t off, len;
	const char *what;
	struct obj *o;
	void *m;

	if (c->nmaps && pct(c, 30)) {
		i = rb(c, c->nmaps);
		munmap(c->maps[i].p, c->maps[i].len);
		c->maps[i] = c->maps[--c->nmaps];
		return;
	}
	if (!c->shared && c->nfreed && pct(c, 15)) {
		/* the window of a released handle maps nothing */
		off = (uint64_t)c->freed[rb(c, c->nfreed)] << USERDMA_MMAP_SHIFT;
		m = mmap(NULL, PAGE, prot, flags, c->fd, off);
		count(OP_MMAP, m == MAP_FAILED ? -errno : 0);
		expect(c, OP_MMAP, m == MAP_FAILED ? -errno : 0, -ENXIO, 1, "released handle");
		if (m != MAP_FAILED)
			munmap(m, PAGE);
		return;
	}
	if (i < 0 || c->o[i].kind != K_ALLOC)
		return;
	o = &c->o[i];
	off = o->moff;
	len = o->len;
	switch (rb(c, 6)) {
	case 0: flags = MAP_PRIVATE; want = -EINVAL; what = "MAP_PRIVATE"; break;
	case 1: prot |= PROT_EXEC; want = -EPERM; what = "PROT_EXEC"; break;
	case 2: len += PAGE * (1 + rb(c, 4)); want = -ENXIO; what = "past the end"; break;
	case 3:
		off = (uint64_t)(info.max_regions + 1 + rb(c, 1000)) << USERDMA_MMAP_SHIFT;
		want = -ENXIO; what = "no such buffer"; break;
	default:
		/* a sub-range, a page in */
		if (len > PAGE && pct(c, 50)) {
			off += PAGE;
			len -= PAGE;
		}
		want = 0; what = "valid"; break;
	}
	m = mmap(NULL, len, prot, flags, c->fd, off);
	count(OP_MMAP, m == MAP_FAILED ? -errno : 0);
	expect(c, OP_MMAP, m == MAP_FAILED ? -errno : 0, want, 1, what);
	if (m == MAP_FAILED)
		return;
	if (want == 0 && off == o->moff && o->va &&
	    mem_mismatch(m, o->va, MIN(len, o->len)) >= 0)
		fail(c, "two mappings of ALLOC handle %u differ", o->h);
	keep_map(c, m, len);
}

/*
 * The dma-buf of a read-only region: opened O_RDONLY, no writable shared
 * mapping (EACCES), a PROT_READ one shows the region's bytes and cannot
 * be made writable (mprotect: EACCES).  A mapping that should not exist
 * is unmapped at once, never written.
 */
static void ro_export_checks(struct ctx *c, const struct obj *o, int dfd)
{
	int fl = fcntl(dfd, F_GETFL), ret;
	uint8_t *m;

	add(&st->ro_exports, 1);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY)
		fail(c, "EXPORT of read-only handle %u: dma-buf access mode %s, want O_RDONLY",
		     o->h, fl < 0 ? errname(errno) : (fl & O_ACCMODE) == O_RDWR ? "O_RDWR" : "O_WRONLY");
	m = mmap(NULL, o->len, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ret = m == MAP_FAILED ? -errno : 0;
	count(OP_MMAP, ret);
	expect(c, OP_MMAP, ret, -EACCES, 1, "PROT_WRITE of a read-only region's dma-buf");
	if (m != MAP_FAILED)
		munmap(m, o->len);
	if (pct(c, 50)) {
		m = mmap(NULL, o->len, PROT_READ, MAP_SHARED, dfd, 0);
		ret = m == MAP_FAILED ? -errno : 0;
		count(OP_MMAP, ret);
		if (expect(c, OP_MMAP, ret, 0, 1, "PROT_READ of a read-only region's dma-buf") &&
		    m != MAP_FAILED) {
			if (mem_mismatch(m, o->va, o->len) >= 0)
				fail(c, "the PROT_READ mapping of read-only handle %u's dma-buf "
				     "shows other bytes than the region", o->h);
			ret = mprotect(m, o->len, PROT_READ | PROT_WRITE) ? -errno : 0;
			expect(c, OP_MMAP, ret, -EACCES, 1,
			       "mprotect(PROT_WRITE) of a read-only dma-buf's mapping");
		}
		if (m != MAP_FAILED)
			munmap(m, o->len);
	}
	ro_check(c, 1);
}

static void do_export(struct ctx *c)
{
	struct userdma_export e = { .size = sizeof(e) };
	int i = pick_obj(c), want = 0, alt = 1, sized, ret;
	const char *what = "valid";
	struct obj *o = NULL;

	if (i >= 0 && pct(c, 85)) {
		o = &c->o[i];
		e.handle = o->h;
		if (o->kind == K_IMPORT) {
			want = -EINVAL; what = "an import";
		} else if (o->kind == K_REG && ((o->addr | o->len) & (PAGE - 1))) {
			want = -EINVAL; what = "unaligned registration";
		} else if (o->kind == K_ALLOC && (o->aflags & USERDMA_ALLOC_COHERENT)) {
			/* coherent memory goes with the device: never shared */
			want = -EOPNOTSUPP; what = "a coherent buffer";
		}
		if (pct(c, 8)) {
			e.flags = 1u << (1 + rb(c, 31));
			want = -EINVAL; what = "unknown flag";
		}
		/* a registration whose pages were replaced still exports */
	} else {
		e.handle = unknown_handle(c, &what);
		want = -ENOENT;
	}
	e.flags |= pct(c, 50) ? USERDMA_EXPORT_CLOEXEC : 0;
	ret = call_sized(c, c->fd, OP_EXPORT, &e, sizeof(e), &want, &sized);
	if (!expect(c, OP_EXPORT, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what) && o)
		fail(c, "EXPORT: that was handle %u, kind %d, addr %#" PRIx64 " length %" PRIu64
		     " flags %#x", o->h, o->kind, o->addr, o->len, e.flags);
	if (ret)
		return;
	if (o)
		o->aliased = 1;
	if (o && o->ro)
		ro_export_checks(c, o, e.fd);
	if (c->ndb == MAXDB || e.fd < 0) {
		close(e.fd);
		return;
	}
	c->db[c->ndb].fd = e.fd;
	c->db[c->ndb].ro = o && o->ro;
	/* pinned without FOLL_WRITE: nothing made of it may write it */
	c->db[c->ndb].rdonly = o && (o->ro || (o->kind == K_REG &&
				     o->dir == USERDMA_DIR_TO_DEVICE));
	c->db[c->ndb].origin = o ? o->id : 0;
	c->db[c->ndb++].va = o && o->ro ? o->va : NULL;
}

static void do_import(struct ctx *c)
{
	struct userdma_import im = { .size = sizeof(im) };
	int second = c->fd2 >= 0 && pct(c, 40), fd = second ? c->fd2 : c->fd;
	int want = 0, alt = -ENOMEM, sized, ret, tmp;
	const char *what = "exported dma-buf";
	struct dbuf *db = NULL;
	struct obj *o;

	if (c->ndb && pct(c, 20)) {
		tmp = rb(c, c->ndb);
		close(c->db[tmp].fd);
		c->db[tmp] = c->db[--c->ndb];
		return;
	}
	if ((second ? c->no2 : c->no) >= MAXO)
		return;
	im.direction = rand_dir(c);
	if (c->ndb && pct(c, 75)) {
		db = &c->db[rb(c, c->ndb)];
		im.fd = db->fd;
		if (pct(c, 10)) {
			im.direction = bad_dir(c);
			want = -EINVAL; alt = 1; what = "bad direction";
		} else if (pct(c, 8)) {
			im.flags = 1u << rb(c, 32);
			want = -EINVAL; alt = 1; what = "flags";
		} else if (db->rdonly && im.direction != USERDMA_DIR_TO_DEVICE) {
			want = -EACCES; alt = 1;
			what = "read-only region's dma-buf for device writes";
		} else if (db->ro) {
			what = "read-only region's dma-buf, TO_DEVICE";
		}
	} else if (pct(c, 50) || c->shared) {
		im.fd = c->fd;
		want = -EINVAL; alt = 1; what = "not a dma-buf";
	} else {
		tmp = dup(0);
		close(tmp);
		im.fd = tmp;
		want = -EBADF; alt = 1; what = "closed fd";
	}
	ret = call_sized(c, fd, OP_IMPORT, &im, sizeof(im), &want, &sized);
	expect(c, OP_IMPORT, ret, want, sized ? 1 : alt, sized ? "odd struct size" : what);
	if (db && db->rdonly && !sized) {
		add(&st->ro_imports, 1);
		if (ret == 0 && want) {
			/* the device could write read-only memory: let go at once */
			ret = udt_unregister(fd, im.handle);
			count(OP_UNREGISTER, ret);
			ret = -EACCES;
		}
		ro_check(c, 1);
	}
	if (ret)
		return;
	o = second ? &c->o2[c->no2++] : &c->o[c->no++];
	memset(o, 0, sizeof(*o));
	o->id = ++c->next_id;
	o->h = im.handle;
	o->kind = K_IMPORT;
	o->len = im.length;
	o->dir = im.direction;
	o->nseg = im.nr_segments;
	o->aliased = 1;
	if (db) {
		o->origin = db->origin;
		/* read-only bytes never change: a checked source */
		o->ro = db->ro;
		o->va = db->ro ? (uint8_t *)db->va : NULL;
	}
	if (!second)
		note_new_handle(c, im.handle);
}

/* munmap, mremap or MADV_DONTNEED a registered range while registered. */
static void do_vmop(struct ctx *c)
{
	int i = pick_obj(c);
	struct obj *o;
	void *m;

	if (i < 0 || c->o[i].kind != K_REG || !c->o[i].map)
		return;
	o = &c->o[i];
	count(OP_VMOP, 0);
	switch (rb(c, 3)) {
	case 0:
		munmap(o->map, o->maplen);
		o->map = o->va = NULL;
		break;
	case 1:
		/* the pinned pages are no longer the ones mapped there */
		madvise(o->map, o->maplen, MADV_DONTNEED);
		o->va = NULL;
		break;
	default:
		/* the pages move with the mapping: keep checking them */
		m = mremap(o->map, o->maplen, o->maplen + PAGE, MREMAP_MAYMOVE);
		if (m == MAP_FAILED)
			break;
		if (o->va)
			o->va = (uint8_t *)m + (o->va - o->map);
		o->map = m;
		o->maplen += PAGE;
		break;
	}
}

/* ---- files ------------------------------------------------------------- */

static void close_all(struct ctx *c, int reopen)
{
	int i;

	if (c->fd >= 0)
		close(c->fd);
	/* closing cancels transfers and releases every handle */
	for (i = 0; i < c->np; i++) {
		free(c->p[i].want);
		free(c->p[i].before);
	}
	c->np = 0;
	while (c->no)
		drop_obj(c, c->no - 1, 0);
	c->nfreed = 0;
	c->chan = 0;
	c->last_cookie = 0;
	c->fd = -1;
	if (!reopen)
		return;
	c->fd = node_open(node);
	count(OP_REOPEN, c->fd < 0 ? c->fd : 0);
	if (c->fd < 0)
		fail(c, "reopen %s: %s", node, errname(c->fd));
}

static void drain(struct ctx *c)
{
	struct userdma_completion cp;
	int ret;

	while (c->np) {
		ret = udt_wait(c->fd, c->p[0].cookie, 30ll * 1000000000, &cp);
		count(OP_WAIT, ret);
		if (ret) {
			fail(c, "WAIT for outstanding cookie %" PRIu64 " at the end: %s",
			     c->p[0].cookie, errname(ret));
			free(c->p[0].want);
			free(c->p[0].before);
			c->p[0] = c->p[--c->np];
			continue;
		}
		fix_ud(&cp);
		take(c, &cp, "final WAIT");
	}
}

static void teardown(struct ctx *c)
{
	int ret, i;

	drain(c);
	while (c->no) {
		ret = udt_unregister(c->fd, c->o[c->no - 1].h);
		count(OP_UNREGISTER, ret);
		expect(c, OP_UNREGISTER, ret, 0, 1, "at the end");
		drop_obj(c, c->no - 1, 0);
	}
	while (c->no2) {
		struct obj *o = &c->o2[--c->no2];

		if (o->kind == K_REG)
			munmap(o->map, o->maplen);
	}
	for (i = 0; i < c->ndb; i++)
		close(c->db[i].fd);
	for (i = 0; i < c->nmaps; i++)
		munmap(c->maps[i].p, c->maps[i].len);
	c->ndb = c->nmaps = 0;
	if (c->efd >= 0)
		close(c->efd);
	if (!c->shared)
		close(c->fd);
	if (c->fd2 >= 0)
		close(c->fd2);
}

static void one_step(struct ctx *c)
{
	int r = rb(c, 100);

	c->step++;
	if (r < 4) do_info(c);
	else if (r < 15) reg_good(c, 0);
	else if (r < 18) reg_ro(c);
	else if (r < 24) reg_bad(c);
	else if (r < 32) do_unregister(c);
	else if (r < 37) do_segments(c);
	else if (r < 42) do_sync(c);
	else if (r < 45) do_channel(c);
	else if (r < 58) do_submit(c);
	else if (r < 66) do_wait(c);
	else if (r < 69) do_read(c);
	else if (r < 71) do_poll(c);
	else if (r < 78) do_alloc(c);
	else if (r < 81) do_mmap(c);
	else if (r < 85) do_export(c);
	else if (r < 89) do_import(c);
	else if (r < 92) do_vmop(c);
	else if (r < 96 && c->fd2 >= 0) reg_good(c, 1);
	else if (r < 97 && c->fd2 >= 0 && c->no2) {
		/* release one of fd2's handles */
		struct obj *o = &c->o2[--c->no2];
		int ret = udt_unregister(c->fd2, o->h);

		count(OP_UNREGISTER, ret);
		expect(c, OP_UNREGISTER, ret, 0, 1, "second file's handle");
		if (o->kind == K_REG)
			munmap(o->map, o->maplen);
	} else if (r < 98 && !c->shared && pct(c, 30)) {
		close_all(c, 1);
	} else {
		do_poll(c);
	}
}

static void run_worker(struct ctx *c)
{
	uint64_t i;

	c->efd = -1;
	for (i = 0; i < iters_per_worker && c->fd >= 0; i++) {
		if ((i & 15) == 0 && now_s() > deadline)
			break;
		one_step(c);
		add(&st->iters, 1);
		if ((i & 3) == 3)
			ro_check(c, (i & 1023) == 1023 ? 2 : (i & 15) == 15);
	}
	if (c->fd >= 0)
		teardown(c);
	ro_check(c, 2);
}

static void ctx_init(struct ctx *c, int id, int fd, int shared)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->shared = shared;
	rng_init(&c->r, seed * 1000003ull + id * 0x9e3779b97f4a7c15ull);
	c->fd = fd;
	c->fd2 = shared ? -1 : node_open(node);
	c->efd = -1;
}

static int shared_fd;

static void *thread_main(void *arg)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	ctx_init(c, (int)(intptr_t)arg, shared_fd, 1);
	c->chan = 1;
	run_worker(c);
	free(c);
	return NULL;
}

static int soaking;

/* USERDMA_FUZZ_WORKER: one worker in this process, nothing else. */
static void replay_worker(int id)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int fd = node_open_or_bail(node);

	if (!c)
		bail("calloc");
	diag("replaying worker %d of seed %" PRIu64 " alone", id, seed);
	ctx_init(c, id, fd, id >= 100);
	if (c->shared) {
		/* a thread's file had its channel bound before it ran */
		int ret = udt_channel(fd, "sw", -1, NULL, NULL);

		if (ret)
			bail("CHANNEL sw: %s", errname(ret));
		c->chan = 1;
	}
	run_worker(c);
	if (c->shared)
		close(fd);
	free(c);
}

static void child_main(int id)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int fd = node_open(node);

	if (!c || fd < 0)
		_exit(2);
	ctx_init(c, id, fd, 0);
	/* a soak runs rounds of children: each does a bounded sequence */
	if (soaking && !getenv("USERDMA_FUZZ_ITERS"))
		iters_per_worker = 2000 + rb(c, 20000);
	run_worker(c);
	_exit(0);
}

/* Root's 0444 file and the read-only mappings every worker inherits. */
static void ro_setup(void)
{
	void *m[4];
	int f, i;

	pattern_fill(ro_want, RO_LEN, RO_SEED, 0);
	/* the runner's per-program directory, or /tmp when run by hand */
	snprintf(ro_path, sizeof(ro_path), "fuzz-ro-%d", (int)getpid());
	f = open(ro_path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (f < 0) {
		snprintf(ro_path, sizeof(ro_path), "/tmp/fuzz-ro-%d", (int)getpid());
		f = open(ro_path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	}
	if (f < 0 || write_full(f, ro_want, RO_LEN) || fchmod(f, 0444))
		bail("read-only file %s: %s", ro_path, strerror(errno));
	close(f);
	ro_fd = open(ro_path, O_RDONLY | O_CLOEXEC);
	if (ro_fd < 0)
		bail("open %s read-only: %s", ro_path, strerror(errno));
	m[0] = mmap(NULL, RO_LEN, PROT_READ, MAP_SHARED, ro_fd, 0);
	m[1] = mmap(NULL, RO_LEN, PROT_READ, MAP_PRIVATE, ro_fd, 0);
	m[2] = mmap(NULL, RO_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[3] = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 4; i++)
		if (m[i] == MAP_FAILED)
			bail("read-only mapping %d: %s", i, strerror(errno));
	ro_shared = m[0];
	ro_private = m[1];
	ro_anon = m[2];
	zero_view = m[3];
	diag("read-only memory: %s (root, 0444, %llu bytes) mapped PROT_READ MAP_SHARED and "
	     "MAP_PRIVATE, %llu bytes of untouched PROT_READ anonymous memory, the zero page",
	     ro_path, (unsigned long long)RO_LEN, (unsigned long long)RO_LEN);
}

/* A fresh anonymous page in a new process: 0 if it reads as zeros. */
static int fresh_zero_elsewhere(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		const uint8_t *z = mmap(NULL, PAGE, PROT_READ,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		_exit(z == MAP_FAILED ? 2 : byte_mismatch(z, PAGE, 0) >= 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* After every worker: the file's bytes (pread too), the zero page; remove the file. */
static void ro_finish(void)
{
	static uint8_t back[RO_LEN];
	ssize_t n = pread(ro_fd, back, RO_LEN, 0);
	int ret;

	ok(n == RO_LEN && mem_mismatch(back, ro_want, RO_LEN) < 0 &&
	   mem_mismatch(ro_shared, ro_want, RO_LEN) < 0 &&
	   mem_mismatch(ro_private, ro_want, RO_LEN) < 0,
	   "the read-only file's bytes are unchanged (pread and both mappings)");
	ret = fresh_zero_elsewhere();
	ok(byte_mismatch(ro_anon, RO_LEN, 0) < 0 && byte_mismatch(zero_view, PAGE, 0) < 0 &&
	   ret == 0,
	   "the PROT_READ anonymous mappings and a fresh page in a new process read as zeros (%d)",
	   ret);
	ok(st->ro_damage == 0,
	   "no check of %" PRIu64 " saw read-only memory or the zero page changed "
	   "(%" PRIu64 " read-only registrations, %" PRIu64 " exports, %" PRIu64 " imports, "
	   "%" PRIu64 " bytes transferred from them verified)",
	   st->ro_checks, st->ro_regs, st->ro_exports, st->ro_imports, st->ro_bytes_verified);
	munmap((void *)ro_shared, RO_LEN);
	munmap((void *)ro_private, RO_LEN);
	munmap((void *)ro_anon, RO_LEN);
	munmap((void *)zero_view, PAGE);
	close(ro_fd);
	unlink(ro_path);
}

static void print_figures(double secs)
{
	char line[1024];
	int i, n = 0;

	diag("iterations %" PRIu64 " in %.1f s, %" PRIu64 " transfers completed, "
	     "%" PRIu64 " bytes verified, children run %" PRIu64 ", SIGKILLed %" PRIu64,
	     st->iters, secs, st->xfers_done, st->bytes_verified, st->children_run,
	     st->children_killed);
	for (i = 0; i < NR_OPS; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s=%" PRIu64, i ? " " : "",
			      op_name[i], st->calls[i]);
	diag("calls: %s", line);
	n = 0;
	for (i = 0; i < NR_ERR; i++)
		if (st->err[i] && n < (int)sizeof(line) - 40)
			n += snprintf(line + n, sizeof(line) - n, "%s%s=%" PRIu64, n ? " " : "",
				      errname(-i), st->err[i]);
	diag("results: %s", line);
}

int main(void)
{
	pthread_t th[NR_THREADS];
	struct node_stats base, last;
	struct userdma_completion cp;
	struct snap start;
	double t0, soak, budget;
	int round = 0, i, ret, status;
	pid_t pids[NR_CHILDREN];
	struct rng prng;

	tap_init("fuzz_ioctl");
	diag_config();
	node = node_name_for(edu64_bdf());
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	guard = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED || guard == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	shared_fd = node_open_or_bail(node);
	node_info_or_bail(shared_fd, &info);
	if (node_stats(node, &base))
		bail("no counters for %s", node);
	snap_take(node, &start);
	ro_setup();

	seed = env_ll("USERDMA_FUZZ_SEED", 0);
	if (!seed) {
		/* guests boot alike: their clocks and pids would repeat seeds */
		int ufd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (ufd < 0 || read(ufd, &seed, sizeof(seed)) != sizeof(seed))
			seed = (uint64_t)(now_s() * 1e6) ^ ((uint64_t)getpid() << 20);
		if (ufd >= 0)
			close(ufd);
		seed &= 0xffffffffffull;
		seed |= !seed;
	}
	soak = env_ll("USERDMA_FUZZ_SECONDS", 0);
	soaking = soak > 0;
	iters_per_worker = env_ll("USERDMA_FUZZ_ITERS", soak ? ~0ull >> 1 : CI_ITERS);
	/* CI: a few seconds on a TCG guest; the budget bounds the debug kernel */
	budget = soak ? soak : CI_SECONDS;
	if (soak && !getenv("USERDMA_FUZZ_ITERS"))
		diag("seed %" PRIu64 " (USERDMA_FUZZ_SEED=%" PRIu64 " to replay), soak of %.0f s: "
		     "%d threads on one file until the end, rounds of %d children",
		     seed, seed, budget, NR_THREADS, NR_CHILDREN);
	else
		diag("seed %" PRIu64 " (USERDMA_FUZZ_SEED=%" PRIu64 " to replay), %" PRIu64
		     " iterations per worker, %.0f s budget, %d threads on one file + %d children per round",
		     seed, seed, iters_per_worker, budget, NR_THREADS, NR_CHILDREN);
	t0 = now_s();
	deadline = t0 + budget;

	if (getenv("USERDMA_FUZZ_WORKER") && *getenv("USERDMA_FUZZ_WORKER")) {
		close(shared_fd);
		replay_worker(env_ll("USERDMA_FUZZ_WORKER", 0));
		print_figures(now_s() - t0);
		ok(st->failures == 0, "replay: %" PRIu64 " semantic failures in %" PRIu64
		   " iterations (seed %" PRIu64 ")", st->failures, st->iters, seed);
		ro_finish();
		ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
		return done_testing();
	}

	rng_init(&prng, seed);
	ret = udt_channel(shared_fd, "sw", -1, NULL, NULL);
	if (ret)
		bail("CHANNEL sw: %s", errname(ret));
	fflush(stdout);
	for (i = 0; i < NR_THREADS; i++)
		if (pthread_create(&th[i], NULL, thread_main, (void *)(intptr_t)(100 + i)))
			bail("pthread_create");

	/* rounds of children until the budget (CI: CI_ROUNDS rounds) is spent */
	do {
		for (i = 0; i < NR_CHILDREN; i++) {
			fflush(stdout);
			pids[i] = fork();
			if (pids[i] < 0)
				bail("fork: %s", strerror(errno));
			if (pids[i] == 0)
				child_main(round * NR_CHILDREN + i);
			add(&st->children_run, 1);
		}
		/* one child per round dies mid-sequence by SIGKILL */
		sleep_ms(1 + rng_below(&prng, soak ? 2000 : 150));
		i = rng_below(&prng, NR_CHILDREN);
		if (kill(pids[i], SIGKILL) == 0)
			pids[i] = -pids[i];
		for (i = 0; i < NR_CHILDREN; i++) {
			pid_t p = pids[i] < 0 ? -pids[i] : pids[i];

			if (waitpid(p, &status, 0) != p)
				continue;
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				add(&st->children_killed, 1);
			else if (!WIFEXITED(status) || WEXITSTATUS(status))
				ok(0, "child %d ended with status %#x", round * NR_CHILDREN + i, status);
		}
		round++;
	} while (now_s() < deadline && (soak || round < CI_ROUNDS));

	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	/* nothing may be left on the shared file */
	ret = udt_wait(shared_fd, 0, 0, &cp);
	ok(ret == -ENOENT, "shared file: nothing outstanding after the threads (WAIT: %s)",
	   errname(ret));
	close(shared_fd);

	print_figures(now_s() - t0);
	ok(st->failures == 0, "%" PRIu64 " semantic failures in %" PRIu64
	   " iterations (seed %" PRIu64 ")", st->failures, st->iters, seed);
	if (!soak && !getenv("USERDMA_FUZZ_ITERS") && st->iters < CI_MIN_ITERS)
		diag("fewer than %d iterations: the %.0f s budget ran out first (a slow kernel)",
		     CI_MIN_ITERS, budget);
	ro_finish();
	memset(&last, 0, sizeof(last));
	ret = wait_node_stats(node, &base, 5000, &last);
	node_stats(node, &last);
	ok(ret,
	   "node counters back at baseline after every file closed "
	   "(regions %lld pinned_pages %lld allocated_pages %lld imported %lld exported %lld)",
	   last.regions, last.pinned_pages, last.allocated_pages, last.imported, last.exported);
	ok_unchanged(node, &start, "at the end: counters and VmPin at baseline");
	return done_testing();
}
