#!/usr/bin/env python3
"""Golden transcripts: the normative documents' examples, run through the real handler.

Each transcript NAME is three files here: NAME.tree (the tree served), NAME.in (what
the client sends) and NAME.out (what the handler must answer).  For each one:

1. The tree is built in a fresh directory on tmpfs (/dev/shm), so that a directory's
   size (st_size, which protocol 1 shows) is the same on every machine: tmpfs gives 40
   for an empty directory and 20 more per entry.  NAME.tree has one line per entry,
   fields separated by tabs: "d<TAB>MTIME<TAB>PATH" or "f<TAB>MTIME<TAB>PATH<TAB>BYTES",
   BYTES with Python's backslash escapes (\\n, \\r, \\t, \\\\, \\xNN); "." is the root.
2. `filesvc-handler --root TREE < NAME.in` runs (with --allow-root when the suite runs
   as root), and its standard output must equal NAME.out byte for byte, with three
   exceptions in HTTP answers' header blocks only, which no tree can fix: the value of
   `Date:` (the time of the run), the version in `Server: filesvc/VERSION` (a rebuild
   with a bumped version must still pass), and the device and inode numbers that start
   an `ETag:` ("DEV-INO-SIZE-MTIME.NS", docs/http.md section 5).  Those are compared
   as placeholders; everything else, bodies included, byte for byte.
3. The document that shows the example must show exactly this transcript: a line
   `<!-- transcript NAME -->` in docs/protocol.md or docs/http.md, directly before a
   fenced block.  The block is the session as a terminal shows it: each request
   followed by its answer, in order (so a body without a final newline runs into the
   next request, as `nc` shows it), HTTP's CRLF shown as LF, after an optional first
   line "$ COMMAND" that says how it was typed.  Every transcript must appear in a
   document, and every marker must name a transcript.

Run by meson (`meson test transcripts`); FILESVC_HANDLER names the handler.
"""

import codecs
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = [os.path.join(HERE, "..", "..", "docs", d) for d in ("protocol.md", "http.md")]
HANDLER = os.environ.get("FILESVC_HANDLER", "")
MARKER = re.compile(r"^<!-- transcript (\S+) -->\n```[^\n]*\n(.*?)^```$", re.M | re.S)
HTTP_LINE = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP/1\.\d\r?$")
# What varies between runs in an HTTP header block, and its placeholder.
VARYING = [
    (re.compile(rb"^Date: [^\r\n]*", re.M), b"Date: <now>"),
    (re.compile(rb"^Server: filesvc/[^\r\n]*", re.M), b"Server: filesvc/<version>"),
    (re.compile(rb'^ETag: "[0-9a-f]+-[0-9a-f]+-', re.M), b'ETag: "<dev>-<ino>-'),
]


