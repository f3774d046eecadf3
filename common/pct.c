/*
 * Percent codec.  Trusts nothing: every escape is validated before it is
 * converted, and the output buffer's size is checked before each byte.
 */
#include <errno.h>
#include <string.h>

#include "pct.h"

bool
pct_must_encode(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '%';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
pct_decode(const char *src, size_t len, char *dst, size_t dstsize)
{
	size_t i, n = 0;

	if (dstsize == 0)
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 ||
			    (hi = hexval((unsigned char)src[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)src[i + 2])) < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return -EINVAL;
		if (n + 1 >= dstsize)
			return -ENAMETOOLONG;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return (ssize_t)n;
}

/* Whether c is in set, a NUL-terminated set of bytes or NULL. */
static bool
in_set(const char *set, unsigned char c)
{
	return set != NULL && c != '\0' && strchr(set, c) != NULL;
}

static bool
escaped(const struct pct_rule *rule, unsigned char c)
{
	return in_set(rule->extra, c) || (pct_must_encode(c) && !in_set(rule->spare, c));
}

/*
 * Escape whole bytes of src while they fit in room bytes of dst.
 * Returns the bytes written; *ret_used is the bytes of src taken.
 */
static size_t
escape_some(const char *src, size_t len, const struct pct_rule *rule, char *dst, size_t room,
    size_t *ret_used)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		bool esc = escaped(rule, c);

		if (n + (esc ? 3 : 1) > room)
			break;
		if (esc) {
			dst[n++] = '%';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		} else {
			dst[n++] = (char)c;
		}
	}
	*ret_used = i;
	return n;
}

ssize_t
pct_escape(const char *src, size_t len, const struct pct_rule *rule, char *dst, size_t dstsize)
{
	size_t n, used;

	if (dstsize == 0)
		return -ENAMETOOLONG;
	n = escape_some(src, len, rule, dst, dstsize - 1, &used);
	if (used < len) {
		if (!rule->cut)
			return -ENAMETOOLONG;
		/* Mark the cut, so a reader never takes what is left for the whole. */
		if (dstsize >= 4) {
			n = escape_some(src, len, rule, dst, dstsize - 4, &used);
			memcpy(dst + n, "...", 3);
			n += 3;
		}
	}
	dst[n] = '\0';
	return (ssize_t)n;
}

ssize_t
pct_encode(const char *src, size_t len, const char *extra, char *dst, size_t dstsize)
{
	const struct pct_rule rule = { .extra = extra };

	return pct_escape(src, len, &rule, dst, dstsize);
}

size_t
pct_encoded_len(const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += pct_must_encode((unsigned char)src[i]) ? 3 : 1;
	return n;
}

bool
pct_is_encoded(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != '%' && pct_must_encode((unsigned char)s[i]))
			return false;
	return true;
}
