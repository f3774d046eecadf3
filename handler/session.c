/*
 * One connection: open the root, choose the dialect on the first request
 * line, let that dialect's front end serve, then close so that the last
 * answer is not lost.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handler.h"
#include "http.h"
#include "httpreply.h"
#include "io.h"
#include "log.h"

/* After our last byte, how long and how much we read to let the client close first. */
#define DRAIN_MS	2000
#define DRAIN_BYTES	(1u << 20)

/*
 * The output's address family, or -1 when it has no peer: getpeername()
 * because it is the call the spawn filter (common/sysfilter.c) allows.
 */
static int
out_domain(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return ss.ss_family;
}

int
session_open(struct session *s, const struct options *opt)
{
	struct stat st;
	int r;

	/* Field by field: zeroing the whole struct would touch every page of its buffer. */
	s->opt = opt;
	s->out = STDOUT_FILENO;
	s->gone = false;
	s->termfd = -1;
	s->term_held = false;
	s->stopped = false;
	s->sent = 0;
	s->promised = 0;
	s->started_ms = 0;
	s->first_deadline = 0;
	s->root.rootfd = -1;
	line_init(&s->in, opt->dialect == DIALECT_FILESVC ? FS_LINE_MAX : FS_HTTP_LINE_MAX);
	if (fstat(s->out, &st) == -1)
		return -errno;
	s->out_is_socket = S_ISSOCK(st.st_mode);
	s->out_is_unix = s->out_is_socket && out_domain(s->out) == AF_UNIX;
	/*
	 * Non-blocking output lets every write wait for the client with a
	 * deadline.  Only sockets and pipes: a terminal's or a file's flags
	 * are shared with whoever else holds them.
	 */
	if ((S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)) && (r = io_set_nonblock(s->out, 1)) < 0)
		return r;
	peer_describe(s->peer, sizeof(s->peer));
	s->uid = geteuid();
	s->gid = getegid();
	if ((s->ngroups = getgroups(FS_GROUPS_MAX, s->groups)) < 0)
		s->ngroups = 0;		/* more than we keep: judged by uid and gid alone */
	/* Last: a root that cannot be opened is answered, so the rest must be ready. */
	return confine_init(&s->root, opt->root, opt->show_hidden);
}

/*
 * A first line too long to hold: HTTP if it starts as a request line
 * would ("GET /...", "GET http://..."), so that a browser's overlong URL
 * gets an HTTP 414 and not a protocol-1 line it cannot read.
 */
static bool
looks_like_http(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && buf[i] >= 'A' && buf[i] <= 'Z'; i++)
		;
	return i > 0 && i + 2 < len && buf[i] == ' ' && (buf[i + 1] == '/' || buf[i + 1] == 'h');
}

/* The dialect of this connection, from its first line (left in the buffer). */
static enum dialect
first_line_dialect(struct session *s)
{
	const char *line;
	size_t len;

	s->first_deadline = io_now_ms() + (int64_t)s->opt->timeout_s * 1000;
	switch (line_peek(&s->in, STDIN_FILENO, s->first_deadline, &line, &len)) {
	case LINE_OK:
		return http_is_request_line(line, len) ? DIALECT_HTTP : DIALECT_FILESVC;
	case LINE_TOOLONG:
		len = line_pending(&s->in, &line);
		return looks_like_http(line, len) ? DIALECT_HTTP : DIALECT_FILESVC;
	default:
		/* EOF, a timeout, an error: protocol 1 says what it always said. */
		return DIALECT_FILESVC;
	}
}

void
session_refuse(struct session *s, int code, const char *reason)
{
	enum dialect d = s->opt->dialect;

	if (d == DIALECT_AUTO)
		d = first_line_dialect(s);
	session_request_begins(s);
	if (d == DIALECT_HTTP) {
		httpreply_refuse(s, code, reason);
	} else {
		(void)reply_err(s, code, reason);	/* a failure sets s->gone */
	}
}

void
session_serve(struct session *s)
{
	enum dialect d = s->opt->dialect;

	if (d == DIALECT_AUTO)
		d = first_line_dialect(s);
	if (d == DIALECT_HTTP)
		httpserve_serve(s);
	else
		protocol1_serve(s);
}

void
session_close(struct session *s)
{
	int64_t deadline = io_now_ms() + DRAIN_MS;
	char buf[4096];
	size_t drained = 0;

	sigterm_release(s);
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
