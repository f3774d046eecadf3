/* Answer headers as a client sees them: the server is untrusted too. */
#include <errno.h>
#include <string.h>

#include "answer.h"
#include "unit.h"

START_TEST(ok_get)
{
	struct answer a;
	const char *l = "OK 5 size=10 mtime=-3 future=x";

	ck_assert_int_eq(answer_parse(l, strlen(l), &a), 0);
	ck_assert(a.ok);
	ck_assert_uint_eq(a.body, 5);
	ck_assert(a.has_size && a.has_mtime && !a.has_entries);
	ck_assert_uint_eq(a.size, 10);
	ck_assert_int_eq(a.mtime, -3);
}
END_TEST

START_TEST(ok_stat_list)
{
	struct answer a;

	ck_assert_int_eq(answer_parse("OK 0 type=d size=4096 mtime=1", 29, &a), 0);
	ck_assert(a.has_type);
	ck_assert_int_eq(a.type, 'd');
	ck_assert_int_eq(answer_parse("OK 12 entries=3", 15, &a), 0);
	ck_assert_uint_eq(a.entries, 3);
	ck_assert_int_eq(answer_parse("OK 0", 4, &a), 0);
	ck_assert_uint_eq(a.body, 0);
}
END_TEST

START_TEST(err)
{
	struct answer a;

	ck_assert_int_eq(answer_parse("ERR 404 not found", 17, &a), 0);
	ck_assert(!a.ok);
	ck_assert_uint_eq(a.code, 404);
	ck_assert_str_eq(a.text, "not found");
	ck_assert_int_eq(answer_parse("ERR 500", 7, &a), 0);
	ck_assert_str_eq(a.text, "");
}
END_TEST

static const char *const bad[] = {
	"", "OK", "OK ", "OK x", "OK -1", "OK 1 ", "OK 1  size=1", "OK 1 =1", "OK 1 size",
	"OK 1 size=x", "OK 1 size=", "OK 1 type=x", "OK 18446744073709551616",
	"ERR", "ERR 4", "ERR 40x", "ERR 099 low", "ERR 600 high", "ERR 4040", "ok 1",
	"HTTP/1.0 200 OK",
};

START_TEST(refused)
{
	struct answer a;

	ck_assert_int_eq(answer_parse(bad[_i], strlen(bad[_i]), &a), -EINVAL);
}
END_TEST

START_TEST(long_text_cut)
{
	char line[600];
	struct answer a;

	memset(line, 'x', sizeof(line));
	memcpy(line, "ERR 500 ", 8);
	ck_assert_int_eq(answer_parse(line, sizeof(line), &a), 0);
	ck_assert_uint_eq(strlen(a.text), sizeof(a.text) - 1);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("answer");
	TCase *tc = tcase_create("answer");

	tcase_add_test(tc, ok_get);
	tcase_add_test(tc, ok_stat_list);
	tcase_add_test(tc, err);
	tcase_add_loop_test(tc, refused, 0, ARRAY_LEN(bad));
	tcase_add_test(tc, long_text_cut);
	suite_add_tcase(s, tc);
	return s;
}
