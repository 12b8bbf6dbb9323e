# SPDX-License-Identifier: MIT
"""ctypes declarations of libuserdma.so.0 (lib/include/userdma.h)."""
import ctypes
import ctypes.util
import os

TO_DEVICE = 1
FROM_DEVICE = 2
BIDIRECTIONAL = 3
ALLOC_COHERENT = 1 << 0
ALLOC_CONTIGUOUS = 1 << 1
MMAP_SHIFT = 40              # USERDMA_MMAP_SHIFT: one mmap window per handle

XFER_STATUS = {0: "DONE", 1: "FAULT", 2: "TIMEOUT", 3: "CANCELLED", 4: "ERROR"}


class Segment(ctypes.Structure):
    """struct userdma_segment: one run of DMA addresses."""
    _fields_ = [("dma_addr", ctypes.c_uint64), ("length", ctypes.c_uint64)]


class Completion(ctypes.Structure):
    """struct userdma_completion: the end of one transfer."""
    _fields_ = [("cookie", ctypes.c_uint64), ("user_data", ctypes.c_uint64),
                ("bytes", ctypes.c_uint64), ("status", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32)]


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
    "userdma_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "userdma_last_error": (ctypes.c_char_p, []),
}

for _name, (_res, _args) in _SIGNATURES.items():
    try:
        _f = getattr(lib, _name)
    except AttributeError:
        continue            # an older library: alloc is missing before 0.3
    _f.restype, _f.argtypes = _res, _args


def check(ret, what):
    """Turn a negative errno from the library into OSError."""
    if ret < 0:
        detail = lib.userdma_last_error().decode(errors="replace")
        msg = lib.userdma_strerror(ret).decode(errors="replace")
        raise OSError(-ret, f"{what}: {msg}" + (f" ({detail})" if detail else ""))
    return ret
