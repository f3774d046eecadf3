#!/usr/bin/env python3
"""HTTP judged by curl (Debian's, not ours): GET, HEAD, every Range form, resume of a
cut download, If-Modified-Since both ways, ETag round trip, HTTP/1.0, several URLs
over one connection, awkward names, directory redirects, and targets that must never
reach hidden names, the outside of the root, or another host."""

import email.utils
import json
import os
import re
import subprocess
import tempfile
import urllib.parse

import harness
import http_harness as hh

SPARSE = hh.Sparse.SIZE


class CurlCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        hh.need(self, "curl")
        outside = tempfile.mkdtemp(prefix="filesvc-outside-")
        self.addCleanup(harness.shutil.rmtree, outside, ignore_errors=True)
        self.files = hh.make_tree(self.root, outside)
        self.sparse = hh.Sparse(os.path.join(self.root, "big.sparse"))
        self.out = tempfile.mkdtemp(prefix="filesvc-curl-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)
        self.srv = hh.serve(self, self.root)

    def curl(self, *args):
        """curl -sS --path-as-is ARGS, which must succeed; returns (status of the last
        transfer, body written to stdout by -o -), split at the newline -w puts first."""
        p = hh.run(["curl", "-sS", "--path-as-is", "-w", "\\n%{http_code}"] + list(args))
        self.assertEqual(p.returncode, 0, p.stderr)
        body, _, code = p.stdout.rpartition(b"\n")
        return int(code), body

    def head(self, target, *args):
        """The status and headers (lower-case names) of curl -I for a raw target."""
        p = hh.run(["curl", "-sS", "-I", "--path-as-is"] + list(args) + [hh.url(self.srv, target)])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.decode("latin-1").split("\r\n")
        headers = {}
        for l in lines[1:]:
            k, sep, v = l.partition(":")
            if sep:
                headers[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), headers

    def path(self, name):
        return os.path.join(self.out, name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()


class GetHeadTest(CurlCase):
    def test_every_name_in_one_connection(self):
        # One curl, every awkward name: it reuses its connection, so ONE handler must
        # have served them all (one accept, one peer port in the log).
        args = []
        names = sorted(self.files)
        for i, name in enumerate(names):
            args += ["-o", self.path("f%d" % i), hh.url(self.srv, hh.quote(b"/" + name))]
        p = hh.run(["curl", "-sS", "-w", "%{http_code} %{num_connects}\\n"] + args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode().split("\n")[:-1],
                         ["200 1"] + ["200 0"] * (len(names) - 1))
        for i, name in enumerate(names):
            self.assertEqual(self.read("f%d" % i), self.files[name], name)
        log = hh.requests(self.srv)
        self.assertEqual(len(log), len(names), self.srv.logs())
        self.assertEqual(len({r[0] for r in log}), 1, "served by more than one connection")
        self.assertEqual(hh.accepted(self.srv), 1)

    def test_head_matches_get(self):
        code, h = self.head("/big.sparse")
        self.assertEqual(code, 200)
        self.assertEqual(h["content-length"], str(SPARSE))
        self.assertEqual(h["accept-ranges"], "bytes")
        self.assertRegex(h["etag"], r'^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\.[0-9a-f]+"$')
        mtime = os.stat(os.path.join(self.root, "big.sparse")).st_mtime
        self.assertEqual(h["last-modified"], email.utils.formatdate(int(mtime), usegmt=True))
        code, h2 = self.head("/deep/top.txt")
        self.assertEqual((code, h2["content-length"]), (200, "4"))
        self.assertEqual(h2["content-type"], "text/plain; charset=utf-8")
        # curl -I on a file: the handler sent a head and no body (its log says 0 bytes).
        heads = [r[4] for r in hh.requests(self.srv) if r[1] == "HEAD"]
        self.assertEqual(heads, [0, 0], self.srv.logs())

    def test_http10(self):
        u = hh.url(self.srv, "/deep/top.txt")
        p = hh.run(["curl", "-sS", "--http1.0", "-D", "-", "-o", self.path("t1"),
                    "-o", self.path("t2"), u, u])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.read("t1"), b"top\n")
        self.assertEqual(self.read("t2"), b"top\n")
        self.assertTrue(p.stdout.startswith(b"HTTP/1.1 200 "), p.stdout)
        # HTTP/1.0 without keep-alive: the handler closes after each answer.
        self.assertEqual(hh.accepted(self.srv), 2, self.srv.logs())

    def test_http10_keep_alive(self):
        u = hh.url(self.srv, "/deep/top.txt")
        p = hh.run(["curl", "-sS", "--http1.0", "-H", "Connection: keep-alive", "-D", "-",
                    "-o", self.path("t1"), "-o", self.path("t2"), u, u])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count(b"\r\nConnection: keep-alive\r\n"), 2, p.stdout)
        self.assertEqual(self.read("t2"), b"top\n")
        self.assertEqual(hh.accepted(self.srv), 1, self.srv.logs())


