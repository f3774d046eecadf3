/*
 * The event loop: one epoll set holding the listeners, a signalfd
 * (SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2), four timerfds (accept pause,
 * shutdown steps, STATUS= ticks, PROXY header deadlines), the spawner
 * threads' eventfd (pool.c) and, with --proxy-protocol, the connections
 * whose header has not arrived yet.  No signal handler ever runs
 * asynchronously; every reaction is plain code in this thread, the only
 * one that touches the connection table.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"
#include "notify.h"

/* epoll tags: a listener's index, or one of these. */
enum { TAG_SIGNAL = SV_LISTEN_MAX, TAG_PAUSE, TAG_STOP, TAG_STATUS, TAG_PROXY, TAG_SPAWNED };

static void
ep_ctl(struct supervisor *sv, int op, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(sv->epfd, op, fd, &ev) == -1)
		die(FS_EXIT_FAIL, errno, "cannot change the epoll set (fd %d)", fd);
}

static int
timer_open(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd == -1)
		die(FS_EXIT_FAIL, errno, "cannot create a timer");
	return fd;
}

void
serve_timer_arm(int fd, int64_t ms, bool repeat)
{
	struct itimerspec its = { .it_value = { .tv_sec = ms / 1000,
	    .tv_nsec = (ms % 1000) * 1000000 } };

	if (repeat)
		its.it_interval = its.it_value;
	if (timerfd_settime(fd, 0, &its, NULL) == -1)
		die(FS_EXIT_FAIL, errno, "cannot arm a timer");
}

void
serve_timer_drain(int fd)
{
	uint64_t expirations;

	/* EAGAIN: the event was stale (re-armed or disarmed since); nothing to drain. */
	(void)!read(fd, &expirations, sizeof(expirations));
}

/*
 * Connections waiting for their PROXY header count against -c like
 * children do: each holds an fd and a slot until its header comes or its
 * deadline passes, so the cap still bounds what a crowd can make us hold.
 */
bool
serve_full(const struct supervisor *sv)
{
	return sv->conns.live + sv->pend.live >= sv->conns.max;
}

/* Whether to take one more connection now; see serve_listeners_poll(). */
static bool
accepting(const struct supervisor *sv)
{
	return sv->phase == PHASE_RUN && !sv->paused && !serve_full(sv) && !pool_busy(&sv->pool);
}

/*
 * Poll the listeners only while we would accept: not at the -c cap (the
 * kernel's backlog holds the rest until a child exits), not while every
 * spawner thread has work queued (until one comes back), not while out
 * of fds, not after SIGTERM.
 */
void
serve_listeners_poll(struct supervisor *sv)
{
	bool want = accepting(sv);
	size_t i;

	if (want == sv->polling)
		return;
	for (i = 0; i < sv->nls; i++)
		ep_ctl(sv, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, sv->ls[i].fd, i);
	sv->polling = want;
}

/* With --proxy-protocol, the connections still owing their header hold -c slots too. */
static void
status_text(const struct supervisor *sv, char *dst, size_t size)
{
	char waiting[64] = "", closed[64] = "";

	if (sv->opt->proxy) {
		(void)snprintf(waiting, sizeof(waiting), " and %zu awaiting a PROXY header",
		    sv->pend.live);
		(void)snprintf(closed, sizeof(closed), ", %" PRIu64 " closed without one",
		    sv->unproxied);
	}
	(void)snprintf(dst, size, "%zu connections%s (at most %u), %" PRIu64 " started, %" PRIu64
	    " over the per-source cap, %" PRIu64 " failed to start%s", sv->conns.live, waiting,
	    sv->opt->max_conn, sv->accepted, sv->refused, sv->failed, closed);
}

/*
 * The counts changed: send STATUS= within a second.  One datagram per
 * connection would cost more than the connection; a periodic timer would
 * wake an idle supervisor for nothing.  So: a one-shot timer, armed by the
 * first change after each update.
 */
void
serve_status_changed(struct supervisor *sv)
{
	if (!notify_enabled(&sv->nt) || sv->status_armed)
		return;
	sv->status_armed = true;
	serve_timer_arm(sv->statusfd, 1000, false);
}

static void
status_tick(struct supervisor *sv)
{
	char text[256];

	serve_timer_drain(sv->statusfd);
	sv->status_armed = false;
	status_text(sv, text, sizeof(text));
	notify_status(&sv->nt, text);
}

