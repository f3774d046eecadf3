/*
 * filter_fill ROOM PROGRAM [ARG...]: load allow-all seccomp filters until
 * one of ROOM instructions still loads and hardly anything more does, then
 * exec PROGRAM.
 *
 * The kernel caps the instructions of a process's filters (32768 in all,
 * counted after their translation, 4 more per filter): a filter that does
 * not fit is refused with ENOMEM.  That is the one way found here to make
 * seccomp() fail for a chosen process, to test what filesvc does then.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sock_filter prog[BPF_MAXINSNS];

/* len - 1 loads of the call number, then allow: the kernel caches it as allowing all. */
static int
load_allow_all(unsigned short len)
{
	struct sock_fprog fprog = { .len = len, .filter = prog };
	unsigned i;

	for (i = 0; i + 1 < len; i++)
		prog[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    (unsigned)offsetof(struct seccomp_data, nr));
	prog[len - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}

/* Whether a filter of len, then one of room, would still load: asked of a child. */
static int
would_fit(unsigned short len, unsigned short room)
{
	int status;
	pid_t pid = fork();

	if (pid == -1)
		return -1;
	if (pid == 0)
		_exit(load_allow_all(len) == 0 && load_allow_all(room) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
main(int argc, char *argv[])
{
	unsigned short len = BPF_MAXINSNS;
	long room;
	int r;

	if (argc < 3 || (room = strtol(argv[1], NULL, 10)) < 1 || room > BPF_MAXINSNS) {
		fprintf(stderr, "usage: filter_fill ROOM PROGRAM [ARG...]\n");
		return 2;
	}
	/* Root may load filters without it; anyone else needs it. */
	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		perror("filter_fill: prctl(PR_SET_NO_NEW_PRIVS)");
		return 1;
	}
	/* The largest filters that leave room for ROOM, halving down to one instruction. */
	while (len >= 1) {
		if ((r = would_fit(len, (unsigned short)room)) < 0) {
			perror("filter_fill: fork");
			return 1;
		}
		if (r == 0) {
			len /= 2;
			continue;
		}
		if (load_allow_all(len) == -1) {
			fprintf(stderr, "filter_fill: seccomp: %s\n", strerror(errno));
			return 1;
		}
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "filter_fill: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
