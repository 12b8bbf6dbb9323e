// SPDX-License-Identifier: MIT
/*
 * The CLI's own surface: `userdma help` and `help COMMAND` answer like
 * --help, an unknown command or a second argument to help is a usage
 * error, a message from the library carries one prefix ("userdma: alloc:
 * ...", not "userdma: alloc: alloc: ..."), and `userdma info` gives every
 * size of a node in bytes with its binary unit beside it, whole or not.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

/* Run cmd (stderr folded in); its output into out, its exit status back. */
static int run(const char *cmd, char *out, size_t size)
{
	size_t n = 0;
	FILE *p;
	int st;

	p = popen(cmd, "r");
	if (!p)
		bail("popen %s", cmd);
	while (n + 1 < size && fgets(out + n, (int)(size - n), p))
		n += strlen(out + n);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Every "<label>  <bytes>" line of info's table names its unit too. */
static void check_info_sizes(const char *node)
{
	static const char *const labels[] = {
		"max segment size", "max region bytes",
	};
	char cmd[128], out[8192], *line;
	unsigned int i;
	int rc;

	snprintf(cmd, sizeof(cmd), "userdma info %s 2>&1", node);
	rc = run(cmd, out, sizeof(out));
	ok(rc == 0, "userdma info %s: exit 0 (%d)", node, rc);
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		unsigned long long v = 0;
		char *eol = NULL;

		line = strstr(out, labels[i]);
		if (line) {
			eol = strchr(line, '\n');
			if (eol)
				*eol = 0;
			v = strtoull(line + strlen(labels[i]), NULL, 10);
		}
		ok(line && v && (v < 1024 || strstr(line, "iB)")),
		   "info: '%s' %llu has its unit beside it (%s)", labels[i], v,
		   line ? line : "missing");
		if (eol)
			*eol = '\n';
	}
}

int main(void)
{
	static char out[16384];
	const char *node;
	char cmd[160];
	int rc;

	tap_init("cli_basics");
	diag_config();
	node = node_name_for(edu64_bdf());

	rc = run("userdma help 2>&1", out, sizeof(out));
	ok(rc == 0 && strstr(out, "Usage: userdma COMMAND") &&
	   strstr(out, "  selftest"),
	   "userdma help: exit 0, the usage with its commands (%d)", rc);
	rc = run("userdma help alloc 2>&1", out, sizeof(out));
	ok(rc == 0 && strstr(out, "Usage: userdma alloc"),
	   "userdma help alloc: exit 0, alloc's usage (%d: %.60s)", rc, out);
	rc = run("userdma help nosuch 2>&1", out, sizeof(out));
	ok(rc == 2 && strstr(out, "unknown command 'nosuch'"),
	   "userdma help nosuch: usage error, names it (%d: %.60s)", rc, out);
	rc = run("userdma help alloc copy 2>&1", out, sizeof(out));
	ok(rc == 2 && strstr(out, "one COMMAND at most"),
	   "userdma help alloc copy: usage error (%d: %.60s)", rc, out);
	rc = run("userdma --version 2>&1", out, sizeof(out));
	{
		unsigned int maj, min, patch;
		char end = 0;

		ok(rc == 0 && sscanf(out, "userdma %u.%u.%u%c", &maj, &min,
				     &patch, &end) == 4 && end == '\n',
		   "userdma --version: exit 0, 'userdma X.Y.Z' (%d: %.40s)", rc, out);
	}
	rc = run("userdma frobnicate 2>&1", out, sizeof(out));
	ok(rc == 2 && strstr(out, "unknown command 'frobnicate'"),
	   "userdma frobnicate: usage error, names it (%d)", rc);

	/* a library error: larger than any contiguous block */
	snprintf(cmd, sizeof(cmd), "userdma alloc --contiguous 64M %s 2>&1", node);
	rc = run(cmd, out, sizeof(out));
	ok(rc == 1 && !strncmp(out, "userdma: alloc: ", 16) &&
	   !strstr(out, "alloc: alloc:"),
	   "a library error has one prefix (%d: %.80s)", rc, out);

	check_info_sizes(node);
	return done_testing();
}
