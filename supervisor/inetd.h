/* filesvc-inetd's internal interfaces: one struct of state, passed by pointer. */
#ifndef FS_INETD_H
#define FS_INETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conntab.h"
#include "forkspawn.h"
#include "loop.h"
#include "notify.h"
#include "pending.h"
#include "workers.h"
#include "spawner.h"
#include "user.h"

/* Listening sockets, all -l results and passed fds together. */
#define SV_LISTEN_MAX	64
/* After the grace time's SIGTERM, how long children get before SIGKILL. */
#define SV_KILL_DELAY_S	5
/* How long accepting pauses after EMFILE/ENFILE/ENOBUFS/ENOMEM. */
#define SV_PAUSE_MS	100
/* At most one "cannot accept" line per this many ms; the next one counts the pauses between. */
#define SV_PAUSE_LOG_MS	10000
/* At most this many accepts per listener readiness, so signals are not starved. */
#define SV_ACCEPT_BATCH	64
/*
 * --proxy-protocol: how long a connection has to deliver its PROXY header.
 * A balancer sends it with the handshake; this only bounds how long a
 * peer that sends nothing holds one of the -c slots.
 */
#define SV_PROXY_DEADLINE_S	5
/* epoll tag of a new fork server's socket until its greeting (forkserve.c). */
#define SV_TAG_FORK_GREETING	((uint64_t)SV_LISTEN_MAX + 16)
/* epoll tags of connections waiting for their header: this plus the slot index. */
#define SV_TAG_PENDING	((uint64_t)1 << 32)

struct options {
	const char	*listen[SV_LISTEN_MAX];	/* -l arguments, already checked */
	size_t		 nlisten;
	unsigned	 max_conn;		/* -c */
	unsigned	 max_per_source;	/* -C */
	unsigned	 backlog;		/* -b */
	unsigned	 grace_s;		/* -t */
	bool		 reuseport;
	bool		 proxy;			/* --proxy-protocol */
	bool		 allow_root;		/* --allow-root */
	bool		 handler_seccomp;	/* --handler-seccomp */
	bool		 syslog;		/* --syslog */
	bool		 fork_server;		/* --fork-server */
	const char	*user;			/* -u USER[:GROUP], or NULL */
	int		 log_level;		/* -q, -v */
	char *const	*argv;			/* PROGRAM ARG... */
};

struct listener {
	int			fd;
	bool			local_known;	/* bound to one address: no getsockname() per accept */
	struct addr_text	local;
	char			name[ADDR_PEER_MAX];	/* for log lines */
};

enum phase { PHASE_RUN, PHASE_GRACE, PHASE_TERM, PHASE_KILL };

struct supervisor {
	const struct options	*opt;
	struct listener		 ls[SV_LISTEN_MAX];
	size_t			 nls;
	struct conntab		 conns;
	struct pending_table	 pend;		/* --proxy-protocol: awaiting headers */
	struct user		 user;		/* -u, resolved before binding */
	struct spawner		 sp;
	struct notify		 nt;		/* the service manager, if one started us */
	struct workers		 workers;	/* the threads that call posix_spawn() */
	struct forkspawn	 fs;		/* --fork-server: the resident PROGRAM */
	int64_t			 fs_start_ms;	/* when the last one was started */
	bool			 fs_failed;	/* that start's failure is logged already */
	pid_t			 unknown_pid;	/* an exited child not in the table (reap.c) */
	uint64_t		 unknown_seq;	/* the last job submitted when it was seen */
	uint64_t		 unknown_left;	/* jobs up to unknown_seq not back yet */
	int			 epfd, sigfd, pausefd, stopfd, statusfd, proxyfd, forkfd;
	enum phase		 phase;
	bool			 polling;	/* listeners are in the epoll set */
	bool			 paused;	/* out of fds: waiting for pausefd */
	int64_t			 pause_log_ms;	/* when the last "cannot accept" line was logged */
	uint64_t		 pauses_quiet;	/* pauses since then, not logged */
	bool			 status_armed;	/* a STATUS= update is due within a second */
	bool			 proxy_armed;	/* proxyfd fires by the oldest deadline */
	uint64_t		 accepted, refused, failed;
	uint64_t		 unproxied;	/* closed before their PROXY header */
};

