/*
 * Directory listings: the LIST body, parsed line by line with
 * listing_parse() (the server is untrusted), printed ls-like: names one a
 * line with '/' after directories, or --long columns.  On a terminal,
 * control bytes in names (C0, DEL, C1) print as '?' so a name cannot
 * drive the terminal (tty.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fget.h"
#include "listing.h"
#include "log.h"
#include "tty.h"

struct lister {
	struct fget	*f;
	struct output	*o;
	bool		 tty;
	size_t		 olen;
	char		 out[16384];
};

static int
flush(struct lister *l)
{
	int r = output_write(l->o, l->out, l->olen);

	l->olen = 0;
	return r;
}

static void
mtime_format(int64_t mtime, char *buf, size_t size)
{
	time_t t = (time_t)mtime;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		(void)snprintf(buf, size, "%" PRId64, mtime);
}

static int
entry_print(struct lister *l, const struct listing_entry *e)
{
	char name[NAME_MAX + 1], size[32], when[64];
	int n, r;

	memcpy(name, e->name, e->name_len + 1);
	if (l->tty)
		tty_mask(name, e->name_len);
	if (sizeof(l->out) - l->olen < NAME_MAX + 128 && (r = flush(l)) != 0)
		return r;
	if (!l->f->opt->long_list) {
		n = snprintf(l->out + l->olen, sizeof(l->out) - l->olen, "%s%s\n", name,
		    e->type == 'd' ? "/" : "");
	} else {
		if (l->f->opt->human)
			progress_size(e->size, size, sizeof(size));
		else
			(void)snprintf(size, sizeof(size), "%" PRIu64, e->size);
		mtime_format(e->mtime, when, sizeof(when));
		n = snprintf(l->out + l->olen, sizeof(l->out) - l->olen, "%c %*s %s %s%s\n",
		    e->type, l->f->opt->human ? 6 : 15, size, when, name,
		    e->type == 'd' ? "/" : "");
	}
	l->olen += (size_t)n;
	return 0;
}

struct body {
	struct fget	*f;
	list_each_fn	*each;
	void		*ctx;
	uint64_t	 entries;
};

/* Parse the complete lines in buf[0..len); *ret_used is what they took. */
static int
lines_parse(struct body *b, char *buf, size_t len, size_t *ret_used)
{
	struct listing_entry e;
	size_t used = 0;
	char *lf;
	int r;

	while ((lf = memchr(buf + used, '\n', len - used)) != NULL) {
		size_t n = (size_t)(lf - (buf + used));
		char shown[FS_LOG_FIELD_MAX];

		if (listing_parse(buf + used, n, &e) < 0) {
			log_msg(LOG_ERR, 0, "%s: malformed listing line: %s", b->f->conn.host,
			    tty_show(buf + used, n, shown, sizeof(shown)));
			return FGET_WEIRD;
		}
		if ((r = b->each(b->ctx, &e)) != 0)
			return r;
		b->entries++;
		used += n + 1;
	}
	*ret_used = used;
	return 0;
}

static int
body_parse(struct body *b)
{
	char *buf = b->f->buf;
	size_t have = 0, n, used;
	int r;

	while (b->f->conn.body_left > 0) {
		if ((r = conn_body(&b->f->conn, buf + have, FGET_BUF_SIZE - have, &n)) != 0)
			return r;
		have += n;
		if ((r = lines_parse(b, buf, have, &used)) != 0)
			return r;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have >= LISTING_LINE_MAX) {
			log_msg(LOG_ERR, 0, "%s: listing line too long", b->f->conn.host);
			return FGET_WEIRD;
		}
	}
	if (have > 0) {
		log_msg(LOG_ERR, 0, "%s: listing cut short", b->f->conn.host);
		return FGET_WEIRD;
	}
	return 0;
}

int
list_body(struct fget *f, const struct answer *a, list_each_fn *each, void *ctx)
{
	struct body b = { .f = f, .each = each, .ctx = ctx };
	int r;

	if ((r = body_parse(&b)) != 0) {
		conn_close(&f->conn);	/* a body read halfway leaves the stream unusable */
		return r;
	}
	if (a->has_entries && a->entries != b.entries) {
		log_msg(LOG_ERR, 0, "%s: listing has %" PRIu64 " entries, the header said %"
		    PRIu64, f->conn.host, b.entries, a->entries);
		return FGET_WEIRD;
	}
	return 0;
}

static int
print_each(void *ctx, const struct listing_entry *e)
{
	return entry_print(ctx, e);
}

int
list_print(struct fget *f, const struct answer *a, struct output *o)
{
	struct lister l = { .f = f, .o = o, .tty = o->kind == OUT_STREAM && isatty(o->fd) };
	int r;

	if ((r = list_body(f, a, print_each, &l)) != 0)
		return r;
	return flush(&l);
}
