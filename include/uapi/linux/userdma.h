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
 * Unknown flags and non-zero reserved fields are rejected with EINVAL.
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
 * The ioctl numbers carry no size: the struct's own size field says which
 * layout the caller passed, so growing a struct never changes its number.
 */
#define USERDMA_IOC_MAGIC	0xDA

#define USERDMA_IOC_INFO	_IO(USERDMA_IOC_MAGIC, 0x00)
#define USERDMA_IOC_REGISTER	_IO(USERDMA_IOC_MAGIC, 0x01)
#define USERDMA_IOC_SEGMENTS	_IO(USERDMA_IOC_MAGIC, 0x02)
#define USERDMA_IOC_SYNC	_IO(USERDMA_IOC_MAGIC, 0x03)
#define USERDMA_IOC_UNREGISTER	_IO(USERDMA_IOC_MAGIC, 0x04)

#endif /* _UAPI_LINUX_USERDMA_H */
