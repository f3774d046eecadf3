/* Validators, RFC 9110 13.2.2 preconditions, If-Range, one Range, and Accept. */
#include <string.h>

#include "httpcond.h"
#include "unit.h"

#define E	"\"1-2-3-4.000000005\""		/* the file's strong ETag */
#define M	INT64_C(784111777)		/* its mtime: Sun, 06 Nov 1994 08:49:37 GMT */
#define D_EQ	"Sun, 06 Nov 1994 08:49:37 GMT"
#define D_OLD	"Sun, 06 Nov 1994 08:49:36 GMT"
#define D_NEW	"Sun, 06 Nov 1994 08:49:38 GMT"

static struct http_request req;

static struct http_slice
sl(const char *s)
{
	return (struct http_slice){ s, s != NULL ? strlen(s) : 0 };
}

START_TEST(etag_format)
{
	struct http_version v = { 1, 2, 3, 4, 5 };
	struct http_version max = { UINT64_MAX, UINT64_MAX, UINT64_MAX, -1, 999999999 };
	struct http_version zero = { 0, 0, 0, 0, 0 };
	char buf[HTTPCOND_ETAG_MAX];

	ck_assert_uint_eq(httpcond_etag(&v, buf), strlen(E));
	ck_assert_str_eq(buf, E);
	ck_assert_uint_eq(httpcond_etag(&zero, buf), 19);
	ck_assert_str_eq(buf, "\"0-0-0-0.000000000\"");
	/* The longest fits exactly, its NUL included. */
	ck_assert_uint_eq(httpcond_etag(&max, buf), HTTPCOND_ETAG_MAX - 1);
	ck_assert_str_eq(buf, "\"ffffffffffffffff-ffffffffffffffff-ffffffffffffffff-ffffffffffffffff"
	    ".999999999\"");
	/* Nanoseconds out of range never make the length lie about the buffer. */
	max.mtime_ns = -999999999;
	ck_assert_uint_eq(httpcond_etag(&max, buf), strlen(buf));
	max.mtime_ns = 1999999999;
	ck_assert_uint_eq(httpcond_etag(&max, buf), strlen(buf));
}
END_TEST

/* NULL: the field is absent. */
/* clang-format off */
static const struct {
	const char	*im, *inm, *ims, *ius;
	int		 code;
} conds[] = {
	{ NULL,		NULL,		NULL,	NULL,	0 },
	{ E,		NULL,		NULL,	NULL,	0 },		/* If-Match: strong */
	{ "\"x\"",	NULL,		NULL,	NULL,	412 },
	{ "*",		NULL,		NULL,	NULL,	0 },
	{ "\"x\", " E,	NULL,		NULL,	NULL,	0 },		/* a list */
	{ "\"x\",,\"y\"",NULL,		NULL,	NULL,	412 },
	{ "W/" E,	NULL,		NULL,	NULL,	412 },		/* weak never matches strongly */
	{ "1-2-3-4.000000005", NULL,	NULL,	NULL,	412 },		/* unquoted */
	{ "",		NULL,		NULL,	NULL,	412 },
	{ "\"1-2-3-4.000000005",NULL,	NULL,	NULL,	412 },		/* truncated */
	{ NULL,		NULL,		NULL,	D_EQ,	0 },		/* If-Unmodified-Since */
	{ NULL,		NULL,		NULL,	D_NEW,	0 },
	{ NULL,		NULL,		NULL,	D_OLD,	412 },
	{ NULL,		NULL,		NULL,	"yesterday", 0 },	/* invalid: ignored */
	{ NULL,		NULL,		NULL,	"Sunday, 06-Nov-94 08:49:36 GMT", 412 },
	{ E,		NULL,		NULL,	D_OLD,	0 },		/* If-Match beats it */
	{ "\"x\"",	NULL,		NULL,	D_NEW,	412 },
	{ NULL,		E,		NULL,	NULL,	304 },		/* If-None-Match: weak */
	{ NULL,		"W/" E,		NULL,	NULL,	304 },
	{ NULL,		"\"x\"",	NULL,	NULL,	0 },
	{ NULL,		"*",		NULL,	NULL,	304 },
	{ NULL,		"\"x\" ,W/" E,	NULL,	NULL,	304 },
	{ NULL,		"w/" E,		NULL,	NULL,	0 },		/* W/ is case-sensitive */
	{ NULL,		"",		NULL,	NULL,	0 },
	{ NULL,		NULL,		D_EQ,	NULL,	304 },		/* If-Modified-Since */
	{ NULL,		NULL,		D_NEW,	NULL,	304 },
	{ NULL,		NULL,		D_OLD,	NULL,	0 },
	{ NULL,		NULL,		"Sun Nov  6 08:49:37 1994", NULL, 304 },
	{ NULL,		NULL,		"Sunday, 06-Nov-94 08:49:37 GMT", NULL, 304 },
	{ NULL,		NULL,		"Sun, 06 Nov 1994 08:49:37 GMT x", NULL, 0 },
	{ NULL,		NULL,		"",	NULL,	0 },
	{ NULL,		"\"x\"",	D_NEW,	NULL,	0 },		/* If-None-Match beats it */
	{ NULL,		E,		D_OLD,	NULL,	304 },
	{ "\"x\"",	E,		NULL,	NULL,	412 },		/* step 1 before step 3 */
	{ E,		E,		NULL,	NULL,	304 },
	{ NULL,		NULL,		D_EQ,	D_OLD,	412 },		/* step 2 before step 4 */
	{ E,		"\"x\"",	D_EQ,	D_OLD,	0 },
	{ "\xff\xfe",	NULL,		NULL,	NULL,	412 },		/* non-UTF-8 */
	{ NULL,		"\"\xff\"",	NULL,	NULL,	0 },
	{ NULL,		"W/",		NULL,	NULL,	0 },		/* truncated */
	{ NULL,		"W",		NULL,	NULL,	0 },
	{ NULL,		"\"",		NULL,	NULL,	0 },
	{ NULL,		NULL,		"Sun, 06 Nov 1994 08:49:37 GM", NULL, 0 },
	{ NULL,		NULL,		NULL,	"Sun, 06 Nov 1994 08:49:3\xff GMT", 0 },
	{ NULL,		NULL,		"Sun, 06 Nov 99999999999999999999 GMT", NULL, 0 },	/* overflow */
};
/* clang-format on */

