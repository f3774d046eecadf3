/*
 * One URL at a time: GET to an output (resuming when asked or retrying),
 * or LIST to a listing; --retry with backoff around both.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fget.h"
#include "io.h"
#include "log.h"
#include "tty.h"

#define RETRY_MAX_DELAY_S	60

/*
 * Send one request and read its answer header, reconnecting once when a
 * reused connection turns out to be gone (the server's idle timeout
 * closed it, with or without ERR 408): that is not the URL's failure.
 */
int
transfer_request(struct fget *f, const struct url *u, const char *line, size_t len,
    struct answer *a)
{
	int tries, r;

	for (tries = 0;; tries++) {
		bool reused;

		pool_use(f, u);
		if ((r = conn_get(&f->conn, u)) != 0)
			return r;
		reused = f->conn.answered > 0;
		if ((r = conn_send(&f->conn, line, len)) == 0)
			r = conn_answer(&f->conn, a);
		if (tries > 0 || !reused)
			return r;
		if (r == 0 && !a->ok && a->code == 408)
			continue;	/* conn_answer() closed it */
		if (r == FGET_EMPTY || r == FGET_SEND || r == FGET_RECV)
			continue;
		return r;
	}
}

int
transfer_error(struct fget *f, const struct url *u, const struct answer *a)
{
	char shown[512], text[FS_LOG_FIELD_MAX];
	bool listed = u->dir || f->opt->list;	/* LIST was sent, else STAT or GET */
	const char *hint = "";

	/* 400 is both "GET of a directory" and "LIST of a file": guess from the verb. */
	if (a->code == 400)
		hint = !listed ? " (a directory? end the URL with '/' to list it)" : u->dir ?
		    " (a file? drop the final '/' to download it)" :
		    " (a file? drop -l to download it)";
	f->last_err = a->code;
	log_msg(LOG_ERR, 0, "%s: %u %s%s", url_format(u, shown, sizeof(shown)), a->code,
	    tty_show(a->text, strlen(a->text), text, sizeof(text)), hint);
	return exitcode_err(a->code);
}

/*
 * Raw bytes for a terminal, as curl judges them: a NUL in what came.
 * Unless the user asked for the terminal with -o -, such a body is
 * refused rather than let it reprogram the terminal.
 */
static bool
binary_to_tty(const struct output *o, const char *buf, size_t n)
{
	if (!o->tty_guard || memchr(buf, '\0', n) == NULL)
		return false;
	log_msg(LOG_ERR, 0, "binary output can mess up your terminal; use '-o -' to write it "
	    "there anyway, or -o FILE or -O to save it");
	return true;
}

/* Copy the body to o, drawing progress; rm->size is the whole file's. */
int
transfer_body(struct fget *f, struct output *o, const struct remote *rm)
{
	struct progress p;
	bool bar = f->opt->progress && (f->agg == NULL || !f->agg->on) &&
	    !(o->kind == OUT_STREAM && isatty(o->fd));
	uint64_t start = o->pos;
	size_t n;
	int r = 0;

	progress_start(&p, bar, o->pos, rm->size);
	/* With several files, each bar says which (a single one is curl's bare bar). */
	if (f->opt->nurls > 1 || f->opt->recursive)
		progress_label(&p, o->label[0] != '\0' ? o->label : o->shown);
	f->conn.tick_ms = bar || f->agg != NULL ? PROGRESS_REDRAW_MS : 0;
	while (f->conn.body_left > 0) {
		if ((r = conn_body(&f->conn, f->buf, FGET_BUF_SIZE, &n)) != 0)
			break;
		if (binary_to_tty(o, f->buf, n)) {
			r = FGET_WRITE;
			break;
		}
		if ((r = output_write(o, f->buf, n)) != 0)
			break;
		progress_update(&p, o->pos);
		if (f->agg != NULL)
			progress_update(f->agg, f->agg_done + (o->pos - start));
	}
	f->conn.tick_ms = 0;
	if (f->agg != NULL)
		f->agg_done += o->pos - start;
	progress_end(&p, r == 0);
	return r;
}

/* STAT: what the file is now, to decide whether and where to resume. */
static int
stat_remote(struct fget *f, const struct url *u, struct remote *ret)
{
	char line[FS_LINE_MAX], shown[512];
	struct answer a;
	int n = snprintf(line, sizeof(line), "STAT %s", u->wire), r;

	if ((r = transfer_request(f, u, line, (size_t)n, &a)) != 0)
		return r;
	if (!a.ok)
		return transfer_error(f, u, &a);
	if (!a.has_type || !a.has_size || !a.has_mtime || a.body != 0) {
		log_msg(LOG_ERR, 0, "%s: malformed STAT answer", url_format(u, shown,
		    sizeof(shown)));
		conn_close(&f->conn);
		return FGET_WEIRD;
	}
	if (a.type == 'd') {
		log_msg(LOG_ERR, 0, "%s: is a directory (end the URL with '/' to list it)",
		    url_format(u, shown, sizeof(shown)));
		return FGET_SERVER;
	}
	ret->size = a.size;
	ret->mtime = a.mtime;
	return 0;
}

struct getstate {
	struct remote	rm;
	bool		known;		/* rm holds what the server said earlier */
	bool		changed;	/* ... and it no longer says so */
};

/*
 * Where this attempt starts: 0, the length of a NAME.part recorded for
 * the same size and mtime, or what a stream already received.  *ret_done
 * when the final name already holds the complete file.
 */
