/* SPDX-License-Identifier: MIT */
/*
 * The checks of the host-side unit tests (lib/test, tools/test): check()
 * counts a pass, or prints "FAIL: <what>" and counts a failure;
 * check_report() prints "N passed, N failed" and gives main()'s exit
 * status.  A unit-test program is one source file including this once,
 * so the counters are that program's own.
 */
#ifndef UDT_UNIT_CHECK_H
#define UDT_UNIT_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

__attribute__((format(printf, 2, 3)))
static inline void check(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		check_passed++;
		return;
	}
	check_failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* got is the string want. */
static inline void check_str(const char *got, const char *want,
			     const char *what)
{
	check(got && !strcmp(got, want), "%s: got \"%s\", want \"%s\"", what,
	      got ? got : "(null)", want);
}

/* got contains part. */
static inline void check_has(const char *got, const char *part,
			     const char *what)
{
	check(got && strstr(got, part), "%s: \"%s\" lacks \"%s\"", what,
	      got ? got : "(null)", part);
}

/* "N passed, N failed"; the exit status: 1 if anything failed. */
static inline int check_report(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif /* UDT_UNIT_CHECK_H */
