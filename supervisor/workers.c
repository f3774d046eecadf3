/*
 * The spawner threads: each takes a job, spawns, closes our copy of the
 * connection and hands the job back through an eventfd the event loop
 * polls.  They touch nothing else of the supervisor (no table, no log),
 * so the only shared state is the two rings under one mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "forkspawn.h"
#include "io.h"
#include "workers.h"
#include "sysfilter.h"

/* Each thread's own stack: posix_spawn() gives the child a separate one. */
#define WORKERS_STACK	(256 * 1024)

static void
ring_push(struct workers_ring *r, size_t cap, uint32_t idx)
{
	r->idx[(r->head + r->n) % cap] = idx;
	r->n++;
}

static uint32_t
ring_pop(struct workers_ring *r, size_t cap)
{
	uint32_t idx = r->idx[r->head];

	r->head = (r->head + 1) % cap;
	r->n--;
	return idx;
}

/* Wait for a job; false once the workers stop. */
static bool
next_job(struct workers *p, uint32_t *idx)
{
	bool ok;

	(void)pthread_mutex_lock(&p->lock);	/* cannot fail for a default mutex we own */
	while (p->todo.n == 0 && !p->stopping)
		(void)pthread_cond_wait(&p->wake, &p->lock);
	ok = p->todo.n > 0;
	if (ok)
		*idx = ring_pop(&p->todo, p->max);
	(void)pthread_mutex_unlock(&p->lock);
	return ok;
}

static void
job_done(struct workers *p, uint32_t idx)
{
	uint64_t one = 1;

	(void)pthread_mutex_lock(&p->lock);
	ring_push(&p->done, p->max, idx);
	(void)pthread_mutex_unlock(&p->lock);
	/* Only fails when the counter would overflow, which max jobs cannot reach. */
	(void)!write(p->donefd, &one, sizeof(one));
}

/*
 * The filter is the thread's own (no TSYNC: the event loop keeps its
 * calls), and so is no_new_privs, which loading it requires.  Every
 * child this thread starts inherits both, through execve() too.
 */
static bool
worker_filter(struct workers *p)
{
	int r = 0;

	if (p->filter && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		r = -errno;
	if (p->filter && r == 0)
		r = sysfilter_load(FS_FILTER_SPAWN);
	(void)pthread_mutex_lock(&p->lock);
	p->started++;
	if (r < 0 && p->filter_err == 0)
		p->filter_err = r;
	(void)pthread_cond_signal(&p->ready);
	(void)pthread_mutex_unlock(&p->lock);
	return r == 0;
}

/*
 * The one place that chooses how a connection's process starts: exec'd
 * per connection, or cloned by the fork server.  Either way it is our
 * child, so the event loop records and reaps it the same way.
 */
static int
job_start(struct workers *p, struct worker *w, struct workers_job *j)
{
	if (p->sp->fs != NULL)
		return forkspawn_request(p->sp->fs, &w->env, j->fd, &j->pid);
	return spawn_start(p->sp, &w->env, j->fd, &j->pid);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct workers *p = w->owner;
	uint32_t idx;

	if (!worker_filter(p))
		return NULL;	/* never spawn unfiltered what was asked filtered */
	while (next_job(p, &idx)) {
		struct workers_job *j = &p->job[idx];

		spawn_set_peer(&w->env, &j->remote, &j->local);
		j->err = -job_start(p, w, j);
		io_close_unwritten(j->fd);	/* the child holds it now (or nobody) */
		j->fd = -1;
		job_done(p, idx);
	}
	return NULL;
}

size_t
workers_default_count(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == -1)
		return 2;
	n = CPU_COUNT(&set);
	return n < 2 ? 2 : n > WORKERS_MAX ? WORKERS_MAX : (size_t)n;
}

