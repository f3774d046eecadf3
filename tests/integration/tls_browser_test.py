#!/usr/bin/env python3
"""The listing over https in a real browser: headless Chromium, trusting the test CA
through its own NSS database (certutil, in a temporary HOME; no
--ignore-certificate-errors), loads the listing and a file through filesvc-tlsd; the
same browser without the CA gets no page.  A screenshot is left in the test's log
directory for a human to look at."""

import os
import shutil
import subprocess
import tempfile

import harness
import http_browser_test as hb
import http_harness as hh
import tls_harness as th

CHROMIUM = "chromium"


class BrowserTls(harness.TreeCase):
    def setUp(self):
        super().setUp()
        th.need_tlsd(self)
        th.need(self, CHROMIUM, "certutil", "openssl")
        self.pki = th.Pki(self)
        self.write("hello.txt", b"hello from behind TLS\n")
        self.write("caf\u00e9/notes.txt", b"notes\n")
        self.srv = th.serve(self, self.pki, self.root)

    def home(self, trust):
        """A HOME with Chromium's NSS database; the test CA trusted for TLS if trust."""
        home = tempfile.mkdtemp(prefix="filesvc-chromium-tls-")
        self.addCleanup(shutil.rmtree, home, ignore_errors=True)
        db = os.path.join(home, ".pki", "nssdb")
        os.makedirs(db)
        for args in (["-N", "--empty-password"],
                     ["-A", "-t", "C,,", "-n", "filesvc test CA", "-i", self.pki.ca]):
            if args[0] == "-A" and not trust:
                continue
            p = hh.run(["certutil", "-d", "sql:" + db] + args)
            self.assertEqual(p.returncode, 0, p.stderr)
        return home

    def chromium(self, home, *args):
        p = hh.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--user-data-dir=" + os.path.join(home, "profile")] + list(args),
                   timeout=90, env=dict(os.environ, HOME=home))
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return p.stdout.decode("utf-8")

    def test_listing_and_file_with_the_ca_trusted(self):
        home = self.home(trust=True)
        page = hb.Links()
        page.feed(self.chromium(home, "--dump-dom", th.https(self.srv, "/")))
        self.assertEqual(page.title, "Index of /")
        self.assertEqual(sorted(t for t, _ in page.links), ["caf\u00e9/", "hello.txt"])
        dom = self.chromium(home, "--dump-dom", th.https(self.srv, "/hello.txt"))
        self.assertIn("hello from behind TLS", dom)
        out = os.path.join(hb.LOGDIR, "tls-browser")
        os.makedirs(out, exist_ok=True)
        shot = os.path.join(out, "listing-https-1024x768.png")
        if os.path.exists(shot):
            os.unlink(shot)
        self.chromium(home, "--screenshot=" + shot, "--window-size=1024,768",
                      th.https(self.srv, "/"))
        size, ink = hb.png_size_and_ink(shot)
        self.assertEqual(size, (1024, 768))
        self.assertTrue(ink, "%s is blank" % shot)
        print("screenshot of the listing over https: %s" % shot)
        hh.settle(self.srv)
        self.assertRegex(self.srv.logs(), r"filesvc-handler: 127\.0\.0\.1:\d+ GET / 200 ")

    def test_no_page_without_the_ca(self):
        home = self.home(trust=False)
        dom = self.chromium(home, "--dump-dom", th.https(self.srv, "/"))
        self.assertNotIn("Index of /", dom)
        self.assertNotIn("hello.txt", dom)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
