// SPDX-License-Identifier: MIT
/* userdma-bench: timing, statistics, buffers and the results stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"

#define HUGE_SIZE	(2 * MiB)

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat2 stat2_of(double *v, unsigned int n)
{
	struct stat2 s = { 0, 0 };

	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

void csv(struct bench *b, const char *row, const char *kase, uint64_t size,
	 const char *metric, struct stat2 s)
{
	printf("@csv,%s,%s,%s,%s,%llu,%s,%.6g,%.6g\n", b->kernel, b->config,
	       row, kase, (unsigned long long)size, metric, s.min, s.med);
}

void csv1(struct bench *b, const char *row, const char *kase, uint64_t size,
	  const char *metric, double v)
{
	struct stat2 s = { v, v };

	csv(b, row, kase, size, metric, s);
}

const char *size_name(uint64_t size, char *buf, size_t len)
{
	if (size >= MiB && size % MiB == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(size / MiB));
	else if (size >= KiB && size % KiB == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(size / KiB));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
	return buf;
}

/* Where each live buffer's mapping really starts, to unmap exactly it. */
static struct {
	void *buf, *map;
	size_t len;
} maps[16];

/*
 * Huge buffers are 2 MiB aligned inside a larger mapping, so that every
 * 2 MiB of them can be a transparent huge page; small ones still sit at
 * the start of one, as a sub-range of a huge page.
 */
void *buf_alloc(uint64_t size, int huge)
{
	uint64_t touch = huge && size < HUGE_SIZE ? HUGE_SIZE : size;
	uint64_t len = huge ? touch + HUGE_SIZE : size;
	unsigned int i;
	char *p, *a;

	for (i = 0; i < 16 && maps[i].buf; i++)
		;
	if (i == 16)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = p;
	if (huge) {
		a = (char *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
		madvise(a, touch, MADV_HUGEPAGE);
	} else {
		madvise(p, len, MADV_NOHUGEPAGE);
	}
	memset(a, 0x5a, touch);
	maps[i].buf = a;
	maps[i].map = p;
	maps[i].len = len;
	return a;
}

void buf_free(void *p)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (maps[i].buf == p) {
			munmap(maps[i].map, maps[i].len);
			maps[i].buf = NULL;
			return;
		}
	}
}

uint64_t buf_huge_bytes(void *p)
{
	unsigned long lo, hi, kb;
	uint64_t total = 0;
	char line[256];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			total += kb * KiB;
	}
	fclose(f);
	return total;
}

int bench_ioctl(struct bench *b, struct userdma_bench *cmd)
{
	return ioctl(b->bench_fd, USERDMA_BENCH_IOC, cmd) ? -errno : 0;
}

unsigned int inner_iters(uint64_t size, unsigned int max)
{
	uint64_t n = (2 * MiB) / size;

	if (n < 1)
		n = 1;
	return n > max ? max : (unsigned int)n;
}
