/*
 * -r: mirror a directory tree over ONE connection, requests pipelined.
 * Names come from LIST answers, which listing_parse() already refuses when
 * they hold '/', or are "." or ".."; still every local directory is opened
 * component by component with O_NOFOLLOW beneath the top, so a symlink
 * found locally (or a hostile server) cannot steer a write elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fget.h"
#include "io.h"
#include "listing.h"
#include "log.h"
#include "pct.h"
#include "tty.h"

struct mitem {
	struct mitem	*next;
	bool		 dir;		/* LIST it; else GET it */
	struct remote	 rm;		/* a file's size and mtime, from the listing */
	uint64_t	 offset;	/* resume a file's NAME.part from here */
	char		*rel;		/* a directory's own path beneath the top, or a file's parent's */
	char		*name;		/* a file's name */
	char		 wire[];	/* the request path */
};

struct mqueue {
	struct mitem	*head, *tail;
	size_t		 n;
};

struct mirror {
	struct fget	*f;
	const struct url *u;
	int		 top;		/* the tree's top directory */
	struct mqueue	 todo;		/* not yet sent */
	struct mqueue	 sent;		/* sent, answers not yet read, in order */
	size_t		 sent_bytes;
	int		 status;	/* the first failure of a single entry */
	struct progress	 bar;		/* the tree's: files and bytes done of those known */
	uint64_t	 files, files_done;	/* to fetch, and fetched */
	uint64_t	 complete;	/* left alone: complete from an earlier run */
};

static void
q_push(struct mqueue *q, struct mitem *it)
{
	it->next = NULL;
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->n++;
}

static struct mitem *
q_pop(struct mqueue *q)
{
	struct mitem *it = q->head;

	if (it == NULL)
		return NULL;
	q->head = it->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->n--;
	return it;
}

static void
item_free(struct mitem *it)
{
	if (it == NULL)
		return;
	free(it->rel);
	free(it->name);
	free(it);
}

static void
q_clear(struct mqueue *q)
{
	struct mitem *it;

	while ((it = q_pop(q)) != NULL)
		item_free(it);
}

/* One item; wire is the request path, already encoded. */
static struct mitem *
item_new(const char *wire, size_t wlen, const char *rel, const char *name)
{
	struct mitem *it = calloc(1, sizeof(*it) + wlen + 1);

	if (it == NULL)
		return NULL;
	memcpy(it->wire, wire, wlen);
	it->rel = strdup(rel);
	it->name = strdup(name != NULL ? name : "");
	if (it->rel == NULL || it->name == NULL) {
		item_free(it);
		return NULL;
	}
	return it;
}

static void
mirror_fail(struct mirror *m, int status)
{
	if (m->status == 0)
		m->status = status;
}

