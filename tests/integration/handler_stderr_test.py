#!/usr/bin/env python3
"""filesvc-handler started as xinetd starts a program: the connection on fds 0, 1 and 2.

A log line written to fd 2 would land between the answers.  The handler must
see that fd 2 is its connection, keep the stream clean and log to syslog.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

import harness
from harness import Reader, handler_argv

UNSHARE = shutil.which("unshare")


class XinetdLayoutTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("a.txt", b"alpha\n")

    def start(self, args):
        """The handler (or args wrapping it) with one socket on fds 0, 1 and 2."""
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        proc = subprocess.Popen(args, stdin=theirs, stdout=theirs, stderr=theirs)
        theirs.close()
        self.addCleanup(harness.stop, proc)
        ours.settimeout(20)
        return proc, ours

    def converse(self, sock):
        """Three requests, one of them an error the handler logs, then QUIT."""
        sock.sendall(b"GET a.txt\nSTAT nope\nGET a.txt 1 4\nQUIT\n")
        r = Reader(sock.recv)
        self.assertEqual(r.answer().body, b"alpha\n")
        self.assertEqual(r.answer().code, 404)
        self.assertEqual(r.answer().body, b"lpha")
        self.assertEqual(r.answer().header, b"OK 0")
        self.assertEqual(r.rest(), b"", "bytes after QUIT's answer: a log line?")

    def test_no_log_line_in_the_answers(self):
        proc, sock = self.start(handler_argv("--root", self.root))
        self.converse(sock)
        self.assertEqual(proc.wait(10), 0)

    @unittest.skipUnless(os.geteuid() == 0 and UNSHARE, "needs root and unshare(1)")
    def test_lines_go_to_syslog(self):
        # A private mount namespace whose /dev/log is our datagram socket.
        tmp = tempfile.mkdtemp(prefix="filesvc-syslog-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        path = os.path.join(tmp, "log")
        syslog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(syslog.close)
        syslog.bind(path)
        syslog.settimeout(10)
        script = 'mount -t tmpfs tmpfs /dev && ln -s "$1" /dev/log && shift && exec "$@"'
        proc, sock = self.start([UNSHARE, "-m", "--propagation", "private", "sh", "-c", script,
                                 "sh", path] + handler_argv("--root", self.root))
        self.converse(sock)
        self.assertEqual(proc.wait(10), 0)
        lines = [syslog.recv(4096).decode() for _ in range(4)]
        # Facility daemon (3 << 3) plus the priority: 30 info, 28 warning; tag with pid.
        tag = r"filesvc-handler\[%d\]: " % proc.pid
        self.assertRegex(lines[0], "^<30>" + tag + r".*GET /a\.txt OK")
        self.assertRegex(lines[1], "^<28>" + tag + r".*STAT /nope 404")
        self.assertRegex(lines[2], "^<30>" + tag + r".*GET /a\.txt")
        self.assertRegex(lines[3], "^<30>" + tag + r".*QUIT")
        for line in lines:
            self.assertFalse(line.endswith("\n"), line)


class TerminalLeftAloneTest(harness.TreeCase):
    def test_separate_stderr_still_gets_the_lines(self):
        # The usual case (systemd, tcpserver, a pipe): fd 2 is not the connection.
        self.write("a.txt", b"alpha\n")
        code, out, err = harness.run_pipe(handler_argv("--root", self.root), b"STAT nope\n")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith(b"ERR 404"), out)
        self.assertRegex(err.decode(), r"^<4>filesvc-handler: .*STAT /nope 404")


if __name__ == "__main__":
    harness.main()
