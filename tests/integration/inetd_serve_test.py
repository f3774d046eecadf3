#!/usr/bin/env python3
"""filesvc-inetd end to end: the real handler over 127.0.0.1 and ::1, several
listeners, what a child inherits, and the command line."""

import os
import re
import shutil
import signal
import socket
import subprocess
import unittest

import inetd_harness as ih
from harness import HANDLER, INETD, free_port, handler_argv
from inetd_harness import InetdCase

IPV6 = ih.have_ipv6()


def run(args, timeout=20, **kw):
    return subprocess.run([INETD] + ih.ALLOW_ROOT + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kw)


class EndToEnd(InetdCase):
    def test_ipv4(self):
        srv = self.inetd()
        with srv.connect() as c:
            self.check_served(c)
            a = c.request(b"LIST sub")
            self.assertEqual(a.keys["entries"], "1")
            a = c.request(b"GET sub/b.bin 4000")
            self.assertEqual(a.body, (bytes(range(256)) * 16)[4000:])
            self.assertEqual(c.request(b"QUIT").header, b"OK 0")
            self.assertEqual(c.reader.rest(), b"")
        srv.wait_idle()
        self.assertEqual(srv.stop(), 0)

    @unittest.skipUnless(IPV6, "no IPv6 on loopback")
    def test_ipv6(self):
        srv = self.inetd(listen=["[::1]:0"])
        self.assertEqual(srv.addrs[0][0], "::1")
        with srv.connect() as c:
            self.check_served(c)
        self.assertEqual(srv.stop(), 0)

    @unittest.skipUnless(IPV6, "no IPv6 on loopback")
    def test_start_up_line_names_what_it_serves(self):
        srv = self.inetd()
        line = srv.wait_log(r"running .* for at most")[0]
        self.assertIn("running %s for at most 100 connections"
                      % " ".join(handler_argv("--root", self.root)), line)
        self.assertEqual(srv.stop(), 0)

    def test_several_listeners_at_once(self):
        port = free_port()
        srv = self.inetd(listen=["127.0.0.1:%d" % port, "[::1]:%d" % port, "127.0.0.2:0"])
        self.assertEqual([h for h, _ in srv.addrs], ["127.0.0.1", "::1", "127.0.0.2"])
        conns = [srv.connect(h, p) for h, p in srv.addrs]
        try:
            for c in conns:  # all three open at once, each served
                self.check_served(c)
        finally:
            for c in conns:
                c.close()
        self.assertEqual(srv.stop(), 0)

    @unittest.skipUnless(IPV6, "no IPv6 on loopback")
    def test_wildcard_binds_both_families(self):
        port = free_port()
        srv = self.inetd(listen=["*:%d" % port])
        self.assertEqual(sorted(h for h, _ in srv.addrs), ["0.0.0.0", "::"])
        for host in ("127.0.0.1", "::1"):
            with srv.connect(host, port) as c:
                self.check_served(c)

    def test_host_name(self):
        srv = self.inetd(listen=["localhost:0"])
        self.assertIn(srv.addrs[0][0], ("127.0.0.1", "::1"))
        with srv.connect() as c:
            self.check_served(c)

    def test_verbose_one_line_per_connection(self):
        srv = self.inetd(opts=["-v"])
        for _ in range(3):
            with srv.connect() as c:
                self.check_served(c)
                port = c.sock.getsockname()[1]
            srv.wait_log(r"127\.0\.0\.1:%d: pid \d+ exited with status 0 after \d+ ms" % port)
        self.assertEqual(len(srv.matching(r": pid \d+ exited")), 3)

    def test_default_logs_no_line_per_good_connection(self):
        srv = self.inetd()
        with srv.connect() as c:
            self.check_served(c)
        srv.wait_idle()
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.matching(r"pid \d+ exited"), [])
        self.assertTrue(srv.matching(r"^<5>filesvc-inetd: stopped: 1 connections served"))

    def test_quiet_logs_only_problems(self):
        srv = self.inetd(["/bin/sh", "-c", "exit 3"], opts=["-q"], wait_ready=False)
        ih.wait_until(lambda: ih.listening_ports(srv.pid), 20, "filesvc-inetd -q to listen")
        port = ih.listening_ports(srv.pid)[0]
        with srv.connect("127.0.0.1", port) as c:
            self.assertEqual(c.reader.rest(), b"")
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:\d+: pid \d+ exited with status 3")
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.matching(r"^<5>"), [])  # no notices: not listening, not stopping


