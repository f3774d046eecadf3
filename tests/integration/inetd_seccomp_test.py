#!/usr/bin/env python3
"""filesvc-inetd --handler-seccomp: each spawner thread loads filesvc-handler's
seccomp filter once, every handler starts under it and loads no second one."""

import inetd_harness as ih
from harness import children, handler_argv, wait_until
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


# tests/integration/filter_fill.c: leaves so few seccomp instructions that no filter of
# ours fits any more (the kernel's cap per process), then runs its command.
FILL = ih.os.environ.get("FILESVC_FILTER_FILL", "")


class FilterRefused(InetdCase):
    """When the kernel refuses the filter: no connection is served unfiltered."""

    def setUp(self):
        super().setUp()
        if not FILL:
            self.skipTest("FILESVC_FILTER_FILL is not set (run through meson test)")

    def run_filled(self, room, args, stdin=b"", timeout=20):
        return ih.subprocess.run([FILL, str(room)] + args, input=stdin, capture_output=True,
                                 timeout=timeout)

    def test_supervisor_refuses_to_start(self):
        r = self.run_filled(16, [ih.INETD] + ih.ALLOW_ROOT + [
            "--handler-seccomp", "-l", "127.0.0.1:0", "--"] + handler_argv("--root", self.root))
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertRegex(err, r"cannot load filesvc-handler's seccomp filter "
                              r"\(--handler-seccomp\): Cannot allocate memory")
        self.assertNotRegex(err, r"running .* for at most")  # never ready, never served

    def test_handler_refuses_to_serve(self):
        r = self.run_filled(16, handler_argv("--root", self.root), stdin=b"GET hello.txt\n")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        # Not a byte of the file: the server-side failure, said as one (docs/protocol.md 6).
        self.assertEqual(r.stdout, b"ERR 503 the server cannot confine itself\n")
        # ENOMEM, in the words of the handler's libc (musl: "Out of memory").
        self.assertRegex(err, r"cannot enter the sandbox: the kernel refused seccomp .*: "
                              r"(Cannot allocate|Out of) memory")

    def test_with_room_both_work(self):
        # The control: the same wrapper with room for our filters changes nothing.
        r = self.run_filled(2000, handler_argv("--root", self.root), stdin=b"GET hello.txt\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith(b"\nhello, world\n"), r.stdout)
        proc = ih.subprocess.Popen(
            [FILL, "2000", ih.INETD] + ih.ALLOW_ROOT + [
                "--handler-seccomp", "-l", "127.0.0.1:0", "--"] + handler_argv("--root", self.root),
            stdin=ih.subprocess.DEVNULL, stdout=ih.subprocess.DEVNULL,
            stderr=ih.subprocess.PIPE)
        self.addCleanup(proc.stderr.close)
        self.addCleanup(ih.harness.stop, proc)  # runs first
        port = None
        for raw in proc.stderr:
            m = ih.LISTENING.search(raw.decode())
            if m:
                port = int(m.group(2))
                break
        self.assertIsNotNone(port, "the supervisor did not listen")
        with ih.harness.Conn("127.0.0.1", port) as c:
            self.check_served(c)


if __name__ == "__main__":
    ih.main()