/* rel beneath the top, walked a component at a time without following symlinks. */
static int
dir_open(int top, const char *rel)
{
	char buf[FS_PATH_MAX], *c, *save = NULL;
	int fd, next, err;

	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	if ((fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	for (c = strtok_r(buf, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		io_close_unwritten(fd);
		if (next == -1)
			return -err;
		fd = next;
	}
	return fd;
}

static char *
item_url(const struct mirror *m, const struct mitem *it, char *buf, size_t size)
{
	return url_format_wire(m->u, it->wire, buf, size);
}

/* A local path for messages: the output directory's view, "rel/name". */
static char *
item_shown(const struct mitem *it, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s%s%s", it->rel, it->rel[0] != '\0' ? "/" : "", it->name);
	return buf;
}

/* A local path made of the server's names, escaped for a message (a terminal reads it). */
static char *
rel_shown(const char *rel, char *buf, size_t size)
{
	return tty_show(rel, strlen(rel), buf, size);
}

static bool
ends_with(const char *name, size_t len, const char *tail)
{
	size_t tlen = strlen(tail);

	return len >= tlen && memcmp(name + len - tlen, tail, tlen) == 0;
}

/*
 * Names the mirror does not make, or NULL.  A dot-name, as -O refuses
 * one: a tree mirrored into a home directory must not let the server
 * write .bashrc or into .ssh.  And fget's own working names: the
 * download of NAME takes NAME.part and NAME.part.meta as its partial
 * file and its record, so a mirrored NAME.part would be overwritten.
 */
static const char *
name_refused(const char *name, size_t len)
{
	if (name[0] == '.')
		return "the name starts with '.'";
	if (ends_with(name, len, ".part") || ends_with(name, len, ".part.meta"))
		return "fget keeps its partial downloads under such names";
	return NULL;
}

static void
tree_label(struct mirror *m)
{
	char label[64];

	(void)snprintf(label, sizeof(label), "%" PRIu64 "/%" PRIu64 " files", m->files_done,
	    m->files);
	progress_label(&m->bar, label);
}

static void
item_error(struct mirror *m, const struct mitem *it, const struct answer *a)
{
	char shown[512], text[FS_LOG_FIELD_MAX];

	m->f->last_err = a->code;
	log_msg(LOG_ERR, 0, "%s: %u %s", item_url(m, it, shown, sizeof(shown)), a->code,
	    tty_show(a->text, strlen(a->text), text, sizeof(text)));
	mirror_fail(m, exitcode_err(a->code));
}

/* A file joins the tree's totals: its bytes, less what NAME.part holds already. */
static void
tree_count(struct mirror *m, const struct mitem *it)
{
	m->files++;
	m->bar.total += it->rm.size;
	m->bar.base += it->offset;
	m->f->agg_done += it->offset;
	tree_label(m);
}

struct wirepath {
	const char	*wire;
	size_t		 len;
};

struct listctx {
	struct mirror		*m;
	const struct mitem	*dir;
	int			 dfd;
};

/*
 * The pending queue is bounded: a server streaming an endless listing
 * would otherwise grow fget without limit, an item (~140 bytes) an entry.
 */
static int
queue_room(struct listctx *lc)
{
	char shown[512];

	if (lc->m->todo.n < FGET_QUEUE_MAX)
		return 0;
	log_msg(LOG_ERR, 0, "%s: more than %d entries waiting to be fetched, fget -r's limit; "
	    "mirror its subdirectories one at a time", item_url(lc->m, lc->dir, shown,
	    sizeof(shown)), FGET_QUEUE_MAX);
	return FGET_FAIL;
}

static int
dir_queue(struct listctx *lc, const char *name, const char *wire, size_t wlen,
    const char *rel)
{
	char shown[FS_LOG_FIELD_MAX];
	struct mitem *it;
	int r;

	if ((r = queue_room(lc)) != 0)
		return r;
	if (mkdirat(lc->dfd, name, 0777) == -1 && errno != EEXIST) {
		log_msg(LOG_ERR, errno, "cannot create directory %s", rel_shown(rel, shown,
		    sizeof(shown)));
		mirror_fail(lc->m, FGET_WRITE);
		return 0;
	}
	if ((it = item_new(wire, wlen, rel, NULL)) == NULL)
		return FGET_FAIL;
	it->dir = true;
	q_push(&lc->m->todo, it);
	return 0;
}

static int
file_queue(struct listctx *lc, const struct listing_entry *e, const char *name,
    const struct wirepath *w, const char *rel)
{
	struct remote rm = { .size = e->size, .mtime = e->mtime };
	struct output o;
	struct mitem *it;
	int r;

	if ((r = queue_room(lc)) != 0)
		return r;
	if ((r = output_prepare(&o, lc->dfd, name, false, rel)) != 0) {
		mirror_fail(lc->m, r);
		return 0;
	}
	if (output_complete(&o, &rm)) {
		lc->m->complete++;
		return 0;	/* same size and mtime: done on an earlier run */
	}
	if ((it = item_new(w->wire, w->len, lc->dir->rel, name)) == NULL)
		return FGET_FAIL;
	it->rm = rm;
	it->offset = output_part_offset(&o, &rm);
	q_push(&lc->m->todo, it);
	tree_count(lc->m, it);
	return 0;
}

/*
 * One entry of a listing: queue a LIST for a directory, a GET for a file
 * not yet here.  The local name is the remote one with control bytes
 * escaped (tty_name()): a name must not carry an escape sequence into
 * every later ls.
 */
static int
entry_queue(void *ctx, const struct listing_entry *e)
{
	struct listctx *lc = ctx;
	char wire[URL_WIRE_MAX + 1], rel[FS_PATH_MAX], shown[FS_LOG_FIELD_MAX];
	char name[NAME_MAX + 1];
	size_t dl = strlen(lc->dir->wire);
	ssize_t el = pct_encode(e->name, e->name_len, "?#", wire + dl, sizeof(wire) - dl - 1);
	ssize_t nl = tty_name(e->name, e->name_len, name, sizeof(name));
	int n = snprintf(rel, sizeof(rel), "%s%s%s", lc->dir->rel,
	    lc->dir->rel[0] != '\0' ? "/" : "", nl >= 0 ? name : "");
	const char *why;

	if (el < 0 || nl < 0 || n < 0 || (size_t)n >= sizeof(rel)) {
		log_msg(LOG_ERR, ENAMETOOLONG, "skipping %s/%s", rel_shown(lc->dir->rel, shown,
		    sizeof(shown)), nl < 0 ? "(a name once its control bytes are escaped)" :
		    "...");
		mirror_fail(lc->m, FGET_WRITE);
		return 0;
	}
	if ((why = name_refused(name, (size_t)nl)) != NULL) {
		log_msg(LOG_ERR, 0, "skipping %s: %s", rel_shown(rel, shown, sizeof(shown)), why);
		mirror_fail(lc->m, FGET_WRITE);
		return 0;
	}
	memcpy(wire, lc->dir->wire, dl);
	if (e->type == 'd') {
		wire[dl + (size_t)el] = '/';
		return dir_queue(lc, name, wire, dl + (size_t)el + 1, rel);
	}
	return file_queue(lc, e, name, &(struct wirepath){ wire, dl + (size_t)el }, rel);
}

static int
mirror_list(struct mirror *m, const struct mitem *it, const struct answer *a)
{
	struct listctx lc = { .m = m, .dir = it };
	char shown[FS_LOG_FIELD_MAX];
	int r;

	if (!a->ok) {
		item_error(m, it, a);
		return 0;
	}
	if ((lc.dfd = dir_open(m->top, it->rel)) < 0) {
		log_msg(LOG_ERR, -lc.dfd, "cannot open directory %s", rel_shown(it->rel, shown,
		    sizeof(shown)));
		mirror_fail(m, FGET_WRITE);
		return conn_skip(&m->f->conn);
	}
	r = list_body(m->f, a, entry_queue, &lc);
	io_close_unwritten(lc.dfd);
	return r;
}

/* A file's body went wrong locally: keep the pipelined stream in step. */
static int
file_skip(struct mirror *m, int status, int dfd)
{
	mirror_fail(m, status);
	if (dfd >= 0)
		io_close_unwritten(dfd);
	return m->f->conn.st.fd >= 0 ? conn_skip(&m->f->conn) : status;
}

/* The remote file changed since its listing: its NAME.part must start over. */
static int
file_requeue(struct mirror *m, const struct mitem *it, const struct answer *a)
{
	struct mitem *again = item_new(it->wire, strlen(it->wire), it->rel, it->name);
	char shown[512];

	log_msg(LOG_WARNING, 0, "%s changed since it was listed; starting it over",
	    item_url(m, it, shown, sizeof(shown)));
	if (again == NULL)
		return FGET_FAIL;
	m->bar.total = m->bar.total - it->rm.size + a->size;
	m->bar.base -= it->offset;
	m->f->agg_done -= it->offset;
	again->rm.size = a->size;
	again->rm.mtime = a->mtime;
	q_push(&m->todo, again);
	return conn_skip(&m->f->conn);
}

static int
mirror_file(struct mirror *m, struct mitem *it, const struct answer *a)
{
	char shown[FS_PATH_MAX + NAME_MAX + 2];
	struct output o;
	int dfd, r;

	if (!a->ok) {
		item_error(m, it, a);
		return 0;
	}
	if ((r = transfer_get_header(m->f, item_url(m, it, shown, sizeof(shown)), a,
	    it->offset)) != 0)
		return r;
	if (it->offset > 0 && (a->size != it->rm.size || a->mtime != it->rm.mtime))
		return file_requeue(m, it, a);
	it->rm.size = a->size;
	it->rm.mtime = a->mtime;
	if ((dfd = dir_open(m->top, it->rel)) < 0) {
		log_msg(LOG_ERR, -dfd, "cannot open directory %s", rel_shown(it->rel, shown,
		    sizeof(shown)));
		return file_skip(m, FGET_WRITE, -1);
	}
	item_shown(it, shown, sizeof(shown));
	if ((r = output_prepare(&o, dfd, it->name, false, shown)) != 0 ||
	    (r = output_begin(&o, it->offset, &it->rm)) != 0)
		return file_skip(m, r, dfd);
	if ((r = transfer_body(m->f, &o, &it->rm)) != 0) {
		output_abort(&o);
		if (r == FGET_WRITE)
			return file_skip(m, r, dfd);
		io_close_unwritten(dfd);
		return r;
	}
	if ((r = output_finish(&o, &it->rm)) != 0)
		mirror_fail(m, r);
	else
		m->files_done++;
	tree_label(m);
	io_close_unwritten(dfd);
	return 0;
}

static int
request_line(const struct mitem *it, char *line, size_t size)
{
	if (it->dir)
		return snprintf(line, size, "LIST %s", it->wire);
	if (it->offset > 0)
		return snprintf(line, size, "GET %s %" PRIu64, it->wire, it->offset);
	return snprintf(line, size, "GET %s", it->wire);
}

/*
 * Keep up to FGET_PIPELINE_MAX requests in flight, and no more request
 * bytes than socket buffers surely hold: we do not read while we write,
 * and the server does not read while it writes a body we are not reading.
 */
static int
mirror_send(struct mirror *m)
{
	char line[FS_LINE_MAX];

	while (m->todo.head != NULL && m->sent.n < FGET_PIPELINE_MAX) {
		int n = request_line(m->todo.head, line, sizeof(line)), r;

		if (m->sent.n > 0 && m->sent_bytes + (size_t)n + 1 > FGET_PIPELINE_BYTES)
			break;
		if ((r = conn_send(&m->f->conn, line, (size_t)n)) != 0)
			return r;
		m->sent_bytes += (size_t)n + 1;
		q_push(&m->sent, q_pop(&m->todo));
	}
	return 0;
}

static int
mirror_once(struct mirror *m, struct mitem *root)
{
	char line[FS_LINE_MAX];
	struct answer a;
	struct mitem *it;
	int n = request_line(root, line, sizeof(line)), r;

	conn_deadline(&m->f->conn);	/* -m covers the whole tree */
	m->f->last_err = 0;
	/* The first request reconnects once if a reused connection has gone. */
	if ((r = transfer_request(m->f, m->u, line, (size_t)n, &a)) != 0)
		return r;
	if ((r = mirror_list(m, root, &a)) != 0)
		return r;
	for (;;) {
		if ((r = mirror_send(m)) != 0)
			return r;
		if ((it = q_pop(&m->sent)) == NULL)
			return 0;
		m->sent_bytes -= (size_t)request_line(it, line, sizeof(line)) + 1;
		if ((r = conn_answer(&m->f->conn, &a)) == 0)
			r = it->dir ? mirror_list(m, it, &a) : mirror_file(m, it, &a);
		item_free(it);
		if (r != 0)
			return r;
	}
}

/*
 * The tree's top: the output directory itself for the server's root,
 * else a directory named after the URL's last segment inside it.
 */
static int
top_open(const struct url *u, int outdir, const char *shown, int *ret_fd)
{
	char name[NAME_MAX + 1];
	const char *end = u->path + u->path_len, *start;
	size_t len;
	int fd;

	while (end > u->path && end[-1] == '/')
		end--;
	for (start = end; start > u->path && start[-1] != '/'; start--)
		;
	len = (size_t)(end - start);
	if (len == 0) {
		fd = openat(outdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else if (len > NAME_MAX || *start == '.') {
		log_msg(LOG_ERR, 0, "%s: refusing to make a local directory of a name that "
		    "starts with '.'", shown);
		return FGET_URL;
	} else {
		memcpy(name, start, len);
		name[len] = '\0';
		if (mkdirat(outdir, name, 0777) == -1 && errno != EEXIST)
			fd = -1;
		else
			fd = openat(outdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1) {
		log_msg(LOG_ERR, errno, "%s: cannot make its local directory", shown);
		return FGET_WRITE;
	}
	*ret_fd = fd;
	return 0;
}

/* The tree's closing line, as wget's "Downloaded: N files": what came, how fast. */
static void
tree_summary(const struct mirror *m, const char *shown)
{
	char size[16], rate[16], t[16], skipped[64] = "";
	int64_t ms = io_now_ms() - m->bar.t0;
	double secs = ms > 0 ? (double)ms / 1000 : 0.001;
	uint64_t got = m->f->agg_done - m->bar.base;

	progress_size(got, size, sizeof(size));
	progress_size((uint64_t)((double)got / secs), rate, sizeof(rate));
	progress_time(secs, t, sizeof(t));
	if (m->complete > 0)
		(void)snprintf(skipped, sizeof(skipped), "; %" PRIu64 " complete already",
		    m->complete);
	log_msg(LOG_NOTICE, 0, "%s: %" PRIu64 " of %" PRIu64 " files, %s in %s (%s/s)%s",
	    shown, m->files_done, m->files, size, t, rate, skipped);
}

/* One walk of the tree, its bar and its counts started afresh. */
static int
mirror_attempt(struct mirror *m, const char *wire)
{
	struct mitem *root;
	int r;

	if ((root = item_new(wire, strlen(wire), "", NULL)) == NULL)
		return FGET_FAIL;
	root->dir = true;
	m->status = 0;	/* each attempt walks the whole tree again */
	m->files = m->files_done = m->complete = 0;
	m->f->agg_done = 0;
	/* One bar for the tree; -v keeps a bar per file instead. */
	progress_start(&m->bar, m->f->opt->progress && !m->f->opt->verbose, 0, 0);
	m->bar.files = true;
	tree_label(m);
	m->f->agg = &m->bar;
	if ((r = mirror_once(m, root)) != 0)
		conn_close(&m->f->conn);	/* requests in flight may still be owed answers */
	progress_update(&m->bar, m->f->agg_done);
	progress_end(&m->bar, r == 0);
	m->f->agg = NULL;
	item_free(root);
	q_clear(&m->todo);
	q_clear(&m->sent);
	m->sent_bytes = 0;
	return r;
}

int
mirror_run(struct fget *f, const struct url *u, int outdir)
{
	struct mirror m = { .f = f, .u = u };
	char shown[512], wire[URL_WIRE_MAX + 2];
	unsigned attempt;
	int r;

	url_format(u, shown, sizeof(shown));
	memcpy(wire, u->wire, u->wire_len + 1);
	if (!u->dir)
		memcpy(wire + u->wire_len, "/", 2);	/* -r lists it whatever the URL says */
	if (strlen(wire) > URL_WIRE_MAX) {
		log_msg(LOG_ERR, ENAMETOOLONG, "%s", shown);
		return FGET_URL;
	}
	if ((r = top_open(u, outdir, shown, &m.top)) != 0)
		return r;
	for (attempt = 0;; attempt++) {
		r = mirror_attempt(&m, wire);
		if (r == 0 || !transfer_retry(f, u, attempt, r))
			break;
	}
	if (r == 0)
		tree_summary(&m, shown);
	io_close_unwritten(m.top);
	return r != 0 ? r : m.status;
}
