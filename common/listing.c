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

/* Decimal digits of v, written backwards ending at end; returns where they start. */
static char *
u64_digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

/*
 * By hand rather than snprintf(): a LIST of 100,000 entries formats
 * 100,000 lines, and printf's format parsing was a visible share of it.
 */
int
listing_format(char type, uint64_t size, int64_t mtime, const char *name, size_t nlen,
    char *dst, size_t dstsize)
{
	char nums[48], *p = nums + sizeof(nums), *start;
	size_t numlen;
	uint64_t m = mtime < 0 ? (uint64_t)0 - (uint64_t)mtime : (uint64_t)mtime;
	ssize_t elen;

	*--p = ' ';
	p = u64_digits(m, p);
	if (mtime < 0)
		*--p = '-';
	*--p = ' ';
	p = u64_digits(size, p);
	*--p = ' ';
	*--p = type;
	start = p;
	numlen = (size_t)(nums + sizeof(nums) - start);
	if (nlen > NAME_MAX || numlen >= dstsize)
		return -ENAMETOOLONG;
	memcpy(dst, start, numlen);
	elen = pct_encode(name, nlen, NULL, dst + numlen, dstsize - numlen - 1);
	if (elen < 0)
		return -ENAMETOOLONG;
	dst[numlen + (size_t)elen] = '\n';
	dst[numlen + (size_t)elen + 1] = '\0';
	return (int)(numlen + (size_t)elen + 1);
}

size_t
listing_length(uint64_t size, int64_t mtime, const char *name, size_t nlen)
{
	uint64_t m = mtime < 0 ? (uint64_t)0 - (uint64_t)mtime : (uint64_t)mtime;

	return 2 + parse_u64_width(size) + 1 + (mtime < 0) + parse_u64_width(m) + 1 + 1 +
	    pct_encoded_len(name, nlen);
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
	/* A name as a server MUST send it: no raw byte that must be encoded. */
	if (next_field(line, len, &pos, true, &f, &flen) < 0 || !pct_is_encoded(f, flen))
		return -EINVAL;
	nlen = pct_decode(f, flen, e.name, sizeof(e.name));
	if (nlen < 0 || !name_safe(e.name, (size_t)nlen))
		return -EINVAL;
	e.name_len = (size_t)nlen;
	*ret = e;
	return 0;
}
