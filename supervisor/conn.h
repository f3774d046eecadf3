/*
 * The connection table of filesvc-inetd: one slot per connection, taken
 * when it is accepted and found by its child's pid when that exits, and
 * a count per source address for -C.  Sized once from -c; nothing is
 * allocated per connection.
 */
#ifndef FS_INETD_CONN_H
#define FS_INETD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "addr.h"

struct conn_slot {
	pid_t			pid;		/* 0: free, or reserved until its child starts */
	struct addr_key		key;
	struct addr_text	peer;		/* for the log line when it ends */
	int64_t			start_ms;
};

struct conn_src {
	struct addr_key	key;
	uint32_t	count;			/* 0: an empty bucket */
};

struct conn_table {
	struct conn_slot	*slot;		/* max of them */
	uint32_t		*free;		/* a stack of free slot indices */
	uint32_t		*bypid;		/* open addressing: slot index + 1, 0 empty */
	struct conn_src		*src;		/* open addressing by key */
	size_t			 max, per_source, live, nfree, mask;
	uint64_t		 seed;
};

/* The most -c can ask for: beyond it the fd and process limits bite first. */
#define CONN_MAX	65536

/*
 * Allocate a table for max connections (1-CONN_MAX), at most per_source
 * (>= 1) of them from one key.  seed perturbs the key hash so a client
 * cannot choose addresses that collide (pass random bits; tests pass 0).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int conn_init(struct conn_table *t, size_t max, size_t per_source, uint64_t seed);
void conn_fini(struct conn_table *t);

static inline bool
conn_full(const struct conn_table *t)
{
	return t->live == t->max;
}

/* How many live connections count against key. */
uint32_t conn_from(const struct conn_table *t, const struct addr_key *key);

/* Whether one more connection from key would go over the per-source cap. */
static inline bool
conn_source_full(const struct conn_table *t, const struct addr_key *key)
{
	return conn_from(t, key) >= t->per_source;
}

/*
 * Take a slot for a client of key before its child exists, so -c and -C
 * count connections whose spawn is under way.  Returns the slot (pid 0,
 * key set) for the caller to fill in, or NULL when the table or the
 * source is full.
 */
struct conn_slot *conn_reserve(struct conn_table *t, const struct addr_key *key);

/*
 * The child of reserved slot s is pid (> 0): from now on conn_remove()
 * finds it.  Returns 0, -EINVAL (bad pid, s already bound) or -EEXIST
 * (pid is another slot's).
 */
int conn_bind(struct conn_table *t, struct conn_slot *s, pid_t pid);

/* A reserved slot whose child never started: free it.  No-op once bound. */
void conn_release(struct conn_table *t, struct conn_slot *s);

/* Whether pid is a bound slot's child. */
bool conn_has(const struct conn_table *t, pid_t pid);

/* The index of slot s, 0 to max - 1. */
static inline uint32_t
conn_index(const struct conn_table *t, const struct conn_slot *s)
{
	return (uint32_t)(s - t->slot);
}

/*
 * Forget child pid, copying its slot to *ret (may be NULL).  Returns 0,
 * or -ESRCH when pid is not in the table (*ret untouched).
 */
int conn_remove(struct conn_table *t, pid_t pid, struct conn_slot *ret);

#endif
