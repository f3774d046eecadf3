"""Helpers for filesvc-tlsd's tests: a test CA and certificates made by the openssl
CLI in a temporary directory, filesvc-tlsd in front of the real handler under
systemd-socket-activate --inetd (or filesvc-inetd), and filesvc-tlsd run directly on
one end of a socketpair, for what a test wants to see of one process.  Standard
library only (its ssl module is the client where no real client fits)."""

import ctypes
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile

import harness
import http_harness as hh

TLSD = os.environ.get("FILESVC_TLSD", "")


def handler(root, *extra):
    """The handler's command line on root: the one place the TLS tests build it (as
    root, a handler that demands --allow-root gets it here)."""
    return harness.handler_argv("--root", root, *extra)


def need_tlsd(case):
    """Skip case where filesvc-tlsd is not part of the build (-Dtls=disabled), by design."""
    if not TLSD or not os.access(TLSD, os.X_OK):
        case.skipTest(harness.NOT_APPLICABLE + "filesvc-tlsd is not built")


def openssl(*args):
    p = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), p.stderr.decode()))


class Pki:
    """A CA, a server certificate for localhost and 127.0.0.1 signed by it (RSA 2048,
    as most sites have), and one for another host name; keys 0600."""

    def __init__(self, case):
        self.dir = tempfile.mkdtemp(prefix="filesvc-pki-")
        case.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        os.chmod(self.dir, 0o755)
        self.ca = self.path("ca.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", self.path("ca.key"), "-out", self.ca, "-days", "2",
                "-subj", "/CN=filesvc test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.cert, self.key = self.issue("server", "DNS:localhost,IP:127.0.0.1")
        self.wrong_cert, self.wrong_key = self.issue("wrong", "DNS:wrong.example")

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, san):
        key, csr, cert, ext = (self.path(name + s) for s in (".key", ".csr", ".pem", ".ext"))
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                "-subj", "/CN=" + name)
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n" % san)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.path("ca.key"),
                "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
        os.chmod(key, 0o600)
        os.chmod(cert, 0o644)
        return cert, key


class TlsServer:
    """filesvc-tlsd under systemd-socket-activate --inetd -a on 127.0.0.1, running
    command (default: the handler on root); harness.Server's face (host, port, proc,
    logs, stop), so http_harness's helpers work on it."""

    def __init__(self, pki, command, tlsd_args=(), cert=None, key=None):
        self.host = "127.0.0.1"
        args = [TLSD, "--cert", cert or pki.cert, "--key", key or pki.key] + list(tlsd_args)
        self.proc, self.port, self.log = harness.socket_activated(
            args + ["--"] + list(command), self.host)

    def logs(self):
        return self.log.text()

    def stop(self):
        harness.stop(self.proc)
        self.log.close()


def serve(case, pki, root=None, command=None, tlsd_args=(), **kw):
    """TlsServer for case's test, stopped at its end; fails the test on a sanitizer
    report in the shared log."""
    command = command or handler(root)
    return hh.stopped_at_end(case, TlsServer(pki, command, tlsd_args, **kw))


def tlsd_lines(srv):
    """filesvc-tlsd's log lines, without their priority."""
    return [re.sub(r"^<\d>", "", l) for l in srv.logs().split("\n") if "filesvc-tlsd:" in l]


def https(srv, path="/", host="localhost"):
    return "https://%s:%d%s" % (host, srv.port, path)


def client_context(pki):
    """A client context that trusts the test CA only and checks the host name."""
    ctx = ssl.create_default_context(cafile=pki.ca)
    return ctx


def connect(srv, pki, host="localhost", timeout=20.0):
    """A TLS connection to srv, verified against the test CA, as an ssl.SSLSocket."""
    raw = socket.create_connection((srv.host, srv.port), timeout=timeout)
    return client_context(pki).wrap_socket(raw, server_hostname=host, suppress_ragged_eofs=False)


def tcp_pair():
    """Both ends of one loopback TCP connection: (client, server)."""
    with socket.create_server(("127.0.0.1", 0)) as lst:
        client = socket.create_connection(lst.getsockname())
        server, _ = lst.accept()
    return client, server


def pidfd_getfd(pid, fd):
    """A copy of process pid's descriptor fd (pidfd_getfd(2): ptrace access to pid
    needed), as a socket object; raises OSError."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        got = libc.syscall(438, pidfd, fd, 0)  # SYS_pidfd_getfd, the same on every arch
        if got < 0:
            e = ctypes.get_errno()
            raise OSError(e, "pidfd_getfd: %s" % os.strerror(e))
    finally:
        os.close(pidfd)
    return socket.socket(fileno=got)


class Direct:
    """filesvc-tlsd on one end of a socketpair (tcp: of a loopback TCP connection), its
    stderr captured; the test holds the other end, plain (self.sock) until it wraps it."""

    def __init__(self, pki, command, tlsd_args=(), env=None, prefix=(), tcp=False, key=None):
        self.sock, theirs = tcp_pair() if tcp else socket.socketpair()
        tlsd = [TLSD, "--cert", pki.cert, "--key", key or pki.key] + list(tlsd_args)
        self.proc = subprocess.Popen(
            list(prefix) + tlsd + ["--"] + list(command), stdin=theirs, stdout=theirs,
            stderr=subprocess.PIPE, env=env)
        theirs.close()

    def tls(self, pki, host="localhost"):
        """Wrap our end in TLS (SSLSocket), verified against the test CA."""
        self.sock.settimeout(20)
        # Unsuppressed, an EOF without close_notify raises: recv() gives b"" only for one.
        return client_context(pki).wrap_socket(self.sock, server_hostname=host,
                                               suppress_ragged_eofs=False)

    def finish(self, timeout=30):
        """Wait for tlsd's exit; (status, stderr text)."""
        _, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, re.sub(r"(?m)^<\d>", "", err.decode("utf-8", "replace"))


def read_all(tls):
    """Everything a TLS socket (wrapped with suppress_ragged_eofs=False) gives until
    close_notify; an EOF without one raises ssl.SSLEOFError."""
    out = b""
    while True:
        chunk = tls.recv(1 << 16)
        if not chunk:
            return out
        out += chunk


need = hh.need
