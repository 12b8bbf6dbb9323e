// SPDX-License-Identifier: MIT
/* The node opened to uid 1000, and children running as it: see unpriv.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unpriv.h"
#include "util.h"

static char allowed[256];	/* the node node_allow_user() changed */

int node_allow_user(const char *path)
{
	snprintf(allowed, sizeof(allowed), "%s", path);
	if (chown(path, 0, unpriv_gid()) || chmod(path, 0660))
		return -errno;
	return 0;
}

int node_restore_root(void)
{
	int ret = 0;

	if (!allowed[0])
		return 0;
	if (chown(allowed, 0, 0) || chmod(allowed, 0600))
		ret = -errno;
	allowed[0] = '\0';
	return ret;
}

void become_user(uint64_t memlock)
{
	struct rlimit rl = { memlock, memlock };
	int ret;

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		bail("setrlimit: %s", strerror(errno));
	ret = drop_root(unpriv_uid(), unpriv_gid());
	if (ret)
		bail("drop_root: %s", errname(ret));
}