class ChildStartsClean(InetdCase):
    """What PROGRAM gets: environment, descriptors, signal state."""

    def output(self, program, env=None, host=None):
        srv = self.inetd(program, env=env, listen=["[::1]:0"] if host == "::1" else
                         ["127.0.0.1:0"])
        with srv.connect() as c:
            out = c.reader.rest()
            return out.decode(), c.sock.getsockname(), srv

    def env_of(self, host):
        env = dict(os.environ, FILESVC_PARENT="kept", LISTEN_FDS="1", LISTEN_PID="1",
                   LISTEN_FDNAMES="x", NOTIFY_SOCKET="/nonexistent", TCPREMOTEIP="stale",
                   REMOTE_ADDR="stale", PROTO="UDP")
        out, me, srv = self.output(["/usr/bin/env"], env=env, host=host)
        got = dict(line.split("=", 1) for line in out.splitlines())
        local = srv.addrs[0]
        self.assertEqual(got["PROTO"], "TCP")
        self.assertEqual(got["TCPREMOTEIP"], host)
        self.assertEqual(got["TCPREMOTEPORT"], str(me[1]))
        self.assertEqual(got["TCPLOCALIP"], local[0])
        self.assertEqual(got["TCPLOCALPORT"], str(local[1]))
        self.assertEqual(got["REMOTE_ADDR"], host)
        self.assertEqual(got["REMOTE_PORT"], str(me[1]))
        self.assertEqual(got["FILESVC_PARENT"], "kept")
        for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET"):
            self.assertNotIn(name, got)
        names = [line.split("=", 1)[0] for line in out.splitlines()]
        self.assertEqual(len(names), len(set(names)), "a variable appears twice")

    def test_environment_ipv4(self):
        self.env_of("127.0.0.1")

    @unittest.skipUnless(IPV6, "no IPv6 on loopback")
    def test_environment_ipv6(self):
        self.env_of("::1")

    @unittest.skipUnless(IPV6, "no IPv6 on loopback")
    def test_wildcard_local_address_per_connection(self):
        port = free_port()
        srv = self.inetd(["/usr/bin/env"], listen=["*:%d" % port])
        for host in ("127.0.0.1", "::1"):
            with srv.connect(host, port) as c:
                got = dict(l.split("=", 1) for l in c.reader.rest().decode().splitlines())
            self.assertEqual(got["TCPLOCALIP"], host)
            self.assertEqual(got["TCPREMOTEIP"], host)

    def test_only_the_connection_and_stderr(self):
        # ls opens the directory itself: one more fd, which it names.
        out, _, _ = self.output(["/bin/ls", "-l", "/proc/self/fd/"])
        fds = {}
        for line in out.splitlines()[1:]:
            m = re.search(r" (\d+) -> (.*)$", line)
            fds[int(m.group(1))] = m.group(2)
        self.assertTrue(fds[0].startswith("socket:"), fds)
        self.assertEqual(fds[0], fds[1])
        self.assertIn(2, fds)
        extra = {k: v for k, v in fds.items() if k > 2 and not v.startswith("/proc/")}
        self.assertEqual(extra, {}, "descriptors leaked into the child")

    def test_signal_state(self):
        # Started as nohup would start it: SIGHUP and SIGUSR1 ignored, for the child too;
        # and a real-time signal, past the 31 a shell knows by name.
        def ignore():
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            signal.signal(signal.SIGUSR1, signal.SIG_IGN)
            signal.signal(signal.SIGRTMIN + 2, signal.SIG_IGN)
        srv = self.inetd(["/bin/cat", "/proc/self/status"], preexec_fn=ignore)
        with srv.connect() as c:
            out = c.reader.rest().decode()
        st = dict(l.split(":", 1) for l in out.splitlines())
        self.assertEqual(int(st["SigBlk"], 16), 0)  # not our blocked CHLD/TERM/INT/HUP
        # Every signal at its default: not our SIGPIPE, not what we inherited.
        # (glibc's own 32 and 33 may arrive ignored from outside; nobody can reset those.)
        self.assertEqual(int(st["SigIgn"], 16) & ~(0x3 << 31), 0)
        pgrp = int(open("/proc/%d/stat" % srv.pid).read().rpartition(")")[2].split()[2])
        self.assertEqual(pgrp, os.getpgrp())

    def test_program_found_in_path_once(self):
        env = dict(os.environ, PATH="/nonexistent:/bin:/usr/bin")
        srv = self.inetd(["echo", "hi"], env=env)
        self.assertTrue(srv.matching(r"running /(usr/)?bin/echo hi for"), srv.log())
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"hi\n")


