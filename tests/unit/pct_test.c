/* Percent codec: every row is a claim about the wire format. */
#include <errno.h>
#include <string.h>

#include "pct.h"
#include "unit.h"

/* clang-format off */
static const struct {
	const char	*in;
	const char	*out;	/* NULL: refused with err */
	ssize_t		 err;
} decode_cases[] = {
	{ "", "", 0 },
	{ "abc", "abc", 0 },
	{ "a%20b", "a b", 0 },
	{ "%2e%2E", "..", 0 },		/* decodes; path_split is what refuses it */
	{ "%ff%FE", "\xff\xfe", 0 },	/* names need not be UTF-8 */
	{ "%0A", "\n", 0 },
	{ "%25", "%", 0 },
	{ "%00", NULL, -EINVAL },	/* decoded NUL */
	{ "a%00b", NULL, -EINVAL },
	{ "%4", NULL, -EINVAL },	/* escape cut short at the end */
	{ "%", NULL, -EINVAL },
	{ "%g0", NULL, -EINVAL },
	{ "%0g", NULL, -EINVAL },
	{ "%%41", NULL, -EINVAL },
	{ "%-1", NULL, -EINVAL },
};
/* clang-format on */

START_TEST(decode_table)
{
	char buf[16];
	ssize_t r = pct_decode(decode_cases[_i].in, strlen(decode_cases[_i].in), buf,
	    sizeof(buf));

	if (decode_cases[_i].out == NULL) {
		ck_assert_int_eq(r, decode_cases[_i].err);
	} else {
		ck_assert_int_eq(r, (ssize_t)strlen(decode_cases[_i].out));
		ck_assert_str_eq(buf, decode_cases[_i].out);
	}
}
END_TEST

START_TEST(decode_raw_nul)
{
	char buf[8];

	ck_assert_int_eq(pct_decode("a\0b", 3, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* The limit and one past it: off-by-one bugs live exactly here. */
START_TEST(decode_exact_fit)
{
	char buf[4];

	ck_assert_int_eq(pct_decode("abc", 3, buf, sizeof(buf)), 3);
	ck_assert_int_eq(pct_decode("abcd", 4, buf, sizeof(buf)), -ENAMETOOLONG);
	ck_assert_int_eq(pct_decode("ab%41", 5, buf, sizeof(buf)), 3);
	ck_assert_int_eq(pct_decode("", 0, buf, 0), -ENAMETOOLONG);
}
END_TEST

START_TEST(encode_must)
{
	char out[64];

	ck_assert_int_eq(pct_encode("a b%\n\x7f\xff~", 8, NULL, out, sizeof(out)), 18);
	ck_assert_str_eq(out, "a%20b%25%0A%7F%FF~");
	ck_assert_int_eq(pct_encode("a?b#", 4, "?#", out, sizeof(out)), 8);
	ck_assert_str_eq(out, "a%3Fb%23");
}
END_TEST

START_TEST(encode_exact_fit)
{
	char out[4];

	ck_assert_int_eq(pct_encode("abc", 3, NULL, out, sizeof(out)), 3);
	ck_assert_int_eq(pct_encode("abcd", 4, NULL, out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_int_eq(pct_encode(" ", 1, NULL, out, sizeof(out)), 3);
	ck_assert_int_eq(pct_encode("a ", 2, NULL, out, sizeof(out)), -ENAMETOOLONG);
}
END_TEST

/* decode(encode(x)) == x for every byte value but NUL, in every position. */
START_TEST(round_trip_all_bytes)
{
	char raw[255], enc[3 * 255 + 1], dec[256];
	int i;

	for (i = 0; i < 255; i++)
		raw[i] = (char)(i + 1);
	ck_assert_int_eq(pct_encode(raw, sizeof(raw), NULL, enc, sizeof(enc)) > 0, 1);
	for (i = 0; enc[i] != '\0'; i++)
		ck_assert(!pct_must_encode((unsigned char)enc[i]) || enc[i] == '%');
	ck_assert_int_eq(pct_decode(enc, strlen(enc), dec, sizeof(dec)), 255);
	ck_assert_mem_eq(dec, raw, sizeof(raw));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("pct");
	TCase *tc = tcase_create("pct");

	tcase_add_loop_test(tc, decode_table, 0, ARRAY_LEN(decode_cases));
	tcase_add_test(tc, decode_raw_nul);
	tcase_add_test(tc, decode_exact_fit);
	tcase_add_test(tc, encode_must);
	tcase_add_test(tc, encode_exact_fit);
	tcase_add_test(tc, round_trip_all_bytes);
	suite_add_tcase(s, tc);
	return s;
}
