/* filesvc-inetd's internal interfaces: one struct of state, passed by pointer. */
#ifndef FS_INETD_H
#define FS_INETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conn.h"
#include "notify.h"
#include "pending.h"
#include "pool.h"
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
	struct conn_table	 conns;
	struct pending_table	 pend;		/* --proxy-protocol: awaiting headers */
	struct user		 user;		/* -u, resolved before binding */
	struct spawner		 sp;
	struct notify		 nt;		/* the service manager, if one started us */
	struct pool		 pool;		/* the threads that call posix_spawn() */
	pid_t			 unknown_pid;	/* an exited child not in the table (serve.c) */
	uint64_t		 unknown_seq;	/* the last job submitted when it was seen */
	uint64_t		 unknown_left;	/* jobs up to unknown_seq not back yet */
	int			 epfd, sigfd, pausefd, stopfd, statusfd, proxyfd;
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

/* proxyin.c: --proxy-protocol, the header of each connection before its child. */
void proxyin_accepted(struct supervisor *sv, uint32_t listener, int fd,
    const struct sockaddr_storage *ss, socklen_t len);
void proxyin_event(struct supervisor *sv, uint64_t idx, uint32_t events);
void proxyin_expire(struct supervisor *sv);
void proxyin_close_all(struct supervisor *sv);

/* serve.c: signals first (before any child), then the loop until the last child is reaped. */
void serve_signals(struct supervisor *sv);
void serve_setup(struct supervisor *sv);
void serve(struct supervisor *sv);
void serve_close(struct supervisor *sv);
/* For proxyin.c: whether -c is reached (children plus pending headers), and the rest. */
bool serve_full(const struct supervisor *sv);
void serve_listeners_poll(struct supervisor *sv);
void serve_status_changed(struct supervisor *sv);
void serve_timer_arm(int fd, int64_t ms, bool repeat);
void serve_timer_drain(int fd);
void serve_conn_start(struct supervisor *sv, const struct listener *l, int fd,
    const struct sockaddr_storage *ss, socklen_t len);

#endif
