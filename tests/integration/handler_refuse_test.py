#!/usr/bin/env python3
"""A handler that cannot serve says so to the client, in its dialect, and exits 1.

A root that cannot be opened, or a sandbox layer the kernel has but refuses
(a container manager's filter answering landlock_* with EPERM, as
systemd-nspawn 252 does), must not look like a network fault (a reset) to
the client, nor pass unseen by the service manager."""

import os
import socket
import subprocess
import unittest

import harness

DENY_LANDLOCK = os.environ.get("FILESVC_DENY_LANDLOCK", "")
HTTP_GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def over_socket(args, request):
    """Run args with a socketpair as fds 0 and 1; send request, read to EOF.

    Returns (exit status, bytes received, stderr)."""
    ours, theirs = socket.socketpair()
    with ours:
        p = subprocess.Popen(args, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE)
        theirs.close()
        ours.settimeout(20)
        ours.sendall(request)
        got = b""
        while True:
            chunk = ours.recv(65536)
            if not chunk:
                break
            got += chunk
        ours.shutdown(socket.SHUT_WR)   # the handler drains until we close too
        _, err = p.communicate(timeout=20)
    return p.returncode, got, err.decode("utf-8", "replace")


class MissingRoot(harness.TreeCase):
    def test_protocol1_gets_err_500(self):
        missing = os.path.join(self.root, "no-such-dir")
        rc, got, err = over_socket(harness.handler_argv("--root", missing), b"LIST\n")
        self.assertEqual(got, b"ERR 500 cannot open the served root\n")
        self.assertEqual(rc, 1)
        self.assertIn("cannot open root %s: No such file or directory" % missing, err)

    def test_http_gets_500(self):
        missing = os.path.join(self.root, "no-such-dir")
        rc, got, err = over_socket(harness.handler_argv("--root", missing), HTTP_GET)
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 500 "), head)
        self.assertIn(b"\r\nConnection: close", head)
        self.assertEqual(body, b"500 Internal Server Error: cannot open the served root\n")
        self.assertEqual(rc, 1)
        self.assertNotIn(missing.encode(), got)     # the answer names no server path


AS_ROOT = "filesvc-handler: refusing to run as root (uid 0): start it as an unprivileged " \
    "user (-u/User=/setpriv), or pass --allow-root"
SETPRIV = "/usr/bin/setpriv"


@unittest.skipUnless(os.geteuid() == 0 and os.access(SETPRIV, os.X_OK),
                     "running the handler as root and as nobody needs root and setpriv(1)")
class AsRoot(harness.TreeCase):
    """Root reads 0600 files: the handler refuses uid 0 unless told (issue 18)."""

    def setUp(self):
        super().setUp()
        os.chmod(self.root, 0o755)
        self.write("hello.txt", b"hello\n")
        self.bare = [harness.HANDLER, "--root", self.root]

    def test_protocol1_gets_err_500(self):
        rc, got, err = over_socket(self.bare, b"GET hello.txt\n")
        self.assertEqual(got, b"ERR 500 the server refuses to run as root\n")
        self.assertEqual(rc, 1)
        self.assertIn(AS_ROOT, err)

    def test_http_gets_500(self):
        rc, got, err = over_socket(self.bare, HTTP_GET)
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 500 Internal Server Error\r\n"), head)
        self.assertIn(b"\r\nConnection: close", head)
        self.assertEqual(body, b"500 Internal Server Error: the server refuses to run as root\n")
        self.assertEqual(rc, 1)
        self.assertIn(AS_ROOT, err)

    def test_before_a_missing_root(self):
        # Two faults: the one to fix first is named.
        rc, got, err = over_socket([harness.HANDLER, "--root", self.root + "/nope"], b"LIST\n")
        self.assertEqual((rc, got), (1, b"ERR 500 the server refuses to run as root\n"))
        self.assertNotIn("cannot open root", err)

    def test_allow_root_serves(self):
        rc, got, err = over_socket(self.bare + ["--allow-root"], b"GET hello.txt\nQUIT\n")
        self.assertTrue(got.startswith(b"OK 6 size=6 "), got)
        self.assertEqual(rc, 0, err)

    def test_nobody_serves_without_the_option(self):
        nobody = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"]
        rc, got, err = over_socket(nobody + self.bare, b"GET hello.txt\nQUIT\n")
        self.assertTrue(got.startswith(b"OK 6 size=6 "), got)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("root", err)


class RefusedSandbox(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("hello.txt", b"hello\n")
        if not os.access(DENY_LANDLOCK, os.X_OK):
            self.fail("FILESVC_DENY_LANDLOCK is not set (run through meson test)")

    def run_denied(self, request, extra=()):
        return over_socket([DENY_LANDLOCK] + harness.handler_argv("--root", self.root) + list(extra),
                           request)

    def test_protocol1_gets_err_503_and_the_log_says_why(self):
        rc, got, err = self.run_denied(b"GET hello.txt\n")
        self.assertEqual(got, b"ERR 503 the server cannot confine itself\n")
        self.assertEqual(rc, 1)
        self.assertIn("cannot enter the sandbox: the kernel refused Landlock", err)
        self.assertIn("--no-sandbox", err)
        self.assertIn("Operation not permitted", err)

    def test_http_gets_503(self):
        rc, got, _ = self.run_denied(HTTP_GET)
        self.assertTrue(got.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), got[:80])
        self.assertTrue(got.endswith(b"\r\n\r\n503 Service Unavailable: "
                                     b"the server cannot confine itself\n"), got)
        self.assertEqual(rc, 1)

    def test_no_sandbox_serves(self):
        # The way out the log names works: the same filter, --no-sandbox, served.
        rc, got, _ = self.run_denied(b"GET hello.txt\nQUIT\n", ["--no-sandbox"])
        self.assertTrue(got.startswith(b"OK 6 size=6 "), got)
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    harness.main()
