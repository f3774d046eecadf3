/*
 * A stop (SIGTERM from filesvc-inetd at the end of its grace time, or
 * from systemd) in the middle of a file transfer: the handler logs the
 * request with the bytes sent of those promised, then exits.  No handler
 * runs asynchronously: while a request is answered SIGTERM is blocked,
 * and the file transfer reads it from a signalfd, which it checks between
 * chunks and polls beside the client.  Between requests SIGTERM keeps its
 * default action, and one held meanwhile is delivered then.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "handler.h"
#include "log.h"

static void
term_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
}

void
sigterm_open(struct session *s)
{
	sigset_t set;

	term_set(&set);
	/* A signalfd reads only blocked signals: until a request blocks SIGTERM, it sees none. */
	if ((s->termfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		log_msg(LOG_WARNING, errno, "cannot open a signalfd: a stop will cut transfers "
		    "without their log line");
}

void
sigterm_hold(struct session *s)
{
	sigset_t set;

	if (s->termfd < 0 || s->term_held)
		return;
	term_set(&set);
	/* Only SIG_BLOCK with a valid set: it cannot fail. */
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	s->term_held = true;
}

void
sigterm_release(struct session *s)
{
	sigset_t set;

	if (!s->term_held)
		return;
	term_set(&set);
	/* A stop that came after the transfer's last check is delivered here: default action. */
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	s->term_held = false;
}

bool
sigterm_caught(struct session *s)
{
	struct signalfd_siginfo si;

	if (!s->term_held || read(s->termfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return false;
	s->stopped = true;
	s->gone = true;
	return true;
}

int
sigterm_wait(struct session *s, int fd, short events, int64_t deadline)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = s->termfd, .events = POLLIN },
	};
	nfds_t n = s->term_held ? 2 : 1;

	for (;;) {
		int64_t left = deadline - io_now_ms();
		int r = poll(p, n, left <= 0 ? 0 : (left > 1000000 ? 1000000 : (int)left));

		if (r > 0 && p[1].revents != 0 && sigterm_caught(s))
			return -ECANCELED;
		if (r > 0 && p[0].revents != 0)
			return 1;
		if (r == 0 && left <= 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return -errno;
	}
}
