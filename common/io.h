/*
 * Descriptor helpers shared by the programs: deadlines on a monotonic
 * clock, waiting with poll() (which works on pipes and sockets alike),
 * and writes that finish or fail.
 */
#ifndef FS_IO_H
#define FS_IO_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t io_now_ms(void);

/* Seconds since the epoch on CLOCK_REALTIME: for dates people read, never for deadlines. */
int64_t io_wall_seconds(void);

/*
 * Wait until fd is ready for events (POLLIN or POLLOUT) or the deadline
 * (io_now_ms() time; -1 for none) passes.  Returns 1 ready, 0 timed out,
 * -errno on failure.  EINTR is retried against the same deadline.
 */
int io_wait(int fd, short events, int64_t deadline);

/*
 * Write all of buf[0..len) to fd, which may be non-blocking: EAGAIN
 * waits for POLLOUT, and each wait may last idle_ms (-1: forever) with
 * no progress.  Returns 0, -ETIMEDOUT, or -errno (EPIPE: the peer left).
 */
int io_write_all(int fd, const void *buf, size_t len, int idle_ms);

/* The same through send() with flags (MSG_MORE): fd must be a socket. */
int io_send_all(int fd, const void *buf, size_t len, int flags, int idle_ms);

/* Make sure fds 0, 1 and 2 are open (/dev/null onto closed ones). */
int io_fds_ensure_open(void);

/* Set or clear O_NONBLOCK. */
int io_set_nonblock(int fd, int on);

/*
 * Close fd where close() has nothing left to report: a descriptor opened
 * read-only, O_PATH or as a directory, one never written through, or a
 * socket, pipe, epoll, eventfd, signalfd or the like, whose writes were
 * complete when write() returned.  What close() can report that matters
 * is a write error a filesystem kept back until now (NFS, delayed
 * allocation on a full disk); such descriptors hold none, and its other
 * errors leave nothing to do.  On Linux the descriptor is released even
 * when close() fails, EINTR included: it is never retried, because the
 * number may already belong to another open().  errno is preserved.
 * A file whose written data must be known flushed is closed with close()
 * and its result checked, never with this.
 */
void io_close_unwritten(int fd);

#endif
