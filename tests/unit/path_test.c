/* Request path splitting: ".." refused, "." dropped, hidden names hidden. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "path.h"
#include "unit.h"

/* clang-format off */
static const struct {
	const char	*in;
	bool		 hidden;
	int		 r;
	const char	*joined;	/* components joined by '/' */
} cases[] = {
	{ "", false, 0, "." },
	{ "/", false, 0, "." },
	{ "///", false, 0, "." },
	{ "a", false, 0, "a" },
	{ "/a/b/", false, 0, "a/b" },
	{ "a//b", false, 0, "a/b" },
	{ "./a/./b/.", false, 0, "a/b" },
	{ "a b/c\nd", false, 0, "a b/c\nd" },
	{ "\xff\xfe/x", false, 0, "\xff\xfe/x" },
	{ "..", false, -EPERM, NULL },
	{ "a/../b", false, -EPERM, NULL },
	{ "/a/..", false, -EPERM, NULL },
	{ "...", false, -ENOENT, NULL },	/* a dot-file like any other */
	{ ".hidden", false, -ENOENT, NULL },
	{ "a/.git/config", false, -ENOENT, NULL },
	{ ".hidden", true, 0, ".hidden" },
	{ "a/..b", true, 0, "a/..b" },
	{ "..b", false, -ENOENT, NULL },
};
/* clang-format on */

START_TEST(split_table)
{
	char buf[64], joined[64];
	const char *comp[8];
	size_t n = 99;
	int r;

	strcpy(buf, cases[_i].in);
	r = path_split(buf, cases[_i].hidden, comp, 8, &n);
	ck_assert_int_eq(r, cases[_i].r);
	if (r != 0) {
		ck_assert_uint_eq(n, 99);
		return;
	}
	ck_assert_int_ge(path_join(comp, n, joined, sizeof(joined)), 1);
	ck_assert_str_eq(joined, cases[_i].joined);
}
END_TEST

START_TEST(split_limits)
{
	char buf[2 * NAME_MAX + 8];
	const char *comp[2];
	size_t n;

	memset(buf, 'x', NAME_MAX);
	buf[NAME_MAX] = '\0';
	ck_assert_int_eq(path_split(buf, false, comp, 2, &n), 0);	/* exactly NAME_MAX */
	memset(buf, 'x', NAME_MAX + 1);
	buf[NAME_MAX + 1] = '\0';
	ck_assert_int_eq(path_split(buf, false, comp, 2, &n), -ENAMETOOLONG);
	strcpy(buf, "a/b");
	ck_assert_int_eq(path_split(buf, false, comp, 2, &n), 0);	/* exactly max */
	strcpy(buf, "a/b/c");
	ck_assert_int_eq(path_split(buf, false, comp, 2, &n), -ENAMETOOLONG);
}
END_TEST

START_TEST(join_limits)
{
	const char *comp[] = { "ab", "cd" };
	char out[6];

	ck_assert_int_eq(path_join(comp, 2, out, sizeof(out)), 5);
	ck_assert_str_eq(out, "ab/cd");
	ck_assert_int_eq(path_join(comp, 2, out, 5), -ENAMETOOLONG);
	ck_assert_int_eq(path_join(comp, 0, out, 1), -ENAMETOOLONG);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("path");

	tcase_add_loop_test(tc, split_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, split_limits);
	tcase_add_test(tc, join_limits);
	suite_add_tcase(s, tc);
	return s;
}
