#!/usr/bin/env python3
"""filesvc-tlsd as a fork server (common/forkserver.h), driven by this test as
filesvc-inetd --fork-server drives it, judged by curl and openssl s_client: it says
it is ready; each connection is served by a clone that is the requester's own child
(CLONE_PARENT) with the variables sent; no two clones share their random numbers
(the ServerHello random and the key share); a renewed certificate is served from the
next connection on, a broken renewal is logged once while the last good one serves
on; malformed requests are refused without ending the server; a clone whose
handshake fails runs no command; the clone is confined while it relays; the server
ends when the requester closes its end; a fd that is not a SEQPACKET socket is a
usage error, an unreadable key a start-up failure; a clone leads a process group
with its command in it."""

import array
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import harness
import http_harness as hh
import tls_harness as th

READY = b"filesvc-fork-server 1"


class ForkServer:
    """filesvc-tlsd started once with FILESVC_FORK_SERVER=3, its stderr a PipeLog; an
    accept thread on a loopback listener hands each connection over, as filesvc-inetd
    would, and reaps the clones (they are our children)."""

    def __init__(self, case, cert, key, command, env_vars=None):
        self.case = case
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = harness.PipeLog()
        fd = theirs.fileno()
        self.proc = subprocess.Popen(
            [th.TLSD, "--cert", cert, "--key", key, "-t", "5", "--"] + list(command),
            env=dict(os.environ, FILESVC_FORK_SERVER="3"), close_fds=False,
            preexec_fn=lambda: os.dup2(fd, 3), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.log.w)
        theirs.close()
        self.log.started()
        self.sock.settimeout(30)
        case.assertEqual(self.sock.recv(100), READY, self.log.text())
        self.env_vars = env_vars or {}
        self.statuses = {}
        self.lock = threading.Lock()
        self.listener = harness.listener()
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        case.addCleanup(self.stop)

    def request(self, conn, payload):
        """One request: (pid, err) of the reply."""
        fds = [] if conn is None else [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                        array.array("i", [conn.fileno()]))]
        self.sock.sendmsg([payload], fds)
        return struct.unpack("ii", self.sock.recv(8))

    def _accept(self):
        while True:
            try:
                conn, peer = self.listener.accept()
            except OSError:
                return	# shut down: the test is over
            env = dict({"TCPREMOTEIP": peer[0], "TCPREMOTEPORT": str(peer[1])}, **self.env_vars)
            payload = b"".join(b"%s=%s\0" % (k.encode(), v.encode()) for k, v in env.items())
            with self.lock:
                pid, err = self.request(conn, payload)
            conn.close()
            if pid > 0:
                threading.Thread(target=self._reap, args=(pid,), daemon=True).start()

    def _reap(self, pid):
        _, status = os.waitpid(pid, 0)	# fails if the clone were not our child
        with self.lock:
            self.statuses[pid] = status

    def url(self, path="/"):
        return "https://localhost:%d%s" % (self.port, path)

    def logs(self):
        return self.log.text()

    def close_requester(self):
        """Stop accepting, then close our end.  shutdown() wakes the thread blocked in
        accept(), which close() alone would not: a thread still blocked could take a
        connection from the next test's listener, given the same fd number."""
        if self.listener.fileno() >= 0:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.thread.join(10)
            self.listener.close()
        self.sock.close()

    def stop(self):
        if self.proc.poll() is None:
            self.close_requester()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                harness.stop(self.proc)
        self.log.close()