static int
get_offset(struct fget *f, const struct url *u, struct output *o, struct getstate *gs,
    uint64_t *ret_off)
{
	int r;

	*ret_off = 0;
	if (o->kind == OUT_STREAM) {
		*ret_off = o->pos;
		return 0;
	}
	if (!f->opt->resume && !gs->known)
		return 0;
	if ((r = stat_remote(f, u, &gs->rm)) != 0)
		return r;
	gs->known = true;
	if (output_complete(o, &gs->rm)) {
		log_msg(LOG_INFO, 0, "%s is complete already", o->shown);
		return -1;
	}
	*ret_off = output_part_offset(o, &gs->rm);
	return 0;
}

int
transfer_get_header(struct fget *f, const char *shown, const struct answer *a, uint64_t off)
{
	if (a->has_size && a->has_mtime && off <= a->size && a->body == a->size - off)
		return 0;
	log_msg(LOG_ERR, 0, "%s: malformed GET answer", shown);
	conn_close(&f->conn);
	return FGET_WEIRD;
}

/* The GET answer must promise exactly the rest of the file we expect. */
static int
get_check(struct fget *f, const struct url *u, const struct answer *a, struct getstate *gs,
    uint64_t off)
{
	char shown[512];
	int r;

	url_format(u, shown, sizeof(shown));
	if ((r = transfer_get_header(f, shown, a, off)) != 0)
		return r;
	if (gs->known && (a->size != gs->rm.size || a->mtime != gs->rm.mtime)) {
		/* Splicing two versions would make a file that never existed. */
		log_msg(LOG_ERR, 0, "%s: the remote file changed during the transfer", shown);
		conn_close(&f->conn);
		gs->changed = true;
		return FGET_PARTIAL;
	}
	gs->rm.size = a->size;
	gs->rm.mtime = a->mtime;
	gs->known = true;
	return 0;
}

static int
get_once(struct fget *f, const struct url *u, struct output *o, struct getstate *gs)
{
	char line[FS_LINE_MAX];
	struct answer a;
	uint64_t off;
	int n, r;

	conn_deadline(&f->conn);
	f->last_err = 0;
	if ((r = get_offset(f, u, o, gs, &off)) != 0)
		return r < 0 ? 0 : r;	/* r < 0: already complete, left alone */
	if (off > 0)
		n = snprintf(line, sizeof(line), "GET %s %" PRIu64, u->wire, off);
	else
		n = snprintf(line, sizeof(line), "GET %s", u->wire);
	if ((r = transfer_request(f, u, line, (size_t)n, &a)) != 0)
		return r;
	if (!a.ok)
		return transfer_error(f, u, &a);
	if ((r = get_check(f, u, &a, gs, off)) != 0)
		return r;
	if ((r = output_begin(o, off, &gs->rm)) != 0) {
		conn_close(&f->conn);	/* cheaper than reading a body nobody wants */
		return r;
	}
	if ((r = transfer_body(f, o, &gs->rm)) != 0) {
		conn_close(&f->conn);	/* the rest of a body is of no use */
		return r;
	}
	return output_finish(o, &gs->rm);
}

int
transfer_get(struct fget *f, const struct url *u, struct output *o)
{
	struct getstate gs = { .known = false };
	unsigned attempt;
	int r;

	for (attempt = 0;; attempt++) {
		if ((r = get_once(f, u, o, &gs)) != 0)
			output_abort(o);
		/* A stream cannot take back bytes of a version that changed. */
		if (r == 0 || (gs.changed && o->kind == OUT_STREAM) ||
		    !transfer_retry(f, u, attempt, r))
			return r;
		gs.changed = false;
	}
}

static int
list_once(struct fget *f, const struct url *u, struct output *o)
{
	char line[FS_LINE_MAX];
	struct answer a;
	int n, r;

	conn_deadline(&f->conn);
	f->last_err = 0;
	n = snprintf(line, sizeof(line), "LIST %s", u->wire);
	if ((r = transfer_request(f, u, line, (size_t)n, &a)) != 0)
		return r;
	if (!a.ok)
		return transfer_error(f, u, &a);
	if ((r = output_begin(o, 0, NULL)) != 0) {
		conn_close(&f->conn);
		return r;
	}
	if ((r = list_print(f, &a, o)) != 0)
		return r;
	return output_finish(o, NULL);
}

int
transfer_list(struct fget *f, const struct url *u, struct output *o)
{
	unsigned attempt;
	int r;

	for (attempt = 0;; attempt++) {
		if ((r = list_once(f, u, o)) != 0)
			output_abort(o);
		/* Lines already printed cannot be taken back: retry only before any. */
		if (r == 0 || o->pos > 0 || !transfer_retry(f, u, attempt, r))
			return r;
	}
}

static void
sleep_s(unsigned s)
{
	struct timespec ts = { .tv_sec = s }, left;

	/* No signal handlers exist, so EINTR only comes from a stop and continue. */
	while (nanosleep(&ts, &left) == -1 && errno == EINTR)
		ts = left;
}

bool
transfer_retry(struct fget *f, const struct url *u, unsigned attempt, int status)
{
	unsigned delay = attempt < 6 ? 1u << attempt : RETRY_MAX_DELAY_S;
	char shown[512];

	if (!exitcode_transient(status, f->last_err) || attempt >= f->opt->retry)
		return false;
	delay = delay < RETRY_MAX_DELAY_S ? delay : RETRY_MAX_DELAY_S;
	log_msg(LOG_WARNING, 0, "%s: transient problem, retrying in %u s (%" PRIu64 " left)",
	    url_format(u, shown, sizeof(shown)), delay, f->opt->retry - attempt - 1);
	conn_close(&f->conn);
	sleep_s(delay);
	return true;
}
