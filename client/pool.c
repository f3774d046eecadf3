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
	conn_init(&f->conn, f->opt);
}

void
pool_use(struct fget *f, const struct url *u)
{
	size_t i;

	if (conn_is_for(&f->conn, u))
		return;
	if (f->conn.fd >= 0 && f->conn.body_left == 0)
		pool_park(f);
	else
		conn_close(&f->conn);	/* one with a body owed is of no use */
	for (i = 0; i < f->nparked; i++) {
		if (!conn_is_for(&f->parked[i], u))
			continue;
		f->conn = f->parked[i];
		memmove(&f->parked[i], &f->parked[i + 1], (f->nparked - i - 1) * sizeof(f->parked[0]));
		f->nparked--;
		return;
	}
}

void
pool_close(struct fget *f)
{
	conn_close(&f->conn);
	while (f->nparked > 0)
		conn_close(&f->parked[--f->nparked]);
}
