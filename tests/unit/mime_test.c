/* Content-Type by extension: the table, case, and names with no usable extension. */
#include <string.h>

#include "mime.h"
#include "unit.h"

#define BIN	"application/octet-stream"
#define TEXT	"text/plain; charset=utf-8"

/* Every row is a claim about a response header; len -1 means strlen(name). */
/* clang-format off */
static const struct {
	const char	*name;
	int		 len;
	const char	*type;
} cases[] = {
	{ "index.html",		-1,	"text/html; charset=utf-8" },
	{ "INDEX.HTM",		-1,	"text/html; charset=utf-8" },	/* case-insensitive */
	{ "a.TxT",		-1,	TEXT },
	{ "x.tar.gz",		-1,	"application/gzip" },		/* the last extension */
	{ "song.mp3",		-1,	"audio/mpeg" },
	{ "font.woff2",		-1,	"font/woff2" },
	{ "font.woff",		-1,	"font/woff" },
	{ "data.json",		-1,	"application/json" },		/* no charset: JSON is UTF-8 */
	{ "pic.svg",		-1,	"image/svg+xml" },
	{ "a.js",		-1,	"text/javascript; charset=utf-8" },
	{ "a.c",		-1,	TEXT },
	{ ".c",			-1,	TEXT },				/* a dot-name is its own extension */
	{ "README",		-1,	BIN },
	{ "a.",			-1,	BIN },				/* empty extension */
	{ ".",			-1,	BIN },
	{ "",			0,	BIN },				/* empty input */
	{ "a.htmlx",		-1,	BIN },				/* a prefix of an extension is not it */
	{ "a.htm",		-1,	"text/html; charset=utf-8" },
	{ "a.ht",		-1,	BIN },
	{ "dir.html/file",	-1,	BIN },				/* a dot before a '/' is not ours */
	{ "a/b.png",		-1,	"image/png" },
	{ "a.png\0.exe",	10,	BIN },				/* NUL: the length rules, not the NUL */
	{ "a.html",		5,	"text/html; charset=utf-8" },	/* the length rules: "a.htm" */
	{ "a.html",		4,	BIN },				/* "a.ht" */
	{ "a.\xff\xfe",		-1,	BIN },				/* non-UTF-8 extension */
	{ "a.\xc3\xa9",		-1,	BIN },
	{ "a.PnG",		-1,	"image/png" },
	{ "a.zst",		-1,	"application/zstd" },
};
/* clang-format on */

START_TEST(type_table)
{
	size_t len = cases[_i].len < 0 ? strlen(cases[_i].name) : (size_t)cases[_i].len;

	ck_assert_str_eq(mime_type(cases[_i].name, len), cases[_i].type);
}
END_TEST

/* Every prefix of a name is judged on its own bytes: no prefix of "photo.jpeg" is known. */
START_TEST(every_prefix)
{
	static const char name[] = "photo.jpeg";
	size_t len;

	for (len = 0; len < sizeof(name) - 1; len++)
		ck_assert_str_eq(mime_type(name, len), BIN);
	ck_assert_str_eq(mime_type(name, sizeof(name) - 1), "image/jpeg");
}
END_TEST

/* A name of NAME_MAX bytes, extension at the very end. */
START_TEST(long_name)
{
	char name[256];

	memset(name, 'a', sizeof(name));
	memcpy(name + 255 - 4, ".pdf", 4);
	ck_assert_str_eq(mime_type(name, 255), "application/pdf");
	memset(name, '.', sizeof(name));
	ck_assert_str_eq(mime_type(name, 255), BIN);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("type");

	tcase_add_loop_test(tc, type_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, every_prefix);
	tcase_add_test(tc, long_name);
	suite_add_tcase(s, tc);
	return s;
}
