/*
 * Confinement beneath a directory fd.  Trusts nothing in the tree: any
 * symlink may point anywhere, and the tree may change while we walk it.
 * openat2(RESOLVE_BENEATH) makes the kernel enforce it atomically; the
 * fallback walk holds a stack of directory fds, so ".." in a symlink
 * target is resolved against fds we opened, never against a string.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "fs-limits.h"
#include "io.h"
#include "path.h"

/* Depth of the fd stack in the walk: deeper paths get -ENAMETOOLONG. */
#define WALK_DEPTH_MAX	256
/* How often the walk looks again at a last component swapped between symlink and not. */
#define WALK_SWAP_TRIES	8

int
confine_init(struct confine *c, const char *dir, bool show_hidden)
{
	/* O_RDONLY, not O_PATH: an unreadable root is refused now, not per request. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return -errno;
	c->rootfd = fd;
	c->no_openat2 = false;
	c->show_hidden = show_hidden;
	return 0;
}

void
confine_close(struct confine *c)
{
	if (c->rootfd >= 0)
		io_close_unwritten(c->rootfd);
	c->rootfd = -1;
}

/* -errno, EAGAIN included: see confine_open(). */
static int
open_beneath(int rootfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd >= 0 ? fd : -errno;
}

int
confine_open(struct confine *c, const char *const comp[], size_t n, int flags)
{
	char path[FS_PATH_MAX];
	int fd;

	if (!c->no_openat2) {
		if (path_join(comp, n, path, sizeof(path)) < 0)
			return -ENAMETOOLONG;
		/*
		 * Hiding dot-names, the kernel follows no symlink: it would not
		 * say where one leads.  A path with one (ELOOP) takes the walk,
		 * which sees every name a link leads through.
		 */
		fd = open_beneath(c->rootfd, path, flags, c->show_hidden ? 0 : RESOLVE_NO_SYMLINKS);
		/*
		 * EAGAIN: a rename anywhere on the host moved rename_lock while
		 * the lookup crossed "..".  On a busy host that can go on for
		 * any number of retries although nothing beneath the root
		 * changed; the walk holds fds and has no such window.
		 */
		if (fd != -ENOSYS && fd != -EAGAIN && !(fd == -ELOOP && !c->show_hidden))
			return fd;
		if (fd == -ENOSYS)
			c->no_openat2 = true;
	}
	return confine_walk(c->rootfd, comp, n, flags, c->show_hidden);
}

/* Where the walk takes its next components from: the request path, or a link's target. */
struct seg {
	char	*s;		/* NUL-terminated; allocated for a link's target */
	size_t	 off;		/* the first byte not consumed yet */
};

/*
 * The walk's state: a stack of directory fds above the root, and a stack
 * of what is left to resolve.  Like the kernel, it keeps each link's
 * target whole rather than splice it into one fixed buffer, so it
 * resolves any chain of long targets that openat2() resolves.
 */
struct walk {
	int		fds[WALK_DEPTH_MAX];
	size_t		depth;		/* fds[0..depth) are open; the root is below them */
	int		rootfd;
	struct seg	seg[FS_SYMLINK_HOPS + 1];	/* seg[0]: the request path */
	size_t		nseg;
	int		hops;
	int		final;		/* the last component, opened with the caller's flags */
	bool		show_hidden;
	char		path[FS_PATH_MAX];
};

static int
walk_cur(const struct walk *w)
{
	return w->depth == 0 ? w->rootfd : w->fds[w->depth - 1];
}

static void
walk_free(struct walk *w)
{
	while (w->depth > 0)
		io_close_unwritten(w->fds[--w->depth]);
	while (w->nseg > 1)
		free(w->seg[--w->nseg].s);
}

/* Drop the link targets that are used up, so a link at the end of another nests no deeper. */
static void
walk_pop(struct walk *w)
{
	while (w->nseg > 1 && w->seg[w->nseg - 1].s[w->seg[w->nseg - 1].off] == '\0')
		free(w->seg[--w->nseg].s);
}

/* Cut the next component off what is left into name; false when none is left. */
static bool
walk_next(struct walk *w, char *name, size_t size)
{
	for (;;) {
		struct seg *g;
		char *s, *slash;
		size_t len;

		walk_pop(w);
		g = &w->seg[w->nseg - 1];
		s = g->s + g->off;
		if (*s == '\0')
			return false;
		slash = strchr(s, '/');
		len = slash != NULL ? (size_t)(slash - s) : strlen(s);
		g->off += len + (slash != NULL);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len >= size)
			len = size - 1;	/* over NAME_MAX: the kernel answers ENAMETOOLONG */
		memcpy(name, s, len);
		name[len] = '\0';
		return true;
	}
}

