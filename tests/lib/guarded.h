/* SPDX-License-Identifier: MIT */
/*
 * Guarded memory access for the tests of mappings that may be revoked
 * under them (unbind_*, quiesce, the coherent MADV_DONTNEED check of
 * alloc_api): reads and writes that report a SIGBUS or SIGSEGV instead of
 * dying of it.  They never print.
 */
#ifndef UDT_GUARDED_H
#define UDT_GUARDED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Copy len bytes from src to dst one byte at a time; a SIGBUS or SIGSEGV
 * on the way stops the copy.  Returns 0, or the signal that stopped it.
 * Thread-safe (the jump buffer is per thread).
 */
int copy_guarded(void *dst, const void *src, size_t len);
/*
 * Check that [p, p + len) holds pattern (seed, base), reading through
 * copy_guarded().  Returns 0 when read to the end (*bad = first
 * mismatching offset or -1), or the signal that stopped the read.
 */
int pattern_guarded(const void *p, size_t len, uint64_t seed, uint64_t base,
		    ssize_t *bad);
/* Write one byte through copy_guarded(): 0 or the signal. */
int poke_guarded(void *p, uint8_t v);
/* "SIGBUS", "SIGSEGV", "no signal" */
const char *guarded_signame(int sig);

#endif /* UDT_GUARDED_H */
