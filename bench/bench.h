/* SPDX-License-Identifier: MIT */
/*
 * userdma-bench: shared helpers.  Every figure is a ratio to a baseline
 * measured in the same guest run; absolute times under TCG mean little.
 * Each measurement is repeated and reported as min and median.
 */
#ifndef USERDMA_BENCH_PROG_H
#define USERDMA_BENCH_PROG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/userdma.h>

#include "userdma.h"
#include "userdma_bench_uapi.h"

#define KiB	(1024ull)
#define MiB	(1024ull * 1024)

/* min and median of a set of samples (ns per operation) */
struct stat2 {
	double min, med;
};

struct bench {
	struct userdma *u;	/* bound to the sw engine for transfers */
	int bench_fd;		/* the bench module's device */
	const char *kernel, *config;
	unsigned int reps;	/* repetitions of each measurement */
	int quick;
	struct stat2 null_ioctl;
};

double now_ns(void);
struct stat2 stat2_of(double *v, unsigned int n);

/* Long-form results: one CSV line per (row, case, size, metric). */
void csv(struct bench *b, const char *row, const char *kase, uint64_t size,
	 const char *metric, struct stat2 s);
void csv1(struct bench *b, const char *row, const char *kase, uint64_t size,
	  const char *metric, double v);
const char *size_name(uint64_t size, char *buf, size_t len);

/* Anonymous memory, touched; huge: 2 MiB aligned with MADV_HUGEPAGE. */
void *buf_alloc(uint64_t size, int huge);
void buf_free(void *p);
/* AnonHugePages of the mapping holding p, in bytes (smaps). */
uint64_t buf_huge_bytes(void *p);

int bench_ioctl(struct bench *b, struct userdma_bench *cmd);
/* How many repetitions to put into one timing window for this size. */
unsigned int inner_iters(uint64_t size, unsigned int max);

void row_null(struct bench *b);
void row_xfer(struct bench *b);		/* 3 */
void row_register(struct bench *b);	/* 1 */
void row_sync(struct bench *b);		/* 2 */
void row_percall(struct bench *b);	/* 4 */
void row_kcopy(struct bench *b);	/* why row 3 looks as it does */
void row_alloc(struct bench *b);	/* 5 */

#endif
