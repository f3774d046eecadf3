/*
 * Landlock and seccomp for the handler.  Applied after the root is
 * opened and fds 0-2 are set up, before the first byte from the client
 * is read: whatever a request could trick the code into doing, it can
 * then neither open a file outside the root, nor write one, nor make a
 * socket, nor exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

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
	return r;
}

#if defined(__x86_64__)
#define FS_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FS_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#define ALLOW(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * What serving needs: I/O on the connection and on files beneath the
 * root, memory for malloc, time, and a way to die (abort raises a
 * signal).  Nothing that creates a socket, execs, forks or writes a file.
 */
static const struct sock_filter allow_list[] = {
	ALLOW(__NR_read), ALLOW(__NR_write), ALLOW(__NR_pread64), ALLOW(__NR_sendfile),
	ALLOW(__NR_close), ALLOW(__NR_fstat), ALLOW(__NR_newfstatat), ALLOW(__NR_statx),
	ALLOW(__NR_getdents64), ALLOW(__NR_openat), ALLOW(__NR_openat2),
	ALLOW(__NR_readlinkat), ALLOW(__NR_ppoll), ALLOW(__NR_shutdown),
	ALLOW(__NR_brk), ALLOW(__NR_mmap), ALLOW(__NR_munmap), ALLOW(__NR_mremap),
	ALLOW(__NR_madvise), ALLOW(__NR_clock_gettime), ALLOW(__NR_rt_sigreturn),
	ALLOW(__NR_rt_sigprocmask), ALLOW(__NR_gettid), ALLOW(__NR_getpid), ALLOW(__NR_tgkill),
	ALLOW(__NR_restart_syscall), ALLOW(__NR_exit), ALLOW(__NR_exit_group),
	ALLOW(__NR_getrandom),	/* glibc's malloc seeds itself on first use */

#ifdef __NR_poll
	ALLOW(__NR_poll),
#endif
#ifdef FS_SANITIZED
	/* The sanitizers' runtime: reports, and LeakSanitizer's stop-the-world at exit. */
	ALLOW(__NR_sigaltstack), ALLOW(__NR_mprotect), ALLOW(__NR_futex), ALLOW(__NR_clone),
	ALLOW(__NR_ptrace), ALLOW(__NR_wait4), ALLOW(__NR_prctl), ALLOW(__NR_sched_yield),
	ALLOW(__NR_rt_sigaction), ALLOW(__NR_prlimit64), ALLOW(__NR_getppid),
	ALLOW(__NR_sched_getaffinity), ALLOW(__NR_readlink), ALLOW(__NR_open), ALLOW(__NR_lseek),
	ALLOW(__NR_kill), ALLOW(__NR_clock_nanosleep), ALLOW(__NR_nanosleep),
#ifdef __NR_getdents
	ALLOW(__NR_getdents),
#endif
#endif
};

static int
seccomp_enter(void)
{
	struct sock_filter prog[4 + sizeof(allow_list) / sizeof(allow_list[0]) + 1];
	struct sock_fprog fprog = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };
	size_t i, n = 0;

	/* A foreign architecture's numbers mean other calls: kill, do not guess. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FS_AUDIT_ARCH, 1, 0);
	prog[n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog[n + 1] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	n += 2;
	for (i = 0; i < sizeof(allow_list) / sizeof(allow_list[0]); i++)
		prog[n++] = allow_list[i];
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	fprog.len = (unsigned short)n;

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	log_msg(LOG_WARNING, errno, "seccomp unavailable, serving without it");
	return 0;
}

int
sandbox_enter(int rootfd)
{
	int r;

	/* Both layers require it, and it forbids gaining privileges through exec. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -errno;
	if ((r = landlock_enter(rootfd)) < 0)
		return r;
	return seccomp_enter();
}