/* SIGUSR1: what STATUS= says, for an administrator with no service manager to ask. */
static void
status_log(const struct supervisor *sv)
{
	char text[256];

	status_text(sv, text, sizeof(text));
	log_msg(LOG_NOTICE, 0, "status: %s", text);
}

/* Out of fds or kernel memory: stop accepting briefly instead of spinning. */
static void
accept_pause(struct supervisor *sv, int err)
{
	int64_t now = io_now_ms();

	/*
	 * By time, not per burst: with descriptors for about one connection,
	 * each child's exit lets one accept succeed and the next fail, so a
	 * line per burst was a line per connection.
	 */
	if (now - sv->pause_log_ms < SV_PAUSE_LOG_MS) {
		sv->pauses_quiet++;
	} else {
		if (sv->pauses_quiet == 0)
			log_msg(LOG_ERR, err, "cannot accept; pausing accepts for %d ms", SV_PAUSE_MS);
		else
			log_msg(LOG_ERR, err, "cannot accept; pausing accepts for %d ms (paused %"
			    PRIu64 " more times since the last such line)", SV_PAUSE_MS,
			    sv->pauses_quiet);
		sv->pause_log_ms = now;
		sv->pauses_quiet = 0;
	}
	sv->paused = true;
	serve_timer_arm(sv->pausefd, SV_PAUSE_MS, false);
	serve_listeners_poll(sv);
}

static void
pause_end(struct supervisor *sv)
{
	serve_timer_drain(sv->pausefd);
	sv->paused = false;
	serve_listeners_poll(sv);
}

/* A connection's addresses as text: t[0] the client's, t[1] ours. */
static int
conn_text(const struct listener *l, int fd, const struct sockaddr *sa, socklen_t len,
    struct addr_text t[2])
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int r;

	if ((r = addr_format(sa, len, &t[0])) < 0)
		return r;
	if (l->local_known) {
		t[1] = l->local;
		return 0;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return -errno;
	return addr_format((struct sockaddr *)&ss, sslen, &t[1]);
}

/* One over the per-source cap: accepted (so it leaves the backlog), closed, logged. */
static void
refuse(struct supervisor *sv, const struct addr_text *remote, int fd)
{
	char peer[ADDR_PEER_MAX];

	addr_peer(remote, peer, sizeof(peer));
	log_msg(LOG_WARNING, 0, "%s: over %u connections from one source: closed", peer,
	    sv->opt->max_per_source);
	sv->refused++;
	serve_status_changed(sv);
	(void)close(fd);	/* protocol-agnostic: we say nothing, we only close */
}

/*
 * Hand fd, whose client is ss (the socket's peer, or the PROXY header's),
 * to a spawner thread.  Its slot is taken now, so -c and -C count it
 * while the spawn is under way.
 */
void
serve_conn_start(struct supervisor *sv, const struct listener *l, int fd,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct addr_text t[2];	/* remote, local */
	struct pool_job *job;
	struct conn_slot *s;
	struct addr_key key;
	uint32_t idx;
	int r;

	if ((r = addr_source_key((const struct sockaddr *)ss, len, &key)) < 0 ||
	    (r = conn_text(l, fd, (const struct sockaddr *)ss, len, t)) < 0) {
		log_msg(LOG_ERR, -r, "%s: cannot read a connection's addresses", l->name);
		(void)close(fd);	/* nothing was written to it */
		return;
	}
	if (conn_source_full(&sv->conns, &key)) {
		refuse(sv, &t[0], fd);
		return;
	}
	if ((s = conn_reserve(&sv->conns, &key)) == NULL) {	/* serve_full() said there was room */
		log_msg(LOG_ERR, 0, "connection table inconsistent: %zu live", sv->conns.live);
		(void)close(fd);
		return;
	}
	s->peer = t[0];
	s->start_ms = io_now_ms();
	idx = conn_index(&sv->conns, s);
	job = &sv->pool.job[idx];
	job->fd = fd;
	job->remote = t[0];
	job->local = t[1];
	pool_submit(&sv->pool, idx);
}

/* Returns true when this listener has nothing more for now. */
static bool
accept_failed(struct supervisor *sv, const struct listener *l, int err)
{
	switch (err) {
	case EAGAIN:
		return true;
	case EINTR:
	case ECONNABORTED:	/* the client left while queued: its problem, not ours */
	case EPROTO:
	case EPERM:		/* a firewall said no to this one */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return false;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		accept_pause(sv, err);
		return true;
	default:
		/* Unknown: log it and pause too, rather than spin on it. */
		log_msg(LOG_ERR, err, "cannot accept on %s", l->name);
		accept_pause(sv, err);
		return true;
	}
}

