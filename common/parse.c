/*
 * Decimal numbers from the network and the command line.  Never sscanf,
 * atoi or an unchecked strtol: each accepts input we must refuse.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "parse.h"

int
parse_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)((unsigned char)s[i] - '0');

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int
parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int r;

	if ((r = parse_u64(s, strlen(s), &v)) < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int
parse_i64(const char *s, size_t len, int64_t *ret)
{
	uint64_t v;
	bool neg = len > 0 && s[0] == '-';
	int r;

	if ((r = parse_u64(s + neg, len - neg, &v)) < 0)
		return r;
	if (v > (uint64_t)INT64_MAX + neg)
		return -ERANGE;
	*ret = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return 0;
}

size_t
parse_u64_width(uint64_t v)
{
	size_t n = 1;

	while (v >= 10)
		v /= 10, n++;
	return n;
}
