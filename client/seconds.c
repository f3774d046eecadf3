/*
 * Durations given on the command line (-m, --connect-timeout) as curl
 * takes them: whole or decimal seconds.  The text is the user's, judged
 * byte by byte; no strtod(), whose locale, exponents and hex are not wanted.
 */
#include <errno.h>
#include <stdbool.h>

#include "seconds.h"

int
seconds_parse(const char *s, uint64_t max_s, uint64_t *ret_ms)
{
	uint64_t whole = 0, frac = 0, scale = 100;
	bool digits = false;

	for (; *s >= '0' && *s <= '9'; s++, digits = true) {
		whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > max_s)
			return -ERANGE;
	}
	if (*s == '.') {
		/* Past milliseconds, further digits are checked but do not count. */
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			frac += (uint64_t)(*s - '0') * scale;
			scale /= 10;
		}
	}
	if (!digits || *s != '\0')
		return -EINVAL;
	if (whole * 1000 + frac > max_s * 1000)
		return -ERANGE;
	if (whole == 0 && frac == 0)
		return -ERANGE;
	*ret_ms = whole * 1000 + frac;
	return 0;
}
