# SPDX-License-Identifier: MIT
"""ctypes declarations of libuserdma.so.0 (lib/include/userdma.h)."""
import ctypes
import ctypes.util
import errno
import os

TO_DEVICE = 1
FROM_DEVICE = 2
BIDIRECTIONAL = 3
ALLOC_COHERENT = 1 << 0
ALLOC_CONTIGUOUS = 1 << 1
MMAP_SHIFT = 40              # USERDMA_MMAP_SHIFT: one mmap window per handle
EXPORT_CLOEXEC = 1 << 0      # USERDMA_EXPORT_CLOEXEC
INFO_IOMMU = 1 << 0          # struct userdma_info.flags: USERDMA_INFO_*
INFO_BOUNCE = 1 << 1
INFO_COHERENT = 1 << 2

XFER_STATUS = {0: "DONE", 1: "FAULT", 2: "TIMEOUT", 3: "CANCELLED", 4: "ERROR"}


class Segment(ctypes.Structure):
    """struct userdma_segment: one run of DMA addresses."""
    _fields_ = [("dma_addr", ctypes.c_uint64), ("length", ctypes.c_uint64)]


class Completion(ctypes.Structure):
    """struct userdma_completion: the end of one transfer."""
    _fields_ = [("cookie", ctypes.c_uint64), ("user_data", ctypes.c_uint64),
                ("bytes", ctypes.c_uint64), ("status", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32)]


class InfoStruct(ctypes.Structure):
    """struct userdma_info (USERDMA_IOC_INFO): the node's device and limits."""
    _fields_ = [("size", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("abi_version", ctypes.c_uint32), ("page_size", ctypes.c_uint32),
                ("dma_mask", ctypes.c_uint64), ("max_seg_size", ctypes.c_uint64),
                ("max_region_bytes", ctypes.c_uint64), ("max_regions", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32), ("device", ctypes.c_char * 64),
                ("bus", ctypes.c_char * 16), ("driver_name", ctypes.c_char * 16)]


def _load():
    # USERDMA_LIB names a build tree's library; otherwise the installed one
    name = os.environ.get("USERDMA_LIB") or "libuserdma.so.0"
    return ctypes.CDLL(name, use_errno=False)


lib = _load()
_p = ctypes.c_void_p
_u32, _u64, _i64 = ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64
_size = ctypes.c_size_t
_pu32 = ctypes.POINTER(_u32)

_SIGNATURES = {
    "userdma_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_p)]),
    "userdma_close": (None, [_p]),
    "userdma_fd": (ctypes.c_int, [_p]),
    "userdma_name": (ctypes.c_char_p, [_p]),
    "userdma_info": (ctypes.c_int, [_p, ctypes.POINTER(InfoStruct)]),
    "userdma_register": (ctypes.c_int, [_p, _p, _size, ctypes.c_uint, _pu32, _pu32]),
    "userdma_unregister": (ctypes.c_int, [_p, _u32]),
    "userdma_segments": (ctypes.c_int, [_p, _u32, _u32, ctypes.POINTER(Segment), _u32, _pu32]),
    "userdma_sync_for_cpu": (ctypes.c_int, [_p, _u32, _u64, _u64]),
    "userdma_sync_for_device": (ctypes.c_int, [_p, _u32, _u64, _u64]),
    "userdma_channel": (ctypes.c_int, [_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                       _size, ctypes.c_char_p, _size]),
    "userdma_copy_region": (ctypes.c_int, [_p, _u32, _u64, _u32, _u64, _u64, _u64,
                                           ctypes.POINTER(_u64)]),
    "userdma_wait": (ctypes.c_int, [_p, _u64, _i64, ctypes.POINTER(Completion)]),
    "userdma_alloc": (ctypes.c_int, [_p, _size, ctypes.c_uint, ctypes.c_uint, _pu32,
                                     ctypes.POINTER(_p), ctypes.POINTER(_size)]),
    "userdma_free": (ctypes.c_int, [_p, _u32, _p, _size]),
    "userdma_export": (ctypes.c_int, [_p, _u32, ctypes.c_uint, ctypes.POINTER(ctypes.c_int)]),
    "userdma_import": (ctypes.c_int, [_p, ctypes.c_int, ctypes.c_uint, _pu32,
                                      ctypes.POINTER(_u64), _pu32]),
    "userdma_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "userdma_last_error": (ctypes.c_char_p, []),
}

for _name, (_res, _args) in _SIGNATURES.items():
    try:
        _f = getattr(lib, _name)
    except AttributeError:
        continue            # an older library: alloc is missing before 0.3
    _f.restype, _f.argtypes = _res, _args


def _explains(detail, err):
    """Whether detail is the explanation of a failure with errno err.

    The library's explanations end in the errno's name, "(EACCES)", or
    "(errno N)" for one it does not name: a detail naming another errno is
    that of an earlier failure.
    """
    if not detail.endswith(")") or " (" not in detail:
        return False
    name = detail[detail.rindex(" (") + 2:-1]
    if name.startswith("errno "):
        return name == "errno %d" % err
    return getattr(errno, name, None) == err


def error(ret, what):
    """The OSError for a negative errno ret of the library call what.

    Its message is the library's own explanation (userdma_last_error():
    "copy: transfer 0: handle 3 is registered FROM_DEVICE and cannot be a
    source (EACCES)"), which names the cause that applied; the generic
    text of the errno (userdma_strerror(), which lists every cause the
    errno may have) only when the library left no explanation of this
    failure.
    """
    err = -ret
    detail = lib.userdma_last_error().decode(errors="replace")
    if _explains(detail, err):
        return OSError(err, detail)
    return OSError(err, "%s: %s" % (what, lib.userdma_strerror(ret).decode(errors="replace")))


def check(ret, what):
    """Turn a negative errno from the library into OSError (see error())."""
    if ret < 0:
        raise error(ret, what)
    return ret
