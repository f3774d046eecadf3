/*
 * TLS for filesvcs://, with OpenSSL.  The server is untrusted until its
 * certificate chains to the system's CA store (SSL_CERT_FILE and
 * SSL_CERT_DIR as OpenSSL reads them) or to --cacert's, and names the
 * URL's host (or IP address); -k skips both checks, as curl's does.  The
 * socket stays non-blocking: every wait is a poll with a deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "fget.h"
#include "io.h"
#include "log.h"
#include "tls.h"

struct tls {
	SSL_CTX	*ctx;
	SSL	*ssl;
	bool	 failed;	/* a fatal error: no close_notify may follow */
};

/* The first queued OpenSSL error as text, or fallback when there is none. */
static const char *
ssl_why(const char *fallback)
{
	unsigned long e = ERR_peek_error();
	const char *why = e != 0 ? ERR_reason_error_string(e) : NULL;

	return why != NULL ? why : fallback;
}

static bool
ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* The context: TLS 1.2 at least, whose CAs, whether to verify at all. */
static int
ctx_new(const struct options *opt, const char *shown, SSL_CTX **ret)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		log_msg(LOG_ERR, 0, "%s: cannot set up TLS: %s", shown, ssl_why("out of memory"));
		SSL_CTX_free(ctx);
		return FGET_FAIL;
	}
	/* --cacert replaces the system store: a private CA is trusted for this run alone. */
	if (opt->cacert != NULL && access(opt->cacert, R_OK) == -1) {
		log_msg(LOG_ERR, errno, "cannot read CA certificates from %s", opt->cacert);
		SSL_CTX_free(ctx);
		return FGET_CACERT;
	}
	if (opt->cacert != NULL)
		ok = SSL_CTX_load_verify_locations(ctx, opt->cacert, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		log_msg(LOG_ERR, 0, "cannot read CA certificates from %s: %s", opt->cacert != NULL ?
		    opt->cacert : "the system store", ssl_why("no certificate found"));
		SSL_CTX_free(ctx);
		return FGET_CACERT;
	}
	SSL_CTX_set_verify(ctx, opt->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	*ret = ctx;
	return 0;
}

/* Which server the certificate must name; SNI only for a name (RFC 6066 forbids literals). */
static int
ssl_for_host(SSL *ssl, const char *host)
{
	if (ip_literal(host))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set_tlsext_host_name(ssl, host) != 1 || SSL_set1_host(ssl, host) != 1)
		return -1;
	return 0;
}

/*
 * After SSL_* returned r <= 0: wait for what OpenSSL wants (1 to try
 * again), or 0 for the end of the stream, -ETIMEDOUT, or -errno.
 */
static int
ssl_wait(struct tls *t, int fd, int r, int64_t until, bool *ret_truncated)
{
	int e = SSL_get_error(t->ssl, r), w;

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		w = io_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until);
		return w > 0 ? 1 : w == 0 ? -ETIMEDOUT : w;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;	/* close_notify: the server ended the stream on purpose */
	t->failed = true;
	/* OpenSSL 3 reports a FIN without close_notify as this error, not as an EOF. */
	if (e == SSL_ERROR_SSL &&
	    ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		*ret_truncated = true;
		return 0;
	}
	if (e == SSL_ERROR_SYSCALL && errno != 0)
		return -errno;
	return e == SSL_ERROR_SYSCALL ? -ECONNRESET : -EPROTO;
}

/* Why the handshake failed, as curl would count it: 60 for the certificate, else 35. */
static int
handshake_failed(struct tls *t, const char *shown, int r)
{
	long v = SSL_get_verify_result(t->ssl);

	if (v != X509_V_OK && SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE) {
		log_msg(LOG_ERR, 0, "%s: the server's certificate is not trusted: %s "
		    "(--cacert FILE names a CA to trust; -k trusts any)", shown,
		    X509_verify_cert_error_string(v));
		return FGET_CERT;
	}
	if (r == -ETIMEDOUT) {
		log_msg(LOG_ERR, 0, "%s: timed out in the TLS handshake", shown);
		return FGET_TIMEOUT;
	}
	log_msg(LOG_ERR, r < 0 && r != -EPROTO ? -r : 0, "%s: TLS handshake failed%s%s", shown,
	    r == -EPROTO ? ": " : r == 0 ? ": the server closed the connection" : "",
	    r == -EPROTO ? ssl_why("protocol error") : "");
	return FGET_TLS;
}

static int
handshake(struct tls *t, int fd, const char *shown, int64_t deadline)
{
	bool truncated = false;
	int r;

	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(t->ssl)) == 1)
			return 0;
		if ((r = ssl_wait(t, fd, r, deadline, &truncated)) != 1)
			return handshake_failed(t, shown, r);
	}
}

int
tls_open(int fd, const struct options *opt, const char *host, const char *shown,
    int64_t deadline, struct tls **ret)
{
	struct tls *t = calloc(1, sizeof(*t));
	int r;

	if (t == NULL) {
		log_msg(LOG_ERR, ENOMEM, "%s: cannot set up TLS", shown);
		return FGET_FAIL;
	}
	ERR_clear_error();
	if ((r = ctx_new(opt, shown, &t->ctx)) != 0) {
		free(t);
		return r;
	}
	if ((t->ssl = SSL_new(t->ctx)) == NULL || SSL_set_fd(t->ssl, fd) != 1 ||
	    ssl_for_host(t->ssl, host) != 0) {
		log_msg(LOG_ERR, 0, "%s: cannot set up TLS: %s", shown, ssl_why("out of memory"));
		t->failed = true;
		tls_close(t);
		return FGET_FAIL;
	}
	if ((r = handshake(t, fd, shown, deadline)) != 0) {
		t->failed = true;	/* an alert, if any, is sent already */
		tls_close(t);
		return r;
	}
	/* -v: what protects the connection, as curl -v says it. */
	log_msg(LOG_DEBUG, 0, "%s: %s, %s, %s", shown, SSL_get_version(t->ssl),
	    SSL_get_cipher_name(t->ssl), opt->insecure ? "certificate not checked (-k)" :
	    "certificate verified");
	*ret = t;
	return 0;
}

int
tls_read(struct tls *t, int fd, void *buf, size_t len, int64_t until, size_t *ret_n,
    bool *ret_truncated)
{
	size_t n;
	int r;

	for (;;) {
		ERR_clear_error();
		if (SSL_read_ex(t->ssl, buf, len, &n) == 1) {
			*ret_n = n;
			return 0;
		}
		if ((r = ssl_wait(t, fd, 0, until, ret_truncated)) == 1)
			continue;
		if (r == 0)
			*ret_n = 0;
		return r;
	}
}

int
tls_write_all(struct tls *t, int fd, const void *buf, size_t len, int idle_ms)
{
	bool truncated = false;
	size_t n;
	int r;

	while (len > 0) {
		int64_t until = idle_ms < 0 ? -1 : io_now_ms() + idle_ms;

		ERR_clear_error();
		/* Without partial writes, success means all of it; a retry repeats the same call. */
		if (SSL_write_ex(t->ssl, buf, len, &n) == 1) {
			buf = (const char *)buf + n;
			len -= n;
			continue;
		}
		if ((r = ssl_wait(t, fd, 0, until, &truncated)) != 1)
			return r == 0 ? -EPIPE : r;
	}
	return 0;
}

void
tls_close(struct tls *t)
{
	if (t == NULL)
		return;
	/* One try, not waiting for the server's reply: the request stream simply ends. */
	if (t->ssl != NULL && !t->failed)
		(void)SSL_shutdown(t->ssl);
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}
