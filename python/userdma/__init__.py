# SPDX-License-Identifier: MIT
"""userdma from Python: zero-copy DMA into your own buffers.

A thin ctypes layer over libuserdma.so.0.  Register any writable buffer
(bytearray, mmap, numpy array...) or let the driver allocate one; either
way the bytes the device sees are the ones Python sees, never a copy:
``Region.view`` is a memoryview of them and ``Region.array()`` a numpy
array over them (when numpy is installed).

    with userdma.Device() as dev:
        buf = bytearray(1 << 20)
        r = dev.register(buf, userdma.FROM_DEVICE)
        print(r.segments())         # program the device with these
        ...                         # the device writes
        r.sync_for_cpu()
        r.unregister()
"""
import ctypes
import mmap

from ._lib import (ALLOC_COHERENT, ALLOC_CONTIGUOUS, BIDIRECTIONAL, FROM_DEVICE,
                   MMAP_SHIFT, TO_DEVICE, XFER_STATUS, Completion, Segment, check, lib)

__all__ = ["Device", "Region", "Buffer", "TO_DEVICE", "FROM_DEVICE", "BIDIRECTIONAL",
           "ALLOC_COHERENT", "ALLOC_CONTIGUOUS"]


class Region:
    """A registered user buffer: pinned and mapped until unregister()."""

    def __init__(self, dev, handle, view, owner):
        self.dev, self.handle, self.view = dev, handle, view
        # Holding the exported buffer keeps its memory where it was pinned:
        # a bytearray cannot be resized while this reference lives.
        self._owner = owner
        self.length = len(view)

    @property
    def address(self):
        """The user address of the first byte (while registered)."""
        return ctypes.addressof(self._owner)

    def segments(self):
        """The (dma_addr, length) runs a device is programmed with."""
        total = ctypes.c_uint32()
        check(lib.userdma_segments(self.dev._u, self.handle, 0, None, 0,
                                   ctypes.byref(total)), "segments")
        segs = (Segment * total.value)()
        check(lib.userdma_segments(self.dev._u, self.handle, 0, segs, total.value,
                                   ctypes.byref(total)), "segments")
        return [(s.dma_addr, s.length) for s in segs]

    def _span(self, offset, length):
        return offset, self.length - offset if length is None else length

    def sync_for_cpu(self, offset=0, length=None):
        """Make what the device wrote to [offset, offset+length) visible."""
        offset, length = self._span(offset, length)
        check(lib.userdma_sync_for_cpu(self.dev._u, self.handle, offset, length),
              "sync_for_cpu")

    def sync_for_device(self, offset=0, length=None):
        """Hand what the CPU wrote to [offset, offset+length) to the device."""
        offset, length = self._span(offset, length)
        check(lib.userdma_sync_for_device(self.dev._u, self.handle, offset, length),
              "sync_for_device")

    def array(self, dtype="uint8"):
        """A numpy array over the same memory (no copy)."""
        import numpy
        return numpy.frombuffer(self.view, dtype=dtype)

    def unregister(self):
        """Unmap, dirty and unpin; the buffer stays the caller's."""
        if self.handle is not None:
            check(lib.userdma_unregister(self.dev._u, self.handle), "unregister")
            self.handle = None
            # the caller's buffer may be resized again once nothing else
            # (a numpy array from array()) uses it
            self._owner = None
            try:
                self.view.release()
            except BufferError:
                pass


class Buffer(Region):
    """Memory the driver allocated, mapped into this process with mmap.

    The mapping is a Python mmap object: it is unmapped only when nothing
    uses it any more, so a numpy array or memoryview taken from the buffer
    stays valid even after free() (which releases the handle; the driver
    frees the memory with the last mapping).
    """

    def __init__(self, dev, handle, length):
        self._map = mmap.mmap(dev.fileno(), length, mmap.MAP_SHARED,
                              mmap.PROT_READ | mmap.PROT_WRITE,
                              offset=handle << MMAP_SHIFT)
        owner = (ctypes.c_char * length).from_buffer(self._map)
        super().__init__(dev, handle, memoryview(self._map), owner)

    def free(self):
        """Release the handle (DMA through it ends); views stay readable."""
        if self.handle is not None:
            check(lib.userdma_free(self.dev._u, self.handle, None, 0), "free")
            self.handle = None

    unregister = free


class Device:
    """An open /dev/userdmaN (name: "userdma1", a path, or None for the first)."""

    def __init__(self, name=None):
        self._u = ctypes.c_void_p()
        check(lib.userdma_open(name.encode() if name else None, ctypes.byref(self._u)),
              "open")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def name(self):
        return lib.userdma_name(self._u).decode()

    def fileno(self):
        return lib.userdma_fd(self._u)

    def close(self):
        """Closing releases every registration and buffer of this file."""
        if self._u:
            lib.userdma_close(self._u)
            self._u = ctypes.c_void_p()

    def register(self, buffer, direction=BIDIRECTIONAL):
        """Pin and map a writable buffer in place; returns a Region."""
        view = memoryview(buffer).cast("B")
        if view.readonly:
            raise BufferError("userdma registers writable buffers only")
        owner = (ctypes.c_char * len(view)).from_buffer(view)
        handle = ctypes.c_uint32()
        check(lib.userdma_register(self._u, ctypes.addressof(owner), len(view), direction,
                                   ctypes.byref(handle), None), "register")
        return Region(self, handle.value, view, owner)

    def alloc(self, length, coherent=False, contiguous=False, direction=BIDIRECTIONAL):
        """A driver-allocated buffer mapped here (length rounds up to pages)."""
        flags = (ALLOC_COHERENT if coherent else 0) | (ALLOC_CONTIGUOUS if contiguous else 0)
        handle, got = ctypes.c_uint32(), ctypes.c_size_t()
        # mapped here, not by the library: see Buffer
        check(lib.userdma_alloc(self._u, length, flags, direction, ctypes.byref(handle),
                                None, ctypes.byref(got)), "alloc")
        return Buffer(self, handle.value, got.value)

    def channel(self, name="sw"):
        """Bind this file to a DMA engine channel; returns (channel, engine)."""
        bound, engine = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
        check(lib.userdma_channel(self._u, name.encode() if name else None, -1,
                                  bound, 32, engine, 32), "channel")
        return bound.value.decode(), engine.value.decode()

    def copy(self, src, dst, length=None, src_offset=0, dst_offset=0, user_data=0):
        """Start a copy between two regions; returns its cookie."""
        if src.handle is None or dst.handle is None:
            raise ValueError("copy: a region that is no longer registered")
        if length is None:
            length = min(src.length - src_offset, dst.length - dst_offset)
        cookie = ctypes.c_uint64()
        check(lib.userdma_copy_region(self._u, src.handle, src_offset, dst.handle,
                                      dst_offset, length, user_data, ctypes.byref(cookie)),
              "copy")
        return cookie.value

    def wait(self, cookie=0, timeout=None):
        """Wait for a transfer (0: any); returns (status name, bytes, user_data)."""
        c = Completion()
        ns = -1 if timeout is None else int(timeout * 1e9)
        check(lib.userdma_wait(self._u, cookie, ns, ctypes.byref(c)), "wait")
        return XFER_STATUS.get(c.status, "UNKNOWN"), c.bytes, c.user_data
