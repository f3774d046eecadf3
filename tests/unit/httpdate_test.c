/* HTTP-dates: the one format we send, the three we read, and every field's range. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "httpdate.h"
#include "unit.h"

#define FIRST_SECOND	INT64_C(-62167219200)	/* 0000-01-01 00:00:00 */
#define LAST_SECOND	INT64_C(253402300799)	/* 9999-12-31 23:59:59 */

/* clang-format off */
static const struct {
	int64_t		 t;
	const char	*out;
} formats[] = {
	{ 0,			"Thu, 01 Jan 1970 00:00:00 GMT" },
	{ -1,			"Wed, 31 Dec 1969 23:59:59 GMT" },	/* negative times */
	{ -86400,		"Wed, 31 Dec 1969 00:00:00 GMT" },
	{ -86401,		"Tue, 30 Dec 1969 23:59:59 GMT" },
	{ 784111777,		"Sun, 06 Nov 1994 08:49:37 GMT" },	/* RFC 9110's example */
	{ 951782400,		"Tue, 29 Feb 2000 00:00:00 GMT" },	/* leap day of a 400-year */
	{ 951868800,		"Wed, 01 Mar 2000 00:00:00 GMT" },
	{ 1709164800,		"Thu, 29 Feb 2024 00:00:00 GMT" },
	{ -2203891200,		"Thu, 01 Mar 1900 00:00:00 GMT" },	/* 1900 has no 29 Feb */
	{ -2203977600,		"Wed, 28 Feb 1900 00:00:00 GMT" },
	{ 2147483647,		"Tue, 19 Jan 2038 03:14:07 GMT" },	/* past 32 bits */
	{ 2147483648,		"Tue, 19 Jan 2038 03:14:08 GMT" },
	{ LAST_SECOND,		"Fri, 31 Dec 9999 23:59:59 GMT" },	/* year 9999 */
	{ LAST_SECOND + 1,	"Fri, 31 Dec 9999 23:59:59 GMT" },	/* clamped */
	{ INT64_MAX,		"Fri, 31 Dec 9999 23:59:59 GMT" },
	{ FIRST_SECOND,		"Sat, 01 Jan 0000 00:00:00 GMT" },
	{ FIRST_SECOND - 1,	"Sat, 01 Jan 0000 00:00:00 GMT" },	/* clamped */
	{ INT64_MIN,		"Sat, 01 Jan 0000 00:00:00 GMT" },
	{ -62135596800,		"Mon, 01 Jan 0001 00:00:00 GMT" },
};
/* clang-format on */

START_TEST(format_table)
{
	char buf[HTTPDATE_LEN + 2];

	memset(buf, '@', sizeof(buf));
	httpdate_format(formats[_i].t, buf);
	ck_assert_str_eq(buf, formats[_i].out);
	ck_assert_int_eq(buf[HTTPDATE_LEN + 1], '@');	/* 29 bytes and a NUL, no more */
}
END_TEST

