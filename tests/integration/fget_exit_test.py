#!/usr/bin/env python3
"""Every fget exit status, provoked for real: bad usage and URLs, a host that
cannot resolve, a closed port, a server that accepts and never answers, a
full device, the handler's own 404/403/400, and servers the test owns that
break the protocol.  -s and -S decide what is said, never the status."""

import fcntl
import os
import shutil
import socket
import struct
import tempfile
import termios
import time
import unittest

import fget_harness as fh
import harness
from harness import Server


class ExitCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("a.txt", b"hello\n")
        self.write("d/b.txt", b"b\n")
        os.symlink("/etc/hostname", os.path.join(self.root, "escape"))
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)

    def url(self, path):
        return fh.url(self.srv, path=path)

    def status(self, *args, want, say=None):
        p = fh.fget(*args)
        self.assertEqual(p.returncode, want, p.stderr)
        if say is not None:
            self.assertIn(say, p.stderr)
        return p


class LocalTest(ExitCase):
    def test_usage_2(self):
        self.status(want=2, say=b"no URL given")
        self.status("--bogus", self.url("/a.txt"), want=2, say=b"Try 'fget --help'.")
        self.status("-C", "5", self.url("/a.txt"), want=2, say=b"-C takes '-'")
        self.status("-m", "0", self.url("/a.txt"), want=2, say=b"invalid max time '0'")
        self.status("--retry", "x", self.url("/a.txt"), want=2)
        self.status("-r", self.url("/d/"), want=2, say=b"-r needs -O or --output-dir")
        self.status("-o", "x", "-o", "y", self.url("/a.txt"), want=2, say=b"more -o than URLs")

    def test_help_and_version(self):
        p = self.status("--help", want=0)
        self.assertIn(b"Usage: fget [options] URL...", p.stdout)
        self.assertIn(b"78 not found", p.stdout)
        self.assertIn(b"fget ", self.status("--version", want=0).stdout)

    def test_malformed_url_3(self):
        for bad in ("http://x/", "filesvc://", "filesvc://h:99999/", "filesvc://h/a b",
                    "filesvc://h/%zz", "filesvc://h/%00"):
            self.status(bad, want=3, say=b"invalid URL")

    def test_write_error_23(self):
        self.status("-o", "/dev/full", self.url("/a.txt"), want=23, say=b"No space left on device")
        self.status("-o", "/nonexistent-dir/x", self.url("/a.txt"), want=23)


class NetworkTest(ExitCase):
    def test_cannot_resolve_6(self):
        self.status("filesvc://no-such-host.invalid/a.txt", want=6, say=b"cannot resolve host")

    def test_cannot_connect_7(self):
        self.status(fh.url("127.0.0.1", harness.free_port(), "/a.txt"), want=7,
                    say=b"Connection refused")

    def test_timeout_28_server_never_answers(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(4)  # the kernel completes the handshake; nobody ever reads
            self.status("-m", "1", fh.url("127.0.0.1", s.getsockname()[1], "/a.txt"), want=28,
                        say=b"timed out")

    def test_timeout_28_on_a_second_server(self):
        # -m covers each transfer, whichever connection carries it: after a URL on
        # one server, a second server that never answers still times out.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(4)
            t0 = time.monotonic()
            p = fh.fget("-m", "2", self.url("/a.txt"),
                        fh.url("127.0.0.1", s.getsockname()[1], "/a.txt"), timeout=30)
            self.assertEqual(p.returncode, 28, p.stderr)
            self.assertEqual(p.stdout, b"hello\n")
            self.assertLess(time.monotonic() - t0, 15)

    def test_max_time_restarts_on_a_parked_connection(self):
        # A, then B three times (1.3 s each, under -m 2), then A again: A's parked
        # connection must get the new transfer's clock, not keep its first one.
        def slow(c, n, line):
            rest = b""
            while line is not None:
                time.sleep(1.3)
                c.sendall(b"OK 2 size=2 mtime=1700000000\nb\n")
                line, rest = fh.recv_line(c, rest)
        slow_srv = fh.FakeServer(slow)
        self.addCleanup(slow_srv.close)
        b = fh.url("127.0.0.1", slow_srv.port, "/b.txt")
        p = fh.fget("-m", "2", self.url("/a.txt"), b, b, b, self.url("/a.txt"), timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"hello\n" + b"b\n" * 3 + b"hello\n")
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 2, what="two log lines")
        self.assertEqual(fh.connections(self.srv), 1)

    def test_timeout_28_body_stalls(self):
        self.write("big.bin", os.urandom(4 << 20))
        relay = fh.Relay(self.srv.port, 1 << 20)  # passes 1 MiB, then holds still
        self.addCleanup(relay.close)
        out = tempfile.mkdtemp(prefix="fget-exit-")
        self.addCleanup(harness.shutil.rmtree, out, ignore_errors=True)
        self.status("-m", "2", "-o", os.path.join(out, "big.bin"),
                    fh.url("127.0.0.1", relay.port, "/big.bin"), want=28, say=b"timed out")
        self.assertEqual(os.listdir(out), ["big.bin.part"])

    def test_connect_timeout_28(self):
        # A listener whose accept queue is full drops further SYNs: connect never completes.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(0)
            port = s.getsockname()[1]
            fillers = []
            for _ in range(4):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", port))
                fillers.append(c)
            try:
                self.status("--connect-timeout", "1", fh.url("127.0.0.1", port, "/a.txt"), want=28,
                            say=b"Connection timed out")
            finally:
                for c in fillers:
                    c.close()

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"), "needs root and unshare(1)")
    def test_resolve_timeout_28(self):
        # A name server that never answers, in a private mount namespace's resolv.conf:
        # glibc alone would retry for 2 x 5 s; --connect-timeout bounds the lookup too.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as dns:
            dns.bind(("127.83.19.7", 53))
            conf = os.path.join(self.root, "resolv.conf")
            with open(conf, "w") as f:
                f.write("nameserver 127.83.19.7\noptions timeout:5 attempts:2\n")
            script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
            start = time.monotonic()
            p = fh.fget_in(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                            "sh", conf], "--connect-timeout", "1",
                           "filesvc://filesvc-test.example:7070/a.txt")
            took = time.monotonic() - start
            self.assertEqual(p.returncode, 28, p.stderr)
            self.assertIn(b"no answer within the connect timeout", p.stderr)
            self.assertLess(took, 4.0)
            dns.settimeout(1)
            self.assertTrue(dns.recv(512), "the lookup never reached our name server")


