#!/usr/bin/env python3
"""fget's options and messages as a curl or wget user expects them (issue 20):
decimal seconds, --output-dir made like mkdir -p, warnings for options that
would do nothing, the right hint for a 400, a bad URL quoted as typed, and
resuming or starting over said out loud."""

import os
import tempfile
import time

import fget_harness as fh
import harness
from harness import Server


class OptionsCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("f.txt", b"hello\n")
        self.write("dir/g.txt", b"g\n")
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)
        self.out = tempfile.mkdtemp(prefix="fget-options-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def url(self, path):
        return fh.url(self.srv, path=path)


class SecondsTest(OptionsCase):
    def test_decimal_seconds_are_taken(self):
        for args in (["-m", "1.5"], ["--max-time=0.75"], ["--connect-timeout=1.5"],
                     ["--connect-timeout", ".5"], ["-m", "2."]):
            p = fh.fget(*args, self.url("/f.txt"))
            self.assertEqual((p.returncode, p.stdout), (0, b"hello\n"), (args, p.stderr))

    def test_a_decimal_max_time_is_kept(self):
        def silent(c, n, line):
            time.sleep(10)
        srv = fh.FakeServer(silent)
        self.addCleanup(srv.close)
        t0 = time.monotonic()
        p = fh.fget("-m", "0.5", fh.url("127.0.0.1", srv.port, "/x"))
        self.assertEqual(p.returncode, 28, p.stderr)
        self.assertLess(time.monotonic() - t0, 3)  # not rounded up to whole seconds

    def test_malformed_seconds_are_refused(self):
        for bad in ("0", "0.0001", "-1", "1e3", "0x10", "", ".", "1.5s", " 1", "2592001"):
            p = fh.fget("-m", bad, self.url("/f.txt"))
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
            self.assertIn(b"invalid max time '%s': want seconds from 0.001 to 2592000"
                          % bad.encode(), p.stderr)


class OutputDirTest(OptionsCase):
    def test_every_level_is_made(self):
        deep = os.path.join(self.out, "a", "b", "c")
        p = fh.fget("-O", "--output-dir", deep, self.url("/f.txt"))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(deep, "f.txt"), "rb") as f:
            self.assertEqual(f.read(), b"hello\n")
        p = fh.fget("-r", "--output-dir", deep + "/d/e/", self.url("/dir/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.isfile(os.path.join(deep, "d", "e", "dir", "g.txt")))

    def test_a_file_in_the_way_is_an_error(self):
        with open(os.path.join(self.out, "file"), "wb"):
            pass
        p = fh.fget("-O", "--output-dir", os.path.join(self.out, "file", "x"), self.url("/f.txt"))
        self.assertEqual(p.returncode, 23, p.stderr)
        self.assertIn(b"cannot create directory " + self.out.encode() + b"/file/x: "
                      b"Not a directory", p.stderr)


class WarningTest(OptionsCase):
    def test_human_without_long_warns(self):
        p = fh.fget("--human", self.url("/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"fget: warning: --human only changes --long listings; "
                         b"ignored without --long\n")
        p = fh.fget("--human", "--long", self.url("/"))
        self.assertEqual(p.stderr, b"")

    def test_long_on_a_file_warns(self):
        p = fh.fget("--long", self.url("/f.txt"))
        self.assertEqual((p.returncode, p.stdout), (0, b"hello\n"), p.stderr)
        self.assertIn(b"fget: warning: --long only changes listings; " + self.url("/f.txt").encode()
                      + b" is downloaded", p.stderr)
        p = fh.fget("--long", "-l", self.url("/dir"))
        self.assertEqual(p.stderr, b"")


class HintTest(OptionsCase):
    def test_list_of_a_file_hints_at_a_file(self):
        p = fh.fget("-l", self.url("/f.txt"))
        self.assertEqual(p.returncode, 80, p.stderr)
        self.assertIn(b"(a file? drop -l to download it)", p.stderr)
        self.assertNotIn(b"a directory?", p.stderr)

    def test_slash_after_a_file_hints_at_a_file(self):
        p = fh.fget(self.url("/f.txt/"))
        self.assertEqual(p.returncode, 80, p.stderr)
        self.assertIn(b": 400 malformed request (a file? drop the final '/' to download it)",
                      p.stderr)

    def test_bad_escape_is_quoted_as_typed(self):
        typed = self.url("/a%zzb")
        p = fh.fget(typed)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(p.stderr, b"fget: invalid URL '" + typed.encode() +
                         b"': malformed %-escape or %00 in path\n")
        # Control bytes are still escaped: the message goes to a terminal.
        p = fh.fget(self.url("/a%zz\x1b"))
        self.assertIn(b"/a%zz%1B'", p.stderr)


class ResumeMessageTest(OptionsCase):
    def test_resuming_is_said(self):
        data = os.urandom(6 << 20)
        self.write("big.bin", data)
        relay = fh.Relay(self.srv.port, 2 << 20)
        self.addCleanup(relay.close)
        dest = os.path.join(self.out, "big.bin")
        # The relay stops after 2 MiB; -m ends the wait (room for a loaded machine).
        p = fh.fget("-m", "3", "-o", dest, fh.url("127.0.0.1", relay.port, "/big.bin"))
        self.assertEqual(p.returncode, 28, p.stderr)
        have = os.path.getsize(dest + ".part")
        self.assertGreater(have, 0)
        p = fh.fget("-C", "-", "-o", dest, self.url("/big.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"fget: resuming %s at %d of %d\n"
                         % (dest.encode(), have, len(data)))

    def test_starting_over_is_said(self):
        dest = os.path.join(self.out, "f.txt")
        with open(dest + ".part", "wb") as f:
            f.write(b"who knows")
        p = fh.fget("-C", "-", "-o", dest, self.url("/f.txt"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"fget: " + dest.encode() + b".part: no record of what it "
                         b"holds (or the remote file changed): starting over\n")
        with open(dest, "rb") as f:
            self.assertEqual(f.read(), b"hello\n")

    def test_mirror_says_so_too(self):
        os.makedirs(os.path.join(self.out, "dir"))
        with open(os.path.join(self.out, "dir", "g.txt.part"), "wb") as f:
            f.write(b"?")
        p = fh.fget("-r", "--output-dir", self.out, self.url("/dir/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"fget: g.txt.part: no record of what it holds (or the remote file "
                      b"changed): starting over\n", p.stderr)


if __name__ == "__main__":
    fh.main()