static void
accept_batch(struct supervisor *sv, const struct listener *l)
{
	/* The header is read inside this loop, so the socket must not block us. */
	int flags = SOCK_CLOEXEC | (sv->opt->proxy ? SOCK_NONBLOCK : 0);
	int n;

	for (n = 0; n < SV_ACCEPT_BATCH && accepting(sv); n++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, flags);

		if (fd == -1) {
			if (accept_failed(sv, l, errno))
				break;
			continue;
		}
		if (sv->opt->proxy)
			proxyin_accepted(sv, (uint32_t)(l - sv->ls), fd, &ss, len);
		else
			serve_conn_start(sv, l, fd, &ss, len);
	}
	serve_listeners_poll(sv);
}

/* One line per ended connection: at -v always, otherwise when it went wrong. */
static void
child_log(const struct supervisor *sv, const struct conn_slot *s, int status)
{
	int64_t ms = io_now_ms() - s->start_ms;
	char peer[ADDR_PEER_MAX];

	addr_peer(&s->peer, peer, sizeof(peer));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		/* Our own SIGTERM/SIGKILL after the grace time is no news. */
		bool ours = sv->phase >= PHASE_TERM && (sig == SIGTERM || sig == SIGKILL);

		log_msg(ours ? LOG_INFO : LOG_WARNING, 0,
		    "%s: pid %d killed by signal %d (%s)%s after %" PRId64 " ms", peer, (int)s->pid,
		    sig, strsignal(sig), WCOREDUMP(status) ? ", core dumped" : "", ms);
	} else {
		int code = WEXITSTATUS(status);

		log_msg(code == 0 ? LOG_INFO : LOG_WARNING, 0,
		    "%s: pid %d exited with status %d after %" PRId64 " ms", peer, (int)s->pid,
		    code, ms);
	}
}

/* Reap pid, which has exited, and end its connection if it was one. */
static bool
reap_one(struct supervisor *sv, pid_t pid)
{
	struct conn_slot s;
	int status;

	if (waitpid(pid, &status, WNOHANG) != pid) {
		log_msg(LOG_WARNING, errno, "cannot reap pid %d", (int)pid);
		return false;
	}
	if (conn_remove(&sv->conns, pid, &s) == 0) {	/* else one we inherited across exec */
		child_log(sv, &s, status);
		serve_status_changed(sv);
	}
	return true;
}

/*
 * Whether an exited pid the table does not know may be reaped now.  A
 * child can exit before the thread that spawned it has handed us its pid;
 * reaping it then would free the pid for reuse before we could tell it
 * was ours.  So an unknown pid stays a zombie until every job submitted
 * before we saw it has come back (spawns finish in any order, so each
 * is counted by its seq in spawn_done(), which reaps again); if it is
 * still unknown then, it never was a connection's.
 */
static bool
unknown_reapable(struct supervisor *sv, pid_t pid)
{
	if (sv->unknown_pid != pid) {
		sv->unknown_pid = pid;
		sv->unknown_seq = sv->pool.submitted;
		sv->unknown_left = sv->pool.submitted - sv->pool.taken;
	}
	return sv->unknown_left == 0;
}

/*
 * One SIGCHLD may stand for many exits: reap until nothing is left.  Each
 * exit is looked at first (WNOWAIT) and reaped by its pid, see above.
 */
static void
reap(struct supervisor *sv)
{
	for (;;) {
		siginfo_t si = { .si_pid = 0 };

		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno != ECHILD)
				log_msg(LOG_WARNING, errno, "waitid");
			else
				sv->unknown_pid = 0;	/* no child at all: as below */
			break;
		}
		if (si.si_pid == 0) {
			/*
			 * None exited: a pid held back is no zombie any more
			 * (posix_spawn() reaps a child whose exec failed).  Kept,
			 * it would let a later child that reuses the number be
			 * reaped before its spawn is recorded.
			 */
			sv->unknown_pid = 0;
			break;
		}
		if (!conn_has(&sv->conns, si.si_pid) && !unknown_reapable(sv, si.si_pid))
			break;
		sv->unknown_pid = 0;
		if (!reap_one(sv, si.si_pid))
			break;
	}
	serve_listeners_poll(sv);
}

