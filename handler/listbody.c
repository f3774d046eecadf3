/*
 * A listing's body in one of three formats, built whole in memory: its
 * length goes in the header before the first byte of it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "autoindex.h"
#include "handler.h"
#include "listing.h"

/* Room for one more entry line of any format. */
#define LINE_ROOM	(AUTOINDEX_HTML_LINE_MAX > LISTING_LINE_MAX ? AUTOINDEX_HTML_LINE_MAX : \
	LISTING_LINE_MAX)

static int
reserve(struct listbody *b, size_t room)
{
	size_t cap = b->cap;
	char *p;

	if (b->cap - b->len >= room)
		return 0;
	while (cap - b->len < room)
		cap = cap < 4096 ? 4096 : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
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

/* The text before the first entry and after the last, for each format. */
static int
frame(enum listbody_format format, bool head, const char *path, size_t len, struct listbody *b)
{
	const char *text = head ? "[\n" : "\n]\n";
	int n;

	if (format == LISTBODY_TEXT)
		return 0;
	if (reserve(b, format == LISTBODY_HTML ? AUTOINDEX_HTML_HEAD_MAX : 4) < 0)
		return -ENOMEM;
	if (format == LISTBODY_HTML) {
		n = head ? autoindex_html_head(path, len, b->p + b->len, b->cap - b->len) :
		    autoindex_html_tail(b->p + b->len, b->cap - b->len);
		if (n < 0)
			return n;
	} else {
		n = (int)strlen(text);
		memcpy(b->p + b->len, text, (size_t)n);
	}
	b->len += (size_t)n;
	return 0;
}

int
listbody_build(const struct dirlist *d, enum listbody_format format, const char *path,
    size_t len, struct listbody *b)
{
	size_t i;
	int n;

	*b = (struct listbody){ 0 };
	/*
	 * Sized for names that need no escaping, so a large plain listing is
	 * allocated once; reserve() doubles it for the rest.
	 */
	if (reserve(b, d->names_len + d->n * (format == LISTBODY_HTML ? 128 : 64) + 64) < 0 ||
	    frame(format, true, path, len, b) < 0)
		goto fail;
	for (i = 0; i < d->n; i++) {
		if (reserve(b, LINE_ROOM) < 0)
			goto fail;
		n = entry_line(d, i, format, b->p + b->len, b->cap - b->len);
		b->len += n < 0 ? 0 : (size_t)n;	/* names come from getdents: <= NAME_MAX */
	}
	if (frame(format, false, path, len, b) == 0)
		return 0;
fail:
	free(b->p);
	*b = (struct listbody){ 0 };
	return -ENOMEM;
}