/* t INT64_MIN means "refused"; len -1 means strlen(in). */
#define BAD INT64_MIN
/* clang-format off */
static const struct {
	const char	*in;
	int		 len;
	int64_t		 t;
} parses[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT",	-1,	784111777 },	/* IMF-fixdate */
	{ "Sunday, 06-Nov-94 08:49:37 GMT",	-1,	784111777 },	/* RFC 850 */
	{ "Sun Nov  6 08:49:37 1994",		-1,	784111777 },	/* asctime */
	{ "Sun Nov 06 08:49:37 1994",		-1,	784111777 },	/* asctime, 2DIGIT day */
	{ "Wednesday, 09-Nov-94 08:49:37 GMT",	-1,	784370977 },
	{ "Thursday, 01-Jan-70 00:00:00 GMT",	-1,	0 },
	{ "Monday, 01-Jan-49 00:00:00 GMT",	-1,	2493072000 },	/* 49 -> 2049 */
	{ "Sunday, 01-Jan-50 00:00:00 GMT",	-1,	-631152000 },	/* 50 -> 1950 */
	{ "Tue, 29 Feb 2000 00:00:00 GMT",	-1,	951782400 },	/* leap days */
	{ "Thu, 29 Feb 2024 00:00:00 GMT",	-1,	1709164800 },
	{ "Thu, 29 Feb 1900 00:00:00 GMT",	-1,	BAD },		/* 1900 is not leap */
	{ "Fri, 29 Feb 2023 00:00:00 GMT",	-1,	BAD },
	{ "Tue Feb 29 00:00:00 2000",		-1,	951782400 },
	{ "Thu Feb 29 00:00:00 1900",		-1,	BAD },
	{ "Tuesday, 29-Feb-00 00:00:00 GMT",	-1,	951782400 },
	{ "Thursday, 29-Feb-01 00:00:00 GMT",	-1,	BAD },
	{ "Sat, 30 Feb 2000 00:00:00 GMT",	-1,	BAD },
	{ "Thu, 31 Apr 2025 00:00:00 GMT",	-1,	BAD },
	{ "Wed, 31 Dec 2025 23:59:60 GMT",	-1,	1767225599 },	/* second 60 */
	{ "Wed, 31 Dec 2025 23:59:61 GMT",	-1,	BAD },
	{ "Wed, 31 Dec 2025 24:00:00 GMT",	-1,	BAD },
	{ "Wed, 31 Dec 2025 23:60:00 GMT",	-1,	BAD },
	{ "Wed, 32 Dec 2025 00:00:00 GMT",	-1,	BAD },
	{ "Wed, 00 Dec 2025 00:00:00 GMT",	-1,	BAD },
	{ "Fri, 31 Dec 9999 23:59:59 GMT",	-1,	LAST_SECOND },	/* year 9999 */
	{ "Sat, 01 Jan 0000 00:00:00 GMT",	-1,	FIRST_SECOND },
	{ "Thu, 01 Jan 1970 00:00:00 GMT",	-1,	0 },
	{ "Wed, 31 Dec 1969 23:59:59 GMT",	-1,	-1 },		/* negative */
	{ "Sun, 06 nov 1994 08:49:37 GMT",	-1,	BAD },		/* month is case-sensitive */
	{ "Sun, 06 Nov 1994 08:49:37 UTC",	-1,	BAD },
	{ "Sun, 06 Nov 1994 08:49:37 gmt",	-1,	BAD },
	{ "Sun, 06 Nov 1994 08:49:37 GMT ",	-1,	BAD },		/* trailing blank */
	{ " Sun, 06 Nov 1994 08:49:37 GMT",	-1,	BAD },
	{ "Sun, 6 Nov 1994 08:49:37 GMT",	-1,	BAD },
	{ "Sun, 06 Nov 94 08:49:37 GMT",	-1,	BAD },
	{ "Sun, 06 Nov +994 08:49:37 GMT",	-1,	BAD },
	{ "Sun, 06 Nov 1994 8:49:37 GMT",	-1,	BAD },
	{ "Sun, 06 Nov 1994 08:49:3x GMT",	-1,	BAD },
	{ "Sun, 06 Nov 1994 08-49-37 GMT",	-1,	BAD },
	{ "Sun, 06 Nov 1994 08:49:37 GMT",	28,	BAD },		/* truncated */
	{ "Sun, 06 Nov 1994 08:49:37 GMT",	24,	BAD },
	{ "Sun, 06 Nov 1994 08:49",		-1,	BAD },
	{ "Sun Nov  6 08:49:37 1994",		23,	BAD },
	{ "Sunday, 06-Nov-94 08:49:37 GMT",	29,	BAD },
	{ "Sunday, 06-Nov-94 08:49:37 GMT",	-1,	784111777 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT\0",	30,	BAD },		/* NUL */
	{ "Sun, 06 N\0v 1994 08:49:37 GMT",	29,	BAD },
	{ "Sun, 06 Nov 19\x00" "4 08:49:37 GMT",29,	BAD },
	{ "Sun, 06 \xc3\xa9v 1994 08:49:37 GMT",-1,	BAD },		/* non-UTF-8 and UTF-8 */
	{ "Sun, 06 \xff\xfe\xfd 1994 08:49:37 GMT",-1,	BAD },
	{ "Sun Nov  6 08:49:37 19945",		-1,	BAD },		/* overflowing year */
	{ "Sun, 06 Nov 99999 08:49:37 GMT",	-1,	BAD },
	{ "Sun Nov  0 08:49:37 1994",		-1,	BAD },
	{ "Sun Nov   6 08:49:37 199",		-1,	BAD },
	{ "Sun Foo  6 08:49:37 1994",		-1,	BAD },
	{ "Sunday, 06-Nov-1994 08:49:37 GMT",	-1,	BAD },
	{ "Sunday, 06 Nov 94 08:49:37 GMT",	-1,	BAD },
	{ "Sunday,06-Nov-94 08:49:37 GMT ",	-1,	BAD },
	{ "Sunday, 06-Nov-94 08:49:37 UTC",	-1,	BAD },
	{ "",					0,	BAD },		/* empty */
	{ "x",					-1,	BAD },
	{ "784111777",				-1,	BAD },
	{ ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",	-1,	BAD },
	{ "                                 ",	-1,	BAD },
};
/* clang-format on */

START_TEST(parse_table)
{
	size_t len = parses[_i].len < 0 ? strlen(parses[_i].in) : (size_t)parses[_i].len;
	int64_t t = 12345;
	int r = httpdate_parse(parses[_i].in, len, &t);

	if (parses[_i].t == BAD) {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_int_eq(t, 12345);	/* not written on failure */
	} else {
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(t, parses[_i].t);
	}
}
END_TEST

/* Our own output reads back as the same second, for any instant of years 0-9999. */
START_TEST(round_trip)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	const uint64_t span = (uint64_t)(LAST_SECOND - FIRST_SECOND) + 1;
	int i;

	for (i = 0; i < 20000; i++) {
		char buf[HTTPDATE_LEN + 1];
		int64_t t, back;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* Half anywhere, half near the epoch where most files are. */
		t = (i & 1) ? FIRST_SECOND + (int64_t)(x % span) : (int64_t)(x % 8000000000u) - 2000000000;
		httpdate_format(t, buf);
		ck_assert_uint_eq(strlen(buf), HTTPDATE_LEN);
		ck_assert_int_eq(httpdate_parse(buf, HTTPDATE_LEN, &back), 0);
		ck_assert_int_eq(back, t);
	}
}
END_TEST

/* Every day of 1890-2110 formats and reads back, and the weekday advances by one. */
START_TEST(every_day)
{
	static const char wd[] = "ThuFriSatSunMonTueWed";
	int64_t day;

	for (day = -29220; day < 51500; day++) {
		char buf[HTTPDATE_LEN + 1];
		int64_t back;

		httpdate_format(day * 86400 + 43199, buf);
		ck_assert_int_eq(httpdate_parse(buf, HTTPDATE_LEN, &back), 0);
		ck_assert_int_eq(back, day * 86400 + 43199);
		ck_assert_int_eq(memcmp(buf, wd + ((day % 7 + 7) % 7) * 3, 3), 0);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("httpdate");
	TCase *tc = tcase_create("httpdate");

	tcase_add_loop_test(tc, format_table, 0, ARRAY_LEN(formats));
	tcase_add_loop_test(tc, parse_table, 0, ARRAY_LEN(parses));
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, every_day);
	suite_add_tcase(s, tc);
	return s;
}
