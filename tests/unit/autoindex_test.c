/*
 * HTML and JSON listing entries: every byte a name can hold is escaped
 * for where it lands, lines keep nginx's columns, and the JSON reads
 * back, byte for byte, as the name.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../fuzz/utf8check.h"
#include "autoindex.h"
#include "pct.h"
#include "unit.h"

#define H(lit)		lit, sizeof(lit) - 1
#define FFFD		"\xef\xbf\xbd"
#define M		INT64_C(784111777)	/* Sun, 06 Nov 1994 08:49:37 GMT */
#define COLUMN		51			/* where nginx starts the date */

/* The line nginx would write for an entry shown as text, chars wide. */
static void
expect_line(char *dst, size_t size, const char *href, const char *text, size_t chars,
    const char *date, const char *num)
{
	int pad = chars < COLUMN ? (int)(COLUMN - chars) : 1;

	(void)snprintf(dst, size, "<a href=\"%s\">%s</a>%*s%s %19s\n", href, text, pad, "", date,
	    num);
}

/* clang-format off */
static const struct {
	const char	*name;
	size_t		 nlen;
	char		 type;
	const char	*href, *text;
	size_t		 chars;
} entries[] = {
	{ H("a.txt"),		'f',	"a.txt",		"a.txt",		5 },
	{ H("sub"),		'd',	"sub/",			"sub/",			4 },
	{ H("a&b"),		'f',	"a%26b",		"a&amp;b",		3 },
	{ H("<script>"),	'f',	"%3Cscript%3E",		"&lt;script&gt;",	8 },
	{ H("\"q\""),		'f',	"%22q%22",		"&quot;q&quot;",	3 },
	{ H("it's"),		'f',	"it%27s",		"it&#39;s",		4 },
	{ H("a:b"),		'f',	"./a%3Ab",		"a:b",			3 },	/* not a scheme */
	{ H("c:"),		'd',	"./c%3A/",		"c:/",			3 },
	{ H("a b"),		'f',	"a%20b",		"a b",			3 },
	{ H("100%"),		'f',	"100%25",		"100%",			4 },
	{ H("a#b?c;d"),		'f',	"a%23b%3Fc%3Bd",	"a#b?c;d",		7 },
	{ H("a\\b`c^d{|}[]"),	'f',	"a%5Cb%60c%5Ed%7B%7C%7D%5B%5D", "a\\b`c^d{|}[]", 12 },
	{ H("&lt;"),		'f',	"%26lt%3B",		"&amp;lt;",		4 },
	{ H("\xc3\xa9t\xc3\xa9"),'f',	"%C3%A9t%C3%A9",	"\xc3\xa9t\xc3\xa9",	3 },
	{ H("\xf0\x9f\x98\x80"),'f',	"%F0%9F%98%80",		"\xf0\x9f\x98\x80",	1 },
	{ H("\xff"),		'f',	"%FF",			FFFD,			1 },	/* not UTF-8 */
	{ H("a\x80z"),		'f',	"a%80z",		"a" FFFD "z",		3 },
	{ H("\xe2\x82"),	'f',	"%E2%82",		FFFD FFFD,		2 },	/* truncated */
	{ H("\xc0\xaf"),	'f',	"%C0%AF",		FFFD FFFD,		2 },	/* overlong */
	{ H("\xed\xa0\x80"),	'f',	"%ED%A0%80",		FFFD FFFD FFFD,		3 },	/* surrogate */
	{ H("\xf4\x90\x80\x80"),'f',	"%F4%90%80%80",		FFFD FFFD FFFD FFFD,	4 },
	{ H("\x01"),		'f',	"%01",			FFFD,			1 },	/* C0 */
	{ H("a\nb"),		'f',	"a%0Ab",		"a" FFFD "b",		3 },
	{ H("a\rb\tc"),		'f',	"a%0Db%09c",		"a" FFFD "b" FFFD "c",	5 },
	{ H("\x7f"),		'f',	"%7F",			FFFD,			1 },	/* DEL */
	{ H("\xc2\x80"),	'f',	"%C2%80",		FFFD,			1 },	/* C1 */
	{ H("\xc2\x9f"),	'f',	"%C2%9F",		FFFD,			1 },
	{ H("\xc2\xa0"),	'f',	"%C2%A0",		"\xc2\xa0",		1 },	/* NBSP is text */
	{ H("a\0b"),		'f',	"a%00b",		"a" FFFD "b",		3 },	/* NUL */
	{ H(""),		'f',	"",			"",			0 },	/* empty */
	/* Exactly the column, and one past it: a space always parts name and date. */
	{ H("0123456789012345678901234567890123456789012345678"), 'f',
	    "0123456789012345678901234567890123456789012345678",
	    "0123456789012345678901234567890123456789012345678", 49 },
	{ H("01234567890123456789012345678901234567890123456789"), 'f',
	    "01234567890123456789012345678901234567890123456789",
	    "01234567890123456789012345678901234567890123456789", 50 },
	{ H("012345678901234567890123456789012345678901234567890"), 'f',
	    "012345678901234567890123456789012345678901234567890",
	    "012345678901234567890123456789012345678901234567890", 51 },
	{ H("01234567890123456789012345678901234567890123456789"), 'd',
	    "01234567890123456789012345678901234567890123456789/",
	    "01234567890123456789012345678901234567890123456789/", 51 },
	{ H("0123456789012345678901234567890123456789012345678901234567890123456789"), 'f',
	    "0123456789012345678901234567890123456789012345678901234567890123456789",
	    "0123456789012345678901234567890123456789012345678901234567890123456789", 70 },
};
/* clang-format on */

