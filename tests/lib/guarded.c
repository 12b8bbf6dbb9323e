// SPDX-License-Identifier: MIT
/* Reads and writes that survive SIGBUS and SIGSEGV: see guarded.h. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "guarded.h"
#include "util.h"

static __thread sigjmp_buf guard_jmp;
static __thread volatile sig_atomic_t guard_armed;

static void guard_handler(int sig)
{
	if (guard_armed) {
		guard_armed = 0;
		siglongjmp(guard_jmp, sig);
	}
	/* not ours: die of it as the default action would */
	signal(sig, SIG_DFL);
	raise(sig);
}

int copy_guarded(void *dst, const void *src, size_t len)
{
	struct sigaction sa, old_bus, old_segv;
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	volatile size_t i = 0;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(guard_jmp, 1);
	if (!sig) {
		guard_armed = 1;
		for (; i < len; i++)
			d[i] = s[i];
		guard_armed = 0;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

int poke_guarded(void *p, uint8_t v)
{
	return copy_guarded(p, &v, 1);
}

int pattern_guarded(const void *p, size_t len, uint64_t seed, uint64_t base,
		    ssize_t *bad)
{
	uint8_t chunk[4096];
	size_t off, n;
	ssize_t m;
	int sig;

	*bad = -1;
	for (off = 0; off < len; off += n) {
		n = MIN(sizeof(chunk), len - off);
		sig = copy_guarded(chunk, (const uint8_t *)p + off, n);
		if (sig)
			return sig;
		m = pattern_mismatch(chunk, n, seed, base + off);
		if (m >= 0) {
			*bad = (ssize_t)off + m;
			return 0;
		}
	}
	return 0;
}

const char *guarded_signame(int sig)
{
	switch (sig) {
	case 0:
		return "no signal";
	case SIGBUS:
		return "SIGBUS";
	case SIGSEGV:
		return "SIGSEGV";
	default:
		return strsignal(sig);
	}
}
