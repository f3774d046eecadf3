/*
 * Idle connections kept for later URLs, as curl keeps its connection
 * cache: URLs that go A, B, A reuse A's connection instead of opening a
 * third.  f->conn stays the one in use; the others wait here, the least
 * recently used closed first when the pool is full.  A parked connection
 * the server has since closed (its idle timeout) is found out at reuse,
 * where a reused connection's failure is retried on a fresh one.
 */
#include <string.h>

#include "fget.h"

/* Keep f->conn for later, closing the longest idle if none is free. */
static void
pool_park(struct fget *f)
{
	if (f->nparked == FGET_PARKED_MAX) {
		conn_close(&f->parked[0]);
		memmove(&f->parked[0], &f->parked[1], (FGET_PARKED_MAX - 1) * sizeof(f->parked[0]));
		f->nparked--;
	}
	f->parked[f->nparked++] = f->conn;
}

/* Take the parked connection to u's server out of the pool into c; false if none. */
static bool
pool_take(struct fget *f, const struct url *u, struct conn *c)
{
	size_t i;

	for (i = 0; i < f->nparked; i++) {
		if (!conn_is_for(&f->parked[i], u))
			continue;
		*c = f->parked[i];
		memmove(&f->parked[i], &f->parked[i + 1], (f->nparked - i - 1) * sizeof(f->parked[0]));
		f->nparked--;
		return true;
	}
	return false;
}

/*
 * Looked up before f->conn is parked, so a full pool never closes the
 * very connection wanted (A B C D E A reuses A).  The transfer's -m
 * clock, started on f->conn, goes with it to whichever connection
 * serves it.
 */
void
pool_use(struct fget *f, const struct url *u)
{
	int64_t deadline = f->conn.deadline;
	struct conn next;

	if (conn_is_for(&f->conn, u))
		return;
	if (!pool_take(f, u, &next))
		conn_init(&next, f->opt);
	if (f->conn.st.fd >= 0 && f->conn.body_left == 0)
		pool_park(f);
	else
		conn_close(&f->conn);	/* one with a body owed is of no use */
	f->conn = next;
	f->conn.deadline = deadline;
}

void
pool_close(struct fget *f)
{
	conn_close(&f->conn);
	while (f->nparked > 0)
		conn_close(&f->parked[--f->nparked]);
}
