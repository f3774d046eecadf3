#!/usr/bin/env python3
"""filesvc-inetd --proxy-protocol: the header is read in the event loop, exactly
its bytes are taken, the client it names is the child's TCPREMOTEIP, the log's
peer and the -C key; bad, missing and silent headers are closed with one line.
And -u USER[:GROUP]: bind as root, serve as the user; never root by accident."""

import os
import socket
import struct
import subprocess
import time
import unittest

import inetd_harness as ih
from harness import HANDLER, INETD
from inetd_harness import InetdCase, children, wait_until

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"
V2_LOCAL = V2_SIG + bytes([0x20, 0x00, 0x00, 0x00])
ENV_PROG = ["/bin/sh", "-c", "head -c 4; echo; env | sort"]  # reads what followed the header


def v1(src="192.0.2.1", sport=56324):
    fam = "TCP6" if ":" in src else "TCP4"
    dst = "::1" if ":" in src else "198.51.100.2"
    return ("PROXY %s %s %s %d 7070\r\n" % (fam, src, dst, sport)).encode()


def v2(src, sport):
    if ":" in src:
        body = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, "::1")
                + struct.pack("!HH", sport, 7070))
        fam = 0x21
    else:
        body = (socket.inet_aton(src) + socket.inet_aton("198.51.100.2")
                + struct.pack("!HH", sport, 7070))
        fam = 0x11
    return V2_SIG + bytes([0x21, fam]) + struct.pack("!H", len(body)) + body


def env_of(out):
    return dict(l.split("=", 1) for l in out.decode().splitlines()[1:] if "=" in l)


