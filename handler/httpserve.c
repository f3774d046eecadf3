/*
 * HTTP/1.1's front end (docs/http.md): heads in, one answer each, in
 * order, on a connection kept open as HTTP/1.1 keeps it.  The head is
 * read whole within one deadline (a slow one is 408), parsed strictly,
 * and any body is read and dropped, so no body byte is ever taken for a
 * request and the connection never desynchronises.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "httpreply.h"
#include "log.h"

static void
log_refusal(struct session *s, int code, const char *head, size_t len)
{
	const char *lf = memchr(head, '\n', len);
	char shown[FS_LOG_FIELD_MAX];

	log_escape(head, lf != NULL ? (size_t)(lf - head) : len, shown, sizeof(shown));
	log_msg(LOG_WARNING, 0, "%s %d, closing: %s", s->peer, code, shown);
}

/* Whether the bytes held start with more than a request line may have: 414 at once. */
static bool
line_too_long(const char *buf, size_t len)
{
	return len >= FS_HTTP_LINE_MAX && memchr(buf, '\n', FS_HTTP_LINE_MAX) == NULL;
}

/* A head that could not be read whole: answer what can be answered, then close. */
static void
head_failed(struct session *s, enum line_status ls)
{
	struct exchange x = { .keep = false };
	const char *buf;
	size_t len = line_pending(&s->in, &buf);
	int code;

	if (ls == LINE_TOOLONG) {
		code = line_too_long(buf, len) ? 414 : 431;
	} else if (ls == LINE_TIMEOUT && len > 0) {
		code = 408;	/* a slow head; an idle connection just closes, as nginx's does */
	} else {
		if (ls == LINE_ERROR && errno != ECONNRESET)
			log_msg(LOG_WARNING, errno, "%s: cannot read request", s->peer);
		return;
	}
	session_request_begins(s);
	httpreply_error(s, &x, code, NULL);
	log_refusal(s, code, buf, len);
}

/* Read and drop a body of len bytes (at most FS_HTTP_BODY_MAX): 0, or -errno. */
static int
drop_body(struct session *s, uint64_t len, int64_t deadline)
{
	char buf[4096];

	while (len > 0) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		size_t got = line_take(&s->in, buf, want);
		ssize_t n;
		int r;

		if (got > 0) {
			len -= got;
			continue;
		}
		if ((r = io_wait(STDIN_FILENO, POLLIN, deadline)) <= 0)
			return r == 0 ? -ETIMEDOUT : r;
		if ((n = read(STDIN_FILENO, buf, want)) == 0)
			return -EPIPE;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		len -= n > 0 ? (uint64_t)n : 0;
	}
	return 0;
}

/* The methods we serve, and what every other one gets. */
static void
dispatch(struct session *s, struct exchange *x)
{
	const struct http_request *req = x->req;

	switch (req->method) {
	case HTTP_GET:
	case HTTP_HEAD:
		if (req->asterisk)
			httpreply_error(s, x, 400, NULL);
		else
			httpget_answer(s, x);
		return;
	case HTTP_OPTIONS:
		if (req->asterisk) {
			struct httpreply r;

			x->code = 204;
			httpreply_start(&r, 204, x->keep, x->http10);
			httpreply_add(&r, "Allow: GET, HEAD");
			(void)httpreply_send(s, &r, 0, 0);
			return;
		}
		httpreply_error(s, x, 405, "Allow: GET, HEAD");
		return;
	case HTTP_OTHER:
		httpreply_error(s, x, 405, "Allow: GET, HEAD");
		return;
	case HTTP_UNKNOWN:
		break;
	}
	httpreply_error(s, x, 501, NULL);
}

/* A parsed head: its body first, then its answer.  Returns whether to go on. */
static bool
answer(struct session *s, const struct http_request *req, int64_t deadline)
{
	struct exchange x = {
		.req = req,
		.http10 = req->minor == 0,
		.keep = req->minor == 0 ? req->keep_alive && !req->close : !req->close,
		.head = req->method == HTTP_HEAD,
	};
	char method[16];

	log_escape(req->method_name.s, req->method_name.len, method, sizeof(method));
	if (req->has_te || (req->has_length && req->length > FS_HTTP_BODY_MAX)) {
		/* Chunked or huge: we cannot know where the body ends without reading it. */
		x.keep = false;
		httpreply_error(s, &x, req->has_te ? 501 : 413, NULL);
	} else if (req->has_length && req->length > 0 && drop_body(s, req->length, deadline) < 0) {
		return false;	/* the body never came: nothing to answer */
	} else {
		dispatch(s, &x);
	}
	reply_log(s, method, req->asterisk ? "*" : req->path, req->asterisk ? 1 : req->path_len,
	    x.code);
	return x.keep && !s->gone;
}

/*
 * Wait for the next request line, skipping a few empty lines before it
 * (RFC 9112 2.2); *ret_ok says whether it has a request line's shape.
 * Checked before the head is read whole, so a line of another protocol
 * is refused at once instead of waiting for an empty line it never sends.
 */
static enum line_status
next_request_line(struct session *s, int64_t deadline, bool *ret_ok)
{
	enum line_status ls;
	const char *line;
	char *skipped;
	size_t len;
	int empty;

	for (empty = 0; empty <= 4; empty++) {
		if ((ls = line_peek(&s->in, STDIN_FILENO, deadline, &line, &len)) != LINE_OK)
			return ls;
		if (len > 0) {
			*ret_ok = http_is_request_line(line, len);
			return LINE_OK;
		}
		(void)line_next(&s->in, STDIN_FILENO, deadline, &skipped, &len);
	}
	*ret_ok = false;
	return LINE_OK;
}

/* One head read and answered; false when the connection ends. */
static bool
serve_one(struct session *s, struct http_request *req)
{
	int64_t deadline = session_deadline(s);
	struct exchange x = { .keep = false };
	enum line_status ls;
	enum fs_status st;
	const char *head;
	bool shaped = true;
	size_t len;

	sigterm_release(s);	/* idle, a stop ends the process at once */
	/* The dialect was chosen on a first line that never ended: no use waiting for the rest. */
	len = line_pending(&s->in, &head);
	ls = line_too_long(head, len) ? LINE_TOOLONG : next_request_line(s, deadline, &shaped);
	if (ls == LINE_OK && shaped)
		ls = line_block(&s->in, STDIN_FILENO, deadline, &head, &len);
	else if (ls == LINE_OK)
		len = line_pending(&s->in, &head);
	if (ls != LINE_OK) {
		head_failed(s, ls);
		return false;
	}
	session_request_begins(s);
	st = shaped ? http_parse_head(head, len, req) : FS_E400;
	if (st != FS_OK) {
		/* An answer to HEAD has no body, even when the rest of its head is unreadable. */
		x.head = len >= 5 && memcmp(head, "HEAD ", 5) == 0;
		httpreply_error(s, &x, (int)st, NULL);
		log_refusal(s, (int)st, head, len);
		return false;
	}
	return answer(s, req, deadline);
}

void
httpserve_serve(struct session *s)
{
	struct http_request req;

	line_set_max(&s->in, FS_HTTP_HEAD_MAX);
	while (serve_one(s, &req))
		;
}
