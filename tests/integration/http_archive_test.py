#!/usr/bin/env python3
"""A directory as one tar archive (GET /dir/?format=tar), judged by GNU tar, bsdtar
(libarchive-tools) and Python's tarfile: each extracts a tree identical to the
served one, nothing hidden, outside or special; a cut download resumed with
curl -C - is byte-identical to a whole one; a changed tree gets a fresh 200 for
If-Range; a file changed mid-stream fails the download; links that loop make
a finite archive with each directory once."""

import hashlib
import os
import socket
import subprocess
import tarfile
import tempfile
import time

import harness
import http_harness as hh

BIG = 24 << 20


class ArchiveCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        hh.need(self, "curl", "tar", "bsdtar")
        self.outside = tempfile.mkdtemp(prefix="filesvc-outside-")
        self.addCleanup(__import__("shutil").rmtree, self.outside, ignore_errors=True)
        self.share = os.path.join(self.root, "share")
        os.makedirs(self.share)
        self.files = hh.make_tree(self.share, self.outside)
        deep = b"/".join([b"d" * 40] * 6) + b"/deep.txt"        # a path over 100 bytes
        self.add(deep, b"deep\n")
        self.add(b"empty.txt", b"")
        os.makedirs(os.path.join(os.fsencode(self.share), b"empty-dir"))
        self.add(b"x" * 255, b"a 255-byte name\n")
        os.mkfifo(os.path.join(self.share, "fifo"))
        os.symlink("..", os.path.join(self.share, "deep", "up"))        # a loop
        os.symlink("../deep", os.path.join(self.share, "sp ace dir", "to-deep"))
        os.symlink("with space.txt", os.path.join(self.share, "link.txt"))
        self.files[b"link.txt"] = self.files[b"with space.txt"]
        self.srv = hh.serve(self, self.root)

    def add(self, rel, data):
        path = os.path.join(os.fsencode(self.share), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        self.files[rel] = data

    def fetch(self, dest, *args, path="/share/?format=tar"):
        r = hh.run(["curl", "-sS", "-o", dest] + list(args) + [hh.url(self.srv, path)],
                   timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return dest

    def extracted(self, tool, archive):
        out = tempfile.mkdtemp(prefix="x-", dir=self.root)
        if tool == "tarfile":
            # Python before 3.11.4 (Debian 12's 3.11.2) has no extraction filters.
            kw = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
            with tarfile.open(archive) as t:
                t.extractall(out, **kw)
        else:
            r = hh.run([tool, "-xf", archive, "-C", out])
            self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def expected(self):
        """{path under share/: sha256}: every visible file, links inside followed."""
        return {b"share/" + k: hashlib.sha256(v).hexdigest() for k, v in self.files.items()}


class ExtractTest(ArchiveCase):
    def test_three_readers_extract_the_served_tree(self):
        archive = self.fetch(os.path.join(self.root, "share.tar"))
        want = self.expected()
        for tool in ("tar", "bsdtar", "tarfile"):
            out = self.extracted(tool, archive)
            got = hh.files_of(out)
            self.assertEqual(got, want, tool)
            self.assertTrue(os.path.isdir(os.path.join(out, "share", "empty-dir")), tool)
            for d, _, names in os.walk(out):
                for n in names + [os.path.basename(d)]:
                    self.assertFalse(n.startswith("."), (tool, d, n))

    def test_listing_names_exactly_the_members(self):
        archive = self.fetch(os.path.join(self.root, "share.tar"))
        with tarfile.open(archive) as t:
            members = t.getmembers()
        names = [m.name for m in members]
        self.assertEqual(len(names), len(set(names)))             # each directory once
        for m in members:
            self.assertTrue(m.isfile() or m.isdir(), m.name)      # nothing special
            self.assertEqual((m.uid, m.gid, m.uname, m.gname), (0, 0, "", ""))
            self.assertEqual(m.mode, 0o755 if m.isdir() else 0o644)
            self.assertTrue(m.name == "share" or m.name.startswith("share/"), m.name)
        self.assertNotIn("share/fifo", names)
        self.assertNotIn("share/escape", names)
        # Directories seen before, through a loop and through a link: left out.
        self.assertNotIn("share/deep/up", names)
        self.assertNotIn("share/sp ace dir/to-deep", names)
        self.assertIn("share/link.txt", names)                  # a file through a link: in
        # GNU tar lists the same members, in the same order (literally: one name holds a
        # newline, so the whole listing is compared, not its lines).
        r = hh.run(["tar", "--quoting-style=literal", "-tf", archive])
        self.assertEqual(r.stdout, b"".join(os.fsencode(n) + (b"/\n" if m.isdir() else b"\n")
                                            for n, m in zip(names, members)))

    def test_same_tree_same_bytes_and_head_agrees(self):
        a = self.fetch(os.path.join(self.root, "a.tar"))
        b = self.fetch(os.path.join(self.root, "b.tar"))
        self.assertEqual(harness.file_sha(a), harness.file_sha(b))
        r = hh.run(["curl", "-sSI", hh.url(self.srv, "/share/?format=tar")])
        head = r.stdout.decode()
        self.assertIn("Content-Length: %d\r\n" % os.path.getsize(a), head)
        self.assertIn("Content-Type: application/x-tar\r\n", head)
        self.assertIn('Content-Disposition: attachment; filename="share.tar"\r\n', head)
        self.assertIn('ETag: "tar-', head)

    def test_no_archive_option(self):
        srv = hh.serve(self, self.root, extra=["--no-archive"])
        r = hh.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    hh.url(srv, "/share/?format=tar")])
        self.assertEqual(r.stdout, b"404")
        page = hh.run(["curl", "-s", hh.url(srv, "/share/")]).stdout
        self.assertNotIn(b"format", page)
        page = hh.run(["curl", "-s", hh.url(self.srv, "/share/")]).stdout
        self.assertIn(b'name="format" value="tar"', page)
        # The button says what the archive holds: the files a listing would show, deep.
        total = sum(len(v) for v in self.files.values())
        self.assertIn(b"Download this directory as one .tar (%d files, " % len(self.files), page)
        self.assertIn(b" files, %.1f KiB)" % (total / 1024) if total >= 1024 else
                      b" files, %d bytes)" % total, page)


