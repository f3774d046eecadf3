/*
 * GET and HEAD over HTTP (docs/http.md): a file with its validators,
 * preconditions and one range; a directory as a redirect to its name with
 * a slash, its --index file, or a listing in the format asked for.  Paths
 * are judged exactly as protocol 1 judges them (target.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "httpcond.h"
#include "httpreply.h"
#include "io.h"
#include "mime.h"
#include "pct.h"

/*
 * Bytes a Location's path escapes beyond those every path does: '\\', which
 * browsers read as '/' ("/\\evil.example/" would be "//evil.example/", another
 * host), and what would end or confuse the path: '?', '#', quotes, brackets.
 */
#define REDIRECT_ESCAPED	"\\?#\"'<>`{|}^[]"
/* A query longer than this is left out of a redirect rather than copied. */
#define REDIRECT_QUERY_MAX	1024

static void
answer_file(struct session *s, struct exchange *x, int fd, const struct stat *st,
    const char *name)
{
	struct http_version v = { .dev = st->st_dev, .ino = st->st_ino, .size = target_size(st),
	    .mtime = st->st_mtim.tv_sec, .mtime_ns = st->st_mtim.tv_nsec };
	struct httpreply r;
	uint64_t first, count;
	char etag[HTTPCOND_ETAG_MAX];
	int code;

	(void)httpcond_etag(&v, etag);
	if ((code = httpreply_select(s, x, v.size, etag, v.mtime, &first, &count)) == 0)
		return;
	httpreply_start(&r, code, x->keep, x->http10);
	httpreply_add(&r, "Content-Type: %s", mime_type(name, strlen(name)));
	httpreply_validators(&r, etag, v.mtime, code, first, count, v.size);
	if (x->head)
		(void)httpreply_send(s, &r, count, 0);
	else
		(void)httpreply_send_file(s, &r, fd, first, count);	/* a failure sets s->gone */
}

/* Whether the query holds only bytes a Location may carry as they are. */
static bool
query_copyable(struct http_slice q)
{
	size_t i;

	for (i = 0; i < q.len; i++)
		if ((unsigned char)q.s[i] >= 0x7f)
			return false;
	return q.len <= REDIRECT_QUERY_MAX;
}

/*
 * "/dir" names a directory: send the client to "/dir/", whose relative
 * links then resolve beneath it.  The Location is rebuilt from the
 * components, percent-encoded, so it is always a path on this host: a
 * request for "//evil.example" gets "/evil.example/", never
 * "//evil.example/".
 */
static void
redirect(struct session *s, struct exchange *x, const struct target *t)
{
	static const char field[] = "Location: ";
	char loc[sizeof(field) + 3 * FS_PATH_MAX + REDIRECT_QUERY_MAX + 4];
	struct http_slice q = x->req->query;
	size_t len = sizeof(field) - 1, i;
	ssize_t n;

	memcpy(loc, field, len);
	for (i = 0; i < t->n; i++) {
		loc[len++] = '/';
		n = pct_encode(t->comp[i], strlen(t->comp[i]), REDIRECT_ESCAPED, loc + len,
		    sizeof(loc) - len);
		if (n < 0) {
			httpreply_error(s, x, 414, NULL);
			return;
		}
		len += (size_t)n;
	}
	loc[len++] = '/';
	if (q.len > 0 && query_copyable(q)) {
		loc[len++] = '?';
		memcpy(loc + len, q.s, q.len);
		len += q.len;
	}
	loc[len] = '\0';
	httpreply_error(s, x, 301, loc);
}

static const struct {
	const char		*name;
	enum listbody_format	 format;
	const char		*type;
} formats[] = {
	{ "html", LISTBODY_HTML, "text/html; charset=utf-8" },
	{ "json", LISTBODY_JSON, "application/json" },
	{ "text", LISTBODY_TEXT, "text/plain; charset=utf-8" },
};

/* ?format= wins over Accept; -1 for a format we do not make (404). */
static int
listing_format_of(const struct http_request *req)
{
	static const enum listbody_format by_accept[] = {
		[HTTPCOND_HTML] = LISTBODY_HTML,
		[HTTPCOND_JSON] = LISTBODY_JSON,
		[HTTPCOND_TEXT] = LISTBODY_TEXT,
	};
	struct http_slice v;
	size_t i;

	if (!http_query_param(req->query, "format", &v))
		return (int)by_accept[httpcond_format(req->accept)];
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (v.len == strlen(formats[i].name) && memcmp(v.s, formats[i].name, v.len) == 0)
			return (int)formats[i].format;
	return -1;
}

