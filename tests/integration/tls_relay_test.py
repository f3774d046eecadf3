#!/usr/bin/env python3
"""filesvc-tlsd's handshake and relay, judged by openssl s_client and Python's ssl:
TLS 1.0/1.1 refused, 1.2/1.3 accepted, ALPN http/1.1 and never h2; a client stalling
mid-handshake cut by the deadline and one sending garbage refused, each with one log
line and no command started; half-close passed on both ways (close_notify one way,
shutdown the other); a protocol 1 session; a small file's answer in one TLS record;
1 GiB byte-identical through TLS; the command's exit status and environment; tlsd
confined while it relays; and the command unable to read the key."""

import hashlib
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import harness
import http_harness as hh
import tls_harness as th

# A command that says it was started (on stderr, the shared log) before it serves.
MARK = "COMMAND-STARTED"


def marked_handler(root):
    return ["sh", "-c", 'echo %s >&2; exec "$@"' % MARK, "sh"] + th.handler(root)


class TlsCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        th.need_tlsd(self)
        th.need(self, "openssl")
        self.pki = th.Pki(self)
        self.write("hello.txt", b"hello, world\n")

    def s_client(self, srv, *args, stdin=b""):
        p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port,
                            "-servername", "localhost", "-CAfile", self.pki.ca] + list(args),
                           input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        return p.returncode, p.stdout.decode("utf-8", "replace")


class Handshake(TlsCase):
    def test_versions(self):
        srv = th.serve(self, self.pki, self.root)
        for flag in ("-tls1", "-tls1_1"):
            # The client's own floor would refuse first: lower it, so the server decides.
            rc, out = self.s_client(srv, flag, "-cipher", "DEFAULT@SECLEVEL=0")
            self.assertNotEqual(rc, 0, out)
            self.assertIn("alert protocol version", out, flag)
        for flag, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            rc, out = self.s_client(srv, flag)
            self.assertEqual(rc, 0, out)
            self.assertRegex(out, r"New, %s, Cipher is " % re.escape(name))
            self.assertIn("Verify return code: 0 (ok)", out)
        lines = th.tlsd_lines(srv)
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(all("unsupported protocol" in l for l in lines), lines)

    def test_alpn(self):
        srv = th.serve(self, self.pki, self.root)
        for offer, want in (("h2,http/1.1", "ALPN protocol: http/1.1"),
                            ("http/1.1,h2", "ALPN protocol: http/1.1"),
                            ("h2", "No ALPN negotiated"),
                            ("filesvc", "No ALPN negotiated")):
            rc, out = self.s_client(srv, "-alpn", offer)
            self.assertEqual(rc, 0, out)
            self.assertIn(want, out, offer)
            self.assertNotIn("ALPN protocol: h2", out)

    def test_renegotiation_refused(self):
        srv = th.serve(self, self.pki, self.root)
        # "R" asks s_client to renegotiate; tlsd answers no_renegotiation and the
        # connection ends with no data exchanged after.
        rc, out = self.s_client(srv, "-tls1_2", stdin=b"R\n")
        self.assertIn("RENEGOTIATING", out)
        self.assertRegex(out, r"no renegotiation|alert")

    def test_stall_mid_handshake(self):
        srv = th.serve(self, self.pki, command=marked_handler(self.root), tlsd_args=["-t", "2"])
        with socket.create_connection((srv.host, srv.port)) as s:
            # The first bytes of a ClientHello record (a 512-byte handshake promised),
            # then nothing.
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            s.settimeout(20)
            start = time.monotonic()
            self.assertEqual(s.recv(100), b"")
            waited = time.monotonic() - start
        self.assertGreater(waited, 1.5)
        self.assertLess(waited, 10)
        hh.settle(srv)
        srv.log.wait_for("timed out after 2 s")  # the pipe's reader may lag behind the exit
        lines = th.tlsd_lines(srv)
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^filesvc-tlsd: TLS handshake with 127\.0\.0\.1:\d+ "
                         r"timed out after 2 s$")
        self.assertNotRegex(srv.logs(), "(?m)^%s$" % MARK)

    def test_garbage_refused(self):
        srv = th.serve(self, self.pki, command=marked_handler(self.root))
        for junk in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"LIST /\n", os.urandom(3000)):
            with socket.create_connection((srv.host, srv.port)) as s:
                s.settimeout(20)
                s.sendall(junk)
                try:
                    while s.recv(4096):
                        pass
                except ConnectionResetError:
                    pass
        hh.settle(srv)
        lines = th.tlsd_lines(srv)
        self.assertEqual(len(lines), 3, lines)
        for l in lines:
            self.assertRegex(l, r"^filesvc-tlsd: TLS handshake with 127\.0\.0\.1:\d+ failed: \S")
        self.assertIn("http request", lines[0])
        self.assertNotRegex(srv.logs(), "(?m)^%s$" % MARK)


