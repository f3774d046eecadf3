/* Bounded lines over a real pipe: pipelining, the exact limit, the deadline. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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

/* ---- line_peek, line_block, line_pending, line_set_max: the HTTP head reader. ---- */

#define H(lit)	lit, sizeof(lit) - 1

/* Bytes written, then EOF; what line_block hands out first, and what stays pending. */
/* clang-format off */
static const struct {
	const char		*in;
	size_t			 len;
	enum line_status	 st;
	size_t			 block;		/* bytes of the block */
} blocks[] = {
	{ H("GET / HTTP/1.1\r\nHost: h\r\n\r\n"),	LINE_OK,	27 },
	{ H("GET / HTTP/1.1\nHost: h\n\nGET"),		LINE_OK,	24 },	/* pipelined */
	{ H("A\n\r\nB\n\n"),				LINE_OK,	4 },	/* LF, CRLF */
	{ H("A\r\n\r\n\r\n"),				LINE_OK,	5 },
	{ H("A\n \n\n"),				LINE_OK,	5 },	/* " " is not empty */
	{ H("A\n\t\r\n\n"),				LINE_OK,	6 },
	{ H("\n"),					LINE_OK,	1 },	/* an empty head */
	{ H("GET /\0 HTTP/1.1\n\n"),			LINE_OK,	17 },	/* NUL: the parser's */
	{ H("GET /\xff HTTP/1.1\n\n"),			LINE_OK,	17 },
	{ H("A\r\n\r"),					LINE_PARTIAL,	0 },	/* truncated */
	{ H("A\r\r\n"),					LINE_PARTIAL,	0 },	/* bare CR */
	{ H("A\n\rB\n"),				LINE_PARTIAL,	0 },
	{ H("A\n"),					LINE_PARTIAL,	0 },
	{ H(""),					LINE_EOF,	0 },	/* empty */
};
/* clang-format on */

START_TEST(block_table)
{
	const char *b, *rest;
	size_t n = 12345, left;

	line_set_max(&lb, FS_HTTP_HEAD_MAX);
	put(blocks[_i].in, blocks[_i].len);
	close(fds[1]);
	fds[1] = -1;
	ck_assert_int_eq(line_block(&lb, fds[0], -1, &b, &n), blocks[_i].st);
	if (blocks[_i].st != LINE_OK) {
		ck_assert_uint_eq(n, 12345);	/* not written */
		ck_assert_uint_eq(line_pending(&lb, &rest), blocks[_i].len);
		return;
	}
	ck_assert_uint_eq(n, blocks[_i].block);
	ck_assert_mem_eq(b, blocks[_i].in, n);
	left = line_pending(&lb, &rest);
	ck_assert_uint_eq(left, blocks[_i].len - n);
	ck_assert_ptr_eq(rest, b + n);
}
END_TEST

