/*
 * HTML and JSON listings.  The names are the file system's, which anyone
 * who can write beneath the root controls: every byte is escaped for the
 * context it lands in (href, HTML text, JSON string), and the output's
 * size is checked before each write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "autoindex.h"
#include "httpdate.h"
#include "pct.h"

/* The column nginx pads names to; the date starts one space after it. */
#define NAME_COLUMN	50

struct out {
	char	*p;
	size_t	 len, size;
	bool	 full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n >= o->size - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static int
done(struct out *o)
{
	if (o->full)
		return -ENAMETOOLONG;
	o->p[o->len] = '\0';
	return (int)o->len;
}

size_t
autoindex_utf8_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A code point a person should not be shown raw: C0, DEL, C1. */
static bool
is_control(const unsigned char *s, size_t n)
{
	return (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

/* name as HTML text; returns how many characters a person sees. */
static size_t
put_html_text(struct out *o, const char *name, size_t nlen)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, chars = 0, n;

	while (i < nlen) {
		n = autoindex_utf8_len(s + i, nlen - i);
		chars++;
		if (n == 0 || is_control(s + i, n)) {
			puts_(o, "\xef\xbf\xbd");	/* U+FFFD */
			i += n == 0 ? 1 : n;
			continue;
		}
		switch (s[i]) {
		case '&': puts_(o, "&amp;"); break;
		case '<': puts_(o, "&lt;"); break;
		case '>': puts_(o, "&gt;"); break;
		case '"': puts_(o, "&quot;"); break;
		case '\'': puts_(o, "&#39;"); break;
		default: put(o, name + i, n); break;
		}
		i += n;
	}
	return chars;
}

/* name as a relative href: percent-encoded, so no byte can end the attribute or the path. */
static void
put_href(struct out *o, const char *name, size_t nlen)
{
	char enc[FS_NAME_ENC_MAX];
	ssize_t n = pct_encode(name, nlen, "\"'<>&#?;:\\^`{|}[]", enc, sizeof(enc));

	if (n < 0) {
		o->full = true;
		return;
	}
	/* "a:b" would read as a scheme; "./a:b" is the same relative name. */
	if (memchr(name, ':', nlen) != NULL)
		puts_(o, "./");
	put(o, enc, (size_t)n);
}

int
autoindex_html_head(const char *path, size_t len, char *dst, size_t dstsize)
{
	struct out o = { dst, 0, dstsize, false };

	puts_(&o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Index of ");
	(void)put_html_text(&o, path, len);
	puts_(&o, "</title>\n<style>body{font-family:sans-serif;margin:1em 2%}"
	    "h1{font-size:1.3em;word-break:break-all}"
	    "pre{font-family:monospace;line-height:1.5;overflow-x:auto}</style></head>\n"
	    "<body>\n<h1>Index of ");
	(void)put_html_text(&o, path, len);
	puts_(&o, "</h1><hr><pre>");
	if (!(len == 1 && path[0] == '/'))
		puts_(&o, "<a href=\"../\">../</a>\n");
	return done(&o);
}

int
autoindex_html_tail(char *dst, size_t dstsize)
{
	struct out o = { dst, 0, dstsize, false };

	puts_(&o, "</pre><hr></body>\n</html>\n");
	return done(&o);
}

/*
 * A form, not a link: programs that mirror a listing follow every <a
 * href>, and would fetch each directory's archive beside its files.
 */
int
autoindex_html_tail_archive(char *dst, size_t dstsize)
{
	struct out o = { dst, 0, dstsize, false };

	puts_(&o, "</pre><hr><form method=\"get\"><input type=\"hidden\" name=\"format\" "
	    "value=\"tar\"><button type=\"submit\">Download this directory as one .tar"
	    "</button></form>\n</body>\n</html>\n");
	return done(&o);
}

/* "07-Dec-2026 04:13", as nginx shows dates, in UTC. */
static void
put_list_date(struct out *o, int64_t mtime)
{
	char d[HTTPDATE_LEN + 1], s[18];

	httpdate_format(mtime, d);	/* "Mon, 07 Dec 2026 04:13:56 GMT" */
	memcpy(s, d + 5, 2);
	s[2] = '-';
	memcpy(s + 3, d + 8, 3);
	s[6] = '-';
	memcpy(s + 7, d + 12, 4);
	s[11] = ' ';
	memcpy(s + 12, d + 17, 5);
	put(o, s, 17);
}

int
autoindex_html_entry(char type, uint64_t size, int64_t mtime, const char *name, size_t nlen,
    char *dst, size_t dstsize)
{
	struct out o = { dst, 0, dstsize, false };
	char num[24];
	size_t chars;
	int n;

	puts_(&o, "<a href=\"");
	put_href(&o, name, nlen);
	if (type == 'd')
		puts_(&o, "/");
	puts_(&o, "\">");
	chars = put_html_text(&o, name, nlen) + (type == 'd');
	if (type == 'd')
		puts_(&o, "/");
	puts_(&o, "</a>");
	/* At least one space: a name of 51 characters or more must not run into its date. */
	do
		puts_(&o, " ");
	while (++chars < NAME_COLUMN + 1);
	put_list_date(&o, mtime);
	if (type == 'd')
		n = snprintf(num, sizeof(num), " %19s\n", "-");
	else
		n = snprintf(num, sizeof(num), " %19" PRIu64 "\n", size);
	put(&o, num, (size_t)n);
	return done(&o);
}

/* name as the inside of a JSON string. */
static void
put_json_string(struct out *o, const char *name, size_t nlen)
{
	const unsigned char *s = (const unsigned char *)name;
	char esc[8];
	size_t i = 0, n;

	while (i < nlen) {
		n = autoindex_utf8_len(s + i, nlen - i);
		if (n == 0) {
			(void)snprintf(esc, sizeof(esc), "\\udc%02x", s[i]);
			put(o, esc, 6);
			i++;
		} else if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\') {
			(void)snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			put(o, esc, 6);
			i++;
		} else {
			put(o, name + i, n);
			i += n;
		}
	}
}

int
autoindex_json_entry(int first, char type, uint64_t size, int64_t mtime, const char *name,
    size_t nlen, char *dst, size_t dstsize)
{
	struct out o = { dst, 0, dstsize, false };
	char tail[96], date[HTTPDATE_LEN + 1];
	int n;

	puts_(&o, first ? "{\"name\":\"" : ",\n{\"name\":\"");
	put_json_string(&o, name, nlen);
	httpdate_format(mtime, date);
	n = snprintf(tail, sizeof(tail), "\",\"type\":\"%s\",\"size\":%" PRIu64 ",\"mtime\":\"%s\"}",
	    type == 'd' ? "directory" : "file", size, date);
	put(&o, tail, (size_t)n);
	return done(&o);
}
