#!/usr/bin/env python3
"""filesvc-inetd --syslog: its own lines and its handlers' reach /dev/log as
syslog datagrams (facility daemon, tag[pid]), none on the old stderr.  In a
private mount namespace /dev/log is a socket this test binds, so the host's
syslog (if any) is left alone."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

import harness
import inetd_harness as ih
from harness import HANDLER, INETD, handler_argv

# A tmpfs over /dev with /dev/null and our socket as /dev/log, then PROGRAM.
NAMESPACE = ('mount --rbind /dev "$2" && mount -t tmpfs tmpfs /dev && '
             'touch /dev/null /dev/log && mount --bind "$2/null" /dev/null && '
             'mount --bind "$1" /dev/log && shift 2 && exec "$@"')


class Syslog(ih.InetdCase):
    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"),
                         "a private /dev/log needs root and unshare(1)")
    def test_supervisor_and_handler_lines_reach_syslog(self):
        tmp = tempfile.mkdtemp(prefix="filesvc-syslog-")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.mkdir(os.path.join(tmp, "dev"))
        log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        log.bind(os.path.join(tmp, "log"))
        self.addCleanup(log.close)
        log.settimeout(20)
        err = tempfile.TemporaryFile()
        self.addCleanup(err.close)
        proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", NAMESPACE, "sh",
             os.path.join(tmp, "log"), os.path.join(tmp, "dev"), INETD, "--syslog"]
            + ih.ALLOW_ROOT + ["-l", "127.0.0.1:0", "--"] + handler_argv("--root", self.root),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        self.addCleanup(harness.stop, proc)
        # LOG_DAEMON | notice, LOG_DAEMON | info: "<29>", "<30>", no newline.  The
        # listening line says which port the kernel picked, and that it listens.
        got = [log.recv(4096).decode()]
        listening = r"<29>filesvc-inetd\[\d+\]: listening on 127\.0\.0\.1:(\d+)$"
        while not re.match(listening, got[-1]):
            got.append(log.recv(4096).decode())
        port = int(re.match(listening, got[-1]).group(1))
        with harness.Conn("127.0.0.1", port) as c:
            self.check_served(c)
        while not any("GET /hello.txt OK 13" in m for m in got):
            got.append(log.recv(4096).decode())
        self.assertTrue([m for m in got if re.match(
            r"<30>filesvc-handler\[\d+\]: 127\.0\.0\.1:\d+ GET /hello\.txt OK 13 ", m)], got)
        self.assertEqual(harness.stop(proc), 0)
        err.seek(0)
        self.assertEqual(err.read(), b"")	# nothing on the old stderr


if __name__ == "__main__":
    ih.main()
