#!/usr/bin/env python3
"""The HTML listing judged by real mirroring clients: wget -r -np, lftp mirror and
rclone's http backend copy a tree of awkward names several levels deep byte-identical,
and nothing hidden or outside the root; aria2c fetches a large file in eight ranged
parts."""

import json
import os
import tempfile

import harness
import http_harness as hh


class MirrorCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        outside = tempfile.mkdtemp(prefix="filesvc-outside-")
        self.addCleanup(harness.shutil.rmtree, outside, ignore_errors=True)
        self.expected = hh.sha_map(hh.make_tree(self.root, outside))
        self.out = tempfile.mkdtemp(prefix="filesvc-mirror-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)
        self.srv = hh.serve(self, self.root)

    def client(self, *args, timeout=120):
        p = hh.run(args, timeout=timeout, cwd=self.out)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        return p

    def assert_mirrored(self, got, expected=None):
        """got: {path: sha256} as downloaded; must equal expected, and the handler
        must have served nothing hidden and nothing through the link out of the root."""
        self.assertEqual(got, self.expected if expected is None else expected)
        for peer, method, target, code, _ in hh.requests(self.srv):
            if code < 300:
                # A dot name, but not "./" (an href that starts a name with ':').
                self.assertNotRegex(target, r"(^|/)(\.|%2[eE])(?!/)|escape", target)

    def assert_no_file_sent_again(self, before, ignore=()):
        """After a re-run: no file's bytes sent again (listings and HEADs are fine)."""
        again = [r for r in hh.requests(self.srv)[before:]
                 if r[1] == "GET" and not r[2].endswith("/") and r[3] in (200, 206) and
                 r[2] not in ignore]
        self.assertEqual(again, [])

    def under(self, prefix):
        """The expected files beneath prefix/ (bytes), relative to it."""
        return {k[len(prefix) + 1:]: v for k, v in self.expected.items()
                if k.startswith(prefix + b"/")}


def wget_name(path):
    """Where wget 1.21 saves path: it cuts a longer name to 236 bytes (room for its
    own suffixes), as it saves it from any server."""
    d, base = os.path.split(path)
    return os.path.join(d, base[:236])


class WgetTest(MirrorCase):
    def test_recursive_no_parent(self):
        hh.need(self, "wget")
        self.client("wget", "-q", "-r", "-l", "inf", "-np", "-nH",
                    "--restrict-file-names=nocontrol", hh.url(self.srv, "/"))
        got = hh.files_of(self.out)
        # The listings themselves land as DIR/index.html: not files of the tree.
        listings = {k for k in got if os.path.basename(k) == b"index.html"}
        self.assertIn(b"index.html", listings)
        self.assertIn(b"deep/a/b/c/d/index.html", listings)
        self.assert_mirrored({k: v for k, v in got.items() if k not in listings},
                             {wget_name(k): v for k, v in self.expected.items()})

    def test_timestamping_rerun_fetches_nothing(self):
        hh.need(self, "wget")
        args = ("wget", "-q", "-r", "-l", "inf", "-np", "-nH", "-N",
                "--restrict-file-names=nocontrol", hh.url(self.srv, "/deep/"))
        self.client(*args)
        before = len(hh.requests(self.srv))
        self.client(*args)
        # wget -N asks with If-Modified-Since: every file is 304.
        codes = {r[2]: r[3] for r in hh.requests(self.srv)[before:] if not r[2].endswith("/")}
        self.assertEqual(codes, {"/deep/top.txt": 304, "/deep/a/b/mid.bin": 304,
                                 "/deep/a/b/c/d/leaf.txt": 304, "/robots.txt": 404})

    def test_subtree_does_not_climb(self):
        hh.need(self, "wget")
        self.client("wget", "-q", "-r", "-l", "inf", "-np", "-nH", "--cut-dirs=1",
                    "-R", "index.html*", hh.url(self.srv, "/deep/"))
        got = {k: v for k, v in hh.files_of(self.out).items()
               if not os.path.basename(k).startswith(b"index.html")}
        self.assert_mirrored(got, self.under(b"deep"))


class LftpTest(MirrorCase):
    def test_mirror_root(self):
        hh.need(self, "lftp")
        cmd = "set cmd:fail-exit yes; mirror %s out" % hh.url(self.srv, "/")
        self.client("lftp", "-c", cmd)
        self.assert_mirrored(hh.files_of(os.path.join(self.out, "out")))
        before = len(hh.requests(self.srv))
        self.client("lftp", "-c", cmd)  # sizes and dates from the listing match: nothing new
        self.assert_no_file_sent_again(before)

    def test_mirror_subdir(self):
        hh.need(self, "lftp")
        self.client("lftp", "-c", "set cmd:fail-exit yes; mirror %s out" %
                    hh.url(self.srv, "/sp%20ace%20dir/"))
        self.assert_mirrored(hh.files_of(os.path.join(self.out, "out")), self.under(b"sp ace dir"))


class RcloneTest(MirrorCase):
    def rclone(self, *args):
        return self.client("rclone", "-q", "--config", os.path.join(self.out, "none.conf"),
                           "--http-url", hh.url(self.srv, "/"), *args)

    def test_lsjson(self):
        hh.need(self, "rclone")
        entries = json.loads(self.rclone("lsjson", "-R", ":http:").stdout)
        files = {e["Path"]: e["Size"] for e in entries if not e["IsDir"]}
        # Names that are not UTF-8 reach rclone's JSON as U+FFFD, like Python's "replace".
        want = {os.fsdecode(k).encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
                len(v) for k, v in hh.AWKWARD.items()}
        self.assertEqual(files, want)
        dirs = {e["Path"] for e in entries if e["IsDir"]}
        self.assertEqual(dirs, {"deep", "deep/a", "deep/a/b", "deep/a/b/c", "deep/a/b/c/d",
                                "sp ace dir", "evil.example", "\\evil.example"})
        sub = json.loads(self.rclone("lsjson", ":http:deep/a/b").stdout)
        self.assertEqual(sorted((e["Name"], e["IsDir"]) for e in sub),
                         [("c", True), ("mid.bin", False)])

    def test_copy(self):
        hh.need(self, "rclone")
        self.rclone("copy", ":http:", os.path.join(self.out, "out"))
        self.assert_mirrored(hh.files_of(os.path.join(self.out, "out")))
        before = len(hh.requests(self.srv))
        self.rclone("copy", ":http:", os.path.join(self.out, "out"))  # sizes and mtimes match
        # rclone's local side never finds a name holding a control character, so it
        # copies it anew each time ("Copied (new)"): rclone's quirk, not the listing's.
        self.assert_no_file_sent_again(before, ignore=("/new%0Aline.txt", "/tab%09.txt"))


class Aria2Test(MirrorCase):
    def test_eight_ranged_parts(self):
        hh.need(self, "aria2c")
        data = os.urandom(48 << 20)
        self.write("large.bin", data)
        self.client("aria2c", "-q", "-x", "8", "-s", "8", "-k", "1M", "--file-allocation=none",
                    "-d", self.out, hh.url(self.srv, "/large.bin"))
        self.assertEqual(harness.file_sha(os.path.join(self.out, "large.bin")),
                         harness.file_sha(os.path.join(self.root, "large.bin")))
        log = [r for r in hh.requests(self.srv) if r[2] == "/large.bin"]
        ranged = [r for r in log if r[3] == 206]
        # aria2c starts with a plain GET and splits the rest: 7 or more ranged parts.
        self.assertGreaterEqual(len(ranged), 7, self.srv.logs())
        self.assertGreaterEqual(len({r[0] for r in log}), 8, "fewer than 8 connections")


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
