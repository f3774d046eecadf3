/*
 * Landlock, the kernel's unprivileged file-system sandbox, as the
 * programs use it: every access right the running kernel knows is
 * handled (denied), except the rights granted beneath one directory.
 */
#ifndef FS_LANDLOCK_H
#define FS_LANDLOCK_H

#include <stdint.h>

/* Reading files and listing directories: all a file server needs. */
#define FS_LANDLOCK_READ	(UINT64_C(1) << 2 | UINT64_C(1) << 3)	/* READ_FILE | READ_DIR */

/*
 * Restrict the calling thread (and what it starts later) for good: it
 * may access files only as `allowed` grants beneath dirfd, or not at all
 * with dirfd -1.  Needs no_new_privs.  Sanitized builds (FS_SANITIZED)
 * also keep reading /proc, which LeakSanitizer's exit report needs.
 * Returns 1 when the restriction holds, 0 when the kernel has no
 * Landlock (nothing was done), or -errno.
 */
int landlock_restrict(int dirfd, uint64_t allowed);

#endif
