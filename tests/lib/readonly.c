// SPDX-License-Identifier: MIT
/* Read-only memory and the write attempts on it: see readonly.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "readonly.h"
#include "unpriv.h"
#include "xfer.h"

const char *ro_route_name(enum ro_route r)
{
	static const char *const names[RO_NR_ROUTES] = {
		[RO_FILE_SHARED] = "root's 0444 file, MAP_SHARED PROT_READ",
		[RO_FILE_PRIVATE] = "root's 0444 file, MAP_PRIVATE PROT_READ",
		[RO_ZERO_PAGE] = "untouched PROT_READ anonymous memory",
		[RO_SEALED_MEMFD] = "memfd sealed F_SEAL_WRITE, PROT_READ",
	};

	return r < RO_NR_ROUTES ? names[r] : "route?";
}

/* pwrite() (writing) or pread() len bytes at offset 0 of fd: 0 or -errno. */
static int io_all_at(int fd, uint8_t *b, size_t len, int writing)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = writing ?
			pwrite(fd, b + done, len - done, (off_t)done) :
			pread(fd, b + done, len - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int write_all_at(int fd, const uint8_t *b, size_t len)
{
	return io_all_at(fd, (uint8_t *)b, len, 1);
}

static int read_all_at(int fd, uint8_t *b, size_t len)
{
	return io_all_at(fd, b, len, 0);
}

int ro_root_file(const char *path, size_t len, uint64_t seed)
{
	uint8_t *b = malloc(len);
	int fd, ret;

	if (!b)
		return -ENOMEM;
	pattern_fill(b, len, seed, 0);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		free(b);
		return -errno;
	}
	ret = write_all_at(fd, b, len);
	if (!ret && (fchown(fd, 0, 0) || fchmod(fd, 0444)))
		ret = -errno;
	close(fd);
	free(b);
	return ret;
}

void ro_map(struct ro_mem *m, enum ro_route r, const char *path, size_t len,
	    uint64_t seed)
{
	int flags = r == RO_FILE_PRIVATE ? MAP_PRIVATE : MAP_SHARED;
	void *p;

	memset(m, 0, sizeof(*m));
	m->route = r;
	m->len = len;
	m->fd = -1;
	m->want = malloc(len);
	if (!m->want)
		bail("malloc %zu", len);
	if (r == RO_ZERO_PAGE) {
		memset(m->want, 0, len);
		p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		if (p == MAP_FAILED)
			bail("mmap anonymous PROT_READ: %s", strerror(errno));
		m->p = p;
		return;
	}
	pattern_fill(m->want, len, seed, 0);
	if (r == RO_SEALED_MEMFD) {
		int ret;

		m->fd = memfd_create("udt-readonly",
				     MFD_ALLOW_SEALING | MFD_CLOEXEC);
		if (m->fd < 0)
			bail("memfd_create: %s", strerror(errno));
		ret = write_all_at(m->fd, m->want, len);
		if (ret)
			bail("memfd write: %s", errname(ret));
		if (fcntl(m->fd, F_ADD_SEALS,
			  F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW))
			bail("F_ADD_SEALS F_SEAL_WRITE: %s", strerror(errno));
		if (fcntl(m->fd, F_GET_SEALS) <= 0 ||
		    !(fcntl(m->fd, F_GET_SEALS) & F_SEAL_WRITE))
			bail("the memfd's seals do not hold F_SEAL_WRITE");
	} else {
		m->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0)
			bail("open %s O_RDONLY: %s", path, strerror(errno));
	}
	p = mmap(NULL, len, PROT_READ, flags, m->fd, 0);
	/*
	 * Before 6.7 ("mm: allow read-only shared mappings of F_SEAL_WRITE
	 * memfds") a write seal refused even a read-only shared mapping;
	 * a private one maps the same page cache pages.
	 */
	if (p == MAP_FAILED && errno == EPERM && r == RO_SEALED_MEMFD) {
		diag("this kernel refuses a shared mapping of a write-sealed memfd: mapped MAP_PRIVATE PROT_READ");
		p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, m->fd, 0);
	}
	if (p == MAP_FAILED)
		bail("mmap %s: %s", ro_route_name(r), strerror(errno));
	m->p = p;
}

