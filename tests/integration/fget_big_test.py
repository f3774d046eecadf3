#!/usr/bin/env python3
"""fget with a file past 4 GiB (sparse on the server, so the test costs
little disk): the whole file arrives byte-identical, offsets past 2^32 are
right, and the copy is sparse too."""

import os
import tempfile

import fget_harness as fh
import harness
from harness import Server

SIZE = (4 << 30) + (300 << 20) + 12345  # past 2^32, not block-aligned


class BigTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.src = os.path.join(self.root, "huge.img")
        with open(self.src, "wb") as f:
            f.truncate(SIZE)
            # Data at the start, across the 4 GiB boundary, and at the very end.
            for off in (0, (1 << 32) - 3000, SIZE - 5000):
                f.seek(off)
                f.write(os.urandom(5000))
        # Same length, one byte differs past 4 GiB: sparse_equal must notice.
        with open(self.src, "rb") as s, open(os.path.join(self.root, "other.img"), "wb") as o:
            o.truncate(SIZE)
            for off in (0, (1 << 32) - 3000, SIZE - 5000):
                s.seek(off)
                o.seek(off)
                o.write(s.read(5000))
            o.seek((1 << 32) + 7)
            o.write(b"\x01")
        self.out = tempfile.mkdtemp(prefix="fget-big-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def test_full_download_is_identical_and_sparse(self):
        with Server(self.root) as srv:
            dest = os.path.join(self.out, "huge.img")
            p = fh.fget("-o", dest, fh.url(srv, path="/huge.img"), timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
        st = os.stat(dest)
        self.assertEqual(st.st_size, SIZE)
        self.assertTrue(fh.sparse_equal(self.src, dest))
        self.assertFalse(fh.sparse_equal(self.src, os.path.join(self.root, "other.img")))
        # Zero blocks became holes: far less than the file's length is allocated.
        self.assertLess(st.st_blocks * 512, 64 << 20)

    def test_resume_past_4_gib(self):
        # A NAME.part that already holds everything up to just past 2^32.
        dest = os.path.join(self.out, "huge.img")
        with open(self.src, "rb") as s, open(dest + ".part", "wb") as d:
            d.write(s.read(5000))
            s.seek((1 << 32) - 3000)
            d.seek((1 << 32) - 3000)
            d.write(s.read(4000))
        st = os.stat(self.src)
        os.setxattr(dest + ".part", "user.filesvc.size", str(SIZE).encode())
        os.setxattr(dest + ".part", "user.filesvc.mtime", str(int(st.st_mtime)).encode())
        with Server(self.root) as srv:
            p = fh.fget("-v", "-C", "-", "-o", dest, fh.url(srv, path="/huge.img"), timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"> GET /huge.img %d\n" % ((1 << 32) + 1000), p.stderr)
        self.assertTrue(fh.sparse_equal(self.src, dest))


if __name__ == "__main__":
    fh.main()
