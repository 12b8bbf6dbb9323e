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

Every failure of the library raises OSError whose message is the
library's own explanation of it (userdma_last_error()).  Using a region or
buffer after unregister()/free(), or a device after close(), raises
ValueError.
"""
import ctypes
import dataclasses
import mmap

from ._lib import (ALLOC_COHERENT, ALLOC_CONTIGUOUS, BIDIRECTIONAL, EXPORT_CLOEXEC,
                   FROM_DEVICE, INFO_BOUNCE, INFO_COHERENT, INFO_IOMMU, MMAP_SHIFT,
                   TO_DEVICE, XFER_STATUS, Completion, InfoStruct, Segment, check, lib)

__version__ = "0.3.0"

__all__ = ["Device", "Region", "Buffer", "Import", "Info", "TO_DEVICE", "FROM_DEVICE",
           "BIDIRECTIONAL", "ALLOC_COHERENT", "ALLOC_CONTIGUOUS", "INFO_IOMMU",
           "INFO_BOUNCE", "INFO_COHERENT"]


@dataclasses.dataclass(frozen=True)
class Info:
    """What USERDMA_IOC_INFO says of a node (struct userdma_info)."""
    flags: int              # INFO_IOMMU | INFO_BOUNCE | INFO_COHERENT
    abi_version: int
    page_size: int
    dma_mask: int           # addresses the device can reach
    max_seg_size: int       # longest DMA segment handed out
    max_region_bytes: int   # longest registration accepted
    max_regions: int        # live handles allowed per open file
    device: str             # the bound device, e.g. "0000:00:03.0"
    bus: str                # its bus, e.g. "pci"
    driver_name: str        # userdma's binding, e.g. "edu"

    @property
    def iommu(self):
        """An IOMMU translates the device's DMA."""
        return bool(self.flags & INFO_IOMMU)

    @property
    def bounce(self):
        """DMA goes through swiotlb bounce buffers."""
        return bool(self.flags & INFO_BOUNCE)

    @property
    def coherent(self):
        """CPU caches are coherent with the device's DMA."""
        return bool(self.flags & INFO_COHERENT)


def _contiguous_bytes(buffer):
    """A flat byte memoryview of buffer, which must be C-contiguous."""
    view = memoryview(buffer)
    if not view.c_contiguous:
        # a slice with a step, a transposed or Fortran-ordered numpy
        # array...: not one run of memory in C order
        view.release()
        raise ValueError("userdma registers C-contiguous buffers only, and this one is not "
                         "(a slice with a step, a transposed or Fortran-order array...): "
                         "copy it into a contiguous one first, e.g. numpy.ascontiguousarray(a)")
    return view.cast("B")


class _Handle:
    """A handle of an open device: a registration, a buffer or an import."""

    _kind, _released = "handle", "handle was released"

    def __init__(self, dev, handle, length):
        self.dev, self.handle, self.length = dev, handle, length

    def _live(self):
        """The device's library handle, or ValueError once unusable."""
        if self.handle is None:
            raise ValueError(self._released)
        if not self.dev._u:
            raise ValueError("%s's device was closed (which released it)" % self._kind)
        return self.dev._u

    def segments(self):
        """The (dma_addr, length) runs a device is programmed with."""
        u = self._live()
        total = ctypes.c_uint32()
        check(lib.userdma_segments(u, self.handle, 0, None, 0, ctypes.byref(total)),
              "segments")
        segs = (Segment * total.value)()
        check(lib.userdma_segments(u, self.handle, 0, segs, total.value,
                                   ctypes.byref(total)), "segments")
        return [(s.dma_addr, s.length) for s in segs]

    def _span(self, offset, length):
        return offset, self.length - offset if length is None else length

    def sync_for_cpu(self, offset=0, length=None):
        """Make what the device wrote to [offset, offset+length) visible."""
        u = self._live()
        offset, length = self._span(offset, length)
        check(lib.userdma_sync_for_cpu(u, self.handle, offset, length), "sync_for_cpu")

    def sync_for_device(self, offset=0, length=None):
        """Hand what the CPU wrote to [offset, offset+length) to the device."""
        u = self._live()
        offset, length = self._span(offset, length)
        check(lib.userdma_sync_for_device(u, self.handle, offset, length),
              "sync_for_device")

    def export(self, cloexec=True):
        """A dma-buf of this handle for other drivers to import: its fd.

        The caller owns the fd (os.close() it); it keeps the memory alive
        after the handle is released.  Cached buffers and page-aligned
        registrations only.  Like os.open(), the fd is not inherited by
        child processes unless cloexec is False.
        """
        u = self._live()
        fd = ctypes.c_int(-1)
        check(lib.userdma_export(u, self.handle, EXPORT_CLOEXEC if cloexec else 0,
                                 ctypes.byref(fd)), "export")
        return fd.value

    def _release(self):
        """Drop the handle: unregister it while the device is open (a
        closed device released it already)."""
        if self.handle is not None:
            if self.dev._u:
                check(lib.userdma_unregister(self.dev._u, self.handle), "unregister")
            self.handle = None

    def unregister(self):
        """Release the handle (again: nothing)."""
        self._release()