static int
jobs_alloc(struct workers *p, const struct spawner *sp, size_t max)
{
	*p = (struct workers){ .sp = sp, .max = max, .donefd = -1 };
	p->job = calloc(max, sizeof(*p->job));
	p->todo.idx = calloc(max, sizeof(*p->todo.idx));
	p->done.idx = calloc(max, sizeof(*p->done.idx));
	if (p->job == NULL || p->todo.idx == NULL || p->done.idx == NULL)
		return -ENOMEM;
	if ((p->donefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -errno;
	return 0;
}

static void
jobs_free(struct workers *p)
{
	size_t i;

	for (i = 0; i < p->nworkers; i++)
		spawn_env_fini(&p->worker[i].env);
	if (p->donefd >= 0)
		io_close_unwritten(p->donefd);
	free(p->job);
	free(p->todo.idx);
	free(p->done.idx);
	p->job = NULL;
	p->todo.idx = p->done.idx = NULL;
	p->donefd = -1;
}

static int
threads_create(struct workers *p, size_t nworkers)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int r;

	if ((r = pthread_attr_init(&attr)) != 0)
		return -r;
	r = pthread_attr_setstacksize(&attr, WORKERS_STACK);
	/* Signals are the event loop's (signalfd): no worker may take one. */
	(void)sigfillset(&all);
	if (r == 0)
		r = pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; r == 0 && p->nworkers < nworkers; p->nworkers++) {
		struct worker *w = &p->worker[p->nworkers];

		w->owner = p;
		if ((r = -spawn_env_init(p->sp, &w->env)) != 0)
			break;
		if ((r = pthread_create(&w->tid, &attr, worker_main, w)) != 0) {
			spawn_env_fini(&w->env);
			break;
		}
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	return -r;
}

/* The lock and both conditions, all or none; 0 or -errno. */
static int
sync_init(struct workers *p)
{
	int r;

	if ((r = pthread_mutex_init(&p->lock, NULL)) != 0)
		return -r;
	if ((r = pthread_cond_init(&p->wake, NULL)) == 0) {
		if ((r = pthread_cond_init(&p->ready, NULL)) == 0)
			return 0;
		(void)pthread_cond_destroy(&p->wake);
	}
	(void)pthread_mutex_destroy(&p->lock);
	return -r;
}

/* Until every thread has loaded its filter (or not); 0 or -EPROTO. */
static int
threads_wait_started(struct workers *p)
{
	int r;

	(void)pthread_mutex_lock(&p->lock);
	while (p->started < p->nworkers)
		(void)pthread_cond_wait(&p->ready, &p->lock);
	r = p->filter_err < 0 ? -EPROTO : 0;
	(void)pthread_mutex_unlock(&p->lock);
	return r;
}

int
workers_start(struct workers *p, const struct spawner *sp, size_t max, size_t nworkers, bool filter)
{
	int r;

	if (nworkers == 0 || nworkers > WORKERS_MAX)
		return -EINVAL;
	if ((r = jobs_alloc(p, sp, max)) < 0 || (r = sync_init(p)) < 0) {
		jobs_free(p);
		return r;
	}
	p->filter = filter;
	if ((r = threads_create(p, nworkers)) < 0 || (r = threads_wait_started(p)) < 0) {
		workers_stop(p);
		return r;
	}
	return 0;
}

void
workers_submit(struct workers *p, uint32_t idx)
{
	p->job[idx].seq = ++p->submitted;
	(void)pthread_mutex_lock(&p->lock);
	ring_push(&p->todo, p->max, idx);
	(void)pthread_cond_signal(&p->wake);
	(void)pthread_mutex_unlock(&p->lock);
}

size_t
workers_take(struct workers *p, uint32_t *idx, size_t max)
{
	uint64_t count;
	size_t n = 0;

	/* EAGAIN: a batch already taken the jobs this wake-up was for. */
	(void)!read(p->donefd, &count, sizeof(count));
	(void)pthread_mutex_lock(&p->lock);
	while (n < max && p->done.n > 0)
		idx[n++] = ring_pop(&p->done, p->max);
	(void)pthread_mutex_unlock(&p->lock);
	p->taken += n;
	return n;
}

void
workers_stop(struct workers *p)
{
	size_t i;

	(void)pthread_mutex_lock(&p->lock);
	p->stopping = true;
	(void)pthread_cond_broadcast(&p->wake);
	(void)pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nworkers; i++)
		(void)pthread_join(p->worker[i].tid, NULL);
	(void)pthread_cond_destroy(&p->wake);
	(void)pthread_cond_destroy(&p->ready);
	(void)pthread_mutex_destroy(&p->lock);
	jobs_free(p);
}
