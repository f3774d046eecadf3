/* Splitting a decoded request path into components to open beneath the root. */
#ifndef FS_PATH_H
#define FS_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Split path (decoded, NUL-terminated) in place into at most max
 * components.  "" and "/" name the root; empty and "." components are
 * dropped.  Returns 0, -EPERM for a ".." component (refused, never
 * resolved lexically), -ENOENT for a dot-file component when hidden is
 * false, -ENAMETOOLONG for a component over NAME_MAX or more than max
 * components.  *ret_n is set only on success.
 */
int path_split(char *path, bool hidden, const char *comp[], size_t max, size_t *ret_n);

/*
 * Join comp[0..n) with '/' into dst (dstsize bytes), relative, no
 * leading '/'; "." for n == 0.  For openat2() beneath the root fd, never
 * for a path outside it.  Returns the length or -ENAMETOOLONG.
 */
int path_join(const char *const comp[], size_t n, char *dst, size_t dstsize);

#endif
