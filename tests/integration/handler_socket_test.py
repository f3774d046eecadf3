#!/usr/bin/env python3
"""filesvc-handler over real loopback sockets, under systemd-socket-activate --inetd -a."""

import hashlib
import os
import socket
import struct
import time
import unittest

import harness
from harness import Server, children, wait_until






class SocketCase(harness.TreeCase):
    extra = ()

    def setUp(self):
        super().setUp()
        self.data = os.urandom(3 << 20)
        self.write("big.bin", self.data)
        self.write("dir/x y.txt", b"spaced\n")
        self.srv = Server(self.root, extra=self.extra)
        self.addCleanup(self.srv.stop)


class BasicTest(SocketCase):
    def test_list_get_stat_quit(self):
        with self.srv.connect() as c:
            a = c.request(b"LIST")
            self.assertEqual(a.keys["entries"], "2")
            self.assertIn(b"d ", a.body)
            a = c.request(b"GET big.bin")
            self.assertEqual(a.keys["size"], str(len(self.data)))
            self.assertEqual(hashlib.sha256(a.body).digest(), hashlib.sha256(self.data).digest())
            a = c.request(b"GET big.bin 1000000 17")
            self.assertEqual(a.body, self.data[1000000:1000017])
            self.assertTrue(c.request(b"STAT dir/x%20y.txt").ok)
            self.assertEqual(c.request(b"GET nope").code, 404)
            self.assertEqual(c.request(b"GET ../x").code, 403)
            self.assertEqual(c.request(b"QUIT").header, b"OK 0")
            self.assertEqual(c.reader.rest(), b"")  # the server closed after QUIT

    def test_pipelined_burst(self):
        with self.srv.connect() as c:
            c.send(b"GET big.bin 0 10\n" * 50 + b"STAT big.bin\nGET dir/x%20y.txt\n")
            for _ in range(50):
                self.assertEqual(c.reader.answer().body, self.data[:10])
            self.assertTrue(c.reader.answer().ok)
            self.assertEqual(c.reader.answer().body, b"spaced\n")

    def test_every_byte_arrives_then_fin(self):
        # The client sends its request and QUIT at once, then reads slowly: the
        # handler's shutdown(SHUT_WR) and drain must not lose the tail to an RST.
        with self.srv.connect() as c:
            c.send(b"GET big.bin\nQUIT\n")
            time.sleep(0.3)
            got = c.reader.rest()
        hdr, _, rest = got.partition(b"\n")
        self.assertTrue(hdr.startswith(b"OK %d " % len(self.data)))
        self.assertEqual(rest[:len(self.data)], self.data)
        self.assertEqual(rest[len(self.data):], b"OK 0\n")

    def test_peer_address_logged(self):
        with self.srv.connect() as c:
            port = c.sock.getsockname()[1]
            c.request(b"STAT big.bin")
        wait_until(lambda: "STAT" in self.srv.logs(), what="log line")
        self.assertRegex(self.srv.logs(),
                         r"<6>filesvc-handler: 127\.0\.0\.1:%d STAT /big\.bin OK 0 " % port)

    def test_error_codes_keep_connection(self):
        with self.srv.connect() as c:
            for line, code in ((b"BOGUS", 400), (b"GET dir", 400), (b"GET nope", 404),
                               (b"GET ..", 403), (b"GET big.bin 99999999", 416)):
                self.assertEqual(c.request(line).code, code)
            self.assertTrue(c.request(b"STAT big.bin").ok)

    def test_414_closes(self):
        with self.srv.connect() as c:
            a = c.request(b"LIST " + b"a" * 5000)
            self.assertEqual(a.code, 414)
            self.assertEqual(c.reader.rest(), b"")

    def test_disconnect_mid_download(self):
        self.write("huge.bin", b"\0" * (64 << 20))
        c = self.srv.connect()
        c.send(b"GET huge.bin\n")
        c.reader.line()
        c.reader.exactly(1 << 20)
        # RST instead of FIN: the handler is mid-sendfile and must end quietly.
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        wait_until(lambda: not children(self.srv.proc.pid), what="the handler to exit")
        logs = self.srv.logs()
        line = [l for l in logs.splitlines() if "GET /huge.bin" in l]
        self.assertEqual(len(line), 1, logs)
        sent = int(line[0].split()[5])
        self.assertLess(sent, 64 << 20)  # the log tells the truth about a cut transfer
        # ...and says it was cut, with what was promised (issue 18), as a warning.
        self.assertTrue(line[0].startswith("<4>"), line[0])
        self.assertTrue(line[0].endswith(" cut: %d of %d bytes sent" % (sent, 64 << 20)), line[0])
        self.assertNotIn("<3>", logs)  # a client leaving is not a server error


