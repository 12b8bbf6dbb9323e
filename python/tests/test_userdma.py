# SPDX-License-Identifier: MIT
"""Tests of the userdma Python package: against a real /dev/userdmaN (the
package test guest, tests/packaging/guest.sh; skipped without a node), and
of what the package itself decides (released objects, non-contiguous
buffers, error messages) against a fake library, which run anywhere."""
import ctypes
import errno
import glob
import mmap
import os
import tempfile
import unittest
from unittest import mock

try:
    import numpy
except ImportError:
    numpy = None

import userdma
from userdma import _lib

NODE = sorted(glob.glob("/dev/userdma[0-9]*"))
MIB = 1 << 20


def pattern(n, seed):
    return bytearray((i * 31 + seed + (i >> 9)) & 0xFF for i in range(n))


@unittest.skipUnless(NODE, "no /dev/userdma node")
class TestUserdma(unittest.TestCase):
    def setUp(self):
        self.dev = userdma.Device("userdma0")

    def tearDown(self):
        self.dev.close()

    def test_register_segments_sync(self):
        buf = bytearray(MIB + 123)
        r = self.dev.register(buf, userdma.BIDIRECTIONAL)
        segs = r.segments()
        self.assertGreaterEqual(len(segs), 1)
        self.assertEqual(sum(length for _, length in segs), len(buf))
        self.assertEqual(r.address, ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf)))
        r.sync_for_device()
        r.sync_for_cpu(100, 1000)
        # pinned memory must not move: the bytearray refuses to resize
        with self.assertRaises(BufferError):
            buf.extend(b"x")
        r.unregister()
        buf.extend(b"x")

    def test_errors(self):
        with self.assertRaises(OSError) as e:
            self.dev.register(bytearray(0))
        self.assertEqual(e.exception.errno, errno.EINVAL)
        with self.assertRaises(BufferError):
            self.dev.register(b"read-only bytes")
        r = self.dev.register(bytearray(4096))
        with self.assertRaises(OSError) as e:
            r.sync_for_cpu(4000, 200)
        self.assertEqual(e.exception.errno, errno.ERANGE)
        r.unregister()

    def test_transfer_bytearrays(self):
        self.dev.channel("sw")
        src, dst = pattern(3 * MIB + 7, 1), bytearray(3 * MIB + 7)
        rs = self.dev.register(src, userdma.TO_DEVICE)
        rd = self.dev.register(dst, userdma.FROM_DEVICE)
        status, nbytes, data = self.dev.wait(self.dev.copy(rs, rd, user_data=9), 30)
        self.assertEqual((status, nbytes, data), ("DONE", len(src), 9))
        self.assertEqual(dst, src)
        # a part, at offsets, leaves the rest alone
        dst2 = bytearray(b"\xee" * 8192)
        rd2 = self.dev.register(dst2, userdma.FROM_DEVICE)
        status, nbytes, _ = self.dev.wait(self.dev.copy(rs, rd2, 1000, 5, 3000), 30)
        self.assertEqual((status, nbytes), ("DONE", 1000))
        self.assertEqual(dst2[3000:4000], src[5:1005])
        self.assertEqual(dst2[:3000] + dst2[4000:], b"\xee" * 7192)
        for r in (rs, rd, rd2):
            r.unregister()

    @unittest.skipUnless(numpy, "numpy not installed")
    def test_numpy_zero_copy(self):
        self.dev.channel("sw")
        a = numpy.arange(MIB // 4, dtype=numpy.uint32)
        b = numpy.zeros_like(a)
        ra = self.dev.register(a, userdma.TO_DEVICE)
        rb = self.dev.register(b, userdma.FROM_DEVICE)
        view = rb.array(numpy.uint32)
        # the same memory, not a copy
        self.assertEqual(view.__array_interface__["data"][0], b.__array_interface__["data"][0])
        self.assertEqual(self.dev.wait(self.dev.copy(ra, rb), 30)[0], "DONE")
        rb.sync_for_cpu()
        self.assertTrue(numpy.array_equal(b, a))
        self.assertTrue(numpy.array_equal(view, a))
        del view
        ra.unregister()
        rb.unregister()

    def test_alloc_buffer(self):
        self.dev.channel("sw")
        buf = self.dev.alloc(100000)
        self.assertEqual(buf.length % 4096, 0)
        self.assertGreaterEqual(buf.length, 100000)
        src = pattern(buf.length, 3)
        buf.view[:] = src
        buf.sync_for_device()
        dst = bytearray(buf.length)
        rd = self.dev.register(dst, userdma.FROM_DEVICE)
        self.assertEqual(self.dev.wait(self.dev.copy(buf, rd), 30)[0], "DONE")
        self.assertEqual(dst, src)
        rd.unregister()
        arr = buf.array(numpy.uint8) if numpy is not None else None
        if arr is not None:
            self.assertEqual(arr.__array_interface__["data"][0], buf.address)
        buf.free()
        # the mapping outlives the handle while something uses it
        self.assertEqual(bytes(buf.view[:64]), bytes(src[:64]))
        if arr is not None:
            self.assertEqual(arr[:64].tobytes(), bytes(src[:64]))
        with self.assertRaises(ValueError):
            self.dev.copy(buf, buf)         # but no DMA through a freed handle

    def test_coherent_alloc(self):
        buf = self.dev.alloc(8192, coherent=True)
        buf.view[:4] = b"abcd"
        self.assertEqual(bytes(buf.view[:4]), b"abcd")
        buf.free()

    def test_direction_mistake_message(self):
        # the library's explanation, not errno's list of possible causes
        self.dev.channel("sw")
        src, dst = bytearray(4096), bytearray(4096)
        rs = self.dev.register(src, userdma.FROM_DEVICE)
        rd = self.dev.register(dst, userdma.FROM_DEVICE)
        with self.assertRaises(OSError) as e:
            self.dev.copy(rs, rd)
        self.assertEqual(e.exception.errno, errno.EACCES)
        msg = str(e.exception)
        # "handle 3 is registered FROM_DEVICE and cannot be a source", or
        # "the source (handle 3) is registered FROM_DEVICE or ..."
        self.assertIn("handle %d" % rs.handle, msg)
        self.assertIn("registered FROM_DEVICE", msg)
        self.assertNotIn("root-only", msg)
        self.assertEqual(e.exception.strerror, _lib.lib.userdma_last_error().decode())
        rs.unregister()
        rd.unregister()

    def test_info(self):
        info = self.dev.info()
        self.assertIsInstance(info, userdma.Info)
        self.assertEqual(info.page_size, mmap.PAGESIZE)
        self.assertGreaterEqual(info.abi_version, 1)
        self.assertGreater(info.max_regions, 0)
        self.assertGreater(info.max_region_bytes, 0)
        self.assertGreater(info.dma_mask, 0)
        self.assertTrue(info.device and info.bus and info.driver_name)
        self.assertIsInstance(info.iommu, bool)

    def test_export_import(self):
        self.dev.channel("sw")
        buf = self.dev.alloc(3 * 4096)
        fd = buf.export()
        try:
            self.assertFalse(os.get_inheritable(fd))
            self.assertEqual(os.fstat(fd).st_size, buf.length)
            im = self.dev.import_(fd)
        finally:
            os.close(fd)
        self.assertIsInstance(im, userdma.Import)
        self.assertEqual(im.length, buf.length)
        self.assertGreaterEqual(im.nr_segments, 1)
        self.assertEqual(sum(length for _, length in im.segments()), buf.length)
        src = pattern(buf.length, 5)
        rs = self.dev.register(src, userdma.TO_DEVICE)
        self.assertEqual(self.dev.wait(self.dev.copy(rs, im), 30)[0], "DONE")
        buf.sync_for_cpu()
        self.assertEqual(bytes(buf.view), bytes(src))
        im.unregister()
        with self.assertRaisesRegex(ValueError, "import was unregistered"):
            im.segments()
        rs.unregister()
        buf.free()
        # a coherent buffer is never exported; a pipe is no dma-buf
        coh = self.dev.alloc(4096, coherent=True)
        with self.assertRaises(OSError) as e:
            coh.export()
        self.assertEqual(e.exception.errno, errno.EOPNOTSUPP)
        coh.free()
        r, w = os.pipe()
        try:
            with self.assertRaises(OSError) as e:
                self.dev.import_(r)
            self.assertEqual(e.exception.errno, errno.EINVAL)
            self.assertIn("not a dma-buf", str(e.exception))
        finally:
            os.close(r)
            os.close(w)

    def test_released_objects_on_a_node(self):
        r = self.dev.register(bytearray(4096))
        r.unregister()
        with self.assertRaisesRegex(ValueError, "region was unregistered"):
            r.address
        dev = userdma.Device("userdma0")
        r = dev.register(bytearray(4096))
        dev.close()
        with self.assertRaisesRegex(ValueError, "device was closed"):
            r.segments()
        with self.assertRaisesRegex(ValueError, "device was closed"):
            dev.info()
        r.unregister()          # closing released it already: nothing to do

    @unittest.skipUnless(numpy, "numpy not installed")
    def test_numpy_non_contiguous(self):
        a = numpy.zeros((64, 64), dtype=numpy.uint32)
        with self.assertRaisesRegex(ValueError, "C-contiguous.*ascontiguousarray"):
            self.dev.register(a[:, ::2])


class FakeLib:
    """Stands in for libuserdma.so.0: every call succeeds, handles count
    up, and the calls are recorded."""

    def __init__(self, mapfile=None):
        self.calls, self.next_handle, self.mapfile = [], 1, mapfile

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, args))
            return 0
        return call

    def _out(self, ref, value):
        ref._obj.value = value

    def userdma_open(self, name, out):
        self._out(out, 0x1000)
        return 0

    def userdma_close(self, u):
        self.calls.append(("userdma_close", (u,)))

    def userdma_fd(self, u):
        return self.mapfile.fileno() if self.mapfile else -1

    def userdma_name(self, u):
        return b"userdma0"

    def userdma_register(self, u, addr, length, direction, handle, nsegs):
        self._out(handle, self.next_handle)
        self.next_handle += 1
        return 0

    def userdma_alloc(self, u, length, flags, direction, handle, addr, got):
        self._out(handle, 0)        # offset 0 of the fake node: self.mapfile
        self._out(got, length)
        return 0

    def userdma_info(self, u, info):
        i = info._obj
        i.flags = userdma.INFO_IOMMU | userdma.INFO_COHERENT
        i.abi_version, i.page_size, i.dma_mask = 1, 4096, (1 << 28) - 1
        i.max_seg_size, i.max_region_bytes, i.max_regions = 65536, 1 << 30, 1024
        i.device, i.bus, i.driver_name = b"0000:00:03.0", b"pci", b"edu"
        return 0

    def userdma_export(self, u, handle, flags, fd):
        self.calls.append(("userdma_export", (handle, flags)))
        self._out(fd, 42)
        return 0

    def userdma_import(self, u, fd, direction, handle, length, nsegs):
        self._out(handle, 77)
        self._out(length, 8192)
        self._out(nsegs, 2)
        return 0

    def userdma_segments(self, u, handle, first, segs, count, total):
        self._out(total, 0)
        return 0


