// SPDX-License-Identifier: MIT
/*
 * The CLI's buffer commands as a user runs them: `userdma alloc` in each
 * mode succeeds and names its segments, bad sizes and a too-large
 * contiguous request fail with a message and exit status, and `userdma
 * list` shows a held buffer with its kind.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static const char *node;

/*
 * Run a shell command, NODE replaced by the node's name; its output into
 * out.  Returns its exit status.
 */
static int run(const char *tmpl, char *out, size_t size)
{
	char cmd[512];
	size_t n = 0, k = 0;
	FILE *p;
	int st;

	while (*tmpl && k + 64 < sizeof(cmd)) {
		if (!strncmp(tmpl, "NODE", 4)) {
			k += snprintf(cmd + k, sizeof(cmd) - k, "%s", node);
			tmpl += 4;
		} else {
			cmd[k++] = *tmpl++;
		}
	}
	cmd[k] = 0;

	p = popen(cmd, "r");
	if (!p)
		bail("popen %s", cmd);
	while (n + 1 < size && fgets(out + n, (int)(size - n), p))
		n += strlen(out + n);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int main(void)
{
	static char out[16384];
	struct snap base;
	int rc;

	tap_init("cli_alloc");
	diag_config();
	node = node_name_for(edu64_bdf());
	snap_take(node, &base);

	rc = run("userdma alloc 1M NODE 2>&1", out, sizeof(out));
	ok(rc == 0 && strstr(out, "handle ") && strstr(out, "DMA segment"),
	   "userdma alloc 1M: exit 0, prints the handle and segments (%d)", rc);
	if (rc)
		diag("%s", out);
	rc = run("userdma alloc --coherent --contiguous 64K NODE 2>&1", out,
		 sizeof(out));
	ok(rc == 0 && strstr(out, "1 DMA segment"),
	   "userdma alloc --coherent --contiguous 64K: one segment (%d)", rc);
	rc = run("userdma alloc --contiguous 64M NODE 2>&1", out, sizeof(out));
	ok(rc == 1 && strstr(out, "contiguous") && strstr(out, "ENOMEM"),
	   "userdma alloc --contiguous 64M: exit 1, says why (%d: %.200s)", rc, out);
	rc = run("userdma alloc 12Q 2>&1", out, sizeof(out));
	ok(rc == 2 && strstr(out, "not a size"),
	   "userdma alloc 12Q: usage error, exit 2 (%d)", rc);
	rc = run("userdma alloc 2>&1", out, sizeof(out));
	ok(rc == 2 && strstr(out, "SIZE is missing"),
	   "userdma alloc without a size: exit 2 (%d)", rc);

	rc = run("userdma alloc --hold 3 2M NODE >/tmp/held.out 2>&1 & "
		 "sleep 1.5; userdma list NODE 2>&1; echo JSON; "
		 "userdma list --json NODE 2>&1; wait", out, sizeof(out));
	ok(rc == 0 && strstr(out, " cached") && strstr(out, "512 allocated pages"),
	   "userdma list shows a held 2 MiB buffer: kind cached, 512 pages (%d)",
	   rc);
	if (!strstr(out, " cached"))
		diag("%s", out);
	/* the held buffer is mapped, through its own dma-buf: said as such */
	ok(strstr(out, "1 dma-buf of its own open (EXPORTed or a buffer's mmap())") &&
	   !strstr(out, "exported dma-buf"),
	   "userdma list counts the buffer's own dma-buf as such, not as an export");
	{
		const char *js = strstr(out, "JSON\n");

		ok(js && !strncmp(js + 5, "[{\"node\": \"", 11) &&
		   strstr(js, "\"own_dmabufs\": 1, ") &&
		   strstr(js, "{\"kind\": \"cached\", \"direction\": ") &&
		   strstr(js, "}]}]\n"),
		   "userdma list --json: the node, its counters and the held buffer's row (%.300s)",
		   js ? js + 5 : "none");
	}
	ok_unchanged(node, &base, "every CLI buffer was released");
	return done_testing();
}
