/*
 * POSIX pax/ustar member headers (POSIX.1-2008 "pax" format), for a
 * directory served as one archive (docs/http.md, "Archives").  Everything
 * a header says is derived from the member alone, so the same tree always
 * makes the same bytes, and a header's size is known before it is made.
 */
#ifndef FS_TAR_H
#define FS_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"

#define TAR_BLOCK	512
/* A member's path in the archive: longer ones are left out of it. */
#define TAR_PATH_MAX	FS_PATH_MAX
/* Both headers of one member: a pax header with its records, then the ustar one. */
#define TAR_HEADER_MAX	(3 * TAR_BLOCK + ((TAR_PATH_MAX + 256 + TAR_BLOCK - 1) / TAR_BLOCK) * TAR_BLOCK)
/* The two zero blocks that end an archive. */
#define TAR_TRAILER	(2 * TAR_BLOCK)

struct tar_member {
	const char	*path;		/* "dir/sub/name", any bytes but NUL; no trailing '/' */
	size_t		 path_len;	/* < TAR_PATH_MAX */
	char		 type;		/* 'f' regular file, 'd' directory */
	uint64_t	 size;		/* 'f' only */
	int64_t		 mtime;
	uint32_t	 mtime_ns;	/* 0-999999999 */
};

/* Bytes of m's headers (a multiple of TAR_BLOCK), without its data. */
size_t tar_header_size(const struct tar_member *m);

/*
 * Write m's headers into dst (TAR_HEADER_MAX bytes always do): a pax
 * extended header when the path is longer than ustar holds or is not
 * ASCII (with hdrcharset=BINARY when it is not UTF-8), the size is 8 GiB
 * or more, or the mtime has nanoseconds or is out of ustar's range; then
 * the ustar header.  Owner 0/0 with no names, mode 0644 or 0755.
 * Returns the length written, tar_header_size(m).
 */
size_t tar_header_format(const struct tar_member *m, char *dst);

/* Whether s[0..len) is UTF-8 (pax's default charset), or needs hdrcharset=BINARY. */
bool tar_name_is_utf8(const char *s, size_t len);

/* The zero padding after size bytes of data, up to a block boundary. */
uint64_t tar_padding(uint64_t size);

#endif
