#!/usr/bin/env python3
"""HTTP framing judged by a strict parser (python3-h11): a pipelined sequence sent
in one write (GET, HEAD, 404, 304, 206, a listing, a redirect, OPTIONS *, and
Connection: close last) is read back response by response, every byte accounted for."""

import json
import os
import socket
import sys
import threading

import harness
import http_harness as hh

try:
    import h11
except ImportError:
    # python3-h11 installs for Debian's python3; a python3 found first on PATH
    # (pyenv, a venv) does not look there.  The module is pure Python.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import h11
    except ImportError:  # the test says what is missing instead of crashing
        h11 = None


def request(method, target, *extra):
    return h11.Request(method=method, target=target,
                       headers=[("Host", "127.0.0.1")] + list(extra))


class PipelineTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        if h11 is None:
            self.skipTest("python3-h11 is not installed")
        self.big = os.urandom(100000)
        self.write("big.bin", self.big)
        self.write("f.txt", b"f\n")
        self.write("dir/x y.txt", b"x\n")
        self.write("dir/sub/z", b"z\n")
        self.srv = self.server()

    def server(self):
        return hh.serve(self, self.root)

    def pipeline(self, reqs):
        """Send every request in ONE write; return [(Response, body)], checking with h11
        that the stream holds exactly these responses and ends in a close."""
        wire = b""
        for r in reqs:
            gen = h11.Connection(h11.CLIENT)  # serialises one request, checked by h11
            wire += gen.send(r) + gen.send(h11.EndOfMessage())
        conn = h11.Connection(h11.CLIENT)
        out = []
        with self.srv.connect() as c:
            c.send(wire)
            for r in reqs:
                # h11 must know each request (HEAD has no body) to frame its response.
                conn.send(r)
                conn.send(h11.EndOfMessage())
                resp, body = None, b""
                while True:
                    ev = conn.next_event()
                    if ev is h11.NEED_DATA:
                        conn.receive_data(c.sock.recv(1 << 16))
                    elif isinstance(ev, h11.Response):
                        resp = ev
                    elif isinstance(ev, h11.Data):
                        body += ev.data
                    elif isinstance(ev, h11.EndOfMessage):
                        break
                    else:
                        self.fail("unexpected %r" % ev)
                out.append((resp, body))
                if conn.our_state is h11.MUST_CLOSE:
                    break
                conn.start_next_cycle()
            # Nothing after the last response: the server closed, no stray bytes.
            self.assertEqual(c.sock.recv(1 << 16), b"")
            self.assertEqual(conn.trailing_data, (b"", False))
        return out

    def test_pipelined_sequence_in_one_write(self):
        reqs = [
            request("GET", "/f.txt"),
            request("HEAD", "/big.bin"),
            request("GET", "/nope"),
            request("GET", "/f.txt", ("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT")),
            request("GET", "/big.bin", ("Range", "bytes=99990-")),
            request("GET", "/dir/"),
            request("GET", "/dir/?format=json"),
            request("GET", "/dir"),
            request("OPTIONS", "*"),
            request("HEAD", "/nope"),
            request("GET", "/big.bin", ("Connection", "close")),
        ]
        got = self.pipeline(reqs)
        codes = [r.status_code for r, _ in got]
        self.assertEqual(codes, [200, 200, 404, 304, 206, 200, 200, 301, 204, 404, 200])
        head = [dict(r.headers) for r, _ in got]
        bodies = [b for _, b in got]
        self.assertEqual(bodies[0], b"f\n")
        self.assertEqual((bodies[1], head[1][b"content-length"]), (b"", b"100000"))
        self.assertEqual(bodies[2], b"404 Not Found\n")
        self.assertEqual(bodies[3], b"")
        self.assertNotIn(b"content-length", head[3])
        self.assertEqual(bodies[4], self.big[99990:])
        self.assertEqual(head[4][b"content-range"], b"bytes 99990-99999/100000")
        self.assertIn(b'<a href="x%20y.txt">x y.txt</a>', bodies[5])
        self.assertEqual(sorted(e["name"] for e in json.loads(bodies[6])), ["sub", "x y.txt"])
        self.assertEqual(head[7][b"location"], b"/dir/")
        self.assertEqual((bodies[8], head[8][b"allow"]), (b"", b"GET, HEAD"))
        self.assertEqual(bodies[9], b"")
        self.assertEqual(bodies[10], self.big)
        self.assertEqual(head[10][b"connection"], b"close")
        for r, _ in got:
            self.assertEqual(r.http_version, b"1.1")
            self.assertIn(b"date", dict(r.headers))


    def test_head_refused_while_parsing_has_no_body(self):
        # RFC 9110 9.3.2: an answer to HEAD ends at its empty line, refusals included.
        for fields in ([], [b"Host: a", b"Host: b"], [b"Host: x", b"X-Fold: a", b" b"],
                       [b"Host: x"] + [b"X-N%d: v" % i for i in range(100)]):
            with self.subTest(fields=fields[:3]):
                with self.srv.connect() as c:
                    c.send(b"HEAD /f.txt HTTP/1.1\r\n" + b"".join(f + b"\r\n" for f in fields) +
                           b"\r\n")
                    c.sock.shutdown(socket.SHUT_WR)
                    data = c.reader.rest()
                conn = h11.Connection(h11.CLIENT)
                conn.send(h11.Request(method="HEAD", target="/f.txt", headers=[("Host", "x")]))
                conn.send(h11.EndOfMessage())
                conn.receive_data(data)
                conn.receive_data(b"")
                self.assertIn(conn.next_event().status_code, (400, 431))
                self.assertIsInstance(conn.next_event(), h11.EndOfMessage)
                self.assertEqual(conn.trailing_data, (b"", True), "bytes after a HEAD answer")

    def test_listings_framed_while_the_directory_changes(self):
        # A listing's Content-Length comes before its body: names created, renamed and
        # removed meanwhile must never make the body disagree with it.
        churn = os.path.join(self.root, "churn")
        os.mkdir(churn)
        for i in range(300):
            self.write("churn/f%d" % i, b"x" * i)
        stop = threading.Event()

        def change():
            i = 0
            while not stop.is_set():
                i += 1
                p = os.path.join(churn, "n%d-%s" % (i, "y" * (i % 200)))
                with open(p, "wb") as f:
                    f.write(b"z" * (i * 7919 % 5000))
                os.rename(os.path.join(churn, "f%d" % (i % 300)), p + ".r")
                os.rename(p + ".r", os.path.join(churn, "f%d" % (i % 300)))
                os.unlink(p)

        th = threading.Thread(target=change)
        th.start()
        try:
            for _ in range(2):
                reqs = [request("GET", "/churn/?format=" + f) for f in ("html", "json", "text")] * 5
                got = self.pipeline(reqs + [request("GET", "/churn/", ("Connection", "close"))])
                self.assertEqual({r.status_code for r, _ in got}, {200})
                for r, body in got[1::3]:
                    json.loads(body)
        finally:
            stop.set()
            th.join()


class PipelineInetdTest(PipelineTest):
    """The same sequence through the bundled filesvc-inetd."""

    def server(self):
        return hh.serve_inetd(self, self.root)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
