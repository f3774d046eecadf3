/*
 * handler/status.c, the one table from errno to wire codes: every errno it
 * names, and a few it does not (500), so that a change to the table is a
 * change to this test.
 */
#include <errno.h>

#include "handler.h"
#include "unit.h"

/* clang-format off */
static const struct {
	int err;
	enum fs_status status;
} cases[] = {
	{ EXDEV, FS_E403 },	/* the path leaves the root */
	{ ELOOP, FS_E403 },
	{ EACCES, FS_E403 },
	{ EPERM, FS_E403 },
	{ ENXIO, FS_E403 },
	{ ENODEV, FS_E403 },
	{ ENOENT, FS_E404 },
	{ ENOTDIR, FS_E404 },
	{ ENAMETOOLONG, FS_E404 },
	{ EISDIR, FS_E400 },
	{ EMFILE, FS_E503 },	/* out of something: try again later */
	{ ENFILE, FS_E503 },
	{ ENOMEM, FS_E503 },
	{ EAGAIN, FS_E503 },
	{ EIO, FS_E500 },	/* anything else is the server's fault */
	{ EINVAL, FS_E500 },
	{ EBADF, FS_E500 },
	{ ENOSPC, FS_E500 },
	{ EOVERFLOW, FS_E500 },
	{ 0, FS_E500 },
	{ -ENOENT, FS_E500 },	/* a caller must pass errno, not -errno */
};
/* clang-format on */

START_TEST(errno_table)
{
	ck_assert_int_eq(status_from_errno(cases[_i].err), cases[_i].status);
}
END_TEST

/* The enum values are the wire codes: what the table returns is what is sent. */
START_TEST(wire_codes)
{
	ck_assert_int_eq(FS_E400, 400);
	ck_assert_int_eq(FS_E403, 403);
	ck_assert_int_eq(FS_E404, 404);
	ck_assert_int_eq(FS_E500, 500);
	ck_assert_int_eq(FS_E503, 503);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("errno");

	tcase_add_loop_test(tc, errno_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, wire_codes);
	suite_add_tcase(s, tc);
	return s;
}
