#!/usr/bin/env python3
"""fget -C - and --retry: an interrupted download (fget killed, or the server
gone mid-body) leaves only NAME.part, and resuming completes it byte-identical
from where it stopped; a changed remote file starts over; a complete file is
left alone.  Interruptions happen at a known byte, through a relay the test
owns in front of the real handler."""

import hashlib
import os
import signal
import subprocess
import tempfile
import unittest

import fget_harness as fh
import harness
from harness import Server

SIZE = 20 << 20
CUT = 5 << 20  # answer bytes the relay passes on before it stalls or hangs up


class ResumeCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.data = os.urandom(SIZE)
        self.src = self.write("f.bin", self.data)
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)
        self.out = tempfile.mkdtemp(prefix="fget-resume-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)
        self.dest = os.path.join(self.out, "f.bin")

    def header_len(self):
        st = os.stat(self.src)
        return len(b"OK %d size=%d mtime=%d\n" % (st.st_size, st.st_size, int(st.st_mtime)))

    def part_with_sidecar(self, have):
        """NAME.part holding the first have bytes, recorded in NAME.part.meta (no xattrs)."""
        st = os.stat(self.src)
        with open(self.dest + ".part", "wb") as f:
            f.write(self.data[:have])
        with open(self.dest + ".part.meta", "w") as f:
            f.write("%d %d\n" % (st.st_size, int(st.st_mtime)))
        return have

    def relay(self, **kw):
        r = fh.Relay(self.srv.port, CUT, **kw)
        self.addCleanup(r.close)
        return r

    def interrupted_by_kill(self):
        """Start a download through a stalling relay and SIGKILL fget once
        NAME.part holds everything the relay let through."""
        relay = self.relay()
        p = subprocess.Popen([fh.FGET, "-o", self.dest, fh.url("127.0.0.1", relay.port, "/f.bin")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(harness.stop, p, signal.SIGKILL)
        want = CUT - self.header_len()
        part = self.dest + ".part"
        fh.wait_until(lambda: os.path.exists(part) and os.path.getsize(part) == want,
                    what="NAME.part to hold %d bytes" % want)
        self.assertFalse(os.path.exists(self.dest))
        p.kill()
        p.wait(30)
        relay.close()
        return want

    def check_complete(self):
        with open(self.dest, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).digest(), hashlib.sha256(self.data).digest())
        self.assertEqual(os.listdir(self.out), ["f.bin"])


class KillTest(ResumeCase):
    def test_kill_then_continue(self):
        have = self.interrupted_by_kill()
        p = fh.fget("-v", "-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin %d\n" % have, p.stderr)
        self.check_complete()

    def test_without_continue_starts_over(self):
        self.interrupted_by_kill()
        p = fh.fget("-v", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin\n", p.stderr)
        self.check_complete()

    def test_remote_changed_starts_over(self):
        self.interrupted_by_kill()
        self.data = os.urandom(SIZE)  # same size, other bytes, other mtime
        with open(self.src, "wb") as f:
            f.write(self.data)
        st = os.stat(self.src)
        os.utime(self.src, (st.st_atime, st.st_mtime + 100))
        p = fh.fget("-v", "-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin\n", p.stderr)
        self.check_complete()

    def test_complete_file_left_alone(self):
        self.assertEqual(fh.fget("-o", self.dest, fh.url(self.srv, path="/f.bin")).returncode, 0)
        before = os.stat(self.dest)
        p = fh.fget("-v", "-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"> GET", p.stderr)
        after = os.stat(self.dest)
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))
        self.check_complete()

    def test_sidecar_record_is_honoured(self):
        """Where user xattrs are missing, fget records in NAME.part.meta."""
        have = self.part_with_sidecar(3 << 20)
        p = fh.fget("-v", "-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin %d\n" % have, p.stderr)
        self.check_complete()  # the sidecar went with the .part


    @unittest.skipUnless(os.geteuid() == 0, "making a file someone else's needs root")
    def test_sidecar_of_another_user_is_ignored(self):
        """A NAME.part.meta fget did not write (a shared /tmp) never says what to resume."""
        have = self.part_with_sidecar(3 << 20)
        os.chown(self.dest + ".part.meta", 65534, 65534)
        p = fh.fget("-v", "-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin\n", p.stderr)
        self.check_complete()

    def test_failed_listing_forgets_what_part_held(self):
        """A listing into NAME.part that fails must not leave the earlier download's
        record on it: -C - would then splice the file onto the listing's text."""
        self.interrupted_by_kill()
        os.mkdir(os.path.join(self.root, "many"))
        for i in range(2000):
            open(os.path.join(self.root, "many", "entry-with-a-longish-name-%05d" % i), "wb").close()
        # ~96 KiB of listing, cut after 64 KiB: some lines reach NAME.part first.
        relay = fh.Relay(self.srv.port, 65536, hangup=True)
        self.addCleanup(relay.close)
        p = fh.fget("-o", self.dest, fh.url("127.0.0.1", relay.port, "/many/"))
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertGreater(os.path.getsize(self.dest + ".part"), 0)
        self.assertLess(os.path.getsize(self.dest + ".part"), 65536)
        p = fh.fget("-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.check_complete()


class VanishTest(ResumeCase):
    def test_server_gone_mid_body(self):
        relay = self.relay(hangup=True)
        p = fh.fget("-o", self.dest, fh.url("127.0.0.1", relay.port, "/f.bin"))
        self.assertEqual(p.returncode, 18, p.stderr)
        self.assertIn(b"body bytes still to come", p.stderr)
        self.assertFalse(os.path.exists(self.dest))  # never a truncated file under the name
        have = os.path.getsize(self.dest + ".part")
        self.assertEqual(have, CUT - self.header_len())
        p = fh.fget("-v", "-C", "-", "-o", self.dest, fh.url(self.srv, path="/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin %d\n" % have, p.stderr)
        self.check_complete()

    def test_retry_resumes_after_backoff(self):
        relay = self.relay(hangup=True)
        p = fh.fget("-v", "--retry", "2", "-o", self.dest, fh.url("127.0.0.1", relay.port, "/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"retrying in 1 s", p.stderr)
        self.assertIn(b"> GET /f.bin %d\n" % (CUT - self.header_len()), p.stderr)
        self.assertEqual(relay.accepted, 2)
        self.check_complete()

    def test_retry_resumes_a_stream(self):
        relay = self.relay(hangup=True)
        p = fh.fget("-v", "--retry", "1", fh.url("127.0.0.1", relay.port, "/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"> GET /f.bin %d\n" % (CUT - self.header_len()), p.stderr)
        self.assertEqual(hashlib.sha256(p.stdout).digest(), hashlib.sha256(self.data).digest())

    def test_no_retry_for_a_missing_file(self):
        p = fh.fget("--retry", "3", "-o", self.dest, fh.url(self.srv, path="/nope"))
        self.assertEqual(p.returncode, 78)
        self.assertNotIn(b"retrying", p.stderr)
        self.assertEqual(os.listdir(self.out), [])


if __name__ == "__main__":
    fh.main()
