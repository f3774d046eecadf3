/*
 * Protocol 1's LIST, GET and STAT answers (docs/protocol.md, "Verbs").
 * Each answers the request completely and returns the status logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
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
	io_close_unwritten(fd);
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
		io_close_unwritten(fd);
		return S_ISDIR(st.st_mode) ? FS_E400 : FS_E416;
	}
	count = size - req->offset;
	if (req->has_count && req->count < count)
		count = req->count;
	n = snprintf(hdr, sizeof(hdr), "OK %" PRIu64 " size=%" PRIu64 " mtime=%" PRId64 "\n",
	    count, size, (int64_t)st.st_mtim.tv_sec);
	(void)reply_header_file(s, hdr, (size_t)n, fd, req->offset, count);	/* sets s->gone */
	io_close_unwritten(fd);
	return FS_OK;
}

/* Header, then the body formatted as it is sent. */
static void
list_send(struct session *s, const struct dirlist *d)
{
	struct listbody b;
	uint64_t len = listbody_prepare(&b, d, LISTBODY_TEXT, "", 0, NULL);
	char hdr[FS_HEADER_MAX];
	size_t hlen;

	hlen = (size_t)snprintf(hdr, sizeof(hdr), "OK %" PRIu64 " entries=%zu\n", len, d->n);
	if (reply_header(s, hdr, hlen, len) == 0 && len > 0)
		(void)listbody_send(s, &b, d, LISTBODY_TEXT, "", 0, NULL);	/* sets s->gone */
	listbody_free(&b);
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
		io_close_unwritten(fd);
		return FS_E400;		/* as GET of a directory is */
	}
	if ((r = dirlist_load(s, fd, &t, &d, false)) == 0)
		list_send(s, &d);
	io_close_unwritten(fd);
	dirlist_free(&d);
	return r == 0 ? FS_OK : (r == -EFBIG ? FS_E500 : status_from_errno(-r));
}
