/*
 * Landlock rulesets: handle every right the kernel's ABI knows, allow
 * what one rule grants.  Trusts nothing but the directory fd it is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"
#include "landlock.h"

/* Access rights newer than Debian 12's kernel headers (ABI 3 and 5). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

_Static_assert(FS_LANDLOCK_READ == (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR),
    "FS_LANDLOCK_READ is Landlock's two read rights");

/* Every file-system right the running kernel's Landlock ABI knows. */
static uint64_t
handled(long abi)
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

static int
add_rule(int ruleset, int dirfd, uint64_t allowed)
{
	struct landlock_path_beneath_attr beneath = { .allowed_access = allowed, .parent_fd = dirfd };

	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) == -1)
		return -errno;
	return 0;
}

#ifdef FS_SANITIZED
/* LeakSanitizer reads /proc/PID/task and maps at exit. */
static int
add_proc(int ruleset)
{
	int proc = open("/proc", O_PATH | O_CLOEXEC), r;

	if (proc < 0)
		return 0;	/* no /proc: LeakSanitizer fails as it would without us */
	r = add_rule(ruleset, proc, FS_LANDLOCK_READ);
	io_close_unwritten(proc);
	return r;
}
#endif

int
landlock_restrict(int dirfd, uint64_t allowed)
{
	struct landlock_ruleset_attr attr = { 0 };
	long abi;
	int fd, r = 0;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -errno;
	attr.handled_access_fs = handled(abi);
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -errno;
	if (dirfd >= 0)
		r = add_rule(fd, dirfd, allowed & attr.handled_access_fs);
#ifdef FS_SANITIZED
	if (r == 0)
		r = add_proc(fd);
#endif
	if (r == 0 && syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		r = -errno;
	io_close_unwritten(fd);	/* the restriction holds without the ruleset fd */
	return r == 0 ? 1 : r;
}
