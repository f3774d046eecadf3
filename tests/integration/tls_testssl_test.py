#!/usr/bin/env python3
"""filesvc-tlsd judged by testssl.sh (Debian's): protocols, cipher categories,
forward secrecy and every vulnerability check; nothing may be rated worse than OK or
INFO.  The certificate and the HTTP headers (-S, -h) are left out: they judge the test
CA's certificate and the handler, not tlsd.  testssl's summary goes to the test log."""

import json
import os
import shutil
import subprocess
import tempfile

import harness
import tls_harness as th

# Judged sections of the JSON report, and findings that must be there as given.
SECTIONS = ("protocols", "ciphers", "pfs", "vulnerabilities")
EXPECT = {
    "SSLv2": "not offered", "SSLv3": "not offered", "TLS1": "not offered",
    "TLS1_1": "not offered", "TLS1_2": "offered", "TLS1_3": "offered with final",
    "ALPN": "http/1.1", "cipherlist_NULL": "not offered", "cipherlist_EXPORT": "not offered",
    "cipherlist_LOW": "not offered", "cipherlist_3DES_IDEA": "not offered",
    "cipherlist_AVERAGE": "not offered", "PFS": "offered", "DH_groups": "ffdhe2048",
    "secure_client_renego": "not vulnerable", "heartbleed": "not vulnerable, no heartbeat extension",
}


class TestSsl(harness.TreeCase):
    def test_nothing_flagged(self):
        th.need_tlsd(self)
        th.need(self, "testssl", "openssl")
        pki = th.Pki(self)
        self.write("index.txt", b"scanned\n")
        srv = th.serve(self, pki, self.root)
        out = tempfile.mkdtemp(prefix="filesvc-testssl-")
        self.addCleanup(shutil.rmtree, out, ignore_errors=True)
        report = os.path.join(out, "report.json")
        p = subprocess.run(
            ["testssl", "--quiet", "--color", "0", "--warnings", "off", "--ip", "one",
             "-p", "-s", "-f", "-U", "--jsonfile-pretty", report, "127.0.0.1:%d" % srv.port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=540,
            env=dict(os.environ, HOME=out))
        text = p.stdout.decode("utf-8", "replace")
        print(text)		# the summary, for the test log
        self.assertEqual(p.returncode, 0, text[-3000:])
        with open(report) as f:
            scan = json.load(f)["scanResult"][0]
        found, bad = {}, []
        for section in SECTIONS:
            self.assertIn(section, scan, "testssl did not run its %s checks" % section)
            for f in scan[section]:
                found[f["id"]] = f["finding"]
                if f["severity"] not in ("OK", "INFO"):
                    bad.append("%s %s: %s" % (f["severity"], f["id"], f["finding"]))
        self.assertEqual(bad, [], "testssl flagged:\n" + "\n".join(bad))
        for key, want in EXPECT.items():
            self.assertEqual(found.get(key), want, key)
        self.assertGreaterEqual(len([k for k in found if k in (
            "heartbleed", "CCS", "ticketbleed", "ROBOT", "CRIME_TLS", "BREACH", "POODLE_SSL",
            "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "LUCKY13", "RC4")]), 14)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests())
