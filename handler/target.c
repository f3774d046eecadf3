/*
 * From a decoded path to an opened, judged fd.  The path is split and
 * refused if it climbs, opened beneath the root fd, and then the opened
 * fd, not the name, is judged: a fifo, socket or device under the root
 * is not ours to hand out.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "path.h"

enum fs_status
target_open(struct session *s, const char *path, size_t len, struct target *t, int flags,
    int *ret_fd, struct stat *st)
{
	int fd = -1, r;

	memcpy(t->path, path, len + 1);
	r = path_split(t->path, s->opt->show_hidden, t->comp, FS_COMP_MAX, &t->n);
	if (r < 0)
		return status_from_errno(-r);
	if ((fd = confine_open(&s->root, t->comp, t->n, flags)) < 0)
		return status_from_errno(-fd);
	if (fstat(fd, st) == -1) {
		r = errno;
		io_close_unwritten(fd);
		return status_from_errno(r);
	}
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		io_close_unwritten(fd);
		return FS_E403;
	}
	*ret_fd = fd;
	return FS_OK;
}

uint64_t
target_size(const struct stat *st)
{
	return st->st_size < 0 ? 0 : (uint64_t)st->st_size;
}