class FakeTest(unittest.TestCase):
    """The package against FakeLib: no node needed."""

    def setUp(self):
        self.mapfile = tempfile.TemporaryFile()
        self.mapfile.truncate(2 * mmap.PAGESIZE)
        self.fake = FakeLib(self.mapfile)
        patcher = mock.patch.object(userdma, "lib", self.fake)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.mapfile.close)
        self.dev = userdma.Device()

    def unusable(self, calls, message):
        for what, call in calls.items():
            with self.subTest(what):
                with self.assertRaisesRegex(ValueError, message):
                    call()

    def region_calls(self, r):
        return {"address": lambda: r.address, "view": lambda: r.view,
                "array": r.array, "segments": r.segments,
                "sync_for_cpu": r.sync_for_cpu, "sync_for_device": r.sync_for_device,
                "export": r.export, "copy from": lambda: self.dev.copy(r, r)}

    def test_unregistered_region(self):
        buf = bytearray(4096)
        r = self.dev.register(buf)
        self.assertEqual(r.view.nbytes, 4096)
        r.unregister()
        self.unusable(self.region_calls(r), "^region was unregistered$")
        r.unregister()          # again: nothing
        self.assertEqual([c for c, _ in self.fake.calls].count("userdma_unregister"), 1)
        buf.extend(b"x")        # no longer held

    def test_freed_buffer(self):
        b = self.dev.alloc(mmap.PAGESIZE)
        b.view[:4] = b"abcd"
        b.free()
        # the mapping lives on while used: view and address stay
        self.assertEqual(bytes(b.view[:4]), b"abcd")
        self.assertTrue(b.address)
        calls = self.region_calls(b)
        for still in ("address", "view", "array"):
            del calls[still]
        self.unusable(calls, "^buffer was freed$")

    def test_unregistered_import(self):
        im = self.dev.import_(5, userdma.FROM_DEVICE)
        self.assertEqual((im.handle, im.length, im.nr_segments), (77, 8192, 2))
        im.unregister()
        self.unusable({"segments": im.segments, "sync_for_cpu": im.sync_for_cpu,
                       "export": im.export, "copy to": lambda: self.dev.copy(im, im)},
                      "^import was unregistered$")

    def test_closed_device(self):
        r = self.dev.register(bytearray(4096))
        self.dev.close()
        self.dev.close()        # again: nothing
        d = self.dev
        self.unusable({"name": lambda: d.name, "fileno": d.fileno, "info": d.info,
                       "register": lambda: d.register(bytearray(8)),
                       "alloc": lambda: d.alloc(4096), "import_": lambda: d.import_(5),
                       "channel": d.channel, "copy": lambda: d.copy(r, r), "wait": d.wait},
                      "^device was closed$")
        self.unusable(self.region_calls(r), "device was closed")
        n = len(self.fake.calls)
        r.unregister()          # closing released it: no call
        self.assertEqual(len(self.fake.calls), n)

    def test_info(self):
        info = self.dev.info()
        self.assertEqual(info, userdma.Info(
            flags=userdma.INFO_IOMMU | userdma.INFO_COHERENT, abi_version=1, page_size=4096,
            dma_mask=(1 << 28) - 1, max_seg_size=65536, max_region_bytes=1 << 30,
            max_regions=1024, device="0000:00:03.0", bus="pci", driver_name="edu"))
        self.assertEqual((info.iommu, info.bounce, info.coherent), (True, False, True))

    def test_export(self):
        r = self.dev.register(bytearray(4096))
        self.assertEqual(r.export(), 42)
        r.export(cloexec=False)
        exports = [a for c, a in self.fake.calls if c == "userdma_export"]
        self.assertEqual(exports, [(r.handle, 1), (r.handle, 0)])

    def test_non_contiguous(self):
        strided = memoryview(bytearray(64))[::2]
        with self.assertRaisesRegex(ValueError, "C-contiguous.*ascontiguousarray"):
            self.dev.register(strided)
        # contiguous, of any shape or format, registers
        r = self.dev.register(memoryview(bytearray(64)).cast("I", (4, 4)))
        self.assertEqual(r.length, 64)
        r = self.dev.register(memoryview(bytearray(64))[8:24])
        self.assertEqual(r.length, 16)

    @unittest.skipUnless(numpy, "numpy not installed")
    def test_numpy_non_contiguous(self):
        a = numpy.zeros((16, 16), dtype=numpy.float64)
        for name, bad in (("a[:, ::2]", a[:, ::2]), ("a.T", a.T),
                          ("Fortran order", numpy.asfortranarray(a)), ("a[::3]", a[::3])):
            with self.subTest(name):
                with self.assertRaisesRegex(ValueError, "C-contiguous.*ascontiguousarray"):
                    self.dev.register(bad)
        r = self.dev.register(numpy.ascontiguousarray(a.T))
        self.assertEqual(r.length, a.nbytes)