class RangeTest(CurlCase):
    def ranged(self, spec):
        p = hh.run(["curl", "-sS", "-D", self.path("h"), "-r", spec, "-o", self.path("r"),
                    hh.url(self.srv, "/big.sparse")])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.path("h"), "rb") as f:
            head = f.read().decode("latin-1")
        return head, self.read("r")

    def check(self, spec, first, last):
        head, body = self.ranged(spec)
        self.assertTrue(head.startswith("HTTP/1.1 206 "), head)
        self.assertIn("\r\nContent-Range: bytes %d-%d/%d\r\n" % (first, last, SPARSE), head)
        self.assertEqual(body, self.sparse.bytes(first, last))

    def test_first_bytes(self):
        self.check("0-99", 0, 99)

    def test_from_offset_near_the_end(self):
        self.check("%d-" % (SPARSE - 100), SPARSE - 100, SPARSE - 1)

    def test_suffix(self):
        self.check("-100", SPARSE - 100, SPARSE - 1)

    def test_across_2_to_the_32(self):
        self.check("%d-%d" % ((1 << 32) - 100, (1 << 32) + 99), (1 << 32) - 100, (1 << 32) + 99)

    def test_across_the_hole_before_the_end(self):
        start = SPARSE - hh.Sparse.BLOCK
        self.check("%d-%d" % (start - 50, start + 49), start - 50, start + 49)

    def test_past_the_end_is_clamped(self):
        self.check("%d-%d" % (SPARSE - 10, SPARSE + 10 ** 12), SPARSE - 10, SPARSE - 1)

    def test_the_three_forms_on_a_small_file(self):
        data = self.files[b"deep/a/b/mid.bin"]
        u = hh.url(self.srv, "/deep/a/b/mid.bin")
        for spec, want in (("0-99", data[:100]), ("100-", data[100:]), ("-100", data[-100:])):
            with self.subTest(spec=spec):
                self.assertEqual(self.curl("-r", spec, "-o", "-", u), (206, want))

    def test_unsatisfiable(self):
        head, _ = self.ranged("%d-" % SPARSE)
        self.assertTrue(head.startswith("HTTP/1.1 416 "), head)
        self.assertIn("\r\nContent-Range: bytes */%d\r\n" % SPARSE, head)


