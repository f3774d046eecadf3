#!/usr/bin/env python3
"""filesvc-handler --proxy-protocol: the client's address from a PROXY v1/v2 header."""

import os
import socket
import struct
import subprocess
import time

import harness
from harness import Server, handler_argv

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v2_tcp4(src, sport, dst="198.51.100.2", dport=7070, cmd=0x21):
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return V2_SIG + bytes([cmd, 0x11]) + struct.pack("!H", len(body)) + body


def v2_tcp6(src, sport, dst="::1", dport=7070):
    body = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!HH", sport, dport))
    return V2_SIG + bytes([0x21, 0x21]) + struct.pack("!H", len(body)) + body


V2_LOCAL = V2_SIG + bytes([0x20, 0x00, 0x00, 0x00])


class ProxyPipeTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("a.txt", b"hello\n")

    def run_handler(self, data, extra=("--proxy-protocol",), env=None):
        p = subprocess.run(handler_argv("--root", self.root) + list(extra), input=data,
                           capture_output=True, timeout=30, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout, p.stderr.decode("utf-8", "replace")

    def test_v1_tcp4(self):
        out, err = self.run_handler(b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 7070\r\nGET a.txt\n")
        self.assertEqual(out, b"OK 6 size=6 mtime=%d\nhello\n" % int(os.stat(
            os.path.join(self.root, "a.txt")).st_mtime))
        self.assertIn("192.0.2.1:56324 GET /a.txt OK 6", err)

    def test_v1_tcp6(self):
        _, err = self.run_handler(b"PROXY TCP6 2001:db8::7 ::1 4000 7070\r\nSTAT /\n")
        self.assertIn("[2001:db8::7]:4000 STAT / OK", err)

    def test_v2_tcp4_and_tcp6(self):
        _, err = self.run_handler(v2_tcp4("203.0.113.9", 1234) + b"STAT /\n")
        self.assertIn("203.0.113.9:1234 STAT / OK", err)
        _, err = self.run_handler(v2_tcp6("2001:db8::9", 4321) + b"STAT /\n")
        self.assertIn("[2001:db8::9]:4321 STAT / OK", err)

    def test_v2_local_keeps_real_peer(self):
        env = dict(os.environ, TCPREMOTEIP="127.0.0.9", TCPREMOTEPORT="99")
        out, err = self.run_handler(V2_LOCAL + b"STAT /\n", env=env)
        self.assertTrue(out.startswith(b"OK 0 type=d"))
        self.assertIn("127.0.0.9:99 STAT / OK", err)

    def test_missing_malformed_overlong_close_with_one_line(self):
        for data in (b"GET a.txt\n", b"PROXY TCP4 1.2.3.4\r\nGET a.txt\n",
                     b"PROXY UNKNOWN " + b"x" * 200 + b"\r\nGET a.txt\n",
                     V2_SIG + b"\x21\x11\xff\xff" + b"\0" * 600, b""):
            out, err = self.run_handler(data)
            self.assertEqual(out, b"", data)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn("PROXY header", err)

    def test_silent_client_closed_at_the_idle_timeout(self):
        # protocol.md: a header that does not arrive in time (the handler: its idle
        # timeout) closes the connection without an answer.
        p = subprocess.Popen(handler_argv("--root", self.root, "--proxy-protocol", "--timeout", "1"),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        p.stdin.write(b"PROXY TCP4 192.0")    # half a header, then nothing
        p.stdin.flush()
        rc = p.wait(timeout=20)
        took = time.monotonic() - t0
        out, err = p.stdout.read(), p.stderr.read().decode()
        p.stdin.close()
        self.assertEqual((rc, out), (0, b""), err)
        self.assertIn("PROXY header", err)
        self.assertGreaterEqual(took, 0.9)
        self.assertLess(took, 10)

    def test_header_split_across_writes(self):
        p = subprocess.Popen(handler_argv("--root", self.root, "--proxy-protocol"),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for piece in (b"PROXY TCP4 192.0.", b"2.1 198.51.100.2 5", b"6324 7070\r", b"\nSTAT /\n"):
            p.stdin.write(piece)
            p.stdin.flush()
            time.sleep(0.05)
        out, err = p.communicate(timeout=30)
        self.assertTrue(out.startswith(b"OK 0 type=d"))
        self.assertIn(b"192.0.2.1:56324 STAT / OK", err)

    def test_header_without_option_is_malformed(self):
        out, _ = self.run_handler(b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 7070\r\nGET a.txt\n",
                                  extra=())
        self.assertTrue(out.startswith(b"ERR 400 malformed request\nOK 6 "))


class ProxySocketTest(harness.TreeCase):
    def test_over_tcp(self):
        self.write("a.txt", b"hello\n")
        with Server(self.root, extra=["--proxy-protocol"]) as srv:
            with srv.connect() as c:
                c.send(v2_tcp4("192.0.2.44", 5555))
                self.assertEqual(c.request(b"GET a.txt").body, b"hello\n")
            deadline = time.monotonic() + 10
            while "GET /a.txt" not in srv.logs() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("192.0.2.44:5555 GET /a.txt OK 6", srv.logs())


if __name__ == "__main__":
    harness.main()
