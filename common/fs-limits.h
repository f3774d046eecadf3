/*
 * Every bound that untrusted input meets, in one place, so a reviewer can
 * audit the whole attack surface's sizes at once.
 */
#ifndef FS_LIMITS_H
#define FS_LIMITS_H

#include <limits.h>

/* A request line, LF included (docs/protocol.md). */
#define FS_LINE_MAX		4096
/* A decoded path fits in a line, so this bounds it with room for the NUL. */
#define FS_PATH_MAX		FS_LINE_MAX
/* Components of one path: "a/a/a/..." in 4096 bytes cannot have more. */
#define FS_COMP_MAX		(FS_LINE_MAX / 2)
/* Symlinks followed by hand while resolving one path (the kernel uses 40). */
#define FS_SYMLINK_HOPS		40
/* An encoded file name: every byte of NAME_MAX may become "%XX". */
#define FS_NAME_ENC_MAX		(NAME_MAX * 3 + 1)
/* Entries in one LIST answer: beyond this the handler answers ERR 500. */
#define FS_LIST_MAX		1000000
/* An answer header line, LF included: "OK <n> key=value..." */
#define FS_HEADER_MAX		1024
/* An HTTP request line, LF included (docs/http.md): longer is 414. */
#define FS_HTTP_LINE_MAX	8192
/* An HTTP request's header fields: more bytes, or more fields, is 431. */
#define FS_HTTP_FIELDS_BYTES	16384
#define FS_HTTP_FIELDS_MAX	100
/* A whole HTTP head: the request line, the fields, the empty line. */
#define FS_HTTP_HEAD_MAX	(FS_HTTP_LINE_MAX + FS_HTTP_FIELDS_BYTES + 2)
/* A request body on GET or HEAD is read and dropped up to this; more is 413. */
#define FS_HTTP_BODY_MAX	65536
/* An HTTP answer's header block: a Location holds an encoded path. */
#define FS_HTTP_REPLY_MAX	(3 * FS_PATH_MAX + 2048)
/* A log line: one write(2) of at most PIPE_BUF bytes never interleaves. */
#define FS_LOG_LINE_MAX		1024
/* How much of a remote-controlled string a log line carries. */
#define FS_LOG_FIELD_MAX	256

_Static_assert(FS_LOG_LINE_MAX <= PIPE_BUF, "a log line must be one atomic write");
_Static_assert(FS_HTTP_LINE_MAX >= FS_LINE_MAX, "the dialect is chosen on one line");
_Static_assert(FS_PATH_MAX >= FS_LINE_MAX, "a decoded path is never longer than its line");

/* Exit statuses of filesvc-handler and filesvc-inetd (their man pages list them). */
enum {
	FS_EXIT_OK = 0,		/* including every client-caused end */
	FS_EXIT_FAIL = 1,	/* a server-side failure */
	FS_EXIT_USAGE = 2,	/* a bad command line */
};

#endif
