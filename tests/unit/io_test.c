/*
 * common/io.c over real pipes and socket pairs: a deadline that passes ends a
 * wait after it and not before, one that does not lets the data through, and
 * writes finish, time out or see the peer gone.  Bounds are checked on one
 * side only (never "within N ms"): timing goals live in bench/.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "unit.h"

static int fds[2];

static void
pipe_setup(void)
{
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
}

static void
pair_setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
	/* A vanished peer must be EPIPE here, not death by SIGPIPE. */
	ck_assert(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
}

static void
close_both(void)
{
	(void)close(fds[0]);	/* a test may have closed one already */
	(void)close(fds[1]);
}

/* A child that sleeps ms, then writes len bytes to fd (0: only closes its copy). */
static pid_t
later(int fd, int ms, size_t len)
{
	static const char junk[4096];
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)usleep((useconds_t)ms * 1000);
		_exit(len == 0 || write(fd, junk, len) == (ssize_t)len ? 0 : 1);
	}
	return pid;
}

static void
reaped(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Fill a non-blocking socket until the kernel takes no more. */
static void
fill(int fd)
{
	static const char junk[65536];

	ck_assert_int_eq(io_set_nonblock(fd, 1), 0);
	while (write(fd, junk, sizeof(junk)) > 0)
		continue;
	ck_assert_int_eq(errno, EAGAIN);
}

START_TEST(clock_monotonic)
{
	int64_t a = io_now_ms(), b = io_now_ms();

	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, a);
	ck_assert_int_gt(io_wall_seconds(), 1600000000);	/* after 2020: a wall clock */
}
END_TEST

START_TEST(wait_deadline_passes)
{
	int64_t deadline = io_now_ms() + 100;

	ck_assert_int_eq(io_wait(fds[0], POLLIN, deadline), 0);
	ck_assert_int_ge(io_now_ms(), deadline);	/* not a moment early */
}
END_TEST

START_TEST(wait_deadline_already_past)
{
	ck_assert_int_eq(io_wait(fds[0], POLLIN, io_now_ms() - 1), 0);
}
END_TEST

/* Data beats even a deadline that has passed: a ready fd is never a timeout. */
START_TEST(wait_ready_beats_past_deadline)
{
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(io_wait(fds[0], POLLIN, io_now_ms() - 1000), 1);
	ck_assert_int_eq(io_wait(fds[0], POLLIN, -1), 1);
}
END_TEST

START_TEST(wait_data_before_deadline)
{
	int64_t deadline = io_now_ms() + 60000;
	pid_t pid = later(fds[1], 50, 1);

	ck_assert_int_eq(io_wait(fds[0], POLLIN, deadline), 1);
	ck_assert_int_lt(io_now_ms(), deadline);
	reaped(pid);
}
END_TEST

/* A closed writer is "ready": the read that follows sees the end. */
START_TEST(wait_eof_is_ready)
{
	ck_assert_int_eq(close(fds[1]), 0);
	ck_assert_int_eq(io_wait(fds[0], POLLIN, io_now_ms() + 60000), 1);
}
END_TEST

static void
tick(int sig)
{
	(void)sig;
}

/* A signal interrupts poll(): the wait goes on, to the same deadline. */
START_TEST(wait_eintr_keeps_deadline)
{
	struct sigaction sa = { .sa_handler = tick };	/* no SA_RESTART */
	struct itimerval it = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	int64_t deadline = io_now_ms() + 200;

	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_int_eq(io_wait(fds[0], POLLIN, deadline), 0);
	ck_assert_int_ge(io_now_ms(), deadline);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &off, NULL), 0);
}
END_TEST

START_TEST(wait_pollout_full_socket)
{
	int64_t deadline = io_now_ms() + 100;

	fill(fds[0]);
	ck_assert_int_eq(io_wait(fds[0], POLLOUT, deadline), 0);
	ck_assert_int_ge(io_now_ms(), deadline);
}
END_TEST

START_TEST(write_all_arrives)
{
	char buf[100];

	ck_assert_int_eq(io_write_all(fds[1], "hello", 5, 1000), 0);
	ck_assert_int_eq(io_send_all(fds[1], ", world", 7, MSG_MORE, 1000), 0);
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	ck_assert_int_eq(read(fds[0], buf, sizeof(buf)), 12);
	ck_assert_int_eq(memcmp(buf, "hello, world", 12), 0);
}
END_TEST

