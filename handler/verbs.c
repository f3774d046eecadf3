/*
 * LIST, GET and STAT.  Every path is split, refused if it climbs, and
 * opened beneath the root fd; the opened fd, not the name, is judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handler.h"
#include "listing.h"
#include "log.h"
#include "path.h"

/* A fifo, socket or device under the root is not ours to hand out. */
enum fs_status
target_open(struct session *s, struct request *req, struct target *t, int flags,
    int *ret_fd, struct stat *st)
{
	int fd = -1, r;

	memcpy(t->path, req->path, req->path_len + 1);
	r = path_split(t->path, s->opt->show_hidden, t->comp, FS_COMP_MAX, &t->n);
	if (r < 0)
		return status_from_errno(-r);
	if ((fd = confine_open(&s->root, t->comp, t->n, flags)) < 0)
		return status_from_errno(-fd);
	if (fstat(fd, st) == -1) {
		r = errno;
		(void)close(fd);
		return status_from_errno(r);
	}
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		(void)close(fd);
		return FS_E403;
	}
	*ret_fd = fd;
	return FS_OK;
}

static uint64_t
st_size(const struct stat *st)
{
	return st->st_size < 0 ? 0 : (uint64_t)st->st_size;
}

enum fs_status
verb_stat(struct session *s, struct request *req)
{
	struct target t;
	struct stat st;
	char hdr[FS_HEADER_MAX];
	enum fs_status status;
	int fd = -1, n;

	if ((status = target_open(s, req, &t, O_PATH, &fd, &st)) != FS_OK)
		return status;
	(void)close(fd);	/* O_PATH: nothing to lose */
	n = snprintf(hdr, sizeof(hdr), "OK 0 type=%c size=%" PRIu64 " mtime=%" PRId64 "\n",
	    S_ISDIR(st.st_mode) ? 'd' : 'f', st_size(&st), (int64_t)st.st_mtim.tv_sec);
	(void)session_send_header(s, hdr, (size_t)n);
	return FS_OK;
}

enum fs_status
verb_get(struct session *s, struct request *req)
{
	struct target t;
	struct stat st;
	char hdr[FS_HEADER_MAX];
	enum fs_status status;
	uint64_t size, count;
	int fd = -1, n, r;

	/* O_NONBLOCK: opening a fifo that appeared after the check must not hang us. */
	status = target_open(s, req, &t, O_RDONLY | O_NONBLOCK | O_NOCTTY, &fd, &st);
	if (status != FS_OK)
		return status;
	size = st_size(&st);
	if (S_ISDIR(st.st_mode) || req->offset > size) {
		(void)close(fd);
		return S_ISDIR(st.st_mode) ? FS_E400 : FS_E416;
	}
	count = size - req->offset;
	if (req->has_count && req->count < count)
		count = req->count;
	n = snprintf(hdr, sizeof(hdr), "OK %" PRIu64 " size=%" PRIu64 " mtime=%" PRId64 "\n",
	    count, size, (int64_t)st.st_mtim.tv_sec);
	if (session_send_header_before(s, hdr, (size_t)n, count) == 0 && count > 0 &&
	    (r = send_file(s, fd, req->offset, count)) < 0) {
		/* The header promised count bytes: closing is the only honest way out. */
		if (r == -ENODATA)
			log_msg(LOG_WARNING, 0, "%s: file shrank during transfer, closing", s->peer);
		else if (r != -EPIPE && r != -ECONNRESET && r != -ETIMEDOUT)
			log_msg(LOG_ERR, -r, "%s: cannot send file", s->peer);
		s->gone = true;
	}
	(void)close(fd);	/* read-only: close cannot lose data */
	return FS_OK;
}
