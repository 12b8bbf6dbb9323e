/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the guest tests: configuration from the environment, seeded
 * randomness, byte patterns, raw ioctl wrappers returning -errno, the
 * per-node sysfs counters and per-process VmPin, memory and process tools.
 *
 * Raw wrappers (udt_*) talk to the kernel directly so that tests can pass
 * anything, including what the library would refuse; they return 0 (or a
 * count) or -errno and never print.
 */
#ifndef UDT_UTIL_H
#define UDT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/userdma.h>

#include "tap.h"

#define KiB ((uint64_t)1024)
#define MiB ((uint64_t)1024 * 1024)
#define GiB ((uint64_t)1024 * 1024 * 1024)
#define PAGE ((uint64_t)4096)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Each argument evaluated once (an argument may draw a random number). */
#define MIN(a, b) ({ __typeof__(a) _min_a = (a); __typeof__(b) _min_b = (b); \
		     _min_a < _min_b ? _min_a : _min_b; })
#define MAX(a, b) ({ __typeof__(a) _max_a = (a); __typeof__(b) _max_b = (b); \
		     _max_a > _max_b ? _max_a : _max_b; })

/* ---- configuration ---------------------------------------------------- */

enum udt_cfg { CFG_UNKNOWN, CFG_STRICT, CFG_LAZY, CFG_NOIOMMU, CFG_SWIOTLB };

const char *env_or(const char *name, const char *def);
long long env_ll(const char *name, long long def);
enum udt_cfg udt_config(void);
const char *udt_config_name(void);
/* strict or lazy: an IOMMU translates both edu devices. */
int cfg_iommu(void);
/*
 * An IOMMU driven through the kernel's dma-iommu layer (intel-iommu since
 * 5.11): coherent memory is separate pages, mapped to user space as pages.
 * 5.10's intel-iommu allocates coherent memory physically contiguous and
 * maps it to user space as a PFN range.
 */
int cfg_dma_iommu(void);
/* Running kernel as major * 1000 + minor (uname), e.g. 6012. */
int kernel_version(void);
/* PCI addresses of the 64-bit and 28-bit edu devices (env overridable). */
const char *edu64_bdf(void);
const char *edu28_bdf(void);
/* Diagnostic line naming kernel, config and lane. */
void diag_config(void);

/* ---- randomness ------------------------------------------------------- */

struct rng {
	uint64_t s;
};

/* The test's seed: USERDMA_SEED or time-based; printed on first use. */
uint64_t test_seed(void);
void rng_init(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n == 0 gives 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* The process-wide generator, seeded from test_seed(). Not thread-safe. */
uint64_t rnd(void);
uint64_t rnd_below(uint64_t n);
void shuffle_u32(uint32_t *a, size_t n, struct rng *r);

/* ---- patterns ----------------------------------------------------------- */

/*
 * A pattern is a function of (seed, absolute offset): the byte at offset o
 * of pattern `seed` is the same wherever it is written, so chunks can be
 * checked on their own and a shifted copy never matches.
 */
uint8_t pattern_byte(uint64_t seed, uint64_t off);
/* buf[i] = pattern_byte(seed, base + i) */
void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t base);
/* Offset of the first byte that differs, or -1. */
ssize_t pattern_mismatch(const void *buf, size_t len, uint64_t seed,
			 uint64_t base);
ssize_t mem_mismatch(const void *a, const void *b, size_t len);
ssize_t byte_mismatch(const void *buf, size_t len, uint8_t v);
/*
 * Subtest: got == want for len bytes; on failure prints the first
 * mismatching offset with the bytes around it.
 */
int ok_mem(const void *got, const void *want, size_t len, const char *fmt,
	   ...) TAP_PRINTF(4, 5);
void diag_mismatch(const void *got, const void *want, size_t len,
		   ssize_t off);

/* ---- raw ioctls ---------------------------------------------------------- */

int udt_ioctl(int fd, unsigned long req, void *arg);
int udt_info(int fd, struct userdma_info *info);
int udt_register(int fd, const void *addr, uint64_t len, uint32_t dir,
		 uint32_t *handle, uint32_t *nsegs);
int udt_register_raw(int fd, uint64_t addr, uint64_t len, uint32_t dir,
		     uint32_t flags, uint32_t reserved, uint32_t *handle,
		     uint32_t *nsegs);
int udt_unregister(int fd, uint32_t handle);
/* Fills *copied and *total (either may be NULL). */
int udt_segments(int fd, uint32_t handle, uint32_t first,
		 struct userdma_segment *segs, uint32_t count,
		 uint32_t *copied, uint32_t *total);
/* All segments in a malloc'ed array; returns the count or -errno. */
int udt_segments_all(int fd, uint32_t handle, struct userdma_segment **segs);
int udt_sync(int fd, uint32_t handle, uint64_t off, uint64_t len,
	     uint32_t flags);
/* "EINVAL" for 22 or -22; "OK" for 0. */
const char *errname(int err);
const char *dirname_udma(uint32_t dir);

/* ---- nodes, counters -------------------------------------------------- */