START_TEST(html_table)
{
	char out[AUTOINDEX_HTML_LINE_MAX], want[AUTOINDEX_HTML_LINE_MAX];
	int n = autoindex_html_entry(entries[_i].type, 1234, M, entries[_i].name, entries[_i].nlen,
	    out, sizeof(out));

	expect_line(want, sizeof(want), entries[_i].href, entries[_i].text, entries[_i].chars,
	    "06-Nov-1994 08:49", entries[_i].type == 'd' ? "-" : "1234");
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(n, (int)strlen(want));
}
END_TEST

/* clang-format off */
static const struct {
	int64_t		 mtime;
	uint64_t	 size;
	const char	*date, *num;
} stamps[] = {
	{ 0,			0,		"01-Jan-1970 00:00",	"0" },
	{ -1,			1,		"31-Dec-1969 23:59",	"1" },
	{ 951782400,		1000000,	"29-Feb-2000 00:00",	"1000000" },
	{ INT64_MAX,		UINT64_MAX,	"31-Dec-9999 23:59",	"18446744073709551615" },
	{ INT64_MIN,		9999999999999999999u, "01-Jan-0000 00:00", "9999999999999999999" },
};
/* clang-format on */

START_TEST(html_stamps)
{
	char out[AUTOINDEX_HTML_LINE_MAX], want[AUTOINDEX_HTML_LINE_MAX];

	ck_assert_int_gt(autoindex_html_entry('f', stamps[_i].size, stamps[_i].mtime, "x", 1, out,
	    sizeof(out)), 0);
	expect_line(want, sizeof(want), "x", "x", 1, stamps[_i].date, stamps[_i].num);
	ck_assert_str_eq(out, want);
}
END_TEST