class Header(InetdCase):
    def proxy_inetd(self, program=None, opts=(), **kw):
        return self.inetd(program, opts=["--proxy-protocol"] + list(opts), **kw)

    def exchange(self, srv, data, source=None):
        with srv.connect(source=source) as c:
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for piece in data if isinstance(data, list) else [data]:
                c.send(piece)
                time.sleep(0.05)  # separate segments; the order, not the pause, matters
            try:
                return c.reader.rest()
            except ConnectionResetError:
                return b""  # closed with our bytes unread: a reset, still only a close

    def test_v1_v2_ipv4_ipv6_client_reaches_the_child(self):
        srv = self.proxy_inetd(ENV_PROG)
        for hdr, ip, port in ((v1(), "192.0.2.1", "56324"),
                              (v1("2001:db8::7", 4000), "2001:db8::7", "4000"),
                              (v2("203.0.113.9", 1234), "203.0.113.9", "1234"),
                              (v2("2001:db8::9", 4321), "2001:db8::9", "4321"),
                              (v2("::ffff:192.0.2.77", 9), "192.0.2.77", "9")):
            out = self.exchange(srv, hdr + b"REQ\n")
            self.assertTrue(out.startswith(b"REQ\n"), out)  # exactly the header was taken
            env = env_of(out)
            self.assertEqual((env["TCPREMOTEIP"], env["TCPREMOTEPORT"]), (ip, port))
            self.assertEqual((env["REMOTE_ADDR"], env["REMOTE_PORT"]), (ip, port))
            self.assertEqual(env["TCPLOCALIP"], "127.0.0.1")  # ours, not the header's

    def test_header_split_across_segments(self):
        srv = self.proxy_inetd(ENV_PROG)
        h2 = v2("192.0.2.3", 77)
        for pieces in ([b"PROXY TCP4 192.0.", b"2.1 198.51.100.2 5", b"6324 7070\r", b"\nREQ\n"],
                       [h2[:5], h2[5:17], h2[17:], b"REQ\n"]):
            out = self.exchange(srv, pieces)
            self.assertTrue(out.startswith(b"REQ\n"), out)
            self.assertIn(env_of(out)["TCPREMOTEIP"], ("192.0.2.1", "192.0.2.3"))

    def test_local_keeps_the_real_peer(self):
        srv = self.proxy_inetd(ENV_PROG)
        out = self.exchange(srv, V2_LOCAL + b"REQ\n", source="127.0.0.5")
        self.assertEqual(env_of(out)["TCPREMOTEIP"], "127.0.0.5")

    def test_handler_serves_and_logs_the_client(self):
        srv = self.proxy_inetd(opts=["-v"])
        with srv.connect() as c:
            c.send(v2("192.0.2.44", 5555) + b"GET hello.txt\n")
            self.assertEqual(c.reader.answer().body, b"hello, world\n")
        srv.wait_log(r"^<6>filesvc-handler: 192\.0\.2\.44:5555 GET /hello\.txt OK 13 ")
        srv.wait_log(r"^<6>filesvc-inetd: 192\.0\.2\.44:5555: pid \d+ exited with status 0")
        self.assertEqual(srv.matching(r"127\.0\.0\.1:\d+ GET"), [])

    def test_bad_headers_closed_with_one_line_each(self):
        srv = self.proxy_inetd(ENV_PROG)
        cases = ((b"GET hello.txt\n", "missing or malformed PROXY header"),
                 (b"PROXY TCP4 1.2.3.4\r\nGET a\n", "missing or malformed PROXY header"),
                 (b"PROXY TCP4 999.0.0.1 198.51.100.2 1 2\r\n",
                  "missing or malformed PROXY header"),
                 (V2_SIG + b"\x21\x11\xff\xff" + b"\0" * 600, "over-long PROXY header"),
                 (b"PROXY UNKNOWN " + b"x" * 200 + b"\r\n", "PROXY header"),
                 (b"PROXY TCP4 192.0", "connection ended before its PROXY header"),
                 (b"", "connection ended before its PROXY header"))
        seen = {}
        for data, why in cases:
            with srv.connect(source="127.0.0.6") as c:
                c.send(data)
                try:
                    c.sock.shutdown(socket.SHUT_WR)   # all it will send: no waiting for more
                except OSError:
                    pass  # already closed on what it had: as well
                try:
                    self.assertEqual(c.reader.rest(), b"")  # nothing said, only closed
                except ConnectionResetError:
                    pass  # unread bytes make the close a reset: still a close
            seen[why] = seen.get(why, 0) + 1
            # Each case its own line, well before the 5 s deadline.
            srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.6:\d+: .*%s.*: closed$" % why,
                         timeout=3, count=seen[why])
        self.assertEqual(len(srv.matching(r"127\.0\.0\.6")), len(cases))
        self.assertEqual(srv.matching(r"no PROXY header within"), [])
        self.assertEqual(srv.matching(r"pid \d+"), [])  # no child was ever started

    def test_silent_connection_holds_a_slot_only_until_the_deadline(self):
        srv = self.proxy_inetd(ENV_PROG, opts=["-c", "2"])
        silent = srv.connect(source="127.0.0.7")
        self.addCleanup(silent.close)
        # Another client is served at once: the silent one blocks nothing.
        t0 = time.monotonic()
        self.assertTrue(self.exchange(srv, v1() + b"REQ\n").startswith(b"REQ\n"))
        self.assertLess(time.monotonic() - t0, 4)
        # With both slots taken (silent + one waiting child), a third waits in the backlog
        held = srv.connect()
        self.addCleanup(held.close)
        held.send(v1("192.0.2.8", 8))  # its child waits for input: slot 2
        wait_until(lambda: len(children(srv.pid)) == 1, what="the second child")
        third = srv.connect()
        self.addCleanup(third.close)
        third.send(v1("192.0.2.9", 9) + b"REQ\n")
        # ...until the silent one's deadline frees its slot.
        out = third.reader.rest()
        self.assertTrue(out.startswith(b"REQ\n"), out)
        self.assertGreater(time.monotonic() - t0, 3)
        self.assertEqual(silent.reader.rest(), b"")
        srv.wait_log(r"127\.0\.0\.7:\d+: no PROXY header within 5 s: closed")

    def test_per_source_cap_counts_the_named_client(self):
        srv = self.proxy_inetd(["/bin/sh", "-c", "head -c 4; echo; env | sort"], opts=["-C", "1"])
        first = srv.connect()
        self.addCleanup(first.close)
        first.send(v1("192.0.2.1", 1))  # its child waits for 4 bytes: one live from 192.0.2.1
        wait_until(lambda: len(children(srv.pid)) == 1, what="the first child")
        # The same real peer (127.0.0.1), a different client: served.
        self.assertTrue(self.exchange(srv, v1("192.0.2.2", 2) + b"REQ\n").startswith(b"REQ\n"))
        # The same client again, through any balancer: over the cap.
        self.assertEqual(self.exchange(srv, v1("192.0.2.1", 3) + b"REQ\n", source="127.0.0.8"), b"")
        srv.wait_log(r"^<4>filesvc-inetd: 192\.0\.2\.1:3: over 1 connections from one source")
        first.send(b"REQ\n")
        self.assertTrue(first.reader.rest().startswith(b"REQ\n"))

    def test_without_the_option_a_header_is_a_malformed_request(self):
        srv = self.inetd()
        with srv.connect() as c:
            c.send(v1() + b"GET hello.txt\n")
            self.assertEqual(c.reader.line(), b"ERR 400 malformed request")
            self.assertEqual(c.reader.answer().body, b"hello, world\n")


