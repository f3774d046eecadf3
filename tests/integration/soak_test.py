#!/usr/bin/env python3
"""Soak: FILESVC_SOAK_SECONDS (default 300) of mixed LIST, GET, ranged GET, STAT
and deliberate errors from 32 concurrent clients against the real
filesvc-inetd --handler-seccomp + filesvc-handler, every body checked by SHA-256.  Zero wrong
bytes, zero unexpected answers, and the supervisor's RSS and descriptor count
as flat in the last minute as in the first (the figures are printed).

Its own meson suite, 'soak', outside the default run:
    meson test -C BUILD --suite soak
"""

import hashlib
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time

import harness
import inetd_harness as ih
from harness import HANDLER, INETD

SECONDS = int(os.environ.get("FILESVC_SOAK_SECONDS", "300"))
CLIENTS = 32
RSS_SLACK_KB = 512  # page-granular noise; a leak per connection would be far more


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


class Supervisor:
    """filesvc-inetd with its stderr (and every handler's) in a file: hundreds of
    thousands of request lines are not kept in memory."""

    def __init__(self, root):
        self.log = tempfile.TemporaryFile()
        # --handler-seccomp, as the unit runs it: minutes of spawning under the filter.
        args = [INETD] + getattr(ih, "ALLOW_ROOT", []) + [
            "-l", "127.0.0.1:0", "-c", "48", "--handler-seccomp", "--", HANDLER, "--root", root]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        self.pid = self.proc.pid
        ih.wait_until(lambda: re.search(r"running .* for at most", self.text()) is not None,
                      timeout=20, what="the supervisor to be ready")
        self.port = int(ih.LISTENING.search(self.text()).group(2))

    def text(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self):
        return harness.stop(self.proc, signal.SIGTERM, 60)


class Tree:
    """The files served, their bytes, and the answers they must give."""

    FILES = {
        "empty": b"",
        "small.txt": b"hello, world\n",
        "page.bin": os.urandom(4096),
        "odd.bin": os.urandom((1 << 20) + 7),
        "big.bin": os.urandom(8 << 20),
        "sp ace%.txt": b"encoded name\n",
        "sub/deep/x.bin": os.urandom(300 * 1024),
        "sub/y.txt": b"y\n",
    }

    def __init__(self, case):
        for name, data in self.FILES.items():
            case.write(name, data)
        case.write(".hidden", b"never served\n")
        self.digest = {n: hashlib.sha256(d).digest() for n, d in self.FILES.items()}

    @staticmethod
    def wire(name):
        return name.replace("%", "%25").replace(" ", "%20").encode()


class Client:
    """One of the 32: connections of 1-12 requests, sometimes pipelined, ended
    by QUIT or by simply closing."""

    def __init__(self, n, port, tree, listings, deadline):
        self.rng = random.Random(n)
        self.port, self.tree, self.listings, self.deadline = port, tree, listings, deadline
        self.connections = self.requests = self.verified = 0
        self.errors = []

    def pick(self):
        """(request line, check function) for one random request."""
        rng, files = self.rng, Tree.FILES
        name = rng.choice(list(files))
        data, path = files[name], Tree.wire(name)
        k = rng.random()
        if k < 0.15:
            d = rng.choice(list(self.listings))
            return b"LIST " + d, lambda a: a.ok and a.body == self.listings[d]
        if k < 0.45:
            return b"GET " + path, lambda a: self.same(a, name, 0, len(data))
        if k < 0.80:
            off = rng.randint(0, len(data))
            if rng.random() < 0.3:
                return b"GET %s %d" % (path, off), lambda a: self.same(a, name, off, len(data))
            cnt = rng.randint(0, 2 * (len(data) - off) + 10)  # may run past the end: clamped
            end = min(len(data), off + cnt)
            return b"GET %s %d %d" % (path, off, cnt), lambda a: self.same(a, name, off, end)
        if k < 0.90:
            return b"STAT " + path, lambda a: a.ok and a.keys["size"] == str(len(data))
        bad = rng.choice([(b"GET .hidden", 404), (b"GET %s %d" % (path, len(data) + 1), 416),
                          (b"GET ../etc/passwd", 403), (b"LIST " + path, 400),
                          (b"GET sub", 400), (b"FROB x", 400)])
        return bad[0], lambda a: a.code == bad[1]

    def same(self, a, name, start, end):
        data = Tree.FILES[name]
        if not a.ok or a.keys.get("size") != str(len(data)) or len(a.body) != end - start:
            return False
        if start == 0 and end == len(data):
            ok = hashlib.sha256(a.body).digest() == self.tree.digest[name]
        else:
            ok = hashlib.sha256(a.body).digest() == hashlib.sha256(data[start:end]).digest()
        self.verified += len(a.body) if ok else 0
        return ok

    def connection(self):
        reqs = [self.pick() for _ in range(self.rng.randint(1, 12))]
        with harness.Conn("127.0.0.1", self.port, timeout=60) as c:
            self.connections += 1
            if self.rng.random() < 0.3:  # pipelined: every line at once
                c.send(b"".join(line + b"\n" for line, _ in reqs))
                answers = [(line, check, c.reader.answer()) for line, check in reqs]
            else:
                answers = [(line, check, c.request(line)) for line, check in reqs]
            for line, check, a in answers:
                self.requests += 1
                if not check(a):
                    self.errors.append("%r -> %r" % (line, a))
            if self.rng.random() < 0.5:
                if c.request(b"QUIT").header != b"OK 0" or c.reader.rest() != b"":
                    self.errors.append("QUIT not answered with OK 0 and close")

    def run(self):
        try:
            while time.monotonic() < self.deadline and len(self.errors) < 10:
                self.connection()
        except Exception as e:  # reported by the test, with the others
            self.errors.append("connection %d: %r" % (self.connections, e))


