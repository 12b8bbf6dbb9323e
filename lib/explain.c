// SPDX-License-Identifier: MIT
/*
 * Why the kernel refused a request.  Each errno of the module's contract
 * (userdma(4)) has several possible causes; the arguments of the failed
 * call, the node's limits read at open time and the process's own limits
 * usually tell which one applied, and the message says that one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CAP_IPC_LOCK_BIT	14

/* Failures every request can meet; op names the request. */
static int explain_common(const struct userdma *u, int err, const char *op)
{
	switch (-err) {
	case ENODEV:
		return udl_fail(err, op, "the device bound to %s has gone away; its registrations were released",
				u->name);
	case ENOTTY:
		return udl_fail(err, op, "%s does not know this request (not a userdma node, or an older module)",
				u->name);
	case EINVAL:
		return udl_fail(err, op, "the module refused the request: a reserved field or unknown flag is set");
	case E2BIG:
		return udl_fail(err, op, "the module is older than this library and refused fields it does not know");
	case EFAULT:
		return udl_fail(err, op, "the module could not access the request's memory");
	case EBADF:
		return udl_fail(err, op, "the file descriptor of %s is not open",
				u->name);
	default:
		return udl_fail(err, op, "%s", userdma_strerror(err));
	}
}

int udl_explain_info(const struct userdma *u, int err)
{
	return explain_common(u, err, "info");
}

/* CAP_IPC_LOCK waives RLIMIT_MEMLOCK for pinning. */
static int has_cap_ipc_lock(void)
{
	unsigned long long caps = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return !!(caps & (1ULL << CAP_IPC_LOCK_BIT));
}

static uint64_t page_size(const struct userdma *u)
{
	return u->info.page_size ? u->info.page_size :
				   (uint64_t)sysconf(_SC_PAGESIZE);
}

/* What an allocation or import of length bytes is charged: whole pages. */
static uint64_t page_round(const struct userdma *u, uint64_t length)
{
	return (length + page_size(u) - 1) & ~(page_size(u) - 1);
}

/* What a registration is charged: the pages [addr, addr + length) spans. */
static uint64_t pinned_bytes(const struct userdma *u, const void *addr,
			     uint64_t length)
{
	uint64_t start = (uintptr_t)addr & ~(page_size(u) - 1);

	return page_round(u, (uintptr_t)addr + length - start);
}

/*
 * The RLIMIT_MEMLOCK that pins are charged against, into *limit: 1, or 0
 * when none holds (unlimited, or CAP_IPC_LOCK waives it).
 */
static int memlock_limit(uint64_t *limit)
{
	int saved = errno, limited;
	struct rlimit rl;

	limited = !has_cap_ipc_lock() && !getrlimit(RLIMIT_MEMLOCK, &rl) &&
		  rl.rlim_cur != RLIM_INFINITY;
	errno = saved;
	*limit = limited ? rl.rlim_cur : 0;
	return limited;
}

/*
 * ENOMEM of op, which charges need bytes (what length rounds to):
 * "the limit is too small" when it is, or 0 for the caller to go on.
 */
static int limit_too_small(int err, const char *op, uint64_t need,
			   uint64_t length, const char *note)
{
	char want[32], have[32];
	uint64_t limit;

	if (!memlock_limit(&limit) || need <= limit)
		return 0;
	return udl_fail(err, op, "the locked-memory limit (ulimit -l) is too small for %s: it is %s%s",
			udl_size(length, want, sizeof(want)),
			udl_size(limit, have, sizeof(have)), note);
}

static int explain_enomem(const struct userdma *u, int err, const void *addr,
			  uint64_t length)
{
	char want[32], have[32];
	uint64_t limit;

	if (limit_too_small(err, "register", pinned_bytes(u, addr, length),
			    length, ""))
		return err;
	udl_size(length, want, sizeof(want));
	if (memlock_limit(&limit))
		return udl_fail(err, "register", "%s, with what this process has already pinned or locked, exceeds the locked-memory limit (ulimit -l, %s), or the kernel ran out of memory, IOVA space or bounce buffers",
				want, udl_size(limit, have, sizeof(have)));
	return udl_fail(err, "register", "the kernel ran out of memory, IOVA space or bounce buffers for %s",
			want);
}

