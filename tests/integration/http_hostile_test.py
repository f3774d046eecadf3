#!/usr/bin/env python3
"""Hostile HTTP over a real socket: every rule of the dialect's limits and targets
(docs/http.md sections 2, 3, 7 and 8; RFC 9112), each at its limit and one past it.
Every refusal that closes is followed, in the same write, by a valid request that
must never be answered; and protocol 1 still answers on the same listener."""

import os
import select
import socket
import stat
import time
import unittest

import harness
import http_harness as hh

OK_REQ = b"GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
# Never answered after a closing error; if it is, its own close ends the test quickly.
NEXT = b"GET /next.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def req(*fields, target=b"/f.txt", version=b"HTTP/1.1"):
    """A request head: the request line, the given field lines, and CRLF."""
    return b"GET " + target + b" " + version + b"\r\n" + b"".join(f + b"\r\n" for f in fields) + \
        b"\r\n"


class HostileCase(harness.TreeCase):
    extra = ()

    def setUp(self):
        super().setUp()
        self.write("f.txt", b"f\n")
        self.write("next.txt", b"NEXT-ANSWERED\n")
        self.write("smuggled.txt", b"SMUGGLED-ANSWERED\n")
        self.write("a+b.txt", b"plus\n")
        self.write(os.fsdecode(b"lat\xe9.bin"), b"latin-1\n")
        self.write("dir/in.txt", b"in\n")
        self.write(".hidden", b"SECRET\n")
        self.srv = self.server()

    def server(self):
        return hh.serve(self, self.root, self.extra)

    def exchange(self, data):
        """Send data at once; return the status codes of what came back until close."""
        got = hh.raw(self.srv, data)
        self.assertNotIn(b"ANSWERED", got, got[:300])
        return [int(l.split()[1]) for l in hh.status_lines(got)], got

    def assert_closes_with(self, data, code, answered=0):
        """data (holding answered good requests first), then a valid request: the good
        ones answered, then one answer, code, then close."""
        codes, got = self.exchange(data + NEXT)
        self.assertEqual(codes, [200] * answered + [code], got[:300])
        self.assertIn(b"\r\nConnection: close\r\n", got)

    def assert_answers(self, data, code=200, answered=0):
        codes, got = self.exchange(data + OK_REQ)
        self.assertEqual(codes, [200] * answered + [code, 200], got[:300])


