/*
 * Landlock and seccomp for the handler.  Applied after the root is
 * opened and fds 0-2 are set up, before the first byte from the client
 * is read: whatever a request could trick the code into doing, it can
 * then neither open a file outside the root, nor write one, nor make a
 * socket, nor exec.
 */
#include <errno.h>
#include <sys/prctl.h>

#include "landlock.h"
#include "log.h"
#include "sandbox.h"
#include "sysfilter.h"

/* 1 when the restriction holds, 0 when the kernel has no Landlock, or -errno. */
static int
landlock_enter(int rootfd)
{
	int r = landlock_restrict(rootfd, FS_LANDLOCK_READ);

	if (r == 0)
		log_msg(LOG_WARNING, 0, "Landlock unavailable, serving without it");
	return r;
}

static int
seccomp_enter(void)
{
	int r;

	if ((r = sysfilter_load(FS_FILTER_SERVE)) == 0 || (r != -ENOSYS && r != -EINVAL))
		return r;
	log_msg(LOG_WARNING, -r, "seccomp unavailable, serving without it");
	return 0;
}

int
sandbox_enter(int rootfd, const char **ret_layer)
{
	int r;

	/* Both layers require it, and it forbids gaining privileges through exec. */
	*ret_layer = "no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -errno;
	*ret_layer = "Landlock";
	if ((r = landlock_enter(rootfd)) < 0)
		return r;
	*ret_layer = "seccomp";
	/*
	 * Started by filesvc-inetd --handler-seccomp, we already run under
	 * our filter, widened by what starting us took (exec among it): with
	 * Landlock denying exec, loading the narrow one too would only cost
	 * this connection its price.  Without Landlock we load it.
	 */
	if (r == 1 && sysfilter_inherited())
		return 0;
	return seccomp_enter();
}