/* Signal a child's process group, or the child alone if it has left it. */
static void
kill_one(pid_t pid, int sig)
{
	if (kill(-pid, sig) == -1)
		(void)kill(pid, sig);	/* it left its group; ESRCH: it is exiting */
}

/* A spawn came back: record the child, or count and log the failure. */
static void
spawn_done(struct supervisor *sv, uint32_t idx)
{
	const struct pool_job *job = &sv->pool.job[idx];
	struct conn_slot *s = &sv->conns.slot[idx];
	char peer[ADDR_PEER_MAX];
	int r;

	if (sv->unknown_pid != 0 && job->seq <= sv->unknown_seq)
		sv->unknown_left--;
	if (job->err != 0) {
		addr_peer(&s->peer, peer, sizeof(peer));
		log_msg(LOG_ERR, job->err, "%s: cannot start %s", peer, sv->sp.path);
		sv->failed++;
		conn_release(&sv->conns, s);
		return;
	}
	sv->accepted++;
	if ((r = conn_bind(&sv->conns, s, job->pid)) < 0) {
		log_msg(LOG_ERR, -r, "pid %d: connection table inconsistent", (int)job->pid);
		conn_release(&sv->conns, s);
		return;
	}
	if (sv->phase == PHASE_TERM)
		kill_one(job->pid, SIGTERM);
	else if (sv->phase == PHASE_KILL)
		kill_one(job->pid, SIGKILL);
}

static void
spawned(struct supervisor *sv)
{
	uint32_t idx[64];
	size_t n, i;

	do {
		n = pool_take(&sv->pool, idx, sizeof(idx) / sizeof(idx[0]));
		for (i = 0; i < n; i++)
			spawn_done(sv, idx[i]);
	} while (n == sizeof(idx) / sizeof(idx[0]));
	serve_status_changed(sv);
	if (sv->unknown_pid != 0)
		reap(sv);	/* an exit we held back may be ours now */
	serve_listeners_poll(sv);	/* the workers have room again */
}

/*
 * Send sig to every child.  Each is a process group leader (spawn.c), so
 * the group takes anything the program started too.  An unreaped child
 * keeps its pid, so this can never hit a stranger.  Children still being
 * spawned get sig when they come back (spawn_done).
 */
static void
kill_all(struct supervisor *sv, int sig)
{
	size_t i;

	for (i = 0; i < sv->conns.max; i++) {
		pid_t pid = sv->conns.slot[i].pid;

		if (pid != 0)
			kill_one(pid, sig);
	}
}

/* The grace time is over (or a second SIGTERM came): SIGTERM, then SIGKILL. */
static void
stop_escalate(struct supervisor *sv)
{
	serve_timer_drain(sv->stopfd);
	if (sv->phase == PHASE_GRACE) {
		log_msg(LOG_NOTICE, 0, "sending SIGTERM to %zu connections", sv->conns.live);
		sv->phase = PHASE_TERM;
		kill_all(sv, SIGTERM);
		proxyin_close_all(sv);
		serve_timer_arm(sv->stopfd, SV_KILL_DELAY_S * 1000, false);
	} else if (sv->phase == PHASE_TERM) {
		log_msg(LOG_NOTICE, 0, "sending SIGKILL to %zu connections", sv->conns.live);
		sv->phase = PHASE_KILL;
		kill_all(sv, SIGKILL);
	}
}

static void
stop_begin(struct supervisor *sv, int sig)
{
	char text[256];

	if (sv->phase != PHASE_RUN) {
		log_msg(LOG_NOTICE, 0, "%s again: not waiting any longer", strsignal(sig));
		stop_escalate(sv);
		return;
	}
	listen_close(sv);	/* new clients get a refusal, not a wait */
	sv->polling = false;
	sv->phase = PHASE_GRACE;
	status_text(sv, text, sizeof(text));
	notify_stopping(&sv->nt, text);
	log_msg(LOG_NOTICE, 0, "%s: stopped listening; %zu connections have %u s to finish",
	    strsignal(sig), sv->conns.live, sv->opt->grace_s);
	if (sv->opt->grace_s == 0)
		stop_escalate(sv);
	else
		serve_timer_arm(sv->stopfd, (int64_t)sv->opt->grace_s * 1000, false);
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
			status_log(sv);
			break;
		default:	/* SIGHUP, SIGUSR2: nothing to do; blocked so they cannot kill us */
			break;
		}
	}
	if (n == -1 && errno != EAGAIN)
		die(FS_EXIT_FAIL, errno, "cannot read signals");
	if (child)
		reap(sv);
}

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

