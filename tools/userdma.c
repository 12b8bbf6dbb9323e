// SPDX-License-Identifier: MIT
/*
 * userdma: look at userdma nodes, check that DMA through them works and
 * time copies through their DMA engines.
 * This file dispatches to the commands and holds what they share.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "userdma.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "alloc", cmd_alloc, "allocate a DMA buffer, map it, show its segments" },
	{ "copy", cmd_copy, "copy user memory through a DMA engine channel, check it, time it" },
	{ "info", cmd_info, "describe each node: device, IOMMU, DMA mask, limits" },
	{ "list", cmd_list, "show the live registrations of each node" },
	{ "selftest", cmd_selftest, "DMA through an edu device into user memory and check every byte" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: userdma COMMAND [OPTION]... [NODE]\n"
		   "Zero-copy DMA between devices and user memory: inspect /dev/userdmaN nodes,\n"
		   "test them and copy through their DMA engines.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\nNODE is a node name (userdma0) or a path (/dev/userdma0).\n"
		   "'userdma help COMMAND' (or 'userdma COMMAND --help') describes a command;\n"
		   "'userdma --version' prints the version.\n"
		   "Exit status: 0 success, 1 failure, 2 usage error or not applicable.\n");
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "userdma: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_lib_error(const char *cmd)
{
	const char *msg = userdma_last_error();
	size_t n = strlen(cmd);

	if (!strncmp(msg, cmd, n) && !strncmp(msg + n, ": ", 2))
		fprintf(stderr, "userdma: %s\n", msg);
	else
		cli_error(cmd, "%s", msg);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "userdma: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'userdma %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];
	int len = strcspn(opt, "=");

	if (strncmp(opt, "--", 2))
		return cli_usage(cmd, c == ':' ? "option '-%c' needs a value" :
				 "unknown option '-%c'", optopt);
	if (c == ':')
		return cli_usage(cmd, "option '%.*s' needs a value", len, opt);
	if (opt[len])
		return cli_usage(cmd, "option '%.*s' takes no value, or is unknown",
				 len, opt);
	return cli_usage(cmd, "unknown option '%s'", opt);
}

int cli_listing_opts(const char *cmd, int argc, char **argv,
		     void (*help)(void), int *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = 1;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	return -1;
}

void cli_json_string(const char *key, const char *s)
{
	printf("\"%s\": \"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	printf("\", ");
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift && strcmp(end + 1, "") && strcmp(end + 1, "iB"))
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int run_command(const char *name, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc, argv);
	fprintf(stderr, "userdma: unknown command '%s'\nTry 'userdma --help'.\n",
		name);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	/* the commands word getopt's complaints themselves */
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("userdma %s\n", USERDMA_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	/* "userdma help COMMAND" is "userdma COMMAND --help" */
	if (!strcmp(argv[1], "help") && argc == 3)
		return run_command(argv[2], 2,
				   (char *[]){ argv[2], "--help", NULL });
	if (!strcmp(argv[1], "help")) {
		fprintf(stderr, "userdma: help: one COMMAND at most\nTry 'userdma --help'.\n");
		return EXIT_USAGE;
	}
	return run_command(argv[1], argc - 1, argv + 1);
}
