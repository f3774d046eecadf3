/*
 * Protocol 1's LIST, GET and STAT answers (docs/protocol.md, "Verbs").
 * Each answers the request completely and returns the status logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "handler.h"
#include "verbs.h"

enum fs_status
verb_stat(struct session *s, const struct request *req)
{
	struct target t;
	struct stat st;
	char hdr[FS_HEADER_MAX];
	enum fs_status status;
	int fd = -1, n;

	status = target_open(s, req->path, req->path_len, &t, O_PATH, &fd, &st);
	if (status != FS_OK)
		return status;
	(void)close(fd);	/* O_PATH: nothing to lose */
	n = snprintf(hdr, sizeof(hdr), "OK 0 type=%c size=%" PRIu64 " mtime=%" PRId64 "\n",
	    S_ISDIR(st.st_mode) ? 'd' : 'f', target_size(&st), (int64_t)st.st_mtim.tv_sec);
	(void)reply_header(s, hdr, (size_t)n, 0);
	return FS_OK;
}

enum fs_status
verb_get(struct session *s, const struct request *req)
{
	struct target t;
	struct stat st;
	char hdr[FS_HEADER_MAX];
	enum fs_status status;
	uint64_t size, count;
	int fd = -1, n;

	/* O_NONBLOCK: opening a fifo that appeared after the check must not hang us. */
	status = target_open(s, req->path, req->path_len, &t, O_RDONLY | O_NONBLOCK | O_NOCTTY,
	    &fd, &st);
	if (status != FS_OK)
		return status;
	size = target_size(&st);
	if (S_ISDIR(st.st_mode) || req->offset > size) {
		(void)close(fd);
		return S_ISDIR(st.st_mode) ? FS_E400 : FS_E416;
	}
	count = size - req->offset;
	if (req->has_count && req->count < count)
		count = req->count;
	n = snprintf(hdr, sizeof(hdr), "OK %" PRIu64 " size=%" PRIu64 " mtime=%" PRId64 "\n",
	    count, size, (int64_t)st.st_mtim.tv_sec);
	if (reply_header(s, hdr, (size_t)n, count) == 0 && count > 0)
		(void)reply_file(s, fd, req->offset, count);	/* a failure sets s->gone */
	(void)close(fd);	/* read-only: close cannot lose data */
	return FS_OK;
}

/* Header then body, the body formatted into one buffer and written at once. */
static int
list_send(struct session *s, const struct dirlist *d)
{
	struct listbody b;
	char hdr[FS_HEADER_MAX];
	size_t hlen;
	int r;

	if ((r = listbody_build(d, LISTBODY_TEXT, "", 0, &b)) < 0)
		return r;
	hlen = (size_t)snprintf(hdr, sizeof(hdr), "OK %zu entries=%zu\n", b.len, d->n);
	if ((r = reply_header(s, hdr, hlen, b.len)) == 0 && b.len > 0)
		r = reply_buffer(s, b.p, b.len);
	free(b.p);
	return r;
}

enum fs_status
verb_list(struct session *s, const struct request *req)
{
	struct dirlist d;
	struct target t;
	struct stat st;
	enum fs_status status;
	int fd = -1, r;

	status = target_open(s, req->path, req->path_len, &t, O_RDONLY | O_NONBLOCK | O_NOCTTY,
	    &fd, &st);
	if (status != FS_OK)
		return status;
	if (!S_ISDIR(st.st_mode)) {
		(void)close(fd);
		return FS_E400;		/* as GET of a directory is */
	}
	if ((r = dirlist_load(s, fd, &t, &d)) == 0 && list_send(s, &d) == -ENOMEM)
		r = -ENOMEM;
	(void)close(fd);
	dirlist_free(&d);
	return r == 0 ? FS_OK : (r == -EFBIG ? FS_E500 : status_from_errno(-r));
}
