/* Descriptor helpers; they return -errno and never log (callers decide). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

/*
 * FS_CLOCK_SYSCALL (the musl handler's build): musl looks the vDSO's
 * clock_gettime up at the first call, walking its symbol table; in a
 * process that lives for one connection and reads the clock about seven
 * times, that lookup and the two pages it faults in cost more than the
 * readings (commit c8b5139 has the A/B measurement).
 * glibc resolves the vDSO at start-up whatever we do: it keeps the call.
 */
static void
now(clockid_t clock, struct timespec *ts)
{
	/* Neither clock can fail with a valid pointer. */
#ifdef FS_CLOCK_SYSCALL
	(void)syscall(SYS_clock_gettime, clock, ts);
#else
	(void)clock_gettime(clock, ts);
#endif
}

int64_t
io_now_ms(void)
{
	struct timespec ts;

	now(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
io_wall_seconds(void)
{
	struct timespec ts;

	now(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int
io_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int ms = -1, r;

		if (deadline >= 0) {
			int64_t left = deadline - io_now_ms();

			ms = left <= 0 ? 0 : (left > 1000000 ? 1000000 : (int)left);
		}
		r = poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r == 0 && (deadline < 0 || io_now_ms() < deadline))
			continue;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int
io_write_all(int fd, const void *buf, size_t len, int idle_ms)
{
	return io_send_all(fd, buf, len, 0, idle_ms);
}

int
io_send_all(int fd, const void *buf, size_t len, int flags, int idle_ms)
{
	const char *p = buf;

	while (len > 0) {
		/* write() for flags 0: the fd may be a pipe or a file, which send() refuses. */
		ssize_t n = flags != 0 ? send(fd, p, len, flags) : write(fd, p, len);

		if (n >= 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			int r = io_wait(fd, POLLOUT, idle_ms < 0 ? -1 : io_now_ms() + idle_ms);

			if (r < 0)
				return r;
			if (r == 0)
				return -ETIMEDOUT;
			continue;
		}
		return -errno;
	}
	return 0;
}

int
io_fds_ensure_open(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		int nul;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* open() returns the lowest free fd, which is this one. */
		if ((nul = open("/dev/null", O_RDWR)) == -1)
			return -errno;
		if (nul != fd)
			return -EBADF;
	}
	return 0;
}

int
io_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (fcntl(fd, F_SETFL, fl) == -1)
		return -errno;
	return 0;
}

void
io_close_unwritten(int fd)
{
	int e = errno;

	(void)close(fd);	/* io.h says why the result is not needed and EINTR is not retried */
	errno = e;
}
