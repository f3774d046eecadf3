#!/usr/bin/env python3
"""filesvc-inetd --handler-seccomp: each spawner thread loads filesvc-handler's
seccomp filter once, every handler starts under it and loads no second one."""

import inetd_harness as ih
from harness import HANDLER, children, wait_until
from inetd_harness import InetdCase


def status(path):
    """A /proc status file as a dict of its fields."""
    with open(path) as f:
        return dict((k, v.strip()) for k, _, v in (l.partition(":") for l in f))


def threads(pid):
    """{tid: status} of every thread of pid."""
    out = {}
    for tid in sorted(int(t) for t in ih.os.listdir("/proc/%d/task" % pid)):
        out[tid] = status("/proc/%d/task/%d/status" % (pid, tid))
    return out


class HandlerSeccomp(InetdCase):
    def served_child(self, srv):
        """A connection served once (its handler is past its set-up), and that handler's pid."""
        conn = srv.connect()
        self.addCleanup(conn.close)
        self.check_served(conn)
        wait_until(lambda: children(srv.pid), what="a child")
        return conn, children(srv.pid)[0]

    def test_handlers_inherit_the_filter(self):
        srv = self.inetd(opts=["--handler-seccomp"])
        conn, pid = self.served_child(srv)
        st = status("/proc/%d/status" % pid)
        # One filter, the spawner thread's: the handler found it and loaded none.
        self.assertEqual(st["Seccomp"], "2")
        self.assertEqual(st["Seccomp_filters"], "1")
        self.assertEqual(st["NoNewPrivs"], "1")
        a = conn.request(b"LIST sub")
        self.assertEqual(a.keys["entries"], "1")
        # The event loop's thread keeps every call; the spawner threads are filtered.
        ts = threads(srv.pid)
        self.assertEqual(ts[srv.pid]["Seccomp"], "0")
        spawners = [t for t in ts if t != srv.pid]
        self.assertGreaterEqual(len(spawners), 2)
        for t in spawners:
            self.assertEqual(ts[t]["Seccomp"], "2", t)

    def test_without_the_option_handlers_load_their_own(self):
        srv = self.inetd()
        conn, pid = self.served_child(srv)
        self.assertEqual(status("/proc/%d/status" % pid)["Seccomp_filters"], "1")
        for tid, st in threads(srv.pid).items():
            self.assertEqual(st["Seccomp"], "0", tid)

    def test_many_connections(self):
        # Spawning under the filter, again and again, in parallel threads.
        srv = self.inetd(opts=["--handler-seccomp", "-c", "32"])
        conns = [srv.connect() for _ in range(32)]
        for c in conns:
            self.check_served(c)
            c.close()
        srv.wait_idle()
        self.assertFalse(srv.matching(r"killed by signal"), srv.log())

    def test_another_program_is_held_to_it(self):
        # echo needs nothing the filter lacks; cat asks posix_fadvise, which it lacks.
        srv = self.inetd(["/bin/echo", "spawned"], opts=["--handler-seccomp", "-v"])
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"spawned\n")
        srv.stop()
        srv = self.inetd(["/bin/cat", "/dev/null"], opts=["--handler-seccomp", "-v"])
        with srv.connect() as c:
            self.assertEqual(c.reader.rest(), b"")
        srv.wait_log(r"killed by signal %d" % ih.signal.SIGSYS)


if __name__ == "__main__":
    ih.main()
