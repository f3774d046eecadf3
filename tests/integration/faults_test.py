#!/usr/bin/env python3
"""Faults and hostile load against the real filesvc-inetd + filesvc-handler
(+ fget) on loopback: slowloris under -c/-C, clients that vanish (RST) or stop
reading (zero window), a file truncated mid-transfer, and the supervisor
SIGKILLed while transfers run.  Each test ends with nothing left behind: no
child process, the supervisor's descriptors as they were at the start."""

import ctypes
import hashlib
import os
import resource
import selectors
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import fget_harness as fh
import harness
import inetd_harness as ih
from harness import HANDLER
from inetd_harness import InetdCase, children, fds, state, wait_until

PR_SET_CHILD_SUBREAPER = 36


def raise_nofile(want):
    """Raise our soft descriptor limit (the supervisor inherits it); skip if the
    hard limit is too low for the test."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < want:
        raise unittest.SkipTest("RLIMIT_NOFILE hard limit %d < %d" % (hard, want))
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return soft, hard


def rst_close(sock):
    """Close with an RST instead of a FIN: the client vanishes."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rpartition(")")[2].split()[1])


def rx_queue(pid):
    """Bytes waiting unread in the receive queue of PID's TCP socket(s)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    total = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            cols = row.split()
            if cols[9] in inodes:
                total += int(cols[4].partition(":")[2], 16)
    return total


class FaultCase(InetdCase):
    def handler(self, srv):
        """The PID of the one handler the supervisor is running right now."""
        wait_until(lambda: len(children(srv.pid)) == 1, what="the handler to start")
        return children(srv.pid)[0]

    def program(self, *extra):
        return [HANDLER, "--root", self.root] + list(extra)

    def nothing_left(self, srv, start_fds):
        srv.wait_idle(30)  # every handler reaped: none left, not even a zombie
        self.assertEqual(fds(srv.pid), start_fds)
        self.assertEqual(srv.matching(r"^<[0-3]>"), [])  # a client's doing is no server error
        self.assertEqual(srv.matching(ih.HANDLER_DIED), [])  # nor does it kill a handler


class Slowloris(FaultCase):
    """500 connections from 10 addresses, each sending one byte a second and never
    a whole line.  -C 5 admits 5 per address and closes the rest at once; -c 64
    leaves room, so a well-behaved client is served at once, throughout; the
    idle timeout cuts the admitted slow ones with ERR 408."""

    SOURCES = ["127.0.0.%d" % i for i in range(10, 20)]
    PER_SOURCE = 50
    CAP = 5
    TIMEOUT = 8
    SERVED_WITHIN = 5.0  # generous, and still well short of TIMEOUT: not starved

    def test_good_client_served_slow_ones_cut(self):
        raise_nofile(2048)
        srv = self.inetd(self.program("--timeout", str(self.TIMEOUT)),
                         opts=["-c", "64", "-C", str(self.CAP)])
        start_fds = fds(srv.pid)
        port = srv.port
        sel = selectors.DefaultSelector()
        conns = {}  # socket -> [source, opened, received bytes, ended or None]
        for src in self.SOURCES:
            for _ in range(self.PER_SOURCE):
                s = socket.socket()
                self.addCleanup(s.close)
                s.bind((src, 0))
                s.connect(("127.0.0.1", port))
                s.setblocking(False)
                conns[s] = [src, time.monotonic(), b"", None]
                sel.register(s, selectors.EVENT_READ)
        stop = threading.Event()
        drip = threading.Thread(target=self.drip, args=(sel, conns, stop))
        drip.start()
        self.addCleanup(drip.join, 30)
        self.addCleanup(stop.set)

        latencies = []
        opened = time.monotonic()
        for at in (0.5, 2.5, 4.5):  # pacing, not synchronisation: during the flood
            time.sleep(max(0.0, opened + at - time.monotonic()))
            t0 = time.monotonic()
            with srv.connect(timeout=30) as c:
                self.check_served(c)
            latencies.append(time.monotonic() - t0)
        print("well-behaved client served in %s s" % ", ".join("%.3f" % x for x in latencies))
        for x in latencies:
            self.assertLess(x, self.SERVED_WITHIN)

        last = max(c[1] for c in conns.values())
        wait_until(lambda: all(c[3] is not None for c in conns.values()),
                   timeout=last + self.TIMEOUT + 20 - time.monotonic(),
                   what="every slow connection to be closed")
        stop.set()
        drip.join(30)
        cut = [c for c in conns.values() if c[2]]
        closed = [c for c in conns.values() if not c[2]]
        for src in self.SOURCES:
            self.assertEqual(len([c for c in cut if c[0] == src]), self.CAP, src)
        for c in cut:  # admitted: cut by the idle timeout, not before
            self.assertTrue(c[2].startswith(b"ERR 408 "), c[2])
            self.assertGreaterEqual(c[3] - c[1], self.TIMEOUT - 0.5)
            self.assertLess(c[3] - c[1], self.TIMEOUT + 15)
        for c in closed:  # over the per-source cap: closed at once, nothing said
            self.assertLess(c[3] - c[1], self.TIMEOUT - 1)
        self.assertEqual(len(closed), len(conns) - len(self.SOURCES) * self.CAP)
        srv.wait_idle(30)
        self.assertEqual(fds(srv.pid), start_fds)
        self.assertEqual(srv.matching(r"^<[0-3]>"), [])
        self.assertEqual(srv.matching(ih.HANDLER_DIED), [])

    @staticmethod
    def drip(sel, conns, stop):
        """One byte a second to every open connection; collect what comes back."""
        line = b"GET " + b"a" * 100  # never a whole line
        i, next_drip = 0, time.monotonic()
        while not stop.is_set() and sel.get_map():
            now = time.monotonic()
            if now >= next_drip:
                for s in list(sel.get_map().values()):
                    try:
                        s.fileobj.send(line[i % len(line):i % len(line) + 1])
                    except OSError:
                        pass  # closed by the peer: the read below sees it
                i, next_drip = i + 1, next_drip + 1.0
            for key, _ in sel.select(timeout=max(0.0, min(0.2, next_drip - now))):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if data:
                    conns[s][2] += data
                    continue
                conns[s][3] = time.monotonic()
                sel.unregister(s)
                s.close()


class Vanishing(FaultCase):
    """Clients that vanish (RST) at every stage, and one that stops reading."""

    SIZE = 64 << 20

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.root, "huge.bin"), "wb") as f:
            f.truncate(self.SIZE)  # sparse: big, and cheap to make

    def test_rst_at_every_stage(self):
        srv = self.inetd(self.program("--timeout", "20"))
        start_fds = fds(srv.pid)
        t0 = time.monotonic()
        # Idle, half a request line, mid-transfer with the handler blocked in sendfile.
        c = srv.connect()
        self.handler(srv)
        rst_close(c.sock)
        srv.wait_idle(10)
        c = srv.connect()
        c.send(b"GET huge")
        self.handler(srv)
        rst_close(c.sock)
        srv.wait_idle(10)
        for _ in range(3):
            c = srv.connect()
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            c.send(b"GET huge.bin\n")
            self.assertTrue(c.reader.line().startswith(b"OK %d " % self.SIZE))
            c.reader.exactly(1 << 20)
            self.handler(srv)
            rst_close(c.sock)
            srv.wait_idle(10)  # at once, far short of the 20 s timeout
        self.assertLess(time.monotonic() - t0, 20)
        sent = [int(l.split()[5]) for l in srv.matching(r"GET /huge\.bin")]
        self.assertEqual(len(sent), 3, srv.log())
        self.assertTrue(all(0 < n < self.SIZE for n in sent), sent)  # the log tells the truth
        self.nothing_left(srv, start_fds)

    def test_zero_window_ends_at_timeout(self):
        timeout_s = 2
        srv = self.inetd(self.program("--timeout", str(timeout_s)))
        start_fds = fds(srv.pid)
        c = srv.connect()
        self.addCleanup(c.close)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        asked = time.monotonic()
        c.send(b"GET huge.bin\n")
        pid = self.handler(srv)
        self.assertTrue(c.reader.line().startswith(b"OK %d " % self.SIZE))
        c.reader.exactly(64 * 1024)
        t0 = time.monotonic()  # from here on, nothing is read: the window closes
        wait_until(lambda: state(pid) in (None, "Z"), timeout=timeout_s + 20,
                   what="the handler to give up on a client that does not read")
        # Its clock starts when its send buffer is full (no POLLOUT), which may be
        # before we stop reading; never before the request, never much after t0.
        self.assertGreaterEqual(time.monotonic() - asked, timeout_s)
        self.assertLess(time.monotonic() - t0, timeout_s + 15)
        srv.wait_log(r"GET /huge\.bin")
        self.nothing_left(srv, start_fds)
        c.close()


class Truncated(FaultCase):
    """A file truncated while filesvc-inetd's handler sends it to fget: a short body
    and close, fget exits 18 keeping NAME.part, and fget -C - ends with the file
    as it is now, byte for byte."""

    SIZE = 64 << 20  # more than any socket buffers hold: the handler is mid-sendfile
    SHRUNK = 1 << 20

    def start_stopped(self, srv, dest):
        """Start fget and SIGSTOP it as soon as its connection has a handler; wait
        until the body is under way (bytes queued on fget's socket)."""
        for attempt in range(3):
            err = tempfile.TemporaryFile()
            self.addCleanup(err.close)
            p = subprocess.Popen([fh.FGET, "-s", "-S", "-o", dest,
                                  fh.url("127.0.0.1", srv.port, "/f.bin")],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
            p.err = err
            self.addCleanup(harness.stop, p, signal.SIGKILL)
            deadline = time.monotonic() + 20
            while not children(srv.pid) and p.poll() is None and time.monotonic() < deadline:
                pass  # a tight loop: stop fget before it has read much
            p.send_signal(signal.SIGSTOP)
            try:
                wait_until(lambda: p.poll() is not None or rx_queue(p.pid) > 4096, timeout=20,
                           what="the body to be under way")
            except AssertionError:
                pass
            if p.poll() is None and rx_queue(p.pid) > 4096:
                print("fget stopped at attempt %d" % (attempt + 1))
                return p
            # fget was too quick for us (or a read raced the stop): start over.
            harness.stop(p, signal.SIGKILL)
            srv.wait_idle(10)
            for name in os.listdir(os.path.dirname(dest)):
                os.unlink(os.path.join(os.path.dirname(dest), name))
        self.fail("could not stop fget mid-transfer in 3 attempts")

    def test_fget_partial_then_continue(self):
        data = os.urandom(self.SIZE)
        src = self.write("f.bin", data)
        srv = self.inetd()
        start_fds = fds(srv.pid)
        out = tempfile.mkdtemp(prefix="faults-fget-")
        self.addCleanup(harness.shutil.rmtree, out, ignore_errors=True)
        dest = os.path.join(out, "f.bin")

        p = self.start_stopped(srv, dest)
        os.truncate(src, self.SHRUNK)
        p.send_signal(signal.SIGCONT)
        p.wait(60)
        p.err.seek(0)
        err = p.err.read()
        self.assertEqual(p.returncode, 18, err)  # partial transfer
        self.assertIn(b"body bytes still to come", err)
        srv.wait_log(r"file shrank")
        self.assertEqual(os.listdir(out), ["f.bin.part"])  # never a short file under the name
        with open(dest + ".part", "rb") as f:
            part = f.read()
        print("fget kept %d bytes of %d in f.bin.part" % (len(part), self.SIZE))
        self.assertLess(len(part), self.SIZE)
        self.assertGreater(len(part), 0)
        # The file's bytes, or zeros where sendfile's queued pages were truncated
        # (docs/protocol.md, "Broken promises"); never anything else.
        for i in range(0, len(part), 1 << 16):
            got, want = part[i:i + (1 << 16)], data[i:i + (1 << 16)]
            if got != want[:len(got)]:
                self.assertTrue(all(a == b or a == 0 for a, b in zip(got, want)),
                                "byte %d+: neither the file's bytes nor zeros" % i)

        p = fh.fget("-v", "-C", "-", "-o", dest, fh.url("127.0.0.1", srv.port, "/f.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(dest, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).digest(),
                             hashlib.sha256(data[:self.SHRUNK]).digest())
        self.assertEqual(os.listdir(out), ["f.bin"])
        self.nothing_left(srv, start_fds)


class SupervisorKilled(FaultCase):
    """SIGKILL to the supervisor while transfers run: its handlers go on and finish
    them, and a new supervisor binds the same port at once although the old
    handlers still hold sockets accepted on it."""

    SIZE = 24 << 20
    N = 4

    def setUp(self):
        super().setUp()
        # Orphaned handlers become our children, so we can watch and reap them.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        self.addCleanup(libc.prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)

    def reap(self, pid, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.02)
        raise AssertionError("orphaned handler %d did not exit" % pid)

    def test_handlers_finish_restart_binds(self):
        data = os.urandom(self.SIZE)
        self.write("big.bin", data)
        # The four transfers are read one after another, after a restart: on a
        # loaded machine the last waits longer than the default 30 s send timeout.
        srv = self.inetd(self.program("--timeout", "300"))
        port = srv.port
        conns = []
        for _ in range(self.N):
            c = srv.connect(timeout=60)
            self.addCleanup(c.close)
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            c.send(b"GET big.bin\n")
            self.assertTrue(c.reader.line().startswith(b"OK %d " % self.SIZE))
            conns.append((c, c.reader.exactly(1 << 20)))  # under way, far from done
        handlers = children(srv.pid)
        self.assertEqual(len(handlers), self.N)

        srv.proc.kill()  # SIGKILL, by PID
        srv.proc.wait(30)
        for pid in handlers:
            self.assertEqual(ppid(pid), os.getpid())  # alive, and now ours

        t0 = time.monotonic()
        new = self.inetd(listen=["127.0.0.1:%d" % port])  # fails if the bind fails
        self.assertLess(time.monotonic() - t0, 10)
        with new.connect() as c:
            self.check_served(c)  # the new one serves while the old transfers run

        for c, first in conns:
            body = first + c.reader.exactly(self.SIZE - len(first))
            self.assertEqual(hashlib.sha256(body).digest(), hashlib.sha256(data).digest())
            self.assertEqual(c.request(b"QUIT").header, b"OK 0")  # and the handler goes on
            self.assertEqual(c.reader.rest(), b"")
        for pid in handlers:
            self.assertEqual(self.reap(pid), 0)
        new.wait_idle(10)
        self.assertEqual(new.matching(r"^<[0-3]>"), [])
        self.assertEqual(new.matching(ih.HANDLER_DIED), [])


if __name__ == "__main__":
    missing = [n for n, p in (("FILESVC_INETD", ih.INETD), ("FGET", fh.FGET))
               if not p or not os.access(p, os.X_OK)]
    if missing:
        raise SystemExit("%s not set to an executable (run through meson test)"
                         % ", ".join(missing))
    ih.main()
