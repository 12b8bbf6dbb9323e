// SPDX-License-Identifier: MIT
/*
 * Read-only pins stay read-only for the edu device's real DMA (channel
 * "edu"), on the 64-bit edu node, as uid/gid 1000 (the node opened to it
 * as the udev rule does, group 1000 mode 0660, and put back to 0600
 * root:root at the end).  For a memfd sealed with F_SEAL_WRITE and for a
 * root-owned 0444 file, each mapped MAP_SHARED PROT_READ and registered
 * TO_DEVICE (8 KiB, two pages):
 *   - EXPORT gives an O_RDONLY dma-buf; IMPORT of it FROM_DEVICE or
 *     BIDIRECTIONAL -> EACCES (an import made anyway is released unused),
 *     TO_DEVICE works;
 *   - an edu transfer into the registration, or into the TO_DEVICE
 *     import, -> EACCES (its source holds the same bytes, so a transfer
 *     accepted anyway would change nothing);
 *   - positive control: the device reads the read-only memory: edu copies
 *     of 3000 bytes from the registration and, across the page boundary,
 *     from the TO_DEVICE import into a writable BIDIRECTIONAL buffer move
 *     exactly those bytes and touch nothing around them;
 *   - afterwards the memfd or file reads (pread) exactly as before.
 * Every edu command costs 100 ms of guest time: a few single-chunk copies
 * (< 4096 bytes each) only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "readonly.h"
#include "unpriv.h"
#include "xfer.h"

#define LEN		(8 * KiB)
#define SEED_FILE	7501
#define SEED_MEMFD	7502

static struct ro_test test;	/* the node, root's file */

/*
 * Edu copy of len bytes from (h, off) to offset doff of the writable
 * buffer w (handle hw, LEN bytes, filled with 0xa5 first): exactly
 * want[off, off + len) lands, nothing around it moves.
 */
static void edu_reads(int f, uint32_t h, uint64_t off, uint32_t hw,
		      uint8_t *w, uint64_t doff, uint64_t len,
		      const struct ro_mem *m, const char *what, const char *from)
{
	struct userdma_completion c;
	uint8_t *expect = malloc(LEN);
	ssize_t bad;
	int ret;

	if (!expect)
		bail("malloc");
	memset(w, 0xa5, LEN);
	memset(expect, 0xa5, LEN);
	memcpy(expect + doff, m->want + off, len);
	memset(&c, 0, sizeof(c));
	ret = udt_copy(f, h, off, hw, doff, len, &c);
	bad = ret ? 0 : mem_mismatch(w, expect, LEN);
	ok(ret == 0 && c.status == USERDMA_XFER_DONE && c.bytes == len &&
	   bad < 0,
	   "%s: edu copy of %llu bytes from %s +%llu into a writable buffer +%llu: DONE, those bytes and nothing else (%s, %s, first bad byte %zd)",
	   what, (unsigned long long)len, from, (unsigned long long)off,
	   (unsigned long long)doff, errname(ret),
	   ret ? "-" : xfer_status_name(c.status), bad);
	if (!ret && bad >= 0)
		diag_mismatch(w, expect, LEN, bad);
	free(expect);
}

static void TAP_NORETURN route_child(enum ro_route r, const char *what)
{
	char bound[32], engine[32];
	struct userdma_import im;
	uint32_t hr, hs, hw;
	struct ro_mem m;
	uint8_t *src, *w;
	int f, dfd, ret, imported = 0;

	memset(&im, 0, sizeof(im));
	alarm(300);	/* last resort: the parent restores the node */
	become_user(MiB);
	ro_map(&m, r, test.file, LEN,
	       r == RO_SEALED_MEMFD ? SEED_MEMFD : SEED_FILE);
	diag("%s: %s", what, ro_route_name(r));
	f = node_open_or_bail(test.node);
	ret = udt_channel(f, "edu", -1, bound, engine);
	if (!ok(ret == 0 && !strcmp(engine, "edu"),
		"%s: uid 1000 binds CHANNEL \"edu\" (%s)", what, errname(ret)))
		bail("no edu channel");
	ret = udt_register(f, m.p, LEN, USERDMA_DIR_TO_DEVICE, &hr, NULL);
	if (!ok(ret == 0, "%s: REGISTER TO_DEVICE (%s)", what, errname(ret)))
		bail("cannot go on without the registration");
	/* the write attempts' source: the bytes already there */
	src = map_anon(LEN);
	memcpy(src, m.want, LEN);
	w = map_anon(LEN);
	if (udt_register(f, src, LEN, USERDMA_DIR_TO_DEVICE, &hs, NULL) ||
	    udt_register(f, w, LEN, USERDMA_DIR_BIDIRECTIONAL, &hw, NULL))
		bail("REGISTER of the writable buffers");

	/* (a) the export and its importers */
	dfd = ro_export(f, hr, &m, what);
	if (dfd >= 0) {
		ro_no_write_import(f, dfd, what);
		ret = udt_import(f, dfd, USERDMA_DIR_TO_DEVICE, &im);
		imported = ok(ret == 0, "%s: IMPORT of the dma-buf TO_DEVICE works (%s)",
			      what, errname(ret));
		close(dfd);
	}

	/* (b) the device may not write it */
	ro_ok_submit_refused(f, hs, 100, hr, 100, 3000,
			     "%s: edu transfer of 3000 bytes into the registration",
			     what);
	if (imported)
		ro_ok_submit_refused(f, hs, 100, im.handle, 100, 3000,
				     "%s: edu transfer of 3000 bytes into the TO_DEVICE import",
				     what);

	/* (c) but it reads it */
	edu_reads(f, hr, 100, hw, w, 50, 3000, &m, what, "the registration");
	if (imported) {
		edu_reads(f, im.handle, 4000, hw, w, 4001, 3000, &m, what,
			  "the TO_DEVICE import");
		udt_unregister(f, im.handle);
	}

	udt_unregister(f, hw);
	udt_unregister(f, hs);
	udt_unregister(f, hr);
	close(f);
	munmap(src, LEN);
	munmap(w, LEN);
	ro_ok_unchanged(&m, what);
	ro_unmap(&m);
	tap_child_exit();
}

int main(void)
{
	static const struct {
		enum ro_route r;
		const char *what;
	} routes[] = {
		{ RO_SEALED_MEMFD, "sealed memfd" },
		{ RO_FILE_SHARED, "0444 file" },
	};
	struct ro_mem root;
	unsigned int i;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_init("readonly_edu");
	diag_config();
	ro_test_start(&test, "readonly_edu", LEN, SEED_FILE);

	for (i = 0; i < ARRAY_SIZE(routes); i++) {
		pid = tap_fork();
		if (pid < 0)
			bail("fork: %s", errname(pid));
		if (pid == 0)
			route_child(routes[i].r, routes[i].what);
		ok_child_status(tap_reap(pid), routes[i].what);
	}
	/* root's file, read by root in another process */
	ro_map(&root, RO_FILE_SHARED, test.file, LEN, SEED_FILE);
	ro_ok_unchanged(&root, "root's file, seen by root");
	ro_unmap(&root);

	ro_ok_test_end(&test);
	return done_testing();
}
