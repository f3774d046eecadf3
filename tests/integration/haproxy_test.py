#!/usr/bin/env python3
"""filesvc behind a real HAProxy (Debian's haproxy package): two backends,
filesvc-inetd --proxy-protocol on 127.0.0.2 and 127.0.0.3, each serving its
own copy of one tree; HAProxy on 127.0.0.1 with send-proxy-v2 and the
documented tcp-check (docs/scale-out.md).  Downloads through it are
byte-identical, backends log the real client, a backend lost under load or
restarted with transfers running costs no download, and a header sent to a
backend without --proxy-protocol is refused as malformed.

Skips (exit 77, "skipped: why") when haproxy is not installed."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness
import inetd_harness as ih
from harness import FGET, HANDLER, handler_argv
from inetd_harness import children, wait_until

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
BIG = 50 << 20
NDOWN = 20
HAPROXY_IP = "127.0.0.9"  # HAProxy's source address towards the backends: not the client's

# The backend section is docs/scale-out.md's, with a short check interval
# (a test should not wait 10 s for a verdict) and a source address of its own.
CONFIG = """
global
    stats socket {tmp}/stats.sock mode 600 level admin
    maxconn 1000

defaults
    mode tcp
    timeout connect 5s
    timeout client 10m
    timeout server 10m
    timeout client-fin 30s
    timeout server-fin 30s
    retries 3
    option redispatch 1

# The frontends' sockets are the test's (harness.listener), inherited: fd@N.
frontend filesvc
    bind fd@{port_fd}
    default_backend filesvc

backend filesvc
    balance leastconn
    source {haproxy_ip}
    option tcp-check
    tcp-check send "STAT /\\nQUIT\\n"
    tcp-check expect rstring ^OK
    default-server send-proxy-v2 check-send-proxy check inter 500ms fall 2 rise 2
    server a {a}
    server b {b}

frontend plain
    bind fd@{plain_fd}
    default_backend plain

backend plain
    option tcp-check
    tcp-check send "STAT /\\nQUIT\\n"
    tcp-check expect rstring ^OK
    server p {p} send-proxy-v2 check-send-proxy check inter 500ms fall 2 rise 2

# docs/scale-out.md's HTTP health check variant.
frontend httpchk
    bind fd@{http_fd}
    default_backend httpchk

backend httpchk
    source {haproxy_ip}
    option httpchk
    http-check send meth GET uri /?format=text ver HTTP/1.1 hdr Host filesvc-check hdr Connection close
    http-check expect status 200
    server h {h} send-proxy-v2 check-send-proxy check inter 500ms fall 2 rise 2
