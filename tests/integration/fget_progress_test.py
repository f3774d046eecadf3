#!/usr/bin/env python3
"""fget on a real pseudo-terminal: the progress bar appears on stderr and ends
with 100%; -s turns it off; it stays off when the data itself goes to the
terminal; names in listings cannot drive the terminal."""

import os
import pty
import select
import subprocess
import tempfile
import time

import fget_harness as fh
import harness
from harness import Server


def run_on_pty(args, stdout_on_pty=False, timeout=60):
    """Run fget with stderr (and maybe stdout) on a new pty; return (status, bytes seen)."""
    return fh.pty_run(args, stdout_on_pty=stdout_on_pty, timeout=timeout)


class ProgressTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.data = os.urandom(30 << 20)
        self.write("f.bin", self.data)
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)
        self.out = tempfile.mkdtemp(prefix="fget-progress-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)
        self.dest = os.path.join(self.out, "f.bin")

    def test_bar_appears_and_ends_at_100(self):
        status, seen = run_on_pty(["-o", self.dest, fh.url(self.srv, path="/f.bin")])
        self.assertEqual(status, 0, seen)
        frames = [f for f in seen.replace(b"\r\n", b"\n").split(b"\r") if f.strip()]
        self.assertTrue(frames, seen)
        last = frames[-1]
        self.assertTrue(last.startswith(b"[###"), last)
        self.assertIn(b"100.0%", last)
        self.assertIn(b"30M", last)  # bytes, in human units
        self.assertIn(b"/s", last)  # the rate
        self.assertTrue(last.endswith(b"\n"), last)
        self.assertNotIn(b"-]", last)  # the bar is full
        with open(self.dest, "rb") as f:
            self.assertEqual(f.read(), self.data)

    def test_bar_shows_eta_while_running(self):
        # A relay that stalls at a known byte holds fget mid-transfer; one
        # frame must then show a partial percentage and an ETA.
        relay = fh.Relay(self.srv.port, 10 << 20)
        self.addCleanup(relay.close)
        master, slave = pty.openpty()
        p = subprocess.Popen([fh.FGET, "-o", self.dest, fh.url("127.0.0.1", relay.port, "/f.bin")],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        self.addCleanup(os.close, master)
        self.addCleanup(harness.stop, p)
        seen = b""
        deadline = time.monotonic() + 30
        while b"ETA" not in seen and time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 1.0)
            if r:
                seen += os.read(master, 65536)
        self.assertIn(b"ETA", seen)
        self.assertRegex(seen, rb"\[#*-+\] +[0-9]+\.[0-9]% ")
        self.assertFalse(os.path.exists(self.dest))

    def test_silent_has_no_bar(self):
        status, seen = run_on_pty(["-s", "-o", self.dest, fh.url(self.srv, path="/f.bin")])
        self.assertEqual((status, seen), (0, b""))

    def test_no_bar_when_data_goes_to_the_terminal(self):
        self.write("small.txt", b"just text\n")
        status, seen = run_on_pty([fh.url(self.srv, path="/small.txt")], stdout_on_pty=True)
        self.assertEqual(status, 0)
        self.assertEqual(seen.replace(b"\r\n", b"\n"), b"just text\n")

    def test_names_cannot_drive_the_terminal(self):
        with open(os.path.join(self.root, "evil\x1b]0;pwned\x07name"), "wb") as f:
            f.write(b"x")
        status, seen = run_on_pty([fh.url(self.srv, path="/")], stdout_on_pty=True)
        self.assertEqual(status, 0)
        self.assertNotIn(b"\x1b", seen)
        self.assertIn(b"evil?]0;pwned?name", seen)
        # Not a terminal: names are written as they are, for scripts.
        p = fh.fget(fh.url(self.srv, path="/"))
        self.assertIn(b"evil\x1b]0;pwned\x07name\n", p.stdout)


if __name__ == "__main__":
    fh.main()
