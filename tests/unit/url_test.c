/* fget's URL parser (client/url.c): every row is a claim about what reaches the wire. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "url.h"

/* wire == NULL means "refused with err". */
static const struct {
	const char	*in;
	const char	*host;
	unsigned	 port;
	const char	*wire;
	int		 dir;
	int		 err;
} cases[] = {
	{ "filesvc://h/a.txt",		"h",	7070,	"/a.txt",	0, 0 },
	{ "FILESVC://Host:70/a",	"Host",	70,	"/a",		0, 0 },
	{ "filesvc://h",		"h",	7070,	"/",		1, 0 },
	{ "filesvc://h/",		"h",	7070,	"/",		1, 0 },
	{ "filesvc://h:/x",		"h",	7070,	"/x",		0, 0 },
	{ "filesvc://h:65535/",		"h",	65535,	"/",		1, 0 },
	{ "filesvc://127.0.0.1:1/d/",	"127.0.0.1", 1,	"/d/",		1, 0 },
	{ "filesvc://[::1]/x",		"::1",	7070,	"/x",		0, 0 },
	{ "filesvc://[::1]:8080/x",	"::1",	8080,	"/x",		0, 0 },
	{ "filesvc://[fe80::1:2]/",	"fe80::1:2", 7070, "/",		1, 0 },
	/* Dot segments go, as RFC 3986 5.2.4 removes them; ".." never reaches the wire. */
	{ "filesvc://h/a/../b",		"h",	7070,	"/b",		0, 0 },
	{ "filesvc://h/../../etc/passwd", "h",	7070,	"/etc/passwd",	0, 0 },
	{ "filesvc://h/a/./b/.",	"h",	7070,	"/a/b/",	1, 0 },
	{ "filesvc://h/a/b/..",		"h",	7070,	"/a/",		1, 0 },
	{ "filesvc://h/%2e%2E/x",	"h",	7070,	"/x",		0, 0 },
	{ "filesvc://h/a%2F..%2Fb",	"h",	7070,	"/b",		0, 0 },
	{ "filesvc://h/..",		"h",	7070,	"/",		1, 0 },
	{ "filesvc://h//a///b//",	"h",	7070,	"/a/b/",	1, 0 },
	{ "filesvc://h/...",		"h",	7070,	"/...",		0, 0 },
	{ "filesvc://h/.hidden",	"h",	7070,	"/.hidden",	0, 0 },
	/* Encoding: re-encoded minimally, plus '?' and '#'. */
	{ "filesvc://h/a%20b",		"h",	7070,	"/a%20b",	0, 0 },
	{ "filesvc://h/%41%3f%23",	"h",	7070,	"/A%3F%23",	0, 0 },
	{ "filesvc://h/caf\xc3\xa9",	"h",	7070,	"/caf%C3%A9",	0, 0 },
	{ "filesvc://h/%ff%FE",		"h",	7070,	"/%FF%FE",	0, 0 },
	{ "filesvc://h/x#frag",		"h",	7070,	"/x",		0, 0 },
	{ "filesvc://h/x/#",		"h",	7070,	"/x/",		1, 0 },
	/* Refusals. */
	{ "",				NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc:/",			NULL,	0,	NULL,		0, -EINVAL },
	{ "http://h/x",			NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc:///x",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://",			NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://u@h/x",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h:0/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h:65536/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h:99999999999999999999999/", NULL, 0, NULL,	0, -EINVAL },
	{ "filesvc://h:-1/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h:8x/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h%41/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h h/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://[::1/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://[::1]x/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://[nope]/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://[]/",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/a b",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/a\tb",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/a\x7f",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/a?b=1",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/%4",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/%",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/%g0",		NULL,	0,	NULL,		0, -EINVAL },
	{ "filesvc://h/a%00b",		NULL,	0,	NULL,		0, -EINVAL },
};

/* filesvcs://: the same grammar over TLS, port 7443 by default; the scheme is kept. */
static const struct {
	const char	*in;
	int		 tls;
	const char	*host;
	unsigned	 port;
	const char	*shown;		/* url_format(); NULL: refused */
} schemes[] = {
	{ "filesvcs://h/a",		1, "h",		7443, "filesvcs://h:7443/a" },
	{ "FilesVCS://h:7070/",		1, "h",		7070, "filesvcs://h:7070/" },
	{ "filesvcs://h:/x",		1, "h",		7443, "filesvcs://h:7443/x" },
	{ "filesvcs://127.0.0.1/",	1, "127.0.0.1",	7443, "filesvcs://127.0.0.1:7443/" },
	{ "filesvcs://[::1]/d/",	1, "::1",	7443, "filesvcs://[::1]:7443/d/" },
	{ "filesvcs://h",		1, "h",		7443, "filesvcs://h:7443/" },
	{ "filesvc://h/a",		0, "h",		7070, "filesvc://h:7070/a" },
	{ "filesvc://h:7443/a",		0, "h",		7443, "filesvc://h:7443/a" },
	{ "filesvcs:/h/a",		0, NULL,	0,    NULL },
	{ "filesvcs//h/a",		0, NULL,	0,    NULL },
	{ "filesvcss://h/a",		0, NULL,	0,    NULL },
	{ "filesvcs://",		0, NULL,	0,    NULL },
	{ "filesvcs://u@h/",		0, NULL,	0,    NULL },
	{ "filesvcs://h:0/",		0, NULL,	0,    NULL },
	{ "https://h/",			0, NULL,	0,    NULL },
	{ "filesvcs:",			0, NULL,	0,    NULL },
};

START_TEST(scheme_table)
{
	struct url u;
	const char *why = NULL;
	char buf[64];
	int r = url_parse(schemes[_i].in, strlen(schemes[_i].in), &u, &why);

	if (schemes[_i].shown == NULL) {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_str_ne(why, "");
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(u.tls, schemes[_i].tls);
	ck_assert_str_eq(u.host, schemes[_i].host);
	ck_assert_uint_eq(u.port, schemes[_i].port);
	ck_assert_str_eq(url_format(&u, buf, sizeof(buf)), schemes[_i].shown);
}
END_TEST

/* The scheme's length is judged by len, not by a NUL: "filesvcs" cut to "filesvc" is neither. */
START_TEST(scheme_bounds)
{
	struct url u;
	const char *why;

	ck_assert_int_eq(url_parse("filesvcs://h/", 10, &u, &why), -EINVAL);
	ck_assert_int_eq(url_parse("filesvcs://h/", 11, &u, &why), -EINVAL);	/* empty host */
	ck_assert_int_eq(url_parse("filesvcs://h/", 12, &u, &why), 0);
	ck_assert_int_eq(u.tls, 1);
}
END_TEST

START_TEST(parse_table)
{
	struct url u;
	const char *why = NULL;
	int r = url_parse(cases[_i].in, strlen(cases[_i].in), &u, &why);

	ck_assert_ptr_nonnull(why);
	if (cases[_i].wire == NULL) {
		ck_assert_int_eq(r, cases[_i].err);
		ck_assert_str_ne(why, "");
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(u.host, cases[_i].host);
	ck_assert_uint_eq(u.port, cases[_i].port);
	ck_assert_str_eq(u.wire, cases[_i].wire);
	ck_assert_uint_eq(u.wire_len, strlen(cases[_i].wire));
	ck_assert_int_eq(u.dir, cases[_i].dir);
	ck_assert_int_eq(u.host_v6, strchr(cases[_i].host, ':') != NULL);
}
END_TEST

/* The decoded path keeps raw bytes, '/' separators only; the length is exact. */
START_TEST(decoded_path)
{
	struct url u;
	const char *why, *name;
	const char *in = "filesvc://h/d/a%20b%ff";

	ck_assert_int_eq(url_parse(in, strlen(in), &u, &why), 0);
	ck_assert_str_eq(u.path, "/d/a b\xff");
	ck_assert_uint_eq(u.path_len, 7);
	ck_assert_uint_eq(url_name(&u, &name), 4);
	ck_assert_str_eq(name, "a b\xff");
}
END_TEST

START_TEST(name_of_directory)
{
	struct url u;
	const char *why, *name;

	ck_assert_int_eq(url_parse("filesvc://h/d/", 14, &u, &why), 0);
	ck_assert_uint_eq(url_name(&u, &name), 0);
	ck_assert_int_eq(url_parse("filesvc://h", 11, &u, &why), 0);
	ck_assert_uint_eq(url_name(&u, &name), 0);
}
END_TEST

/* The length argument rules, not a NUL: bytes past len are never read. */
START_TEST(length_bounds)
{
	struct url u;
	const char *why;

	ck_assert_int_eq(url_parse("filesvc://h/abc", 13, &u, &why), 0);
	ck_assert_str_eq(u.wire, "/a");
	ck_assert_int_eq(url_parse("filesvc://h/a\0b", 15, &u, &why), -EINVAL);
}
END_TEST

/* A wire path of exactly URL_WIRE_MAX bytes fits; one more is refused. */
START_TEST(wire_limit)
{
	static char in[URL_WIRE_MAX * 2];
	struct url u;
	const char *why;
	size_t pre = strlen("filesvc://h/"), n;

	memcpy(in, "filesvc://h/", pre);
	/* "/" + segments "aaaa...a/" keep every component below NAME_MAX. */
	for (n = 1; n < URL_WIRE_MAX; n++)
		in[pre + n - 1] = (n % 200 == 0) ? '/' : 'a';
	ck_assert_int_eq(url_parse(in, pre + URL_WIRE_MAX - 1, &u, &why), 0);
	ck_assert_uint_eq(u.wire_len, URL_WIRE_MAX);
	in[pre + URL_WIRE_MAX - 1] = 'a';
	ck_assert_int_eq(url_parse(in, pre + URL_WIRE_MAX, &u, &why), -ENAMETOOLONG);
	/* Escapes count three bytes on the wire. */
	memcpy(in + pre + URL_WIRE_MAX - 2, "%20", 3);
	ck_assert_int_eq(url_parse(in, pre + URL_WIRE_MAX + 1, &u, &why), -ENAMETOOLONG);
}
END_TEST

START_TEST(host_limit)
{
	char in[512];
	struct url u;
	const char *why;

	memcpy(in, "filesvc://", 10);
	memset(in + 10, 'a', URL_HOST_MAX + 1);
	ck_assert_int_eq(url_parse(in, 10 + URL_HOST_MAX, &u, &why), 0);
	ck_assert_uint_eq(strlen(u.host), URL_HOST_MAX);
	ck_assert_int_eq(url_parse(in, 10 + URL_HOST_MAX + 1, &u, &why), -EINVAL);
}
END_TEST

START_TEST(format)
{
	struct url u;
	const char *why;
	char buf[64];

	ck_assert_int_eq(url_parse("filesvc://[::1]/a%20b", 21, &u, &why), 0);
	ck_assert_str_eq(url_format(&u, buf, sizeof(buf)), "filesvc://[::1]:7070/a%20b");
	ck_assert_int_eq(url_parse("filesvc://h:9/", 14, &u, &why), 0);
	ck_assert_str_eq(url_format(&u, buf, sizeof(buf)), "filesvc://h:9/");
	ck_assert_str_eq(url_format(&u, buf, 8), "filesvc");
	ck_assert_str_eq(url_format_wire(&u, "/d/e%20f", buf, sizeof(buf)),
	    "filesvc://h:9/d/e%20f");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, parse_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, decoded_path);
	tcase_add_test(tc, name_of_directory);
	tcase_add_test(tc, length_bounds);
	tcase_add_test(tc, wire_limit);
	tcase_add_test(tc, host_limit);
	tcase_add_test(tc, format);
	tcase_add_loop_test(tc, scheme_table, 0, ARRAY_LEN(schemes));
	tcase_add_test(tc, scheme_bounds);
	suite_add_tcase(s, tc);
	return s;
}