def privileged_port():
    for port in range(700, 1000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise unittest.SkipTest("no free port below 1024 on 127.0.0.1")


ID_PROG = ["/bin/sh", "-c", "echo uid=$(id -u) gid=$(id -g) groups=$(id -G)"]


class User(InetdCase):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("skipped: -u needs root to switch users (run as uid %d)" % os.geteuid())

    def test_binds_below_1024_then_serves_as_nobody(self):
        port = privileged_port()
        srv = ih.Inetd(ID_PROG, listen=["127.0.0.1:%d" % port], opts=["-u", "nobody"])
        self.addCleanup(srv.stop)
        srv.wait_log(r"^<5>filesvc-inetd: running as uid 65534, gid 65534$")
        with open("/proc/%d/status" % srv.pid) as f:
            st = dict(l.split(":", 1) for l in f)
        self.assertEqual(st["Uid"].split(), ["65534"] * 4)  # real, effective, saved, fs
        self.assertEqual(st["Gid"].split(), ["65534"] * 4)
        self.assertNotIn("0", st["Groups"].split())
        with srv.connect(port=port) as c:
            self.assertEqual(c.reader.rest(), b"uid=65534 gid=65534 groups=65534\n")

    def test_user_and_group(self):
        srv = ih.Inetd(ID_PROG, opts=["-u", "nobody:daemon"])
        self.addCleanup(srv.stop)
        with srv.connect() as c:
            out = c.reader.rest().decode()
        self.assertRegex(out, r"^uid=65534 gid=1 groups=1( |\n)")

    def run_inetd(self, opts):
        return subprocess.run([INETD, "-l", "127.0.0.1:0"] + opts + ["--", "true"],
                              capture_output=True, timeout=20)

    def test_refuses_root_unless_allowed(self):
        for opts in ([], ["-u", "root"], ["-u", "0"], ["-u", "root:nogroup"]):
            p = self.run_inetd(opts)
            self.assertEqual(p.returncode, 2, opts)
            self.assertEqual(p.stderr.decode(),
                             "<3>filesvc-inetd: refusing to run true as root: give -u USER "
                             "(e.g. -u nobody), or --allow-root if that is really meant\n"
                             "Try 'filesvc-inetd --help'.\n")
        srv = ih.Inetd(["/bin/sh", "-c", "id -u"], opts=["-u", "root"])  # ALLOW_ROOT is given
        self.addCleanup(srv.stop)
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"0\n")

    def test_unknown_user_or_group(self):
        for spec in ("no-such-user-here", "nobody:no-such-group-here", "4000000000", "nobody:"):
            p = self.run_inetd(["-u", spec])
            self.assertEqual(p.returncode, 2, spec)
            self.assertIn("-u '%s'" % spec, p.stderr.decode())


if __name__ == "__main__":
    ih.main()