class ChangingFileTest(SocketCase):
    """A file truncated or replaced while it is sent: the promised bytes, or a short body and
    close; never padding, never bytes of another file."""

    def start(self, name, size):
        data = os.urandom(size)
        self.write(name, data)
        c = self.srv.connect()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        c.send(b"GET %s\nSTAT %s\n" % (name.encode(), name.encode()))
        hdr = c.reader.line()
        self.assertTrue(hdr.startswith(b"OK %d " % size))
        first = c.reader.exactly(256 * 1024)
        return c, data, first

    def test_truncated_gives_short_body_then_close(self):
        size = 64 << 20
        c, data, first = self.start("shrink.bin", size)
        os.truncate(os.path.join(self.root, "shrink.bin"), 1 << 20)
        rest = c.reader.rest()  # ends at EOF: the handler closed instead of padding
        got = first + rest
        c.close()
        self.assertLess(len(got), size)
        self.assertEqual(got[:len(first)], data[:len(first)])
        # sendfile(2) queues page references, not copies: bytes queued before the
        # truncation may read as the zeros the kernel put in the truncated range
        # (docs/protocol.md, "Broken promises").  Never any other byte.
        for i in range(len(first), len(got), 1 << 16):
            chunk = got[i:i + (1 << 16)]
            self.assertTrue(chunk == data[i:i + len(chunk)] or chunk.count(0) == len(chunk) or
                            all(a == b or a == 0 for a, b in zip(chunk, data[i:i + len(chunk)])),
                            "byte %d: neither the file's bytes nor zeros" % i)
        wait_until(lambda: "file shrank" in self.srv.logs(), what="the log line")

    def test_replaced_keeps_sending_the_old_file(self):
        size = 16 << 20
        c, data, first = self.start("swap.bin", size)
        new = os.path.join(self.root, "swap.new")
        with open(new, "wb") as f:
            f.write(b"N" * size)
        os.rename(new, os.path.join(self.root, "swap.bin"))
        body = first + c.reader.exactly(size - len(first))
        self.assertEqual(body, data)  # the file it opened, whole
        self.assertTrue(c.reader.answer().ok)  # and the connection goes on
        c.close()


class IdleTest(SocketCase):
    extra = ("--timeout", "1")

    def test_idle_408_then_close(self):
        with self.srv.connect() as c:
            t0 = time.monotonic()
            c.send(b"ST")
            self.assertEqual(c.reader.answer().code, 408)
            self.assertEqual(c.reader.rest(), b"")
            self.assertLess(time.monotonic() - t0, 10)

    def test_client_that_stops_reading(self):
        self.write("huge.bin", b"\0" * (64 << 20))
        c = self.srv.connect()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.send(b"GET huge.bin\n")
        # Read nothing: the window closes, the handler's send times out and it exits.
        wait_until(lambda: "GET /huge.bin" in self.srv.logs(), timeout=30,
                   what="the handler to give up on a client that does not read")
        wait_until(lambda: not children(self.srv.proc.pid), what="the handler to exit")
        c.close()


