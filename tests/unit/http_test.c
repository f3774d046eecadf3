/* HTTP/1.1 request heads: every refusal of docs/http.md has a row, and the limits are exact. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "unit.h"

/* A literal's bytes, NULs included. */
#define H(lit)	lit, sizeof(lit) - 1
#define HOST	"Host: h\r\n"

static struct http_request req;	/* static: the path buffer is big */

/* path NULL: not checked; query NULL: none expected. */
/* clang-format off */
static const struct {
	const char	*in;
	size_t		 len;
	int		 st;
	int		 method;
	const char	*path;
	const char	*query;
} heads[] = {
	{ H("GET / HTTP/1.1\r\n" HOST "\r\n"),		FS_OK,	HTTP_GET,	"/", NULL },
	{ H("GET / HTTP/1.1\n" "Host: h\n\n"),		FS_OK,	HTTP_GET,	"/", NULL },	/* bare LF */
	{ H("HEAD /a%20b HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_HEAD,	"/a b", NULL },
	{ H("GET /a+b?x=1&y HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_GET,	"/a+b", "x=1&y" },
	{ H("GET /?x?y HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_GET,	"/", "x?y" },
	{ H("GET /%3F HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_GET,	"/?", NULL },	/* decoded '?' is a name */
	{ H("GET /\xff\xfe HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_GET,	"/\xff\xfe", NULL },
	{ H("GET /%ff HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_GET,	"/\xff", NULL },
	{ H("GET /.. HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_GET,	"/..", NULL },	/* path_split's to refuse */
	{ H("OPTIONS * HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_OPTIONS,	"", NULL },
	{ H("GET http://example.com/x?y HTTP/1.1\r\n" HOST "\r\n"), FS_OK, HTTP_GET, "/x", "y" },
	{ H("GET http://example.com HTTP/1.1\r\n" HOST "\r\n"), FS_OK, HTTP_GET, "/", NULL },
	{ H("GET http://example.com?q HTTP/1.1\r\n" HOST "\r\n"), FS_OK, HTTP_GET, "/", "q" },
	{ H("GET HTTPS://h:8/p HTTP/1.1\r\n" HOST "\r\n"), FS_OK,	HTTP_GET,	"/p", NULL },
	{ H("GET ftp://h/p HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET http:/p HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET x HTTP/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET ?x HTTP/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("get / HTTP/1.1\r\n" HOST "\r\n"),		FS_OK,	HTTP_UNKNOWN,	"/", NULL },	/* 501 */
	{ H("BREW / HTTP/1.1\r\n" HOST "\r\n"),		FS_OK,	HTTP_UNKNOWN,	"/", NULL },
	{ H("GETS / HTTP/1.1\r\n" HOST "\r\n"),		FS_OK,	HTTP_UNKNOWN,	"/", NULL },
	{ H("GE / HTTP/1.1\r\n" HOST "\r\n"),		FS_OK,	HTTP_UNKNOWN,	"/", NULL },
	{ H("POST / HTTP/1.1\r\n" HOST "\r\n"),		FS_OK,	HTTP_OTHER,	"/", NULL },	/* 405 */
	{ H("PATCH / HTTP/1.1\r\n" HOST "\r\n"),	FS_OK,	HTTP_OTHER,	"/", NULL },
	{ H("G(T / HTTP/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },	/* not a token */
	{ H("G\xc3\x89T / HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.9\r\n" HOST "\r\n"),		FS_OK,	HTTP_GET,	"/", NULL },
	{ H("GET / HTTP/2.0\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.10\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.x\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET / http/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET /\r\n" HOST "\r\n"),			FS_E400, 0, NULL, NULL },	/* HTTP/0.9 */
	{ H("GET  / HTTP/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H(" GET / HTTP/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1 \r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET /\t HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },	/* CTL in target */
	{ H("GET /\x7f HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET /# HTTP/1.1\r\n" HOST "\r\n"),		FS_E400, 0, NULL, NULL },
	{ H("GET /a%00 HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },	/* decoded NUL */
	{ H("GET /a%4 HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },	/* truncated escape */
	{ H("GET /a% HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET /a%zz HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET /\0 HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },	/* raw NUL */
	{ H("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\nX\0: 1\r\n" HOST "\r\n"),FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "\r\n\0"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r" HOST "\r\n"),		FS_E400, 0, NULL, NULL },	/* bare CR */
	{ H("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "\r\n\r"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "\r\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "X: a\r\n b\r\n\r\n"), FS_E400, 0, NULL, NULL },	/* obs-fold */
	{ H("GET / HTTP/1.1\r\n" HOST "X: a\r\n\tb\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n Host: h\r\n\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\nHost : h\r\n\r\n"),	FS_E400, 0, NULL, NULL },	/* space before colon */
	{ H("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST ": x\r\n\r\n"),	FS_E400, 0, NULL, NULL },	/* empty name */
	{ H("GET / HTTP/1.1\r\n" HOST "X\r\n\r\n"),	FS_E400, 0, NULL, NULL },	/* no colon */
	{ H("GET / HTTP/1.1\r\n" HOST "X\xff: 1\r\n\r\n"), FS_E400, 0, NULL, NULL },	/* non-UTF-8 name */
	{ H("GET / HTTP/1.1\r\n" HOST "X: \xff\xfe\r\n\r\n"), FS_OK, HTTP_GET, "/", NULL },	/* obs-text */
	{ H("GET / HTTP/1.1\r\n" HOST "X: a\x01" "b\r\n\r\n"), FS_E400, 0, NULL, NULL },	/* CTL */
	{ H("GET / HTTP/1.1\r\n" HOST "X: a\x7f\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "X: a\tb\r\n\r\n"), FS_OK, HTTP_GET, "/", NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "X:\r\n\r\n"),	FS_OK, HTTP_GET, "/", NULL },	/* empty value */
	{ H("GET / HTTP/1.1\r\n\r\n"),			FS_E400, 0, NULL, NULL },	/* 1.1: one Host */
	{ H("GET / HTTP/1.1\r\n" HOST HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\nhOsT: x\r\n\r\n"),	FS_OK, HTTP_GET, "/", NULL },
	{ H("GET / HTTP/1.0\r\n\r\n"),			FS_OK, HTTP_GET, "/", NULL },	/* 1.0: at most one */
	{ H("GET / HTTP/1.0\r\n" HOST HOST "\r\n"),	FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Range: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "If-Range: \"a\"\r\nIf-Range: \"a\"\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "If-Modified-Since: a\r\nIf-Modified-Since: b\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: 1,2\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: -1\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: +1\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: 0x1\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: 1 1\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: 1,\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: \r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "Content-Length: 18446744073709551616\r\n\r\n"), FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n" HOST "\r\n" "GET"),	FS_OK, HTTP_GET, "/", NULL },	/* the next one's bytes */
	{ H("GET / HTTP/1.1\r\n" HOST),			FS_E400, 0, NULL, NULL },	/* truncated */
	{ H("GET / HTTP/1.1\r\n" "Host: h"),		FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.1\r\n"),			FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.0\r\n"),			FS_E400, 0, NULL, NULL },
	{ H("GET / HTTP/1.0"),				FS_E400, 0, NULL, NULL },
	{ H("GET / HTT"),				FS_E400, 0, NULL, NULL },
	{ H(""),					FS_E400, 0, NULL, NULL },	/* empty */
	{ H("\r\n"),					FS_E400, 0, NULL, NULL },
	{ H("\n\n"),					FS_E400, 0, NULL, NULL },
	{ H("\r\nGET / HTTP/1.1\r\n" HOST "\r\n"),	FS_E400, 0, NULL, NULL },
};
/* clang-format on */

START_TEST(head_table)
{
	enum fs_status st = http_parse_head(heads[_i].in, heads[_i].len, &req);

	ck_assert_int_eq(st, heads[_i].st);
	if (st != FS_OK)
		return;
	ck_assert_int_eq(req.method, heads[_i].method);
	if (heads[_i].path != NULL) {
		ck_assert_str_eq(req.path, heads[_i].path);
		ck_assert_uint_eq(req.path_len, strlen(heads[_i].path));
	}
	if (heads[_i].query == NULL) {
		ck_assert_uint_eq(req.query.len, 0);
	} else {
		ck_assert_uint_eq(req.query.len, strlen(heads[_i].query));
		ck_assert_int_eq(memcmp(req.query.s, heads[_i].query, req.query.len), 0);
	}
	/* Every slice lies inside the head. */
	ck_assert(req.method_name.s == heads[_i].in);
	ck_assert_int_eq(req.asterisk, heads[_i].method == HTTP_OPTIONS);
}
END_TEST

static void
parse_ok(const char *head)
{
	ck_assert_int_eq(http_parse_head(head, strlen(head), &req), FS_OK);
}

static bool
slice_eq(struct http_slice sl, const char *s)
{
	return sl.s != NULL && sl.len == strlen(s) && memcmp(sl.s, s, sl.len) == 0;
}

START_TEST(fields_read)
{
	parse_ok("GET / HTTP/1.1\r\nHost: h\r\nRange: \t bytes=0-1 \t\r\nIf-None-Match: \"a\"\r\n"
	    "If-None-Match: \"b\"\r\nAccept: text/html\r\nIf-Range: \"x\"\r\n"
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Match: *\r\n"
	    "If-Unmodified-Since: x\r\nContent-Length: 7, 7\r\nTransfer-Encoding: chunked\r\n\r\n");
	ck_assert(slice_eq(req.range, "bytes=0-1"));	/* OWS trimmed both sides */
	ck_assert(slice_eq(req.if_none_match, "\"a\""));	/* the first is kept */
	ck_assert(slice_eq(req.accept, "text/html"));
	ck_assert(slice_eq(req.if_range, "\"x\""));
	ck_assert(slice_eq(req.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"));
	ck_assert(slice_eq(req.if_match, "*"));
	ck_assert(slice_eq(req.if_unmodified_since, "x"));
	ck_assert(req.has_length);
	ck_assert_uint_eq(req.length, 7);
	ck_assert(req.has_te);
	ck_assert_uint_eq(req.hosts, 1);
	ck_assert(!req.close && !req.keep_alive);
	ck_assert_uint_eq(req.minor, 1);
}
END_TEST

/* A second parse into the same struct starts from nothing. */
START_TEST(fields_reset)
{
	parse_ok("GET /a?b HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nConnection: close\r\n"
	    "Content-Length: 3\r\n\r\n");
	parse_ok("GET /c HTTP/1.0\r\n\r\n");
	ck_assert_ptr_null(req.range.s);
	ck_assert(!req.close && !req.has_length);
	ck_assert_uint_eq(req.query.len, 0);
	ck_assert_uint_eq(req.minor, 0);
	ck_assert_str_eq(req.path, "/c");
}
END_TEST

/* clang-format off */
static const struct {
	const char	*conn;
	bool		 close, keep_alive;
} conns[] = {
	{ "close",			true,	false },
	{ "Close",			true,	false },
	{ "keep-alive",			false,	true },
	{ "Keep-Alive, Upgrade",	false,	true },
	{ " , upgrade ,close, ",	true,	false },
	{ "closed",			false,	false },
	{ "clos",			false,	false },
	{ "\"close\"",			false,	false },
	{ "close keep-alive",		false,	false },
	{ "",				false,	false },
};
/* clang-format on */

START_TEST(connection_table)
{
	char head[256];

	(void)snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: h\r\nConnection: %s\r\n\r\n",
	    conns[_i].conn);
	parse_ok(head);
	ck_assert_int_eq(req.close, conns[_i].close);
	ck_assert_int_eq(req.keep_alive, conns[_i].keep_alive);
}
END_TEST

START_TEST(content_length)
{
	parse_ok("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n");
	ck_assert_uint_eq(req.length, UINT64_MAX);
	parse_ok("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n");
	ck_assert_uint_eq(req.length, 5);
	parse_ok("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	ck_assert(req.has_length);
	ck_assert_uint_eq(req.length, 0);
}
END_TEST

/* A head whose request line, CR and LF included, is exactly len bytes. */
static size_t
long_line(char *buf, size_t len, bool crlf)
{
	size_t fixed = strlen("GET /? HTTP/1.1") + (crlf ? 2 : 1), q = len - fixed;

	memcpy(buf, "GET /?", 6);
	memset(buf + 6, 'q', q);
	memcpy(buf + 6 + q, crlf ? " HTTP/1.1\r\nHost: h\r\n\r\n" : " HTTP/1.1\nHost: h\n\n",
	    crlf ? 22 : 19);
	return len + (crlf ? 11 : 9);
}

/* 8192 bytes of request line, its line end included, pass; 8193 are 414. */
START_TEST(line_limit)
{
	static char buf[FS_HTTP_HEAD_MAX + 64];
	int crlf;

	for (crlf = 0; crlf < 2; crlf++) {
		ck_assert_int_eq(http_parse_head(buf, long_line(buf, FS_HTTP_LINE_MAX, crlf), &req),
		    FS_OK);
		ck_assert_uint_eq(req.query.len, FS_HTTP_LINE_MAX - 15 - (crlf ? 2 : 1));
		ck_assert_int_eq(http_parse_head(buf, long_line(buf, FS_HTTP_LINE_MAX + 1, crlf),
		    &req), FS_E414);
	}
}
END_TEST

/* A decoded path of FS_PATH_MAX - 1 bytes fits its NUL; one more is 414. */
START_TEST(path_limit)
{
	static char buf[3 * FS_PATH_MAX + 64];
	size_t n;

	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'p', FS_PATH_MAX - 2);
	n = 5 + FS_PATH_MAX - 2;
	memcpy(buf + n, " HTTP/1.0\r\n\r\n", 13);
	ck_assert_int_eq(http_parse_head(buf, n + 13, &req), FS_OK);
	ck_assert_uint_eq(req.path_len, FS_PATH_MAX - 1);
	buf[n] = 'p';
	memcpy(buf + n + 1, " HTTP/1.0\r\n\r\n", 13);
	ck_assert_int_eq(http_parse_head(buf, n + 14, &req), FS_E414);
	/* Escapes count decoded: "%70" is one byte of path. */
	memcpy(buf, "GET /%70", 8);
	memset(buf + 8, 'p', FS_PATH_MAX - 3);
	n = 8 + FS_PATH_MAX - 3;
	memcpy(buf + n, " HTTP/1.0\r\n\r\n", 13);
	ck_assert_int_eq(http_parse_head(buf, n + 13, &req), FS_OK);
	ck_assert_uint_eq(req.path_len, FS_PATH_MAX - 1);
}
END_TEST

/* count fields (Host first), each line exactly each bytes with its CRLF. */
static size_t
many_fields(char *buf, unsigned count, size_t each)
{
	size_t n = 0;
	unsigned i;

	n += (size_t)sprintf(buf, "GET / HTTP/1.1\r\n");
	for (i = 0; i < count; i++) {
		const char *name = i == 0 ? "Host: " : "X-Fill: ";

		memcpy(buf + n, name, strlen(name));
		memset(buf + n + strlen(name), 'v', each - strlen(name) - 2);
		memcpy(buf + n + each - 2, "\r\n", 2);
		n += each;
	}
	memcpy(buf + n, "\r\n", 2);
	return n + 2;
}

/* 100 fields pass and 101 are 431; 16384 bytes of them pass and 16385 are 431. */
START_TEST(field_limits)
{
	static char buf[2 * FS_HTTP_HEAD_MAX];
	size_t n;

	ck_assert_int_eq(http_parse_head(buf, many_fields(buf, FS_HTTP_FIELDS_MAX, 12), &req), FS_OK);
	ck_assert_int_eq(http_parse_head(buf, many_fields(buf, FS_HTTP_FIELDS_MAX + 1, 12), &req),
	    FS_E431);
	/* 64 lines of 256 bytes: exactly 16 KiB. */
	ck_assert_int_eq(http_parse_head(buf, many_fields(buf, 64, 256), &req), FS_OK);
	n = many_fields(buf, 64, 256);
	memmove(buf + n - 4, buf + n - 5, 5);	/* one more byte in the last field */
	buf[n - 5] = 'v';
	ck_assert_int_eq(http_parse_head(buf, n + 1, &req), FS_E431);
	/* One field of 16 KiB. */
	ck_assert_int_eq(http_parse_head(buf, many_fields(buf, 1, FS_HTTP_FIELDS_BYTES), &req),
	    FS_OK);
	ck_assert_int_eq(http_parse_head(buf, many_fields(buf, 1, FS_HTTP_FIELDS_BYTES + 1), &req),
	    FS_E431);
}
END_TEST

static const struct {
	const char	*line;
	size_t		 len;
	bool		 http;
/* clang-format off */
} shapes[] = {
	{ H("GET / HTTP/1.1"),		true },
	{ H("GET / HTTP/1.0"),		true },
	{ H("get a HTTP/1.9"),		true },		/* the shape, not the method */
	{ H("OPTIONS * HTTP/1.1"),	true },
	{ H("GET / HTTP/1.x"),		false },
	{ H("GET / HTTP/2.0"),		false },
	{ H("GET / HTTP/1.1 "),		false },
	{ H("GET / HTTP/1.1\r"),	false },
	{ H("GET  / HTTP/1.1"),		false },
	{ H("GET a b HTTP/1.1"),	false },
	{ H("GET HTTP/1.1"),		false },
	{ H(" / HTTP/1.1"),		false },
	{ H("G\0T / HTTP/1.1"),		false },
	{ H("G\xff / HTTP/1.1"),	false },
	{ H("GET a"),			false },	/* protocol 1 */
	{ H("GET a 0 10"),		false },
	{ H("LIST"),			false },
	{ H("LIST /dir"),		false },
	{ H(""),			false },
	{ H(" "),			false },
};
/* clang-format on */

START_TEST(shape_table)
{
	ck_assert_int_eq(http_is_request_line(shapes[_i].line, shapes[_i].len), shapes[_i].http);
}
END_TEST

/* clang-format off */
static const struct {
	const char	*field;
	const char	*token;
	bool		 has;
} lists[] = {
	{ "gzip",		"gzip",	true },
	{ "GZIP",		"gzip",	true },
	{ "a,gzip",		"gzip",	true },
	{ "a , gzip ,b",	"gzip",	true },
	{ ",,,gzip,,,",		"gzip",	true },
	{ "\tgzip\t",		"gzip",	true },
	{ "gzipx",		"gzip",	false },
	{ "xgzip",		"gzip",	false },
	{ "gzi",		"gzip",	false },
	{ "g zip",		"gzip",	false },
	{ "",			"gzip",	false },
	{ ",",			"gzip",	false },
	{ "gzip;q=0",		"gzip",	false },
};
/* clang-format on */

START_TEST(list_table)
{
	struct http_slice f = { lists[_i].field, strlen(lists[_i].field) };

	ck_assert_int_eq(http_list_has(f, lists[_i].token), lists[_i].has);
}
END_TEST

/* value NULL: not found. */
/* clang-format off */
static const struct {
	const char	*query;
	const char	*value;
} params[] = {
	{ "format=json",		"json" },
	{ "a=1&format=html&format=json","html" },	/* the first */
	{ "&&format=text&",		"text" },
	{ "format=",			"" },
	{ "format=a=b",			"a=b" },
	{ "format",			NULL },
	{ "formats=x",			NULL },
	{ "xformat=x",			NULL },
	{ "Format=x",			NULL },		/* keys are case-sensitive */
	{ "a=format=x",			NULL },
	{ "",				NULL },
	{ "&",				NULL },
	{ "form",			NULL },
};
/* clang-format on */

START_TEST(param_table)
{
	struct http_slice q = { params[_i].query, strlen(params[_i].query) }, v = { NULL, 0 };
	bool found = http_query_param(q, "format", &v);

	ck_assert_int_eq(found, params[_i].value != NULL);
	if (found) {
		ck_assert_uint_eq(v.len, strlen(params[_i].value));
		ck_assert_int_eq(memcmp(v.s, params[_i].value, v.len), 0);
		ck_assert(v.s >= q.s && v.s + v.len <= q.s + q.len);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("head");
	TCase *tl = tcase_create("limits");
	TCase *tf = tcase_create("fields");

	tcase_add_loop_test(tc, head_table, 0, ARRAY_LEN(heads));
	tcase_add_loop_test(tc, shape_table, 0, ARRAY_LEN(shapes));
	tcase_add_test(tl, line_limit);
	tcase_add_test(tl, path_limit);
	tcase_add_test(tl, field_limits);
	tcase_add_test(tf, fields_read);
	tcase_add_test(tf, fields_reset);
	tcase_add_loop_test(tf, connection_table, 0, ARRAY_LEN(conns));
	tcase_add_test(tf, content_length);
	tcase_add_loop_test(tf, list_table, 0, ARRAY_LEN(lists));
	tcase_add_loop_test(tf, param_table, 0, ARRAY_LEN(params));
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tf);
	return s;
}
