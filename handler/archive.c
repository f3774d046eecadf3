/*
 * A directory as one tar archive (docs/http.md, "Archives").  The tree is
 * walked into a snapshot first, leaving out what a listing leaves out and
 * entering each directory once, so the archive's length, layout and ETag
 * are fixed before its first byte: it can carry a Content-Length, answer
 * a Range, and be resumed.  Then members stream: headers from a buffer,
 * each file opened beneath the root again, checked against the snapshot,
 * and sent by sendfile.  A file that changed closes the connection: a
 * short body, never an archive that mixes two versions of the tree.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "archive.h"
#include "httpcond.h"
#include "io.h"
#include "log.h"
#include "pct.h"
#include "tar.h"

/* Directories deeper than this below the archive's top are left out, as the walk's limit. */
#define DEPTH_MAX	256

struct snap_entry {
	uint64_t	size, dev, ino;
	int64_t		mtime;
	uint32_t	mtime_ns;
	uint32_t	parent;		/* its directory's entry; the top's is 0, itself */
	uint32_t	name;		/* offset in the name arena */
	uint16_t	path_len;	/* of its path in the archive */
	uint16_t	header;		/* bytes of its headers, once archive_length() ran */
	uint8_t		name_len;
	char		type;		/* 'f' or 'd' */
};

struct dir_id {
	uint64_t	dev, ino;
};

struct snapshot {
	struct session		*s;
	struct target		*t;	/* the components of the directory being read */
	struct snap_entry	*e;
	size_t			 n, cap;
	char			*names;
	size_t			 names_len, names_cap;
	struct dir_id		*seen;	/* directories entered: a hash set; ino 0 is a free slot */
	size_t			 seen_n, seen_cap;
	uint64_t		 max;	/* members at most: --max-entries, or a census's limit */
	uint64_t		 hash;	/* FNV-1a over everything that goes in: the ETag */
	int64_t			 newest;
};

static void
mix(struct snapshot *w, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		w->hash = (w->hash ^ b[i]) * 0x100000001b3ULL;
}

static size_t
slot_of(const struct dir_id *set, size_t cap, struct dir_id id)
{
	size_t i = (size_t)((id.ino * 0x9e3779b97f4a7c15ULL) ^ id.dev) & (cap - 1);

	while (set[i].ino != 0 && (set[i].ino != id.ino || set[i].dev != id.dev))
		i = (i + 1) & (cap - 1);
	return i;
}

/* 1 when the directory is new to the walk (it is recorded), 0 when seen before, or -ENOMEM. */
static int
seen_add(struct snapshot *w, const struct stat *st)
{
	struct dir_id id = { (uint64_t)st->st_dev, (uint64_t)st->st_ino }, *set;
	size_t i, cap;

	if (id.ino == 0)
		id.ino = UINT64_MAX;	/* no file system we know uses it; 0 marks a free slot */
	if (2 * (w->seen_n + 1) > w->seen_cap) {
		cap = w->seen_cap == 0 ? 64 : 2 * w->seen_cap;
		if ((set = calloc(cap, sizeof(*set))) == NULL)
			return -ENOMEM;
		for (i = 0; i < w->seen_cap; i++)
			if (w->seen[i].ino != 0)
				set[slot_of(set, cap, w->seen[i])] = w->seen[i];
		free(w->seen);
		w->seen = set;
		w->seen_cap = cap;
	}
	i = slot_of(w->seen, w->seen_cap, id);
	if (w->seen[i].ino != 0)
		return 0;
	w->seen[i] = id;
	w->seen_n++;
	return 1;
}

