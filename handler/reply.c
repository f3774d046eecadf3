/*
 * What goes back to the client, in either dialect: header lines, bodies
 * from memory or from a file, and the request's log line.  File bytes
 * are exactly the promised count, never more, never padded: sendfile()
 * keeps them in the kernel, and a read/write loop covers outputs it
 * cannot write to.  The output may be non-blocking: EAGAIN waits for the
 * client for at most the idle timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "log.h"

static int
gone_if(struct session *s, int r)
{
	if (r < 0)
		s->gone = true;
	return r;
}

/*
 * A header whose body (body bytes) follows at once: on a socket MSG_MORE
 * holds it back, so header and body leave in one segment (a small GET is
 * one packet, not two).  The body's last write, which carries no MSG_MORE,
 * pushes both; a body that fails ends the connection, and close() sends
 * what is held.  An empty body: nothing would push it, so none.
 */
int
reply_header(struct session *s, const char *header, size_t len, uint64_t body)
{
	int flags = body > 0 && s->out_is_socket ? MSG_MORE : 0;

	s->promised += body;
	return gone_if(s, io_send_all(s->out, header, len, flags, (int)s->opt->timeout_s * 1000));
}

/* The texts are ours (status_text(), session_refuse()'s reasons), short by design. */
#define REPLY_ERR_LINE_MAX	128

int
reply_err(struct session *s, int code, const char *text)
{
	char line[REPLY_ERR_LINE_MAX];
	int n = snprintf(line, sizeof(line), "ERR %d %s\n", code, text);

	if (n < 0 || (size_t)n >= sizeof(line))
		n = snprintf(line, sizeof(line), "ERR %d\n", code);	/* never cut mid-line */
	return reply_header(s, line, (size_t)n, 0);
}

int
reply_part(struct session *s, const char *buf, size_t len, bool more)
{
	int ms = (int)s->opt->timeout_s * 1000, r;

	if (more && s->out_is_socket)
		r = io_send_all(s->out, buf, len, MSG_MORE, ms);
	else
		r = io_write_all(s->out, buf, len, ms);
	if (r == 0)
		s->sent += len;
	return gone_if(s, r);
}

int
reply_buffer(struct session *s, const char *buf, size_t len)
{
	return reply_part(s, buf, len, false);
}

/*
 * A header and a small file in one write, where MSG_MORE does nothing
 * (AF_UNIX): two messages would become two reads and two TLS records in
 * filesvc-tlsd (bench/results/2026-12-07-1123-tls.md).  Up to one TLS
 * record's payload, header included.
 */
#define REPLY_JOIN_MAX	16384

/* Returns 0 or -errno when it was tried, 1 when the answer must go the usual way. */
static int
join_file(struct session *s, const char *header, size_t len, int fd, uint64_t offset,
    uint64_t count)
{
	char buf[REPLY_JOIN_MAX];
	ssize_t n;
	int r;

	if (!s->out_is_unix || count == 0 || len > sizeof(buf) || count > sizeof(buf) - len)
		return 1;
	memcpy(buf, header, len);
	do
		n = pread(fd, buf + len, (size_t)count, (off_t)offset);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)count)
		return 1;	/* reply_file() says why: the file shrank, or cannot be read */
	s->promised += count;
	r = io_write_all(s->out, buf, len + (size_t)count, (int)s->opt->timeout_s * 1000);
	if (r == 0)
		s->sent += count;
	return gone_if(s, r);
}

int
reply_header_file(struct session *s, const char *header, size_t len, int fd, uint64_t offset,
    uint64_t count)
{
	int r;

	if ((r = join_file(s, header, len, fd, offset, count)) != 1)
		return r;
	if ((r = reply_header(s, header, len, count)) == 0 && count > 0)
		r = reply_file(s, fd, offset, count);
	return r;
}

/* One sendfile() call's share: large enough to amortise the call, small enough to stay fair. */
#define SEND_CHUNK	(1u << 20)
#define COPY_BUF	(64u * 1024)

