/*
 * Request paths: refuse, do not repair.  Symlinks are not this module's
 * business; confine.c and the kernel judge those on real file systems.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "path.h"

int
path_split(char *path, bool hidden, const char *comp[], size_t max, size_t *ret_n)
{
	char *c, *save = NULL;
	size_t n = 0;

	for (c = strtok_r(path, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return -EPERM;
		/* Hidden means hidden: not listed, and not served by name either. */
		if (c[0] == '.' && !hidden)
			return -ENOENT;
		if (strlen(c) > NAME_MAX || n == max)
			return -ENAMETOOLONG;
		comp[n++] = c;
	}
	*ret_n = n;
	return 0;
}

int
path_join(const char *const comp[], size_t n, char *dst, size_t dstsize)
{
	size_t i, len = 0;

	if (n == 0) {
		if (dstsize < 2)
			return -ENAMETOOLONG;
		memcpy(dst, ".", 2);
		return 1;
	}
	for (i = 0; i < n; i++) {
		size_t cl = strlen(comp[i]);

		if (len + (i > 0) + cl + 1 > dstsize)
			return -ENAMETOOLONG;
		if (i > 0)
			dst[len++] = '/';
		memcpy(dst + len, comp[i], cl);
		len += cl;
	}
	dst[len] = '\0';
	return (int)len;
}
