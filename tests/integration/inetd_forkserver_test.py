#!/usr/bin/env python3
"""filesvc-inetd --fork-server: PROGRAM started once and asked for each
connection's process, which is filesvc-inetd's own child (CLONE_PARENT),
reaped, logged, capped by -c and drained at SIGTERM like a spawned one; the
server itself is never a connection, is replaced when it dies or wedges,
and a PROGRAM that does not speak the protocol is a start-up failure.

The fork server is the tests' own (tests/integration/forkserver_echo.c):
each connection's process writes one line with its variables, its parent
and its server, then exits with the status the client sends it."""

import os
import random
import re
import signal
import socket
import subprocess
import time
import unittest

import http_harness as hh
import inetd_harness as ih
import tls_harness as th
from inetd_harness import INETD, InetdCase, children, state, wait_until

ECHO = os.environ.get("FILESVC_FORKSERVER_ECHO", "")
LINE = re.compile(rb"^PROTO=(\S+) TCPREMOTEIP=(\S+) TCPREMOTEPORT=(\d+) TCPLOCALPORT=(\d+) "
                  rb"PPID=(\d+) PID=(\d+) SERVER=(\d+)\n$")
READY = r"^<5>filesvc-inetd: fork server %s ready: pid (\d+)$"


class Echo:
    """One connection through the fork server: its line, parsed."""

    def __init__(self, srv):
        self.conn = srv.connect()
        line = self.conn.reader.line() + b"\n"
        m = LINE.match(line)
        if m is None:
            raise AssertionError("not the echo server's line: %r" % line)
        self.proto = m.group(1).decode()
        self.ip = m.group(2).decode()
        self.port, self.local_port, self.ppid, self.pid, self.server = (
            int(x) for x in m.group(3, 4, 5, 6, 7))

    def end(self, status):
        """Have the connection's process exit with status."""
        self.conn.send(b"%d\n" % status)
        self.conn.close()


def server_pid(srv, count=1, program=ECHO):
    """The pid of the count-th fork server, once it is ready."""
    lines = srv.wait_log(READY % re.escape(program), count=count)
    return int(re.search(r"pid (\d+)$", lines[count - 1]).group(1))


def status(srv, asked):
    """Ask for the counts (SIGUSR1); the asked-th status line."""
    srv.proc.send_signal(signal.SIGUSR1)
    return srv.wait_log(r"^<5>filesvc-inetd: status: ", count=asked)[asked - 1]


def wait_started(srv, n):
    """Until SIGUSR1's counts say n started: a clone can answer its client before
    the server's reply has come back, and a server killed in between takes that
    reply with it."""
    for _ in range(100):
        asked = len(srv.matching(r"status: ")) + 1
        if re.search(r", %d started, " % n, status(srv, asked)):
            return
        time.sleep(0.05)
    raise AssertionError("never %d started; log:\n%s" % (n, srv.log()))


