"""Helpers for the HTTP tests judged by real clients from Debian's archive
(curl, wget, lftp, rclone, aria2c, h11, Chromium): a tree of awkward names,
a sparse file over 4 GiB, raw sockets for what no polite client sends, and
the handler's request log read back.
"""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import urllib.parse

import harness

# "<6>filesvc-handler: 127.0.0.1:45834 GET /a%20b 200 6 0.001s"
LOG_LINE = re.compile(r"filesvc-handler: (\S+):(\d+) ([A-Za-z]+) (\S+) (\d{3}) (\d+) ")

# Every visible file the tree holds, by path (bytes: some names are not UTF-8).
AWKWARD = {
    b"with space.txt": b"spaced\n",
    b"100%.txt": b"percent\n",
    b"amp&lt<gt>\"q'.txt": b"markup\n",
    "caf\u00e9 \u65e5\u672c.txt".encode(): b"utf-8 name\n",
    b"latin1-\xe9.bin": b"not utf-8\n",
    b"new\nline.txt": b"newline\n",
    b"co:lon.txt": b"colon\n",
    b"a+b.txt": b"plus\n",
    b"#hash.txt": b"hash\n",
    b"q?.txt": b"question\n",
    b"back\\slash.txt": b"backslash\n",
    b" lead.txt": b"leading space\n",
    b"trail .txt": b"trailing space\n",
    b"%2F.txt": b"an escape, literally\n",
    b"x=1&y=2.txt": b"query-like\n",
    b"[br]{}|^`.txt": b"brackets\n",
    b"tab\t.txt": b"tab\n",
    "\u00e9".encode() * 124 + b".txt": b"254 bytes of name\n",
    b"sp ace dir/in ner.txt": b"inner\n",
    b"deep/a/b/c/d/leaf.txt": b"leaf\n",
    b"deep/a/b/mid.bin": bytes(range(256)) * 300,
    b"deep/top.txt": b"top\n",
    b"evil.example/x.txt": b"not a host\n",
    b"\\evil.example/y.txt": b"a backslash, not a host\n",
}
# Never served, never listed, never downloaded.
HIDDEN = {
    b".hidden": b"SECRET-hidden\n",
    b".hiddendir/secret.txt": b"SECRET-dir\n",
    b"deep/.git/config": b"SECRET-git\n",
    b"deep/a/.env": b"SECRET-env\n",
}
OUTSIDE_MARK = b"SECRET-outside\n"


class InetdServer:
    """The handler under the bundled filesvc-inetd, with harness.Server's face (host,
    port, proc, connect, logs, stop) so that every helper here works on either."""

    def __init__(self, root, extra=()):
        import inetd_harness  # only here: it needs FILESVC_INETD

        self.inetd = inetd_harness.Inetd([harness.HANDLER, "--root", root] + list(extra))
        self.proc = self.inetd.proc
        self.host, self.port = self.inetd.addrs[0]

    def connect(self, timeout=20.0):
        return harness.Conn(self.host, self.port, timeout)

    def logs(self):
        return self.inetd.log()

    def stop(self):
        self.inetd.stop()


def serve(case, root, extra=()):
    """harness.Server on root, stopped at the end of case's test, which fails if the
    handlers' shared stderr holds a sanitizer report (CI runs the suite under ASan and
    UBSan: a report must fail the test that caused it)."""
    return stopped_at_end(case, harness.Server(root, extra=extra))


def stopped_at_end(case, srv):
    """Stop srv (anything with logs() and stop()) at the end of case's test, which fails
    if the shared log holds a sanitizer report; returns srv."""
    def stop():
        logs = srv.logs()
        srv.stop()
        if re.search(r"Sanitizer|runtime error:", logs):
            raise AssertionError("sanitizer report from a handler:\n" + logs[-4000:])

    case.addCleanup(stop)
    return srv


def serve_inetd(case, root, extra=()):
    """InetdServer on root, stopped at the end of case's test (Inetd.stop fails on a
    sanitizer report); case is skipped where filesvc-inetd is not part of the build,
    by design, not for want of something."""
    if not harness.INETD or not os.access(harness.INETD, os.X_OK):
        case.skipTest(harness.NOT_APPLICABLE + "filesvc-inetd is not built")
    srv = InetdServer(root, extra)
    case.addCleanup(srv.stop)
    return srv


