/*
 * The connection to a filesvc server: resolve, connect with a deadline,
 * send request lines, read answer headers and bodies, through a stream
 * (stream.c: TCP, or TLS for filesvcs://).  The server is untrusted:
 * headers go through answer_parse(), bodies are counted to exactly the
 * promised length, and every wait has the transfer's deadline.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fget.h"
#include "io.h"
#include "log.h"
#include "tty.h"

void
conn_init(struct conn *c, const struct options *opt)
{
	memset(c, 0, sizeof(*c));
	stream_init(&c->st);
	c->deadline = -1;
	c->opt = opt;
}

/* Start a new transfer's clock: -m covers one transfer, as curl's does. */
void
conn_deadline(struct conn *c)
{
	c->deadline = c->opt->max_time_ms > 0 ? io_now_ms() + (int64_t)c->opt->max_time_ms : -1;
}

void
conn_trace(const struct conn *c, char dir, const char *line, size_t len)
{
	char shown[FS_LOG_LINE_MAX - 8], out[FS_LOG_LINE_MAX];
	int n;

	if (!c->opt->verbose)
		return;
	/* Answer lines are the server's bytes: escaped before they reach a terminal. */
	if (dir == '<')
		tty_show(line, len, shown, sizeof(shown));
	else
		(void)snprintf(shown, sizeof(shown), "%.*s", (int)len, line);	/* encoded by us */
	n = snprintf(out, sizeof(out), "%c %s\n", dir, shown);
	progress_break();
	if (n > 0)
		(void)!write(STDERR_FILENO, out, (size_t)n);	/* a trace is best effort */
}

/* Connect one address before the deadline; 0, or -errno (-ETIMEDOUT). */
static int
connect_one(const struct addrinfo *ai, int64_t deadline, int *ret_fd)
{
	int fd, err = 0, one = 1, r;
	socklen_t elen = sizeof(err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd == -1)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 && errno != EINPROGRESS) {
		err = errno;
	} else if ((r = io_wait(fd, POLLOUT, deadline)) <= 0) {
		err = r == 0 ? ETIMEDOUT : -r;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1) {
		err = errno;
	}
	if (err != 0) {
		io_close_unwritten(fd);
		return -err;
	}
	/* Requests are whole lines written at once; Nagle would only delay pipelining. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*ret_fd = fd;
	return 0;
}

/* Until req's lookup is done (true) or the deadline passes (false). */
static bool
lookup_wait(struct gaicb *req, int64_t deadline)
{
	const struct gaicb *const list[1] = { req };
	int64_t left;

	while (gai_error(req) == EAI_INPROGRESS) {
		struct timespec ts;

		if ((left = deadline - io_now_ms()) <= 0)
			return false;
		ts = (struct timespec){ .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };
		(void)gai_suspend(list, 1, &ts);	/* done, timed out or interrupted: look again */
	}
	return true;
}

/*
 * getaddrinfo() bounded by the deadline, as curl bounds name resolution by
 * --connect-timeout: glibc's getaddrinfo_a() resolves in a thread of its
 * own while we wait at most until then.  A resolver that never answers
 * would otherwise cost its own retries, 10 s and more.  The request is
 * static, not on our stack: a lookup that cannot be cancelled still
 * writes its result there after we have given up.
 */
static int
resolve(const char *host, const char *port, const struct addrinfo *hints, int64_t deadline,
    struct addrinfo **res)
{
	static char name[URL_HOST_MAX + 1], service[8];
	static struct addrinfo want;
	static struct gaicb req;
	struct gaicb *list[1] = { &req };
	int r;

