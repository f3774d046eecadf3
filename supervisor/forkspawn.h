/*
 * --fork-server: PROGRAM started once and asked, over the protocol of
 * common/forkserver.h, for each connection's process instead of one
 * posix_spawn() per connection.  This is the mechanism only (start, ask,
 * forget); forkserve.c decides when, and what to log.
 *
 * The spawner threads share one socket: a request and its reply are one
 * exchange under the lock, since the server answers in order.  The event
 * loop alone starts a server and forgets it (pid is written only by it,
 * under the lock, so it may read pid without one); pending and ready are
 * its own.
 */
#ifndef FS_INETD_FORKSPAWN_H
#define FS_INETD_FORKSPAWN_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "spawner.h"

/* How long a new server has to send its greeting. */
#define FORKSPAWN_READY_MS	10000
/* How long a running server has to answer a request before it counts as broken. */
#define FORKSPAWN_REPLY_MS	5000

/* Results besides 0 and -errno. */
enum {
	FORKSPAWN_EXITED = 1,	/* it ended before its greeting */
	FORKSPAWN_MUTE,		/* no greeting in time */
	FORKSPAWN_WRONG,	/* a first message that is not the greeting */
	FORKSPAWN_END,		/* it closed its end: its exit follows */
	FORKSPAWN_WAIT,		/* nothing to read yet */
};

struct forkspawn {
	pthread_mutex_t	lock;
	int		sock;		/* under lock: our end, -1 while no server answers */
	pid_t		pid;		/* the server, 0 when none runs; see above */
	int		pending;	/* event loop only: our end until the greeting, else -1 */
	bool		ready;		/* event loop only: sock is set */
};

/* Returns 0 or -errno. */
int forkspawn_init(struct forkspawn *fs);
void forkspawn_fini(struct forkspawn *fs);

/*
 * Start sp's program as a fork server (none may be running); pid is set,
 * so its exit is recognised from now on, and its greeting is awaited on
 * pending.  Returns 0 or -errno.  Event loop only.
 */
int forkspawn_launch(struct forkspawn *fs, const struct spawner *sp);

/*
 * Read the greeting once pending is readable: 0 when it is the one
 * expected (then call forkspawn_ready()), FORKSPAWN_WAIT, FORKSPAWN_END,
 * FORKSPAWN_WRONG, or -errno.
 */
int forkspawn_greeting(struct forkspawn *fs);

/* The greeting came: requests go to the server from now on. */
void forkspawn_ready(struct forkspawn *fs);

/*
 * forkspawn_launch(), then wait up to FORKSPAWN_READY_MS for the
 * greeting, blocking (for the first start, before we serve).  Returns 0
 * once it answers requests; FORKSPAWN_EXITED when it ended first
 * (*ret_status gets its wait status: it is reaped); FORKSPAWN_MUTE or
 * FORKSPAWN_WRONG (killed and reaped); -errno when it could not be
 * started.
 */
int forkspawn_start(struct forkspawn *fs, const struct spawner *sp, int *ret_status);

/*
 * Ask the server for conn's process, with env's variables.  Returns 0
 * with *ret_pid, our child, or -errno: the server's own reason, or
 * -EAGAIN when no server runs.  A server that does not answer in time,
 * or answers nonsense, is broken: it gets SIGKILL, and the event loop
 * sees it exit.  Any thread.
 */
int forkspawn_request(struct forkspawn *fs, const struct spawn_env *env, int conn, pid_t *ret_pid);

/*
 * The server, which has exited (not yet reaped), is gone: no more
 * requests, pid 0.  Event loop only.
 */
void forkspawn_exited(struct forkspawn *fs);

/* No more requests (pid stays): a ready server sees the end and exits 0.  Event loop only. */
void forkspawn_close(struct forkspawn *fs);

#endif
