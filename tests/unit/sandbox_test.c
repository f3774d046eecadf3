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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "sysfilter.h"
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

enum probe { READ_INSIDE, READ_OUTSIDE, WRITE_INSIDE, CREATE_INSIDE, SOCKET, EXEC, SIGNAL };

/* The test's own process: SIGNAL's target, another process than the probe. */
static pid_t tester;

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
	case SIGNAL:	/* signal 0: only whether it may */
		fd = syscall(SYS_tgkill, tester, tester, 0) == 0 ? 0 : -1;
		break;
	}
	_exit(fd >= 0 ? 0 : (errno == EACCES ? 13 : 99));
}

static int
run_probe(enum probe what, bool sandboxed)
{
	const char *layer;
	int rootfd, status;
	pid_t pid;

	ck_assert_int_ge(rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0);
	tester = getpid();
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		if (sandboxed && sandbox_enter(rootfd, &layer) < 0)
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

/*
 * seccomp: a system call serving does not need kills the process.  No
 * signal for another process either (the sanitizers' runtime needs them).
 */
#ifdef FS_SANITIZED
#define N_KILLED	2
#else
#define N_KILLED	3
#endif

START_TEST(killed_on_socket_exec_or_signal)
{
	static const enum probe killed[] = { SOCKET, EXEC, SIGNAL };
	int st;

	if (killed[_i] == SIGNAL) {
		st = run_probe(SIGNAL, false);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "control run failed: %#x", st);
	}
	st = run_probe(killed[_i], true);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "probe %d: status %#x", _i, st);
}
END_TEST

