#!/usr/bin/env python3
"""fget over filesvcs://, against the real filesvc-tlsd in front of the real
handler: listing, byte-identical downloads, -C -, -r, a shared connection and
--retry as over TCP; the certificate checks (a test CA made here with the
openssl CLI: trusted with --cacert or SSL_CERT_FILE, untrusted without, a
certificate for another host) and -k; a plain server given filesvcs:// (35);
and a stream cut without close_notify, judged as a cut TCP stream (18)."""

import filecmp
import os
import socket
import ssl
import tempfile
import threading
import unittest

import fget_harness as fh
import harness
import tls_harness as th

CUT = 1 << 20  # answer bytes a relay passes on before it hangs up


class _ClassCleanups:
    """Lets tls_harness.Pki, which registers its cleanup on a case, live for a class."""

    def __init__(self, cls):
        self.cls = cls

    def addCleanup(self, fn, *args, **kw):
        self.cls.addClassCleanup(fn, *args, **kw)


class TlsCase(harness.TreeCase):
    @classmethod
    def setUpClass(cls):
        if not th.TLSD or not os.access(th.TLSD, os.X_OK):
            return  # setUp skips each test, saying why
        cls.pki = th.Pki(_ClassCleanups(cls))
        cls.other = th.Pki(_ClassCleanups(cls))  # a CA fget is never told to trust

    def setUp(self):
        super().setUp()
        th.need_tlsd(self)
        th.need(self, "openssl")
        self.small = self.write("a.txt", b"hello over tls\n")
        self.data = os.urandom(6 << 20)
        self.big = self.write("d/big.bin", self.data)
        self.write("d/e/f.txt", b"deep\n")
        self.out = tempfile.mkdtemp(prefix="fget-tls-")
        self.addCleanup(harness.shutil.rmtree, self.out, ignore_errors=True)

    def serve(self, **kw):
        return th.serve(self, self.pki, self.root, **kw)

    def url(self, srv_or_port, path="/", host="localhost", scheme="filesvcs"):
        port = srv_or_port if isinstance(srv_or_port, int) else srv_or_port.port
        return "%s://%s:%d%s" % (scheme, host, port, path)

    def fget(self, *args, env=None, **kw):
        """fget with a clean environment for OpenSSL: no SSL_CERT_FILE from outside."""
        e = dict(os.environ)
        e.pop("SSL_CERT_FILE", None)
        e.pop("SSL_CERT_DIR", None)
        e.update(env or {})
        return fh.fget(*args, env=e, **kw)

    def relay(self, port, **kw):
        r = fh.Relay(port, CUT, hangup=True, **kw)
        self.addCleanup(r.close)
        return r


