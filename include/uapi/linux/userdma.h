/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * userdma: zero-copy DMA between devices and user memory.
 *
 * Each /dev/userdmaN node is bound to one DMA-capable device.  A process
 * registers ranges of its own memory; the module pins them, maps them for
 * the device and hands back the DMA addresses the device must use.
 *
 * Every command struct starts with a __u32 size that the caller sets to
 * sizeof() the struct as it knows it.  The kernel accepts any size from the
 * first published layout up to its own; a larger struct is accepted only
 * when the bytes the kernel does not know are zero (E2BIG otherwise).  New
 * fields are only ever appended, and zero keeps the old behaviour.
 * Unknown flags, values a field does not take and non-zero reserved fields
 * are rejected with EINVAL, never ignored.  EINVAL is kept for all of them
 * rather than splitting off EOPNOTSUPP for "known field, unsupported
 * value": every new flag or value raises USERDMA_ABI_VERSION, so a library
 * tells an older kernel from a wrong call by USERDMA_IOC_INFO's
 * abi_version, before it sends the call.  A reply's size field says how
 * much of the struct the kernel filled.
 */
#ifndef _UAPI_LINUX_USERDMA_H
#define _UAPI_LINUX_USERDMA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define USERDMA_ABI_VERSION	1

/*
 * Direction of a registration, as seen from the device.  The two bits mean
 * "the device may read this memory" and "the device may write it"; the
 * latter makes the pin writable and the pages dirty on release.
 */
#define USERDMA_DIR_TO_DEVICE		1u
#define USERDMA_DIR_FROM_DEVICE		2u
#define USERDMA_DIR_BIDIRECTIONAL	3u

/* struct userdma_info.flags */
#define USERDMA_INFO_IOMMU	(1u << 0) /* an IOMMU translates this device's DMA */
#define USERDMA_INFO_BOUNCE	(1u << 1) /* DMA goes through swiotlb bounce buffers */
#define USERDMA_INFO_COHERENT	(1u << 2) /* CPU caches are coherent with device DMA */

struct userdma_info {
	__u32 size;
	__u32 flags;			/* out: USERDMA_INFO_* */
	__u32 abi_version;		/* out: USERDMA_ABI_VERSION */
	__u32 page_size;		/* out */
	__aligned_u64 dma_mask;		/* out: addresses the device can reach */
	__aligned_u64 max_seg_size;	/* out: longest DMA segment handed out */
	__aligned_u64 max_region_bytes;	/* out: longest registration accepted */
	__u32 max_regions;		/* out: live handles allowed per open file */
	__u32 reserved;
	char device[64];		/* out: bound device, e.g. "0000:00:03.0" */
	char bus[16];			/* out: its bus, e.g. "pci" */
	char driver_name[16];		/* out: userdma's binding, e.g. "edu" */
};

#define USERDMA_INFO_SIZE_VER0	144

/*
 * Pin [addr, addr + length) of the caller's memory and map it for the
 * device.  The range need not be page aligned: the segments describe
 * exactly these bytes.  The handle stays valid until UNREGISTER or until
 * the last file descriptor of this open file is closed.
 */
struct userdma_register {
	__u32 size;
	__u32 flags;			/* in: must be 0 */
	__aligned_u64 addr;		/* in: start of the range */
	__aligned_u64 length;		/* in: bytes, at least 1 */
	__u32 direction;		/* in: USERDMA_DIR_* */
	__u32 handle;			/* out: never 0 */
	__u32 nr_segments;		/* out: DMA segments covering the range */
	__u32 reserved;			/* must be 0 */
};

#define USERDMA_REGISTER_SIZE_VER0	40

/* One contiguous run of DMA addresses. */
struct userdma_segment {
	__aligned_u64 dma_addr;
	__aligned_u64 length;
};

/*
 * Copy out DMA segments [first, first + count) of a handle into the array at
 * segs.  On return count holds how many were copied (fewer at the end) and
 * total the number the handle has, so callers can page through long lists.
 */
struct userdma_segments {
	__u32 size;
	__u32 handle;			/* in */
	__u32 first;			/* in: index of the first segment wanted */
	__u32 count;			/* in: room in segs; out: segments copied */
	__aligned_u64 segs;		/* in: struct userdma_segment array */
	__u32 total;			/* out: segments of the handle */
	__u32 reserved;			/* must be 0 */
};

#define USERDMA_SEGMENTS_SIZE_VER0	32

/* struct userdma_sync.flags: exactly one of these */
#define USERDMA_SYNC_FOR_CPU	(1u << 0) /* before the CPU reads what the device wrote */
#define USERDMA_SYNC_FOR_DEVICE	(1u << 1) /* before the device reads what the CPU wrote */

