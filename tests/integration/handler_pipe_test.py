#!/usr/bin/env python3
"""filesvc-handler over pipes: the protocol, request by request, as docs/protocol.md states it."""

import os
import random
import socket
import stat
import subprocess
import time
import urllib.parse
import unittest

import harness
from harness import HANDLER, Reader, handler_argv, run_pipe


def answers(out):
    """Split a whole answer stream into Answer objects."""
    chunks = [out]

    def recv(_n):
        return chunks.pop() if chunks else b""
    r = Reader(recv)
    result = []
    while True:
        try:
            result.append(r.answer())
        except EOFError:
            if r.buf:
                raise AssertionError("trailing bytes: %r" % r.buf)
            return result


class PipeCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("a.txt", b"hello\n")
        self.write("sub/b.bin", bytes(range(256)) * 4)
        self.write("empty", b"")
        os.mkdir(os.path.join(self.root, "emptydir"))
        self.write("with space", b"s")
        self.write(".hidden", b"secret")
        self.write("nl\nname", b"n")
        self.write(b"\xff\xfe-latin".decode("utf-8", "surrogateescape"), b"x")
        os.symlink("a.txt", os.path.join(self.root, "link"))
        os.symlink("/etc/passwd", os.path.join(self.root, "abs"))
        os.symlink("../../..", os.path.join(self.root, "sub", "up"))
        os.symlink("nowhere", os.path.join(self.root, "dangling"))
        os.mkfifo(os.path.join(self.root, "fifo"))
        with socket.socket(socket.AF_UNIX) as s:    # its file stays: open() gives ENXIO
            s.bind(os.path.join(self.root, "sock"))
        os.symlink("loop2", os.path.join(self.root, "loop1"))
        os.symlink("loop1", os.path.join(self.root, "loop2"))

    def run_handler(self, requests, extra=(), timeout=30):
        rc, out, err = run_pipe(handler_argv("--root", self.root) + list(extra), requests, timeout)
        self.assertEqual(rc, 0, err)
        return answers(out), err.decode("utf-8", "replace")

    def one(self, request, extra=()):
        got, _ = self.run_handler(request + b"\n", extra)
        self.assertEqual(len(got), 1)
        return got[0]


