/*
 * Connections accepted with --proxy-protocol whose PROXY header has not
 * arrived yet.  A fixed table sized once from -c, kept in deadline order
 * (every deadline is accept time plus the same delay, so that is also
 * accept order): the oldest is the next to time out.  Pure bookkeeping;
 * no I/O here.
 */
#ifndef FS_INETD_PENDING_H
#define FS_INETD_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define PENDING_NONE	UINT32_MAX

struct pending {
	int			fd;		/* -1: a free slot */
	uint32_t		listener;	/* index into the supervisor's listeners */
	int64_t			deadline_ms;
	uint32_t		prev, next;	/* deadline order, PENDING_NONE at the ends */
	struct sockaddr_storage	peer;		/* the socket's peer: the balancer */
	socklen_t		peerlen;
};

struct pending_table {
	struct pending	*slot;		/* max of them */
	uint32_t	*free;		/* a stack of free slot indices */
	size_t		 max, live, nfree;
	uint32_t	 oldest, newest;
};

/* A table for max (1-CONNTAB_MAX) pending connections.  Returns 0, -EINVAL or -ENOMEM. */
int pending_init(struct pending_table *t, size_t max);
void pending_fini(struct pending_table *t);

/*
 * Record fd (>= 0), waiting until deadline_ms.  Returns its slot, with fd,
 * deadline and the list links set, for the caller to fill in the rest; or
 * NULL when the table is full.  A deadline earlier than the newest one is
 * put in its place (cost: a walk back), so the order always holds.
 */
struct pending *pending_add(struct pending_table *t, int fd, int64_t deadline_ms);

/* Free p (a live slot of t); its fd is the caller's to close. */
void pending_remove(struct pending_table *t, struct pending *p);

/* The live slot with the earliest deadline, or NULL when none is pending. */
struct pending *pending_oldest(const struct pending_table *t);

/* Slot number of p, for an epoll tag, and back: NULL for a free or bad index. */
uint32_t pending_index(const struct pending_table *t, const struct pending *p);
struct pending *pending_at(const struct pending_table *t, uint64_t idx);

#endif
