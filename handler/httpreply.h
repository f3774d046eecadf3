/* httpreply.c: an HTTP answer's header block, built in place, and the short error answers. */
#ifndef FS_HTTPREPLY_H
#define FS_HTTPREPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handler.h"
#include "http.h"

/* One request, how its answer must be framed, and the status to log. */
struct exchange {
	const struct http_request	*req;
	bool				 keep;	/* the connection stays open after the answer */
	bool				 http10;
	bool				 head;	/* HEAD: headers only */
	int				 code;
};

/* httpget.c: answer a GET or HEAD of req->path completely; sets x->code. */
void httpget_answer(struct session *s, struct exchange *x);

struct httpreply {
	size_t	len;
	bool	full;		/* a field did not fit: the header is not sent */
	bool	keep;		/* the connection stays open after this answer */
	bool	http10;		/* the request was HTTP/1.0: keep-alive must be said */
	int	code;
	char	buf[FS_HTTP_REPLY_MAX];
};

/*
 * Start an answer with code: the status line, Date, Server and, when the
 * connection closes after it (or stays open for HTTP/1.0), Connection.
 */
void httpreply_start(struct httpreply *r, int code, bool keep, bool http10);

/* Add one header field line, formatted; a field that does not fit marks r full. */
void httpreply_add(struct httpreply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * End the header block (Content-Length: length first, unless code is 304
 * or 204) and send it; body says how many body bytes follow at once
 * (0 for HEAD).  Returns 0 or -errno.
 */
int httpreply_send(struct session *s, struct httpreply *r, uint64_t length, uint64_t body);

/* httpreply_send() with count bytes of fd from first as the body (reply_header_file()). */
int httpreply_send_file(struct session *s, struct httpreply *r, int fd, uint64_t first,
    uint64_t count);

/*
 * A whole error answer to x: code (also logged), a one-line text/plain
 * body (none for HEAD), and extra, one more header field line (without
 * its CRLF), or NULL.
 */
void httpreply_error(struct session *s, struct exchange *x, int code, const char *extra);

/*
 * The one answer of a connection the handler cannot serve (its root, its
 * sandbox): code, with detail in the body, and Connection: close.
 */
void httpreply_refuse(struct session *s, int code, const char *detail);

/*
 * For a representation of size bytes with etag and mtime: preconditions
 * (answering 304 or 412), then Range and If-Range (answering 416).
 * Returns 0 when the answer was sent, else 200 or 206 (also in x->code)
 * with the bytes to send in *ret_first and *ret_count.
 */
int httpreply_select(struct session *s, struct exchange *x, uint64_t size, const char *etag,
    int64_t mtime, uint64_t *ret_first, uint64_t *ret_count);

/* Last-Modified, ETag, Accept-Ranges and, for a 206, Content-Range. */
void httpreply_validators(struct httpreply *r, const char *etag, int64_t mtime, int code,
    uint64_t first, uint64_t count, uint64_t size);

#endif
