/*
 * HTTP answers' header blocks.  Every field value we send is ours or was
 * encoded by us (a Location is percent-encoded): nothing from the client
 * reaches a header unescaped, so no answer can be split.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "httpcond.h"
#include "httpdate.h"
#include "httpreply.h"
#include "io.h"

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void
httpreply_add(struct httpreply *r, const char *fmt, ...)
{
	size_t room = sizeof(r->buf) - r->len;
	va_list ap;
	int n;

	if (r->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, room, fmt, ap);
	va_end(ap);
	/* Room for this line's CRLF and the block's closing one. */
	if (n < 0 || (size_t)n + 4 >= room) {
		r->full = true;
		return;
	}
	memcpy(r->buf + r->len + n, "\r\n", 2);
	r->len += (size_t)n + 2;
}

void
httpreply_start(struct httpreply *r, int code, bool keep, bool http10)
{
	char date[HTTPDATE_LEN + 1];

	r->len = 0;
	r->full = false;
	r->keep = keep;
	r->http10 = http10;
	r->code = code;
	httpdate_format(io_wall_seconds(), date);
	httpreply_add(r, "HTTP/1.1 %d %s", code, reason(code));
	httpreply_add(r, "Date: %s", date);
	httpreply_add(r, "Server: filesvc/" FS_VERSION);
	if (!keep)
		httpreply_add(r, "Connection: close");
	else if (http10)
		httpreply_add(r, "Connection: keep-alive");
}

/* The last fields and the blank line; the block's length, or -ENOBUFS. */
static ssize_t
finish(struct session *s, struct httpreply *r, uint64_t length)
{
	if (r->code != 304 && r->code != 204)
		httpreply_add(r, "Content-Length: %llu", (unsigned long long)length);
	httpreply_add(r, "X-Content-Type-Options: nosniff");
	if (r->full) {
		/* Cannot happen with the fields we send; a truncated header must never go out. */
		s->gone = true;
		return -ENOBUFS;
	}
	memcpy(r->buf + r->len, "\r\n", 2);
	return (ssize_t)(r->len + 2);
}

int
httpreply_send(struct session *s, struct httpreply *r, uint64_t length, uint64_t body)
{
	ssize_t len = finish(s, r, length);

	return len < 0 ? (int)len : reply_header(s, r->buf, (size_t)len, body);
}

int
httpreply_send_file(struct session *s, struct httpreply *r, int fd, uint64_t first,
    uint64_t count)
{
	ssize_t len = finish(s, r, count);

	return len < 0 ? (int)len : reply_header_file(s, r->buf, (size_t)len, fd, first, count);
}

/* An error answer whose body may say more than the reason phrase. */
static void
error_answer(struct session *s, struct exchange *x, int code, const char *extra,
    const char *detail)
{
	struct httpreply r;
	char text[160];
	int n = snprintf(text, sizeof(text), "%d %s%s%s\n", code, reason(code),
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");

	x->code = code;
	httpreply_start(&r, code, x->keep, x->http10);
	httpreply_add(&r, "Content-Type: text/plain; charset=utf-8");
	if (extra != NULL)
		httpreply_add(&r, "%s", extra);
	if (httpreply_send(s, &r, (uint64_t)n, x->head ? 0 : (uint64_t)n) == 0 && !x->head)
		(void)reply_buffer(s, text, (size_t)n);	/* a failure sets s->gone */
}

void
httpreply_error(struct session *s, struct exchange *x, int code, const char *extra)
{
	error_answer(s, x, code, extra, NULL);
}

void
httpreply_refuse(struct session *s, int code, const char *detail)
{
	struct exchange x = { .keep = false };

	error_answer(s, &x, code, NULL, detail);
}

static void
not_modified(struct session *s, struct exchange *x, const char *etag, int64_t mtime)
{
	char date[HTTPDATE_LEN + 1];
	struct httpreply r;

	httpdate_format(mtime, date);
	x->code = 304;
	httpreply_start(&r, 304, x->keep, x->http10);
	httpreply_add(&r, "ETag: %s", etag);
	httpreply_add(&r, "Last-Modified: %s", date);
	(void)httpreply_send(s, &r, 0, 0);
}

/* The range to send, after If-Range: 200 or 206, or 0 when 416 was answered. */
static int
select_range(struct session *s, struct exchange *x, uint64_t size, const char *etag,
    int64_t mtime, uint64_t *ret_first, uint64_t *ret_count)
{
	uint64_t first = 0, last = 0;
	char extra[64];

	*ret_first = 0;
	*ret_count = size;
	if (x->req->range.s == NULL || !httpcond_if_range(x->req, etag, mtime))
		return 200;
	switch (httpcond_range(x->req->range, size, &first, &last)) {
	case HTTPCOND_RANGE_OK:
		*ret_first = first;
		*ret_count = last - first + 1;
		return 206;
	case HTTPCOND_RANGE_UNSATISFIABLE:
		(void)snprintf(extra, sizeof(extra), "Content-Range: bytes */%" PRIu64, size);
		httpreply_error(s, x, 416, extra);
		return 0;
	case HTTPCOND_RANGE_NONE:
		break;
	}
	return 200;
}

int
httpreply_select(struct session *s, struct exchange *x, uint64_t size, const char *etag,
    int64_t mtime, uint64_t *ret_first, uint64_t *ret_count)
{
	int code = httpcond_check(x->req, etag, mtime);

	if (code == 412) {
		httpreply_error(s, x, 412, NULL);
		return 0;
	}
	if (code == 304) {
		not_modified(s, x, etag, mtime);
		return 0;
	}
	code = select_range(s, x, size, etag, mtime, ret_first, ret_count);
	x->code = code;
	return code;
}

void
httpreply_validators(struct httpreply *r, const char *etag, int64_t mtime, int code,
    uint64_t first, uint64_t count, uint64_t size)
{
	char date[HTTPDATE_LEN + 1];

	httpdate_format(mtime, date);
	httpreply_add(r, "Last-Modified: %s", date);
	httpreply_add(r, "ETag: %s", etag);
	httpreply_add(r, "Accept-Ranges: bytes");
	if (code == 206)
		httpreply_add(r, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first,
		    first + count - 1, size);
}
