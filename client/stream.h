/*
 * The byte stream under protocol 1: a connected TCP socket, read and
 * written as it is or through TLS (tls.c).  conn.c speaks the protocol
 * through these few calls alone, the same way over both.
 */
#ifndef FGET_STREAM_H
#define FGET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls;
struct options;

struct stream {
	int		 fd;		/* non-blocking, connected; -1: closed */
	struct tls	*tls;		/* NULL: plain TCP */
	bool		 truncated;	/* TLS ended without close_notify */
};

/* A closed stream. */
void stream_init(struct stream *s);

/*
 * Take the connected socket fd (non-blocking, CLOEXEC); with tls, run
 * the TLS handshake to host (shown names the server in messages) before
 * deadline (io_now_ms() time, -1 none).  Returns 0, or an FGET_* status
 * having logged why (fd closed then): FGET_TLS when the handshake fails,
 * FGET_CERT when the server's certificate is not trusted or not for
 * host, FGET_CACERT when --cacert cannot be read, FGET_TIMEOUT, and
 * FGET_FAIL when fget was built without TLS.
 */
int stream_open(struct stream *s, int fd, bool tls, const struct options *opt,
    const char *host, const char *shown, int64_t deadline);

/*
 * Up to len bytes into buf, *ret_n of them, waiting until until (-1:
 * forever).  *ret_n == 0 is the end of the stream: a TCP FIN, a TLS
 * close_notify, or a TLS stream cut without one (stream_truncated()
 * says which; the caller, who knows how many bytes are owed, judges).
 * Returns 0, -ETIMEDOUT, or -errno (-EPROTO: TLS says the stream is bad).
 */
int stream_read(struct stream *s, void *buf, size_t len, int64_t until, size_t *ret_n);

/* Whether the last end of the stream came without a TLS close_notify (never over TCP). */
bool stream_truncated(const struct stream *s);

/*
 * All of buf[0..len), each wait for the peer lasting at most idle_ms
 * (-1: forever).  Returns 0, -ETIMEDOUT or -errno (-EPIPE: the peer left).
 */
int stream_write_all(struct stream *s, const void *buf, size_t len, int idle_ms);

/* End the stream: a TLS close_notify if it is still sound, then close; harmless when closed. */
void stream_close(struct stream *s);

#endif