def data_segments_in(sock):
    """TCP_INFO's tcpi_data_segs_in: the segments with data this socket has received."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return struct.unpack_from("I", info, 152)[0]


class OneSegmentTest(harness.TreeCase):
    """A small answer's header waits (MSG_MORE) for its body: both leave in one segment."""

    def test_header_and_body_in_one_segment(self):
        self.write("small", b"s" * 1000)
        self.write("empty")
        self.write("dir/a")
        cases = ((b"GET small", b"s" * 1000), (b"GET small 10 5", b"s" * 5),
                 (b"LIST dir", None), (b"GET empty", b""), (b"STAT small", b""))
        with Server(self.root) as srv:
            for line, body in cases:
                # A handler stalled between header and body (a loaded CI machine) may see
                # the header pushed alone: three tries, one must be a single segment.
                # Without MSG_MORE every try counts two.
                counts = []
                for _ in range(3):
                    with self.subTest(line=line), srv.connect() as c:
                        before = data_segments_in(c.sock)
                        a = c.request(line)  # times out if a held header were never pushed
                        self.assertTrue(a.ok, a.header)
                        if body is not None:
                            self.assertEqual(a.body, body)
                        counts.append(data_segments_in(c.sock) - before)
                    if counts[-1] == 1:
                        break
                self.assertIn(1, counts, line)


class Ipv6Test(harness.TreeCase):
    def test_v6_loopback(self):
        if not socket.has_ipv6:
            raise unittest.SkipTest("no IPv6 on this machine")
        try:
            with socket.socket(socket.AF_INET6) as s:
                s.bind(("::1", 0))
        except OSError as e:
            raise unittest.SkipTest("no ::1 here: %s" % e)
        self.write("f", b"six66\n")
        with Server(self.root, host="::1") as srv:
            with srv.connect() as c:
                port = c.sock.getsockname()[1]
                self.assertEqual(c.request(b"GET f").body, b"six66\n")
            wait_until(lambda: "GET /f" in srv.logs(), what="log line")
            self.assertIn("[::1]:%d GET /f OK 6" % port, srv.logs())


class DualStackTest(harness.TreeCase):
    def test_v4_mapped_peer_logged_as_v4(self):
        try:
            with socket.socket(socket.AF_INET6) as s:
                s.bind(("::", 0))
        except OSError as e:
            raise unittest.SkipTest("no IPv6 here: %s" % e)
        self.write("f", b"x")
        log = open(os.path.join(self.root, ".log"), "w+b")
        # "[::]:PORT" dual-stack, as systemd's ListenStream=PORT listens.
        sock = harness.listener("::")
        port = sock.getsockname()[1]
        with sock:
            proc = harness.subprocess.Popen(harness.with_listen_fd(
                [harness.SOCKET_ACTIVATE, "--inetd", "-a", ] + harness.handler_argv("--root", self.root)),
                stdin=sock, stdout=harness.subprocess.DEVNULL, stderr=log)
        self.addCleanup(harness.stop, proc)
        with harness.Conn("127.0.0.1", port) as c:
            cport = c.sock.getsockname()[1]
            self.assertTrue(c.request(b"STAT f").ok)

        def logged():
            log.seek(0)
            return log.read().decode()
        wait_until(lambda: "STAT /f" in logged(), what="log line")
        self.assertIn(" 127.0.0.1:%d STAT /f OK" % cport, logged())
        ours = [l for l in logged().splitlines() if "filesvc-handler:" in l]
        self.assertFalse(any("::ffff:" in l for l in ours), ours)


class SparseTest(harness.TreeCase):
    def test_offset_past_4gib(self):
        path = os.path.join(self.root, "sparse")
        size = (5 << 30) + 123
        with open(path, "wb") as f:
            f.truncate(size)
            f.seek((4 << 30) + 7)
            f.write(b"beyond-4GiB")
        with Server(self.root) as srv, srv.connect() as c:
            a = c.request(b"STAT sparse")
            self.assertEqual(a.keys["size"], str(size))
            a = c.request(b"GET sparse %d 11" % ((4 << 30) + 7))
            self.assertEqual(a.keys["size"], str(size))
            self.assertEqual(a.body, b"beyond-4GiB")
            a = c.request(b"GET sparse %d" % (size - 5))
            self.assertEqual(a.body, b"\0" * 5)
            self.assertEqual(c.request(b"GET sparse %d" % (size + 1)).code, 416)


if __name__ == "__main__":
    harness.main()
