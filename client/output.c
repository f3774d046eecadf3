/*
 * Where downloaded bytes go.  A regular file is written as NAME.part and
 * renamed into place only when every byte arrived, so the final name never
 * holds a truncated file.  What the server said about the file (size and
 * mtime) is recorded on NAME.part, in the xattrs user.filesvc.size and
 * user.filesvc.mtime, or in a sidecar NAME.part.meta where the file system
 * has no user xattrs; -C - resumes only when the server still says the same.
 * Names are opened beneath a directory fd with O_NOFOLLOW: a symlink planted
 * as NAME.part is refused, one planted as NAME is replaced, never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fget.h"
#include "io.h"
#include "log.h"
#include "parse.h"
#include "tty.h"

#define XATTR_SIZE	"user.filesvc.size"
#define XATTR_MTIME	"user.filesvc.mtime"
#define SIDECAR		".meta"
#define HOLE_BLOCK	4096	/* zero blocks this size, aligned, become holes */

void
output_stdout(struct output *o, bool asked)
{
	memset(o, 0, sizeof(*o));
	o->kind = OUT_STREAM;
	o->fd = STDOUT_FILENO;
	o->tty_guard = !asked && isatty(STDOUT_FILENO);
	o->dirfd = -1;
	(void)snprintf(o->shown, sizeof(o->shown), "stdout");
}

/*
 * An existing name that is not a regular file (a device such as
 * /dev/null or /dev/full, a fifo) is written as it is, when the user
 * named it with -o (in_place): there is nothing to rename over.
 */
static int
open_in_place(struct output *o)
{
	struct stat st, out;
	int fd;

	if (fstatat(o->dirfd, o->name, &st, 0) == -1)
		return 0;
	/* -o /dev/stdout, /proc/self/fd/1: never a NAME.part beside a magic link. */
	if (fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
		o->kind = OUT_STREAM;
		o->fd = STDOUT_FILENO;
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		log_msg(LOG_ERR, 0, "cannot write to %s: Is a directory", o->shown);
		return FGET_WRITE;
	}
	if ((fd = openat(o->dirfd, o->name, O_WRONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		log_msg(LOG_ERR, errno, "cannot open %s", o->shown);
		return FGET_WRITE;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->kind = OUT_STREAM;
		o->fd = fd;
		return 0;
	}
	io_close_unwritten(fd);	/* replaced by a regular file meanwhile: use NAME.part */
	return 0;
}

/*
 * The working name: NAME.part, or, when that would pass NAME_MAX (a
 * remote name of 251 to 255 bytes is legal), the name cut short with a
 * hash of the whole of it, "PREFIX~HASH.part", room left for ".meta".
 * The hash keeps two long names with one prefix apart; the rename when
 * complete still gives the file its full name.
 */
static void
part_name(struct output *o, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;	/* FNV-1a */
	size_t i, keep = NAME_MAX - sizeof(SIDECAR ".part~0123456789abcdef") + 1;

	if (len + sizeof(".part") - 1 <= NAME_MAX) {
		memcpy(o->part, o->name, len);
		memcpy(o->part + len, ".part", sizeof(".part"));
		return;
	}
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)o->name[i]) * 0x100000001b3u;
	/* Not in the middle of a UTF-8 sequence: the prefix stays readable. */
	while (keep > 0 && ((unsigned char)o->name[keep] & 0xc0) == 0x80)
		keep--;
	(void)snprintf(o->part, sizeof(o->part), "%.*s~%016" PRIx64 ".part", (int)keep, o->name,
	    h);
	log_msg(LOG_INFO, 0, "%s: the name is too long for a .part beside it: writing it as %s "
	    "until complete", o->shown, o->part);
}

/* The working file for messages: shown's directory part, then the part name. */
static void
part_shown(struct output *o, const char *shown)
{
	const char *slash = strrchr(shown, '/');
	char raw[sizeof(o->shown_part)];

	(void)snprintf(raw, sizeof(raw), "%.*s%s", slash != NULL ? (int)(slash + 1 - shown) : 0,
	    shown, o->part);	/* cut to fit: only for messages */
	tty_show(raw, strlen(raw), o->shown_part, sizeof(o->shown_part));
}

int
output_prepare(struct output *o, int dirfd, const char *name, bool in_place, const char *shown)
{
	size_t len = strlen(name);

	memset(o, 0, sizeof(*o));
	o->kind = OUT_FILE;
	o->fd = -1;
	o->dirfd = dirfd;
	/* Remote names may hold any byte but '/': escaped before they reach a terminal. */
	tty_show(shown, strlen(shown), o->shown, sizeof(o->shown));
	if (len > NAME_MAX) {
		log_msg(LOG_ERR, ENAMETOOLONG, "cannot write %s", o->shown);
		return FGET_WRITE;
	}
	memcpy(o->name, name, len + 1);
	part_name(o, len);
	part_shown(o, shown);
	return in_place ? open_in_place(o) : 0;
}

