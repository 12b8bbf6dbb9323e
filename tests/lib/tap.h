/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP 13 producer for the guest test programs.
 *
 * Every line goes out in one write(2), so output never sits in a stdio
 * buffer that fork() could duplicate, and lines from several threads or
 * processes never interleave.  Exit codes (done_testing): 0 all passed
 * (skips allowed), 1 any failure, 4 nothing run but skips (skip_all).
 *
 * Children: tap_fork() forks a child whose ok()/skip()/diag() travel over
 * a pipe to the parent, which re-emits them under its own numbering when
 * it calls tap_reap().  A grandchild forked with tap_fork() inside a child
 * shares the same pipe.
 */
#ifndef UDT_TAP_H
#define UDT_TAP_H

#include <stdarg.h>
#include <sys/types.h>

#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TAP_NORETURN __attribute__((noreturn))

/* Prints "TAP version 13" and the test's name; optional. */
void tap_init(const char *name);

/* Records one subtest; returns pass (normalised to 0/1). */
int ok(int pass, const char *fmt, ...) TAP_PRINTF(2, 3);
int vok(int pass, const char *fmt, va_list ap);
void skip(const char *reason, const char *fmt, ...) TAP_PRINTF(2, 3);
void diag(const char *fmt, ...) TAP_PRINTF(1, 2);

/* Nothing to test here: "1..0 # SKIP", exit 4. */
void skip_all(const char *fmt, ...) TAP_PRINTF(1, 2) TAP_NORETURN;
/* Cannot go on: one "not ok" with the reason, plan, exit 1. */
void bail(const char *fmt, ...) TAP_PRINTF(1, 2) TAP_NORETURN;

/* Prints the plan; returns the exit code (0, 1, or 4 if nothing ran). */
int done_testing(void);
int tap_failures(void);

/*
 * Fork a child reporting through the parent.  Returns the pid in the
 * parent, 0 in the child, -errno on failure.  The child ends with
 * tap_child_exit(); the parent must call tap_reap() for every child.
 */
pid_t tap_fork(void);
void tap_child_exit(void) TAP_NORETURN;
int tap_in_child(void);
/*
 * Relay the child's lines until its pipe closes, then waitpid() it.
 * Returns the wait status.
 */
int tap_reap(pid_t pid);
/* Subtest: the wait status says the child exited normally with 0. */
int ok_child_status(int status, const char *what);

#endif /* UDT_TAP_H */
