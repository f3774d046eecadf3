#!/usr/bin/env python3
"""filesvc-inetd under socket activation: systemd-socket-activate (no --inetd)
passes the listening socket in LISTEN_FDS; READY=1, STATUS= and STOPPING=1
arrive on a NOTIFY_SOCKET datagram socket the test owns, also after -u
dropped root (start-stop-daemon --notify-await).  libsystemd is loaded only
for LISTEN_FDS: a standalone filesvc-inetd maps none of it, and one that
cannot load it refuses LISTEN_FDS with the loader's reason."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
import inetd_harness as ih
from harness import HANDLER, INETD, SOCKET_ACTIVATE, handler_argv


def maps_libsystemd(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "/libsystemd.so" in f.read()


def built_with_systemd():
    out = subprocess.run([INETD, "--version"], stdout=subprocess.PIPE, check=True).stdout
    return b"+systemd" in out


# Each build runs one side of these: a skip for the other is by design.
NO_LIBSYSTEMD = harness.NOT_APPLICABLE + "built without libsystemd"
LIBSYSTEMD = harness.NOT_APPLICABLE + "built with libsystemd"


class Activated(ih.InetdCase):
    def setUp(self):
        super().setUp()
        if not os.access(SOCKET_ACTIVATE, os.X_OK):
            self.skipTest("no systemd-socket-activate")
        tmp = tempfile.mkdtemp(prefix="filesvc-notify-")
        self.addCleanup(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        self.notify_path = os.path.join(tmp, "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.addCleanup(self.notify.close)
        self.log = tempfile.TemporaryFile()
        self.addCleanup(self.log.close)

    def start(self, program, extra=(), wrapper=()):
        """systemd-socket-activate (through wrapper) on a socket of ours, then the
        first connection, which makes it exec filesvc-inetd (same pid) with the
        socket: the connection waits in the backlog until filesvc-inetd accepts it."""
        sock = harness.listener()
        self.port = sock.getsockname()[1]
        args = list(wrapper) + [SOCKET_ACTIVATE, "-E", "NOTIFY_SOCKET=" + self.notify_path,
                                INETD] + ih.ALLOW_ROOT + list(extra) + ["--"]
        with sock:
            self.proc = subprocess.Popen(harness.with_listen_fd(args + program), stdin=sock,
                                         stdout=subprocess.DEVNULL, stderr=self.log)
        self.addCleanup(harness.stop, self.proc)
        socket.create_connection(("127.0.0.1", self.port), timeout=20).close()

    def message(self, want, timeout=20.0):
        """Datagrams until one holds the line want; returns that datagram."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r on NOTIFY_SOCKET; log:\n%s" % (want, self.logs()))
            self.notify.settimeout(left)
            msg = self.notify.recv(4096).decode()
            if any(line.startswith(want) for line in msg.split("\n")):
                return msg

    def logs(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    @unittest.skipUnless(built_with_systemd(), NO_LIBSYSTEMD)
    def test_serves_and_notifies(self):
        self.start(handler_argv("--root", self.root))
        msg = self.message("READY=1")
        self.assertIn("STATUS=", msg)
        with harness.Conn("127.0.0.1", self.port) as c:
            self.check_served(c)
        # start()'s connection and ours: STATUS= follows within a second or so.
        self.message("STATUS=0 connections (at most 100), 2 started")
        self.assertTrue(maps_libsystemd(self.proc.pid))
        self.proc.send_signal(signal.SIGTERM)
        self.message("STOPPING=1")
        self.assertEqual(self.proc.wait(20), 0)
        self.assertIn("listening on 127.0.0.1:%d" % self.port, self.logs())

    @unittest.skipUnless(built_with_systemd(), NO_LIBSYSTEMD)
    def test_status_counts_connections_awaiting_a_proxy_header(self):
        # Each holds a -c slot: STATUS= shows them, and those closed before a header.
        self.start(handler_argv("--root", self.root), extra=["--proxy-protocol"])
        self.message("READY=1")
        # start()'s connection ended without a header; this one has sent nothing yet.
        with harness.Conn("127.0.0.1", self.port) as c:
            self.message("STATUS=0 connections and 1 awaiting a PROXY header (at most 100), "
                         "0 started, 0 over the per-source cap, 0 failed to start, "
                         "1 closed without one")
            c.send(b"PROXY TCP4 192.0.2.1 127.0.0.1 5555 %d\r\n" % self.port)
            self.check_served(c)
        self.message("STATUS=0 connections and 0 awaiting a PROXY header (at most 100), "
                     "1 started, 0 over the per-source cap, 0 failed to start, 1 closed without one")
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(20), 0)

    @unittest.skipUnless(built_with_systemd(), NO_LIBSYSTEMD)
    def test_listen_and_notify_variables_stay_with_us(self):
        self.start(["/usr/bin/env"], extra=["-v"])
        self.message("READY=1")
        with harness.Conn("127.0.0.1", self.port) as c:
            env = c.reader.rest().decode()
        self.assertIn("PROTO=TCP\n", env)
        self.assertIn("TCPLOCALPORT=%d\n" % self.port, env)
        for name in ("LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=", "NOTIFY_SOCKET="):
            self.assertNotIn(name, env)
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(20), 0)

    @unittest.skipUnless(built_with_systemd(), NO_LIBSYSTEMD)
    @unittest.skipUnless(os.geteuid() == 0 and os.access("/usr/bin/unshare", os.X_OK),
                         "hiding the library needs root and unshare(1)")
    def test_libsystemd_missing_listen_fds_is_refused(self):
        # A mount namespace where libsystemd.so.0 is an empty file: the loader
        # fails as on a host without it (systemd-socket-activate itself uses
        # libsystemd-shared, so it still runs).
        lib = subprocess.run(["/sbin/ldconfig", "-p"], stdout=subprocess.PIPE, check=True,
                             text=True).stdout
        path = [l.split(" => ")[1] for l in lib.splitlines()
                if l.strip().startswith("libsystemd.so.0 (")]
        if not path:
            self.skipTest("libsystemd.so.0 not in the loader's cache")
        script = 'mount --bind /dev/null "$1" && shift && exec "$@"'
        self.start(["/bin/true"], wrapper=["/usr/bin/unshare", "-m", "sh", "-c", script, "sh",
                                           path[0]])
        self.assertEqual(self.proc.wait(20), 1)
        # A regular file: plain lines, without "<N>" (common/log.c).
        self.assertRegex(self.logs(), r"(?m)^filesvc-inetd: LISTEN_FDS is set, but "
                         r"libsystemd\.so\.0 cannot be loaded: .*libsystemd\.so\.0")
        self.assertIn("cannot take the sockets systemd passed", self.logs())

    @unittest.skipIf(built_with_systemd(), LIBSYSTEMD)
    def test_without_libsystemd_listen_fds_is_refused(self):
        self.start(["/bin/true"])
        self.assertEqual(self.proc.wait(20), 1)
        self.assertIn("ignoring LISTEN_FDS: built without libsystemd", self.logs())
        self.assertIn("no listening sockets", self.logs())


