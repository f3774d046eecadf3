/* Bounded line reading with a deadline; used for requests and answer headers. */
#ifndef FS_LINE_H
#define FS_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"

enum line_status {
	LINE_OK,
	LINE_EOF,	/* end of input before a line began */
	LINE_PARTIAL,	/* end of input in the middle of a line */
	LINE_TOOLONG,	/* no LF within the buffer: ERR 414 on the server */
	LINE_TIMEOUT,
	LINE_ERROR,	/* errno says why */
};

struct linebuf {
	char	buf[FS_HTTP_HEAD_MAX];	/* one line or HTTP head may fill it */
	size_t	len;			/* bytes held */
	size_t	off;			/* first byte not yet handed out */
	size_t	max;			/* longest line accepted, LF included; <= sizeof(buf) */
};

/* Start empty, accepting lines of at most max bytes including the LF. */
void line_init(struct linebuf *lb, size_t max);

/*
 * Hand out the next line in *ret_line and *ret_len, without its LF and
 * an optional CR before it; the line is NUL-terminated in place.  The
 * deadline (io_now_ms() time, -1 none) covers the whole line, not each
 * read: a client trickling a byte a second still times out.  Bytes after
 * the line stay buffered for the next call (pipelining).
 */
enum line_status line_next(struct linebuf *lb, int fd, int64_t deadline, char **ret_line,
    size_t *ret_len);

/*
 * The same without consuming the line: the next call sees it again.  The
 * line is not NUL-terminated.  For choosing a dialect on the first line.
 */
enum line_status line_peek(struct linebuf *lb, int fd, int64_t deadline,
    const char **ret_line, size_t *ret_len);

/*
 * Hand out the next block of lines that ends with an empty line (an HTTP
 * head), through that empty line's LF, in *ret_block and *ret_len.
 * LINE_TOOLONG when max bytes hold no empty line.  The block stays valid
 * until the next call of any line_ function.
 */
enum line_status line_block(struct linebuf *lb, int fd, int64_t deadline,
    const char **ret_block, size_t *ret_len);

/* The bytes buffered and not yet handed out, at *ret; returns how many. */
size_t line_pending(const struct linebuf *lb, const char **ret);

/* Accept lines (or blocks) of at most max bytes from now on (<= the buffer). */
void line_set_max(struct linebuf *lb, size_t max);

/*
 * Take up to len bytes already buffered past the last line (a body that
 * arrived with its header) into dst.  Returns how many were taken.
 */
size_t line_take(struct linebuf *lb, void *dst, size_t len);

/*
 * Put len bytes that were read ahead by someone else (after a PROXY
 * header, say) at the end of the buffer, as if read from the fd.
 * Returns 0, or -ENOBUFS when they do not fit.
 */
int line_feed(struct linebuf *lb, const void *data, size_t len);

#endif
