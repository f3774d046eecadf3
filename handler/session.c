/*
 * One connection: read request lines from fd 0, answer each in order on
 * fd 1, log one line per request on fd 2.  Nothing a client sends makes
 * the handler exit non-zero; a broken promise (a short body) closes.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "log.h"

/* After our last byte, how long and how much we read to let the client close first. */
#define DRAIN_MS	2000
#define DRAIN_BYTES	(1u << 20)

int
session_open(struct session *s, const struct options *opt)
{
	struct stat st;
	int r;

	memset(s, 0, sizeof(*s));
	s->opt = opt;
	s->out = STDOUT_FILENO;
	line_init(&s->in, FS_LINE_MAX);
	if ((r = confine_init(&s->root, opt->root, opt->show_hidden)) < 0)
		return r;
	if (fstat(s->out, &st) == -1)
		return -errno;
	s->out_is_socket = S_ISSOCK(st.st_mode);
	/*
	 * Non-blocking output lets every write wait for the client with a
	 * deadline.  Only sockets and pipes: a terminal's or a file's flags
	 * are shared with whoever else holds them.
	 */
	if ((S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)) && (r = io_set_nonblock(s->out, 1)) < 0)
		return r;
	peer_describe(s->peer, sizeof(s->peer));
	return 0;
}

static int
send_header(struct session *s, const char *header, size_t len, int flags)
{
	int r = io_send_all(s->out, header, len, flags, (int)s->opt->timeout_s * 1000);

	if (r < 0)
		s->gone = true;
	return r;
}

int
session_send_header(struct session *s, const char *header, size_t len)
{
	return send_header(s, header, len, 0);
}

/*
 * A header whose body (body bytes) follows at once: on a socket MSG_MORE
 * holds it back, so header and body leave in one segment (a small GET is
 * one packet, not two).  The body's last write, which carries no MSG_MORE,
 * pushes both; a body that fails ends the connection, and close() sends
 * what is held.  An empty body: nothing would push it, so none.
 */
int
session_send_header_before(struct session *s, const char *header, size_t len, uint64_t body)
{
	return send_header(s, header, len, body > 0 && s->out_is_socket ? MSG_MORE : 0);
}

void
session_send_error(struct session *s, enum fs_status status)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "ERR %d %s\n", (int)status, status_text(status));

	(void)session_send_header(s, line, (size_t)n);	/* a failure sets s->gone */
}

static void
log_request(struct session *s, const struct request *req, enum fs_status status)
{
	char path[FS_LOG_FIELD_MAX], code[8];
	int64_t ms = io_now_ms() - s->started_ms;
	int prio = status == FS_OK ? LOG_INFO : ((int)status >= 500 ? LOG_ERR : LOG_WARNING);

	(void)snprintf(code, sizeof(code), status == FS_OK ? "OK" : "%d", (int)status);
	log_escape(req->path, req->path_len, path, sizeof(path));
	log_msg(prio, 0, "%s %s /%s %s %" PRIu64 " %" PRId64 ".%03ds", s->peer,
	    request_verb_name(req->verb), path[0] == '/' ? path + 1 : path, code, s->sent,
	    ms / 1000, (int)(ms % 1000));
}

/* Answer one parsed request; false when the connection ends after it. */
static bool
session_dispatch(struct session *s, struct request *req)
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
		(void)session_send_header(s, "OK 0\n", 5);
		break;
	}
	if (status != FS_OK)
		session_send_error(s, status);
	log_request(s, req, status);
	return req->verb != VERB_QUIT && !s->gone;
}

/* A line that could not be read as a request; false when the connection ends. */
static bool
session_refuse(struct session *s, enum line_status ls, enum fs_status status, char *line,
    size_t len)
{
	char shown[FS_LOG_FIELD_MAX];

	if (ls == LINE_TIMEOUT || ls == LINE_TOOLONG) {
		status = ls == LINE_TIMEOUT ? FS_E408 : FS_E414;
		session_send_error(s, status);
		log_msg(LOG_WARNING, 0, "%s %s, closing", s->peer, status_text(status));
		return false;
	}
	session_send_error(s, status);
	log_escape(line, len, shown, sizeof(shown));
	log_msg(LOG_WARNING, 0, "%s %d %s: %s", s->peer, (int)status, status_text(status), shown);
	return !s->gone;
}

void
session_serve(struct session *s)
{
	bool more = true;

	while (more) {
		int64_t deadline = io_now_ms() + (int64_t)s->opt->timeout_s * 1000;
		enum line_status ls;
		enum fs_status st;
		char *line;
		size_t len;

		ls = line_next(&s->in, STDIN_FILENO, deadline, &line, &len);
		if (ls == LINE_EOF || ls == LINE_PARTIAL || ls == LINE_ERROR) {
			if (ls == LINE_ERROR && errno != ECONNRESET)
				log_msg(LOG_WARNING, errno, "%s: cannot read request", s->peer);
			return;
		}
		s->started_ms = io_now_ms();
		s->sent = 0;
		if (ls != LINE_OK) {
			more = session_refuse(s, ls, FS_OK, NULL, 0);
			continue;
		}
		if ((st = request_parse(line, len, &s->req)) != FS_OK)
			more = session_refuse(s, ls, st, line, len);
		else
			more = session_dispatch(s, &s->req);
	}
}

void
session_close(struct session *s)
{
	int64_t deadline = io_now_ms() + DRAIN_MS;
	char buf[4096];
	size_t drained = 0;

	/*
	 * Closing a socket with unread input makes the kernel send RST, which
	 * can throw away the tail of a download still in flight.  Send FIN
	 * first, then read until the client closes too, briefly.
	 */
	if (s->out_is_socket && !s->gone && shutdown(s->out, SHUT_WR) == 0) {
		while (drained < DRAIN_BYTES && io_wait(STDIN_FILENO, POLLIN, deadline) > 0) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n <= 0 && !(n == -1 && (errno == EINTR || errno == EAGAIN)))
				break;
			drained += n > 0 ? (size_t)n : 0;
		}
	}
	confine_close(&s->root);
}