static void
send_listing(struct session *s, struct exchange *x, const struct dirlist *d,
    enum listbody_format format, const struct archive_census *census)
{
	const char *path = x->req->path;
	size_t plen = x->req->path_len, i;
	struct listbody b;
	uint64_t len = listbody_prepare(&b, d, format, path, plen, census);
	struct httpreply r;

	for (i = 0; formats[i].format != format; i++)
		;
	x->code = 200;
	httpreply_start(&r, 200, x->keep, x->http10);
	httpreply_add(&r, "Content-Type: %s", formats[i].type);
	httpreply_add(&r, "Vary: Accept");
	httpreply_add(&r, "Cache-Control: no-cache");
	if (format == LISTBODY_HTML)
		httpreply_add(&r, "Content-Security-Policy: default-src 'none'; "
		    "style-src 'unsafe-inline'");
	if (httpreply_send(s, &r, len, x->head ? 0 : len) == 0 && !x->head && len > 0)
		(void)listbody_send(s, &b, d, format, path, plen, census);	/* sets s->gone */
	listbody_free(&b);
}

static void
answer_listing(struct session *s, struct exchange *x, int fd, struct target *t,
    const struct stat *st)
{
	int format = listing_format_of(x->req), r;
	/* An HTML page with the archive's button counts what the archive would hold. */
	bool census_due = format == LISTBODY_HTML && !s->opt->no_archive;
	struct archive_census census;
	struct dirlist d;

	if (format < 0) {
		httpreply_error(s, x, 404, NULL);
		return;
	}

	if ((r = dirlist_load(s, fd, t, &d, census_due)) < 0) {
		httpreply_error(s, x, r == -EFBIG ? 500 : (int)status_from_errno(-r), NULL);
	} else if (census_due) {
		archive_census(s, t, st, &d, &census);
		send_listing(s, x, &d, LISTBODY_HTML, &census);
	} else {
		send_listing(s, x, &d, (enum listbody_format)format, NULL);
	}
	dirlist_free(&d);
}

static bool
wants_archive(const struct http_request *req)
{
	struct http_slice v;

	return http_query_param(req->query, "format", &v) && v.len == 3 &&
	    memcmp(v.s, "tar", 3) == 0;
}

static void
answer_archive(struct session *s, struct exchange *x, int fd, struct target *t,
    const struct stat *st)
{
	if (s->opt->no_archive)
		httpreply_error(s, x, 404, NULL);	/* as if there were no such format */
	else
		archive_answer(s, x, fd, t, st);
}

/* --index NAME: the directory's NAME instead of its listing, when it is a regular file. */
static bool
answer_index(struct session *s, struct exchange *x, struct target *t)
{
	struct stat st;
	bool served = false;
	int fd;

	t->comp[t->n] = s->opt->index;
	fd = confine_open(&s->root, t->comp, t->n + 1, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		answer_file(s, x, fd, &st, s->opt->index);
		served = true;
	}
	io_close_unwritten(fd);
	return served;
}

void
httpget_answer(struct session *s, struct exchange *x)
{
	const struct http_request *req = x->req;
	bool slash = req->path[req->path_len - 1] == '/';
	enum fs_status status;
	struct target t;
	struct stat st;
	int fd = -1;

	/* O_NONBLOCK: opening a fifo that appeared after the check must not hang us. */
	status = target_open(s, req->path, req->path_len, &t, O_RDONLY | O_NONBLOCK | O_NOCTTY,
	    &fd, &st);
	if (status != FS_OK) {
		httpreply_error(s, x, (int)status, NULL);
		return;
	}
	if (S_ISDIR(st.st_mode) && !slash)
		redirect(s, x, &t);
	else if (S_ISDIR(st.st_mode) && wants_archive(req))
		answer_archive(s, x, fd, &t, &st);
	else if (S_ISDIR(st.st_mode) && (s->opt->index == NULL || !answer_index(s, x, &t)))
		answer_listing(s, x, fd, &t, &st);
	else if (!S_ISDIR(st.st_mode) && slash)
		httpreply_error(s, x, 404, NULL);	/* "file/" names no directory */
	else if (!S_ISDIR(st.st_mode))
		answer_file(s, x, fd, &st, t.n > 0 ? t.comp[t.n - 1] : "");
	io_close_unwritten(fd);
}