	/* One given up on before (--retry) may still run: it is ours to wait for, then free. */
	if (!lookup_wait(&req, deadline))
		return EAI_INPROGRESS;
	if (req.ar_result != NULL)
		freeaddrinfo(req.ar_result);
	(void)snprintf(name, sizeof(name), "%s", host);
	(void)snprintf(service, sizeof(service), "%s", port);
	want = *hints;
	req = (struct gaicb){ .ar_name = name, .ar_service = service, .ar_request = &want };
	if ((r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0)
		return r;
	if (!lookup_wait(&req, deadline)) {
		(void)gai_cancel(&req);
		return EAI_INPROGRESS;
	}
	*res = req.ar_result;
	req.ar_result = NULL;
	return gai_error(&req);
}

static int
conn_open(struct conn *c, const struct url *u)
{
	struct addrinfo hints = { .ai_family = c->opt->family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char port[ADDR_PORT_MAX], shown[URL_HOSTPORT_MAX];
	int64_t deadline = io_now_ms() + (int64_t)c->opt->connect_timeout_ms;
	int fd = -1, r = -ECONNREFUSED;

	(void)snprintf(port, sizeof(port), "%u", (unsigned)u->port);
	addr_join(u->host, port, shown, sizeof(shown));
	if (c->deadline >= 0 && c->deadline < deadline)
		deadline = c->deadline;
	if ((r = resolve(u->host, port, &hints, deadline, &res)) == EAI_INPROGRESS) {
		log_msg(LOG_ERR, 0, "cannot resolve host %s: no answer within the connect timeout",
		    u->host);
		return FGET_TIMEOUT;
	}
	if (r != 0) {
		log_msg(LOG_ERR, r == EAI_SYSTEM ? errno : 0, "cannot resolve host %s%s%s",
		    u->host, r == EAI_SYSTEM ? "" : ": ", r == EAI_SYSTEM ? "" : gai_strerror(r));
		return FGET_RESOLVE;
	}
	r = -ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((r = connect_one(ai, deadline, &fd)) == 0 || r == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (r < 0) {
		log_msg(LOG_ERR, -r, "cannot connect to %s", shown);
		return r == -ETIMEDOUT ? FGET_TIMEOUT : FGET_CONNECT;
	}
	/* The handshake shares the connect timeout, as curl's does. */
	if ((r = stream_open(&c->st, fd, u->tls, c->opt, u->host, shown, deadline)) != 0)
		return r;
	c->tls = u->tls;
	(void)snprintf(c->host, sizeof(c->host), "%s", u->host);
	c->port = u->port;
	c->answered = 0;
	c->body_left = 0;
	line_init(&c->lb, FS_HEADER_MAX);
	return 0;
}

/* Connected to u's host and port: the open connection if it is the same one. */
bool
conn_is_for(const struct conn *c, const struct url *u)
{
	return c->st.fd >= 0 && c->tls == u->tls && c->port == u->port &&
	    strcmp(c->host, u->host) == 0;
}

int
conn_get(struct conn *c, const struct url *u)
{
	if (conn_is_for(c, u))
		return 0;
	conn_close(c);
	return conn_open(c, u);
}

void
conn_close(struct conn *c)
{
	stream_close(&c->st);
}

int
conn_send(struct conn *c, const char *line, size_t len)
{
	char buf[FS_LINE_MAX];
	int64_t left = c->deadline < 0 ? -1 : c->deadline - io_now_ms();
	int r = -ETIMEDOUT;

	if (len + 1 > sizeof(buf))
		return FGET_URL;	/* url_parse() keeps paths short enough */
	memcpy(buf, line, len);
	buf[len] = '\n';
	conn_trace(c, '>', line, len);
	if (c->deadline < 0 || left > 0)
		r = stream_write_all(&c->st, buf, len + 1,
		    left < 0 ? -1 : (int)(left > 1000000 ? 1000000 : left));
	if (r == -ETIMEDOUT) {
		log_msg(LOG_ERR, 0, "%s: timed out sending a request", c->host);
		conn_close(c);
		return FGET_TIMEOUT;
	}
	if (r < 0) {
		log_msg(LOG_ERR, -r, "%s: cannot send a request", c->host);
		conn_close(c);
		return FGET_SEND;
	}
	return 0;
}

/* A line that is not an answer: what to call it, and the connection is done. */
static int
answer_failed(struct conn *c, enum line_status ls)
{
	int err = errno;

	conn_close(c);
	switch (ls) {
	case LINE_EOF:
		log_msg(LOG_ERR, 0, "%s: the server closed the connection without answering",
		    c->host);
		return FGET_EMPTY;
	case LINE_TIMEOUT:
		log_msg(LOG_ERR, 0, "%s: timed out waiting for an answer", c->host);
		return FGET_TIMEOUT;
	case LINE_ERROR:
		log_msg(LOG_ERR, err, "%s: cannot receive an answer", c->host);
		return FGET_RECV;
	default:
		log_msg(LOG_ERR, 0, "%s: malformed answer (%s)", c->host,
		    ls == LINE_PARTIAL ? "cut short" : "header line too long");
		return FGET_WEIRD;
	}
}

/*
 * The next answer line, read through the stream into c->lb: line_next()
 * is asked only once a whole line (or more than a line's worth) is
 * buffered, so it never reads the socket itself, which TLS owns.
 */
static enum line_status
conn_line(struct conn *c, char **ret_line, size_t *ret_len)
{
	char buf[FS_HEADER_MAX];

	for (;;) {
		const char *p;
		size_t have = line_pending(&c->lb, &p), n;
		int r;

		if (have >= FS_HEADER_MAX || memchr(p, '\n', have) != NULL)
			return line_next(&c->lb, c->st.fd, c->deadline, ret_line, ret_len);
		memcpy(buf, p, have);
		if ((r = stream_read(&c->st, buf + have, sizeof(buf) - have, c->deadline, &n)) < 0) {
			errno = -r;
			return r == -ETIMEDOUT ? LINE_TIMEOUT : LINE_ERROR;
		}
		if (n == 0)
			return have > 0 ? LINE_PARTIAL : LINE_EOF;
		line_init(&c->lb, FS_HEADER_MAX);	/* what was pending now starts buf */
		(void)line_feed(&c->lb, buf, have + n);	/* fits: have + n <= FS_HEADER_MAX */
	}
}

int
conn_answer(struct conn *c, struct answer *a)
{
	char shown[FS_LOG_FIELD_MAX];
	enum line_status ls;
	char *line;
	size_t len;

	if ((ls = conn_line(c, &line, &len)) != LINE_OK)
		return answer_failed(c, ls);
	conn_trace(c, '<', line, len);
	if (answer_parse(line, len, a) < 0) {
		log_msg(LOG_ERR, 0, "%s: malformed answer: %s", c->host,
		    tty_show(line, len, shown, sizeof(shown)));
		conn_close(c);
		return FGET_WEIRD;
	}
	c->answered++;
	c->body_left = a->ok ? a->body : 0;
	/* The server closes after these two; a later request must reconnect. */
	if (!a->ok && (a->code == 408 || a->code == 414))
		conn_close(c);
	return 0;
}

static int
body_read(struct conn *c, void *buf, size_t want, size_t *ret_n)
{
	int64_t until = c->deadline;
	size_t n;
	int r;

	/* With a progress bar, wake up now and then so a stall shows. */
	if (c->tick_ms > 0 && (until < 0 || until > io_now_ms() + c->tick_ms))
		until = io_now_ms() + c->tick_ms;
	r = stream_read(&c->st, buf, want, until, &n);
	if (r == -ETIMEDOUT && until != c->deadline) {
		*ret_n = 0;
		return 0;
	}
	if (r == 0 && n > 0) {
		*ret_n = n;
		return 0;
	}
	if (r == -ETIMEDOUT)
		log_msg(LOG_ERR, 0, "%s: timed out with %ju body bytes still to come", c->host,
		    (uintmax_t)c->body_left);
	else
		log_msg(LOG_ERR, -r, "%s: connection %s with %ju body bytes still to come", c->host,
		    r < 0 ? "failed" : stream_truncated(&c->st) ?
		    "closed (no TLS close_notify)" : "closed", (uintmax_t)c->body_left);
	conn_close(c);
	return r == -ETIMEDOUT ? FGET_TIMEOUT : FGET_PARTIAL;
}

int
conn_body(struct conn *c, void *buf, size_t max, size_t *ret_n)
{
	size_t want = c->body_left < max ? (size_t)c->body_left : max, n;
	int r;

	if (want == 0) {
		*ret_n = 0;
		return 0;
	}
	/* Body bytes that arrived with the header come first. */
	if ((n = line_take(&c->lb, buf, want)) == 0 && (r = body_read(c, buf, want, &n)) != 0)
		return r;
	c->body_left -= n;
	*ret_n = n;
	return 0;
}

int
conn_skip(struct conn *c)
{
	char buf[16384];
	size_t n;
	int r;

	while (c->body_left > 0) {
		if ((r = conn_body(c, buf, sizeof(buf), &n)) != 0)
			return r;
	}
	return 0;
}
