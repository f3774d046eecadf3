#!/usr/bin/env python3
"""A stop in the middle of a transfer is logged (issue 18).

SIGTERM reaches a handler from filesvc-inetd at the end of its grace time,
or from systemd on a stop.  A file transfer it cuts gets its request's log
line, saying how many of the promised bytes were sent, and the handler
exits 0; outside a transfer SIGTERM keeps its default action."""

import os
import re
import signal
import socket
import subprocess

import harness
import inetd_harness as ih

BIG = 64 << 20  # far more than the socket buffers hold: the handler waits mid-transfer
CUT = re.compile(r"^<4>filesvc-handler: \S+ GET /big\.bin (OK|200) (\d+) \d+\.\d{3}s "
                 r"cut: (\d+) of (\d+) bytes sent \(stopped by SIGTERM\)$", re.M)


class Client:
    """A slow client on one end of a socketpair; the handler has the other as fds 0 and 1."""

    def __init__(self, args):
        self.sock, theirs = socket.socketpair()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        self.sock.settimeout(20)
        self.proc = subprocess.Popen(args, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE)
        theirs.close()
        self.got = b""

    def read(self, n):
        while len(self.got) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.got += chunk
        return self.got

    def rest(self):
        """Read to EOF; returns everything received."""
        while True:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return self.got
            self.got += chunk

    def finish(self):
        """The handler's exit status and its stderr, once it has gone."""
        self.sock.close()
        _, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, err.decode("utf-8", "replace")


class Stop(harness.TreeCase):
    def setUp(self):
        super().setUp()
        with open(os.path.join(self.root, "big.bin"), "wb") as f:
            f.truncate(BIG)  # sparse: sendfile reads zeros, the disk holds nothing
        self.write("small.txt", b"small\n")

    def client(self, *extra):
        c = Client(harness.handler_argv("--root", self.root, *extra))
        self.addCleanup(harness.stop, c.proc, signal.SIGKILL)
        self.addCleanup(c.sock.close)
        return c

    def cut_line(self, err, sent_on_wire):
        m = CUT.search(err)
        self.assertIsNotNone(m, err)
        self.assertEqual(int(m.group(4)), BIG)
        self.assertEqual(int(m.group(2)), int(m.group(3)))  # the bytes-sent field agrees
        self.assertEqual(int(m.group(3)), sent_on_wire)     # and is what the client got
        self.assertLess(sent_on_wire, BIG)
        self.assertEqual(len(err.strip().splitlines()), 1, err)  # one line, nothing else

    def test_protocol1_transfer(self):
        c = self.client()
        c.sock.sendall(b"GET big.bin\n")
        head = b"OK %d size=%d " % (BIG, BIG)
        self.assertTrue(c.read(1 << 16).startswith(head), c.got[:80])
        c.proc.send_signal(signal.SIGTERM)
        got = c.rest()
        rc, err = c.finish()
        self.assertEqual(rc, 0, err)
        self.cut_line(err, len(got) - (got.index(b"\n") + 1))

    def test_http_transfer(self):
        c = self.client()
        c.sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(c.read(1 << 16).startswith(b"HTTP/1.1 200 OK\r\n"), c.got[:80])
        c.proc.send_signal(signal.SIGTERM)
        got = c.rest()
        rc, err = c.finish()
        self.assertEqual(rc, 0, err)
        self.cut_line(err, len(got) - (got.index(b"\r\n\r\n") + 4))

    def test_idle_handler_keeps_the_default_action(self):
        # After a whole answer the handler waits for the next request: SIGTERM ends it at
        # once, as before, and the request's line was logged, whole.
        c = self.client()
        c.sock.sendall(b"GET small.txt\n")
        self.assertTrue(c.read(32).endswith(b"\nsmall\n"), c.got)
        c.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.rest(), c.got)
        rc, err = c.finish()
        self.assertEqual(rc, -signal.SIGTERM, err)
        self.assertRegex(err, r"GET /small\.txt OK 6 ")
        self.assertNotIn("cut", err)

    def test_before_any_request(self):
        c = self.client()
        c.proc.send_signal(signal.SIGTERM)
        rc, err = c.finish()
        self.assertEqual((rc, err), (-signal.SIGTERM, ""))


class StopUnderInetd(ih.InetdCase):
    def test_end_of_grace_time(self):
        # filesvc-inetd's stop as the unit runs it: handlers under --handler-seccomp
        # (the signalfd is made under that filter), SIGTERM when the grace time is over.
        with open(os.path.join(self.root, "big.bin"), "wb") as f:
            f.truncate(BIG)
        srv = self.inetd(opts=["-t", "1", "-v", "--handler-seccomp"])
        c = srv.connect()
        self.addCleanup(c.close)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        c.send(b"GET big.bin\n")
        self.assertTrue(c.reader.line().startswith(b"OK %d " % BIG))
        first = len(c.reader.exactly(1 << 16))
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"sending SIGTERM to 1 connections")
        line = srv.wait_log(CUT.pattern.replace("^<4>", "<4>").rstrip("$"))[0]
        rest = len(c.reader.rest())
        self.assertEqual(int(CUT.search(line).group(3)), first + rest)
        self.assertEqual(srv.proc.wait(30), 0)
        srv.wait_log(r"pid \d+ exited with status 0 after")
        self.assertEqual(srv.matching(ih.HANDLER_DIED), [])  # not SIGSYS, not SIGKILL


if __name__ == "__main__":
    ih.main()
