/* fget's command-line durations (client/seconds.c): text as typed, milliseconds or a refusal. */
#include <errno.h>

#include "seconds.h"
#include "unit.h"

#define MAX_S	2592000

/* clang-format off */
static const struct {
	const char	*in;
	uint64_t	 ms;
	int		 err;
} cases[] = {
	{ "1",		1000,		0 },
	{ "1.5",	1500,		0 },
	{ "0.25",	250,		0 },
	{ ".5",		500,		0 },
	{ "2.",		2000,		0 },
	{ "0.001",	1,		0 },
	{ "0.0019",	1,		0 },		/* past ms: checked, dropped */
	{ "2592000",	2592000000u,	0 },		/* the limit */
	{ "2592000.0",	2592000000u,	0 },
	{ "2592000.001", 0,		-ERANGE },	/* the limit + 1 ms */
	{ "2592001",	0,		-ERANGE },
	{ "99999999999999999999999", 0,	-ERANGE },	/* overflow */
	{ "0",		0,		-ERANGE },
	{ "0.0009",	0,		-ERANGE },
	{ "",		0,		-EINVAL },
	{ ".",		0,		-EINVAL },
	{ "-1",		0,		-EINVAL },
	{ "+1",		0,		-EINVAL },
	{ " 1",		0,		-EINVAL },
	{ "1 ",		0,		-EINVAL },
	{ "1e3",	0,		-EINVAL },
	{ "0x10",	0,		-EINVAL },
	{ "1.2.3",	0,		-EINVAL },
	{ "1,5",	0,		-EINVAL },	/* no locale */
	{ "\xff",	0,		-EINVAL },
};
/* clang-format on */

START_TEST(seconds_table)
{
	uint64_t ms = 7;
	int r = seconds_parse(cases[_i].in, MAX_S, &ms);

	ck_assert_msg(r == cases[_i].err, "row %d: %d", _i, r);
	ck_assert_msg(ms == (r == 0 ? cases[_i].ms : 7), "row %d: %ju", _i, (uintmax_t)ms);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("seconds");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, seconds_table, 0, ARRAY_LEN(cases));
	suite_add_tcase(s, tc);
	return s;
}
