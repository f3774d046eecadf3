#!/usr/bin/env python3
"""filesvc-inetd's limits: -c leaves clients waiting in the backlog, -C closes
the one over the per-source cap, EMFILE pauses accepting and recovers."""

import resource
import socket
import time
import unittest

import inetd_harness as ih
from inetd_harness import InetdCase, children, cpu_ticks, fds, wait_until


class ConnectionCap(InetdCase):
    def test_third_client_waits_then_is_served(self):
        srv = self.inetd(opts=["-c", "2"])
        a, b = srv.connect(), srv.connect()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        self.check_served(a)
        self.check_served(b)
        c = srv.connect()  # the kernel completes the handshake: it waits in the backlog
        self.addCleanup(c.close)
        c.send(b"GET hello.txt\n")
        c.sock.settimeout(0.5)  # bounded: proving that nothing comes needs some wait
        with self.assertRaises(socket.timeout):
            c.sock.recv(1)
        self.assertEqual(len(children(srv.pid)), 2)
        a.close()  # its handler sees EOF and exits; the supervisor accepts the next
        c.sock.settimeout(20)
        ans = c.reader.answer()
        self.assertTrue(ans.ok, ans.header)
        self.assertEqual(ans.body, b"hello, world\n")
        self.check_served(b)
        self.assertEqual(srv.matching(r"^<[0-4]>"), [])  # waiting is no problem to log


class PerSourceCap(InetdCase):
    def test_over_the_cap_is_closed_others_served(self):
        srv = self.inetd(opts=["-C", "1"])
        a = srv.connect()
        self.addCleanup(a.close)
        self.check_served(a)
        with srv.connect() as b:  # the same address: closed at once, nothing said
            port = b.sock.getsockname()[1]
            self.assertEqual(b.reader.rest(), b"")
        srv.wait_log(r"^<4>filesvc-inetd: 127\.0\.0\.1:%d: over 1 connections from one "
                     r"source: closed$" % port)
        with srv.connect(source="127.0.0.2") as c:  # another address is its own source
            self.check_served(c)
        self.check_served(a)  # the first is untouched
        a.close()
        wait_until(lambda: children(srv.pid) == [], what="the first handler to exit")
        with srv.connect() as d:  # its slot is free again
            self.check_served(d)
        self.assertEqual(len(srv.matching(r"over 1 connections")), 1)


class OutOfDescriptors(InetdCase):
    def test_emfile_pauses_then_recovers(self):
        limit = 16  # a small ulimit -n: the supervisor holds O(1) fds, so it serves
        srv = self.inetd(opts=["-v"], preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_NOFILE, (limit, limit)))
        burst = [srv.connect() for _ in range(30)]
        for c in burst:
            self.check_served(c)
            c.close()
        srv.wait_idle()
        before = fds(srv.pid)

        # Now no fd is free at all: every accept4() fails with EMFILE.
        resource.prlimit(srv.pid, resource.RLIMIT_NOFILE, (3, limit))
        burst = [srv.connect() for _ in range(20)]  # they wait in the backlog
        for c in burst:
            self.addCleanup(c.close)
            c.send(b"GET hello.txt\n")
        srv.wait_log(r"^<3>filesvc-inetd: cannot accept; pausing accepts for 100 ms: "
                     r"Too many open files$")
        # Paused, not spinning: a few retries cost next to no CPU, and log nothing more.
        ticks = cpu_ticks(srv.pid)
        time.sleep(0.5)
        self.assertLess(cpu_ticks(srv.pid) - ticks, 20)
        self.assertEqual(len(srv.matching(r"cannot accept")), 1)
        self.assertEqual(children(srv.pid), [])

        resource.prlimit(srv.pid, resource.RLIMIT_NOFILE, (limit, limit))
        for c in burst:
            ans = c.reader.answer()
            self.assertEqual(ans.body, b"hello, world\n")
            c.close()
        srv.wait_idle()
        self.assertEqual(fds(srv.pid), before)
        self.assertEqual(len(srv.matching(r"cannot accept")), 1)  # one line per 10 s
        self.assertEqual(srv.stop(), 0)

    def test_pause_lines_are_rate_limited(self):
        # Descriptors for about one connection: each child's exit frees the fd the
        # next accept takes, and the accept after that fails.  Pausing again and
        # again in a short while is one problem, logged once, not once per connection.
        limit = 12
        srv = self.inetd(preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_NOFILE, (limit, limit)))
        start = time.monotonic()
        for _ in range(8):
            wave = [srv.connect() for _ in range(20)]
            for c in wave:
                self.check_served(c)
                c.close()
        elapsed = time.monotonic() - start
        lines = srv.matching(r"cannot accept")
        self.assertGreater(len(lines), 0, "the test never ran out of descriptors")
        self.assertLessEqual(len(lines), 1 + int(elapsed / 10), "\n".join(lines[:5]))
        for line in lines[1:]:  # each later line counts the pauses it stands for
            self.assertRegex(line, r"pausing accepts for 100 ms \(paused \d+ more times since "
                             r"the last such line\): Too many open files$")
        self.assertEqual(srv.stop(), 0)



if __name__ == "__main__":
    ih.main()
