/*
 * The handler's sandbox holds: after sandbox_enter() a process reads
 * beneath its root and nothing else, writes no file, and dies on any
 * system call serving does not need.  Each probe runs in a child of its
 * own, which applies the real sandbox and reports through its exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "unit.h"

static char root[PATH_MAX];

static void
setup(void)
{
	char p[PATH_MAX + 16];
	int fd;

	strcpy(root, "/tmp/filesvc-sandbox-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/inside", root);
	ck_assert_int_ge(fd = open(p, O_WRONLY | O_CREAT, 0644), 0);
	ck_assert_int_eq(write(fd, "ok", 2), 2);
	close(fd);
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	(void)!system(cmd);
}

enum probe { READ_INSIDE, READ_OUTSIDE, WRITE_INSIDE, CREATE_INSIDE, SOCKET, EXEC };

/* Runs in the sandboxed child: exit 0 when the operation succeeded, 10 + errno's class else. */
static void
probe(int rootfd, enum probe what)
{
	char buf[4];
	int fd = -1;

	switch (what) {
	case READ_INSIDE:
		fd = openat(rootfd, "inside", O_RDONLY);
		_exit(fd >= 0 && read(fd, buf, 2) == 2 ? 0 : 1);
	case READ_OUTSIDE:
		fd = open("/etc/passwd", O_RDONLY);
		break;
	case WRITE_INSIDE:
		fd = openat(rootfd, "inside", O_WRONLY);
		break;
	case CREATE_INSIDE:
		fd = openat(rootfd, "new", O_WRONLY | O_CREAT, 0644);
		break;
	case SOCKET:
		fd = socket(AF_INET, SOCK_STREAM, 0);
		break;
	case EXEC:
		execl("/bin/true", "true", (char *)NULL);
		break;
	}
	_exit(fd >= 0 ? 0 : (errno == EACCES ? 13 : 99));
}

static int
run_probe(enum probe what, bool sandboxed)
{
	int rootfd, status;
	pid_t pid;

	ck_assert_int_ge(rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		if (sandboxed && sandbox_enter(rootfd) < 0)
			_exit(98);
		probe(rootfd, what);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(rootfd);
	return status;
}

START_TEST(reads_inside)
{
	int st = run_probe(READ_INSIDE, true);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

/* Landlock: the kernel refuses with EACCES (a control run shows the probe would work). */
START_TEST(no_access_outside_or_writes)
{
	static const enum probe denied[] = { READ_OUTSIDE, WRITE_INSIDE, CREATE_INSIDE };
	int st;

	st = run_probe(denied[_i], false);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "control run failed: %d", st);
	st = run_probe(denied[_i], true);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 13, "probe %d: status %#x", _i, st);
}
END_TEST

/* seccomp: a system call serving does not need kills the process. */
START_TEST(killed_on_socket_or_exec)
{
	static const enum probe killed[] = { SOCKET, EXEC };
	int st;

	st = run_probe(killed[_i], true);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "probe %d: status %#x", _i, st);
}
END_TEST

/* A classic-BPF interpreter for the few instructions the filter uses. */
static uint32_t
bpf_run(const struct sock_filter *p, size_t len, uint32_t arch, uint32_t nr)
{
	uint32_t a = 0;
	size_t pc = 0;

	while (pc < len) {
		const struct sock_filter *f = &p[pc++];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			a = f->k == offsetof(struct seccomp_data, arch) ? arch : nr;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		case BPF_MISC | BPF_TAX:
			break;	/* X is never read */
		default:
			ck_abort_msg("unexpected BPF instruction %#x", f->code);
		}
	}
	ck_abort_msg("the filter ran off its end");
	return 0;
}

/* The filter allows exactly the allow-list, for every number, and nothing on another arch. */
START_TEST(filter_is_the_allow_list)
{
	struct sock_filter prog[256];
	size_t len = sandbox_filter(prog, 256);
	uint32_t arch, nr, allowed = 0;
	size_t first_jeq = 0;

	ck_assert_uint_gt(len, 5);
	/* The first comparison is the architecture's. */
	while (first_jeq < len && prog[first_jeq].code != (BPF_JMP | BPF_JEQ | BPF_K))
		first_jeq++;
	ck_assert_uint_lt(first_jeq, len);
	arch = prog[first_jeq].k;
	for (nr = 0; nr < 1024; nr++) {
		uint32_t ret = bpf_run(prog, len, arch, nr);

		ck_assert_msg(ret == (sandbox_allows(nr) ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS),
		    "syscall %u: %#x", nr, ret);
		allowed += ret == SECCOMP_RET_ALLOW;
		ck_assert_uint_eq(bpf_run(prog, len, arch ^ 1, nr), SECCOMP_RET_KILL_PROCESS);
	}
	ck_assert_uint_gt(allowed, 20);
	ck_assert(sandbox_allows(__NR_read) && !sandbox_allows(__NR_socket));
	ck_assert_uint_eq(bpf_run(prog, len, arch, 0x40000000u | __NR_read), SECCOMP_RET_KILL_PROCESS);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_inside);
	tcase_add_test(tc, filter_is_the_allow_list);
	tcase_add_loop_test(tc, no_access_outside_or_writes, 0, 3);
	tcase_add_loop_test(tc, killed_on_socket_or_exec, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