/* Record one member: -EFBIG past --max-entries, -ENOMEM. */
static int
snap_add(struct snapshot *w, uint32_t parent, const char *name, size_t nlen, char type,
    const struct stat *st)
{
	struct snap_entry *e;

	if (w->n >= w->max)
		return -EFBIG;
	if (dirlist_grow((void **)&w->e, &w->cap, w->n + 1, sizeof(*w->e)) < 0 ||
	    dirlist_grow((void **)&w->names, &w->names_cap, w->names_len + nlen + 1, 1) < 0)
		return -ENOMEM;
	e = &w->e[w->n];
	*e = (struct snap_entry){
		.size = type == 'f' && st->st_size > 0 ? (uint64_t)st->st_size : 0,
		.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
		.mtime = st->st_mtim.tv_sec, .mtime_ns = (uint32_t)st->st_mtim.tv_nsec,
		.parent = parent, .name = (uint32_t)w->names_len, .name_len = (uint8_t)nlen,
		.type = type,
		.path_len = (uint16_t)(w->n == 0 ? nlen : w->e[parent].path_len + 1 + nlen),
	};
	memcpy(w->names + w->names_len, name, nlen);
	w->names[w->names_len + nlen] = '\0';	/* names are also components to open */
	w->names_len += nlen + 1;
	mix(w, e, sizeof(*e));
	mix(w, name, nlen);
	if (e->mtime > w->newest)
		w->newest = e->mtime;
	w->n++;
	return 0;
}

static int walk_dir(struct snapshot *w, int dirfd, uint32_t self, unsigned depth);

/* A file's stat as the listing saw it (a link's is its target's): no second look. */
static void
listed_stat(const struct dirlist *d, size_t i, struct stat *st)
{
	struct dirlist_id id = dirlist_id(d, i);

	*st = (struct stat){ .st_dev = (dev_t)id.dev, .st_ino = (ino_t)id.ino,
	    .st_size = (off_t)d->e[i].size, .st_mode = S_IFREG };
	st->st_mtim.tv_sec = d->e[i].mtime;
	st->st_mtim.tv_nsec = id.mtime_ns;
}

/*
 * Entry i of directory d (dirfd, whose entry is parent), judged as a
 * listing judges it: a file as the listing saw it (the stream checks it
 * again), a directory opened beneath the root to be walked.  Gone since
 * it was listed, a directory seen before, a path too long: left out.
 */
static int
walk_entry(struct snapshot *w, const struct dirlist *d, size_t i, uint32_t parent,
    unsigned depth)
{
	const struct dirlist_entry *de = &d->e[i];
	const char *name = d->names + de->name;
	struct target *t = w->t;
	struct stat st;
	uint32_t self = (uint32_t)w->n;
	int fd, r = 0;

	if (w->e[parent].path_len + 2u + de->len >= TAR_PATH_MAX || t->n + 1 >= FS_COMP_MAX)
		return 0;
	if (de->type == 'f') {
		listed_stat(d, i, &st);
		return snap_add(w, parent, name, de->len, 'f', &st);
	}
	t->comp[t->n] = name;
	fd = confine_open(&w->s->root, t->comp, t->n + 1, de->type == 'd' ?
	    O_RDONLY | O_DIRECTORY | O_NONBLOCK : O_PATH);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && (de->type == 'd' ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) &&
	    (de->type != 'd' || (r = seen_add(w, &st)) == 1)) {
		r = snap_add(w, parent, name, de->len, de->type, &st);
		if (r == 0 && de->type == 'd' && depth < DEPTH_MAX) {
			t->n++;
			r = walk_dir(w, fd, self, depth + 1);
			t->n--;
		}
	}
	io_close_unwritten(fd);
	return r < 0 ? r : 0;
}

/* The members of d, whose entry is self, in protocol 1's order. */
static int
walk_entries(struct snapshot *w, const struct dirlist *d, uint32_t self,
    unsigned depth)
{
	size_t i;
	int r = 0;

	for (i = 0; i < d->n && r == 0; i++)
		r = walk_entry(w, d, i, self, depth);
	return r;
}

/* Every member beneath dirfd, whose entry is self. */
static int
walk_dir(struct snapshot *w, int dirfd, uint32_t self, unsigned depth)
{
	struct dirlist d;
	int r;

	if ((r = dirlist_load(w->s, dirfd, w->t, &d, true)) == 0)
		r = walk_entries(w, &d, self, depth);
	dirlist_free(&d);
	return r;
}

static void
snapshot_free(struct snapshot *w)
{
	free(w->e);
	free(w->names);
	free(w->seen);
}

