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
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "fs-limits.h"
#include "path.h"

/* Depth of the fd stack in the walk: deeper paths get -ENAMETOOLONG. */
#define WALK_DEPTH_MAX	256

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
		(void)close(c->rootfd);	/* an O_PATH fd has nothing to flush */
	c->rootfd = -1;
}

static int
open_beneath(int rootfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve,
	};
	int tries, fd = -1;

	/* EAGAIN: a concurrent rename raced the lookup; the kernel asks us to retry. */
	for (tries = 0; tries < 8; tries++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
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
		if (fd != -ENOSYS && !(fd == -ELOOP && !c->show_hidden))
			return fd;
		if (fd == -ENOSYS)
			c->no_openat2 = true;
	}
	return confine_walk(c->rootfd, comp, n, flags, c->show_hidden);
}

/* The walk's state: a stack of directory fds above the root, and what is left to resolve. */
struct walk {
	int	fds[WALK_DEPTH_MAX];
	size_t	depth;			/* fds[0..depth) are open; the root is below them */
	int	rootfd;
	char	todo[2 * FS_PATH_MAX];	/* remaining components, '/'-separated */
	size_t	todo_off;
	int	hops;
	int	final;			/* the last component, opened with the caller's flags */
	bool	show_hidden;
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
		(void)close(w->fds[--w->depth]);	/* O_PATH fds: close cannot lose data */
}

/* Cut the next component off todo into name; false when none is left. */
static bool
walk_next(struct walk *w, char *name, size_t size)
{
	for (;;) {
		char *s = w->todo + w->todo_off, *slash;
		size_t len;

		if (*s == '\0')
			return false;
		slash = strchr(s, '/');
		len = slash != NULL ? (size_t)(slash - s) : strlen(s);
		w->todo_off += len + (slash != NULL);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len >= size)
			len = size - 1;	/* over NAME_MAX: the kernel answers ENAMETOOLONG */
		memcpy(name, s, len);
		name[len] = '\0';
		return true;
	}
}

/* Replace the symlink name (in cur) by its target in front of what is left. */
static int
walk_follow(struct walk *w, const char *name)
{
	char target[FS_PATH_MAX], *rest = w->todo + w->todo_off;
	size_t rlen = strlen(rest);
	ssize_t tlen;

	if (++w->hops > FS_SYMLINK_HOPS)
		return -ELOOP;
	tlen = readlinkat(walk_cur(w), name, target, sizeof(target));
	if (tlen < 0)
		return -errno;
	if ((size_t)tlen >= sizeof(target))
		return -ENAMETOOLONG;
	if (tlen == 0 || target[0] == '/')
		return -EXDEV;		/* absolute: it names something outside the root */
	if ((size_t)tlen + 1 + rlen + 1 > sizeof(w->todo))
		return -ENAMETOOLONG;
	memmove(w->todo + tlen + 1, rest, rlen + 1);
	memcpy(w->todo, target, (size_t)tlen);
	w->todo[tlen] = '/';
	w->todo_off = 0;
	return 0;
}

static int
walk_step(struct walk *w, const char *name, bool last, int flags)
{
	struct stat st;
	int fd;

	if (strcmp(name, "..") == 0) {
		if (w->depth == 0)
			return -EXDEV;	/* climbing above the root */
		(void)close(w->fds[--w->depth]);
		return 0;
	}
	/* Reached through a link ("." and ".." are gone by now): hidden means hidden. */
	if (!w->show_hidden && name[0] == '.')
		return -ENOENT;
	/* The last component opens with the caller's flags; O_NOFOLLOW makes a symlink ELOOP. */
	fd = openat(walk_cur(w), name, (last ? flags : O_PATH) | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && !(last && errno == ELOOP))
		return -errno;
	if (fd >= 0 && fstat(fd, &st) == -1) {
		int e = errno;

		(void)close(fd);
		return -e;
	}
	if (fd == -1 || S_ISLNK(st.st_mode)) {
		if (fd >= 0)
			(void)close(fd);
		return walk_follow(w, name);
	}
	if (last) {
		w->final = fd;
		return 0;
	}
	if (w->depth == WALK_DEPTH_MAX) {
		(void)close(fd);
		return -ENAMETOOLONG;
	}
	w->fds[w->depth++] = fd;
	return 0;
}

static bool
walk_more(const struct walk *w)
{
	const char *s = w->todo + w->todo_off;

	for (; *s != '\0'; s++)
		if (*s != '/' && !(s[0] == '.' && (s[1] == '/' || s[1] == '\0')))
			return true;
	return false;
}

int
confine_walk(int rootfd, const char *const comp[], size_t n, int flags, bool show_hidden)
{
	struct walk w = { .rootfd = rootfd, .final = -1, .show_hidden = show_hidden };
	char name[NAME_MAX + 2];
	int r = 0, fd;

	if (path_join(comp, n, w.todo, sizeof(w.todo)) < 0)
		return -ENAMETOOLONG;
	while (r == 0 && walk_next(&w, name, sizeof(name)))
		r = walk_step(&w, name, !walk_more(&w), flags);
	if (r < 0) {
		walk_free(&w);
		return r;
	}
	/*
	 * A path that ended on the root or with ".." leaves an O_PATH fd on
	 * top of the stack: open that directory again with the caller's flags.
	 */
	if ((fd = w.final) < 0)
		fd = openat(walk_cur(&w), ".", flags | O_CLOEXEC);
	r = fd >= 0 ? fd : -errno;
	walk_free(&w);
	return r;
}
