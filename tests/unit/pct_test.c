/* Percent codec: every row is a claim about the wire format. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "pct.h"
#include "unit.h"

/* A row's verdict: want's length and text, or err when want is NULL (refused). */
static void
check_row(ssize_t r, const char *got, const char *want, ssize_t err)
{
	if (want == NULL) {
		ck_assert_int_eq(r, err);
	} else {
		ck_assert_int_eq(r, (ssize_t)strlen(want));
		ck_assert_str_eq(got, want);
	}
}

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

START_TEST(decode_table)
{
	char buf[16];
	ssize_t r = pct_decode(decode_cases[_i].in, strlen(decode_cases[_i].in), buf,
	    sizeof(buf));

	check_row(r, buf, decode_cases[_i].out, decode_cases[_i].err);
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

static const struct pct_rule wire = { 0 }, url = { .extra = "?#" }, cut = { .cut = true },
    text = { .spare = " ", .cut = true }, typed = { .spare = " %", .cut = true };

/* One escaper for the wire, log lines and terminals: the rule is the only difference. */
static const struct {
	const struct pct_rule	*rule;
	const char		*in;
	size_t			 dstsize;
	const char		*out;	/* NULL: refused with -ENAMETOOLONG */
} escape_cases[] = {
	{ &wire, "", 1, "" },
	{ &wire, "", 0, NULL },			/* no room even for the NUL */
	{ &wire, "a b%\n\x7f\xff~", 64, "a%20b%25%0A%7F%FF~" },
	{ &wire, "a?b#", 64, "a?b#" },
	{ &url, "a?b#", 64, "a%3Fb%23" },
	{ &url, "a%3F", 64, "a%253F" },
	{ &wire, "abc", 4, "abc" },		/* exactly the limit */
	{ &wire, "abcd", 4, NULL },		/* the limit + 1 */
	{ &wire, "a ", 4, NULL },		/* an escape is never split */
	{ &cut, "\x1b[31m", 32, "%1B[31m" },	/* no terminal escape reaches a log */
	{ &cut, "abcdefghij", 8, "abcd..." },
	{ &cut, "abcdefg", 8, "abcdefg" },
	{ &cut, "      ", 8, "%20..." },
	{ &cut, "ab     ", 8, "ab..." },		/* cut before a whole escape, not inside it */
	{ &cut, "abcdef", 3, "ab" },		/* no room for the mark: the prefix alone */
	{ &cut, "abc", 0, NULL },
	{ &text, "a b\tc%", 32, "a b%09c%25" },
	{ &text, "          x", 8, "    ..." },	/* spared bytes count once */
	{ &typed, "a%20b c", 32, "a%20b c" },	/* what was typed, as typed */
	{ &typed, "\n%", 32, "%0A%" },
};

START_TEST(escape_table)
{
	char out[64];
	ssize_t r = pct_escape(escape_cases[_i].in, strlen(escape_cases[_i].in),
	    escape_cases[_i].rule, out, escape_cases[_i].dstsize);

	check_row(r, out, escape_cases[_i].out, -ENAMETOOLONG);
}
END_TEST

/* NUL is a byte like any other in src: escaped, and never taken from a set's terminator. */
START_TEST(escape_nul)
{
	char out[16];

	ck_assert_int_eq(pct_escape("a\0b", 3, &typed, out, sizeof(out)), 5);
	ck_assert_str_eq(out, "a%00b");
	ck_assert_int_eq(pct_escape("a\0b", 3, &url, out, sizeof(out)), 5);
	ck_assert_str_eq(out, "a%00b");
}
END_TEST

static const struct {
	const char	*in;
	bool		 encoded;
} is_encoded_cases[] = {
	{ "", true },
	{ "a%20b", true },
	{ "%", true },			/* a bad escape is pct_decode()'s to refuse */
	{ "~!?#", true },
	{ "a b", false },
	{ "a\tb", false },
	{ "a\x7f", false },
	{ "\xc3\xa9", false },		/* UTF-8 is raw bytes above 0x7e */
};

START_TEST(is_encoded_table)
{
	const char *in = is_encoded_cases[_i].in;

	ck_assert_int_eq(pct_is_encoded(in, strlen(in)), is_encoded_cases[_i].encoded);
	ck_assert_int_eq(pct_encoded_len(in, strlen(in)) == strlen(in),
	    is_encoded_cases[_i].encoded && strchr(in, '%') == NULL);
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
	ck_assert_uint_eq(pct_encoded_len(raw, sizeof(raw)), strlen(enc));
	ck_assert(pct_is_encoded(enc, strlen(enc)));
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
	tcase_add_loop_test(tc, escape_table, 0, ARRAY_LEN(escape_cases));
	tcase_add_test(tc, escape_nul);
	tcase_add_loop_test(tc, is_encoded_table, 0, ARRAY_LEN(is_encoded_cases));
	tcase_add_test(tc, round_trip_all_bytes);
	suite_add_tcase(s, tc);
	return s;
}
