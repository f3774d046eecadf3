/*
 * The stream under protocol 1, plain TCP or TLS: one set of calls, so the
 * protocol code in conn.c never asks which.  Over TCP these are read(2)
 * and write(2) on the non-blocking socket with poll deadlines.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "fget-config.h"
#include "fget.h"
#include "io.h"
#include "log.h"
#include "stream.h"
#if FGET_HAVE_TLS
#include "tls.h"
#endif

void
stream_init(struct stream *s)
{
	*s = (struct stream){ .fd = -1 };
}

#if FGET_HAVE_TLS
static int
start_tls(struct stream *s, const struct options *opt, const char *host, const char *shown,
    int64_t deadline)
{
	return tls_open(s->fd, opt, host, shown, deadline, &s->tls);
}
#else
static int
start_tls(struct stream *s, const struct options *opt, const char *host, const char *shown,
    int64_t deadline)
{
	(void)s, (void)opt, (void)host, (void)deadline;
	log_msg(LOG_ERR, 0, "%s: cannot speak TLS: fget was built without it (meson -Dtls)",
	    shown);
	return FGET_FAIL;
}
#endif

int
stream_open(struct stream *s, int fd, bool tls, const struct options *opt, const char *host,
    const char *shown, int64_t deadline)
{
	int r;

	stream_init(s);
	s->fd = fd;
	if (tls && (r = start_tls(s, opt, host, shown, deadline)) != 0) {
		io_close_unwritten(fd);
		stream_init(s);
		return r;
	}
	return 0;
}

static int
tcp_read(int fd, void *buf, size_t len, int64_t until, size_t *ret_n)
{
	for (;;) {
		ssize_t got;
		int r;

		/* Wait first, so that a tick (until) passes even while nothing comes. */
		if ((r = io_wait(fd, POLLIN, until)) <= 0)
			return r == 0 ? -ETIMEDOUT : r;
		if ((got = read(fd, buf, len)) >= 0) {
			*ret_n = (size_t)got;
			return 0;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

int
stream_read(struct stream *s, void *buf, size_t len, int64_t until, size_t *ret_n)
{
#if FGET_HAVE_TLS
	if (s->tls != NULL)
		return tls_read(s->tls, s->fd, buf, len, until, ret_n, &s->truncated);
#endif
	return tcp_read(s->fd, buf, len, until, ret_n);
}

bool
stream_truncated(const struct stream *s)
{
	return s->truncated;
}

int
stream_write_all(struct stream *s, const void *buf, size_t len, int idle_ms)
{
#if FGET_HAVE_TLS
	if (s->tls != NULL)
		return tls_write_all(s->tls, s->fd, buf, len, idle_ms);
#endif
	return io_write_all(s->fd, buf, len, idle_ms);
}

void
stream_close(struct stream *s)
{
	if (s->fd < 0)
		return;
#if FGET_HAVE_TLS
	if (s->tls != NULL)
		tls_close(s->tls);
#endif
	io_close_unwritten(s->fd);	/* the server sees EOF: the protocol's way to end */
	stream_init(s);
}
