#!/usr/bin/env python3
"""HTTPS judged by curl: filesvc-tlsd in front of the real handler, the test CA made
by openssl.  GET, Range, several URLs over one TLS connection, the listing; a
certificate for another host name and one from an unknown CA refused (exit 60); the
same under filesvc-inetd, and under filesvc-inetd --fork-server; the handler logs the real peer; and a certificate renewed
on disk serves the next connection without a restart."""

import os
import re
import shutil
import subprocess
import tempfile

import harness
import http_harness as hh
import tls_harness as th


class CurlTls(harness.TreeCase):
    def setUp(self):
        super().setUp()
        th.need_tlsd(self)
        th.need(self, "curl", "openssl")
        self.pki = th.Pki(self)
        self.write("hello.txt", b"hello over TLS\n")
        self.data = os.urandom(300000)
        self.write("sub/data.bin", self.data)
        self.out = tempfile.mkdtemp(prefix="filesvc-tls-curl-")
        self.addCleanup(shutil.rmtree, self.out, ignore_errors=True)

    def curl(self, *args, ok=True):
        p = hh.run(["curl", "-sS", "--cacert", self.pki.ca] + list(args))
        if ok:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_get_range_listing_keepalive(self):
        srv = th.serve(self, self.pki, self.root)
        self.assertEqual(self.curl(th.https(srv, "/hello.txt")).stdout, b"hello over TLS\n")
        p = self.curl("-r", "1000-1999", th.https(srv, "/sub/data.bin"))
        self.assertEqual(p.stdout, self.data[1000:2000])
        p = self.curl("-r", "-10", "-D", "-", "-o", os.path.join(self.out, "tail"),
                      th.https(srv, "/sub/data.bin"))
        self.assertIn(b"206 Partial Content", p.stdout)
        with open(os.path.join(self.out, "tail"), "rb") as f:
            self.assertEqual(f.read(), self.data[-10:])
        listing = self.curl(th.https(srv, "/")).stdout.decode()
        self.assertIn("<title>Index of /</title>", listing)
        self.assertIn('href="hello.txt"', listing)
        self.assertIn('href="sub/"', listing)
        # Three URLs, one connection: one handshake, one tlsd, one handler.
        before = srv.logs().count("Connection from ")
        args = []
        for i, path in enumerate(("/hello.txt", "/sub/data.bin", "/sub/")):
            args += ["-o", os.path.join(self.out, "k%d" % i), th.https(srv, path)]
        p = self.curl("-w", "%{http_code} %{num_connects} %{ssl_verify_result}\\n", *args)
        self.assertEqual(p.stdout.decode().split("\n")[:-1], ["200 1 0", "200 0 0", "200 0 0"])
        with open(os.path.join(self.out, "k1"), "rb") as f:
            self.assertEqual(f.read(), self.data)
        hh.settle(srv)
        self.assertEqual(srv.logs().count("Connection from ") - before, 1)
        # The handler, behind a socketpair, still names the client (TCPREMOTEIP from tlsd).
        log = hh.requests(srv)
        self.assertTrue(log and all(r[0].startswith("127.0.0.1:") for r in log), srv.logs())
        self.assertEqual(th.tlsd_lines(srv), [])

    def test_http_version_and_alpn(self):
        srv = th.serve(self, self.pki, self.root)
        p = self.curl("-v", "--http2", "-o", "/dev/null", th.https(srv, "/hello.txt"))
        err = p.stderr.decode()
        self.assertRegex(err, r"ALPN[:,] server accepted (to use )?http/1.1")
        self.assertRegex(err, r"SSL connection using TLSv1.3")

    def test_wrong_host_and_unknown_ca_refused(self):
        srv = th.serve(self, self.pki, self.root, cert=self.pki.wrong_cert, key=self.pki.wrong_key)
        p = self.curl(th.https(srv, "/hello.txt"), ok=False)
        self.assertEqual(p.returncode, 60, p.stderr)
        self.assertIn(b"localhost", p.stderr)
        good = th.serve(self, self.pki, self.root)
        p = hh.run(["curl", "-sS", "--capath", "/nonexistent", "--cacert", self.pki.wrong_cert,
                    th.https(good, "/hello.txt")])
        self.assertEqual(p.returncode, 60, p.stderr)

    def test_renewed_certificate_without_restart(self):
        cert, key = os.path.join(self.out, "cert.pem"), os.path.join(self.out, "key.pem")
        shutil.copy(self.pki.wrong_cert, cert)
        shutil.copy(self.pki.wrong_key, key)
        srv = th.serve(self, self.pki, self.root, cert=cert, key=key)
        self.assertEqual(self.curl(th.https(srv, "/hello.txt"), ok=False).returncode, 60)
        # certbot's way: the new files replace the old ones by rename.
        for src, dst in ((self.pki.cert, cert), (self.pki.key, key)):
            shutil.copy(src, dst + ".new")
            os.rename(dst + ".new", dst)
        self.assertEqual(self.curl(th.https(srv, "/hello.txt")).stdout, b"hello over TLS\n")

    def test_under_filesvc_inetd(self):
        if not harness.INETD or not os.access(harness.INETD, os.X_OK):
            self.skipTest(harness.NOT_APPLICABLE + "filesvc-inetd is not built")
        import inetd_harness

        inetd = inetd_harness.Inetd([th.TLSD, "--cert", self.pki.cert, "--key", self.pki.key,
                                     "--"] + th.handler(self.root))
        self.addCleanup(inetd.stop)
        host, port = inetd.addrs[0]
        p = self.curl("--resolve", "localhost:%d:%s" % (port, host),
                      "https://localhost:%d/sub/data.bin" % port)
        self.assertEqual(p.stdout, self.data)
        inetd.wait_log(r"filesvc-handler: 127\.0\.0\.1:\d+ GET /sub/data.bin 200")

    def test_under_filesvc_inetd_fork_server(self):
        """The supervisor's drop-in: filesvc-tlsd started once, cloned per connection."""
        if not harness.INETD or not os.access(harness.INETD, os.X_OK):
            self.skipTest(harness.NOT_APPLICABLE + "filesvc-inetd is not built")
        import inetd_harness

        inetd = inetd_harness.Inetd([th.TLSD, "--cert", self.pki.cert, "--key", self.pki.key,
                                     "--"] + th.handler(self.root),
                                    opts=["--fork-server", "-v"])
        self.addCleanup(inetd.stop)
        host, port = inetd.addrs[0]
        resolve = ["--resolve", "localhost:%d:%s" % (port, host)]
        for _ in range(3):
            p = self.curl(*resolve, "https://localhost:%d/sub/data.bin" % port)
            self.assertEqual(p.stdout, self.data)
        # Three clones, each filesvc-inetd's child, reaped and logged by it.
        harness.wait_until(lambda: sum("exited with status 0" in l for l in inetd.lines) == 3,
                           what="three clones' exits logged")
        self.assertEqual(len(re.findall(r"filesvc-handler: 127\.0\.0\.1:\d+ GET /sub/data\.bin 200",
                                        "\n".join(inetd.lines))), 3, inetd.lines)
        # Keep-alive and a range through a clone, as through an exec'd tlsd.
        p = self.curl(*resolve, "-r", "10-19", "https://localhost:%d/sub/data.bin" % port,
                      "https://localhost:%d/hello.txt" % port)
        self.assertEqual(p.stdout, self.data[10:20] + b" TLS\n")	# -r is for both URLs

    def test_unreadable_key_is_one_line_and_exit_1(self):
        d = th.Direct(self.pki, ["true"], ["--key", "/nonexistent/key.pem"])
        d.sock.close()
        status, err = d.finish()
        self.assertEqual(status, 1)
        self.assertEqual(err.strip().split("\n"),
                         ["filesvc-tlsd: cannot read key /nonexistent/key.pem: "
                          "No such file or directory"], err)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
