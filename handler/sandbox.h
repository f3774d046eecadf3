/*
 * The handler's self-confinement, the Linux counterpart of OpenBSD's
 * unveil + pledge: after the root is open, the process may only read
 * beneath it (Landlock) and make the system calls serving needs (seccomp).
 */
#ifndef FS_SANDBOX_H
#define FS_SANDBOX_H

/*
 * Confine this process to reading beneath rootfd and to the handler's
 * system calls; any other system call kills it (SIGSYS).  Each layer
 * the kernel lacks is skipped with one warning on stderr, never a
 * failure.  Returns 0, or -errno when a layer the kernel has could not
 * be applied (the caller must not serve then), with *ret_layer naming it.
 */
int sandbox_enter(int rootfd, const char **ret_layer);

#endif
