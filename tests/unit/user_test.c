/* filesvc-inetd -u USER[:GROUP]: the argument's shape, numeric ids, and resolving real accounts. */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "user.h"

/* clang-format off */
static const struct {
	const char	*in;
	int		 r;
	const char	*user, *group;
} split_cases[] = {
	{ "nobody", 0, "nobody", "" },
	{ "nobody:nogroup", 0, "nobody", "nogroup" },
	{ "65534:65534", 0, "65534", "65534" },
	{ "a:b:c", 0, "a", "b:c" },	/* the first ':' splits; getgrnam judges the rest */
	{ "", -EINVAL, NULL, NULL },
	{ ":", -EINVAL, NULL, NULL },
	{ ":grp", -EINVAL, NULL, NULL },
	{ "usr:", -EINVAL, NULL, NULL },
	{ "1234567", 0, "1234567", "" },	/* exactly fills the 8-byte buffers below */
	{ "12345678", -ENAMETOOLONG, NULL, NULL },	/* one more */
	{ "u:1234567", 0, "u", "1234567" },
	{ "u:12345678", -ENAMETOOLONG, NULL, NULL },
};
/* clang-format on */

START_TEST(split_table)
{
	char user[8] = "x", group[8] = "y";
	int r = user_split(split_cases[_i].in, user, sizeof(user), group, sizeof(group));

	ck_assert_int_eq(r, split_cases[_i].r);
	if (r == 0) {
		ck_assert_str_eq(user, split_cases[_i].user);
		ck_assert_str_eq(group, split_cases[_i].group);
	} else {
		ck_assert_str_eq(user, "x");	/* outputs untouched on failure */
		ck_assert_str_eq(group, "y");
	}
}
END_TEST

/* clang-format off */
static const struct {
	const char	*in;
	int		 r;
	unsigned	 v;
} id_cases[] = {
	{ "0", 0, 0 },
	{ "65534", 0, 65534 },
	{ "4294967294", 0, 4294967294u },	/* the largest usable id */
	{ "4294967295", -EINVAL, 0 },		/* (uid_t)-1: "no change" to setresuid */
	{ "99999999999999999999999", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "12a", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
};
/* clang-format on */

START_TEST(id_table)
{
	unsigned v = 7;

	ck_assert_int_eq(user_id(id_cases[_i].in, &v), id_cases[_i].r);
	ck_assert_uint_eq(v, id_cases[_i].r == 0 ? id_cases[_i].v : 7);
}
END_TEST

/* Against the real databases: root and nobody exist on every Debian system. */
START_TEST(resolve_real)
{
	struct user u;

	ck_assert_int_eq(user_resolve("root", &u), 0);
	ck_assert_uint_eq(u.uid, 0);
	ck_assert_uint_eq(u.gid, 0);
	ck_assert_str_eq(u.name, "root");
	ck_assert_uint_ge(u.ngroups, 1);
	ck_assert_uint_eq(u.groups[0], 0);
	user_free(&u);

	ck_assert_int_eq(user_resolve("nobody:0", &u), 0);
	ck_assert_uint_eq(u.uid, 65534);
	ck_assert_uint_eq(u.gid, 0);
	user_free(&u);

	ck_assert_int_eq(user_resolve("0", &u), 0);	/* a number with an entry: its group */
	ck_assert_str_eq(u.name, "root");
	user_free(&u);

	ck_assert_int_eq(user_resolve("4000000000:4000000000", &u), 0);	/* no entry: both given */
	ck_assert_uint_eq(u.uid, 4000000000u);
	ck_assert_uint_eq(u.gid, 4000000000u);
	ck_assert_uint_eq(u.ngroups, 1);
	user_free(&u);

	ck_assert_int_eq(user_resolve("4000000000", &u), -ENOENT);	/* no entry, no group */
	ck_assert_int_eq(user_resolve("no-such-user-here", &u), -ENOENT);
	ck_assert_int_eq(user_resolve("root:no-such-group-here", &u), -ENOENT);
	ck_assert_int_eq(user_resolve("root:", &u), -EINVAL);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("user");
	TCase *tc = tcase_create("user");

	tcase_add_loop_test(tc, split_table, 0, ARRAY_LEN(split_cases));
	tcase_add_loop_test(tc, id_table, 0, ARRAY_LEN(id_cases));
	tcase_add_test(tc, resolve_real);
	suite_add_tcase(s, tc);
	return s;
}