/* A classic-BPF interpreter for the few instructions the filter uses. */
static uint32_t
bpf_run(const struct sock_filter *p, size_t len, const struct seccomp_data *d)
{
	uint32_t a = 0;
	size_t pc = 0;

	while (pc < len) {
		const struct sock_filter *f = &p[pc++];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			ck_assert_uint_le(f->k + 4, sizeof(*d));
			memcpy(&a, (const char *)d + f->k, 4);
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

static uint32_t
run_args(enum fs_filter scope, uint32_t nr, const uint64_t args[6])
{
	struct sock_filter prog[256];
	size_t len = sysfilter_build(scope, prog, 256);
	struct seccomp_data d = { .nr = (int)nr };

	memcpy(d.args, args, sizeof(d.args));

	ck_assert_uint_gt(len, 5);
	/* The first comparison is the architecture's. */
	for (size_t i = 0; i < len; i++)
		if (prog[i].code == (BPF_JMP | BPF_JEQ | BPF_K)) {
			d.arch = prog[i].k;
			break;
		}
	return bpf_run(prog, len, &d);
}

static uint32_t
run_call(enum fs_filter scope, uint32_t nr, uint64_t a0, uint64_t a1)
{
	const uint64_t args[6] = { a0, a1 };

	return run_args(scope, nr, args);
}

/* Each scope allows exactly its lists, for every number, and nothing on another arch. */
START_TEST(filter_is_the_allow_list)
{
	static const enum fs_filter scopes[] = { FS_FILTER_SERVE, FS_FILTER_SPAWN, FS_FILTER_RELAY };
	enum fs_filter scope = scopes[_i];
	struct sock_filter prog[256];
	size_t len = sysfilter_build(scope, prog, 256);
	struct seccomp_data d = { 0 };
	uint32_t nr, allowed = 0;

	for (nr = 0; nr < 1024; nr++) {
		uint32_t ret = run_call(scope, nr, 0, 0);

		if (!sysfilter_lists(scope, nr) && (nr == __NR_sendto ||
		    (scope == FS_FILTER_SPAWN && (nr == __NR_setpgid || nr == __NR_clone3 ||
		    nr == __NR_clone || nr == __NR_prctl || nr == __NR_getpgid))))
			continue;	/* by their arguments: below */
		ck_assert_msg(ret == (sysfilter_lists(scope, nr) ? SECCOMP_RET_ALLOW :
		    SECCOMP_RET_KILL_PROCESS), "scope %d, syscall %u: %#x", _i, nr, ret);
		allowed += ret == SECCOMP_RET_ALLOW;
	}
	ck_assert_uint_gt(allowed, 20);
	d.nr = __NR_read;
	d.arch = 0x12345678;
	ck_assert_uint_eq(bpf_run(prog, len, &d), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_call(scope, 0x40000000u | __NR_read, 0, 0), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_call(scope, __NR_socket, 0, 0), SECCOMP_RET_KILL_PROCESS);
#ifndef FS_SANITIZED
	ck_assert_uint_eq(run_call(scope, __NR_tgkill, 0, 0), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_call(scope, __NR_tkill, 0, 0), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_call(scope, __NR_kill, 0, 0), SECCOMP_RET_KILL_PROCESS);
#endif
	ck_assert_uint_eq(run_call(scope, __NR_execve, 0, 0),
	    scope == FS_FILTER_SPAWN ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS);
}
END_TEST

/* What FS_FILTER_SPAWN allows only with given arguments. */
START_TEST(spawn_filter_arguments)
{
	const enum fs_filter sp = FS_FILTER_SPAWN;
	const uint32_t kill = SECCOMP_RET_KILL_PROCESS, allow = SECCOMP_RET_ALLOW;

	ck_assert_uint_eq(run_call(sp, __NR_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0), allow);
	ck_assert_uint_eq(run_call(sp, __NR_clone3, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
	ck_assert_uint_eq(run_call(sp, __NR_setpgid, 0, 0), allow);
	ck_assert_uint_eq(run_call(sp, __NR_setpgid, 0, 1), kill);
	ck_assert_uint_eq(run_call(sp, __NR_prctl, PR_SET_NO_NEW_PRIVS, 1), allow);
	ck_assert_uint_eq(run_call(sp, __NR_getpgid, FS_FILTER_PROBE_PID, 0),
	    SECCOMP_RET_ERRNO | (uint32_t)sysfilter_probe_errno());
	ck_assert_uint_eq(run_call(sp, __NR_getpgid, 0, 0), kill);
	ck_assert_int_ge(sysfilter_probe_errno(), 2048);
	ck_assert_int_le(sysfilter_probe_errno(), 4095);
#ifndef FS_SANITIZED	/* the sanitizers' runtime needs clone and prctl as they come */
	ck_assert_uint_eq(run_call(sp, __NR_clone, SIGCHLD, 0), kill);		/* fork */
	ck_assert_uint_eq(run_call(sp, __NR_clone, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, 0),
	    kill);
	ck_assert_uint_eq(run_call(sp, __NR_prctl, PR_SET_DUMPABLE, 1), kill);
#endif
	ck_assert_uint_eq(run_call(FS_FILTER_SERVE, __NR_clone3, 0, 0), kill);
	ck_assert_uint_eq(run_call(FS_FILTER_SERVE, __NR_getpgid, FS_FILTER_PROBE_PID, 0), kill);
}
END_TEST

/* filesvc-tlsd's relay: the connection and the command's socket, nothing else. */
START_TEST(relay_filter_opens_nothing)
{
	static const unsigned denied[] = {
		__NR_openat, __NR_openat2, __NR_execve, __NR_execveat, __NR_socket, __NR_connect,
		__NR_sendto, __NR_sendmsg, __NR_clone3, __NR_getdents64, __NR_newfstatat,
		__NR_sendfile, __NR_pread64, __NR_readlinkat, __NR_memfd_create, __NR_setpgid,
		__NR_getpgid,
	};
	static const unsigned allowed[] = {
		__NR_read, __NR_write, __NR_ppoll, __NR_shutdown, __NR_close, __NR_wait4,
		__NR_getrandom, __NR_exit_group,
	};
	size_t i;

	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		ck_assert_msg(run_call(FS_FILTER_RELAY, denied[i], 0, 0) == SECCOMP_RET_KILL_PROCESS,
		    "syscall %u", denied[i]);
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ck_assert_msg(run_call(FS_FILTER_RELAY, allowed[i], 0, 0) == SECCOMP_RET_ALLOW,
		    "syscall %u", allowed[i]);
#ifndef FS_SANITIZED
	ck_assert_uint_eq(run_call(FS_FILTER_RELAY, __NR_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0),
	    SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_call(FS_FILTER_RELAY, __NR_kill, 0, 0), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_call(FS_FILTER_RELAY, __NR_ptrace, 0, 0), SECCOMP_RET_KILL_PROCESS);
#endif
}
END_TEST

/* Both scopes: send() without an address, as write() with flags; never sendto() elsewhere. */
START_TEST(send_only_without_address)
{
	enum fs_filter scope = _i ? FS_FILTER_SPAWN : FS_FILTER_SERVE;
	const uint64_t plain[6] = { 1, 0x1000, 35, MSG_MORE, 0, 0 };
	const uint64_t to[6] = { 1, 0x1000, 35, 0, 0x7ffc12345670, 16 };
	const uint64_t high_only[6] = { 1, 0x1000, 35, 0, 0x7f0000000000, 16 };	/* low half 0 */
	const uint64_t low_only[6] = { 1, 0x1000, 35, 0, 0x10, 16 };

	ck_assert_uint_eq(run_args(scope, __NR_sendto, plain), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(run_args(scope, __NR_sendto, to), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_args(scope, __NR_sendto, high_only), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_args(scope, __NR_sendto, low_only), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(run_args(scope, __NR_sendmsg, plain), SECCOMP_RET_KILL_PROCESS);
	/* The rules come after the lists: a listed call still passes. */
	ck_assert_uint_eq(run_args(scope, __NR_write, to), SECCOMP_RET_ALLOW);
}
END_TEST

/* In a child that loaded FS_FILTER_SPAWN, as a spawner thread does. */
static void
spawn_filtered(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 || sysfilter_load(FS_FILTER_SPAWN) < 0)
		_exit(97);
}

/*
 * Under the inherited filter the handler loads no second one: it finds
 * one filter, exec is refused by Landlock (EACCES) rather than killed,
 * and a socket still kills it.  Without one it finds none.
 */
START_TEST(inherited_filter_is_used)
{
	const char *layer;
	int rootfd, status, n;
	char buf[4096], *at;
	pid_t pid;

	ck_assert(!sysfilter_inherited());
	ck_assert_int_ge(rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		int st = open("/proc/self/status", O_RDONLY);

		spawn_filtered();
		if (st < 0 || !sysfilter_inherited() || sandbox_enter(rootfd, &layer) < 0)
			_exit(98);
		/* Opened before Landlock; read again now. */
		n = (int)pread(st, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if ((at = strstr(buf, "Seccomp_filters:")) == NULL || atoi(at + 16) != 1)
			_exit(96);
		probe(rootfd, _i ? SOCKET : EXEC);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(rootfd);
	if (_i)
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x", status);
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 13, "status %#x", status);
}
END_TEST

/* A thread under FS_FILTER_SPAWN can posix_spawn a dynamically linked program, which runs. */
START_TEST(spawn_filter_starts_a_program)
{
	char *argv[] = { "echo", "started", NULL }, buf[16] = "";
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		posix_spawn_file_actions_t fa;
		pid_t child;

		(void)close(p[0]);
		spawn_filtered();
		if (posix_spawn_file_actions_init(&fa) != 0 ||
		    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO) != 0 ||
		    posix_spawnp(&child, "echo", &fa, NULL, argv, environ) != 0)
			_exit(95);
		_exit(0);	/* wait4 is not allowed: the pipe tells */
	}
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf) - 1), 8);
	ck_assert_str_eq(buf, "started\n");
	close(p[0]);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_inside);
	tcase_add_loop_test(tc, filter_is_the_allow_list, 0, 3);
	tcase_add_test(tc, spawn_filter_arguments);
	tcase_add_test(tc, relay_filter_opens_nothing);
	tcase_add_loop_test(tc, send_only_without_address, 0, 2);
	tcase_add_loop_test(tc, inherited_filter_is_used, 0, 2);
	tcase_add_test(tc, spawn_filter_starts_a_program);
	tcase_add_loop_test(tc, no_access_outside_or_writes, 0, 3);
	tcase_add_loop_test(tc, killed_on_socket_exec_or_signal, 0, N_KILLED);
	suite_add_tcase(s, tc);
	return s;
}
