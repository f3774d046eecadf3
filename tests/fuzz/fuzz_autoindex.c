/*
 * Listing entries for any name a file system can hold: the HTML line is
 * UTF-8 with no byte that ends its href or opens markup in its text, and
 * the JSON element reads back as exactly the name.
 */
#include <string.h>

#include "autoindex.h"
#include "fuzz.h"
#include "utf8check.h"

static void
assert_utf8(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n)
		FUZZ_ASSERT((n = utf8_seq((const unsigned char *)s + i, len - i)) > 0);
}

static void
check_html(char type, const char *name, size_t nlen)
{
	char out[AUTOINDEX_HTML_LINE_MAX];
	const char *href, *hend, *text, *tend, *p;
	size_t n = 0;
	int len = autoindex_html_entry(type, 42, 784111777, name, nlen, out, sizeof(out));

	FUZZ_ASSERT(len > 0 && (size_t)len < sizeof(out) && strlen(out) == (size_t)len);
	assert_utf8(out, (size_t)len);
	FUZZ_ASSERT(memcmp(out, "<a href=\"", 9) == 0 && out[len - 1] == '\n');
	FUZZ_ASSERT(memchr(out, '\n', (size_t)len - 1) == NULL);
	href = out + 9;
	hend = strchr(href, '"');
	FUZZ_ASSERT(hend != NULL && hend[1] == '>');
	/* "./" comes first when the name holds a ':' that could read as a scheme. */
	if (memchr(name, ':', nlen) != NULL) {
		FUZZ_ASSERT(strncmp(href, "./", 2) == 0);
		href += 2;
	}
	/* The href decodes to the name: nothing in it is raw but safe ASCII. */
	for (p = href; p < hend - (type == 'd'); p++) {
		FUZZ_ASSERT(*p > 0x20 && *p < 0x7f && strchr("<>\"'&\\`:", *p) == NULL);
		if (*p == '%') {
			FUZZ_ASSERT(hexval(p[1]) >= 0 && hexval(p[2]) >= 0);
			FUZZ_ASSERT(n < nlen && name[n] == (char)(hexval(p[1]) << 4 | hexval(p[2])));
			p += 2;
		} else {
			FUZZ_ASSERT(n < nlen && name[n] == *p);
		}
		n++;
	}
	FUZZ_ASSERT(n == nlen);
	text = hend + 2;
	tend = strstr(text, "</a>");
	FUZZ_ASSERT(tend != NULL);
	for (p = text; p < tend; p++)
		FUZZ_ASSERT(strchr("<>\"'", *p) == NULL && (unsigned char)*p >= 0x20 && *p != 0x7f);
	FUZZ_ASSERT(tend[4] == ' ');
}

/* The JSON string after "name":" decodes back to name, \udcXX being byte XX. */
static void
check_json(const char *name, size_t nlen)
{
	char out[AUTOINDEX_JSON_LINE_MAX];
	const char *p;
	size_t n = 0, k;
	int len = autoindex_json_entry(1, 'f', 42, 0, name, nlen, out, sizeof(out));

	FUZZ_ASSERT(len > 0 && (size_t)len < sizeof(out) && strlen(out) == (size_t)len);
	assert_utf8(out, (size_t)len);
	FUZZ_ASSERT(memcmp(out, "{\"name\":\"", 9) == 0);
	for (p = out + 9; *p != '"'; ) {
		FUZZ_ASSERT((unsigned char)*p >= 0x20);
		if (*p == '\\') {
			int v = 0, i;

			FUZZ_ASSERT(p[1] == 'u');
			for (i = 2; i < 6; i++) {
				FUZZ_ASSERT(hexval(p[i]) >= 0);
				v = v << 4 | hexval(p[i]);
			}
			FUZZ_ASSERT((v >= 0xdc80 && v <= 0xdcff) || v < 0x20 || v == '"' || v == '\\');
			FUZZ_ASSERT(n < nlen && (unsigned char)name[n] == (v & 0xff));
			n++;
			p += 6;
			continue;
		}
		k = utf8_seq((const unsigned char *)p, strlen(p));
		FUZZ_ASSERT(k > 0 && n + k <= nlen && memcmp(name + n, p, k) == 0);
		n += k;
		p += k;
	}
	FUZZ_ASSERT(n == nlen);
	FUZZ_ASSERT(strcmp(p, "\",\"type\":\"file\",\"size\":42,\"mtime\":"
	    "\"Thu, 01 Jan 1970 00:00:00 GMT\"}") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char head[AUTOINDEX_HTML_HEAD_MAX];
	const char *name = (const char *)data;
	size_t nlen = size > NAME_MAX ? NAME_MAX : size;
	int n;

	FUZZ_ASSERT(autoindex_utf8_len(data, size) <= (size < 4 ? size : 4));
	if (size > 0 && memchr(data, '/', nlen) == NULL) {	/* what a directory can hold */
		check_html('f', name, nlen);
		check_html('d', name, nlen);
		check_json(name, nlen);
	}
	if (size < FS_PATH_MAX) {
		n = autoindex_html_head(name, size, head, sizeof(head));
		FUZZ_ASSERT(n > 0 && strlen(head) == (size_t)n);
		assert_utf8(head, (size_t)n);
	}
	return 0;
}