class ResumeTest(CurlCase):
    def test_cut_download_resumed(self):
        data = os.urandom(8 << 20)
        self.write("resume.bin", data)
        u = hh.url(self.srv, "/resume.bin")
        # Cut for real: whatever reads curl's output stops after 300000 bytes, and
        # curl fails to write the rest (23) mid-body.
        with open(self.path("r"), "wb") as part:
            p = subprocess.Popen(["curl", "-sS", u], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            part.write(p.stdout.read(300000))
            p.stdout.close()
            self.assertEqual(p.wait(30), 23)
        code, _ = self.curl("-C", "-", "-o", self.path("r"), u)
        self.assertEqual(code, 206)
        self.assertEqual(self.read("r"), data)

    def test_resume_above_4gib(self):
        # A local copy holding all but the last 1000 bytes, sparse like the original.
        part = self.path("big")
        with open(part, "wb") as f:
            f.truncate(SPARSE - 1000)
            f.seek(SPARSE - hh.Sparse.BLOCK)
            f.write(self.sparse.bytes(SPARSE - hh.Sparse.BLOCK, SPARSE - 1001))
        code, _ = self.curl("-C", "-", "-o", part, hh.url(self.srv, "/big.sparse"))
        self.assertEqual(code, 206)
        self.assertEqual(os.path.getsize(part), SPARSE)
        with open(part, "rb") as f:
            f.seek(SPARSE - hh.Sparse.BLOCK)
            self.assertEqual(f.read(), self.sparse.bytes(SPARSE - hh.Sparse.BLOCK, SPARSE - 1))
        self.assertIn(("GET", "/big.sparse", 206, 1000),
                      [r[1:] for r in hh.requests(self.srv)])


class ConditionalTest(CurlCase):
    def setUp(self):
        super().setUp()
        self.file = self.write("dated.txt", b"dated\n")
        os.utime(self.file, (1577836800, 1577836800))  # 2020-01-01 00:00:00 UTC
        self.u = hh.url(self.srv, "/dated.txt")

    def test_if_modified_since_newer_date_is_304(self):
        code, body = self.curl("-z", "Wed, 01 Jul 2020 00:00:00 GMT", "-o", "-", self.u)
        self.assertEqual((code, body), (304, b""))

    def test_if_modified_since_older_date_is_200(self):
        code, body = self.curl("-z", "Mon, 01 Jul 2019 00:00:00 GMT", "-o", "-", self.u)
        self.assertEqual((code, body), (200, b"dated\n"))

    def test_if_modified_since_from_a_local_file(self):
        ref = self.path("ref")
        open(ref, "wb").close()  # now: newer than the served file
        self.assertEqual(self.curl("-z", ref, "-o", "-", self.u), (304, b""))
        os.utime(ref, (1500000000, 1500000000))  # 2017: older
        self.assertEqual(self.curl("-z", ref, "-o", "-", self.u), (200, b"dated\n"))

    def test_if_unmodified_since(self):
        # curl -z -DATE sends If-Unmodified-Since.
        self.assertEqual(self.curl("-z", "-Mon, 01 Jul 2019 00:00:00 GMT", "-o", "-", self.u)[0],
                         412)
        self.assertEqual(self.curl("-z", "-Wed, 01 Jul 2020 00:00:00 GMT", "-o", "-", self.u),
                         (200, b"dated\n"))

    def test_etag_round_trip(self):
        etag = self.path("etag")
        code, body = self.curl("--etag-save", etag, "-o", "-", self.u)
        self.assertEqual((code, body), (200, b"dated\n"))
        with open(etag) as f:
            self.assertRegex(f.read(), r'^"[0-9a-f.-]+"\n?$')
        code, body = self.curl("--etag-compare", etag, "-o", "-", self.u)
        self.assertEqual((code, body), (304, b""))
        with open(self.file, "wb") as f:
            f.write(b"changed!\n")
        code, body = self.curl("--etag-compare", etag, "-o", "-", self.u)
        self.assertEqual((code, body), (200, b"changed!\n"))


class DirectoryTest(CurlCase):
    def test_redirect_to_slash(self):
        for target, loc in (("/deep", "/deep/"), ("/sp%20ace%20dir", "/sp%20ace%20dir/"),
                            ("/deep/a/b", "/deep/a/b/"), ("/deep?format=json", "/deep/?format=json")):
            code, h = self.head(target)
            self.assertEqual((code, h.get("location")), (301, loc), target)

    def test_curl_follows_to_the_listing(self):
        code, body = self.curl("-L", "-o", "-", hh.url(self.srv, "/sp%20ace%20dir"))
        self.assertEqual(code, 200)
        self.assertIn(b'<a href="in%20ner.txt">in ner.txt</a>', body)
        code, body = self.curl("-L", "-o", "-", hh.url(self.srv, "/sp%20ace%20dir/in%20ner.txt"))
        self.assertEqual((code, body), (200, b"inner\n"))

    def test_json_names_fetch_back(self):
        # A name that is not UTF-8 comes as \\udcXX: surrogateescape gives its bytes back.
        code, body = self.curl("-o", "-", hh.url(self.srv, "/?format=json"))
        self.assertEqual(code, 200)
        entries = json.loads(body)
        names = {os.fsencode(e["name"]) for e in entries if e["type"] == "file"}
        self.assertEqual(names, {k for k in self.files if b"/" not in k} | {b"big.sparse"})
        for e in entries:
            if e["type"] == "file" and e["name"] != "big.sparse":
                name = os.fsencode(e["name"])
                code, got = self.curl("-o", "-", hh.url(self.srv, hh.quote(b"/" + name)))
                self.assertEqual((code, got), (200, self.files[name]))

    def test_file_with_trailing_slash_is_404(self):
        self.assertEqual(self.head("/deep/top.txt/")[0], 404)


class ConfinementTest(CurlCase):
    HIDDEN = ("/.hidden", "/.hiddendir/", "/.hiddendir/secret.txt", "/deep/.git/config",
              "/deep/a/.env", "/%2ehidden", "/deep/%2Egit/config", "/.hiddendir")
    DOTDOT = ("/..", "/../", "/%2e%2e", "/%2e%2e/", "/%2E%2e/etc/passwd", "/.%2e/", "/%2e./",
              "/a/../..", "/deep/../../", "/deep/..", "/deep/%2e%2e/%2e%2e/etc/passwd",
              "/deep/a/b/c/../../../../..", "/..%2f..%2fetc/passwd", "/escape/passwd",
              "/deep/escape.txt")

    def assert_refused(self, code, body, want):
        self.assertEqual(code, want)
        self.assertNotIn(b"SECRET", body)

    def test_hidden_names_are_404(self):
        for t in self.HIDDEN:
            with self.subTest(target=t):
                self.assert_refused(*self.curl("-o", "-", hh.url(self.srv, t)), 404)

    def test_dotdot_and_links_out_are_403(self):
        for t in self.DOTDOT:
            with self.subTest(target=t):
                self.assert_refused(*self.curl("-o", "-", hh.url(self.srv, t)), 403)

    def test_absolute_form(self):
        for target, want in (("http://x/../", 403), ("http://x/%2e%2e/", 403),
                             ("http://x/deep/../../etc/passwd", 403), ("http://x/.hidden", 404),
                             ("http://evil.example/deep/top.txt", 200)):
            with self.subTest(target=target):
                code, body = self.curl("--request-target", target, "-o", "-",
                                       hh.url(self.srv, "/"))
                self.assertEqual(code, want)
                self.assertNotIn(b"SECRET", body)

    def test_no_location_names_another_host(self):
        here = "127.0.0.1:%d" % self.srv.port
        redirects = 0
        for t in ("//evil.example", "//evil.example/", "///evil.example", "//evil.example/x.txt/..",
                  "/%2fevil.example", "/%2F%2Fevil.example", "/\\evil.example", "/%5cevil.example",
                  "//evil.example?x", "/./evil.example", "http://x//evil.example"):
            with self.subTest(target=t):
                if t.startswith("http:"):
                    p = hh.run(["curl", "-sSI", "--request-target", t, hh.url(self.srv, "/")])
                else:
                    p = hh.run(["curl", "-sSI", "--path-as-is", hh.url(self.srv, t)])
                self.assertEqual(p.returncode, 0, p.stderr)
                m = re.search(rb"(?im)^location:\s*(\S*)", p.stdout)
                if m is None:
                    continue
                redirects += 1
                loc = m.group(1).decode("latin-1")
                resolved = urllib.parse.urlsplit(urllib.parse.urljoin(hh.url(self.srv, "/"), loc))
                self.assertEqual(resolved.netloc, here, "Location: %s" % loc)
                self.assertFalse(loc.startswith(("//", "/\\")), loc)
        # evil.example/ is a directory here: most spellings are redirected to its slash.
        self.assertGreaterEqual(redirects, 5)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
