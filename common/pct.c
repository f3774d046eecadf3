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

ssize_t
pct_encode(const char *src, size_t len, const char *extra, char *dst, size_t dstsize)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		bool esc = pct_must_encode(c) ||
		    (extra != NULL && c != '\0' && strchr(extra, c) != NULL);

		if (n + (esc ? 3 : 1) >= dstsize)
			return -ENAMETOOLONG;
		if (esc) {
			dst[n++] = '%';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		} else {
			dst[n++] = (char)c;
		}
	}
	if (n >= dstsize)
		return -ENAMETOOLONG;
	dst[n] = '\0';
	return (ssize_t)n;
}