class Transfers(TlsCase):
    def test_list(self):
        srv = self.serve()
        p = self.fget("--cacert", self.pki.ca, self.url(srv))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"a.txt\nd/\n")
        p = self.fget("-v", "--cacert", self.pki.ca, self.url(srv))
        self.assertRegex(p.stderr, rb"TLSv1\.[23], \S+, certificate verified\n")

    def test_download_identical(self):
        srv = self.serve()
        dest = os.path.join(self.out, "big.bin")
        p = self.fget("--cacert", self.pki.ca, "-o", dest, self.url(srv, "/d/big.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(filecmp.cmp(dest, self.big, shallow=False))
        p = self.fget("--cacert", self.pki.ca, self.url(srv, "/a.txt", host="127.0.0.1"))
        self.assertEqual((p.returncode, p.stdout), (0, b"hello over tls\n"), p.stderr)

    def test_resume(self):
        """A transfer cut mid-body leaves NAME.part; -C - completes it from there."""
        srv = self.serve()
        relay = self.relay(srv.port)
        dest = os.path.join(self.out, "big.bin")
        p = self.fget("--cacert", self.pki.ca, "-o", dest, self.url(relay.port, "/d/big.bin"))
        self.assertEqual(p.returncode, 18, p.stderr)
        have = os.path.getsize(dest + ".part")
        self.assertGreater(have, 0)
        self.assertFalse(os.path.exists(dest))
        p = self.fget("--cacert", self.pki.ca, "-C", "-", "-o", dest,
                      self.url(srv, "/d/big.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"resuming", p.stderr)
        self.assertTrue(filecmp.cmp(dest, self.big, shallow=False))
        gets = [r for r in fh.requests(srv) if r[1] == "GET"]
        self.assertEqual(gets[-1][4], len(self.data) - have)  # only the rest was sent

    def test_mirror(self):
        srv = self.serve()
        p = self.fget("--cacert", self.pki.ca, "-r", "--output-dir", self.out, self.url(srv))
        self.assertEqual(p.returncode, 0, p.stderr)
        cmp = filecmp.dircmp(self.root, self.out)
        self.assertEqual((cmp.left_only, cmp.right_only), ([], []))
        self.assertTrue(filecmp.cmp(os.path.join(self.out, "d/big.bin"), self.big, shallow=False))
        with open(os.path.join(self.out, "d/e/f.txt"), "rb") as f:
            self.assertEqual(f.read(), b"deep\n")
        self.assertEqual(fh.connections(srv), 1)

    def test_pool_reuse(self):
        """Two URLs on one server share one TLS connection, A B A too."""
        srv = self.serve()
        a, f = self.url(srv, "/a.txt"), self.url(srv, "/d/e/f.txt")
        p = self.fget("--cacert", self.pki.ca, a, f, a)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"hello over tls\ndeep\nhello over tls\n")
        self.assertEqual(fh.connections(srv), 1)

    def test_pool_key_has_scheme(self):
        """filesvc:// to the TLS port after filesvcs:// must not reuse the TLS connection:
        it opens a plain one, which filesvc-tlsd cannot take as a handshake."""
        srv = self.serve()
        p = self.fget("--cacert", self.pki.ca, self.url(srv, "/a.txt"),
                      self.url(srv, "/a.txt", scheme="filesvc"))
        self.assertEqual(p.stdout, b"hello over tls\n")
        self.assertIn(p.returncode, (52, 55, 56), p.stderr)

    def test_retry(self):
        """--retry after a cut: a new TLS connection resumes where the first stopped."""
        srv = self.serve()
        relay = self.relay(srv.port)  # cuts its first connection only
        dest = os.path.join(self.out, "big.bin")
        p = self.fget("--cacert", self.pki.ca, "--retry", "2", "-o", dest,
                      self.url(relay.port, "/d/big.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"retrying", p.stderr)
        self.assertEqual(relay.accepted, 2)
        self.assertTrue(filecmp.cmp(dest, self.big, shallow=False))

    def test_cut_without_close_notify(self):
        """The server's stream ends mid-body with no close_notify: exit 18, as the same cut
        over TCP gives, and the message says which end it was."""
        tls_srv = self.serve()
        tcp_srv = harness.Server(self.root)
        self.addCleanup(tcp_srv.stop)
        over_tls = self.fget("--cacert", self.pki.ca, "-o", os.path.join(self.out, "x"),
                             self.url(self.relay(tls_srv.port).port, "/d/big.bin"))
        over_tcp = self.fget("-o", os.path.join(self.out, "y"),
                             fh.url("127.0.0.1", self.relay(tcp_srv.port).port, "/d/big.bin"))
        self.assertEqual(over_tcp.returncode, 18, over_tcp.stderr)
        self.assertEqual(over_tls.returncode, 18, over_tls.stderr)
        for p in (over_tls, over_tcp):
            self.assertIn(b"body bytes still to come", p.stderr)
        self.assertIn(b"no TLS close_notify", over_tls.stderr)
        self.assertNotIn(b"close_notify", over_tcp.stderr)


class Certificates(TlsCase):
    def test_trusted_by_env(self):
        """Without --cacert, OpenSSL's SSL_CERT_FILE names the store."""
        srv = self.serve()
        p = self.fget(self.url(srv, "/a.txt"), env={"SSL_CERT_FILE": self.pki.ca})
        self.assertEqual((p.returncode, p.stdout), (0, b"hello over tls\n"), p.stderr)

    def test_untrusted_ca(self):
        srv = self.serve()
        p = self.fget(self.url(srv, "/a.txt"))  # the system store knows no test CA
        self.assertEqual(p.returncode, 60, p.stderr)
        self.assertIn(b"not trusted", p.stderr)
        p = self.fget("--cacert", self.other.ca, self.url(srv, "/a.txt"))
        self.assertEqual(p.returncode, 60, p.stderr)
        self.assertEqual(p.stdout, b"")

    def test_wrong_host(self):
        srv = self.serve(cert=self.pki.wrong_cert, key=self.pki.wrong_key)
        for host in ("localhost", "127.0.0.1"):
            p = self.fget("--cacert", self.pki.ca, self.url(srv, "/a.txt", host=host))
            self.assertEqual(p.returncode, 60, p.stderr)
            self.assertIn(b"mismatch", p.stderr)

    def test_insecure_accepts_both(self):
        wrong = self.serve(cert=self.pki.wrong_cert, key=self.pki.wrong_key)
        for args in (["-k"], ["--insecure", "--cacert", self.other.ca]):
            p = self.fget(*args, self.url(wrong, "/a.txt"))
            self.assertEqual((p.returncode, p.stdout), (0, b"hello over tls\n"), p.stderr)

    def test_unreadable_cacert(self):
        srv = self.serve()
        p = self.fget("--cacert", os.path.join(self.out, "none.pem"), self.url(srv, "/a.txt"))
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn(b"No such file", p.stderr)

    def test_plain_server(self):
        """A server that does not speak TLS: the handshake fails (35), promptly; the same
        server over filesvc:// is fine, and its connection is not lent to filesvcs://."""
        srv = harness.Server(self.root)
        self.addCleanup(srv.stop)
        plain = fh.url("127.0.0.1", srv.port, "/a.txt")
        p = self.fget("--connect-timeout", "20", plain, self.url(srv.port, "/a.txt"), timeout=30)
        self.assertEqual(p.stdout, b"hello over tls\n")
        self.assertEqual(p.returncode, 35, p.stderr)
        self.assertIn(b"TLS handshake failed", p.stderr)


class Handshake(TlsCase):
    """What fget sends in its ClientHello, seen by a Python TLS server."""

    def sni_seen(self, host):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.pki.cert, self.pki.key)
        seen = []
        ctx.sni_callback = lambda obj, name, c: seen.append(name)
        lsock = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(lsock.close)

        def serve():
            c, _ = lsock.accept()
            with c:
                try:
                    with ctx.wrap_socket(c, server_side=True) as t:
                        t.recv(100)
                except (OSError, ssl.SSLError):
                    pass

        th_ = threading.Thread(target=serve, daemon=True)
        th_.start()
        self.fget("--cacert", self.pki.ca, "-m", "5",
                  self.url(lsock.getsockname()[1], "/a.txt", host=host), timeout=30)
        th_.join(10)
        return seen

    def test_stalled_handshake(self):
        """A server that accepts and never answers the ClientHello: the connect timeout
        covers the handshake too (28), as curl's does."""
        lsock = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(lsock.close)
        p = self.fget("--cacert", self.pki.ca, "--connect-timeout", "0.5",
                      self.url(lsock.getsockname()[1], "/a.txt"), timeout=30)
        self.assertEqual(p.returncode, 28, p.stderr)
        self.assertIn(b"timed out in the TLS handshake", p.stderr)

    def test_sni_for_names_only(self):
        self.assertEqual(self.sni_seen("localhost"), ["localhost"])
        self.assertEqual(self.sni_seen("127.0.0.1"), [None])


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