class CommandLine(unittest.TestCase):
    def test_help(self):
        p = run(["--help"])
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stderr, b"")
        out = p.stdout.decode()
        self.assertTrue(out.startswith("Usage: filesvc-inetd "))
        for opt in ("--listen", "--max-connections", "--max-per-source", "--backlog",
                    "--grace", "--reuseport", "--quiet", "--verbose", "TCPREMOTEIP",
                    "REMOTE_ADDR", "Exit status"):
            self.assertIn(opt, out)
        for line in out.splitlines():
            self.assertLessEqual(len(line), 100)
        p = run(["-V"])
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.decode(), r"^filesvc-inetd \d+\.\d+")

    def test_usage_errors(self):
        cases = [
            ([], "no PROGRAM"),
            (["-l", "127.0.0.1:0"], "no PROGRAM"),
            (["-l", "::1:70", "true"], "invalid listen address '::1:70'"),
            (["-l", "127.0.0.1:65536", "true"], "invalid port in '127.0.0.1:65536'"),
            (["-l", "127.0.0.1", "true"], "invalid listen address"),
            (["-l", "127.0.0.1:0", "-c", "0", "true"], "invalid connection limit '0'"),
            (["-l", "127.0.0.1:0", "-c", "65537", "true"], "invalid connection limit"),
            (["-l", "127.0.0.1:0", "-C", "x", "true"], "invalid per-source limit 'x'"),
            (["-l", "127.0.0.1:0", "-b", "0", "true"], "invalid backlog '0'"),
            (["-l", "127.0.0.1:0", "-t", "86401", "true"], "invalid grace time '86401'"),
            (["-l", "127.0.0.1:0", "--bogus", "true"], "unrecognized option"),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                p = run(args)
                self.assertEqual(p.returncode, 2)
                err = p.stderr.decode()
                self.assertIn(msg, err)
                self.assertTrue(err.endswith("Try 'filesvc-inetd --help'.\n"), err)
                self.assertEqual(p.stdout, b"")

    def test_program_options_are_its_own(self):
        # Without '--' the handler's --root still belongs to the handler.
        srv = ih.Inetd(handler_argv("--root", "/"), opts=["-c", "5"])
        try:
            with srv.connect() as c:
                self.assertTrue(c.request(b"STAT etc").ok)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_no_listener_is_a_failure(self):
        p = run(["true"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no listening sockets", p.stderr.decode())

    def test_missing_program(self):
        p = run(["-l", "127.0.0.1:0", "/nonexistent/prog"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot run /nonexistent/prog: No such file or directory",
                      p.stderr.decode())
        p = run(["-l", "127.0.0.1:0", "no-such-program-here"])
        self.assertEqual(p.returncode, 1)

    def test_port_in_use_and_reuseport(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            p = run(["-l", "127.0.0.1:%d" % port, "true"])
            self.assertEqual(p.returncode, 1)
            self.assertIn("cannot bind 127.0.0.1:%d: Address already in use" % port,
                          p.stderr.decode())
        port = free_port()
        a = ih.Inetd(["/bin/echo", "a"], listen=["127.0.0.1:%d" % port], opts=["--reuseport"])
        b = ih.Inetd(["/bin/echo", "b"], listen=["127.0.0.1:%d" % port], opts=["--reuseport"])
        try:
            seen = set()
            for _ in range(200):  # the kernel spreads connections over both
                with a.connect() as c:
                    seen.add(c.reader.rest())
                if len(seen) == 2:
                    break
            self.assertEqual(seen, {b"a\n", b"b\n"})
        finally:
            self.assertEqual(a.stop(), 0)
            self.assertEqual(b.stop(), 0)

    @unittest.skipUnless(shutil.which("ss"), "no ss(8) to read the backlog")
    def test_backlog(self):
        srv = ih.Inetd(["/bin/true"], opts=["-b", "7"])
        try:
            out = subprocess.run(["ss", "-Hltn", "sport = :%d" % srv.port],
                                 stdout=subprocess.PIPE, check=True).stdout.decode()
            self.assertEqual(out.split()[2], "7", out)  # Send-Q of a listener: its backlog
        finally:
            srv.stop()


if __name__ == "__main__":
    ih.main()
