"""Helpers for filesvc-inetd's integration tests: run the real supervisor on
loopback, follow its log lines as they come, and look at its children and
descriptors through /proc.  Standard library only.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

import harness
from harness import HANDLER, INETD, children, handler_argv, have_ipv6, wait_until  # noqa: F401 (re-exported)

# Tests run as root in CI; filesvc-inetd refuses to run PROGRAM as root unless told.
ALLOW_ROOT = ["--allow-root"] if os.geteuid() == 0 else []

LISTENING = re.compile(r"listening on (\[[0-9a-f:]+\]|[0-9.]+):(\d+)")
# A handler that did not end cleanly, as filesvc-inetd logs it (at warning, so the
# tests' "nothing at err or worse" does not see it): a crash, a seccomp kill, a failure.
HANDLER_DIED = r"pid \d+ (killed by signal|exited with status [1-9])"






def state(pid):
    """The one-letter state of a process (Z: zombie), or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def fds(pid):
    return sorted(int(x) for x in os.listdir("/proc/%d/fd" % pid))


def listening_ports(pid):
    """The TCP ports pid listens on, as the kernel reports its sockets: for a
    supervisor told to log nothing (-q), which cannot say where it listens."""
    inodes = set()
    for fd in fds(pid):
        try:
            link = os.readlink("/proc/%d/fd/%d" % (pid, fd))
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with open("/proc/%d/net/%s" % (pid, table)) as f:
            for row in f.read().splitlines()[1:]:
                col = row.split()
                if col[3] == "0A" and col[9] in inodes:  # TCP_LISTEN
                    ports.add(int(col[1].rpartition(":")[2], 16))
    return sorted(ports)


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime




class Inetd:
    """filesvc-inetd running PROGRAM, its stderr followed line by line.

    With the default -l 127.0.0.1:0 the kernel picks the port and the
    supervisor logs it: that line is the readiness signal, no port race.
    """

    def __init__(self, program, listen=("127.0.0.1:0",), opts=(), env=None,
                 wait_ready=True, **popen):
        args = [INETD] + ALLOW_ROOT
        for spec in listen:
            args += ["-l", spec]
        args += list(opts) + ["--"] + list(program)
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env, **popen)
        self.pid = self.proc.pid
        self.reader = threading.Thread(target=self._follow, daemon=True)
        self.reader.start()
        self.addrs = []
        if wait_ready:
            self.wait_log(r"running .* for at most")
            for line in self.lines:
                m = LISTENING.search(line)
                if m:
                    self.addrs.append((m.group(1).strip("[]"), int(m.group(2))))

    def _follow(self):
        for raw in self.proc.stderr:
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # EOF
            self.cond.notify_all()

    def wait_log(self, pattern, timeout=20.0, count=1):
        """Wait for count log lines matching pattern; returns the matches."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [l for l in self.lines if l is not None and rx.search(l)]
                if len(found) >= count:
                    return found
                if None in self.lines:
                    raise AssertionError("supervisor exited (%s) before logging %r; log:\n%s"
                                         % (self.proc.poll(), pattern, self.log()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no log line %r after %.0fs; log:\n%s"
                                         % (pattern, timeout, self.log()))
                self.cond.wait(left)

    def matching(self, pattern):
        rx = re.compile(pattern)
        with self.cond:
            return [l for l in self.lines if l is not None and rx.search(l)]

    def log(self):
        with self.cond:
            return "\n".join(l for l in self.lines if l is not None)

    @property
    def port(self):
        return self.addrs[0][1]

    def connect(self, host=None, port=None, timeout=20.0, source=None):
        host = host or self.addrs[0][0]
        port = port or [p for h, p in self.addrs if h == host][0]
        if source is None:
            return harness.Conn(host, port, timeout)
        c = harness.Conn.__new__(harness.Conn)
        c.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        c.sock.settimeout(timeout)
        c.sock.bind((source, 0))
        c.sock.connect((host, port))
        c.reader = harness.Reader(c.sock.recv)
        return c

    def wait_idle(self, timeout=30.0):
        """Wait until every child has been reaped (none left, not even zombies)."""
        wait_until(lambda: children(self.pid) == [], timeout, "the supervisor's children to go")

    def stop(self, sig=None, timeout=60):
        """SIGTERM (or sig) by PID; returns the exit status.  The timeout is
        longer than the default grace time (30 s), so a test sees our exit."""
        rc = harness.stop(self.proc, sig or signal.SIGTERM, timeout)
        self.reader.join(5)
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc.stderr = None
        # Under -Db_sanitize, a report fails the test even where the exit status would not.
        bad = self.matching(r"Sanitizer|runtime error:")
        if bad:
            raise AssertionError("sanitizer report on the shared stderr (ours or a child's):\n"
                                 + self.log())
        return rc


class InetdCase(harness.TreeCase):
    """A tree with a couple of files, and a way to run the supervisor on it."""

    def setUp(self):
        super().setUp()
        self.write("hello.txt", b"hello, world\n")
        self.write("sub/b.bin", bytes(range(256)) * 16)

    def inetd(self, program=None, **kw):
        program = program or handler_argv("--root", self.root)
        srv = Inetd(program, **kw)
        self.addCleanup(srv.stop)
        return srv

    def check_served(self, conn):
        a = conn.request(b"GET hello.txt")
        self.assertTrue(a.ok, a.header)
        self.assertEqual(a.body, b"hello, world\n")


def main():
    for name, path in (("FILESVC_HANDLER", HANDLER), ("FILESVC_INETD", INETD)):
        if not path or not os.access(path, os.X_OK):
            raise SystemExit("%s is not set to an executable (run through meson test)" % name)
    raise SystemExit(harness.run_tests())


if __name__ == "__main__":
    sys.exit("a helper module, not a test")