/* -o FILE: FILE.part beside FILE; an existing device or fifo is written as it is. */
static int
output_named(const char *path, int outdir, struct output *o)
{
	const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
	char dir[FS_PATH_MAX];
	int dfd = outdir, r;

	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		log_msg(LOG_ERR, EISDIR, "cannot write to %s", path);
		return FGET_WRITE;
	}
	if (slash != NULL) {
		if ((size_t)(slash - path) + 2 > sizeof(dir)) {
			log_msg(LOG_ERR, ENAMETOOLONG, "cannot write to %s", path);
			return FGET_WRITE;
		}
		(void)snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path),
		    path);
		/* An absolute dir ignores outdir; a relative one is beneath --output-dir. */
		if ((dfd = openat(outdir, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			log_msg(LOG_ERR, errno, "cannot open directory %s", dir);
			return FGET_WRITE;
		}
	}
	r = output_prepare(o, dfd, base, true, path);
	if (dfd != outdir)
		o->dirfd_owned = true;	/* output_close() closes it, on failure too */
	return r;
}

/* -O: the URL's last segment, which must make a sensible local name (control bytes escaped). */
static int
output_remote(const struct options *opt, const struct url *u, int outdir, struct output *o)
{
	char shown[512], url[512], local[NAME_MAX + 1];
	const char *name;
	size_t len = url_name(u, &name);

	if (len == 0 || name[0] == '.' || tty_name(name, len, local, sizeof(local)) < 0) {
		log_msg(LOG_ERR, 0, "-O: cannot name a local file after %s: %s; use -o FILE",
		    url_format(u, url, sizeof(url)), len == 0 ? "it ends in '/'" :
		    name[0] == '.' ? "the name starts with '.'" :
		    "the name is too long once its control bytes are escaped");
		return FGET_URL;
	}
	(void)snprintf(shown, sizeof(shown), "%s%s%s", opt->output_dir != NULL ?
	    opt->output_dir : "", opt->output_dir != NULL ? "/" : "", local);
	return output_prepare(o, outdir, local, false, shown);
}

int
output_choose(const struct options *opt, const struct url *u, size_t i, int outdir,
    struct output *o)
{
	const char *name;
	size_t len;
	int r = 0;

	*o = (struct output){ .kind = OUT_STREAM, .fd = -1, .dirfd = -1 };
	if (i < opt->noutputs && strcmp(opt->outputs[i], "-") != 0)
		r = output_named(opt->outputs[i], outdir, o);
	else if (i < opt->noutputs || !opt->remote_name)
		output_stdout(o, i < opt->noutputs);
	else
		r = output_remote(opt, u, outdir, o);
	if (r != 0) {
		(void)output_close(o);	/* only a directory fd can be open: nothing to lose */
		return r;
	}
	/* A stream's bar names the file, not "stdout". */
	if (o->kind == OUT_STREAM) {
		len = url_name(u, &name);
		tty_show(name, len, o->label, sizeof(o->label));
	}
	return 0;
}

