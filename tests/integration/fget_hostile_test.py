#!/usr/bin/env python3
"""fget against a hostile or odd server (issue 20): an endless listing must
not grow fget without bound, names of 251-255 bytes still download with the
rename-when-complete guarantee, and names holding control bytes do not
become local names with those bytes."""

import os
import tempfile
import time

import fget_harness as fh
import harness
from harness import Server

LIMIT = 100000  # FGET_QUEUE_MAX, documented in fget(1)


class HostileCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.out = tempfile.mkdtemp(prefix="fget-hostile-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def serve(self):
        srv = Server(self.root)
        self.addCleanup(srv.stop)
        return srv


class EndlessListingTest(HostileCase):
    def test_a_million_entries_are_refused_in_bounded_memory(self):
        entries = 1000000
        line_len = len(b"f 1 1700000000 n0000000\n")

        def endless(c, n, line):
            # Made as sent: this process's memory is what fget inherits as ru_maxrss.
            c.sendall(b"OK %d entries=%d\n" % (line_len * entries, entries))
            for i in range(0, entries, 10000):
                c.sendall(b"".join(b"f 1 1700000000 n%07d\n" % j for j in range(i, i + 10000)))
            time.sleep(30)  # then owe the GETs nothing: fget must have stopped
        srv = fh.FakeServer(endless)
        self.addCleanup(srv.close)
        p = fh.subprocess.Popen([fh.FGET, "-m", "60", "-r", "--output-dir", self.out,
                                 fh.url("127.0.0.1", srv.port, "/")],
                                stdin=fh.subprocess.DEVNULL, stdout=fh.subprocess.DEVNULL,
                                stderr=fh.subprocess.PIPE)
        self.addCleanup(harness.stop, p)
        err = p.stderr.read()
        p.stderr.close()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        self.assertEqual(p.returncode, 1, err)
        self.assertIn(b"filesvc://127.0.0.1:%d/: more than %d entries waiting to be fetched"
                      % (srv.port, LIMIT), err)
        # ru_maxrss is in KiB; a million queued entries took ~200 MiB.
        self.assertLess(usage.ru_maxrss, 64 * 1024, usage)
        self.assertEqual(os.listdir(self.out), [])

    def test_a_listing_at_the_limit_is_mirrored(self):
        # Not refused short of the limit: a directory of a few thousand files.
        for i in range(3000):
            self.write("many/f%04d" % i, b"%d\n" % i)
        srv = self.serve()
        p = fh.fget("-r", "--output-dir", self.out, fh.url(srv, path="/many/"), timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(os.listdir(os.path.join(self.out, "many"))), 3000)


class LongNameTest(HostileCase):
    def names(self):
        return ["L" * n for n in (250, 251, 254, 255)] + ["\u00e9" * 127 + "x"]  # 255 bytes

    def test_remote_name_of_251_to_255_bytes(self):
        for name in self.names():
            self.write(name, name.encode() * 3)
        srv = self.serve()
        for name in self.names():
            p = fh.fget("-O", "--output-dir", self.out, fh.url(srv, path="/" + name))
            self.assertEqual(p.returncode, 0, (len(name.encode()), p.stderr))
        self.assertEqual(sorted(os.listdir(self.out)), sorted(self.names()))
        for name in self.names():
            with open(os.path.join(self.out, name), "rb") as f:
                self.assertEqual(f.read(), name.encode() * 3)

    def test_mirror_of_long_names(self):
        for name in self.names():
            self.write("t/" + name, name.encode())
        srv = self.serve()
        p = fh.fget("-r", "--output-dir", self.out, fh.url(srv, path="/t/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(os.path.join(self.out, "t"))), sorted(self.names()))

    def test_until_complete_the_long_name_does_not_exist(self):
        name = "N" * 255
        self.write(name, os.urandom(8 << 20))
        srv = self.serve()
        relay = fh.Relay(srv.port, 1 << 20)  # holds the transfer mid-way
        self.addCleanup(relay.close)
        p = fh.subprocess.Popen([fh.FGET, "-O", "--output-dir", self.out,
                                 fh.url("127.0.0.1", relay.port, "/" + name)],
                                stdin=fh.subprocess.DEVNULL, stdout=fh.subprocess.DEVNULL,
                                stderr=fh.subprocess.DEVNULL)
        self.addCleanup(harness.stop, p)
        relay.cut_reached.wait(30)
        fh.wait_until(lambda: os.listdir(self.out) and
                      os.stat(os.path.join(self.out, os.listdir(self.out)[0])).st_size > 0,
                      what="a working file")
        work = os.listdir(self.out)
        self.assertEqual(len(work), 1, work)
        self.assertRegex(work[0], r"^N{228}~[0-9a-f]{16}\.part$")
        self.assertLessEqual(len(work[0]) + len(".meta"), 255)
        harness.stop(p)
        # Resumed from the working file, then renamed to the full name.
        p = fh.fget("-C", "-", "-O", "--output-dir", self.out, fh.url(srv, path="/" + name))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"resuming ", p.stderr)
        self.assertEqual(os.listdir(self.out), [name])
        self.assertEqual(harness.file_sha(os.path.join(self.out, name)),
                         harness.file_sha(os.path.join(self.root, name)))


class ControlNameTest(HostileCase):
    EVIL = "e\x1b[31mred\x07\x7f"
    SAFE = "e%1B[31mred%07%7F"

    def test_mirror_escapes_control_bytes(self):
        self.write("t/" + self.EVIL, b"x")
        self.write("t/sub\x1b]0;t\x07/f", b"y")
        self.write("t/caf\u00e9", b"z")
        srv = self.serve()
        p = fh.fget("-r", "--output-dir", self.out, fh.url(srv, path="/t/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        top = os.path.join(self.out, "t")
        self.assertEqual(sorted(os.listdir(top)), sorted([self.SAFE, "sub%1B]0;t%07",
                                                          "caf\u00e9"]))
        with open(os.path.join(top, "sub%1B]0;t%07", "f"), "rb") as f:
            self.assertEqual(f.read(), b"y")
        self.assertNotIn(b"\x1b", p.stderr)
        # A second run finds them complete under their local names.
        p = fh.fget("-v", "-r", "--output-dir", self.out, fh.url(srv, path="/t/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"> GET", p.stderr)

    def test_remote_name_escapes_control_bytes(self):
        self.write(self.EVIL, b"x")
        srv = self.serve()
        p = fh.fget("-O", "--output-dir", self.out,
                    fh.url(srv, path="/e%1B[31mred%07%7F"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(self.out), [self.SAFE])


if __name__ == "__main__":
    fh.main()