START_TEST(check_table)
{
	memset(&req, 0, sizeof(req));
	req.if_match = sl(conds[_i].im);
	req.if_none_match = sl(conds[_i].inm);
	req.if_modified_since = sl(conds[_i].ims);
	req.if_unmodified_since = sl(conds[_i].ius);
	ck_assert_int_eq(httpcond_check(&req, E, M), conds[_i].code);
}
END_TEST

#define WED	INT64_C(784370977)	/* Wed, 09 Nov 1994 08:49:37 GMT */

/* clang-format off */
static const struct {
	const char	*ir;
	int64_t		 mtime;
	bool		 ok;
} ifranges[] = {
	{ NULL,		M,	true },
	{ E,		M,	true },
	{ "\"x\"",	M,	false },
	{ "W/" E,	M,	false },	/* If-Range compares strongly */
	{ D_EQ,		M,	true },		/* exactly the date */
	{ D_OLD,	M,	false },
	{ D_NEW,	M,	false },
	{ "Wed, 09 Nov 1994 08:49:37 GMT",	WED,	true },	/* a date starting with 'W' */
	{ "Wednesday, 09-Nov-94 08:49:37 GMT",	WED,	true },
	{ "Wed Nov  9 08:49:37 1994",		WED,	true },
	{ "Wed, 09 Nov 1994 08:49:38 GMT",	WED,	false },
	{ "W/\"x\"",	WED,	false },
	{ "W",		WED,	false },
	{ "",		M,	false },
	{ "soon",	M,	false },
	{ E ", " E,	M,	false },	/* one validator, not a list */
	{ "\"1-2-3-4.000000005",	M,	false },	/* truncated */
	{ "\xff\xfe",	M,	false },	/* non-UTF-8 */
};
/* clang-format on */

START_TEST(if_range_table)
{
	memset(&req, 0, sizeof(req));
	req.if_range = sl(ifranges[_i].ir);
	ck_assert_int_eq(httpcond_if_range(&req, E, ifranges[_i].mtime), ifranges[_i].ok);
}
END_TEST

#define NONE	HTTPCOND_RANGE_NONE
#define OK	HTTPCOND_RANGE_OK
#define UNSAT	HTTPCOND_RANGE_UNSATISFIABLE

