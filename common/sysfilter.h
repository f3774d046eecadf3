/*
 * filesvc-handler's seccomp filter, in two scopes.  The handler loads
 * FS_FILTER_SERVE itself, once its root is open.  filesvc-inetd
 * --handler-seccomp loads FS_FILTER_SPAWN once in each spawner thread:
 * seccomp filters pass to children, through execve() too, by reference,
 * so every handler starts under it for nothing, where loading its own
 * costs each connection a kernel allocation, a JIT compilation and a
 * deferred free (about 35 us here).  The handler asks whether it runs
 * under this very filter (sysfilter_inherited()) and then skips its own.
 * filesvc-tlsd loads a third scope, FS_FILTER_RELAY, after its spawn.
 */
#ifndef FS_SYSFILTER_H
#define FS_SYSFILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fs_filter {
	/* What serving needs: no socket, no exec, no fork, no new file written. */
	FS_FILTER_SERVE,
	/*
	 * That, plus what starting a handler needs, from the spawner thread's
	 * posix_spawn() to the handler's own set-up: execve, a vfork-style
	 * clone only, setpgid(0, 0), dup2, sigaction, futex, the dynamic
	 * loader's calls, prctl(PR_SET_NO_NEW_PRIVS) and Landlock's.  Exec is
	 * then the handler's Landlock layer to deny; without Landlock the
	 * handler loads FS_FILTER_SERVE on top.
	 */
	FS_FILTER_SPAWN,
	/*
	 * filesvc-tlsd's, loaded once its command runs: relaying between two
	 * descriptors it holds and reaping the command.  No open, no exec.
	 */
	FS_FILTER_RELAY,
};

/*
 * The program, written into prog (max instructions; 256 always suffice);
 * returns its length, 0 if it does not fit.
 */
size_t sysfilter_build(enum fs_filter scope, struct sock_filter *prog, size_t max);

/*
 * Load it on the calling thread (and what it starts); needs no_new_privs.
 * Returns 0 or -errno (-ENOSYS, -EINVAL: the kernel has no seccomp).
 */
int sysfilter_load(enum fs_filter scope);

/*
 * Whether this process runs under FS_FILTER_SPAWN as this build writes
 * it: the filter answers a probe no other filter would (getpgid() of an
 * impossible pid fails with an errno derived from the filter's lists),
 * so a supervisor of another version makes the handler load its own.
 */
bool sysfilter_inherited(void);

/* For tests: the probe's pid and errno, and whether a scope lists a call plainly. */
#define FS_FILTER_PROBE_PID	0x66737663	/* "fsvc", above any pid_max */
int sysfilter_probe_errno(void);
bool sysfilter_lists(enum fs_filter scope, unsigned nr);

#endif
