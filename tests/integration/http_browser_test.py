#!/usr/bin/env python3
"""The HTML listing judged by a real browser: headless Chromium loads a listing and
a file; the DOM holds every name (markup characters, quotes, UTF-8, and U+FFFD for
bytes that are not UTF-8 or are control characters), every link resolves (fetched
with curl relative to the page) to the right bytes, and screenshots of the listing
(desktop and phone widths) are left in the test's log directory for a human to see."""

import html.parser
import os
import posixpath
import struct
import tempfile
import urllib.parse
import zlib

import harness
import http_harness as hh

CHROMIUM = "chromium"
LOGDIR = os.environ.get("FILESVC_TEST_LOGDIR") or tempfile.gettempdir()


class Links(html.parser.HTMLParser):
    """The text and href of every <a>, and the document's title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.title = [], ""
        self._href, self._text, self._in_title = None, "", False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._text, self._href))
            self._href = None
        self._in_title = False

    def handle_data(self, data):
        if self._href is not None:
            self._text += data
        if self._in_title:
            self.title += data


def shown(name):
    """A name as the listing must show it: UTF-8 text, U+FFFD for a byte that is not
    UTF-8 and for a control character."""
    text = name.decode("utf-8", "replace")
    return "".join("\ufffd" if ord(c) < 0x20 or ord(c) == 0x7f else c for c in text)


def png_size_and_ink(path):
    """(width, height) of a PNG and whether any pixel byte is not white."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("%s is not a PNG" % path)
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    pixels = zlib.decompress(idat)
    # Filter bytes start every row; anything else below 0xf0 is ink, not background.
    return (width, height), any(b < 0xf0 for b in pixels[1:])


class BrowserTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        hh.need(self, CHROMIUM, "curl")
        outside = tempfile.mkdtemp(prefix="filesvc-outside-")
        self.addCleanup(harness.shutil.rmtree, outside, ignore_errors=True)
        self.files = hh.make_tree(self.root, outside)
        self.profile = tempfile.mkdtemp(prefix="filesvc-chromium-")
        self.addCleanup(harness.shutil.rmtree, self.profile, ignore_errors=True)
        self.srv = hh.serve(self, self.root)

    def chromium(self, *args):
        p = hh.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--user-data-dir=" + self.profile] + list(args),
                   timeout=90, env=dict(os.environ, HOME=self.profile))
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return p.stdout.decode("utf-8")

    def load(self, path):
        page = Links()
        page.feed(self.chromium("--dump-dom", hh.url(self.srv, path)))
        return page

    def fetch(self, u):
        p = hh.run(["curl", "-sS", "-f", u])
        self.assertEqual(p.returncode, 0, "%s: %s" % (u, p.stderr))
        return p.stdout

    def entries(self, d):
        """{name shown: (raw name, is_dir)} of what directory d (bytes, '' for the root)
        must list."""
        out = {}
        for rel in self.files:
            if not rel.startswith(d):
                continue
            first, _, rest = rel[len(d):].partition(b"/")
            out[shown(first) + ("/" if rest else "")] = (first, bool(rest))
        return out

    def check_listing(self, path, d):
        page = self.load(path)
        self.assertEqual(page.title, "Index of " + urllib.parse.unquote(path))
        want = self.entries(d)
        links = dict(page.links)
        parent = links.pop("../", None)
        self.assertEqual(parent is None, d == b"")
        self.assertEqual(sorted(links), sorted(want))
        base = hh.url(self.srv, path)
        for text, href in links.items():
            raw, is_dir = want[text]
            target = urllib.parse.urljoin(base, href)
            self.assertEqual(urllib.parse.urlsplit(target).netloc, "127.0.0.1:%d" % self.srv.port)
            body = self.fetch(target)
            if is_dir:
                self.assertIn(b"<title>Index of ", body)
                self.assertEqual(urllib.parse.unquote_to_bytes(urllib.parse.urlsplit(target).path),
                                 b"/" + d + raw + b"/")
            else:
                self.assertEqual(body, self.files[d + raw], text)
        if parent is not None:
            up = urllib.parse.urljoin(base, parent)
            self.assertEqual(urllib.parse.urlsplit(up).path,
                             posixpath.dirname(path.rstrip("/")).rstrip("/") + "/")
        return page

    def test_root_listing_names_and_links(self):
        page = self.check_listing("/", b"")
        texts = [t for t, _ in page.links]
        for name in ("amp&lt<gt>\"q'.txt", "caf\u00e9 \u65e5\u672c.txt", "latin1-\ufffd.bin",
                     "new\ufffdline.txt", "100%.txt", "co:lon.txt", "sp ace dir/"):
            self.assertIn(name, texts)
        self.assertFalse([t for t in texts if t.startswith(".") and t != "../" or "escape" in t])

    def test_deep_listings(self):
        self.check_listing("/deep/", b"deep/")
        self.check_listing("/deep/a/b/", b"deep/a/b/")
        self.check_listing("/sp%20ace%20dir/", b"sp ace dir/")

    def test_redirects_stay_on_this_host(self):
        # Browsers read '\' as '/' in an http URL: a Location of /\evil.example/ would
        # take them to http://evil.example/.  Chromium must land on our listing.
        for path, title in (("/%5Cevil.example", "Index of /\\evil.example/"),
                            ("//evil.example", "Index of /evil.example/"),
                            ("/sp%20ace%20dir", "Index of /sp ace dir/")):
            with self.subTest(path=path):
                self.assertEqual(self.load(path).title, title)

    def test_a_file_in_the_browser(self):
        name = "caf\u00e9 \u65e5\u672c.txt".encode()
        dom = self.chromium("--dump-dom", hh.url(self.srv, hh.quote(b"/" + name)))
        # A text/plain answer is shown as one <pre> holding exactly the file's text.
        self.assertIn("<pre", dom)
        self.assertIn(self.files[name].decode(), dom)

    def test_screenshots(self):
        out = os.path.join(LOGDIR, "http-browser")
        os.makedirs(out, exist_ok=True)
        for w, h in ((1024, 768), (390, 844)):
            path = os.path.join(out, "listing-%dx%d.png" % (w, h))
            if os.path.exists(path):
                os.unlink(path)
            self.chromium("--screenshot=" + path, "--window-size=%d,%d" % (w, h),
                          hh.url(self.srv, "/"))
            size, ink = png_size_and_ink(path)
            self.assertEqual(size, (w, h))
            self.assertTrue(ink, "%s is blank" % path)
            print("screenshot of the listing: %s" % path)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