bool
output_complete(const struct output *o, const struct remote *rm)
{
	struct stat st;

	if (o->kind != OUT_FILE || fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return false;
	return S_ISREG(st.st_mode) && (uint64_t)st.st_size == rm->size &&
	    st.st_mtim.tv_sec == rm->mtime;
}

/*
 * Whether fd is a working file fget may take over: a regular file of
 * ours, with no other name.  In a shared directory (a sticky /tmp) a
 * NAME.part someone else made must not become the download, nor a
 * sidecar of theirs say what our NAME.part holds.
 */
static bool
ours(int fd, struct stat *st)
{
	return fstat(fd, st) == 0 && S_ISREG(st->st_mode) && st->st_nlink == 1 &&
	    st->st_uid == geteuid();
}

/* NAME.part.meta, or "" when that name would be too long (then no sidecar). */
static const char *
sidecar_name(const struct output *o, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s" SIDECAR, o->part);

	return n > 0 && (size_t)n < size && (size_t)n <= NAME_MAX ? buf : "";
}

/* Parse "<size> <mtime>" from the sidecar's text t[0..len). */
static int
sidecar_parse(const char *t, size_t len, struct remote *ret)
{
	const char *sp = memchr(t, ' ', len);
	struct remote m;

	if (len > 0 && t[len - 1] == '\n')
		len--;
	if (sp == NULL || parse_u64(t, (size_t)(sp - t), &m.size) < 0 ||
	    parse_i64(sp + 1, len - (size_t)(sp + 1 - t), &m.mtime) < 0)
		return -EINVAL;
	*ret = m;
	return 0;
}

static int
meta_read(const struct output *o, int fd, struct remote *ret)
{
	char s[32], t[32], side[NAME_MAX + 8];
	struct stat st;
	ssize_t sl, tl;
	int sfd;

	sl = fgetxattr(fd, XATTR_SIZE, s, sizeof(s));
	tl = fgetxattr(fd, XATTR_MTIME, t, sizeof(t));
	if (sl > 0 && tl > 0) {
		if (parse_u64(s, (size_t)sl, &ret->size) < 0 || parse_i64(t, (size_t)tl,
		    &ret->mtime) < 0)
			return -EINVAL;
		return 0;
	}
	sfd = openat(o->dirfd, sidecar_name(o, side, sizeof(side)),
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (sfd == -1)
		return -errno;
	if (!ours(sfd, &st)) {
		io_close_unwritten(sfd);
		return -EPERM;
	}
	sl = read(sfd, s, sizeof(s));
	io_close_unwritten(sfd);
	return sl > 0 ? sidecar_parse(s, (size_t)sl, ret) : -EINVAL;
}

static void
meta_clear(const struct output *o)
{
	char side[NAME_MAX + 8];

	/* Absent already is the common case; nothing to do about other failures. */
	(void)fremovexattr(o->fd, XATTR_SIZE);
	(void)fremovexattr(o->fd, XATTR_MTIME);
	(void)unlinkat(o->dirfd, sidecar_name(o, side, sizeof(side)), 0);
}

/* The sidecar's one line, into a file of ours only; returns 0 or -errno. */
static int
sidecar_write(const struct output *o, const char *line, size_t len)
{
	char side[NAME_MAX + 8];
	struct stat st;
	int fd, r;

	/* No O_TRUNC before ours(): another name of the same file would lose its bytes. */
	fd = openat(o->dirfd, sidecar_name(o, side, sizeof(side)),
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
	if (fd == -1)
		return -errno;
	if (!ours(fd, &st))
		r = -EPERM;
	else if (ftruncate(fd, 0) == -1)
		r = -errno;
	else
		r = io_write_all(fd, line, len, -1);
	if (close(fd) == -1 && r == 0)
		r = -errno;
	return r;
}

static void
meta_write(const struct output *o, const struct remote *rm)
{
	char s[32], t[32], line[64];
	int sl = snprintf(s, sizeof(s), "%" PRIu64, rm->size);
	int tl = snprintf(t, sizeof(t), "%" PRId64, rm->mtime);
	int n, r;

	if (fsetxattr(o->fd, XATTR_SIZE, s, (size_t)sl, 0) == 0 &&
	    fsetxattr(o->fd, XATTR_MTIME, t, (size_t)tl, 0) == 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", s, t);
	if ((r = sidecar_write(o, line, (size_t)n)) < 0)
		log_msg(LOG_WARNING, -r, "cannot record what %s holds; -C - will start "
		    "it over", o->shown_part);
}

uint64_t
output_part_offset(const struct output *o, const struct remote *rm)
{
	struct remote m;
	struct stat st;
	uint64_t off = 0;
	bool same;
	int fd;

	if (o->kind != OUT_FILE)
		return 0;
	fd = openat(o->dirfd, o->part, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	/* Only a partial download of this very version is continued. */
	same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && meta_read(o, fd, &m) == 0 &&
	    m.size == rm->size && m.mtime == rm->mtime && (uint64_t)st.st_size <= rm->size;
	io_close_unwritten(fd);
	/* Say which, as wget does: a silent restart looks like a lost download. */
	if (same) {
		off = (uint64_t)st.st_size;
		log_msg(LOG_NOTICE, 0, "resuming %s at %" PRIu64 " of %" PRIu64, o->shown, off,
		    rm->size);
	} else {
		log_msg(LOG_NOTICE, 0, "%s: no record of what it holds (or the remote file "
		    "changed): starting over", o->shown_part);
	}
	return off;
}

int
output_begin(struct output *o, uint64_t offset, const struct remote *rm)
{
	struct stat st;

	o->pos = offset;
	if (o->kind == OUT_STREAM)
		return 0;
	/* No O_TRUNC before the checks: NAME.part might be a hard link to another file. */
	o->fd = openat(o->dirfd, o->part, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0666);
	if (o->fd == -1) {
		log_msg(LOG_ERR, errno, "cannot open %s", o->shown_part);
		return FGET_WRITE;
	}
	if (!ours(o->fd, &st) || (uint64_t)st.st_size < offset) {
		log_msg(LOG_ERR, 0, "refusing to write %s: not a regular file of ours",
		    o->shown_part);
		output_abort(o);
		return FGET_WRITE;
	}
	if (ftruncate(o->fd, (off_t)offset) == -1) {
		log_msg(LOG_ERR, errno, "cannot truncate %s", o->shown_part);
		output_abort(o);
		return FGET_WRITE;
	}
	/* Started over: what NAME.part held is gone, and so is what it said it held. */
	if (offset == 0) {
		meta_clear(o);
		if (rm != NULL)
			meta_write(o, rm);
	}
	return 0;
}

static bool
all_zero(const char *p, size_t n)
{
	return n > 0 && p[0] == '\0' && memcmp(p, p + 1, n - 1) == 0;
}

static int
pwrite_all(int fd, const char *p, size_t len, uint64_t pos)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)pos);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		p += n;
		len -= (size_t)n;
		pos += (uint64_t)n;
	}
	return 0;
}

/*
 * Write buf at o->pos, leaving all-zero pieces unwritten (like cp
 * --sparse=auto), so a sparse remote file stays sparse.  That is exact
 * because output_begin() truncated the file to where we started and we
 * only write forward: whatever we skip reads back as zeros.  Pieces end
 * at block boundaries of the file, so whole zero blocks become holes;
 * output_finish() extends the file to its full length.
 */
static int
file_write(struct output *o, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, blk = 0;
		int r;

		for (; i < len; i += blk) {
			blk = HOLE_BLOCK - (size_t)((o->pos + (i - start)) % HOLE_BLOCK);
			blk = blk < len - i ? blk : len - i;
			if (all_zero(buf + i, blk))
				break;
		}
		if (i > start && (r = pwrite_all(o->fd, buf + start, i - start, o->pos)) < 0)
			return r;
		o->pos += i - start;
		for (; i < len; i += blk, o->pos += blk) {
			blk = HOLE_BLOCK - (size_t)(o->pos % HOLE_BLOCK);
			blk = blk < len - i ? blk : len - i;
			if (!all_zero(buf + i, blk))
				break;
		}
	}
	return 0;
}

