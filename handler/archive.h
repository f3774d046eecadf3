/* archive.c: a directory as one tar archive, over HTTP (docs/http.md, "Archives"). */
#ifndef FS_ARCHIVE_H
#define FS_ARCHIVE_H

#include <sys/stat.h>

#include "httpreply.h"

/* The archive of the served root is named this, as if the root were a directory of it. */
#define ARCHIVE_ROOT_NAME	"filesvc"

/*
 * Answer x (a GET or HEAD of a directory with ?format=tar) with the
 * archive of the directory dirfd (st its fstat, t its components):
 * members under the directory's own name, as "tar -cf dir.tar dir" makes
 * them, with validators, preconditions and one range as for a file.
 */
void archive_answer(struct session *s, struct exchange *x, int dirfd, struct target *t,
    const struct stat *st);

#endif
