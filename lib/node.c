// SPDX-License-Identifier: MIT
/*
 * Finding and opening a node.  The ABI version is checked once here, and
 * the node's description is kept so that later failures can be explained
 * against its limits without another ioctl.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#define SYSFS_CLASS	"/sys/class/userdma"

int udl_node_path(const char *name, char *path, size_t size)
{
	int n;

	if (strchr(name, '/'))
		n = snprintf(path, size, "%s", name);
	else
		n = snprintf(path, size, "/dev/%s", name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* N of "userdmaN", or -1 for any other name. */
static long node_number(const char *name)
{
	const char *p;
	char *end;
	long n;

	if (strncmp(name, "userdma", 7))
		return -1;
	p = name + 7;
	if (*p < '0' || *p > '9')
		return -1;
	n = strtol(p, &end, 10);
	return *end ? -1 : n;
}

int udl_first_node(const char *dir, char *name, size_t size)
{
	struct dirent *de;
	long best = -1, n;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		n = node_number(de->d_name);
		if (n >= 0 && (best < 0 || n < best))
			best = n;
	}
	closedir(d);
	if (best < 0)
		return -ENOENT;
	snprintf(name, size, "userdma%ld", best);
	return 0;
}

/* The first node, from sysfs when the class exists, else from /dev. */
static int find_first_node(char *name, size_t size)
{
	int ret = udl_first_node(SYSFS_CLASS, name, size);

	if (ret == -ENOENT && !access(SYSFS_CLASS, F_OK))
		return udl_fail(-ENODEV, "open", "no userdma nodes found: the module is loaded but bound to no device");
	if (ret && udl_first_node("/dev", name, size))
		return udl_fail(-ENODEV, "open", "no userdma nodes found (is the module loaded?)");
	return 0;
}

/* Copy a name that is only a label: a cut one still identifies the node. */
static void copy_label(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * The node's own name, whatever path reached it: sysfs names every
 * character device by its number.
 */
static void node_name(int fd, const char *path, char *name, size_t size)
{
	char link[256], sys[64];
	const char *base;
	struct stat st;
	ssize_t n;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!fstat(fd, &st) && S_ISCHR(st.st_mode)) {
		snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u",
			 major(st.st_rdev), minor(st.st_rdev));
		n = readlink(sys, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			base = strrchr(link, '/');
			base = base ? base + 1 : link;
		}
	}
	copy_label(name, size, base);
}

static int open_failed(int err, const char *path)
{
	switch (-err) {
	case ENOENT:
		return udl_fail(err, "open", "%s does not exist (is the module loaded, and a device bound to it?)",
				path);
	case EACCES:
	case EPERM:
		return udl_fail(err, "open", "permission denied opening %s (nodes are root-only unless a udev rule gives a group access)",
				path);
	case ENODEV:
	case ENXIO:
		return udl_fail(err, "open", "the device behind %s has gone away",
				path);
	}
	return udl_fail(err, "open", "%s: %s", path, userdma_strerror(err));
}

static int check_node(struct userdma *u, const char *path)
{
	int ret;

	memset(&u->info, 0, sizeof(u->info));
	u->info.size = sizeof(u->info);
	ret = udl_request(u, USERDMA_IOC_INFO, &u->info);
	if (ret) {
		if (ret == -ENOTTY || ret == -EINVAL)
			return udl_fail(ret, "open", "%s is not a userdma node",
					path);
		return udl_fail(ret, "open", "%s: %s", path,
				userdma_strerror(ret));
	}
	if (u->info.abi_version != USERDMA_ABI_VERSION)
		return udl_fail(-EPROTO, "open", "%s speaks userdma ABI %u, this library ABI %u: rebuild one to match the other",
				path, u->info.abi_version, USERDMA_ABI_VERSION);
	return 0;
}

static int open_node(const char *name, struct userdma **out)
{
	char first[UDL_NAME_MAX], path[4096];
	struct userdma *u;
	int ret;

	if (!out)
		return udl_fail(-EINVAL, "open", "no place for the result (out is NULL)");
	*out = NULL;
	if (!name) {
		ret = find_first_node(first, sizeof(first));
		if (ret)
			return ret;
		name = first;
	}
	if (!*name)
		return udl_fail(-EINVAL, "open", "the node name is empty");
	if (udl_node_path(name, path, sizeof(path)))
		return udl_fail(-ENAMETOOLONG, "open", "the node name is too long");

	u = calloc(1, sizeof(*u));
	if (!u)
		return udl_fail(-ENOMEM, "open", "out of memory");
	u->fd = open(path, O_RDWR | O_CLOEXEC);
	if (u->fd < 0) {
		ret = open_failed(-errno, path);
		free(u);
		return ret;
	}
	ret = check_node(u, path);
	if (ret) {
		close(u->fd);
		free(u);
		return ret;
	}
	node_name(u->fd, path, u->name, sizeof(u->name));
	*out = u;
	return 0;
}

UDL_EXPORT int userdma_open(const char *name, struct userdma **out)
{
	int saved = errno, ret;

	ret = open_node(name, out);
	errno = saved;
	return ret;
}

UDL_EXPORT void userdma_close(struct userdma *u)
{
	int saved = errno;

	if (!u)
		return;
	close(u->fd);
	free(u);
	errno = saved;
}

UDL_EXPORT int userdma_fd(const struct userdma *u)
{
	if (!u)
		return udl_no_handle("fd");
	return u->fd;
}

UDL_EXPORT const char *userdma_name(const struct userdma *u)
{
	return u ? u->name : NULL;
}
