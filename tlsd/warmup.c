/*
 * A fork server's warm-up: handshakes against itself, in memory, before
 * it clones.  OpenSSL 3 fetches an algorithm's implementation the first
 * time a process uses it, building its provider tables as it goes; done
 * here once, every clone starts with them built instead of rebuilding
 * them per connection.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "tlsd.h"

/* Rounds of both sides' steps; a handshake in memory takes three or four. */
#define WARMUP_ROUNDS	16

/* Step both sides until each has completed its handshake; false if one fails. */
static bool
handshake_both(SSL *client, SSL *server)
{
	bool cdone = false, sdone = false;
	int i, r;

	for (i = 0; i < WARMUP_ROUNDS && !(cdone && sdone); i++) {
		if (!cdone && (r = SSL_do_handshake(client)) <= 0 &&
		    SSL_get_error(client, r) != SSL_ERROR_WANT_READ)
			return false;
		cdone = cdone || r == 1;
		if (!sdone && (r = SSL_do_handshake(server)) <= 0 &&
		    SSL_get_error(server, r) != SSL_ERROR_WANT_READ)
			return false;
		sdone = sdone || r == 1;
	}
	return cdone && sdone;
}

/* One handshake with the client limited to version v, then a byte each way. */
static bool
warm_once(SSL_CTX *server_ctx, SSL_CTX *client_ctx, int v)
{
	SSL *c = SSL_new(client_ctx), *s = SSL_new(server_ctx);
	BIO *cb = NULL, *sb = NULL;
	unsigned char byte = 'x';
	bool ok = false;

	if (c != NULL && s != NULL && SSL_set_min_proto_version(c, v) == 1 &&
	    SSL_set_max_proto_version(c, v) == 1 && BIO_new_bio_pair(&cb, 0, &sb, 0) == 1) {
		SSL_set_bio(c, cb, cb);
		SSL_set_bio(s, sb, sb);
		SSL_set_connect_state(c);
		SSL_set_accept_state(s);
		ok = handshake_both(c, s) && SSL_write(c, &byte, 1) == 1 &&
		    SSL_read(s, &byte, 1) == 1 && SSL_write(s, &byte, 1) == 1 &&
		    SSL_read(c, &byte, 1) == 1;
	}
	SSL_free(c);
	SSL_free(s);
	return ok;
}

void
tls_warm_up(SSL_CTX *server_ctx)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	bool ok = cctx != NULL;

	/* Both versions: a TLS 1.2 client fetches its own suite, PRF and group. */
	ok = ok && warm_once(server_ctx, cctx, TLS1_3_VERSION);
	ok = ok && warm_once(server_ctx, cctx, TLS1_2_VERSION);
	if (!ok)	/* only slower: each clone then fetches what it uses */
		log_msg(LOG_WARNING, 0, "fork server: the warm-up handshake failed: %s", tls_reason());
	SSL_CTX_free(cctx);
	ERR_clear_error();
}
