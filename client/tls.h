/*
 * TLS for filesvcs:// (OpenSSL), used only through stream.c.  The server
 * is verified against the system's CA store (or --cacert) and its host
 * name or IP address, unless -k; TLS 1.2 is the least accepted.
 */
#ifndef FGET_TLS_H
#define FGET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct options;
struct tls;

/*
 * Handshake over the connected non-blocking socket fd with host (a name,
 * sent as SNI and checked against the certificate, or an IP literal,
 * checked as an address) before deadline.  Returns 0 and *ret, or an
 * FGET_* status having logged why (stream_open() lists them); fd is not
 * closed here.
 */
int tls_open(int fd, const struct options *opt, const char *host, const char *shown,
    int64_t deadline, struct tls **ret);

/* stream_read() over t: 0 with *ret_n == 0 at the end, *ret_truncated when unannounced. */
int tls_read(struct tls *t, int fd, void *buf, size_t len, int64_t until, size_t *ret_n,
    bool *ret_truncated);

/* stream_write_all() over t. */
int tls_write_all(struct tls *t, int fd, const void *buf, size_t len, int idle_ms);

/* Send close_notify unless the stream failed (best effort: we are leaving), and free t. */
void tls_close(struct tls *t);

#endif
