/*
 * One connection, once the context is built: handshake, spawn, confine,
 * relay, and the command's exit status.  The same whether tlsd was
 * exec'd for the connection or cloned from a fork server.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-limits.h"
#include "io.h"
#include "log.h"
#include "tlsd.h"

/*
 * The relay writes a response as the records each read of the socketpair
 * gives: a header record, then a body record, often.  Under Nagle's
 * algorithm the second waits for the client's ACK of the first, which
 * the client delays: a stall per keep-alive request
 * (bench/results/2026-12-07-0802-tls.md).  Each write is a whole record
 * already, up to TLS's 16 KiB: Nagle could only merge a short one into
 * the next by waiting.  A pipe or Unix socket (tests, s6-ipcserver) has
 * no such option: not an error.
 */
static void
connection_nodelay(void)
{
	int on = 1;

	if (setsockopt(STDOUT_FILENO, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 &&
	    errno != ENOTSOCK && errno != EOPNOTSUPP)
		log_msg(LOG_WARNING, errno, "cannot set TCP_NODELAY on the connection");
}

/* Free the TLS state (so that LeakSanitizer judges only real leaks) and return status. */
static int
end(struct tlsd *t, int status)
{
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	return status;
}

/* After the spawn: confine, relay, and pass the command's exit status on. */
static int
serve(struct tlsd *t)
{
	const char *layer;
	int r, status;

	if ((r = lockdown_relay(&layer)) < 0)
		log_msg(LOG_ERR, -r, "cannot confine the relay: the kernel refused %s", layer);
	else
		relay_run(t);
	io_close_unwritten(t->child_fd);	/* the command sees EOF, or EPIPE, and ends */
	status = spawn_wait(t);
	return end(t, r < 0 ? FS_EXIT_FAIL : status);
}

int
connection_run(struct tlsd *t)
{
	int r;

	connection_nodelay();
	if ((r = io_set_nonblock(STDIN_FILENO, 1)) < 0 || (r = io_set_nonblock(STDOUT_FILENO, 1)) < 0) {
		log_msg(LOG_ERR, -r, "cannot make the connection non-blocking");
		return end(t, FS_EXIT_FAIL);
	}
	if (tls_handshake(t, io_now_ms() + (int64_t)t->opt->timeout_s * 1000) < 0)
		return end(t, FS_EXIT_OK);	/* logged; the client's doing, no command was run */
	if ((r = spawn_command(t)) < 0) {
		log_msg(LOG_ERR, -r, "cannot run %s", t->opt->argv[0]);
		return end(t, FS_EXIT_FAIL);
	}
	return serve(t);
}
