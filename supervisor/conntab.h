/*
 * The connection table of filesvc-inetd: one slot per connection, taken
 * when it is accepted and found by its child's pid when that exits, and
 * a count per source address for -C.  Sized once from -c; nothing is
 * allocated per connection.
 */
#ifndef FS_INETD_CONNTAB_H
#define FS_INETD_CONNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "addr.h"

struct conntab_slot {
	pid_t			pid;		/* 0: free, or reserved until its child starts */
	struct addr_key		key;
	struct addr_text	peer;		/* for the log line when it ends */
	int64_t			start_ms;
};

struct conntab_src {
	struct addr_key	key;
	uint32_t	count;			/* 0: an empty bucket */
};

struct conntab {
	struct conntab_slot	*slot;		/* max of them */
	uint32_t		*free;		/* a stack of free slot indices */
	uint32_t		*bypid;		/* open addressing: slot index + 1, 0 empty */
	struct conntab_src	*src;		/* open addressing by key */
	size_t			 max, per_source, live, nfree, mask;
	uint64_t		 seed;
};

/* The most -c can ask for: beyond it the fd and process limits bite first. */
#define CONNTAB_MAX	65536

/*
 * Allocate a table for max connections (1-CONNTAB_MAX), at most per_source
 * (>= 1) of them from one key.  seed perturbs the key hash so a client
 * cannot choose addresses that collide (pass random bits; tests pass 0).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int conntab_init(struct conntab *t, size_t max, size_t per_source, uint64_t seed);
void conntab_fini(struct conntab *t);

static inline bool
conntab_full(const struct conntab *t)
{
	return t->live == t->max;
}

/* How many live connections count against key. */
uint32_t conntab_from(const struct conntab *t, const struct addr_key *key);

/* Whether one more connection from key would go over the per-source cap. */
static inline bool
conntab_source_full(const struct conntab *t, const struct addr_key *key)
{
	return conntab_from(t, key) >= t->per_source;
}

/*
 * Take a slot for a client of key before its child exists, so -c and -C
 * count connections whose spawn is under way.  Returns the slot (pid 0,
 * key set) for the caller to fill in, or NULL when the table or the
 * source is full.
 */
struct conntab_slot *conntab_reserve(struct conntab *t, const struct addr_key *key);

/*
 * The child of reserved slot s is pid (> 0): from now on conntab_remove()
 * finds it.  Returns 0, -EINVAL (bad pid, s already bound) or -EEXIST
 * (pid is another slot's).
 */
int conntab_bind(struct conntab *t, struct conntab_slot *s, pid_t pid);

/* A reserved slot whose child never started: free it.  No-op once bound. */
void conntab_release(struct conntab *t, struct conntab_slot *s);

/* Whether pid is a bound slot's child. */
bool conntab_has(const struct conntab *t, pid_t pid);

/* The index of slot s, 0 to max - 1. */
static inline uint32_t
conntab_index(const struct conntab *t, const struct conntab_slot *s)
{
	return (uint32_t)(s - t->slot);
}

/*
 * Forget child pid, copying its slot to *ret (may be NULL).  Returns 0,
 * or -ESRCH when pid is not in the table (*ret untouched).
 */
int conntab_remove(struct conntab *t, pid_t pid, struct conntab_slot *ret);

#endif
