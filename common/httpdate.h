/* HTTP-date (RFC 9110 5.6.7): always sent as IMF-fixdate, read in all three forms. */
#ifndef FS_HTTPDATE_H
#define FS_HTTPDATE_H

#include <stddef.h>
#include <stdint.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes and a NUL. */
#define HTTPDATE_LEN 29

/*
 * Format t (seconds since the epoch, UTC) into dst, which holds
 * HTTPDATE_LEN + 1 bytes.  Years outside 0-9999 are clamped to those
 * bounds' first and last second: the format has four digits.
 */
void httpdate_format(int64_t t, char *dst);

/*
 * Parse s[0..len) as an IMF-fixdate, an RFC 850 date ("Sunday, 06-Nov-94
 * 08:49:37 GMT", two-digit years read as within 50 years of 2000) or an
 * asctime() date ("Sun Nov  6 08:49:37 1994").  Returns 0 and sets *ret,
 * or -EINVAL: an invalid date is ignored by the caller, as RFC 9110 says.
 */
int httpdate_parse(const char *s, size_t len, int64_t *ret);

#endif
