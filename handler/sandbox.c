/*
 * Landlock and seccomp for the handler.  Applied after the root is
 * opened and fds 0-2 are set up, before the first byte from the client
 * is read: whatever a request could trick the code into doing, it can
 * then neither open a file outside the root, nor write one, nor make a
 * socket, nor exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "sysfilter.h"

/* Access rights newer than Debian 12's kernel headers (ABI 3 and 5). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

#define FS_READ	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

/* Every file-system right the running kernel's Landlock ABI knows: all are denied but reads. */
static uint64_t
landlock_handled(long abi)
{
	uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1: bits 0-12 */

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

/* 1 when the restriction holds, 0 when the kernel has no Landlock, or -errno. */
static int
landlock_enter(int rootfd)
{
	struct landlock_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr beneath = { .allowed_access = FS_READ, .parent_fd = rootfd };
	long abi;
	int fd, r = 0;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		if (errno != ENOSYS && errno != EOPNOTSUPP)
			return -errno;
		log_msg(LOG_WARNING, errno, "Landlock unavailable, serving without it");
		return 0;
	}
	attr.handled_access_fs = landlock_handled(abi);
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) == -1)
		r = -errno;
#ifdef FS_SANITIZED
	/* LeakSanitizer reads /proc/PID/task and maps at exit. */
	if (r == 0 && (beneath.parent_fd = open("/proc", O_PATH | O_CLOEXEC)) >= 0) {
		if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) == -1)
			r = -errno;
		(void)close(beneath.parent_fd);
	}
#endif
	if (r == 0 && syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		r = -errno;
	(void)close(fd);	/* the restriction holds without the ruleset fd */
	return r == 0 ? 1 : r;
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
