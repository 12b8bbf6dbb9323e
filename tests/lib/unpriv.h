/* SPDX-License-Identifier: MIT */
/*
 * Parts of a test run as the unprivileged user (unpriv_uid() and
 * unpriv_gid() of util.h, 1000 by default): the node opened to that user
 * the way the documented udev rule does (GROUP="userdma", MODE="0660") and
 * put back to 0600 root:root afterwards, and a tap_fork() child becoming
 * that user.
 */
#ifndef UDT_UNPRIV_H
#define UDT_UNPRIV_H

#include <stdint.h>

/*
 * As root: path (/dev/<node>) becomes root:unpriv_gid(), mode 0660, what
 * the udev rule does.  path is remembered first, so that
 * node_restore_root() puts it back even after a partial change.  0 or
 * -errno.
 */
int node_allow_user(const char *path);
/*
 * As root: the node node_allow_user() changed back to 0600 root:root, and
 * forgotten (a second call does nothing).  0, also when nothing was
 * changed, or -errno.
 */
int node_restore_root(void);

/*
 * In a tap_fork() child: RLIMIT_MEMLOCK (soft and hard) to memlock bytes,
 * then drop_root() to unpriv_uid()/unpriv_gid().  Bails on failure.
 */
void become_user(uint64_t memlock);

#endif /* UDT_UNPRIV_H */
