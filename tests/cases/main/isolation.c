// SPDX-License-Identifier: MIT
/*
 * Isolation and privilege (issue 5, part 4), on the node of the 64-bit edu
 * device, as uid/gid 1000 in forked children:
 *  1. the node is root-only (0600): an unprivileged open is EACCES; the
 *     test then does what the documented udev rule does (group 1000, 0660)
 *     and puts 0600 root:root back at the end;
 *  2. RLIMIT_MEMLOCK (64 KiB) holds through REGISTER, ALLOC and a mix of
 *     both on two files: ENOMEM with counters and VmPin unchanged; a forked
 *     child is held to its own limit as well;
 *  3. handles belong to their file: another file's handle is ENOENT for
 *     UNREGISTER, SEGMENTS, SYNC, EXPORT and SUBMIT, and the same number on
 *     the other file is that file's memory, byte for byte;
 *  4. a REGISTER address is the caller's own: an address mapped only in
 *     another process is EFAULT, and the caller's memory at the same
 *     address is what the device reads; raw device addresses in SUBMIT
 *     need CAP_SYS_RAWIO (EPERM);
 *  5. mmap of the node at another file's (or another process's) buffer
 *     offset is ENXIO;
 *  6. a dma-buf fd received over a unix socket can be mapped and IMPORTed
 *     on the receiver's own file, and the device writes the exporter's
 *     memory through it;
 *  7. memory uid 1000 may not write stays unwritable through userdma: a
 *     root-owned 0444 file mapped MAP_SHARED PROT_READ, registered
 *     TO_DEVICE and EXPORTed, gives an O_RDONLY dma-buf whose PROT_READ
 *     mapping shows the file's bytes; mmap of it PROT_WRITE MAP_SHARED and
 *     mprotect(PROT_WRITE) are EACCES, reopening it O_RDWR through /proc
 *     fails, IMPORT of it FROM_DEVICE or BIDIRECTIONAL is EACCES, and a
 *     transfer into its TO_DEVICE import or into the registration is
 *     EACCES; the file reads as before (main/readonly_export has every
 *     route and vgem);
 *  8. IMPORT is charged to RLIMIT_MEMLOCK: with 128 KiB, a 64 KiB
 *     registration and one IMPORT of its dma-buf fit (VmPin 128 kB), a
 *     second IMPORT is ENOMEM with the node's counters (imported) and
 *     VmPin unchanged, and closing everything brings VmPin back;
 *  9. the module cannot be unloaded while a file is open, a buffer mapped
 *     or a dma-buf exported (EWOULDBLOCK/EBUSY), nor by uid 1000 (EPERM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "readonly.h"
#include "unpriv.h"
#include "util.h"
#include "xfer.h"

static const char *node;
static char path[64];
static char rofile[64];		/* part 7: root's 0444 file */

static void restore_perms(void)
{
	if (node_restore_root())
		diag("could not restore %s to 0600 root:root", path);
	if (rofile[0])
		unlink(rofile);
}

/* ---- 1. the node's permissions ----------------------------------------- */

static void permissions(void)
{
	struct stat st;
	pid_t pid;
	int ret;

	if (stat(path, &st))
		bail("stat %s: %s", path, strerror(errno));
	ok((st.st_mode & 07777) == 0600 && st.st_uid == 0 && st.st_gid == 0,
	   "%s is 0600 root:root by default (0%o %u:%u)", path,
	   st.st_mode & 07777, st.st_uid, st.st_gid);
	pid = tap_fork();
	if (pid == 0) {
		int f;

		become_user(64 * KiB);
		f = node_open(node);
		ok(f == -EACCES, "uid 1000: open -> EACCES (%s)", errname(f));
		tap_child_exit();
	}
	tap_reap(pid);
	/* what GROUP="userdma", MODE="0660" in the udev rule does */
	atexit(restore_perms);
	ret = node_allow_user(path);
	if (ret)
		bail("chown/chmod %s: %s", path, strerror(-ret));
	pid = tap_fork();
	if (pid == 0) {
		int f;

		become_user(64 * KiB);
		f = node_open(node);
		ok(f >= 0, "group 1000, mode 0660 (the udev rule): uid 1000 opens it (%s)",
		   errname(f < 0 ? f : 0));
		tap_child_exit();
	}
	tap_reap(pid);
}

/* ---- 2. RLIMIT_MEMLOCK -------------------------------------------------- */