class ForkServerCase(harness.TreeCase):
    def setUp(self):
        super().setUp()
        th.need_tlsd(self)
        hh.need(self, "openssl", "curl")
        self.pki = th.Pki(self)
        self.write("hello.txt", b"hello, world\n")

    def serve(self, command=None, cert=None, key=None, **kw):
        return ForkServer(self, cert or self.pki.cert, key or self.pki.key,
                          command or th.handler(self.root), **kw)

    def curl(self, srv, path="/hello.txt", *extra):
        p = subprocess.run(["curl", "-sS", "--cacert", self.pki.ca, "--resolve",
                            "localhost:%d:127.0.0.1" % srv.port] + list(extra) + [srv.url(path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        return p.returncode, p.stdout, p.stderr.decode()

    def s_client(self, srv, *args):
        p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port,
                            "-servername", "localhost", "-CAfile", self.pki.ca] + list(args),
                           input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        return p.stdout.decode("utf-8", "replace")


def server_hello(out):
    """The ServerHello's random and the key share from s_client -msg's dump (TLS 1.3)."""
    m = re.search(r"<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], ServerHello\n((?:    .*\n)+)", out)
    assert m, out
    body = bytes.fromhex("".join(m.group(1).split()))
    return body[6:38], body[-32:]	# header(4) + version(2), then 32 random bytes; X25519's share last


class Serving(ForkServerCase):
    def test_ready_then_clones_serve(self):
        srv = self.serve(env_vars={"TCPREMOTEIP": "192.0.2.7"})
        for _ in range(3):
            rc, out, err = self.curl(srv)
            self.assertEqual((rc, out), (0, b"hello, world\n"), err)
        harness.wait_until(lambda: len(srv.statuses) == 3, what="three clones reaped")
        # Reaped by us (waitpid above), each with the command's exit status.
        self.assertEqual(sorted(os.WEXITSTATUS(s) for s in srv.statuses.values()), [0, 0, 0])
        # The variables sent reached the handler through the clone.
        self.assertEqual(len(re.findall(r"192\.0\.2\.7:\d+ GET /hello\.txt 200", srv.logs())), 3,
                         srv.logs())
        self.assertIsNone(srv.proc.poll(), "the server serves on")

    def test_no_two_clones_share_randomness(self):
        srv = self.serve()
        hellos = [server_hello(self.s_client(srv, "-tls1_3", "-msg", "-groups", "X25519"))
                  for _ in range(4)]
        randoms = {h[0] for h in hellos}
        shares = {h[1] for h in hellos}
        self.assertEqual(len(randoms), 4, hellos)
        self.assertEqual(len(shares), 4, hellos)

    def test_server_ends_when_requester_closes(self):
        srv = self.serve()
        srv.close_requester()
        self.assertEqual(srv.proc.wait(10), 0, srv.logs())

    def test_clone_confined_while_relaying(self):
        srv = self.serve(command=["sh", "-c", "cat >/dev/null"])
        with socket.create_connection(("127.0.0.1", srv.port)) as raw:
            tls = th.client_context(self.pki).wrap_socket(raw, server_hostname="localhost")
            clones = []
            harness.wait_until(lambda: clones.extend(self.clones(srv)) or clones,
                               what="the clone")
            def status():
                with open("/proc/%d/status" % clones[0]) as f:
                    return f.read()
            harness.wait_until(lambda: "Seccomp:\t2" in status(), what="the relay's filter")
            self.assertIn("NoNewPrivs:\t1", status())
            # A process group of its own, as a spawned tlsd leads, holding its command:
            # filesvc-inetd's stop signals the group.
            self.assertEqual(os.getpgid(clones[0]), clones[0])
            command = harness.children(clones[0])
            self.assertEqual([os.getpgid(c) for c in command], [clones[0]])
            tls.close()

    def clones(self, srv):
        """Our children that are filesvc-tlsd clones (not the server itself)."""
        found = []
        for pid in harness.children(os.getpid()):
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if pid != srv.proc.pid and b"filesvc-tlsd" in f.read():
                        found.append(pid)
            except FileNotFoundError:
                pass
        return found


class Renewal(ForkServerCase):
    def fingerprint(self, srv):
        out = self.s_client(srv)
        m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
        self.assertIsNotNone(m, out)
        p = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"],
                           input=m.group(0).encode(), stdout=subprocess.PIPE, check=True)
        return p.stdout

    def test_renewed_then_broken(self):
        cert, key = self.pki.path("live-cert.pem"), self.pki.path("live-key.pem")
        shutil.copy(self.pki.cert, cert)
        shutil.copy(self.pki.key, key)
        srv = self.serve(cert=cert, key=key)
        first = self.fingerprint(srv)
        # A renewal: a new certificate and key, put in place as certbot does (rename).
        new_cert, new_key = self.pki.issue("renewed", "DNS:localhost,IP:127.0.0.1")
        os.rename(new_key, key)
        os.rename(new_cert, cert)
        second = self.fingerprint(srv)
        self.assertNotEqual(first, second)
        rc, out, err = self.curl(srv)
        self.assertEqual((rc, out), (0, b"hello, world\n"), err)
        self.assertIn("read %s and %s again" % (cert, key), srv.logs())
        # A broken renewal (a key that does not match): logged once, the last good serves on.
        _, other_key = self.pki.issue("other", "DNS:localhost")
        os.rename(other_key, key)
        for _ in range(3):
            self.assertEqual(self.fingerprint(srv), second)
        self.assertEqual(srv.logs().count("serving the certificate loaded before"), 1, srv.logs())


class Refusals(ForkServerCase):
    def test_malformed_requests(self):
        srv = self.serve()
        with srv.lock:
            # No connection in it: refused with EBADMSG.
            self.assertEqual(srv.request(None, b"A=1\0"), (0, 74))
            a, b = socket.socketpair()
            # Variables that are not NAME=VALUE: refused with EINVAL, the connection closed.
            self.assertEqual(srv.request(a, b"not a variable\0"), (0, 22))
            a.close()
            b.settimeout(10)
            self.assertEqual(b.recv(1), b"")
            b.close()
        self.assertIn("malformed variables", srv.logs())
        rc, out, err = self.curl(srv)
        self.assertEqual((rc, out), (0, b"hello, world\n"), err)

    def test_failed_handshake_runs_no_command(self):
        srv = self.serve(command=["sh", "-c", "echo COMMAND-STARTED >&2"])
        with socket.create_connection(("127.0.0.1", srv.port)) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            raw.settimeout(10)
            try:
                while raw.recv(4096):
                    pass
            except ConnectionResetError:
                pass	# the alert, then the close with our request unread
        harness.wait_until(lambda: len(srv.statuses) == 1, what="the clone reaped")
        self.assertEqual([os.WEXITSTATUS(s) for s in srv.statuses.values()], [0])
        self.assertNotIn("COMMAND-STARTED", srv.logs())

    def test_not_a_seqpacket_socket(self):
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fd = b.fileno()
        p = subprocess.run([th.TLSD, "--cert", self.pki.cert, "--key", self.pki.key, "--", "true"],
                           env=dict(os.environ, FILESVC_FORK_SERVER="3"), close_fds=False,
                           preexec_fn=lambda: os.dup2(fd, 3), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=30)
        a.close()
        b.close()
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"FILESVC_FORK_SERVER=3 is not a fork-server socket", p.stderr)

    def test_unreadable_key_at_start(self):
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fd = b.fileno()
        p = subprocess.run([th.TLSD, "--cert", self.pki.cert, "--key", "/nonexistent/key.pem",
                            "--", "true"],
                           env=dict(os.environ, FILESVC_FORK_SERVER="3"), close_fds=False,
                           preexec_fn=lambda: os.dup2(fd, 3), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=30)
        b.close()
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"/nonexistent/key.pem", p.stderr)
        a.settimeout(5)
        self.assertEqual(a.recv(100), b"", "never said it was ready")
        a.close()


if __name__ == "__main__":
    harness.main()
