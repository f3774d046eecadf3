#!/usr/bin/env python3
"""Client side of tests/systemd/run, run on the host under `nsenter --net`
so that 127.0.0.1 is the booted container's loopback.  Standard library
only; speaks protocol 1 through tests/integration/harness.py.

  netclient.py PORT hold N        open N connections, STAT / on each, print
                                  "ready", keep them until stdin closes
  netclient.py PORT raw LINE...   send each line, print each answer header
  netclient.py PORT fetch PATH    GET PATH, print "<bytes> <sha256>"
  netclient.py PORT slow PATH     GET PATH, print "started" after the header,
                                  read at ~16 MiB/s, print "<bytes> <sha256>"
  netclient.py PORT burst N       open N connections at once and close them
                                  unanswered; print how many were made
"""

import hashlib
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Conn  # noqa: E402

HOST = "127.0.0.1"


def hold(port, n):
    conns = [Conn(HOST, port, timeout=20) for _ in range(n)]
    for c in conns:
        a = c.request(b"STAT /")
        if not a.ok:
            raise SystemExit("STAT / answered %r" % a.header)
    print("ready", flush=True)
    sys.stdin.read()
    for c in conns:
        c.request(b"QUIT")
        c.close()


def raw(port, lines):
    with Conn(HOST, port, timeout=20) as c:
        for line in lines:
            print(c.request(line.encode()).header.decode(), flush=True)


def fetch(port, path, slow):
    with Conn(HOST, port, timeout=30) as c:
        c.send(b"GET " + path.encode() + b"\n")
        header = c.reader.line()
        if not header.startswith(b"OK "):
            raise SystemExit("GET %s answered %r" % (path, header))
        n = int(header.split(b" ")[1])
        if slow:
            print("started", flush=True)
        h, got = hashlib.sha256(), 0
        data, c.reader.buf = c.reader.buf, b""
        while True:
            data = data[:n - got]
            h.update(data)
            got += len(data)
            if got >= n:
                break
            data = c.sock.recv(1 << 16)
            if not data:
                break  # a short body: the caller sees the count
            if slow:
                time.sleep(len(data) / (16 << 20))
        print("%d %s" % (got, h.hexdigest()), flush=True)


def burst(port, n):
    made = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect((HOST, port))
            made.append(s)
        except OSError:
            s.close()
    for s in made:
        s.close()
    print(len(made), flush=True)


def main():
    port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if mode == "hold":
        hold(port, int(args[0]))
    elif mode == "raw":
        raw(port, args)
    elif mode == "burst":
        burst(port, int(args[0]))
    elif mode in ("fetch", "slow"):
        fetch(port, args[0], mode == "slow")
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