class ForkServer(InetdCase):
    def fork_inetd(self, status=0, opts=(), extra=(), env=None):
        srv = self.inetd([ECHO, str(status)] + list(extra), opts=["--fork-server"] + list(opts),
                         env=env)
        self.addCleanup(self.close_all)
        self.conns = []
        return srv

    def echo(self, srv):
        e = Echo(srv)
        self.conns.append(e.conn)
        return e

    def close_all(self):
        for c in self.conns:
            c.close()

    def test_connections_get_their_variables_and_are_our_children(self):
        srv = self.fork_inetd(status=0, opts=["-v"])
        server = server_pid(srv)
        self.assertEqual(children(srv.pid), [server])  # started once, before any connection
        a, b = self.echo(srv), self.echo(srv)
        for e in (a, b):
            self.assertEqual((e.proto, e.ip, e.local_port), ("TCP", "127.0.0.1", srv.port))
            self.assertEqual(e.port, e.conn.sock.getsockname()[1])
            self.assertEqual(e.ppid, srv.pid)  # a clone, but filesvc-inetd's child
            self.assertEqual(e.server, server)
            self.assertNotEqual(e.pid, server)
        self.assertEqual(sorted(children(srv.pid)), sorted([server, a.pid, b.pid]))
        a.end(5)
        b.conn.close()  # EOF: the server's STATUS argument, 0
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:%d: pid %d exited with status 5 after "
                     r"\d+ ms$" % (a.port, a.pid))
        srv.wait_log(r"^<6>filesvc-inetd: 127\.0\.0\.1:%d: pid %d exited with status 0 after "
                     % (b.port, b.pid))
        wait_until(lambda: children(srv.pid) == [server], what="both clones to be reaped")
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.matching(r"^<[0-3]>"), [])

    def test_exit_status_and_signal_of_a_clone_are_logged(self):
        srv = self.fork_inetd(status=9)
        a = self.echo(srv)
        a.conn.close()
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:%d: pid %d exited with status 9 after "
                     % (a.port, a.pid))
        b = self.echo(srv)
        os.kill(b.pid, signal.SIGABRT)
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:%d: pid %d killed by signal 6 "
                     r"\(Aborted\)" % (b.port, b.pid))
        self.assertEqual(srv.stop(), 0)

    def test_cap_counts_the_clones_not_the_server(self):
        srv = self.fork_inetd(opts=["-c", "2"])
        a, b = self.echo(srv), self.echo(srv)  # with the server counted, b would wait
        c = srv.connect()
        self.conns.append(c)
        c.sock.settimeout(0.5)  # bounded: proving that nothing comes needs some wait
        with self.assertRaises(socket.timeout):
            c.sock.recv(1)
        a.end(0)
        c.sock.settimeout(20)
        self.assertRegex(c.reader.line(), rb"^PROTO=TCP ")
        b.end(0)
        self.assertEqual(srv.stop(), 0)

    def test_status_never_counts_the_server(self):
        srv = self.fork_inetd()
        server_pid(srv)
        self.assertRegex(status(srv, 1), r"status: 0 connections \(at most 100\), 0 started, ")
        a = self.echo(srv)
        # A clone is counted when its spawner thread reports back: ask until it has.
        for asked in range(2, 52):
            if re.search(r"status: 1 connections \(at most 100\), 1 started, ",
                         status(srv, asked)):
                break
            time.sleep(0.1)
        self.assertRegex(srv.matching(r"status: ")[-1], r"status: 1 connections .*, 1 started")
        a.end(0)
        self.assertEqual(srv.stop(), 0)

    def test_sigterm_closes_the_server_and_drains_the_clones(self):
        srv = self.fork_inetd(opts=["-v", "-t", "60"])
        server = server_pid(srv)
        a = self.echo(srv)
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"^<5>filesvc-inetd: Terminated: stopped listening; 1 connections have "
                     r"60 s to finish$")
        srv.wait_log(r"^<6>filesvc-inetd: fork server pid %d exited with status 0$" % server)
        wait_until(lambda: state(server) is None, what="the fork server to be reaped")
        time.sleep(0.2)
        self.assertIsNone(srv.proc.poll())  # the clone still runs: we wait for it
        self.assertEqual(children(srv.pid), [a.pid])
        a.end(3)
        self.assertEqual(srv.proc.wait(20), 0)
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:%d: pid %d exited with status 3 "
                     % (a.port, a.pid))
        srv.wait_log(r"^<5>filesvc-inetd: stopped: 1 connections served$")

    def test_sigterm_spares_the_requests_under_way(self):
        # Each request takes the server 0.3 s: when SIGTERM comes, the first is being
        # answered and the others wait their turn, some not yet taken by a spawner
        # thread.  All were accepted: all are served.
        env = dict(os.environ, FORKSERVER_ECHO_SLOW="30")
        srv = self.fork_inetd(opts=["-t", "60"], env=env)
        conns = [srv.connect() for _ in range(3)]  # more could wait in the backlog
        self.conns += conns
        srv.wait_log(r"^forkserver_echo: request$")
        # A slot is taken at the accept: three means all three were accepted.
        self.assertRegex(status(srv, 1), r"status: 3 connections ")
        srv.proc.send_signal(signal.SIGTERM)
        for c in conns:
            self.assertRegex(c.reader.line(), rb"^PROTO=TCP ")
            c.send(b"0\n")
        self.assertEqual(srv.proc.wait(20), 0)
        self.assertEqual(srv.matching(r"cannot start"), [])
        srv.wait_log(r"stopped: 3 connections served$")

    def test_killed_server_is_logged_and_replaced(self):
        srv = self.fork_inetd()
        first = server_pid(srv)
        a = self.echo(srv)
        wait_started(srv, 1)
        os.kill(first, signal.SIGKILL)
        srv.wait_log(r"^<4>filesvc-inetd: fork server pid %d was killed by signal 9 \(Killed\); "
                     r"starting another$" % first)
        second = server_pid(srv, count=2)
        self.assertNotEqual(second, first)
        b = self.echo(srv)
        self.assertEqual((b.server, b.ppid), (second, srv.pid))
        a.end(4)  # the old server's clone ran on, and is reaped as ever
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:%d: pid %d exited with status 4 "
                     % (a.port, a.pid))
        b.end(0)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.matching(r"^<[0-3]>"), [])

    def test_restarts_are_at_most_one_a_second(self):
        srv = self.fork_inetd()
        pids = [server_pid(srv)]
        start = time.monotonic()
        for n in range(2, 5):
            os.kill(pids[-1], signal.SIGKILL)
            pids.append(server_pid(srv, count=n))
        self.assertGreaterEqual(time.monotonic() - start, 2.0)  # three restarts
        self.echo(srv).end(0)
        self.assertEqual(srv.stop(), 0)

    def hold_env(self):
        """An environment telling new echo servers to look at a file before greeting."""
        self.hold = os.path.join(self.root, "hold")
        return dict(os.environ, FORKSERVER_ECHO_HOLD=self.hold)

    def test_slow_restart_blocks_nothing(self):
        srv = self.fork_inetd(opts=["-v"], env=self.hold_env())
        first = server_pid(srv)
        a = self.echo(srv)
        wait_started(srv, 1)
        with open(self.hold, "w") as f:
            f.write("4000\n")  # the next server greets after 4 s
        os.kill(first, signal.SIGKILL)
        srv.wait_log(r"fork server pid %d was killed by signal 9" % first)
        killed = time.monotonic()
        time.sleep(1.2)  # the new one is started within a second: now it is starting
        # Meanwhile the loop answers signals and reaps at once...
        asked = time.monotonic()
        self.assertRegex(status(srv, len(srv.matching(r"status: ")) + 1),
                         r"status: 1 connections ")
        a.end(6)
        srv.wait_log(r"pid %d exited with status 6 " % a.pid)
        self.assertLess(time.monotonic() - asked, 1.0)
        self.assertEqual(len(srv.matching(READY % re.escape(ECHO))), 1)  # not ready yet
        # ...while a new client waits in the backlog (not refused) for the new server.
        b = self.echo(srv)
        self.assertGreaterEqual(time.monotonic() - killed, 3.5)
        self.assertEqual(b.server, server_pid(srv, count=2))
        b.end(0)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.matching(r"^<[0-3]>"), [])

    def test_failed_restart_is_logged_and_tried_again(self):
        srv = self.fork_inetd(env=self.hold_env())
        first = server_pid(srv)
        with open(self.hold, "w") as f:
            f.write("exit\n")
        os.kill(first, signal.SIGKILL)
        srv.wait_log(r"^<3>filesvc-inetd: fork server %s did not start: it exited with status "
                     r"1; trying again in 1 s$" % re.escape(ECHO), count=2)
        self.assertIsNone(srv.proc.poll())  # a failed restart is not fatal
        os.unlink(self.hold)
        second = server_pid(srv, count=2)
        self.assertEqual(self.echo(srv).server, second)
        self.assertEqual(srv.stop(), 0)

    def test_wedged_server_is_killed_and_replaced(self):
        # It answers one request, then reads no more: the next waits for its reply
        # for 5 s, then the server counts as broken.
        srv = self.fork_inetd(extra=["1"])
        first = server_pid(srv)
        self.echo(srv).end(0)
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"")  # closed, nothing said
        srv.wait_log(r"^<3>filesvc-inetd: 127\.0\.0\.1:\d+: cannot start %s: Connection timed "
                     r"out$" % re.escape(ECHO))
        srv.wait_log(r"^<4>filesvc-inetd: fork server pid %d was killed by signal 9 \(Killed\); "
                     r"starting another$" % first)
        second = server_pid(srv, count=2)
        self.assertEqual(self.echo(srv).server, second)
        self.assertEqual(srv.stop(), 0)


    def test_clone_that_is_not_our_child_breaks_the_server(self):
        # A server that forgets CLONE_PARENT: the pid it names is not ours to reap or
        # signal, so it is not recorded, and that server is replaced.
        env = dict(os.environ, FORKSERVER_ECHO_OWN_CHILD="1")
        srv = self.fork_inetd(env=env)
        first = server_pid(srv)
        c = srv.connect()
        self.conns.append(c)
        srv.wait_log(r"^<3>filesvc-inetd: 127\.0\.0\.1:\d+: cannot start %s: No child "
                     r"processes$" % re.escape(ECHO))
        srv.wait_log(r"^<4>filesvc-inetd: fork server pid %d was killed by signal 9 \(Killed\); "
                     r"starting another$" % first)
        self.assertNotEqual(server_pid(srv, count=2), first)
        self.assertRegex(status(srv, 1), r"status: 0 connections .*, 1 failed to start$")
        c.close()  # its orphan clone exits at EOF, reaped by whoever adopted it
        self.assertEqual(srv.stop(), 0)


