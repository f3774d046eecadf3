/* Decimal numbers: digits only, no sign, no blanks, no overflow. */
#include <errno.h>
#include <string.h>

#include "parse.h"
#include "unit.h"

/* clang-format off */
static const struct {
	const char	*in;
	int		 r;
	uint64_t	 v;
} u64_cases[] = {
	{ "0", 0, 0 },
	{ "42", 0, 42 },
	{ "007", 0, 7 },
	{ "18446744073709551615", 0, UINT64_MAX },	/* exactly the limit */
	{ "18446744073709551616", -ERANGE, 0 },		/* the limit + 1 */
	{ "99999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "\xff", -EINVAL, 0 },
};
/* clang-format on */

START_TEST(u64_table)
{
	uint64_t v = 12345;
	int r = parse_u64(u64_cases[_i].in, strlen(u64_cases[_i].in), &v);

	ck_assert_int_eq(r, u64_cases[_i].r);
	if (r == 0)
		ck_assert_uint_eq(v, u64_cases[_i].v);
	else
		ck_assert_uint_eq(v, 12345);	/* untouched on failure */
}
END_TEST

START_TEST(u64_length_not_nul)
{
	uint64_t v;

	ck_assert_int_eq(parse_u64("12345", 2, &v), 0);
	ck_assert_uint_eq(v, 12);
}
END_TEST

START_TEST(u64_range)
{
	uint64_t v;

	ck_assert_int_eq(parse_u64_range("1", 1, 10, &v), 0);
	ck_assert_int_eq(parse_u64_range("10", 1, 10, &v), 0);
	ck_assert_int_eq(parse_u64_range("0", 1, 10, &v), -ERANGE);
	ck_assert_int_eq(parse_u64_range("11", 1, 10, &v), -ERANGE);
	ck_assert_int_eq(parse_u64_range("x", 1, 10, &v), -EINVAL);
}
END_TEST

START_TEST(i64)
{
	int64_t v;

	ck_assert_int_eq(parse_i64("-5", 2, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(parse_i64("9223372036854775807", 19, &v), 0);
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert_int_eq(parse_i64("9223372036854775808", 19, &v), -ERANGE);
	ck_assert_int_eq(parse_i64("-9223372036854775808", 20, &v), 0);
	ck_assert(v == INT64_MIN);
	ck_assert_int_eq(parse_i64("-9223372036854775809", 20, &v), -ERANGE);
	ck_assert_int_eq(parse_i64("-", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_i64("--1", 3, &v), -EINVAL);
}
END_TEST

/* Every power of ten is where the width grows; UINT64_MAX has 20 digits. */
START_TEST(u64_width)
{
	uint64_t p = 1;
	size_t w;

	ck_assert_uint_eq(parse_u64_width(0), 1);
	for (w = 1; w < 20; w++, p *= 10) {
		ck_assert_uint_eq(parse_u64_width(p), w);
		ck_assert_uint_eq(parse_u64_width(p * 10 - 1), w);
	}
	ck_assert_uint_eq(parse_u64_width(p), 20);
	ck_assert_uint_eq(parse_u64_width(UINT64_MAX), 20);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, u64_table, 0, ARRAY_LEN(u64_cases));
	tcase_add_test(tc, u64_length_not_nul);
	tcase_add_test(tc, u64_range);
	tcase_add_test(tc, i64);
	tcase_add_test(tc, u64_width);
	suite_add_tcase(s, tc);
	return s;
}