static void memlock(void)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		uint8_t *p = map_anon(MiB);
		struct userdma_alloc a;
		uint32_t h, h2;
		struct snap s0, s1;
		int f1, f2, ret;
		pid_t gc;

		become_user(64 * KiB);
		f1 = node_open_or_bail(node);
		f2 = node_open_or_bail(node);
		snap_take(node, &s0);
		ret = udt_register(f1, p, 128 * KiB, USERDMA_DIR_BIDIRECTIONAL,
				   &h, NULL);
		ok(ret == -ENOMEM, "uid 1000, ulimit -l 64: REGISTER 128 KiB -> ENOMEM (%s)",
		   errname(ret));
		ok_unchanged(node, &s0, "  counters and VmPin unchanged");
		ret = udt_alloc(f1, 128 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
		ok(ret == -ENOMEM, "  ALLOC 128 KiB -> ENOMEM (%s)", errname(ret));
		ok_unchanged(node, &s0, "  counters and VmPin unchanged");
		ret = udt_register(f1, p, 32 * KiB, USERDMA_DIR_BIDIRECTIONAL,
				   &h, NULL);
		ok(ret == 0, "  REGISTER 32 KiB on file 1 fits (%s)", errname(ret));
		ret = udt_alloc(f2, 32 * KiB, 0, USERDMA_DIR_BIDIRECTIONAL, &a);
		ok(ret == 0 && vmpin_kb() == 64,
		   "  ALLOC 32 KiB on file 2 fits too (%s, VmPin %lld kB)",
		   errname(ret), vmpin_kb());
		snap_take(node, &s1);
		ret = udt_register(f1, p + 32 * KiB, PAGE,
				   USERDMA_DIR_BIDIRECTIONAL, &h2, NULL);
		ok(ret == -ENOMEM, "  one page more: REGISTER on file 1 -> ENOMEM (%s)",
		   errname(ret));
		ret = udt_register(f2, p + 32 * KiB, PAGE,
				   USERDMA_DIR_BIDIRECTIONAL, &h2, NULL);
		ok(ret == -ENOMEM, "  REGISTER on file 2 -> ENOMEM (%s)",
		   errname(ret));
		ret = udt_alloc(f1, PAGE, 0, USERDMA_DIR_BIDIRECTIONAL, NULL);
		ok(ret == -ENOMEM, "  ALLOC on file 1 -> ENOMEM (%s)", errname(ret));
		ret = udt_alloc(f2, PAGE, USERDMA_ALLOC_COHERENT,
				USERDMA_DIR_BIDIRECTIONAL, NULL);
		ok(ret == -ENOMEM, "  coherent ALLOC on file 2 -> ENOMEM (%s)",
		   errname(ret));
		ok_unchanged(node, &s1, "  counters and VmPin unchanged by the refusals");

		gc = tap_fork();
		if (gc == 0) {
			uint32_t g1, g2;
			int r1, r2, r3;

			/* a fresh mm: its own 64 KiB, no more */
			r1 = udt_register(f1, p, 128 * KiB,
					  USERDMA_DIR_BIDIRECTIONAL, &g1, NULL);
			r2 = udt_register(f1, p, 64 * KiB,
					  USERDMA_DIR_BIDIRECTIONAL, &g1, NULL);
			r3 = udt_register(f2, p + 64 * KiB, PAGE,
					  USERDMA_DIR_BIDIRECTIONAL, &g2, NULL);
			ok(r1 == -ENOMEM && r2 == 0 && r3 == -ENOMEM &&
			   vmpin_kb() == 64,
			   "  forked child: 128 KiB -> ENOMEM (%s), its own 64 KiB fits (%s), a page more on the other file -> ENOMEM (%s), VmPin %lld kB",
			   errname(r1), errname(r2), errname(r3), vmpin_kb());
			if (!r2)
				udt_unregister(f1, g1);
			tap_child_exit();
		}
		tap_reap(gc);
		ok_unchanged(node, &s1, "  after the child: counters and VmPin as before it");
		close(f1);
		close(f2);
		ok_unchanged(node, &s0, "  after close: back at baseline");
		tap_child_exit();
	}
	tap_reap(pid);
}

/* ---- 3-6 ------------------------------------------------------------------ */

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "F", .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -errno;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

#define SZ	(16 * KiB)

