/*
 * A UTF-8 reader written from RFC 3629's table 2 and nothing else, for
 * tests and fuzz targets to judge our output with a second opinion, not
 * with the code under test.
 */
#ifndef FS_UTF8CHECK_H
#define FS_UTF8CHECK_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at s[0..len), or 0. */
static inline size_t
utf8_seq(const unsigned char *s, size_t len)
{
	static const struct { unsigned char lo0, hi0, lo1, hi1; size_t n; } t[] = {
		{ 0x00, 0x7f, 0, 0, 1 },	{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },	{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },	{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },	{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	size_t k, i;

	if (len == 0)
		return 0;
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		if (s[0] < t[k].lo0 || s[0] > t[k].hi0)
			continue;
		if (t[k].n > len || (t[k].n > 1 && (s[1] < t[k].lo1 || s[1] > t[k].hi1)))
			return 0;
		for (i = 2; i < t[k].n; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return t[k].n;
	}
	return 0;
}

/* A hex digit's value, or -1. */
static inline int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

#endif
