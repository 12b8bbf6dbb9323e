// SPDX-License-Identifier: MIT
/* TAP 13 output for the guest tests: see tap.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define TAP_LINE_MAX	3072	/* below PIPE_BUF: one atomic write */
#define TAP_MAX_KIDS	64

static pthread_mutex_t tap_lock = PTHREAD_MUTEX_INITIALIZER;
static int tap_n, tap_failed, tap_skipped;
/* In a tap_fork() child: results go to this pipe instead of stdout. */
static int tap_sink = -1;

static struct {
	pid_t pid;
	int fd;
} tap_kids[TAP_MAX_KIDS];

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Format into buf, replacing newlines (one result = one line). */
static void fmt_line(char *buf, size_t size, const char *fmt, va_list ap)
{
	char *p;

	vsnprintf(buf, size, fmt, ap);
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void emit(const char *prefix, const char *text, const char *suffix)
{
	char line[TAP_LINE_MAX + 64];
	int n;

	n = snprintf(line, sizeof(line), "%s%s%s\n", prefix, text, suffix);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	write_all(tap_sink >= 0 ? tap_sink : STDOUT_FILENO, line, (size_t)n);
}

static int record(int pass, const char *desc)
{
	char prefix[64];

	pass = !!pass;
	pthread_mutex_lock(&tap_lock);
	if (tap_sink >= 0) {
		emit(pass ? "R1 " : "R0 ", desc, "");
	} else {
		tap_n++;
		if (!pass)
			tap_failed++;
		snprintf(prefix, sizeof(prefix), "%sok %d - ", pass ? "" : "not ",
			 tap_n);
		emit(prefix, desc, "");
	}
	pthread_mutex_unlock(&tap_lock);
	return pass;
}

static void record_skip(const char *reason, const char *desc)
{
	char prefix[64], suffix[TAP_LINE_MAX];

	pthread_mutex_lock(&tap_lock);
	if (tap_sink >= 0) {
		/* reason and description separated by a unit separator */
		snprintf(suffix, sizeof(suffix), "\x1f%s", desc);
		emit("S ", reason, suffix);
	} else {
		tap_n++;
		tap_skipped++;
		snprintf(prefix, sizeof(prefix), "ok %d - ", tap_n);
		snprintf(suffix, sizeof(suffix), " # SKIP %s", reason);
		emit(prefix, desc, suffix);
	}
	pthread_mutex_unlock(&tap_lock);
}

static void record_diag(const char *text)
{
	pthread_mutex_lock(&tap_lock);
	emit(tap_sink >= 0 ? "D " : "# ", text, "");
	pthread_mutex_unlock(&tap_lock);
}

void tap_init(const char *name)
{
	char line[256];

	snprintf(line, sizeof(line), "TAP version 13\n# %s\n",
		 name ? name : "");
	write_all(STDOUT_FILENO, line, strlen(line));
}

int vok(int pass, const char *fmt, va_list ap)
{
	char desc[TAP_LINE_MAX];

	fmt_line(desc, sizeof(desc), fmt, ap);
	return record(pass, desc);
}

int ok(int pass, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vok(pass, fmt, ap);
	va_end(ap);
	return ret;
}

void skip(const char *reason, const char *fmt, ...)
{
	char desc[TAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_line(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	record_skip(reason, desc);
}

void diag(const char *fmt, ...)
{
	char text[TAP_LINE_MAX];
	char *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* one "# " line per line of text */
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		record_diag(line);
}

void skip_all(const char *fmt, ...)
{
	char reason[TAP_LINE_MAX];
	char line[TAP_LINE_MAX + 32];
	va_list ap;

	va_start(ap, fmt);
	fmt_line(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (tap_sink >= 0) {
		record_skip(reason, "skipped entirely");
		tap_child_exit();
	}
	/* the runner shows the last diagnostic as the reason */
	record_diag(reason);
	snprintf(line, sizeof(line), "1..0 # SKIP %s\n", reason);
	write_all(STDOUT_FILENO, line, strlen(line));
	exit(4);
}

void bail(const char *fmt, ...)
{
	char reason[TAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_line(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	ok(0, "cannot continue: %s", reason);
	if (tap_sink >= 0)
		_exit(1);
	done_testing();
	exit(1);
}

int tap_failures(void)
{
	return tap_failed;
}

int done_testing(void)
{
	char line[64];

	if (tap_sink >= 0)
		tap_child_exit();
	snprintf(line, sizeof(line), "1..%d\n", tap_n);
	write_all(STDOUT_FILENO, line, strlen(line));
	if (tap_failed)
		return 1;
	if (tap_n == 0 || tap_skipped == tap_n)
		return tap_n == 0 ? 4 : 0;
	return 0;
}

int tap_in_child(void)
{
	return tap_sink >= 0;
}

pid_t tap_fork(void)
{
	int p[2], i;
	pid_t pid;

	if (tap_sink >= 0) {
		/* a grandchild shares its parent's pipe */
		pid = fork();
		return pid < 0 ? -errno : pid;
	}
	for (i = 0; i < TAP_MAX_KIDS && tap_kids[i].pid; i++)
		;
	if (i == TAP_MAX_KIDS)
		return -EMFILE;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (pid == 0) {
		int j;

		close(p[0]);
		/* results of siblings are not ours to read */
		for (j = 0; j < TAP_MAX_KIDS; j++)
			if (tap_kids[j].pid) {
				close(tap_kids[j].fd);
				tap_kids[j].pid = 0;
			}
		tap_sink = p[1];
		return 0;
	}
	close(p[1]);
	tap_kids[i].pid = pid;
	tap_kids[i].fd = p[0];
	return pid;
}

void tap_child_exit(void)
{
	_exit(0);
}

static void relay_line(char *line)
{
	char *sep;

	if (!strncmp(line, "R1 ", 3)) {
		record(1, line + 3);
	} else if (!strncmp(line, "R0 ", 3)) {
		record(0, line + 3);
	} else if (!strncmp(line, "S ", 2)) {
		sep = strchr(line + 2, '\x1f');
		if (sep)
			*sep++ = '\0';
		record_skip(line + 2, sep ? sep : "");
	} else if (!strncmp(line, "D ", 2)) {
		record_diag(line + 2);
	} else {
		record_diag(line);
	}
}

int tap_reap(pid_t pid)
{
	char buf[2 * TAP_LINE_MAX + 128];
	size_t have = 0;
	int status = 0, fd = -1, i;

	for (i = 0; i < TAP_MAX_KIDS; i++)
		if (tap_kids[i].pid == pid) {
			fd = tap_kids[i].fd;
			tap_kids[i].pid = 0;
			break;
		}
	if (fd >= 0) {
		for (;;) {
			ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
			char *start, *nl;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			have += (size_t)n;
			buf[have] = '\0';
			start = buf;
			while ((nl = strchr(start, '\n'))) {
				*nl = '\0';
				relay_line(start);
				start = nl + 1;
			}
			have -= (size_t)(start - buf);
			memmove(buf, start, have);
			if (have == sizeof(buf) - 1) {
				buf[have] = '\0';
				relay_line(buf);
				have = 0;
			}
		}
		if (have) {
			buf[have] = '\0';
			relay_line(buf);
		}
		close(fd);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	return status;
}

int ok_child_status(int status, const char *what)
{
	if (status == -1)
		return ok(0, "%s: waitpid failed", what);
	if (WIFSIGNALED(status))
		return ok(0, "%s: child killed by signal %d", what,
			  WTERMSIG(status));
	return ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "%s: child exited with status %d", what,
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
