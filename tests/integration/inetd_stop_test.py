#!/usr/bin/env python3
"""filesvc-inetd stopping and surviving: SIGTERM lets a transfer finish within
the grace time, then SIGTERM/SIGKILL; handlers that crash, fail or cannot
start are logged and reaped, and serving goes on; SIGUSR1 logs the counts,
SIGUSR2 and SIGHUP change nothing."""

import hashlib
import os
import re
import resource
import shutil
import signal
import socket
import stat
import time
import unittest

import inetd_harness as ih
from inetd_harness import InetdCase, children

BIG = 24 << 20  # more than loopback's socket buffers hold: the handler blocks mid-transfer


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class OtherSignals(InetdCase):
    def test_sigusr1_logs_the_counts_sigusr2_and_sighup_do_nothing(self):
        srv = self.inetd()
        c = srv.connect()
        self.addCleanup(c.close)
        self.check_served(c)  # its handler waits for the next request: one live connection
        # A spawn is counted when its thread reports back, which can come after the
        # handler has answered (the thread may not have run since posix_spawn
        # returned): ask until it has.
        want = (r"^<5>filesvc-inetd: status: 1 connections \(at most 100\), 1 started, "
                r"0 over the per-source cap, 0 failed to start$")
        for asked in range(1, 51):
            srv.proc.send_signal(signal.SIGUSR1)
            srv.wait_log(r"^<5>filesvc-inetd: status: ", count=asked)
            if srv.matching(want):
                break
            time.sleep(0.1)
        self.assertTrue(srv.matching(want), srv.log())
        srv.proc.send_signal(signal.SIGUSR2)
        srv.proc.send_signal(signal.SIGHUP)
        srv.proc.send_signal(signal.SIGUSR1)  # read after the other two, or we died of them
        srv.wait_log(r"^<5>filesvc-inetd: status: ", count=asked + 1)
        self.assertIsNone(srv.proc.poll())
        self.check_served(c)
        with srv.connect() as d:
            self.check_served(d)
        self.assertEqual(srv.stop(), 0)


