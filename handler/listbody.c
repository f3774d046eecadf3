/*
 * A listing's body in one of three formats.  Its length goes in the header
 * before its first byte, so it is counted first, by formatting every line;
 * a body of at most LISTBODY_KEEP_MAX is kept as it is counted and sent
 * from there, a larger one is formatted again into a fixed buffer and sent
 * as it fills, never held whole.  Memory is the directory's entries and
 * names, and at most LISTBODY_KEEP_MAX of formatted text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
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

/* Where the lines go: counted (and kept, while they fit), or buffered and sent. */
struct sink {
	struct session	*s;		/* NULL: count, and keep in b while it fits */
	struct listbody	*b;
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

/* Stop keeping the body: it is counted only, and formatted again when sent. */
static void
drop(struct listbody *b)
{
	free(b->p);
	*b = (struct listbody){ .dropped = true };
}

/* Keep n more bytes of the body in b, or stop keeping it past LISTBODY_KEEP_MAX. */
static void
keep(struct listbody *b, const char *p, size_t n)
{
	size_t cap = b->cap == 0 ? CHUNK : b->cap;
	char *np;

	if (b->dropped)
		return;
	while (b->kept + n > cap)
		cap *= 2;
	if (cap > LISTBODY_KEEP_MAX) {
		drop(b);
		return;
	}
	if (cap != b->cap) {
		if ((np = realloc(b->p, cap)) == NULL) {
			drop(b);
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->kept, p, n);
	b->kept += n;
}

static void
put(struct sink *k, const char *p, int n)
{
	if (n <= 0)
		return;		/* names come from getdents: every line fits */
	k->total += (uint64_t)n;
	if (k->s == NULL) {
		keep(k->b, p, (size_t)n);
		return;
	}
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
    size_t len, const struct archive_census *census)
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
		put(k, line, census != NULL ? autoindex_html_tail_archive(census->files,
		    census->bytes, census->complete, line, sizeof(line)) :
		    autoindex_html_tail(line, sizeof(line)));
	else if (format == LISTBODY_JSON)
		put(k, "\n]\n", 3);
}

/* Protocol 1's body, counted by arithmetic: it is formatted once, as it is sent. */
static uint64_t
text_length(const struct dirlist *d)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < d->n; i++)
		total += listing_length(d->e[i].size, d->e[i].mtime, d->names + d->e[i].name,
		    d->e[i].len);
	return total;
}

uint64_t
listbody_prepare(struct listbody *b, const struct dirlist *d, enum listbody_format format,
    const char *path, size_t len, const struct archive_census *census)
{
	struct sink k = { .s = NULL, .b = b };

	*b = (struct listbody){ 0 };
	if (format == LISTBODY_TEXT) {
		b->dropped = true;
		return text_length(d);
	}
	emit(&k, d, format, path, len, census);
	return k.total;
}

int
listbody_send(struct session *s, struct listbody *b, const struct dirlist *d,
    enum listbody_format format, const char *path, size_t len,
    const struct archive_census *census)
{
	char buf[CHUNK];
	struct sink k = { .s = s, .buf = buf };

	if (!b->dropped)
		return reply_buffer(s, b->p, b->kept);	/* formatted once, while counted */
	emit(&k, d, format, path, len, census);
	flush(&k);
	return k.err;
}

void
listbody_free(struct listbody *b)
{
	drop(b);
}