void ro_unmap(struct ro_mem *m)
{
	if (m->p)
		munmap(m->p, m->len);
	if (m->fd >= 0)
		close(m->fd);
	free(m->want);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* A fresh anonymous page of this process reads zero: 1 if so. */
static int fresh_page_zero(void)
{
	uint8_t *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	int good;

	if (q == MAP_FAILED)
		return 0;
	good = byte_mismatch(q, PAGE, 0) < 0;
	munmap(q, PAGE);
	return good;
}

int ro_ok_unchanged(const struct ro_mem *m, const char *what)
{
	ssize_t bad_map, bad_file = -1;
	int ret = 0, here, there = 0, status;
	uint8_t *got;
	pid_t pid;

	bad_map = mem_mismatch(m->p, m->want, m->len);
	if (m->route == RO_ZERO_PAGE) {
		here = fresh_page_zero();
		pid = fork();
		if (pid == 0)
			_exit(fresh_page_zero() ? 0 : 1);
		if (pid > 0 && waitpid(pid, &status, 0) == pid)
			there = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (bad_map >= 0)
			diag_mismatch(m->p, m->want, m->len, bad_map);
		return ok(bad_map < 0 && here && there,
			  "%s: the memory still reads zero (first bad byte %zd), and so does a fresh anonymous page in this process (%s) and in a new one (%s)",
			  what, bad_map, here ? "zero" : "NOT ZERO",
			  there ? "zero" : "NOT ZERO");
	}
	got = malloc(m->len);
	if (!got)
		bail("malloc");
	ret = read_all_at(m->fd, got, m->len);
	if (!ret)
		bad_file = mem_mismatch(got, m->want, m->len);
	if (bad_file >= 0)
		diag_mismatch(got, m->want, m->len, bad_file);
	if (bad_map >= 0)
		diag_mismatch(m->p, m->want, m->len, bad_map);
	free(got);
	return ok(!ret && bad_file < 0 && bad_map < 0,
		  "%s: content unchanged: pread of the %s (%s, first bad byte %zd) and the PROT_READ mapping (first bad byte %zd)",
		  what, m->route == RO_SEALED_MEMFD ? "memfd" : "file",
		  errname(ret), bad_file, bad_map);
}

int ro_export(int f, uint32_t h, const struct ro_mem *m, const char *what)
{
	int ret, dfd, fl, err;
	uint8_t *v;

	ret = udt_export(f, h, 0, &dfd);
	if (!ok(ret == 0, "%s: EXPORT of the TO_DEVICE registration (%s)", what,
		errname(ret)))
		return -1;
	fl = fcntl(dfd, F_GETFL);
	ok(fl >= 0 && (fl & O_ACCMODE) == O_RDONLY,
	   "%s: the dma-buf is opened O_RDONLY (access mode %s)", what,
	   fl < 0 ? "?" : (fl & O_ACCMODE) == O_RDONLY ? "O_RDONLY" :
	   (fl & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "O_RDWR");
	v = udt_mmap(dfd, 0, m->len, PROT_READ, MAP_SHARED, &err);
	if (ok(v != NULL, "%s: mmap PROT_READ MAP_SHARED of the dma-buf (%s)",
	       what, errname(err))) {
		ok_mem(v, m->want, m->len,
		       "%s: it shows the registered bytes, byte for byte", what);
		munmap(v, m->len);
	}
	return dfd;
}

/*
 * A writable mapping w of an export of m exists although it must not: see
 * whether a byte written through it reaches the file (never done on the
 * zero page), then put back every byte that differs from m->want.
 */
static void repair(uint8_t *w, const struct ro_mem *m, const char *how)
{
	volatile uint8_t *vw = w;
	uint8_t b = 0, flip = (uint8_t)(m->want[0] ^ 0xff);
	ssize_t bad;

	if (m->fd >= 0) {
		vw[0] = flip;
		if (pread(m->fd, &b, 1, 0) == 1)
			diag("  %s: a byte written through it %s the %s (pread reads %#x, the original is %#x)",
			     how, b == flip ? "REACHED" : "did not reach",
			     m->route == RO_SEALED_MEMFD ? "sealed memfd" :
			     "root's file", b, m->want[0]);
		vw[0] = m->want[0];
	} else {
		diag("  %s: nothing written through it (it may map the shared zero page)",
		     how);
	}
	bad = mem_mismatch(w, m->want, m->len);
	if (bad >= 0) {
		diag("  %s: the mapping differs from the original at byte %zd: writing the original bytes back",
		     how, bad);
		memcpy(w, m->want, m->len);
	}
	bad = mem_mismatch(w, m->want, m->len);
	if (bad >= 0)
		diag("  %s: REPAIR FAILED at byte %zd", how, bad);
}

void ro_no_cpu_write(int dmabuf, const struct ro_mem *m, const char *what)
{
	char proc[64];
	uint8_t *w;
	int err, fd2, ret;

	w = udt_mmap(dmabuf, 0, m->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     &err);
	ok(!w && err == -EACCES,
	   "%s: mmap PROT_READ|PROT_WRITE MAP_SHARED of the dma-buf -> EACCES (%s)",
	   what, w ? "mapped writable" : errname(err));
	if (w) {
		repair(w, m, "writable mmap");
		munmap(w, m->len);
	}

	w = udt_mmap(dmabuf, 0, m->len, PROT_READ, MAP_SHARED, &err);
	if (!w) {
		ok(0, "%s: mmap PROT_READ for mprotect (%s)", what, errname(err));
	} else {
		ret = mprotect(w, m->len, PROT_READ | PROT_WRITE) ? -errno : 0;
		ok(ret == -EACCES,
		   "%s: mprotect(PROT_READ|PROT_WRITE) of a PROT_READ mapping -> EACCES (%s)",
		   what, ret ? errname(ret) : "made writable");
		if (!ret)
			repair(w, m, "mprotect()ed mapping");
		munmap(w, m->len);
	}

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dmabuf);
	fd2 = open(proc, O_RDWR | O_CLOEXEC);
	err = fd2 < 0 ? -errno : 0;
	ok(fd2 < 0, "%s: open(\"/proc/self/fd/N\", O_RDWR) of the dma-buf fails (%s)",
	   what, fd2 < 0 ? errname(err) : "opened");
	if (fd2 >= 0) {
		w = udt_mmap(fd2, 0, m->len, PROT_READ | PROT_WRITE,
			     MAP_SHARED, &err);
		if (w) {
			repair(w, m, "the reopened file's writable mmap");
			munmap(w, m->len);
		}
		close(fd2);
	}
}

void ro_no_write_import(int f, int dmabuf, const char *what)
{
	static const uint32_t dirs[] = {
		USERDMA_DIR_FROM_DEVICE, USERDMA_DIR_BIDIRECTIONAL,
	};
	struct userdma_import im;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		memset(&im, 0, sizeof(im));
		ret = udt_import(f, dmabuf, dirs[i], &im);
		ok(ret == -EACCES, "%s: IMPORT of the dma-buf %s -> EACCES (%s)",
		   what, dirname_udma(dirs[i]), ret ? errname(ret) :
		   "imported");
		/* never transfer into it: released untouched */
		if (!ret)
			udt_unregister(f, im.handle);
	}
}