class ErrorMessageTest(unittest.TestCase):
    """OSError carries the library's explanation (userdma_last_error())."""

    GENERIC = (b"permission denied (userdma nodes are root-only unless a udev rule says "
               b"otherwise), a transfer against a registration's direction, or write "
               b"access to read-only memory")

    def fake(self, last_error):
        lib = mock.Mock()
        lib.userdma_last_error.return_value = last_error
        lib.userdma_strerror.return_value = self.GENERIC
        patcher = mock.patch.object(_lib, "lib", lib)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_explanation(self):
        detail = b"copy: transfer 0: handle 3 is registered FROM_DEVICE and cannot be a source (EACCES)"
        self.fake(detail)
        with self.assertRaises(PermissionError) as e:
            _lib.check(-errno.EACCES, "copy")
        self.assertEqual(e.exception.errno, errno.EACCES)
        self.assertEqual(e.exception.strerror, detail.decode())
        self.assertNotIn("root-only", str(e.exception))

    def test_stale_or_no_explanation(self):
        # an explanation of another errno (an earlier failure), or none:
        # the errno's generic text
        for last in (b"open: /dev/nosuch does not exist (ENOENT)", b""):
            with self.subTest(last):
                self.fake(last)
                with self.assertRaises(OSError) as e:
                    _lib.check(-errno.EACCES, "copy")
                self.assertEqual(e.exception.strerror, "copy: " + self.GENERIC.decode())

    def test_errno_aliases(self):
        self.assertTrue(_lib._explains("export: a coherent buffer (EOPNOTSUPP)", errno.EOPNOTSUPP))
        self.assertTrue(_lib._explains("x (errno 200)", 200))
        self.assertFalse(_lib._explains("x (errno 200)", 201))

    def test_real_library(self):
        # a failure of the real library needs no node: opening one that is not there
        with self.assertRaises(OSError) as e:
            userdma.Device("/nonexistent/userdma9")
        self.assertEqual(e.exception.strerror, _lib.lib.userdma_last_error().decode())
        self.assertTrue(e.exception.strerror.startswith("open: "))


if __name__ == "__main__":
    unittest.main()
