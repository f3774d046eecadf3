/*
 * Request and header lines.  The buffer is fixed: a peer can make us hold
 * at most one line's worth of bytes, never allocate.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "line.h"

void
line_init(struct linebuf *lb, size_t max)
{
	lb->len = 0;
	lb->off = 0;
	line_set_max(lb, max);
}

static enum line_status
line_fill(struct linebuf *lb, int fd, int64_t deadline)
{
	for (;;) {
		ssize_t got;
		int r;

		got = read(fd, lb->buf + lb->len, lb->max - lb->len);
		if (got > 0) {
			lb->len += (size_t)got;
			return LINE_OK;
		}
		if (got == 0)
			return lb->len > 0 ? LINE_PARTIAL : LINE_EOF;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return LINE_ERROR;
		if ((r = io_wait(fd, POLLIN, deadline)) <= 0) {
			if (r < 0)
				errno = -r;
			return r == 0 ? LINE_TIMEOUT : LINE_ERROR;
		}
	}
}

/* Bytes through the first LF of s[0..n), or 0 when there is none. */
static size_t
end_of_line(const char *s, size_t n)
{
	const char *lf = memchr(s, '\n', n);

	return lf != NULL ? (size_t)(lf - s) + 1 : 0;
}

/* Bytes through the LF of the first empty line ("\n\n" or "\n\r\n"), or 0. */
static size_t
end_of_block(const char *s, size_t n)
{
	const char *lf = s;

	while ((lf = memchr(lf, '\n', n - (size_t)(lf - s))) != NULL) {
		size_t at = (size_t)(lf - s);

		if (at == 0 || s[at - 1] == '\n' || (at >= 2 && s[at - 1] == '\r' && s[at - 2] == '\n'))
			return at + 1;
		lf++;
	}
	return 0;
}

/*
 * Read until end_of() finds its end in the unconsumed bytes; *ret_n is
 * how many bytes that is, at lb->buf + lb->off.  Compacts first, so what
 * an earlier call handed out is no longer valid.
 */
static enum line_status
line_until(struct linebuf *lb, int fd, int64_t deadline, size_t (*end_of)(const char *, size_t),
    size_t *ret_n)
{
	for (;;) {
		char *start = lb->buf + lb->off;
		size_t avail = lb->len - lb->off, n = end_of(start, avail);
		enum line_status st;
		int r;

		/* A line read ahead under a larger max (the dialect's choice) still counts. */
		if (n > lb->max)
			return LINE_TOOLONG;
		if (n > 0) {
			*ret_n = n;
			return LINE_OK;
		}
		if (avail >= lb->max)
			return LINE_TOOLONG;
		memmove(lb->buf, start, avail);
		lb->off = 0;
		lb->len = avail;
		/* Wait first so a blocking fd still honours the deadline. */
		if ((r = io_wait(fd, POLLIN, deadline)) <= 0) {
			if (r < 0)
				errno = -r;
			return r == 0 ? LINE_TIMEOUT : LINE_ERROR;
		}
		if ((st = line_fill(lb, fd, deadline)) != LINE_OK)
			return st;
	}
}

enum line_status
line_next(struct linebuf *lb, int fd, int64_t deadline, char **ret_line, size_t *ret_len)
{
	enum line_status st;
	char *start;
	size_t n;

	if ((st = line_until(lb, fd, deadline, end_of_line, &n)) != LINE_OK)
		return st;
	start = lb->buf + lb->off;
	lb->off += n;
	n--;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	*ret_line = start;
	*ret_len = n;
	return LINE_OK;
}

enum line_status
line_peek(struct linebuf *lb, int fd, int64_t deadline, const char **ret_line, size_t *ret_len)
{
	enum line_status st;
	const char *start;
	size_t n;

	if ((st = line_until(lb, fd, deadline, end_of_line, &n)) != LINE_OK)
		return st;
	start = lb->buf + lb->off;
	n--;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	*ret_line = start;
	*ret_len = n;
	return LINE_OK;
}

enum line_status
line_block(struct linebuf *lb, int fd, int64_t deadline, const char **ret_block, size_t *ret_len)
{
	enum line_status st;
	size_t n;

	if ((st = line_until(lb, fd, deadline, end_of_block, &n)) != LINE_OK)
		return st;
	*ret_block = lb->buf + lb->off;
	*ret_len = n;
	lb->off += n;
	return LINE_OK;
}

size_t
line_pending(const struct linebuf *lb, const char **ret)
{
	*ret = lb->buf + lb->off;
	return lb->len - lb->off;
}

void
line_set_max(struct linebuf *lb, size_t max)
{
	lb->max = max < sizeof(lb->buf) ? max : sizeof(lb->buf);
}

size_t
line_take(struct linebuf *lb, void *dst, size_t len)
{
	size_t avail = lb->len - lb->off;
	size_t n = len < avail ? len : avail;

	memcpy(dst, lb->buf + lb->off, n);
	lb->off += n;
	return n;
}

int
line_feed(struct linebuf *lb, const void *data, size_t len)
{
	if (len > lb->max - lb->len)
		return -ENOBUFS;
	memcpy(lb->buf + lb->len, data, len);
	lb->len += len;
	return 0;
}
