/* SPDX-License-Identifier: MIT */
/*
 * The userdma command-line tool: what its commands share.
 *
 * Exit status: 0 success, 1 failure, 2 usage error (and, for selftest,
 * "not applicable": the node's device is not an edu).  Errors go to stderr
 * as "userdma: <command>: <detail>".
 */
#ifndef USERDMA_TOOLS_CLI_H
#define USERDMA_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>

/* udl_size(): sizes in words, as libuserdma's own messages put them */
#include "format.h"

#define EXIT_USAGE	2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Node names as sysfs spells them ("userdma0"). */
#define NODE_NAME_MAX	64
#define NODES_MAX	256

/* userdma.c */
void cli_error(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/*
 * Report the library's last error.  Its message starts with the operation
 * that failed ("alloc: ..."): the command's name is not repeated before it.
 */
void cli_lib_error(const char *cmd);
/* Report a usage error with a pointer to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/*
 * Report what getopt_long() (run with a leading ':' in its option string)
 * refused; returns EXIT_USAGE.
 */
int cli_bad_option(const char *cmd, int c, char **argv);
/* Print '"key": "s", ' with s escaped for JSON. */
void cli_json_string(const char *key, const char *s);
/*
 * The options of a listing command (info, list): -j/--json sets *json,
 * -h/--help calls help.  -1 to go on, else the exit status to return.
 */
int cli_listing_opts(const char *cmd, int argc, char **argv,
		     void (*help)(void), int *json);
/* Bytes, with an optional K, M or G (binary) suffix; 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);

/* sysfs.c: the nodes as sysfs shows them; nothing here opens a node. */
/*
 * Names of the nodes present, sorted by number: the count, or -ENODEV
 * with why in msg (the module is absent or bound to nothing).
 */
int nodes_list(char names[][NODE_NAME_MAX], int max, char *msg, size_t size);
/* "userdma0" for "userdma0" or "/dev/userdma0". */
const char *node_basename(const char *node);
int node_exists(const char *node);
/* A decimal counter of /sys/class/userdma/<node>/; 0 or -errno. */
int node_counter(const char *node, const char *attr, uint64_t *val);
/* The bound device's name ("0000:00:03.0"); 0 or -errno. */
int node_device(const char *node, char *dev, size_t size);
/* PCI vendor and device IDs of the bound device; 0 or -errno. */
int node_pci_ids(const char *node, unsigned int *vendor, unsigned int *device);
/* Path of the node's debugfs table of regions. */
void node_debugfs_table(const char *node, char *path, size_t size);

/* The commands: argc/argv start at the command's name. */
int cmd_alloc(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_selftest(int argc, char **argv);

#endif /* USERDMA_TOOLS_CLI_H */
