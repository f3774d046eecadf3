#!/usr/bin/env python3
"""The systemd units as configured by meson: `systemd-analyze verify` on every
unit, `systemd-analyze security --offline=yes` exposure within the issue's
targets, and the tmpfiles.d snippet applied to a scratch root.

verify checks that ExecStart= binaries exist, so the units are copied with
their configured sbindir replaced by a directory of links to the binaries
this build made.  Nothing else in them changes.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

from harness import HANDLER, INETD, NOT_APPLICABLE, run_tests

# filesvc-tlsd, when this build made it (-Dtls): the TLS pair is installed only then.
TLSD = os.environ.get("FILESVC_TLSD", "")

ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
TMPFILES = shutil.which("systemd-tmpfiles") or "/usr/bin/systemd-tmpfiles"
# The build tree: <build>/handler/filesvc-handler -> <build>/units.
UNITDIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(HANDLER))), "units")
UNITS = ["filesvc.socket", "filesvc@.service", "filesvc-inetd.socket", "filesvc-inetd.service"]
TLS_UNITS = ["filesvc-tls.socket", "filesvc-tls@.service"]
if TLSD:
    UNITS += TLS_UNITS
# Exposure ceilings from issue 5 (and issue 22 for the TLS pair).
TARGETS = {"filesvc@.service": 1.0, "filesvc-inetd.service": 2.0}
if TLSD:
    TARGETS["filesvc-tls@.service"] = 1.0


def configured_sbindir():
    """The sbindir meson put into the units, read back from ExecStart=."""
    with open(os.path.join(UNITDIR, "filesvc@.service")) as f:
        m = re.search(r"^ExecStart=(\S+)/filesvc-handler\b", f.read(), re.M)
    if m is None:
        raise AssertionError("filesvc@.service has no ExecStart= running filesvc-handler")
    return m.group(1)


class UnitsCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="filesvc-units-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.bin = os.path.join(self.dir, "sbin")
        os.mkdir(self.bin)
        os.symlink(os.path.abspath(HANDLER), os.path.join(self.bin, "filesvc-handler"))
        if INETD:
            os.symlink(os.path.abspath(INETD), os.path.join(self.bin, "filesvc-inetd"))
        if TLSD:
            os.symlink(os.path.abspath(TLSD), os.path.join(self.bin, "filesvc-tlsd"))
        sbindir = configured_sbindir()
        self.paths = {}
        for name in UNITS:
            with open(os.path.join(UNITDIR, name)) as f:
                text = f.read()
            self.assertIsNone(re.search(r"@[a-z_]+@", text), "%s: unsubstituted @var@" % name)
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text.replace(sbindir + "/", self.bin + "/"))
            self.paths[name] = path

    def analyze(self, *args):
        p = subprocess.run([ANALYZE] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60, cwd=self.dir)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def test_verify(self):
        names = [n for n in UNITS if INETD or "inetd" not in n]
        rc, out = self.analyze("verify", "--man=no", *[self.paths[n] for n in names])
        print("systemd-analyze verify %s: status %d\n%s" % (" ".join(names), rc, out))
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.strip(), "", "verify said something")

    def test_security(self):
        for name, ceiling in TARGETS.items():
            with self.subTest(unit=name):
                rc, out = self.analyze("security", "--offline=yes", "--no-pager",
                                       self.paths[name])
                m = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", out)
                self.assertIsNotNone(m, out)
                score = float(m.group(1))
                print("%s: exposure %.1f %s (target <= %.1f)" % (name, score, m.group(2), ceiling))
                self.assertLessEqual(score, ceiling, out)

    def test_tls_credentials(self):
        """The TLS pair: the key and chain come as credentials, tlsd reads them from
        $CREDENTIALS_DIRECTORY and runs the handler behind it; the preset leaves the
        socket disabled."""
        if not TLSD:
            self.skipTest(NOT_APPLICABLE + "filesvc-tlsd is not built (-Dtls)")
        with open(self.paths["filesvc-tls@.service"]) as f:
            unit = f.read()
        creds = dict(re.findall(r"^LoadCredential=([^:\n]+):(\S+)$", unit, re.M))
        self.assertEqual(sorted(creds), ["fullchain.pem", "privkey.pem"], unit)
        for path in creds.values():
            self.assertTrue(path.endswith("/filesvc/tls/" + os.path.basename(path)), path)
        m = re.search(r"^ExecStart=(.*)$", unit, re.M)
        argv = m.group(1).split()
        self.assertEqual(os.path.basename(argv[0]), "filesvc-tlsd", argv)
        self.assertIn("${CREDENTIALS_DIRECTORY}/privkey.pem", argv)
        self.assertIn("${CREDENTIALS_DIRECTORY}/fullchain.pem", argv)
        after = argv[argv.index("--") + 1:]
        self.assertEqual(os.path.basename(after[0]), "filesvc-handler", argv)
        self.assertNotIn("${CREDENTIALS_DIRECTORY}", " ".join(after))
        preset = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "units",
                              "filesvc.preset")
        with open(preset) as f:
            self.assertIn("disable filesvc-tls.socket", f.read().split("\n"))

    def test_tls_dropin(self):
        """The supervisor pair's TLS drop-ins (packaging/systemd, shipped as examples):
        systemd-analyze reads them beside the units, and they must verify, run
        filesvc-tlsd under filesvc-inetd, and keep the service's exposure."""
        if not TLSD or not INETD:
            self.skipTest(NOT_APPLICABLE + "filesvc-tlsd or filesvc-inetd is not built")
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packaging",
                           "systemd")
        for unit in ("filesvc-inetd.service", "filesvc-inetd.socket"):
            os.mkdir(os.path.join(self.dir, unit + ".d"))
            with open(os.path.join(src, unit + ".d", "tls.conf")) as f:
                text = f.read()
            with open(os.path.join(self.dir, unit + ".d", "tls.conf"), "w") as f:
                f.write(text.replace("/usr/sbin/", self.bin + "/"))
            if unit.endswith(".service"):
                starts = re.findall(r"^ExecStart=(.*)$", text, re.M)
                self.assertEqual(starts[0], "", "ExecStart= is not reset first")
                argv = starts[1].split()
                self.assertEqual([os.path.basename(a) for a in argv if "/" in a
                                  and "CREDENTIALS" not in a],
                                 ["filesvc-inetd", "filesvc-tlsd", "filesvc-handler"], argv)
                self.assertNotIn("--handler-seccomp", argv)
            else:
                self.assertIn("\nListenStream=\nListenStream=7443\n", text)
        rc, out = self.analyze("verify", "--man=no", self.paths["filesvc-inetd.socket"],
                               self.paths["filesvc-inetd.service"])
        print("verify with the TLS drop-ins: status %d\n%s" % (rc, out))
        self.assertEqual((rc, out.strip()), (0, ""))
        rc, out = self.analyze("security", "--offline=yes", "--no-pager",
                               self.paths["filesvc-inetd.service"])
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
        self.assertIsNotNone(m, out)
        print("filesvc-inetd.service with the TLS drop-in: exposure %s" % m.group(1))
        self.assertLessEqual(float(m.group(1)), TARGETS["filesvc-inetd.service"], out)

    def test_tmpfiles(self):
        if os.geteuid() != 0:
            self.skipTest("systemd-tmpfiles --root must chown to root: not root")
        conf = os.path.join(UNITDIR, "filesvc.conf")
        root = os.path.join(self.dir, "root")
        os.mkdir(root)
        p = subprocess.run([TMPFILES, "--root=" + root, "--create", conf],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout)
        st = os.stat(os.path.join(root, "srv", "filesvc"))
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o755)
        self.assertEqual((st.st_uid, st.st_gid), (0, 0))

    def test_installs_under_its_prefix(self):
        # Only a /usr build (a package's) may install into /lib or /usr/lib: a
        # local one under /usr/local writing there would clash with dpkg's files.
        build = os.path.dirname(UNITDIR)
        meson = shutil.which("meson") or "/usr/bin/meson"
        opts = json.loads(subprocess.run([meson, "introspect", "--buildoptions", build],
                                         stdout=subprocess.PIPE, check=True).stdout)
        prefix = [o["value"] for o in opts if o["name"] == "prefix"][0]
        dests = json.loads(subprocess.run([meson, "introspect", "--installed", build],
                                          stdout=subprocess.PIPE, check=True).stdout).values()
        self.assertTrue([d for d in dests if d.endswith("/filesvc-inetd.socket")], dests)
        if prefix != "/usr":
            self.assertEqual([d for d in dests if not d.startswith(prefix + "/")], [])


if __name__ == "__main__":
    if not HANDLER or not os.access(HANDLER, os.X_OK):
        raise SystemExit("FILESVC_HANDLER is not set to an executable (run through meson test)")
    status = run_tests()
    if status:
        sys.exit(status)
    if not INETD:
        print("skipped: filesvc-inetd is not built, its service was not verified")
        sys.exit(77)
