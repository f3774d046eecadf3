/*
 * Confinement against a real tree full of hostile symlinks.  Every row
 * runs twice: through openat2() and through the fallback walk, which
 * must agree with the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "path.h"
#include "unit.h"

static char top[PATH_MAX], root[PATH_MAX + 8];

static void
mk(const char *rel, const char *link_target)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (link_target != NULL) {
		ck_assert_int_eq(symlink(link_target, p), 0);
	} else if (rel[strlen(rel) - 1] == '/') {
		ck_assert_int_eq(mkdir(p, 0755), 0);
	} else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, rel, strlen(rel)), (ssize_t)strlen(rel));
		close(fd);
	}
}

static void
setup(void)
{
	char p[PATH_MAX * 2];
	int fd;

	strcpy(top, "/tmp/filesvc-confine-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(p, sizeof(p), "%s/outside.txt", top);
	ck_assert_int_ge(fd = open(p, O_WRONLY | O_CREAT, 0644), 0);
	close(fd);
	snprintf(root, sizeof(root), "%s/root", top);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	mk("a.txt", NULL);
	mk("dir/", NULL);
	mk("dir/b.txt", NULL);
	mk("dir/sub/", NULL);
	mk("in", "a.txt");
	mk("indir", "dir/../a.txt");
	mk("deep", "dir/sub/../../a.txt");
	mk("dirlink", "dir");
	mk("dir/up", "..");
	mk("dir/upup", "../..");
	mk("dotdot", "../outside.txt");
	mk("abs", "/etc/passwd");
	mk("absroot", "/");
	mk("loop1", "loop2");
	mk("loop2", "loop1");
	mk("dangling", "nope");
	mk("chain1", "chain2");
	mk("chain2", "dir/b.txt");
	mk(".secret", NULL);
	mk(".hdir/", NULL);
	mk(".hdir/f", NULL);
	mk("hid", ".secret");
	mk("hiddir", ".hdir");
	mk("viadir", ".hdir/f");
	mk("dir/hidup", "../.secret");
	mk("hidchain", "chain3");
	mk("chain3", "./.hdir/../.secret");
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	(void)!system(cmd);
}

static const struct {
	const char	*path;
	int		 err;		/* 0: opens, and is expect */
	const char	*expect;	/* the file it must be, relative to root */
} cases[] = {
	{ "", 0, "." },
	{ "a.txt", 0, "a.txt" },
	{ "dir/b.txt", 0, "dir/b.txt" },
	{ "in", 0, "a.txt" },
	{ "indir", 0, "a.txt" },
	{ "deep", 0, "a.txt" },
	{ "dirlink/b.txt", 0, "dir/b.txt" },
	{ "dir/up", 0, "." },
	{ "dir/up/a.txt", 0, "a.txt" },
	{ "chain1", 0, "dir/b.txt" },
	{ "dir/sub", 0, "dir/sub" },
	{ "dir/upup", -EXDEV, NULL },
	{ "dir/upup/outside.txt", -EXDEV, NULL },
	{ "dotdot", -EXDEV, NULL },
	{ "abs", -EXDEV, NULL },
	{ "absroot", -EXDEV, NULL },
	{ "absroot/etc/passwd", -EXDEV, NULL },
	{ "loop1", -ELOOP, NULL },
	{ "dangling", -ENOENT, NULL },
	{ "missing", -ENOENT, NULL },
	{ "a.txt/x", -ENOTDIR, NULL },
};

static void
check_row(int i, bool walk, int flags, bool show_hidden)
{
	char buf[256], exp[PATH_MAX * 2];
	const char *comp[16];
	struct confine c;
	struct stat got, want;
	size_t n;
	int fd;

	ck_assert_int_eq(confine_init(&c, root, show_hidden), 0);
	strcpy(buf, cases[i].path);
	ck_assert_int_eq(path_split(buf, true, comp, 16, &n), 0);
	fd = walk ? confine_walk(c.rootfd, comp, n, flags, show_hidden) :
	    confine_open(&c, comp, n, flags);
	if (cases[i].err != 0) {
		ck_assert_msg(fd == cases[i].err, "%s (%s): got %d, want %d", cases[i].path,
		    walk ? "walk" : "openat2", fd, cases[i].err);
	} else {
		ck_assert_msg(fd >= 0, "%s (%s): got %d", cases[i].path, walk ? "walk" : "openat2", fd);
		snprintf(exp, sizeof(exp), "%s/%s", root, cases[i].expect);
		ck_assert_int_eq(fstat(fd, &got), 0);
		ck_assert_int_eq(stat(exp, &want), 0);
		ck_assert_uint_eq(got.st_ino, want.st_ino);
		ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
		close(fd);
	}
	confine_close(&c);
}

START_TEST(openat2_path)
{
	check_row(_i, false, O_PATH, true);
}
END_TEST

START_TEST(walk_path)
{
	check_row(_i, true, O_PATH, true);
}
END_TEST

START_TEST(walk_read)
{
	check_row(_i, true, O_RDONLY | O_NONBLOCK, true);
}
END_TEST

/* Hiding dot-names, links take the walk: every row must come out the same. */
START_TEST(hiding_path)
{
	check_row(_i, false, O_PATH, false);
}
END_TEST

/* Links that lead to or through a hidden name: followed only when hidden names are shown. */
static const char *const hidden_links[] = {
	"hid", "hiddir/f", "viadir", "dir/hidup", "hidchain",
};

START_TEST(links_to_hidden_names)
{
	const char *comp[16];
	struct confine c;
	char buf[64];
	size_t n;
	int fd;

	snprintf(buf, sizeof(buf), "%s", hidden_links[_i]);
	ck_assert_int_eq(path_split(buf, false, comp, 16, &n), 0);	/* not hidden by name */
	ck_assert_int_eq(confine_init(&c, root, false), 0);
	ck_assert_int_eq(confine_open(&c, comp, n, O_PATH), -ENOENT);
	ck_assert_int_eq(confine_walk(c.rootfd, comp, n, O_RDONLY, false), -ENOENT);
	c.show_hidden = true;
	ck_assert_int_ge(fd = confine_open(&c, comp, n, O_RDONLY), 0);
	close(fd);
	ck_assert_int_ge(fd = confine_walk(c.rootfd, comp, n, O_RDONLY, true), 0);
	close(fd);
	confine_close(&c);
}
END_TEST

START_TEST(root_missing)
{
	struct confine c;
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/nope", top);
	ck_assert_int_eq(confine_init(&c, p, false), -ENOENT);
	snprintf(p, sizeof(p), "%s/outside.txt", top);
	ck_assert_int_eq(confine_init(&c, p, false), -ENOTDIR);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("confine");
	TCase *tc = tcase_create("confine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, openat2_path, 0, ARRAY_LEN(cases));
	tcase_add_loop_test(tc, walk_path, 0, ARRAY_LEN(cases));
	tcase_add_loop_test(tc, walk_read, 0, ARRAY_LEN(cases));
	tcase_add_loop_test(tc, hiding_path, 0, ARRAY_LEN(cases));
	tcase_add_loop_test(tc, links_to_hidden_names, 0, ARRAY_LEN(hidden_links));
	tcase_add_test(tc, root_missing);
	suite_add_tcase(s, tc);
	return s;
}