/* 28 for a 28-bit DMA mask. */
static int mask_bits(uint64_t mask)
{
	int bits = 0;

	while (bits < 64 && (mask >> bits))
		bits++;
	return bits;
}

static int explain_eio(const struct userdma *u, int err, uint64_t length)
{
	int bits = mask_bits(u->info.dma_mask);
	char len[32];

	udl_size(length, len, sizeof(len));
	if (u->info.flags & USERDMA_INFO_IOMMU)
		return udl_fail(err, "register", "the IOMMU could not map %s for %s",
				len, u->info.device);
	/* every DMA bounced: a narrow device needs the pool within its mask */
	if ((u->info.flags & USERDMA_INFO_BOUNCE) && bits < 64)
		return udl_fail(err, "register", "%s could not be mapped for %s: every DMA is bounced (swiotlb) and the bounce buffers are not all within the device's %d-bit DMA mask, or the pool is full",
				len, u->info.device, bits);
	if (u->info.flags & USERDMA_INFO_BOUNCE)
		return udl_fail(err, "register", "the bounce-buffer pool (swiotlb) could not take %s for %s: it is full, or a segment is too long for it",
				len, u->info.device);
	return udl_fail(err, "register", "%s could not be mapped for %s: its pages lie beyond the device's %d-bit DMA mask and no IOMMU or bounce buffer can reach them",
			len, u->info.device, bits);
}

static const char *dir_name(unsigned int direction)
{
	switch (direction) {
	case USERDMA_DIR_TO_DEVICE:
		return "TO_DEVICE";
	case USERDMA_DIR_FROM_DEVICE:
		return "FROM_DEVICE";
	default:
		return "BIDIRECTIONAL";
	}
}

int udl_explain_register(const struct userdma *u, int err, const void *addr,
			 uint64_t length, unsigned int direction)
{
	char len[32], max[32];

	udl_size(length, len, sizeof(len));
	switch (-err) {
	case EINVAL:
		if (!length)
			return udl_fail(err, "register", "length 0 is not allowed");
		if (direction < USERDMA_DIR_TO_DEVICE ||
		    direction > USERDMA_DIR_BIDIRECTIONAL)
			return udl_fail(err, "register", "direction %u is not TO_DEVICE (1), FROM_DEVICE (2) or BIDIRECTIONAL (3)",
					direction);
		break;
	case EOVERFLOW:
		return udl_fail(err, "register", "%p + %s wraps around the end of the address space",
				addr, len);
	case E2BIG:
		return udl_fail(err, "register", "%s is more than %s accepts in one registration (max_region_bytes %s)",
				len, u->name,
				udl_size(u->info.max_region_bytes, max,
					 sizeof(max)));
	case EFAULT:
		if (direction == USERDMA_DIR_TO_DEVICE)
			return udl_fail(err, "register", "%s at %p is not all ordinary user memory: part is unmapped, or an I/O or PFN mapping (such as a mapped BAR)",
					len, addr);
		return udl_fail(err, "register", "%s at %p is not all writable user memory: part is unmapped, read-only while the device may write (%s), an I/O or PFN mapping, or (since Linux 6.5) a file-backed mapping",
				len, addr, dir_name(direction));
	case ENOMEM:
		return explain_enomem(u, err, addr, length);
	case ENOSPC:
		return udl_fail(err, "register", "this open file already holds %u registrations, the most %s allows (max_regions)",
				u->info.max_regions, u->name);
	case EIO:
		return explain_eio(u, err, length);
	case EINTR:
		return udl_fail(err, "register", "a fatal signal arrived while pinning %s; nothing stays pinned",
				len);
	}
	return explain_common(u, err, "register");
}

int udl_explain_segments(const struct userdma *u, int err, uint32_t handle,
			 uint32_t first, uint32_t count)
{
	switch (-err) {
	case ENOENT:
		return udl_fail(err, "segments", "handle %u is not registered on this open file",
				handle);
	case ERANGE:
		return udl_fail(err, "segments", "index %u is past the last segment of handle %u",
				first, handle);
	case EFAULT:
		return udl_fail(err, "segments", "the array for %u segments is not writable memory",
				count);
	}
	return explain_common(u, err, "segments");
}

