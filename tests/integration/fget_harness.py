"""Helpers for fget's integration tests: run the real fget against the real
handler (harness.Server), count the connections the handler saw, and two
small servers a test owns outright: a relay that passes a set number of
answer bytes to fget and then stalls or hangs up (to interrupt a transfer at
a known point), and a fake server that answers with whatever bytes a test
needs (a short body, a malformed line, silence).
"""

import fcntl
import os
import pty
import re
import select
import socket
import struct
import subprocess
import termios
import threading
import time

import harness
from harness import have_ipv6, wait_until  # noqa: F401 (re-exported for the fget tests)

FGET = harness.FGET

# "<6>filesvc-handler: 127.0.0.1:45834 GET /big OK 30000000 0.018s"
LOG_LINE = re.compile(r"filesvc-handler: (\S+):(\d+) (LIST|GET|STAT|QUIT) (\S+) (\S+) (\d+) ")


def fget(*args, timeout=120, **kw):
    """Run fget; return the CompletedProcess (stdout and stderr as bytes)."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([FGET] + [str(a) for a in args], timeout=timeout, **kw)


def fget_in(wrapper, *args, timeout=120):
    """Run fget through a wrapper command (wrapper + [FGET] + args)."""
    return subprocess.run(list(wrapper) + [FGET] + [str(a) for a in args], timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def url(srv_or_host, port=None, path="/"):
    """filesvc://HOST:PORT/PATH for a harness.Server, or a host and port."""
    if port is None:
        host, port = srv_or_host.host, srv_or_host.port
    else:
        host = srv_or_host
    if ":" in host:
        host = "[%s]" % host
    return "filesvc://%s:%d%s" % (host, port, path)


def requests(srv):
    """The handler's request log: [(peer, verb, path, status, bytes sent)]."""
    out = []
    for m in LOG_LINE.finditer(srv.logs()):
        out.append(("%s:%s" % (m.group(1), m.group(2)), m.group(3), m.group(4),
                    m.group(5), int(m.group(6))))
    return out


def connections(srv):
    """How many client connections the handler served (distinct peer ports)."""
    return len({r[0] for r in requests(srv)})






class _Listener:
    """A loopback listener with a thread per accepted connection."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.lock = threading.Lock()
        self.closing = False
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.closing:
                    c.close()
                    return
                n = self.accepted
                self.accepted += 1
                self.conns.append(c)
            threading.Thread(target=self._serve_safely, args=(c, n), daemon=True).start()

    def _serve_safely(self, c, n):
        try:
            self.serve(c, n)
        except OSError:
            pass

    def serve(self, c, n):
        raise NotImplementedError

    def close(self):
        with self.lock:
            self.closing = True
            conns, self.conns = self.conns, []
        self.closed.set()
        self.sock.close()
        for c in conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def recv_line(c, buf=b""):
    """The next request line from c after the bytes in buf: (line, rest), or (None, b"") at EOF."""
    while b"\n" not in buf:
        chunk = c.recv(4096)
        if not chunk:
            return None, b""
        buf += chunk
    line, rest = buf.split(b"\n", 1)
    return line, rest


class FakeServer(_Listener):
    """Reads a request line, then calls answer(sock, n_connection, line)."""

    def __init__(self, answer):
        self.answer = answer
        super().__init__()

    def serve(self, c, n):
        line, _ = recv_line(c)
        if line is not None:
            self.answer(c, n, line)


class Relay(_Listener):
    """Passes bytes between fget and a real server.  On the connections
    numbered in `cut`, after `limit` answer bytes it stops passing on, then
    hangs up if `hangup`, else stalls (fget waits) until closed.  The event
    `cut_reached` is set once the limit has been passed on."""

    def __init__(self, target_port, limit, cut=(0,), hangup=False):
        self.target_port = target_port
        self.limit = limit
        self.cut = set(cut)
        self.hangup = hangup
        self.cut_reached = threading.Event()
        super().__init__()

    def serve(self, c, n):
        up = socket.create_connection(("127.0.0.1", self.target_port))
        with self.lock:
            self.conns.append(up)
        threading.Thread(target=self._pump_up, args=(c, up), daemon=True).start()
        left = self.limit if n in self.cut else None
        while left is None or left > 0:
            data = up.recv(65536 if left is None else min(65536, left))
            if not data:
                break
            c.sendall(data)
            if left is not None:
                left -= len(data)
        if left == 0:
            self.cut_reached.set()
            if self.hangup:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
                up.close()
                return
            # Stall: hold both sockets open until the test closes the relay.
            self.closed.wait(120)
        c.close()
        up.close()

    @staticmethod
    def _pump_up(c, up):
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                up.sendall(data)
        except OSError:
            pass


def _data_extents(fd, size):
    """[(start, end)] of the regions holding data (SEEK_DATA/SEEK_HOLE)."""
    out, off = [], 0
    while off < size:
        try:
            start = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:  # ENXIO: only a hole is left
            break
        end = os.lseek(fd, start, os.SEEK_HOLE)
        out.append((start, end))
        off = end
    return out


def sparse_equal(a, b, chunk=1 << 20):
    """Byte-exact comparison of two (sparse) files that reads only the
    regions where either holds data: where both have holes, both are zeros."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        size = os.fstat(fa.fileno()).st_size
        if size != os.fstat(fb.fileno()).st_size:
            return False
        extents = sorted(_data_extents(fa.fileno(), size) + _data_extents(fb.fileno(), size))
        merged = []
        for s, e in extents:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        for s, e in merged:
            for off in range(s, e, chunk):
                n = min(chunk, e - off)
                if os.pread(fa.fileno(), n, off) != os.pread(fb.fileno(), n, off):
                    return False
    return True


