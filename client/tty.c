/*
 * Text bound for a terminal: control bytes in names masked, remote text
 * escaped for messages.  UTF-8 is decoded only far enough to tell a
 * continuation byte (0x80-0xBF, half of them C1 when alone) inside a
 * valid sequence from a stray one.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "fs-limits.h"
#include "log.h"
#include "pct.h"
#include "tty.h"

static bool
cont(unsigned char c, unsigned char lo, unsigned char hi)
{
	return c >= lo && c <= hi;
}

/*
 * Length of the valid UTF-8 sequence at s[0..left) (the Unicode
 * standard's table: no overlong forms, surrogates or code points past
 * U+10FFFF), or 0 when s does not start one.
 */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (left < n || !cont(s[1], lo, hi))
		return 0;
	for (i = 2; i < n; i++)
		if (!cont(s[i], 0x80, 0xbf))
			return 0;
	return n;
}

void
tty_mask(char *s, size_t len)
{
	unsigned char *u = (unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] < 0x80) {
			if (u[i] < 0x20 || u[i] == 0x7f)
				u[i] = '?';
			i++;
		} else if ((n = utf8_len(u + i, len - i)) == 0) {
			if (u[i] <= 0x9f)	/* a stray C1 byte */
				u[i] = '?';
			i++;
		} else {
			if (n == 2 && u[i] == 0xc2 && u[i + 1] <= 0x9f)
				u[i] = u[i + 1] = '?';	/* U+0080-U+009F */
			i += n;
		}
	}
}

ssize_t
tty_name(const char *s, size_t len, char *dst, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	char masked[FS_PATH_MAX];
	size_t i, n = 0;

	if (len >= sizeof(masked))
		return -ENAMETOOLONG;
	memcpy(masked, s, len);
	tty_mask(masked, len);	/* one rule for what a terminal would take as a control */
	for (i = 0; i < len; i++) {
		bool esc = masked[i] != s[i];

		if (n + (esc ? 3 : 1) >= size)
			return -ENAMETOOLONG;
		if (esc) {
			dst[n++] = '%';
			dst[n++] = hex[(unsigned char)s[i] >> 4];
			dst[n++] = hex[(unsigned char)s[i] & 0xf];
		} else {
			dst[n++] = s[i];
		}
	}
	dst[n] = '\0';
	return (ssize_t)n;
}

/*
 * log_escape()'s escaping, sparing spaces (and '%' in keep_pct) rather
 * than writing them as escapes: what a person reads on a terminal.
 */
static char *
show(const char *src, size_t len, char *dst, size_t dstsize, bool keep_pct)
{
	const struct pct_rule rule = { .spare = keep_pct ? " %" : " ", .cut = true };

	(void)pct_escape(src, len, &rule, dst, dstsize);	/* cut: fails only with no room at all */
	return dst;
}

/* log_escape() keeping spaces: a server's text for a terminal. */
char *
tty_show(const char *src, size_t len, char *dst, size_t dstsize)
{
	return show(src, len, dst, dstsize, false);
}

char *
tty_show_input(const char *src, size_t len, char *dst, size_t dstsize)
{
	return show(src, len, dst, dstsize, true);
}