int
output_write(struct output *o, const char *buf, size_t len)
{
	int r;

	if (o->kind == OUT_FILE)
		r = file_write(o, buf, len);
	else
		r = io_write_all(o->fd, buf, len, -1);
	if (r < 0) {
		log_msg(LOG_ERR, -r, "cannot write to %s", o->kind == OUT_FILE ? o->shown_part :
		    o->shown);
		return FGET_WRITE;
	}
	if (o->kind == OUT_STREAM)
		o->pos += len;
	return 0;
}

/* Every byte is there: the remote mtime, then durable, then the final name. */
int
output_finish(struct output *o, const struct remote *rm)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
	const char *what = "extend";
	int fd = o->fd;

	if (o->kind == OUT_STREAM)
		return 0;
	if (rm != NULL) {
		ts[1].tv_sec = (time_t)rm->mtime;
		ts[1].tv_nsec = 0;
	}
	meta_clear(o);
	o->fd = -1;
	if (ftruncate(fd, (off_t)o->pos) == -1 ||
	    (what = "set the mtime of", futimens(fd, ts)) == -1 ||
	    (what = "sync", fsync(fd)) == -1) {
		log_msg(LOG_ERR, errno, "cannot %s %s", what, o->shown_part);
		(void)close(fd);	/* already failed, and said so: a second error adds nothing */
		return FGET_WRITE;
	}
	if (close(fd) == -1) {
		log_msg(LOG_ERR, errno, "cannot write %s", o->shown_part);
		return FGET_WRITE;
	}
	if (renameat(o->dirfd, o->part, o->dirfd, o->name) == -1) {
		log_msg(LOG_ERR, errno, "cannot rename %s to %s", o->shown_part, o->shown);
		return FGET_WRITE;
	}
	return 0;
}

/* Stop writing a file; NAME.part stays, with what it holds recorded, for -C -. */
void
output_abort(struct output *o)
{
	if (o->kind != OUT_FILE || o->fd < 0)
		return;
	/* What NAME.part holds is kept for -C -: a write the filesystem lost is said. */
	if (close(o->fd) == -1)
		log_msg(LOG_ERR, errno, "cannot write %s", o->shown_part);
	o->fd = -1;
}

/* Done with this URL: close a device opened in place (never stdout), and -o's directory. */
int
output_close(struct output *o)
{
	int fd = o->fd;

	output_abort(o);
	if (o->dirfd_owned) {
		io_close_unwritten(o->dirfd);
		o->dirfd_owned = false;
	}
	if (o->kind != OUT_STREAM || fd < 0 || fd == STDOUT_FILENO)
		return 0;
	o->fd = -1;
	if (close(fd) == -1) {
		log_msg(LOG_ERR, errno, "cannot write to %s", o->shown);
		return FGET_WRITE;
	}
	return 0;
}
