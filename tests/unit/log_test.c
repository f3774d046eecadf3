/* Log lines: escaping of remote-controlled strings and the one-line format. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-limits.h"
#include "log.h"
#include "unit.h"

START_TEST(escape)
{
	char out[32];

	ck_assert_str_eq(log_escape("a b\n%", 5, out, sizeof(out)), "a%20b%0A%25");
	ck_assert_str_eq(log_escape("\x1b[31m", 5, out, sizeof(out)), "%1B[31m");
	ck_assert_str_eq(log_escape("\xff", 1, out, sizeof(out)), "%FF");
	ck_assert_str_eq(log_escape("", 0, out, sizeof(out)), "");
}
END_TEST

START_TEST(escape_cut)
{
	char out[8];

	ck_assert_str_eq(log_escape("abcdefghij", 10, out, sizeof(out)), "abcd...");
	ck_assert_str_eq(log_escape("abcdefg", 7, out, sizeof(out)), "abcdefg");
	ck_assert_str_eq(log_escape("      ", 6, out, sizeof(out)), "%20...");
}
END_TEST

/* Capture what log_msg() writes on fd 2 through a pipe. */
static size_t
capture(char *buf, size_t size, int prio, const char *text)
{
	int p[2], saved = dup(2);
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	dup2(p[1], 2);
	log_msg(prio, 2, "cannot open %s", text);
	dup2(saved, 2);
	close(p[1]);
	n = read(p[0], buf, size - 1);
	close(p[0]);
	close(saved);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* log_init() with fd 2 opened as fd, as a program's stderr would be. */
static void
init_on(int fd)
{
	int saved = dup(2);

	ck_assert_int_ge(saved, 0);
	dup2(fd, 2);
	log_init("prog");
	dup2(saved, 2);
	close(saved);
}

/* journald, s6-log, svlogd read a pipe: "<N>"; a file or a terminal: none. */
START_TEST(prefix_by_stderr)
{
	char buf[128], path[] = "/tmp/filesvc-log-XXXXXX";
	int p[2], fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	init_on(fd);
	close(fd);
	capture(buf, sizeof(buf), LOG_ERR, "x");
	ck_assert_str_eq(buf, "prog: cannot open x: No such file or directory\n");
	if ((fd = open("/dev/null", O_WRONLY)) >= 0) {	/* a character device, as a tty */
		init_on(fd);
		close(fd);
		capture(buf, sizeof(buf), LOG_ERR, "x");
		ck_assert_str_eq(buf, "prog: cannot open x: No such file or directory\n");
	}
	ck_assert_int_eq(pipe(p), 0);
	init_on(p[1]);
	close(p[0]);
	close(p[1]);
	capture(buf, sizeof(buf), LOG_ERR, "x");
	ck_assert_str_eq(buf, "<3>prog: cannot open x: No such file or directory\n");
}
END_TEST

START_TEST(format)
{
	char buf[FS_LOG_LINE_MAX * 2];
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	init_on(p[1]);
	close(p[0]);
	close(p[1]);
	capture(buf, sizeof(buf), LOG_WARNING, "x");
	ck_assert_str_eq(buf, "<4>prog: cannot open x: No such file or directory\n");
}
END_TEST

START_TEST(long_line_cut_to_one_write)
{
	char buf[FS_LOG_LINE_MAX * 2], big[FS_LOG_LINE_MAX * 2];
	size_t n;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = capture(buf, sizeof(buf), LOG_ERR, big);
	ck_assert_uint_eq(n, FS_LOG_LINE_MAX - 1);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_null(memchr(buf, '\n', n - 1));
}
END_TEST

START_TEST(no_prefix)
{
	char buf[128];

	log_init("fget");
	log_set_prefix(false);
	capture(buf, sizeof(buf), LOG_ERR, "x");
	ck_assert_str_eq(buf, "fget: cannot open x: No such file or directory\n");
	log_set_prefix(true);
}
END_TEST

START_TEST(level)
{
	char buf[64];

	log_set_level(LOG_WARNING);
	ck_assert_uint_eq(capture(buf, sizeof(buf), LOG_INFO, "x"), 0);
	ck_assert_uint_gt(capture(buf, sizeof(buf), LOG_WARNING, "x"), 0);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, escape);
	tcase_add_test(tc, escape_cut);
	tcase_add_test(tc, format);
	tcase_add_test(tc, prefix_by_stderr);
	tcase_add_test(tc, long_line_cut_to_one_write);
	tcase_add_test(tc, no_prefix);
	tcase_add_test(tc, level);
	suite_add_tcase(s, tc);
	return s;
}