/* Wait for the client to take data, or for a stop: 0, -ETIMEDOUT, -ECANCELED or -errno. */
static int
wait_client(struct session *s)
{
	int64_t deadline = io_now_ms() + (int64_t)s->opt->timeout_s * 1000;
	int r = sigterm_wait(s, s->out, POLLOUT, deadline);

	if (r < 0)
		return r;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* Returns 0 when all was sent, 1 when sendfile cannot write to this output, or -errno. */
static int
send_sendfile(struct session *s, int fd, uint64_t offset, uint64_t count)
{
	off_t off = (off_t)offset;
	bool first = true;

	while (count > 0) {
		size_t chunk = count < SEND_CHUNK ? (size_t)count : SEND_CHUNK;
		ssize_t n = sendfile(s->out, fd, &off, chunk);
		int r;

		if (n > 0) {
			count -= (uint64_t)n;
			s->sent += (uint64_t)n;
			first = false;
			if (count > 0 && sigterm_caught(s))
				return -ECANCELED;
			continue;
		}
		if (n == 0)
			return -ENODATA;	/* the file shrank under us */
		if (errno == EINTR)
			continue;
		if (first && (errno == EINVAL || errno == ENOSYS))
			return 1;
		if (errno != EAGAIN)
			return -errno;
		if ((r = wait_client(s)) < 0)
			return r;
	}
	return 0;
}

static int
send_copy(struct session *s, int fd, uint64_t offset, uint64_t count)
{
	char buf[COPY_BUF];

	while (count > 0) {
		size_t want = count < sizeof(buf) ? (size_t)count : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)offset);
		int r;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (n == 0)
			return -ENODATA;
		r = io_write_all(s->out, buf, (size_t)n, (int)s->opt->timeout_s * 1000);
		if (r < 0)
			return r;
		offset += (uint64_t)n;
		count -= (uint64_t)n;
		s->sent += (uint64_t)n;
		if (count > 0 && sigterm_caught(s))
			return -ECANCELED;
	}
	return 0;
}

/*
 * The header promised count bytes: on any failure closing is the only
 * honest way out.  A stop (SIGTERM, held since the request began) that
 * comes meanwhile cuts the transfer; the request's log line says so.
 */
int
reply_file(struct session *s, int fd, uint64_t offset, uint64_t count)
{
	int r = send_sendfile(s, fd, offset, count);

	if (r == 1)
		r = send_copy(s, fd, offset, count);
	if (r == -ENODATA)
		log_msg(LOG_WARNING, 0, "%s: file shrank during transfer, closing", s->peer);
	else if (r < 0 && r != -EPIPE && r != -ECONNRESET && r != -ETIMEDOUT && r != -ECANCELED)
		log_msg(LOG_ERR, -r, "%s: cannot send file", s->peer);
	return gone_if(s, r);
}

void
reply_log(struct session *s, const char *method, const char *path, size_t len, int code)
{
	char shown[FS_LOG_FIELD_MAX], status[8], cut[96] = "";
	int64_t ms = io_now_ms() - s->started_ms;
	int prio = code < 400 ? LOG_INFO : (code >= 500 ? LOG_ERR : LOG_WARNING);

	(void)snprintf(status, sizeof(status), code == 0 ? "OK" : "%d", code);
	log_escape(path, len, shown, sizeof(shown));
	/* The status says what the header promised; a cut transfer says it was not kept. */
	if (s->sent < s->promised) {
		(void)snprintf(cut, sizeof(cut), " cut: %" PRIu64 " of %" PRIu64 " bytes sent%s",
		    s->sent, s->promised, s->stopped ? " (stopped by SIGTERM)" : "");
		prio = LOG_WARNING;
	}
	log_msg(prio, 0, "%s %s /%s %s %" PRIu64 " %" PRId64 ".%03ds%s", s->peer, method,
	    shown[0] == '/' ? shown + 1 : shown, status, s->sent, ms / 1000, (int)(ms % 1000),
	    cut);
}
