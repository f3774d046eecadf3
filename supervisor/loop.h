/*
 * The pieces of filesvc-inetd's event loop that know nothing of what the
 * events mean: one epoll set, timerfds, and the wait.  serve.c says what
 * each event means.  Every failure here is fatal: die().
 */
#ifndef FS_INETD_LOOP_H
#define FS_INETD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

/* A new epoll set, close-on-exec. */
int loop_open(void);

/* EPOLL_CTL_ADD or _DEL fd, for EPOLLIN, with tag as its event data. */
void loop_ctl(int epfd, int op, int fd, uint64_t tag);

/* Block until events arrive; their number (0 after a signal interrupted the wait). */
int loop_wait(int epfd, struct epoll_event *ev, int max);

/* A new non-blocking CLOCK_MONOTONIC timerfd, disarmed. */
int loop_timer_open(void);

/* Fire fd in ms (> 0; 0 disarms), and every ms after that with repeat. */
void loop_timer_arm(int fd, int64_t ms, bool repeat);

/* Consume fd's expirations, so its readiness ends. */
void loop_timer_drain(int fd);

#endif