class Stop(InetdCase):
    def big_transfer(self, srv):
        data = os.urandom(1 << 20) * (BIG >> 20)
        self.write("big.bin", data)
        c = srv.connect()
        self.addCleanup(c.close)
        c.send(b"GET big.bin\n")
        hdr = c.reader.line()
        self.assertTrue(hdr.startswith(b"OK %d " % BIG), hdr)
        first = c.reader.exactly(1 << 20)  # under way, and far from done
        return c, data, first

    def refused(self, port):
        with socket.socket() as s:
            s.settimeout(5)
            return s.connect_ex(("127.0.0.1", port)) != 0

    def test_sigterm_lets_the_transfer_finish(self):
        srv = self.inetd(opts=["-t", "60"])
        c, data, first = self.big_transfer(srv)
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"^<5>filesvc-inetd: Terminated: stopped listening; 1 connections have "
                     r"60 s to finish$")
        self.assertTrue(self.refused(srv.port), "still accepting after SIGTERM")
        rest = c.reader.exactly(BIG - len(first))
        self.assertEqual(hashlib.sha256(first + rest).digest(), hashlib.sha256(data).digest())
        c.close()  # the handler sees EOF and exits; so does the supervisor
        self.assertEqual(srv.proc.wait(30), 0)
        self.assertEqual(srv.matching(r"sending SIG"), [])  # well within the grace time

    def test_interrupt_from_a_terminal_spares_the_handlers(self):
        # ^C signals the terminal's whole process group; handlers sit in their own.
        srv = self.inetd(opts=["-t", "60"], start_new_session=True)
        c, data, first = self.big_transfer(srv)
        os.killpg(srv.pid, signal.SIGINT)
        srv.wait_log(r"Interrupt: stopped listening")
        rest = c.reader.exactly(BIG - len(first))
        self.assertEqual(hashlib.sha256(first + rest).digest(), hashlib.sha256(data).digest())
        c.close()
        self.assertEqual(srv.proc.wait(30), 0)

    def test_grace_time_over_then_sigterm(self):
        srv = self.inetd(opts=["-t", "1"])
        c = srv.connect()  # idle: the handler waits for a request (its timeout is 30 s)
        self.addCleanup(c.close)
        self.check_served(c)
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"sending SIGTERM to 1 connections")
        self.assertEqual(c.reader.rest(), b"")
        self.assertEqual(srv.proc.wait(30), 0)
        self.assertEqual(srv.matching(r"^<[0-4]>"), [])  # our own SIGTERM is no news

    def test_sigkill_for_a_child_that_ignores_sigterm(self):
        prog = ["/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 60"]
        srv = self.inetd(prog, opts=["-t", "0", "-v"])
        c = srv.connect()
        self.addCleanup(c.close)
        self.assertEqual(c.reader.line(), b"ready")
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"sending SIGKILL to 1 connections", timeout=30)
        self.assertEqual(srv.proc.wait(30), 0)
        self.assertGreaterEqual(time.monotonic() - t0, 4.0)  # SIGTERM's 5 s came first
        srv.wait_log(r"pid \d+ killed by signal 9 \(Killed\)")

    def test_transfer_cut_at_the_end_of_the_grace_time_is_logged(self):
        # The client stops reading mid-download, so the handler is still sending at the end.
        srv = self.inetd(opts=["-t", "1"])
        c, data, first = self.big_transfer(srv)
        [pid] = children(srv.pid)
        port = c.sock.getsockname()[1]
        srv.proc.send_signal(signal.SIGTERM)
        [line] = srv.wait_log(r"still running after")
        m = re.match(r"^<5>filesvc-inetd: 127\.0\.0\.1:(\d+): pid (\d+) still running after "
                     r"(\d+) ms: sending SIGTERM$", line)
        self.assertIsNotNone(m, line)
        self.assertEqual((int(m.group(1)), int(m.group(2))), (port, pid))
        self.assertGreaterEqual(int(m.group(3)), 1000)  # it ran through the whole grace time
        self.assertEqual(srv.proc.wait(30), 0)
        self.assertEqual(len(srv.matching(r"still running after")), 1)  # one line per handler

    def test_sigkill_is_logged_per_handler_too(self):
        prog = ["/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 60"]
        srv = self.inetd(prog, opts=["-t", "0"])
        conns = [srv.connect() for _ in range(2)]
        for c in conns:
            self.addCleanup(c.close)
            self.assertEqual(c.reader.line(), b"ready")
        pids = sorted(children(srv.pid))
        srv.proc.send_signal(signal.SIGTERM)
        self.assertEqual(srv.proc.wait(30), 0)
        for sig in ("SIGTERM", "SIGKILL"):
            lines = srv.matching(r"still running after \d+ ms: sending %s$" % sig)
            logged = sorted(int(re.search(r"pid (\d+)", l).group(1)) for l in lines)
            self.assertEqual(logged, pids, srv.log())

    def test_second_sigterm_stops_waiting(self):
        srv = self.inetd(opts=["-t", "3600"])
        c = srv.connect()
        self.addCleanup(c.close)
        self.check_served(c)
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"stopped listening")
        srv.proc.send_signal(signal.SIGTERM)
        srv.wait_log(r"Terminated again: not waiting any longer")
        self.assertEqual(c.reader.rest(), b"")
        self.assertEqual(srv.proc.wait(30), 0)

    def test_idle_supervisor_stops_at_once(self):
        srv = self.inetd()
        srv.proc.send_signal(signal.SIGINT)
        self.assertEqual(srv.proc.wait(10), 0)
        srv.wait_log(r"stopped: 0 connections served")


class BadHandlers(InetdCase):
    def test_crash_and_failure_are_logged_and_reaped(self):
        # One program, told by the client what to do: crash, fail, or succeed.
        prog = ["/bin/sh", "-c", 'read what; echo "$what"; case $what in '
                'crash) kill -SEGV $$;; fail) exit 1;; esac']
        srv = self.inetd(prog, preexec_fn=no_core)
        for what in (b"crash", b"fail", b"crash", b"ok"):
            with srv.connect() as c:
                c.send(what + b"\n")
                self.assertEqual(c.reader.rest(), what + b"\n")
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:\d+: pid \d+ killed by signal 11 "
                     r"\(Segmentation fault\) after \d+ ms$", count=2)
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:\d+: pid \d+ exited with status 1 after")
        srv.wait_idle()  # every one reaped: no zombie
        self.assertEqual(len(srv.matching(r"^<[0-4]>")), 3)  # the good one logs nothing
        self.assertEqual(srv.stop(), 0)

    def test_program_that_cannot_start(self):
        prog = os.path.join(self.root, "prog")
        with open(prog, "w") as f:
            f.write("#!/bin/sh\necho started\n")
        os.chmod(prog, 0o755)
        srv = self.inetd([prog])
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"started\n")
        os.chmod(prog, 0o644)  # the admin broke it while we run
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"")  # closed, nothing said
        srv.wait_log(r"^<3>filesvc-inetd: 127\.0\.0\.1:\d+: cannot start %s: Permission denied$"
                     % prog)
        os.chmod(prog, 0o755)
        with srv.connect() as c:  # and it goes on once fixed
            self.assertEqual(c.reader.rest(), b"started\n")
        self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    ih.main()
