# SPDX-License-Identifier: MIT
"""Tests of the userdma Python package against a real /dev/userdmaN (the
package test guest, tests/packaging/guest.sh); skipped without a node."""
import ctypes
import errno
import glob
import unittest

try:
    import numpy
except ImportError:
    numpy = None

import userdma

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


if __name__ == "__main__":
    unittest.main()
