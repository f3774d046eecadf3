/*
 * filesvc-tlsd: TLS in front of a plain per-connection server.  main.c
 * sequences the phases; tls.c loads the certificate and key and runs the
 * handshake; spawn.c starts the command behind a socketpair; relay.c
 * moves bytes between the two; lockdown.c confines the process.
 */
#ifndef FS_TLSD_H
#define FS_TLSD_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "relaybuf.h"

struct options {
	const char	*cert;		/* PEM: the certificate, then its chain */
	const char	*key;		/* PEM: the private key */
	unsigned	 timeout_s;	/* handshake deadline and idle timeout */
	char		**argv;		/* the command after "--" */
};

/* The connection: TLS on fds 0 (records in) and 1 (records out). */
struct tlsd {
	const struct options	*opt;
	SSL_CTX			*ctx;
	SSL			*ssl;
	char			 peer[128];	/* for log lines, escaped */
	int			 child_fd;	/* our end of the socketpair */
	pid_t			 child;
};

/* tls.c */

/* The reason of the last OpenSSL error on this thread, for a log line. */
const char *tls_reason(void);

/*
 * Read the certificate (with its chain) and the key, each at most
 * FS_TLS_PEM_MAX bytes, and build the server context: TLS 1.2 and 1.3,
 * Mozilla's "intermediate" ciphers, no renegotiation, no resumption,
 * ALPN http/1.1.  On failure logs why (naming the file) and returns NULL.
 */
SSL_CTX *tls_context(const struct options *opt);

/*
 * Complete the handshake on fds 0/1 (made non-blocking) before
 * deadline_ms (io_now_ms() time).  Returns 0; or -1 after one log line
 * naming the peer and the reason.
 */
int tls_handshake(struct tlsd *t, int64_t deadline_ms);

/*
 * Wait until the TLS connection can make progress after SSL_ERROR_WANT_*
 * err, before deadline_ms.  Returns 1 ready, 0 timed out, -errno.
 */
int tls_wait(int err, int64_t deadline_ms);

/* spawn.c */

/*
 * A socketpair; the command on one end (fds 0 and 1; fd 2 inherited),
 * with the environment plus HTTPS, SSL_PROTOCOL, SSL_CIPHER and
 * SSL_TLS_SNI.  Sets t->child and t->child_fd.  Returns 0 or -errno.
 */
int spawn_command(struct tlsd *t);

/*
 * Wait for the command to exit; returns the exit status tlsd passes on
 * (its own, or 128 + N when signal N killed it, logged).
 */
int spawn_wait(struct tlsd *t);

/* Whether s (an SNI host name) may go into the environment as it is: a DNS name. */
bool spawn_sni_ok(const char *s);

/* relay.c */

/* Relay until both directions are closed, the idle timeout passes, or a side fails. */
void relay_run(struct tlsd *t);

/* connection.c */

/*
 * The connection on fds 0/1 with t->ctx built and t->peer described:
 * handshake, spawn, confine, relay.  Frees t's TLS state; returns the
 * exit status tlsd ends with.
 */
int connection_run(struct tlsd *t);

/* warmup.c */

/* Handshakes against ctx in memory, so that a clone finds OpenSSL's tables built. */
void tls_warm_up(SSL_CTX *ctx);

/* forkserver.c */

/*
 * Serve as a fork server on the socket fdtext names (FILESVC_FORK_SERVER):
 * returns the exit status once filesvc-inetd closes its end.
 */
int forkserver_run(const struct options *opt, const char *fdtext);

/* lockdown.c */

/*
 * Before the key is read: not dumpable (no ptrace, /proc/PID/mem or core
 * file for a process of the same uid).  Returns 0 or -errno.
 */
int lockdown_nodump(void);

/*
 * Before the first byte from the client: no_new_privs.  Returns 0 or -errno.
 */
int lockdown_early(void);

/*
 * After the spawn: no file access at all (Landlock) and only the relay's
 * system calls (seccomp).  A layer the kernel lacks is skipped with a
 * warning.  Returns 0, or -errno with *ret_layer naming the layer.
 */
int lockdown_relay(const char **ret_layer);

#endif