class NotAForkServer(InetdCase):
    def start(self, program, opts=()):
        args = [INETD] + ih.ALLOW_ROOT + ["-l", "127.0.0.1:0", "--fork-server"] + list(opts)
        p = subprocess.run(args + ["--"] + program, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=60)
        err = p.stderr.decode()
        self.assertNotRegex(err, r"Sanitizer|runtime error:")
        return p.returncode, err

    def test_exits_at_once(self):
        for prog, why in ((["/bin/true"], "exited with status 0"),
                          (["/bin/false"], "exited with status 1"),
                          (["/bin/sh", "-c", "kill -TERM $$"], "was killed by signal 15 "
                           r"\(Terminated\)")):
            rc, err = self.start(prog)
            self.assertEqual(rc, 1, err)
            self.assertRegex(err, r"(?m)^<3>filesvc-inetd: fork server %s did not start: it %s$"
                             % (re.escape(prog[0]), why))
            self.assertNotRegex(err, r"running .* for at most")

    def test_wrong_greeting(self):
        arg = unique_seconds()
        prog = ["/bin/sh", "-c", "echo hello >&3; exec sleep " + arg]
        start = time.monotonic()
        rc, err = self.start(prog)
        self.assertEqual(rc, 1, err)
        self.assertLess(time.monotonic() - start, 8)  # at the first datagram, not the deadline
        self.assertRegex(err, r"(?m)^<3>filesvc-inetd: fork server /bin/sh did not start: it "
                         r"does not speak the fork-server protocol")
        self.assertEqual(sleepers(arg), [])  # killed, not left behind

    def test_silence_until_the_deadline(self):
        arg = unique_seconds()
        start = time.monotonic()
        rc, err = self.start(["sleep", arg])
        self.assertEqual(rc, 1, err)
        self.assertGreaterEqual(time.monotonic() - start, 9.5)
        self.assertRegex(err, r"(?m)^<3>filesvc-inetd: fork server sleep did not start: it does "
                         r"not speak the fork-server protocol \(no \"filesvc-fork-server 1\" "
                         r"within 10 s\)$")
        self.assertEqual(sleepers(arg), [])

    def test_not_with_handler_seccomp(self):
        rc, err = self.start([ECHO, "0"], opts=["--handler-seccomp"])
        self.assertEqual(rc, 2, err)
        self.assertRegex(err, r"--handler-seccomp and --fork-server do not go together")
        self.assertIn("Try 'filesvc-inetd --help'.", err)

    def test_inherited_variable_never_reaches_a_spawned_child(self):
        # Set for us by someone else, it would make a spawned filesvc-tlsd look for a
        # fork-server socket on fd 3; without --fork-server nobody gets it.
        env = dict(os.environ, FILESVC_FORK_SERVER="3")
        srv = self.inetd(["/bin/sh", "-c", 'echo "[$FILESVC_FORK_SERVER]"'], env=env)
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"[]\n")
        self.assertEqual(srv.stop(), 0)

    def test_help_names_the_option(self):
        out = subprocess.run([INETD, "--help"], capture_output=True, check=True).stdout.decode()
        self.assertIn("--fork-server", out)


