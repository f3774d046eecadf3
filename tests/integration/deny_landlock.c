/*
 * deny_landlock PROGRAM [ARG...]: run PROGRAM under a seccomp filter that
 * answers the landlock_* system calls with EPERM and allows every other
 * call, as systemd-nspawn 252's filter does in a container, to test what
 * filesvc-handler does when a sandbox layer its kernel has is refused.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DENY(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

int
main(int argc, char *argv[])
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (unsigned)offsetof(struct seccomp_data, nr)),
		DENY(SYS_landlock_create_ruleset),
		DENY(SYS_landlock_add_rule),
		DENY(SYS_landlock_restrict_self),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };

	if (argc < 2) {
		fputs("usage: deny_landlock PROGRAM [ARG...]\n", stderr);
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == -1) {
		fprintf(stderr, "deny_landlock: cannot load the filter: %s\n", strerror(errno));
		return 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "deny_landlock: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
