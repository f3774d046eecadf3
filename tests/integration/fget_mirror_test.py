#!/usr/bin/env python3
"""fget -r: a tree with nested directories mirrored byte-identical over ONE
connection, re-runs that skip complete files and resume partial ones, and a
local symlink that must not be followed."""

import hashlib
import os
import tempfile

import fget_harness as fh
import harness
from harness import Server

TREE = {
    "top.txt": b"top\n",
    "empty": b"",
    "a/one.bin": os.urandom(300000),
    "a/b/two.txt": b"two\n",
    "a/b/c/d/deep.bin": os.urandom(70000),
    "with space/caf\u00e9.txt": b"accent\n",
    "z/empty-dir/.keep-not-listed": b"hidden\n",
}


def tree_of(root):
    """{relative path: sha256} for every file, and the set of directories."""
    files, dirs = {}, set()
    for d, dn, fn in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel != ".":
            dirs.add(rel)
        for f in fn:
            with open(os.path.join(d, f), "rb") as fh_:
                files[os.path.normpath(os.path.join(rel, f))] = hashlib.sha256(fh_.read()).hexdigest()
    return files, dirs


class MirrorTest(harness.TreeCase):
    def setUp(self):
        super().setUp()
        for rel, data in TREE.items():
            self.write(rel, data)
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)
        self.out = tempfile.mkdtemp(prefix="fget-mirror-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def expected(self, sub=""):
        files, dirs = tree_of(os.path.join(self.root, sub))
        files = {k: v for k, v in files.items() if not os.path.basename(k).startswith(".")}
        return files, dirs

    def mirror(self, path, *extra):
        p = fh.fget("-v", "-r", "--output-dir", self.out, *extra, fh.url(self.srv, path=path))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_whole_tree_one_connection(self):
        p = self.mirror("/")
        self.assertEqual(tree_of(self.out), self.expected())
        # 8 LISTs and 6 GETs (the handler logs each after answering it).
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 14, what="14 logged requests")
        self.assertEqual(fh.connections(self.srv), 1)
        # Pipelined: a second request left before the first answer arrived.
        err = p.stderr.decode()
        self.assertLess(err.index("> LIST /a/\n"), err.index("< OK", err.index("< OK") + 1))

    def test_subtree_goes_into_a_directory_of_its_name(self):
        self.mirror("/a")
        files, dirs = tree_of(os.path.join(self.out, "a"))
        self.assertEqual((files, dirs), self.expected("a"))
        self.assertEqual(os.listdir(self.out), ["a"])

    def test_rerun_skips_complete_files_and_resumes_partial(self):
        self.mirror("/")
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 14, what="first run's log")
        # One file half there (as an interrupted run leaves it), one missing.
        deep = os.path.join(self.out, "a/b/c/d/deep.bin")
        data = TREE["a/b/c/d/deep.bin"]
        st = os.stat(os.path.join(self.root, "a/b/c/d/deep.bin"))
        os.unlink(deep)
        with open(deep + ".part", "wb") as f:
            f.write(data[:30000])
        os.setxattr(deep + ".part", "user.filesvc.size", str(len(data)).encode())
        os.setxattr(deep + ".part", "user.filesvc.mtime", str(int(st.st_mtime)).encode())
        os.unlink(os.path.join(self.out, "top.txt"))
        p = self.mirror("/")
        gets = [l for l in p.stderr.decode().splitlines() if l.startswith("> GET")]
        self.assertEqual(sorted(gets), ["> GET /a/b/c/d/deep.bin 30000", "> GET /top.txt"])
        self.assertEqual(tree_of(self.out), self.expected())
        # The second run: 8 LISTs and the 2 GETs, again over one connection.
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 24, what="second run's log")
        self.assertEqual(fh.connections(self.srv), 2)

    def test_local_symlink_is_not_followed(self):
        outside = tempfile.mkdtemp(prefix="fget-outside-")
        self.addCleanup(harness.shutil.rmtree, outside, ignore_errors=True)
        os.symlink(outside, os.path.join(self.out, "a"))
        p = fh.fget("-r", "--output-dir", self.out, fh.url(self.srv, path="/"))
        self.assertEqual(p.returncode, 23, p.stderr)
        self.assertEqual(os.listdir(outside), [])
        # Everything not beneath the link still arrived.
        with open(os.path.join(self.out, "with space/caf\u00e9.txt"), "rb") as f:
            self.assertEqual(f.read(), b"accent\n")

    def test_remote_name_mirror_in_cwd(self):
        p = fh.fget("-r", "-O", fh.url(self.srv, path="/with%20space/"), cwd=self.out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(os.path.join(self.out, "with space")), ["caf\u00e9.txt"])

    def test_hostile_listing_cannot_steer_paths(self):
        """A server that lists "..", "a/b" or "." gets a malformed-answer status
        and nothing is written outside the output directory."""
        def hostile(c, n, line):
            body = b"f 3 0 %2E%2E\nd 0 0 a%2Fb\nf 1 0 .\n"
            c.sendall(b"OK %d entries=3\n" % len(body) + body)
            c.recv(4096)
        srv = fh.FakeServer(hostile)
        self.addCleanup(srv.close)
        inner = os.path.join(self.out, "inner")
        os.mkdir(inner)
        p = fh.fget("-r", "--output-dir", inner, fh.url("127.0.0.1", srv.port, "/"))
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn(b"malformed listing line", p.stderr)
        self.assertEqual(os.listdir(self.out), ["inner"])
        self.assertEqual(os.listdir(inner), [])

    def test_names_it_does_not_make(self):
        """Even from a server that shows them: no dot-name (a tree mirrored into a home
        must not replace .bashrc or write into .ssh), and no NAME.part or NAME.part.meta,
        which the download of NAME would take as its own working files."""
        self.write(".bashrc", b"theirs\n")
        self.write(".ssh/authorized_keys", b"theirs\n")
        self.write("f", b"f\n")
        self.write("f.part", b"not a partial file\n")
        self.write("g.part.meta", b"nor a record\n")
        shown = Server(self.root, extra=["--show-hidden"])
        self.addCleanup(shown.stop)
        os.mkdir(os.path.join(self.out, ".ssh"))
        for rel in (".bashrc", ".ssh/authorized_keys"):
            with open(os.path.join(self.out, rel), "wb") as f:
                f.write(b"mine\n")
        p = fh.fget("-r", "--output-dir", self.out, fh.url(shown, path="/"))
        self.assertEqual(p.returncode, 23, p.stderr)
        for name in (b".bashrc", b".ssh", b"f.part", b"g.part.meta"):
            self.assertIn(b"skipping " + name + b": ", p.stderr)
        for rel in (".bashrc", ".ssh/authorized_keys"):
            with open(os.path.join(self.out, rel), "rb") as f:
                self.assertEqual(f.read(), b"mine\n")
        self.assertEqual(sorted(n for n in os.listdir(self.out) if n.startswith(("f", "g"))),
                         ["f"])
        with open(os.path.join(self.out, "top.txt"), "rb") as f:
            self.assertEqual(f.read(), TREE["top.txt"])

    def scripted(self, answers):
        """A server answering each request line from answers (line -> bytes, or a callable
        given the connection's number returning bytes, or None to hang up)."""
        def serve(c, n, line):
            rest = b""
            while line is not None:
                a = answers[line]
                a = a(n) if callable(a) else a
                if a is None:
                    c.close()
                    return
                c.sendall(a)
                line, rest = fh.recv_line(c, rest)
        srv = fh.FakeServer(serve)
        self.addCleanup(srv.close)
        return srv

    @staticmethod
    def listing(*lines):
        body = b"".join(l + b"\n" for l in lines)
        return b"OK %d entries=%d\n" % (len(body), len(lines)) + body

    def test_broken_listing_does_not_leave_answers_owed(self):
        """A listing whose count is wrong ends its tree while requests are in flight;
        the next URL must not read their answers as its own."""
        body = b"f 2 1700000000 y\n"
        srv = self.scripted({
            b"LIST /": self.listing(b"d 0 0 sub", b"f 2 1700000000 x"),
            b"LIST /sub/": b"OK %d entries=2\n" % len(body) + body,
            b"GET /x": b"OK 2 size=2 mtime=1700000000\nxx",
            b"LIST /other/": self.listing(b"f 5 1700000000 o"),
            b"GET /other/o": b"OK 5 size=5 mtime=1700000000\nother",
        })
        p = fh.fget("-r", "--output-dir", self.out, fh.url("127.0.0.1", srv.port, "/"),
                    fh.url("127.0.0.1", srv.port, "/other/"))
        self.assertEqual(p.returncode, 8, p.stderr)
        with open(os.path.join(self.out, "other", "o"), "rb") as f:
            self.assertEqual(f.read(), b"other")
        self.assertEqual(srv.accepted, 2)

    def test_retry_that_completes_the_tree_succeeds(self):
        """An error on the first attempt is forgotten once a retry gets everything."""
        srv = self.scripted({
            b"LIST /": self.listing(b"f 1 1700000000 a", b"f 1 1700000000 b"),
            b"GET /a": lambda n: b"ERR 503 busy\n" if n == 0 else b"OK 1 size=1 mtime=1700000000\na",
            b"GET /b": lambda n: None if n == 0 else b"OK 1 size=1 mtime=1700000000\nb",
        })
        p = fh.fget("-r", "--retry", "2", "--output-dir", self.out,
                    fh.url("127.0.0.1", srv.port, "/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(self.out)), ["a", "b"])

    def test_missing_tree_78(self):
        p = fh.fget("-r", "--output-dir", self.out, fh.url(self.srv, path="/nope/"))
        self.assertEqual(p.returncode, 78, p.stderr)


if __name__ == "__main__":
    fh.main()
