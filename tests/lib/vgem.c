// SPDX-License-Identifier: MIT
/* vgem's DRM device, PRIME and dumb-buffer mappings: see vgem.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>

#include "util.h"
#include "vgem.h"

int vgem_open(char *dev, size_t len)
{
	char path[64], name[32];
	int i, f;

	for (i = 0; i < 16; i++) {
		struct drm_version v;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(f, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem")) {
			if (dev)
				snprintf(dev, len, "%s", path);
			return f;
		}
		close(f);
	}
	return -ENODEV;
}

int gem_close(int dri, uint32_t gh)
{
	struct drm_gem_close c = { .handle = gh };

	return udt_ioctl(dri, DRM_IOCTL_GEM_CLOSE, &c);
}

int prime_to_handle(int dri, int dfd, uint32_t *gh)
{
	struct drm_prime_handle p = { .fd = dfd };
	int ret = udt_ioctl(dri, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	if (!ret)
		*gh = p.handle;
	return ret;
}

int prime_to_fd(int dri, uint32_t gh, int *dfd)
{
	struct drm_prime_handle p = {
		.handle = gh, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1,
	};
	int ret = udt_ioctl(dri, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	if (!ret)
		*dfd = p.fd;
	return ret;
}

int gem_map(int dri, uint32_t gh, size_t len, uint8_t **map)
{
	struct drm_mode_map_dumb m = { .handle = gh };
	void *p;
	int ret;

	ret = udt_ioctl(dri, DRM_IOCTL_MODE_MAP_DUMB, &m);
	if (ret)
		return ret;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dri,
		 (off_t)m.offset);
	if (p == MAP_FAILED)
		return -errno;
	*map = p;
	return 0;
}