def build_tree(spec, root):
    """Make the entries NAME.tree describes beneath root, then set every mtime."""
    mtimes = []
    for n, line in enumerate(spec.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        path = os.path.join(root, f[2])
        if f[0] == "d" and len(f) == 3:
            os.makedirs(path, exist_ok=True)
        elif f[0] == "f" and len(f) == 4:
            with open(path, "wb") as out:
                out.write(codecs.escape_decode(f[3].encode())[0])
        else:
            raise SystemExit("tree line %d: want d/f, MTIME, PATH [, BYTES]: %r" % (n, line))
        mtimes.append((path, int(f[1])))
    # Only once every entry exists: making one changes its directory's mtime.
    for path, t in mtimes:
        os.utime(path, ns=(t * 10**9, t * 10**9), follow_symlinks=False)


def is_http(data):
    return HTTP_LINE.match(data.split(b"\n", 1)[0]) is not None


def split_protocol1(inp, out):
    """[(request line, its answer)]: an OK header carries its body's length."""
    reqs = inp.splitlines(keepends=True)
    pairs = []
    for req in reqs:
        hdr, nl, rest = out.partition(b"\n")
        n = int(hdr.split(b" ")[1]) if hdr.startswith(b"OK ") else 0
        ans, out = hdr + nl + rest[:n], rest[n:]
        pairs.append((req, ans))
    if out:
        pairs.append((b"", out))
    return pairs


def split_http(inp, out):
    """[(request head, its answer)]: Content-Length, but no body for HEAD, 204 and 304."""
    heads = [h + b"\r\n\r\n" for h in inp.split(b"\r\n\r\n") if h]
    pairs = []
    for req in heads:
        head, sep, rest = out.partition(b"\r\n\r\n")
        code = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
        m = re.search(rb"^Content-Length: (\d+)\r?$", head, re.M | re.I)
        n = int(m.group(1)) if m else 0
        if req.startswith(b"HEAD ") or code in (204, 304):
            n = 0
        pairs.append((req, head + sep + rest[:n]))
        out = rest[n:]
    if out:
        pairs.append((b"", out))
    return pairs


def normalised(inp, out):
    """out with the fields that vary between runs replaced, in HTTP header blocks only."""
    if not is_http(inp):
        return out
    try:
        pairs = split_http(inp, out)
    except (ValueError, IndexError):
        return out  # not even HTTP answers: compared as they are, and the diff shows it
    result = b""
    for _, ans in pairs:
        head, sep, body = ans.partition(b"\r\n\r\n")
        for rx, repl in VARYING:
            head = rx.sub(repl, head)
        result += head + sep + body
    return result


def rendered(inp, out):
    """The session as a terminal shows it: requests and answers in turn, CRLF as LF."""
    http = is_http(inp)
    pairs = split_http(inp, out) if http else split_protocol1(inp, out)
    text = b"".join(req + ans for req, ans in pairs)
    return text.replace(b"\r\n", b"\n") if http else text


def doc_blocks():
    """{transcript name: (document, block text)} from the markers in the documents."""
    found = {}
    for doc in DOCS:
        with open(doc, encoding="utf-8") as f:
            for m in MARKER.finditer(f.read()):
                block = m.group(2)
                if block.startswith("$ "):
                    block = block.split("\n", 1)[1]
                if m.group(1) in found:
                    raise SystemExit("transcript %s is shown twice" % m.group(1))
                found[m.group(1)] = (os.path.basename(doc), block.encode())
    return found


def run_one(name, shown, failures):
    with open(os.path.join(HERE, name + ".tree"), encoding="utf-8") as f:
        spec = f.read()
    with open(os.path.join(HERE, name + ".in"), "rb") as f:
        inp = f.read()
    with open(os.path.join(HERE, name + ".out"), "rb") as f:
        want = f.read()
    root = tempfile.mkdtemp(prefix="filesvc-transcript-", dir="/dev/shm")
    try:
        if os.stat(root).st_size != 40:
            raise SystemExit("/dev/shm is not tmpfs (an empty directory's size is %d, not 40): "
                             "the transcripts' directory sizes are tmpfs's"
                             % os.stat(root).st_size)
        build_tree(spec, root)
        argv = [HANDLER] + (["--allow-root"] if os.geteuid() == 0 else []) + ["--root", root]
        p = subprocess.run(argv, input=inp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if p.returncode != 0:
        failures.append("%s: the handler exited %d:\n%s" % (name, p.returncode,
                                                            p.stderr.decode("replace")))
    if normalised(inp, p.stdout) != normalised(inp, want):
        failures.append("%s: the handler's answers differ from %s.out:\n--- want\n%s\n"
                        "--- got\n%s" % (name, name, want.decode("utf-8", "replace"),
                                         p.stdout.decode("utf-8", "replace")))
    if name not in shown:
        failures.append("%s: no document shows it (<!-- transcript %s --> before a block "
                        "in docs/protocol.md or docs/http.md)" % (name, name))
    elif shown[name][1] != rendered(inp, want):
        failures.append("%s: %s shows another session than %s.in and %s.out:\n--- shown\n"
                        "%s\n--- transcript\n%s" % (name, shown[name][0], name, name,
                                                    shown[name][1].decode("utf-8", "replace"),
                                                    rendered(inp, want).decode("utf-8",
                                                                               "replace")))


def main():
    if not HANDLER or not os.access(HANDLER, os.X_OK):
        raise SystemExit("FILESVC_HANDLER is not set to an executable (run through meson test)")
    names = sorted(f[:-3] for f in os.listdir(HERE) if f.endswith(".in"))
    shown = doc_blocks()
    failures = []
    for name in names:
        before = len(failures)
        run_one(name, shown, failures)
        print("%s %s" % ("ok" if len(failures) == before else "FAIL", name))
    for name in sorted(set(shown) - set(names)):
        failures.append("%s: %s shows it, but there is no %s.in" % (name, shown[name][0], name))
    for f in failures:
        print(f)
    print("%d transcripts, %d failures" % (len(names), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
