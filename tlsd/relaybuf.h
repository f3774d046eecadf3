/*
 * One direction of the relay: a fixed buffer, bytes in at the tail, out
 * at the head.  Pure bookkeeping, no I/O, so that it is tested alone.
 */
#ifndef FS_RELAYBUF_H
#define FS_RELAYBUF_H

#include <stddef.h>

/* Bytes held per direction: four TLS records' worth; the two cap tlsd's buffering. */
#define FS_RELAY_BUF	65536
/* A TLS record's most plaintext (RFC 8446, 5.1): what one SSL_write sends at most. */
#define FS_RELAY_RECORD	16384

/*
 * The command's send buffer on the socketpair (SO_SNDBUF; the kernel
 * doubles it for its own bookkeeping): room to run ahead of the relay
 * during a download, so each wake-up moves more.  The kernel's default
 * (net.core.wmem_default) is a fifth of it.
 */
#define FS_RELAY_SOCKBUF	(1 << 20)

struct relaybuf {
	unsigned char	data[FS_RELAY_BUF];
	size_t		head;		/* first byte not yet sent on */
	size_t		tail;		/* one past the last byte held */
};

/* Bytes held, waiting to be sent on. */
size_t relaybuf_held(const struct relaybuf *b);

/* The bytes held, contiguous at *ret (valid until the next call that adds bytes). */
size_t relaybuf_out(const struct relaybuf *b, const unsigned char **ret);

/*
 * Room for new bytes, contiguous at *ret.  The held bytes move to the
 * start first when that makes more room (a TLS write being retried may
 * see its buffer move: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).  0 when full.
 */
size_t relaybuf_room(struct relaybuf *b, unsigned char **ret);

/* n bytes were written at relaybuf_room()'s place (n <= what it returned). */
void relaybuf_added(struct relaybuf *b, size_t n);

/* n bytes of the head were sent on (n <= relaybuf_held()). */
void relaybuf_sent(struct relaybuf *b, size_t n);

#endif
