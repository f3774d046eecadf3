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
	lb->max = max < sizeof(lb->buf) ? max : sizeof(lb->buf);
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

enum line_status
line_next(struct linebuf *lb, int fd, int64_t deadline, char **ret_line, size_t *ret_len)
{
	for (;;) {
		char *start = lb->buf + lb->off;
		size_t avail = lb->len - lb->off;
		char *lf = memchr(start, '\n', avail);
		enum line_status st;
		int r;

		if (lf != NULL) {
			size_t n = (size_t)(lf - start);

			lb->off += n + 1;
			if (n > 0 && start[n - 1] == '\r')
				n--;
			start[n] = '\0';
			*ret_line = start;
			*ret_len = n;
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
