#!/usr/bin/env python3
"""fget in a terminal (issue 20, "what a person sees"): fget runs on a real
pseudo-terminal of a given width, and the assertions are about the screen a
terminal would show (fget_harness.screen()), or the frames it was sent."""

import os
import re
import tempfile
import time

import fget_harness as fh
import harness
from harness import Server

ETA = re.compile(rb"ETA (\S+)")


class TtyCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)
        self.out = tempfile.mkdtemp(prefix="fget-tty-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def held(self, size=8 << 20, at=2 << 20):
        """A URL for a file of size bytes whose transfer stalls after at bytes."""
        self.write("held.bin", os.urandom(size))
        relay = fh.Relay(self.srv.port, at)
        self.addCleanup(relay.close)
        return fh.url("127.0.0.1", relay.port, "/held.bin")

    def fake(self, answer, path="/x"):
        srv = fh.FakeServer(answer)
        self.addCleanup(srv.close)
        return fh.url("127.0.0.1", srv.port, path)


class ScreenTest(TtyCase):
    def test_error_after_a_bar_starts_its_own_line(self):
        # The transfer stalls mid-way with the bar drawn; -m then ends it with a message.
        status, seen = fh.pty_run(["-m", "2", "-o", os.path.join(self.out, "h"), self.held()])
        self.assertEqual(status, 28, seen)
        lines = [l for l in fh.screen(seen) if l]
        self.assertIn(b"ETA", seen)
        self.assertTrue(lines[-1].startswith("fget: "), lines)
        self.assertIn("timed out", lines[-1])
        self.assertIn("%", lines[-2])  # the last bar stays above the message
        self.assertFalse([l for l in lines if "%" in l and "fget:" in l], lines)

    def test_several_urls_each_bar_names_its_file(self):
        for name in ("first.bin", "second.bin"):
            self.write(name, os.urandom(1 << 20))
        status, seen = fh.pty_run(["-o", os.path.join(self.out, "first.bin"),
                                   "-o", os.path.join(self.out, "second.bin"),
                                   fh.url(self.srv, path="/first.bin"),
                                   fh.url(self.srv, path="/second.bin")], cols=100)
        self.assertEqual(status, 0, seen)
        bars = [l for l in fh.screen(seen, 100) if "100.0%" in l]
        self.assertEqual(len(bars), 2, bars)
        self.assertRegex(bars[0], r"first\.bin \[#+\]")
        self.assertRegex(bars[1], r"second\.bin \[#+\]")
        # To stdout (not the terminal here), the bar names the remote file, not "stdout".
        status, seen = fh.pty_run([fh.url(self.srv, path="/first.bin"),
                                   fh.url(self.srv, path="/second.bin")], cols=100)
        self.assertEqual(status, 0, seen)
        bars = [l for l in fh.screen(seen, 100) if "100.0%" in l]
        self.assertEqual([b.split()[0] for b in bars], ["first.bin", "second.bin"], bars)

    def test_a_single_url_keeps_the_bare_bar(self):
        self.write("one.bin", os.urandom(1 << 20))
        status, seen = fh.pty_run(["-o", os.path.join(self.out, "one.bin"),
                                   fh.url(self.srv, path="/one.bin")])
        self.assertEqual(status, 0, seen)
        self.assertTrue(fh.frames(seen)[-1].startswith(b"[###"), seen)

    def test_final_line_has_single_spaces_around_the_time(self):
        self.write("one.bin", os.urandom(1 << 20))
        status, seen = fh.pty_run(["-o", os.path.join(self.out, "one.bin"),
                                   fh.url(self.srv, path="/one.bin")])
        self.assertEqual(status, 0, seen)
        last = fh.frames(seen)[-1]
        self.assertRegex(last, rb"/s in \d\d:\d\d:\d\d *\n$")
        self.assertNotIn(b"in  ", last)

    def test_narrow_terminals_never_wrap(self):
        # Every frame, even mid-transfer, leaves the last column free, so a
        # redraw overwrites the bar instead of scrolling a new line.
        for cols in (20, 30, 45, 51, 60):
            status, seen = fh.pty_run(["-m", "1", "-o", os.path.join(self.out, "h"),
                                       self.held()], cols=cols)
            self.assertEqual(status, 28, seen)
            frames = fh.frames(seen)
            self.assertGreater(len(frames), 3, seen)
            for f in frames:
                f = f.split(b"\n")[0]  # what follows is the message
                self.assertLess(len(f), cols, (cols, f))
            lines = [l for l in fh.screen(seen, cols) if l]
            self.assertEqual(len([l for l in lines if "%" in l]), 1, (cols, lines))
            self.assertIn("%", lines[0])

    def test_eta_of_a_huge_slow_file_is_dashes(self):
        # 2^64-1 bytes announced, one sent: the ETA is far past anything
        # printable and must not come out of an overflowing conversion.
        def huge(c, n, line):
            c.sendall(b"OK %d size=%d mtime=0\nx" % (2**64 - 1, 2**64 - 1))
            time.sleep(30)
        status, seen = fh.pty_run(["-m", "3", "-o", "/dev/null", self.fake(huge)])
        self.assertEqual(status, 28, seen)
        etas = ETA.findall(seen)
        self.assertGreater(len(etas), 5, seen)
        self.assertEqual(set(etas), {b"--:--:--"}, seen)


class MirrorScreenTest(TtyCase):
    def setUp(self):
        super().setUp()
        for i in range(40):
            self.write("tree/d%d/f%02d.txt" % (i % 4, i), b"x" * (1000 + i))

    def test_one_bar_for_the_tree_and_a_summary(self):
        status, seen = fh.pty_run(["-r", "--output-dir", self.out,
                                   fh.url(self.srv, path="/tree/")], cols=100)
        self.assertEqual(status, 0, seen)
        lines = [l for l in fh.screen(seen, 100) if l]
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0],
                         r"^40/40 files \[#+\] 100\.0% +40K/40K +\S+/s in \d\d:\d\d:\d\d$")
        self.assertRegex(lines[1], r"^fget: filesvc://\S+/tree/: 40 of 40 files, "
                         r"40K in \d\d:\d\d:\d\d \(.*/s\)$")
        # Run again: nothing to fetch, and the summary says why.
        status, seen = fh.pty_run(["-r", "--output-dir", self.out,
                                   fh.url(self.srv, path="/tree/")], cols=100)
        self.assertEqual(status, 0, seen)
        self.assertIn("0 of 0 files", fh.screen(seen, 100)[-2])
        self.assertIn("40 complete already", fh.screen(seen, 100)[-2])

    def test_verbose_keeps_a_named_bar_per_file(self):
        status, seen = fh.pty_run(["-v", "-r", "--output-dir", self.out,
                                   fh.url(self.srv, path="/tree/")], cols=100)
        self.assertEqual(status, 0, seen)
        bars = [l for l in fh.screen(seen, 100) if "100.0%" in l]
        self.assertEqual(len(bars), 40, bars)
        for i in range(40):
            self.assertTrue([b for b in bars if b.startswith("tree/d%d/f%02d.txt [" % (i % 4, i))
                             or b.startswith("d%d/f%02d.txt [" % (i % 4, i))], (i, bars))

    def test_summary_without_a_terminal_too(self):
        p = fh.fget("-r", "--output-dir", self.out, fh.url(self.srv, path="/tree/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, rb"^fget: \S+/tree/: 40 of 40 files, [^\n]*\n$")


class BinaryTest(TtyCase):
    def test_binary_to_a_terminal_is_refused(self):
        self.write("x.bin", b"\x1b]0;owned\x07\x00\x01\x02" * 100)
        status, seen = fh.pty_run([fh.url(self.srv, path="/x.bin")], stdout_on_pty=True)
        self.assertEqual(status, 23, seen)
        self.assertIn(b"binary output can mess up your terminal", seen)
        self.assertIn(b"'-o -'", seen)
        self.assertNotIn(b"owned", seen)

    def test_dash_o_dash_writes_it_anyway(self):
        self.write("x.bin", b"ab\x00cd")
        status, seen = fh.pty_run(["-o", "-", fh.url(self.srv, path="/x.bin")],
                                  stdout_on_pty=True)
        self.assertEqual((status, seen), (0, b"ab\x00cd"))

    def test_text_and_pipes_are_written(self):
        self.write("t.txt", b"plain text\n")
        self.write("x.bin", b"ab\x00cd")
        status, seen = fh.pty_run([fh.url(self.srv, path="/t.txt")], stdout_on_pty=True)
        self.assertEqual((status, seen), (0, b"plain text\r\n"))
        p = fh.fget(fh.url(self.srv, path="/x.bin"))
        self.assertEqual((p.returncode, p.stdout), (0, b"ab\x00cd"))


if __name__ == "__main__":
    fh.main()