/* The worst name of NAME_MAX bytes fits the documented maximum; one byte less of room does not. */
START_TEST(html_limit)
{
	static const char worst[] = { '"', '\xff', ':', '\x01' };
	char name[NAME_MAX], out[AUTOINDEX_HTML_LINE_MAX], big[2 * AUTOINDEX_HTML_LINE_MAX];
	size_t k;

	for (k = 0; k < sizeof(worst); k++) {
		int n, m;

		memset(name, worst[k], sizeof(name));
		n = autoindex_html_entry('d', UINT64_MAX, INT64_MIN, name, sizeof(name), out,
		    sizeof(out));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(autoindex_html_entry('d', 0, 0, name, sizeof(name), big,
		    (size_t)n + 1), n);
		m = autoindex_html_entry('d', 0, 0, name, sizeof(name), big, (size_t)n);
		ck_assert_int_eq(m, -ENAMETOOLONG);
	}
	ck_assert_int_eq(autoindex_html_entry('f', 0, 0, "a", 1, out, 0), -ENAMETOOLONG);
	ck_assert_int_eq(autoindex_html_entry('f', 0, 0, "a", 1, out, 1), -ENAMETOOLONG);
}
END_TEST

START_TEST(html_head_tail)
{
	static char path[FS_PATH_MAX], out[AUTOINDEX_HTML_HEAD_MAX];
	int n;

	ck_assert_int_gt(autoindex_html_head("/", 1, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "<title>Index of /</title>"));
	ck_assert_ptr_null(strstr(out, "../"));		/* no parent above the root */
	ck_assert_int_gt(autoindex_html_head(H("/a<b>&\"c'/\xff/"), out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "<title>Index of /a&lt;b&gt;&amp;&quot;c&#39;/" FFFD
	    "/</title>"));
	ck_assert_ptr_nonnull(strstr(out, "<a href=\"../\">../</a>\n"));
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
	/* The longest path of the worst bytes fits. */
	memset(path, '"', sizeof(path));
	path[0] = '/';
	n = autoindex_html_head(path, sizeof(path) - 1, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(autoindex_html_head(path, sizeof(path) - 1, out, (size_t)n), -ENAMETOOLONG);
	n = autoindex_html_tail(out, sizeof(out));
	ck_assert_str_eq(out, "</pre><hr></body>\n</html>\n");
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_int_eq(autoindex_html_tail(out, (size_t)n), -ENAMETOOLONG);
	ck_assert_int_eq(autoindex_html_tail(out, (size_t)n + 1), n);
}
END_TEST

static const struct {
	const char	*name;
	size_t		 nlen;
	const char	*json;
/* clang-format off */
} jsons[] = {
	{ H("a.txt"),		"a.txt" },
	{ H("\"q\""),		"\\u0022q\\u0022" },
	{ H("a\\b"),		"a\\u005cb" },
	{ H("</script>"),	"</script>" },
	{ H("\xc3\xa9"),	"\xc3\xa9" },
	{ H("\xf0\x9f\x98\x80"),"\xf0\x9f\x98\x80" },
	{ H("\xff"),		"\\udcff" },		/* not UTF-8: surrogateescape */
	{ H("a\x80z"),		"a\\udc80z" },
	{ H("\xe2\x82"),	"\\udce2\\udc82" },
	{ H("\xc0\xaf"),	"\\udcc0\\udcaf" },
	{ H("\xed\xa0\x80"),	"\\udced\\udca0\\udc80" },
	{ H("\x01\x1f"),	"\\u0001\\u001f" },	/* C0: JSON's own escape */
	{ H("a\nb"),		"a\\u000ab" },
	{ H("a\0b"),		"a\\u0000b" },
	{ H("\x7f"),		"\x7f" },		/* DEL and C1 are valid in a JSON string */
	{ H("\xc2\x80"),	"\xc2\x80" },
	{ H(""),		"" },
};
/* clang-format on */

START_TEST(json_table)
{
	char out[AUTOINDEX_JSON_LINE_MAX], want[AUTOINDEX_JSON_LINE_MAX];
	int n;

	n = autoindex_json_entry(1, 'f', 1234, M, jsons[_i].name, jsons[_i].nlen, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "{\"name\":\"%s\",\"type\":\"file\",\"size\":1234,"
	    "\"mtime\":\"Sun, 06 Nov 1994 08:49:37 GMT\"}", jsons[_i].json);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(n, (int)strlen(want));
	n = autoindex_json_entry(0, 'd', 0, 0, jsons[_i].name, jsons[_i].nlen, out, sizeof(out));
	(void)snprintf(want, sizeof(want), ",\n{\"name\":\"%s\",\"type\":\"directory\",\"size\":0,"
	    "\"mtime\":\"Thu, 01 Jan 1970 00:00:00 GMT\"}", jsons[_i].json);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(n, (int)strlen(want));
}
END_TEST

START_TEST(json_limit)
{
	char name[NAME_MAX], out[AUTOINDEX_JSON_LINE_MAX];
	int n;

	memset(name, '"', sizeof(name));
	n = autoindex_json_entry(0, 'd', UINT64_MAX, INT64_MIN, name, sizeof(name), out,
	    sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(autoindex_json_entry(0, 'd', UINT64_MAX, INT64_MIN, name, sizeof(name),
	    out, (size_t)n), -ENAMETOOLONG);
	ck_assert_int_eq(autoindex_json_entry(0, 'd', UINT64_MAX, INT64_MIN, name, sizeof(name),
	    out, (size_t)n + 1), n);
}
END_TEST

/* ---- A strict reader of what we write, independent of autoindex.c (utf8check.h). ---- */

static int
hex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * Read a JSON string at s (after its opening quote) up to its closing
 * quote, decoding \udcXX back to byte XX as surrogateescape does.
 * Returns the bytes read through the closing quote, or 0 when invalid.
 */
static size_t
json_string(const char *s, size_t len, char *dec, size_t *declen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0, k;
	int v;

	while (i < len) {
		if (u[i] == '"') {
			*declen = n;
			return i + 1;
		}
		if (u[i] < 0x20)
			return 0;
		if (u[i] == '\\') {
			if (i + 6 > len || u[i + 1] != 'u' || (v = hex4(s + i + 2)) < 0)
				return 0;	/* we only ever write \uXXXX */
			if (v >= 0xdc80 && v <= 0xdcff)
				dec[n++] = (char)(v & 0xff);
			else if (v < 0x20 || v == '"' || v == '\\')
				dec[n++] = (char)v;
			else
				return 0;
			i += 6;
			continue;
		}
		if ((k = utf8_seq(u + i, len - i)) == 0)
			return 0;
		memcpy(dec + n, s + i, k);
		n += k, i += k;
	}
	return 0;
}

/* out is exactly {"name":"...","type":"file","size":N,"mtime":"..."}; *name gets the name. */
static bool
json_entry_valid(const char *out, size_t len, char *name, size_t *nlen)
{
	static const char tail[] = "\",\"type\":\"file\",\"size\":7,\"mtime\":\"Thu, 01 Jan 1970 "
	    "00:00:00 GMT\"}";
	size_t used;

	if (len < 9 || memcmp(out, "{\"name\":\"", 9) != 0)
		return false;
	if ((used = json_string(out + 9, len - 9, name, nlen)) == 0)
		return false;
	return len - 9 - used + 1 == sizeof(tail) - 1 &&
	    memcmp(out + 9 + used - 1, tail, sizeof(tail) - 1) == 0;
}

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

/* A random name: any bytes but '/', often near the UTF-8 lead and continuation ranges. */
static size_t
random_name(uint64_t *x, char *name)
{
	static const unsigned char pick[] = { 0x00, 0x01, 0x1f, '"', '\\', '<', '&', ':', 0x7f,
	    0x80, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 'a' };
	size_t n = next_rand(x) % NAME_MAX + 1, i;

	for (i = 0; i < n; i++) {
		uint64_t r = next_rand(x);

		name[i] = (char)(r & 1 ? (unsigned char)(r >> 8) : pick[(r >> 8) % sizeof(pick)]);
		if (name[i] == '/')	/* the one byte no name holds */
			name[i] = 'b';
	}
	return n;
}

/* Any bytes as a name: the JSON element is valid JSON and reads back as exactly those bytes. */
START_TEST(json_random)
{
	char name[NAME_MAX], out[AUTOINDEX_JSON_LINE_MAX], back[NAME_MAX + 1];
	uint64_t x = 88172645463325252u;
	int i;

	for (i = 0; i < 5000; i++) {
		size_t n = random_name(&x, name), blen = 0;
		int len = autoindex_json_entry(1, 'f', 7, 0, name, n, out, sizeof(out));

		ck_assert_int_gt(len, 0);
		ck_assert_int_eq(strlen(out), len);
		ck_assert_msg(json_entry_valid(out, (size_t)len, back, &blen), "invalid: %s", out);
		ck_assert_uint_eq(blen, n);
		ck_assert_int_eq(memcmp(back, name, n), 0);
	}
}
END_TEST

/*
 * Any bytes as a name: the HTML line is UTF-8, its href holds no byte
 * that ends the attribute and decodes to the name, its text holds no
 * markup, and the date starts at nginx's column or one space after a
 * longer name.
 */
START_TEST(html_random)
{
	char name[NAME_MAX], out[AUTOINDEX_HTML_LINE_MAX], dec[FS_NAME_ENC_MAX];
	uint64_t x = 0x2545f4914f6cdd1du;
	int i;

	for (i = 0; i < 5000; i++) {
		size_t n = random_name(&x, name), k, m, chars = 0;
		char type = i & 1 ? 'd' : 'f';
		int len = autoindex_html_entry(type, 7, 0, name, n, out, sizeof(out));
		const char *href, *hend, *text, *tend, *p;
		ssize_t dlen;

		ck_assert_int_gt(len, 0);
		for (k = 0; k < (size_t)len; k += m)
			if ((m = utf8_seq((unsigned char *)out + k, len - k)) == 0)
				ck_abort_msg("not UTF-8: %s", out);
		ck_assert_int_eq(memcmp(out, "<a href=\"", 9), 0);
		href = out + 9;
		hend = strchr(href, '"');
		ck_assert_ptr_nonnull(hend);
		for (p = href; p < hend; p++)
			if (*p <= 0x20 || *p >= 0x7f || strchr("<>'&\\`", *p) != NULL)
				ck_abort_msg("bad href byte: %s", out);
		if (hend[-1] == '/')
			ck_assert_int_eq(type, 'd');
		if (strncmp(href, "./", 2) == 0)
			href += 2;
		dlen = pct_decode(href, (size_t)(hend - href) - (type == 'd'), dec, sizeof(dec));
		if (memchr(name, '\0', n) == NULL) {	/* pct_decode refuses %00, rightly */
			ck_assert_int_eq(dlen, (ssize_t)n);
			ck_assert_int_eq(memcmp(dec, name, n), 0);
		}
		ck_assert_int_eq(memcmp(hend, "\">", 2), 0);
		text = hend + 2;
		tend = strstr(text, "</a>");
		ck_assert_ptr_nonnull(tend);
		for (p = text; p < tend; p++) {
			if (strchr("<>\"'", *p) != NULL || (unsigned char)*p < 0x20 || *p == 0x7f)
				ck_abort_msg("bad text byte: %s", out);
			chars += ((unsigned char)*p & 0xc0) != 0x80;
			if (*p == '&') {
				if (strncmp(p, "&amp;", 5) != 0 && strncmp(p, "&lt;", 4) != 0 &&
				    strncmp(p, "&gt;", 4) != 0 && strncmp(p, "&quot;", 6) != 0 &&
				    strncmp(p, "&#39;", 5) != 0)
					ck_abort_msg("bare &: %s", out);
				p = strchr(p, ';');
			}
		}
		p = tend + 4;
		k = strspn(p, " ");
		ck_assert_uint_ge(k, 1);
		ck_assert_uint_eq(chars + k, chars < COLUMN ? COLUMN : chars + 1);
		ck_assert_str_eq(p + k, type == 'd' ? "01-Jan-1970 00:00                   -\n" :
		    "01-Jan-1970 00:00                   7\n");
	}
}
END_TEST

/* clang-format off */
static const struct {
	const char	*s;
	size_t		 len;
	size_t		 n;
} seqs[] = {
	{ H("a"),			1 },
	{ H("\x7f"),			1 },
	{ H("\xc2\x80"),		2 },
	{ H("\xdf\xbf"),		2 },
	{ H("\xc3"),			0 },	/* truncated */
	{ H("\xc3("),			0 },
	{ H("\xc1\xbf"),		0 },	/* overlong */
	{ H("\xe0\x80\x80"),		0 },
	{ H("\xe0\x9f\xbf"),		0 },
	{ H("\xe0\xa0\x80"),		3 },
	{ H("\xed\x9f\xbf"),		3 },
	{ H("\xed\xa0\x80"),		0 },	/* surrogates */
	{ H("\xed\xbf\xbf"),		0 },
	{ H("\xef\xbf\xbf"),		3 },
	{ H("\xe2\x82"),		0 },
	{ H("\xf0\x8f\xbf\xbf"),	0 },
	{ H("\xf0\x90\x80\x80"),	4 },
	{ H("\xf4\x8f\xbf\xbf"),	4 },
	{ H("\xf4\x90\x80\x80"),	0 },	/* past U+10FFFF */
	{ H("\xf5\x80\x80\x80"),	0 },
	{ H("\xff"),			0 },
	{ H("\x80"),			0 },	/* a lone continuation */
	{ H("\xf0\x9f\x98"),		0 },
	{ "a",	0,			0 },	/* empty: nothing read */
	{ "\xc3\xa9", 1,		0 },	/* the length rules */
};
/* clang-format on */

START_TEST(utf8_table)
{
	ck_assert_uint_eq(autoindex_utf8_len((const unsigned char *)seqs[_i].s, seqs[_i].len),
	    seqs[_i].n);
}
END_TEST

/* autoindex's reader agrees with the independent one above on every 1-4 byte prefix pattern. */
START_TEST(utf8_agrees)
{
	unsigned char s[4];
	unsigned a, b;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			s[0] = (unsigned char)a, s[1] = (unsigned char)b, s[2] = 0x80 | (b & 0x3f);
			s[3] = 0x80 | (a & 0x3f);
			ck_assert_uint_eq(autoindex_utf8_len(s, 4), utf8_seq(s, 4));
			ck_assert_uint_eq(autoindex_utf8_len(s, 2), utf8_seq(s, 2));
			s[2] = 0x41;
			ck_assert_uint_eq(autoindex_utf8_len(s, 4), utf8_seq(s, 4));
		}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("autoindex");
	TCase *th = tcase_create("html");
	TCase *tj = tcase_create("json");
	TCase *tu = tcase_create("utf8");

	tcase_add_loop_test(th, html_table, 0, ARRAY_LEN(entries));
	tcase_add_loop_test(th, html_stamps, 0, ARRAY_LEN(stamps));
	tcase_add_test(th, html_limit);
	tcase_add_test(th, html_head_tail);
	tcase_add_test(th, html_random);
	tcase_add_loop_test(tj, json_table, 0, ARRAY_LEN(jsons));
	tcase_add_test(tj, json_limit);
	tcase_add_test(tj, json_random);
	tcase_add_loop_test(tu, utf8_table, 0, ARRAY_LEN(seqs));
	tcase_add_test(tu, utf8_agrees);
	suite_add_tcase(s, th);
	suite_add_tcase(s, tj);
	suite_add_tcase(s, tu);
	return s;
}
