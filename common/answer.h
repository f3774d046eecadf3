/*
 * Answer header lines (docs/protocol.md, "Answers"): formatted by the
 * handler, parsed by clients.  A client trusts nothing in them.
 */
#ifndef FS_ANSWER_H
#define FS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"

struct answer {
	bool		ok;		/* OK line; otherwise ERR */
	unsigned	code;		/* ERR code, 100-599; 0 for OK */
	uint64_t	body;		/* body bytes that follow an OK line */
	char		text[256];	/* ERR text, cut to fit */
	/* Known keys; unknown ones are skipped (room to grow). */
	bool		has_size, has_mtime, has_entries, has_type;
	uint64_t	size;
	int64_t		mtime;
	uint64_t	entries;
	char		type;		/* 'f' or 'd' */
};

/*
 * Parse one header line (line[0..len), without its LF) into *ret.
 * Returns 0, or -EINVAL for anything that is not a well-formed OK or
 * ERR line (a known key with a malformed value included).
 */
int answer_parse(const char *line, size_t len, struct answer *ret);

#endif