class Region(_Handle):
    """A registered user buffer: pinned and mapped until unregister()."""

    _kind, _released = "region", "region was unregistered"

    def __init__(self, dev, handle, view, owner):
        super().__init__(dev, handle, len(view))
        self._view = view
        # Holding the exported buffer keeps its memory where it was pinned:
        # a bytearray cannot be resized while this reference lives.
        self._owner = owner

    @property
    def view(self):
        """A memoryview of the registered bytes (while registered)."""
        self._live()
        return self._view

    @property
    def address(self):
        """The user address of the first byte (while registered)."""
        self._live()
        return ctypes.addressof(self._owner)

    def array(self, dtype="uint8"):
        """A numpy array over the same memory (no copy)."""
        view = self.view
        import numpy
        return numpy.frombuffer(view, dtype=dtype)

    def unregister(self):
        """Unmap, dirty and unpin; the buffer stays the caller's."""
        if self.handle is not None:
            self._release()
            # the caller's buffer may be resized again once nothing else
            # (a numpy array from array()) uses it
            self._owner = None
            try:
                self._view.release()
            except BufferError:
                pass


class Buffer(Region):
    """Memory the driver allocated, mapped into this process with mmap.

    The mapping is a Python mmap object: it is unmapped only when nothing
    uses it any more, so view, address, array() and the arrays or
    memoryviews taken from the buffer stay valid even after free() (which
    releases the handle; the driver frees the memory with the last
    mapping).  DMA calls (segments, sync, export, copy) end with free().
    """

    _kind, _released = "buffer", "buffer was freed"

    def __init__(self, dev, handle, length):
        self._map = mmap.mmap(dev.fileno(), length, mmap.MAP_SHARED,
                              mmap.PROT_READ | mmap.PROT_WRITE,
                              offset=handle << MMAP_SHIFT)
        owner = (ctypes.c_char * length).from_buffer(self._map)
        super().__init__(dev, handle, memoryview(self._map), owner)

    @property
    def view(self):
        """A memoryview of the mapping (valid after free() too)."""
        return self._view

    @property
    def address(self):
        """The address of the mapping (valid after free() too)."""
        return ctypes.addressof(self._owner)

    def free(self):
        """Release the handle (DMA through it ends); views stay readable."""
        if self.handle is not None:
            if self.dev._u:
                check(lib.userdma_free(self.dev._u, self.handle, None, 0), "free")
            self.handle = None

    unregister = free


