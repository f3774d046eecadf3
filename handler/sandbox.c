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
#include <string.h>
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

/*
 * What serving needs: I/O on the connection and on files beneath the
 * root, memory for malloc, time, and a way to die (abort raises a
 * signal).  Nothing that creates a socket, execs, forks or writes a file.
 */
static const unsigned allow_list[] = {
	__NR_read, __NR_write, __NR_pread64, __NR_sendfile, __NR_close, __NR_fstat,
	__NR_newfstatat, __NR_statx, __NR_getdents64, __NR_openat, __NR_openat2,
	__NR_readlinkat, __NR_ppoll, __NR_shutdown, __NR_brk, __NR_mmap, __NR_munmap,
	__NR_mremap, __NR_madvise, __NR_clock_gettime, __NR_rt_sigreturn, __NR_rt_sigprocmask,
	__NR_gettid, __NR_getpid, __NR_tgkill, __NR_restart_syscall, __NR_exit, __NR_exit_group,
	__NR_getrandom,		/* glibc's malloc seeds itself on first use */
#ifdef __NR_poll
	__NR_poll,
#endif
#ifdef FS_SANITIZED
	/* The sanitizers' runtime: reports, and LeakSanitizer's stop-the-world at exit. */
	__NR_sigaltstack, __NR_mprotect, __NR_futex, __NR_clone, __NR_ptrace, __NR_wait4,
	__NR_prctl, __NR_sched_yield, __NR_rt_sigaction, __NR_prlimit64, __NR_getppid,
	__NR_sched_getaffinity, __NR_readlink, __NR_open, __NR_lseek, __NR_kill,
	__NR_clock_nanosleep, __NR_nanosleep,
#ifdef __NR_getdents
	__NR_getdents,
#endif
#endif
};

#define ALLOW_N		(sizeof(allow_list) / sizeof(allow_list[0]))

/* What a LIST calls once per entry: tested first, see sandbox_filter(). */
static const unsigned hot_list[] = { __NR_getdents64, __NR_newfstatat };
#define HOT_N		(sizeof(hot_list) / sizeof(hot_list[0]))
#define PROG_MAX	(5 + 2 * HOT_N + ALLOW_N + 2)

size_t
sandbox_filter(struct sock_filter *prog, size_t max)
{
	size_t n = 0, i;

	if (max < PROG_MAX || ALLOW_N > 255)	/* a jump spans at most 255 */
		return 0;
	/* A foreign architecture's numbers mean other calls: kill, do not guess. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FS_AUDIT_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	/*
	 * When a filter is loaded, the kernel emulates it once per system call
	 * number and architecture (about 900 runs) to cache the calls it always
	 * allows, so that they skip the filter.  The emulator gives up at the
	 * first instruction it does not model, and TAX (X = A, unused here) is
	 * one.  So only the calls a LIST makes per entry are tested before it,
	 * and cached (a 100,000-entry LIST makes 200,000; uncached they cost it
	 * 3 %).  Past the TAX the emulator never looks, so the rest is a plain
	 * list in allow_list's order: the JIT compiles it faster than a search
	 * tree (loading fell from 34 to 30 us here), and a call walks at most
	 * ALLOW_N compiled comparisons, a few nanoseconds.
	 */
	for (i = 0; i < HOT_N; i++) {
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hot_list[i], 0, 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
	for (i = 0; i < ALLOW_N; i++)
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, allow_list[i],
		    (unsigned char)(ALLOW_N - i), 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

bool
sandbox_allows(unsigned nr)
{
	size_t i;

	for (i = 0; i < ALLOW_N; i++)
		if (allow_list[i] == nr)
			return true;
	return false;
}

static int
seccomp_enter(void)
{
	struct sock_filter prog[PROG_MAX];
	struct sock_fprog fprog = { .filter = prog };

	fprog.len = (unsigned short)sandbox_filter(prog, PROG_MAX);
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
