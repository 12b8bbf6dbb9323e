// SPDX-License-Identifier: MIT
/*
 * What sysfs and debugfs say about the nodes.  Reading these needs no
 * access to the nodes themselves, so `userdma list` works for any user
 * (the debugfs table aside, which is root-only).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define CLASS_DIR	"/sys/class/userdma"
#define DEBUGFS_DIR	"/sys/kernel/debug/userdma"

static long node_number(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "userdma", 7) || name[7] < '0' || name[7] > '9')
		return -1;
	n = strtol(name + 7, &end, 10);
	return *end ? -1 : n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int scan(const char *dir, long *nums, int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		nums[n] = node_number(de->d_name);
		if (nums[n] >= 0)
			n++;
	}
	closedir(d);
	qsort(nums, n, sizeof(*nums), cmp_long);
	return n;
}

int nodes_list(char names[][NODE_NAME_MAX], int max, char *msg, size_t size)
{
	long nums[NODES_MAX];
	int i, n;

	if (max > NODES_MAX)
		max = NODES_MAX;
	n = scan(CLASS_DIR, nums, max);
	if (n == 0) {
		snprintf(msg, size, "no userdma nodes found: the module is loaded but bound to no device");
		return -ENODEV;
	}
	/* without sysfs mounted, /dev still tells */
	if (n < 0)
		n = scan("/dev", nums, max);
	if (n <= 0) {
		snprintf(msg, size, "no userdma nodes found (is the module loaded?)");
		return -ENODEV;
	}
	for (i = 0; i < n; i++)
		snprintf(names[i], NODE_NAME_MAX, "userdma%ld", nums[i]);
	return n;
}

const char *node_basename(const char *node)
{
	const char *slash = strrchr(node, '/');

	return slash ? slash + 1 : node;
}

int node_exists(const char *node)
{
	char path[256];

	snprintf(path, sizeof(path), CLASS_DIR "/%s", node_basename(node));
	return !access(path, F_OK);
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

static int read_attr(const char *node, const char *attr, char *buf,
		     size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), CLASS_DIR "/%s/%s", node_basename(node),
		 attr);
	return read_line(path, buf, size);
}

int node_counter(const char *node, const char *attr, uint64_t *val)
{
	char buf[32], *end;
	int ret = read_attr(node, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -EINVAL : 0;
}

int node_device(const char *node, char *dev, size_t size)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), CLASS_DIR "/%s/device",
		 node_basename(node));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	snprintf(dev, size, "%s", node_basename(link));
	return 0;
}

static int read_hex(const char *node, const char *attr, unsigned int *val)
{
	char buf[32], *end;
	int ret = read_attr(node, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	*val = strtoul(buf, &end, 16);
	return end == buf || *end ? -EINVAL : 0;
}

int node_pci_ids(const char *node, unsigned int *vendor, unsigned int *device)
{
	int ret = read_hex(node, "device/vendor", vendor);

	return ret ? ret : read_hex(node, "device/device", device);
}

void node_debugfs_table(const char *node, char *path, size_t size)
{
	snprintf(path, size, DEBUGFS_DIR "/%s/regions", node_basename(node));
}