/* Two heads and a part of a third in one read: each in turn, the rest pending. */
START_TEST(block_pipelined)
{
	static const char in[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c";
	const char *b, *rest;
	size_t n;

	line_set_max(&lb, FS_HTTP_HEAD_MAX);
	put(in, sizeof(in) - 1);
	ck_assert_int_eq(line_block(&lb, fds[0], -1, &b, &n), LINE_OK);
	ck_assert_uint_eq(n, 28);
	ck_assert_int_eq(line_block(&lb, fds[0], -1, &b, &n), LINE_OK);
	ck_assert_uint_eq(n, 29);
	ck_assert_mem_eq(b, "HEAD /b", 7);
	ck_assert_uint_eq(line_pending(&lb, &rest), 6);
	ck_assert_mem_eq(rest, "GET /c", 6);
	put(" HTTP/1.1\r\nHost: h\r\n\r\n", 22);
	ck_assert_int_eq(line_block(&lb, fds[0], -1, &b, &n), LINE_OK);
	ck_assert_uint_eq(n, 28);
	ck_assert_mem_eq(b, "GET /c HTTP/1.1\r\n", 17);
	ck_assert_uint_eq(line_pending(&lb, &rest), 0);
}
END_TEST

/* A head of exactly max bytes passes; max + 1 bytes is LINE_TOOLONG. */
START_TEST(block_limit)
{
	static char buf[FS_HTTP_HEAD_MAX + 1];
	const char *b;
	size_t n;
	int extra;

	for (extra = 0; extra < 2; extra++) {
		line_init(&lb, FS_HTTP_HEAD_MAX);
		memset(buf, 'x', sizeof(buf));
		memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
		memcpy(buf + FS_HTTP_HEAD_MAX + extra - 4, "\r\n\r\n", 4);
		put(buf, FS_HTTP_HEAD_MAX + extra);
		ck_assert_int_eq(line_block(&lb, fds[0], -1, &b, &n), extra ? LINE_TOOLONG : LINE_OK);
		if (!extra)
			ck_assert_uint_eq(n, FS_HTTP_HEAD_MAX);
		else
			ck_assert_int_eq(read(fds[0], buf, 1), 1);	/* drain the last byte */
	}
}
END_TEST

/* A partial head at the deadline: LINE_TIMEOUT, and its bytes stay pending (for a 408). */
START_TEST(block_deadline)
{
	int64_t t0 = io_now_ms();
	const char *b, *rest;
	size_t n;

	line_set_max(&lb, FS_HTTP_HEAD_MAX);
	put("GET / HTTP/1.1\r\n", 16);
	ck_assert_int_eq(line_block(&lb, fds[0], t0 + 100, &b, &n), LINE_TIMEOUT);
	ck_assert_int_ge(io_now_ms() - t0, 100);
	ck_assert_uint_eq(line_pending(&lb, &rest), 16);
	ck_assert_mem_eq(rest, "GET / HTTP/1.1\r\n", 16);
}
END_TEST

/* Peeking consumes nothing: the next peek, line or block starts at the same byte. */
START_TEST(peek_then_block)
{
	const char *l, *b;
	char *nl;
	size_t n;

	put("GET / HTTP/1.1\r\nHost: h\r\n\r\nQUIT\n", 32);
	ck_assert_int_eq(line_peek(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_uint_eq(n, 14);		/* CR dropped */
	ck_assert_mem_eq(l, "GET / HTTP/1.1", 14);
	ck_assert_int_eq(l[14], '\r');		/* and not NUL-terminated in place */
	ck_assert_int_eq(line_peek(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_uint_eq(n, 14);
	line_set_max(&lb, FS_HTTP_HEAD_MAX);
	ck_assert_int_eq(line_block(&lb, fds[0], -1, &b, &n), LINE_OK);
	ck_assert_uint_eq(n, 27);
	ck_assert_mem_eq(b, "GET / HTTP/1.1\r\n", 16);
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &nl, &n), LINE_OK);
	ck_assert_str_eq(nl, "QUIT");
}
END_TEST

/* clang-format off */
static const struct {
	const char		*in;
	size_t			 len;
	enum line_status	 st;
	size_t			 n;
} peeks[] = {
	{ H("LIST\n"),		LINE_OK,	4 },
	{ H("LIST\r\n"),	LINE_OK,	4 },
	{ H("\n"),		LINE_OK,	0 },
	{ H("\r\n"),		LINE_OK,	0 },
	{ H("A\rB\n"),		LINE_OK,	3 },	/* a CR not before the LF stays */
	{ H("A\r\r\n"),		LINE_OK,	2 },
	{ H("A\0B\n"),		LINE_OK,	3 },	/* NUL */
	{ H("LIST"),		LINE_PARTIAL,	0 },	/* truncated */
	{ H(""),		LINE_EOF,	0 },	/* empty */
};
/* clang-format on */

START_TEST(peek_table)
{
	const char *l;
	size_t n = 12345;

	put(peeks[_i].in, peeks[_i].len);
	close(fds[1]);
	fds[1] = -1;
	ck_assert_int_eq(line_peek(&lb, fds[0], -1, &l, &n), peeks[_i].st);
	if (peeks[_i].st == LINE_OK) {
		ck_assert_uint_eq(n, peeks[_i].n);
		ck_assert_mem_eq(l, peeks[_i].in, n);
	} else {
		ck_assert_uint_eq(n, 12345);
	}
}
END_TEST

/* The first line of an HTTP connection: 8192 bytes with the LF pass, 8193 do not. */
START_TEST(peek_limit)
{
	static char buf[FS_HTTP_LINE_MAX + 1];
	const char *l;
	size_t n;

	line_init(&lb, FS_HTTP_LINE_MAX);
	memset(buf, 'x', sizeof(buf));
	buf[FS_HTTP_LINE_MAX - 2] = '\r';
	buf[FS_HTTP_LINE_MAX - 1] = '\n';
	put(buf, FS_HTTP_LINE_MAX);
	ck_assert_int_eq(line_peek(&lb, fds[0], -1, &l, &n), LINE_OK);
	ck_assert_uint_eq(n, FS_HTTP_LINE_MAX - 2);
	line_init(&lb, FS_HTTP_LINE_MAX);
	buf[FS_HTTP_LINE_MAX - 2] = 'x';
	buf[FS_HTTP_LINE_MAX - 1] = '\r';
	buf[FS_HTTP_LINE_MAX] = '\n';
	put(buf, FS_HTTP_LINE_MAX + 1);
	ck_assert_int_eq(line_peek(&lb, fds[0], -1, &l, &n), LINE_TOOLONG);
}
END_TEST

/*
 * A max larger than the buffer is the buffer; a smaller one applies to
 * bytes already held that have no LF yet.
 */
START_TEST(set_max)
{
	static char buf[FS_LINE_MAX + 100];
	char *l;
	size_t n;

	line_init(&lb, SIZE_MAX);
	ck_assert_uint_eq(lb.max, sizeof(lb.buf));
	line_set_max(&lb, 0);
	ck_assert_uint_eq(lb.max, 0);
	line_init(&lb, FS_HTTP_HEAD_MAX);
	memset(buf, 'y', sizeof(buf));
	memcpy(buf, "A\n", 2);
	put(buf, sizeof(buf));
	ck_assert_int_eq(line_next(&lb, fds[0], -1, &l, &n), LINE_OK);
	line_set_max(&lb, FS_LINE_MAX);	/* protocol 1 after an HTTP-sized first read */
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
	tcase_add_loop_test(tc, block_table, 0, ARRAY_LEN(blocks));
	tcase_add_test(tc, block_pipelined);
	tcase_add_test(tc, block_limit);
	tcase_add_test(tc, block_deadline);
	tcase_add_test(tc, peek_then_block);
	tcase_add_loop_test(tc, peek_table, 0, ARRAY_LEN(peeks));
	tcase_add_test(tc, peek_limit);
	tcase_add_test(tc, set_max);
	suite_add_tcase(s, tc);
	return s;
}
