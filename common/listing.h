/* LIST body lines: "<type> <size> <mtime> <name>\n" (docs/protocol.md, "LIST"). */
#ifndef FS_LISTING_H
#define FS_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"

/* Longest entry line: type, size, mtime, encoded name, three spaces, LF, NUL. */
#define LISTING_LINE_MAX (2 + 21 + 21 + FS_NAME_ENC_MAX + 3 + 2)

struct listing_entry {
	char		type;			/* 'f' or 'd' */
	uint64_t	size;
	int64_t		mtime;
	char		name[NAME_MAX + 1];	/* decoded, NUL-terminated */
	size_t		name_len;
};

/*
 * Format one entry, name[0..nlen) raw (any bytes but '/' and NUL, at most
 * NAME_MAX), into dst (dstsize >= LISTING_LINE_MAX is always enough),
 * LF included.  Returns the line length or -ENAMETOOLONG.  The caller
 * passes the length it already knows: a second strlen() per entry was 3 %
 * of a 100,000-entry LIST's instructions.
 */
int listing_format(char type, uint64_t size, int64_t mtime, const char *name, size_t nlen,
    char *dst, size_t dstsize);

/*
 * The length listing_format() gives the same entry, LF included, without
 * formatting it: a LIST's header states its body's length before the body.
 */
size_t listing_length(uint64_t size, int64_t mtime, const char *name, size_t nlen);

/*
 * Parse one body line (line[0..len), without its LF) into *ret.  Refuses
 * (-EINVAL) a bad type, bad numbers, an empty name, or a name that
 * decodes to "", ".", "..", or contains '/': a client builds local paths
 * from these names, so a hostile server must not steer them.
 */
int listing_parse(const char *line, size_t len, struct listing_entry *ret);

#endif