/* Member i's path in the archive, "top/a/b", into dst (TAR_PATH_MAX bytes); its length. */
static size_t
member_path(const struct snapshot *w, size_t i, char *dst)
{
	size_t len = w->e[i].path_len, end = len;

	for (;;) {
		const struct snap_entry *e = &w->e[i];

		end -= e->name_len;
		memcpy(dst + end, w->names + e->name, e->name_len);
		if (i == 0)
			return len;
		dst[--end] = '/';
		i = e->parent;
	}
}

static void
member_of(const struct snapshot *w, size_t i, char *path, struct tar_member *m)
{
	const struct snap_entry *e = &w->e[i];

	*m = (struct tar_member){ .path = path, .path_len = member_path(w, i, path),
	    .type = e->type, .size = e->size, .mtime = e->mtime, .mtime_ns = e->mtime_ns };
}

/* Bytes member i takes in the archive: headers, data, padding. */
static uint64_t
member_span(const struct snapshot *w, size_t i)
{
	const struct snap_entry *e = &w->e[i];

	return e->header + (e->type == 'f' ? e->size + tar_padding(e->size) : 0);
}

/* The archive's length; each member's header size is kept for the stream. */
static uint64_t
archive_length(struct snapshot *w)
{
	uint64_t len = TAR_TRAILER;
	char path[TAR_PATH_MAX];
	struct tar_member m;
	size_t i;

	for (i = 0; i < w->n; i++) {
		member_of(w, i, path, &m);
		w->e[i].header = (uint16_t)tar_header_size(&m);	/* <= TAR_HEADER_MAX */
		len += member_span(w, i);
	}
	return len;
}

_Static_assert(TAR_HEADER_MAX <= UINT16_MAX, "a member's headers' size fits its field");

/* Headers, padding and small files are staged and sent in writes of this size. */
#define STAGE		(64 * 1024)
/* A file up to this size is copied into the stage: one write for many small files. */
#define SMALL_FILE	(16 * 1024)

/*
 * Where the stream stands in the archive, the part of it [first, end)
 * being sent, and what is staged for the next write.
 */
struct window {
	struct session	*s;
	uint64_t	 at, first, end;
	size_t		 len;
	char		 stage[STAGE];
};

/* Send what is staged; more says more bytes follow at once (MSG_MORE). */
static int
flush(struct window *win, bool more)
{
	int r = 0;

	if (win->len > 0)
		r = reply_part(win->s, win->stage, win->len, more);	/* a failure sets s->gone */
	win->len = 0;
	return r;
}

/* The part [*from, *to) of len bytes at win->at that falls in the window; false if none. */
static bool
overlap(const struct window *win, uint64_t len, uint64_t *from, uint64_t *to)
{
	*from = win->first > win->at ? win->first - win->at : 0;
	*to = win->end > win->at ? win->end - win->at : 0;
	if (*to > len)
		*to = len;
	return *from < *to;
}

/* The part of buf[0..len), which stands at win->at, that falls in the window, staged. */
static int
send_part(struct window *win, const char *buf, uint64_t len)
{
	uint64_t from, to;
	int r = 0;

	if (overlap(win, len, &from, &to)) {
		if (win->len + (to - from) > STAGE)
			r = flush(win, true);
		memcpy(win->stage + win->len, buf + from, (size_t)(to - from));	/* <= TAR_HEADER_MAX */
		win->len += (size_t)(to - from);
	}
	win->at += len;
	return r;
}

static int
send_zeros(struct window *win, uint64_t len)
{
	static const char zeros[TAR_TRAILER];

	return send_part(win, zeros, len);
}

/*
 * Open member i beneath the root again, by its components (the archive's
 * top directory's, then the names below it), and check it is what the
 * snapshot saw.  Returns the fd, or -ESTALE when it changed or vanished.
 */
