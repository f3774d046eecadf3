#!/usr/bin/env python3
"""filesvc-handler while the host renames files elsewhere: with --show-hidden,
openat2 answers EAGAIN to a lookup that crosses ".." whenever a rename anywhere
moves the kernel's rename_lock.  Nothing under the root changes, so a GET of a
link that climbs with ".." is never 503 and a LIST never leaves an entry out."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import handler_argv, run_pipe
from handler_pipe_test import answers

# Renames a file back and forth outside the root (tests/integration/rename_loop.c).
RENAME_LOOP = os.environ.get("FILESVC_RENAME_LOOP")

ROUNDS = 1000
SECONDS = 4


class BusyHost(harness.TreeCase):
    def setUp(self):
        super().setUp()
        self.write("dir/f.txt", b"x\n")
        os.mkdir(os.path.join(self.root, "dir", "sub"))
        # Many ".." make the lookup long, and its window for a rename wide.
        climb = "/sub/.." * 500 + "/f.txt"
        os.symlink("dir" + climb, os.path.join(self.root, "climb"))
        os.symlink("../dir" + climb, os.path.join(self.root, "dir", "back"))
        elsewhere = tempfile.mkdtemp(prefix="filesvc-renames-")
        self.addCleanup(shutil.rmtree, elsewhere, ignore_errors=True)
        a = os.path.join(elsewhere, "a")
        open(a, "w").close()
        self.renamer = subprocess.Popen([RENAME_LOOP, a, os.path.join(elsewhere, "b"), "60"],
                                        stdout=subprocess.PIPE)
        self.addCleanup(self.renamer.stdout.close)
        self.addCleanup(harness.stop, self.renamer)
        self.assertEqual(self.renamer.stdout.readline(), b"renaming\n")

    def check_run(self):
        reqs = b"GET climb\nLIST\nGET dir/back\nLIST dir\n" * ROUNDS
        rc, out, err = run_pipe(handler_argv("--root", self.root, "--show-hidden"), reqs, 120)
        self.assertEqual(rc, 0, err)
        got = answers(out)
        self.assertEqual(len(got), 4 * ROUNDS)
        bad = [a.header for a in got if not a.ok]
        self.assertEqual(len(bad), 0, "%d of %d requests failed: %r" % (len(bad), len(got),
                                                                        bad[:3]))
        for i in range(ROUNDS):
            get1, list1, get2, list2 = got[4 * i:4 * i + 4]
            self.assertEqual((get1.body, get2.body), (b"x\n", b"x\n"))
            self.assertEqual(list1.keys["entries"], "2", list1.body)  # climb, dir
            self.assertEqual(list2.keys["entries"], "3", list2.body)  # back, f.txt, sub

    def test_links_through_dotdot_are_served_and_listed(self):
        # How often a rename hits a lookup depends on the load: a few seconds of runs.
        end = time.monotonic() + SECONDS
        runs = 0
        while runs == 0 or time.monotonic() < end:
            self.check_run()
            runs += 1
        self.assertIsNone(self.renamer.poll(), "the renamer stopped early")


if __name__ == "__main__":
    if not RENAME_LOOP:
        raise SystemExit("FILESVC_RENAME_LOOP is not set (run through meson test)")
    harness.main()
