#!/usr/bin/env python3
"""The HTTP dialect over pipes, for what needs no client: --dialect and --index,
listing formats chosen by ?format= and by Accept, the log line of an HTTP
request, and usage errors of the new options."""

import json
import os
import subprocess

import harness
from harness import handler_argv, run_pipe


def responses(out, heads=()):
    """Split a pipe's output into [(status, {field: value}, body)] using Content-Length;
    the answers numbered in heads answer HEAD, so they have none."""
    got = []
    while out:
        head, _, out = out.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        fields = {}
        for l in lines[1:]:
            k, _, v = l.partition(b": ")
            fields[k.decode().lower()] = v.decode("latin-1")
        n = int(fields.get("content-length", "0"))
        status = int(lines[0].split(b" ")[1])
        if status in (204, 304) or len(got) in heads:
            n = 0
        body, out = out[:n], out[n:]
        got.append((status, fields, body))
    return got


def get(target, *fields, method=b"GET"):
    return method + b" " + target + b" HTTP/1.1\r\nHost: x\r\n" + b"".join(
        f + b"\r\n" for f in fields) + b"\r\n"


class HttpPipeCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("hello.txt", b"hello\n")
        self.write("pub/index.html", b"<p>index</p>\n")
        self.write("pub/z.bin", b"z" * 10)
        self.write("other/a b.txt", b"ab\n")

    def run_handler(self, data, *extra, heads=()):
        rc, out, err = run_pipe(handler_argv("--root", self.root) + list(extra), data)
        self.assertEqual(rc, 0, err)
        return responses(out, heads), err.decode("utf-8", "replace")


class DialectTest(HttpPipeCase):
    def test_filesvc_dialect_never_speaks_http(self):
        rc, out, _ = run_pipe(handler_argv("--root", self.root, "--dialect", "filesvc"),
                              b"GET /hello.txt HTTP/1.1\nGET hello.txt\n")
        self.assertEqual(out, b"ERR 400 malformed request\nOK 6 size=6 mtime=%d\nhello\n"
                         % int(os.stat(os.path.join(self.root, "hello.txt")).st_mtime))

    def test_http_dialect_refuses_protocol1_at_once(self):
        rc, out, _ = run_pipe(handler_argv("--root", self.root, "--dialect", "http", "-t", "30"),
                              b"LIST\n", timeout=10)
        self.assertTrue(out.startswith(b"HTTP/1.1 400 Bad Request\r\n"), out)
        self.assertIn(b"Connection: close", out)

    def test_auto_picks_per_connection(self):
        got, _ = self.run_handler(get(b"/hello.txt"))
        self.assertEqual(got[0][0], 200)
        rc, out, _ = run_pipe(handler_argv("--root", self.root), b"STAT hello.txt\n")
        self.assertTrue(out.startswith(b"OK 0 type=f size=6 "), out)

    def test_bad_options(self):
        for args in (["--dialect", "ftp"], ["--index", ".hidden"], ["--index", "a/b"],
                     ["--index", ""]):
            rc, out, err = run_pipe(handler_argv("--root", self.root) + args, b"")
            self.assertEqual(rc, 2, args)
            self.assertIn(b"Try 'filesvc-handler --help'.", err)


class IndexTest(HttpPipeCase):
    def test_index_served_where_present_listing_elsewhere(self):
        got, _ = self.run_handler(get(b"/pub/") + get(b"/other/") + get(b"/pub/?format=json"),
                                  "--index", "index.html")
        self.assertEqual(got[0][0], 200)
        self.assertEqual(got[0][2], b"<p>index</p>\n")
        self.assertEqual(got[0][1]["content-type"], "text/html; charset=utf-8")
        self.assertIn("etag", got[0][1])
        self.assertIn(b"a%20b.txt", got[1][2])          # no index there: the listing
        self.assertEqual(got[2][2], b"<p>index</p>\n")  # the index wins over format=

    def test_without_the_option_a_listing(self):
        got, _ = self.run_handler(get(b"/pub/"))
        self.assertIn(b'<a href="index.html">index.html</a>', got[0][2])