/* Nobody reads: each wait for room lasts idle_ms, then the write gives up. */
START_TEST(write_all_idle_times_out)
{
	static const char more[65536];
	int64_t start;

	fill(fds[1]);
	start = io_now_ms();
	ck_assert_int_eq(io_write_all(fds[1], more, sizeof(more), 100), -ETIMEDOUT);
	ck_assert_int_ge(io_now_ms(), start + 100);
}
END_TEST

/* A reader that comes back before idle_ms has passed: the write completes. */
START_TEST(write_all_slow_reader)
{
	static char more[256 * 1024];
	char buf[65536];
	size_t got = 0;
	pid_t pid;
	ssize_t n;

	fill(fds[1]);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)close(fds[0]);
		_exit(io_write_all(fds[1], more, sizeof(more), 60000) == 0 ? 0 : 1);
	}
	(void)close(fds[1]);
	(void)usleep(100000);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		got += (size_t)n;
	ck_assert_int_eq(n, 0);
	ck_assert_uint_gt(got, sizeof(more));	/* what fill() left, then all of ours */
	reaped(pid);
}
END_TEST

START_TEST(write_all_peer_gone)
{
	ck_assert_int_eq(close(fds[0]), 0);
	ck_assert_int_eq(io_write_all(fds[1], "x", 1, 1000), -EPIPE);
}
END_TEST

START_TEST(write_all_pipe_reader_gone)
{
	ck_assert(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(close(fds[0]), 0);
	ck_assert_int_eq(io_write_all(fds[1], "x", 1, 1000), -EPIPE);
}
END_TEST

START_TEST(set_nonblock)
{
	ck_assert_int_eq(io_set_nonblock(fds[0], 1), 0);
	ck_assert(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
	ck_assert_int_eq(io_set_nonblock(fds[0], 0), 0);
	ck_assert(!(fcntl(fds[0], F_GETFL) & O_NONBLOCK));
	ck_assert_int_eq(io_set_nonblock(-1, 1), -EBADF);
}
END_TEST

/* The descriptor is gone afterwards, and a caller's saved errno survives, failure or not. */
START_TEST(close_unwritten)
{
	char c;

	errno = ENOSPC;
	io_close_unwritten(fds[1]);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(fcntl(fds[1], F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(read(fds[0], &c, 1), 0);	/* the only writer is closed: EOF */
	errno = ENOSPC;
	io_close_unwritten(-1);	/* close() fails with EBADF */
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

/* Each test runs in its own process (Check forks), so closing fd 0 here is ours. */
START_TEST(fds_ensure_open)
{
	struct stat st;

	ck_assert_int_eq(close(0), 0);
	ck_assert_int_eq(io_fds_ensure_open(), 0);
	ck_assert_int_eq(fstat(0, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));	/* /dev/null */
	ck_assert_int_eq(io_fds_ensure_open(), 0);	/* nothing to do */
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("io");
	TCase *p = tcase_create("pipe"), *sp = tcase_create("socketpair");
	TCase *misc = tcase_create("misc");

	tcase_add_checked_fixture(p, pipe_setup, close_both);
	tcase_add_test(p, wait_deadline_passes);
	tcase_add_test(p, wait_deadline_already_past);
	tcase_add_test(p, wait_ready_beats_past_deadline);
	tcase_add_test(p, wait_data_before_deadline);
	tcase_add_test(p, wait_eof_is_ready);
	tcase_add_test(p, wait_eintr_keeps_deadline);
	tcase_add_test(p, write_all_pipe_reader_gone);
	tcase_add_test(p, set_nonblock);
	tcase_add_test(p, close_unwritten);
	suite_add_tcase(s, p);

	tcase_add_checked_fixture(sp, pair_setup, close_both);
	tcase_add_test(sp, wait_pollout_full_socket);
	tcase_add_test(sp, write_all_arrives);
	tcase_add_test(sp, write_all_idle_times_out);
	tcase_add_test(sp, write_all_slow_reader);
	tcase_add_test(sp, write_all_peer_gone);
	suite_add_tcase(s, sp);

	tcase_add_test(misc, clock_monotonic);
	tcase_add_test(misc, fds_ensure_open);
	suite_add_tcase(s, misc);
	return s;
}
