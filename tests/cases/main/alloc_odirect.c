// SPDX-License-Identifier: MIT
/*
 * A cached buffer's mapping is real pages: the block layer can do
 * O_DIRECT I/O straight into and out of it (it pins the pages itself).
 * On a brd RAM disk: a pattern written to the disk is read with O_DIRECT
 * into the buffer, and the buffer written back with O_DIRECT to another
 * place is read back with ordinary I/O; both byte for byte.  A coherent
 * buffer is mapped as a PFN range everywhere (VM_IO): nothing else may pin
 * memory the device takes back when it goes, so O_DIRECT on it is EFAULT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

#define DISK	"/dev/ram0"
#define LEN	(1 * MiB)

static int pio(int fd, void *buf, size_t len, off_t off, int write_it)
{
	ssize_t n = write_it ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

static void direct_io(int ufd, uint32_t flags)
{
	const char *mode = alloc_mode_name(flags);
	int expect_fault = flags & USERDMA_ALLOC_COHERENT;
	struct userdma_alloc a;
	uint8_t *p, *check;
	int disk, direct, ret, err;

	ret = udt_alloc(ufd, LEN, flags, USERDMA_DIR_BIDIRECTIONAL, &a);
	p = ret ? NULL : udt_mmap(ufd, a.mmap_offset, LEN,
				  PROT_READ | PROT_WRITE, MAP_SHARED, &err);
	if (!ok(p != NULL, "%s 1 MiB mapped (%s)", mode, errname(ret ?: err)))
		return;
	disk = open(DISK, O_RDWR);
	direct = open(DISK, O_RDWR | O_DIRECT);
	check = malloc(LEN);
	if (disk < 0 || direct < 0 || !check)
		bail("opening %s: %s", DISK, strerror(errno));

	pattern_fill(check, LEN, 11 + flags, 0);
	ret = pio(disk, check, LEN, 0, 1) | fsync(disk);
	ret = pio(direct, p, LEN, 0, 0);
	if (expect_fault) {
		ok(ret == -EFAULT, "%s: O_DIRECT read into a PFN mapping -> EFAULT (%s)",
		   mode, errname(ret));
		goto out;
	}
	ok(ret == 0 && pattern_mismatch(p, LEN, 11 + flags, 0) < 0,
	   "%s: O_DIRECT read of 1 MiB from %s lands in the buffer (%s)", mode,
	   DISK, errname(ret));
	pattern_fill(p, LEN, 21 + flags, 0);
	ret = pio(direct, p, LEN, 4 * MiB, 1);
	memset(check, 0, LEN);
	if (!ret)
		ret = pio(disk, check, LEN, 4 * MiB, 0);
	ok(ret == 0 && pattern_mismatch(check, LEN, 21 + flags, 0) < 0,
	   "%s: O_DIRECT write of the buffer reads back from %s (%s)", mode,
	   DISK, errname(ret));
out:
	free(check);
	close(direct);
	close(disk);
	munmap(p, LEN);
	udt_unregister(ufd, a.handle);
}

int main(void)
{
	struct snap base;
	const char *node;
	int ufd, ret;

	tap_init("alloc_odirect");
	diag_config();
	ret = system("udt-modprobe brd rd_nr=1 rd_size=16384 >/dev/null 2>&1");
	if (ret || access(DISK, F_OK))
		bail("brd could not be loaded (udt-modprobe brd: status %d)", ret);
	node = node_name_for(edu64_bdf());
	ufd = node_open_or_bail(node);
	snap_take(node, &base);
	direct_io(ufd, 0);
	direct_io(ufd, USERDMA_ALLOC_COHERENT);
	ok_unchanged(node, &base, "buffers released: counters and VmPin back");
	close(ufd);
	return done_testing();
}
