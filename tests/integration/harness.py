"""Shared helpers for filesvc's integration tests.

The tests run the real binaries (paths come from meson through the
environment) over pipes and real loopback sockets.  Standard library only:
the suite must run on a fresh Debian 12 with nothing but the build
dependencies installed.
"""

import array
import fcntl
import hashlib
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import termios
import threading
import time
import unittest

HANDLER = os.environ.get("FILESVC_HANDLER", "")
INETD = os.environ.get("FILESVC_INETD", "")
FGET = os.environ.get("FGET", "")
SOCKET_ACTIVATE = shutil.which("systemd-socket-activate") or "/usr/bin/systemd-socket-activate"


def handler_argv(*args):
    """The handler's command line with args.  filesvc-handler refuses to run as
    root without --allow-root, and the suite runs as root in CI: add it then."""
    return [HANDLER] + (["--allow-root"] if os.geteuid() == 0 else []) + list(args)


def free_port(host="127.0.0.1"):
    """A TCP port that was free a moment ago (bind to port 0, read it, close): only
    for a port nothing should answer on.  A server gets listener()'s socket, or
    reports the port it bound (filesvc-inetd's "listening on" line)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def listener(host="127.0.0.1"):
    """A listening TCP socket on host, on a port the kernel picked, to pass to a
    server as an inherited descriptor (LISTEN_FDS, HAProxy's bind fd@N).  It
    listens before the server starts: no other program can take the port meanwhile
    (free_port's race) and clients may connect at once (the backlog holds them)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if host == "::":  # both families, as systemd's ListenStream=PORT listens
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((host, 0))
    s.listen(socket.SOMAXCONN)
    return s


# Runs "$@" with LISTEN_FDS=1 and the socket it got on stdin as fd 3, as systemd
# passes sockets (sd_listen_fds(3)); LISTEN_PID is the shell's, which exec keeps.
WITH_LISTEN_FD = 'exec 3<&0 0</dev/null; LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"'


def with_listen_fd(args):
    """args (a command) run with the socket given as its stdin passed as LISTEN_FDS."""
    return ["/bin/sh", "-c", WITH_LISTEN_FD, "sh"] + list(args)


def file_sha(path):
    """SHA-256 of a file's bytes, read in 1 MiB blocks, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def have_ipv6():
    """True if ::1 can be bound here (some containers have no IPv6)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def children(pid):
    """PIDs of a process's children, zombies included until reaped.

    The kernel lists a child under the thread that made it: filesvc-inetd
    spawns from worker threads, so every thread's list counts."""
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return []
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                found += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return found


def wait_until(pred, timeout=30.0, what="condition"):
    """Poll pred() until it is true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting for " + what)


class Answer:
    """One parsed answer: ok, code, body, and the header's key=value pairs."""

    def __init__(self, header, body=b""):
        self.header = header
        self.body = body
        parts = header.split(b" ")
        self.ok = parts[0] == b"OK"
        self.code = 0 if self.ok else int(parts[1])
        self.keys = {}
        if self.ok:
            for kv in parts[2:]:
                k, _, v = kv.partition(b"=")
                self.keys[k.decode()] = v.decode()

    def __repr__(self):
        return "Answer(%r, %d body bytes)" % (self.header, len(self.body))


class Reader:
    """Reads answers from a byte stream (a socket or a pipe)."""

    def __init__(self, recv):
        self.recv = recv
        self.buf = b""

    def _fill(self):
        chunk = self.recv(1 << 16)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def line(self):
        while b"\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def answer(self):
        hdr = self.line()
        if hdr.startswith(b"OK "):
            n = int(hdr.split(b" ")[1])
            return Answer(hdr, self.exactly(n))
        return Answer(hdr)

    def rest(self):
        """Everything until EOF."""
        while True:
            try:
                self._fill()
            except EOFError:
                data, self.buf = self.buf, b""
                return data


class Conn:
    """A client connection over TCP."""

    def __init__(self, host, port, timeout=20.0):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.reader = Reader(self.sock.recv)

    def send(self, data):
        self.sock.sendall(data)

    def request(self, line):
        self.send(line + b"\n")
        return self.reader.answer()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_pipe(args, stdin_bytes, timeout=30):
    """Run a program with stdin from bytes; return (returncode, stdout, stderr)."""
    p = subprocess.run(args, input=stdin_bytes, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def stop(proc, sig=signal.SIGTERM, timeout=10):
    """Stop a process we started, by its PID; SIGKILL if it does not go."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class PipeLog:
    """A child's stderr as a pipe, drained by a thread into memory."""

    def __init__(self):
        self.r, self.w = os.pipe()
        self.data = bytearray()
        self.eof = False
        self.lock = threading.Condition()
        self.thread = threading.Thread(target=self._drain, daemon=True)

    def started(self):
        os.close(self.w)	# the child holds it now: EOF when the last writer goes
        self.w = -1
        self.thread.start()

    def _drain(self):
        while True:
            select.select([self.r], [], [])
            # Read under the lock: text() then sees every byte a writer wrote
            # before it (in data, or still in the pipe, which it waits out).
            with self.lock:
                chunk = os.read(self.r, 65536)
                self.data += chunk
                self.eof = not chunk
                self.lock.notify_all()
            if not chunk:
                return

    def wait_for(self, text, timeout=20.0):
        """Wait until text has been logged; fail if every writer is gone first."""
        deadline = time.monotonic() + timeout
        want = text.encode()
        with self.lock:
            while want not in self.data:
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    raise AssertionError("no %r in the log %s; log:\n%s" % (
                        text, "before its end" if self.eof else "after %.0fs" % timeout,
                        self.data.decode("utf-8", "replace")))
                self.lock.wait(left)

    def unread(self):
        """Bytes written to the pipe and not yet drained."""
        n = array.array("i", [0])
        fcntl.ioctl(self.r, termios.FIONREAD, n)
        return n[0]

    def text(self):
        """What was logged so far, including all a process wrote before it exited."""
        with self.lock:
            deadline = time.monotonic() + 5
            while not self.eof and self.unread() > 0 and time.monotonic() < deadline:
                self.lock.wait(0.05)
            return self.data.decode("utf-8", "replace")

    def close(self):
        self.thread.join(5)
        if self.w >= 0:
            os.close(self.w)
        os.close(self.r)


def addr_join(host, port):
    """host:port, [host]:port for IPv6, as the programs write addresses."""
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def socket_activated(command, host="127.0.0.1", env=None):
    """command under systemd-socket-activate --inetd -a, on a listener(host) passed
    as systemd passes one; returns (proc, port, PipeLog of its stderr) once
    systemd-socket-activate logs that it listens (it refuses port 0 in -l, so it
    cannot pick and report a port itself)."""
    sock = listener(host)
    port = sock.getsockname()[1]
    # A pipe, as journald's stream is: a regular file would get lines
    # without their "<N>" priority prefix (common/log.c).
    log = PipeLog()
    args = [SOCKET_ACTIVATE, "--inetd", "-a"]
    for k, v in (env or {}).items():
        args += ["-E", "%s=%s" % (k, v)]
    with sock:
        proc = subprocess.Popen(with_listen_fd(args + list(command)), stdin=sock,
                                stdout=subprocess.DEVNULL, stderr=log.w)
    log.started()
    log.wait_for("Listening on %s as 3." % addr_join(host, port))
    return proc, port, log


class Server:
    """filesvc-handler under systemd-socket-activate --inetd -a, on loopback
    (socket_activated())."""

    def __init__(self, root, host="127.0.0.1", extra=(), env=None):
        self.host = host
        self.proc, self.port, self.log = socket_activated(
            handler_argv("--root", root) + list(extra), host, env)

    def connect(self, timeout=20.0):
        return Conn(self.host, self.port, timeout)

    def logs(self):
        return self.log.text()

    def stop(self):
        stop(self.proc)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class TreeCase(unittest.TestCase):
    """A test case with a fresh temporary directory tree in self.root."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="filesvc-test-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

    def write(self, rel, data=b""):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path


# A skip whose reason starts with this is by design (the test is for another
# build); any other says the machine lacks something the test needs.
NOT_APPLICABLE = "n/a: "


def run_tests():
    """Run the __main__ module's tests and return the exit status for meson.

    meson sees one test per file, so a skipped method would pass unseen.  With
    FILESVC_NO_SKIP=1 (CI, whose machine has root, IPv6 and every tool), a skip
    for want of something fails the file; NOT_APPLICABLE skips never do."""
    result = unittest.main(verbosity=2, exit=False).result
    lacking = [(t.id(), why) for t, why in result.skipped
               if not why.startswith(NOT_APPLICABLE)]
    for test_id, why in lacking:
        print("skipped %s: %s" % (test_id, why))
    if not result.wasSuccessful():
        return 1
    if lacking and os.environ.get("FILESVC_NO_SKIP") == "1":
        print("FILESVC_NO_SKIP=1: %d test(s) skipped for want of something" % len(lacking))
        return 1
    return 0


def main():
    """Run the module's tests; exit non-zero on any failure (meson reads the status)."""
    for name, path in (("FILESVC_HANDLER", HANDLER),):
        if not path or not os.access(path, os.X_OK):
            raise SystemExit("%s is not set to an executable (run through meson test)" % name)
    raise SystemExit(run_tests())
