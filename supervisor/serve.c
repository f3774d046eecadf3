/*
 * What each event of the loop means.  One epoll set holds the listeners,
 * a signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2), five
 * timerfds (accept pause, shutdown steps, STATUS= ticks, PROXY header
 * deadlines, the fork server's restart or greeting), a new fork server's
 * socket until its greeting, the spawner threads' eventfd (workers.c) and, with
 * --proxy-protocol, the connections whose header has not arrived yet.
 * No signal handler ever runs asynchronously; every reaction is plain
 * code in this thread, the only one that touches the connection table.
 * This file only routes: admit.c, proxyin.c, reap.c, stop.c, report.c and
 * forkserve.c do the work.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"

/* epoll tags: a listener's index, or one of these, or SV_TAG_PENDING and up. */
enum { TAG_SIGNAL = SV_LISTEN_MAX, TAG_PAUSE, TAG_STOP, TAG_STATUS, TAG_PROXY, TAG_SPAWNED,
	TAG_FORK, TAG_END };
_Static_assert(TAG_END <= SV_TAG_FORK_GREETING, "epoll tags collide");

/*
 * Block the signals we handle and read them from a signalfd.  Call
 * before the first child exists, so no SIGCHLD can be lost.
 */
void
serve_signals(struct supervisor *sv)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		die(FS_EXIT_FAIL, errno, "cannot block signals");
	if ((sv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		die(FS_EXIT_FAIL, errno, "cannot create a signalfd");
	/* We never write to a client; stderr gone must not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die(FS_EXIT_FAIL, errno, "cannot ignore SIGPIPE");
}

void
serve_setup(struct supervisor *sv)
{
	sv->epfd = loop_open();
	sv->pausefd = loop_timer_open();
	sv->stopfd = loop_timer_open();
	sv->statusfd = loop_timer_open();
	sv->proxyfd = loop_timer_open();
	/* Only when needed: under a tight RLIMIT_NOFILE each fd is one connection fewer. */
	sv->forkfd = sv->opt->fork_server ? loop_timer_open() : -1;
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->sigfd, TAG_SIGNAL);
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->pausefd, TAG_PAUSE);
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->stopfd, TAG_STOP);
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->statusfd, TAG_STATUS);
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->proxyfd, TAG_PROXY);
	if (sv->forkfd >= 0)
		loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->forkfd, TAG_FORK);
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->workers.donefd, TAG_SPAWNED);
	admit_setup(sv);
}

/* A batch of connections from l: to their PROXY header first, or straight to a spawner. */
static void
listener_ready(struct supervisor *sv, const struct listener *l)
{
	int n, fd;

	for (n = 0; n < SV_ACCEPT_BATCH; n++) {
		struct sockaddr_storage ss;
		socklen_t len;

		if ((fd = admit_accept(sv, l, &ss, &len)) == -EAGAIN)
			break;
		if (fd < 0)
			continue;
		if (sv->opt->proxy)
			proxyin_accepted(sv, (uint32_t)(l - sv->ls), fd, &ss, len);
		else
			admit_conn(sv, l, fd, &ss, len);
	}
	admit_poll(sv);
}

static void
signals_dispatch(struct supervisor *sv)
{
	struct signalfd_siginfo si;
	bool child = false;
	ssize_t n;

	while ((n = read(sv->sigfd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			child = true;
			break;
		case SIGTERM:
		case SIGINT:
			stop_begin(sv, (int)si.ssi_signo);
			break;
		case SIGUSR1:
			report_log(sv);
			break;
		default:	/* SIGHUP, SIGUSR2: nothing to do; blocked so they cannot kill us */
			break;
		}
	}
	if (n == -1 && errno != EAGAIN)
		die(FS_EXIT_FAIL, errno, "cannot read signals");
	if (child)
		reap_exits(sv);
}

static void
event_dispatch(struct supervisor *sv, uint64_t tag, uint32_t events)
{
	switch (tag) {
	case TAG_SIGNAL:
		signals_dispatch(sv);
		break;
	case TAG_PAUSE:
		admit_pause_end(sv);
		break;
	case TAG_STOP:
		stop_escalate(sv);
		break;
	case TAG_STATUS:
		report_tick(sv);
		break;
	case TAG_PROXY:
		proxyin_expire(sv);
		break;
	case TAG_SPAWNED:
		reap_spawns(sv);
		break;
	case TAG_FORK:
		forkserve_timer(sv);
		break;
	case SV_TAG_FORK_GREETING:
		forkserve_greeting(sv);
		break;
	default:
		if (tag >= SV_TAG_PENDING) {
			proxyin_event(sv, tag - SV_TAG_PENDING, events);
			break;
		}
		/* A listener's event from this batch may be stale: closed or unpolled since. */
		if (sv->polling && tag < sv->nls)
			listener_ready(sv, &sv->ls[tag]);
		break;
	}
}

void
serve(struct supervisor *sv)
{
	struct epoll_event ev[32];
	int i, n;

	/* The fork server too: it exits once stop_begin() closed our end, and is reaped. */
	while (sv->phase == PHASE_RUN || sv->conns.live > 0 || sv->pend.live > 0 ||
	    sv->fs.pid != 0) {
		n = loop_wait(sv->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])));
		for (i = 0; i < n; i++)
			event_dispatch(sv, ev[i].data.u64, ev[i].events);
	}
	log_msg(LOG_NOTICE, 0, "stopped: %" PRIu64 " connections served", sv->accepted);
}

void
serve_close(struct supervisor *sv)
{
	if (sv->forkfd >= 0)
		io_close_unwritten(sv->forkfd);
	io_close_unwritten(sv->proxyfd);
	io_close_unwritten(sv->statusfd);
	io_close_unwritten(sv->stopfd);
	io_close_unwritten(sv->pausefd);
	io_close_unwritten(sv->epfd);
	io_close_unwritten(sv->sigfd);
}