/*
 * Make [offset, offset + length) of a registration coherent for the CPU or
 * for the device.  Offsets are relative to the registered addr.
 */
struct userdma_sync {
	__u32 size;
	__u32 handle;			/* in */
	__aligned_u64 offset;		/* in */
	__aligned_u64 length;		/* in: at least 1 */
	__u32 flags;			/* in: USERDMA_SYNC_* */
	__u32 reserved;			/* must be 0 */
};

#define USERDMA_SYNC_SIZE_VER0		32

struct userdma_unregister {
	__u32 size;
	__u32 handle;			/* in */
	__u32 flags;			/* in: must be 0 */
	__u32 reserved;			/* must be 0 */
};

#define USERDMA_UNREGISTER_SIZE_VER0	16

/*
 * Transfers.  An open file first binds a DMA engine channel (dmaengine)
 * whose device is the node's device, then submits copies between its
 * registrations, or between a registration and a raw device address, and
 * collects one completion per transfer by read(), poll() or WAIT.
 * Syncing around transfers is automatic: the source and destination are
 * synced for the device at submit and the destination for the CPU before
 * the completion is posted.  Neither may be touched until then.
 */
#define USERDMA_CHANNEL_NAME_LEN	32

/*
 * Bind this open file to a channel.  name "" takes any memcpy channel of
 * the node's device; "sw" and "edu" name userdma's own engines; anything
 * else is a dmaengine channel name such as "dma0chan1".  eventfd, if not
 * -1, is signalled once per completion posted.
 */
struct userdma_channel {
	__u32 size;
	__u32 flags;			/* in: must be 0 */
	__s32 eventfd;			/* in: eventfd to signal, or -1 */
	__u32 reserved;			/* must be 0 */
	char name[USERDMA_CHANNEL_NAME_LEN];	/* in */
	char bound[USERDMA_CHANNEL_NAME_LEN];	/* out: dmaengine name */
	char engine[USERDMA_CHANNEL_NAME_LEN];	/* out: "sw", "edu" or driver */
};

#define USERDMA_CHANNEL_SIZE_VER0	112

/*
 * One copy.  Each end is a registration (handle, offset within it) or,
 * with handle 0 and CAP_SYS_RAWIO, a device address used as it is.
 */
struct userdma_xfer {
	__u32 src_handle;
	__u32 dst_handle;
	__aligned_u64 src;		/* offset in src_handle, or device address */
	__aligned_u64 dst;		/* offset in dst_handle, or device address */
	__aligned_u64 length;		/* at least 1 */
	__aligned_u64 user_data;	/* echoed in the completion */
	__aligned_u64 cookie;		/* out: names the transfer, never 0 */
};

#define USERDMA_XFER_SIZE_VER0		48

/*
 * Submit count transfers from the array at xfers, each xfer_size bytes.
 * On return count holds how many were submitted: if any was, the call
 * succeeds and the first one not submitted is the one to look at again.
 */
struct userdma_submit {
	__u32 size;
	__u32 flags;			/* in: must be 0 */
	__aligned_u64 xfers;		/* in: struct userdma_xfer array */
	__u32 count;			/* in: entries; out: submitted */
	__u32 xfer_size;		/* in: sizeof(struct userdma_xfer) */
};

#define USERDMA_SUBMIT_SIZE_VER0	24

/* struct userdma_completion.status */
#define USERDMA_XFER_DONE	0	/* every byte copied */
#define USERDMA_XFER_FAULT	1	/* the engine could not reach an address */
#define USERDMA_XFER_TIMEOUT	2	/* not done within the module's timeout */
#define USERDMA_XFER_CANCELLED	3	/* stopped before it ran */
#define USERDMA_XFER_ERROR	4	/* the engine refused or failed it */

/* What read() returns, one per finished transfer, in completion order. */
struct userdma_completion {
	__aligned_u64 cookie;
	__aligned_u64 user_data;
	__aligned_u64 bytes;		/* copied before a fault, or length */
	__u32 status;			/* USERDMA_XFER_* */
	__u32 reserved;
};

/*
 * Wait for the transfer named by cookie (0: any) and consume its
 * completion.  timeout_ns < 0 waits for ever, 0 only checks.
 */
struct userdma_wait {
	__u32 size;
	__u32 flags;			/* in: must be 0 */
	__aligned_u64 cookie;		/* in */
	__s64 timeout_ns;		/* in */
	struct userdma_completion completion;	/* out */
};

#define USERDMA_WAIT_SIZE_VER0		56

