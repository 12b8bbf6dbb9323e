// SPDX-License-Identifier: MIT
/* Kernel modules loaded in the guest: see modprobe.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "modprobe.h"
#include "tap.h"

#define MODPROBE_OUT	"/tmp/udt-modprobe.out"

int udt_modprobe(const char *args)
{
	char line[256];
	int st;

	snprintf(line, sizeof(line), "udt-modprobe %s >" MODPROBE_OUT " 2>&1",
		 args);
	st = system(line);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st) && WEXITSTATUS(st) != 2) {
		FILE *f = fopen(MODPROBE_OUT, "r");

		while (f && fgets(line, sizeof(line), f))
			diag("udt-modprobe: %s", strtok(line, "\n") ?: "");
		if (f)
			fclose(f);
	}
	return WEXITSTATUS(st);
}
