#!/usr/bin/env python3
"""A listing's memory is the directory's entries and names, never its formatted body.

security.md promises a bound per connection: a listing holds about 64 bytes
per entry plus its names, and at most 2 MiB of formatted text, whichever
format it is sent in.  A larger body (an HTML line is several times its
name) is streamed, never held whole; these tests fail if it is."""

import os
import subprocess
import unittest

import harness

ENTRIES = 24000
NAME_LEN = 250
KEPT_KIB = 2048     # LISTBODY_KEEP_MAX: a body up to this is kept from counting to sending
# Entries (32 bytes) and the sort's room (32) per entry, the names twice over (an allocator
# that grows an array by copying holds the old one and the new one for a moment), what may
# be kept, a megabyte for buffers: what a listing may hold.
ALLOWED_KIB = ENTRIES * (64 + 2 * (NAME_LEN + 1)) // 1024 + KEPT_KIB + 1024


@unittest.skipIf(os.environ.get("FILESVC_SANITIZED") == "1",
                 harness.NOT_APPLICABLE + "a sanitizer's allocator holds freed memory on purpose")
class ListingMemory(harness.TreeCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tree = tempfile.mkdtemp(prefix="filesvc-mem-")
        for i in range(ENTRIES):
            # 244 bytes of "é": six bytes each in a LIST line and an href, two as HTML text
            name = ("%06d" % i) + "\u00e9" * ((NAME_LEN - 6) // 2)
            open(os.path.join(cls.tree, name), "w").close()

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.tree, ignore_errors=True)

    def run_one(self, request, header_end):
        """Run the handler over pipes; return (its peak RSS in KiB, what it answered).

        The peak is the handler's own VmHWM, read while it waits for its next
        request: rusage's maxrss would count the forked Python it was exec'd from."""
        p = subprocess.Popen(harness.handler_argv("--root", self.tree), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(request)
        p.stdin.flush()
        got = b""
        while header_end not in got:
            got += os.read(p.stdout.fileno(), 65536)
        head = got.split(header_end, 1)[0]
        if head.startswith(b"HTTP/"):
            length = int(head.split(b"Content-Length: ", 1)[1].split(b"\r\n", 1)[0])
        else:
            length = int(head.split(b" ")[1])
        while len(got) < len(head) + len(header_end) + length:
            got += os.read(p.stdout.fileno(), 1 << 20)
        with open("/proc/%d/status" % p.pid) as f:
            hwm = int([l for l in f if l.startswith("VmHWM:")][0].split()[1])
        p.stdin.close()
        p.stdout.read()
        self.assertEqual(p.wait(timeout=30), 0)
        return hwm, got

    def test_html_body_is_not_held(self):
        base, _ = self.run_one(b"STAT /\n", b"\n")
        peak, body = self.run_one(b"GET /?format=html HTTP/1.1\r\nHost: x\r\n\r\n", b"\r\n\r\n")
        self.assertIn(b"200 OK", body[:20])
        held = len(body) // 1024
        # Entries (32 bytes) and the sort's room (32) per entry, the names themselves,
        # what may be kept, buffers: what the listing may hold.  The body alone is more.
        allowed = ALLOWED_KIB
        self.assertGreater(held, allowed)
        self.assertLess(peak - base, allowed, "peak %d KiB over %d at rest, body %d KiB"
                        % (peak, base, held))


    def test_protocol1_list_likewise(self):
        base, _ = self.run_one(b"STAT /\n", b"\n")
        peak, body = self.run_one(b"LIST\n", b"\n")
        self.assertTrue(body.startswith(b"OK "))
        allowed = ALLOWED_KIB
        self.assertGreater(len(body) // 1024, allowed)
        self.assertLess(peak - base, allowed)


if __name__ == "__main__":
    harness.main()
