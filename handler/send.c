/*
 * Sending file bytes: exactly the promised count, never more, never
 * padded.  sendfile() keeps the bytes in the kernel; a read/write loop
 * covers outputs sendfile cannot write to.  The output may be
 * non-blocking: EAGAIN waits for the client for at most the idle timeout.
 */
#include <errno.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"

/* One sendfile() call's share: large enough to amortise the call, small enough to stay fair. */
#define SEND_CHUNK	(1u << 20)
#define COPY_BUF	(64u * 1024)

static int
wait_client(struct session *s)
{
	int r = io_wait(s->out, POLLOUT, io_now_ms() + (int64_t)s->opt->timeout_s * 1000);

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
	}
	return 0;
}

int
send_file(struct session *s, int fd, uint64_t offset, uint64_t count)
{
	int r = send_sendfile(s, fd, offset, count);

	if (r == 1)
		r = send_copy(s, fd, offset, count);
	return r;
}