/* The unprivileged side of parts 3-6. */
static void TAP_NORETURN user_side(int sock, uint8_t *rootbuf,
				   uint64_t root_off)
{
	uint8_t *a = map_anon(SZ), *b = map_anon(SZ), *d = map_anon(SZ);
	struct userdma_completion c;
	struct userdma_segment seg;
	struct userdma_import im;
	struct userdma_alloc al;
	struct userdma_xfer x;
	uint32_t h1, h2, hd, n, cnt, tot;
	int f1, f2, f3, ret, err, dbuf, dfd;
	uint8_t *m;
	ssize_t off;

	/* only now: a mapping made above could otherwise take its place */
	munmap(rootbuf, SZ);
	become_user(MiB);
	f1 = node_open_or_bail(node);
	f2 = node_open_or_bail(node);
	pattern_fill(a, SZ, 9001, 0);
	pattern_fill(b, SZ, 9002, 0);
	if (udt_register(f1, a, SZ, USERDMA_DIR_TO_DEVICE, &h1, NULL))
		bail("register on file 1");
	if (udt_channel(f2, "sw", -1, NULL, NULL))
		bail("CHANNEL sw on file 2");

	/* 3. handles of another file */
	ret = udt_unregister(f2, h1);
	ok(ret == -ENOENT, "file 2: UNREGISTER of file 1's handle %u -> ENOENT (%s)",
	   h1, errname(ret));
	ret = udt_segments(f2, h1, 0, &seg, 1, &cnt, &tot);
	ok(ret == -ENOENT, "  SEGMENTS -> ENOENT (%s)", errname(ret));
	ret = udt_sync(f2, h1, 0, SZ, USERDMA_SYNC_FOR_CPU);
	ok(ret == -ENOENT, "  SYNC -> ENOENT (%s)", errname(ret));
	ret = udt_export(f2, h1, 0, &dfd);
	ok(ret == -ENOENT, "  EXPORT -> ENOENT (%s)", errname(ret));
	xfer_fill(&x, h1, 0, h1, 0, PAGE, 0);
	ret = udt_submit(f2, &x, 1, &n);
	ok(ret == -ENOENT, "  SUBMIT -> ENOENT (%s)", errname(ret));
	if (udt_register(f2, b, SZ, USERDMA_DIR_TO_DEVICE, &h2, NULL) ||
	    udt_register(f2, d, SZ, USERDMA_DIR_FROM_DEVICE, &hd, NULL))
		bail("register on file 2");
	memset(d, 0, SZ);
	ret = udt_copy(f2, h2, 0, hd, 0, SZ, &c);
	off = ret ? 0 : pattern_mismatch(d, SZ, 9002, 0);
	ok(h2 == h1 && ret == 0 && c.status == 0 && off < 0,
	   "  file 2's own handle %u (file 1's is %u) is file 2's memory: the device reads it byte for byte (%s, first bad byte %zd)",
	   h2, h1, errname(ret), off);

	/* 4. raw device addresses, another process's addresses */
	ret = udt_segments(f1, h1, 0, &seg, 1, &cnt, &tot);
	if (ret)
		bail("SEGMENTS: %s", errname(ret));
	xfer_fill(&x, 0, seg.dma_addr, hd, 0, PAGE, 0);
	ret = udt_submit(f2, &x, 1, &n);
	ok(ret == -EPERM, "SUBMIT from a raw device address (file 1's segment) without CAP_SYS_RAWIO -> EPERM (%s)",
	   errname(ret));
	xfer_fill(&x, h2, 0, 0, seg.dma_addr, PAGE, 0);
	ret = udt_submit(f2, &x, 1, &n);
	ok(ret == -EPERM, "  to a raw device address -> EPERM (%s)", errname(ret));
	ret = udt_register(f2, rootbuf, SZ, USERDMA_DIR_TO_DEVICE, &n, NULL);
	ok(ret == -EFAULT, "REGISTER of an address mapped only in root's process -> EFAULT (%s)",
	   errname(ret));
	if (mmap(rootbuf, SZ, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != rootbuf)
		bail("mmap fixed: %s", strerror(errno));
	pattern_fill(rootbuf, SZ, 9003, 0);
	ret = udt_register(f2, rootbuf, SZ, USERDMA_DIR_TO_DEVICE, &n, NULL);
	if (!ret) {
		memset(d, 0, SZ);
		ret = udt_copy(f2, n, 0, hd, 0, SZ, &c);
		udt_unregister(f2, n);
	}
	off = ret ? 0 : pattern_mismatch(d, SZ, 9003, 0);
	ok(ret == 0 && off < 0,
	   "  its own memory mapped at the same address is what the device reads (%s, first bad byte %zd)",
	   errname(ret), off);

	/* 5. mmap offsets of other files */
	f3 = node_open_or_bail(node);
	ret = udt_alloc(f1, SZ, 0, USERDMA_DIR_BIDIRECTIONAL, &al);
	if (ret)
		bail("ALLOC: %s", errname(ret));
	m = udt_mmap(f3, al.mmap_offset, SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		     &err);
	ok(!m && err == -ENXIO, "mmap on file 3 at file 1's buffer offset -> ENXIO (%s)",
	   errname(err));
	m = udt_mmap(f2, al.mmap_offset, SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		     &err);
	ok(!m && err == -ENXIO,
	   "  on file 2, whose handle of that number is a registration -> ENXIO (%s)",
	   errname(err));
	m = udt_mmap(f3, root_off, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	ok(!m && err == -ENXIO, "  at root's buffer offset -> ENXIO (%s)",
	   errname(err));

	/* 6. a dma-buf received over a unix socket */
	dbuf = recv_fd(sock);
	ok(dbuf >= 0, "received root's dma-buf over a unix socket (%s)",
	   errname(dbuf < 0 ? dbuf : 0));
	if (dbuf >= 0) {
		m = udt_mmap(dbuf, 0, SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
			     &err);
		off = m ? pattern_mismatch(m, SZ, 9100, 0) : 0;
		ok(m && off < 0, "  it maps the exporter's bytes (%s, first bad byte %zd)",
		   errname(err), off);
		if (m)
			munmap(m, SZ);
		memset(&im, 0, sizeof(im));
		ret = udt_import(f2, dbuf, USERDMA_DIR_FROM_DEVICE, &im);
		ok(ret == 0, "  IMPORT on the receiver's own file (%s)",
		   errname(ret));
		if (!ret) {
			ret = udt_copy(f2, h2, 0, im.handle, 0, SZ, &c);
			ok(ret == 0 && c.status == 0,
			   "  the device writes through the import (%s)",
			   errname(ret));
			udt_unregister(f2, im.handle);
		}
		close(dbuf);
	}
	if (write_full(sock, "D", 1))
		bail("socket write");
	close(f1);
	close(f2);
	close(f3);
	tap_child_exit();
}

static void isolation(void)
{
	int pfd = node_open_or_bail(node), sv[2], ret, dbuf;
	uint8_t *rootbuf = map_anon(SZ), *m;
	struct userdma_alloc al;
	uint32_t h;
	ssize_t off;
	pid_t pid;
	char r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		bail("socketpair: %s", strerror(errno));
	pattern_fill(rootbuf, SZ, 9004, 0);
	if (udt_register(pfd, rootbuf, SZ, USERDMA_DIR_TO_DEVICE, &h, NULL))
		bail("root: register");
	ret = udt_alloc(pfd, SZ, 0, USERDMA_DIR_BIDIRECTIONAL, &al);
	if (ret)
		bail("root: ALLOC %s", errname(ret));
	m = udt_mmap(pfd, al.mmap_offset, SZ, PROT_READ | PROT_WRITE,
		     MAP_SHARED, &ret);
	if (!m)
		bail("root: mmap %s", errname(ret));
	pattern_fill(m, SZ, 9100, 0);
	pid = tap_fork();
	if (pid == 0) {
		close(pfd);
		close(sv[0]);
		user_side(sv[1], rootbuf, al.mmap_offset);
	}
	close(sv[1]);
	ret = udt_export(pfd, al.handle, 0, &dbuf);
	if (ret)
		bail("root: EXPORT %s", errname(ret));
	ret = send_fd(sv[0], dbuf);
	if (ret)
		bail("root: sendmsg %s", errname(ret));
	close(dbuf);
	if (read_full(sv[0], &r, 1))
		diag("the user side ended early");
	tap_reap(pid);
	off = pattern_mismatch(m, SZ, 9002, 0);
	ok(off < 0,
	   "root's buffer holds what uid 1000's device transfer wrote through its import (first bad byte %zd)",
	   off);
	off = pattern_mismatch(rootbuf, SZ, 9004, 0);
	ok(off < 0, "root's memory at the address the user re-mapped is untouched (%zd)",
	   off);
	munmap(m, SZ);
	munmap(rootbuf, SZ);
	close(sv[0]);
	close(pfd);
}

/* ---- 7. read-only memory stays read-only ------------------------------------ */

#define ROLEN	(16 * KiB)
#define ROSEED	9200

static void TAP_NORETURN readonly_user(void)
{
	const char *what = "read-only file";
	struct userdma_import im;
	struct ro_mem m;
	uint32_t hr, hs;
	uint8_t *src;
	int f, dfd, ret;

	alarm(120);	/* last resort: the parent restores the node */
	become_user(MiB);
	ro_map(&m, RO_FILE_SHARED, rofile, ROLEN, ROSEED);
	f = node_open_or_bail(node);
	if (udt_channel(f, "sw", -1, NULL, NULL))
		bail("CHANNEL sw");
	ret = udt_register(f, m.p, ROLEN, USERDMA_DIR_TO_DEVICE, &hr, NULL);
	if (!ok(ret == 0, "%s: uid 1000 REGISTERs root's 0444 file, mapped MAP_SHARED PROT_READ, TO_DEVICE (%s)",
		what, errname(ret)))
		bail("cannot go on without the registration");
	/* the write attempts' source holds the bytes already there */
	src = map_anon(ROLEN);
	memcpy(src, m.want, ROLEN);
	if (udt_register(f, src, ROLEN, USERDMA_DIR_TO_DEVICE, &hs, NULL))
		bail("REGISTER of the source buffer");
	dfd = ro_export(f, hr, &m, what);
	if (dfd >= 0) {
		ro_no_cpu_write(dfd, &m, what);
		ro_no_write_import(f, dfd, what);
		memset(&im, 0, sizeof(im));
		ret = udt_import(f, dfd, USERDMA_DIR_TO_DEVICE, &im);
		if (ok(ret == 0, "%s: IMPORT of the dma-buf TO_DEVICE works (%s)",
		       what, errname(ret))) {
			ro_ok_submit_refused(f, hs, 0, im.handle, 0, ROLEN,
					     "%s: transfer into the TO_DEVICE import",
					     what);
			udt_unregister(f, im.handle);
		}
		close(dfd);
	}
	ro_ok_submit_refused(f, hs, 0, hr, 0, ROLEN,
			     "%s: transfer into the registration", what);
	udt_unregister(f, hs);
	udt_unregister(f, hr);
	close(f);
	munmap(src, ROLEN);
	ro_ok_unchanged(&m, what);
	ro_unmap(&m);
	tap_child_exit();
}

static void readonly(void)
{
	struct ro_mem m;
	pid_t pid;
	int ret;

	snprintf(rofile, sizeof(rofile), "/tmp/isolation.%d", (int)getpid());
	ret = ro_root_file(rofile, ROLEN, ROSEED);
	if (ret)
		bail("creating %s: %s", rofile, errname(ret));
	pid = tap_fork();
	if (pid == 0)
		readonly_user();
	ok_child_status(tap_reap(pid), "read-only file");
	ro_map(&m, RO_FILE_SHARED, rofile, ROLEN, ROSEED);
	ro_ok_unchanged(&m, "read-only file, seen by root");
	ro_unmap(&m);
	unlink(rofile);
	rofile[0] = 0;
}

/* ---- 8. imports are charged ----------------------------------------------------- */

/* Up to 3 s for a dma-buf's deferred release to bring the counters back. */
static void wait_unchanged(const struct snap *base)
{
	char why[256];
	int ms;

	for (ms = 0; ms < 3000; ms += 20) {
		if (snap_check(node, base, 0, 0, 0, 0, why, sizeof(why)))
			return;
		sleep_ms(20);
	}
}

static void charged_imports(void)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		uint8_t *p = map_anon(64 * KiB);
		struct userdma_import im, im2;
		struct node_stats st;
		struct snap s0, s1, s2;
		int f, ret, r1, r2, dfd;
		uint32_t h;

		alarm(120);
		become_user(128 * KiB);
		f = node_open_or_bail(node);
		snap_take(node, &s0);
		ret = udt_register(f, p, 64 * KiB, USERDMA_DIR_BIDIRECTIONAL, &h,
				   NULL);
		ok(ret == 0, "uid 1000, ulimit -l 128: REGISTER 64 KiB (%s, VmPin %lld kB)",
		   errname(ret), vmpin_kb());
		if (ret)
			bail("cannot go on without the registration");
		ret = udt_export(f, h, 0, &dfd);
		if (ret)
			bail("EXPORT: %s", errname(ret));
		snap_take(node, &s1);
		memset(&im, 0, sizeof(im));
		ret = udt_import(f, dfd, USERDMA_DIR_BIDIRECTIONAL, &im);
		ok(ret == 0, "  IMPORT of its dma-buf fits (%s)", errname(ret));
		if (node_stats(node, &st))
			bail("no counters for %s", node);
		ok(ret == 0 && vmpin_kb() == s1.vmpin + 64 &&
		   st.imported == s1.st.imported + 1,
		   "  the import is charged: VmPin %lld kB (64 + 64 expected), imported %lld (%lld before)",
		   vmpin_kb(), st.imported, s1.st.imported);
		snap_take(node, &s2);
		memset(&im2, 0, sizeof(im2));
		r1 = udt_import(f, dfd, USERDMA_DIR_BIDIRECTIONAL, &im2);
		ok(r1 == -ENOMEM, "  a second IMPORT, 64 KiB over the limit -> ENOMEM (%s)",
		   errname(r1));
		ok_unchanged(node, &s2, "  counters (imported) and VmPin unchanged");
		if (!r1)
			udt_unregister(f, im2.handle);
		r2 = udt_import(f, dfd, USERDMA_DIR_TO_DEVICE, &im2);
		ok(r2 == -ENOMEM, "  nor TO_DEVICE: IMPORT -> ENOMEM (%s)",
		   errname(r2));
		ok_unchanged(node, &s2, "  counters (imported) and VmPin unchanged");
		if (!r2)
			udt_unregister(f, im2.handle);
		if (!ret)
			udt_unregister(f, im.handle);
		close(dfd);
		udt_unregister(f, h);
		close(f);
		wait_unchanged(&s0);
		ok_unchanged(node, &s0, "  everything closed: counters and VmPin back where they were (VmPin %lld kB)",
			     vmpin_kb());
		munmap(p, 64 * KiB);
		tap_child_exit();
	}
	ok_child_status(tap_reap(pid), "charged imports");
}

