/*
 * Path confinement: every file the handler touches is opened beneath the
 * root directory fd, never by a path string that could lead elsewhere.
 */
#ifndef FS_CONFINE_H
#define FS_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

struct confine {
	int	rootfd;		/* O_RDONLY | O_DIRECTORY, opened once */
	bool	no_openat2;	/* the kernel said ENOSYS: walk by hand */
	bool	show_hidden;	/* false: no symlink is followed to a name starting with '.' */
};

/*
 * Open dir as the root.  Returns 0 or -errno; *c is set only on success.
 * Unless show_hidden, a symlink that leads to or through a hidden name
 * (one starting with '.') is not followed there: -ENOENT, as that name
 * asked for directly is refused by path_split().
 */
int confine_init(struct confine *c, const char *dir, bool show_hidden);

void confine_close(struct confine *c);

/*
 * Open comp[0..n) (components from path_split(), none "." or "..")
 * beneath the root with open flags (O_PATH, or O_RDONLY and friends;
 * O_CLOEXEC is always added).  Symlinks are followed while they stay
 * beneath the root.  Returns the fd, or -errno: -EXDEV when the path
 * leaves the root (absolute symlink, too many ".."), -ELOOP for a loop
 * or a magic link, -ENOENT, -ENOTDIR, -EACCES as the kernel says, and
 * -EAGAIN only when the last name kept being swapped between a symlink
 * and something else while it was looked up (openat2()'s EAGAIN, which a
 * rename anywhere on the host can cause, takes the walk instead).
 */
int confine_open(struct confine *c, const char *const comp[], size_t n, int flags);

/*
 * The same with a component-by-component O_NOFOLLOW walk that follows
 * symlinks by hand with a hop limit: what confine_open() uses when
 * openat2() is missing (Linux < 5.6).  Public so tests can run both.
 */
int confine_walk(int rootfd, const char *const comp[], size_t n, int flags, bool show_hidden);

#endif