/* Name ("userdma0") of the node whose device link points at bdf. */
int node_for_bdf(const char *bdf, char *node, size_t len);
/* Like node_for_bdf, but bails out when absent. */
const char *node_name_for(const char *bdf);
/* open("/dev/<node>", O_RDWR | O_CLOEXEC): fd or -errno. */
int node_open(const char *node);
/* Open or bail. */
int node_open_or_bail(const char *node);
/* INFO or bail. */
void node_info_or_bail(int fd, struct userdma_info *info);

struct node_stats {
	long long regions, pinned_pages, mapped_bytes;
	long long allocated_pages, imported, exported;
};
int node_stats(const char *node, struct node_stats *st);

/* A kB field of /proc/<pid>/status (pid 0 = self), or -1. */
long long proc_status_kb(pid_t pid, const char *key);
#define vmpin_kb() proc_status_kb(0, "VmPin")
#define vmlck_kb() proc_status_kb(0, "VmLck")

/* Everything a failed call must leave untouched. */
struct snap {
	struct node_stats st;
	long long vmpin, vmlck;
	int valid;
};
void snap_take(const char *node, struct snap *s);
/*
 * Compare now against base + expected deltas (allocated_pages, imported
 * and exported must not move); describe the first difference in why.
 * Returns 1 when equal.
 */
int snap_check(const char *node, const struct snap *base, long long regions,
	       long long pages, long long bytes, long long vmpin_kb, char *why,
	       size_t whylen);
/* Subtest: nothing moved since base. */
int ok_unchanged(const char *node, const struct snap *base, const char *fmt,
		 ...) TAP_PRINTF(3, 4);
/* Subtest: counters moved by exactly these deltas. */
int ok_delta(const char *node, const struct snap *base, long long regions,
	     long long pages, long long bytes, long long vmpin_kb,
	     const char *fmt, ...) TAP_PRINTF(7, 8);
/*
 * Wait up to ms for the node's counters to equal want (for releases that
 * complete after another process dies); returns 1 when reached.
 */
int wait_node_stats(const char *node, const struct node_stats *want, int ms,
		    struct node_stats *last);

/* swiotlb debugfs counters, or -1 when absent. */
long long swiotlb_used(void);
long long swiotlb_nslabs(void);

/* ---- memory -------------------------------------------------------------- */

/* Pages spanned by [addr, addr + len). */
uint64_t pages_spanned(uint64_t addr, uint64_t len);
/*
 * Anonymous private mapping of len bytes aligned to align (a power of two,
 * at least a page), every page written.  munmap(p, len) frees it.  Bails
 * on failure.
 */
void *map_anon(size_t len);
void *map_anon_aligned(size_t len, size_t align);
/* Same, but not touched. */
void *map_anon_untouched(size_t len, size_t align);
void touch_pages(void *p, size_t len);
/* Physical address of the page holding addr (root), 0 if unknown. */
uint64_t virt_to_phys(const void *addr);
/*
 * Physical addresses of npages pages from the page holding addr (one
 * /proc/self/pagemap read); 0 for a page not present.  0 or -errno.
 */
int pagemap_phys(const void *addr, size_t npages, uint64_t *phys);
/*
 * Without an IOMMU or bounce buffers a DMA address is the physical
 * address: check every byte of [addr, addr + len) maps, through the
 * segments, to the physical address of its page plus its page offset.
 * Returns 1 if so, 0 with why filled otherwise.
 */
int segs_match_phys(const struct userdma_segment *s, uint32_t n,
		    const void *addr, uint64_t len, char *why, size_t whylen);
/* AnonHugePages (kB) of the mapping holding addr, or -1. */
long long smaps_field_kb(const void *addr, const char *key);
/* 1 if THP can be used with madvise (enabled is always or madvise). */
int thp_available(char *mode, size_t len);

/* ---- segment lists ----------------------------------------------------- */

/*
 * Structural checks every segment list must pass for a registration of
 * [addr, addr + len) on a node described by info: n >= 1, no zero-length
 * segment, each at most max_seg_size, lengths summing to len, every DMA
 * address inside dma_mask without wrapping.  Without bounce buffers the
 * first segment keeps addr's offset in its page, and the boundaries
 * between segments fall on page boundaries.  With bounce buffers every
 * segment is at most 256 KiB.  Returns 1 if fine, else describes why.
 */
int segs_valid(const struct userdma_segment *s, uint32_t n, uint64_t addr,
	       uint64_t len, const struct userdma_info *info, char *why,
	       size_t whylen);
/* Region offset -> DMA address and bytes contiguous from there. */
int seg_lookup(const struct userdma_segment *s, uint32_t n, uint64_t off,
	       uint64_t *dma, uint64_t *contig);
void diag_segs(const struct userdma_segment *s, uint32_t n, uint32_t max);

/* ---- processes, time ---------------------------------------------------- */

/* setgroups(0), setgid, setuid: CAP_IPC_LOCK goes with root. -errno. */
int drop_root(uid_t uid, gid_t gid);
uid_t unpriv_uid(void);
gid_t unpriv_gid(void);
double now_s(void);
void sleep_ms(unsigned int ms);
/* Read/write exactly n bytes on a pipe; 0 or -1. */
int read_full(int fd, void *buf, size_t n);
int write_full(int fd, const void *buf, size_t n);

#endif /* UDT_UTIL_H */