class ListTest(PipeCase):
    def test_root_listing_sorted_encoded_filtered(self):
        a = self.one(b"LIST")
        self.assertTrue(a.ok)
        lines = a.body.split(b"\n")[:-1]
        names = [l.split(b" ")[3] for l in lines]
        # Bytewise by raw name: "a.txt" < "empty" < ... < "with space" < "\xff\xfe-latin".
        self.assertEqual(names, [b"a.txt", b"empty", b"emptydir", b"link", b"nl%0Aname",
                                 b"sub", b"with%20space", b"%FF%FE-latin"])
        self.assertEqual(a.keys["entries"], str(len(lines)))
        self.assertEqual(int(a.header.split(b" ")[1]), len(a.body))
        by_name = {l.split(b" ")[3]: l.split(b" ") for l in lines}
        st = os.stat(os.path.join(self.root, "a.txt"))
        self.assertEqual(by_name[b"a.txt"], [b"f", b"6", str(int(st.st_mtime)).encode(), b"a.txt"])
        self.assertEqual(by_name[b"sub"][0], b"d")
        self.assertEqual(by_name[b"link"][:2], [b"f", b"6"])  # followed inside the root

    def test_slash_and_empty_are_root(self):
        self.assertEqual(self.one(b"LIST /").body, self.one(b"LIST").body)
        self.assertEqual(self.one(b"list ./").body, self.one(b"LIST").body)

    def test_show_hidden(self):
        a = self.one(b"LIST", ["--show-hidden"])
        self.assertIn(b" .hidden\n", a.body)
        self.assertNotIn(b" .\n", a.body)
        self.assertNotIn(b" ..\n", a.body)

    def test_symlink_leaving_root_left_out(self):
        a = self.one(b"LIST sub")
        self.assertEqual(a.keys["entries"], "1")
        self.assertTrue(a.body.endswith(b" b.bin\n"))

    def test_empty_dir(self):
        a = self.one(b"LIST emptydir")
        self.assertEqual(a.header, b"OK 0 entries=0")

    def assert_listed_sorted(self, dirname, names):
        """Make dirname holding empty files named names; LIST must give them bytewise sorted."""
        d = os.path.join(self.root.encode(), dirname)
        os.mkdir(d)
        for n in names:
            open(os.path.join(d, n), "wb").close()
        a = self.one(b"LIST " + dirname)
        self.assertTrue(a.ok, a.header)
        got = [urllib.parse.unquote_to_bytes(l.split(b" ")[3].decode())
               for l in a.body.split(b"\n")[:-1]]
        self.assertEqual(got, sorted(names))

    def test_many_entries_sorted_bytewise(self):
        # Enough names to reach every sorting path, with shared 8-byte prefixes and bytes
        # above 0x7f, which sort after ASCII when compared as unsigned.
        names = set()
        for i in range(3000):
            names.add((b"prefix-%05d" % ((i * 7919) % 3000)) if i % 3 else (b"\xe9t\xe9-%d" % i))
        self.assert_listed_sorted(b"many", names)

    def test_random_names_sorted_bytewise(self):
        # Names of every byte but NUL and '/': each starts with 0 to 12 bytes of one of a
        # few stems, so keys first differ at every byte of the sort's 8-byte key and past
        # it (ties told apart by name), and short names end inside the key.
        rnd = random.Random(6)
        alphabet = bytes(b for b in range(1, 256) if b != ord("/"))
        stems = [bytes(rnd.choice(alphabet) for _ in range(12)) for _ in range(4)]
        names = set()
        while len(names) < 4000:
            n = rnd.choice(stems)[:rnd.randint(0, 12)]
            n += bytes(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
            if not n.startswith(b"."):
                names.add(n)
        self.assert_listed_sorted(b"random", names)

    def test_shared_prefix_sorted_bytewise(self):
        # All names share a prefix longer than the sort's 8-byte key (the handler keys
        # past it); one name is the prefix itself, the rest differ anywhere after it.
        prefix = b"a-shared-prefix-longer-than-eight-"
        alphabet = b"0aZ \x7f\x80\xe9\xff"
        names = {prefix}
        for i in range(2000):
            tail, k = b"", i
            while k:
                tail, k = tail + alphabet[k % len(alphabet):][:1], k // len(alphabet)
            names.add(prefix + tail + b"0" * (i % 13))
        self.assert_listed_sorted(b"shared", names)

    def test_list_of_file_is_400(self):
        self.assertEqual(self.one(b"LIST a.txt").code, 400)


class GetTest(PipeCase):
    def test_whole(self):
        a = self.one(b"GET a.txt")
        st = os.stat(os.path.join(self.root, "a.txt"))
        self.assertEqual(a.header, b"OK 6 size=6 mtime=%d" % int(st.st_mtime))
        self.assertEqual(a.body, b"hello\n")

    def test_ranges(self):
        data = bytes(range(256)) * 4
        self.assertEqual(self.one(b"GET sub/b.bin 10").body, data[10:])
        self.assertEqual(self.one(b"GET /sub/b.bin 10 5").body, data[10:15])
        self.assertEqual(self.one(b"GET sub/b.bin 1020 100").body, data[1020:])  # clamped
        self.assertEqual(self.one(b"GET sub/b.bin 1024").header.split(b" ")[:2], [b"OK", b"0"])
        self.assertEqual(self.one(b"GET sub/b.bin 0 0").body, b"")
        self.assertEqual(self.one(b"GET sub/b.bin 1025").code, 416)

    def test_empty_file(self):
        self.assertEqual(self.one(b"GET empty").header.split(b" ")[:3], [b"OK", b"0", b"size=0"])

    def test_encoded_names(self):
        self.assertEqual(self.one(b"GET with%20space").body, b"s")
        self.assertEqual(self.one(b"GET nl%0aname").body, b"n")
        self.assertEqual(self.one(b"GET %ff%FE-latin").body, b"x")

    def test_directory_is_400(self):
        self.assertEqual(self.one(b"GET sub").code, 400)

    def test_symlink_inside_followed(self):
        self.assertEqual(self.one(b"GET link").body, b"hello\n")

    def test_fifo_refused_without_hanging(self):
        self.assertEqual(self.one(b"GET fifo").code, 403)

    def test_hidden_not_served(self):
        self.assertEqual(self.one(b"GET .hidden").code, 404)
        self.assertEqual(self.one(b"GET .hidden", ["--show-hidden"]).body, b"secret")

    def test_links_to_hidden_names_not_followed(self):
        # Hidden means hidden: a link to (or through) a dot-name leads nowhere, unless shown.
        os.mkdir(os.path.join(self.root, ".git"))
        self.write(".git/config", b"[core]")
        os.symlink(".hidden", os.path.join(self.root, "alias"))
        os.symlink(".git", os.path.join(self.root, "g"))
        os.symlink("../.git/config", os.path.join(self.root, "sub", "cfg"))
        for path in (b"alias", b"g/config", b"sub/cfg"):
            self.assertEqual(self.one(b"GET " + path).code, 404, path)
            self.assertEqual(self.one(b"STAT " + path).code, 404, path)
        self.assertEqual(self.one(b"LIST g").code, 404)
        names = [l.split(b" ")[3] for l in self.one(b"LIST").body.split(b"\n")[:-1]]
        self.assertNotIn(b"alias", names)
        self.assertNotIn(b"g", names)
        self.assertIn(b"link", names)  # a link to a visible name still is
        self.assertNotIn(b"cfg", self.one(b"LIST sub").body)
        shown = ["--show-hidden"]
        self.assertEqual(self.one(b"GET alias", shown).body, b"secret")
        self.assertEqual(self.one(b"GET g/config", shown).body, b"[core]")
        self.assertEqual(self.one(b"GET sub/cfg", shown).body, b"[core]")


class StatTest(PipeCase):
    def test_file_and_dir(self):
        st = os.stat(os.path.join(self.root, "a.txt"))
        self.assertEqual(self.one(b"STAT a.txt").header,
                         b"OK 0 type=f size=6 mtime=%d" % int(st.st_mtime))
        self.assertTrue(self.one(b"STAT /").header.startswith(b"OK 0 type=d size="))
        self.assertEqual(self.one(b"STAT nope").code, 404)


class TraversalTest(PipeCase):
    def test_refusals(self):
        rows = [
            (b"GET ..", 403), (b"GET ../etc/passwd", 403), (b"GET sub/../a.txt", 403),
            (b"GET %2e%2e/etc/passwd", 403), (b"GET %2E%2E", 403),
            (b"GET abs", 403), (b"GET sub/up/etc/passwd", 403), (b"LIST sub/up", 403),
            (b"STAT abs", 403), (b"GET dangling", 404),
            # Neither file nor directory: 403 for every verb (a socket's open() is ENXIO).
            (b"GET sock", 403), (b"LIST sock", 403), (b"STAT sock", 403),
            (b"STAT fifo", 403), (b"LIST fifo", 403),
            (b"GET loop1", 403), (b"STAT loop2", 403), (b"GET " + b"x" * 256, 404),
            (b"GET a%00", 400), (b"GET %00", 400), (b"GET a%2", 400),
        ]
        got, _ = self.run_handler(b"".join(r + b"\n" for r, _ in rows))
        self.assertEqual([a.code for a in got], [c for _, c in rows])

    def test_nothing_outside_in_any_answer(self):
        got, _ = self.run_handler(b"GET abs\nLIST sub/up\nGET sub/up/etc/passwd\n")
        self.assertEqual(len(got), 3)
        self.assertTrue(all(not a.ok and a.body == b"" for a in got))


class EdgeTest(PipeCase):
    """Edges protocol.md spells out, each as a client sees it."""

    def test_leading_zeros(self):
        self.assertEqual(self.one(b"GET a.txt 001 002").body, b"el")

    def test_last_line_without_lf_is_not_a_request(self):
        got, _ = self.run_handler(b"STAT a.txt\nGET a.txt")
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].code, 0)

    def test_encoded_slash_separates(self):
        self.assertEqual(self.one(b"GET sub%2Fb.bin").body, bytes(range(256)) * 4)

    def test_first_failing_component_decides(self):
        self.assertEqual(self.one(b"GET .x/..").code, 404)
        self.assertEqual(self.one(b"GET a/../.x").code, 403)

    def test_long_link_chain_is_a_loop(self):
        # 41 links, each to the next, the last to a.txt: more than the kernel's 40.
        for i in range(41):
            os.symlink("c%d" % (i + 1) if i < 40 else "a.txt", os.path.join(self.root, "c%d" % i))
        self.assertEqual(self.one(b"GET c1").body, b"hello\n")    # 40 links: served
        self.assertEqual(self.one(b"GET c0").code, 403)
        self.assertEqual(self.one(b"GET c0", extra=["--show-hidden"]).code, 403)

    def test_negative_mtime(self):
        os.utime(os.path.join(self.root, "a.txt"), (-100, -100))
        self.assertEqual(self.one(b"STAT a.txt").header, b"OK 0 type=f size=6 mtime=-100")
        self.assertTrue(self.one(b"GET a.txt").header.endswith(b" mtime=-100"))
        self.assertIn(b"\nf 6 -100 a.txt\n", b"\n" + self.one(b"LIST").body)

    def test_proxy_line_without_the_option(self):
        self.assertEqual(self.one(b"PROXY TCP4 192.0.2.1 198.51.100.2 1 2").code, 400)

    def test_unopenable_root_is_err_500_then_close(self):
        # A server-side fault, said as one: not a silent close the client takes for the network's.
        rc, out, err = run_pipe(handler_argv("--root", os.path.join(self.root, "nope")),
                                b"STAT /\nSTAT /\n")
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, b"ERR 500 cannot open the served root\n")
        self.assertIn(b"cannot open root", err)


