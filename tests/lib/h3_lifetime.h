/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the device-lifetime tests (unbind_*, quiesce, the coherent
 * MADV_DONTNEED check): reading a mapping that may have been revoked
 * (SIGBUS) without dying, and unbinding/binding a PCI device from userdma
 * while waiting for its node to come back.
 */
#ifndef UDT_H3_LIFETIME_H
#define UDT_H3_LIFETIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define H3_DRV	"/sys/bus/pci/drivers/userdma"

/*
 * Copy len bytes from src to dst one byte at a time; a SIGBUS or SIGSEGV
 * on the way stops the copy.  Returns 0, or the signal that stopped it.
 * Thread-safe (the jump buffer is per thread).
 */
int h3_copy_guarded(void *dst, const void *src, size_t len);
/*
 * Check that [p, p + len) holds pattern (seed, base), reading through
 * h3_copy_guarded().  Returns 0 when read to the end (*bad = first
 * mismatching offset or -1), or the signal that stopped the read.
 */
int h3_pattern_guarded(const void *p, size_t len, uint64_t seed,
		       uint64_t base, ssize_t *bad);
/* Write one byte through h3's guard: 0 or the signal. */
int h3_poke_guarded(void *p, uint8_t v);
/* "SIGBUS", "SIGSEGV", "no signal" */
const char *h3_signame(int sig);

/* echo bdf > .../drivers/userdma/unbind: 0 or -errno. */
int h3_unbind(const char *bdf);
/* Wait up to ms for a node bound to bdf: 0 with node filled, or -ETIMEDOUT. */
int h3_wait_node(const char *bdf, char *node, size_t len, int ms);
/* echo bdf > .../bind, then h3_wait_node(): 0 or -errno. */
int h3_bind_wait(const char *bdf, char *node, size_t len, int ms);
/* INFO of bdf's node (opened and closed here): its dma_mask, or 0. */
uint64_t h3_node_mask(const char *bdf);

#endif /* UDT_H3_LIFETIME_H */