/*
 * PROGRAM as found in PATH, and its arguments, escaped, for the start-up
 * line: it says what is served (--root ...), not only which program.
 */
static void
command_line(const struct supervisor *sv, char *dst, size_t size)
{
	char word[FS_LOG_LINE_MAX / 2];
	const char *arg;
	size_t n = 0;
	int i;

	dst[0] = '\0';
	for (i = 0; sv->opt->argv[i] != NULL && n + 1 < size; i++) {
		arg = i == 0 ? sv->sp.path : sv->opt->argv[i];
		log_escape(arg, strlen(arg), word, sizeof(word));
		/* A cut line is acceptable: the log line has a bound anyway. */
		n += (size_t)snprintf(dst + n, size - n, "%s%s", i > 0 ? " " : "", word);
	}
}

void
serve_setup(struct supervisor *sv)
{
	char text[256], cmd[FS_LOG_LINE_MAX / 2];

	if ((sv->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die(FS_EXIT_FAIL, errno, "cannot create an epoll set");
	sv->pausefd = timer_open();
	sv->stopfd = timer_open();
	sv->statusfd = timer_open();
	sv->proxyfd = timer_open();
	sv->pause_log_ms = io_now_ms() - SV_PAUSE_LOG_MS;	/* the first pause is logged */
	ep_ctl(sv, EPOLL_CTL_ADD, sv->sigfd, TAG_SIGNAL);
	ep_ctl(sv, EPOLL_CTL_ADD, sv->pausefd, TAG_PAUSE);
	ep_ctl(sv, EPOLL_CTL_ADD, sv->stopfd, TAG_STOP);
	ep_ctl(sv, EPOLL_CTL_ADD, sv->statusfd, TAG_STATUS);
	ep_ctl(sv, EPOLL_CTL_ADD, sv->proxyfd, TAG_PROXY);
	ep_ctl(sv, EPOLL_CTL_ADD, sv->pool.donefd, TAG_SPAWNED);
	serve_listeners_poll(sv);
	command_line(sv, cmd, sizeof(cmd));
	log_msg(LOG_NOTICE, 0, "running %s for at most %u connections (%u per source)",
	    cmd, sv->opt->max_conn, sv->opt->max_per_source);
	status_text(sv, text, sizeof(text));
	notify_ready(&sv->nt, text);
}

static void
dispatch(struct supervisor *sv, uint64_t tag, uint32_t events)
{
	switch (tag) {
	case TAG_SIGNAL:
		signals_dispatch(sv);
		break;
	case TAG_PAUSE:
		pause_end(sv);
		break;
	case TAG_STOP:
		stop_escalate(sv);
		break;
	case TAG_STATUS:
		status_tick(sv);
		break;
	case TAG_PROXY:
		proxyin_expire(sv);
		break;
	case TAG_SPAWNED:
		spawned(sv);
		break;
	default:
		if (tag >= SV_TAG_PENDING) {
			proxyin_event(sv, tag - SV_TAG_PENDING, events);
			break;
		}
		/* A listener's event from this batch may be stale: closed or unpolled since. */
		if (sv->polling && tag < sv->nls)
			accept_batch(sv, &sv->ls[tag]);
		break;
	}
}

void
serve(struct supervisor *sv)
{
	struct epoll_event ev[32];
	int i, n;

	while (sv->phase == PHASE_RUN || sv->conns.live > 0 || sv->pend.live > 0) {
		if ((n = epoll_wait(sv->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), -1)) == -1) {
			if (errno == EINTR)
				continue;
			die(FS_EXIT_FAIL, errno, "epoll_wait");
		}
		for (i = 0; i < n; i++)
			dispatch(sv, ev[i].data.u64, ev[i].events);
	}
	log_msg(LOG_NOTICE, 0, "stopped: %" PRIu64 " connections served", sv->accepted);
}

void
serve_close(struct supervisor *sv)
{
	/* Nothing is buffered in any of these: a failed close loses nothing. */
	(void)close(sv->proxyfd);
	(void)close(sv->statusfd);
	(void)close(sv->stopfd);
	(void)close(sv->pausefd);
	(void)close(sv->epfd);
	(void)close(sv->sigfd);
}
