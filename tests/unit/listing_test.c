/* LIST lines: formatting by the handler, parsing by clients. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "listing.h"
#include "unit.h"

START_TEST(format)
{
	char out[LISTING_LINE_MAX];

	ck_assert_int_eq(listing_format('f', 5, 7, "a b", strlen("a b"), out, sizeof(out)), 12);
	ck_assert_str_eq(out, "f 5 7 a%20b\n");
	ck_assert_int_gt(listing_format('d', 0, -1, "x\ny\xff", strlen("x\ny\xff"), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "d 0 -1 x%0Ay%FF\n");
	ck_assert_int_eq(listing_format('f', 1, 1, "abc", strlen("abc"), out, 9), -ENAMETOOLONG);
}
END_TEST

/* The longest line: NAME_MAX bytes, each needing an escape, and the largest numbers. */
START_TEST(format_longest)
{
	char name[NAME_MAX + 2], out[LISTING_LINE_MAX];

	memset(name, ' ', NAME_MAX);
	name[NAME_MAX] = '\0';
	ck_assert_int_gt(listing_format('f', UINT64_MAX, INT64_MIN, name, strlen(name), out, sizeof(out)), 0);
	name[NAME_MAX] = 'x';
	name[NAME_MAX + 1] = '\0';
	ck_assert_int_eq(listing_format('f', 1, 1, name, strlen(name), out, sizeof(out)), -ENAMETOOLONG);
}
END_TEST

START_TEST(parse_good)
{
	struct listing_entry e;
	const char *l = "d 4096 -5 a%20b%FF";

	ck_assert_int_eq(listing_parse(l, strlen(l), &e), 0);
	ck_assert_int_eq(e.type, 'd');
	ck_assert_uint_eq(e.size, 4096);
	ck_assert_int_eq(e.mtime, -5);
	ck_assert_str_eq(e.name, "a b\xff");
	ck_assert_uint_eq(e.name_len, 4);
}
END_TEST

static const char *const bad[] = {
	"", "f", "f 1", "f 1 2", "f 1 2 ", "x 1 2 a", "ff 1 2 a", "f -1 2 a", "f 1 x a",
	"f 1 2 a b", "f 1 2 a%2Fb", "f 1 2 .", "f 1 2 ..", "f 1 2 %2E%2E", "f 1 2 %00",
	"f 1 2 a%", "f 18446744073709551616 2 a", "f  1 2 a",
	/* Raw bytes a server MUST encode: a tab, a CR (a CRLF body), DEL, a byte past 0x7F. */
	"f 1 2 a\tb", "f 1 2 a\r", "f 1 2 a\x7f", "f 1 2 caf\xc3\xa9", "f 1 2 a/b",
};

/* A hostile server must not steer a client's local paths. */
START_TEST(parse_refused)
{
	struct listing_entry e;

	ck_assert_int_eq(listing_parse(bad[_i], strlen(bad[_i]), &e), -EINVAL);
}
END_TEST

START_TEST(round_trip)
{
	char out[LISTING_LINE_MAX];
	struct listing_entry e;
	int n = listing_format('f', 123, 456, "we\x01ird %name", strlen("we\x01ird %name"), out, sizeof(out));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(listing_parse(out, (size_t)n - 1, &e), 0);
	ck_assert_str_eq(e.name, "we\x01ird %name");
}
END_TEST

/* listing_length() says what listing_format() writes, for every shape of entry. */
START_TEST(length_matches_format)
{
	static const struct {
		uint64_t	 size;
		int64_t		 mtime;
		const char	*name;
	} rows[] = {
		{ 0, 0, "a" }, { 9, 9, "ab" }, { 10, -1, "a b" }, { UINT64_MAX, INT64_MIN, "%" },
		{ 123456789, -1234567890, "\xc3\xa9t\xc3\xa9" }, { 1, INT64_MAX, "\x01\x7f~" },
	};
	char line[LISTING_LINE_MAX];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_uint_eq(listing_length(rows[i].size, rows[i].mtime, rows[i].name,
		    strlen(rows[i].name)), (size_t)listing_format('f', rows[i].size, rows[i].mtime,
		    rows[i].name, strlen(rows[i].name), line, sizeof(line)));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("listing");
	TCase *tc = tcase_create("listing");

	tcase_add_test(tc, format);
	tcase_add_test(tc, format_longest);
	tcase_add_test(tc, length_matches_format);
	tcase_add_test(tc, parse_good);
	tcase_add_loop_test(tc, parse_refused, 0, ARRAY_LEN(bad));
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	return s;
}