/* ---- 9. module unload ------------------------------------------------------ */

static long long refcnt(void)
{
	long long v = -1;
	FILE *f = fopen("/sys/module/userdma/refcnt", "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void reload(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "insmod /userdma.ko %s",
		 env_or("USERDMA_MODULE_PARAMS", ""));
	if (system(cmd))
		diag("%s failed: later tests will fail", cmd);
}

/* rmmod must fail while `what` holds the module. */
static void unload_refused(const char *what)
{
	long long rc = refcnt();
	int ret;

	if (rc <= 0) {
		/* would really unload: do not pull the module from the guest */
		ok(0, "rmmod with %s: module refcount %lld, it would unload", what,
		   rc);
		return;
	}
	ret = syscall(SYS_delete_module, "userdma", O_NONBLOCK) ? -errno : 0;
	ok(ret == -EWOULDBLOCK || ret == -EBUSY,
	   "rmmod with %s -> %s (refcount %lld)", what, errname(ret), rc);
	if (!ret)
		reload();
}

static void module_unload(void)
{
	long long rc0 = refcnt();
	struct userdma_alloc al;
	int f, ret, dbuf;
	uint8_t *m;
	pid_t pid;

	pid = tap_fork();
	if (pid == 0) {
		become_user(64 * KiB);
		ret = syscall(SYS_delete_module, "userdma", O_NONBLOCK) ? -errno : 0;
		ok(ret == -EPERM, "uid 1000: rmmod -> EPERM (%s)", errname(ret));
		if (!ret)
			reload();
		tap_child_exit();
	}
	tap_reap(pid);

	f = node_open_or_bail(node);
	unload_refused("a node open");
	ret = udt_alloc(f, SZ, 0, USERDMA_DIR_BIDIRECTIONAL, &al);
	if (ret)
		bail("ALLOC %s", errname(ret));
	m = udt_mmap(f, al.mmap_offset, SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		     &ret);
	if (!m)
		bail("mmap %s", errname(ret));
	ret = udt_export(f, al.handle, 0, &dbuf);
	if (ret)
		bail("EXPORT %s", errname(ret));
	close(f);
	unload_refused("the file closed, a buffer mapped and exported");
	munmap(m, SZ);
	unload_refused("only a dma-buf fd left");
	close(dbuf);
	ok(refcnt() == rc0, "all gone: module refcount back to %lld (%lld)",
	   rc0, refcnt());
}

int main(void)
{
	struct node_stats base;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_init("isolation");
	diag_config();
	node = node_name_for(edu64_bdf());
	snprintf(path, sizeof(path), "/dev/%s", node);
	if (node_stats(node, &base))
		bail("no counters for %s", node);

	permissions();
	memlock();
	isolation();
	readonly();
	charged_imports();
	module_unload();

	restore_perms();
	ok(wait_node_stats(node, &base, 3000, NULL), "at the end: counters at baseline");
	return done_testing();
}
