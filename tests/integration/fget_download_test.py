#!/usr/bin/env python3
"""fget downloads and lists against the real handler: byte-identical files of
every size class, every output form, awkward names, IPv6, connection reuse,
and the rules that keep outputs safe."""

import hashlib
import os
import subprocess
import tempfile
import unittest

import fget_harness as fh
import harness
from harness import Server


def sha(data):
    return hashlib.sha256(data).hexdigest()


file_sha = harness.file_sha


class DownloadCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.small = os.urandom(12345)
        self.write("empty", b"")
        self.write("small.bin", self.small)
        self.write("dir/with space.txt", b"spaced\n")
        self.write("dir/caf\u00e9 \u20ac.txt", b"euro\n")
        self.write("dir/.hidden", b"secret\n")
        self.srv = Server(self.root)
        self.addCleanup(self.srv.stop)
        self.out = tempfile.mkdtemp(prefix="fget-out-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def url(self, path):
        return fh.url(self.srv, path=path)

    def ok(self, *args, **kw):
        p = fh.fget(*args, **kw)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        return p


class StdoutTest(DownloadCase):
    def test_small_to_stdout(self):
        p = self.ok(self.url("/small.bin"))
        self.assertEqual(sha(p.stdout), sha(self.small))
        self.assertEqual(p.stderr, b"")  # no progress when stderr is not a terminal

    def test_empty(self):
        self.assertEqual(self.ok(self.url("/empty")).stdout, b"")
        self.ok("-o", os.path.join(self.out, "e"), self.url("/empty"))
        self.assertEqual(os.path.getsize(os.path.join(self.out, "e")), 0)

    def test_dash_is_stdout(self):
        p = self.ok("-o", "-", self.url("/small.bin"))
        self.assertEqual(p.stdout, self.small)

    def test_100_mib(self):
        data = os.urandom(1 << 20) * 100
        self.write("big.bin", data)
        p = self.ok(self.url("/big.bin"))
        self.assertEqual(sha(p.stdout), sha(data))
        dest = os.path.join(self.out, "big.bin")
        self.ok("-o", dest, self.url("/big.bin"))
        self.assertEqual(file_sha(dest), sha(data))


class FileOutputTest(DownloadCase):
    def test_output_file_gets_remote_mtime_and_no_part(self):
        dest = os.path.join(self.out, "s")
        self.ok("-o", dest, self.url("/small.bin"))
        self.assertEqual(file_sha(dest), sha(self.small))
        self.assertEqual(int(os.stat(dest).st_mtime),
                         int(os.stat(os.path.join(self.root, "small.bin")).st_mtime))
        self.assertEqual(os.listdir(self.out), ["s"])
        self.assertEqual(os.listxattr(dest), [])  # the resume record is gone

    def test_remote_name(self):
        self.ok("-O", self.url("/small.bin"), cwd=self.out)
        self.assertEqual(file_sha(os.path.join(self.out, "small.bin")), sha(self.small))

    def test_output_dir(self):
        d = os.path.join(self.out, "new")
        self.ok("-O", "--output-dir", d, self.url("/small.bin"), self.url("/dir/with%20space.txt"))
        self.assertEqual(sorted(os.listdir(d)), ["small.bin", "with space.txt"])
        rel = self.ok("--output-dir", d, "-o", "rel", self.url("/empty"))
        self.assertEqual(rel.stdout, b"")
        self.assertTrue(os.path.exists(os.path.join(d, "rel")))

    def test_names_with_space_and_non_ascii(self):
        self.ok("-O", self.url("/dir/caf%C3%A9%20%E2%82%AC.txt"), cwd=self.out)
        with open(os.path.join(self.out, "caf\u00e9 \u20ac.txt"), "rb") as f:
            self.assertEqual(f.read(), b"euro\n")
        # Raw UTF-8 in the URL is encoded by fget.
        p = self.ok(self.url("/dir/caf\u00e9%20\u20ac.txt"))
        self.assertEqual(p.stdout, b"euro\n")

    def test_remote_name_refusals(self):
        for path in ("/dir/", "/"):
            p = fh.fget("-O", self.url(path), cwd=self.out)
            self.assertEqual(p.returncode, 3)
            self.assertIn(b"use -o FILE", p.stderr)
        p = fh.fget("-O", self.url("/dir/.hidden"), cwd=self.out)
        self.assertEqual(p.returncode, 3)
        self.assertIn(b"starts with '.'", p.stderr)
        self.assertEqual(os.listdir(self.out), [])

    def test_overwrites_named_file_via_rename(self):
        dest = os.path.join(self.out, "s")
        other = os.path.join(self.out, "other")
        with open(other, "wb") as f:
            f.write(b"keep me")
        os.symlink(other, dest)
        self.ok("-o", dest, self.url("/small.bin"))
        self.assertFalse(os.path.islink(dest))  # the link was replaced, not followed
        with open(other, "rb") as f:
            self.assertEqual(f.read(), b"keep me")

    def test_part_symlink_refused(self):
        dest = os.path.join(self.out, "s")
        victim = os.path.join(self.out, "victim")
        with open(victim, "wb") as f:
            f.write(b"keep me")
        os.symlink(victim, dest + ".part")
        p = fh.fget("-o", dest, self.url("/small.bin"))
        self.assertEqual(p.returncode, 23, p.stderr)
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"keep me")
        self.assertFalse(os.path.exists(dest))

    @unittest.skipUnless(os.geteuid() == 0, "making a file someone else's needs root")
    def test_part_of_another_user_refused(self):
        # In a shared directory another user's NAME.part must not become the download:
        # they could still write to it afterwards.
        dest = os.path.join(self.out, "s")
        with open(dest + ".part", "wb") as f:
            f.write(b"theirs")
        os.chown(dest + ".part", 65534, 65534)
        p = fh.fget("-o", dest, self.url("/small.bin"))
        self.assertEqual(p.returncode, 23, p.stderr)
        self.assertIn(b"not a regular file of ours", p.stderr)
        with open(dest + ".part", "rb") as f:
            self.assertEqual(f.read(), b"theirs")
        self.assertFalse(os.path.exists(dest))

    def test_stdout_by_name_is_stdout(self):
        # The shell's file behind fd 1 is written through it: no NAME.part
        # beside a magic link, nothing renamed over it.
        dest = os.path.join(self.out, "redirected")
        with open(dest, "wb") as f:
            p = fh.fget("-o", "/proc/self/fd/1", self.url("/small.bin"), stdout=f)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(dest, "rb") as f:
            self.assertEqual(f.read(), self.small)

    def test_device_written_in_place(self):
        self.ok("-o", "/dev/null", self.url("/small.bin"))
        self.assertFalse(os.path.exists("/dev/null.part"))
        fifo = os.path.join(self.out, "fifo")
        os.mkfifo(fifo)
        reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
        self.ok("-o", fifo, self.url("/small.bin"))
        self.assertEqual(reader.communicate(timeout=30)[0], self.small)
        self.assertEqual(sorted(os.listdir(self.out)), ["fifo"])