class WithTlsd(InetdCase):
    def test_tlsd_serves_through_filesvc_inetd(self):
        th.need_tlsd(self)
        hh.need(self, "openssl", "curl")
        pki = th.Pki(self)
        srv = self.inetd([th.TLSD, "--cert", pki.cert, "--key", pki.key, "--"]
                         + th.handler(self.root), opts=["--fork-server", "-v"])
        server = server_pid(srv, program=th.TLSD)
        for _ in range(3):
            p = subprocess.run(["curl", "-sS", "--cacert", pki.ca, "--resolve",
                                "localhost:%d:127.0.0.1" % srv.port,
                                "https://localhost:%d/hello.txt" % srv.port],
                               capture_output=True, timeout=30)
            self.assertEqual((p.returncode, p.stdout), (0, b"hello, world\n"), p.stderr)
        # Three clones of the one server, each our child, reaped with status 0.
        lines = srv.wait_log(r"^<6>filesvc-inetd: 127\.0\.0\.1:\d+: pid \d+ exited with status 0 ",
                             count=3)
        pids = {int(re.search(r"pid (\d+)", l).group(1)) for l in lines}
        self.assertEqual(len(pids), 3)
        self.assertNotIn(server, pids)
        wait_until(lambda: children(srv.pid) == [server], what="the clones to be reaped")
        # The variables reached the handler: it logs the client TCPREMOTEIP names.
        self.assertEqual(len(srv.matching(r"127\.0\.0\.1:\d+ GET /hello\.txt 200")), 3,
                         srv.log())
        self.assertEqual(srv.stop(), 0)
        srv.wait_log(r"^<6>filesvc-inetd: fork server pid %d exited with status 0$" % server)
        self.assertEqual(srv.matching(r"^<[0-4]>"), [])


def unique_seconds():
    """A `sleep` argument no other run of this test on the machine uses at once (CI and
    a developer's run side by side): sleepers() looks at every process."""
    return "31.%d" % (os.getpid() * 1000 + random.randrange(1000))


def sleepers(arg):
    """PIDs of `sleep ARG` processes: a fork server that should have been killed."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if f.read() == b"sleep\0" + arg.encode() + b"\0":
                        found.append(int(d))
            except OSError:
                continue
    return found


if __name__ == "__main__":
    if not ECHO:
        raise SystemExit("FILESVC_FORKSERVER_ECHO is not set (run through meson test)")
    ih.main()