/* clang-format off */
static const struct {
	const char		*range;
	uint64_t		 size;
	enum httpcond_range	 r;
	uint64_t		 first, last;
} ranges[] = {
	/* RFC 9110 14.1.2's examples, for a 10000-byte representation. */
	{ "bytes=0-499",		10000,	OK,	0,	499 },
	{ "bytes=500-999",		10000,	OK,	500,	999 },
	{ "bytes=-500",			10000,	OK,	9500,	9999 },
	{ "bytes=9500-",		10000,	OK,	9500,	9999 },
	{ "bytes=0-0,-1",		10000,	NONE,	0,	0 },	/* several: all of it */
	{ "bytes=0-999, 4500-5499, -1000", 10000, NONE,	0,	0 },
	{ "bytes=500-600,601-999",	10000,	NONE,	0,	0 },
	{ "bytes=500-700,601-999",	10000,	NONE,	0,	0 },
	/* RFC 9110 14.1.1: first and last byte. */
	{ "bytes=0-0",			10000,	OK,	0,	0 },
	{ "bytes=-1",			10000,	OK,	9999,	9999 },
	{ "bytes=9999-",		10000,	OK,	9999,	9999 },
	{ "bytes=9999-20000",		10000,	OK,	9999,	9999 },	/* last clamped */
	{ "bytes=10000-",		10000,	UNSAT,	0,	0 },
	{ "bytes=10000-10001",		10000,	UNSAT,	0,	0 },
	{ "bytes=-20000",		10000,	OK,	0,	9999 },	/* suffix > size */
	{ "bytes=-10000",		10000,	OK,	0,	9999 },
	{ "bytes=-0",			10000,	UNSAT,	0,	0 },
	{ "bytes=5-3",			10000,	NONE,	0,	0 },	/* b < a: ignored */
	{ "bytes=5-5",			10000,	OK,	5,	5 },
	{ "bytes=0-",			0,	UNSAT,	0,	0 },	/* size 0 */
	{ "bytes=0-0",			0,	UNSAT,	0,	0 },
	{ "bytes=-1",			0,	UNSAT,	0,	0 },
	{ "bytes=-0",			0,	UNSAT,	0,	0 },
	{ "bytes=0-",			1,	OK,	0,	0 },
	{ "Bytes=1-2",			10,	OK,	1,	2 },	/* units are case-insensitive */
	{ "  bytes=1-2  ",		10,	OK,	1,	2 },
	{ "bytes= 1-2",			10,	OK,	1,	2 },
	{ "bytes =1-2",			10,	NONE,	0,	0 },
	{ "bytes=1 -2",			10,	NONE,	0,	0 },
	{ "bytes=1- 2",			10,	NONE,	0,	0 },
	{ "items=1-2",			10,	NONE,	0,	0 },
	{ "bytes",			10,	NONE,	0,	0 },	/* truncated */
	{ "bytes=",			10,	NONE,	0,	0 },
	{ "bytes=-",			10,	NONE,	0,	0 },
	{ "bytes=1",			10,	NONE,	0,	0 },
	{ "bytes=--1",			10,	NONE,	0,	0 },
	{ "bytes=1-2-3",		10,	NONE,	0,	0 },
	{ "bytes=+1-2",			10,	NONE,	0,	0 },
	{ "bytes=0x1-2",		10,	NONE,	0,	0 },
	{ "bytes=1-2,",			10,	NONE,	0,	0 },
	{ "bytes=\xff-2",		10,	NONE,	0,	0 },	/* non-UTF-8 */
	{ "",				10,	NONE,	0,	0 },	/* empty */
	/* 64-bit limits: a position past UINT64_MAX is past any file, not malformed. */
	{ "bytes=0-18446744073709551615",	10,	OK,	0,	9 },
	{ "bytes=0-18446744073709551616",	10,	OK,	0,	9 },
	{ "bytes=0-99999999999999999999999999",	10,	OK,	0,	9 },
	{ "bytes=0-99999999999999999999x",	10,	NONE,	0,	0 },
	{ "bytes=18446744073709551615-",	10,	UNSAT,	0,	0 },
	{ "bytes=18446744073709551616-",	10,	UNSAT,	0,	0 },
	{ "bytes=18446744073709551616-1",	10,	NONE,	0,	0 },
	{ "bytes=-18446744073709551615",	10,	OK,	0,	9 },
	{ "bytes=-18446744073709551616",	10,	OK,	0,	9 },
	{ "bytes=18446744073709551614-",	UINT64_MAX, OK, UINT64_MAX - 1, UINT64_MAX - 1 },
	{ "bytes=-1",			UINT64_MAX, OK,	UINT64_MAX - 1, UINT64_MAX - 1 },
	{ "bytes=0-",			UINT64_MAX, OK,	0,	UINT64_MAX - 1 },
};
/* clang-format on */