class ListTest(DownloadCase):
    def test_short_listing(self):
        p = self.ok(self.url("/"))
        self.assertEqual(p.stdout, b"dir/\nempty\nsmall.bin\n")
        p = self.ok("-l", self.url("/dir"))
        self.assertEqual(p.stdout.decode().splitlines(), ["caf\u00e9 \u20ac.txt", "with space.txt"])

    def test_long_listing_columns(self):
        lines = self.ok("--long", self.url("/")).stdout.decode().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[2].startswith("f "))
        self.assertIn(" 12345 ", lines[2])
        self.assertTrue(lines[2].endswith(" small.bin"))
        # Aligned: every name starts in the same column.
        self.assertEqual(len({len(l) - len(l.split(" ")[-1]) for l in lines[1:]}), 1)
        human = self.ok("--long", "--human", self.url("/")).stdout.decode()
        self.assertIn("12K", human)

    def test_names_cannot_drive_a_terminal(self):
        # C0, DEL and C1 (raw 0x9B is CSI on an 8-bit terminal; UTF-8 U+009B too) print
        # as '?' on a terminal; UTF-8 text stays.  Into a pipe the names go out exact.
        d = os.path.join(self.root.encode(), b"ctl")
        os.mkdir(d)
        names = [b"\x1b[2Jclear", b"\x9b" b"31m", b"\xc2\x9b" b"0m", b"caf\xc3\xa9", b"del\x7f"]
        for n in names:
            open(os.path.join(d, n), "wb").close()
        self.assertEqual(self.ok(self.url("/ctl/")).stdout, b"".join(n + b"\n" for n in sorted(names)))
        master, slave = os.openpty()
        try:
            p = fh.fget(self.url("/ctl/"), stdout=slave)
            self.assertEqual(p.returncode, 0, p.stderr)
            os.close(slave)
            slave = -1
            shown = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:     # EIO: the writer is gone and all was read
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(master)
            if slave >= 0:
                os.close(slave)
        self.assertEqual(shown.replace(b"\r\n", b"\n"),
                         b"?[2Jclear\ncaf\xc3\xa9\ndel?\n?31m\n??0m\n")

    def test_list_of_a_file_is_refused_by_the_server(self):
        p = fh.fget("-l", self.url("/small.bin"))
        self.assertEqual(p.returncode, 80)