static int
member_open(const struct snapshot *w, const struct target *top, size_t i)
{
	const struct snap_entry *e = &w->e[i];
	const char *comp[FS_COMP_MAX + 1];
	size_t n = top->n, j, k;
	struct stat st;
	int fd;

	for (j = i; j != 0; j = w->e[j].parent)
		n++;
	if (n > FS_COMP_MAX)
		return -ESTALE;		/* the walk let no such member in */
	memcpy(comp, top->comp, top->n * sizeof(*comp));
	for (j = i, k = n; j != 0; j = w->e[j].parent)
		comp[--k] = w->names + w->e[j].name;
	fd = confine_open(&w->s->root, comp, n, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -ESTALE;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == e->dev &&
	    (uint64_t)st.st_ino == e->ino && (uint64_t)st.st_size == e->size &&
	    st.st_mtim.tv_sec == e->mtime && (uint32_t)st.st_mtim.tv_nsec == e->mtime_ns)
		return fd;
	io_close_unwritten(fd);
	return -ESTALE;
}

/* Bytes [from, to) of a small file, read into the stage: -ENODATA when it came up short. */
static int
stage_file(struct window *win, int fd, uint64_t from, uint64_t to)
{
	ssize_t n;
	int r;

	if (win->len + (to - from) > STAGE && (r = flush(win, true)) < 0)
		return r;
	while (from < to) {
		n = pread(fd, win->stage + win->len, (size_t)(to - from), (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -ENODATA : -errno;
		win->len += (size_t)n;
		from += (uint64_t)n;
	}
	return 0;
}

/* Member i's data and padding, the part of them in the window. */
static int
send_data(const struct snapshot *w, const struct target *top, size_t i, struct window *win)
{
	char path[TAR_PATH_MAX], shown[FS_LOG_FIELD_MAX];
	uint64_t size = w->e[i].size, from, to;
	int fd, r = 0;

	if (overlap(win, size, &from, &to)) {
		if ((fd = member_open(w, top, i)) < 0) {
			log_escape(path, member_path(w, i, path), shown, sizeof(shown));
			log_msg(LOG_WARNING, 0, "%s: archive: %s changed since the walk, closing",
			    win->s->peer, shown);
			/*
			 * Its header is staged: send it, so the stream ends inside a member.
			 * Ending between two, it could pass for whole with a reader that
			 * does not insist on the two zero blocks (GNU tar does not).
			 */
			(void)flush(win, false);
			win->s->gone = true;
			return fd;
		}
		if (size <= SMALL_FILE) {
			if ((r = stage_file(win, fd, from, to)) == -ENODATA)
				log_msg(LOG_WARNING, 0, "%s: file shrank during transfer, closing",
				    win->s->peer);
		} else if ((r = flush(win, true)) == 0) {
			r = reply_file(win->s, fd, from, to - from);	/* a failure sets s->gone */
		}
		io_close_unwritten(fd);
		if (r < 0) {
			(void)flush(win, false);	/* end inside this member, as above */
			win->s->gone = true;
		}
	}
	win->at += size;
	return r < 0 ? r : send_zeros(win, tar_padding(size));
}

/* The archive's bytes [first, first + count), member by member. */
static void
archive_stream(struct session *s, const struct snapshot *w, const struct target *top,
    uint64_t first, uint64_t count)
{
	struct window *win;
	char hdr[TAR_HEADER_MAX], path[TAR_PATH_MAX];
	struct tar_member m;
	uint64_t span;
	size_t i;
	int r = 0;

	if ((win = malloc(sizeof(*win))) == NULL) {
		s->gone = true;		/* the header promised a body: closing is the only way out */
		return;
	}
	win->s = s, win->at = 0, win->first = first, win->end = first + count, win->len = 0;
	for (i = 0; i < w->n && r == 0 && win->at < win->end; i++) {
		span = member_span(w, i);
		if (win->at + span <= win->first) {
			win->at += span;	/* wholly before the window: not even formatted */
			continue;
		}
		member_of(w, i, path, &m);
		r = send_part(win, hdr, tar_header_format(&m, hdr));
		if (r == 0 && m.type == 'f')
			r = send_data(w, top, i, win);
	}
	if (r == 0 && win->at < win->end)
		r = send_zeros(win, TAR_TRAILER);
	if (r == 0)
		(void)flush(win, false);
	free(win);
}

/*
 * What RFC 8187 escapes besides the bytes the wire does: every printable
 * byte that is no attr-char (ALPHA, DIGIT and "!#$&+-.^_`|~").
 */
#define DISPOSITION_ESCAPED	"\"'()*,/:;<=>?@[\\]{}"

/* attachment; filename="NAME.tar", and filename* (RFC 6266, 8187) for a UTF-8 name. */
static void
disposition(struct httpreply *r, const char *name)
{
	char plain[NAME_MAX + 1], enc[3 * NAME_MAX + 1];
	size_t i, n = strlen(name);
	bool ascii = true;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		ascii &= c >= 0x20 && c < 0x7f;
		plain[i] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? (char)c : '_';
	}
	plain[n] = '\0';
	(void)pct_encode(name, n, DISPOSITION_ESCAPED, enc, sizeof(enc));	/* 3 * n + 1 fits */
	if (ascii || !tar_name_is_utf8(name, n))
		httpreply_add(r, "Content-Disposition: attachment; filename=\"%s.tar\"", plain);
	else
		httpreply_add(r, "Content-Disposition: attachment; filename=\"%s.tar\"; "
		    "filename*=UTF-8''%s.tar", plain, enc);
}

/* The walk, with what it needs set up; 0, or -errno (-EFBIG past --max-entries). */
static int
snapshot_take(struct snapshot *w, int dirfd, const char *top, const struct stat *st)
{
	int r;

	if ((r = seen_add(w, st)) < 0 || (r = snap_add(w, 0, top, strlen(top), 'd', st)) < 0)
		return r;
	if ((r = walk_dir(w, dirfd, 0, 0)) == -EFBIG)
		log_msg(LOG_ERR, 0, "%s: archive: more than %" PRIu64 " members (--max-entries)",
		    w->s->peer, w->s->opt->max_entries);
	return r;
}

void
archive_census(struct session *s, struct target *t, const struct stat *st,
    const struct dirlist *d, struct archive_census *ret)
{
	struct snapshot w = { .s = s, .t = t, .max = ARCHIVE_CENSUS_MAX };
	size_t i;
	int r;

	if ((r = seen_add(&w, st)) == 1)
		r = snap_add(&w, 0, ".", 1, 'd', st);
	if (r == 0)
		r = walk_entries(&w, d, 0, 0);
	*ret = (struct archive_census){ .complete = r == 0 };
	for (i = 0; i < w.n; i++)
		if (w.e[i].type == 'f')
			ret->files++, ret->bytes += w.e[i].size;
	snapshot_free(&w);
}

void
archive_answer(struct session *s, struct exchange *x, int dirfd, struct target *t,
    const struct stat *st)
{
	struct snapshot w = { .s = s, .t = t, .max = s->opt->max_entries,
	    .hash = 0xcbf29ce484222325ULL };
	const char *top = t->n > 0 ? t->comp[t->n - 1] : ARCHIVE_ROOT_NAME;
	char etag[64];
	uint64_t len, first, count;
	struct httpreply r;
	int code;

	if ((code = snapshot_take(&w, dirfd, top, st)) < 0) {
		httpreply_error(s, x, code == -EFBIG ? 500 : (int)status_from_errno(-code), NULL);
		snapshot_free(&w);
		return;
	}
	len = archive_length(&w);
	(void)snprintf(etag, sizeof(etag), "\"tar-%016" PRIx64 "-%" PRIx64 "\"", w.hash, len);
	code = httpreply_select(s, x, len, etag, w.newest, &first, &count);
	if (code != 0) {
		httpreply_start(&r, code, x->keep, x->http10);
		httpreply_add(&r, "Content-Type: application/x-tar");
		disposition(&r, top);
		httpreply_validators(&r, etag, w.newest, code, first, count, len);
		if (httpreply_send(s, &r, count, x->head ? 0 : count) == 0 && !x->head && count > 0)
			archive_stream(s, &w, t, first, count);
	}
	snapshot_free(&w);
}
