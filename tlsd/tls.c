/*
 * The TLS side of filesvc-tlsd: the server context built per connection
 * from the PEM files (so a renewed certificate needs no reload), and the
 * handshake under a deadline.  Trusts the files it is given, nothing the
 * client sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "tlsd.h"

/* A certificate chain or key file larger than this is refused (a chain is a few KiB). */
#define FS_TLS_PEM_MAX	(1 << 20)

/* Mozilla's "intermediate" configuration (v5.7): TLS 1.2's suites; 1.3's are OpenSSL's three. */
static const char intermediate_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
static const char intermediate_groups[] = "X25519:prime256v1:secp384r1";

const char *
tls_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *s = e != 0 ? ERR_reason_error_string(e) : NULL;

	return s != NULL ? s : "unknown error";
}

/*
 * Read a whole file into a memory BIO, then wipe our copy: the key must
 * not linger in freed heap.  Returns the BIO, or NULL with errno set.
 */
static BIO *
pem_slurp(const char *path)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	BIO *bio = NULL;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return NULL;
	if ((buf = malloc(FS_TLS_PEM_MAX)) == NULL)
		e = ENOMEM;
	while (e == 0 && len < FS_TLS_PEM_MAX && (n = read(fd, buf + len, FS_TLS_PEM_MAX - len)) != 0)
		if (n > 0)
			len += (size_t)n;
		else if (errno != EINTR)
			e = errno;
	io_close_unwritten(fd);
	if (e == 0 && len == FS_TLS_PEM_MAX)
		e = EFBIG;
	if (e == 0 && (bio = BIO_new(BIO_s_mem())) != NULL &&
	    BIO_write(bio, buf, (int)len) != (int)len) {
		BIO_free(bio);
		bio = NULL;
	}
	if (e == 0 && bio == NULL)
		e = ENOMEM;
	if (buf != NULL)
		OPENSSL_cleanse(buf, len);
	free(buf);
	errno = e;
	return bio;
}

/* pem_slurp(), or NULL after a line saying why the file (what, e.g. "key") cannot be read. */
static BIO *
pem_read(const char *path, const char *what)
{
	BIO *bio = pem_slurp(path);

	if (bio == NULL)
		log_msg(LOG_ERR, errno, "cannot read %s %s", what, path);
	return bio;
}

/* The first certificate is the server's; any after it are the chain sent with it. */
static int
load_cert(SSL_CTX *ctx, const char *path)
{
	BIO *bio = pem_read(path, "certificate");
	X509 *x;
	int r = -1;

	if (bio == NULL)
		return -1;
	if ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1) {
		log_msg(LOG_ERR, 0, "cannot load certificate %s: %s", path, tls_reason());
		goto out;
	}
	X509_free(x);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			log_msg(LOG_ERR, 0, "cannot load the chain in %s: %s", path, tls_reason());
			goto out;
		}
	ERR_clear_error();	/* the loop ends on "no start line" */
	r = 0;
	x = NULL;
out:
	X509_free(x);
	BIO_free(bio);
	return r;
}

static int
load_key(SSL_CTX *ctx, const char *path)
{
	BIO *bio = pem_read(path, "key");
	EVP_PKEY *k;
	int r = -1;

	if (bio == NULL)
		return -1;
	/* No passphrase callback: an encrypted key is refused, not prompted for. */
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	if (k == NULL || SSL_CTX_use_PrivateKey(ctx, k) != 1)
		log_msg(LOG_ERR, 0, "cannot load key %s: %s", path, tls_reason());
	else if (SSL_CTX_check_private_key(ctx) != 1)
		log_msg(LOG_ERR, 0, "key %s does not match the certificate", path);
	else
		r = 0;
	EVP_PKEY_free(k);
	BIO_free(bio);	/* a memory BIO's free clears its buffer */
	return r;
}