class ConnectionTest(DownloadCase):
    def servers(self, n):
        """self.srv and n - 1 more servers of the same tree."""
        more = [Server(self.root) for _ in range(n - 1)]
        for s in more:
            self.addCleanup(s.stop)
        return [self.srv] + more

    def test_several_urls_one_connection(self):
        p = self.ok(self.url("/small.bin"), self.url("/empty"), self.url("/dir/"),
                    self.url("/small.bin"))
        listing = "caf\u00e9 \u20ac.txt\nwith space.txt\n".encode()
        self.assertEqual(p.stdout, self.small + listing + self.small)
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 4, what="four log lines")
        self.assertEqual(fh.connections(self.srv), 1)

    def test_other_port_other_connection(self):
        with Server(self.root) as other:
            p = self.ok(self.url("/small.bin"), fh.url(other, path="/small.bin"),
                        self.url("/small.bin"), fh.url(other, path="/empty"))
            self.assertEqual(p.stdout, self.small * 3)
            fh.wait_until(lambda: len(fh.requests(self.srv)) == 2, what="two log lines")
            fh.wait_until(lambda: len(fh.requests(other)) == 2, what="two log lines")
            # A, B, A, B: each server's connection waits while the other is used.
            self.assertEqual(fh.connections(self.srv), 1)
            self.assertEqual(fh.connections(other), 1)

    def test_pool_keeps_four_idle_connections(self):
        # Six servers in turn, then 5, 2 and 0 again.  Four idle connections wait, the
        # least recently used closed first: parking 4 closes 0's, parking 5 closes 1's;
        # 5 is the one in use, 2 is still parked, 0 needs a new connection.
        servers = self.servers(6)
        urls = [fh.url(s, path="/small.bin") for s in servers]
        p = self.ok(*(urls + [urls[5], urls[2], urls[0]]))
        self.assertEqual(p.stdout, self.small * 9)
        for s, n in zip(servers, (2, 1, 2, 1, 1, 2)):
            fh.wait_until(lambda: len(fh.requests(s)) == n, what="%d log lines" % n)
        self.assertEqual([fh.connections(s) for s in servers], [2, 1, 1, 1, 1, 1])

    def test_pool_looks_up_before_parking(self):
        # Five servers in turn, then the first again: the pool holds the first four while
        # the fifth is in use, and parking the fifth must not close the one wanted next.
        servers = self.servers(5)
        urls = [fh.url(s, path="/small.bin") for s in servers]
        p = self.ok(*(urls + [urls[0]]))
        self.assertEqual(p.stdout, self.small * 6)
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 2, what="two log lines")
        self.assertEqual(fh.connections(self.srv), 1)

    def test_verbose_shows_requests_and_headers(self):
        p = self.ok("-v", self.url("/dir/with%20space.txt"))
        self.assertIn(b"> GET /dir/with%20space.txt\n", p.stderr)
        self.assertIn(b"< OK 7 size=7 mtime=", p.stderr)

    def test_dot_segments_never_reach_the_server(self):
        p = self.ok("-v", self.url("/dir/../small.bin"))
        self.assertEqual(p.stdout, self.small)
        p = self.ok("-v", self.url("/%2e%2e/%2E%2E/small.bin"))
        self.assertEqual(p.stdout, self.small)
        fh.wait_until(lambda: len(fh.requests(self.srv)) == 2, what="two log lines")
        for r in fh.requests(self.srv):
            self.assertEqual(r[2], "/small.bin")


class IPv6Test(harness.TreeCase):
    def test_ipv6_loopback(self):
        if not fh.have_ipv6():
            self.skipTest("no IPv6 loopback here")
        self.write("a.txt", b"over six\n")
        with Server(self.root, host="::1") as srv:
            p = fh.fget(fh.url(srv, path="/a.txt"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, b"over six\n")
            try:
                harness.socket.getaddrinfo("localhost", srv.port, harness.socket.AF_INET6)
            except OSError:
                return  # no IPv6 name for localhost here; the literal above suffices
            p = fh.fget("-6", fh.url("localhost", srv.port, "/a.txt"))
            self.assertEqual((p.returncode, p.stdout), (0, b"over six\n"), p.stderr)

    def test_4_and_6_choose_the_family(self):
        # An address of the other family is no address for -4 or -6 (exit 6): they reach
        # getaddrinfo(), which would otherwise take the literal and connect.
        if not fh.have_ipv6():
            self.skipTest("no IPv6 loopback here")
        self.write("a.txt", b"either\n")
        with Server(self.root, host="127.0.0.1") as v4, Server(self.root, host="::1") as v6:
            for flag, srv, want in (("-4", v4, 0), ("-6", v6, 0), ("-6", v4, 6), ("-4", v6, 6)):
                p = fh.fget(flag, fh.url(srv, path="/a.txt"))
                self.assertEqual(p.returncode, want, (flag, srv.host, p.stderr))


if __name__ == "__main__":
    fh.main()