class DeviceTest(PipeCase):
    @unittest.skipUnless(os.geteuid() == 0, "mknod needs root")
    def test_devices_are_403(self):
        # A device with a driver (/dev/null's numbers) and one without (major 240, local
        # use: open() fails with ENXIO or ENODEV): neither file nor directory, 403 for every
        # verb, as protocol.md says, and left out of LIST.
        os.mknod(os.path.join(self.root, "null"), 0o644 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(os.path.join(self.root, "nodrv"), 0o644 | stat.S_IFCHR, os.makedev(240, 0))
        got, _ = self.run_handler(b"GET null\nGET nodrv\nLIST nodrv\nSTAT nodrv\nLIST\n")
        self.assertEqual([a.code for a in got[:4]], [403, 403, 403, 403])
        self.assertNotIn(b"null", got[4].body)
        self.assertNotIn(b"nodrv", got[4].body)


class PermissionTest(PipeCase):
    @unittest.skipUnless(os.geteuid() == 0 and os.access("/usr/bin/setpriv", os.X_OK),
                         "running the handler as nobody needs root and setpriv(1)")
    def test_unreadable_file_is_403(self):
        # As the units run it, a user who may read only what anyone may: a file of
        # mode 0600 is 403 (the kernel's EACCES), a 0644 one is served.
        os.chmod(self.root, 0o755)
        self.write("private", b"secret\n")
        os.chmod(os.path.join(self.root, "private"), 0o600)
        rc, out, err = run_pipe(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                 "--clear-groups", HANDLER, "--root", self.root],
                                b"GET private\nGET a.txt\n")
        got = answers(out)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a.code for a in got], [403, 0], err)
        self.assertEqual(got[1].body, b"hello\n")

    @unittest.skipUnless(os.geteuid() == 0 and os.access("/usr/bin/setpriv", os.X_OK),
                         "running the handler as nobody needs root and setpriv(1)")
    def test_what_it_cannot_read_is_not_listed(self):
        # A 0600 file and a 0700 directory would only be refused: they are not listed, in
        # either dialect; a link to the private file is not listed either.
        os.chmod(self.root, 0o755)
        self.write("private", b"secret\n")
        os.chmod(os.path.join(self.root, "private"), 0o600)
        os.makedirs(os.path.join(self.root, "closed"))
        os.chmod(os.path.join(self.root, "closed"), 0o700)
        os.makedirs(os.path.join(self.root, "open"))
        os.symlink("private", os.path.join(self.root, "to-private"))
        nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  HANDLER, "--root", self.root]
        got, _ = self.run_handler(b"LIST\n")       # as root, who may read everything
        everything = [l.split(b" ")[3] for l in got[0].body.splitlines()]
        self.assertTrue({b"private", b"closed", b"to-private", b"open"} <= set(everything))
        want = [n for n in everything if n not in (b"private", b"closed", b"to-private")]
        rc, out, err = run_pipe(nobody, b"LIST\n")
        got = answers(out)
        self.assertEqual(rc, 0, err)
        self.assertEqual([l.split(b" ")[3] for l in got[0].body.splitlines()], want)
        rc, out, err = run_pipe(nobody, b"GET /?format=text HTTP/1.0\r\n\r\n")
        body = out.partition(b"\r\n\r\n")[2]
        self.assertEqual([l.split(b" ")[3] for l in body.splitlines()], want)

    @unittest.skipUnless(os.geteuid() == 0 and os.access("/usr/bin/setpriv", os.X_OK),
                         "running the handler as nobody needs root and setpriv(1)")
    def test_readable_unsearchable_directory_is_403_not_empty(self):
        # Mode r-- for the handler's user: getdents works, every fstatat is EACCES.
        # No permission is 403 (protocol.md), never "OK 0 entries=0" as if empty.
        os.chmod(self.root, 0o755)
        self.write("rdonly/inside.txt", b"x\n")
        os.chmod(os.path.join(self.root, "rdonly"), 0o744)
        rc, out, err = run_pipe(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                 "--clear-groups", HANDLER, "--root", self.root],
                                b"LIST rdonly\nLIST\n")
        got = answers(out)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a.code for a in got], [403, 0], out)
        rc, out, err = run_pipe(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                 "--clear-groups", HANDLER, "--root", self.root],
                                b"GET /rdonly/ HTTP/1.0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 403 Forbidden\r\n"), out)


