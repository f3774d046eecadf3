/*
 * LIST lines.  Formatting trusts the file system's names only as far as
 * encoding them; parsing (client side) trusts nothing from the server.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "listing.h"
#include "parse.h"
#include "pct.h"

int
listing_format(char type, uint64_t size, int64_t mtime, const char *name, char *dst,
    size_t dstsize)
{
	char enc[FS_NAME_ENC_MAX];
	size_t nlen = strlen(name);
	int n;

	if (nlen > NAME_MAX || pct_encode(name, nlen, NULL, enc, sizeof(enc)) < 0)
		return -ENAMETOOLONG;
	n = snprintf(dst, dstsize, "%c %" PRIu64 " %" PRId64 " %s\n", type, size, mtime, enc);
	if (n < 0 || (size_t)n >= dstsize)
		return -ENAMETOOLONG;
	return n;
}

/* Next space-separated field of s[*pos..len); the last one runs to the end. */
static int
next_field(const char *s, size_t len, size_t *pos, bool last, const char **f, size_t *flen)
{
	const char *sp;

	if (*pos >= len)
		return -EINVAL;
	*f = s + *pos;
	sp = last ? NULL : memchr(*f, ' ', len - *pos);
	if (!last && sp == NULL)
		return -EINVAL;
	*flen = last ? len - *pos : (size_t)(sp - *f);
	*pos += *flen + 1;
	return 0;
}

static bool
name_safe(const char *name, size_t len)
{
	if (len == 0 || memchr(name, '/', len) != NULL)
		return false;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int
listing_parse(const char *line, size_t len, struct listing_entry *ret)
{
	struct listing_entry e;
	const char *f;
	size_t flen, pos = 0;
	ssize_t nlen;

	if (next_field(line, len, &pos, false, &f, &flen) < 0 || flen != 1 ||
	    (f[0] != 'f' && f[0] != 'd'))
		return -EINVAL;
	e.type = f[0];
	if (next_field(line, len, &pos, false, &f, &flen) < 0 ||
	    parse_u64(f, flen, &e.size) < 0)
		return -EINVAL;
	if (next_field(line, len, &pos, false, &f, &flen) < 0 ||
	    parse_i64(f, flen, &e.mtime) < 0)
		return -EINVAL;
	if (next_field(line, len, &pos, true, &f, &flen) < 0 || memchr(f, ' ', flen) != NULL)
		return -EINVAL;
	nlen = pct_decode(f, flen, e.name, sizeof(e.name));
	if (nlen < 0 || !name_safe(e.name, (size_t)nlen))
		return -EINVAL;
	e.name_len = (size_t)nlen;
	*ret = e;
	return 0;
}
