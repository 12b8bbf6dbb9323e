// SPDX-License-Identifier: MIT
/* Device-lifetime test helpers: see h3_lifetime.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "h3_lifetime.h"
#include "util.h"
#include "xfer.h"

static __thread sigjmp_buf h3_jmp;
static __thread volatile sig_atomic_t h3_armed;

static void h3_fault_handler(int sig)
{
	if (h3_armed) {
		h3_armed = 0;
		siglongjmp(h3_jmp, sig);
	}
	/* not ours: die of it as the default action would */
	signal(sig, SIG_DFL);
	raise(sig);
}

int h3_copy_guarded(void *dst, const void *src, size_t len)
{
	struct sigaction sa, old_bus, old_segv;
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	volatile size_t i = 0;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h3_fault_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(h3_jmp, 1);
	if (!sig) {
		h3_armed = 1;
		for (; i < len; i++)
			d[i] = s[i];
		h3_armed = 0;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

int h3_poke_guarded(void *p, uint8_t v)
{
	return h3_copy_guarded(p, &v, 1);
}

int h3_pattern_guarded(const void *p, size_t len, uint64_t seed,
		       uint64_t base, ssize_t *bad)
{
	uint8_t chunk[4096];
	size_t off, n;
	ssize_t m;
	int sig;

	*bad = -1;
	for (off = 0; off < len; off += n) {
		n = MIN(sizeof(chunk), len - off);
		sig = h3_copy_guarded(chunk, (const uint8_t *)p + off, n);
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

const char *h3_signame(int sig)
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

int h3_unbind(const char *bdf)
{
	return sysfs_write(H3_DRV "/unbind", bdf);
}

int h3_wait_node(const char *bdf, char *node, size_t len, int ms)
{
	int waited;

	for (waited = 0; node_for_bdf(bdf, node, len); waited += 10) {
		if (waited >= ms)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
	return 0;
}

int h3_bind_wait(const char *bdf, char *node, size_t len, int ms)
{
	int ret = sysfs_write(H3_DRV "/bind", bdf);

	if (ret)
		return ret;
	return h3_wait_node(bdf, node, len, ms);
}

uint64_t h3_node_mask(const char *bdf)
{
	struct userdma_info info;
	char node[64];
	int fd, ret;

	if (node_for_bdf(bdf, node, sizeof(node)))
		return 0;
	fd = node_open(node);
	if (fd < 0)
		return 0;
	ret = udt_info(fd, &info);
	close(fd);
	return ret ? 0 : info.dma_mask;
}