/* listen.c: open the -l sockets and adopt systemd's; die() on failure. */
void listen_setup(struct supervisor *sv);
void listen_close(struct supervisor *sv);

/* report.c: the counts as text (STATUS=, SIGUSR1), and the start-up line with READY=1. */
#define REPORT_TEXT_MAX	256
void report_text(const struct supervisor *sv, char *dst, size_t size);
void report_changed(struct supervisor *sv);	/* STATUS= within a second */
void report_tick(struct supervisor *sv);	/* statusfd fired */
void report_log(const struct supervisor *sv);
void report_ready(struct supervisor *sv);

/*
 * admit.c: whether we take connections now (-c, -C, busy threads, out of
 * fds, stopping), and handing each one taken to a spawner thread.
 */
bool admit_full(const struct supervisor *sv);	/* -c reached, pending headers included */
void admit_setup(struct supervisor *sv);
void admit_poll(struct supervisor *sv);		/* listeners in or out of the epoll set */
void admit_changed(struct supervisor *sv);	/* a slot was taken or freed: poll, STATUS= */
void admit_pause_end(struct supervisor *sv);	/* pausefd fired */
/*
 * One accept4() on l, unless we stopped taking connections: the new fd,
 * its client in *ss and *len; -EAGAIN when l has nothing more for now (or
 * we stopped accepting); -EINTR when that one failed and the next may not.
 */
int admit_accept(struct supervisor *sv, const struct listener *l, struct sockaddr_storage *ss,
    socklen_t *len);
/*
 * Hand fd, whose client is ss (the socket's peer, or the PROXY header's),
 * to a spawner thread, or refuse it over -C.  Its slot is taken now, so
 * -c and -C count it while the spawn is under way.
 */
void admit_conn(struct supervisor *sv, const struct listener *l, int fd,
    const struct sockaddr_storage *ss, socklen_t len);

/* proxyin.c: --proxy-protocol, the header of each connection before its child. */
void proxyin_accepted(struct supervisor *sv, uint32_t listener, int fd,
    const struct sockaddr_storage *ss, socklen_t len);
void proxyin_event(struct supervisor *sv, uint64_t idx, uint32_t events);
void proxyin_expire(struct supervisor *sv);
void proxyin_close_all(struct supervisor *sv);

/* stop.c: SIGTERM/SIGINT, the grace time, then SIGTERM and SIGKILL to the children. */
void stop_begin(struct supervisor *sv, int sig);
void stop_escalate(struct supervisor *sv);	/* stopfd fired, or a second signal */
/* A child whose spawn came back after the stop began: the signal the others got. */
void stop_late_child(struct supervisor *sv, const struct conntab_slot *s);

/*
 * forkserve.c: --fork-server's server: started before serving (die() if it
 * does not start), reaped, logged and started again (at most once per
 * FORKSERVE_RESTART_MS, without blocking the loop; meanwhile the
 * listeners are not polled), and told to exit when we stop.
 */
#define FORKSERVE_RESTART_MS	1000
void forkserve_setup(struct supervisor *sv);
bool forkserve_reap(struct supervisor *sv, pid_t pid);	/* exited pid: the server? then reaped */
void forkserve_greeting(struct supervisor *sv);	/* a new server's socket is readable */
void forkserve_timer(struct supervisor *sv);	/* forkfd fired: restart, or greeting deadline */
void forkserve_stop(struct supervisor *sv);	/* stopping: no more requests, once none is out */
void forkserve_kill(struct supervisor *sv, int sig);	/* stop_escalate(), if it still runs */

/* Inline, so admit.c, which forkserve.c calls, calls nothing back. */
static inline bool
forkserve_down(const struct supervisor *sv)
{
	return sv->opt->fork_server && !sv->fs.ready;
}

/* reap.c: children that exited (SIGCHLD), and spawns the threads finished. */
void reap_exits(struct supervisor *sv);
void reap_spawns(struct supervisor *sv);

/* serve.c: signals first (before any child), then the loop until the last child is reaped. */
void serve_signals(struct supervisor *sv);
void serve_setup(struct supervisor *sv);
void serve(struct supervisor *sv);
void serve_close(struct supervisor *sv);

#endif