START_TEST(range_table)
{
	uint64_t first = 7, last = 7;
	enum httpcond_range r = httpcond_range(sl(ranges[_i].range), ranges[_i].size, &first, &last);

	ck_assert_int_eq(r, ranges[_i].r);
	if (r == OK) {
		ck_assert_uint_eq(first, ranges[_i].first);
		ck_assert_uint_eq(last, ranges[_i].last);
		ck_assert(first <= last && last < ranges[_i].size);
	} else {
		ck_assert(first == 7 && last == 7);	/* not written */
	}
}
END_TEST

/* A NUL inside the field ends nothing early: the slice's length rules. */
START_TEST(range_nul)
{
	uint64_t first, last;
	struct http_slice f = { "bytes=0-1\0", 10 };

	ck_assert_int_eq(httpcond_range(f, 10, &first, &last), NONE);
	f = (struct http_slice){ "bytes=0\0-1", 10 };
	ck_assert_int_eq(httpcond_range(f, 10, &first, &last), NONE);
}
END_TEST

#define HTML	HTTPCOND_HTML
#define JSON	HTTPCOND_JSON
#define TXT	HTTPCOND_TEXT

/* clang-format off */
static const struct {
	const char		*accept;
	enum httpcond_format	 f;
} accepts[] = {
	{ NULL,					HTML },		/* no Accept */
	{ "",					HTML },
	{ "text/html",				HTML },
	{ "application/json",			JSON },
	{ "text/plain",				TXT },
	{ "APPLICATION/JSON",			JSON },
	{ "application/json;charset=utf-8",	JSON },
	{ ",,application/json,,",		JSON },
	{ "*/*",				HTML },		/* ties: html, json, text */
	{ "text/*",				HTML },
	{ "application/*",			JSON },
	{ "image/png",				HTML },		/* nothing we offer */
	{ "application/jsonx",			HTML },
	{ "application/json-seq",		HTML },
	{ "application",			HTML },
	{ "text/html;q=0, */*",			JSON },		/* specificity */
	{ "*/*, text/html;q=0",			JSON },
	{ "text/html;q=0, text/*",		TXT },
	{ "text/html;q=0.1, text/*;q=0.9",	TXT },
	{ "*/*;q=0.1, application/json;q=0",	HTML },
	{ "application/json, */*;q=0.1",	JSON },
	{ "text/plain, text/html;q=0.9",	TXT },		/* q-values */
	{ "application/json;q=0.8, text/plain;q=0.9", TXT },
	{ "application/json;q=1, text/html;q=1", HTML },
	{ "application/json;q=1.000",		JSON },
	{ "application/json; q=0.5",		JSON },
	{ "application/json;Q=0.5",		JSON },
	{ "application/json;q=0.001",		JSON },
	{ "application/json;q=0.",		HTML },		/* q=0: not acceptable */
	{ "application/json;q=0",		HTML },
	{ "*/*;q=0",				HTML },
	{ "application/json;q=2",		HTML },		/* malformed q: ignored */
	{ "application/json;q=1.001",		HTML },
	{ "application/json;q=0.1234",		HTML },
	{ "application/json;q=",		HTML },
	{ "application/json;q=-1",		HTML },
	{ "application/json;q=.5",		HTML },
	{ "application/json;q=0,5",		HTML },
	{ "application/json;q=00000000000000000001", HTML },
	{ "application/json;q=abc, text/plain;q=0.1", TXT },
	{ "application/json;q=\xff",		HTML },
	{ "\xff\xfe/json",			HTML },
	{ "application/json;;;",		JSON },
	{ ";q=1",				HTML },
};
/* clang-format on */

START_TEST(accept_table)
{
	ck_assert_int_eq(httpcond_format(sl(accepts[_i].accept)), accepts[_i].f);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("httpcond");
	TCase *tc = tcase_create("httpcond");

	tcase_add_test(tc, etag_format);
	tcase_add_loop_test(tc, check_table, 0, ARRAY_LEN(conds));
	tcase_add_loop_test(tc, if_range_table, 0, ARRAY_LEN(ifranges));
	tcase_add_loop_test(tc, range_table, 0, ARRAY_LEN(ranges));
	tcase_add_test(tc, range_nul);
	tcase_add_loop_test(tc, accept_table, 0, ARRAY_LEN(accepts));
	suite_add_tcase(s, tc);
	return s;
}