class RemoteTest(ExitCase):
    def test_not_found_78(self):
        self.status(self.url("/nope"), want=78, say=b"404 not found")

    def test_forbidden_79(self):
        self.status(self.url("/escape"), want=79, say=b"403")

    def test_other_server_error_80(self):
        self.status(self.url("/d"), want=80, say=b"end the URL with '/'")

    def test_silent_and_show_error(self):
        p = self.status("-s", self.url("/nope"), want=78)
        self.assertEqual(p.stderr, b"")
        self.status("-s", "-S", self.url("/nope"), want=78, say=b"404")

    def test_first_failure_is_the_status_later_urls_still_run(self):
        p = self.status(self.url("/nope"), self.url("/escape"), self.url("/a.txt"), want=78)
        self.assertEqual(p.stdout, b"hello\n")


class FakeServerTest(harness.TreeCase):
    def fake(self, answer, path="/x"):
        srv = fh.FakeServer(answer)
        self.addCleanup(srv.close)
        return fh.url("127.0.0.1", srv.port, path)

    def test_partial_18(self):
        def short(c, n, line):
            c.sendall(b"OK 100 size=100 mtime=0\n" + b"x" * 10)
            c.close()
        out = tempfile.mkdtemp(prefix="fget-exit-")
        self.addCleanup(harness.shutil.rmtree, out, ignore_errors=True)
        p = fh.fget("-o", os.path.join(out, "x"), self.fake(short))
        self.assertEqual(p.returncode, 18, p.stderr)
        self.assertEqual(os.listdir(out), ["x.part"])

    def test_malformed_answer_8(self):
        def weird(c, n, line):
            c.sendall(b"HELLO there\n")
        p = fh.fget(self.fake(weird))
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn(b"malformed answer: HELLO there", p.stderr)

    def test_header_of_1024_bytes_and_no_more(self):
        # protocol.md: a header line is at most 1024 bytes, its LF included.
        def header(total):
            def answer(c, n, line):
                start = b"OK 2 size=2 mtime=0 x="
                c.sendall(start + b"y" * (total - len(start) - 1) + b"\nhi")
            return answer
        p = fh.fget(self.fake(header(1024)))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"hi")
        self.assertEqual(fh.fget(self.fake(header(1025))).returncode, 8)

    def test_listing_count_mismatch_8(self):
        def listing(c, n, line):
            body = b"f 1 0 a\nf 1 0 b\n"
            c.sendall(b"OK %d entries=3\n" % len(body) + body)
        p = fh.fget(self.fake(listing, path="/d/"))
        self.assertEqual(p.returncode, 8, p.stderr)

    def test_lying_size_8(self):
        def lying(c, n, line):
            c.sendall(b"OK 5 size=100 mtime=0\nxxxxx")
        self.assertEqual(fh.fget(self.fake(lying)).returncode, 8)

    def test_hostile_escape_codes_are_escaped(self):
        def hostile(c, n, line):
            c.sendall(b"ERR 500 \x1b[2Jboom\n")
        p = fh.fget(self.fake(hostile))
        self.assertEqual(p.returncode, 80)
        self.assertNotIn(b"\x1b", p.stderr)
        self.assertIn(b"%1B[2Jboom", p.stderr)

    def test_receive_error_56(self):
        # The server takes the request, then resets the connection (SO_LINGER 0): the
        # read fails with ECONNRESET, which is not an end of file (52).
        def reset(c, n, line):
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            c.close()
        p = fh.fget(self.fake(reset))
        self.assertEqual(p.returncode, 56, p.stderr)
        self.assertIn(b"cannot receive an answer: Connection reset by peer", p.stderr)

    def test_send_error_55(self):
        # -r sends its GETs once the listing is read.  The server sends a long listing,
        # waits until fget's kernel has acknowledged all of it (nothing left in its send
        # queue), and resets the connection while fget is still going through the
        # entries: the GETs then cannot be sent.  Three tries, as the reset must land
        # before fget's first GET is written.
        n = 40000
        body = b"".join(b"f 1 0 file-%06d\n" % i for i in range(n))

        def listing_then_reset(c, conn, line):
            c.sendall(b"OK %d entries=%d\n" % (len(body), n) + body)
            while struct.unpack("i", fcntl.ioctl(c.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]:
                time.sleep(0.0002)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            c.close()
        codes = []
        for _ in range(3):
            out = tempfile.mkdtemp(prefix="fget-exit-")
            self.addCleanup(harness.shutil.rmtree, out, ignore_errors=True)
            p = fh.fget("-r", "--output-dir", out, self.fake(listing_then_reset, path="/"))
            codes.append(p.returncode)
            if p.returncode == 55:
                self.assertIn(b"cannot send", p.stderr)
                break
        self.assertEqual(codes[-1], 55, codes)

    def test_no_answer_52(self):
        def hangup(c, n, line):
            c.close()
        self.assertEqual(fh.fget(self.fake(hangup)).returncode, 52)


if __name__ == "__main__":
    fh.main()
