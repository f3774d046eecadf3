/*
 * A listing's body in one of three formats, never held whole: its length
 * is counted first, by formatting every line once without keeping it,
 * because the header states it before the first byte; then the lines are
 * formatted again into a fixed buffer and sent as it fills.  Memory is
 * the directory's entries and names, not its formatted text.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "autoindex.h"
#include "handler.h"
#include "listing.h"

/* What one write carries: large enough to amortise the call. */
#define CHUNK		(64 * 1024)
/* Room for one entry line of any format, or the HTML page's head. */
#define LINE_ROOM	(AUTOINDEX_HTML_HEAD_MAX > AUTOINDEX_HTML_LINE_MAX ? \
	AUTOINDEX_HTML_HEAD_MAX : AUTOINDEX_HTML_LINE_MAX)

_Static_assert(LISTING_LINE_MAX <= LINE_ROOM && AUTOINDEX_JSON_LINE_MAX <= LINE_ROOM,
    "every format's line fits the line buffer");

/* Where the lines go: counted only, or buffered and sent. */
struct sink {
	struct session	*s;		/* NULL: count only */
	char		*buf;		/* CHUNK bytes when sending */
	uint64_t	 total;
	size_t		 len;
	int		 err;
};

static void
flush(struct sink *k)
{
	int r;

	if (k->s != NULL && k->len > 0 && k->err == 0 && (r = reply_buffer(k->s, k->buf, k->len)) < 0)
		k->err = r;
	k->len = 0;
}

static void
put(struct sink *k, const char *p, int n)
{
	if (n <= 0)
		return;		/* names come from getdents: every line fits */
	k->total += (uint64_t)n;
	if (k->s == NULL)
		return;
	if (k->len + (size_t)n > CHUNK)
		flush(k);
	memcpy(k->buf + k->len, p, (size_t)n);	/* n <= LINE_ROOM < CHUNK */
	k->len += (size_t)n;
}

static int
entry_line(const struct dirlist *d, size_t i, enum listbody_format format, char *dst,
    size_t size)
{
	const struct dirlist_entry *e = &d->e[i];
	const char *name = d->names + e->name;

	switch (format) {
	case LISTBODY_HTML:
		return autoindex_html_entry(e->type, e->size, e->mtime, name, e->len, dst, size);
	case LISTBODY_JSON:
		return autoindex_json_entry(i == 0, e->type, e->size, e->mtime, name, e->len, dst,
		    size);
	case LISTBODY_TEXT:
		break;
	}
	return listing_format(e->type, e->size, e->mtime, name, e->len, dst, size);
}

/* Every byte of the body, in order, into k. */
static void
emit(struct sink *k, const struct dirlist *d, enum listbody_format format, const char *path,
    size_t len, bool archive)
{
	char line[LINE_ROOM];
	size_t i;

	if (format == LISTBODY_HTML)
		put(k, line, autoindex_html_head(path, len, line, sizeof(line)));
	else if (format == LISTBODY_JSON)
		put(k, "[\n", 2);
	for (i = 0; i < d->n && k->err == 0; i++)
		put(k, line, entry_line(d, i, format, line, sizeof(line)));
	if (format == LISTBODY_HTML)
		put(k, line, archive ? autoindex_html_tail_archive(line, sizeof(line)) :
		    autoindex_html_tail(line, sizeof(line)));
	else if (format == LISTBODY_JSON)
		put(k, "\n]\n", 3);
}

uint64_t
listbody_length(const struct dirlist *d, enum listbody_format format, const char *path,
    size_t len, bool archive)
{
	struct sink k = { .s = NULL };

	emit(&k, d, format, path, len, archive);
	return k.total;
}

int
listbody_send(struct session *s, const struct dirlist *d, enum listbody_format format,
    const char *path, size_t len, bool archive)
{
	char buf[CHUNK];
	struct sink k = { .s = s, .buf = buf };

	emit(&k, d, format, path, len, archive);
	flush(&k);
	return k.err;
}
