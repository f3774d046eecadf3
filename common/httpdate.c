/*
 * HTTP dates by arithmetic, not by libc: gmtime/strptime would bring
 * locale and time-zone files into a sandbox that cannot open them, and
 * the dates come from the network, so every field is range-checked.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "httpdate.h"

static const char days[7][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
    "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void
httpdate_format(int64_t t, char *dst)
{
	const int64_t lo = days_from_civil(0, 1, 1) * 86400;
	const int64_t hi = days_from_civil(10000, 1, 1) * 86400 - 1;
	int64_t day, secs, y;
	unsigned m, d, wd;

	t = t < lo ? lo : (t > hi ? hi : t);
	day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	secs = t - day * 86400;
	civil_from_days(day, &y, &m, &d);
	wd = (unsigned)(((day % 7) + 7) % 7);
	memcpy(dst, "Thu, 01 Jan 1970 00:00:00 GMT", HTTPDATE_LEN + 1);
	memcpy(dst, days[wd], 3);
	put2(dst + 5, d);
	memcpy(dst + 8, months[m - 1], 3);
	put2(dst + 12, (unsigned)(y / 100));
	put2(dst + 14, (unsigned)(y % 100));
	put2(dst + 17, (unsigned)(secs / 3600));
	put2(dst + 20, (unsigned)(secs / 60 % 60));
	put2(dst + 23, (unsigned)(secs % 60));
}

/* n digits at s, exactly; -1 when any is not a digit. */
static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
month_of(const char *s)
{
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(s, months[i], 3) == 0)
			return i + 1;
	return -1;
}

/* "HH:MM:SS" at s into seconds of the day; -1 when malformed. */
static int
time_of(const char *s)
{
	int h = digits(s, 2), m = digits(s + 3, 2), sec = digits(s + 6, 2);

	if (s[2] != ':' || s[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 ||
	    sec > 60)
		return -1;
	return h * 3600 + m * 60 + (sec == 60 ? 59 : sec);
}

static int
assemble(int64_t y, int mon, int d, int secs, int64_t *ret)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (mon < 1 || d < 1 || d > mdays[mon - 1] || (mon == 2 && d == 29 && !leap) || secs < 0)
		return -EINVAL;
	*ret = days_from_civil(y, (unsigned)mon, (unsigned)d) * 86400 + secs;
	return 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int
parse_imf(const char *s, size_t len, int64_t *ret)
{
	if (len != HTTPDATE_LEN || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0 || digits(s + 12, 4) < 0)
		return -EINVAL;
	return assemble(digits(s + 12, 4), month_of(s + 8), digits(s + 5, 2), time_of(s + 17),
	    ret);
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" */
static int
parse_rfc850(const char *s, size_t len, int64_t *ret)
{
	const char *comma = memchr(s, ',', len);
	const char *p;
	int yy;

	if (comma == NULL || (size_t)(comma - s) + 24 != len)
		return -EINVAL;
	p = comma + 2;
	if (comma[1] != ' ' || p[2] != '-' || p[6] != '-' || p[9] != ' ' ||
	    memcmp(p + 18, " GMT", 4) != 0 || (yy = digits(p + 7, 2)) < 0)
		return -EINVAL;
	/* RFC 9110 5.6.7: a year more than 50 years ahead is in the past century. */
	return assemble(yy < 50 ? 2000 + yy : 1900 + yy, month_of(p + 3), digits(p, 2),
	    time_of(p + 10), ret);
}

/* "Sun Nov  6 08:49:37 1994" */
static int
parse_asctime(const char *s, size_t len, int64_t *ret)
{
	int d;

	if (len != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' ||
	    digits(s + 20, 4) < 0)
		return -EINVAL;
	d = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
	return assemble(digits(s + 20, 4), month_of(s + 4), d, time_of(s + 11), ret);
}

int
httpdate_parse(const char *s, size_t len, int64_t *ret)
{
	if (len < 24)
		return -EINVAL;
	if (s[3] == ',')
		return parse_imf(s, len, ret);
	if (s[3] == ' ')
		return parse_asctime(s, len, ret);
	return parse_rfc850(s, len, ret);
}