"""


sha = harness.file_sha


class Fleet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="filesvc-haproxy-")
        src = os.path.join(cls.tmp, "tree")
        os.makedirs(os.path.join(src, "big"))
        os.makedirs(os.path.join(src, "sub"))
        with open(os.path.join(src, "hello.txt"), "wb") as f:
            f.write(b"hello, world\n")
        with open(os.path.join(src, "sub", "small.bin"), "wb") as f:
            f.write(os.urandom(256 << 10))
        for i in range(2):
            with open(os.path.join(src, "big", "%d.bin" % i), "wb") as f:
                f.write(os.urandom(BIG))
        # Each backend has its own copy; copy2 keeps the mtimes, as rsync -a does,
        # so a download resumed on the other backend sees the same file.
        cls.roots = {}
        for name in ("a", "b", "p", "h"):
            cls.roots[name] = os.path.join(cls.tmp, name)
            shutil.copytree(src, cls.roots[name], copy_function=shutil.copy2)
        cls.want = {rel: sha(os.path.join(src, rel))
                    for rel in ("hello.txt", "sub/small.bin", "big/0.bin", "big/1.bin")}
        shutil.rmtree(src)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="out-", dir=self.tmp)
        self.addCleanup(shutil.rmtree, self.out, ignore_errors=True)
        # Port 0: each backend's first start reports the port it got (backend()).
        self.addr = {"a": ("127.0.0.2", 0), "b": ("127.0.0.3", 0), "p": ("127.0.0.4", 0),
                     "h": ("127.0.0.6", 0)}
        self.backends = {n: self.backend(n) for n in ("a", "b", "h")}
        self.backends["p"] = self.backend("p", proxy=False)
        self.haproxy = self.start_haproxy()
        wait_until(lambda: self.status("a") == "UP" and self.status("b") == "UP", 20,
                   "HAProxy to see both backends UP")

    def backend(self, name, proxy=True):
        host, port = self.addr[name]
        opts = ["-v", "-c", "64", "-t", "120"] + (["--proxy-protocol"] if proxy else [])
        srv = ih.Inetd(handler_argv("--root", self.roots[name]), listen=["%s:%d" % (host, port)],
                       opts=opts)
        self.addCleanup(srv.stop)
        self.addr[name] = srv.addrs[0]  # a restart listens where HAProxy looks
        return srv

    def start_haproxy(self):
        cfg = os.path.join(self.out, "haproxy.cfg")
        # Listening before HAProxy starts: clients wait in the backlog, no port race.
        front = [harness.listener() for _ in range(3)]
        self.port, self.plain_port, self.http_port = (s.getsockname()[1] for s in front)
        with open(cfg, "w") as f:
            f.write(CONFIG.format(tmp=self.out, port_fd=front[0].fileno(),
                                  plain_fd=front[1].fileno(), http_fd=front[2].fileno(),
                                  haproxy_ip=HAPROXY_IP,
                                  **{n: "%s:%d" % self.addr[n] for n in ("a", "b", "p", "h")}))
        self.ha_log = open(os.path.join(self.out, "haproxy.log"), "wb")
        self.addCleanup(self.ha_log.close)
        # -db: stay in the foreground, so the test owns the PID it stops.
        try:
            proc = subprocess.Popen([HAPROXY, "-db", "-f", cfg], stdin=subprocess.DEVNULL,
                                    stdout=self.ha_log, stderr=subprocess.STDOUT,
                                    pass_fds=[s.fileno() for s in front])
        finally:
            for s in front:
                s.close()
        self.addCleanup(harness.stop, proc)
        # Ready once its stats socket exists (setUp then waits for both backends UP).
        sock = os.path.join(self.out, "stats.sock")
        wait_until(lambda: os.path.exists(sock), 20, "HAProxy's stats socket")
        return proc

    def stats(self):
        """HAProxy's 'show stat' CSV from its stats socket: {server: row}."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(os.path.join(self.out, "stats.sock"))
            s.sendall(b"show stat\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        lines = data.decode().splitlines()
        head = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(head, l.split(","))) for l in lines[1:] if l]
        return {(r["pxname"], r["svname"]): r for r in rows}

    def status(self, server, backend="filesvc"):
        return self.stats()[(backend, server)]["status"]

    def url(self, rel, port=None):
        return "filesvc://127.0.0.1:%d/%s" % (port or self.port, rel)

    def fget(self, rel, dest, *extra):
        """Start one fget download; stopped by PID at cleanup whatever happens."""
        p = subprocess.Popen([FGET, "-s", "-S", "--retry", "5", "-C", "-", "-o", dest]
                             + list(extra) + [self.url(rel)], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(harness.stop, p, signal.SIGKILL)
        return p

    def start_downloads(self, n):
        """n downloads of the big files, all under way, then frozen with SIGSTOP:
        so 'mid-run' is a fact, not a race with loopback's speed."""
        runs = []
        for i in range(n):
            rel = "big/%d.bin" % (i % 2)
            dest = os.path.join(self.out, "dl%02d.bin" % i)
            runs.append((self.fget(rel, dest), rel, dest))

        def started(run):
            p, _, dest = run
            part = dest + ".part"
            return p.poll() is not None or os.path.exists(dest) or (
                os.path.exists(part) and os.path.getsize(part) > 0)
        wait_until(lambda: all(started(r) for r in runs), 120, "every download to start")
        for p, _, _ in runs:
            if p.poll() is None:
                p.send_signal(signal.SIGSTOP)
        return runs

    def resume(self, runs):
        for p, _, _ in runs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)

    def finish(self, runs, timeout=300):
        deadline = time.monotonic() + timeout
        for p, rel, dest in runs:
            try:
                err = p.communicate(timeout=max(1, deadline - time.monotonic()))[1]
            except subprocess.TimeoutExpired:
                self.fail("fget of %s still running after %d s" % (rel, timeout))
            self.assertEqual(p.returncode, 0, "fget %s: %s" % (rel, err.decode()))
            self.assertEqual(sha(dest), self.want[rel], rel)

    def gets(self, name, rel):
        """The handler's GET lines for rel in backend name's log: [(peer, bytes sent)]."""
        rx = r"filesvc-handler: (\S+) GET /%s OK (\d+) " % rel.replace(".", r"\.")
        return [(l.split()[1], int(l.split()[5])) for l in self.backends[name].matching(rx)]

    # --- the tests ---

    def test_list_and_download_byte_identical_real_client_logged(self):
        p = subprocess.run([FGET, "-s", "-S", self.url("")], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split(), [b"big/", b"hello.txt", b"sub/"])
        for rel in self.want:
            dest = os.path.join(self.out, rel.replace("/", "_"))
            p = subprocess.run([FGET, "-s", "-S", "-o", dest, self.url(rel)], capture_output=True,
                               timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sha(dest), self.want[rel], rel)
        # A client of its own address: the backend that served it logs exactly it.
        with socket.socket() as s:
            s.settimeout(20)
            s.bind(("127.0.0.5", 0))
            s.connect(("127.0.0.1", self.port))
            me = "127.0.0.5:%d" % s.getsockname()[1]
            s.sendall(b"GET hello.txt\nQUIT\n")
            r = harness.Reader(s.recv)
            self.assertEqual(r.answer().body, b"hello, world\n")
        wait_until(lambda: any(me in l for n in "ab" for l in self.backends[n].matching(
            r"GET /hello\.txt")), 20, "the GET line of " + me)
        for n in "ab":
            srv = self.backends[n]
            # Requests name the client, never HAProxy's address...
            self.assertEqual(srv.matching(r"%s:\d+ (GET|LIST)" % HAPROXY_IP), [], srv.log())
            # ...while its health checks (PROXY v2 LOCAL) keep the real peer: HAProxy.
            srv.wait_log(r"filesvc-handler: %s:\d+ STAT / OK" % HAPROXY_IP.replace(".", r"\."))
        self.assertEqual(len([1 for n in "ab" for peer, _ in self.gets(n, "big/0.bin")]), 1)

    def test_failover_under_load_sigkill_one_backend(self):
        runs = self.start_downloads(NDOWN)
        a = self.backends["a"]
        victims = children(a.pid)  # a's handlers, each mid-transfer and blocked on us
        self.assertGreater(len(victims), 0, "no download went to backend a")
        # The whole backend dies as a machine would: supervisor and handlers, by PID.
        os.kill(a.pid, signal.SIGKILL)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        self.resume(runs)
        wait_until(lambda: self.status("a").startswith("DOWN"), 30, "HAProxy to mark a DOWN")
        self.finish(runs)
        self.assertEqual(self.status("b"), "UP")
        # The cut transfers were resumed on b: it sent the rest of a file, not all of it.
        resumed = [n for rel in ("big/0.bin", "big/1.bin") for _, n in self.gets("b", rel)
                   if n < BIG]
        self.assertGreater(len(resumed), 0, self.backends["b"].log())

    def test_rolling_restart_no_failed_download(self):
        runs = self.start_downloads(8)
        a = self.backends["a"]
        # A's handlers of the frozen downloads: a health check's handler lives for a
        # millisecond, so one seen twice, 0.3 s apart, is a download's.
        first = set(children(a.pid))
        time.sleep(0.3)
        on_a = len(first & set(children(a.pid)))
        self.assertGreater(on_a, 0, "no download went to backend a")
        a.proc.send_signal(signal.SIGTERM)
        # A health check may be in flight at that moment: one connection more.
        a.wait_log(r"Terminated: stopped listening; (%d|%d) connections have 120 s"
                   % (on_a, on_a + 1))
        wait_until(lambda: self.status("a").startswith("DOWN"), 30, "HAProxy to mark a DOWN")
        # New connections go to b while a drains.
        for i in range(3):
            p = subprocess.run([FGET, "-s", "-S", "-o", os.path.join(self.out, "new%d" % i),
                                self.url("sub/small.bin")], capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.gets("b", "sub/small.bin")), 3)
        self.assertEqual(self.gets("a", "sub/small.bin"), [])
        self.resume(runs)
        self.finish(runs)
        # a's transfers ended there, whole; then it exited by itself, cleanly.
        self.assertEqual(a.proc.wait(60), 0)
        whole = [n for rel in ("big/0.bin", "big/1.bin") for _, n in self.gets("a", rel)]
        self.assertEqual(whole, [BIG] * on_a)
        self.assertEqual(a.matching(r"sending SIG"), [])
        # The restarted backend is taken back into rotation.
        self.backends["a"] = self.backend("a")
        wait_until(lambda: self.status("a") == "UP", 30, "HAProxy to mark a UP again")
        for i in range(10):
            p = subprocess.run([FGET, "-s", "-S", "-o", os.path.join(self.out, "back%d" % i),
                                self.url("hello.txt")], capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            if self.gets("a", "hello.txt"):
                break
        self.assertNotEqual(self.gets("a", "hello.txt"), [], "a never served again")

    def test_http_health_check_and_http_through_the_balancer(self):
        wait_until(lambda: self.status("h", "httpchk") == "UP", 20,
                   "HAProxy's HTTP check to see the backend UP")
        h = self.backends["h"]
        # The check is an HTTP GET through the real path, from HAProxy (a LOCAL header).
        h.wait_log(r"filesvc-handler: %s:\d+ GET / 200 " % HAPROXY_IP.replace(".", r"\."))
        # A browser's request through the same balancer, relayed in TCP mode: byte-identical.
        dest = os.path.join(self.out, "small.bin")
        p = subprocess.run(["curl", "-sSf", "-o", dest,
                            "http://127.0.0.1:%d/sub/small.bin" % self.http_port],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sha(dest), self.want["sub/small.bin"])
        h.wait_log(r"filesvc-handler: 127\.0\.0\.1:\d+ GET /sub/small\.bin 200 %d " % (256 << 10))
        # Its root vanishes: the check's GET is answered 500 and the backend leaves.
        gone = self.roots["h"] + ".gone"
        os.rename(self.roots["h"], gone)
        self.addCleanup(os.rename, gone, self.roots["h"])
        wait_until(lambda: self.status("h", "httpchk").startswith("DOWN"), 20,
                   "HAProxy to mark the rootless backend DOWN")
        h.wait_log(r"cannot open root")

    def test_header_to_a_backend_without_the_option_is_malformed(self):
        p = subprocess.run([FGET, "-s", "-S", "-o", os.path.join(self.out, "x"),
                            self.url("hello.txt", self.plain_port)], capture_output=True,
                           timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(self.out, "x")))
        # The health check sees it too: that backend never comes UP.
        wait_until(lambda: self.status("p", "plain").startswith("DOWN"), 20,
                   "HAProxy to mark the plain backend DOWN")
        plain = self.backends["p"]
        # The binary v2 header reaches the handler as request bytes: malformed.
        plain.wait_log(r"^<4>filesvc-handler: 127\.0\.0\.1:\d+ 400 malformed request")


def main():
    if not os.access(HAPROXY, os.X_OK):
        print("skipped: haproxy is not installed (Debian package 'haproxy')")
        return 77
    for name, path in (("FILESVC_HANDLER", HANDLER), ("FILESVC_INETD", ih.INETD), ("FGET", FGET)):
        if not path or not os.access(path, os.X_OK):
            print("skipped: %s is not built" % name)
            return 77
    return harness.run_tests()


if __name__ == "__main__":
    sys.exit(main())
