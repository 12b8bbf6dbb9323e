/* SPDX-License-Identifier: MIT */
/*
 * Read-only memory for the tests of "pages pinned without FOLL_WRITE never
 * become writable" (main/readonly_export, edu/readonly_edu, main/isolation):
 * the routes by which a process can hand userdma memory it may not write,
 * the checks that the memory is unchanged afterwards, and the write
 * attempts through an EXPORT of such a registration.
 *
 * On a module that lets a write through, the helpers put the original
 * bytes back through whatever writable mapping they obtained (zeros for
 * the zero page) before reporting the failure, so the guest is not left
 * with a changed root file or a dirty shared zero page.
 */
#ifndef UDT_READONLY_H
#define UDT_READONLY_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum ro_route {
	RO_FILE_SHARED,		/* root-owned 0444 file, MAP_SHARED PROT_READ */
	RO_FILE_PRIVATE,	/* the same file, MAP_PRIVATE PROT_READ */
	RO_ZERO_PAGE,		/* untouched PROT_READ anonymous memory */
	RO_SEALED_MEMFD,	/* memfd with F_SEAL_WRITE, MAP_SHARED PROT_READ */
	RO_NR_ROUTES,
};

const char *ro_route_name(enum ro_route r);

/* One route's memory, mapped PROT_READ at p. */
struct ro_mem {
	enum ro_route route;
	uint8_t *p;
	size_t len;		/* a multiple of the page size */
	int fd;			/* the file or the memfd; -1 for the zero page */
	uint8_t *want;		/* what the memory must hold (malloc'ed) */
};

/*
 * As root: create path (removed first) holding len bytes of pattern seed,
 * owned root:root, mode 0444.  0 or -errno.
 */
int ro_root_file(const char *path, size_t len, uint64_t seed);

/*
 * Map route r: the file routes open path (made by ro_root_file() with the
 * same len and seed) read-only; the memfd is created here with the
 * pattern and sealed F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW.  Nothing
 * is touched through p.  Bails on failure.
 */
void ro_map(struct ro_mem *m, enum ro_route r, const char *path, size_t len,
	    uint64_t seed);
void ro_unmap(struct ro_mem *m);

/*
 * Subtest: the memory is what it was: the file or memfd read with pread()
 * and the PROT_READ mapping byte for byte; for the zero page, the mapping,
 * a fresh anonymous page in this process and one in a new process all
 * read zero.
 */
int ro_ok_unchanged(const struct ro_mem *m, const char *what);

/*
 * EXPORT of handle h (a TO_DEVICE registration of m) on node file f.
 * Subtests: EXPORT succeeds, the dma-buf is O_RDONLY, a PROT_READ mapping
 * of it shows m's bytes.  Returns the dma-buf fd, or -1 when EXPORT failed.
 */
int ro_export(int f, uint32_t h, const struct ro_mem *m, const char *what);

/*
 * Subtests: no writable CPU mapping of dmabuf (an export of m): mmap
 * PROT_READ|PROT_WRITE MAP_SHARED -> EACCES, a PROT_READ mapping
 * mprotect()ed to PROT_WRITE -> EACCES, open("/proc/self/fd/N", O_RDWR)
 * fails.  A writable mapping obtained anyway is tried once (does a byte
 * written through it reach the file?) and repaired at once.
 */
void ro_no_cpu_write(int dmabuf, const struct ro_mem *m, const char *what);

/*
 * Subtests: IMPORT of dmabuf on f with FROM_DEVICE and BIDIRECTIONAL ->
 * EACCES.  An import made anyway is released at once, never written.
 */
void ro_no_write_import(int f, int dmabuf, const char *what);

/*
 * Subtest: SUBMIT of one transfer (src, soff) -> (dst, doff), len bytes,
 * on f -> EACCES.  Callers make the source hold the bytes the destination
 * already has, so a transfer accepted anyway changes nothing; it is
 * waited for (5 s at most).
 */
int ro_ok_submit_refused(int f, uint32_t src, uint64_t soff, uint32_t dst,
			 uint64_t doff, uint64_t len, const char *fmt, ...)
	TAP_PRINTF(7, 8);

/* ---- the frame of a test handing uid 1000 read-only memory ------------- */

struct ro_test {
	const char *node;	/* the 64-bit edu device's node */
	char path[64];		/* /dev/<node> */
	char file[64];		/* root's 0444 file, /tmp/<name>.<pid> */
	struct node_stats base;	/* the node's counters at the start */
};

/*
 * As root, before the first subtest: fill t (the node of the 64-bit edu
 * device, its counters), register ro_test_cleanup() with atexit(), create
 * root's file /tmp/<name>.<pid> (ro_root_file() with len and seed) and
 * open the node to uid 1000 (node_allow_user() of unpriv.h).  t must live
 * until exit.  Bails on failure.
 */
void ro_test_start(struct ro_test *t, const char *name, size_t len,
		   uint64_t seed);
/*
 * Put the node back to 0600 root:root (a diag line when that fails) and
 * remove root's file; run again at exit, when it finds nothing to restore.
 */
void ro_test_cleanup(void);
/* Subtest: ro_test_cleanup(), then the node's counters back at t->base. */
int ro_ok_test_end(const struct ro_test *t);

#endif /* UDT_READONLY_H */
