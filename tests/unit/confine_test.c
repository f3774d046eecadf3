/*
 * Confinement against a real tree full of hostile symlinks.  Every row
 * runs twice: through openat2() and through the fallback walk, which
 * must agree with the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

/*
 * Five links whose ~4000-byte targets each start with the next link, so
 * what is left to resolve grows by a whole target at every hop: the
 * kernel holds that much, and so must the walk.  The padding climbs with
 * ".." so the walk's directory stack moves too.
 */
static void
mk_long_chain(void)
{
	char name[16], target[PATH_MAX];
	size_t len;
	int i;

	for (i = 1; i <= 5; i++) {
		if (i < 5)
			len = (size_t)snprintf(target, sizeof(target), "long%d", i + 1);
		else
			len = (size_t)snprintf(target, sizeof(target), "dir");
		while (len + 7 < 4000)
			len += (size_t)snprintf(target + len, sizeof(target) - len, "/sub/..");
		snprintf(name, sizeof(name), "long%d", i);
		mk(name, target);
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
	mk_long_chain();
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
	{ "long1/b.txt", 0, "dir/b.txt" },
	{ "long1", 0, "dir" },
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

static int64_t
now_ms(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A child that runs step() in a loop for at most 5 s, dies with us if a
 * failed assertion ends the test first, and is stopped by its pid.
 */
static pid_t
churn_start(void (*step)(void))
{
	int64_t end = now_ms() + 5000;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (now_ms() < end)
			step();
		_exit(0);
	}
	return pid;
}

static void
churn_stop(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/* Renames outside the root: they touch nothing the lookups see, only rename_lock. */
static void
rename_elsewhere(void)
{
	char a[PATH_MAX * 2], b[PATH_MAX * 2];

	snprintf(a, sizeof(a), "%s/outside.txt", top);
	snprintf(b, sizeof(b), "%s/moved.txt", top);
	(void)!rename(a, b);
	(void)!rename(b, a);
}

/* Whether openat2() itself, with no retry, fails with EAGAIN on path now. */
static bool
raw_eagain(int rootfd, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH };
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd >= 0)
		close(fd);
	return fd == -1 && errno == EAGAIN;
}

/*
 * openat2(RESOLVE_BENEATH) fails with EAGAIN when any rename on the host
 * moves the kernel's rename_lock while a lookup crosses "..".  Nothing
 * beneath the root changes here, so every lookup must succeed.  How often
 * the renames hit depends on the load: at least 1 s, and until openat2
 * alone has failed 100 times or 3 s have passed.
 */
START_TEST(renames_elsewhere_are_no_failure)
{
	static const char *const paths[] = { "deep", "dir/up/a.txt", "long1/b.txt" };
	const char *comp[16];
	struct confine c;
	char buf[64];
	int64_t start;
	int fails = 0, last = 0, tries = 0, raw = 0, fd;
	size_t n, i;
	pid_t pid;

	ck_assert_int_eq(confine_init(&c, root, true), 0);
	pid = churn_start(rename_elsewhere);
	start = now_ms();
	while (now_ms() - start < 1000 || (raw < 100 && now_ms() - start < 3000)) {
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++, tries++) {
			raw += raw_eagain(c.rootfd, paths[i]);
			snprintf(buf, sizeof(buf), "%s", paths[i]);
			ck_assert_int_eq(path_split(buf, true, comp, 16, &n), 0);
			if ((fd = confine_open(&c, comp, n, O_PATH)) < 0) {
				fails++;
				last = fd;
			} else {
				close(fd);
			}
		}
	}
	churn_stop(pid);
	confine_close(&c);
	ck_assert_msg(fails == 0, "%d of %d lookups failed, the last with %d (openat2 alone: "
	    "%d EAGAIN)", fails, tries, last, raw);
}
END_TEST

/* Swap "flip" between a symlink to dir and a directory, atomically. */
static void
flip(void)
{
	char a[PATH_MAX * 2], b[PATH_MAX * 2];

	snprintf(a, sizeof(a), "%s/flip", root);
	snprintf(b, sizeof(b), "%s/flipd", root);
	(void)!renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

/*
 * "flip" is always either a link to a directory holding b.txt or such a
 * directory: a walk that reads the link it looked at, not whatever bears
 * its name a moment later, always finds b.txt.  Only a name that keeps
 * changing at the last component may give up, with EAGAIN (503).
 */
START_TEST(link_swapped_for_a_directory)
{
	static const char *const paths[] = { "flip/b.txt", "flip" };
	const char *comp[16];
	char buf[64];
	int64_t end;
	int fails = 0, last = 0, tries = 0, rootfd, fd;
	size_t n, i;
	pid_t pid;

	mk("flip", "dir");
	mk("flipd/", NULL);
	mk("flipd/b.txt", NULL);
	ck_assert_int_ge(rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
	pid = churn_start(flip);
	for (end = now_ms() + 2000; now_ms() < end; tries++) {
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			snprintf(buf, sizeof(buf), "%s", paths[i]);
			ck_assert_int_eq(path_split(buf, true, comp, 16, &n), 0);
			fd = confine_walk(rootfd, comp, n, O_RDONLY | O_NONBLOCK, true);
			if (fd >= 0) {
				close(fd);
			} else if (fd != -EAGAIN) {
				fails++;
				last = fd;
			}
		}
	}
	churn_stop(pid);
	close(rootfd);
	ck_assert_msg(fails == 0, "%d of %d walks failed, the last with %d", fails, tries * 2,
	    last);
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

	/* Races with a second process: bounded by time, longer than Check's default 4 s. */
	tc = tcase_create("races");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, renames_elsewhere_are_no_failure);
	tcase_add_test(tc, link_swapped_for_a_directory);
	suite_add_tcase(s, tc);
	return s;
}
