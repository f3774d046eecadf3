/*
 * Protocol 1's front end (docs/protocol.md): request lines in, one answer
 * each, in order.  Nothing a client sends makes the handler exit
 * non-zero; a broken promise (a short body) closes.
 */
#include <errno.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "log.h"
#include "verbs.h"

static void
send_error(struct session *s, enum fs_status status)
{
	(void)reply_err(s, (int)status, status_text(status));	/* a failure sets s->gone */
}

/* Answer one parsed request; false when the connection ends after it. */
static bool
dispatch(struct session *s, const struct request *req)
{
	enum fs_status status = FS_OK;

	switch (req->verb) {
	case VERB_LIST:
		status = verb_list(s, req);
		break;
	case VERB_GET:
		status = verb_get(s, req);
		break;
	case VERB_STAT:
		status = verb_stat(s, req);
		break;
	case VERB_QUIT:
		(void)reply_header(s, "OK 0\n", 5, 0);
		break;
	}
	if (status != FS_OK)
		send_error(s, status);
	reply_log(s, request_verb_name(req->verb), req->path, req->path_len, (int)status);
	return req->verb != VERB_QUIT && !s->gone;
}

/* A line that could not be read as a request; false when the connection ends. */
static bool
refuse(struct session *s, enum line_status ls, enum fs_status status, const char *line,
    size_t len)
{
	char shown[FS_LOG_FIELD_MAX];

	if (ls == LINE_TIMEOUT || ls == LINE_TOOLONG) {
		status = ls == LINE_TIMEOUT ? FS_E408 : FS_E414;
		send_error(s, status);
		log_msg(LOG_WARNING, 0, "%s %s, closing", s->peer, status_text(status));
		return false;
	}
	send_error(s, status);
	log_escape(line, len, shown, sizeof(shown));
	log_msg(LOG_WARNING, 0, "%s %d %s: %s", s->peer, (int)status, status_text(status), shown);
	return !s->gone;
}

void
protocol1_serve(struct session *s)
{
	struct request req;
	bool more = true;

	line_set_max(&s->in, FS_LINE_MAX);
	while (more) {
		int64_t deadline = session_deadline(s);
		enum line_status ls;
		enum fs_status st;
		char *line;
		size_t len;

		sigterm_release(s);	/* idle, a stop ends the process at once */
		ls = line_next(&s->in, STDIN_FILENO, deadline, &line, &len);
		if (ls == LINE_EOF || ls == LINE_PARTIAL || ls == LINE_ERROR) {
			if (ls == LINE_ERROR && errno != ECONNRESET)
				log_msg(LOG_WARNING, errno, "%s: cannot read request", s->peer);
			return;
		}
		session_request_begins(s);
		if (ls != LINE_OK)
			more = refuse(s, ls, FS_OK, NULL, 0);
		else if ((st = request_parse(line, len, &req)) != FS_OK)
			more = refuse(s, ls, st, line, len);
		else
			more = dispatch(s, &req);
	}
}
