/*
 * filesvc-tlsd's confinement.  Before the key is read it makes itself
 * non-dumpable.  Before the spawn it can only set no_new_privs: a
 * Landlock domain or seccomp filter would pass to the command, which
 * must exec and open files.  After the spawn it needs
 * neither: Landlock takes every file access, seccomp every system call
 * but the relay's (common/sysfilter.c, FS_FILTER_RELAY).
 */
#include <errno.h>
#include <sys/prctl.h>

#include "landlock.h"
#include "log.h"
#include "sysfilter.h"
#include "tlsd.h"

int
lockdown_nodump(void)
{
	/*
	 * The key is about to be in our memory.  Non-dumpable, we cannot be
	 * ptraced, or have /proc/PID/mem or environ read, by a process of the
	 * same uid (the handler, under a unit that runs both as one user),
	 * and leave no core file.  exec resets it: the command starts dumpable.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -errno;
	return 0;
}

int
lockdown_early(void)
{
	/* Needed by both layers later; the command inherits it (no setuid gains). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -errno;
	return 0;
}

int
lockdown_relay(const char **ret_layer)
{
	int r;

	*ret_layer = "Landlock";
	if ((r = landlock_restrict(-1, 0)) < 0)
		return r;
	if (r == 0)
		log_msg(LOG_WARNING, 0, "Landlock unavailable, relaying without it");
	*ret_layer = "seccomp";
	if ((r = sysfilter_load(FS_FILTER_RELAY)) == -ENOSYS || r == -EINVAL) {
		log_msg(LOG_WARNING, -r, "seccomp unavailable, relaying without it");
		return 0;
	}
	return r;
}