class FormatTest(HttpPipeCase):
    def test_query_and_accept(self):
        got, _ = self.run_handler(
            get(b"/pub/?format=json") + get(b"/pub/?format=text") + get(b"/pub/?format=html")
            + get(b"/pub/?format=zip") + get(b"/pub/", b"Accept: application/json")
            + get(b"/pub/", b"Accept: text/plain;q=0.9, text/html;q=0.1")
            + get(b"/pub/", b"Accept: */*") + get(b"/pub/", b"Accept: image/png"))
        types = [g[1].get("content-type") for g in got]
        self.assertEqual(got[3][0], 404)
        self.assertEqual(types[0], "application/json")
        self.assertEqual([e["name"] for e in json.loads(got[0][2])], ["index.html", "z.bin"])
        self.assertEqual(types[1], "text/plain; charset=utf-8")
        self.assertTrue(got[1][2].startswith(b"f 13 "), got[1][2])
        self.assertEqual(types[2], "text/html; charset=utf-8")
        self.assertEqual(types[4], "application/json")
        self.assertEqual(types[5], "text/plain; charset=utf-8")
        self.assertEqual(types[6], "text/html; charset=utf-8")
        self.assertEqual(types[7], "text/html; charset=utf-8")
        for status, fields, _ in got[:3] + got[4:]:
            self.assertEqual(status, 200)
            self.assertEqual(fields["vary"], "Accept")
        self.assertIn("default-src 'none'", got[2][1]["content-security-policy"])

    def test_head_of_a_listing_has_its_length(self):
        got, _ = self.run_handler(get(b"/pub/", method=b"HEAD") + get(b"/pub/"), heads=(0,))
        self.assertEqual(got[0][2], b"")
        self.assertEqual(int(got[0][1]["content-length"]), len(got[1][2]))


class SweepFindingsTest(HttpPipeCase):
    """What the hostile sweep of the HTTP dialect found, each fixed."""

    def test_backslash_redirect_stays_on_this_host(self):
        # Browsers read '\\' as '/': "/\\evil.example/" would be another host.
        os.makedirs(os.path.join(self.root, "\\evil.example"))
        got, _ = self.run_handler(get(b"/%5cevil.example") + get(b"/%5Cevil.example/"))
        self.assertEqual(got[0][0], 301)
        self.assertEqual(got[0][1]["location"], "/%5Cevil.example/")
        self.assertEqual(got[1][0], 200)

    def test_head_refused_has_no_body(self):
        # No Host (400), a request line too long (414), too many fields (431): HEAD or not,
        # an answer to HEAD carries no body (RFC 9110 9.3.2).
        for req in (b"HEAD /hello.txt HTTP/1.1\r\n\r\n",
                    b"HEAD /" + b"a" * 8200 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"HEAD / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 101 + b"\r\n"):
            rc, out, err = run_pipe(handler_argv("--root", self.root, "--dialect", "http"), req)
            head, _, body = out.partition(b"\r\n\r\n")
            self.assertRegex(head, rb"^HTTP/1.1 4(00|14|31) ")
            self.assertEqual(body, b"", head)


class LogTest(HttpPipeCase):
    def test_one_line_per_request_escaped(self):
        got, err = self.run_handler(get(b"/other/a%20b.txt") + get(b"/no%0Aline")
                                    + get(b"/hello.txt", b"Range: bytes=1-2"))
        lines = [l for l in err.splitlines() if "filesvc-handler:" in l]
        self.assertEqual(len(lines), 3, err)
        self.assertRegex(lines[0], r"^<6>filesvc-handler: - GET /other/a%20b\.txt 200 3 \d+\.\d{3}s$")
        self.assertRegex(lines[1], r"^<4>filesvc-handler: - GET /no%0Aline 404 \d+ ")
        self.assertRegex(lines[2], r"^<6>filesvc-handler: - GET /hello\.txt 206 2 ")


if __name__ == "__main__":
    harness.main()