class Import(_Handle):
    """Another exporter's dma-buf mapped for the node's device.

    A handle for segments, sync (of this device's mapping) and transfers
    (Device.copy()); the CPU reads and writes the memory through the
    exporter's own mapping.  unregister() releases it.
    """

    _kind, _released = "import", "import was unregistered"

    def __init__(self, dev, handle, length, nr_segments):
        super().__init__(dev, handle, length)
        self.nr_segments = nr_segments


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

    def _live(self):
        if not self._u:
            raise ValueError("device was closed")
        return self._u

    @property
    def name(self):
        return lib.userdma_name(self._live()).decode()

    def fileno(self):
        return lib.userdma_fd(self._live())

    def close(self):
        """Closing releases every registration and buffer of this file."""
        if self._u:
            lib.userdma_close(self._u)
            self._u = ctypes.c_void_p()

    def info(self):
        """The node's device and limits (USERDMA_IOC_INFO), as an Info."""
        i = InfoStruct()
        check(lib.userdma_info(self._live(), ctypes.byref(i)), "info")
        return Info(**{f.name: (getattr(i, f.name).decode(errors="replace")
                                if isinstance(getattr(i, f.name), bytes)
                                else getattr(i, f.name))
                       for f in dataclasses.fields(Info)})

    def register(self, buffer, direction=BIDIRECTIONAL):
        """Pin and map a writable C-contiguous buffer in place; returns a Region."""
        u = self._live()
        view = _contiguous_bytes(buffer)
        if view.readonly:
            raise BufferError("userdma registers writable buffers only")
        owner = (ctypes.c_char * len(view)).from_buffer(view)
        handle = ctypes.c_uint32()
        check(lib.userdma_register(u, ctypes.addressof(owner), len(view), direction,
                                   ctypes.byref(handle), None), "register")
        return Region(self, handle.value, view, owner)

    def alloc(self, length, coherent=False, contiguous=False, direction=BIDIRECTIONAL):
        """A driver-allocated buffer mapped here (length rounds up to pages)."""
        u = self._live()
        flags = (ALLOC_COHERENT if coherent else 0) | (ALLOC_CONTIGUOUS if contiguous else 0)
        handle, got = ctypes.c_uint32(), ctypes.c_size_t()
        # mapped here, not by the library: see Buffer
        check(lib.userdma_alloc(u, length, flags, direction, ctypes.byref(handle),
                                None, ctypes.byref(got)), "alloc")
        return Buffer(self, handle.value, got.value)

    def import_(self, fd, direction=BIDIRECTIONAL):
        """Map a dma-buf (an fd, or an object with fileno()) for this node's
        device; returns an Import.  The fd stays the caller's to close."""
        u = self._live()
        if not isinstance(fd, int):
            fd = fd.fileno()
        handle, length, nsegs = ctypes.c_uint32(), ctypes.c_uint64(), ctypes.c_uint32()
        check(lib.userdma_import(u, fd, direction, ctypes.byref(handle),
                                 ctypes.byref(length), ctypes.byref(nsegs)), "import")
        return Import(self, handle.value, length.value, nsegs.value)

    def channel(self, name="sw"):
        """Bind this file to a DMA engine channel; returns (channel, engine)."""
        u = self._live()
        bound, engine = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
        check(lib.userdma_channel(u, name.encode() if name else None, -1,
                                  bound, 32, engine, 32), "channel")
        return bound.value.decode(), engine.value.decode()

    def copy(self, src, dst, length=None, src_offset=0, dst_offset=0, user_data=0):
        """Start a copy between two regions, buffers or imports; returns its cookie."""
        u = self._live()
        src._live()
        dst._live()
        if length is None:
            length = min(src.length - src_offset, dst.length - dst_offset)
        cookie = ctypes.c_uint64()
        check(lib.userdma_copy_region(u, src.handle, src_offset, dst.handle,
                                      dst_offset, length, user_data, ctypes.byref(cookie)),
              "copy")
        return cookie.value

    def wait(self, cookie=0, timeout=None):
        """Wait for a transfer (0: any); returns (status name, bytes, user_data)."""
        u = self._live()
        c = Completion()
        ns = -1 if timeout is None else int(timeout * 1e9)
        check(lib.userdma_wait(u, cookie, ns, ctypes.byref(c)), "wait")
        return XFER_STATUS.get(c.status, "UNKNOWN"), c.bytes, c.user_data