class Relay(TlsCase):
    def test_protocol1_session(self):
        self.write("sub/b.bin", bytes(range(256)) * 64)
        srv = th.serve(self, self.pki, self.root)
        with th.connect(srv, self.pki) as tls:
            r = harness.Reader(tls.recv)
            tls.sendall(b"LIST /\n")
            a = r.answer()
            self.assertTrue(a.ok, a.header)
            self.assertIn(b"hello.txt", a.body)
            tls.sendall(b"GET sub/b.bin 256 512\nGET hello.txt\nQUIT\n")
            a = r.answer()
            self.assertEqual(a.body, (bytes(range(256)) * 64)[256:768])
            self.assertEqual(r.answer().body, b"hello, world\n")
            # QUIT's "OK 0", then close_notify (read_all raises on a bare EOF).
            self.assertEqual(r.buf + th.read_all(tls), b"OK 0\n")

    def test_client_close_notify_passes_as_shutdown(self):
        srv = th.serve(self, self.pki, self.root)
        raw = socket.create_connection((srv.host, srv.port), timeout=20)
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = th.client_context(self.pki).wrap_bio(inc, out, server_hostname="localhost")
        pump = Pump(raw, obj, inc, out)
        pump.run(obj.do_handshake)
        obj.write(b"GET hello.txt\n")
        # close_notify now, then read on: TLS 1.3 lets the other side go on writing.
        pump.run(obj.unwrap, until_closed=False)
        got, closed = pump.read_to_close()
        raw.close()
        self.assertTrue(got.startswith(b"OK 13 "), got)
        self.assertTrue(got.endswith(b"\nhello, world\n"), got)
        self.assertTrue(closed, "no close_notify from the server")

    def test_command_shutdown_passes_as_close_notify(self):
        out_path = os.path.join(self.root, "received")
        script = ("import socket,sys\n"
                  "s = socket.socket(fileno=1)\n"
                  "s.shutdown(socket.SHUT_WR)\n"
                  "data = sys.stdin.buffer.read()\n"
                  "open(sys.argv[1], 'wb').write(data)\n")
        d = th.Direct(self.pki, [sys.executable, "-c", script, out_path])
        tls = d.tls(self.pki)
        # The command's shutdown arrives as close_notify (b"", not SSLEOFError), with
        # the connection still open for what we send.
        self.assertEqual(tls.recv(10), b"")
        payload = os.urandom(200000)
        tls.sendall(payload)
        tls.shutdown(socket.SHUT_WR)	# EOF without close_notify ends our side too
        status, err = d.finish()
        self.assertEqual(status, 0, err)
        with open(out_path, "rb") as f:
            self.assertEqual(f.read(), payload)

    def test_small_answer_is_one_record(self):
        # The handler writes a small file's answer in one write on its AF_UNIX socket
        # (MSG_MORE holds nothing there), so tlsd reads it whole and sends one record,
        # as nginx does, not one for the header and one for the body.  Seen on the wire:
        # the TLS record headers of what the server sends after each request.
        srv = th.serve(self, self.pki, self.root)
        raw = socket.create_connection((srv.host, srv.port), timeout=20)
        self.addCleanup(raw.close)
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = th.client_context(self.pki).wrap_bio(inc, out, server_hostname="localhost")
        pump = Pump(raw, obj, inc, out)
        pump.run(obj.do_handshake)
        for i in range(20):
            obj.write(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
            pump.flush()
            got, records = b"", 0
            while not got.endswith(b"\r\n\r\nhello, world\n"):
                try:
                    got += obj.read(1 << 16)
                except ssl.SSLWantReadError:
                    records += pump.fill_records()
            self.assertTrue(got.startswith(b"HTTP/1.1 200 "), got)
            self.assertEqual(records, 1, "request %d: the answer came in %d records" % (
                i, records))

    def test_gib_byte_identical(self):
        th.need(self, "curl")
        size = 1 << 30
        path = self.write("big.bin")
        marks = {0: os.urandom(1 << 16), size // 2 - 100: os.urandom(1 << 16),
                 size - (1 << 16): os.urandom(1 << 16)}
        with open(path, "r+b") as f:
            f.truncate(size)
            for off, data in marks.items():
                f.seek(off)
                f.write(data)
        srv = th.serve(self, self.pki, self.root)
        p = subprocess.Popen(["curl", "-sS", "--cacert", self.pki.ca, th.https(srv, "/big.bin")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        h, n = hashlib.sha256(), 0
        for block in iter(lambda: p.stdout.read(1 << 20), b""):
            h.update(block)
            n += len(block)
        err = p.stderr.read()
        self.assertEqual(p.wait(), 0, err)
        self.assertEqual(n, size)
        self.assertEqual(h.hexdigest(), harness.file_sha(path))
        hh.settle(srv)
        self.assertRegex(srv.logs(), r"GET /big.bin 200 %d " % size)

    def test_exit_status_and_environment(self):
        d = th.Direct(self.pki, ["sh", "-c", "exit 7"])
        tls = d.tls(self.pki)
        th.read_all(tls)
        status, err = d.finish()
        self.assertEqual((status, err), (7, ""))
        env = dict(os.environ, HTTPS="off", SSL_CIPHER="stale", TCPREMOTEIP="192.0.2.7",
                   TCPREMOTEPORT="4444")
        d = th.Direct(self.pki, ["env"], env=env)
        tls = d.tls(self.pki)
        got = dict(l.split("=", 1) for l in th.read_all(tls).decode().splitlines() if "=" in l)
        self.assertEqual(d.finish()[0], 0)
        self.assertEqual(got["HTTPS"], "on")
        self.assertEqual(got["SSL_PROTOCOL"], "TLSv1.3")
        self.assertEqual(got["SSL_CIPHER"], tls.cipher()[0])
        self.assertEqual(got["SSL_TLS_SNI"], "localhost")
        self.assertEqual(got["TCPREMOTEIP"], "192.0.2.7")
        self.assertEqual(got["TCPREMOTEPORT"], "4444")
        # Killed by a signal: 128 + N, logged.
        d = th.Direct(self.pki, ["sh", "-c", "kill -TERM $$"])
        th.read_all(d.tls(self.pki))
        status, err = d.finish()
        self.assertEqual(status, 128 + 15, err)
        self.assertIn("killed by signal 15", err)

    def test_idle_timeout(self):
        d = th.Direct(self.pki, th.handler(self.root, "-t", "60"), ["-t", "2"])
        tls = d.tls(self.pki)
        start = time.monotonic()
        self.assertEqual(th.read_all(tls), b"")
        self.assertLess(time.monotonic() - start, 20)
        self.assertGreater(time.monotonic() - start, 1.5)
        status, err = d.finish()
        self.assertEqual(status, 0, err)
        self.assertRegex(err, r"idle for 2 s, closing")

    def test_confined_while_relaying(self):
        # A command that waits for its input to end: tlsd is in its relay meanwhile.
        d = th.Direct(self.pki, ["cat"])
        tls = d.tls(self.pki)
        tls.sendall(b"ping\n")
        self.assertEqual(tls.recv(5), b"ping\n")
        with open("/proc/%d/status" % d.proc.pid) as f:
            status = f.read()
        self.assertRegex(status, r"NoNewPrivs:\s+1")
        self.assertRegex(status, r"Seccomp:\s+2")
        # Neither the key nor the certificate is held open, by tlsd or its command.
        for pid in [d.proc.pid] + harness.children(d.proc.pid):
            for fd in os.listdir("/proc/%d/fd" % pid):
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                self.assertNotIn(self.pki.dir, target, "pid %d fd %s" % (pid, fd))
        tls.sendall(b"bye\n")
        tls.shutdown(socket.SHUT_WR)
        self.assertEqual(d.finish()[0], 0)

    def test_tcp_nodelay(self):
        # Nagle would hold a response's second record until the client's delayed ACK.
        # Seen from tlsd's own descriptor: nothing on the wire tells, but the timing.
        if os.geteuid() != 0:
            self.skipTest(harness.NOT_APPLICABLE + "needs root to look into tlsd's fds")
        d = th.Direct(self.pki, ["cat"], tcp=True)
        tls = d.tls(self.pki)
        self.addCleanup(tls.close)
        tls.sendall(b"ping\n")
        self.assertEqual(tls.recv(5), b"ping\n")
        with th.pidfd_getfd(d.proc.pid, 1) as s:
            self.assertEqual(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1)
        tls.shutdown(socket.SHUT_WR)
        self.assertEqual(d.finish(), (0, ""))

    def test_not_dumpable(self):
        # The handler may run as tlsd's user (one unit): it must not read tlsd's memory,
        # where the key is.  Both run as nobody here; the command, exec'd, is dumpable again.
        th.need(self, "setpriv")
        if os.geteuid() != 0:
            self.skipTest(harness.NOT_APPLICABLE + "needs root to run tlsd as nobody")
        key = os.path.join(self.pki.dir, "nobody.key")
        shutil.copyfile(self.pki.key, key)
        os.chown(key, pwd.getpwnam("nobody").pw_uid, -1)
        nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        d = th.Direct(self.pki, ["cat"], prefix=nobody, key=key)
        tls = d.tls(self.pki)
        self.addCleanup(tls.close)
        tls.sendall(b"ping\n")
        self.assertEqual(tls.recv(5), b"ping\n")
        child = harness.children(d.proc.pid)
        self.assertEqual(len(child), 1, child)

        def read_as_nobody(pid, name):
            return subprocess.run(nobody + ["cat", "/proc/%d/%s" % (pid, name)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)

        for name in ("environ", "mem"):
            p = read_as_nobody(d.proc.pid, name)
            self.assertNotEqual(p.returncode, 0, name)
            self.assertIn(b"Permission denied", p.stderr, name)
        # The control: the same user reads the command's, which exec made dumpable.
        p = read_as_nobody(child[0], "environ")
        self.assertEqual(p.returncode, 0, p.stderr)
        # ... and the relay still works.
        tls.sendall(b"bye\n")
        self.assertEqual(tls.recv(4), b"bye\n")
        tls.shutdown(socket.SHUT_WR)
        self.assertEqual(d.finish(), (0, ""))

    def test_nothing_relayed_unconfined(self):
        # A container's filter refusing Landlock (deny_landlock, as systemd-nspawn 252's):
        # tlsd says so, relays nothing, and exits 1; the command sees its input end.
        deny = os.environ.get("FILESVC_DENY_LANDLOCK", "")
        self.assertTrue(os.access(deny, os.X_OK), "FILESVC_DENY_LANDLOCK is not set")
        d = th.Direct(self.pki, ["cat"], prefix=[deny])
        tls = d.tls(self.pki)
        # No byte back and no close_notify: the end is not passed off as a clean one.
        with self.assertRaises((ssl.SSLEOFError, ConnectionResetError, BrokenPipeError)):
            tls.sendall(b"ping\n")
            th.read_all(tls)
        status, err = d.finish()
        self.assertEqual(status, 1, err)
        self.assertEqual(err.strip(), "filesvc-tlsd: cannot confine the relay: the kernel "
                         "refused Landlock: Operation not permitted")

    def test_command_cannot_read_the_key(self):
        # The key stays 0600 root; the handler runs as nobody (setpriv, as a unit's
        # User= would), served from the very directory that holds the key.
        th.need(self, "curl", "setpriv")
        if os.geteuid() != 0:
            self.skipTest(harness.NOT_APPLICABLE + "needs root to run the handler as nobody")
        srv = th.serve(self, self.pki, command=[
            "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            harness.HANDLER, "--root", self.pki.dir])
        curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", self.pki.ca]
        p = hh.run(curl + [th.https(srv, "/server.pem")])
        self.assertEqual(p.stdout, b"200", p.stderr)
        p = hh.run(curl + [th.https(srv, "/server.key")])
        self.assertEqual(p.stdout, b"403", p.stderr)
        hh.settle(srv)
        self.assertRegex(srv.logs(), r"GET /server.key 403 ")


class XinetdLayout(TlsCase):
    """The connection on fds 0, 1 and 2, as xinetd passes it: no log line, tlsd's or the
    handler's, may enter the TLS stream in the clear; with a /dev/log they go there."""

    def start(self, prefix=()):
        ours, theirs = socket.socketpair()
        self.addCleanup(ours.close)
        proc = subprocess.Popen(list(prefix) + [th.TLSD, "--cert", self.pki.cert, "--key",
                                self.pki.key, "--"] + th.handler(self.root),
                                stdin=theirs, stdout=theirs, stderr=theirs)
        theirs.close()
        self.addCleanup(harness.stop, proc)
        ours.settimeout(20)
        return proc, th.client_context(self.pki).wrap_socket(
            ours, server_hostname="localhost", suppress_ragged_eofs=False)

    def converse(self, tls):
        # STAT of a missing name makes the handler log a warning.
        tls.sendall(b"STAT nope\nGET hello.txt\nQUIT\n")
        r = harness.Reader(tls.recv)
        self.assertEqual(r.answer().code, 404)
        self.assertEqual(r.answer().body, b"hello, world\n")
        self.assertEqual(r.answer().header, b"OK 0")
        self.assertEqual(r.buf + th.read_all(tls), b"", "bytes after QUIT's answer")

    def namespace(self, with_log):
        """unshare(1) into a mount namespace whose /dev holds our syslog socket, or
        nothing; returns (prefix, syslog socket or None)."""
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            self.skipTest("needs root and unshare(1)")
        tmp = tempfile.mkdtemp(prefix="filesvc-syslog-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        path = os.path.join(tmp, "log")
        syslog = None
        if with_log:
            syslog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.addCleanup(syslog.close)
            syslog.bind(path)
            syslog.settimeout(10)
        script = ('mount -t tmpfs tmpfs /dev && touch /dev/null && mount --bind "$2" /dev/null '
                  '&& { [ ! -S "$1" ] || ln -s "$1" /dev/log; } && shift 2 && exec "$@"')
        prefix = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", path,
                  "/dev/null"]
        return prefix, syslog

    def test_lines_go_to_syslog(self):
        prefix, syslog = self.namespace(with_log=True)
        proc, tls = self.start(prefix)
        self.converse(tls)
        self.assertEqual(proc.wait(10), 0)
        lines = [syslog.recv(4096).decode() for _ in range(3)]
        self.assertRegex(lines[0], r"^<28>filesvc-handler\[\d+\]: .*STAT /nope 404")

    def test_no_syslog_lines_are_dropped(self):
        prefix, _ = self.namespace(with_log=False)
        proc, tls = self.start(prefix)
        self.converse(tls)
        self.assertEqual(proc.wait(10), 0)


class Pump:
    """Moves TLS records between a MemoryBIO pair and a socket for an SSLObject."""

    def __init__(self, raw, obj, inc, out):
        self.raw, self.obj, self.inc, self.out = raw, obj, inc, out

    def flush(self):
        data = self.out.read()
        if data:
            self.raw.sendall(data)

    def fill(self):
        data = self.raw.recv(1 << 16)
        if data:
            self.inc.write(data)
        else:
            self.inc.write_eof()
        return bool(data)

    def fill_records(self):
        """fill(), reading whole TLS records only; returns how many came."""
        head = self.raw.recv(5, socket.MSG_WAITALL)
        if len(head) < 5:
            raise AssertionError("the connection ended inside a record header")
        body = self.raw.recv(int.from_bytes(head[3:5], "big"), socket.MSG_WAITALL)
        self.inc.write(head + body)
        return 1

    def run(self, op, until_closed=True):
        while True:
            try:
                op()
                self.flush()
                return
            except ssl.SSLWantReadError:
                self.flush()
                if not until_closed:
                    return
                self.fill()

    def read_to_close(self):
        got = b""
        while True:
            try:
                got += self.obj.read(1 << 16)
            except ssl.SSLWantReadError:
                if not self.fill():
                    return got, False
            except ssl.SSLZeroReturnError:
                return got, True


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