class NotifyAwait(ih.InetdCase):
    """start-stop-daemon --notify-await's way: NOTIFY_SOCKET in a directory only
    root may enter, no LISTEN_FDS, and -u: READY=1 must arrive although it is
    sent after dropping root (the socket is connected before)."""

    @unittest.skipUnless(os.geteuid() == 0, "switching users needs root")
    def test_ready_after_dropping_root(self):
        tmp = tempfile.mkdtemp(prefix="filesvc-ssd-")	# 0700, root's
        self.addCleanup(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        self.addCleanup(sock.close)
        sock.settimeout(20)
        srv = self.inetd(["/bin/true"], opts=["-u", "nobody"],
                         env=dict(os.environ, NOTIFY_SOCKET=path))
        srv.wait_log("running as uid")
        self.assertIn("READY=1", sock.recv(4096).decode().split("\n"))
        self.assertFalse(maps_libsystemd(srv.pid))	# no LISTEN_FDS: not needed
        srv.proc.send_signal(signal.SIGTERM)
        while "STOPPING=1" not in sock.recv(4096).decode().split("\n"):
            pass
        self.assertEqual(srv.stop(), 0)


class Standalone(ih.InetdCase):
    def test_maps_no_libsystemd(self):
        # Started by hand (no LISTEN_FDS, no NOTIFY_SOCKET), it serves without
        # loading libsystemd and what that links: 1.2 MiB resident.
        srv = self.inetd()
        with srv.connect() as c:
            self.check_served(c)
        self.assertFalse(maps_libsystemd(srv.pid))
        self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    ih.main()