class LimitsTest(HostileCase):
    def line_of(self, n, end=b"\r\n"):
        """A request line of exactly n bytes with its line end (docs/http.md section 2
        counts it): a long query."""
        base = b"GET /f.txt? HTTP/1.1" + end
        line = b"GET /f.txt?" + b"q" * (n - len(base)) + b" HTTP/1.1" + end
        self.assertEqual(len(line), n)
        return line + b"Host: x" + end + end

    # Each as the first request (the dialect sniffer reads it) and as a later one.
    def test_request_line_of_8192_bytes_is_served(self):
        for first in (True, False):
            before = b"" if first else req(b"Host: x")
            with self.subTest(first=first):
                self.assert_answers(before + self.line_of(8192), answered=int(not first))
                self.assert_answers(before + self.line_of(8192, b"\n"), answered=int(not first))

    def test_request_line_8193_with_lf_is_414(self):
        for first in (True, False):
            before = b"" if first else req(b"Host: x")
            with self.subTest(first=first):
                self.assert_closes_with(before + self.line_of(8193, b"\n"), 414, int(not first))

    def test_request_line_8193_with_crlf_is_414(self):
        for first in (True, False):
            before = b"" if first else req(b"Host: x")
            with self.subTest(first=first):
                self.assert_closes_with(before + self.line_of(8193), 414, int(not first))

    def test_empty_lines_before_a_request_line(self):
        # RFC 9112 2.2 and docs/http.md section 2: up to four are skipped.
        self.assert_answers(req(b"Host: x") + b"\r\n")
        self.assert_answers(req(b"Host: x") + b"\r\n\n\r\n\r\n")
        codes, _ = self.exchange(req(b"Host: x") + b"\r\n" * 5 + NEXT)
        self.assertEqual(codes, [200, 400])

    def fields(self, n):
        return [b"Host: x"] + [b"X-F%d: v" % i for i in range(n - 1)]

    def test_100_fields_served_101_refused(self):
        self.assert_answers(req(*self.fields(100)))
        self.assert_closes_with(req(*self.fields(101)), 431)

    def sized_fields(self, total):
        """Field lines (CRLF included) of total bytes."""
        pad = total - len(b"Host: x\r\n") - len(b"X-Pad: \r\n")
        return req(b"Host: x", b"X-Pad: " + b"p" * pad)

    def test_16kib_of_fields_served_one_more_refused(self):
        self.assert_answers(self.sized_fields(16384))
        self.assert_closes_with(self.sized_fields(16385), 431)

    def test_host_rules(self):
        self.assert_closes_with(req(), 400)
        self.assert_closes_with(req(b"Host: x", b"Host: x"), 400)
        self.assert_closes_with(req(b"Host: x", b"Host: y"), 400)
        self.assert_answers(req(b"Connection: keep-alive", version=b"HTTP/1.0"))
        self.assert_closes_with(req(b"Host: x", b"Host: y", version=b"HTTP/1.0"), 400)

    def test_malformed_fields(self):
        for bad in (b"X-A: a\r\n folded", b"X-A: a\r\n\tfolded", b"Host : x", b"X-A : a",
                    b"X-A: a\0b", b"X-A: a\rb", b"X-A: a\r", b"X-A: \x01", b"X-A: a\x7fb",
                    b"X-\0A: a", b"No colon here", b": empty name"):
            for first in (True, False):
                before = b"" if first else req(b"Host: x")
                with self.subTest(field=bad, first=first):
                    self.assert_closes_with(before + req(b"Host: x", bad), 400, int(not first))

    def test_bare_cr_in_the_request_line(self):
        # (A CR that cuts the line's HTTP/1.1 off makes it a protocol 1 line: not here.)
        self.assert_closes_with(b"GET /f\r.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400)

    def test_chunked_body_smuggles_nothing(self):
        inner = b"GET /smuggled.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)
        for te in (b"chunked", b"gzip, chunked", b"identity", b"Chunked"):
            with self.subTest(te=te):
                self.assert_closes_with(req(b"Host: x", b"Transfer-Encoding: " + te) + body, 501)
        # With a Content-Length beside it, still refused (RFC 9112 6.1: a smuggling sign).
        self.assert_closes_with(req(b"Host: x", b"Content-Length: %d" % len(body),
                                    b"Transfer-Encoding: chunked") + body, 501)

    def test_content_length_body_is_not_a_request(self):
        inner = b"GET /smuggled.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        self.assert_answers(req(b"Host: x", b"Content-Length: %d" % len(inner)) + inner)
        codes, _ = self.exchange(req(b"Host: x", b"Content-Length: %d" % len(inner)) + inner +
                                 OK_REQ)
        self.assertEqual(codes, [200, 200])
        hh.settle(self.srv)
        self.assertNotIn("/smuggled.txt", self.srv.logs())

    def test_two_content_lengths(self):
        self.assert_closes_with(req(b"Host: x", b"Content-Length: 3", b"Content-Length: 4") +
                                b"abcd", 400)
        self.assert_closes_with(req(b"Host: x", b"Content-Length: 3, 4") + b"abcd", 400)
        self.assert_answers(req(b"Host: x", b"Content-Length: 3, 3") + b"abc")  # one value
        self.assert_answers(req(b"Host: x", b"Content-Length: 3", b"Content-Length: 3") + b"abc")

    def test_64kib_body_discarded_one_more_413(self):
        self.assert_answers(req(b"Host: x", b"Content-Length: 65536") + b"B" * 65536)
        self.assert_closes_with(req(b"Host: x", b"Content-Length: 65537") + b"B" * 65537, 413)

    def test_two_ranges_fields(self):
        codes, _ = self.exchange(req(b"Host: x", b"Range: bytes=0-0", b"Range: bytes=1-1") +
                                 OK_REQ)
        self.assertEqual(codes[0], 400)

    def test_bad_content_length_values(self):
        for v in (b"-1", b"+5", b"0x10", b"1 2", b"", b"99999999999999999999999"):
            with self.subTest(value=v):
                codes, _ = self.exchange(req(b"Host: x", b"Content-Length: " + v) + NEXT)
                self.assertEqual(len(codes), 1)
                self.assertIn(codes[0], (400, 413))


class LimitsHttpDialectTest(LimitsTest):
    """The same, with the dialect pinned: no sniffer reads the first line."""
    extra = ("--dialect", "http")


class TargetTest(HostileCase):
    def code(self, target, method=b"GET"):
        got = hh.raw(self.srv, method + b" " + target + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
        self.assertNotIn(b"SECRET", got)
        return int(hh.status_lines(got)[0].split()[1])

    def test_forbidden_bytes_are_400(self):
        for t in (b"/f.txt#frag", b"/f\x01.txt", b"/f\x7f.txt", b"/f.txt\x00", b"/%00",
                  b"/f%2", b"/f%zz.txt", b"/f%g0", b"/%"):
            with self.subTest(target=t):
                self.assertEqual(self.code(t), 400)

    def test_forms(self):
        self.assertEqual(self.code(b"http://other.example/f.txt"), 200)  # host ignored
        self.assertEqual(self.code(b"HTTPS://other.example/f.txt"), 200)
        self.assertEqual(self.code(b"http://other.example"), 200)  # names /
        self.assertEqual(self.code(b"http://other.example:81/dir"), 301)
        for t in (b"*", b"f.txt", b"127.0.0.1:80", b"other.example:443", b"ftp://x/f.txt"):
            with self.subTest(target=t):
                self.assertEqual(self.code(t), 400)
        got = hh.raw(self.srv, b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertTrue(got.startswith(b"HTTP/1.1 204 "), got)
        self.assertIn(b"\r\nAllow: GET, HEAD\r\n", got)
        self.assertNotIn(b"Content-Length", got)

    def test_decoding(self):
        self.assertEqual(self.code(b"/dir%2Fin.txt"), 200)  # %2F separates components
        self.assertEqual(self.code(b"/%64ir/%69n.txt"), 200)
        self.assertEqual(self.code(b"/%64IR/in.txt"), 404)  # hex either case, names not
        self.assertEqual(self.code(b"/lat\xe9.bin"), 200)  # raw 0x80-0xFF: the bytes they are
        self.assertEqual(self.code(b"/lat%E9.bin"), 200)

    def test_refusals_that_keep_the_connection(self):
        # docs/http.md section 7: these answers leave the connection open.
        for head, code in ((b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                           (b"POST /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", 405),
                           (b"BREW /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", 501),
                           (b"GET /.hidden HTTP/1.1\r\nHost: x\r\n\r\n", 404),
                           (b"GET /../f.txt HTTP/1.1\r\nHost: x\r\n\r\n", 403)):
            with self.subTest(head=head):
                self.assert_answers(head, code)

    def test_plus_is_a_plus(self):
        self.assertEqual(self.code(b"/a+b.txt"), 200)
        self.assertEqual(self.code(b"/a%2Bb.txt"), 200)
        self.assertEqual(self.code(b"/a%20b.txt"), 404)

    def test_decoded_path_4095_then_414(self):
        self.assertEqual(self.code(b"/" + b"a" * 4094), 404)
        self.assertEqual(self.code(b"/" + b"a" * 4095), 414)
        # Counted after decoding: 8096 bytes on the wire that decode to 4096.
        self.assertEqual(self.code(b"/" + b"%61" * 2000 + b"a" * 2095), 414)
        self.assertEqual(self.code(b"/" + b"%61" * 2000 + b"a" * 2094), 404)

    def test_protocol1_rules(self):
        os.mkfifo(os.path.join(self.root, "fifo"))
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(self.root, "sock"))
        self.addCleanup(s.close)
        os.symlink("f.txt", os.path.join(self.root, "inlink"))
        os.symlink("/etc/hostname", os.path.join(self.root, "outlink"))
        for t, want in ((b"/..", 403), (b"/dir/../f.txt", 403), (b"/%2e%2e/etc/passwd", 403),
                        (b"/.hidden", 404), (b"/dir/.hidden", 404), (b"/%2ehidden", 404),
                        (b"/inlink", 200), (b"/outlink", 403), (b"/fifo", 403), (b"/sock", 403)):
            with self.subTest(target=t):
                self.assertEqual(self.code(t), want)

    @unittest.skipUnless(os.geteuid() == 0, "mknod needs root")
    def test_device_is_403(self):
        os.mknod(os.path.join(self.root, "null"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
        self.assertEqual(self.code(b"/null"), 403)

    def test_methods(self):
        for m in (b"POST", b"PUT", b"DELETE", b"PATCH", b"TRACE"):
            with self.subTest(method=m):
                self.assertEqual(self.code(b"/f.txt", m), 405)
        self.assertEqual(self.code(b"/f.txt", b"OPTIONS"), 405)
        self.assertEqual(self.code(b"/f.txt", b"get"), 501)
        self.assertEqual(self.code(b"/f.txt", b"BREW"), 501)


class TimeoutTest(HostileCase):
    extra = ("-t", "1")

    def test_slowloris_gets_408_at_the_deadline(self):
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            # The request line at once (the dialect is HTTP), the fields a byte at a time.
            head = req(b"Host: x", b"X-Slow: " + b"s" * 200)
            line, _, fields = head.partition(b"\n")
            s.sendall(line + b"\n")
            t0 = time.monotonic()
            got = b""
            for b in fields:
                # One byte every 0.1 s: each read is quick, the whole head is not.
                if select.select([s], [], [], 0.1)[0]:
                    got = s.recv(4096)
                    break
                s.send(bytes([b]))
            took = time.monotonic() - t0
            while got and (more := s.recv(4096)):
                got += more
        self.assertTrue(got.startswith(b"HTTP/1.1 408 "), got)
        self.assertGreater(took, 0.9)
        self.assertLess(took, 5)

    def test_idle_keep_alive_closed_silently(self):
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            s.sendall(req(b"Host: x"))
            got = b""
            while not got.endswith(b"\r\n\r\nf\n"):
                got += s.recv(4096)
            t0 = time.monotonic()
            rest = s.recv(4096)  # nothing more, then EOF
            took = time.monotonic() - t0
        self.assertEqual(rest, b"")
        self.assertGreater(took, 0.5)
        self.assertLess(took, 5)

    def test_body_that_never_comes_closes_silently(self):
        with socket.create_connection((self.srv.host, self.srv.port), timeout=10) as s:
            s.sendall(req(b"Host: x", b"Content-Length: 10") + b"abc")
            t0 = time.monotonic()
            got = s.recv(4096)
            took = time.monotonic() - t0
        self.assertEqual(got, b"")
        self.assertGreater(took, 0.5)  # it waited for the body, then gave up
        self.assertLess(took, 5)


class Protocol1Test(HostileCase):
    def test_protocol1_after_hostile_http(self):
        for data in (req(b"Host: x", b"X-A: a\r\n b"),
                     req(b"Host: x", b"Transfer-Encoding: chunked") + b"0\r\n\r\n",
                     req(b"Host: x", b"Content-Length: 65537") + b"B" * 65537,
                     b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n"):
            hh.raw(self.srv, data)
        with self.srv.connect() as c:
            a = c.request(b"LIST")
            self.assertTrue(a.ok, a.header)
            self.assertIn(b"f.txt", a.body)
            self.assertEqual(c.request(b"GET f.txt").body, b"f\n")
            self.assertEqual(c.request(b"QUIT").header, b"OK 0")
            self.assertEqual(c.reader.rest(), b"")


class Protocol1InetdTest(Protocol1Test):
    """The same through the bundled filesvc-inetd."""

    def server(self):
        return hh.serve_inetd(self, self.root)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