class ResumeTest(ArchiveCase):
    def test_cut_and_resumed_is_identical(self):
        whole = self.fetch(os.path.join(self.root, "whole.tar"))
        part = os.path.join(self.root, "part.tar")
        self.fetch(part, "-r", "0-%d" % (os.path.getsize(whole) // 3))
        self.fetch(part, "-C", "-")
        self.assertEqual(harness.file_sha(part), harness.file_sha(whole))

    def test_if_range_after_a_change_is_a_fresh_200(self):
        r = hh.run(["curl", "-sSI", hh.url(self.srv, "/share/?format=tar")])
        etag = [l.split(b": ", 1)[1] for l in r.stdout.split(b"\r\n")
                if l.lower().startswith(b"etag:")][0]
        range_req = ["-H", "Range: bytes=100-", "-H", "If-Range: " + etag.decode()]
        r = hh.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + range_req
                   + [hh.url(self.srv, "/share/?format=tar")])
        self.assertEqual(r.stdout, b"206")
        time.sleep(0.01)
        with open(os.path.join(self.share, "empty.txt"), "wb") as f:
            f.write(b"now it is not\n")
        r = hh.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + range_req
                   + [hh.url(self.srv, "/share/?format=tar")])
        self.assertEqual(r.stdout, b"200")


class ChangingTest(harness.TreeCase):
    def test_file_changed_mid_stream_fails_the_download(self):
        self.write("t/a.bin", os.urandom(BIG))
        self.write("t/z.txt", b"before\n")
        srv = hh.serve(self, self.root)
        with socket.create_connection((srv.host, srv.port), timeout=20) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            s.sendall(b"GET /t/?format=tar HTTP/1.1\r\nHost: x\r\n\r\n")
            got = s.recv(65536)
            head, _, body = got.partition(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            time.sleep(0.3)              # the handler is stuck in a.bin, far from z.txt
            with open(os.path.join(self.root, "t", "z.txt"), "wb") as f:
                f.write(b"after, and longer\n")
            while True:
                c = s.recv(1 << 20)
                if not c:
                    break
                body += c
        self.assertLess(len(body), length)            # a short body: a failed transfer
        with tempfile.NamedTemporaryFile(dir=self.root) as f:
            f.write(body)
            f.flush()
            r = hh.run(["tar", "-tf", f.name])
            self.assertNotEqual(r.returncode, 0)      # no reader takes it as complete
        harness.wait_until(lambda: "z.txt changed since the walk" in srv.logs(), 10,
                           "the handler's log line")


class BigTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.size = (8 << 30) + 12345
        with open(os.path.join(self.root, "sparse.bin"), "wb") as f:
            f.truncate(self.size)
            f.seek(self.size - 5)
            f.write(b"tail\n")
        self.write("z.txt", b"after the big one\n")
        self.srv = hh.serve(self, self.root)

    def test_streamed_through_gnu_tar_and_bsdtar(self):
        # Read as a stream: 8 GiB is not extracted to disk.
        for reader in (["tar", "-tvf", "-"], ["bsdtar", "-tvf", "-"]):
            curl = subprocess.Popen(["curl", "-sS", hh.url(self.srv, "/?format=tar")],
                                    stdout=subprocess.PIPE)
            r = subprocess.run(reader, stdin=curl.stdout, capture_output=True, timeout=300)
            curl.stdout.close()
            self.assertEqual(curl.wait(60), 0)
            self.assertEqual(r.returncode, 0, (reader, r.stderr))
            line = [l for l in r.stdout.splitlines() if l.endswith(b"filesvc/sparse.bin")][0]
            self.assertIn(b" %d " % self.size, line, reader)
            self.assertTrue(r.stdout.rstrip().endswith(b"filesvc/z.txt"), reader)

    def test_tarfile_reads_both_ends_fetched_by_range(self):
        # Python's tarfile seeks over the data: the archive's two ends, fetched with
        # ranges into a sparse local copy, are all it reads.
        head = hh.run(["curl", "-sSI", hh.url(self.srv, "/?format=tar")]).stdout
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        scratch = tempfile.mkdtemp(prefix="filesvc-local-")   # not in the served tree
        self.addCleanup(__import__("shutil").rmtree, scratch, ignore_errors=True)
        local = os.path.join(scratch, "local.tar")
        with open(local, "wb") as f:
            f.truncate(length)
            for first, last in ((0, 65535), (length - 65536, length - 1)):
                r = hh.run(["curl", "-sS", "-r", "%d-%d" % (first, last),
                            hh.url(self.srv, "/?format=tar")])
                self.assertEqual(len(r.stdout), last - first + 1)
                f.seek(first)
                f.write(r.stdout)
        with tarfile.open(local) as t:
            members = {m.name: m for m in t.getmembers()}
            self.assertEqual(members["filesvc/sparse.bin"].size, self.size)
            self.assertEqual(t.extractfile("filesvc/z.txt").read(), b"after the big one\n")
            big = t.extractfile("filesvc/sparse.bin")
            big.seek(self.size - 5)
            self.assertEqual(big.read(), b"tail\n")


if __name__ == "__main__":
    harness.main()