class Soak(ih.InetdCase):
    def test_mixed_load(self):
        tree = Tree(self)
        srv = Supervisor(self.root)
        self.addCleanup(srv.log.close)
        self.addCleanup(srv.stop)
        start_fds = ih.fds(srv.pid)
        with harness.Conn("127.0.0.1", srv.port) as c:
            listings = {p: c.request(b"LIST " + p).body for p in (b"/", b"sub", b"sub/deep")}
        self.assertIn(b" sp%20ace%25.txt\n", listings[b"/"])
        self.assertNotIn(b"hidden", listings[b"/"])

        t0 = time.monotonic()
        deadline = t0 + SECONDS
        clients = [Client(n, srv.port, tree, listings, deadline) for n in range(CLIENTS)]
        threads = [threading.Thread(target=cl.run) for cl in clients]
        for t in threads:
            t.start()
        samples = []  # (seconds since start, RSS kB, descriptors)
        while any(t.is_alive() for t in threads):
            samples.append((time.monotonic() - t0, rss_kb(srv.pid), len(ih.fds(srv.pid))))
            time.sleep(1.0)  # the sampling period, not a synchronisation
        for t in threads:
            t.join(120)
        elapsed = time.monotonic() - t0

        errors = [e for cl in clients for e in cl.errors]
        conns = sum(cl.connections for cl in clients)
        reqs = sum(cl.requests for cl in clients)
        verified = sum(cl.verified for cl in clients)
        window = 60 if SECONDS >= 180 else max(1, SECONDS // 3)
        first = [s for s in samples if s[0] < window]
        last = [s for s in samples if s[0] >= elapsed - window]
        print("%.0f s, %d clients: %d connections, %d requests (%.0f/s), %.1f MiB verified, "
              "%d errors" % (elapsed, CLIENTS, conns, reqs, reqs / elapsed, verified / 2**20,
                             len(errors)))
        for what, i in (("RSS kB", 1), ("descriptors", 2)):
            print("supervisor %s: first %d s %d-%d, last %d s %d-%d" % (
                what, window, min(s[i] for s in first), max(s[i] for s in first),
                window, min(s[i] for s in last), max(s[i] for s in last)))
        if errors:
            warnings = re.findall(r"(?m)^<[0-4]>.*$", srv.text())
            self.fail("\n".join(errors + ["supervisor and handler warnings:"] + warnings[:50]))
        self.assertGreater(reqs, CLIENTS)
        self.assertLessEqual(max(s[1] for s in last), max(s[1] for s in first) + RSS_SLACK_KB)
        # Descriptors: the fixed set, plus at most two queued connections per
        # spawner thread (workers_busy()), at any moment; a leak would pass that.
        spawners = len(os.listdir("/proc/%d/task" % srv.pid)) - 1
        self.assertLessEqual(max(s[2] for s in samples), len(start_fds) + 2 * spawners)

        ih.wait_until(lambda: ih.children(srv.pid) == [], 30, "every handler to be reaped")
        self.assertEqual(ih.fds(srv.pid), start_fds)
        self.assertEqual(srv.stop(), 0)
        log = srv.text()
        self.assertEqual(re.findall(r"(?m)^<[0-3]>.*$|Sanitizer|runtime error:", log), [])
        self.assertEqual([m.group(0) for m in re.finditer(ih.HANDLER_DIED, log)], [])  # none died
        # Every connection (ours plus the one that fetched the listings) was served.
        self.assertRegex(log, r"stopped: %d connections served" % (conns + 1))


if __name__ == "__main__":
    ih.main()
