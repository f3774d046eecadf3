/* The request line: one row per spelling a client or an attacker might send. */
#include <string.h>

#include "request.h"
#include "unit.h"

/* clang-format off */
static const struct {
	const char	*line;
	enum fs_status	 st;
	enum fs_verb	 verb;
	const char	*path;
	int		 has_offset, has_count;
	uint64_t	 offset, count;
} cases[] = {
	{ "LIST", FS_OK, VERB_LIST, "", 0, 0, 0, 0 },
	{ "list /", FS_OK, VERB_LIST, "/", 0, 0, 0, 0 },
	{ "LiSt a%20b", FS_OK, VERB_LIST, "a b", 0, 0, 0, 0 },
	{ "GET a", FS_OK, VERB_GET, "a", 0, 0, 0, 0 },
	{ "GET a 10", FS_OK, VERB_GET, "a", 1, 0, 10, 0 },
	{ "GET a 10 20", FS_OK, VERB_GET, "a", 1, 1, 10, 20 },
	{ "GET a 18446744073709551615 0", FS_OK, VERB_GET, "a", 1, 1, UINT64_MAX, 0 },
	{ "get %2e%2e/x", FS_OK, VERB_GET, "../x", 0, 0, 0, 0 },	/* path_split refuses */
	{ "GET %ff", FS_OK, VERB_GET, "\xff", 0, 0, 0, 0 },
	{ "STAT /", FS_OK, VERB_STAT, "/", 0, 0, 0, 0 },
	{ "QUIT", FS_OK, VERB_QUIT, "", 0, 0, 0, 0 },
	{ "quit", FS_OK, VERB_QUIT, "", 0, 0, 0, 0 },
	{ "", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ " ", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "FOO", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GETX a", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "STAT", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "QUIT now", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "LIST a b", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET a 1 2 3", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET  a", FS_E400, 0, NULL, 0, 0, 0, 0 },		/* two spaces */
	{ "GET a ", FS_E400, 0, NULL, 0, 0, 0, 0 },		/* trailing space */
	{ " GET a", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET a -1", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET a x", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET a 1 +2", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET a 18446744073709551616", FS_E400, 0, NULL, 0, 0, 0, 0 },	/* overflow */
	{ "GET %00", FS_E400, 0, NULL, 0, 0, 0, 0 },		/* decoded NUL */
	{ "GET a%2", FS_E400, 0, NULL, 0, 0, 0, 0 },		/* truncated escape */
	{ "GET a%zz", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET a\tb", FS_E400, 0, NULL, 0, 0, 0, 0 },		/* raw control byte */
	{ "GET \xc3\xa9", FS_E400, 0, NULL, 0, 0, 0, 0 },	/* raw non-ASCII must be encoded */
	{ "GET a\x7f", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "GET\ta", FS_E400, 0, NULL, 0, 0, 0, 0 },
	{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", FS_E400, 0, NULL, 0, 0, 0, 0 },
};
/* clang-format on */

START_TEST(parse_table)
{
	struct request req;
	enum fs_status st = request_parse(cases[_i].line, strlen(cases[_i].line), &req);

	ck_assert_int_eq(st, cases[_i].st);
	if (st != FS_OK)
		return;
	ck_assert_int_eq(req.verb, cases[_i].verb);
	ck_assert_str_eq(req.path, cases[_i].path);
	ck_assert_uint_eq(req.path_len, strlen(cases[_i].path));
	ck_assert_int_eq(req.has_offset, cases[_i].has_offset);
	ck_assert_int_eq(req.has_count, cases[_i].has_count);
	ck_assert_uint_eq(req.offset, cases[_i].offset);
	ck_assert_uint_eq(req.count, cases[_i].count);
}
END_TEST

START_TEST(raw_nul_in_line)
{
	struct request req;

	ck_assert_int_eq(request_parse("GET a\0b", 7, &req), FS_E400);
}
END_TEST

/* The longest line the protocol allows (4095 bytes before the LF) parses. */
START_TEST(longest_path)
{
	static char line[FS_LINE_MAX];
	static struct request req;

	memcpy(line, "GET ", 4);
	memset(line + 4, 'x', FS_LINE_MAX - 5);
	ck_assert_int_eq(request_parse(line, FS_LINE_MAX - 1, &req), FS_OK);
	ck_assert_uint_eq(req.path_len, FS_LINE_MAX - 5);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(request_verb_name(VERB_GET), "GET");
	ck_assert_str_eq(status_text(FS_E416), "bad range");
	ck_assert_str_eq(status_text(FS_E408), "idle timeout");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("request");

	tcase_add_loop_test(tc, parse_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, raw_nul_in_line);
	tcase_add_test(tc, longest_path);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}
