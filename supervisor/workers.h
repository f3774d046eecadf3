/*
 * The spawner threads of filesvc-inetd.  posix_spawn() returns only once
 * the child has called execve(), so a loop that spawns itself waits each
 * time, with its listeners unread and the other core idle.  The event
 * loop hands each connection to a pool of threads instead: they spawn in
 * parallel while it accepts and reaps.  Jobs are indexed by connection
 * slot, so both queues are bounded by -c and never allocate.
 */
#ifndef FS_INETD_WORKERS_H
#define FS_INETD_WORKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "spawner.h"

/* The most spawner threads, whatever the CPU count. */
#define WORKERS_MAX	16

struct workers_job {
	int			fd;		/* in: the connection; the worker closes it */
	struct addr_text	remote, local;	/* in: for the child's environment */
	uint64_t		seq;		/* set by workers_submit(): 1, 2, 3... */
	pid_t			pid;		/* out: the child */
	int			err;		/* out: 0, or why posix_spawn() failed */
};

/* A ring of job indices: its capacity is the number of jobs. */
struct workers_ring {
	uint32_t	*idx;
	size_t		 head, n;
};

struct worker {
	pthread_t		 tid;
	struct workers		*owner;
	struct spawn_env	 env;		/* each thread writes its own */
};

struct workers {
	const struct spawner	*sp;
	struct workers_job	*job;		/* max of them, by connection slot */
	size_t			 max;
	struct workers_ring	 todo, done;	/* under lock */
	bool			 stopping;	/* under lock */
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;		/* todo has work, or stopping */
	int			 donefd;	/* eventfd: readable once a job is done */
	struct worker		 worker[WORKERS_MAX];
	size_t			 nworkers;
	bool			 filter;	/* load FS_FILTER_SPAWN in each thread */
	size_t			 started;	/* under lock: threads past that */
	int			 filter_err;	/* under lock: the first failure, -errno */
	pthread_cond_t		 ready;		/* started grew */
	uint64_t		 submitted, taken;	/* the event loop's own counts */
};

/*
 * Start nworkers (1-WORKERS_MAX) threads spawning sp's program, for
 * jobs 0..max-1; with filter, each first loads filesvc-handler's seccomp
 * filter (FS_FILTER_SPAWN), which its children inherit.  Call with every
 * signal the event loop reads blocked: the threads inherit the mask.
 * Returns 0, -EPROTO when a thread could not load the filter (filter_err
 * says why), or -errno.
 */
int workers_start(struct workers *p, const struct spawner *sp, size_t max, size_t nworkers,
    bool filter);

/* How many workers suit this machine: one per CPU we may run on, at least 2. */
size_t workers_default_count(void);

/* Queue job idx, whose fd and addresses the caller has filled in; sets its seq. */
void workers_submit(struct workers *p, uint32_t idx);

/*
 * Jobs done, at most max of them, into idx; their pid and err are set.
 * Call again while it returns max: the wake-up is consumed by the first call.
 */
size_t workers_take(struct workers *p, uint32_t *idx, size_t max);

/*
 * Whether enough jobs are out to keep every worker busy: two each, one
 * spawning and one waiting.  More would only move connections from the
 * kernel's backlog, where they cost us nothing, into fds we hold.
 */
static inline bool
workers_busy(const struct workers *p)
{
	return p->submitted - p->taken >= 2 * p->nworkers;
}

/* Stop and join the threads (queued jobs must have been taken), free the rest. */
void workers_stop(struct workers *p);

#endif
