/* Bounded lines over a real pipe: pipelining, the exact limit, the deadline. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "line.h"
#include "unit.h"

static struct linebuf lb;
static int fds[2];

static void
setup(void)
{
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	line_init(&lb, FS_LINE_MAX);
}

static void
teardown(void)
{
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

static void
put(const char *s, size_t len)
{
	ck_assert_int_eq(write(fds[1], s, len), (ssize_t)len);
}

START_TEST(pipelined)
{
	char *l;
	size_t n;

	put("LIST\nGET a\r\nQUIT\n", 17);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_str_eq(l, "LIST");
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_str_eq(l, "GET a");	/* the CR is dropped */
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_str_eq(l, "QUIT");
	close(fds[1]);
	fds[1] = -1;
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_EOF);
}
END_TEST

START_TEST(partial_then_eof)
{
	char *l;
	size_t n;

	put("GET a", 5);
	close(fds[1]);
	fds[1] = -1;
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_PARTIAL);
}
END_TEST

/* 4096 bytes including the LF pass; 4097 do not. */
START_TEST(exact_limit)
{
	static char buf[FS_LINE_MAX + 1];
	char *l;
	size_t n;

	memset(buf, 'x', sizeof(buf));
	buf[FS_LINE_MAX - 1] = '\n';
	put(buf, FS_LINE_MAX);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_uint_eq(n, FS_LINE_MAX - 1);
	buf[FS_LINE_MAX - 1] = 'x';
	buf[FS_LINE_MAX] = '\n';
	put(buf, FS_LINE_MAX + 1);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_TOOLONG);
}
END_TEST

/* The deadline covers the whole line: bytes trickling in do not extend it. */
START_TEST(deadline)
{
	int64_t t0 = io_now_ms();
	char *l;
	size_t n;

	put("GET", 3);
	ck_assert_int_eq(line_next(&lb, fds[0], t0 + 100, &l, &n), LINE_TIMEOUT);
	ck_assert_int_ge(io_now_ms() - t0, 100);
}
END_TEST

START_TEST(nonblocking_fd)
{
	char *l;
	size_t n;

	ck_assert_int_eq(io_set_nonblock(fds[0], 1), 0);
	ck_assert_int_eq(line_next(&lb, fds[0], io_now_ms() + 50, &l, &n), LINE_TIMEOUT);
	put("A\n", 2);
	ck_assert_int_eq(line_next(&lb, fds[0], io_now_ms() + 1000, &l, &n), LINE_OK);
	ck_assert_str_eq(l, "A");
}
END_TEST

START_TEST(take_body)
{
	char *l, body[8];
	size_t n;

	put("OK 3\nabcOK", 10);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_uint_eq(line_take(&lb, body, 3), 3);
	ck_assert_mem_eq(body, "abc", 3);
	ck_assert_uint_eq(line_take(&lb, body, 8), 2);
}
END_TEST

START_TEST(smaller_max)
{
	char *l;
	size_t n;

	line_init(&lb, 4);
	put("abc\nabcd\n", 9);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_TOOLONG);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("line");
	TCase *tc = tcase_create("line");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, partial_then_eof);
	tcase_add_test(tc, exact_limit);
	tcase_add_test(tc, deadline);
	tcase_add_test(tc, nonblocking_fd);
	tcase_add_test(tc, take_body);
	tcase_add_test(tc, smaller_max);
	suite_add_tcase(s, tc);
	return s;
}