int ro_ok_submit_refused(int f, uint32_t src, uint64_t soff, uint32_t dst,
			 uint64_t doff, uint64_t len, const char *fmt, ...)
{
	struct userdma_completion c;
	struct userdma_xfer x;
	char what[256];
	va_list ap;
	uint32_t n = 0;
	int ret, wret;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	xfer_fill(&x, src, soff, dst, doff, len, 0);
	ret = udt_submit(f, &x, 1, &n);
	if (!ret && n == 1) {
		/* same bytes as the destination's: nothing changes */
		memset(&c, 0, sizeof(c));
		wret = udt_wait(f, x.cookie, 5000000000LL, &c);
		diag("  %s: submitted; WAIT %s, status %s", what, errname(wret),
		     wret ? "-" : xfer_status_name(c.status));
	}
	return ok(ret == -EACCES, "%s -> EACCES (%s)", what,
		  ret ? errname(ret) : "submitted");
}

static const struct ro_test *ro_current;	/* for ro_test_cleanup() */

void ro_test_start(struct ro_test *t, const char *name, size_t len,
		   uint64_t seed)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->node = node_name_for(edu64_bdf());
	snprintf(t->path, sizeof(t->path), "/dev/%s", t->node);
	if (node_stats(t->node, &t->base))
		bail("no counters for %s", t->node);
	snprintf(t->file, sizeof(t->file), "/tmp/%s.%d", name, (int)getpid());
	ro_current = t;
	atexit(ro_test_cleanup);
	ret = ro_root_file(t->file, len, seed);
	if (ret)
		bail("creating %s: %s", t->file, errname(ret));
	/* what GROUP="userdma", MODE="0660" in the udev rule does */
	ret = node_allow_user(t->path);
	if (ret)
		bail("chown/chmod %s: %s", t->path, strerror(-ret));
}

void ro_test_cleanup(void)
{
	if (!ro_current)
		return;
	if (node_restore_root())
		diag("could not restore %s to 0600 root:root", ro_current->path);
	if (ro_current->file[0])
		unlink(ro_current->file);
}

int ro_ok_test_end(const struct ro_test *t)
{
	struct node_stats last;
	int ret;

	ro_test_cleanup();
	ret = wait_node_stats(t->node, &t->base, 3000, &last);
	return ok(ret, "at the end: the node's counters at baseline (regions %lld, imported %lld, exported %lld)",
		  last.regions, last.imported, last.exported);
}