def need(case, *programs):
    """Skip case (a TestCase) for want of a program: a skip CI counts as a failure."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        case.skipTest("not installed: %s" % ", ".join(missing))


def make_tree(root, outside):
    """Write AWKWARD and HIDDEN under root, and a symlink "escape" to outside/ (which
    holds a file marked OUTSIDE_MARK); return {path: bytes} of the visible files."""
    for rel, data in list(AWKWARD.items()) + list(HIDDEN.items()):
        path = os.path.join(os.fsencode(root), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(outside, "passwd"), "wb") as f:
        f.write(OUTSIDE_MARK)
    os.symlink(outside, os.path.join(root, "escape"))
    os.symlink(os.path.join(outside, "passwd"), os.path.join(root, "deep", "escape.txt"))
    return dict(AWKWARD)


class Sparse:
    """A sparse file over 4 GiB with random blocks at its start, across 2**32 and at
    its end, and holes between: an offset cut to 32 bits reads the wrong bytes."""

    SIZE = (4 << 30) + (1 << 20) + 4321
    BLOCK = 1 << 16

    def __init__(self, path):
        self.path, self.size = path, self.SIZE
        self.blocks = {0: os.urandom(self.BLOCK),
                       (1 << 32) - self.BLOCK // 2: os.urandom(self.BLOCK),
                       self.size - self.BLOCK: os.urandom(self.BLOCK)}
        with open(path, "wb") as f:
            f.truncate(self.size)
            for off, data in self.blocks.items():
                f.seek(off)
                f.write(data)

    def bytes(self, first, last):
        """The file's bytes first..last (inclusive), built without reading it."""
        out = bytearray(last + 1 - first)
        for off, data in self.blocks.items():
            lo, hi = max(first, off), min(last + 1, off + len(data))
            if lo < hi:
                out[lo - first:hi - first] = data[lo - off:hi - off]
        return bytes(out)


def files_of(root):
    """{relative path (bytes): sha256} of every regular file beneath root."""
    out = {}
    broot = os.fsencode(root)
    for d, _, names in os.walk(broot):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out[os.path.relpath(p, broot)] = harness.file_sha(p)
    return out


def sha_map(files):
    """{path: sha256} of a {path: bytes} map."""
    return {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


def quote(path):
    """Percent-encode a path (str or bytes) for a URL, keeping '/'."""
    return urllib.parse.quote(path if isinstance(path, bytes) else path.encode(), safe="/")


def url(srv, path="/"):
    """http://127.0.0.1:PORT/PATH, with path already encoded."""
    return "http://%s:%d%s" % (srv.host, srv.port, path)


def settle(srv):
    """Wait until every handler srv started has exited, so its log lines are all in."""
    harness.wait_until(lambda: not harness.children(srv.proc.pid), what="the handlers to exit")


def requests(srv, settled=True):
    """The handler's request log: [(peer, method, target, status, bytes)], once every
    handler has exited (settled) or as it stands."""
    if settled:
        settle(srv)
    return [("%s:%s" % m.group(1, 2), m.group(3), m.group(4), int(m.group(5)), int(m.group(6)))
            for m in LOG_LINE.finditer(srv.logs())]


def accepted(srv):
    """How many client connections systemd-socket-activate accepted (one handler
    each), not counting the one harness.Server made to see it listen."""
    settle(srv)
    return srv.logs().count("Connection from ") - 1


def raw(srv, data, timeout=10.0):
    """Send data in one write, read until the server closes; return what came back."""
    with socket.create_connection((srv.host, srv.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            c = s.recv(1 << 16)
            if not c:
                return b"".join(chunks)
            chunks.append(c)


def status_lines(data):
    """The status lines in a stream of responses (heads split from bodies by
    Content-Length; none after 204 or 304: not for answers to HEAD)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("unterminated response head: %r" % data[:200])
        lines = head.split(b"\r\n")
        out.append(lines[0])
        n = 0
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        code = int(lines[0].split()[1])
        if code in (204, 304):
            n = 0
        data = rest[n:]
    return out


def run(args, timeout=60, **kw):
    """Run a client; return the CompletedProcess (output as bytes)."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([str(a) for a in args], timeout=timeout, **kw)
