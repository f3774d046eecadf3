/*
 * HTTP answers' header blocks.  Every field value we send is ours or was
 * encoded by us (a Location is percent-encoded): nothing from the client
 * reaches a header unescaped, so no answer can be split.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
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

int
httpreply_send(struct session *s, struct httpreply *r, uint64_t length, uint64_t body)
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
	return reply_header(s, r->buf, r->len + 2, body);
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