def pty_run(args, cols=80, stdout_on_pty=False, timeout=60, until=None):
    """Run fget with stderr (and maybe stdout) on a new pty cols wide; return
    (status, bytes the terminal received).  until(seen) -> True ends the
    reading early (fget is then stopped): for a transfer held mid-way."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    try:
        p = subprocess.Popen([FGET] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                             stdout=slave if stdout_on_pty else subprocess.DEVNULL,
                             stderr=slave, close_fds=True)
    finally:
        os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not (until and until(seen)):
            r, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the pty
                break
            if not chunk:
                break
            seen += chunk
        if until and until(seen):
            harness.stop(p)
        return p.wait(timeout), seen
    finally:
        harness.stop(p)
        os.close(master)


_CSI = re.compile(rb"\x1b\[([0-9;?]*)([@-~])")


def screen(seen, cols=80):
    """What a person sees after a terminal cols wide received seen: the lines
    (trailing blanks stripped), as an xterm draws them: CR to column 0, LF
    down, autowrap after the last column (deferred, as xterm does), ESC [ K."""
    lines, row, col, wrap = [[]], 0, 0, False
    i = 0
    while i < len(seen):
        m = _CSI.match(seen, i)
        if m:
            if m.group(2) == b"K":
                del lines[row][col:]
            i = m.end()
            continue
        c = seen[i:i + 1]
        i += 1
        if c == b"\r":
            col, wrap = 0, False
        elif c == b"\n":
            row += 1
            wrap = False
        elif c >= b" ":
            if wrap:
                row, col, wrap = row + 1, 0, False
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend([" "] * (col + 1 - len(line)))
            line[col] = c.decode("latin-1")
            if col == cols - 1:
                wrap = True
            else:
                col += 1
        while len(lines) <= row:
            lines.append([])
    return ["".join(l).rstrip() for l in lines]


def frames(seen):
    """The bar's frames: the text between carriage returns, line ends removed."""
    return [f for f in seen.replace(b"\r\n", b"\n").split(b"\r") if f.strip()]


def main():
    if not FGET or not os.access(FGET, os.X_OK):
        raise SystemExit("FGET is not set to an executable (run through meson test)")
    harness.main()