/*
 * ALPN: http/1.1 when the client offers it.  Otherwise no protocol is
 * selected and the handshake goes on (a protocol 1 client may offer
 * nothing, or a name of its own); h2 is never selected, so a client
 * offering only h2 must not speak it (RFC 7540, 3.3).
 */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
    unsigned inlen, void *arg)
{
	static const unsigned char ours[] = "\x08http/1.1";
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/*
 * DHE's group: RFC 7919's ffdhe2048, as Mozilla's configuration says.
 * OpenSSL's automatic choice is RFC 3526's group 14, a prime so widely
 * shared that scanners flag it (LOGJAM's precomputation concern).
 */
static int
dh_ffdhe2048(SSL_CTX *ctx)
{
	char group[] = "ffdhe2048";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *dh = NULL;
	int r = -1;

	if (pc != NULL && EVP_PKEY_paramgen_init(pc) > 0 && EVP_PKEY_CTX_set_params(pc, params) > 0 &&
	    EVP_PKEY_paramgen(pc, &dh) > 0 && SSL_CTX_set0_tmp_dh_pkey(ctx, dh) == 1)
		r = 0;	/* the context owns dh now */
	else
		EVP_PKEY_free(dh);
	EVP_PKEY_CTX_free(pc);
	return r;
}

/* Everything about the protocol, none of it from the files. */
static int
context_settings(SSL_CTX *ctx)
{
	/*
	 * Each connection is a new process, so a session ticket or cache
	 * entry could never be used again: issue none.  No renegotiation:
	 * it costs the server a handshake on the client's say-so.  An EOF
	 * without close_notify ends the client's direction like one.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);	/* Mozilla: client's choice */
	(void)SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	(void)SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, intermediate_ciphers) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, intermediate_groups) != 1 ||
	    dh_ffdhe2048(ctx) < 0)
		return -1;
	return 0;
}

SSL_CTX *
tls_context(const struct options *opt)
{
	SSL_CTX *ctx = NULL;

	/*
	 * No openssl.cnf: parsing it is per-process work paid per connection
	 * (bench/results/2026-12-07-0802-tls.md), and everything it could
	 * set that matters here, context_settings() sets explicitly (Debian's
	 * file sets nothing for TLS; its security level 2 is compiled in).
	 * Must come before OpenSSL's first use, which would load the file.
	 */
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) == 1)
		ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || context_settings(ctx) < 0) {
		log_msg(LOG_ERR, 0, "cannot set up TLS: %s", tls_reason());
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (load_cert(ctx, opt->cert) < 0 || load_key(ctx, opt->key) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
tls_wait(int err, int64_t deadline_ms)
{
	if (err == SSL_ERROR_WANT_READ)
		return io_wait(STDIN_FILENO, POLLIN, deadline_ms);
	return io_wait(STDOUT_FILENO, POLLOUT, deadline_ms);
}

/* Why the handshake failed, in words for the log line. */
static const char *
handshake_reason(int err, int ret)
{
	/* With SSL_OP_IGNORE_UNEXPECTED_EOF, a bare EOF is ZERO_RETURN. */
	if (err == SSL_ERROR_ZERO_RETURN ||
	    (err == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0 && (ret == 0 || errno == 0)))
		return "the client closed the connection";
	if (err == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
		return strerror(errno);
	return tls_reason();
}

int
tls_handshake(struct tlsd *t, int64_t deadline_ms)
{
	int ret, err, r;

	if ((t->ssl = SSL_new(t->ctx)) == NULL || SSL_set_rfd(t->ssl, STDIN_FILENO) != 1 ||
	    SSL_set_wfd(t->ssl, STDOUT_FILENO) != 1) {
		log_msg(LOG_ERR, 0, "cannot set up TLS: %s", tls_reason());
		return -1;
	}
	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((ret = SSL_accept(t->ssl)) == 1)
			return 0;
		err = SSL_get_error(t->ssl, ret);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			log_msg(LOG_NOTICE, 0, "TLS handshake with %s failed: %s", t->peer,
			    handshake_reason(err, ret));
			return -1;
		}
		if ((r = tls_wait(err, deadline_ms)) <= 0) {
			if (r == 0)
				log_msg(LOG_NOTICE, 0, "TLS handshake with %s timed out after %u s",
				    t->peer, t->opt->timeout_s);
			else
				log_msg(LOG_NOTICE, -r, "TLS handshake with %s failed", t->peer);
			return -1;
		}
	}
}