/*
 * Push the target of the symlink linkfd (O_PATH | O_NOFOLLOW) in front of
 * what is left.  Reading it through the fd, not by name, reads the link
 * that was looked at, even if its name is now something else.
 */
static int
walk_follow(struct walk *w, int linkfd)
{
	char target[FS_PATH_MAX], *copy;
	ssize_t tlen;

	if (++w->hops > FS_SYMLINK_HOPS)
		return -ELOOP;
	tlen = readlinkat(linkfd, "", target, sizeof(target));
	if (tlen < 0)
		return -errno;
	if ((size_t)tlen >= sizeof(target))
		return -ENAMETOOLONG;
	if (tlen == 0 || target[0] == '/')
		return -EXDEV;		/* absolute: it names something outside the root */
	walk_pop(w);
	/* At most FS_SYMLINK_HOPS targets above the path: the hop limit bounds the stack. */
	if ((copy = malloc((size_t)tlen + 1)) == NULL)
		return -ENOMEM;
	memcpy(copy, target, (size_t)tlen);
	copy[tlen] = '\0';
	w->seg[w->nseg++] = (struct seg){ .s = copy };
	return 0;
}
/* Open name in dirfd without following it, and fstat what was opened into *st. */
static int
open_here(int dirfd, const char *name, int flags, struct stat *st)
{
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1)
		return -errno;
	if (fstat(fd, st) == -1) {
		int e = errno;

		io_close_unwritten(fd);
		return -e;
	}
	return fd;
}

/*
 * Open the last component with the caller's flags.  A symlink there is
 * ELOOP (O_NOFOLLOW), so it is opened again with O_PATH, to be read
 * through that fd.  A name that is no symlink by then was replaced in
 * between: look again, a few times, then give up with EAGAIN (503).
 */
static int
open_last(int dirfd, const char *name, int flags, struct stat *st)
{
	int tries, fd;

	for (tries = 0; tries < WALK_SWAP_TRIES; tries++) {
		if ((fd = open_here(dirfd, name, flags, st)) != -ELOOP)
			return fd;
		if ((fd = open_here(dirfd, name, O_PATH, st)) < 0 || S_ISLNK(st->st_mode))
			return fd;
		io_close_unwritten(fd);
	}
	return -EAGAIN;
}

static int
walk_step(struct walk *w, const char *name, bool last, int flags)
{
	struct stat st;
	int fd, r;

	if (strcmp(name, "..") == 0) {
		if (w->depth == 0)
			return -EXDEV;	/* climbing above the root */
		io_close_unwritten(w->fds[--w->depth]);
		return 0;
	}
	/* Reached through a link ("." and ".." are gone by now): hidden means hidden. */
	if (!w->show_hidden && name[0] == '.')
		return -ENOENT;
	if (last)
		fd = open_last(walk_cur(w), name, flags, &st);
	else
		fd = open_here(walk_cur(w), name, O_PATH, &st);
	if (fd < 0)
		return fd;
	if (S_ISLNK(st.st_mode)) {
		r = walk_follow(w, fd);
		io_close_unwritten(fd);
		return r;
	}
	if (last) {
		w->final = fd;
		return 0;
	}
	if (w->depth == WALK_DEPTH_MAX) {
		io_close_unwritten(fd);
		return -ENAMETOOLONG;
	}
	w->fds[w->depth++] = fd;
	return 0;
}

/* Whether a component other than "." is left, in the current target or below it. */
static bool
walk_more(const struct walk *w)
{
	size_t i;

	for (i = w->nseg; i-- > 0;) {
		const char *s = w->seg[i].s + w->seg[i].off;

		for (; *s != '\0'; s++)
			if (*s != '/' && !(s[0] == '.' && (s[1] == '/' || s[1] == '\0')))
				return true;
	}
	return false;
}

int
confine_walk(int rootfd, const char *const comp[], size_t n, int flags, bool show_hidden)
{
	struct walk w = { .rootfd = rootfd, .final = -1, .show_hidden = show_hidden, .nseg = 1 };
	char name[NAME_MAX + 2];
	int r = 0, fd;

	if (path_join(comp, n, w.path, sizeof(w.path)) < 0)
		return -ENAMETOOLONG;
	w.seg[0].s = w.path;
	while (r == 0 && walk_next(&w, name, sizeof(name)))
		r = walk_step(&w, name, !walk_more(&w), flags);
	if (r < 0) {
		walk_free(&w);
		return r;
	}
	/*
	 * A path that ended on the root or with ".." leaves the root fd or an
	 * O_PATH fd on top of the stack: open that directory again with the
	 * caller's flags.
	 */
	if ((fd = w.final) < 0)
		fd = openat(walk_cur(&w), ".", flags | O_CLOEXEC);
	r = fd >= 0 ? fd : -errno;
	walk_free(&w);
	return r;
}