class ErrorTest(PipeCase):
    def test_400_keeps_connection(self):
        got, err = self.run_handler(b"FOO\nGET\nGET  a.txt\nGET a.txt x\nGET \xc3\xa9\nGET a.txt\n")
        self.assertEqual([a.code for a in got], [400, 400, 400, 400, 400, 0])
        self.assertEqual(got[-1].body, b"hello\n")
        self.assertIn("<4>filesvc-handler: - 400 malformed request: FOO", err)

    def test_414_closes(self):
        got, _ = self.run_handler(b"GET " + b"x" * 4100 + b"\nGET a.txt\n")
        self.assertEqual([a.code for a in got], [414])

    def test_4096_bytes_accepted(self):
        line = b"GET " + b"x" * (4096 - 5) + b"\n"
        self.assertEqual(len(line), 4096)
        got, _ = self.run_handler(line + b"GET a.txt\n")
        self.assertEqual([a.code for a in got], [404, 0])

    def test_crlf_and_case(self):
        got, _ = self.run_handler(b"get a.txt\r\nStAt a.txt\r\n")
        self.assertEqual(got[0].body, b"hello\n")
        self.assertTrue(got[1].ok)

    def test_quit_closes(self):
        got, _ = self.run_handler(b"QUIT\nGET a.txt\n")
        self.assertEqual([a.header for a in got], [b"OK 0"])

    def test_pipelined_in_order(self):
        got, err = self.run_handler(b"STAT a.txt\nGET a.txt\nLIST emptydir\nGET nope\nQUIT\n")
        self.assertEqual([a.code for a in got], [0, 0, 0, 404, 0])
        self.assertEqual(got[1].body, b"hello\n")
        self.assertEqual(len(err.strip().split("\n")), 5, err)  # one log line per request

    def test_idle_timeout_408(self):
        p = subprocess.Popen(handler_argv("--root", self.root, "--timeout", "1"),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        p.stdin.write(b"GET a.txt\nGET")  # then nothing more: the deadline covers the whole line
        p.stdin.flush()
        out = p.stdout.read()  # stdin stays open: only the deadline can end this
        p.wait(timeout=20)
        err = p.stderr.read()
        p.stdin.close()
        self.assertEqual(p.returncode, 0)
        self.assertEqual([a.code for a in answers(out)], [0, 408])
        self.assertLess(time.monotonic() - t0, 15)
        self.assertIn(b"idle timeout", err)


class ServerSideErrorTest(PipeCase):
    def test_500_when_listing_exceeds_max_entries(self):
        got, err = self.run_handler(b"LIST\nLIST sub\n", ["--max-entries", "3"])
        self.assertEqual([a.code for a in got], [500, 0])  # the connection goes on
        self.assertIn("<3>filesvc-handler: - LIST / 500", err)
        self.assertIn("more than 3 entries", err)

    def test_503_when_out_of_descriptors(self):
        import resource

        def few_fds():
            resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))  # 0-2 and the root, no more
        # Without the sandbox: building a Landlock ruleset needs a descriptor too.
        p = subprocess.run(handler_argv("--root", self.root, "--no-sandbox"),
                           input=b"GET a.txt\nLIST\n",
                           capture_output=True, preexec_fn=few_fds, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertEqual([a.code for a in answers(p.stdout)], [503, 503])

    def test_link_not_judged_for_want_of_descriptors_fails_the_list(self):
        # The root, then the listed directory, take the last descriptors: the link in it
        # cannot be followed.  That says nothing of the link: 503, not a listing without it.
        import resource

        os.makedirs(os.path.join(self.root, "d"))
        self.write("d/target.txt", b"t\n")
        os.symlink("target.txt", os.path.join(self.root, "d", "link.txt"))

        def few_fds():
            resource.setrlimit(resource.RLIMIT_NOFILE, (5, 5))  # 0-2, the root, the directory
        p = subprocess.run(handler_argv("--root", self.root, "--no-sandbox"), input=b"LIST d\n",
                           capture_output=True, preexec_fn=few_fds, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertEqual([a.code for a in answers(p.stdout)], [503])


class SandboxTest(PipeCase):
    def status_while_serving(self, extra):
        p = subprocess.Popen(handler_argv("--root", self.root) + extra, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            p.stdin.write(b"STAT /\n")
            p.stdin.flush()
            self.assertTrue(p.stdout.readline().startswith(b"OK 0 type=d"))
            with open("/proc/%d/status" % p.pid) as f:
                return dict(l.split(":\t", 1) for l in f.read().splitlines() if ":\t" in l)
        finally:
            p.stdin.close()
            p.wait(10)

    def test_sandboxed_by_default(self):
        st = self.status_while_serving([])
        self.assertEqual(st["NoNewPrivs"].strip(), "1")
        self.assertEqual(st["Seccomp"].strip(), "2")  # a filter is installed

    def test_no_sandbox(self):
        st = self.status_while_serving(["--no-sandbox"])
        self.assertEqual(st["Seccomp"].strip(), "0")


class LogTest(PipeCase):
    def test_request_lines_and_priorities(self):
        env = dict(os.environ, TCPREMOTEIP="192.0.2.7", TCPREMOTEPORT="4242")
        p = subprocess.run(handler_argv("--root", self.root), input=b"GET a.txt\nGET nope\n",
                           capture_output=True, env=env, timeout=30)
        lines = p.stderr.decode().strip().split("\n")
        self.assertRegex(lines[0], r"^<6>filesvc-handler: 192\.0\.2\.7:4242 GET /a\.txt OK 6 \d+\.\d{3}s$")
        self.assertRegex(lines[1], r"^<4>filesvc-handler: 192\.0\.2\.7:4242 GET /nope 404 0 ")

    def test_remote_addr_before_tcpremoteip(self):
        # filesvc-handler(8): the first of REMOTE_ADDR, TCPREMOTEIP that is set; IPv6 bracketed.
        env = dict(os.environ, REMOTE_ADDR="2001:db8::1", REMOTE_PORT="7", TCPREMOTEIP="192.0.2.7",
                   TCPREMOTEPORT="4242")
        p = subprocess.run(handler_argv("--root", self.root), input=b"STAT /\n",
                           capture_output=True, env=env, timeout=30)
        self.assertIn("filesvc-handler: [2001:db8::1]:7 STAT / OK", p.stderr.decode())

    def test_remote_strings_escaped(self):
        env = dict(os.environ, REMOTE_ADDR="evil\nline", REMOTE_PORT="1")
        p = subprocess.run(handler_argv("--root", self.root), input=b"GET x%0Ay%1B\n",
                           capture_output=True, env=env, timeout=30)
        err = p.stderr.decode()
        self.assertEqual(err.count("\n"), 1)
        self.assertIn("evil%0Aline:1 GET /x%0Ay%1B 404", err)


class CommandLineTest(unittest.TestCase):
    def test_help_and_version(self):
        p = subprocess.run([HANDLER, "--help"], capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"Usage: filesvc-handler", p.stdout)
        p = subprocess.run([HANDLER, "--version"], capture_output=True, timeout=10)
        self.assertRegex(p.stdout, rb"^filesvc-handler \d+\.\d+\.\d+\n$")

    def test_bad_usage_exit_2(self):
        for args in (["--timeout", "0"], ["--timeout", "x"], ["--bogus"], ["extra"],
                     ["--max-entries", "0"], ["--timeout", "86401"]):
            p = subprocess.run([HANDLER] + args, capture_output=True, timeout=10)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(b"Try 'filesvc-handler --help'.", p.stderr)

    def test_missing_root_exit_1(self):
        p = subprocess.run(handler_argv("--root", "/nonexistent/x"), input=b"LIST\n",
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, b"ERR 500 cannot open the served root\n")
        self.assertIn(b"filesvc-handler: cannot open root /nonexistent/x: No such file or directory",
                      p.stderr)


if __name__ == "__main__":
    harness.main()