/*
 * Driver-allocated buffers.  ALLOC gets memory for the node's device and a
 * handle that works like a registration's (SEGMENTS, SYNC, transfers,
 * EXPORT); mmap() of the node at mmap_offset maps it.  Memory is freed once
 * the handle, every mapping and every exported dma-buf are gone.
 *
 * Cached buffers (the default) are ordinary pages the CPU caches, mapped
 * for the device as a streaming mapping: SYNC around every device access,
 * as with a registration.  Their mappings are real pages, so O_DIRECT and
 * other subsystems can use them.  Coherent buffers come from the DMA API's
 * coherent allocator: no SYNC needed, mapped as a PFN range.
 */
#define USERDMA_ALLOC_COHERENT		(1u << 0) /* dma_alloc_coherent() memory */
#define USERDMA_ALLOC_CONTIGUOUS	(1u << 1) /* one physically contiguous block */
#define USERDMA_ALLOC_FLAGS		(USERDMA_ALLOC_COHERENT | USERDMA_ALLOC_CONTIGUOUS)

/* Offsets for mmap(): one window of 2^USERDMA_MMAP_SHIFT bytes per handle. */
#define USERDMA_MMAP_SHIFT		40

struct userdma_alloc {
	__u32 size;
	__u32 flags;			/* in: USERDMA_ALLOC_* */
	__aligned_u64 length;		/* in: bytes, at least 1; out: rounded up to pages */
	__u32 direction;		/* in: USERDMA_DIR_* */
	__u32 handle;			/* out: never 0 */
	__u32 nr_segments;		/* out: DMA segments of the buffer */
	__u32 reserved;			/* must be 0 */
	__aligned_u64 mmap_offset;	/* out: offset to pass to mmap() */
};

#define USERDMA_ALLOC_SIZE_VER0		40

/*
 * Export a handle as a dma-buf file descriptor, for other drivers (DRM,
 * V4L2, ...) to import.  Registrations must be page aligned.  The dma-buf
 * keeps the memory alive after the handle is gone; DMA_BUF_IOCTL_SYNC on
 * it syncs the importers' mappings (this device's is SYNC's business).
 */
#define USERDMA_EXPORT_CLOEXEC		(1u << 0) /* O_CLOEXEC on the new fd */

struct userdma_export {
	__u32 size;
	__u32 flags;			/* in: USERDMA_EXPORT_* */
	__u32 handle;			/* in */
	__s32 fd;			/* out: the dma-buf */
};

#define USERDMA_EXPORT_SIZE_VER0	16

/*
 * Import a dma-buf from another exporter: it is attached to and mapped
 * for the node's device, and gets a handle for SEGMENTS, SYNC (of this
 * device's mapping) and transfers.  The CPU view stays the exporter's.
 */
struct userdma_import {
	__u32 size;
	__u32 flags;			/* in: must be 0 */
	__s32 fd;			/* in: a dma-buf */
	__u32 direction;		/* in: USERDMA_DIR_* */
	__aligned_u64 length;		/* out: the dma-buf's size */
	__u32 handle;			/* out: never 0 */
	__u32 nr_segments;		/* out */
};

#define USERDMA_IMPORT_SIZE_VER0	32

/*
 * The ioctl numbers carry no size: the struct's own size field says which
 * layout the caller passed, so growing a struct never changes its number.
 */
#define USERDMA_IOC_MAGIC	0xDA

#define USERDMA_IOC_INFO	_IO(USERDMA_IOC_MAGIC, 0x00)
#define USERDMA_IOC_REGISTER	_IO(USERDMA_IOC_MAGIC, 0x01)
#define USERDMA_IOC_SEGMENTS	_IO(USERDMA_IOC_MAGIC, 0x02)
#define USERDMA_IOC_SYNC	_IO(USERDMA_IOC_MAGIC, 0x03)
#define USERDMA_IOC_UNREGISTER	_IO(USERDMA_IOC_MAGIC, 0x04)
#define USERDMA_IOC_CHANNEL	_IO(USERDMA_IOC_MAGIC, 0x05)
#define USERDMA_IOC_SUBMIT	_IO(USERDMA_IOC_MAGIC, 0x06)
#define USERDMA_IOC_WAIT	_IO(USERDMA_IOC_MAGIC, 0x07)
#define USERDMA_IOC_ALLOC	_IO(USERDMA_IOC_MAGIC, 0x08)
#define USERDMA_IOC_EXPORT	_IO(USERDMA_IOC_MAGIC, 0x09)
#define USERDMA_IOC_IMPORT	_IO(USERDMA_IOC_MAGIC, 0x0a)

#endif /* _UAPI_LINUX_USERDMA_H */
