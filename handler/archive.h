/* archive.c: a directory as one tar archive, over HTTP (docs/http.md, "Archives"). */
#ifndef FS_ARCHIVE_H
#define FS_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>
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

/* A listing counts what its directory's archive holds up to this many members. */
#define ARCHIVE_CENSUS_MAX	10000

struct archive_census {
	uint64_t	files, bytes;
	bool		complete;	/* false: more than ARCHIVE_CENSUS_MAX members */
};

/*
 * What the archive of the directory st (t its components, as for archive_answer();
 * d its listing, already read with ids) would hold: its files and their bytes,
 * counted by the same walk, stopping at ARCHIVE_CENSUS_MAX members.  The
 * directory's own entries cost nothing more; only its subdirectories are
 * read.
 */
void archive_census(struct session *s, struct target *t, const struct stat *st,
    const struct dirlist *d, struct archive_census *ret);

#endif