int udl_explain_sync(const struct userdma *u, int err, const char *op,
		     uint32_t handle, uint64_t offset, uint64_t length)
{
	switch (-err) {
	case ENOENT:
		return udl_fail(err, op, "handle %u is not registered on this open file",
				handle);
	case EINVAL:
		if (!length)
			return udl_fail(err, op, "length 0 is not allowed");
		break;
	case ERANGE:
		if (offset + length < offset)
			return udl_fail(err, op, "offset %" PRIu64 " + length %" PRIu64 " wraps around",
					offset, length);
		return udl_fail(err, op, "bytes [%" PRIu64 ", %" PRIu64 ") are not all within the registration of handle %u",
				offset, offset + length, handle);
	}
	return explain_common(u, err, op);
}

int udl_explain_unregister(const struct userdma *u, int err, uint32_t handle)
{
	if (err == -ENOENT)
		return udl_fail(err, "unregister", "handle %u is not registered on this open file (never registered, or already released)",
				handle);
	if (err == -EBUSY)
		return udl_fail(err, "unregister", "handle %u has transfers in flight: collect their completions first",
				handle);
	return explain_common(u, err, "unregister");
}

/* Transfers (xfer.c) */

/* "250 ms", "1.5 s", "2 us": a timeout in words. */
static const char *duration(int64_t ns, char *buf, size_t size)
{
	if (ns < 1000)
		snprintf(buf, size, "%" PRId64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%g us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%g ms", ns / 1e6);
	else
		snprintf(buf, size, "%g s", ns / 1e9);
	return buf;
}

int udl_explain_channel(const struct userdma *u, int err, const char *name,
			int eventfd, int bound)
{
	const char *dev = u->info.device[0] ? u->info.device : u->name;

	switch (-err) {
	case EINVAL:
		if (eventfd < -1)
			return udl_fail(err, "channel", "eventfd %d is neither a file descriptor nor -1",
					eventfd);
		if (eventfd >= 0)
			return udl_fail(err, "channel", "file descriptor %d is not an eventfd",
					eventfd);
		break;
	case EBADF:
		if (eventfd >= 0)
			return udl_fail(err, "channel", "eventfd %d is not an open file descriptor",
					eventfd);
		break;
	case EBUSY:
		if (bound > 0)
			return udl_fail(err, "channel", "this open file already has a channel; there is one per open file (open the node again for another)");
		if (!strcmp(name, "edu")) {
			if (u->info.driver_name[0] &&
			    strcmp(u->info.driver_name, "edu"))
				return udl_fail(err, "channel", "%s is not an edu device: it has no edu engine",
						dev);
			return udl_fail(err, "channel", "the edu engine is already bound by another open file");
		}
		if (!strcmp(name, "sw"))
			return udl_fail(err, "channel", "all channels of the sw engine of %s are bound by other open files",
					u->name);
		if (!name[0])
			return udl_fail(err, "channel", "no free memcpy channel for %s: every one is bound by another open file",
					dev);
		return udl_fail(err, "channel", "no free memcpy channel \"%s\" for %s: there is no such channel, it belongs to another device, or another open file has it",
				name, dev);
	case ENOMEM:
		return udl_fail(err, "channel", "the kernel ran out of memory for the channel");
	}
	return explain_common(u, err, "channel");
}

static const char *end_name(int end)
{
	return end == UDL_END_SRC ? "source" : "destination";
}

/* ERANGE of one end: a wrap, a raw address past the mask, or a range. */
static int explain_range(const struct userdma *u, int err, const char *op,
			 unsigned int index, int end, uint32_t handle,
			 uint64_t pos, uint64_t length)
{
	if (pos + length < pos)
		return udl_fail(err, op, "transfer %u: %s %" PRIu64 " + length %" PRIu64 " of the %s wraps around",
				index, handle ? "offset" : "address", pos,
				length, end_name(end));
	if (!handle)
		return udl_fail(err, op, "transfer %u: device address 0x%" PRIx64 " + %" PRIu64 " bytes (the %s) is beyond %s's %d-bit DMA mask",
				index, pos, length, end_name(end),
				u->info.device[0] ? u->info.device : u->name,
				mask_bits(u->info.dma_mask));
	return udl_fail(err, op, "transfer %u: bytes [%" PRIu64 ", %" PRIu64 ") of the %s are not all within the registration of handle %u",
			index, pos, pos + length, end_name(end), handle);
}

int udl_explain_submit(const struct userdma *u, int err, const char *op,
		       unsigned int index, const struct userdma_xfer *x,
		       int end, unsigned int max_inflight)
{
	uint32_t h = end == UDL_END_DST ? x->dst_handle : x->src_handle;
	uint64_t pos = end == UDL_END_DST ? x->dst : x->src;

	switch (-err) {
	case ENXIO:
		return udl_fail(err, op, "bind a channel first with userdma_channel()");
	case EINVAL:
		if (!x->length)
			return udl_fail(err, op, "transfer %u: length 0 is not allowed",
					index);
		if (x->src_handle && x->src_handle == x->dst_handle &&
		    x->src < x->dst + x->length && x->dst < x->src + x->length)
			return udl_fail(err, op, "transfer %u: the source [%" PRIu64 ", +%" PRIu64 ") and the destination [%" PRIu64 ", +%" PRIu64 ") overlap within handle %u (an engine copies in pieces, in no promised order)",
					index, (uint64_t)x->src, (uint64_t)x->length,
					(uint64_t)x->dst, (uint64_t)x->length, h);
		break;
	case E2BIG:
		return udl_fail(err, op, "transfer %u: it needs more engine descriptors than the module's max_xfer_pieces allows (one per stretch where both sides' segments run on): split it",
				index);
	case EPERM:
		/* only a device address (handle 0) needs the capability */
		if (!x->src_handle && !x->dst_handle)
			return udl_fail(err, op, "transfer %u: device addresses as the source and the destination (handle 0) need CAP_SYS_RAWIO",
					index);
		return udl_fail(err, op, "transfer %u: a device address as the %s (handle 0) needs CAP_SYS_RAWIO",
				index, end_name(x->src_handle ? UDL_END_DST :
							    UDL_END_SRC));
	case ENOENT:
		if (end == UDL_END_BOTH)
			return udl_fail(err, op, "transfer %u: neither handle %u (the source) nor handle %u (the destination) is registered on this open file",
					index, x->src_handle, x->dst_handle);
		if (end == UDL_END_UNKNOWN)
			return udl_fail(err, op, "transfer %u: handle %u or handle %u is not registered on this open file",
					index, x->src_handle, x->dst_handle);
		return udl_fail(err, op, "transfer %u: handle %u (the %s) is not registered on this open file",
				index, h, end_name(end));
	case ERANGE:
		if (end == UDL_END_UNKNOWN)
			return udl_fail(err, op, "transfer %u: the source or the destination range is outside its registration, wraps around, or is beyond the DMA mask",
					index);
		return explain_range(u, err, op, index, end, h, pos,
				     x->length);
	case EACCES:
		if (end == UDL_END_SRC)
			return udl_fail(err, op, "transfer %u: handle %u is registered FROM_DEVICE and cannot be a source",
					index, h);
		if (end == UDL_END_DST)
			return udl_fail(err, op, "transfer %u: handle %u is registered TO_DEVICE and cannot be a destination",
					index, h);
		return udl_fail(err, op, "transfer %u: the source (handle %u) is registered FROM_DEVICE or the destination (handle %u) TO_DEVICE",
				index, x->src_handle, x->dst_handle);
	case EAGAIN:
		if (max_inflight)
			return udl_fail(err, op, "transfer %u: this open file already has %u transfers outstanding (in flight or completed but not read), the most allowed (max_inflight), or as many engine descriptors as max_xfer_pieces allows: collect completions first",
					index, max_inflight);
		return udl_fail(err, op, "transfer %u: this open file already has the most transfers, or engine descriptors (max_xfer_pieces), outstanding (in flight or completed but not read): collect completions first",
				index);
	case EFAULT:
		return udl_fail(err, op, "transfer %u: the transfer array is not readable and writable memory (the cookie is written back into it)",
				index);
	case ENOMEM:
		return udl_fail(err, op, "transfer %u: the kernel ran out of memory for it",
				index);
	case ENODEV:
		return udl_fail(err, op, "the open file is closing, or the device bound to %s has gone away",
				u->name);
	}
	return explain_common(u, err, op);
}

int udl_explain_wait(const struct userdma *u, int err, uint64_t cookie,
		     int64_t timeout_ns)
{
	char t[32];

	switch (-err) {
	case ENXIO:
		return udl_fail(err, "wait", "no channel is bound on this open file, so nothing can complete: bind one with userdma_channel()");
	case ENOENT:
		if (!cookie)
			return udl_fail(err, "wait", "nothing is outstanding on this open file");
		return udl_fail(err, "wait", "cookie %" PRIu64 " is not outstanding on this open file: never submitted here, or its completion was already consumed",
				cookie);
	case ETIMEDOUT:
		if (!timeout_ns)
			return cookie ?
			       udl_fail(err, "wait", "transfer %" PRIu64 " has not completed yet",
					cookie) :
			       udl_fail(err, "wait", "no transfer has completed yet");
		duration(timeout_ns, t, sizeof(t));
		return cookie ?
		       udl_fail(err, "wait", "transfer %" PRIu64 " did not complete within %s",
				cookie, t) :
		       udl_fail(err, "wait", "no transfer completed within %s",
				t);
	case EINTR:
		return udl_fail(err, "wait", "a signal arrived while waiting; the transfer goes on");
	}
	return explain_common(u, err, "wait");
}

int udl_explain_completions(const struct userdma *u, int err)
{
	switch (-err) {
	case ENXIO:
		return udl_fail(err, "completions", "no channel is bound on this open file, so nothing can complete: bind one with userdma_channel()");
	case EAGAIN:
		return udl_fail(err, "completions", "no completion is ready yet");
	case EINTR:
		return udl_fail(err, "completions", "a signal arrived while waiting; the transfers go on");
	case EINVAL:
		return udl_fail(err, "completions", "%s refused the read: the buffer holds no whole completion",
				u->name);
	}
	return explain_common(u, err, "completions");
}

/* Buffers (buffer.c) */

int udl_explain_alloc(const struct userdma *u, int err, uint64_t length,
		      unsigned int flags, unsigned int direction)
{
	int contiguous = !!(flags & USERDMA_ALLOC_CONTIGUOUS);
	const char *kind = flags & USERDMA_ALLOC_COHERENT ? "coherent" : "cached";
	const char *also = "";
	char len[32], max[32];
	uint64_t limit;

	udl_size(length, len, sizeof(len));
	switch (-err) {
	case EINVAL:
		if (!length)
			return udl_fail(err, "alloc", "length 0 is not allowed");
		if (flags & ~USERDMA_ALLOC_FLAGS)
			return udl_fail(err, "alloc", "unknown flags 0x%x (known: USERDMA_ALLOC_COHERENT, USERDMA_ALLOC_CONTIGUOUS)",
					flags & ~USERDMA_ALLOC_FLAGS);
		if (direction < USERDMA_DIR_TO_DEVICE ||
		    direction > USERDMA_DIR_BIDIRECTIONAL)
			return udl_fail(err, "alloc", "direction %u is not one of USERDMA_DIR_TO_DEVICE (1), _FROM_DEVICE (2), _BIDIRECTIONAL (3)",
					direction);
		break;
	case E2BIG:
		udl_size(u->info.max_region_bytes, max, sizeof(max));
		/* each buffer has one mmap window of the node to itself */
		if (length <= u->info.max_region_bytes &&
		    length > 1ULL << USERDMA_MMAP_SHIFT)
			return udl_fail(err, "alloc", "%s is longer than a buffer's mmap window of the node (2^%u bytes)",
					len, USERDMA_MMAP_SHIFT);
		return udl_fail(err, "alloc", "%s is longer than the module allows (max_region_mb: %s)",
				len, max);
	case ENOMEM:
		if (limit_too_small(err, "alloc", page_round(u, length), length,
				    ""))
			return err;
		/* the limit holds, but this process has used part of it */
		if (memlock_limit(&limit))
			also = ", or with what this process has already pinned or locked it exceeds the locked-memory limit (ulimit -l)";
		if (contiguous)
			return udl_fail(err, "alloc", "no physically contiguous block of %s is free (the page allocator's largest is 4 MiB on x86; larger needs a CMA area, cma= on the kernel command line)%s",
					len, also);
		return udl_fail(err, "alloc", "the kernel could not allocate or map %s of %s memory for %s%s",
				len, kind, u->info.device, also);
	case EIO:
		if (u->info.flags & USERDMA_INFO_BOUNCE)
			return udl_fail(err, "alloc", "%s of %s memory could not be mapped for %s: every DMA is bounced (swiotlb) and the bounce buffers are not all within the device's %d-bit DMA mask, or the pool is full (USERDMA_ALLOC_COHERENT allocates below the mask and needs no bounce)",
					len, kind, u->info.device,
					mask_bits(u->info.dma_mask));
		return udl_fail(err, "alloc", "%s of %s memory could not be mapped for %s: without an IOMMU the device's DMA mask does not reach the pages (use USERDMA_ALLOC_COHERENT, which allocates below the mask)",
				len, kind, u->info.device);
	case ENOSPC:
		return udl_fail(err, "alloc", "this open file already holds %u handles (max_regions)",
				u->info.max_regions);
	}
	return explain_common(u, err, "alloc");
}

int udl_explain_export(const struct userdma *u, int err, uint32_t handle,
		       unsigned int flags)
{
	switch (-err) {
	case ENOENT:
		return udl_fail(err, "export", "handle %u is not live on this open file",
				handle);
	case EINVAL:
		if (flags & ~USERDMA_EXPORT_CLOEXEC)
			return udl_fail(err, "export", "unknown flags 0x%x (known: USERDMA_EXPORT_CLOEXEC)",
					flags & ~USERDMA_EXPORT_CLOEXEC);
		return udl_fail(err, "export", "handle %u cannot be exported: it is an imported dma-buf (share the exporter's fd), or a registration that does not start and end on page boundaries",
				handle);
	case EMFILE:
		return udl_fail(err, "export", "this process has no free file descriptor for the dma-buf");
	case EOPNOTSUPP:
		return udl_fail(err, "export", "handle %u is a coherent buffer: coherent memory belongs to the device and is freed when the device goes, so it is never shared (allocate a cached buffer to export it)",
				handle);
	}
	return explain_common(u, err, "export");
}

/* A dma-buf's size (its inode's), or -errno. */
static int64_t dmabuf_size(int fd)
{
	int saved = errno;
	struct stat st;
	int64_t size;

	size = fstat(fd, &st) ? -errno : st.st_size;
	errno = saved;
	return size;
}

int udl_explain_import(const struct userdma *u, int err, int fd,
		       unsigned int direction)
{
	int64_t size;

	switch (-err) {
	case EBADF:
		return udl_fail(err, "import", "fd %d is not an open file descriptor",
				fd);
	case EINVAL:
		if (direction < USERDMA_DIR_TO_DEVICE ||
		    direction > USERDMA_DIR_BIDIRECTIONAL)
			return udl_fail(err, "import", "direction %u is not one of USERDMA_DIR_TO_DEVICE (1), _FROM_DEVICE (2), _BIDIRECTIONAL (3)",
					direction);
		return udl_fail(err, "import", "fd %d is not a dma-buf", fd);
	case EIO:
		return udl_fail(err, "import", "the dma-buf could not be mapped for %s: the device's DMA mask is too narrow without an IOMMU, or the exporter mapped less than its size",
				u->info.device);
	case E2BIG:
		return udl_fail(err, "import", "the dma-buf is longer than the module allows (max_region_mb)");
	case EACCES:
		return udl_fail(err, "import", "the dma-buf is read-only (a registration made USERDMA_DIR_TO_DEVICE, pinned without write access): import it USERDMA_DIR_TO_DEVICE");
	case ENOMEM:
		size = dmabuf_size(fd);
		if (size > 0 &&
		    limit_too_small(err, "import", page_round(u, size), size,
				    " (an import is charged like a registration)"))
			return err;
		return udl_fail(err, "import", "the import would exceed the locked-memory limit (ulimit -l; an import is charged like a registration), or the exporter or the kernel ran out of memory, IOVA space or bounce buffers mapping the dma-buf for %s",
				u->info.device);
	case ENOSPC:
		return udl_fail(err, "import", "this open file already holds %u handles (max_regions)",
				u->info.max_regions);
	}
	return explain_common(u, err, "import");
}

int udl_explain_mmap(const struct userdma *u, int err, uint32_t handle,
		     uint64_t length)
{
	char len[32];

	udl_size(length, len, sizeof(len));
	switch (-err) {
	case ENXIO:
		return udl_fail(err, "alloc", "handle %u is not an allocated buffer of %s or longer on this open file",
				handle, len);
	case ENOMEM:
		return udl_fail(err, "alloc", "no address space left to map %s", len);
	}
	return explain_common(u, err, "alloc");
}
