#!/usr/bin/env python3
"""Each program's --help and its man page name the same long options (R33):
an option added to one and forgotten in the other fails here."""

import os
import re
import subprocess
import unittest

from harness import FGET, HANDLER, INETD, NOT_APPLICABLE, run_tests
from tls_harness import TLSD

MAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "man")


def help_options(exe):
    out = subprocess.run([exe, "--help"], stdout=subprocess.PIPE, timeout=10, check=True).stdout
    # The option table's lines only: an example may name another program's options.
    return set(re.findall(r"^ +(?:-\w, )?--([a-z][a-z0-9-]*)", out.decode(), re.M))


def man_options(page):
    with open(os.path.join(MAN, page)) as f:
        return set(re.findall(r"Fl \\-([a-z][a-z0-9-]*)", f.read()))


class ManCase(unittest.TestCase):
    def compare(self, exe, page, elsewhere=()):
        if not exe:
            self.skipTest(NOT_APPLICABLE + "%s is not built" % page)
        helped, documented = help_options(exe), man_options(page) - set(elsewhere)
        self.assertEqual(helped - documented, set(), "in --help, missing from " + page)
        self.assertEqual(documented - helped, set(), "in %s, missing from --help" % page)

    def test_handler(self):
        # Its page names filesvc-inetd's --handler-seccomp, which starts it.
        self.compare(HANDLER, "filesvc-handler.8", elsewhere=("handler-seccomp",))

    def test_inetd(self):
        self.compare(INETD, "filesvc-inetd.8")

    def test_fget(self):
        self.compare(FGET, "fget.1")

    def test_tlsd(self):
        # Its page names what starts it and what it starts: --inetd, --fork-server, --root.
        self.compare(TLSD, "filesvc-tlsd.8", elsewhere=("inetd", "fork-server", "root"))


if __name__ == "__main__":
    raise SystemExit(run_tests())
