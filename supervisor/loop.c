/*
 * The event loop's mechanics: an epoll set, timerfds, and the wait.  What
 * the events mean (signals, listeners, the spawner threads, timers) is
 * serve.c's business; this file calls no other part of filesvc-inetd.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fs-limits.h"
#include "log.h"
#include "loop.h"

int
loop_open(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd == -1)
		die(FS_EXIT_FAIL, errno, "cannot create an epoll set");
	return fd;
}

void
loop_ctl(int epfd, int op, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(epfd, op, fd, &ev) == -1)
		die(FS_EXIT_FAIL, errno, "cannot change the epoll set (fd %d)", fd);
}

int
loop_wait(int epfd, struct epoll_event *ev, int max)
{
	int n = epoll_wait(epfd, ev, max, -1);

	if (n == -1 && errno == EINTR)
		return 0;
	if (n == -1)
		die(FS_EXIT_FAIL, errno, "epoll_wait");
	return n;
}

int
loop_timer_open(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd == -1)
		die(FS_EXIT_FAIL, errno, "cannot create a timer");
	return fd;
}

void
loop_timer_arm(int fd, int64_t ms, bool repeat)
{
	struct itimerspec its = { .it_value = { .tv_sec = ms / 1000,
	    .tv_nsec = (ms % 1000) * 1000000 } };

	if (repeat)
		its.it_interval = its.it_value;
	if (timerfd_settime(fd, 0, &its, NULL) == -1)
		die(FS_EXIT_FAIL, errno, "cannot arm a timer");
}

void
loop_timer_drain(int fd)
{
	uint64_t expirations;

	/* EAGAIN: the event was stale (re-armed or disarmed since); nothing to drain. */
	(void)!read(fd, &expirations, sizeof(expirations));
}
